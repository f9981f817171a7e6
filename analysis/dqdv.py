"""Differential capacity dQ/dV of one charge or discharge of a cycle, with units.

dQ/dV turns a plateau of the voltage curve into a peak: the voltage at which a phase transition
(e.g. the lithiation of Si or a two-phase reaction of NCM811) stores its charge. Method, stated once:

1. **Curve.** :func:`half_cycle_curve` takes every step of one cycle that runs in one direction
   (charge or discharge; CC *and* CV steps) and chains them: capacity passed (≥ 0, mAh) against
   voltage (V), in record order. A step's capacity comes from ``step_net_capacity_ah`` where the
   file has it, else from the trapezoid integral of current over time.
2. **Histogram.** :func:`differential_capacity` spreads the capacity passed between two
   consecutive records evenly over the voltage interval they span (the exact dQ/dV of the
   piecewise-linear curve through the records) and collects it in bins of width ``resolution`` on
   a uniform voltage grid whose edges are multiples of ``resolution``. Capacity passed at constant voltage (a CV step, a flat record pair)
   lands in the one bin of that voltage. Nothing is interpolated or differentiated numerically,
   so noise in the voltage never makes dQ/dV negative and the area under dQ/dV equals the
   capacity passed, exactly.
3. **Smoothing.** The histogram is convolved with a Gaussian of standard deviation ``smoothing``
   (in volts; zero turns smoothing off), truncated at 4 standard deviations and normalised to
   unit sum. The grid extends 4 standard deviations beyond the data, so smoothing keeps the area
   too; it widens each peak by ``smoothing`` in quadrature and lowers it accordingly.

dQ/dV is returned as a positive magnitude (capacity passed per volt) for charge and discharge
alike; plots often draw the discharge branch below the axis by negating it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pint
import xarray as xr

from .cycling import cycle_curves, step_table
from .units import Q_, require, ureg

VOLTAGE = "[electric_potential]"
CAPACITY = "[current] * [time]"
DIRECTIONS = ("charge", "discharge")
#: Defaults: 5 mV bins resolve the plateaus of Si and NCM811 curves; 10 mV smoothing removes the
#: comb that records taken at a fixed time or voltage interval leave in 5 mV bins.
DEFAULT_RESOLUTION = "5 mV"
DEFAULT_SMOOTHING = "10 mV"
_TRUNCATE = 4.0  # Gaussian kernel half-width, in standard deviations


def half_cycle_curve(
    ds: xr.Dataset,
    cycle: int,
    direction: Literal["charge", "discharge"],
) -> tuple[pint.Quantity, pint.Quantity]:
    """Voltage (V) and capacity passed (mAh, counted within the half-cycle) of its ``direction`` steps.

    ``ds`` is a canonical cycler Dataset (:mod:`analysis.io`), quantified or not. Steps are
    chained in record order; rests in between are left out. Raises ``KeyError`` when the cycle has
    no such step.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    steps = step_table(ds)
    curves = cycle_curves(ds, cycle, steps=steps) if cycle in steps["cycle_count"].values else {}
    if direction not in curves:
        available = np.unique(steps["cycle_count"].values)
        raise KeyError(f"cycle {cycle} has no {direction} step (cycles {available.min()}–{available.max()})")
    return curves[direction]["voltage"].to("V"), curves[direction]["capacity"].to("mA*h")

def _ramp_sums(points: np.ndarray, slopes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_i slopes_i · max(x − points_i, 0) for every x (sorted cumulative sums, O((n + m) log n))."""
    order = np.argsort(points, kind="stable")
    p, s = points[order], slopes[order]
    cum_s = np.concatenate([[0.0], np.cumsum(s)])
    cum_sp = np.concatenate([[0.0], np.cumsum(s * p)])
    k = np.searchsorted(p, x, side="right")
    return x * cum_s[k] - cum_sp[k]


def _capacity_below(a: np.ndarray, b: np.ndarray, dq: np.ndarray, edges: np.ndarray, tiny: float) -> np.ndarray:
    """Capacity passed at voltages below each edge, each increment spread evenly over [a, b]."""
    flat = (b - a) <= tiny
    below = np.zeros(edges.size)
    if flat.any():  # increments at one voltage: a step function of the edge
        order = np.argsort(a[flat], kind="stable")
        points, cum = a[flat][order], np.concatenate([[0.0], np.cumsum(dq[flat][order])])
        below += cum[np.searchsorted(points, edges, side="left")]  # bins are [lower, upper)
    ramp = ~flat
    if ramp.any():
        slope = dq[ramp] / (b[ramp] - a[ramp])
        below += _ramp_sums(a[ramp], slope, edges) - _ramp_sums(b[ramp], slope, edges)
    return below


def differential_capacity(
    voltage: pint.Quantity,
    capacity: pint.Quantity,
    *,
    resolution: pint.Quantity = Q_(DEFAULT_RESOLUTION),
    smoothing: pint.Quantity = Q_(DEFAULT_SMOOTHING),
) -> tuple[pint.Quantity, pint.Quantity]:
    """dQ/dV of one monotone-capacity curve: bin centres (V) and dQ/dV (mAh/V), see the module.

    ``voltage`` and ``capacity`` are 1-D quantities of equal length (records in time order);
    ``capacity`` is the capacity passed so far, which may only grow. ``resolution`` is the bin
    width, ``smoothing`` the standard deviation of the Gaussian applied afterwards (0 V: none).
    ``sum(dqdv * resolution)`` equals ``capacity[-1] - capacity[0]``.
    """
    require(voltage, VOLTAGE, "voltage")
    require(capacity, CAPACITY, "capacity")
    require(resolution, VOLTAGE, "resolution", positive=True)
    require(smoothing, VOLTAGE, "smoothing")
    v = np.asarray(voltage.to("V").magnitude, dtype=float)
    q = np.asarray(capacity.to("mA*h").magnitude, dtype=float)
    width = float(resolution.to("V").magnitude)
    sigma = float(smoothing.to("V").magnitude)
    if v.ndim != 1 or v.shape != q.shape:
        raise ValueError(f"voltage and capacity must be 1-D of equal length, got shapes {v.shape} and {q.shape}")
    if v.size < 2:
        raise ValueError("at least two records are needed for dQ/dV")
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(q))):
        raise ValueError("voltage and capacity must be finite")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"smoothing must be zero or positive, got {smoothing:~P}")
    dq = np.diff(q)
    if np.any(dq < -1e-9 * max(float(np.max(np.abs(q))), 1e-300)):
        raise ValueError("capacity passed must not decrease along the curve (one direction only)")
    dq = np.clip(dq, 0.0, None)
    a, b = np.minimum(v[:-1], v[1:]), np.maximum(v[:-1], v[1:])

    pad = _TRUNCATE * sigma + width
    first = int(np.floor((v.min() - pad) / width))
    n_bins = int(np.ceil((v.max() + pad) / width)) - first + 1
    edges = np.round(width * np.arange(first, first + n_bins + 1), 12)  # multiples of the bin width
    below = _capacity_below(a, b, dq, edges, tiny=1e-6 * width)
    density = np.diff(below) / width  # mAh/V per bin

    if sigma > 0:
        half = max(int(np.ceil(_TRUNCATE * sigma / width)), 1)
        offsets = width * np.arange(-half, half + 1)
        kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
        density = np.convolve(density, kernel / kernel.sum(), mode="same")
    centres = 0.5 * (edges[:-1] + edges[1:])
    return Q_(centres, "V"), Q_(density, "mA*h/V")


def cycle_dqdv(
    ds: xr.Dataset,
    cycle: int,
    direction: Literal["charge", "discharge"],
    *,
    resolution: pint.Quantity = Q_(DEFAULT_RESOLUTION),
    smoothing: pint.Quantity = Q_(DEFAULT_SMOOTHING),
) -> xr.Dataset:
    """dQ/dV of the ``direction`` half of ``cycle``: Dataset with ``dqdv`` along ``voltage``.

    Attributes record the cycle, direction, bin width, smoothing and the capacity passed, so a
    figure or table made from it can say how it was computed.
    """
    voltage, capacity = half_cycle_curve(ds, cycle, direction)
    centres, dqdv = differential_capacity(voltage, capacity, resolution=resolution, smoothing=smoothing)
    out = xr.Dataset(
        {"dqdv": ("voltage", dqdv.magnitude, {"units": "mA*h/V", "long_name": "dQ/dV"})},
        coords={"voltage": ("voltage", centres.magnitude, {"units": "V"})},
        attrs={"cycle": int(cycle), "direction": direction, "resolution": f"{resolution:~P}",
               "smoothing": f"{smoothing:~P}",
               "capacity": f"{float((capacity[-1] - capacity[0]).to('mA*h').magnitude):.6g} mAh"},
    )
    return out.pint.quantify(unit_registry=ureg)
