"""The adapter around fastnda: column mapping, units, dtypes, raw cycles, errors.

fastnda itself is tested by its authors on real files; here its output is replaced by a small
frame of the same shape, so these tests need no third-party data file.
"""

import numpy as np
import polars as pl
import pytest

import analysis.io.neware as neware
from analysis.cycling import cycle_summary
from analysis.errors import DataError
from analysis.io import detect_format, read_cycler


def _frame(cycles=(7, 7, 7, 7, 8, 8), step_types=("CC_Chg", "CC_Chg", "CV_Chg", "CC_DChg", "CC_Chg", "CC_DChg")):
    n = len(cycles)
    current = np.array([1.0 if "DChg" not in s else -1.0 for s in step_types], dtype=np.float32)  # mA
    return pl.DataFrame({
        "index": np.arange(1, n + 1, dtype=np.uint32),
        "voltage_V": np.linspace(3.6, 4.2, n).astype(np.float32),
        "current_mA": current,
        "unix_time_s": 1.7e9 + np.arange(n, dtype=np.float64),
        "step_time_s": np.zeros(n),
        "total_time_s": np.arange(n, dtype=np.float64) * 3600.0,
        "cycle_count": np.array(cycles, dtype=np.uint32),
        "step_count": np.array([1, 1, 2, 3, 4, 5][:n], dtype=np.uint32),
        "step_index": np.array([1, 1, 2, 3, 1, 3][:n], dtype=np.uint32),
        "step_type": pl.Series(step_types, dtype=pl.Categorical),
        "capacity_mAh": np.array([0.5, 1.0, 0.25, -1.2, 1.1, -1.0][:n], dtype=np.float32),
        "energy_mWh": np.zeros(n, dtype=np.float32),
    })


@pytest.fixture
def fake_ndax(tmp_path, monkeypatch):
    import fastnda

    path = tmp_path / "cell.ndax"
    path.write_bytes(b"not really a Neware file")
    frame = _frame()
    calls = []

    def fake_read(file, cycle_mode="chg", **kwargs):
        calls.append(cycle_mode)
        return frame

    monkeypatch.setattr(fastnda, "read", fake_read)
    return path, calls


def test_columns_units_and_dtypes(fake_ndax):
    path, calls = fake_ndax
    ds = read_cycler(path)
    assert calls == ["raw"]  # the file's own cycle numbers, never renumbered behind the user's back
    assert detect_format(path) == "neware-ndax"
    assert list(ds.cycle_count.data.magnitude) == [7, 7, 7, 7, 8, 8]
    assert ds.current_ampere.data.units == "ampere" and ds.current_ampere.dtype == np.float64
    assert ds.current_ampere.data.magnitude[0] == pytest.approx(1e-3)
    assert ds.step_net_capacity_ah.data.to("mA*h").magnitude[3] == pytest.approx(-1.2, rel=1e-6)
    assert list(ds.step_type.values) == ["CC_Chg", "CC_Chg", "CV_Chg", "CC_DChg", "CC_Chg", "CC_DChg"]
    assert ds.attrs["format"] == "neware-ndax" and ds.attrs["data_source"] == "measured"
    assert len(ds.attrs["source_sha256"]) == 64 and ds.attrs["cycle_numbering"] == "raw"


def test_cc_cv_charge_from_neware_step_capacities(fake_ndax):
    path, _ = fake_ndax
    summary = cycle_summary(read_cycler(path), convention="full_cell")
    # cycle 7: CC step ends at 1.0 mAh, CV step at 0.25 mAh -> 1.25 mAh charged; 1.2 mAh discharged
    assert summary.charge_capacity.sel(cycle=7).data.to("mA*h").magnitude == pytest.approx(1.25, rel=1e-6)
    assert summary.discharge_capacity.sel(cycle=7).data.to("mA*h").magnitude == pytest.approx(1.2, rel=1e-6)
    assert summary.coulombic_efficiency.sel(cycle=7).data.magnitude == pytest.approx(1.2 / 1.25, rel=1e-6)


def test_btsda_style_numbering_is_an_explicit_choice(fake_ndax):
    path, calls = fake_ndax
    read_cycler(path, cycle_mode="chg")
    assert calls[-1] == "chg"


def test_fastnda_failure_becomes_one_line(tmp_path, monkeypatch):
    import fastnda

    path = tmp_path / "broken.nda"
    path.write_bytes(b"\x00" * 64)

    def boom(*args, **kwargs):
        raise ValueError("unexpected header\nsecond line")

    monkeypatch.setattr(fastnda, "read", boom)
    with pytest.raises(DataError) as err:
        read_cycler(path)
    assert str(err.value) == f"{path}: fastnda cannot read this file (ValueError: unexpected header)"


def test_empty_and_missing_files(tmp_path, monkeypatch):
    import fastnda

    with pytest.raises(DataError, match="file not found"):
        read_cycler(tmp_path / "nope.ndax")
    empty = tmp_path / "empty.ndax"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty file"):
        read_cycler(empty)
    almost = tmp_path / "zero_records.ndax"
    almost.write_bytes(b"x")
    monkeypatch.setattr(fastnda, "read", lambda *a, **k: _frame().head(0))
    with pytest.raises(DataError, match="holds no records"):
        read_cycler(almost)


def test_unknown_format_lists_what_is_supported(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("1,2,3\n")
    with pytest.raises(DataError, match=r"unknown file type '.xyz' \(supported: neware-nda, neware-ndax"):
        read_cycler(path)
    with pytest.raises(ValueError, match="unknown format 'arbin'"):
        read_cycler(path, format="arbin")


def test_categorical_labels_match_plain_strings():
    series = pl.Series(["Rest", "CC_Chg", None, "Rest", "CV_Chg"], dtype=pl.Categorical)
    labels = neware._labels(series)
    assert list(np.asarray(labels.categories)[labels.codes]) == ["Rest", "CC_Chg", "Unknown", "Rest", "CV_Chg"]
