"""Binder: repo2docker's build plan for this repository, without Docker.

``jupyter-repo2docker --no-build --debug .`` detects the build pack and prints the Dockerfile it
would build, without needing a Docker daemon. The plan must use the conda build pack with the
Python pinned in environment.yml, install environment.yml, then run postBuild, which installs
the project and runs the workflow.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def pinned_python() -> str:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = [d for d in env["dependencies"] if isinstance(d, str) and re.fullmatch(r"python=\d+\.\d+", d)]
    assert len(pins) == 1, f"environment.yml: expected one 'python=X.Y' pin, found {pins}"
    return pins[0].split("=")[1]


@pytest.fixture(scope="module")
def build_plan() -> str:
    """repo2docker's log and rendered Dockerfile for the repository (no image is built)."""
    result = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(ROOT)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # repo2docker's own logging imports
def test_repo2docker_picks_the_conda_buildpack(monkeypatch):
    from repo2docker.app import Repo2Docker
    from repo2docker.buildpacks import CondaBuildPack

    monkeypatch.chdir(ROOT)  # detect() looks at the working directory
    app = Repo2Docker()
    # the same loop as Repo2Docker.build(): the first build pack whose detect() is true
    picked = next(bp for bp in (BP(base_image=app.base_image) for BP in app.buildpacks) if bp.detect())
    assert type(picked) is CondaBuildPack, f"repo2docker would use {type(picked).__name__}"
    assert picked.python_version == pinned_python()


def test_build_plan_uses_the_pinned_python_and_environment_yml(build_plan):
    assert f"Building conda environment for python={pinned_python()}" in build_plan
    assert re.search(r'env update -p \$\{NB_PYTHON_PREFIX\} --file "environment\.yml"', build_plan), \
        "the Dockerfile does not install environment.yml"


def test_build_plan_runs_postbuild_after_the_environment(build_plan):
    environment = build_plan.index('--file "environment.yml"')
    run = build_plan.index("RUN ./postBuild")
    assert environment < run


def test_postbuild_installs_the_project_then_runs_the_workflow():
    lines = [line.strip() for line in (ROOT / "postBuild").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[0] == "set -euo pipefail"
    install = commands.index("python -m pip install --no-deps -e .")
    workflow = next(i for i, c in enumerate(commands) if c.split()[:1] == ["snakemake"])
    assert install < workflow, "the workflow needs the installed package"
    assert "--cores" in commands[workflow].split()
    syntax = subprocess.run(["bash", "-n", str(ROOT / "postBuild")], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr


# The Binder badge opens notebooks/index.ipynb: it links every notebook, in this reading order (the paper's:
# each notebook at its first panel in data/figures.csv).
READING_ORDER = ["deformation_map", "halfcell_first_cycle", "porosity", "xrd_li15si4", "halfcell_cycling", "fullcell_cycling",
                 "fullcell_rate_temperature", "fullcell_pressure", "interlayer_comparison",
                 "reported_vs_reproduced", "consistency_audit", "cell_overview", "cohort", "explorer"]
OUTPUT_FOLDERS = ("../figures/", "../tables/", "../results/")  # exist once the workflow has run


def index_links() -> list[str]:
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "index.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_index_links_every_notebook_in_reading_order():
    linked = [link[:-len(".ipynb")] for link in index_links() if "/" not in link and link.endswith(".ipynb")]
    assert linked == READING_ORDER
    stored = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} - {"index"}
    assert stored == set(READING_ORDER), f"not in the index: {sorted(stored - set(READING_ORDER))}"


def test_index_links_resolve_and_name_each_notebooks_figures():
    import nbformat

    from analysis.inventory import FIGURE_NOTEBOOKS

    links = index_links()
    for link in links:
        if link.startswith(("http://", "https://")) or link.startswith(OUTPUT_FOLDERS):
            continue
        assert (ROOT / "notebooks" / link).is_file(), f"notebooks/index.ipynb: broken link {link}"
    figures = {link.split("/")[-1].removesuffix(".png") for link in links if link.startswith("../figures/")}
    for notebook, stems in FIGURE_NOTEBOOKS.items():
        assert set(stems) <= figures, f"{notebook}: figures not linked from the index: {sorted(set(stems) - figures)}"
    # the reading list and the status cell both come from the figure registry, in this order
    from analysis.registry import notebook_order, stale_views

    assert notebook_order() == READING_ORDER
    assert "notebooks/index.ipynb" not in stale_views(ROOT), "run python -m analysis.registry --write"
    nb = nbformat.read(ROOT / "notebooks" / "index.ipynb", as_version=4)
    assert any(c.cell_type == "code" and "notebook_outputs()" in c.source for c in nb.cells)


@pytest.mark.slow
def test_index_reports_which_outputs_exist(tmp_path):
    import json

    import papermill

    (tmp_path / "figures").mkdir()
    for ext in ("png", "svg"):
        (tmp_path / "figures" / f"fig2h_porosity.{ext}").write_bytes(b"")
    out = tmp_path / "index.ipynb"
    papermill.execute_notebook("notebooks/index.ipynb", str(out), kernel_name="python3", cwd=".", progress_bar=False,
                               execution_timeout=120,
                               parameters={"figures_dir": str(tmp_path / "figures"), "tables_dir": str(tmp_path / "t"),
                                           "executed_dir": str(tmp_path / "r")})
    nb = json.loads(out.read_text(encoding="utf-8"))
    lines = "".join("".join(o.get("text", "")) for o in nb["cells"][-1]["outputs"]).splitlines()
    assert [line.split()[0] for line in lines] == READING_ORDER
    porosity = next(line for line in lines if line.startswith("porosity "))
    assert porosity.split()[1:] == ["executed", "0/1,", "figures", "1/1,", "tables", "0/3"]
    assert lines[0].split()[1:] == ["executed", "0/1,", "figures", "0/1,", "tables", "0/1"]  # deformation_map
