"""The figure registry: one list of every figure and table the workflow makes (``data/figures.csv``).

Each row is one output, in the paper's order: its path (``figures/<stem>.png`` with an SVG beside
it, or ``tables/<stem>.csv``; ``{cell}`` for each configured cell), the paper's panel (or the name
of a workflow check), the section of the paper, the Snakemake rule and the notebook that make it,
the data class, a few words on what it shows, and its caption (reStructuredText). Everything that
lists figures is derived from it:

- the figure notebooks' outputs (:func:`figure_notebooks`, used by ``rules/``),
- the figure inventory's planned panels (:func:`planned_panels`, ``analysis/inventory.py``),
- the Snakemake report's entries and captions (:func:`report_entries`, :func:`write_captions`),
- the README's figure table and Binder badge, the reading list of ``notebooks/index.ipynb``
  (:func:`readme_table`, :func:`index_listing`; the repository is ``repository-code`` in
  ``CITATION.cff``, :mod:`analysis.binder`; ``python -m analysis.registry --check`` says
  whether they are up to date, ``--write`` rewrites them),
- the static site's navigation (``analysis/site.py``, :func:`notebook_order`).

Adding a panel is one row here plus its notebook code.

Reading is split in two: :func:`read_registry` parses the file with the standard library only (the
Snakefile reads it on every run, a no-op run included), :func:`validate_registry` checks it against
its schema in ``data/datapackage.json`` like every other data file (the inventory rule, the site
build and the tests do this) and raises one line naming file, column and row.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import Sequence

from .errors import DataError
from .paths import project_root

REGISTRY = Path("data") / "figures.csv"
COLUMNS = ("output", "panel", "section", "rule", "notebook", "data", "summary", "caption")
#: Status of a paper panel in the figure inventory, by the data class of its outputs.
STATUS = {"reconstructed": "reconstructed", "computed": "computed", "paper": "reproduced from paper tables"}
PANEL = re.compile(r"^(?:Fig S?[0-9]+[a-z]?|Table S[0-9]+)$")
OUTPUT = re.compile(r"^(?:figures/[A-Za-z0-9_{}/]+\.png|tables/[A-Za-z0-9_{}/]+\.csv)$")
FIGURE_RULE_PREFIX = "figures_"
README_BEGIN = "<!-- figure table: generated from data/figures.csv by `python -m analysis.registry --write` -->"
README_END = "<!-- end of figure table -->"
INDEX_TAG = "registry-listing"  # the index notebook's cell that lists the notebooks
#: Notebooks that make no registered output, listed after the others in the index and on the site.
EXTRA_NOTEBOOKS = ("explorer",)


def _path(path: str | Path | None) -> Path:
    return Path(path) if path is not None else project_root() / REGISTRY


def read_registry(path: str | Path | None = None) -> list[dict[str, str]]:
    """Rows of the registry as dicts of text, in file order (standard library only, no checks)."""
    path = _path(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return [{k: (v or "").strip() for k, v in row.items()} | {"_row": str(n)}
                    for n, row in enumerate(csv.DictReader(handle), start=1)]
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None


def validate_registry(path: str | Path | None = None, datapackage: str | Path | None = None) -> list[dict[str, str]]:
    """Rows of the registry, checked against its schema and for consistency; one-line DataError otherwise."""
    from .tables import load_schema, read_rows

    path = _path(path)
    rows = read_rows(path, load_schema("figures", datapackage), quoted_newlines=True)  # captions span lines
    for row in rows:
        n = int(row["_row"])
        if not OUTPUT.match(row["output"]):
            raise DataError(f"'{row['output']}' is not figures/<stem>.png or tables/<stem>.csv", path=path,
                            column="output", row=n)
        if ":" in row["section"]:
            raise DataError("a colon would break the report's link targets", path=path, column="section", row=n)
        if row["rule"].startswith(FIGURE_RULE_PREFIX) and row["notebook"] != row["rule"][len(FIGURE_RULE_PREFIX):]:
            raise DataError(f"rule {row['rule']} runs notebook '{row['rule'][len(FIGURE_RULE_PREFIX):]}'", path=path,
                            column="notebook", row=n)
        if PANEL.match(row["panel"]) and row["data"] not in STATUS:
            raise DataError(f"a paper panel rests on paper, computed or reconstructed data, not '{row['data']}'",
                            path=path, column="data", row=n)
    for panel, group in _panels(rows).items():
        if len({r["data"] for r in group}) > 1:
            raise DataError(f"{panel}: its outputs name different data classes", path=path, column="data",
                            row=int(group[-1]["_row"]))
    return rows


def _panels(rows: Sequence[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if PANEL.match(row["panel"]):
            groups.setdefault(row["panel"], []).append(row)
    return groups


def files_of(row: dict[str, str]) -> list[str]:
    """The files one row stands for: a figure's PNG and SVG, or the table."""
    output = row["output"]
    return [output, output[: -len(".png")] + ".svg"] if output.endswith(".png") else [output]


def stem(row: dict[str, str]) -> str:
    return Path(row["output"]).stem


# ------------------------------------------------------------------------------------------------
# Views used by the workflow, the inventory and the report
# ------------------------------------------------------------------------------------------------

def figure_notebooks(rows: Sequence[dict[str, str]] | None = None) -> dict[str, list[str]]:
    """``{notebook: [figure stems]}`` of the figure notebooks (rules ``figures_<notebook>``), in registry order."""
    rows = read_registry() if rows is None else rows
    out: dict[str, list[str]] = {}
    for row in rows:
        if row["rule"].startswith(FIGURE_RULE_PREFIX):
            out.setdefault(row["rule"][len(FIGURE_RULE_PREFIX):], []).append(stem(row))
    return out


def planned_panels(rows: Sequence[dict[str, str]] | None = None) -> dict[str, tuple[str, str, list[str]]]:
    """``{paper panel: (inventory status, notebook path, output files)}`` for every panel the workflow makes."""
    rows = read_registry() if rows is None else rows
    planned = {}
    for panel, group in _panels(rows).items():
        notebooks = [r["notebook"] for r in group if r["notebook"]]
        planned[panel] = (STATUS[group[0]["data"]], f"notebooks/{notebooks[0]}.ipynb" if notebooks else "",
                          [f for r in group for f in files_of(r)])
    return planned


def caption_name(row: dict[str, str]) -> str:
    """File name of a row's caption: the output's path with '/' and braces made plain."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", row["output"].rsplit(".", 1)[0]).strip("_") + ".rst"


def report_entries(caption_dir: str | Path, rows: Sequence[dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """``{output path: {"caption", "category", "subcategory"}}`` for Snakemake's ``report(path, **entry)``."""
    rows = read_registry() if rows is None else rows
    return {row["output"]: {"caption": str(Path(caption_dir) / caption_name(row)), "category": row["section"],
                            "subcategory": row["panel"]} for row in rows}


def write_captions(caption_dir: str | Path, rows: Sequence[dict[str, str]] | None = None) -> list[Path]:
    """Write each row's caption to ``caption_dir/<caption_name>`` (only files whose text changed)."""
    rows = read_registry() if rows is None else rows
    caption_dir = Path(caption_dir)
    caption_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        target = caption_dir / caption_name(row)
        text = row["caption"] + "\n"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
            written.append(target)
    return written


def notebook_order(rows: Sequence[dict[str, str]] | None = None) -> list[str]:
    """Notebooks in reading order: by their first output in the registry, then :data:`EXTRA_NOTEBOOKS`."""
    rows = read_registry() if rows is None else rows
    order = list(dict.fromkeys(r["notebook"] for r in rows if r["notebook"]))
    return order + [n for n in EXTRA_NOTEBOOKS if n not in order]


def notebook_outputs(rows: Sequence[dict[str, str]] | None = None) -> dict[str, list[dict[str, str]]]:
    """``{notebook: [its rows]}`` in reading order (empty list for notebooks without registered outputs)."""
    rows = read_registry() if rows is None else rows
    out: dict[str, list[dict[str, str]]] = {n: [] for n in notebook_order(rows)}
    for row in rows:
        if row["notebook"]:
            out[row["notebook"]].append(row)
    return out


def notebook_title(notebook: str, root: str | Path | None = None) -> str:
    """The first '# ' heading of ``notebooks/<notebook>.ipynb`` (the notebook's name if it has none)."""
    path = Path(root if root is not None else project_root()) / "notebooks" / f"{notebook}.ipynb"
    if not path.is_file():
        return notebook
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook


# ------------------------------------------------------------------------------------------------
# Generated views: the README's figure table and the index notebook's reading list
# ------------------------------------------------------------------------------------------------

def _short_panels(panels: list[str]) -> str:
    """'Fig 5c', 'Fig 5d' -> 'Fig 5c, 5d'; 'Fig 2h', 'Table S2' -> 'Fig 2h, Table S2'."""
    parts, last_kind = [], None
    for panel in panels:
        kind, number = panel.split(" ", 1) if PANEL.match(panel) else ("", panel)
        parts.append(number if kind and kind == last_kind else panel)
        last_kind = kind or None
    return ", ".join(parts)


def _groups(rows: Sequence[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Consecutive rows of one paper panel, or of one rule for the workflow's own checks."""
    groups: list[list[dict[str, str]]] = []
    key = lambda row: row["panel"] if PANEL.match(row["panel"]) else row["rule"]  # noqa: E731
    for row in rows:
        if groups and key(groups[-1][0]) == key(row):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _output_name(row: dict[str, str]) -> str:
    name = row["output"].split("/", 1)[1]
    return f"`{name[:-4]}`" if name.endswith(".png") else f"`{name}`"


def readme_table(rows: Sequence[dict[str, str]] | None = None) -> str:
    """The README's table of what is reproduced: one line per paper panel or workflow check, in paper order."""
    rows = read_registry() if rows is None else rows
    lines = ["| Paper | What it shows | Output (`figures/` as PNG + SVG, `tables/`) | Data | Made by |",
             "|---|---|---|---|---|"]
    for group in _groups(rows):
        panels = list(dict.fromkeys(r["panel"] for r in group))
        paper = _short_panels(panels) if all(PANEL.match(p) for p in panels) else "—"
        what = "; ".join(dict.fromkeys(r["summary"] for r in group))
        outputs = ", ".join(_output_name(r) for r in group)
        first = group[0]
        made_by = (f"[{first['notebook']}](notebooks/{first['notebook']}.ipynb)" if first["notebook"]
                   else f"rule `{first['rule']}`")
        lines.append(f"| {paper} | {what} | {outputs} | {first['data']} | {made_by} |")
    return "\n".join(lines)


def index_listing(rows: Sequence[dict[str, str]] | None = None, root: str | Path | None = None) -> str:
    """The index notebook's numbered reading list: every notebook, what it makes, its executed copy."""
    rows = read_registry() if rows is None else rows
    items = []
    for number, (notebook, outputs) in enumerate(notebook_outputs(rows).items(), start=1):
        title = notebook_title(notebook, root)
        panels = list(dict.fromkeys(r["panel"] for r in outputs if PANEL.match(r["panel"])))
        head = f"{number}. **[{title}]({notebook}.ipynb)**" + (f" ({_short_panels(panels)})" if panels else "")
        if not outputs:
            items.append(head + ": interactive, writes nothing.")
            continue
        links = []
        for row in outputs:
            name = row["output"].split("/", 1)[1]
            if "{cell}" in name:
                links.append(f"[`{row['output']}`](../{row['output'].split('/')[0]}/cells/)")
            else:
                links.append(f"[{Path(name).stem if name.endswith('.png') else name}](../{row['output']})")
        executed = ("[executed copies](../results/notebooks/)" if any("{cell}" in r["output"] for r in outputs)
                    else f"[executed copy](../results/notebooks/{notebook}.ipynb)")
        items.append(f"{head}.\n    Makes {' · '.join(links)}; {executed}.")
    from .binder import binder_url

    items.append(f"\nElsewhere: [open this index on Binder]({binder_url(root)}) (the repository is `repository-code` "
                 "in `CITATION.cff`); the static site of the executed notebooks is `results/site/index.html` "
                 "after `make`.")
    return "\n".join(items)


def _replace_block(text: str, begin: str, end: str, block: str, where: str) -> str:
    if begin not in text or end not in text:
        raise DataError(f"markers '{begin}' and '{end}' not found", path=where)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{block}\n{end}{tail}"


BADGE = re.compile(r"^\[!\[Binder\]\([^)]*\)\]\([^)]*\)$", re.M)


def updated_readme(readme: str, rows: Sequence[dict[str, str]] | None = None, root: str | Path | None = None) -> str:
    """The README with its figure table and its Binder badge (from CITATION.cff) regenerated."""
    from .binder import badge

    if not BADGE.search(readme):
        raise DataError("no Binder badge line '[![Binder](...)](...)'", path="README.md")
    readme = BADGE.sub(lambda _: badge(root), readme, count=1)
    return _replace_block(readme, README_BEGIN, README_END, readme_table(rows), "README.md")


def updated_index(notebook: dict, rows: Sequence[dict[str, str]] | None = None, root: str | Path | None = None) -> dict:
    """The index notebook (nbformat JSON) with its tagged reading-list cell regenerated."""
    cells = [c for c in notebook["cells"] if INDEX_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise DataError(f"expected one cell tagged '{INDEX_TAG}', found {len(cells)}", path="notebooks/index.ipynb")
    text = index_listing(rows, root)
    lines = text.split("\n")
    cells[0]["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    return notebook


def stale_views(root: str | Path | None = None, rows: Sequence[dict[str, str]] | None = None) -> list[str]:
    """Files whose generated block differs from what the registry gives (empty: all up to date)."""
    root = Path(root if root is not None else project_root())
    rows = read_registry(root / REGISTRY) if rows is None else rows
    stale = []
    readme = (root / "README.md").read_text(encoding="utf-8")
    if updated_readme(readme, rows, root) != readme:
        stale.append("README.md")
    index_path = root / "notebooks" / "index.ipynb"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    if updated_index(json.loads(json.dumps(index)), rows, root) != index:
        stale.append("notebooks/index.ipynb")
    return stale


def write_views(root: str | Path | None = None) -> list[str]:
    """Regenerate the README's figure table and the index notebook's reading list; names of changed files."""
    root = Path(root if root is not None else project_root())
    rows = validate_registry(root / REGISTRY, root / "data" / "datapackage.json")
    changed = stale_views(root, rows)
    readme = root / "README.md"
    readme.write_text(updated_readme(readme.read_text(encoding="utf-8"), rows, root), encoding="utf-8")
    index_path = root / "notebooks" / "index.ipynb"
    index = updated_index(json.loads(index_path.read_text(encoding="utf-8")), rows, root)
    index_path.write_text(json.dumps(index, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.registry", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="validate the registry; fail if a generated view is stale")
    action.add_argument("--write", action="store_true", help="regenerate the README table and the index listing")
    args = parser.parse_args(argv)
    try:
        if args.write:
            changed = write_views()
            print("rewritten: " + (", ".join(changed) or "nothing (up to date)"))
            return 0
        rows = validate_registry()
        stale = stale_views(rows=rows)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if stale:
        print(f"error: {', '.join(stale)} out of date with {REGISTRY}: run python -m analysis.registry --write",
              file=sys.stderr)
        return 1
    print(f"{REGISTRY}: {len(rows)} outputs; README.md and notebooks/index.ipynb up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
