"""Notebooks are stored clean, have a plain `parameters` cell, and run with other parameters."""

import ast
import csv
import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted(Path("notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert Path("notebooks/porosity.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs_and_with_kernel_metadata(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path}: outputs stored"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["name"] == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_of_plain_literals(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path}: expected one cell tagged 'parameters'"
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.unparse(node)
        ast.literal_eval(node.value)  # raises for anything derived


def test_workflow_config_matches_notebook_parameters():
    import yaml

    config = yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8"))
    nb = nbformat.read("notebooks/porosity.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = {node.targets[0].id for node in ast.parse(cell.source).body}
    assert set(config["porosity"]) <= names, sorted(set(config["porosity"]) - names)


@pytest.mark.slow
def test_porosity_notebook_runs_with_other_parameters(tmp_path):
    import papermill

    out = {
        "table_out": str(tmp_path / "table.csv"),
        "steps_out": str(tmp_path / "steps.csv"),
        "uncertainty_out": str(tmp_path / "uncertainty.csv"),
        "figure_png": str(tmp_path / "fig.png"),
    }
    # first principles set to Table S2's own choices: both columns must then agree
    parameters = {**out, "atomic_weights": "table_s2", "li3_75si_density": "table_s2", "scale_carbon_volume": True,
                  "electrode_area": "table_s2", "sensitivity_loading_mg_cm2": None, "mc_samples": 300, "mc_seed": 1,
                  "interval": 0.9}
    papermill.execute_notebook("notebooks/porosity.ipynb", str(tmp_path / "run.ipynb"), parameters=parameters,
                               kernel_name="python3", cwd=".", progress_bar=False)
    with open(out["table_out"], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 23
    for row in rows:
        assert row["matches_printed_digits"] == "true"
        assert float(row["first_principles_value"]) == pytest.approx(float(row["recomputed_value"]), rel=1e-12)
    with open(out["steps_out"], encoding="utf-8") as handle:
        steps = list(csv.DictReader(handle))
    assert [s["step"] for s in steps] == ["Table S2 arithmetic"]  # nothing to change, no sensitivity variant
    with open(out["uncertainty_out"], encoding="utf-8") as handle:
        stats = list(csv.DictReader(handle))
    assert {"samples": "300", "interval_level": "0.9"}.items() <= {s["statistic"]: s["value"] for s in stats
                                                                   if s["method"] == "assumption"}.items()
    assert (tmp_path / "fig.png").stat().st_size > 10_000 and (tmp_path / "fig.svg").read_text().startswith("<?xml")
    executed = json.loads((tmp_path / "run.ipynb").read_text(encoding="utf-8"))
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
