"""The BDF CSV reader's fast path (pandas' C parser) gives exactly what the careful line-by-line path gives."""

import numpy as np
import pytest

from analysis.io import read_cycler
from analysis.io import bdf
from analysis.io.bdf import write_bdf_csv
from synthetic import cycling_records

CYCLES = [[("CC_Chg", 1e-3, 1800.0), ("CV_Chg", 1e-3, 600.0), ("Rest", 0.0, 60.0), ("CC_DChg", -1e-3, 1700.0)]] * 3


def _both(path, monkeypatch):
    fast = read_cycler(path, "bdf-csv")
    monkeypatch.setattr(bdf, "_fast_columns", lambda *a, **k: None)
    careful = read_cycler(path, "bdf-csv")
    return fast.pint.dequantify(), careful.pint.dequantify()


def test_fast_and_careful_paths_agree(tmp_path, monkeypatch):
    path = tmp_path / "cell.csv"
    records = cycling_records(CYCLES, dt=7.0, noise=1e-6, seed=3)
    records.attrs["data_source"] = "measured"
    write_bdf_csv(records, path)
    fast, careful = _both(path, monkeypatch)
    assert set(fast) == set(careful) and fast.sizes == careful.sizes
    for name in fast:
        assert fast[name].dtype == careful[name].dtype, name
        np.testing.assert_array_equal(fast[name].values, careful[name].values, err_msg=name)
    assert fast.attrs == careful.attrs


def test_an_empty_cell_takes_the_careful_path_which_names_its_row(tmp_path, monkeypatch):
    path = tmp_path / "gap.csv"
    records = cycling_records(CYCLES, dt=60.0)
    records.attrs["data_source"] = "measured"
    write_bdf_csv(records, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    voltage = lines[header].split(",").index(next(c for c in lines[header].split(",") if c.startswith("Voltage")))
    fields = lines[header + 5].split(",")
    fields[voltage] = ""
    lines[header + 5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = []
    original = bdf._fast_columns
    monkeypatch.setattr(bdf, "_fast_columns", lambda *a, **k: calls.append(original(*a, **k)) or calls[-1])
    with pytest.raises(Exception, match=r"column 'Voltage / V', row 5: not a finite number"):
        read_cycler(path, "bdf-csv")
    assert calls == [None]  # the fast path declined; the careful one found the row


@pytest.mark.parametrize("bad, where", [("abc", "row 3"), ("1.5", "row 3")])
def test_text_or_fraction_in_a_count_is_still_named_by_row(tmp_path, bad, where):
    path = tmp_path / "bad.csv"
    write_bdf_csv(cycling_records(CYCLES, dt=60.0), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    cols = lines[header].split(",")
    cycle = next(i for i, c in enumerate(cols) if c.lower().startswith("cycle"))
    fields = lines[header + 3].split(",")
    fields[cycle] = bad
    lines[header + 3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=where):
        read_cycler(path, "bdf-csv")
