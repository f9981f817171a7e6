import pint
import pytest

from analysis.chemistry import (alloy_molar_mass, cubic_cell_density, li15si4_formula_mass, lithiated_mass,
                                lithiated_mass_ratio, lithiation_specific_capacity)
from analysis.units import Q_

M_LI, M_SI = Q_(6.94, "g/mol"), Q_(28.085, "g/mol")


def test_li15si4_capacity_per_gram_si():
    # 3.75 * 96485.33 C/mol / 28.085 g/mol / 3.6 C/mAh = 3578.6 mAh/g
    assert lithiation_specific_capacity(3.75, M_SI).to("mAh/g").magnitude == pytest.approx(3578.6, abs=0.1)


def test_li15si4_crystal_density():
    # 4 * (15*6.94 + 4*28.085) g/mol / (N_A * (10.685 Å)^3)
    rho = cubic_cell_density(Q_(10.685, "angstrom"), 4, li15si4_formula_mass(M_LI, M_SI))
    assert rho.to("g/cm^3").magnitude == pytest.approx(1.1785, abs=5e-4)


def test_mass_ratio_and_mass_agree():
    ratio = lithiated_mass_ratio(3.75, M_LI, M_SI)
    assert ratio.magnitude == pytest.approx((28.085 + 3.75 * 6.94) / 28.085)
    assert lithiated_mass(Q_(1, "mg"), 3.75, M_LI, M_SI).to("mg").magnitude == pytest.approx(ratio.magnitude)
    assert alloy_molar_mass(0, M_LI, M_SI) == M_SI


def test_dimension_errors_raise():
    with pytest.raises(pint.DimensionalityError):
        lithiated_mass(Q_(1, "um"), 3.75, M_LI, M_SI)
    with pytest.raises(pint.DimensionalityError):
        cubic_cell_density(Q_(10.685, "g"), 4, li15si4_formula_mass(M_LI, M_SI))
    with pytest.raises(ValueError):
        lithiated_mass_ratio(-1, M_LI, M_SI)
