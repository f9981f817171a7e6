import numpy as np
import pint
import pytest

from analysis.cycling import cycle_summary, failure_cycle, rate_capability, retention_at
from analysis.efficiency import average_coulombic_efficiency, cycles_to_reach, initial_coulombic_efficiency
from analysis.units import Q_
from synthetic import cycling_records

MA = 1e-3


def _half_cell(strip_fractions, lithiation_h=0.0):
    """Plating half-cell: cycle 1 may start with a Si lithiation (a discharge to 5 mV)."""
    cycles = []
    for k, f in enumerate(strip_fractions):
        steps = [("CC_DChg", -MA, 3600.0), ("Rest", 0.0, 60), ("CC_Chg", MA, 3600.0 * f)]
        if k == 0 and lithiation_h:
            steps = [("CC_DChg", -MA, 3600.0 * lithiation_h)] + steps
        cycles.append(steps)
    return cycle_summary(cycling_records(cycles, dt=5.0), convention="plating", area=Q_(0.785, "cm^2"))


def test_initial_ce_with_and_without_the_lithiation_capacity():
    summary = _half_cell([0.9, 0.99], lithiation_h=0.25)  # 0.25 mAh lithiation + 1 mAh plated, 0.9 stripped
    assert initial_coulombic_efficiency(summary).to("percent").magnitude == pytest.approx(90 / 1.25, rel=1e-9)
    without = initial_coulombic_efficiency(summary, subtract=Q_(0.25, "mA*h"))
    assert without.to("percent").magnitude == pytest.approx(90.0, rel=1e-9)
    areal = initial_coulombic_efficiency(summary, subtract=Q_(0.25 / 0.785, "mA*h/cm^2"))
    assert areal.to("percent").magnitude == pytest.approx(90.0, rel=1e-9)
    with pytest.raises(ValueError, match="leaves no capacity"):
        initial_coulombic_efficiency(summary, subtract=Q_(5, "mA*h"))
    with pytest.raises(pint.DimensionalityError):
        initial_coulombic_efficiency(summary, subtract=Q_(5, "mA"))


def test_average_ce_and_cycles_to_reach():
    fractions = [0.9, 0.95, 0.98, 0.993, 0.993, 0.999, 0.999, 0.999]
    summary = _half_cell(fractions)
    assert average_coulombic_efficiency(summary, 2, 5).magnitude == pytest.approx(100 * np.mean(fractions[1:5]))
    assert cycles_to_reach(summary, Q_(99.9, "percent")) == 6
    assert cycles_to_reach(summary, Q_(99, "percent"), sustained=3) == 4
    assert cycles_to_reach(summary, Q_(99.99, "percent")) is None
    with pytest.raises(ValueError, match="no Coulombic efficiency"):
        average_coulombic_efficiency(summary, 20, 30)


def test_retention_at_and_rate_capability():
    cycles = [[("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3600.0 * (1 - 0.001 * k))] for k in range(10)]
    summary = cycle_summary(cycling_records(cycles, dt=10.0), convention="full_cell")
    assert retention_at(summary.discharge_capacity, 10, 1).magnitude == pytest.approx(99.1, rel=1e-9)
    caps = Q_([2.8, 2.7, 2.32, 2.13], "mA*h/cm^2")
    rc = rate_capability(caps, [0.05, 0.1, 2, 5], reference_rate=0.05)
    assert rc.magnitude == pytest.approx([100, 100 * 2.7 / 2.8, 100 * 2.32 / 2.8, 100 * 2.13 / 2.8])
    with pytest.raises(ValueError, match="exactly once"):
        rate_capability(caps, [0.05, 0.05, 2, 5], reference_rate=0.05)


def test_failure_cycle_from_capacity_drop_and_from_ce():
    healthy = [[("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3600.0 * 0.99)]] * 21
    shorted = [[("CC_Chg", MA, 3600.0 * 3), ("CC_DChg", -MA, 3600.0 * 0.4)]]  # charge runs on, little comes back
    summary = cycle_summary(cycling_records(healthy + shorted, dt=30.0), convention="full_cell")
    cycle, reason = failure_cycle(summary)
    assert cycle == 22 and "discharge_capacity" in reason
    soft = [[("CC_Chg", MA, 3600.0 * 1.3), ("CC_DChg", -MA, 3600.0 * 0.99)]]  # capacity kept, CE falls
    summary = cycle_summary(cycling_records(healthy + soft, dt=30.0), convention="full_cell")
    cycle, reason = failure_cycle(summary)
    assert cycle == 22 and "Coulombic efficiency" in reason
    assert failure_cycle(cycle_summary(cycling_records(healthy, dt=30.0), convention="full_cell")) is None


def test_failure_cycle_from_voltage_noise():
    from analysis.cycling import voltage_noise

    healthy = [[("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3600.0 * 0.99)]] * 8
    ds = cycling_records(healthy, dt=30.0)
    v = ds["voltage_volt"].data.magnitude.copy()
    rng = np.random.default_rng(1)
    v += rng.normal(0, 2e-5, v.size)  # 0.02 mV of ordinary cycler noise everywhere
    in_cycle_7 = ds["cycle_count"].data.magnitude == 7
    v[in_cycle_7] += rng.normal(0, 2e-3, in_cycle_7.sum())  # a soft short: 2 mV jitter, capacity unchanged
    ds["voltage_volt"] = ("record", v, {"units": "V"})
    summary = cycle_summary(ds, convention="full_cell")
    noise = voltage_noise(ds)
    assert noise.data.to("mV").magnitude[6] > 20 * noise.data.to("mV").magnitude[:6].max()
    assert failure_cycle(summary) is None  # capacity and CE alone see nothing
    cycle, reason = failure_cycle(summary, noise=noise)
    assert cycle == 7 and "voltage noise" in reason
