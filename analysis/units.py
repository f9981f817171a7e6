"""The project's one pint ``UnitRegistry`` and the checks every calculation relies on.

Everything in :mod:`analysis` takes and returns quantities of :data:`ureg`. Conversions happen
at the edges (reading files, writing tables); in between, a value of the wrong dimension raises
:class:`pint.DimensionalityError` instead of passing silently.

Units the battery field writes and pint needs help with are defined here: ``cc`` and ``ccm`` are
not guessed; ``mAh`` (milliampere hour), ``mAh/cm**2``, ``mA/cm**2``, ``g/cc`` and ``µm`` parse
as they are. A unit string that pint does not know raises :class:`analysis.errors.DataError`
when it comes from a file.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import pint

from .errors import DataError

#: The single unit registry of the project. Do not create another one: quantities of two
#: registries cannot be combined.
ureg = pint.UnitRegistry(
    autoconvert_offset_to_baseunit=True,  # 60 °C + 5 K and similar just work
    non_int_type=float,
    force_ndarray_like=True,  # required by pint-xarray; scalars become 0-d arrays
)
ureg.formatter.default_format = "~P"
# Units print in the order they are written (mA·h/cm², not pint's alphabetical h·mA/cm²).
ureg.formatter.default_sort_func = None
# Spellings that appear in the battery literature and in cycler exports.
ureg.define("areal_capacity_unit = milliampere_hour / centimeter ** 2 = mAh_per_cm2")
ureg.define("areal_current_unit = milliampere / centimeter ** 2 = mA_per_cm2")
ureg.define("specific_capacity_unit = milliampere_hour / gram = mAh_per_g")
pint.set_application_registry(ureg)
# pint-xarray takes the application registry as its default when it is first imported: imported here,
# after the line above, it takes ours (imported before, it would build pint's default registry too,
# 0.15 s of every process's start).
import pint_xarray  # noqa: E402,F401  (registers the .pint accessor)

Quantity = ureg.Quantity
Q_ = ureg.Quantity

# Named dimensions used in checks.
MASS = "[mass]"
LENGTH = "[length]"
AREA = "[length] ** 2"
VOLUME = "[length] ** 3"
DENSITY = "[mass] / [length] ** 3"
MOLAR_MASS = "[mass] / [substance]"
DIMENSIONLESS = "[]"


def parse_unit(text: str, *, path: Any = None, column: str | None = "unit", row: int | None = None) -> pint.Unit:
    """Parse a unit string; an unknown or malformed unit raises a one-line :class:`DataError`."""
    if not isinstance(text, str) or not text.strip():
        raise DataError("empty unit", path=path, column=column, row=row)
    try:
        return ureg.Unit(text.strip())
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError, ValueError) as exc:
        raise DataError(f"unknown unit '{text}' ({type(exc).__name__})", path=path, column=column, row=row) from None


def parse_number(text: Any, *, path: Any = None, column: str | None = "value", row: int | None = None) -> float:
    """Parse a finite number written in a data file (``'7.14286E-06'``, ``'2.1'``, ``3``)."""
    if isinstance(text, bool):
        raise DataError(f"expected a number, found {text!r}", path=path, column=column, row=row)
    if isinstance(text, Real):
        value = float(text)
    else:
        stripped = str(text).strip() if text is not None else ""
        if not stripped:
            raise DataError("missing value", path=path, column=column, row=row)
        try:
            value = float(stripped)
        except ValueError:
            raise DataError(f"expected a number, found '{stripped}'", path=path, column=column, row=row) from None
    if not math.isfinite(value):
        raise DataError(f"expected a finite number, found '{text}'", path=path, column=column, row=row)
    return value


def parse_quantity(
    value: Any,
    unit: str,
    *,
    path: Any = None,
    row: int | None = None,
    value_column: str = "value",
    unit_column: str = "unit",
) -> pint.Quantity:
    """A quantity from a value cell and a unit cell of a data file, errors naming the cell."""
    magnitude = parse_number(value, path=path, column=value_column, row=row)
    return Q_(magnitude, parse_unit(unit, path=path, column=unit_column, row=row))


def require(quantity: Any, dimension: str, name: str, *, positive: bool = False) -> pint.Quantity:
    """Check that ``quantity`` is a pint quantity of ``dimension`` (e.g. ``"[mass]"``).

    Raises ``TypeError`` for a bare number (units are never assumed),
    :class:`pint.DimensionalityError` for the wrong dimension and ``ValueError`` for a value
    that must be positive and is not (any element, for arrays).
    """
    if not isinstance(quantity, pint.Quantity):
        raise TypeError(f"{name} must be a pint Quantity with dimension {dimension}, got {type(quantity).__name__} {quantity!r}")
    if quantity._REGISTRY is not ureg:
        raise TypeError(f"{name} was made with another pint UnitRegistry; use analysis.units.ureg")
    if not quantity.check(dimension):
        raise pint.DimensionalityError(
            quantity.units, ureg.parse_units("dimensionless") if dimension == DIMENSIONLESS else dimension,
            quantity.dimensionality, dimension,
            extra_msg=f" for {name}",
        )
    if positive:
        import numpy as np

        magnitude = np.asarray(quantity.magnitude, dtype=float)
        if not np.all(np.isfinite(magnitude)) or not np.all(magnitude > 0):
            raise ValueError(f"{name} must be positive and finite, got {quantity:~P}")
    return quantity


def as_percent(quantity: pint.Quantity) -> pint.Quantity:
    """A dimensionless quantity expressed in percent."""
    require(quantity, DIMENSIONLESS, "fraction")
    return quantity.to("percent")
