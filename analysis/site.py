"""Static site of the executed notebooks: read the compendium without running it.

``python -m analysis.site`` (``make site``, after the workflow) builds ``results/site/`` from what
the workflow wrote, never from or into ``notebooks/``:

1. stages the pages in ``results/site_src/``: every executed notebook of ``results/notebooks/``
   with its code cells folded (a ``hide-input`` tag added to the copy) and, after its title, a
   provenance box (rule, git commit, analysis version, data source, from the outputs'
   ``.prov.json`` sidecars), its Binder link and links to its figures and its
   reported-vs-reproduced rows; the explorer notebook run once with its widgets, so that the page
   keeps their saved state; a figures page (every output of ``data/figures.csv`` with its caption,
   in the paper's order), the reported-vs-reproduced rows by notebook, and the browser tests'
   screenshots (``results/screenshots/``);
2. copies the widget JavaScript (npm packages ``@jupyter-widgets/html-manager`` and ``requirejs``,
   fetched once by ``npm pack`` into ``results/vendor/``; see :data:`NPM_PACKAGES`);
3. runs Sphinx (myst-nb, sphinx-book-theme, MathJax from ``sphinx-mathjax-offline``) with
   notebook execution off. Navigation follows the registry's (the paper's) order.

The pages open from ``file://`` with no network: no script, style, font or image is loaded from
elsewhere (``tests/test_browser.py`` checks this in Chromium).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Sequence

from . import registry
from .binder import BINDERHUB, binder_url, repository_url
from .errors import DataError
from .paths import project_root

#: npm packages whose files the pages load (pinned; fetched with ``npm pack`` at build time, never
#: committed). ``@jupyter-widgets/html-manager`` 1.x renders ipywidgets 8 state; its
#: ``dist/embed-amd.js`` needs an AMD loader, ``requirejs``.
NPM_PACKAGES = {"@jupyter-widgets/html-manager": "1.0.15", "requirejs": "2.3.8"}
TITLE = "Sung et al. 2023, reproduced: the executed notebooks"
EXPLORER = "explorer"
PARAMETERS_TAGS = ("parameters", "injected-parameters")


# ------------------------------------------------------------------------------------------------
# Local copies of the widget JavaScript
# ------------------------------------------------------------------------------------------------

def vendor_widget_js(vendor: Path) -> Path:
    """``vendor/widgets/`` with ``require.js``, ``embed-amd.js`` and the fonts it loads; fetched once."""
    target = vendor / "widgets"
    if (target / "embed-amd.js").is_file() and (target / "require.js").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise DataError("npm not found: it fetches the widget JavaScript (apt-get install npm)", path=vendor)
    packs = vendor / "npm"
    packs.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
    result = subprocess.run([npm, "pack", "--silent", *specs], cwd=packs, capture_output=True, text=True)
    if result.returncode != 0:
        raise DataError(f"npm pack {' '.join(specs)} failed: {result.stderr.strip().splitlines()[-1:]}", path=packs)
    tmp = vendor / "widgets.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for tgz in sorted(packs.glob("*.tgz")):
        with tarfile.open(tgz) as archive:
            for member in archive.getmembers():
                name = member.name
                if name == "package/require.js" or (name.startswith("package/dist/") and not name.endswith(
                        (".map", "/embed.js", "libembed-amd.js"))):
                    if not member.isfile():
                        continue
                    data = archive.extractfile(member).read()
                    (tmp / Path(name).name).write_bytes(data)
    shutil.rmtree(target, ignore_errors=True)
    tmp.replace(target)
    return target


# ------------------------------------------------------------------------------------------------
# Staging: the pages, in results/site_src/
# ------------------------------------------------------------------------------------------------

def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _provenance(root: Path, rows: Sequence[dict[str, str]], cell: str | None = None) -> dict | None:
    """The provenance sidecar of a notebook's first output (of ``cell`` for the per-cell notebook)."""
    for row in rows:
        path = root / row["output"].replace("{cell}", cell or "")
        sidecar = path.with_name(path.name + ".prov.json")
        if sidecar.is_file():
            return _read_json(sidecar)
    return None


def _anchor(row: dict[str, str]) -> str:
    return "out-" + registry.caption_name(row)[: -len(".rst")].lower().replace("_", "-")


def _provenance_cell(notebook: str, rows: Sequence[dict[str, str]], prov: dict | None, rows_of: set[str],
                     root: Path, cell: str | None = None) -> dict:
    lines = [":::{admonition} Provenance of this page", ":class: note", ""]
    if prov is None:
        lines.append("Executed by the workflow; no provenance sidecar was found for its outputs.")
    else:
        git = prov.get("git", {})
        commit = git.get("commit", "unknown")[:12] + (" (with uncommitted changes)" if git.get("dirty") else "")
        sources = prov.get("data_source", [])
        lines.append(f"Executed by papermill in Snakemake rule `{prov.get('rule', '?')}`, from `notebooks/"
                     f"{notebook}.ipynb` at git commit `{commit}`, analysis {prov.get('analysis_version', '?')}; "
                     f"data: **{', '.join(sources) if isinstance(sources, list) else sources}**; "
                     f"{len(prov.get('inputs', []))} inputs, each with its sha256 in the outputs' `.prov.json`.")
    lines.append("")
    binder_path = f"notebooks/{notebook}.ipynb"
    lines.append(f"[Run it on Binder]({binder_url(root, binder_path)}) · source `{binder_path}` · "
                 f"[all figures](../figures.md)" + (f" · {{ref}}`its reported-vs-reproduced rows <rows-{notebook}>`"
                                                     if notebook in rows_of else ""))
    if rows:
        links = ", ".join(f"{{ref}}`{r['panel'] if '{cell}' not in r['panel'] else cell} "
                          f"({Path(r['output']).name.replace('{cell}', cell or '')}) <{_anchor(r)}>`" for r in rows)
        lines += ["", f"Makes: {links}."]
    lines.append(":::")
    return {"cell_type": "markdown", "metadata": {}, "source": "\n".join(lines)}


def _stage_notebook(source: Path, target: Path, extra_cell: dict) -> None:
    """Copy an executed notebook with its code cells folded and ``extra_cell`` after its title."""
    nb = _read_json(source)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
    first_markdown = next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"), -1)
    nb["cells"].insert(first_markdown + 1, extra_cell)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def run_explorer(root: Path, target: Path) -> Path:
    """Run the explorer notebook once with its widgets (papermill keeps their state in the notebook).

    The run is kept in ``target`` and reused while it is newer than the notebook, the ingested
    cells it reads and the analysis package.
    """
    import papermill

    from .kernel_poll import polling_in_slices

    inputs = [root / "notebooks" / f"{EXPLORER}.ipynb", *(root / "results" / "cells").glob("*.nc"),
              *(root / "analysis").rglob("*.py")]
    if (target.is_file() and target.stat().st_mtime > max(p.stat().st_mtime for p in inputs)
            and _widget_state(target)):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        # the widget cell's reply is read as soon as it comes (analysis.kernel_poll: it could otherwise
        # wait for the cell timeout on a busy machine)
        with polling_in_slices():
            papermill.execute_notebook(str(root / "notebooks" / f"{EXPLORER}.ipynb"), str(target),
                                       kernel_name="python3", cwd=str(root), progress_bar=False,
                                       parameters={"interactive": True}, execution_timeout=60)
        if _widget_state(target):
            return target
    raise DataError("the explorer's run saved no widget state", path=target)


def _widget_state(notebook: Path) -> bool:
    """Whether an executed notebook keeps the state of its widgets (for the static page)."""
    metadata = _read_json(notebook).get("metadata", {})
    return bool(metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state"))


def _cell_caption(template: str, cell: str, config: dict) -> str:
    """A per-cell caption (Jinja, as the Snakemake report fills it) for one cell of the sample sheet."""
    import jinja2
    from types import SimpleNamespace

    source = config.get("_cell_sources", {}).get(cell, "")
    snakemake = SimpleNamespace(wildcards=SimpleNamespace(cell=cell), config=config,
                                params=SimpleNamespace(data_source=source))
    return jinja2.Template(template).render(snakemake=snakemake)


def _copy_output(root: Path, src: Path, path: str) -> str | None:
    """Copy ``root/path`` into ``src/_outputs/path``; the page-relative name, or None if missing."""
    source = root / path
    if not source.is_file():
        return None
    target = src / "_outputs" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return f"_outputs/{path}"


def _csv_preview(path: Path, limit: int = 12) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return []
    header, body = rows[0], rows[1: limit + 1]
    esc = lambda text: text.replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
    if len(rows) - 1 > limit:
        lines.append(f"\n*First {limit} of {len(rows) - 1} rows.*")
    return lines


def _figures_page(root: Path, src: Path, rows: Sequence[dict[str, str]], cells: list[str], config: dict,
                  rows_of: set[str]) -> str:
    out = ["# Figures and tables, in the paper's order", "",
           "Every output of the workflow (`data/figures.csv`), with its caption, the notebook that makes it and, where "
           "there are any, its rows of the reported-vs-reproduced table. Data classes: *paper* (numbers the paper "
           "prints), *computed* (from those numbers), *reconstructed* (cycler files our model makes from the paper's "
           "protocols), *configured* (each configured cell, reconstructed or measured).", ""]
    section = None
    for row in rows:
        if row["section"] != section:
            section = row["section"]
            out += [f"## {section}", ""]
        instances = [row["output"].replace("{cell}", c) for c in cells] if "{cell}" in row["output"] else [row["output"]]
        out += [f"({_anchor(row)})=", f"### {row['panel']}: {row['summary']}", ""]
        per_cell = "{cell}" in row["output"]
        page = row["notebook"] if per_cell else f"notebooks/{row['notebook']}"
        out.append(f"Data: **{row['data']}**. " + (f"Made by {{doc}}`{page}`" if row["notebook"]
                                                  else f"Made by rule `{row['rule']}`")
                   + (f"; {{ref}}`its reported-vs-reproduced rows <rows-{row['notebook']}>`."
                      if row["notebook"] in rows_of else "."))
        out.append("")
        for index, path in enumerate(instances):
            cell = cells[index] if "{cell}" in row["output"] else None
            copied = _copy_output(root, src, path)
            if copied is None:
                out += [f"`{path}`: not made in this run.", ""]
                continue
            if cell is not None:
                out += [f"#### {cell}", ""]
                if (src / "notebooks" / f"{row['notebook']}_{cell}.ipynb").is_file():
                    out += [f"Notebook run: {{doc}}`notebooks/{row['notebook']}_{cell}`.", ""]
            if path.endswith(".png"):
                svg = _copy_output(root, src, path[:-4] + ".svg")
                out += [f"```{{image}} {copied}", f":alt: {path}", ":width: 100%", "```", ""]
                out.append(f"{{download}}`{Path(path).name} <{copied}>`"
                           + (f" · {{download}}`SVG <{svg}>`" if svg else ""))
            else:
                out += _csv_preview(root / path) + ["", f"{{download}}`{path} <{copied}>`"]
            out.append("")
            caption = _cell_caption(row["caption"], cell, config) if cell else row["caption"]
            out += ["```{eval-rst}", caption, "```", ""]
    return "\n".join(out)


def _rows_page(root: Path, order: list[str]) -> tuple[str, set[str]]:
    path = root / "tables" / "reported_vs_reproduced.csv"
    out = ["# Reported vs reproduced, by notebook", "",
           "Each number the paper reports beside the value the analysis gets from the data, with its tolerance "
           "(`tables/reported_vs_reproduced.csv`), grouped by the notebook that reproduces it.", ""]
    if not path.is_file():
        return "\n".join(out + ["The table is not made in this run."]), set()
    with open(path, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    by_notebook: dict[str, list[dict[str, str]]] = {}
    for row in table:
        by_notebook.setdefault(row.get("notebook") or "other", []).append(row)
    columns = ["id", "quantity", "location", "paper_value", "reproduced_value", "unit", "tolerance",
               "within_tolerance", "data_source"]
    for notebook in [n for n in order if n in by_notebook] + [n for n in by_notebook if n not in order]:
        out += [f"(rows-{notebook})=", f"## {notebook}", ""]
        if notebook in order:
            out += [f"Notebook: {{doc}}`notebooks/{notebook}`.", ""]
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(r.get(c, "").replace("|", "\\|") for c in columns) + " |" for r in by_notebook[notebook]]
        out.append("")
    return "\n".join(out), set(by_notebook)


def _screenshots_page(root: Path, src: Path) -> str:
    out = ["# Screenshots from the browser tests", "",
           "`tests/test_browser.py` opens the report, this site and JupyterLab in Chromium and saves what it saw in "
           "`results/screenshots/`.", ""]
    shots = sorted((root / "results" / "screenshots").glob("*.png"))
    if not shots:
        return "\n".join(out + ["No screenshots yet: run `make test` (or `pytest tests/test_browser.py`)."])
    for shot in shots:
        copied = _copy_output(root, src, str(shot.relative_to(root)))
        out += [f"## {shot.stem.replace('_', ' ')}", "", f"```{{image}} {copied}", f":alt: {shot.name}",
                ":width: 100%", "```", ""]
    return "\n".join(out)


def stage(root: Path, src: Path, *, run_explorer_notebook: bool = True,
          rows: Sequence[dict[str, str]] | None = None) -> dict[str, list[str]]:
    """Write the site's sources into ``src``; returns the navigation: {toctree caption: [page names]}."""
    import yaml

    rows = registry.validate_registry(root / registry.REGISTRY, root / "data" / "datapackage.json") if rows is None else rows
    config = yaml.safe_load((root / "config" / "config.yaml").read_text(encoding="utf-8")) or {}
    from .sheet import read_cells

    specs = read_cells(root=root, measured_dir=config.get("measured_dir", "data/measured"))
    cells = sorted(specs)
    config["_cell_sources"] = {cell: spec["data_source"] for cell, spec in specs.items()}
    executed = root / "results" / "notebooks"
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static").mkdir(parents=True)
    outputs = registry.notebook_outputs(rows)
    order = list(outputs)
    rows_page, rows_of = _rows_page(root, order)
    pages: list[str] = []
    cell_pages: list[str] = []
    for notebook, made in outputs.items():
        if notebook == EXPLORER:
            if run_explorer_notebook:
                ran = run_explorer(root, root / "results" / "site_explorer" / f"{EXPLORER}.ipynb")
                _stage_notebook(ran, src / "notebooks" / f"{EXPLORER}.ipynb",
                                _provenance_cell(notebook, [], None, rows_of, root))
                pages.append(f"notebooks/{EXPLORER}")
            continue
        if any("{cell}" in r["output"] for r in made):
            source = executed / f"{notebook}.ipynb"
            if not any((executed / f"{notebook}_{cell}.ipynb").is_file() for cell in cells):
                # the batch path (python -m analysis.overview) runs no notebook per cell: the figures page
                # shows each cell's files; the stored notebook is the interactive way to the same figure
                continue
            for cell in cells:
                source = executed / f"{notebook}_{cell}.ipynb"
                if source.is_file():
                    prov = _provenance(root, made, cell)
                    _stage_notebook(source, src / "notebooks" / f"{notebook}_{cell}.ipynb",
                                    _provenance_cell(notebook, made, prov, rows_of, root, cell))
                    cell_pages.append(f"notebooks/{notebook}_{cell}")
            if cell_pages:
                title = registry.notebook_title(notebook, root)
                listing = "\n".join(cell_pages)
                (src / f"{notebook}.md").write_text(
                    f"# {title}\n\nThe notebook `notebooks/{notebook}.ipynb`, run once per configured cell "
                    f"(`config/config.yaml`).\n\n```{{toctree}}\n:maxdepth: 1\n\n{listing}\n```\n", encoding="utf-8")
                pages.append(notebook)
            continue
        source = executed / f"{notebook}.ipynb"
        if source.is_file():
            _stage_notebook(source, src / "notebooks" / f"{notebook}.ipynb",
                            _provenance_cell(notebook, made, _provenance(root, made), rows_of, root))
            pages.append(f"notebooks/{notebook}")
    (src / "figures.md").write_text(_figures_page(root, src, rows, cells, config, rows_of), encoding="utf-8")
    (src / "reported_vs_reproduced_rows.md").write_text(rows_page, encoding="utf-8")
    (src / "screenshots.md").write_text(_screenshots_page(root, src), encoding="utf-8")
    navigation = {"Notebooks, in the paper's order": pages,
                  "Results": ["figures", "reported_vs_reproduced_rows", "screenshots"]}
    (src / "index.md").write_text(_index_page(root, navigation), encoding="utf-8")
    repository = repository_url(root)
    (src / "site_settings.json").write_text(json.dumps({"title": TITLE, "repository": repository,
                                                         "binderhub_url": BINDERHUB}, indent=1), encoding="utf-8")
    return navigation


def _index_page(root: Path, navigation: dict[str, list[str]]) -> str:
    out = [f"# {TITLE}", "",
           "Sung et al., \"Ultra-Thin Lithium Silicide Interlayer for Solid-State Lithium-Metal Batteries\", "
           "*Adv. Mater.* 2023 (doi:10.1002/adma.202210835), reproduced from the numbers the paper prints. These pages "
           "are the notebooks as the workflow executed them (code folded: click to show), with their figures and "
           "tables; nothing here runs. Each page says which rule made it, from which commit and which data.", "",
           f"[Run the notebooks on Binder]({binder_url(root)}) · the repository: {repository_url(root)}", ""]
    for caption, pages in navigation.items():
        body = "\n".join(pages)
        out += ["```{toctree}", f":caption: {caption}", ":maxdepth: 1", "", body, "```", ""]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------------

def build(root: str | Path | None = None, out: str | Path | None = None, *, run_explorer_notebook: bool = True,
          rows: Sequence[dict[str, str]] | None = None) -> Path:
    """Stage and build the site into ``out`` (default ``results/site``); the path of its start page."""
    root = Path(root if root is not None else project_root()).resolve()
    out = Path(out) if out is not None else root / "results" / "site"
    if not (root / "results" / "notebooks").is_dir():
        raise DataError("no executed notebooks: run the workflow first (make)", path=root / "results" / "notebooks")
    src = root / "results" / "site_src"
    stage(root, src, run_explorer_notebook=run_explorer_notebook, rows=rows)
    shutil.copytree(vendor_widget_js(root / "results" / "vendor"), src / "_static" / "widgets")
    shutil.copy2(root / "site" / "widgets_config.js", src / "_static" / "widgets" / "config.js")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copy2(root / "site" / "conf.py", src / "conf.py")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q",
                             "-d", str(root / "results" / "site_doctrees"), str(src), str(tmp)],
                            cwd=src, capture_output=True, text=True)
    if result.returncode != 0:
        raise DataError(f"sphinx-build failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}",
                        path=src)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.site", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None, help="output folder (default results/site)")
    parser.add_argument("--no-explorer", action="store_true", help="leave out the explorer page (no kernel run)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        index = build(out=args.out, run_explorer_notebook=not args.no_explorer)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"site: {index} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
