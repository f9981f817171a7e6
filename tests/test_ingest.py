import csv
import json

import pytest

from analysis.ingest import main


def _spec(path, **extra):
    return json.dumps({"file": str(path), "format": "auto", "data_source": "reconstructed", "kind": "half_cell",
                       "ce_convention": "plating", "area_cm2": 0.785, **extra})


def test_ingest_writes_netcdf_and_cycle_table(tmp_path):
    from analysis.io.bdf import write_bdf_csv
    from synthetic import cycling_records

    source = tmp_path / "cell.csv"
    write_bdf_csv(cycling_records([[("CC_DChg", -1e-3, 3600.0), ("CC_Chg", 1e-3, 3564.0)]] * 2, dt=10.0), source)
    nc, table = tmp_path / "out/cell.nc", tmp_path / "out/cell_cycles.csv"
    assert main(["--cell", "c1", "--spec", _spec(source), "--netcdf", str(nc), "--cycles", str(table)]) == 0
    rows = list(csv.DictReader(open(table, encoding="utf-8")))
    assert len(rows) == 2 and float(rows[1]["coulombic_efficiency"]) == pytest.approx(0.99)
    assert nc.stat().st_size > 0


def test_bad_input_writes_nothing_and_says_where(tmp_path, capsys):
    source = tmp_path / "broken.csv"
    source.write_text("Test Time / s,Voltage / V,Current / A\n0,3.7,0.001\n1,three,0.001\n", encoding="utf-8")
    nc, table = tmp_path / "out/cell.nc", tmp_path / "out/cell_cycles.csv"
    assert main(["--cell", "c1", "--spec", _spec(source), "--netcdf", str(nc), "--cycles", str(table)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cell 'c1': ") and "Voltage" in err and "row 2" in err and "\n" not in err
    assert not nc.exists() and not table.exists()
