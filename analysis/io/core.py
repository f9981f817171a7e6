"""The in-memory form of every cycler file: one xarray Dataset, Battery Data Format names.

Every reader in :mod:`analysis.io` returns what :func:`build_dataset` makes:

- one dimension, ``record`` (0 … n-1, file order);
- data variables named by the Battery Data Format (BDF) machine names of :data:`VARIABLES`,
  float64 (counters int64, labels str), with pint units attached through pint-xarray
  (:data:`analysis.units.ureg`); only the three required ones must be present;
- sign convention: current is positive when it charges the test object;
- attributes: ``source_file``, ``source_sha256``, ``format``, ``instrument``, ``reader``,
  ``data_source`` (``measured`` / ``reconstructed``), ``sign_convention``, plus any the reader adds.

A reader may pass ``step_type`` as a :class:`pandas.Categorical` (fast for millions of records).
``step_type`` keeps the instrument's own label (e.g. ``CCCV_Chg``); :func:`step_direction` maps a
label to ``charge`` / ``discharge`` / ``rest`` / ``other``. ``cycle_count`` is the file's own cycle
number, never renumbered. ``step_net_capacity_ah`` resets at every step (Neware style) and is
signed like the current; readers of formats with cumulative capacities convert to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import pint
import xarray as xr

from .. import DATA_SOURCES, __version__
from ..errors import DataError
from ..units import Q_, ureg

RECORD = "record"
SIGN_CONVENTION = "current > 0 charges the test object"


@dataclass(frozen=True)
class Variable:
    name: str
    unit: str | None  # pint unit; None for labels
    kind: str  # "float", "int" or "str"
    label: str  # BDF preferred label
    description: str
    required: bool = False


VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("test_time_second", "s", "float", "Test Time / s", "time since the start of the test", True),
    Variable("voltage_volt", "V", "float", "Voltage / V", "cell voltage", True),
    Variable("current_ampere", "A", "float", "Current / A", "current, > 0 charging the test object", True),
    Variable("unix_time_second", "s", "float", "Unix Time / s", "seconds since 1970-01-01 UTC"),
    Variable("step_time_second", "s", "float", "Step Time / s", "time since the start of the step"),
    Variable("cycle_count", "dimensionless", "int", "Cycle Count / 1", "the file's own cycle number"),
    Variable("step_count", "dimensionless", "int", "Step Count / 1", "running step number, +1 at every new step"),
    Variable("step_id", "dimensionless", "int", "Step ID", "step of the schedule (program line)"),
    Variable("step_type", None, "str", "Step Type", "the instrument's step label, e.g. CC_Chg, CCCV_Chg, Rest"),
    Variable("step_net_capacity_ah", "A*h", "float", "Step Net Capacity / Ah",
             "charge passed since the start of the step, signed like the current"),
    Variable("step_net_energy_wh", "W*h", "float", "Step Net Energy / Wh",
             "energy passed since the start of the step, signed like the current"),
    Variable("ambient_temperature_celsius", "degC", "float", "Ambient Temperature / degC", "temperature"),
)}
REQUIRED = tuple(name for name, v in VARIABLES.items() if v.required)
PREFERRED_LABELS = {v.label: v.name for v in VARIABLES.values()}

_DIRECTION_CODES = {"other": 0, "charge": 1, "discharge": 2, "rest": 3}
_CHARGE_WORDS = ("chg", "charge")
_DISCHARGE_WORDS = ("dchg", "dischg", "discharge")



def magnitudes(ds: xr.Dataset, name: str, unit: str) -> np.ndarray:
    """Values of ``name`` in ``unit`` as float64, whether ``ds`` is quantified or not."""
    data = ds[name].data
    if isinstance(data, pint.Quantity):
        return np.asarray(data.to(unit).magnitude, dtype=np.float64)
    units = ds[name].attrs.get("units")
    if units is None:
        raise ValueError(f"{name} carries no units")
    return np.asarray(Q_(np.asarray(data, dtype=np.float64), units).to(unit).magnitude)


def plain_values(ds: xr.Dataset, name: str) -> np.ndarray:
    """Values of a counter or label variable, without units."""
    data = ds[name].data
    return np.asarray(data.magnitude if isinstance(data, pint.Quantity) else data)

def step_direction(label: str) -> str:
    """``charge``, ``discharge``, ``rest`` or ``other`` for an instrument step label."""
    text = str(label).strip().lower().replace(" ", "_")
    if any(w in text for w in _DISCHARGE_WORDS) or text.startswith("d_"):
        return "discharge"
    if any(w in text for w in _CHARGE_WORDS):
        return "charge"
    if text in ("rest", "ocv", "pause", "relaxation", "open_circuit"):
        return "rest"
    return "other"


def step_directions(labels: np.ndarray) -> np.ndarray:
    """:func:`step_direction` of every element of an array of labels (vectorised)."""
    codes, uniques = pd.factorize(np.asarray(labels), use_na_sentinel=False)
    return np.array([step_direction(u) for u in uniques], dtype=object)[codes].astype(str) if len(uniques) else \
        np.array([], dtype=str)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_dataset(
    columns: Mapping[str, Any],
    *,
    source_file: str | Path,
    format: str,
    instrument: str,
    reader: str,
    data_source: str = "measured",
    attrs: Mapping[str, Any] | None = None,
    check: bool = True,
) -> xr.Dataset:
    """The canonical Dataset from columns already in BDF names and BDF units (V, A, s, Ah, Wh).

    ``columns`` maps BDF machine names to 1-D arrays of equal length. Unknown names raise (a
    reader must map every column it keeps). ``check`` runs :func:`validate` (time monotonic, no
    NaN in required columns, sign convention consistent with step types where present).
    """
    if data_source not in DATA_SOURCES or data_source == "paper":
        raise ValueError(f"data_source of a cycler file must be 'measured' or 'reconstructed', got {data_source!r}")
    unknown = sorted(set(columns) - set(VARIABLES))
    if unknown:
        raise ValueError(f"not BDF variables of this project: {', '.join(unknown)}")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise DataError(f"required column missing: {', '.join(missing)}", path=source_file, column=missing[0])
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"columns differ in length: {lengths}")
    directions = None
    data_vars = {}
    for name in VARIABLES:  # fixed order
        if name not in columns:
            continue
        v = VARIABLES[name]
        values = columns[name]
        if isinstance(values, pd.Categorical):  # labels as codes: cheap for millions of records
            categories = np.asarray(values.categories, dtype=str)
            if name == "step_type":  # one small code per record instead of a string
                table = np.array([_DIRECTION_CODES[step_direction(c)] for c in categories], dtype=np.int8)
                directions = table[values.codes]
            values = categories[values.codes]
        values = np.asarray(values)
        if v.kind == "float":
            values = np.asarray(values, dtype=np.float64)  # no copy when already float64
        elif v.kind == "int":
            values = np.asarray(values, dtype=np.int64)
        elif values.dtype.kind != "U":
            values = values.astype(str)
        data_vars[name] = xr.Variable((RECORD,), values, attrs={"long_name": v.label, "description": v.description,
                                                                **({"units": v.unit} if v.unit else {})})
    ds = xr.Dataset(data_vars, coords={RECORD: np.arange(lengths[REQUIRED[0]], dtype=np.int64)})
    ds.attrs.update({
        "source_file": str(source_file),
        "source_sha256": sha256(source_file) if Path(source_file).is_file() else "",
        "format": format,
        "instrument": instrument,
        "reader": f"{reader} (analysis {__version__})",
        "data_source": data_source,
        "sign_convention": SIGN_CONVENTION,
        **dict(attrs or {}),
    })
    if check:
        validate(ds, directions=directions)
    return ds.pint.quantify(unit_registry=ureg)


def validate(ds: xr.Dataset, *, directions: np.ndarray | None = None) -> None:
    """Raise :class:`DataError` (file, column, row) for the first problem found.

    Checks: required variables present; no NaN in them; test time never decreasing; when
    ``step_type`` is present, current of charge steps is not negative and of discharge steps not
    positive (which would mean the opposite sign convention).
    """
    path = ds.attrs.get("source_file")
    for name in REQUIRED:
        if name not in ds:
            raise DataError("required column missing", path=path, column=name)
        values = np.asarray(ds[name].values, dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise DataError(f"not a finite number ({bad.size} such rows)", path=path, column=name, row=int(bad[0]) + 1)
    t = np.asarray(ds["test_time_second"].values, dtype=float)
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise DataError(f"time goes backwards ({t[i - 1]:g} s then {t[i]:g} s)", path=path, column="test_time_second", row=i + 1)
    if "step_type" in ds:
        if directions is None:
            names = step_directions(np.asarray(ds["step_type"].values))
            directions = np.select([names == "charge", names == "discharge"],
                                   [_DIRECTION_CODES["charge"], _DIRECTION_CODES["discharge"]], 0).astype(np.int8)
        current = np.asarray(ds["current_ampere"].values, dtype=float)
        scale = max(float(np.nanmax(np.abs(current))) if current.size else 0.0, 1e-300)
        tolerance = 1e-6 * scale
        for direction, wrong in (("charge", current < -tolerance), ("discharge", current > tolerance)):
            rows = np.flatnonzero((directions == _DIRECTION_CODES[direction]) & wrong)
            if rows.size > max(1, directions.size // 100):  # a stray record at a step edge is tolerated
                r = int(rows[0])
                raise DataError(
                    f"current {current[r]:g} A in a {direction} step ('{ds['step_type'].values[r]}'): the file's sign "
                    f"convention contradicts its step types ({rows.size} rows)",
                    path=path, column="current_ampere", row=r + 1)
