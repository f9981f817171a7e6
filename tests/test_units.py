import numpy as np
import pint
import pytest

from analysis.errors import DataError
from analysis.units import DENSITY, DIMENSIONLESS, LENGTH, MASS, Q_, parse_number, parse_quantity, parse_unit, require, ureg


def test_one_registry_is_the_application_registry():
    assert pint.get_application_registry().get() is ureg
    assert Q_(1, "g")._REGISTRY is ureg


@pytest.mark.parametrize(
    "text, expected",
    [("g/cc", "g/cm^3"), ("mAh/cm**2", "mA*h/cm^2"), ("mA/cm^2", "mA/cm^2"), ("µm", "um"),
     ("mAh_per_cm2", "mAh/cm^2"), ("mA_per_cm2", "mA/cm^2"), ("mAh_per_g", "mA*h/g"), ("percent", "dimensionless")],
)
def test_battery_units_parse_to_the_right_dimension(text, expected):
    assert Q_(1, parse_unit(text)).dimensionality == Q_(1, expected).dimensionality


def test_conversions_carry_through():
    assert Q_(3, "mAh/cm^2").to("C/m^2").magnitude == pytest.approx(3e-3 * 3600 / 1e-4)
    assert Q_(0.0002, "cm").to("um").magnitude == pytest.approx(2.0)
    assert Q_(58.5, "percent").to("dimensionless").magnitude == pytest.approx(0.585)


def test_unknown_unit_names_file_column_row():
    with pytest.raises(DataError) as err:
        parse_unit("g/ccm", path="data/x.csv", row=4)
    assert str(err.value) == "data/x.csv, column 'unit', row 4: unknown unit 'g/ccm' (UndefinedUnitError)"


@pytest.mark.parametrize("text", ["", "  ", "abc", "nan", "inf", True, None])
def test_bad_numbers_raise(text):
    with pytest.raises(DataError):
        parse_number(text, path="f.csv", row=2)


def test_parse_quantity_keeps_printed_value():
    q = parse_quantity("7.14286E-06", "cm^3")
    assert q.magnitude == 7.14286e-06 and q.check("[length]**3")


def test_require_rejects_bare_numbers_wrong_dimensions_and_negatives():
    with pytest.raises(TypeError, match="pint Quantity"):
        require(2.0, MASS, "mass")
    with pytest.raises(pint.DimensionalityError):
        require(Q_(2, "um"), MASS, "mass")
    with pytest.raises(ValueError, match="positive"):
        require(Q_(-2, "um"), LENGTH, "thickness", positive=True)
    with pytest.raises(ValueError, match="positive"):
        require(Q_(np.array([1.0, np.nan]), "g/cm^3"), DENSITY, "density", positive=True)
    assert require(Q_(0.5, "percent"), DIMENSIONLESS, "fraction").magnitude == 0.5


def test_quantities_of_another_registry_are_refused():
    other = pint.UnitRegistry()
    with pytest.raises(TypeError, match="another pint UnitRegistry"):
        require(other.Quantity(1, "g"), MASS, "mass")
