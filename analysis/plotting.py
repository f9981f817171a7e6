"""The one figure style of the compendium, source notes, and deterministic PNG + SVG output.

Every figure says which kind of data it rests on (:data:`analysis.DATA_SOURCES`): a small note
in its lower left corner, e.g. "Data: paper (SI Table S2)". Fonts are matplotlib's own DejaVu Sans,
so a figure looks the same on every machine.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import re
import sys

import matplotlib
import pint

if "ipykernel" not in sys.modules:  # scripts and tests: no screen needed. In a notebook the kernel's
    matplotlib.use("Agg")           # inline backend stays, so executed notebooks keep their figures

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import seaborn as sns  # noqa: E402

from . import DATA_SOURCES  # noqa: E402
from .atomic import atomic_path  # noqa: E402

#: Colours by role, from seaborn's colour-blind safe palette.
PALETTE = sns.color_palette("colorblind")
COLORS = {
    "paper": PALETTE[0],
    "first_principles": PALETTE[1],
    "reconstructed": PALETTE[2],
    "measured": PALETTE[3],
    "SiNP-CNT": PALETTE[7],
    "Li3.75Si-CNT": PALETTE[0],
}

_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "standard",
    "svg.hashsalt": "sung2023-compendium",  # stable element ids in SVG output
    "svg.fonttype": "path",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def apply_style() -> None:
    """Set the compendium's figure style (seaborn 'ticks', paper context, fixed fonts)."""
    sns.set_theme(context="paper", style="ticks", palette=PALETTE, rc=_RC)


def source_note(source: str, detail: str = "") -> str:
    """The data-source note every figure carries, e.g. ``"Data: paper (SI Table S2)"``."""
    if source not in DATA_SOURCES:
        raise ValueError(f"data source must be one of {', '.join(DATA_SOURCES)}, got {source!r}")
    return f"Data: {source}" + (f" ({detail})" if detail else "")


def add_source_note(fig: matplotlib.figure.Figure, source: str, detail: str = "") -> None:
    """Write :func:`source_note` along the bottom of ``fig``, wrapped to its width.

    With a constrained layout, room is reserved below the axes so nothing overlaps.
    """
    width_in, height_in = fig.get_size_inches()
    chars_per_line = max(20, int(width_in * 15))  # 7 pt DejaVu Sans: about 15 characters per inch
    lines = textwrap.wrap(source_note(source, detail), chars_per_line)
    line_height = 7 * 1.3 / 72 / height_in  # in figure fractions
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=7, color="0.35", ha="left", va="bottom", linespacing=1.2)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        bottom = 0.015 + line_height * len(lines)
        engine.set(rect=(0, bottom, 1, 1 - bottom))


def panel_label(ax: matplotlib.axes.Axes, letter: str) -> None:
    """Panel letter as in the paper (bold, upper left, outside the axes)."""
    ax.text(-0.16, 1.04, letter, transform=ax.transAxes, fontsize=12, fontweight="bold", va="bottom", ha="left")


def save_figure(fig: matplotlib.figure.Figure, stem: str | Path) -> list[Path]:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.svg`` with no time stamps; return the paths.

    Each file is written to a temporary name and renamed, so an interrupted run leaves no
    half-written figure behind.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for ext, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        target = stem.with_suffix(f".{ext}")
        # SVG keeps every data point: path simplification, which picks the vertices of long curves
        # by a tolerance test, was seen to pick different records in one run in five (same data)
        rc = {"svg.hashsalt": _RC["svg.hashsalt"], "path.simplify": ext != "svg"}
        with atomic_path(target) as temp, plt.rc_context(rc):
            fig.savefig(temp, format=ext, metadata=metadata)
            if ext == "svg":
                Path(temp).write_text(stable_svg_ids(Path(temp).read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    return written


_SVG_ID = re.compile(r'id="([a-z][0-9a-f]{10})"')


def stable_svg_ids(svg: str) -> str:
    """``svg`` with matplotlib's hashed element ids renumbered in document order.

    Matplotlib names clip paths and markers by a hash of their geometry, which for some
    transforms (inset and twin axes) includes object addresses and so changes from run to run.
    Renaming each id to its rank of first definition (``clip1``, ``clip2``, …) keeps the file
    byte-identical between runs and changes nothing in the drawing.
    """
    names: dict[str, str] = {}
    for old in _SVG_ID.findall(svg):
        names.setdefault(old, f"{'clip' if old[0] == 'p' else 'id'}{len(names) + 1}")
    if not names:
        return svg
    return re.sub(r"(?<![0-9a-zA-Z])(" + "|".join(map(re.escape, names)) + r")(?![0-9a-zA-Z])",
                  lambda m: names[m.group(1)], svg)


def porosity_bars(
    layers: list[str],
    series: dict[str, dict[str, tuple[float, float, float]]],
    *,
    ylabel: str = "Porosity (vol %)",
) -> matplotlib.figure.Figure:
    """Grouped bars of porosity per layer (Figure 2h family).

    ``series`` maps a legend label to ``{layer: (value, low, high)}`` in percent; ``low``/``high``
    bound the error bar. Values are printed above the bars.
    """
    apply_style()
    fig, ax = plt.subplots(figsize=(3.6, 3.0), layout="constrained")
    n = len(series)
    width = 0.8 / n
    colours = [COLORS["paper"], COLORS["first_principles"], *PALETTE[2:]]
    top = 0.0
    for i, (label, by_layer) in enumerate(series.items()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(layers))]
        values = [by_layer[layer][0] for layer in layers]
        lows = [by_layer[layer][0] - by_layer[layer][1] for layer in layers]
        highs = [by_layer[layer][2] - by_layer[layer][0] for layer in layers]
        ax.bar(xs, values, width=width * 0.92, color=colours[i], label=label,
               yerr=[lows, highs], capsize=3, error_kw={"elinewidth": 0.8, "capthick": 0.8})
        for x, v, h in zip(xs, values, highs):
            ax.text(x, v + h + 1.0, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
            top = max(top, v + h)
    ax.set_xticks(range(len(layers)), layers)
    ax.set_ylabel(ylabel)
    ax.set_ylim(min(0.0, ax.get_ylim()[0]), max(100.0, top * 1.15))
    ax.axhline(0, color="0.2", lw=0.6)
    ax.legend(frameon=False, loc="upper right")
    return fig


def voltage_vs_time(ax: matplotlib.axes.Axes, ds, *, label: str | None = None, color=None,
                    time_unit: str = "h") -> None:
    """Voltage against test time of one cell (a canonical cycler Dataset)."""
    t = ds["test_time_second"].data.to(time_unit).magnitude
    v = ds["voltage_volt"].data.to("V").magnitude
    ax.plot(t, v, lw=0.8, label=label, color=color)
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel("Voltage (V)")


#: One series of :func:`twin_capacity_ce`: (cycle numbers, values with units, keyword arguments of ``Axes.plot``).
Series = tuple[Any, pint.Quantity, Mapping[str, Any]]


def twin_capacity_ce(ax: matplotlib.axes.Axes, capacity: Sequence[Series], ce: Sequence[Series], *,
                     name: str = "Areal capacity", unit: str = "mA*h/cm^2", color=None, ce_color=None,
                     marker_key: bool = True) -> matplotlib.axes.Axes:
    """Capacities (left axis, in ``unit``) and Coulombic efficiencies (right axis, %) against cycle number.

    The one twin-axis plot of the compendium (Fig 4c, 5b, S10, the cell overviews). Each series is
    (cycles, values, keyword arguments of ``Axes.plot``); capacities default to circles, CE to
    squares in the CE colour. The left axis starts at 0 with integer cycle ticks; axis labels are
    drawn in ``color`` and ``ce_color``, with the marker of each axis (●, □) when ``marker_key``.
    Returns the right-hand (CE) axes.
    """
    for cycles, values, kw in capacity:
        ax.plot(cycles, values.to(unit).magnitude, **{"marker": "o", "ls": "none", "ms": 3, **kw})
    ax.set_xlabel("Cycle number")
    ax.set_ylabel(axis_label(name, unit) + (", ●" if marker_key else ""), **({"color": color} if color else {}))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    right = ax.twinx()
    right.spines["right"].set_visible(True)
    for cycles, values, kw in ce:
        right.plot(cycles, values.to("percent").magnitude,
                   **{"marker": "s", "ls": "none", "ms": 2.5, "color": COLORS["first_principles"], **kw})
    right.set_ylabel(axis_label("Coulombic efficiency", "percent") + (", □" if marker_key else ""),
                     **({"color": ce_color} if ce_color else {}))
    return right


def capacity_and_ce(ax: matplotlib.axes.Axes, summary, *, areal: bool = True, color=None,
                    label: str | None = None) -> matplotlib.axes.Axes:
    """Discharge capacity (left axis) and Coulombic efficiency (right axis) of one per-cycle summary.

    :func:`twin_capacity_ce` of one cell. Returns the right-hand axes (CE). Areal capacity when
    the summary has it and ``areal`` is set.
    """
    use_areal = areal and "areal_discharge_capacity" in summary
    name = "areal_discharge_capacity" if use_areal else "discharge_capacity"
    cycles = summary["cycle"].values
    color = color or COLORS["paper"]
    right = twin_capacity_ce(ax, [(cycles, summary[name].data, {"color": color, "label": label or "capacity"})],
                             [(cycles, summary["coulombic_efficiency"].data, {"mfc": "none", "label": "CE"})],
                             name="Areal capacity" if use_areal else "Capacity", unit="mA*h/cm^2" if use_areal
                             else "mA*h", color=color, ce_color=COLORS["first_principles"])
    if len(cycles) == 1:
        ax.set_xticks(cycles)
    return right


def cells_note(datasets: dict[str, "xr.Dataset"], detail: str = "") -> tuple[str, str]:
    """(source, detail) for :func:`add_source_note` of a figure drawn from several cells.

    ``datasets`` maps a label to an ingested cell. One data source for all: that source, with the
    cell ids in the detail. Mixed sources (a measured cell beside reconstructed ones) are named
    cell by cell, and the note's leading source is the first in :data:`analysis.DATA_SOURCES` order
    that appears, so a reconstructed curve is never passed off as measured.
    """
    sources: dict[str, list[str]] = {}
    for label, ds in datasets.items():
        sources.setdefault(ds.attrs["data_source"], []).append(ds.attrs.get("cell_id", label))
    ordered = [s for s in DATA_SOURCES if s in sources]
    if len(ordered) == 1:
        text = "cells " + ", ".join(sources[ordered[0]])
        if ordered[0] == "reconstructed":
            text = "model of analysis/reconstruct from the paper's protocols and numbers; " + text
    else:
        text = "; ".join(f"{s}: " + ", ".join(sources[s]) for s in ordered)
    return ordered[0], f"{text}; {detail}" if detail else text


def profile(ax: matplotlib.axes.Axes, curve: dict, *, color=None, label: str | None = None, ls: str = "-",
            x: str = "capacity", x_unit: str = "mA*h/cm^2") -> None:
    """One voltage curve of :func:`analysis.cycling.step_curve` / ``cycle_curves`` against capacity (or time)."""
    ax.plot(curve[x].to(x_unit).magnitude, curve["voltage"].to("V").magnitude, ls, lw=1.0, color=color, label=label)


def axis_label(name: str, unit: str) -> str:
    """'Areal capacity (mAh cm⁻²)' from a name and a pint unit string."""
    pretty = {"mA*h/cm^2": "mAh cm⁻²", "mA*h": "mAh", "V": "V", "mV": "mV", "h": "h", "percent": "%",
              "mA/cm^2": "mA cm⁻²", "mA*h/g": "mAh g⁻¹", "degC": "°C"}
    return f"{name} ({pretty.get(unit, unit)})"


def show_figure(fig: matplotlib.figure.Figure) -> matplotlib.figure.Figure:
    """``fig``, to be shown once as a notebook cell's last expression.

    pyplot forgets the figure first, so the kernel's inline backend does not draw it a second
    time at the end of the cell; the figure itself stays usable.
    """
    plt.close(fig)
    return fig


def cell_overview(ds, summary, *, cell_id: str, provenance: str = "") -> matplotlib.figure.Figure:
    """The per-cell overview: voltage vs time (left), capacity and CE vs cycle (right), and the note
    naming the data source, the file and the CE definition.

    Drawn by the workflow's batch path (``python -m analysis.overview``) and by
    notebooks/cell_overview.ipynb alike. Uses the object-oriented API, so no window is opened.
    """
    from matplotlib.figure import Figure

    apply_style()
    fig = Figure(figsize=(7.2, 3.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    voltage_vs_time(left, ds)
    left.set_title(cell_id, loc="left", fontsize=9)
    capacity_and_ce(right, summary)
    detail = f"{Path(ds.attrs['source_file']).name}; CE = {summary.attrs['ce_definition']}"
    add_source_note(fig, ds.attrs["data_source"], f"{provenance}; {detail}" if provenance else detail)
    return fig
