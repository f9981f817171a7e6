"""analysis.reproduced: rows of the reported-vs-reproduced table, with units and tolerances."""

import csv
import math

import pint
import pytest

from analysis.reproduced import (COLUMNS, combine, compare, read_rows, reported_values, table_s2_rows, tolerance_ratio,
                                 write_rows)
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


def test_table_s2_rows_compare_the_recomputed_porosities(tmp_path, reported):
    table = tmp_path / "table_s2.csv"
    table.write_text("layer,quantity,unit,recomputed_value\nSiNP-CNT,porosity,percent,58.54600554\n"
                     "SiNP-CNT,layer_volume,cm^3,1.57e-4\nLi3.75Si-CNT,porosity,percent,11.2\n", encoding="utf-8")
    rows = table_s2_rows(reported, table)
    assert [(r["id"], r["cell"]) for r in rows] == [("porosity_sinp_cnt", "SiNP-CNT (Table S2)"),
                                                    ("porosity_li375si_cnt", "Li3.75Si-CNT (Table S2)")]
    assert all(set(r) == set(COLUMNS) and r["data_source"] == "paper" and r["notebook"] == "porosity" for r in rows)
    assert [r["within_tolerance"] for r in rows] == ["true", "false"]  # 11.2 % is 0.2 from the printed 11.0 %
    assert rows[1]["difference"] == pytest.approx(0.2) and rows[1]["tolerance"] == pytest.approx(0.05)


def test_tolerance_ratio(reported):
    assert tolerance_ratio(_row(reported, value=Q_(96.425, "percent"))) == pytest.approx(0.5)
    assert tolerance_ratio(_row(reported, value=Q_(96.5, "percent"))) == pytest.approx(2.0)
    assert math.isnan(tolerance_ratio(_row(reported, "retention_fc_il_200", value=Q_(float("nan"), "percent"))))
    # a zero tolerance: 0 when equal, infinite otherwise; a bound met on its side counts as within (at most 1)
    assert tolerance_ratio(_row(reported, "cycle_life_hc_il", value=Q_(250, "h"), tolerance=Q_(0, "h"))) == 0.0
    assert tolerance_ratio(_row(reported, "cycle_life_hc_il", value=Q_(240, "h"), tolerance=Q_(0, "h"))) == math.inf
    assert tolerance_ratio(_row(reported, "cycle_life_hc_il", value=Q_(258, "h"), tolerance=Q_(0, "h"),
                                bound="lower")) == 1.0
    # rows read back from a file: strings
    read = {"reproduced_value": "96.5", "difference": "0.1", "tolerance": "0.05", "within_tolerance": "false"}
    assert tolerance_ratio(read) == pytest.approx(2.0)
    assert math.isnan(tolerance_ratio({**read, "reproduced_value": ""}))
