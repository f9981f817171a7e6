import numpy as np
import pint
import pytest

from analysis.overpotential import nucleation_dips
from analysis.units import Q_


def plating_curve(dips, *, n=4000, span=2.0, plateau=-0.010, width=0.02, noise=0.0, seed=0):
    """Voltage vs plated capacity (mAh/cm²): a plateau with Gaussian-shaped dips of known depth."""
    x = np.linspace(0.0, span, n)
    v = np.full(n, plateau)
    for position, depth in dips:
        v -= depth * np.exp(-0.5 * ((x - position) / width) ** 2)
    v += np.random.default_rng(seed).normal(0.0, noise, n)
    return Q_(x, "mA*h/cm^2"), Q_(v, "V")


KW = dict(search_window=(Q_(0, "mA*h/cm^2"), Q_(1.0, "mA*h/cm^2")), plateau_offset=Q_(0.1, "mA*h/cm^2"),
          plateau_length=Q_(0.2, "mA*h/cm^2"), min_depth=Q_(0.5, "mV"))


def test_one_dip_depth_and_position():
    x, v = plating_curve([(0.05, 0.0142)])
    (dip,) = nucleation_dips(x, v, **KW)
    assert dip.overpotential.to("mV").magnitude == pytest.approx(14.2, abs=0.05)
    assert dip.position.to("mA*h/cm^2").magnitude == pytest.approx(0.05, abs=0.002)
    assert dip.plateau_voltage.to("mV").magnitude == pytest.approx(-10.0, abs=0.01)


def test_two_dips_like_the_interlayer_cell():
    x, v = plating_curve([(0.03, 0.0015), (0.10, 0.0030)], width=0.005)
    dips = nucleation_dips(x, v, **{**KW, "plateau_offset": Q_(0.03, "mA*h/cm^2"), "plateau_length": Q_(0.05, "mA*h/cm^2")})
    assert [round(float(d.position.magnitude), 2) for d in dips] == [0.03, 0.10]
    assert [d.overpotential.to("mV").magnitude for d in dips] == pytest.approx([1.5, 3.0], abs=0.05)


@pytest.mark.parametrize("seed", range(5))
def test_robust_to_cycler_noise(seed):
    x, v = plating_curve([(0.05, 0.0142)], noise=0.0003, seed=seed)  # 0.3 mV noise
    dips = nucleation_dips(x, v, **{**KW, "smooth_points": 15, "min_depth": Q_(2, "mV")})
    assert len(dips) == 1
    assert dips[0].overpotential.to("mV").magnitude == pytest.approx(14.2, abs=0.6)


def test_coarse_sampling_still_finds_the_dip():
    x, v = plating_curve([(0.05, 0.0142)], n=400, width=0.03)
    (dip,) = nucleation_dips(x, v, **KW)
    assert dip.overpotential.to("mV").magnitude == pytest.approx(14.2, abs=0.3)


def test_flat_curve_has_no_dip():
    x, v = plating_curve([], noise=0.0001)
    assert nucleation_dips(x, v, **{**KW, "smooth_points": 9}) == []


def test_units_are_checked():
    x, v = plating_curve([(0.05, 0.0142)])
    with pytest.raises(pint.DimensionalityError):
        nucleation_dips(x, Q_(v.magnitude, "A"), **KW)
    with pytest.raises(pint.DimensionalityError):
        nucleation_dips(x, v, **{**KW, "plateau_offset": Q_(1, "h")})
    t = Q_(np.linspace(0, 3600, 4000), "s")  # time as abscissa works with time windows
    dips = nucleation_dips(t, v, search_window=(Q_(0, "s"), Q_(1800, "s")), plateau_offset=Q_(180, "s"),
                           plateau_length=Q_(360, "s"), min_depth=Q_(0.5, "mV"))
    assert dips and dips[0].position.check("[time]")
