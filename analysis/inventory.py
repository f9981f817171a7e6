"""Figure inventory: every panel and table of the paper, whether and how the compendium makes it.

:func:`build_inventory` joins the paper's list of panels (``data/paper/figure_panels.csv``, 68
entries) with the workflow's outputs (:data:`PLANNED`): for each panel its status, data source,
notebook and output files. Status values:

- ``reproduced from paper tables``: a table the paper prints, re-derived from its own numbers;
- ``computed``: a figure the compendium computes from numbers the paper prints (Fig 2h: the
  porosity recomputed from Table S2's inputs, with an uncertainty) or from physics and literature
  constants (Fig 1a: the deformation-mechanism map; Fig S6b: the Li15Si4 powder pattern);
- ``reconstructed``: a plot of cycler data that the reconstruction model makes from the protocol
  and the reported scalars (a measured file can replace it, see config/config.yaml);
- ``not reproducible without raw images``: SEM/TEM images, XRD patterns and the schematics (no
  data behind them in the paper);
- ``not reproduced (computable from physics, not done)``: a panel the list marks computable from
  constitutive laws or a crystal structure that the workflow does not make (none today).

:func:`report_entries` gives, for each figure and table the workflow writes, its Snakemake report
caption, category (a section of the paper) and subcategory (the panel), so that a rule can write
``report(path, **REPORT[path])``.

Command line: ``python -m analysis.inventory --panels data/paper/figure_panels.csv --out tables/figure_inventory.csv``
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from .errors import DataError

# analysis.tables (and with it pint) is imported where it is used: the Snakefile imports this
# module on every run, and a no-op run should not pay for pint.

#: Figure notebooks of the workflow (rules/figures.smk): notebook -> the figure stems it makes,
#: each as .png and .svg under figures/.
FIGURE_NOTEBOOKS = {
    "halfcell_first_cycle": ["fig2a_si_lithiation", "fig3a_first_cycle_profiles", "fig3c_areal_capacity_bars",
                             "figS7_delithiation"],
    "halfcell_cycling": ["fig4a_cnt_vs_bare", "fig4b_li375si_cnt_vs_li375si", "fig4c_capacity_ce",
                         "fig4g_symmetric_cell", "figS10_li375si_retention"],
    "fullcell_cycling": ["fig5a_first_cycle_profiles", "fig5b_retention_ce", "figS13_no_li_foil_discharge"],
    "fullcell_rate_temperature": ["fig5c_rate_profiles", "fig5d_rate_capability", "fig5e_20c_profiles",
                                  "fig5f_capacity_vs_temperature", "fig5g_20c_retention"],
    "fullcell_pressure": ["figS14a_bare_65mpa_profiles", "figS14b_il_5mpa_profiles", "figS14c_il_5mpa_retention",
                          "figS15a_charge_retention", "figS15b_discharge_retention"],
}


STATUSES = (
    "reproduced from paper tables",
    "computed",
    "reconstructed",
    "not reproducible without raw images",
    "not reproduced (computable from physics, not done)",
)
COMPUTABLE = "computable from physics (constitutive laws / crystal structure)"
#: Status of a panel that the workflow does not make, from the list's ``reproducible_from``.
STATUS_WITHOUT_OUTPUT = {
    "not reproducible without the raw images/patterns": "not reproducible without raw images",
    "schematic (no data; optional redraw)": "not reproducible without raw images",
    COMPUTABLE: "not reproduced (computable from physics, not done)",
}
#: Sources under which a panel may also be made by the workflow (then its status is the planned one).
MAY_BE_PLANNED = (COMPUTABLE,)
COLUMNS = ["id", "what_it_shows", "status", "data_source", "notebook", "outputs", "reproducible_from"]


def _figure(stem: str) -> list[str]:
    return [f"figures/{stem}.png", f"figures/{stem}.svg"]


#: Panel id -> (status, notebook, outputs) for every panel the workflow makes.
PLANNED: dict[str, tuple[str, str, list[str]]] = {
    "Fig 1a": ("computed", "notebooks/deformation_map.ipynb",
               _figure("fig1a_deformation_map") + ["tables/fig1a_crossover.csv"]),
    "Fig 2a": ("reconstructed", "notebooks/halfcell_first_cycle.ipynb", _figure("fig2a_si_lithiation")),
    "Fig 2h": ("computed", "notebooks/porosity.ipynb",
               _figure("fig2h_porosity") + ["tables/porosity_uncertainty.csv"]),
    "Fig 3a": ("reconstructed", "notebooks/halfcell_first_cycle.ipynb", _figure("fig3a_first_cycle_profiles")),
    "Fig 3c": ("reconstructed", "notebooks/halfcell_first_cycle.ipynb", _figure("fig3c_areal_capacity_bars")),
    "Fig 4a": ("reconstructed", "notebooks/halfcell_cycling.ipynb", _figure("fig4a_cnt_vs_bare")),
    "Fig 4b": ("reconstructed", "notebooks/halfcell_cycling.ipynb", _figure("fig4b_li375si_cnt_vs_li375si")),
    "Fig 4c": ("reconstructed", "notebooks/halfcell_cycling.ipynb", _figure("fig4c_capacity_ce")),
    "Fig 4g": ("reconstructed", "notebooks/halfcell_cycling.ipynb", _figure("fig4g_symmetric_cell")),
    "Fig 5a": ("reconstructed", "notebooks/fullcell_cycling.ipynb", _figure("fig5a_first_cycle_profiles")),
    "Fig 5b": ("reconstructed", "notebooks/fullcell_cycling.ipynb", _figure("fig5b_retention_ce")),
    "Fig 5c": ("reconstructed", "notebooks/fullcell_rate_temperature.ipynb", _figure("fig5c_rate_profiles")),
    "Fig 5d": ("reconstructed", "notebooks/fullcell_rate_temperature.ipynb", _figure("fig5d_rate_capability")),
    "Fig 5e": ("reconstructed", "notebooks/fullcell_rate_temperature.ipynb", _figure("fig5e_20c_profiles")),
    "Fig 5f": ("reconstructed", "notebooks/fullcell_rate_temperature.ipynb",
               _figure("fig5f_capacity_vs_temperature")),
    "Fig 5g": ("reconstructed", "notebooks/fullcell_rate_temperature.ipynb", _figure("fig5g_20c_retention")),
    "Fig S7": ("reconstructed", "notebooks/halfcell_first_cycle.ipynb", _figure("figS7_delithiation")),
    "Fig S6b": ("computed", "notebooks/xrd_li15si4.ipynb",
                _figure("figS6b_li15si4_xrd") + ["tables/figS6b_li15si4_xrd.csv", "tables/figS6b_li15si4_xrd_mo.csv"]),
    "Fig S10": ("reconstructed", "notebooks/halfcell_cycling.ipynb", _figure("figS10_li375si_retention")),
    "Fig S13": ("reconstructed", "notebooks/fullcell_cycling.ipynb", _figure("figS13_no_li_foil_discharge")),
    "Fig S14a": ("reconstructed", "notebooks/fullcell_pressure.ipynb", _figure("figS14a_bare_65mpa_profiles")),
    "Fig S14b": ("reconstructed", "notebooks/fullcell_pressure.ipynb", _figure("figS14b_il_5mpa_profiles")),
    "Fig S14c": ("reconstructed", "notebooks/fullcell_pressure.ipynb", _figure("figS14c_il_5mpa_retention")),
    "Fig S15a": ("reconstructed", "notebooks/fullcell_pressure.ipynb", _figure("figS15a_charge_retention")),
    "Fig S15b": ("reconstructed", "notebooks/fullcell_pressure.ipynb", _figure("figS15b_discharge_retention")),
    "Table S1": ("reproduced from paper tables", "notebooks/interlayer_comparison.ipynb",
                 ["tables/table_s1_interlayers.csv"] + _figure("tableS1_interlayer_comparison")),
    "Table S2": ("reproduced from paper tables", "notebooks/porosity.ipynb",
                 ["tables/table_s2_porosity.csv", "tables/porosity_assumption_steps.csv"]),
}
DATA_SOURCE = {"reproduced from paper tables": "paper", "computed": "paper", "reconstructed": "reconstructed"}

_ID = re.compile(r"^(?:Fig (?P<supp>S?)(?P<fig>[0-9]+)(?P<panel>[a-z]?)|Table S(?P<table>[0-9]+))$")


def paper_order(panel_id: str) -> tuple[int, int, str]:
    """Sort key: main figures (Fig 1a … 6d), then SI figures (S1a … S16b), then SI tables."""
    match = _ID.match(panel_id)
    if match is None:
        raise ValueError(f"not a panel id: {panel_id!r} (expected 'Fig 3a', 'Fig S14b' or 'Table S1')")
    if match["table"]:
        return (2, int(match["table"]), "")
    return (1 if match["supp"] else 0, int(match["fig"]), match["panel"])


def build_inventory(panels_csv: str | Path, datapackage: str | Path | None = None) -> list[dict[str, str]]:
    """One row per panel of ``panels_csv`` (columns :data:`COLUMNS`), in paper order.

    Raises :class:`DataError` for a panel the workflow makes although the list says it cannot be
    reproduced, or a reconstructable/table panel the workflow does not make.
    """
    from .tables import load_schema, read_rows

    panels = read_rows(panels_csv, load_schema("figure_panels", datapackage))
    rows = []
    for panel in panels:
        pid, source = panel["id"], panel["reproducible_from"]
        try:
            paper_order(pid)
        except ValueError as exc:
            raise DataError(str(exc), path=panels_csv, column="id", row=int(panel["_row"])) from None
        if pid in PLANNED:
            if source in STATUS_WITHOUT_OUTPUT and source not in MAY_BE_PLANNED:
                raise DataError(f"{pid} is made by the workflow but listed as '{source}'", path=panels_csv,
                                column="reproducible_from", row=int(panel["_row"]))
            status, notebook, outputs = PLANNED[pid]
        elif source in STATUS_WITHOUT_OUTPUT:
            status, notebook, outputs = STATUS_WITHOUT_OUTPUT[source], "", []
        else:
            raise DataError(f"{pid} is listed as '{source}' but no workflow output makes it", path=panels_csv,
                            column="reproducible_from", row=int(panel["_row"]))
        rows.append({"id": pid, "what_it_shows": panel["what_it_shows"], "status": status,
                     "data_source": "computed" if source == COMPUTABLE else DATA_SOURCE.get(status, "none"),
                     "notebook": notebook,
                     "outputs": ";".join(outputs), "reproducible_from": source})
    return sorted(rows, key=lambda r: paper_order(r["id"]))


# ------------------------------------------------------------------------------------------------
# Snakemake report: caption, category and subcategory of every figure and table
# ------------------------------------------------------------------------------------------------

SEC1 = "Sec 1 Introduction (Fig 1)"
SEC21 = "Sec 2.1 Fabrication of the interlayer (Fig 2, Table S2)"
SEC22 = "Sec 2.2 Li plating and stripping (Fig 3, Fig S7)"
SEC23 = "Sec 2.3 Function of each component (Fig 4, Fig S10)"
SEC24 = "Sec 2.4 Full cells (Fig 5, Fig S13 to S15)"
TABLE_S1 = "SI Table S1 Interlayers in the literature"
CHECKS = "Workflow checks (reported vs reproduced, audit, reconstruction, inventory)"
CELLS = "Per-cell overviews"

#: Output path -> (caption file stem under report/, category, subcategory).
_REPORT: dict[str, tuple[str, str, str]] = {
    "figures/fig1a_deformation_map.png": ("fig1a_deformation_map", SEC1, "Fig 1a"),
    "tables/fig1a_crossover.csv": ("fig1a_crossover", SEC1, "Fig 1a"),
    "figures/fig2a_si_lithiation.png": ("fig2a_si_lithiation", SEC21, "Fig 2a"),
    "figures/fig2h_porosity.png": ("fig2h_porosity", SEC21, "Fig 2h"),
    "tables/table_s2_porosity.csv": ("table_s2_porosity", SEC21, "Table S2"),
    "tables/porosity_assumption_steps.csv": ("porosity_assumption_steps", SEC21, "Table S2"),
    "tables/porosity_uncertainty.csv": ("porosity_uncertainty", SEC21, "Fig 2h"),
    "figures/figS6b_li15si4_xrd.png": ("figS6b_li15si4_xrd", SEC21, "Fig S6b"),
    "tables/figS6b_li15si4_xrd.csv": ("figS6b_li15si4_xrd_table", SEC21, "Fig S6b"),
    "tables/figS6b_li15si4_xrd_mo.csv": ("figS6b_li15si4_xrd_table", SEC21, "Fig S6b"),
    "figures/fig3a_first_cycle_profiles.png": ("fig3a_first_cycle_profiles", SEC22, "Fig 3a"),
    "figures/fig3c_areal_capacity_bars.png": ("fig3c_areal_capacity_bars", SEC22, "Fig 3c"),
    "figures/figS7_delithiation.png": ("figS7_delithiation", SEC22, "Fig S7"),
    "figures/fig4a_cnt_vs_bare.png": ("fig4a_cnt_vs_bare", SEC23, "Fig 4a"),
    "figures/fig4b_li375si_cnt_vs_li375si.png": ("fig4b_li375si_cnt_vs_li375si", SEC23, "Fig 4b"),
    "figures/fig4c_capacity_ce.png": ("fig4c_capacity_ce", SEC23, "Fig 4c"),
    "figures/fig4g_symmetric_cell.png": ("fig4g_symmetric_cell", SEC23, "Fig 4g"),
    "figures/figS10_li375si_retention.png": ("figS10_li375si_retention", SEC23, "Fig S10"),
    "figures/fig5a_first_cycle_profiles.png": ("fig5a_first_cycle_profiles", SEC24, "Fig 5a"),
    "figures/fig5b_retention_ce.png": ("fig5b_retention_ce", SEC24, "Fig 5b"),
    "figures/fig5c_rate_profiles.png": ("fig5c_rate_profiles", SEC24, "Fig 5c"),
    "figures/fig5d_rate_capability.png": ("fig5d_rate_capability", SEC24, "Fig 5d"),
    "figures/fig5e_20c_profiles.png": ("fig5e_20c_profiles", SEC24, "Fig 5e"),
    "figures/fig5f_capacity_vs_temperature.png": ("fig5f_capacity_vs_temperature", SEC24, "Fig 5f"),
    "figures/fig5g_20c_retention.png": ("fig5g_20c_retention", SEC24, "Fig 5g"),
    "figures/figS13_no_li_foil_discharge.png": ("figS13_no_li_foil_discharge", SEC24, "Fig S13"),
    "figures/figS14a_bare_65mpa_profiles.png": ("figS14a_bare_65mpa_profiles", SEC24, "Fig S14a"),
    "figures/figS14b_il_5mpa_profiles.png": ("figS14b_il_5mpa_profiles", SEC24, "Fig S14b"),
    "figures/figS14c_il_5mpa_retention.png": ("figS14c_il_5mpa_retention", SEC24, "Fig S14c"),
    "figures/figS15a_charge_retention.png": ("figS15a_charge_retention", SEC24, "Fig S15a"),
    "figures/figS15b_discharge_retention.png": ("figS15b_discharge_retention", SEC24, "Fig S15b"),
    "tables/table_s1_interlayers.csv": ("table_s1_interlayers", TABLE_S1, "Table S1"),
    "figures/tableS1_interlayer_comparison.png": ("tableS1_interlayer_comparison", TABLE_S1, "Table S1"),
    "tables/reported_vs_reproduced.csv": ("reported_vs_reproduced_table", CHECKS, "Reported vs reproduced"),
    "figures/reported_vs_reproduced.png": ("reported_vs_reproduced", CHECKS, "Reported vs reproduced"),
    "tables/consistency_audit.csv": ("consistency_audit", CHECKS, "Consistency audit"),
    "figures/audit_relative_differences.png": ("audit_relative_differences", CHECKS, "Consistency audit"),
    "tables/reconstruction_calibration.csv": ("reconstruction_calibration", CHECKS, "Reconstruction"),
    "tables/reconstruction_choices.csv": ("reconstruction_choices", CHECKS, "Reconstruction"),
    "tables/calibration_fits.csv": ("calibration_fits", CHECKS, "Reconstruction"),
    "tables/figure_inventory.csv": ("figure_inventory", CHECKS, "Figure inventory"),
    "tables/provenance.csv": ("provenance", CHECKS, "Provenance"),
    "figures/cells/{cell}_overview.png": ("cell_overview", CELLS, "{cell}"),
    "tables/cells/{cell}_summary.csv": ("cell_summary", CELLS, "{cell}"),
}


def report_entries(caption_dir: str = "../report") -> dict[str, dict[str, str]]:
    """``{output path: {"caption", "category", "subcategory"}}`` for ``report(path, **entry)``.

    Caption paths are ``caption_dir/<stem>.rst``; Snakemake resolves them relative to the rule
    file, so rules under ``rules/`` use the default ``../report``. ``{cell}`` in a path, a
    subcategory or a caption is the wildcard of the per-cell rule.
    """
    return {path: {"caption": f"{caption_dir}/{stem}.rst", "category": category, "subcategory": sub}
            for path, (stem, category, sub) in _REPORT.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.inventory", description=__doc__.split("\n")[0])
    parser.add_argument("--panels", default="data/paper/figure_panels.csv")
    parser.add_argument("--out", default="tables/figure_inventory.csv")
    args = parser.parse_args(argv)
    try:
        rows = build_inventory(args.panels)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from .tables import write_table

    write_table(rows, args.out, columns=COLUMNS)
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    print(f"{len(rows)} panels -> {args.out}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
