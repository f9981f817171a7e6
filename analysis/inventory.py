"""Figure inventory: every panel and table of the paper, whether and how the compendium makes it.

:func:`build_inventory` joins the paper's list of panels (``data/paper/figure_panels.csv``, 68
entries) with the workflow's outputs from the figure registry (``data/figures.csv``, see
:mod:`analysis.registry`): for each panel its status, data source, notebook and output files. Status values:

- ``reproduced from paper tables``: a table the paper prints, re-derived from its own numbers;
- ``computed``: a figure the compendium computes from numbers the paper prints (Fig 2h: the
  porosity recomputed from Table S2's inputs, with an uncertainty);
- ``reconstructed``: a plot of cycler data that the reconstruction model makes from the protocol
  and the reported scalars (a measured file can replace it, see config/config.yaml);
- ``not reproducible without raw images``: SEM/TEM images, XRD patterns and the schematics (no
  data behind them in the paper);
- ``not reproduced (computable from physics, not done)``: Fig 1a (a deformation-mechanism map) and
  Fig S6b (the calculated Li15Si4 pattern) could be computed from constitutive laws or the crystal
  structure; the compendium does not do it.

:func:`report_entries` gives, for each figure and table the workflow writes, its Snakemake report
caption, category (a section of the paper) and subcategory (the panel), all from the registry, so
that a rule can write ``report(path, **REPORT[path])``.

Command line: ``python -m analysis.inventory --panels data/paper/figure_panels.csv --out tables/figure_inventory.csv``
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from . import registry
from .errors import DataError

# analysis.tables (and with it pint) is imported where it is used: the Snakefile imports this
# module on every run, and a no-op run should not pay for pint.

#: Figure notebooks of the workflow (rules/figures.smk): notebook -> the figure stems it makes,
#: each as .png and .svg under figures/ (from the figure registry, data/figures.csv).
FIGURE_NOTEBOOKS = registry.figure_notebooks()


STATUSES = (
    "reproduced from paper tables",
    "computed",
    "reconstructed",
    "not reproducible without raw images",
    "not reproduced (computable from physics, not done)",
)
#: Status of a panel that the workflow does not make, from the list's ``reproducible_from``.
STATUS_WITHOUT_OUTPUT = {
    "not reproducible without the raw images/patterns": "not reproducible without raw images",
    "schematic (no data; optional redraw)": "not reproducible without raw images",
    "computable from physics (constitutive laws / crystal structure)": "not reproduced (computable from physics, not done)",
}
#: A panel computable from physics becomes ``computed`` once the registry lists outputs for it.
PHYSICS = "computable from physics (constitutive laws / crystal structure)"
COLUMNS = ["id", "what_it_shows", "status", "data_source", "notebook", "outputs", "reproducible_from"]


#: Panel id -> (status, notebook, outputs) for every panel the workflow makes (from data/figures.csv).
PLANNED: dict[str, tuple[str, str, list[str]]] = registry.planned_panels()
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


def build_inventory(panels_csv: str | Path, datapackage: str | Path | None = None,
                    figures_csv: str | Path | None = None) -> list[dict[str, str]]:
    """One row per panel of ``panels_csv`` (columns :data:`COLUMNS`), in paper order.

    The panels the workflow makes, with their notebook and files, come from the figure registry
    ``figures_csv`` (default ``data/figures.csv``, validated here). Raises :class:`DataError` for a
    panel the workflow makes although the list says it cannot be reproduced, a reconstructable or
    table panel the workflow does not make, or a registered panel that is not in the list.
    """
    from .tables import load_schema, read_rows

    panels = read_rows(panels_csv, load_schema("figure_panels", datapackage))
    planned = registry.planned_panels(registry.validate_registry(figures_csv, datapackage))
    unknown = sorted(set(planned) - {p["id"] for p in panels}, key=paper_order)
    if unknown:
        raise DataError(f"{unknown[0]} is in the figure registry but not in the paper's list", path=panels_csv,
                        column="id")
    rows = []
    for panel in panels:
        pid, source = panel["id"], panel["reproducible_from"]
        try:
            paper_order(pid)
        except ValueError as exc:
            raise DataError(str(exc), path=panels_csv, column="id", row=int(panel["_row"])) from None
        if pid in planned:
            computed_from_physics = source == PHYSICS and planned[pid][0] == "computed"
            if source in STATUS_WITHOUT_OUTPUT and not computed_from_physics:
                raise DataError(f"{pid} is made by the workflow but listed as '{source}'", path=panels_csv,
                                column="reproducible_from", row=int(panel["_row"]))
            status, notebook, outputs = planned[pid]
        elif source in STATUS_WITHOUT_OUTPUT:
            status, notebook, outputs = STATUS_WITHOUT_OUTPUT[source], "", []
        else:
            raise DataError(f"{pid} is listed as '{source}' but no workflow output makes it", path=panels_csv,
                            column="reproducible_from", row=int(panel["_row"]))
        rows.append({"id": pid, "what_it_shows": panel["what_it_shows"], "status": status,
                     "data_source": "computed" if source == PHYSICS and status == "computed"
                     else DATA_SOURCE.get(status, "none"), "notebook": notebook,
                     "outputs": ";".join(outputs), "reproducible_from": source})
    return sorted(rows, key=lambda r: paper_order(r["id"]))


# ------------------------------------------------------------------------------------------------
# Snakemake report: caption, category and subcategory of every figure and table
# ------------------------------------------------------------------------------------------------

def report_entries(caption_dir: str = "../results/report") -> dict[str, dict[str, str]]:
    """``{output path: {"caption", "category", "subcategory"}}`` for ``report(path, **entry)``, from the registry.

    Caption paths are ``caption_dir/<name>.rst`` (:func:`analysis.registry.caption_name`); the
    workflow writes the registry's captions there before anything runs. ``{cell}`` in a path,
    a subcategory or a caption is the wildcard of the per-cell rule.
    """
    return registry.report_entries(caption_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.inventory", description=__doc__.split("\n")[0])
    parser.add_argument("--panels", default="data/paper/figure_panels.csv")
    parser.add_argument("--figures", default="data/figures.csv", help="the figure registry")
    parser.add_argument("--out", default="tables/figure_inventory.csv")
    args = parser.parse_args(argv)
    try:
        rows = build_inventory(args.panels, figures_csv=args.figures)
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
