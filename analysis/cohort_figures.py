"""Figures of the cohort (notebooks/cohort.ipynb): groups of cells against cycle, and one group beside
the paper's cell with the paper's reported numbers marked.

Every figure's note names its data sources cell by cell kind (reconstructed cells are the model's,
measured cells a lab's, marks the paper's printed numbers), so they are never taken for one another.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import DATA_SOURCES
from .cohort import group_bands
from .plotting import COLORS, add_source_note, apply_style

LABELS = {"retention_percent": "Capacity retention (%)", "ce_percent": "Coulombic efficiency (%)"}


def sources_note(traces: Iterable[Mapping[str, Any]], extra: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(leading source, detail) for :func:`analysis.plotting.add_source_note`: how many cells of each data
    source and their groups; ``extra`` adds a source with its own description (e.g. the paper's marks)."""
    cells: dict[str, list[str]] = {}
    groups: dict[str, set[str]] = {}
    for trace in traces:
        cells.setdefault(trace["data_source"], []).append(trace["cell"])
        groups.setdefault(trace["data_source"], set()).add(str(trace["group"]))
    parts = {}
    for source, names in cells.items():
        text = f"{len(names)} cell{'s' if len(names) > 1 else ''} ({', '.join(sorted(groups[source]))})"
        if source == "reconstructed":
            text += ", model of analysis/reconstruct from the paper's protocols"
        parts[source] = text
    parts.update(extra or {})
    ordered = [s for s in DATA_SOURCES if s in parts]
    return ordered[0], "; ".join(f"{s}: {parts[s]}" for s in ordered)


def _palette(groups: Sequence[str]) -> dict[str, Any]:
    import seaborn as sns

    colors = sns.color_palette("colorblind", n_colors=max(len(groups), 1)) if len(groups) <= 10 else \
        sns.color_palette("husl", n_colors=len(groups))
    return dict(zip(groups, colors))


def draw_groups(ax: matplotlib.axes.Axes, traces: Sequence[Mapping[str, Any]], value: str, *,
                colors: Mapping[str, Any] | None = None, label_suffix: str = "") -> None:
    """Each cell a thin line, each group's mean a thick line with a ±1 sd band (where ≥ 2 cells have the cycle)."""
    bands = group_bands(traces, value)
    colors = colors or _palette(list(bands))
    for trace in traces:
        ax.plot(trace["cycle"], trace[value], lw=0.5, alpha=0.35, color=colors[str(trace["group"])])
    for group, band in bands.items():
        n_cells = sum(1 for t in traces if str(t["group"]) == group)
        ax.plot(band["cycle"], band["mean"], lw=1.6, color=colors[group],
                label=f"{group} (n = {n_cells}){label_suffix}")
        ok = np.isfinite(band["sd"])
        if ok.any():
            ax.fill_between(band["cycle"], band["mean"] - np.where(ok, band["sd"], 0),
                            band["mean"] + np.where(ok, band["sd"], 0), where=ok, color=colors[group], alpha=0.2,
                            lw=0)
    ax.set_xlabel("Cycle number")
    ax.set_ylabel(LABELS[value])
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


KINDS = {"full_cell": "full cells", "half_cell": "half-cells", "symmetric": "symmetric cells"}


def groups_figure(traces: Sequence[Mapping[str, Any]], value: str) -> Figure:
    """``value`` (``retention_percent`` or ``ce_percent``) vs cycle for every group, one panel per kind of cell
    (a half-cell's stripped capacity and a full cell's discharge are not one quantity): mean ± sd band,
    cells thin."""
    apply_style()
    kinds = [k for k in KINDS if any(t.get("kind") == k for t in traces)] or [""]
    fig = Figure(figsize=(3.4 * len(kinds) + 2.4, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(kinds)))
    colors = _palette(sorted({str(t["group"]) for t in traces}))
    for ax, kind in zip(axes, kinds):
        members = [t for t in traces if t.get("kind", "") == kind]
        draw_groups(ax, members, value, colors=colors)
        ax.set_title(KINDS.get(kind, "cells"), loc="left", fontsize=9)
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    fig.legend(list(handles.values()), list(handles), frameon=False, fontsize=6 if len(handles) > 8 else 8,
               loc="outside right center", ncol=1 if len(handles) <= 14 else 2)
    fig.suptitle(f"{LABELS[value]} by group: mean ± 1 sd (band), each cell a thin line", x=0.01, ha="left",
                 fontsize=9)
    add_source_note(fig, *sources_note(traces))
    return fig


def comparison_figure(group: Sequence[Mapping[str, Any]], paper: Mapping[str, Any] | None,
                      marks: Sequence[Mapping[str, Any]]) -> Figure:
    """One group (its traces) beside the paper's reconstructed cell (``paper``: one trace, or None) with
    the paper's reported numbers (``marks``: ``{"panel": "retention_percent" | "ce_percent", "cycle":
    int or None (a line across), "value": float, "label": str}``)."""
    apply_style()
    fig = Figure(figsize=(7.2, 3.2), layout="constrained")
    axes = dict(zip(("retention_percent", "ce_percent"), fig.subplots(1, 2)))
    names = sorted({str(t["group"]) for t in group})
    source = group[0]["data_source"] if group else "measured"
    colors = {name: COLORS[source] if i == 0 else color for i, (name, color) in enumerate(_palette(names).items())}
    for value, ax in axes.items():
        draw_groups(ax, group, value, colors=colors, label_suffix=f", {source}")
        if paper is not None:
            ax.plot(paper["cycle"], paper[value], ls="--", lw=1.0, color=COLORS["reconstructed"],
                    label=f"paper's cell {paper['cell']} (reconstructed)")
        for mark in (m for m in marks if m["panel"] == value):
            if mark["cycle"] is None:
                ax.axhline(mark["value"], ls=":", lw=1.0, color=COLORS["paper"], label=mark["label"])
            else:
                ax.plot([mark["cycle"]], [mark["value"]], marker="*", ms=9, ls="none", color=COLORS["paper"],
                        label=mark["label"])
        ax.legend(frameon=False, fontsize=6, loc="lower left")
    axes["retention_percent"].set_title(", ".join(names) + (f" vs {paper['cell']}" if paper else ""), loc="left",
                                        fontsize=9)
    extra = {"paper": "★ and dotted lines are the paper's reported numbers (data/paper/reported_values.csv)"} \
        if marks else {}
    add_source_note(fig, *sources_note([*group, *([paper] if paper else [])], extra))
    return fig


def reported_marks(rows: Sequence[Mapping[str, str]], ids: Sequence[str], first_cycle: int = 1) -> list[dict[str, Any]]:
    """Marks for :func:`comparison_figure` from rows of data/paper/reported_values.csv, by id: capacity
    retention at its ``at_cycle``; initial CE at ``first_cycle``; average CE as a line across."""
    by_id = {row["id"]: row for row in rows}
    marks = []
    for rid in ids:
        if rid not in by_id:
            raise KeyError(f"data/paper/reported_values.csv: no id '{rid}' (cohort.paper in config/config.yaml)")
        row = by_id[rid]
        if row["unit"] != "percent":
            raise ValueError(f"data/paper/reported_values.csv, row '{rid}': unit {row['unit']!r}, expected 'percent'")
        value = float(row["value"])
        if row["quantity"] == "capacity_retention":
            marks.append({"panel": "retention_percent", "cycle": int(row["at_cycle"]), "value": value,
                          "label": f"paper: {value:g} % at cycle {row['at_cycle']}"})
        elif row["quantity"] == "initial_coulombic_efficiency":
            marks.append({"panel": "ce_percent", "cycle": first_cycle, "value": value,
                          "label": f"paper: initial CE {value:g} %"})
        elif row["quantity"] == "average_coulombic_efficiency":
            marks.append({"panel": "ce_percent", "cycle": None, "value": value,
                          "label": f"paper: average CE {value:g} %"})
        else:
            raise ValueError(f"data/paper/reported_values.csv, row '{rid}': quantity {row['quantity']!r} cannot "
                             "be marked (capacity_retention, initial_ or average_coulombic_efficiency)")
    return marks
