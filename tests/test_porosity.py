from dataclasses import fields, replace

import numpy as np
import pint
import pytest

from analysis import porosity as P
from analysis.tables import agrees_to_printed_digits
from analysis.units import Q_


def test_porosity_by_hand():
    # 1 mg of a 2 g/cm³ solid in a 10 µm x 1 cm² layer: 0.5e-3 cm³ of 1e-3 cm³ -> 50 %
    por = P.porosity([Q_(1, "mg")], [Q_(2, "g/cm^3")], Q_(10, "um"), Q_(1, "cm^2"))
    assert por.to("percent").magnitude == pytest.approx(50.0)


def test_porosity_is_unit_independent():
    a = P.porosity([Q_(0.15, "mg")], [Q_(2.33, "g/cm^3")], Q_(2, "um"), Q_(0.785, "cm^2"))
    b = P.porosity([Q_(1.5e-7, "kg")], [Q_(2330, "kg/m^3")], Q_(2e-6, "m"), Q_(78.5, "mm^2"))
    assert a.magnitude == pytest.approx(b.magnitude, rel=1e-12)


def test_a_length_where_a_mass_belongs_raises():
    with pytest.raises(pint.DimensionalityError):
        P.porosity([Q_(0.15, "um")], [Q_(2.33, "g/cm^3")], Q_(2, "um"), Q_(0.785, "cm^2"))
    with pytest.raises(pint.DimensionalityError):
        P.layer_volume(Q_(2, "um"), Q_(0.785, "cm"))
    with pytest.raises(TypeError):
        P.solid_volume(0.15, Q_(2.33, "g/cm^3"))


def test_negative_thickness_raises():
    with pytest.raises(ValueError, match="thickness must be positive"):
        P.layer_volume(Q_(-2, "um"), Q_(0.785, "cm^2"))


def test_mismatched_component_lists_raise():
    with pytest.raises(ValueError, match="2 masses but 1"):
        P.porosity([Q_(1, "mg"), Q_(1, "mg")], [Q_(2, "g/cm^3")], Q_(10, "um"), Q_(1, "cm^2"))


def test_table_s2_reproduced_to_every_printed_digit(paper_tables):
    table_s2, reported, constants = paper_tables
    result = P.compute(table_s2, reported, constants, P.Assumptions.table_s2())
    checked = 0
    for layer in P.LAYERS:
        for quantity in P.QUANTITIES[layer]:
            record = table_s2[(layer, quantity)]
            value = result[layer][quantity].to(record.quantity.units).magnitude
            assert agrees_to_printed_digits(value, record.printed), (layer, quantity, value, record.printed)
            checked += 1
    assert checked == 12
    assert result[P.SINP_CNT]["porosity"].to("percent").magnitude == pytest.approx(58.54600554, abs=5e-9)
    assert result[P.LI375SI_CNT]["porosity"].to("percent").magnitude == pytest.approx(11.03553405, abs=5e-9)


def test_main_text_values_follow_from_table_s2(paper_tables):
    table_s2, reported, constants = paper_tables
    result = P.compute(table_s2, reported, constants, P.Assumptions.table_s2())
    for layer, rid in ((P.SINP_CNT, "porosity_sinp_cnt"), (P.LI375SI_CNT, "porosity_li375si_cnt")):
        printed = reported[(rid,)].printed
        assert agrees_to_printed_digits(result[layer]["porosity"].to("percent").magnitude, printed)


def test_other_atomic_weights_do_not_reproduce_table_s2(paper_tables):
    # the inference of 6.941 / 28.0855 g/mol is specific: IUPAC 2021 values miss the printed mass
    table_s2, reported, constants = paper_tables
    iupac = replace(P.Assumptions.table_s2(), atomic_weights="iupac_2021")
    mass = P.compute(table_s2, reported, constants, iupac)[P.LI375SI_CNT]["active_mass"].to("g").magnitude
    assert not agrees_to_printed_digits(mass, table_s2[(P.LI375SI_CNT, "active_mass")].printed)


def test_first_principles_differ_for_named_reasons(paper_tables):
    table_s2, reported, constants = paper_tables
    steps = P.assumption_steps(P.Assumptions())
    labels = [label for label, _ in steps]
    assert labels[0] == "Table S2 arithmetic" and len(steps) == 5
    por = [P.compute(table_s2, reported, constants, a)[P.LI375SI_CNT]["porosity"].to("percent").magnitude
           for _, a in steps]
    # undoing the carbon scaling: 1 - (V_LiSi + V_C) / V  with V_C unscaled
    v = 0.000325 * 0.785
    expected = 100 * (1 - (0.000135 * (28.0855 + 3.75 * 6.941) / 28.0855 / 1.22 + 0.000015 / 2.1) / v)
    assert por[1] == pytest.approx(expected, rel=1e-12)
    assert por[1] - por[0] == pytest.approx(2.59, abs=0.01)
    assert por[3] < por[2]  # the lighter crystallographic density needs more volume
    assert por[-1] == pytest.approx(10.74, abs=0.01)
    # every step changes one field
    for (_, a), (_, b) in zip(steps, steps[1:]):
        assert sum(getattr(a, f.name) != getattr(b, f.name) for f in fields(P.Assumptions)) == 1


def test_loading_variant_uses_the_stated_loading(paper_tables):
    table_s2, reported, constants = paper_tables
    a = P.Assumptions(electrode_loading=Q_(0.21, "mg/cm^2"))
    inputs = P.resolve_inputs(table_s2, reported, constants, a)
    total = (inputs.si_mass + inputs.carbon_mass).to("mg").magnitude
    assert total == pytest.approx(0.21 * np.pi / 4)
    assert (inputs.si_mass / (inputs.si_mass + inputs.carbon_mass)).to("").magnitude == pytest.approx(0.9)


def _sd():
    return P.InputUncertainty(
        sinp_cnt_thickness=Q_(0.2, "um"), li3_75si_cnt_thickness=Q_(0.15, "um"), electrode_mass_relative=0.05,
        carbon_true_density=Q_(0.2, "g/cm^3"), si_true_density=Q_(0.01, "g/cm^3"),
        li3_75si_true_density=Q_(0.04, "g/cm^3"), electrode_area=Q_(0.005, "cm^2"))


def test_monte_carlo_is_seeded_and_agrees_with_linear_propagation(paper_tables):
    table_s2, reported, constants = paper_tables
    a = P.Assumptions.table_s2()
    inputs = P.resolve_inputs(table_s2, reported, constants, a)
    first = P.layer_breakdown(P.sample_inputs(inputs, _sd(), 20000, 7), scale_carbon_volume=True)
    again = P.layer_breakdown(P.sample_inputs(inputs, _sd(), 20000, 7), scale_carbon_volume=True)
    budget = P.uncertainty_budget(inputs, _sd(), scale_carbon_volume=True)
    nominal = P.layer_breakdown(inputs, scale_carbon_volume=True)
    for layer in P.LAYERS:
        samples = first[layer]["porosity"].to("percent")
        np.testing.assert_array_equal(samples.magnitude, again[layer]["porosity"].to("percent").magnitude)
        stats = P.summarize(samples)
        linear = np.sqrt(sum(budget[k][layer].to("percent").magnitude ** 2 for k in budget))
        assert stats["sd"].magnitude == pytest.approx(linear, rel=0.1)
        assert stats["median"].magnitude == pytest.approx(nominal[layer]["porosity"].to("percent").magnitude,
                                                          abs=3 * stats["sd"].magnitude / np.sqrt(20000) * 1.5 + 0.2)
        assert stats["low"] < stats["median"] < stats["high"]


def test_zero_uncertainty_gives_zero_spread(paper_tables):
    table_s2, reported, constants = paper_tables
    inputs = P.resolve_inputs(table_s2, reported, constants, P.Assumptions())
    zero = P.InputUncertainty(Q_(0, "um"), Q_(0, "um"), 0.0, Q_(0, "g/cm^3"), Q_(0, "g/cm^3"), Q_(0, "g/cm^3"), Q_(0, "cm^2"))
    samples = P.layer_breakdown(P.sample_inputs(inputs, zero, 100, 1), scale_carbon_volume=False)
    assert np.ptp(samples[P.LI375SI_CNT]["porosity"].magnitude) == pytest.approx(0, abs=1e-12)


def test_bad_uncertainty_settings_raise():
    with pytest.raises(ValueError):
        replace(_sd(), electrode_mass_relative=1.5)
    with pytest.raises(pint.DimensionalityError):
        replace(_sd(), sinp_cnt_thickness=Q_(0.2, "g"))
    with pytest.raises(ValueError, match="at least 2"):
        P.sample_inputs(None, _sd(), 1, 0)


def test_comparison_rows_cover_every_cell(paper_tables):
    table_s2, reported, constants = paper_tables
    a, f = P.Assumptions.table_s2(), P.Assumptions()
    ia, if_ = (P.resolve_inputs(table_s2, reported, constants, x) for x in (a, f))
    rows = P.comparison_rows(table_s2, (ia, P.layer_breakdown(ia, scale_carbon_volume=True)),
                             (if_, P.layer_breakdown(if_, scale_carbon_volume=False), f))
    assert len(rows) == len(table_s2) == 23
    assert all(r["matches_printed_digits"] for r in rows)
    by_key = {(r["layer"], r["quantity"]): r for r in rows}
    assert by_key[(P.LI375SI_CNT, "carbon_volume_scaled")]["first_principles_value"] == pytest.approx(0.000015 / 2.1)
    assert "crystal" in by_key[(P.LI375SI_CNT, "active_true_density")]["first_principles_basis"]


def test_uncertainty_rows_hold_every_statistic_and_the_settings(paper_tables):
    table_s2, reported, constants = paper_tables
    a = P.Assumptions.table_s2()
    inputs = P.resolve_inputs(table_s2, reported, constants, a)
    nominal = P.layer_breakdown(inputs, scale_carbon_volume=a.scale_carbon_volume)
    methods = {"table_s2_arithmetic": (inputs, a, nominal)}
    rows, intervals = P.uncertainty_rows(methods, _sd(), samples=500, seed=3, level=0.9)
    assert rows == P.uncertainty_rows(methods, _sd(), samples=500, seed=3, level=0.9)[0]  # seeded
    assert all(list(row) == P.UNCERTAINTY_COLUMNS for row in rows)
    draws = P.layer_breakdown(P.sample_inputs(inputs, _sd(), 500, 3), scale_carbon_volume=a.scale_carbon_volume)
    budget = P.uncertainty_budget(inputs, _sd(), scale_carbon_volume=a.scale_carbon_volume)
    for layer in P.LAYERS:
        by_statistic = {r["statistic"]: r["value"] for r in rows if r["layer"] == layer and r["input"] == ""}
        stats = P.summarize(draws[layer]["porosity"].to("percent"), level=0.9)
        assert by_statistic["nominal"] == pytest.approx(nominal[layer]["porosity"].to("percent").magnitude)
        for statistic in ("mean", "sd", "median", "low", "high"):
            assert by_statistic[statistic] == pytest.approx(stats[statistic].magnitude)
        contributions = {r["input"]: r["value"] for r in rows
                         if r["layer"] == layer and r["statistic"] == "linear_sd_contribution"}
        assert set(contributions) == set(budget)
        assert by_statistic["linear_sd"] == pytest.approx(np.sqrt(sum(v ** 2 for v in contributions.values())))
        assert intervals["table_s2_arithmetic"][layer] == pytest.approx(
            tuple(float(by_statistic[k]) for k in ("nominal", "low", "high")))
    settings = {r["statistic"]: r["value"] for r in rows if r["method"] == "assumption" and r["input"] == ""}
    assert settings == {"samples": 500, "seed": 3, "interval_level": 0.9}
    assumed = {r["input"]: (r["value"], r["unit"]) for r in rows if r["statistic"] == "assumed_sd"}
    assert assumed["li3_75si_cnt_thickness"] == (0.15, "µm")
    assert assumed["electrode_mass_relative"] == (0.05, "dimensionless")
