"""analysis.reproduced: rows of the reported-vs-reproduced table, with units and tolerances."""

import csv

import pint
import pytest

from analysis.reproduced import COLUMNS, combine, compare, read_rows, reported_values, write_rows
from analysis.units import Q_


@pytest.fixture(scope="module")
def reported():
    return reported_values()


def _row(reported, rid="ice_hc_il", value=Q_(96.42, "percent"), tolerance=Q_(0.05, "percent"), **kw):
    args = dict(data_source="reconstructed", cell="c1", notebook="nb", how="test")
    args.update(kw)
    return compare(reported, rid, value, tolerance, **args)


def test_difference_in_the_tolerance_unit(reported):
    row = _row(reported, value=Q_(0.9642, ""))  # a fraction, compared with the paper's 96.4 %
    assert row["paper_value"] == 96.4 and row["unit"] == "%"
    assert row["reproduced_value"] == pytest.approx(96.42)
    assert row["difference"] == pytest.approx(0.02)
    assert row["relative_difference_percent"] == pytest.approx(100 * 0.02 / 96.4)
    assert row["within_tolerance"] is True
    assert _row(reported, value=Q_(96.5, "percent"))["within_tolerance"] is False


def test_wrong_dimension_raises(reported):
    with pytest.raises(pint.DimensionalityError):
        _row(reported, "nucleation_overpotential_hc_il", value=Q_(1.5, "mA*h/cm^2"), tolerance=Q_(0.1, "mV"))


def test_missing_value_is_kept_and_not_within(reported):
    row = _row(reported, "retention_fc_il_200", value=Q_(float("nan"), "percent"))
    assert row["reproduced_value"] == "" and row["difference"] == "" and row["within_tolerance"] is False


def test_lower_bound(reported):
    # "cycle life > 250 h": more is fine, less is not
    more = _row(reported, "cycle_life_hc_il", value=Q_(258, "h"), tolerance=Q_(0, "h"), bound="lower")
    less = _row(reported, "cycle_life_hc_il", value=Q_(240, "h"), tolerance=Q_(0, "h"), bound="lower")
    two_sided = _row(reported, "cycle_life_hc_il", value=Q_(258, "h"), tolerance=Q_(0, "h"))
    assert (more["within_tolerance"], less["within_tolerance"], two_sided["within_tolerance"]) == (True, False, False)
    assert "lower bound" in more["how"]
    with pytest.raises(ValueError):
        _row(reported, bound="sideways")


def test_unknown_id_and_source_raise(reported):
    with pytest.raises(KeyError):
        _row(reported, "no_such_value")
    with pytest.raises(ValueError):
        _row(reported, data_source="simulated")


def test_write_and_combine_sorted_and_duplicates_refused(tmp_path, reported):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    write_rows([_row(reported, "ice_hc_sus", Q_(89.4, "percent")), _row(reported)], a)
    write_rows([_row(reported, "nucleation_overpotential_hc_il", Q_(1.5, "mV"), Q_(0.15, "mV"))], b)
    rows = combine([b, a])
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows) or len({r["location"] for r in rows}) > 1
    assert len(rows) == 3 and set(rows[0]) == set(COLUMNS)
    with open(a, encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == COLUMNS
    with pytest.raises(ValueError, match="also in"):
        combine([a, a])
    (tmp_path / "bad.csv").write_text("id,value\nx,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        read_rows(tmp_path / "bad.csv")
