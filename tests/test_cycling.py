import numpy as np
import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.cycling import cycle_summary, retention, step_table
from analysis.errors import DataError
from analysis.io.core import build_dataset
from analysis.units import Q_
from synthetic import cycling_records

MA = 1e-3  # 1 mA in A


def _full_cell_cycle(cc_h=1.0, cv_fraction=0.25, discharge_h=1.1):
    return [("CC_Chg", MA, 3600 * cc_h), ("CV_Chg", MA, 3600 * cv_fraction), ("Rest", 0.0, 600),
            ("CC_DChg", -MA, 3600 * discharge_h), ("Rest", 0.0, 600)]


def test_cc_cv_charge_is_the_sum_of_both_steps():
    ds = cycling_records([_full_cell_cycle()], dt=1.0)
    summary = cycle_summary(ds, convention="full_cell")
    steps = step_table(ds)
    cc = float(steps.capacity.data[steps.step_type.values == "CC_Chg"][0].to("mA*h").magnitude)
    cv = float(steps.capacity.data[steps.step_type.values == "CV_Chg"][0].to("mA*h").magnitude)
    charge = float(summary.charge_capacity.data[0].to("mA*h").magnitude)
    assert cc == pytest.approx(1.0, rel=1e-9)
    assert cv == pytest.approx(0.25 / 5 * (1 - np.exp(-5)), rel=1e-3)  # integral of the decaying current
    assert charge == pytest.approx(cc + cv, rel=1e-12)
    assert charge > max(cc, cv)  # the "largest value per half-cycle" bug would give cc
    assert float(summary.discharge_capacity.data[0].to("mA*h").magnitude) == pytest.approx(1.1, rel=1e-9)


def test_without_capacity_column_the_current_is_integrated():
    with_q = cycle_summary(cycling_records([_full_cell_cycle()] * 2, dt=1.0), convention="full_cell")
    without = cycle_summary(cycling_records([_full_cell_cycle()] * 2, dt=1.0, with_capacity=False), convention="full_cell")
    np.testing.assert_allclose(without.charge_capacity.data.magnitude, with_q.charge_capacity.data.magnitude, rtol=1e-12)


def test_ce_conventions():
    plating = [("CC_DChg", -MA, 3600.0), ("Rest", 0.0, 60), ("CC_Chg", MA, 3600.0 * 0.993)]  # plate 1, strip 0.993
    ds = cycling_records([plating, plating], dt=5.0)
    half = cycle_summary(ds, convention="plating")
    assert half.coulombic_efficiency.data.to("").magnitude == pytest.approx([0.993, 0.993], rel=1e-9)
    full = cycle_summary(ds, convention="full_cell")
    assert full.coulombic_efficiency.data.to("").magnitude == pytest.approx([1 / 0.993] * 2, rel=1e-9)
    assert half.attrs["ce_definition"].startswith("stripped / plated")
    with pytest.raises(ValueError, match="convention"):
        cycle_summary(ds, convention="anode")


def test_areal_capacity_and_units():
    ds = cycling_records([_full_cell_cycle()], dt=10.0)
    summary = cycle_summary(ds, convention="full_cell", area=Q_(0.785, "cm^2"))
    areal = summary.areal_discharge_capacity.data[0]
    assert areal.check("[current] * [time] / [length] ** 2")
    assert areal.to("mA*h/cm^2").magnitude == pytest.approx(1.1 / 0.785, rel=1e-9)
    with pytest.raises(pint.DimensionalityError):
        cycle_summary(ds, convention="full_cell", area=Q_(1, "cm"))


def test_retention_against_a_reference_cycle():
    fading = [_full_cell_cycle(discharge_h=1.0 - 0.01 * k) for k in range(5)]
    summary = cycle_summary(cycling_records(fading, dt=10.0), convention="full_cell")
    r = retention(summary.discharge_capacity, reference_cycle=1)
    assert r.data.to("").magnitude == pytest.approx([1.0, 0.99, 0.98, 0.97, 0.96], rel=1e-9)
    with pytest.raises(KeyError, match="reference cycle 9"):
        retention(summary.discharge_capacity, reference_cycle=9)


def test_raw_cycle_numbers_are_kept():
    ds = cycling_records([_full_cell_cycle()] * 3, dt=60.0)
    raw = np.repeat([5, 7, 150], ds.sizes["record"] // 3 + 1)[: ds.sizes["record"]]
    ds["cycle_count"] = ("record", raw)
    assert list(cycle_summary(ds, convention="full_cell").cycle.values) == [5, 7, 150]


def test_noise_does_not_bias_capacities():
    clean = cycle_summary(cycling_records([_full_cell_cycle()], dt=1.0), convention="full_cell")
    noisy = cycle_summary(cycling_records([_full_cell_cycle()], dt=1.0, noise=2e-5, with_capacity=False, seed=3),
                          convention="full_cell")
    assert noisy.charge_capacity.data[0].magnitude == pytest.approx(clean.charge_capacity.data[0].magnitude, rel=2e-3)


def test_sign_convention_contradiction_is_refused():
    n = 50
    with pytest.raises(DataError, match=r"column 'current_ampere', row 1: current -0.001 A in a charge step"):
        build_dataset({"test_time_second": np.arange(n, dtype=float), "voltage_volt": np.full(n, 3.7),
                       "current_ampere": np.full(n, -MA), "step_type": np.full(n, "CC_Chg")},
                      source_file="x.csv", format="synthetic", instrument="none", reader="test")


def test_time_going_backwards_is_refused():
    t = np.array([0.0, 1.0, 2.0, 1.5, 3.0])
    with pytest.raises(DataError, match=r"x.csv, column 'test_time_second', row 4: time goes backwards"):
        build_dataset({"test_time_second": t, "voltage_volt": np.ones(5), "current_ampere": np.zeros(5)},
                      source_file="x.csv", format="synthetic", instrument="none", reader="test")


step_strategy = st.tuples(st.sampled_from(["CC_Chg", "CV_Chg", "CC_DChg", "Rest"]),
                          st.floats(1e-5, 5e-3), st.floats(60.0, 7200.0))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(step_strategy, min_size=1, max_size=5), min_size=1, max_size=4))
def test_summary_properties(cycles):
    signed = [[(name, (-1 if "DChg" in name else 0 if name == "Rest" else 1) * i, d) for name, i, d in steps]
              for steps in cycles]
    ds = cycling_records(signed, dt=30.0)
    summary = cycle_summary(ds, convention="full_cell")
    charge = summary.charge_capacity.data
    discharge = summary.discharge_capacity.data
    assert charge.check("[current] * [time]") and discharge.check("[current] * [time]")
    assert np.all(charge.magnitude >= 0) and np.all(discharge.magnitude >= 0)
    steps = step_table(ds)
    total = np.abs(steps.capacity.data.to("mA*h").magnitude)
    moving = steps.direction.values != "rest"
    assert charge.to("mA*h").magnitude.sum() + discharge.to("mA*h").magnitude.sum() == pytest.approx(total[moving].sum())


@settings(max_examples=25, deadline=None)
@given(st.floats(1e-5, 1e-2), st.floats(60.0, 36000.0), st.integers(1, 5))
def test_lossless_cycles_have_unit_efficiency(current, duration, n):
    ds = cycling_records([[("CC_Chg", current, duration), ("CC_DChg", -current, duration)]] * n, dt=duration / 50)
    ce = cycle_summary(ds, convention="full_cell").coulombic_efficiency.data.to("").magnitude
    np.testing.assert_allclose(ce, 1.0, rtol=1e-12)


def test_available_cycles_adds_the_last_cycle_and_says_so():
    from analysis.cycling import available_cycles

    summary = cycle_summary(cycling_records([_full_cell_cycle()] * 4, dt=60.0), convention="full_cell")
    assert available_cycles([1, 3], summary) == ([1, 3], "")
    assert available_cycles([1, 10, 50], summary) == ([1, 4], "cycle(s) 10, 50 not in the data; last cycle 4 shown")
    assert available_cycles([4, 10], summary) == ([4], "cycle(s) 10 not in the data; last cycle 4 shown")


def _symmetric_cell(steps: list[tuple[str, float, float]]):
    """Records of a symmetric cell: per step (label, current A, voltage V), 20 records of 60 s."""
    n = 20
    columns = {"test_time_second": np.arange(n * len(steps)) * 60.0,
               "voltage_volt": np.concatenate([np.linspace(0.0, v, n) for _, _, v in steps]),
               "current_ampere": np.repeat([i for _, i, _ in steps], n),
               "cycle_count": np.ones(n * len(steps), dtype=int),
               "step_count": np.repeat(np.arange(1, len(steps) + 1), n),
               "step_type": np.repeat([label for label, _, _ in steps], n)}
    return build_dataset(columns, source_file="sym.csv", format="synthetic", instrument="none", reader="tests",
                         data_source="reconstructed")


def test_largest_voltage_of_the_first_step_and_of_the_later_ones():
    from analysis.cycling import largest_voltage_first_and_later

    # a rest at 0.5 V between the steps is left out; the first plating dips to -0.2 V
    ds = _symmetric_cell([("Rest", 0.0, 0.5), ("CC_DChg", -1e-4, -0.2), ("Rest", 0.0, 0.5), ("CC_Chg", 1e-4, 0.05),
                          ("CC_DChg", -1e-4, -0.04)])
    first, later = largest_voltage_first_and_later(ds)
    assert first.units == Q_(1, "mV").units and first.magnitude == pytest.approx(200.0)
    assert later.to("V").magnitude == pytest.approx(0.05)
    first, later = largest_voltage_first_and_later(_symmetric_cell([("CC_DChg", -1e-4, -0.03)]))
    assert first == Q_(30.0, "mV") and later is None
    first, later = largest_voltage_first_and_later(_symmetric_cell([("Rest", 0.0, 0.5)]))
    assert first == Q_(0.0, "mV") and later is None
