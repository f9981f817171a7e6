"""The figure registry (data/figures.csv): valid, the one source of every list of figures, and a new row flows
through to the inventory, the report and the site's navigation."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from analysis import registry
from analysis.errors import DataError
from analysis.inventory import FIGURE_NOTEBOOKS, build_inventory

NEW_ROW = {
    "output": "figures/figS6b_li15si4_pattern.png", "panel": "Fig S6b",
    "section": "Sec 2.1 Fabrication of the interlayer (Fig 2, Table S2)", "rule": "xrd_pattern",
    "notebook": "xrd_pattern", "data": "computed", "summary": "calculated Li15Si4 diffraction pattern",
    "caption": "**Fig S6b: the Li15Si4 pattern computed from its crystal structure.**\n\nData source: *paper*.",
}


def registry_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(registry.COLUMNS), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture()
def with_new_row(tmp_path) -> Path:
    """A copy of the registry with one more panel (Fig S6b, made by a notebook of its own) after Fig 2h's rows
    (the registry's own Fig S6b rows left out, so that the panel is new)."""
    rows = [r for r in registry.read_registry() if r["panel"] != "Fig S6b"]
    at = max(i for i, r in enumerate(rows) if r["panel"] == "Fig 2h") + 1
    path = tmp_path / "figures.csv"
    path.write_text(registry_text(rows[:at] + [NEW_ROW] + rows[at:]), encoding="utf-8")
    return path


def test_registry_is_valid_and_reads_the_same_both_ways(root):
    checked = registry.validate_registry()
    assert [{k: v for k, v in r.items() if k != "_row"} for r in checked] == \
           [{k: v for k, v in r.items() if k != "_row"} for r in registry.read_registry()]
    assert len(checked) == 49 and all("\n\n" in r["caption"] for r in checked)  # captions keep their paragraphs
    assert "\r" not in (root / registry.REGISTRY).read_text(encoding="utf-8")


def test_generated_views_are_up_to_date(capsys):
    assert registry.stale_views() == [], "run python -m analysis.registry --write"
    assert registry.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_config_schema_declares_a_role_set_for_each_figure_notebook(root):
    schema = yaml.safe_load((root / "config/schema/config.schema.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load((root / "config/config.yaml").read_text(encoding="utf-8"))
    assert list(schema["properties"]["figures"]["properties"]) == list(FIGURE_NOTEBOOKS)
    assert list(config["figures"]) == list(FIGURE_NOTEBOOKS)


def test_readme_badge_and_index_use_the_repository_of_citation_cff(root, tmp_path):
    from analysis.binder import binder_url, repository_url

    url = repository_url()
    assert url == yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))["repository-code"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"]({binder_url()})" in readme.splitlines()[2]
    assert binder_url() in (root / "notebooks/index.ipynb").read_text(encoding="utf-8")
    # another repository: the README and the index are then out of date, and --write follows it
    for name in ("CITATION.cff", "README.md", "Snakefile", "pyproject.toml"):
        shutil.copy(root / name, tmp_path / name)
    for folder in ("data", "notebooks"):
        shutil.copytree(root / folder, tmp_path / folder)
    cff = tmp_path / "CITATION.cff"
    cff.write_text(cff.read_text(encoding="utf-8").replace("github.com/OWNER/", "github.com/a-lab/"), encoding="utf-8")
    assert registry.stale_views(tmp_path) == ["README.md", "notebooks/index.ipynb"]
    registry.write_views(tmp_path)
    assert "mybinder.org/v2/gh/a-lab/sung2023-compendium/HEAD" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert registry.stale_views(tmp_path) == []
    cff.write_text(cff.read_text(encoding="utf-8").replace("https://github.com/a-lab/", "gitlab:"), encoding="utf-8")
    with pytest.raises(DataError, match=r"CITATION\.cff, column 'repository-code'"):
        repository_url(tmp_path)


def test_a_bad_registry_row_is_named_by_file_column_and_row(tmp_path):
    rows = registry.read_registry()
    rows[3] = dict(rows[3], data="guessed")
    bad = tmp_path / "figures.csv"
    bad.write_text(registry_text(rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"figures\.csv, column 'data', row 4: 'guessed' is not one of"):
        registry.validate_registry(bad)
    rows[3] = dict(registry.read_registry()[3], output="figures/x.jpg")
    bad.write_text(registry_text(rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'output', row 4"):
        registry.validate_registry(bad)


def test_a_new_row_flows_to_the_inventory_the_report_and_the_site(with_new_row, root, tmp_path):
    from analysis import site

    rows = registry.validate_registry(with_new_row)
    # inventory: Fig S6b becomes computed, with its files and notebook
    inventory = {r["id"]: r for r in build_inventory(root / "data/paper/figure_panels.csv", figures_csv=with_new_row)}
    assert inventory["Fig S6b"]["status"] == "computed"
    assert inventory["Fig S6b"]["outputs"] == "figures/figS6b_li15si4_pattern.png;figures/figS6b_li15si4_pattern.svg"
    assert inventory["Fig S6b"]["notebook"] == "notebooks/xrd_pattern.ipynb"
    # report: a caption, in the section and under the panel of the row
    entries = registry.report_entries(tmp_path / "captions", rows)
    entry = entries["figures/figS6b_li15si4_pattern.png"]
    assert (entry["category"], entry["subcategory"]) == (NEW_ROW["section"], "Fig S6b")
    registry.write_captions(tmp_path / "captions", rows)
    assert Path(entry["caption"]).read_text(encoding="utf-8") == NEW_ROW["caption"] + "\n"
    # README table and index listing name it
    assert "| Fig S6b | calculated Li15Si4 diffraction pattern | `figS6b_li15si4_pattern` | computed |" in \
        registry.readme_table(rows)
    assert "[xrd_pattern](xrd_pattern.ipynb)" in registry.index_listing(rows, root)
    # site: the new notebook's page comes right after the notebook of Fig 2h, and the figures page shows it
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(root / "CITATION.cff", project / "CITATION.cff")
    shutil.copytree(root / "config", project / "config")
    shutil.copytree(root / "data", project / "data")  # the sample sheet reads the paper's cell properties
    executed = project / "results" / "notebooks"
    executed.mkdir(parents=True)
    (project / "figures").mkdir()
    (project / "figures" / "figS6b_li15si4_pattern.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for notebook in registry.notebook_order(rows):
        nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": f"# {notebook}"},
                        {"cell_type": "code", "metadata": {}, "source": "1 + 1", "outputs": [], "execution_count": 1}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (executed / f"{notebook}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    navigation = site.stage(project, project / "results" / "site_src", run_explorer_notebook=False, rows=rows)
    pages = navigation["Notebooks, in the paper's order"]
    order = [p.split("/")[-1] for p in pages]
    assert order.index("xrd_pattern") == order.index("porosity") + 1
    index = (project / "results" / "site_src" / "index.md").read_text(encoding="utf-8")
    assert "notebooks/porosity\nnotebooks/xrd_pattern\n" in index
    figures = (project / "results" / "site_src" / "figures.md").read_text(encoding="utf-8")
    assert "### Fig S6b: calculated Li15Si4 diffraction pattern" in figures
    assert "_outputs/figures/figS6b_li15si4_pattern.png" in figures
    staged = json.loads((project / "results" / "site_src" / "notebooks" / "xrd_pattern.ipynb").read_text("utf-8"))
    assert "Provenance of this page" in staged["cells"][1]["source"]
    assert staged["cells"][2]["metadata"]["tags"] == ["hide-input"]  # code folded in the copy only
    assert (project / "notebooks").exists() is False  # built from results/, nothing written to notebooks/
