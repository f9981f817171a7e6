"""Write a Dataset as a Neware BTSDA-style flat record CSV: :func:`write_btsda_csv`.

The file looks like the record export of Neware's BTSDA software::

    DataPoint,Cycle Index,Step Index,Step Type,Time,Total Time,Current(mA),Voltage(V),Capacity(mAh),
    Chg. Cap.(mAh),DChg. Cap.(mAh),Energy(mWh),Chg. Energy(mWh),DChg. Energy(mWh),Power(mW)[,Date]

one line per record, step and total time as ``h:mm:ss.fff`` (hours beyond 24 written as such),
discharge currents negative, capacities and energies **unsigned** and restarting at every step
(as BTSDA writes them; ``Chg.``/``DChg.`` columns hold the step's value in charge/discharge steps
and 0 otherwise). ``Date`` is written when the Dataset has ``unix_time_second`` or ``start`` is
given. :func:`analysis.io.read_cycler` reads it back (format ``neware-csv``) to the same values
within the written precision (``decimals``).

Energies lose their sign: a step whose voltage is negative (Li plating in a half-cell, where
V·I > 0 in a discharge step) is read back with the sign of its direction instead.

BTSDA files carry no metadata: a reconstructed Dataset written here must be read with
``data_source="reconstructed"`` (the caller knows it; :func:`analysis.io.bdf.write_bdf_csv` keeps
the label in the file instead).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Mapping

import numpy as np
import pint
import xarray as xr

from ..atomic import atomic_text
from .core import REQUIRED, step_directions, validate

__all__ = ["write_btsda_csv", "DEFAULT_DECIMALS"]

#: Digits after the decimal point of each written column (current mA, voltage V, capacity mAh,
#: energy mWh, power mW).
DEFAULT_DECIMALS: dict[str, int] = {"current": 4, "voltage": 4, "capacity": 6, "energy": 6, "power": 4}


def _values(ds: xr.Dataset, name: str, unit: str | None) -> np.ndarray:
    data = ds[name].data
    if isinstance(data, pint.Quantity):
        return np.asarray(data.to(unit).magnitude if unit else data.magnitude)
    if unit and ds[name].attrs.get("units") not in (None, unit):
        from ..units import Q_

        return np.asarray(Q_(np.asarray(data, dtype=float), ds[name].attrs["units"]).to(unit).magnitude)
    return np.asarray(data)


def _hms(seconds: np.ndarray) -> list[str]:
    """``h:mm:ss.fff`` of each duration (rounded to the millisecond)."""
    ms = np.rint(np.asarray(seconds, dtype=float) * 1000.0).astype(np.int64)
    if np.any(ms < 0):
        raise ValueError("negative time")
    h, rest = np.divmod(ms, 3_600_000)
    m, rest = np.divmod(rest, 60_000)
    s, f = np.divmod(rest, 1000)
    return [f"{a}:{b:02d}:{c:02d}.{d:03d}" for a, b, c, d in zip(h.tolist(), m.tolist(), s.tolist(), f.tolist())]


def _fixed(values: np.ndarray, decimals: int) -> list[str]:
    out = np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float))
    # '-0.0000' reads back as 0 but looks odd in a file
    return [v[1:] if v.startswith("-") and not v.strip("-0.") else v for v in out.tolist()]


def write_btsda_csv(ds: xr.Dataset, path: str | Path, *, decimals: Mapping[str, int] | None = None,
                    start: _dt.datetime | None = None) -> Path:
    """Write ``ds`` (canonical Dataset, quantified or not) as a BTSDA flat record CSV, atomically.

    Needs the required variables; ``cycle_count``, ``step_count``, ``step_id``, ``step_type``,
    ``step_time_second``, ``step_net_capacity_ah`` and ``step_net_energy_wh`` are used where present
    (cycle 1, step 1, a label from the current's sign, step times and capacities from the records
    otherwise). ``start`` (a timezone-aware or naive UTC datetime) adds a ``Date`` column.
    """
    digits = {**DEFAULT_DECIMALS, **dict(decimals or {})}
    path = Path(path)
    for name in REQUIRED:
        if name not in ds:
            raise ValueError(f"the Dataset has no {name}")
    t = _values(ds, "test_time_second", "s").astype(float)
    v = _values(ds, "voltage_volt", "V").astype(float)
    i = _values(ds, "current_ampere", "A").astype(float)
    n = t.size
    plain = xr.Dataset({"test_time_second": ("record", t), "voltage_volt": ("record", v),
                        "current_ampere": ("record", i)}, attrs=dict(ds.attrs))
    if "step_type" in ds:
        plain["step_type"] = ("record", _values(ds, "step_type", None).astype(str))
    validate(plain)

    if "step_count" in ds:
        step_count = _values(ds, "step_count", None).astype(np.int64)
    else:
        from ..cycling import step_boundaries

        step_count = np.zeros(n, dtype=np.int64)
        step_count[step_boundaries(ds)] = 1
        step_count = np.cumsum(step_count)
    starts = np.concatenate([[True], step_count[1:] != step_count[:-1]]) if n else np.zeros(0, dtype=bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.zeros(0, dtype=np.int64)
    cycle = _values(ds, "cycle_count", None).astype(np.int64) if "cycle_count" in ds else np.ones(n, dtype=np.int64)
    step_id = _values(ds, "step_id", None).astype(np.int64) if "step_id" in ds else \
        (np.cumsum(starts).astype(np.int64) if n else np.zeros(0, dtype=np.int64))
    if "step_type" in ds:
        labels = _values(ds, "step_type", None).astype(str)
    else:
        labels = np.where(i > 0, "CC_Chg", np.where(i < 0, "CC_DChg", "Rest"))
    if "step_time_second" in ds:
        step_time = _values(ds, "step_time_second", "s").astype(float)
    else:
        step_time = t - t[first]
    if "step_net_capacity_ah" in ds:
        capacity = _values(ds, "step_net_capacity_ah", "A*h").astype(float)
    else:  # trapezoid within each step
        inc = np.concatenate([[0.0], 0.5 * (i[1:] + i[:-1]) * np.diff(t) / 3600.0])
        inc[starts] = 0.0
        cum = np.cumsum(inc)
        capacity = cum - cum[first]
    energy = _values(ds, "step_net_energy_wh", "W*h").astype(float) if "step_net_energy_wh" in ds else None

    directions = step_directions(labels)
    is_charge = directions == "charge"
    is_discharge = directions == "discharge"
    cap_mah = np.abs(capacity) * 1e3
    columns: list[tuple[str, list[str]]] = [
        ("DataPoint", [str(k) for k in range(1, n + 1)]),
        ("Cycle Index", [str(c) for c in cycle.tolist()]),
        ("Step Index", [str(s) for s in step_id.tolist()]),
        ("Step Type", labels.tolist()),
        ("Time", _hms(step_time)),
        ("Total Time", _hms(t)),
        ("Current(mA)", _fixed(i * 1e3, digits["current"])),
        ("Voltage(V)", _fixed(v, digits["voltage"])),
        ("Capacity(mAh)", _fixed(cap_mah, digits["capacity"])),
        ("Chg. Cap.(mAh)", _fixed(np.where(is_charge, cap_mah, 0.0), digits["capacity"])),
        ("DChg. Cap.(mAh)", _fixed(np.where(is_discharge, cap_mah, 0.0), digits["capacity"])),
    ]
    if energy is not None:
        e_mwh = np.abs(energy) * 1e3
        columns += [
            ("Energy(mWh)", _fixed(e_mwh, digits["energy"])),
            ("Chg. Energy(mWh)", _fixed(np.where(is_charge, e_mwh, 0.0), digits["energy"])),
            ("DChg. Energy(mWh)", _fixed(np.where(is_discharge, e_mwh, 0.0), digits["energy"])),
        ]
    columns.append(("Power(mW)", _fixed(v * i * 1e3, digits["power"])))
    unix = None
    if "unix_time_second" in ds:
        unix = _values(ds, "unix_time_second", "s").astype(float)
    elif start is not None:
        origin = start if start.tzinfo else start.replace(tzinfo=_dt.timezone.utc)
        unix = origin.timestamp() + t
    if unix is not None:
        stamps = np.rint(unix * 1000.0).astype("datetime64[ms]").astype(str)
        columns.append(("Date", [s.replace("T", " ") for s in stamps.tolist()]))

    header = ",".join(name for name, _ in columns) + ",\n"
    with atomic_text(path) as handle:
        handle.write(header)
        cells = [values for _, values in columns]
        handle.writelines(",".join(row) + ",\n" for row in zip(*cells))
    return path
