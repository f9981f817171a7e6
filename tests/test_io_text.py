"""Text cycler formats: BTSDA CSV/XLSX, EC-Lab .mpt (.mpr through galvani), BDF CSV.

Fixtures in tests/fixtures/cycler/ are written by make_fixtures.py there: one invented test
(rest, 1 mA CC-CV charge, rest, -1 mA discharge, then a second cycle with a 25 h rest) in
every format, so that every reader must give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import DataError
from analysis.io import detect_format, read_cycler
from analysis.io import _text, bdf, biologic, btsda

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cycler"
FLAT = FIXTURES / "btsda_flat_cp1252.csv"
HIER = FIXTURES / "btsda_hierarchical.csv"
MPT = FIXTURES / "eclab_decimal_comma.mpt"
BDF_LABELS = FIXTURES / "bdf_labels.csv"
BDF_MACHINE = FIXTURES / "bdf_machine_names.csv"

UNITS = {"test_time_second": "s", "voltage_volt": "V", "current_ampere": "A", "step_time_second": "s",
         "step_net_capacity_ah": "A*h"}
TOTAL_SECONDS = 60 + 4200 + 600 + 3600 + 1800 + 90000


def _flat_lines() -> list[str]:
    return FLAT.read_bytes().decode("cp1252").split("\r\n")


def _write_flat(path: Path, lines: list[str], encoding: str = "cp1252") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def _edit_cell(lines: list[str], row: int, field: int, value: str) -> list[str]:
    lines = list(lines)
    cells = lines[row].split(",")
    cells[field] = value
    lines[row] = ",".join(cells)
    return lines


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory) -> Path:
    """A BTSDA-like XLSX export of the same test, made here with openpyxl (units mA, V, mAh, mWh)."""
    from openpyxl import Workbook

    lines = _flat_lines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:] if line]
    book = Workbook()
    book.active.title = "test"
    book.active.append(["Test information"])
    sheet = book.create_sheet("record")
    sheet.append(["DataPoint", "Cycle Index", "Step Index", "Step Type", "Time", "Total Time", "Current(mA)",
                  "Voltage(V)", "Capacity(mAh)", "Energy(mWh)", "Date"])
    assert header[6] == "Current(µA)" and header[14] == "Date"
    for r in rows:
        sheet.append([int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5], float(r[6]) / 1000, float(r[7]) / 1000,
                      float(r[8]) / 3600, float(r[11]) / 3600, dt.datetime.strptime(r[14], "%Y-%m-%d %H:%M:%S.%f")])
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    book.save(path)
    return path


def _all_files(xlsx: Path) -> dict[str, Path]:
    return {"neware-csv": FLAT, "neware-csv (hierarchical)": HIER, "neware-xlsx": xlsx, "biologic-mpt": MPT,
            "bdf-csv": BDF_LABELS, "bdf-csv (machine names)": BDF_MACHINE}


# ------------------------------------------------------------------------------ every format


@pytest.mark.parametrize("kind", ["neware-csv", "neware-csv (hierarchical)", "neware-xlsx", "biologic-mpt", "bdf-csv",
                                  "bdf-csv (machine names)"])
def test_every_format_reads_into_the_same_variables_and_units(kind, xlsx):
    path = _all_files(xlsx)[kind]
    fmt = kind.split(" ")[0]
    assert detect_format(path) == fmt
    ds = read_cycler(path)  # format="auto"
    assert ds.sizes["record"] == 17
    for name, unit in UNITS.items():
        assert ds[name].dtype == np.float64, name
        assert ds[name].pint.units == ds[name].pint.registry.Unit(unit), name
    assert ds["voltage_volt"].pint.units == ds["voltage_volt"].pint.registry.Unit("V")
    for name in ("cycle_count", "step_count"):
        assert ds[name].dtype == np.int64
    assert ds.attrs["source_file"] == str(path)
    assert len(ds.attrs["source_sha256"]) == 64
    assert ds.attrs["format"] == fmt
    assert ds.attrs["data_source"] == "measured"
    assert ds.attrs["sign_convention"].startswith("current > 0 charges")
    d = ds.pint.dequantify()
    assert d["test_time_second"].values[-1] == pytest.approx(TOTAL_SECONDS)
    np.testing.assert_allclose(d["current_ampere"].values[3:8], [1e-3, 1e-3, 1e-3, 5e-4, 2.5e-4], rtol=1e-12)
    # the 1 mA constant-current part lasts 3600 s: 0.001 Ah at its end (record 6)
    assert d["step_net_capacity_ah"].values[5] == pytest.approx(0.001, rel=1e-12)
    # discharge: negative current and negative step capacity, -0.001 Ah after 3600 s at -1 mA
    assert np.all(d["current_ampere"].values[10:13] < 0)
    assert d["step_net_capacity_ah"].values[12] == pytest.approx(-0.001, rel=1e-12)
    assert d["step_net_capacity_ah"].values[11] < 0
    assert d["step_type"].values[12] in ("CC DChg", "CC_DChg")
    assert d["voltage_volt"].values[6] == pytest.approx(4.2)


def test_neware_formats_agree_with_each_other(xlsx):
    flat = read_cycler(FLAT).pint.dequantify()
    for other in (HIER, xlsx, BDF_LABELS):
        d = read_cycler(other).pint.dequantify()
        for name in ("test_time_second", "voltage_volt", "current_ampere", "step_time_second", "step_net_capacity_ah"):
            np.testing.assert_allclose(d[name].values, flat[name].values, rtol=1e-12, atol=1e-15, err_msg=f"{other}: {name}")
        for name in ("cycle_count", "step_count", "step_id", "step_type"):
            assert np.array_equal(d[name].values, flat[name].values), f"{other}: {name}"
    assert np.array_equal(flat["cycle_count"].values[-4:], [2, 2, 2, 2])  # raw cycle numbers
    assert np.array_equal(flat["step_id"].values[13:15], [2, 2])  # program line 2 again in cycle 2 ...
    assert np.array_equal(flat["step_count"].values[13:15], [5, 5])  # ... but the fifth step run
    # energy: unsigned in the file, signed here; 1 mA at 3.5..4.2 V
    assert flat["step_net_energy_wh"].values[12] < 0 < flat["step_net_energy_wh"].values[7]
    # Date read as UTC unless told otherwise
    assert flat["unix_time_second"].values[0] == dt.datetime(2024, 3, 1, 10, tzinfo=dt.timezone.utc).timestamp()
    berlin = btsda.read_csv(FLAT, timezone="Europe/Berlin").pint.dequantify()
    assert flat["unix_time_second"].values[0] - berlin["unix_time_second"].values[0] == 3600.0


def test_btsda_micro_sign_spellings_and_encodings(tmp_path):
    lines = _flat_lines()
    reference = read_cycler(FLAT).pint.dequantify()
    variants = {
        "utf8_bom.csv": ("utf-8-sig", lines),
        "utf8_u.csv": ("utf-8", [lines[0].replace("µ", "u")] + lines[1:]),
        "cp1252_u.csv": ("cp1252", [lines[0].replace("Current(µA)", "Current(uA)")] + lines[1:]),
    }
    for name, (encoding, text) in variants.items():
        d = btsda.read_csv(_write_flat(tmp_path / name, text, encoding)).pint.dequantify()
        np.testing.assert_array_equal(d["current_ampere"].values, reference["current_ampere"].values)


def test_btsda_durations():
    values = ["26:00:00", "1-02:00:00", "1 02:00:00", "0:00:01.5", "12.5", "100:00:00.250"]
    out = _text.to_seconds(values, range(1, 7), path="f.csv", column="Time")
    np.testing.assert_array_equal(out, [93600.0, 93600.0, 93600.0, 1.5, 12.5, 360000.25])
    with pytest.raises(DataError, match=r"f.csv, column 'Time', row 2: expected a duration"):
        _text.to_seconds(["0:00:01", "1:xx:00"], [1, 2], path="f.csv", column="Time")


def test_unit_factors():
    assert _text.unit_factor("mAs", "A*h", path="f", column="c") == pytest.approx(1 / 3.6e6)
    assert _text.unit_factor("µAh", "A*h", path="f", column="c") == pytest.approx(1e-6)
    assert _text.unit_factor("mA.h", "A*h", path="f", column="c") == pytest.approx(1e-3)
    assert _text.unit_factor("C", "A*h", path="f", column="c") == pytest.approx(1 / 3600)
    assert _text.unit_factor("mWs", "W*h", path="f", column="c") == pytest.approx(1 / 3.6e6)
    assert _text.unit_factor("uA", "A", path="f", column="c") == pytest.approx(1e-6)
    with pytest.raises(DataError, match=r"^f, column 'Current\(kA\?\)': unknown unit 'kA\?'"):
        _text.unit_factor("kA?", "A", path="f", column="Current(kA?)")
    with pytest.raises(DataError, match="is not a current"):
        _text.unit_factor("mV", "A", path="f", column="c")


def test_xlsx_without_cycle_columns_takes_them_from_the_step_sheet(tmp_path, xlsx):
    from openpyxl import Workbook, load_workbook

    source = load_workbook(xlsx)["record"]
    book = Workbook()
    record = book.active
    record.title = "record"
    steps = book.create_sheet("step")
    steps.append(["Cycle Index", "Step Index", "Step Number", "Step Type"])
    seen = None
    for k, row in enumerate(source.iter_rows(values_only=True)):
        record.append([row[0]] + list(row[3:]))
        if k and (row[1], row[2], row[3]) != seen:
            steps.append([row[1], row[2], None, row[3]])
            seen = (row[1], row[2], row[3])
    path = tmp_path / "no_index.xlsx"
    book.save(path)
    d = btsda.read_xlsx(path).pint.dequantify()
    reference = read_cycler(xlsx).pint.dequantify()
    assert np.array_equal(d["cycle_count"].values, reference["cycle_count"].values)
    assert np.array_equal(d["step_id"].values, reference["step_id"].values)
    assert "step' sheet" in d.attrs["notes"]


def test_mpt_without_header_block_and_decimal_comma(tmp_path):
    full = read_cycler(MPT).pint.dequantify()
    assert full.attrs["decimal_separator"] == ","
    assert full.attrs["technique"] == "Galvanostatic Cycling with Potential Limitation"
    lines = MPT.read_bytes().split(b"\r\n")
    n = int(lines[1].split(b":")[1])
    bare = tmp_path / "bare.mpt"
    bare.write_bytes(b"\r\n".join(lines[n - 1:]))
    d = biologic.read_mpt(bare).pint.dequantify()
    for name in ("test_time_second", "voltage_volt", "current_ampere", "step_net_capacity_ah"):
        np.testing.assert_array_equal(d[name].values, full[name].values)
    assert list(full["step_type"].values[3:8]) == ["CC_Chg"] * 3 + ["CV_Chg"] * 2
    assert np.array_equal(full["cycle_count"].values[[0, -1]], [0, 1])  # EC-Lab counts from 0, kept raw
    assert np.array_equal(full["step_id"].values[:8], [0, 0, 0, 1, 1, 1, 1, 1])  # Ns


def test_mpr_needs_galvani(tmp_path, monkeypatch):
    path = tmp_path / "run.mpr"
    path.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b"\0" * 64)
    monkeypatch.setitem(sys.modules, "galvani", None)
    with pytest.raises(DataError) as err:
        read_cycler(path)
    assert str(err.value) == f"{path}: reading .mpr needs the optional GPL package galvani: pip install -e '.[mpr]' (or pip install galvani)"


def test_mpr_that_galvani_cannot_read(tmp_path):
    pytest.importorskip("galvani")
    path = tmp_path / "broken.mpr"
    path.write_bytes(b"not an mpr file at all")
    with pytest.raises(DataError, match="galvani could not read the file"):
        biologic.read_mpr(path)


def test_sniffers():
    flat_head = FLAT.read_bytes().decode("cp1252")
    hier_head = HIER.read_text()
    bdf_head = BDF_LABELS.read_text()
    assert btsda.sniff(flat_head) and btsda.sniff(hier_head) and not btsda.sniff(bdf_head)
    assert bdf.sniff(bdf_head) and bdf.sniff(BDF_MACHINE.read_text())
    assert not bdf.sniff(flat_head) and not bdf.sniff(hier_head)
    assert bdf.sniff("# data_source: reconstructed\nTest Time / h,Voltage / V,Current / A\n")


def test_progress_bar_only_for_big_files():
    items = [1, 2, 3]
    assert bdf.progress(items, total=3, enabled=None, desc="x") is items
    assert bdf.progress(items, total=None, enabled=None, desc="x") is items
    bar = bdf.progress(items, total=2_000_000, enabled=None, desc="x")
    assert bar is not items and list(bar) == items


# ------------------------------------------------------------------------------ BDF round trip


@pytest.mark.parametrize("names", ["labels", "machine"])
@pytest.mark.parametrize("quantified", [True, False])
def test_bdf_round_trip_is_identical(tmp_path, names, quantified):
    ds = read_cycler(FLAT)
    out = tmp_path / f"out_{names}.csv"
    bdf.write_bdf_csv(ds if quantified else ds.pint.dequantify(), out, names=names)
    back = read_cycler(out)
    a, b = ds.pint.dequantify(), back.pint.dequantify()
    assert list(a.data_vars) == list(b.data_vars)
    for name in a.data_vars:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name].values, b[name].values), name
        if a[name].dtype == np.float64:  # bit for bit, signed zeros included
            assert np.array_equal(a[name].values.view(np.int64), b[name].values.view(np.int64)), name
    assert b.attrs["data_source"] == "measured"
    assert b.attrs["format"] == "bdf-csv" and b.attrs["source_file"] == str(out)
    assert b.attrs["origin_source_file"] == str(FLAT)
    assert b.attrs["origin_source_sha256"] == ds.attrs["source_sha256"]
    assert b.attrs["origin_format"] == "neware-csv"
    assert b.attrs["instrument"] == ds.attrs["instrument"]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind
    # a second generation keeps the first origin
    again = tmp_path / "again.csv"
    bdf.write_bdf_csv(back, again, names=names)
    assert read_cycler(again).attrs["origin_source_file"] == str(FLAT)


def test_bdf_keeps_reconstructed_apart(tmp_path):
    ds = read_cycler(BDF_LABELS, data_source="reconstructed")
    out = tmp_path / "model.csv"
    bdf.write_bdf_csv(ds, out)
    assert out.read_text().startswith("# ")
    assert read_cycler(out, data_source="reconstructed").attrs["data_source"] == "reconstructed"
    with pytest.raises(DataError, match="declares data_source 'reconstructed' but was read as 'measured'"):
        read_cycler(out)


def test_bdf_cumulative_capacities_without_steps_are_ignored(tmp_path):
    path = tmp_path / "cumulative.csv"
    path.write_text("Test Time / h,Voltage / V,Current / A,Charging Capacity / mAh,Discharging Capacity / Ah\n"
                    "0,3.0,0.001,0,0\n1,3.5,0.001,1,0\n")
    d = read_cycler(path).pint.dequantify()
    assert "step_net_capacity_ah" not in d
    assert d["test_time_second"].values[-1] == 3600.0
    assert "ignored" in d.attrs["notes"]


def test_writer_writes_nothing_for_an_invalid_dataset(tmp_path):
    ds = read_cycler(FLAT).pint.dequantify()
    t = ds["test_time_second"].values.copy()
    t[5] = 1.0
    bad = ds.assign(test_time_second=(ds["test_time_second"].dims, t, ds["test_time_second"].attrs))
    out = tmp_path / "bad.csv"
    with pytest.raises(DataError, match=r"column 'test_time_second', row 6: time goes backwards"):
        bdf.write_bdf_csv(bad, out)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ bad input


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("reader", [read_cycler, btsda.read_csv, btsda.read_xlsx, biologic.read_mpt, bdf.read_bdf_csv])
def test_empty_file(tmp_path, reader):
    path = tmp_path / {btsda.read_xlsx: "empty.xlsx", biologic.read_mpt: "empty.mpt"}.get(reader, "empty.csv")
    path.write_bytes(b"")
    with pytest.raises(DataError) as err:
        reader(path)
    assert _one_line(err) == f"{path}: empty file"


def _flat_case(tmp_path: Path, case: str) -> tuple[Path, str]:
    """A broken copy of the flat BTSDA fixture and the message expected (without the path)."""
    lines = _flat_lines()
    if case == "truncated":
        text = "\r\n".join(lines[:6]) + "\r\n" + lines[6][: len(lines[6]) // 2]
        path = tmp_path / "truncated.csv"
        path.write_bytes(text.encode("cp1252"))
        return path, "row 6: truncated line (9 of 18 fields)"
    if case == "missing column":
        cells = [line.split(",") for line in lines]
        lines = [",".join(c[:7] + c[8:]) if len(c) > 8 else ",".join(c) for c in cells]
        return _write_flat(tmp_path / "no_voltage.csv", lines), "column 'Voltage': required column missing"
    if case == "unknown unit":
        lines = [lines[0].replace("Current(µA)", "Current(kA?)")] + lines[1:]
        return _write_flat(tmp_path / "unit.csv", lines), "column 'Current(kA?)': unknown unit 'kA?' in the header"
    if case == "text in number":
        lines = _edit_cell(lines, 5, 7, "abc")
        return _write_flat(tmp_path / "text.csv", lines), "column 'Voltage(mV)', row 5: expected a number, found 'abc'"
    if case == "time backwards":
        lines = _edit_cell(lines, 6, 5, "00:00:10.000")
        return (_write_flat(tmp_path / "time.csv", lines),
                "column 'Total Time', row 6: time goes backwards (1860 s then 10 s)")
    if case == "nan run":
        for row in (5, 6, 7):
            lines = _edit_cell(lines, row, 7, "")
        return (_write_flat(tmp_path / "nan.csv", lines),
                "column 'Voltage(mV)', row 5: not a finite number (3 such rows)")
    if case == "sign":
        for row in range(1, len(lines)):
            if lines[row]:
                value = lines[row].split(",")[6]
                lines = _edit_cell(lines, row, 6, value if value == "0" else str(-float(value)))
        return _write_flat(tmp_path / "sign.csv", lines), "column 'Current(µA)', row 4: current -0.001 A in a charge step"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["truncated", "missing column", "unknown unit", "text in number", "time backwards",
                                  "nan run", "sign"])
def test_bad_btsda_csv(tmp_path, case):
    path, expected = _flat_case(tmp_path, case)
    with pytest.raises(DataError) as err:
        read_cycler(path)
    message = _one_line(err)
    assert message.startswith(f"{path}, {expected}"), message


def test_bad_hierarchical_rows_point_into_the_file(tmp_path):
    """Rows count every data line (cycle and step rows too), so that the file's line is found."""
    lines = HIER.read_text().split("\n")
    k = next(i for i, line in enumerate(lines) if line.startswith(",,5,"))  # record 5, after 3 header lines
    lines[k] = lines[k].replace(",3.9,", ",x3.9,")
    path = tmp_path / "hier.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DataError) as err:
        read_cycler(path)
    assert _one_line(err) == f"{path}, column 'Voltage(V)', row {k - 2}: expected a number, found 'x3.9'"
    lines = HIER.read_text().split("\n")
    first = None
    for i, line in enumerate(lines):
        if line.startswith(",,") and ",-0.001," in line:  # discharge records now charge
            lines[i] = line.replace(",-0.001,", ",0.001,")
            first = i if first is None else first
    path.write_text("\n".join(lines))
    with pytest.raises(DataError) as err:
        read_cycler(path)
    assert _one_line(err).startswith(f"{path}, column 'Current(A)', row {first - 2}: current 0.001 A in a discharge step")


def test_bad_xlsx_cell_names_sheet_column_row(tmp_path, xlsx):
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    book["record"]["H5"] = "4.2 V"  # Voltage(V) of data row 4
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(DataError) as err:
        read_cycler(path)
    assert _one_line(err) == f"{path}, sheet 'record', column 'Voltage(V)', row 4: expected a number, found '4.2 V'"


def test_xlsx_continuation_sheet_without_header(tmp_path, xlsx):
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    record = book["record"]
    rows = list(record.iter_rows(values_only=True))
    record.delete_rows(12, len(rows))
    more = book.create_sheet("record_2")
    for r in rows[11:]:
        more.append(list(r))
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    d = read_cycler(path).pint.dequantify()
    reference = read_cycler(xlsx).pint.dequantify()
    assert d.attrs["sheets"] == "record, record_2"
    np.testing.assert_array_equal(d["voltage_volt"].values, reference["voltage_volt"].values)


def _mpt_lines() -> list[bytes]:
    return MPT.read_bytes().split(b"\r\n")


@pytest.mark.parametrize("case, expected", [
    ("truncated", "row 5: truncated line (8 of 17 fields)"),
    ("missing column", "column 'Ewe/V': required column missing"),
    ("unknown unit", "column '<I>/kA?': unknown unit 'kA?' in the header"),
    ("text in number", "column 'Ewe/V', row 2: expected a number, found 'n/a'"),
    ("time backwards", "column 'time/s', row 3: time goes backwards"),
])
def test_bad_mpt(tmp_path, case, expected):
    lines = _mpt_lines()
    n = int(lines[1].split(b":")[1])
    head, data = lines[: n], lines[n:]
    if case == "truncated":
        cut = b"\t".join(data[4].split(b"\t")[:8])
        data = data[:4] + [cut]
    elif case == "missing column":
        head[-1] = head[-1].replace(b"Ewe/V", b"Ewx/V")
    elif case == "unknown unit":
        head[-1] = head[-1].replace(b"<I>/mA", b"<I>/kA?")
    elif case == "text in number":
        cells = data[1].split(b"\t")
        cells[9] = b"n/a"
        data[1] = b"\t".join(cells)
    elif case == "time backwards":
        cells = data[2].split(b"\t")
        cells[7] = b"1,0E+00"
        data[2] = b"\t".join(cells)
    path = tmp_path / "bad.mpt"
    path.write_bytes(b"\r\n".join(head + data))
    with pytest.raises(DataError) as err:
        read_cycler(path)
    message = _one_line(err)
    assert message.startswith(f"{path}, {expected}"), message


@pytest.mark.parametrize("case, expected", [
    ("truncated", "row 17: truncated line (4 of 11 fields)"),
    ("missing column", "column 'Voltage / V': required column missing"),
    ("unknown unit", "column 'Current / kA?': unknown unit 'kA?' in the header"),
    ("text in number", "column 'Voltage / V', row 3: expected a number, found 'three'"),
])
def test_bad_bdf(tmp_path, case, expected):
    lines = BDF_LABELS.read_text().split("\n")
    if case == "truncated":
        text = "\n".join(lines[:17]) + "\n" + ",".join(lines[17].split(",")[:4])
    else:
        if case == "missing column":
            lines[0] = lines[0].replace("Voltage / V", "Volts")
        elif case == "unknown unit":
            lines[0] = lines[0].replace("Current / A", "Current / kA?")
        elif case == "text in number":
            lines[3] = lines[3].replace(",3.002,", ",three,")
        text = "\n".join(lines)
    path = tmp_path / "bad_bdf.csv"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        bdf.read_bdf_csv(path)
    message = _one_line(err)
    assert message.startswith(f"{path}, {expected}"), message


# BDF files seen in the wild that stray from the format, reproduced in a few lines each

SIGN_FLIPPED = """Test Time / h,Current / A,Voltage / V,Step Type / 1,Cycle Count / 1,Step Index / 1,Charge Capacity / Ah,Discharge Capacity / Ah
0.0,0.002,3.30,discharge,1,1,0,0
0.5,0.002,3.20,discharge,1,1,0,0.001
1.0,0.002,3.10,discharge,1,1,0,0.002
1.1,0,3.15,rest,1,2,0,0
1.2,-0.002,3.20,charge,1,3,0,0
1.7,-0.002,3.30,charge,1,3,0.001,0
"""


def test_a_bdf_file_with_discharge_positive_current_is_refused_then_read_with_the_option(tmp_path):
    path = tmp_path / "flipped.csv"
    path.write_text(SIGN_FLIPPED, encoding="utf-8")
    with pytest.raises(DataError, match="current_sign: discharge_positive") as err:
        read_cycler(path)
    assert "\n" not in str(err.value) and "Current / A" in str(err.value)
    ds = read_cycler(path, current_sign="discharge_positive").pint.dequantify()
    np.testing.assert_allclose(ds["current_ampere"].values, [-0.002] * 3 + [0] + [0.002] * 2)
    np.testing.assert_allclose(ds["step_net_capacity_ah"].values, [0, -0.001, -0.002, 0, 0, 0.001])
    assert "current_sign" in ds.attrs["notes"]
    with pytest.raises(DataError, match="current_sign must be one of"):
        read_cycler(path, current_sign="backwards")


def test_a_bdf_column_without_usable_values_can_be_left_out(tmp_path):
    path = tmp_path / "pi_cycles.csv"
    path.write_text("test_time_second,voltage_volt,current_ampere,cycle_count\n"
                    "0,3.3,0.001,6.283185307179586\n10,3.4,0.001,6.283185307179586\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ignore_columns: \['cycle_count'\]"):
        read_cycler(path)
    ds = read_cycler(path, ignore_columns=["cycle_count"])
    assert "cycle_count" not in ds and "ignore_columns" in ds.attrs["notes"]
    with pytest.raises(DataError, match="names no column"):
        read_cycler(path, ignore_columns=["cycle number"])
