"""The consistency audit: each check by hand, the verdict thresholds at their edges, units enforced,
and the notebook run once with other parameters."""

from __future__ import annotations

import ast
import csv
import json
import math
from pathlib import Path

import nbformat
import pint
import pytest

from analysis import audit as A
from analysis.units import Q_

ROOT = Path(__file__).resolve().parents[1]
F = 1.602176634e-19 * 6.02214076e23  # C/mol: e·N_A, exact since the 2019 SI (96485.332 C/mol)
M_LI, M_SI = 6.94, 28.085  # g/mol, IUPAC 2021 (data/reference/constants.csv)
LI15SI4_MAH_PER_G_SI = 3.75 * F / M_SI / 3.6  # 3578.9 mAh/g


def rel(computed: float, stated: float) -> float:
    return (computed - stated) / stated


@pytest.fixture(scope="module")
def data() -> A.PaperData:
    paper = ROOT / "data" / "paper"
    return A.load_paper_data(
        reported=paper / "reported_values.csv", table_s2=paper / "table_s2_porosity.csv",
        constants=ROOT / "data" / "reference" / "constants.csv", protocols=paper / "protocols.csv",
        cell_properties=paper / "cell_properties.csv", table_s1=paper / "table_s1_interlayers.csv",
        table_s1_retention=paper / "table_s1_retention.csv", datapackage=ROOT / "data" / "datapackage.json")


@pytest.fixture(scope="module")
def checks(data) -> dict[str, A.Check]:
    return {c.check_id: c for c in A.run_audit(data)}


# --------------------------------------------------------------------------------------------
# Each check by hand
# --------------------------------------------------------------------------------------------
def test_capacity_from_current_by_hand():
    # 0.13 mA/cm² × 20 h = 2.6 mAh/cm² vs 2.55 -> 0.05 / 2.55 = 1.96 % -> consistent
    c = A.check_areal_capacity_from_current("x", Q_(-0.13, "mA/cm^2"), Q_(20, "h"), Q_(2.55, "mAh/cm^2"))
    assert c.computed_value == pytest.approx(2.6)
    assert c.relative_difference == pytest.approx(0.05 / 2.55)
    assert 100 * c.relative_difference == pytest.approx(1.96, abs=0.005)
    assert c.verdict == "consistent" and c.unit == "mAh/cm**2"  # unit of a bare quantity, written out
    assert "magnitudes" in c.assumptions  # the plating current is printed negative


def test_capacity_from_current_is_unit_independent():
    a = A.check_areal_capacity_from_current("a", Q_(0.92, "mA/cm^2"), Q_(3.3, "h"), Q_(3.0, "mAh/cm^2"))
    b = A.check_areal_capacity_from_current("b", Q_(9.2, "A/m^2"), Q_(198, "min"), Q_(3.0, "mAh/cm^2"))
    assert a.relative_difference == pytest.approx(b.relative_difference, rel=1e-12)
    assert a.relative_difference == pytest.approx(0.036 / 3.0)


def test_every_protocol_step_with_current_duration_and_capacity_is_checked(data, checks):
    steps = [r for r in data.protocols if r["current_density"] and r["duration"] and r["areal_capacity"]]
    assert len(steps) == 9
    for r in steps:
        c = checks[f"capacity_from_current__{r['id']}"]
        expected = abs(float(r["current_density"])) * float(r["duration"])
        assert c.computed_value == pytest.approx(expected)
        assert c.stated_value == pytest.approx(abs(float(r["areal_capacity"])))
    assert checks["capacity_from_current__hc_li375si_cnt_sec22__s2"].relative_difference == pytest.approx(0.05 / 2.55)
    assert checks["capacity_from_current__hc_li375si_cnt_exp__s4"].relative_difference == pytest.approx(0.012)
    assert checks["capacity_from_current__hc_sus_exp__s3"].relative_difference == pytest.approx(-0.01)


def test_si_lithiation_capacity_from_loading(checks):
    # 0.21 mg/cm² × 90 % × 3.75 F / M(Si) = 0.676 mAh/cm² vs 0.68
    expected = 0.21e-3 * 0.90 * LI15SI4_MAH_PER_G_SI
    c = checks["si_lithiation__capacity_from_loading"]
    assert LI15SI4_MAH_PER_G_SI == pytest.approx(3579, abs=0.5)
    assert c.computed_value == pytest.approx(expected, rel=1e-9)
    assert c.relative_difference == pytest.approx(rel(expected, 0.68), rel=1e-9)
    assert c.verdict == "consistent"


def test_si_lithiation_capacity_from_table_s2_mass(checks):
    expected = 0.000135 / 0.785 * LI15SI4_MAH_PER_G_SI  # 0.615 mAh/cm²
    c = checks["si_lithiation__capacity_from_table_s2"]
    assert c.computed_value == pytest.approx(expected, rel=1e-9)
    assert 100 * c.relative_difference == pytest.approx(-9.5, abs=0.01)
    assert c.verdict == "minor"


def test_si_lithiation_capacity_from_c_rate(checks):
    c = checks["si_lithiation__capacity_from_c_rate"]
    assert c.computed_value == pytest.approx(0.3 / 0.45)
    assert c.relative_difference == pytest.approx(rel(0.3 / 0.45, 0.68))
    assert c.verdict == "consistent"


def test_table_s2_reproduced_and_recomputed(checks):
    for layer, printed in (("sinp_cnt", 58.54600554), ("li375si_cnt", 11.03553405)):
        c = checks[f"table_s2__porosity_{layer}_reproduced"]
        assert c.computed_value == pytest.approx(printed, abs=5e-9)
        assert "23 of 23" in c.description
    assert checks["table_s2__porosity_sinp_cnt_first_principles"].verdict == "consistent"
    fp = checks["table_s2__porosity_li375si_cnt_first_principles"]
    assert fp.stated_value == 11.0 and fp.computed_value == pytest.approx(10.74, abs=0.01)


def test_table_s2_inputs(checks):
    carbon = checks["table_s2__carbon_volume_lithiated_layer"]
    assert carbon.computed_value == pytest.approx(0.000015 / 2.1)
    assert carbon.relative_difference == pytest.approx(rel(0.000015 / 2.1, 1.37626e-5))
    assert carbon.verdict == "inconsistent"
    area = checks["table_s2__electrode_area"]
    assert area.computed_value == pytest.approx(math.pi / 4)
    assert area.verdict == "consistent"
    density = checks["table_s2__li375si_true_density"]
    z_m = 4 * (15 * M_LI + 4 * M_SI)
    expected = z_m / (6.02214076e23 * (10.685e-8) ** 3)  # g/cm³
    assert density.computed_value == pytest.approx(expected, rel=1e-9)
    assert density.relative_difference == pytest.approx(rel(expected, 1.22), rel=1e-9)
    assert density.verdict == "minor"


def test_cathode_currents_and_capacities(checks):
    capacity = 20e-3 * 0.67 * 207.8  # mAh/cm² from 20 mg/cm² × 67 % × 207.8 mAh/g = 2.785
    for check_id, c_rate, stated in (("cathode__current_0p1c", 0.1, 0.28), ("cathode__current_0p35c", 0.35, 0.98)):
        c = checks[check_id]
        assert c.computed_value == pytest.approx(capacity * c_rate)
        assert c.relative_difference == pytest.approx(rel(capacity * c_rate, stated))
        assert c.verdict == "consistent"
    agree = checks["cathode__c_rate_currents_agree"]
    assert agree.computed_value == pytest.approx(0.28 * 0.35 / 0.1) and agree.relative_difference == pytest.approx(0, abs=1e-12)
    ratio = checks["cathode__capacity_20c_vs_60c"]
    assert ratio.computed_value == pytest.approx(0.858 * capacity)
    assert ratio.relative_difference == pytest.approx(rel(0.858 * capacity, 2.4))
    assert ratio.verdict == "consistent"


def test_li_metal_and_foil_inventory(checks):
    li = F / M_LI / 3.6  # 3861.9 mAh/g
    c = checks["li_inventory__li_specific_capacity"]
    assert c.computed_value == pytest.approx(li) and c.relative_difference == pytest.approx(rel(li, 3860))
    foil = 30e-4 * 0.534 * li  # cm × g/cm³ × mAh/g = 6.19 mAh/cm²
    covers = checks["li_inventory__foil_covers_si_lithiation"]
    assert covers.relation == "at_least" and covers.computed_value == pytest.approx(foil)
    assert covers.verdict == "consistent"
    np_ratio = checks["li_inventory__np_ratio"]
    assert np_ratio.computed_value == pytest.approx((foil - 0.68) / (0.28 / 0.1))
    assert np_ratio.computed_value == pytest.approx(1.97, abs=0.01)
    assert np_ratio.verdict == "consistent"


def test_li_density_comes_from_constants_when_listed():
    from analysis.tables import Record

    listed = {("li_metal_density",): Record(quantity=Q_(0.535, "g/cm^3"), printed="0.535", row=1,
                                            fields={"unit": "g/cm^3", "source": "a handbook"})}
    assert A.li_metal_density(listed).quantity.magnitude == pytest.approx(0.535)
    assert A.li_metal_density({}).quantity == A.LI_METAL_DENSITY
    assert "CRC" in A.li_metal_density({}).location


def test_thickness_from_volume_expansion_by_hand(checks):
    f_si = (0.9 / 2.33) / (0.9 / 2.33 + 0.1 / 2.1)  # Si share of the solid volume
    mass_ratio = (M_SI + 3.75 * M_LI) / M_SI
    for check_id, rho in (("thickness__from_expansion_crystallographic_density",
                           4 * (15 * M_LI + 4 * M_SI) / (6.02214076e23 * (10.685e-8) ** 3)),
                          ("thickness__from_expansion_table_s2_density", 1.22)):
        expansion = mass_ratio * 2.33 / rho
        expected = 2 * (1 - 0.585) * (f_si * expansion + 1 - f_si) / (1 - 0.110)
        c = checks[check_id]
        assert c.computed_value == pytest.approx(expected, rel=1e-9), check_id
        assert c.relative_difference == pytest.approx(rel(expected, 3.25), rel=1e-9)
    assert checks["thickness__from_expansion_crystallographic_density"].verdict == "consistent"
    assert checks["thickness__from_expansion_table_s2_density"].verdict == "minor"


def test_lithiated_thickness_conserves_solid_volume():
    # no expansion, no porosity change: the thickness stays
    t = A.lithiated_thickness(Q_(2, "um"), Q_(58.5, "percent"), Q_(58.5, "percent"), Q_(90, "percent"),
                              Q_(2.33, "g/cm^3"), Q_(2.1, "g/cm^3"), Q_(1, "dimensionless"))
    assert t.to("um").magnitude == pytest.approx(2)


def test_every_recorded_conflict_is_reported_with_its_relative_difference(data, checks):
    pairs = A.conflict_pairs(data.reported)
    assert len(pairs) == 13
    links = {(row.fields["conflicts_with"], key[0]) for key, row in data.reported.items() if row.fields["conflicts_with"]}
    for ids, value_id in links:
        for other in ids.split(";"):
            assert (value_id, other) in pairs or (other, value_id) in pairs
    for a, b in pairs:
        assert f"conflict__{a}__vs__{b}" in checks
    current = checks["conflict__plating_current_density_hc_il_sec22__vs__plating_current_density_hc_si_cycle1_exp"]
    assert current.relative_difference == pytest.approx(rel(0.3, 0.13)) and current.verdict == "inconsistent"
    loading = checks["conflict__loading_sinp_cnt__vs__loading_sinp_cnt_table_s2"]
    assert loading.relative_difference == pytest.approx(rel(0.1911, 0.21)) and loading.verdict == "minor"
    temperature = checks["conflict__temperature_fc_il_low__vs__temperature_fc_il_low_table_s1"]
    assert temperature.relative_difference == pytest.approx(0.25)  # on the Celsius scale, as printed
    assert "temperature_celsius" in temperature.assumptions and temperature.verdict == "inconsistent"
    sus = checks["conflict__plating_areal_capacity_hc_sus_fig3b__vs__areal_capacity_hc_ref_exp"]
    assert sus.stated_value == 2.55 and sus.relative_difference == pytest.approx(rel(1.0, 2.55))


def test_same_quantity_in_other_units_and_as_a_bound(checks):
    mv = checks["printing__lithiation_cutoff_voltage_hc__vs__lithiation_cutoff_voltage_hc_exp"]
    assert mv.computed_value == pytest.approx(5) and mv.unit == "mV" and mv.verdict == "consistent"
    thickness = checks["printing__thickness_li375si_cnt__vs__table_s2"]
    assert thickness.computed_value == pytest.approx(3.25)  # 0.000325 cm in µm
    ratio = checks["printing__nucleation_overpotential_ratio"]
    assert ratio.relation == "at_most" and ratio.computed_value == pytest.approx(14.2 / 1.5)
    assert ratio.verdict == "consistent"  # 9.47 is 'almost ten'
    for c in checks.values():
        if c.check_id.endswith("__vs__table_s1"):
            assert c.verdict == "consistent", c.check_id  # the 25 °C is a conflict check, not here


def test_ratio_bound_exceeded_is_graded():
    stated = A.Given(name="ratio", quantity=Q_(9, "dimensionless"), qualifier="<≈")
    c = A.check_ratio("r", Q_(14.2, "mV"), Q_(1.5, "mV"), stated, label="r", description="r")
    assert c.relation == "at_most" and c.relative_difference == pytest.approx(rel(14.2 / 1.5, 9))
    assert c.verdict == "minor"


# --------------------------------------------------------------------------------------------
# Verdict thresholds at their edges
# --------------------------------------------------------------------------------------------
def test_threshold_constants():
    assert (A.CONSISTENT_MAX, A.MINOR_MAX) == (0.02, 0.10)
    assert A.DEFAULT_THRESHOLDS == A.Thresholds(consistent=0.02, minor=0.10)


@pytest.mark.parametrize(("difference", "verdict"), [
    (0.0, "consistent"), (0.02, "consistent"), (-0.02, "consistent"), (0.0200001, "minor"), (-0.0200001, "minor"),
    (0.10, "minor"), (-0.10, "minor"), (0.1000001, "inconsistent"), (-0.1000001, "inconsistent"), (3.0, "inconsistent"),
])
def test_classify_equal_at_the_edges(difference, verdict):
    assert A.classify(difference) == verdict


@pytest.mark.parametrize(("relation", "difference", "verdict"), [
    ("at_least", 8.0, "consistent"), ("at_least", 0.0, "consistent"), ("at_least", -0.02, "consistent"),
    ("at_least", -0.05, "minor"), ("at_least", -0.5, "inconsistent"),
    ("at_most", -0.9, "consistent"), ("at_most", 0.10, "minor"), ("at_most", 0.2, "inconsistent"),
])
def test_classify_bounds(relation, difference, verdict):
    assert A.classify(difference, relation=relation) == verdict


@pytest.mark.parametrize(("computed", "verdict"), [(102, "consistent"), (98, "consistent"), (102.001, "minor"),
                                                   (110, "minor"), (90, "minor"), (110.001, "inconsistent")])
def test_check_verdict_at_the_edges(computed, verdict):
    stated = A.Given(name="x", quantity=Q_(100, "mAh/cm^2"))
    c = A.check_same_quantity("edge", stated, A.Given(name="y", quantity=Q_(computed, "mAh/cm^2")))
    assert c.verdict == verdict


def test_other_thresholds_change_the_verdict():
    c = A.check_areal_capacity_from_current("x", Q_(0.13, "mA/cm^2"), Q_(20, "h"), Q_(2.55, "mAh/cm^2"))
    assert c.verdict == "consistent"
    assert c.with_thresholds(A.Thresholds(consistent=0.01, minor=0.05)).verdict == "minor"
    assert c.with_thresholds(A.Thresholds(consistent=0.005, minor=0.01)).verdict == "inconsistent"
    with pytest.raises(ValueError, match="consistent <= minor"):
        A.Thresholds(consistent=0.10, minor=0.02)


# --------------------------------------------------------------------------------------------
# Units are enforced
# --------------------------------------------------------------------------------------------
def test_a_current_where_a_current_density_belongs_raises():
    with pytest.raises(pint.DimensionalityError):
        A.check_areal_capacity_from_current("x", Q_(0.13, "mA"), Q_(20, "h"), Q_(2.55, "mAh/cm^2"))
    with pytest.raises(pint.DimensionalityError):
        A.check_areal_capacity_from_current("x", Q_(0.13, "mA/cm^2"), Q_(20, "cm"), Q_(2.55, "mAh/cm^2"))
    with pytest.raises(pint.DimensionalityError):
        A.check_si_lithiation_from_loading(Q_(0.21, "mg"), Q_(90, "percent"), Q_(M_SI, "g/mol"), Q_(0.68, "mAh/cm^2"))
    with pytest.raises(pint.DimensionalityError):
        A.check_same_quantity("x", A.Given(name="a", quantity=Q_(3.25, "um")), A.Given(name="b", quantity=Q_(3.25, "mAh")))
    with pytest.raises(TypeError):
        A.check_areal_capacity_from_current("x", 0.13, Q_(20, "h"), Q_(2.55, "mAh/cm^2"))


def test_check_refuses_unknown_assumptions_and_zero_stated():
    g = A.Given(name="a", quantity=Q_(1, "um"))
    with pytest.raises(ValueError, match="unknown assumption"):
        A.Check("x", "g", "l", "d", stated=g, computed=Q_(1, "um"), assumptions=("made_up",))
    with pytest.raises(ValueError, match="non-zero"):
        A.Check("x", "g", "l", "d", stated=A.Given(name="z", quantity=Q_(0, "um")), computed=Q_(1, "um"))


# --------------------------------------------------------------------------------------------
# The whole audit and its table
# --------------------------------------------------------------------------------------------
def test_audit_table_rows(data):
    run = A.run_audit(data)
    rows = A.table_rows(run)
    assert [r["check_id"] for r in rows] == sorted(r["check_id"] for r in rows)
    assert len({r["check_id"] for r in rows}) == len(rows) == len({r["label"] for r in rows})
    for r in rows:
        assert list(r) == A.TABLE_COLUMNS
        for column in ("stated_value", "computed_value", "relative_difference_percent"):
            assert math.isfinite(r[column]), (r["check_id"], column)
        assert r["verdict"] in A.VERDICTS and r["unit"] and r["stated"]
    assert {r["group"] for r in rows} == set(A.GROUP_TITLES)
    counts = A.verdict_counts(run)
    assert sum(counts.values()) == len(rows) and counts["inconsistent"] >= 13


def test_workflow_config_matches_notebook_parameters():
    import yaml

    nb = nbformat.read(ROOT / "notebooks/consistency_audit.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = {node.targets[0].id for node in ast.parse(cell.source).body}
    assert {"table_out", "figure_png", "consistent_max_percent", "minor_max_percent"} <= names
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    if "audit" in config:  # once the workflow has the audit's config section
        assert set(config["audit"]) <= names, sorted(set(config["audit"]) - names)


@pytest.mark.slow
def test_audit_notebook_runs_with_other_parameters(tmp_path, data):
    import papermill

    out = {"table_out": str(tmp_path / "audit.csv"), "figure_png": str(tmp_path / "audit.png")}
    parameters = {**out, "consistent_max_percent": 1.0, "minor_max_percent": 5.0}
    repository_table = ROOT / "tables/consistency_audit.csv"
    before = repository_table.stat().st_mtime_ns if repository_table.exists() else None
    papermill.execute_notebook(str(ROOT / "notebooks/consistency_audit.ipynb"), str(tmp_path / "run.ipynb"),
                               parameters=parameters, kernel_name="python3", cwd=str(ROOT), progress_bar=False)
    with open(out["table_out"], encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == A.TABLE_COLUMNS
        rows = list(reader)
    expected = A.run_audit(data, A.Thresholds(consistent=0.01, minor=0.05))
    assert [r["check_id"] for r in rows] == [c.check_id for c in expected]  # every check, sorted
    for row, check in zip(rows, expected):
        for column in A.TABLE_COLUMNS[:-1]:
            assert row[column] != "", (row["check_id"], column)
        for column in ("stated_value", "computed_value", "relative_difference_percent"):
            assert math.isfinite(float(row[column])), (row["check_id"], column)  # no NaN, no inf
        assert row["verdict"] == check.verdict
    by_id = {r["check_id"]: r for r in rows}
    assert by_id["capacity_from_current__hc_li375si_cnt_sec22__s2"]["verdict"] == "minor"  # 1.96 % > 1 %
    assert by_id["si_lithiation__capacity_from_table_s2"]["verdict"] == "inconsistent"  # 9.5 % > 5 %
    assert (tmp_path / "audit.png").stat().st_size > 10_000
    assert (tmp_path / "audit.svg").read_text(encoding="utf-8").startswith("<?xml")
    executed = json.loads((tmp_path / "run.ipynb").read_text(encoding="utf-8"))
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    after = repository_table.stat().st_mtime_ns if repository_table.exists() else None
    assert after == before  # the outputs went to tmp_path only
