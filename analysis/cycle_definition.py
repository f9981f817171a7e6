"""What a cycle is: the file's own counter, or half-cycles found from the direction of the current.

Cycle counters differ by cycler and protocol. A BioLogic GCPL half-cell that starts with
lithiation puts the first discharge alone in cycle 0; a BDF file may have no cycle column; a
Neware counter can hold two discharge/charge pairs in one cycle. Each makes the per-cycle CE
wrong where a lab reads it first. :func:`assign_cycles` numbers the records by one of:

``file``
    the file's own ``cycle_count`` (an error if the file has none);
``half_cycles``
    from the direction of the current. A **half-cycle** is a run of records of one direction
    (charge or discharge); rests (a ``rest`` step label, or ``|I|`` at most ``rest_fraction`` of
    the largest ``|I|`` in a record without a charge/discharge label) do not split it, so a CC-CV
    charge, or a charge interrupted by rests, is one half-cycle. A **cycle** is one half-cycle
    in the cell's *first* direction followed by one in the opposite direction, numbered from 1.
    Rests take the cycle of the half-cycle before them (rests before the first one: cycle 1).
    A run of records that carries less than ``min_half_cycle_fraction`` of a typical half-cycle's
    charge (the 75th percentile; e.g. a stray record of the wrong sign at a step edge) is not a
    half-cycle;
``auto``
    ``file`` when the file has a counter, ``half_cycles`` when it has none.

The CE convention (:mod:`analysis.cycling`: plating or full cell) does not depend on which
direction comes first: with ``half_cycles`` a GCPL half-cell that starts with lithiation gets
first delithiation over first lithiation as its first CE.

:func:`cycle_flags` says, per cycle of the Dataset as numbered, how many half-cycles of each
direction it holds and flags the odd ones (none of one direction, several of one, or the
opposite direction first).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pint
import xarray as xr

from .errors import DataError
from .io.core import magnitudes as _magnitudes, plain_values as _plain, step_direction
from .units import Q_

DEFINITIONS = ("file", "half_cycles", "auto")
REST_FRACTION = 1e-3
MIN_HALF_CYCLE_FRACTION = 5e-3
_NAMES = {1: "charge", -1: "discharge"}
_STARTS = {"first": 0, "charge": 1, "discharge": -1}
STARTS = tuple(_STARTS)
#: the half-cycle a cycle begins with for each CE convention: plated then stripped; charged then discharged
CONVENTION_ORDER = {"plating": -1, "full_cell": 1}


def _step_starts(ds: xr.Dataset) -> np.ndarray:
    from .cycling import step_boundaries  # late: cycling imports this module

    return step_boundaries(ds)


def record_directions(ds: xr.Dataset, *, rest_fraction: float = REST_FRACTION) -> np.ndarray:
    """Per record: +1 charge, -1 discharge, 0 rest (int8).

    A step label that says charge, discharge or rest decides; otherwise the sign of the current,
    with ``|I| <= rest_fraction * max|I|`` counted as rest.
    """
    current = _magnitudes(ds, "current_ampere", "A")
    n = current.size
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    scale = float(np.maximum(np.nanmax(current), -np.nanmin(current)))
    threshold = rest_fraction * scale
    direction = (current > threshold).astype(np.int8)
    direction -= (current < -threshold).astype(np.int8)
    if "step_type" in ds:
        starts = _step_starts(ds)
        labels = _plain(ds, "step_type")[starts]
        codes, uniques = pd.factorize(np.asarray(labels).astype(str), use_na_sentinel=False)
        table = np.array([{"charge": 1, "discharge": -1, "rest": 0}.get(step_direction(u), 2) for u in uniques],
                         dtype=np.int8)
        per_step = table[codes]
        lengths = np.diff(np.append(starts, n))
        by_label = np.repeat(per_step, lengths)
        known = by_label != 2
        direction[known] = by_label[known]
    return direction


def _half_cycle_runs(time: np.ndarray, current: np.ndarray, direction: np.ndarray,
                     min_fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(records with a direction, their directions, index into them of each half-cycle's first record).

    Runs carrying less than ``min_fraction`` of the 75th percentile of the runs' charge are
    dropped (their records become rest) and their neighbours merge.
    """
    active = np.flatnonzero(direction)
    signs = direction[active]
    if active.size == 0:
        return active, signs, np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(signs[1:] != signs[:-1]) + 1])
    if starts.size > 1 and min_fraction > 0:
        dt = np.zeros(time.size)
        np.subtract(time[1:], time[:-1], out=dt[:-1])
        charge = np.add.reduceat(np.abs(current[active]) * dt[active], starts)
        tiny = charge < min_fraction * np.percentile(charge, 75)
        if tiny.any() and not tiny.all():
            keep = np.repeat(~tiny, np.diff(np.append(starts, active.size)))
            active, signs = active[keep], signs[keep]
            starts = np.concatenate([[0], np.flatnonzero(signs[1:] != signs[:-1]) + 1])
    return active, signs, starts


def half_cycles(ds: xr.Dataset, *, rest_fraction: float = REST_FRACTION,
                min_half_cycle_fraction: float = MIN_HALF_CYCLE_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Per record: the index of its half-cycle (-1 for rests) and its direction (+1, -1, 0)."""
    time = _magnitudes(ds, "test_time_second", "s")
    current = _magnitudes(ds, "current_ampere", "A")
    direction = record_directions(ds, rest_fraction=rest_fraction)
    active, signs, starts = _half_cycle_runs(time, current, direction, min_half_cycle_fraction)
    index = np.full(time.size, -1, dtype=np.int64)
    marks = np.zeros(active.size, dtype=np.int64)
    marks[starts[1:]] = 1
    index[active] = np.cumsum(marks)
    effective = np.zeros(time.size, dtype=np.int8)
    effective[active] = signs
    return index, effective


def _derived_cycles(ds: xr.Dataset, rest_fraction: float, min_fraction: float,
                    start_with: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Half-cycle cycle numbers per record, and new step starts where a step held both directions.

    Works on segments: the file's steps, split where one step holds records of both directions
    (a coarse step counter). Each segment then has one direction or none; a segment without a
    direction takes the cycle of the segment before it.
    """
    n = ds.sizes["record"]
    time = _magnitudes(ds, "test_time_second", "s")
    current = _magnitudes(ds, "current_ampere", "A")
    direction = record_directions(ds, rest_fraction=rest_fraction)
    active, signs, starts = _half_cycle_runs(time, current, direction, min_fraction)
    steps = _step_starts(ds)
    if active.size == 0:
        return np.ones(n, dtype=np.int64), None
    run_first = active[starts[1:]]  # first record of every half-cycle but the first
    previous = active[starts[1:] - 1]  # last active record of the half-cycle before it
    step_of = np.searchsorted(steps, run_first, side="right") - 1
    splits = run_first[previous >= steps[step_of]]
    segments = np.union1d(steps, splits) if splits.size else steps
    lengths = np.diff(np.append(segments, n))
    effective = np.zeros(n, dtype=np.int8)
    effective[active] = signs
    # one direction per segment (or none): its sign, whatever share of its records are rests
    seg_direction = np.where(np.maximum.reduceat(effective, segments) > 0, 1,
                             np.where(np.minimum.reduceat(effective, segments) < 0, -1, 0)).astype(np.int8)
    moving = np.flatnonzero(seg_direction)
    moving_dir = seg_direction[moving]
    change = np.zeros(moving.size, dtype=np.int64)
    change[1:] = moving_dir[1:] != moving_dir[:-1]
    half = np.cumsum(change)
    if start_with and moving_dir[0] != start_with:  # the leading half-cycle of the other direction: a cycle alone
        half += 1
    cycle_of_moving = half // 2 + 1
    last_moving = np.maximum.accumulate(np.where(seg_direction != 0, np.arange(segments.size), -1))
    position = np.searchsorted(moving, np.maximum(last_moving, 0))
    seg_cycle = np.where(last_moving >= 0, cycle_of_moving[np.minimum(position, moving.size - 1)], 1)
    return np.repeat(seg_cycle.astype(np.int64), lengths), (segments if splits.size else None)


def assign_cycles(
    ds: xr.Dataset,
    definition: Literal["file", "half_cycles", "auto"] = "auto",
    *,
    start_with: Literal["first", "charge", "discharge"] = "first",
    rest_fraction: float = REST_FRACTION,
    min_half_cycle_fraction: float = MIN_HALF_CYCLE_FRACTION,
) -> xr.Dataset:
    """A copy of the records whose ``cycle_count`` follows ``definition`` (see the module docstring).

    The attribute ``cycle_definition`` records the definition used (``file`` or ``half_cycles``).
    With ``half_cycles`` a cycle begins with a half-cycle in the cell's first direction; with
    ``start_with="charge"`` (or ``"discharge"``) it begins with a charge instead, and a leading
    half-cycle of the other direction (a full cell that starts with a discharge) is cycle 1 alone.
    With ``half_cycles``, a step of the file that holds both directions is split in two
    (``step_count`` renumbered, ``step_net_capacity_ah`` restarted at the split), so that
    :func:`analysis.cycling.cycle_summary` works on the result unchanged.
    """
    if definition not in DEFINITIONS:
        raise ValueError(f"cycle definition must be one of {', '.join(DEFINITIONS)}, got {definition!r}")
    if start_with not in _STARTS:
        raise ValueError(f"start_with must be one of {', '.join(_STARTS)}, got {start_with!r}")
    has_counter = "cycle_count" in ds
    used = ("file" if has_counter else "half_cycles") if definition == "auto" else definition
    if used == "file" and not has_counter:
        raise DataError("the file has no cycle counter: use cycle_definition half_cycles (or auto)",
                        path=ds.attrs.get("source_file"), column="cycle_count")
    out = ds.copy()
    out.attrs["cycle_definition"] = used
    if used == "file" or ds.sizes["record"] == 0:
        return out
    cycles, segments = _derived_cycles(ds, rest_fraction, min_half_cycle_fraction, _STARTS[start_with])
    if start_with != "first":
        out.attrs["cycle_start"] = start_with
    quantified = isinstance(ds["current_ampere"].data, pint.Quantity)
    attrs = {k: v for k, v in (ds["cycle_count"].attrs if has_counter else {"long_name": "Cycle Count / 1"}).items()
             if k != "units"}
    attrs["description"] = "cycle number from half-cycles (direction of the current)"
    out["cycle_count"] = _variable(cycles, "dimensionless", attrs, quantified)
    if segments is not None:
        n = ds.sizes["record"]
        lengths = np.diff(np.append(segments, n))
        numbers = np.repeat(np.arange(1, segments.size + 1, dtype=np.int64), lengths)
        out["step_count"] = _variable(numbers, "dimensionless", {
            "long_name": "Step Count / 1",
            "description": "running step number, split where a step of the file held both directions"}, quantified)
        if "step_net_capacity_ah" in ds:
            capacity = _magnitudes(ds, "step_net_capacity_ah", "A*h")
            new = np.setdiff1d(segments, _step_starts(ds))
            offset = np.zeros(segments.size)
            offset[np.searchsorted(segments, new)] = capacity[new - 1]
            kept = {k: v for k, v in ds["step_net_capacity_ah"].attrs.items() if k != "units"}
            out["step_net_capacity_ah"] = _variable(capacity - np.repeat(offset, lengths), "A*h", kept, quantified)
    return out


def _variable(values: np.ndarray, unit: str, attrs: dict, quantified: bool) -> xr.Variable:
    """A record variable in the form of the Dataset's others (pint Quantity, or units attribute)."""
    if quantified:
        return xr.Variable(("record",), Q_(values, unit), attrs=attrs)
    return xr.Variable(("record",), values, attrs={**attrs, "units": unit})


def cycle_flags(ds: xr.Dataset, *, convention: str | None = None, rest_fraction: float = REST_FRACTION,
                min_half_cycle_fraction: float = MIN_HALF_CYCLE_FRACTION) -> xr.Dataset:
    """Per cycle of ``ds`` as numbered: its half-cycles of each direction and a flag if it is odd.

    Variables (dimension ``cycle``, the same cycles as :func:`analysis.cycling.cycle_summary`):
    ``charge_half_cycles``, ``discharge_half_cycles`` (a half-cycle cut by a cycle boundary
    counts in both cycles) and ``cycle_flag``: empty, or why the cycle is odd: no half-cycle of
    one direction, several of one direction, or (one of each) the two in the wrong order. The right order is
    that of the CE ``convention`` when given (plating: discharge then charge; full cell: charge
    then discharge: a cycle in the other order pairs a half-cycle with the next cycle's), else
    that of the cycles' start (``start_with`` of :func:`assign_cycles`), else the cell's first
    direction. Attributes: ``cycle_definition`` of ``ds``, ``first_direction`` of the cell.
    """
    n = ds.sizes["record"]
    cycles = _plain(ds, "cycle_count").astype(np.int64) if "cycle_count" in ds else np.ones(n, dtype=np.int64)
    cycle_index, numbers = pd.factorize(cycles, sort=True)  # hashing: no sort of the records
    numbers = np.asarray(numbers)
    index, effective = half_cycles(ds, rest_fraction=rest_fraction, min_half_cycle_fraction=min_half_cycle_fraction)
    active = np.flatnonzero(index >= 0)
    counts = {1: np.zeros(numbers.size, dtype=np.int64), -1: np.zeros(numbers.size, dtype=np.int64)}
    begins = np.zeros(numbers.size, dtype=np.int8)
    first_direction = int(effective[active[0]]) if active.size else 0
    if convention is not None and convention not in CONVENTION_ORDER:
        raise ValueError(f"convention must be one of {', '.join(CONVENTION_ORDER)}, got {convention!r}")
    if convention is not None:
        order = CONVENTION_ORDER[convention]
        why = f"CE as {convention.replace('_', ' ')} pairs a {_NAMES[order]} with the {_NAMES[-order]} after it"
    elif _STARTS.get(ds.attrs.get("cycle_start", "first")):
        order = _STARTS[ds.attrs["cycle_start"]]
        why = f"cycles begin with a {_NAMES[order]}"
    else:
        order = first_direction
        why = f"the cell began with a {_NAMES.get(order, 'rest')}"
    if active.size:
        in_cycle, half = cycle_index[active], index[active]
        edge = np.flatnonzero((in_cycle[1:] != in_cycle[:-1]) | (half[1:] != half[:-1])) + 1
        runs = np.concatenate([[0], edge])  # runs of one (cycle, half-cycle): few, in record order
        key = in_cycle[runs] * (int(half.max()) + 1) + half[runs]
        _, first = np.unique(key, return_index=True)  # a counter that comes back to a cycle: counted once
        piece_cycle = in_cycle[runs][first]
        piece_dir = effective[active][runs][first]
        for sign in (1, -1):
            counts[sign] = np.bincount(piece_cycle[piece_dir == sign], minlength=numbers.size)
        leading = np.concatenate([[True], piece_cycle[1:] != piece_cycle[:-1]])
        begins[piece_cycle[leading]] = piece_dir[leading]
    flags = []
    for k in range(numbers.size):
        reasons = []
        for sign in (1, -1) if order >= 0 else (-1, 1):
            if counts[sign][k] == 0:
                reasons.append(f"no {_NAMES[sign]} half-cycle")
            elif counts[sign][k] > 1:
                reasons.append(f"{counts[sign][k]} {_NAMES[sign]} half-cycles")
        if order and begins[k] == -order and counts[order][k] == 1 and counts[-order][k] == 1:
            reasons.append(f"begins with a {_NAMES[-order]} ({why})")
        flags.append("; ".join(reasons))
    return xr.Dataset(
        {"charge_half_cycles": ("cycle", counts[1]), "discharge_half_cycles": ("cycle", counts[-1]),
         "cycle_flag": ("cycle", np.array(flags, dtype=str))},
        coords={"cycle": numbers.astype(np.int64)},
        attrs={"cycle_definition": ds.attrs.get("cycle_definition", "file" if "cycle_count" in ds else "none"),
               "first_direction": _NAMES.get(first_direction, "none")},
    )


def flag_note(flags: xr.Dataset, *, limit: int = 10) -> str:
    """One line listing the flagged cycles (at most ``limit``) and why, or saying there are none."""
    odd = [(int(c), str(f)) for c, f in zip(flags["cycle"].values, flags["cycle_flag"].values) if f]
    definition = flags.attrs.get("cycle_definition", "file")
    if not odd:
        return f"cycles ({definition}): none odd"
    shown = "; ".join(f"{c}: {f}" for c, f in odd[:limit])
    more = f"; … {len(odd) - limit} more" if len(odd) > limit else ""
    hint = " (cycle_definition: half_cycles numbers cycles from the direction of the current)" if definition == "file" else ""
    return f"cycles ({definition}): {len(odd)} of {flags.sizes['cycle']} odd: {shown}{more}{hint}"
