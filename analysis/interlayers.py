"""Table S1: this work's Li3.75Si-CNT ("LiSi-CNT") interlayer among the interlayers of the literature.

The table is transcribed as printed (``data/paper/table_s1_interlayers.csv``, one row per interlayer,
and ``data/paper/table_s1_retention.csv``, one row per capacity-retention entry). These functions
read both with their units, join them, and shape them for a formatted table and for the
comparison figure (thickness against capacity retention).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pint

from .tables import load_schema, read_rows
from .units import Q_


def _number(text: str, unit: str) -> pint.Quantity | None:
    return Q_(float(text), unit) if text not in ("", None) else None


def read_table_s1(interlayers: str | Path, retention: str | Path) -> list[dict[str, Any]]:
    """Rows of Table S1 in printed order, each with its retention entries joined in.

    Numbers become Quantities (thickness range, ICE, rate capability); an absent value ("-" in
    the table) is ``None``. Each row gets ``retention``: a list of ``{"retention", "cycles",
    "temperature", "qualifier", "printed"}``.
    """
    rows = read_rows(interlayers, load_schema("table_s1_interlayers"))
    entries = read_rows(retention, load_schema("table_s1_retention"))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_id.setdefault(e["interlayer_id"], []).append({
            "retention": _number(e["capacity_retention"], e["retention_unit"]),
            "cycles": int(e["cycles"]),
            "temperature": _number(e["temperature"], e["temperature_unit"]),
            "qualifier": e["retention_qualifier"],
            "printed": e["retention_printed"],
        })
    unknown = set(by_id) - {r["id"] for r in rows}
    if unknown:
        raise ValueError(f"{retention}: retention entries for unknown interlayer(s) {sorted(unknown)}")
    out = []
    for r in sorted(rows, key=lambda r: int(r["row"])):
        unit = r["thickness_unit"] or "um"
        out.append({
            "id": r["id"], "row": int(r["row"]), "reference": r["reference_printed"], "interlayer": r["interlayer"],
            "thickness_printed": r["thickness_printed"],
            "thickness_min": _number(r["thickness_min"], unit), "thickness_max": _number(r["thickness_max"], unit),
            "electrolyte": r["electrolyte_printed"], "electrolyte_formula": r["electrolyte_formula"],
            "cell_configuration": r["cell_configuration_printed"], "cell_type": r["cell_type"],
            "ice": _number(r["initial_coulombic_efficiency"], r["ice_unit"] or "percent"),
            "ice_printed": r["ice_printed"],
            "rate_capability_printed": r["rate_capability_printed"], "cathode": r["cathode_printed"],
            "retention_printed": r["capacity_retention_printed"],
            "retention": sorted(by_id.get(r["id"], []), key=lambda e: e["cycles"]),
            "this_work": r["reference_printed"] == "This work",
        })
    return out


def formatted_rows(table: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Table S1 as a reader sees it: printed text per column, references resolved, in printed order."""
    return [{
        "row": str(r["row"]), "reference": r["reference"], "interlayer": r["interlayer"],
        "thickness_um": r["thickness_printed"], "electrolyte": r["electrolyte"],
        "cell_configuration": r["cell_configuration"], "cell_type": r["cell_type"], "ice": r["ice_printed"],
        "rate_capability": r["rate_capability_printed"], "cathode": r["cathode"],
        "capacity_retention": r["retention_printed"],
    } for r in table]


def thickness_vs_retention(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per retention entry: geometric-mean thickness of the printed range, retention, cycles.

    Rows with no retention or no thickness are left out. Thickness is a Quantity in µm, retention
    in percent, temperature in °C (or None).
    """
    points = []
    for r in table:
        if r["thickness_min"] is None or r["thickness_max"] is None:
            continue
        lo, hi = r["thickness_min"].to("um"), r["thickness_max"].to("um")
        mid = (lo * hi) ** 0.5
        for e in r["retention"]:
            if e["retention"] is None:
                continue
            points.append({"id": r["id"], "interlayer": r["interlayer"], "electrolyte": r["electrolyte"],
                           "this_work": r["this_work"], "thickness": mid, "thickness_min": lo, "thickness_max": hi,
                           "retention": e["retention"].to("percent"), "cycles": e["cycles"],
                           "temperature": e["temperature"], "approximate": e["qualifier"] != ""})
    return points
