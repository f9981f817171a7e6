import csv

import pytest

from analysis.io import read_cycler
from analysis.reconstruct.__main__ import main, parse_overrides
from analysis.reconstruct.runs import cell_of
from analysis.units import Q_


def test_overrides_parse_units_and_keep_numbers():
    assert parse_overrides({"noise": "0.05 mV", "repeat_cycles": 3}) == {"noise": Q_(0.05, "mV"), "repeat_cycles": 3}


def test_cell_of_protocol():
    assert cell_of("fc_il_65mpa_cycling") == "fc_il_65mpa"
    with pytest.raises(KeyError, match="no reconstruction runs protocol 'nope'"):
        cell_of("nope")


def test_cli_writes_three_files_and_records_overrides(tmp_path):
    out = {k: tmp_path / f"{k}.csv" for k in ("btsda", "bdf", "parameters")}
    args = ["--protocol", "hc_sus_sec22", "--overrides", '{"noise": "0.05 mV"}']
    args += [f"--{k}={v}" for k, v in out.items()]
    assert main(args) == 0
    rows = {r["name"]: r for r in csv.DictReader(open(out["parameters"], encoding="utf-8"))}
    assert rows["noise"]["value"] == "0.05 mV" and "config/config.yaml" in rows["noise"]["why"]
    assert all(r["model_version"] for r in rows.values())
    btsda = read_cycler(out["btsda"], data_source="reconstructed")
    bdf = read_cycler(out["bdf"], data_source="reconstructed")
    assert btsda.sizes["record"] == bdf.sizes["record"] > 1000
    assert bdf.attrs["data_source"] == "reconstructed"


def test_cli_refuses_unknown_settings_and_writes_nothing(tmp_path, capsys):
    out = {k: tmp_path / f"{k}.csv" for k in ("btsda", "bdf", "parameters")}
    args = ["--protocol", "hc_sus_sec22", "--overrides", '{"bogus": 1}'] + [f"--{k}={v}" for k, v in out.items()]
    assert main(args) == 1
    assert "unknown parameter 'bogus'" in capsys.readouterr().err
    assert not any(p.exists() for p in out.values())
