"""From records to steps to cycles: capacities, Coulombic efficiency and retention, with units.

Conventions, stated once:

- A **step** is a run of records with the same ``step_count`` (or, where a file has none, the same
  step label and current sign). Its capacity is the last value of ``step_net_capacity_ah`` (which
  resets at every step), or the integral of current over time where the file has no capacity.
- A cycle's **charge capacity** is the sum over all its charge steps (CC *and* CV, or CCCV), and
  likewise for discharge. Taking the largest value per half-cycle instead silently drops the CC
  part of a CC-CV charge; :func:`cycle_summary` never does.
- **Coulombic efficiency** depends on the kind of cell:

  ``plating`` (Li plating/stripping half-cell, e.g. SUS/SE/Li): plating is the discharge
  (current < 0 through the test electrode), stripping the charge; CE = stripped / plated.
  ``full_cell`` (e.g. Li/SE/NCM811): CE = discharge / charge.

- **Retention** is a capacity divided by the capacity of a chosen reference cycle.
- **Cycles** are those of the records' ``cycle_count``: the file's own counter, or half-cycles
  found from the direction of the current (:func:`assign_cycles`, :mod:`analysis.cycle_definition`);
  :func:`cycle_flags` flags a cycle the counter made odd.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pint
import xarray as xr

from .cycle_definition import DEFINITIONS as CYCLE_DEFINITIONS, assign_cycles, cycle_flags, flag_note  # noqa: F401
from .io.core import magnitudes as _magnitudes, plain_values as _plain, step_directions
from .units import AREA, Q_, require, ureg

CE_CONVENTIONS = ("plating", "full_cell")
_DIRECTIONS = np.array(["rest", "charge", "discharge", "other"])


def _max_abs(values: np.ndarray) -> float:
    """``max(|values|)`` without a temporary array of absolute values (NaN if any value is NaN)."""
    return float(np.maximum(values.max(), -values.min())) if values.size else 0.0


def _step_integrals(time: np.ndarray, current: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Trapezoid integral of current over time (A·h) within each step; none crosses a step boundary.

    Increment ``j`` joins records ``j`` and ``j + 1``; the last record of every step contributes
    a zero instead, so one ``np.add.reduceat`` over the step starts sums each step's own increments.
    In place on one buffer of the records' length: no cumulative sum over the whole file.
    """
    increments = np.empty(time.size, dtype=np.float64)
    body = increments[:-1]
    np.add(current[1:], current[:-1], out=body)
    body *= 0.5
    body *= np.diff(time)
    body /= 3600.0
    increments[starts[1:] - 1] = 0.0  # no increment across a step boundary
    increments[-1] = 0.0
    return np.add.reduceat(increments, starts)


def step_boundaries(ds: xr.Dataset) -> np.ndarray:
    """Index of the first record of every step (starting with 0)."""
    n = ds.sizes["record"]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if "step_count" in ds:
        key = _plain(ds, "step_count")
        change = key[1:] != key[:-1]
    else:
        current = _magnitudes(ds, "current_ampere", "A")
        scale = max(_max_abs(current), 1e-300)
        sign = np.where(current > 1e-6 * scale, 1, np.where(current < -1e-6 * scale, -1, 0))
        change = sign[1:] != sign[:-1]
        if "step_type" in ds:
            labels = _plain(ds, "step_type")
            change |= labels[1:] != labels[:-1]
    return np.concatenate([[0], np.flatnonzero(change) + 1]).astype(np.int64)


def step_table(ds: xr.Dataset) -> xr.Dataset:
    """One row per step: cycle, label, direction, start/end time, capacity and mean current.

    Capacity is signed like the current (> 0 charge). Returned with pint units, dimension ``step``.
    """
    starts = step_boundaries(ds)
    n = ds.sizes["record"]
    if starts.size == 0:
        raise ValueError("no records")
    ends = np.append(starts[1:], n) - 1
    time = _magnitudes(ds, "test_time_second", "s")
    current = _magnitudes(ds, "current_ampere", "A")

    if "step_net_capacity_ah" in ds:
        capacity = _magnitudes(ds, "step_net_capacity_ah", "A*h")[ends]
    else:  # trapezoid integral of current within each step
        capacity = _step_integrals(time, current, starts)

    counts = ends - starts + 1
    mean_current = np.add.reduceat(current, starts) / counts
    if "step_type" in ds:
        labels = _plain(ds, "step_type")[starts]
        directions = step_directions(labels)
        unknown = directions == "other"
    else:
        labels = np.full(starts.size, "", dtype=object)
        directions = np.full(starts.size, "other", dtype=object)
        unknown = np.ones(starts.size, dtype=bool)
    scale = max(_max_abs(current), 1e-300)
    by_sign = np.where(mean_current > 1e-6 * scale, "charge", np.where(mean_current < -1e-6 * scale, "discharge", "rest"))
    directions = np.where(unknown, by_sign, directions).astype(str)

    cycle = _plain(ds, "cycle_count")[starts] if "cycle_count" in ds else np.ones(starts.size, dtype=np.int64)
    steps = xr.Dataset(
        {
            "cycle_count": ("step", cycle.astype(np.int64)),
            "step_type": ("step", labels.astype(str)),
            "direction": ("step", directions),
            "first_record": ("step", starts),
            "last_record": ("step", ends),
            "start_time": ("step", time[starts], {"units": "s"}),
            "end_time": ("step", time[ends], {"units": "s"}),
            "capacity": ("step", capacity, {"units": "A*h"}),
            "mean_current": ("step", mean_current, {"units": "A"}),
        },
        coords={"step": np.arange(starts.size, dtype=np.int64)},
    )
    return steps.pint.quantify(unit_registry=ureg)


def cycle_summary(
    ds: xr.Dataset,
    *,
    convention: Literal["plating", "full_cell"],
    area: pint.Quantity | None = None,
) -> xr.Dataset:
    """Per-cycle charge and discharge capacity, CE and (with ``area``) areal capacities.

    Dimension ``cycle`` holds the file's own cycle numbers, sorted. Capacities are in mAh (and
    mAh/cm² with ``area``); CE is dimensionless (NaN where its denominator is zero).
    """
    if convention not in CE_CONVENTIONS:
        raise ValueError(f"convention must be one of {', '.join(CE_CONVENTIONS)}, got {convention!r}")
    steps = step_table(ds)
    cycles = steps["cycle_count"].values
    capacity = steps["capacity"].data.to("mA*h").magnitude
    direction = steps["direction"].values
    numbers, index = np.unique(cycles, return_inverse=True)
    charge = np.bincount(index, weights=np.where(direction == "charge", np.abs(capacity), 0.0), minlength=numbers.size)
    discharge = np.bincount(index, weights=np.where(direction == "discharge", np.abs(capacity), 0.0), minlength=numbers.size)
    numerator, denominator = (charge, discharge) if convention == "plating" else (discharge, charge)
    with np.errstate(divide="ignore", invalid="ignore"):
        ce = np.where(denominator > 0, numerator / denominator, np.nan)
    start = np.full(numbers.size, np.inf)
    np.minimum.at(start, index, steps["start_time"].data.to("s").magnitude)
    end = np.full(numbers.size, -np.inf)
    np.maximum.at(end, index, steps["end_time"].data.to("s").magnitude)
    out = xr.Dataset(
        {
            "charge_capacity": ("cycle", charge, {"units": "mA*h"}),
            "discharge_capacity": ("cycle", discharge, {"units": "mA*h"}),
            "coulombic_efficiency": ("cycle", ce, {"units": "dimensionless"}),
            "start_time": ("cycle", start, {"units": "s"}),
            "end_time": ("cycle", end, {"units": "s"}),
        },
        coords={"cycle": numbers.astype(np.int64)},
        attrs={"ce_convention": convention,
               "ce_definition": "stripped / plated = charge / discharge" if convention == "plating"
               else "discharge / charge",
               "cycle_definition": ds.attrs.get("cycle_definition", "file" if "cycle_count" in ds else "none")},
    ).pint.quantify(unit_registry=ureg)
    if area is not None:
        require(area, AREA, "area", positive=True)
        out["areal_charge_capacity"] = (out["charge_capacity"] / area).pint.to("mA*h/cm^2")
        out["areal_discharge_capacity"] = (out["discharge_capacity"] / area).pint.to("mA*h/cm^2")
        out.attrs["electrode_area"] = f"{area:~P}"
    return out


def retention(capacity: xr.DataArray, reference_cycle: int) -> xr.DataArray:
    """``capacity`` divided by its value at ``reference_cycle`` (dimensionless)."""
    if reference_cycle not in capacity["cycle"].values:
        raise KeyError(f"reference cycle {reference_cycle} is not in the data (cycles {int(capacity.cycle.min())}"
                       f"–{int(capacity.cycle.max())})")
    ref = capacity.sel(cycle=reference_cycle)
    return (capacity / ref).pint.to("dimensionless")


def retention_at(capacity: xr.DataArray, cycle: int, reference_cycle: int) -> pint.Quantity:
    """Retention at one cycle, in percent of ``reference_cycle``."""
    r = retention(capacity, reference_cycle)
    if cycle not in r["cycle"].values:
        raise KeyError(f"cycle {cycle} is not in the data")
    return r.sel(cycle=cycle).data.to("percent")


def rate_capability(capacity: pint.Quantity, c_rates: list[float] | np.ndarray, reference_rate: float) -> pint.Quantity:
    """Capacity at each C-rate divided by the capacity at ``reference_rate`` (percent)."""
    rates = np.asarray(c_rates, dtype=float)
    require(capacity, "[current] * [time]" if capacity.check("[current] * [time]") else
            "[current] * [time] / [length] ** 2", "capacity")
    if rates.shape != np.shape(capacity.magnitude):
        raise ValueError("one capacity per C-rate is needed")
    matches = np.flatnonzero(np.isclose(rates, reference_rate))
    if matches.size != 1:
        raise ValueError(f"reference rate {reference_rate} C must appear exactly once in {rates.tolist()}")
    return (capacity / capacity[matches[0]]).to("percent")


def voltage_noise(ds: xr.Dataset) -> xr.DataArray:
    """Voltage noise per cycle: the median |second difference| of voltage within its steps (mV).

    A smooth charge or discharge curve has almost no second difference from one record to the
    next; a soft short makes the voltage jitter. Dimension ``cycle`` as in :func:`cycle_summary`.
    """
    v = _magnitudes(ds, "voltage_volt", "mV")
    cycles = _plain(ds, "cycle_count") if "cycle_count" in ds else np.ones(v.size, dtype=np.int64)
    starts = step_boundaries(ds)
    same_step = np.ones(v.size, dtype=bool)
    same_step[starts] = False  # record i starts a step: no difference across the boundary
    d2 = np.abs(v[2:] - 2 * v[1:-1] + v[:-2])
    inside = same_step[1:-1] & same_step[2:]
    numbers = np.unique(cycles)
    noise = np.full(numbers.size, np.nan)
    for k, c in enumerate(numbers):
        mask = inside & (cycles[1:-1] == c)
        if mask.any():
            noise[k] = float(np.median(d2[mask]))
    return xr.DataArray(noise, coords={"cycle": numbers.astype(np.int64)}, dims="cycle",
                        attrs={"units": "mV"}).pint.quantify(unit_registry=ureg)


def failure_cycle(
    summary: xr.Dataset,
    *,
    capacity: str = "discharge_capacity",
    drop: float = 0.2,
    window: int = 5,
    ce_low: float | None = 0.9,
    noise: xr.DataArray | None = None,
    noise_factor: float = 5.0,
) -> tuple[int, str] | None:
    """First cycle that looks like a failure (e.g. a short circuit), and why; None if none.

    A cycle fails when its ``capacity`` falls more than ``drop`` (fraction) below the median of the
    ``window`` cycles before it, when its CE falls below ``ce_low`` after having been above it
    (a soft short makes charging run on without storing charge), or, given ``noise`` from
    :func:`voltage_noise`, when its voltage noise exceeds ``noise_factor`` times the median of the
    ``window`` cycles before it.
    """
    values = np.asarray(summary[capacity].data.magnitude, dtype=float)
    ce = np.asarray(summary["coulombic_efficiency"].data.to("dimensionless").magnitude, dtype=float)
    cycles = summary["cycle"].values
    jitter = None
    if noise is not None:
        jitter = np.asarray(noise.sel(cycle=cycles).data.to("mV").magnitude, dtype=float)
    seen_good_ce = False
    for k in range(values.size):
        if jitter is not None and k >= 1:
            ref = np.nanmedian(jitter[max(0, k - window):k])
            if np.isfinite(ref) and ref > 0 and jitter[k] > noise_factor * ref:
                return int(cycles[k]), f"voltage noise rose to {jitter[k] / ref:.0f} × that of the previous cycles"
        if k >= 1:
            ref = np.median(values[max(0, k - window):k])
            if ref > 0 and values[k] < (1 - drop) * ref:
                return int(cycles[k]), f"{capacity} fell {100 * (1 - values[k] / ref):.0f} % below the previous cycles"
        if ce_low is not None and np.isfinite(ce[k]):
            if ce[k] >= ce_low:
                seen_good_ce = True
            elif seen_good_ce:
                return int(cycles[k]), f"Coulombic efficiency fell to {100 * ce[k]:.1f} %"
    return None


def step_curve(ds: xr.Dataset, step: int, *, area: pint.Quantity | None = None,
               steps: xr.Dataset | None = None) -> dict[str, pint.Quantity]:
    """Records of one step (an index of :func:`step_table`): time since the step began, |capacity|
    passed so far (per ``area`` if given) and voltage.

    Capacity is ``|step_net_capacity_ah|`` where the file has it, else the integral of |current|.
    Returns ``{"time", "capacity", "voltage"}``: Quantities of equal length.
    """
    steps = step_table(ds) if steps is None else steps
    if not 0 <= step < steps.sizes["step"]:
        raise IndexError(f"no step {step} (the data have {steps.sizes['step']})")
    a, b = int(steps["first_record"].values[step]), int(steps["last_record"].values[step])
    time = _magnitudes(ds, "test_time_second", "s")[a:b + 1]
    if "step_net_capacity_ah" in ds:
        capacity = np.abs(_magnitudes(ds, "step_net_capacity_ah", "A*h")[a:b + 1])
    else:
        current = np.abs(_magnitudes(ds, "current_ampere", "A")[a:b + 1])
        capacity = np.concatenate([[0.0], np.cumsum(0.5 * (current[1:] + current[:-1]) * np.diff(time) / 3600.0)])
    q = Q_(capacity, "A*h")
    if area is not None:
        require(area, AREA, "area", positive=True)
        q = (q / area).to("mA*h/cm^2")
    else:
        q = q.to("mA*h")
    return {"time": Q_(time - time[0], "s"), "capacity": q, "voltage": Q_(_magnitudes(ds, "voltage_volt", "V")[a:b + 1], "V")}


def steps_where(steps: xr.Dataset, *, direction: str | None = None, cycle: int | None = None) -> list[int]:
    """Indices of the steps of ``direction`` ('charge', 'discharge', 'rest') in ``cycle``, in order."""
    keep = np.ones(steps.sizes["step"], dtype=bool)
    if direction is not None:
        keep &= steps["direction"].values.astype(str) == direction
    if cycle is not None:
        keep &= steps["cycle_count"].values == cycle
    return [int(k) for k in np.flatnonzero(keep)]


def cycle_curves(ds: xr.Dataset, cycle: int, *, area: pint.Quantity | None = None,
                 steps: xr.Dataset | None = None) -> dict[str, dict[str, pint.Quantity]]:
    """Charge and discharge curves of one cycle: ``{"charge": curve, "discharge": curve}``.

    Where a half-cycle has several steps (CC then CV), their records are joined and the
    capacity runs on from one step to the next. A direction the cycle lacks is left out.
    """
    steps = step_table(ds) if steps is None else steps
    if cycle not in steps["cycle_count"].values:
        raise KeyError(f"cycle {cycle} is not in the data")
    out: dict[str, dict[str, pint.Quantity]] = {}
    for direction in ("charge", "discharge"):
        parts = [step_curve(ds, k, area=area, steps=steps) for k in steps_where(steps, direction=direction, cycle=cycle)]
        if not parts:
            continue
        offset = parts[0]["capacity"][:0].sum()  # zero in the capacity's unit
        t0 = parts[0]["time"][:0].sum()
        joined: dict[str, list] = {"time": [], "capacity": [], "voltage": []}
        for part in parts:
            joined["time"].append((part["time"] + t0).magnitude)
            joined["capacity"].append((part["capacity"] + offset).magnitude)
            joined["voltage"].append(part["voltage"].to("V").magnitude)
            offset = offset + part["capacity"][-1]
            t0 = t0 + part["time"][-1]
        units = {"time": "s", "capacity": f"{parts[0]['capacity'].units}", "voltage": "V"}
        out[direction] = {name: Q_(np.concatenate(values), units[name]) for name, values in joined.items()}
    return out


def largest_voltage_first_and_later(ds: xr.Dataset, *,
                                    steps: xr.Dataset | None = None) -> tuple[pint.Quantity, pint.Quantity | None]:
    """Largest |voltage| (mV) of the first step that passes current, and of all the later ones.

    Rests are left out. A symmetric Li/X/Li cell whose first plating onto X holds an alloying plateau
    shows it as a first value well above the later ones (Fig 4g). The later value is None when the data
    have one such step only; the first is 0 mV when they have none.
    """
    steps = step_table(ds) if steps is None else steps
    active = [k for k in range(steps.sizes["step"]) if str(steps["direction"].values[k]) != "rest"]
    first = step_curve(ds, active[0], steps=steps)["voltage"].to("mV") if active else Q_(np.zeros(1), "mV")
    later = (np.concatenate([step_curve(ds, k, steps=steps)["voltage"].to("mV").magnitude for k in active[1:]])
             if len(active) > 1 else np.zeros(0))
    first_abs = Q_(float(np.max(np.abs(first.magnitude))), "mV")
    later_abs = Q_(float(np.max(np.abs(later))), "mV") if later.size else None
    return first_abs, later_abs


def available_cycles(wanted: list[int], summary: xr.Dataset) -> tuple[list[int], str]:
    """The ``wanted`` cycles that ``summary`` (or any Dataset with a ``cycle`` coordinate) has, plus its
    last cycle if some are missing; and a note saying so for the figure ('' if none is missing)."""
    cycles = [int(c) for c in summary["cycle"].values]
    if not cycles:
        raise ValueError("the data hold no cycle")
    keep = [int(c) for c in wanted if c in cycles]
    missing = [int(c) for c in wanted if c not in cycles]
    if missing and cycles[-1] not in keep:
        keep.append(cycles[-1])
    note = f"cycle(s) {', '.join(map(str, missing))} not in the data; last cycle {cycles[-1]} shown" if missing else ""
    return keep, note
