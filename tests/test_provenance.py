"""Provenance sidecars: written beside every output, hashes verified, changes detected, bytes stable."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import __version__
from analysis.errors import DataError
from analysis.provenance import (
    build_record,
    derive_data_source,
    describe,
    main,
    sidecar_path,
    summary_rows,
    verify_outputs,
    verify_sidecar,
    write_sidecars,
)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A miniature repository: a paper table, a notebook, code, a reconstructed file, two outputs."""
    monkeypatch.chdir(tmp_path)
    files = {
        "data/paper/values.csv": "id,value\nporosity,58.5\n",
        "data/reference/constants.csv": "name,value\nsi_density,2.33\n",
        "results/reconstructed/cell.csv": "t,V\n0,3.7\n",
        "notebooks/fig.ipynb": '{"cells": []}\n',
        "analysis/code.py": "X = 1\n",
        "figures/fig9z_test.png": "png bytes",
        "tables/fig9z_test.csv": "a\n1\n",
        "tables/README.md": "not an output\n",
    }
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text, encoding="utf-8")
    return tmp_path


OUTPUTS = ["figures/fig9z_test.png", "tables/fig9z_test.csv"]
INPUTS = ["notebooks/fig.ipynb", "analysis", "data/paper/values.csv"]


def test_sidecar_path_appends_the_suffix():
    assert sidecar_path("figures/fig3a_first_cycle_profiles.png") == Path(
        "figures/fig3a_first_cycle_profiles.png.prov.json")


def test_sidecars_record_hashes_that_verify(tree):
    written = write_sidecars(OUTPUTS, INPUTS, {"cycles": 3}, "auto", "fig9z")
    assert written == [sidecar_path(o) for o in OUTPUTS]
    record = json.loads(written[0].read_text(encoding="utf-8"))
    assert written[0].read_bytes() == written[1].read_bytes()
    by_path = {e["path"]: e for e in record["inputs"]}
    assert sorted(by_path) == ["analysis/code.py", "data/paper/values.csv", "notebooks/fig.ipynb"]  # folder expanded
    for name, entry in by_path.items():
        data = Path(name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert [e["path"] for e in record["outputs"]] == OUTPUTS
    assert record["rule"] == "fig9z" and record["parameters"] == {"cycles": 3}
    assert record["data_source"] == "paper"  # code and notebooks carry no source; the table is the paper's
    assert record["analysis_version"] == __version__
    assert record["git"] == {"commit": "unknown", "dirty": "unknown"}  # not a git checkout
    assert set(record["packages"]) == {"numpy", "pandas", "xarray", "pint", "matplotlib", "snakemake", "papermill"}
    assert record["packages"]["numpy"] == __import__("numpy").__version__
    assert record["python"] == ".".join(map(str, sys.version_info[:3]))
    assert all(verify_sidecar(s) == [] for s in written)
    assert verify_outputs(["figures", "tables"]) == []


def test_a_changed_or_missing_input_is_detected(tree):
    side = write_sidecars(OUTPUTS, INPUTS, {}, "paper", "fig9z")[0]
    Path("data/paper/values.csv").write_text("id,value\nporosity,58.6\n", encoding="utf-8")
    problems = verify_sidecar(side)
    assert len(problems) == 1 and "data/paper/values.csv changed" in problems[0]
    Path("analysis/code.py").unlink()
    problems = verify_sidecar(side)
    assert len(problems) == 2 and any("analysis/code.py is missing" in p for p in problems)
    rows = summary_rows(OUTPUTS)
    assert all(r["status"] != "ok" and "changed" in r["status"] for r in rows)


def test_an_output_without_sidecar_or_changed_after_it_is_reported(tree):
    assert verify_outputs(["figures"]) == ["figures/fig9z_test.png: no provenance sidecar"]
    write_sidecars(OUTPUTS, INPUTS, {}, "paper", "fig9z")
    Path("figures/fig9z_test.png").write_text("other bytes", encoding="utf-8")
    assert any("output figures/fig9z_test.png changed" in p for p in verify_outputs(["figures"]))


def test_same_inputs_give_the_same_bytes_and_no_timestamps(tree):
    first = write_sidecars(OUTPUTS, INPUTS, {"b": 2, "a": [1, 2]}, "auto", "fig9z")[0].read_bytes()
    Path("figures/fig9z_test.png.prov.json").unlink()
    second = write_sidecars(OUTPUTS, list(reversed(INPUTS)), {"a": [1, 2], "b": 2}, "auto", "fig9z")[0].read_bytes()
    assert first == second
    text = first.decode("utf-8")
    assert not any(word in text.lower() for word in ("time", "date", "created", "modified"))
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)  # no ISO date or clock time


def test_data_source_is_derived_from_the_inputs(tree):
    assert derive_data_source(["data/paper/values.csv", "data/reference/constants.csv", "analysis"]) == "paper"
    assert derive_data_source(["results/reconstructed/cell.csv", "notebooks/fig.ipynb"]) == "reconstructed"
    assert derive_data_source(["results/reconstructed/cell.csv", "data/paper/values.csv"]) == ["paper", "reconstructed"]
    # an output with a sidecar passes its source on to what is made from it
    write_sidecars(["tables/fig9z_test.csv"], ["results/reconstructed/cell.csv"], {}, "auto", "r")
    assert derive_data_source(["tables/fig9z_test.csv", "data/paper/values.csv"]) == ["paper", "reconstructed"]
    with pytest.raises(DataError, match="none of the 2 inputs is data"):
        derive_data_source(["analysis", "notebooks/fig.ipynb"])
    Path("other.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"other\.csv: cannot tell the data source"):
        derive_data_source(["other.csv"])


def test_netcdf_inputs_name_their_own_source(tree):
    import numpy as np
    import xarray as xr

    xr.Dataset({"v": ("t", np.arange(3.0))}, attrs={"data_source": "measured"}).to_netcdf(
        "cell.nc", engine="h5netcdf")
    assert derive_data_source(["cell.nc", "data/paper/values.csv"]) == ["measured", "paper"]
    xr.Dataset({"v": ("t", np.arange(3.0))}).to_netcdf("bare.nc", engine="h5netcdf")
    with pytest.raises(DataError, match=r"bare\.nc.*data_source"):
        derive_data_source(["bare.nc"])


def test_bad_arguments_give_one_line_and_write_nothing(tree, capsys):
    assert main(["--rule", "r", "--params-json", "[1]", "--inputs", "data/paper/values.csv",
                 "--outputs", *OUTPUTS]) == 1
    assert main(["--rule", "r", "--data-source", "simulated", "--inputs", "data/paper/values.csv",
                 "--outputs", *OUTPUTS]) == 1
    assert main(["--rule", "r", "--inputs", "data/paper/missing.csv", "--outputs", *OUTPUTS]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and "JSON object" in errors[0] and "simulated" in errors[1]
    assert "data/paper/missing.csv: file not found" in errors[2]
    assert not list(Path(".").rglob("*.prov.json"))


def test_cli_writes_verifies_and_summarises(tree):
    code = main(["--rule", "fig9z", "--data-source", "auto", "--params-json", '{"a": 1}', "--params-json",
                 '{"out": "figures/fig9z_test.png"}', "--inputs", *INPUTS, "--outputs", *OUTPUTS])
    assert code == 0
    record = json.loads(sidecar_path(OUTPUTS[0]).read_text(encoding="utf-8"))
    assert record["parameters"] == {"a": 1, "out": "figures/fig9z_test.png"}
    assert main(["--verify", "figures", "tables"]) == 0
    assert main(["--summary", "tables/provenance.csv", *OUTPUTS]) == 0
    lines = Path("tables/provenance.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("output,rule,data_source") and len(lines) == 3
    assert ",fig9z,paper," in lines[1] and ",ok," in lines[1]
    Path("data/paper/values.csv").write_text("changed\n", encoding="utf-8")
    assert main(["--verify", "figures"]) == 1


def test_git_commit_and_dirty_flag_are_recorded(tree):
    def git(*args):
        subprocess.run(["git", *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "data/paper/values.csv")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "data")
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    record = build_record(OUTPUTS, INPUTS, {}, "auto", "fig9z")
    assert record["git"] == {"commit": head, "dirty": False}  # untracked files do not count
    Path("data/paper/values.csv").write_text("edited\n", encoding="utf-8")
    assert build_record(OUTPUTS, INPUTS, {}, "auto", "fig9z")["git"] == {"commit": head, "dirty": True}
    assert f"git {head}" in describe(record) and "`data/paper/values.csv`" in describe(record)
