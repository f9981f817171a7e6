import numpy as np
import pint
import pytest

from analysis.reconstruct import physics as P
from analysis.units import Q_


def test_ohmic_and_charge_transfer_are_signed_and_unit_checked():
    assert P.ohmic_drop(Q_(-0.5, "mA/cm^2"), Q_(20, "ohm*cm^2")).to("mV").magnitude == pytest.approx(-10)
    eta = P.charge_transfer_overpotential(Q_(1, "mA/cm^2"), Q_(1, "mA/cm^2"), Q_(298.15, "K"))
    assert eta.to("mV").magnitude == pytest.approx(2 * 8.314462618 * 298.15 / 96485.33212 * np.arcsinh(0.5) * 1e3, rel=1e-6)
    assert P.charge_transfer_overpotential(Q_(-1, "mA/cm^2"), Q_(1, "mA/cm^2"), Q_(25, "degC")).magnitude < 0
    with pytest.raises(pint.DimensionalityError):
        P.ohmic_drop(Q_(1, "mA"), Q_(20, "ohm*cm^2"))


def test_arrhenius_is_one_at_the_reference_and_larger_when_hotter():
    assert P.arrhenius_factor(Q_(25, "degC"), Q_(30, "kJ/mol"), Q_(298.15, "K")).magnitude == pytest.approx(1.0)
    assert P.arrhenius_factor(Q_(60, "degC"), Q_(30, "kJ/mol"), Q_(20, "degC")).magnitude > 1


def test_nucleation_transient_has_its_depth_at_onset_plus_width():
    q = Q_(np.linspace(0, 0.5, 5001), "mA*h/cm^2")
    v = P.nucleation_transient(q, Q_(14.2, "mV"), Q_(0.0, "mA*h/cm^2"), Q_(0.02, "mA*h/cm^2"))
    k = int(np.argmin(v.magnitude))
    assert v[k].to("mV").magnitude == pytest.approx(-14.2, rel=1e-4)
    assert q[k].magnitude == pytest.approx(0.02, abs=1e-4)
    assert abs(v[-1].to("mV").magnitude) < 0.01


def test_electrode_potentials_have_their_known_features():
    assert P.si_lithiation_potential(0.1).to("V").magnitude == pytest.approx(0.114, abs=0.005)
    assert P.si_lithiation_potential(3.75).to("mV").magnitude < 5.1
    assert P.li15si4_delithiation_potential(0.5).to("V").magnitude == pytest.approx(0.45, abs=0.01)
    v = P.ncm811_open_circuit_potential(np.linspace(0.27, 0.9, 50)).magnitude
    assert np.all(np.diff(v) < 0)  # falls as Li returns to the cathode
    assert 4.1 < v[0] < 4.4 and 3.3 < v[-1] < 3.8


def test_accessible_fraction_limits():
    f = P.accessible_fraction([0.0, 0.05, 5.0, 500.0], diffusion_rate=2.0)
    assert f[0] == 1.0 and f[1] == pytest.approx(1.0, abs=0.01)
    assert f[3] == pytest.approx(np.sqrt(2.0 / 500.0), rel=1e-3)
    assert np.all(np.diff(f) <= 0)
