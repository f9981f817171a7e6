"""dQ/dV: a known plateau gives its peak, the area is the capacity passed, units are checked."""

from __future__ import annotations

import numpy as np
import pint
import pytest

from analysis.cycling import cycle_summary
from analysis.dqdv import cycle_dqdv, differential_capacity, half_cycle_curve
from analysis.io.core import build_dataset
from analysis.units import Q_

Q0, V0, W = 2.0, 3.70, 0.020  # mAh, V, V: a single two-phase plateau


def plateau_curve(n: int = 3000, *, discharge: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Capacity passed (mAh) and voltage (V) of Q(V) = Q0 / (1 + exp((V − V0)/W)) at constant current.

    dQ/dV of this curve peaks at V0 with height Q0/(4W); on a discharge the voltage falls as
    capacity is passed, on a charge it rises.
    """
    q = Q0 * np.linspace(0.0005, 0.9995, n)
    v = V0 + W * np.log(Q0 / q - 1.0)
    if not discharge:
        v = 2 * V0 - v
    return q, v


def test_peak_at_the_plateau_and_area_equal_to_the_capacity():
    q, v = plateau_curve()
    centres, dqdv = differential_capacity(Q_(v, "V"), Q_(q, "mA*h"), resolution=Q_(2, "mV"), smoothing=Q_(4, "mV"))
    peak = centres[np.argmax(dqdv.magnitude)]
    assert abs((peak - Q_(V0, "V")).to("mV").magnitude) <= 1.0 + 1e-9  # V0 is a bin edge: half a bin
    area = (dqdv * Q_(2, "mV")).sum().to("mA*h")
    assert area.magnitude == pytest.approx(q[-1] - q[0], rel=0.01)
    # Gaussian smoothing of σ = 4 mV lowers a sech² peak of width W = 20 mV by a few percent only
    assert dqdv.max().to("mA*h/V").magnitude == pytest.approx(Q0 / (4 * W), rel=0.05)


def test_without_smoothing_the_histogram_is_the_exact_derivative():
    q, v = plateau_curve(n=20000)
    centres, dqdv = differential_capacity(Q_(v, "V"), Q_(q, "mA*h"), resolution=Q_(1, "mV"), smoothing=Q_(0, "V"))
    x = (centres.to("V").magnitude - V0) / W
    exact = Q0 / (4 * W) / np.cosh(x / 2) ** 2  # |dQ/dV| of the logistic curve
    inside = np.abs(x) < 5
    np.testing.assert_allclose(dqdv.magnitude[inside], exact[inside], rtol=0.01, atol=0.002 * Q0 / (4 * W))


def test_units_and_smoothing_keep_the_area():
    q, v = plateau_curve(discharge=False)
    for smoothing in (Q_(0, "mV"), Q_(10, "mV"), Q_(0.05, "V")):
        centres, dqdv = differential_capacity(Q_(v * 1000, "mV"), Q_(q / 1000, "A*h"), smoothing=smoothing)
        assert centres.check("[electric_potential]") and dqdv.units == Q_(1, "mA*h/V").units
        area = (dqdv * Q_(5, "mV")).sum().to("A*h").magnitude
        assert area == pytest.approx((q[-1] - q[0]) / 1000, rel=1e-9)
        assert np.all(dqdv.magnitude >= 0)


def test_capacity_at_constant_voltage_lands_in_one_bin():
    v = np.array([3.0, 3.0, 3.0])
    q = np.array([0.0, 0.4, 1.0])
    centres, dqdv = differential_capacity(Q_(v, "V"), Q_(q, "mA*h"), resolution=Q_(10, "mV"), smoothing=Q_(0, "V"))
    assert np.count_nonzero(dqdv.magnitude) == 1
    assert centres[np.argmax(dqdv.magnitude)].to("V").magnitude == pytest.approx(3.005)
    assert dqdv.max().to("mA*h/V").magnitude == pytest.approx(1.0 / 0.010)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"voltage": Q_([1.0, 2.0], "mA*h")}, pint.DimensionalityError),
        ({"capacity": Q_([0.0, 1.0], "V")}, pint.DimensionalityError),
        ({"resolution": Q_(5, "mA")}, pint.DimensionalityError),
        ({"smoothing": Q_(5, "s")}, pint.DimensionalityError),
        ({"voltage": np.array([3.0, 3.1])}, TypeError),
        ({"resolution": Q_(0, "mV")}, ValueError),
        ({"smoothing": Q_(-1, "mV")}, ValueError),
        ({"capacity": Q_([1.0, 0.0], "mA*h")}, ValueError),
        ({"voltage": Q_([3.0, 3.1, 3.2], "V")}, ValueError),
    ],
)
def test_bad_arguments_raise(kwargs, error):
    arguments = {"voltage": Q_([3.0, 3.1], "V"), "capacity": Q_([0.0, 1.0], "mA*h"), **kwargs}
    with pytest.raises(error):
        differential_capacity(arguments.pop("voltage"), arguments.pop("capacity"), **arguments)


def two_cycle_dataset(with_capacity: bool) -> "xr.Dataset":  # noqa: F821
    """Two cycles of CC charge, rest, CC discharge over the plateau, 1 mA, records every 10 s."""
    q, v_dis = plateau_curve(n=721)  # 2 mAh at 1 mA: 7200 s
    _, v_chg = plateau_curve(n=721, discharge=False)
    dt = 7200 / 720
    t, volts, amps, cyc, step, label, cap = [], [], [], [], [], [], []
    t0, n = 0.0, 0
    for c in (1, 2):
        for name, current, voltage in (("CC_Chg", 1e-3, v_chg), ("Rest", 0.0, np.full(10, v_chg[-1])),
                                       ("CC_DChg", -1e-3, v_dis)):
            n += 1
            times = dt * np.arange(voltage.size)
            t.append(t0 + times)
            volts.append(voltage)
            amps.append(np.full(voltage.size, current))
            cyc.append(np.full(voltage.size, c))
            step.append(np.full(voltage.size, n))
            label.append(np.full(voltage.size, name))
            cap.append(current * times / 3600)
            t0 += times[-1] + dt
    columns = {"test_time_second": np.concatenate(t), "voltage_volt": np.concatenate(volts),
               "current_ampere": np.concatenate(amps), "cycle_count": np.concatenate(cyc),
               "step_count": np.concatenate(step), "step_type": np.concatenate(label)}
    if with_capacity:
        columns["step_net_capacity_ah"] = np.concatenate(cap)
    return build_dataset(columns, source_file="plateau.csv", format="synthetic", instrument="none",
                         reader="tests.test_dqdv", data_source="measured")


@pytest.mark.parametrize("with_capacity", [True, False], ids=["capacity column", "current integral"])
def test_cycle_dqdv_of_a_dataset_matches_the_cycle_summary(with_capacity):
    ds = two_cycle_dataset(with_capacity)
    summary = cycle_summary(ds, convention="full_cell")
    for direction, name in (("charge", "charge_capacity"), ("discharge", "discharge_capacity")):
        voltage, capacity = half_cycle_curve(ds, 2, direction)
        assert capacity[0].magnitude == 0 and np.all(np.diff(capacity.magnitude) >= 0)
        result = cycle_dqdv(ds, 2, direction, resolution=Q_(2, "mV"), smoothing=Q_(2, "mV"))
        assert result.attrs["direction"] == direction and result.attrs["cycle"] == 2
        area = (result["dqdv"].data * Q_(2, "mV")).sum().to("mA*h")
        expected = summary[name].sel(cycle=2).data.to("mA*h")
        assert area.magnitude == pytest.approx(expected.magnitude, rel=0.01)
        peak = result["voltage"].data.to("V").magnitude[int(np.argmax(result["dqdv"].data.magnitude))]
        assert peak == pytest.approx(V0, abs=0.002)  # both halves are mirror images about V0
    with pytest.raises(KeyError, match="cycle 3 has no charge step"):
        half_cycle_curve(ds, 3, "charge")
    with pytest.raises(ValueError, match="direction"):
        half_cycle_curve(ds, 1, "rest")
