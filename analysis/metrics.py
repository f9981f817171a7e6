"""The reported quantities, defined once: one small function per kind of number the paper prints.

Every metric takes the records Dataset of one cell run (as :mod:`analysis.ingest`, the readers of
:mod:`analysis.io` or :func:`analysis.reconstruct.reconstruct` make it: BDF names, pint units,
attribute ``electrode_area`` such as ``"0.785 cm²"``) as its first argument, keyword-only
arguments after it, and returns a pint Quantity. The figure notebooks, the calibration and the
reported-vs-reproduced table call these functions; the lower-level helpers they rest on stay in
:mod:`analysis.cycling`, :mod:`analysis.efficiency` and :mod:`analysis.overpotential`.

Conventions, stated once:

- ``convention`` is the Coulombic-efficiency convention of :func:`analysis.cycling.cycle_summary`:
  ``"plating"`` (Li plating/stripping half-cells and symmetric cells: CE = stripped / plated =
  charge / discharge) or ``"full_cell"`` (CE = discharge / charge). ``None`` means the Dataset's
  ``ce_convention`` attribute if it has one, else ``"plating"`` for a ``cell_id`` starting with
  ``hc_`` or ``sym_``, else ``"full_cell"``.
- A quantity the data do not reach (a cycle after the last one, no failure, no dip) is NaN in
  its unit; an argument of the wrong dimension raises :class:`pint.DimensionalityError`.
- Cycles are the file's own cycle numbers.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Literal

import numpy as np
import pint
import xarray as xr

from . import cycling as _cycling
from . import efficiency as _efficiency
from .overpotential import NucleationDip, nucleation_dips
from .units import AREA, DIMENSIONLESS, Q_, require

__all__ = [
    "areal_capacity",
    "average_coulombic_efficiency",
    "capacity_ratio",
    "convention_of",
    "cycle_life",
    "cycles_before_failure",
    "cycles_to_reach",
    "dealloying_region",
    "dealloying_voltage",
    "discharge_capacity_at_rate",
    "failure",
    "failure_cycle",
    "fading_onset",
    "first_dip_voltage",
    "first_plating",
    "first_plating_step",
    "first_step_areal_capacity",
    "initial_coulombic_efficiency",
    "nucleation_dip_count",
    "nucleation_events",
    "nucleation_overpotential",
    "rate_capability",
    "retention",
    "specific_capacity",
    "elapsed_hours",
    "time_without_short",
]

AREAL_CAPACITY = "[current] * [time] / [length] ** 2"
CAPACITY = "[current] * [time]"
AREAL_CURRENT = "[current] / [length] ** 2"
C_RATE = "1 / [time]"
VOLTAGE = "[electric_potential]"
Direction = Literal["charge", "discharge"]
Convention = Literal["plating", "full_cell"] | None


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------

def convention_of(ds: xr.Dataset, convention: str | None = None) -> str:
    """The CE convention of a run: ``convention`` if given, else from its attributes (module docstring)."""
    if convention is not None:
        if convention not in _cycling.CE_CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(_cycling.CE_CONVENTIONS)}, got {convention!r}")
        return convention
    if ds.attrs.get("ce_convention") in _cycling.CE_CONVENTIONS:
        return str(ds.attrs["ce_convention"])
    return "plating" if str(ds.attrs.get("cell_id", "")).startswith(("hc_", "sym_")) else "full_cell"


def _area(ds: xr.Dataset) -> pint.Quantity:
    if "electrode_area" not in ds.attrs:
        raise ValueError("the Dataset has no electrode_area attribute (made by reconstruct, or set on ingestion)")
    return require(Q_(ds.attrs["electrode_area"]), AREA, "electrode_area", positive=True)


#: per-cycle summaries kept while :func:`summaries_kept` is active: {(id of run, convention): (run, summary)}
_KEPT: dict[tuple[int, str], tuple[xr.Dataset, xr.Dataset]] | None = None


@contextmanager
def summaries_kept() -> Iterator[None]:
    """Within the block, each run's per-cycle summary is computed once per convention, however many metrics
    read it (a fit measures several targets on each trial run). For runs that the block does not change:
    a run is recognised by identity."""
    global _KEPT
    outer = _KEPT
    _KEPT = {} if outer is None else outer
    try:
        yield
    finally:
        _KEPT = outer


def _summary(ds: xr.Dataset, convention: str | None = None) -> xr.Dataset:
    """Per-cycle summary (:func:`analysis.cycling.cycle_summary`), areal where the run has an area."""
    convention = convention_of(ds, convention)
    key = (id(ds), convention)
    if _KEPT is not None and key in _KEPT and _KEPT[key][0] is ds:
        return _KEPT[key][1]
    area = _area(ds) if "electrode_area" in ds.attrs else None
    summary = _cycling.cycle_summary(ds, convention=convention, area=area)
    if _KEPT is not None:
        _KEPT[key] = (ds, summary)  # holding the run keeps its id from being reused in the block
    return summary


def _nan(unit: str) -> pint.Quantity:
    return Q_(float("nan"), unit)


def _direction(direction: str) -> str:
    if direction not in ("charge", "discharge"):
        raise ValueError(f"direction must be 'charge' or 'discharge', got {direction!r}")
    return direction


def _cycle(cycle: int, name: str = "cycle") -> int:
    """A cycle number: an int, or a float with an integral value (as a table of arguments may give it)."""
    if isinstance(cycle, (float, np.floating)) and float(cycle).is_integer():
        return int(cycle)
    if isinstance(cycle, bool) or not isinstance(cycle, (int, np.integer)):
        raise TypeError(f"{name} must be an integer cycle number, got {type(cycle).__name__} {cycle!r}")
    return int(cycle)


def _step_records(ds: xr.Dataset, direction: str, which: int = 0) -> tuple[pint.Quantity, pint.Quantity]:
    """(|step capacity| per area, voltage) of the records of the ``which``-th step of ``direction``."""
    area = _area(ds)
    steps = _cycling.step_table(ds)
    ks = _cycling.steps_where(steps, direction=direction)
    if len(ks) <= which:
        raise ValueError(f"no {direction} step number {which + 1}")
    curve = _cycling.step_curve(ds, ks[which], area=area, steps=steps)
    return curve["capacity"], curve["voltage"]


# ------------------------------------------------------------------------------------------------
# First plating and nucleation (Figure 3a)
# ------------------------------------------------------------------------------------------------

def first_plating_step(ds: xr.Dataset, *, steps: xr.Dataset | None = None) -> int:
    """Index (in :func:`analysis.cycling.step_table`) of the first Li plating step of a run.

    The first plating step is the first discharge step whose voltage goes below 0 V (after a Si
    lithiation, which stays above it). Raises ``ValueError`` when no discharge step does.
    """
    steps = _cycling.step_table(ds) if steps is None else steps
    for k in _cycling.steps_where(steps, direction="discharge"):
        if np.min(_cycling.step_curve(ds, k, steps=steps)["voltage"].magnitude) < 0:
            return k
    raise ValueError(f"{ds.attrs.get('cell_id', 'the run')}: no discharge step goes below 0 V (no Li plating)")


def first_plating(ds: xr.Dataset) -> tuple[pint.Quantity, pint.Quantity]:
    """(plated areal capacity, voltage) of the records of the first Li plating step (:func:`first_plating_step`)."""
    area = _area(ds)
    steps = _cycling.step_table(ds)
    curve = _cycling.step_curve(ds, first_plating_step(ds, steps=steps), area=area, steps=steps)
    return curve["capacity"], curve["voltage"]


def nucleation_events(ds: xr.Dataset, *, search_window: tuple[pint.Quantity, pint.Quantity],
                      plateau_offset: pint.Quantity, plateau_length: pint.Quantity,
                      min_depth: pint.Quantity) -> list[NucleationDip]:
    """Every nucleation dip of the first plating (:func:`analysis.overpotential.nucleation_dips`), in order."""
    return _dips(ds, search_window, plateau_offset, plateau_length, min_depth)


def _dips(ds: xr.Dataset, search_window: tuple[pint.Quantity, pint.Quantity], plateau_offset: pint.Quantity,
          plateau_length: pint.Quantity, min_depth: pint.Quantity) -> list[NucleationDip]:
    if not isinstance(search_window, (tuple, list)) or len(search_window) != 2:
        raise TypeError("search_window must be a pair (start, end) of areal capacities")
    for name, q in (("search_window start", search_window[0]), ("search_window end", search_window[1]),
                    ("plateau_offset", plateau_offset), ("plateau_length", plateau_length)):
        require(q, AREAL_CAPACITY, name)
    require(min_depth, VOLTAGE, "min_depth")
    q, v = first_plating(ds)
    return nucleation_dips(q, v, search_window=tuple(search_window), plateau_offset=plateau_offset,
                           plateau_length=plateau_length, min_depth=min_depth)


def nucleation_overpotential(ds: xr.Dataset, *, dip: int = 1, search_window: tuple[pint.Quantity, pint.Quantity],
                             plateau_offset: pint.Quantity, plateau_length: pint.Quantity,
                             min_depth: pint.Quantity) -> pint.Quantity:
    """Nucleation overpotential of the ``dip``-th dip of the first plating: plateau minus dip bottom (mV, > 0).

    Windows are areal capacities plated (see :func:`analysis.overpotential.nucleation_dips`);
    NaN mV when the curve has fewer than ``dip`` dips.
    """
    if isinstance(dip, bool) or not isinstance(dip, (int, np.integer)) or dip < 1:
        raise ValueError(f"dip must be a positive integer (1 = the first dip), got {dip!r}")
    dips = _dips(ds, search_window, plateau_offset, plateau_length, min_depth)
    return dips[dip - 1].overpotential.to("mV") if len(dips) >= dip else _nan("mV")


def nucleation_dip_count(ds: xr.Dataset, *, search_window: tuple[pint.Quantity, pint.Quantity],
                         plateau_offset: pint.Quantity, plateau_length: pint.Quantity,
                         min_depth: pint.Quantity) -> pint.Quantity:
    """Number of nucleation dips of the first plating deeper than ``min_depth`` (dimensionless)."""
    return Q_(float(len(_dips(ds, search_window, plateau_offset, plateau_length, min_depth))), "dimensionless")


def first_dip_voltage(ds: xr.Dataset, *, search_window: tuple[pint.Quantity, pint.Quantity],
                      plateau_offset: pint.Quantity, plateau_length: pint.Quantity,
                      min_depth: pint.Quantity) -> pint.Quantity:
    """Minus the voltage at the bottom of the first nucleation dip (mV, > 0); NaN mV without a dip.

    This is the reading of the Figure 3a caption's "first voltage dip" as a voltage, not a depth.
    """
    dips = _dips(ds, search_window, plateau_offset, plateau_length, min_depth)
    return (-dips[0].dip_voltage).to("mV") if dips else _nan("mV")


# ------------------------------------------------------------------------------------------------
# Coulombic efficiency
# ------------------------------------------------------------------------------------------------

def _check_subtract(subtract: pint.Quantity | None) -> None:
    if subtract is not None:
        if not isinstance(subtract, pint.Quantity):
            require(subtract, AREAL_CAPACITY, "subtract")
        if not subtract.check(AREAL_CAPACITY):
            require(subtract, CAPACITY, "subtract")


def initial_coulombic_efficiency(ds: xr.Dataset, *, subtract: pint.Quantity | None = None,
                                 convention: Convention = None) -> pint.Quantity:
    """CE of the first cycle (percent), ``subtract`` (e.g. the Si lithiation) removed from its denominator.

    ``subtract`` is a capacity (mAh) or an areal capacity (mAh/cm²). CE convention: module docstring.
    """
    _check_subtract(subtract)
    return _efficiency.initial_coulombic_efficiency(_summary(ds, convention), subtract=subtract).to("percent")


def average_coulombic_efficiency(ds: xr.Dataset, *, first: int, last: int, subtract: pint.Quantity | None = None,
                                 convention: Convention = None, complete: bool = True) -> pint.Quantity:
    """Mean CE over cycles ``first`` … ``last`` inclusive (percent); NaN unless the data hold all of them
    (``complete=False``: the mean over the cycles of the range that the data hold, NaN if none).

    With ``subtract``, cycle ``first`` counts at its ICE with the subtraction when it is the
    run's first cycle (e.g. cycle 1 of a half-cell, whose first discharge lithiates the Si).
    """
    first, last = _cycle(first, "first"), _cycle(last, "last")
    if last < first:
        raise ValueError(f"last ({last}) is before first ({first})")
    _check_subtract(subtract)
    summary = _summary(ds, convention)
    cycles = {int(c) for c in summary["cycle"].values}
    if not set(range(first, last + 1)) <= cycles:
        if complete or not cycles & set(range(first, last + 1)):
            return _nan("percent")
        summary = summary.sel(cycle=sorted(cycles & set(range(first, last + 1)) | {min(cycles)}))
    if subtract is None or first != int(summary["cycle"].values[0]):
        return _efficiency.average_coulombic_efficiency(summary, first, last).to("percent")
    ice = _efficiency.initial_coulombic_efficiency(summary, subtract=subtract).to("dimensionless").magnitude
    if last == first:
        return Q_(float(ice), "dimensionless").to("percent")
    ce = summary["coulombic_efficiency"].sel(cycle=slice(first + 1, last)).data.to("dimensionless").magnitude
    n_rest = int(np.isfinite(np.asarray(ce, dtype=float)).sum())
    rest = _efficiency.average_coulombic_efficiency(summary, first + 1, last).to("dimensionless").magnitude
    return Q_(float((ice + n_rest * rest) / (n_rest + 1)), "dimensionless").to("percent")


def cycles_to_reach(ds: xr.Dataset, *, level: pint.Quantity, sustained: int = 5,
                    convention: Convention = None) -> pint.Quantity:
    """First cycle from which CE ≥ ``level`` for ``sustained`` cycles in a row (dimensionless; NaN if never)."""
    require(level, DIMENSIONLESS, "level")
    cycle = _efficiency.cycles_to_reach(_summary(ds, convention), level, sustained=sustained)
    return Q_(float("nan") if cycle is None else float(cycle), "dimensionless")


# ------------------------------------------------------------------------------------------------
# Capacities, retention, rates
# ------------------------------------------------------------------------------------------------

def areal_capacity(ds: xr.Dataset, *, cycle: int, direction: Direction = "discharge",
                   convention: Convention = None) -> pint.Quantity:
    """Areal ``direction`` capacity of one cycle, summed over its steps (mAh/cm²); NaN if the cycle is absent."""
    cycle = _cycle(cycle)
    _area(ds)
    summary = _summary(ds, convention)
    if cycle not in summary["cycle"].values:
        return _nan("mA*h/cm^2")
    return summary[f"areal_{_direction(direction)}_capacity"].sel(cycle=cycle).data.to("mA*h/cm^2")


def specific_capacity(ds: xr.Dataset, *, cycle: int, active_loading: pint.Quantity,
                      direction: Direction = "discharge") -> pint.Quantity:
    """``direction`` capacity of one cycle per mass of active material (mAh/g): areal capacity / loading."""
    require(active_loading, "[mass] / [length] ** 2", "active_loading", positive=True)
    return (areal_capacity(ds, cycle=cycle, direction=direction) / active_loading).to("mA*h/g")


def first_step_areal_capacity(ds: xr.Dataset, *, direction: Direction = "discharge") -> pint.Quantity:
    """|Capacity| of the run's first step of ``direction``, per electrode area (mAh/cm²; e.g. the Si lithiation)."""
    area = _area(ds)
    steps = _cycling.step_table(ds)
    ks = _cycling.steps_where(steps, direction=_direction(direction))
    if not ks:
        raise ValueError(f"the run has no {direction} step")
    return (abs(steps["capacity"].data[ks[0]]) / area).to("mA*h/cm^2")


def _discharge_capacity(ds: xr.Dataset, convention: str | None) -> xr.DataArray:
    return _summary(ds, convention)["discharge_capacity"]


def retention(ds: xr.Dataset, *, cycle: int, reference: int, convention: Convention = None) -> pint.Quantity:
    """Discharge capacity at ``cycle`` over that at ``reference`` (percent); NaN if the data lack either cycle."""
    cycle, reference = _cycle(cycle), _cycle(reference, "reference")
    capacity = _discharge_capacity(ds, convention)
    cycles = capacity["cycle"].values
    if cycle not in cycles or reference not in cycles:
        return _nan("percent")
    return _cycling.retention_at(capacity, cycle, reference).to("percent")


def capacity_ratio(ds: xr.Dataset, other: xr.Dataset, *, cycle: int, convention: Convention = None) -> pint.Quantity:
    """Discharge capacity of ``ds`` over that of ``other`` at the same ``cycle`` (percent); NaN if either lacks it."""
    cycle = _cycle(cycle)
    mine, theirs = _discharge_capacity(ds, convention), _discharge_capacity(other, convention)
    if cycle not in mine["cycle"].values or cycle not in theirs["cycle"].values:
        return _nan("percent")
    return (mine.sel(cycle=cycle).data / theirs.sel(cycle=cycle).data).to("percent")


def discharge_capacity_at_rate(ds: xr.Dataset, *, rate: pint.Quantity,
                               one_c_current_density: pint.Quantity) -> pint.Quantity:
    """|Capacity| of the first discharge step at C-rate ``rate`` (mAh), found by its current.

    The step's |mean current| must be ``rate × one_c_current_density × area`` within 1 %;
    ``rate`` is a Quantity in 1/h (2 C = ``Q_(2, "1/h")``). Raises ``ValueError`` when none is.
    """
    require(rate, C_RATE, "rate", positive=True)
    require(one_c_current_density, AREAL_CURRENT, "one_c_current_density", positive=True)
    area = _area(ds)
    steps = _cycling.step_table(ds)
    current = np.abs(steps["mean_current"].data.to("A").magnitude)
    capacity = np.abs(steps["capacity"].data.to("mA*h").magnitude)
    discharge = steps["direction"].values.astype(str) == "discharge"
    c_rate = float(rate.to("1/h").magnitude)
    target = float((c_rate * one_c_current_density * area).to("A").magnitude)
    hit = np.flatnonzero(discharge & np.isclose(current, target, rtol=0.01))
    if hit.size == 0:
        raise ValueError(f"no discharge step at {c_rate:g} C")
    return Q_(float(capacity[hit[0]]), "mA*h")


def rate_capability(ds: xr.Dataset, *, rate: pint.Quantity, reference_rate: pint.Quantity,
                    one_c_current_density: pint.Quantity) -> pint.Quantity:
    """Discharge capacity at ``rate`` over that at ``reference_rate`` (percent), each its first step at that rate."""
    high = discharge_capacity_at_rate(ds, rate=rate, one_c_current_density=one_c_current_density)
    low = discharge_capacity_at_rate(ds, rate=reference_rate, one_c_current_density=one_c_current_density)
    return (high / low).to("percent")


# ------------------------------------------------------------------------------------------------
# De-alloying of Li3.75Si (Figure S13)
# ------------------------------------------------------------------------------------------------

_FLAT_SLOPE = Q_(1.0, "V/(mA*h/cm^2)")
_RESAMPLING = Q_(0.01, "mA*h/cm^2")


def dealloying_region(ds: xr.Dataset, *, slope_limit: pint.Quantity = _FLAT_SLOPE,
                      spacing: pint.Quantity = _RESAMPLING) -> tuple[pint.Quantity, pint.Quantity]:
    """(upper, lower) cell voltage of the Li3.75Si de-alloying region of the first discharge (Figure S13).

    The discharge voltage, resampled every ``spacing`` of areal capacity, falls in flat stretches
    (|dV/dQ| < ``slope_limit``) separated by steep drops: Li stripping, the drop of ≈0.43 V when the
    Li metal runs out, the de-alloying region, the final drop. The de-alloying region is the last
    flat stretch; at least two are needed (a discharge with Li stripping only raises).
    """
    require(slope_limit, "[electric_potential] / ([current] * [time] / [length] ** 2)", "slope_limit", positive=True)
    require(spacing, AREAL_CAPACITY, "spacing", positive=True)
    q, v = _step_records(ds, "discharge", 0)
    q, v = q.to("mA*h/cm^2").magnitude, v.to("V").magnitude
    h = float(spacing.to("mA*h/cm^2").magnitude)
    grid = np.arange(q[0], q[-1], h)
    vg = np.interp(grid, q, v)
    flat = np.abs(np.diff(vg)) / h < float(slope_limit.to("V/(mA*h/cm^2)").magnitude)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(int), [0]])))
    segments = list(zip(edges[::2], edges[1::2]))
    segments = [(a, b) for a, b in segments if b - a >= 3]  # at least 3 resampling steps
    if len(segments) < 2:
        raise ValueError("the first discharge shows no second flat region (no de-alloying after Li stripping)")
    a, b = segments[-1]
    region = vg[a:b + 1]
    return Q_(float(region.max()), "V"), Q_(float(region.min()), "V")


def dealloying_voltage(ds: xr.Dataset, *, end: Literal["upper", "lower"]) -> pint.Quantity:
    """Upper or lower cell voltage of the de-alloying region of the first discharge (V; :func:`dealloying_region`)."""
    if end not in ("upper", "lower"):
        raise ValueError(f"end must be 'upper' or 'lower', got {end!r}")
    upper, lower = dealloying_region(ds)
    return upper if end == "upper" else lower


# ------------------------------------------------------------------------------------------------
# Failures, fading, time without short
# ------------------------------------------------------------------------------------------------

def failure(ds: xr.Dataset, *, convention: Convention = None, drop: float = 0.2, window: int = 5,
            ce_low: float | None = 0.9, noise_factor: float | None = None) -> tuple[int, str] | None:
    """(first failing cycle, why) of :func:`analysis.cycling.failure_cycle`, or None.

    With ``noise_factor``, a cycle whose voltage noise (:func:`analysis.cycling.voltage_noise`)
    exceeds ``noise_factor`` times that of the cycles before it fails too.
    """
    noise = None if noise_factor is None else _cycling.voltage_noise(ds)
    return _cycling.failure_cycle(_summary(ds, convention), drop=drop, window=window, ce_low=ce_low, noise=noise,
                                  noise_factor=5.0 if noise_factor is None else noise_factor)


def failure_cycle(ds: xr.Dataset, *, convention: Convention = None, drop: float = 0.2, window: int = 5,
                  ce_low: float | None = 0.9, noise_factor: float | None = None) -> pint.Quantity:
    """First failing (e.g. short-circuited) cycle of :func:`failure` (dimensionless); NaN if none."""
    found = failure(ds, convention=convention, drop=drop, window=window, ce_low=ce_low, noise_factor=noise_factor)
    return Q_(float("nan") if found is None else float(found[0]), "dimensionless")


def cycles_before_failure(ds: xr.Dataset, *, convention: Convention = None, drop: float = 0.2, window: int = 5,
                          ce_low: float | None = 0.9, noise_factor: float | None = None) -> pint.Quantity:
    """Cycles completed before the first failing cycle ("short after 21 cycles"; dimensionless); 0 if none."""
    found = failure(ds, convention=convention, drop=drop, window=window, ce_low=ce_low, noise_factor=noise_factor)
    return Q_(0.0 if found is None else float(found[0] - 1), "dimensionless")


FADING_CRITERIA = ("retention_below_95", "knee")


def fading_onset(ds: xr.Dataset, *, criterion: str = "retention_below_95", reference: int = 2,
                 threshold: pint.Quantity = Q_(95, "percent"), convention: Convention = None) -> pint.Quantity:
    """Last cycle before the capacity starts to fade (dimensionless); NaN if it never does.

    ``retention_below_95``: the cycle before the first cycle after ``reference`` whose discharge
    retention vs ``reference`` is below ``threshold``. ``knee``: the last cycle before the
    cycle-to-cycle discharge-capacity loss first exceeds 3 times its median since ``reference``.
    """
    if criterion not in FADING_CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(FADING_CRITERIA)}, got {criterion!r}")
    reference = _cycle(reference, "reference")
    require(threshold, DIMENSIONLESS, "threshold")
    capacity = _discharge_capacity(ds, convention)
    cycles = capacity["cycle"].values
    if reference not in cycles:
        return _nan("dimensionless")
    if criterion == "retention_below_95":
        r = np.asarray((capacity / capacity.sel(cycle=reference)).pint.to("percent").data.magnitude)
        limit = float(threshold.to("percent").magnitude)
        onset = next((int(c) for c, x in zip(cycles, r) if c > reference and x < limit), None)
        return Q_(float("nan") if onset is None else float(onset - 1), "dimensionless")
    c = np.asarray(capacity.data.to("mA*h").magnitude)
    loss = -np.diff(c)  # loss from cycle index k to k + 1
    start = int(np.flatnonzero(cycles == reference)[0])
    knee = next((int(cycles[k]) for k in range(start + 2, loss.size)
                 if loss[k] > 3 * max(np.median(loss[start:k]), 1e-12)), None)
    return Q_(float("nan") if knee is None else float(knee), "dimensionless")


def elapsed_hours(ds: xr.Dataset) -> pint.Quantity:
    """Test time of every record from the first record (h)."""
    t = ds["test_time_second"].data
    t = t if isinstance(t, pint.Quantity) else Q_(np.asarray(t, dtype=float), ds["test_time_second"].attrs["units"])
    return (t - t[0]).to("h")




def time_without_short(ds: xr.Dataset, *, convention: Convention = None, drop: float = 0.2, window: int = 5,
                       ce_low: float | None = 0.9, noise_factor: float | None = 5.0) -> pint.Quantity:
    """Hours from the first record to the start of the first failing cycle, or to the end of the data (h).

    Failures as :func:`failure` (by default with the voltage noise, ``noise_factor`` 5).
    """
    found = failure(ds, convention=convention, drop=drop, window=window, ce_low=ce_low, noise_factor=noise_factor)
    hours = elapsed_hours(ds)
    if found is None:
        return Q_(float(hours[-1].magnitude), "h")
    summary = _summary(ds, convention)
    t0 = Q_(float(ds["test_time_second"].data.to("s").magnitude[0]), "s")
    return (summary["start_time"].sel(cycle=found[0]).data - t0).to("h")


def cycle_life(ds: xr.Dataset, *, convention: Convention = None, drop: float = 0.2, window: int = 5,
               ce_low: float | None = 0.9, noise_factor: float | None = 5.0) -> pint.Quantity:
    """Hours a cell cycles before its first failure, or its whole test without one (h; :func:`time_without_short`)."""
    return time_without_short(ds, convention=convention, drop=drop, window=window, ce_low=ce_low,
                              noise_factor=noise_factor)
