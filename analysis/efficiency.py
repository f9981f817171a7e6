"""Coulombic efficiency: initial, average, and how many cycles it takes to reach a level.

All functions take the per-cycle summary of :func:`analysis.cycling.cycle_summary`, whose
``ce_convention`` attribute says what CE means for that cell (``plating``: stripped / plated;
``full_cell``: discharge / charge).
"""

from __future__ import annotations

import numpy as np
import pint
import xarray as xr

from .units import Q_, require


def _numerator_denominator(summary: xr.Dataset, areal: bool) -> tuple[xr.DataArray, xr.DataArray]:
    prefix = "areal_" if areal else ""
    charge, discharge = summary[f"{prefix}charge_capacity"], summary[f"{prefix}discharge_capacity"]
    if summary.attrs.get("ce_convention") == "plating":
        return charge, discharge
    if summary.attrs.get("ce_convention") == "full_cell":
        return discharge, charge
    raise ValueError("summary has no ce_convention attribute: make it with analysis.cycling.cycle_summary")


def initial_coulombic_efficiency(summary: xr.Dataset, *, subtract: pint.Quantity | None = None) -> pint.Quantity:
    """CE of the first cycle in ``summary``, optionally with ``subtract`` removed from its denominator.

    NaN when the first cycle has no capacity in the denominator's direction (see
    :func:`analysis.cycling.cycle_flags`; with half-cycles as cycles this does not happen).

    ``subtract`` is charge that went into something other than the reversible reaction, e.g. the
    lithiation of the Si in the SiNP-CNT interlayer (0.68 mAh/cm² from its loading): give it as a
    capacity (mAh) or an areal capacity (mAh/cm²; the summary then needs an electrode area).
    """
    areal = subtract is not None and subtract.check("[current] * [time] / [length] ** 2")
    if subtract is not None and not areal:
        require(subtract, "[current] * [time]", "subtract")
    numerator, denominator = _numerator_denominator(summary, areal)
    first = summary["cycle"].values[0]
    num = numerator.sel(cycle=first).data
    den = denominator.sel(cycle=first).data
    if subtract is not None:
        den = den - subtract
        if np.asarray(den.magnitude) <= 0:
            raise ValueError(f"subtracting {subtract:~P} leaves no capacity in cycle {first}")
    if np.asarray(den.magnitude) == 0:  # e.g. a counter's cycle 0 holding one half-cycle only: no CE, as in the summary
        return Q_(np.nan, "percent")
    return (num / den).to("percent")


def average_coulombic_efficiency(summary: xr.Dataset, first: int, last: int) -> pint.Quantity:
    """Mean CE over cycles ``first`` … ``last`` (inclusive; cycles without a CE are skipped)."""
    ce = summary["coulombic_efficiency"].sel(cycle=slice(first, last))
    values = np.asarray(ce.data.to("dimensionless").magnitude, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError(f"no Coulombic efficiency between cycles {first} and {last}")
    return Q_(values.mean(), "dimensionless").to("percent")


def cycles_to_reach(summary: xr.Dataset, threshold: pint.Quantity, *, sustained: int = 1) -> int | None:
    """First cycle from which CE ≥ ``threshold`` for ``sustained`` consecutive cycles (None if never)."""
    require(threshold, "[]", "threshold")
    if sustained < 1:
        raise ValueError("sustained must be at least 1")
    ce = np.asarray(summary["coulombic_efficiency"].data.to("dimensionless").magnitude, dtype=float)
    ok = np.nan_to_num(ce, nan=-np.inf) >= float(threshold.to("dimensionless").magnitude)
    run = 0
    for k, good in enumerate(ok):
        run = run + 1 if good else 0
        if run == sustained:
            return int(summary["cycle"].values[k - sustained + 1])
    return None
