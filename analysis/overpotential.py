"""Li nucleation overpotential: the depth of the voltage dip at the start of Li plating.

When Li starts to plate on a current collector at constant current, the voltage first dips
(nucleation needs extra driving force) and then relaxes to a flat growth plateau. The paper
(Fig. 3a) defines the nucleation overpotential as

    overpotential = plateau voltage − voltage at the bottom of the dip   (> 0)

(both voltages vs Li are negative while plating). The Li3.75Si-CNT cell shows two dips: a second
one when Li starts to grow between the interlayer and the current collector (Figs. S8, S9).

:func:`nucleation_dips` finds every dip of a plating curve that is deeper than a threshold, each
with the plateau that follows it; all windows are explicit parameters, in the units of the
abscissa given (time or capacity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from .units import require


@dataclass(frozen=True)
class NucleationDip:
    """One nucleation event: where the dip is, how deep, and the plateau it relaxes to."""

    position: pint.Quantity  # abscissa of the dip bottom (time or capacity)
    dip_voltage: pint.Quantity
    plateau_voltage: pint.Quantity
    overpotential: pint.Quantity  # plateau − dip, > 0


def _moving_median(values: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or values.size < width:
        return values.copy()
    half = width // 2
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.median(windows, axis=1)


def nucleation_dips(
    x: pint.Quantity,
    voltage: pint.Quantity,
    *,
    search_window: tuple[pint.Quantity, pint.Quantity],
    plateau_offset: pint.Quantity,
    plateau_length: pint.Quantity,
    min_depth: pint.Quantity,
    smooth_points: int = 5,
    max_dips: int = 3,
) -> list[NucleationDip]:
    """Every nucleation dip of one plating curve, in order of position.

    ``x`` is the abscissa (time or plated capacity, increasing), ``voltage`` the cell voltage.
    A dip is a local minimum of the median-smoothed voltage (``smooth_points`` records) inside
    ``search_window``; its plateau is the median voltage from ``plateau_offset`` to
    ``plateau_offset + plateau_length`` after the dip (cut short before the next dip). Dips
    shallower than ``min_depth`` are noise and dropped; at most ``max_dips`` are returned.
    """
    require(voltage, "[electric_potential]", "voltage")
    if not isinstance(x, pint.Quantity):
        raise TypeError("x must be a pint Quantity (time or capacity)")
    unit = x.units
    for name, q in (("search_window start", search_window[0]), ("search_window end", search_window[1]),
                    ("plateau_offset", plateau_offset), ("plateau_length", plateau_length)):
        require(q, str(x.dimensionality), name)
    require(min_depth, "[electric_potential]", "min_depth")
    xs = np.asarray(x.to(unit).magnitude, dtype=float)
    vs = np.asarray(voltage.to("V").magnitude, dtype=float)
    if xs.shape != vs.shape or xs.ndim != 1:
        raise ValueError("x and voltage must be 1-D arrays of the same length")
    if xs.size < 3:
        return []
    if np.any(np.diff(xs) < 0):
        raise ValueError("x must not decrease")
    smooth = _moving_median(vs, int(smooth_points))
    lo, hi = (w.to(unit).magnitude for w in search_window)
    offset, length = plateau_offset.to(unit).magnitude, plateau_length.to(unit).magnitude
    depth_min = min_depth.to("V").magnitude

    # local minima of the smoothed curve: lower than the left neighbour, not higher than the right
    interior = np.arange(1, xs.size - 1)
    is_min = (smooth[interior] < smooth[interior - 1]) & (smooth[interior] <= smooth[interior + 1])
    candidates = [int(i) for i in interior[is_min] if lo <= xs[i] <= hi]
    if xs.size and lo <= xs[0] <= hi and smooth[0] < smooth[1]:
        candidates.insert(0, 0)

    dips: list[NucleationDip] = []
    accepted: list[int] = []
    for i in candidates:
        start, stop = xs[i] + offset, xs[i] + offset + length
        window = (xs >= start) & (xs <= stop)
        if not window.any():
            continue
        plateau = float(np.median(vs[window]))
        depth = plateau - smooth[i]
        if depth < depth_min:
            continue
        # a dip between an accepted dip and its plateau is part of the same event
        if accepted and xs[i] < xs[accepted[-1]] + offset:
            if smooth[i] < smooth[accepted[-1]]:
                accepted[-1] = i
            continue
        accepted.append(i)
    # plateaus cut short before the next dip
    for k, i in enumerate(accepted):
        stop = xs[i] + offset + length
        if k + 1 < len(accepted):
            stop = min(stop, xs[accepted[k + 1]])
        window = (xs >= xs[i] + offset) & (xs <= stop)
        if not window.any():
            window = (xs > xs[i]) & (xs <= stop)
        plateau = float(np.median(vs[window]))
        dips.append(NucleationDip(
            position=(xs[i] * unit),
            dip_voltage=float(smooth[i]) * voltage._REGISTRY.V,
            plateau_voltage=plateau * voltage._REGISTRY.V,
            overpotential=((plateau - float(smooth[i])) * voltage._REGISTRY.V).to("mV"),
        ))
    return dips[:max_dips]
