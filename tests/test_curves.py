"""Voltage curves of steps and cycles (analysis.cycling.step_curve, cycle_curves) on synthetic truth."""

import numpy as np
import pytest

from analysis.cycling import cycle_curves, step_curve, step_table, steps_where
from analysis.units import Q_
from synthetic import cycling_records

# cycle 1: CC charge 1 mA for 1 h then CV; discharge 1 mA for 0.9 h. cycle 2: charge 2 mA 0.5 h, discharge 1 mA 0.5 h
CYCLES = [[("CC_Chg", 1e-3, 3600.0), ("CV_Chg", 1e-3, 1800.0), ("CC_DChg", -1e-3, 3240.0)],
          [("CC_Chg", 2e-3, 1800.0), ("CC_DChg", -1e-3, 1800.0)]]


@pytest.mark.parametrize("with_capacity", [True, False])
def test_step_curve_capacity_and_time(with_capacity):
    ds = cycling_records(CYCLES, with_capacity=with_capacity)
    steps = step_table(ds)
    k = steps_where(steps, direction="discharge", cycle=1)
    assert len(k) == 1
    curve = step_curve(ds, k[0], steps=steps)
    assert curve["capacity"][-1].to("mA*h").magnitude == pytest.approx(0.9, rel=1e-6)
    assert curve["time"][0].magnitude == 0 and curve["time"][-1].to("h").magnitude == pytest.approx(0.9)
    assert np.all(np.diff(curve["capacity"].magnitude) >= 0)
    areal = step_curve(ds, k[0], area=Q_(0.5, "cm^2"), steps=steps)
    assert areal["capacity"][-1].to("mA*h/cm^2").magnitude == pytest.approx(1.8, rel=1e-6)


def test_cycle_curves_join_cc_and_cv():
    ds = cycling_records(CYCLES)
    curves = cycle_curves(ds, 1)
    cv = 1.0 * 0.5 / 5 * (1 - np.exp(-5))  # mAh of the exponential CV step (tau = duration / 5)
    assert curves["charge"]["capacity"][-1].to("mA*h").magnitude == pytest.approx(1.0 + cv, rel=1e-3)
    assert np.all(np.diff(curves["charge"]["capacity"].magnitude) >= -1e-12)
    assert np.all(np.diff(curves["charge"]["time"].magnitude) >= 0)
    assert set(cycle_curves(ds, 2)) == {"charge", "discharge"}


def test_errors():
    ds = cycling_records(CYCLES)
    with pytest.raises(KeyError):
        cycle_curves(ds, 7)
    with pytest.raises(IndexError):
        step_curve(ds, 99)
    with pytest.raises(Exception):
        step_curve(ds, 0, area=Q_(1, "cm"))  # an area must be an area
