"""Table S1 read with units, joined with its retention entries, shaped for the table and figure."""

import pytest

from analysis.interlayers import formatted_rows, read_table_s1, thickness_vs_retention

PATHS = ("data/paper/table_s1_interlayers.csv", "data/paper/table_s1_retention.csv")


def test_table_s1_rows_and_this_work():
    table = read_table_s1(*PATHS)
    assert len(table) == 14 and [r["row"] for r in table] == list(range(1, 15))
    this = table[0]
    assert this["this_work"] and this["thickness_min"].to("um").magnitude == 3.25
    assert this["ice"].to("percent").magnitude == pytest.approx(92.0)
    assert [(e["cycles"], e["retention"].magnitude) for e in this["retention"]] == [(49, 97.65), (200, 88.9)]
    assert formatted_rows(table)[0]["capacity_retention"] == this["retention_printed"]


def test_points_use_the_geometric_middle_of_a_thickness_range():
    points = thickness_vs_retention(read_table_s1(*PATHS))
    graphite = next(p for p in points if p["interlayer"] == "Graphite")
    assert graphite["thickness"].to("um").magnitude == pytest.approx((30 * 35) ** 0.5)
    assert all(p["retention"].check("[]") for p in points)
    assert sum(p["this_work"] for p in points) == 2


def test_retention_for_an_unknown_interlayer_is_refused(tmp_path):
    bad = tmp_path / "retention.csv"
    text = open(PATHS[1], encoding="utf-8").read().replace("s1_ref2_silver,", "s1_nowhere,", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="unknown interlayer|s1_nowhere"):
        read_table_s1(PATHS[0], bad)
