import json
from decimal import Decimal
from pathlib import Path

import pytest

from analysis.errors import DataError
from analysis.tables import agrees_to_printed_digits, load_schema, printed_resolution, read_quantities, read_rows, write_table

SRC = Path("data/paper/table_s2_porosity.csv")


def _copy_with(tmp_path, transform, encoding="utf-8"):
    lines = SRC.read_text(encoding="utf-8").splitlines()
    out = tmp_path / "table_s2_porosity.csv"
    out.write_bytes("\n".join(transform(lines)).encode(encoding) + b"\n")
    return out


def _read(path):
    return read_quantities(path, resource="table_s2_porosity", key=("layer", "quantity"))


def test_every_data_resource_is_valid():
    descriptor = json.loads(Path("data/datapackage.json").read_text(encoding="utf-8"))
    assert {"table_s2_porosity", "reported_values", "constants"} <= {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        schema = load_schema(resource["name"])
        rows = read_rows(Path("data") / resource["path"], schema)
        assert rows, resource["name"]
        for field in schema.fields:
            assert "description" in next(f for f in resource["schema"]["fields"] if f["name"] == field.name)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"missing\.csv: file not found"):
        _read(tmp_path / "missing.csv")


def test_missing_column_is_named(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [",".join(c for c in ls[0].split(",") if c != "unit")] +
                      [l.replace(",g/cm^3,", ",").replace(",g,", ",") for l in ls[1:]])
    with pytest.raises(DataError, match=r"column 'unit': missing column"):
        _read(path)


def test_unknown_unit_names_column_and_row(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [ls[0], ls[1].replace("g/cm^3", "g/ccm"), *ls[2:]])
    with pytest.raises(DataError) as err:
        _read(path)
    assert str(err.value) == f"{path}, column 'unit', row 1: unknown unit 'g/ccm' (UndefinedUnitError)"


def test_text_in_a_number_column(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [*ls[:3], ls[3].replace("7.14286E-06", "7.14286E-O6"), *ls[4:]])
    with pytest.raises(DataError, match=r"column 'value', row 3: expected a number, found '7.14286E-O6'"):
        _read(path)


def test_empty_required_cell(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [*ls[:2], ls[2].replace("Weight of carbon", ""), *ls[3:]])
    with pytest.raises(DataError, match=r"column 'label_in_paper', row 2: required value is empty"):
        _read(path)


def test_value_outside_enum(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [ls[0], ls[1].replace("SiNP-CNT", "SiNP"), *ls[2:]])
    with pytest.raises(DataError, match=r"column 'layer', row 1: 'SiNP' is not one of"):
        _read(path)


def test_duplicate_key(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [*ls, ls[1]])
    with pytest.raises(DataError, match=r"row 24: duplicate key \('SiNP-CNT', 'carbon_true_density'\) \(first at row 1\)"):
        _read(path)


def test_wrong_cell_count(tmp_path):
    path = _copy_with(tmp_path, lambda ls: [*ls[:5], ls[5] + ",extra", *ls[6:]])
    with pytest.raises(DataError, match=r"row 5: expected 9 cells, found 10"):
        _read(path)


def test_not_utf8(tmp_path):
    path = _copy_with(tmp_path, lambda ls: ls, encoding="utf-16")
    with pytest.raises(DataError, match="not UTF-8"):
        _read(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="empty file"):
        _read(path)


def test_negative_thickness_in_data_stops_the_calculation(tmp_path, paper_tables):
    from analysis import porosity as P

    path = _copy_with(tmp_path, lambda ls: [l.replace(",0.0002,cm,", ",-0.0002,cm,") for l in ls])
    table = _read(path)  # a negative number is a valid number ...
    _, reported, constants = paper_tables
    with pytest.raises(ValueError, match="sinp_cnt_thickness must be positive"):
        P.resolve_inputs(table, reported, constants, P.Assumptions())  # ... but not a valid thickness


def test_printed_precision():
    assert printed_resolution("7.14286E-06") == Decimal("1E-11")
    assert float(printed_resolution("0.000157")) == pytest.approx(1e-6)
    assert float(printed_resolution("58.5")) == pytest.approx(0.1)
    assert agrees_to_printed_digits(58.54600553761, "58.54600554")
    assert not agrees_to_printed_digits(58.546006, "58.54600554")
    assert agrees_to_printed_digits(58.546, "58.5") and not agrees_to_printed_digits(58.56, "58.5")


def test_write_table_is_byte_stable_and_leaves_no_temporary_files(tmp_path):
    rows = [{"a": 1.0 / 3, "b": "x", "c": True, "d": None}, {"a": 2.0, "b": "y,z", "c": False, "d": 3}]
    first = write_table(rows, tmp_path / "t.csv").read_bytes()
    second = write_table(rows, tmp_path / "t.csv").read_bytes()
    assert first == second == b'a,b,c,d\n0.3333333333,x,true,\n2,"y,z",false,3\n'
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    with pytest.raises(ValueError):
        write_table([], tmp_path / "empty.csv")
    assert not (tmp_path / "empty.csv").exists()
