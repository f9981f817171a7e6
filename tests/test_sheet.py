"""The sample sheet config/cells.tsv: defaults from the paper's data, globs, measured_dir, one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.errors import DataError
from analysis.sheet import COLUMNS, ingest_spec, read_cells, rows_from_yaml

ROOT = Path(__file__).resolve().parents[1]
HEADER = "\t".join(COLUMNS) + "\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fake repository root with the schema and the paper's data the sheet reads."""
    for name in ("config/schema/cells.schema.yaml", "data/paper/cell_properties.csv", "data/paper/protocols.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "data/measured").mkdir()
    return tmp_path


def sheet(repo: Path, *rows: str) -> Path:
    path = repo / "config/cells.tsv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def row(**fields: str) -> str:
    return "\t".join(fields.get(c, "") for c in COLUMNS)


def test_the_paper_cells_take_area_and_loading_from_the_paper_data():
    cells = read_cells(ROOT / "config/cells.tsv", root=ROOT)
    assert len(cells) == 17
    full = cells["fc_il_65mpa_cycling"]
    assert (full["area_cm2"], full["loading_mg_cm2"], full["reference_cycle"]) == (0.7854, 13.4, 2)
    assert (full["data_source"], full["file"], full["format"]) == (
        "reconstructed", "results/reconstructed/fc_il_65mpa_cycling.csv", "neware-csv")
    assert full["ce_convention"] == "full_cell" and full["group"] == "fc_il_65mpa_cycling"
    # the Li3.75Si-CNT half-cells have the 0.785 cm² the paper prints for them, not 0.7854
    assert cells["hc_li375si_cnt_exp"]["area_cm2"] == 0.785 and cells["hc_sus_exp"]["area_cm2"] == 0.7854
    assert cells["hc_sus_exp"]["ce_convention"] == "plating" and cells["hc_sus_exp"]["loading_mg_cm2"] is None
    # a model run that no printed protocol names: the cell of the protocol it varies
    from analysis.reconstruct.runs import cell_of

    assert cell_of("fc_il_rate_test_ladder") == "fc_il_rate"
    assert (cells["fc_il_rate_test_ladder"]["area_cm2"], cells["fc_il_rate_test_ladder"]["loading_mg_cm2"]) == (0.7854, 13.4)
    assert cells["sym_sinp_cnt_fig4g"]["ce_convention"] == "plating"
    text = (ROOT / "config/cells.tsv").read_text(encoding="utf-8")
    assert "13.4" not in text  # looked up, never retyped


def test_measured_paths_resolve_against_measured_dir_and_globs_make_one_cell_per_file(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("lab")
    for name in ("b-2.csv", "a 1.csv", "notes.txt"):
        (outside / name).write_text("x\n", encoding="utf-8")
    (repo / "data/measured/inside.csv").write_text("x\n", encoding="utf-8")
    path = sheet(repo,
                 row(cell="rep", source="*.csv", kind="full_cell", group="interlayer", area_cm2="1.5",
                     cycle_definition="half_cycles"),
                 row(cell="abs", source=str(outside / "notes.txt"), format="bdf-csv", kind="half_cell",
                     reference_cycle="3"))
    cells = read_cells(path, root=repo, measured_dir=str(outside))
    assert list(cells) == ["rep_a_1", "rep_b-2", "abs"]
    assert cells["rep_a_1"]["file"] == str((outside / "a 1.csv").resolve())
    assert cells["rep_b-2"]["group"] == "interlayer" and cells["rep_b-2"]["area_cm2"] == 1.5
    assert cells["rep_b-2"]["cycle_definition"] == "half_cycles" and "cycle_definition" not in cells["abs"]
    assert cells["abs"]["group"] == "abs" and cells["abs"]["reference_cycle"] == 3
    assert cells["abs"]["format"] == "bdf-csv" and cells["rep_a_1"]["format"] == "auto"
    assert cells["abs"]["area_cm2"] is None and cells["abs"]["loading_mg_cm2"] is None
    assert ingest_spec(cells["abs"]) == {"file": cells["abs"]["file"], "data_source": "measured", "format": "bdf-csv",
                                         "kind": "half_cell", "ce_convention": "plating", "area_cm2": None,
                                         "loading_mg_cm2": None, "reference_cycle": 3}
    inside = read_cells(sheet(repo, row(cell="c", source="inside.csv", kind="half_cell")), root=repo)
    assert inside["c"]["file"] == "data/measured/inside.csv"  # inside the repository: relative to it
    # a lab's file in place of one of the paper's cells keeps the paper's area for that cell
    swapped = read_cells(sheet(repo, row(cell="hc_li375si_cnt_exp", source="inside.csv", kind="half_cell")), root=repo)
    assert swapped["hc_li375si_cnt_exp"]["area_cm2"] == 0.785 and swapped["hc_li375si_cnt_exp"]["data_source"] == "measured"


@pytest.mark.parametrize("fields, where, words", [
    (dict(cell="x", source="nope.csv", kind="half_cell"), "column 'source', row 1", "file not found"),
    (dict(cell="x", source="*.nda", kind="half_cell"), "column 'source', row 1", "no file matches"),
    (dict(cell="x", source="a.csv", kind="quarter_cell"), "column 'kind', row 1", "quarter_cell"),
    (dict(cell="x", source="a.csv", kind="half_cell", area_cm2="big"), "column 'area_cm2', row 1", "'big'"),
    (dict(cell="x", source="a.csv", kind="half_cell", area_cm2="-1"), "column 'area_cm2', row 1", "-1"),
    (dict(cell="x", source="a.csv", kind="half_cell", reference_cycle="1.5"), "column 'reference_cycle', row 1",
     "whole number"),
    (dict(cell="x", source="a.csv", kind="half_cell", format="neware-foo"), "column 'format', row 1", "neware-foo"),
    (dict(cell="x y", source="a.csv", kind="half_cell"), "column 'cell', row 1", "x y"),
    (dict(cell="x", source="a.csv"), "column 'kind', row 1", "missing"),
    (dict(cell="x", source="reconstructed:", kind="half_cell"), "column 'source', row 1", "protocol id"),
])
def test_a_bad_row_names_file_column_and_row(repo, fields, where, words):
    (repo / "data/measured/a.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_cells(sheet(repo, row(**fields)), root=repo)
    message = str(err.value)
    assert message.startswith(f"config/cells.tsv, {where}: ") and words in message and "\n" not in message


def test_wrong_header_duplicate_ids_and_short_rows_are_refused(repo):
    (repo / "data/measured/a.csv").write_text("x\n", encoding="utf-8")
    path = repo / "config/cells.tsv"
    path.write_text(HEADER.replace("group", "condition"), encoding="utf-8")
    with pytest.raises(DataError, match=r"^config/cells\.tsv: header must be exactly .*'condition', expected 'group'"):
        read_cells(path, root=repo)
    with pytest.raises(DataError, match=r"row 2: cell id 'x' is used twice \(first at row 1\)"):
        read_cells(sheet(repo, row(cell="x", source="a.csv", kind="half_cell"),
                         row(cell="x", source="a.csv", kind="half_cell")), root=repo)
    with pytest.raises(DataError, match=r"row 1: expected 9 tab-separated fields, found 3"):
        read_cells(sheet(repo, "x\ta.csv\thalf_cell"), root=repo)


def test_migration_helper_turns_the_old_yaml_into_the_sheet(tmp_path):
    old = {"cells": {"hc_sus_exp": {"reconstructed": "hc_sus_exp", "kind": "half_cell", "ce_convention": "plating",
                                    "area_cm2": 0.7854},
                     "mine": {"measured": "data/measured/my.ndax", "kind": "full_cell", "ce_convention": "full_cell",
                              "reference_cycle": 2}}}
    assert rows_from_yaml(old["cells"]) == [
        ["hc_sus_exp", "reconstructed:hc_sus_exp", "", "half_cell", "", "0.7854", "", "", ""],
        ["mine", "my.ndax", "", "full_cell", "", "", "", "2", ""]]
    config = tmp_path / "old.yaml"
    config.write_text(yaml.safe_dump(old), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "analysis.sheet", "--from-yaml", str(config)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split("\t") == list(COLUMNS) and len(done.stdout.splitlines()) == 3
