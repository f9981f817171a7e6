"""Consistency audit of the paper's own numbers: every cross-check they allow, with units.

Each check is a small pure function. It takes the numbers it needs as pint quantities (bare, or
wrapped in a :class:`Given` that also says where the number is printed), computes one quantity
from some of them and compares it with a number the paper states for the same thing. It returns a
:class:`Check`: what was compared, the inputs with their units and locations, the stated and the
computed value in the same unit, their relative difference and a verdict.

Relative difference
    ``(computed - stated) / stated``, both in the stated value's unit. For two printings of the
    same quantity (:func:`check_same_quantity`) the row printed first in the data file is the
    reference ("stated") and the other one takes the place of "computed". Temperatures are
    compared on the Celsius scale in which they are printed (assumption ``temperature_celsius``).

Verdict thresholds (:data:`CONSISTENT_MAX`, :data:`MINOR_MAX`), justified by the printed precision
    The paper prints its numbers with two to four significant digits. Rounding to two digits
    moves a value by up to 0.5 % to 5 % of it (0.92: ±0.5 %; 0.13: ±3.8 %), to three digits by
    0.05 % to 0.5 % (2.55: ±0.2 %; 85.8: ±0.06 %). A check combines two to four such numbers, so
    rounding alone typically accounts for 1-2 %, as in the largest difference between two numbers
    that certainly describe the same run: 0.13 mA cm-2 × 20 h = 2.60 vs 2.55 mAh cm-2, 1.96 %
    (2.55 / 20 h = 0.1275 mA cm-2, printed 0.13).

    - ``consistent``: |relative difference| <= 2 %: the size of printed-digit rounding.
    - ``minor``: <= 10 %: more than rounding (twice the worst rounding of one two-digit number),
      but within what one approximate input or one unstated convention explains ("about",
      "up to ≈0.21 mg cm-2", a density taken from another source).
    - ``inconsistent``: > 10 %: no rounding and no single convention explains it; the two numbers
      describe different things or one of them is wrong.

    A bound ("more than", "almost", a requirement a claim implies) is ``consistent`` when it holds;
    when it fails, the shortfall is graded with the same thresholds.

Every assumption a check needs has a name in :data:`ASSUMPTIONS`; each :class:`Check` lists the
names it relies on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pint

from . import porosity as P
from .chemistry import LI15SI4_X, cubic_cell_density, li15si4_formula_mass, lithiated_mass_ratio, lithiation_specific_capacity
from .tables import Record, load_schema, read_quantities, read_rows
from .units import AREA, DENSITY, DIMENSIONLESS, LENGTH, MASS, MOLAR_MASS, Q_, parse_quantity, require

#: |relative difference| up to which a check is ``consistent`` (rounding of printed digits).
CONSISTENT_MAX = 0.02
#: |relative difference| up to which a check is ``minor`` (one unstated convention); above: ``inconsistent``.
MINOR_MAX = 0.10
VERDICTS = ("consistent", "minor", "inconsistent")
RELATIONS = ("equal", "at_least", "at_most")

#: Float noise allowed at a threshold edge (a difference of exactly 2 % is consistent).
_EDGE = 1e-12

# Dimensions used by the checks.
AREAL_CURRENT = "[current] / [length] ** 2"
AREAL_CAPACITY = "[current] * [time] / [length] ** 2"
AREAL_MASS = "[mass] / [length] ** 2"
SPECIFIC_CAPACITY = "[current] * [time] / [mass]"
TIME = "[time]"
RATE = "1 / [time]"
TEMPERATURE = "[temperature]"

#: Density of lithium metal (bcc, 20 °C). Not in data/reference/constants.csv (yet): used only
#: when that file has no row ``li_metal_density``.
LI_METAL_DENSITY = Q_(0.534, "g/cm^3")
LI_METAL_DENSITY_SOURCE = ("W. M. Haynes (ed.), CRC Handbook of Chemistry and Physics, 97th ed., CRC Press, 2016, "
                           "Section 4, Physical Constants of Inorganic Compounds: Li, 0.534 g/cm3 at 20 °C")

#: Every assumption a check relies on, by name.
ASSUMPTIONS: dict[str, str] = {
    "magnitudes": "plating currents and capacities are printed negative; the sign marks the direction, "
                  "magnitudes are compared",
    "full_li15si4": "every Si atom is lithiated to crystalline Li15Si4 (x = 3.75 Li per Si, the paper's Li3.75Si; "
                    "Figure S6); the CNTs store no Li; x·F/M(Si) with IUPAC 2021 M(Si) = 3579 mAh/g Si",
    "loading_is_up_to_value": "'up to ≈0.21 mg cm-2' (Experimental Section) is read as the electrode loading",
    "table_s2_masses": "the Si mass of Table S2 (0.000135 g on 0.785 cm2) is the electrode's",
    "one_c_from_first_cycle": "the paper prints no nominal cathode capacity; 1 C is compared with the first-cycle "
                              "specific capacity of LiBCC/SiNP-CNT/SE/NCM811 (207.8 mAh/g of NCM811, 60 °C, 0.1 C) "
                              "times the NCM811 loading (20 mg cm-2 x 67 %)",
    "capacity_60c_first_cycle": "the 60 °C areal capacity behind '85.8 %' is not printed; it is taken as the first-cycle "
                                "capacity of the 60 °C cell, 207.8 mAh/g x 20 mg cm-2 x 67 % (cycle and rate of the "
                                "comparison are not stated)",
    "li_capacity_from_faraday": "theoretical capacity of Li metal = F/M(Li), IUPAC 2021 M(Li) = 6.94 g/mol",
    "li_metal_density": "density of Li metal 0.534 g/cm3 (CRC Handbook, 20 °C)",
    "foil_covers_electrode": "the 30 µm Li foil has the electrode's area and all of its Li is electrochemically "
                             "available",
    "one_c_is_cathode_capacity": "the cathode areal capacity is 1 C x 1 h = 0.28 mA cm-2 / 0.1 C x 1 h = 2.8 mAh cm-2",
    "lateral_constraint": "the 1 cm die holds the layer laterally: the volume change goes into the thickness only; "
                          "the CNT volume does not change on lithiation",
    "li15si4_density_crystallographic": "true density of Li15Si4 from its crystal structure (a = 10.685 Å, Z = 4): "
                                        "1.178 g/cm3",
    "li15si4_density_table_s2": "true density of Li3.75Si as in Table S2: 1.22 g/cc",
    "table_s2_first_principles": "Table S2 recomputed with IUPAC 2021 atomic weights, the crystallographic Li15Si4 "
                                 "density, the CNT volume not scaled with Si's lithiation and the area pi/4 (1 cm)^2 "
                                 "(analysis.porosity.Assumptions())",
    "table_s2_arithmetic": "Table S2's own choices: M(Li) = 6.941, M(Si) = 28.0855 g/mol, 1.22 g/cc, CNT volume "
                           "scaled with the Li3.75Si/Si mass ratio, area 0.785 cm2 (analysis.porosity.Assumptions.table_s2())",
    "temperature_celsius": "temperatures are compared on the Celsius scale in which they are printed (on the kelvin "
                           "scale 20 vs 25 °C would be 1.7 %, hiding a 5 K different test condition)",
}


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    """Upper bounds of |relative difference| for the verdicts ``consistent`` and ``minor``."""

    consistent: float = CONSISTENT_MAX
    minor: float = MINOR_MAX

    def __post_init__(self) -> None:
        if not (0 <= self.consistent <= self.minor) or not math.isfinite(self.minor):
            raise ValueError(f"need 0 <= consistent <= minor, got consistent={self.consistent}, minor={self.minor}")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Given:
    """One number used by a check: its quantity, its digits as printed, and where it is printed."""

    name: str
    quantity: pint.Quantity
    printed: str = ""
    unit: str = ""
    location: str = ""
    source: str = ""
    qualifier: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.quantity, pint.Quantity):
            raise TypeError(f"{self.name} must be a pint Quantity, got {type(self.quantity).__name__} {self.quantity!r}")
        if not self.printed:
            object.__setattr__(self, "printed", f"{_mag(self.quantity):.6g}")
        if not self.unit:
            object.__setattr__(self, "unit", _unit_text(self.quantity.units))

    def text(self) -> str:
        """``name = ≈0.21 mg/cm^2 [reported_values.csv#loading_sinp_cnt; Experimental Section, ...]``."""
        where = "; ".join(s for s in (self.source, self.location) if s)
        unit = "" if self.unit == "dimensionless" else f" {self.unit}"
        return f"{self.name} = {self.qualifier}{self.printed}{unit}" + (f" [{where}]" if where else "")


def as_given(value: pint.Quantity | Given, name: str) -> Given:
    """``value`` as a :class:`Given` (a bare quantity is named ``name``, with no location)."""
    if isinstance(value, Given):
        return value
    return Given(name=name, quantity=value)


@dataclass(frozen=True)
class Check:
    """One cross-check: a stated value, the value computed from other printed numbers, the verdict."""

    check_id: str
    group: str
    label: str
    description: str
    stated: Given
    computed: pint.Quantity
    inputs: tuple[Given, ...] = ()
    relation: str = "equal"
    assumptions: tuple[str, ...] = ()
    magnitudes: bool = False
    thresholds: Thresholds = field(default=DEFAULT_THRESHOLDS)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, got {self.relation!r}")
        unknown = [a for a in self.assumptions if a not in ASSUMPTIONS]
        if unknown:
            raise ValueError(f"unknown assumption(s) {unknown}: add them to analysis.audit.ASSUMPTIONS")
        # computed and stated must be the same kind of quantity: raises pint.DimensionalityError
        self.computed.to(self.stated.quantity.units)
        if self.stated_value == 0:
            raise ValueError(f"{self.check_id}: a relative difference needs a non-zero stated value")

    @property
    def unit(self) -> str:
        return self.stated.unit

    @property
    def stated_value(self) -> float:
        value = _mag(self.stated.quantity)
        return abs(value) if self.magnitudes else value

    @property
    def computed_value(self) -> float:
        value = _mag(self.computed.to(self.stated.quantity.units))
        return abs(value) if self.magnitudes else value

    @property
    def relative_difference(self) -> float:
        """(computed - stated) / stated, in the stated value's unit."""
        return (self.computed_value - self.stated_value) / self.stated_value

    @property
    def verdict(self) -> str:
        return classify(self.relative_difference, self.thresholds, relation=self.relation,
                        negative_stated=self.stated_value < 0)

    def with_thresholds(self, thresholds: Thresholds) -> Check:
        return replace(self, thresholds=thresholds)

    def row(self) -> dict[str, object]:
        """One row of the audit table: plain values, the unit written out, inputs as text."""
        return {
            "check_id": self.check_id,
            "group": self.group,
            "label": self.label,
            "relation": self.relation,
            "stated_value": self.stated_value,
            "computed_value": self.computed_value,
            "unit": self.unit,
            # rounded to 1e-10 %: float noise (3.0000000000000004 vs 3.0) is written as 0
            "relative_difference_percent": round(100 * self.relative_difference, 10) + 0.0,
            "verdict": self.verdict,
            "description": self.description,
            "stated": self.stated.text(),
            "inputs": " | ".join(g.text() for g in self.inputs),
            "assumptions": "; ".join(self.assumptions),
        }


#: Columns of ``tables/consistency_audit.csv``, in order.
TABLE_COLUMNS = ["check_id", "group", "label", "relation", "stated_value", "computed_value", "unit",
                 "relative_difference_percent", "verdict", "description", "stated", "inputs", "assumptions"]


def classify(relative_difference: float, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, relation: str = "equal",
             negative_stated: bool = False) -> str:
    """Verdict of a relative difference: ``consistent`` / ``minor`` / ``inconsistent``.

    For ``equal`` the size of the difference decides. For a bound (``at_least``: computed must not
    fall below stated; ``at_most``: must not exceed it) a bound that holds is ``consistent`` and a
    shortfall is graded like a difference.
    """
    if not math.isfinite(relative_difference):
        raise ValueError(f"relative difference must be finite, got {relative_difference}")
    if relation == "equal":
        size = abs(relative_difference)
    elif relation in ("at_least", "at_most"):
        # with a negative stated value the sign of (c - s)/s flips
        excess = -relative_difference if negative_stated else relative_difference
        size = max(0.0, -excess) if relation == "at_least" else max(0.0, excess)
    else:
        raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
    if size <= thresholds.consistent + _EDGE:
        return "consistent"
    if size <= thresholds.minor + _EDGE:
        return "minor"
    return "inconsistent"


def _mag(q: pint.Quantity) -> float:
    return float(np.asarray(q.magnitude, dtype=float))


def _unit_text(unit: pint.Unit) -> str:
    text = f"{unit:~C}"
    return text or "dimensionless"


def _q(value: pint.Quantity | Given, dimension: str, name: str, *, positive: bool = False) -> pint.Quantity:
    q = value.quantity if isinstance(value, Given) else value
    return require(q, dimension, name, positive=positive)


def _abs(q: pint.Quantity) -> pint.Quantity:
    return Q_(np.abs(q.magnitude), q.units)


# --------------------------------------------------------------------------------------------
# Physics used by several checks
# --------------------------------------------------------------------------------------------
def li15si4_capacity_per_si(si_molar_mass: pint.Quantity, x: float = LI15SI4_X) -> pint.Quantity:
    """Charge per gram of Si lithiated to Li_xSi: x·F/M(Si) (3579 mAh/g for Li15Si4)."""
    return lithiation_specific_capacity(x, si_molar_mass)


def li_metal_specific_capacity(li_molar_mass: pint.Quantity) -> pint.Quantity:
    """Theoretical capacity of Li metal, F/M(Li), in mAh/g."""
    return lithiation_specific_capacity(1.0, li_molar_mass)


def li_foil_areal_capacity(thickness: pint.Quantity, density: pint.Quantity, specific_capacity: pint.Quantity) -> pint.Quantity:
    """Charge stored per area in a Li foil: thickness × density × specific capacity (mAh/cm²)."""
    require(thickness, LENGTH, "foil thickness", positive=True)
    require(density, DENSITY, "Li density", positive=True)
    require(specific_capacity, SPECIFIC_CAPACITY, "Li specific capacity", positive=True)
    return (thickness * density * specific_capacity).to("mAh/cm^2")


def si_volume_expansion(si_true_density: pint.Quantity, li_si_true_density: pint.Quantity, li_molar_mass: pint.Quantity,
                        si_molar_mass: pint.Quantity, x: float = LI15SI4_X) -> pint.Quantity:
    """Volume of Li_xSi formed per volume of Si: (M(Li_xSi)/M(Si)) · ρ(Si)/ρ(Li_xSi) (dimensionless)."""
    require(si_true_density, DENSITY, "Si true density", positive=True)
    require(li_si_true_density, DENSITY, "Li_xSi true density", positive=True)
    return (lithiated_mass_ratio(x, li_molar_mass, si_molar_mass) * si_true_density / li_si_true_density).to("dimensionless")


# --------------------------------------------------------------------------------------------
# The checks: one function each
# --------------------------------------------------------------------------------------------
def check_areal_capacity_from_current(check_id: str, current_density: pint.Quantity | Given, duration: pint.Quantity | Given,
                                      stated_capacity: pint.Quantity | Given, *, label: str = "",
                                      thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """A protocol step: |current density| × duration vs the areal capacity printed for it."""
    i = _abs(_q(current_density, AREAL_CURRENT, "current density"))
    t = _q(duration, TIME, "duration", positive=True)
    stated = as_given(stated_capacity, "areal capacity")
    _q(stated, AREAL_CAPACITY, "stated areal capacity")
    computed = (i * t).to(stated.quantity.units)
    gi, gt = as_given(current_density, "current density"), as_given(duration, "duration")
    return Check(
        check_id=check_id, group="capacity_from_current", thresholds=thresholds,
        label=label or f"{abs(_mag(gi.quantity)):g} × {_mag(gt.quantity):g} h vs {abs(_mag(stated.quantity)):g}",
        description="areal capacity of a protocol step: |current density| × duration vs the printed areal capacity",
        stated=stated, computed=computed, inputs=(gi, gt), magnitudes=True,
        assumptions=("magnitudes",) if _mag(gi.quantity) < 0 or _mag(stated.quantity) < 0 else (),
    )


def check_si_lithiation_from_loading(loading: pint.Quantity | Given, si_mass_fraction: pint.Quantity | Given,
                                     si_molar_mass: pint.Quantity | Given, stated_capacity: pint.Quantity | Given, *,
                                     thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Si lithiation capacity: loading × Si mass fraction × 3.75·F/M(Si) vs the printed 0.68 mAh/cm²."""
    m = _q(loading, AREAL_MASS, "electrode loading", positive=True)
    w = _q(si_mass_fraction, DIMENSIONLESS, "Si mass fraction", positive=True)
    q_si = li15si4_capacity_per_si(_q(si_molar_mass, MOLAR_MASS, "M(Si)", positive=True))
    stated = as_given(stated_capacity, "Si lithiation capacity")
    _q(stated, AREAL_CAPACITY, "stated Si lithiation capacity")
    computed = (m * w * q_si).to(stated.quantity.units)
    return Check(
        check_id="si_lithiation__capacity_from_loading", group="si_lithiation", thresholds=thresholds,
        label="Si lithiation: 0.21 mg/cm² × 90 % × 3579 mAh/g vs 0.68 mAh/cm²",
        description=f"capacity of the Si lithiation to 5 mV from the stated loading and Li15Si4 "
                    f"({q_si.to('mAh/g'):.0f~P} Si) vs the printed value",
        stated=stated, computed=computed,
        inputs=(as_given(loading, "loading"), as_given(si_mass_fraction, "Si mass fraction"), as_given(si_molar_mass, "M(Si)")),
        assumptions=("full_li15si4", "loading_is_up_to_value"),
    )


def check_si_lithiation_from_table_s2(si_mass: pint.Quantity | Given, area: pint.Quantity | Given,
                                      si_molar_mass: pint.Quantity | Given, stated_capacity: pint.Quantity | Given, *,
                                      thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Si lithiation capacity from Table S2's Si mass and area vs the printed 0.68 mAh/cm²."""
    m = _q(si_mass, MASS, "Si mass", positive=True)
    a = _q(area, AREA, "electrode area", positive=True)
    q_si = li15si4_capacity_per_si(_q(si_molar_mass, MOLAR_MASS, "M(Si)", positive=True))
    stated = as_given(stated_capacity, "Si lithiation capacity")
    _q(stated, AREAL_CAPACITY, "stated Si lithiation capacity")
    computed = (m / a * q_si).to(stated.quantity.units)
    return Check(
        check_id="si_lithiation__capacity_from_table_s2", group="si_lithiation", thresholds=thresholds,
        label="Si lithiation: Table S2 0.135 mg Si / 0.785 cm² × 3579 mAh/g vs 0.68 mAh/cm²",
        description="capacity of the Si lithiation from the Si mass and area of Table S2 and Li15Si4 vs the printed value",
        stated=stated, computed=computed,
        inputs=(as_given(si_mass, "Si mass"), as_given(area, "area"), as_given(si_molar_mass, "M(Si)")),
        assumptions=("full_li15si4", "table_s2_masses"),
    )


def check_capacity_from_c_rate(check_id: str, current_density: pint.Quantity | Given, c_rate: pint.Quantity | Given,
                               stated_capacity: pint.Quantity | Given, *, label: str, description: str,
                               assumptions: Sequence[str] = (), group: str = "si_lithiation",
                               thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """The capacity a C-rate implies, |current| / C-rate × 1 h, vs a printed capacity."""
    i = _abs(_q(current_density, AREAL_CURRENT, "current density"))
    c = _q(c_rate, RATE, "C-rate", positive=True)
    stated = as_given(stated_capacity, "areal capacity")
    _q(stated, AREAL_CAPACITY, "stated areal capacity")
    computed = (i / c).to(stated.quantity.units)
    return Check(check_id=check_id, group=group, label=label, description=description, thresholds=thresholds,
                 stated=stated, computed=computed,
                 inputs=(as_given(current_density, "current density"), as_given(c_rate, "C-rate")),
                 assumptions=tuple(assumptions) + (("magnitudes",) if _mag(as_given(current_density, "i").quantity) < 0 else ()))


def cathode_areal_capacity(mixture_loading: pint.Quantity, active_fraction: pint.Quantity,
                           specific_capacity: pint.Quantity) -> pint.Quantity:
    """Cathode areal capacity: mixture loading × active mass fraction × specific capacity."""
    require(mixture_loading, AREAL_MASS, "cathode mixture loading", positive=True)
    require(active_fraction, DIMENSIONLESS, "active mass fraction", positive=True)
    require(specific_capacity, SPECIFIC_CAPACITY, "specific capacity", positive=True)
    return (mixture_loading * active_fraction * specific_capacity).to("mAh/cm^2")


def check_c_rate_current(check_id: str, c_rate: pint.Quantity | Given, stated_current: pint.Quantity | Given,
                         mixture_loading: pint.Quantity | Given, active_fraction: pint.Quantity | Given,
                         specific_capacity: pint.Quantity | Given, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Current of a C-rate from the cathode (loading × active fraction × specific capacity × C-rate)
    vs the constant current printed for that C-rate."""
    capacity = cathode_areal_capacity(_q(mixture_loading, AREAL_MASS, "cathode mixture loading"),
                                      _q(active_fraction, DIMENSIONLESS, "active mass fraction"),
                                      _q(specific_capacity, SPECIFIC_CAPACITY, "specific capacity"))
    c = _q(c_rate, RATE, "C-rate", positive=True)
    stated = as_given(stated_current, "current density")
    _q(stated, AREAL_CURRENT, "stated current density")
    computed = (capacity * c).to(stated.quantity.units)
    gc = as_given(c_rate, "C-rate")
    return Check(
        check_id=check_id, group="cathode", thresholds=thresholds,
        label=f"{_mag(gc.quantity):g} C: 20 mg/cm² × 67 % × 207.8 mAh/g vs {stated.printed} mA/cm²",
        description=f"current of {_mag(gc.quantity):g} C from the NCM811 loading and first-cycle specific capacity "
                    f"({capacity:.3f~P}) vs the printed constant current",
        stated=stated, computed=computed,
        inputs=(gc, as_given(mixture_loading, "cathode mixture loading"), as_given(active_fraction, "NCM811 fraction"),
                as_given(specific_capacity, "specific capacity")),
        assumptions=("one_c_from_first_cycle",),
    )


def check_c_rate_currents_agree(c_rate_a: pint.Quantity | Given, current_a: pint.Quantity | Given,
                                c_rate_b: pint.Quantity | Given, current_b: pint.Quantity | Given, *,
                                thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Two C-rates of the same cell imply one 1 C current: current_a × (C_b / C_a) vs current_b."""
    ia = _q(current_a, AREAL_CURRENT, "current a")
    ca = _q(c_rate_a, RATE, "C-rate a", positive=True)
    cb = _q(c_rate_b, RATE, "C-rate b", positive=True)
    stated = as_given(current_b, "current density")
    _q(stated, AREAL_CURRENT, "current b")
    computed = (ia * cb / ca).to(stated.quantity.units)
    return Check(
        check_id="cathode__c_rate_currents_agree", group="cathode", thresholds=thresholds,
        label="0.28 mA/cm² × 0.35 C / 0.1 C vs 0.98 mA/cm²",
        description=f"the two full-cell C-rates imply one nominal capacity ({(ia / ca).to('mAh/cm^2'):.3f~P} from 0.1 C, "
                    f"i.e. 1 C = {(ia / ca * Q_(1, '1/h')).to('mA/cm^2'):.3f~P})",
        stated=stated, computed=computed,
        inputs=(as_given(c_rate_a, "C-rate"), as_given(current_a, "current density"), as_given(c_rate_b, "C-rate")),
    )


def check_capacity_ratio(stated_capacity: pint.Quantity | Given, ratio: pint.Quantity | Given,
                         mixture_loading: pint.Quantity | Given, active_fraction: pint.Quantity | Given,
                         specific_capacity: pint.Quantity | Given, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """20 °C areal capacity vs the printed ratio (85.8 %) × the 60 °C areal capacity."""
    reference = cathode_areal_capacity(_q(mixture_loading, AREAL_MASS, "cathode mixture loading"),
                                       _q(active_fraction, DIMENSIONLESS, "active mass fraction"),
                                       _q(specific_capacity, SPECIFIC_CAPACITY, "specific capacity"))
    r = _q(ratio, DIMENSIONLESS, "capacity ratio", positive=True)
    stated = as_given(stated_capacity, "areal capacity at 20 °C")
    _q(stated, AREAL_CAPACITY, "stated areal capacity")
    computed = (r * reference).to(stated.quantity.units)
    return Check(
        check_id="cathode__capacity_20c_vs_60c", group="cathode", thresholds=thresholds,
        label="20 °C: 85.8 % × (207.8 mAh/g × 13.4 mg/cm²) vs 2.4 mAh/cm²",
        description=f"areal capacity at 20 °C vs 85.8 % of the 60 °C areal capacity ({reference:.3f~P}, first cycle)",
        stated=stated, computed=computed,
        inputs=(as_given(ratio, "ratio 20 °C / 60 °C"), as_given(mixture_loading, "cathode mixture loading"),
                as_given(active_fraction, "NCM811 fraction"), as_given(specific_capacity, "specific capacity at 60 °C")),
        assumptions=("capacity_60c_first_cycle",),
    )


def check_li_specific_capacity(stated_capacity: pint.Quantity | Given, li_molar_mass: pint.Quantity | Given, *,
                               thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """The printed theoretical capacity of Li metal (3860 mAh/g) vs F/M(Li)."""
    stated = as_given(stated_capacity, "theoretical capacity of Li")
    _q(stated, SPECIFIC_CAPACITY, "stated Li capacity")
    computed = li_metal_specific_capacity(_q(li_molar_mass, MOLAR_MASS, "M(Li)", positive=True)).to(stated.quantity.units)
    return Check(
        check_id="li_inventory__li_specific_capacity", group="li_inventory", thresholds=thresholds,
        label="Li metal: F / M(Li) vs 3860 mAh/g",
        description="theoretical specific capacity of Li metal (Introduction) vs Faraday constant / molar mass of Li",
        stated=stated, computed=computed, inputs=(as_given(li_molar_mass, "M(Li)"),),
        assumptions=("li_capacity_from_faraday",),
    )


def check_li_foil_covers_si_lithiation(foil_thickness: pint.Quantity | Given, li_density: pint.Quantity | Given,
                                       li_molar_mass: pint.Quantity | Given, si_lithiation_capacity: pint.Quantity | Given, *,
                                       thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """The 30 µm Li foil lithiates the SiNP-CNT layer by contact: its capacity must be at least the
    Si lithiation capacity (bound)."""
    foil = li_foil_areal_capacity(_q(foil_thickness, LENGTH, "foil thickness"), _q(li_density, DENSITY, "Li density"),
                                  li_metal_specific_capacity(_q(li_molar_mass, MOLAR_MASS, "M(Li)")))
    stated = as_given(si_lithiation_capacity, "Si lithiation capacity")
    _q(stated, AREAL_CAPACITY, "Si lithiation capacity")
    return Check(
        check_id="li_inventory__foil_covers_si_lithiation", group="li_inventory", relation="at_least", thresholds=thresholds,
        label="Li foil 30 µm × 0.534 g/cm³ × F/M(Li) ≥ 0.68 mAh/cm²",
        description=f"Li in the 30 µm foil ({foil:.2f~P}) must at least lithiate the SiNP-CNT layer "
                    f"(contact lithiation, Section 2.4)",
        stated=stated, computed=foil.to(stated.quantity.units),
        inputs=(as_given(foil_thickness, "foil thickness"), as_given(li_density, "Li density"), as_given(li_molar_mass, "M(Li)")),
        assumptions=("li_metal_density", "li_capacity_from_faraday", "foil_covers_electrode", "full_li15si4"),
    )


def check_np_ratio(foil_thickness: pint.Quantity | Given, li_density: pint.Quantity | Given,
                   li_molar_mass: pint.Quantity | Given, si_lithiation_capacity: pint.Quantity | Given,
                   current_0p1c: pint.Quantity | Given, c_rate_0p1c: pint.Quantity | Given, *,
                   thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """N/P ratio: Li left in the foil after lithiating the interlayer / cathode areal capacity.

    The paper states that the foil 'supplies enough source of Li to the cathode' so that no
    de-alloying of Li3.75Si shows up on discharge; the bound read here is N/P ≥ 1 (the excess Li
    alone could fill the cathode).
    """
    foil = li_foil_areal_capacity(_q(foil_thickness, LENGTH, "foil thickness"), _q(li_density, DENSITY, "Li density"),
                                  li_metal_specific_capacity(_q(li_molar_mass, MOLAR_MASS, "M(Li)")))
    si = _q(si_lithiation_capacity, AREAL_CAPACITY, "Si lithiation capacity")
    cathode = (_abs(_q(current_0p1c, AREAL_CURRENT, "0.1 C current")) / _q(c_rate_0p1c, RATE, "C-rate", positive=True)).to("mAh/cm^2")
    ratio = ((foil - si) / cathode).to("dimensionless")
    stated = Given(name="required N/P", quantity=Q_(1.0, "dimensionless"), printed="1", unit="dimensionless",
                   location="Main text, Section 2.4",
                   source="requirement: 'LiBCC foil used for lithiation of SiNP-CNT supplies enough source of Li to the cathode'")
    return Check(
        check_id="li_inventory__np_ratio", group="li_inventory", relation="at_least", thresholds=thresholds,
        label="N/P = (Li foil − Si lithiation) / (0.28 mA/cm² / 0.1 C) ≥ 1",
        description=f"N/P ratio = excess Li ({(foil - si):.2f~P}) / cathode areal capacity ({cathode:.2f~P}) "
                    f"= {_mag(ratio):.2f}; total foil / cathode = {_mag((foil / cathode).to('dimensionless')):.2f}",
        stated=stated, computed=ratio,
        inputs=(as_given(foil_thickness, "foil thickness"), as_given(li_density, "Li density"), as_given(li_molar_mass, "M(Li)"),
                as_given(si_lithiation_capacity, "Si lithiation capacity"), as_given(current_0p1c, "0.1 C current"),
                as_given(c_rate_0p1c, "C-rate")),
        assumptions=("li_metal_density", "li_capacity_from_faraday", "foil_covers_electrode", "one_c_is_cathode_capacity"),
    )


def lithiated_thickness(thickness_before: pint.Quantity, porosity_before: pint.Quantity, porosity_after: pint.Quantity,
                        si_mass_fraction: pint.Quantity, si_true_density: pint.Quantity, carbon_true_density: pint.Quantity,
                        expansion: pint.Quantity) -> pint.Quantity:
    """Thickness of the lithiated layer from volume conservation of the solids.

    Solid per area before: t0·(1 − φ0), split into Si and CNT by the mass fraction and the true
    densities; Si grows by ``expansion``, the CNTs do not; the layer keeps its area, so
    t1 = solid after / (1 − φ1).
    """
    t0 = require(thickness_before, LENGTH, "thickness before", positive=True)
    phi0 = require(porosity_before, DIMENSIONLESS, "porosity before").to("dimensionless")
    phi1 = require(porosity_after, DIMENSIONLESS, "porosity after").to("dimensionless")
    w = require(si_mass_fraction, DIMENSIONLESS, "Si mass fraction", positive=True).to("dimensionless")
    v_si = w / require(si_true_density, DENSITY, "Si true density", positive=True)
    v_c = (1 - w) / require(carbon_true_density, DENSITY, "carbon true density", positive=True)
    f_si = (v_si / (v_si + v_c)).to("dimensionless")
    e = require(expansion, DIMENSIONLESS, "expansion", positive=True).to("dimensionless")
    solid_after = t0 * (1 - phi0) * (f_si * e + (1 - f_si))
    return (solid_after / (1 - phi1)).to(t0.units)


def check_thickness_from_expansion(check_id: str, thickness_before: pint.Quantity | Given, thickness_after: pint.Quantity | Given,
                                   porosity_before: pint.Quantity | Given, porosity_after: pint.Quantity | Given,
                                   si_mass_fraction: pint.Quantity | Given, si_true_density: pint.Quantity | Given,
                                   carbon_true_density: pint.Quantity | Given, li_si_true_density: pint.Quantity | Given,
                                   li_molar_mass: pint.Quantity | Given, si_molar_mass: pint.Quantity | Given, *,
                                   density_assumption: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """The 2 → 3.25 µm thickness change vs the Si → Li15Si4 volume expansion at the printed porosities."""
    expansion = si_volume_expansion(_q(si_true_density, DENSITY, "Si true density"),
                                    _q(li_si_true_density, DENSITY, "Li3.75Si true density"),
                                    _q(li_molar_mass, MOLAR_MASS, "M(Li)"), _q(si_molar_mass, MOLAR_MASS, "M(Si)"))
    stated = as_given(thickness_after, "thickness after lithiation")
    _q(stated, LENGTH, "stated thickness")
    computed = lithiated_thickness(_q(thickness_before, LENGTH, "thickness before"),
                                   _q(porosity_before, DIMENSIONLESS, "porosity before"),
                                   _q(porosity_after, DIMENSIONLESS, "porosity after"),
                                   _q(si_mass_fraction, DIMENSIONLESS, "Si mass fraction"),
                                   _q(si_true_density, DENSITY, "Si true density"),
                                   _q(carbon_true_density, DENSITY, "carbon true density"), expansion)
    rho = as_given(li_si_true_density, "Li3.75Si true density")
    return Check(
        check_id=check_id, group="thickness", thresholds=thresholds,
        label=f"thickness 2 µm → 3.25 µm vs Si expansion at 58.5/11.0 % porosity, ρ = {_mag(rho.quantity.to('g/cm^3')):.3g} g/cm³",
        description=f"lithiated thickness from the 2 µm SiNP-CNT layer, Si volume expansion ×{_mag(expansion):.2f} "
                    f"(Si → Li15Si4) and the two printed porosities vs the printed 3.25 µm",
        stated=stated, computed=computed.to(stated.quantity.units),
        inputs=(as_given(thickness_before, "thickness before"), as_given(porosity_before, "porosity before"),
                as_given(porosity_after, "porosity after"), as_given(si_mass_fraction, "Si mass fraction"),
                as_given(si_true_density, "Si true density"), as_given(carbon_true_density, "carbon true density"),
                rho, as_given(li_molar_mass, "M(Li)"), as_given(si_molar_mass, "M(Si)")),
        assumptions=("full_li15si4", "lateral_constraint", density_assumption),
    )


def check_same_quantity(check_id: str, reference: Given, other: Given, *, group: str = "same_quantity", label: str = "",
                        description: str = "", assumptions: Sequence[str] = (),
                        thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Two printings of the same quantity: the other vs the reference (relative difference).

    Signs are dropped when either value is negative (plating printed negative); temperatures are
    compared in the Celsius scale they are printed in. A qualifier '<', '<≈', '<<' on the
    reference makes it an upper bound, '>' a lower bound.
    """
    other.quantity.to(reference.quantity.units)  # raises pint.DimensionalityError for different kinds
    negative = _mag(reference.quantity) < 0 or _mag(other.quantity) < 0
    names = list(assumptions) + (["magnitudes"] if negative else [])
    if reference.quantity.check(TEMPERATURE):
        names.append("temperature_celsius")
    relation = {"<": "at_most", "<≈": "at_most", "<<": "at_most", ">": "at_least"}.get(reference.qualifier, "equal")
    return Check(
        check_id=check_id, group=group, thresholds=thresholds, relation=relation,
        label=label or f"{reference.printed} vs {other.printed} {reference.unit}",
        description=description or "the same quantity printed in two places",
        stated=reference, computed=other.quantity, inputs=(other,), magnitudes=negative, assumptions=tuple(names),
    )


def check_ratio(check_id: str, numerator: pint.Quantity | Given, denominator: pint.Quantity | Given, stated: Given, *,
                label: str, description: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """A printed ratio ('almost ten times') vs the ratio of two printed numbers; the stated
    qualifier sets the relation as in :func:`check_same_quantity`."""
    n, d = as_given(numerator, "numerator"), as_given(denominator, "denominator")
    ratio = (n.quantity / d.quantity).to("dimensionless")
    relation = {"<": "at_most", "<≈": "at_most", "<<": "at_most", ">": "at_least"}.get(stated.qualifier, "equal")
    return Check(check_id=check_id, group="same_quantity", label=label, description=description, thresholds=thresholds,
                 relation=relation, stated=stated, computed=ratio, inputs=(n, d))


def check_porosity(check_id: str, computed_porosity: pint.Quantity, stated: pint.Quantity | Given, *, label: str,
                   description: str, inputs: Sequence[Given] = (), assumptions: Sequence[str] = (),
                   thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """A porosity computed by :mod:`analysis.porosity` vs a printed porosity."""
    require(computed_porosity, DIMENSIONLESS, "computed porosity")
    s = as_given(stated, "porosity")
    _q(s, DIMENSIONLESS, "stated porosity")
    return Check(check_id=check_id, group="table_s2", label=label, description=description, thresholds=thresholds,
                 stated=s, computed=computed_porosity.to(s.quantity.units), inputs=tuple(inputs),
                 assumptions=tuple(assumptions))


def check_table_s2_carbon_volume(carbon_mass: pint.Quantity | Given, carbon_true_density: pint.Quantity | Given,
                                 stated_volume: pint.Quantity | Given, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """The CNT volume Table S2 uses for the lithiated layer vs CNT mass / CNT density (the CNTs
    are the same before and after lithiation)."""
    m = _q(carbon_mass, MASS, "carbon mass", positive=True)
    rho = _q(carbon_true_density, DENSITY, "carbon true density", positive=True)
    stated = as_given(stated_volume, "carbon volume")
    _q(stated, "[length] ** 3", "stated carbon volume")
    return Check(
        check_id="table_s2__carbon_volume_lithiated_layer", group="table_s2", thresholds=thresholds,
        label="Table S2: CNT volume of Li3.75Si-CNT 1.37626E-05 vs 0.015 mg / 2.1 g/cc",
        description="CNT volume of the lithiated layer (Table S2, row 7, the value entering its porosity) vs the CNT "
                    "mass / true density (the CNTs do not take Si's lithium)",
        stated=stated, computed=(m / rho).to(stated.quantity.units),
        inputs=(as_given(carbon_mass, "carbon mass"), as_given(carbon_true_density, "carbon true density")),
        assumptions=("lateral_constraint",),
    )


def check_li15si4_density(stated_density: pint.Quantity | Given, lattice_parameter: pint.Quantity | Given,
                          formula_units: pint.Quantity | Given, li_molar_mass: pint.Quantity | Given,
                          si_molar_mass: pint.Quantity | Given, *, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Table S2's Li3.75Si true density (1.22 g/cc) vs the crystallographic density of Li15Si4."""
    stated = as_given(stated_density, "Li3.75Si true density")
    _q(stated, DENSITY, "stated density")
    rho = cubic_cell_density(_q(lattice_parameter, LENGTH, "lattice parameter"), _q(formula_units, DIMENSIONLESS, "Z"),
                             li15si4_formula_mass(_q(li_molar_mass, MOLAR_MASS, "M(Li)"), _q(si_molar_mass, MOLAR_MASS, "M(Si)")))
    return Check(
        check_id="table_s2__li375si_true_density", group="table_s2", thresholds=thresholds,
        label="Table S2: Li3.75Si density 1.22 g/cc vs Li15Si4 crystal (a = 10.685 Å, Z = 4)",
        description="true density of Li3.75Si used by Table S2 vs Z·M/(N_A·a³) of cubic Li15Si4",
        stated=stated, computed=rho.to(stated.quantity.units),
        inputs=(as_given(lattice_parameter, "a"), as_given(formula_units, "Z"), as_given(li_molar_mass, "M(Li)"),
                as_given(si_molar_mass, "M(Si)")),
        assumptions=("li15si4_density_crystallographic",),
    )


def check_electrode_area(stated_area: pint.Quantity | Given, pellet_diameter: pint.Quantity | Given, *,
                         thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Check:
    """Table S2's electrode area (0.785 cm²) vs π/4 × (pellet diameter)²."""
    stated = as_given(stated_area, "electrode area")
    _q(stated, AREA, "stated area")
    d = _q(pellet_diameter, LENGTH, "pellet diameter", positive=True)
    return Check(
        check_id="table_s2__electrode_area", group="table_s2", thresholds=thresholds,
        label="Table S2: area 0.785 cm² vs π/4 × (1 cm)²",
        description="electrode area of Table S2 vs the area of the 1 cm pellet die",
        stated=stated, computed=(np.pi / 4 * d**2).to(stated.quantity.units), inputs=(as_given(pellet_diameter, "pellet diameter"),),
    )


# --------------------------------------------------------------------------------------------
# Reading the paper's numbers and running every check
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperData:
    """The transcribed tables the audit reads (see ``data/paper/README.md``)."""

    reported: Mapping[tuple[str, ...], Record]
    table_s2: Mapping[tuple[str, ...], Record]
    constants: Mapping[tuple[str, ...], Record]
    protocols: Sequence[Mapping[str, str]]
    cell_properties: Sequence[Mapping[str, str]]
    table_s1: Sequence[Mapping[str, str]]
    table_s1_retention: Sequence[Mapping[str, str]]


def load_paper_data(*, reported: str, table_s2: str, constants: str, protocols: str, cell_properties: str,
                    table_s1: str, table_s1_retention: str, datapackage: str | None = None) -> PaperData:
    """Read every table the audit needs, each checked against its schema in the data package."""
    return PaperData(
        reported=read_quantities(reported, resource="reported_values", key=("id",), datapackage=datapackage),
        table_s2=read_quantities(table_s2, resource="table_s2_porosity", key=("layer", "quantity"), datapackage=datapackage),
        constants=read_quantities(constants, resource="constants", key=("name",), datapackage=datapackage),
        protocols=read_rows(protocols, load_schema("protocols", datapackage)),
        cell_properties=read_rows(cell_properties, load_schema("cell_properties", datapackage)),
        table_s1=read_rows(table_s1, load_schema("table_s1_interlayers", datapackage)),
        table_s1_retention=read_rows(table_s1_retention, load_schema("table_s1_retention", datapackage)),
    )


def reported_given(reported: Mapping[tuple[str, ...], Record], value_id: str, name: str = "") -> Given:
    """A row of ``reported_values.csv`` by id, as a :class:`Given`."""
    try:
        record = reported[(value_id,)]
    except KeyError:
        raise KeyError(f"reported_values.csv has no id '{value_id}'") from None
    f = record.fields
    return Given(name=name or f["quantity"], quantity=record.quantity, printed=record.printed, unit=f["unit"],
                 location=f["location"], source=f"reported_values.csv#{value_id}", qualifier=f.get("qualifier", ""))


def table_s2_given(table_s2: Mapping[tuple[str, ...], Record], layer: str, quantity: str, name: str = "") -> Given:
    record = table_s2[(layer, quantity)]
    f = record.fields
    return Given(name=name or f"{f['label_in_paper']} ({layer})", quantity=record.quantity, printed=record.printed,
                 unit=f["unit"], location=f["location"], source=f"table_s2_porosity.csv#{layer}/{quantity}")


def constant_given(constants: Mapping[tuple[str, ...], Record], name: str, label: str = "") -> Given:
    record = constants[(name,)]
    return Given(name=label or name, quantity=record.quantity, printed=record.printed, unit=record.fields["unit"],
                 location=record.fields["source"], source=f"constants.csv#{name}")


def li_metal_density(constants: Mapping[tuple[str, ...], Record]) -> Given:
    """Li metal density: the ``li_metal_density`` row of constants.csv if there is one, else
    :data:`LI_METAL_DENSITY` (CRC Handbook, cited in :data:`LI_METAL_DENSITY_SOURCE`)."""
    if ("li_metal_density",) in constants:
        return constant_given(constants, "li_metal_density", "Li density")
    return Given(name="Li density", quantity=LI_METAL_DENSITY, printed="0.534", unit="g/cm^3",
                 location=LI_METAL_DENSITY_SOURCE, source="analysis.audit.LI_METAL_DENSITY")


def _protocol_quantity(row: Mapping[str, str], column: str, name: str) -> Given | None:
    if not row[column]:
        return None
    q = parse_quantity(row[column], row[f"{column}_unit"], row=int(row["_row"]), value_column=column,
                       unit_column=f"{column}_unit")
    qualifier = row.get("areal_capacity_qualifier", "") if column == "areal_capacity" else ""
    return Given(name=name, quantity=q, printed=row[column], unit=row[f"{column}_unit"], location=row["location"],
                 source=f"protocols.csv#{row['id']}", qualifier=qualifier)


def protocol_checks(protocols: Iterable[Mapping[str, str]], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """:func:`check_areal_capacity_from_current` for every protocol step printing current, duration
    and areal capacity."""
    checks = []
    for row in protocols:
        i = _protocol_quantity(row, "current_density", "current density")
        t = _protocol_quantity(row, "duration", "duration")
        c = _protocol_quantity(row, "areal_capacity", "areal capacity")
        if i is None or t is None or c is None:
            continue
        label = (f"{row['cell_id']} step {row['step']}: {abs(_mag(i.quantity)):g} mA/cm² × {t.printed} h "
                 f"vs {c.qualifier}{c.printed} mAh/cm²")
        checks.append(check_areal_capacity_from_current(f"capacity_from_current__{row['id']}", i, t, c, label=label,
                                                        thresholds=thresholds))
    return checks


_PRETTY_UNITS = {"mAh/cm^2": "mAh/cm²", "mA/cm^2": "mA/cm²", "mg/cm^2": "mg/cm²", "percent": "%", "degC": "°C",
                 "um": "µm", "cm^3": "cm³", "cm^2": "cm²", "g/cm^3": "g/cm³", "dimensionless": ""}


def pretty_unit(unit: str) -> str:
    """A unit string of the data files as it reads in a label: 'mAh/cm^2' -> 'mAh/cm²', 'percent' -> '%'."""
    return _PRETTY_UNITS.get(unit, unit)


def short_location(location: str) -> str:
    """First place a number is printed, abbreviated for labels: 'Exp.', 'Sec. 2.2', 'Fig. 4b cap.', 'Table S1'."""
    text = location.split(";")[0].strip()
    if text.startswith("Experimental Section"):
        return "Exp."
    text = re.sub(r"^Main text, Section ", "Sec. ", text)
    text = re.sub(r"^Main text, ", "", text)
    text = re.sub(r"^SI, ", "", text)
    text = re.sub(r"Figure (S?\d+) caption(?: \((\w+)\))?", lambda m: f"Fig. {m.group(1)}{m.group(2) or ''} cap.", text)
    return re.sub(r"^(Table S\d).*$", r"\1", text)


def _printed(g: Given, with_unit: bool = True) -> str:
    unit = pretty_unit(g.unit)
    return f"{g.qualifier}{g.printed}" + (f" {unit}" if with_unit and unit else "")


def conflict_pairs(reported: Mapping[tuple[str, ...], Record]) -> list[tuple[str, str]]:
    """Every ``conflicts_with`` link of reported_values.csv once, as (first printed row, other)."""
    pairs = set()
    for (value_id,), record in reported.items():
        for other in filter(None, (s.strip() for s in record.fields.get("conflicts_with", "").split(";"))):
            if (other,) not in reported:
                raise KeyError(f"reported_values.csv#{value_id}: conflicts_with names unknown id '{other}'")
            a, b = sorted((value_id, other), key=lambda k: reported[(k,)].row)
            pairs.add((a, b))
    return sorted(pairs, key=lambda p: (reported[(p[0],)].row, reported[(p[1],)].row))


def conflict_checks(reported: Mapping[tuple[str, ...], Record], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """:func:`check_same_quantity` for every contradiction recorded through ``conflicts_with``."""
    checks = []
    for a, b in conflict_pairs(reported):
        ga, gb = reported_given(reported, a), reported_given(reported, b)
        cell = reported[(a,)].fields["cell"].split(" (")[0].split(" and ")[0].split(" on ")[0]
        cell = cell.removeprefix("30um-")
        quantity = ga.name.replace("_", " ").replace("areal ", "").replace("current density", "current")
        checks.append(check_same_quantity(
            f"conflict__{a}__vs__{b}", ga, gb, group="conflict", thresholds=thresholds,
            label=f"{quantity}, {cell}: {_printed(ga, False)} ({short_location(ga.location)}) "
                  f"vs {_printed(gb)} ({short_location(gb.location)})",
            description=f"recorded contradiction: {ga.name} printed as {ga.qualifier}{ga.printed} {ga.unit} "
                        f"({ga.location}) and {gb.qualifier}{gb.printed} {gb.unit} ({gb.location})",
        ))
    return checks


def text_conflicts(cell_properties: Iterable[Mapping[str, str]]) -> list[tuple[str, str, str, str]]:
    """Contradictions of cell_properties.csv that are words, not numbers: (id, text, other id, text)."""
    rows = {r["id"]: r for r in cell_properties}
    out = set()
    for r in rows.values():
        if r["value"] or not r["conflicts_with"]:
            continue
        for other in filter(None, (s.strip() for s in r["conflicts_with"].split(";"))):
            a, b = sorted((r["id"], other))
            out.add((a, rows[a]["text"], b, rows[b]["text"]))
    return sorted(out)


#: Same quantity printed with different digits, units, sign or qualifier (not contradictions).
PRINTING_PAIRS: tuple[tuple[str, str], ...] = (
    ("lithiation_cutoff_voltage_hc", "lithiation_cutoff_voltage_hc_exp"),
    ("stripping_cutoff_voltage_hc_il_sec22", "stripping_cutoff_voltage_hc_si"),
    ("particle_size_sinp", "particle_size_sinp_fig_s1"),
    ("current_density_hc_li375si_cycle1_sec23", "current_density_hc_si_cycle1_fig4b"),
    ("plating_current_density_hc_si_rest_exp", "current_density_hc_si_rest_fig4b"),
    ("plating_current_density_hc_ref_cycle1_exp", "current_density_hc_ref_cycle1_fig4a"),
    ("areal_capacity_hc_si_exp", "areal_capacity_hc_si_fig4b"),
    ("areal_capacity_hc_ref_exp", "areal_capacity_hc_ref_fig4a"),
    ("rate_capability_5c_sec24", "rate_capability_5c"),
    ("li_foil_thickness_fc_sec24", "li_foil_thickness_fc"),
)

#: Main-text values that Table S2 prints with more digits or in other units: (reported id, layer, quantity).
TABLE_S2_TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("porosity_sinp_cnt", P.SINP_CNT, "porosity"),
    ("porosity_li375si_cnt", P.LI375SI_CNT, "porosity"),
    ("thickness_sinp_cnt", P.SINP_CNT, "layer_thickness"),
    ("thickness_li375si_cnt", P.LI375SI_CNT, "layer_thickness"),
)


def printing_checks(data: PaperData, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """The same quantity printed twice (text, captions, Experimental Section, Table S2, Table S1)."""
    rep = data.reported
    checks = []
    for a, b in PRINTING_PAIRS:
        ga, gb = reported_given(rep, a), reported_given(rep, b)
        checks.append(check_same_quantity(
            f"printing__{a}__vs__{b}", ga, gb, thresholds=thresholds,
            label=f"{ga.name.replace('_', ' ')}: {_printed(ga)} ({short_location(ga.location)}) "
                  f"vs {_printed(gb)} ({short_location(gb.location)})",
            description=f"the same quantity printed twice: {ga.location} / {gb.location}"))
    for value_id, layer, quantity in TABLE_S2_TEXT_PAIRS:
        ga, gb = reported_given(rep, value_id), table_s2_given(data.table_s2, layer, quantity)
        checks.append(check_same_quantity(
            f"printing__{value_id}__vs__table_s2", ga, gb, thresholds=thresholds,
            label=f"{layer} {quantity.replace('_', ' ')}: text {_printed(ga)} vs Table S2 {_printed(gb)}",
            description=f"main text vs SI Table S2 ({ga.location} / {gb.location})"))
    checks.extend(table_s1_checks(data, thresholds))
    checks.append(check_ratio(
        "printing__nucleation_overpotential_ratio", reported_given(rep, "nucleation_overpotential_hc_sus", "14.2 mV (SUS/SE)"),
        reported_given(rep, "nucleation_overpotential_hc_il", "1.5 mV (Li3.75Si-CNT)"),
        reported_given(rep, "nucleation_overpotential_ratio", "'almost ten times'"), thresholds=thresholds,
        label="nucleation overpotential 14.2 mV / 1.5 mV vs 'almost ten times'",
        description="ratio of the two printed nucleation overpotentials vs 'almost ten times lower' (an upper bound)"))
    return checks


def table_s1_checks(data: PaperData, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """Table S1's this-work row vs the main text (the 25 °C is covered by the conflict checks)."""
    rep = data.reported
    row = next(r for r in data.table_s1 if r["id"] == "s1_this_work")

    def s1(column: str, unit_column: str, name: str) -> Given:
        return Given(name=name, quantity=parse_quantity(row[column], row[unit_column]), printed=row[column],
                     unit=row[unit_column], location=row["location"], source=f"table_s1_interlayers.csv#s1_this_work/{column}")

    pairs = [("thickness_li375si_cnt", s1("thickness_min", "thickness_unit", "interlayer thickness")),
             ("ice_fc_il", s1("initial_coulombic_efficiency", "ice_unit", "initial Coulombic efficiency")),
             ("rate_capability_5c", s1("rate_capability", "rate_capability_unit", "rate capability 5C/0.05C"))]
    by_cycles = {int(r["cycles"]): r for r in data.table_s1_retention if r["interlayer_id"] == "s1_this_work"}
    for value_id, cycles in (("retention_fc_il_200", 200), ("retention_fc_il_20c_49", 49)):
        if int(rep[(value_id,)].fields["at_cycle"]) != cycles:
            raise ValueError(f"{value_id} is not a retention after {cycles} cycles")
        r = by_cycles[cycles]
        pairs.append((value_id, Given(name=f"capacity retention @{cycles} cycles", quantity=parse_quantity(
            r["capacity_retention"], r["retention_unit"]), printed=r["capacity_retention"], unit=r["retention_unit"],
            location=r["location"], source=f"table_s1_retention.csv#{r['id']}")))
    r200 = by_cycles[200]
    pairs.append(("temperature_fc_60c", Given(name="temperature @200 cycles", quantity=parse_quantity(
        r200["temperature"], r200["temperature_unit"]), printed=r200["temperature"], unit=r200["temperature_unit"],
        location=r200["location"], source=f"table_s1_retention.csv#{r200['id']}")))
    checks = []
    for value_id, other in pairs:
        ga = reported_given(rep, value_id)
        checks.append(check_same_quantity(
            f"printing__{value_id}__vs__table_s1", ga, other, thresholds=thresholds,
            label=f"{other.name}: text {_printed(ga)} vs Table S1 {_printed(other)}",
            description=f"main text vs SI Table S1, this-work row ({ga.location.split(';')[0]})"))
    return checks


def porosity_checks(data: PaperData, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """Table S2 reproduced (its own arithmetic) and recomputed from first principles, plus the
    three of its inputs that can be checked independently."""
    rep, s2, const = data.reported, data.table_s2, data.constants
    paper = P.Assumptions.table_s2()
    paper_inputs = P.resolve_inputs(s2, rep, const, paper)
    paper_result = P.layer_breakdown(paper_inputs, scale_carbon_volume=paper.scale_carbon_volume)
    fp = P.Assumptions()
    fp_inputs = P.resolve_inputs(s2, rep, const, fp)
    fp_result = P.layer_breakdown(fp_inputs, scale_carbon_volume=fp.scale_carbon_volume)
    cells = P.comparison_rows(s2, (paper_inputs, paper_result), (fp_inputs, fp_result, fp))
    matched = sum(bool(r["matches_printed_digits"]) for r in cells)

    def inputs(layer: str, *extra: Given, table_s2_choices: bool) -> tuple[Given, ...]:
        """The Table S2 cells a layer's porosity rests on (the area only under Table S2's choices)."""
        names = ["carbon_mass", "active_mass", "carbon_true_density", "active_true_density", "layer_thickness"]
        cells = [table_s2_given(s2, P.SINP_CNT, q) for q in names + (["electrode_area"] if table_s2_choices else [])]
        if layer == P.LI375SI_CNT:
            lithiated = ["active_true_density", "layer_thickness"] if table_s2_choices else ["layer_thickness"]
            cells += [table_s2_given(s2, layer, q) for q in lithiated]
        return (*cells, *extra)

    weights = {"table_s2": [constant_given(const, "li_atomic_weight_table_s2", "M(Li)"),
                            constant_given(const, "si_atomic_weight_table_s2", "M(Si)")],
               "iupac_2021": [constant_given(const, "li_atomic_weight_iupac_2021", "M(Li)"),
                              constant_given(const, "si_atomic_weight_iupac_2021", "M(Si)"),
                              constant_given(const, "li15si4_lattice_parameter", "a(Li15Si4)"),
                              constant_given(const, "li15si4_formula_units_per_cell", "Z(Li15Si4)"),
                              reported_given(rep, "pellet_diameter", "pellet diameter")]}
    checks = []
    short = {P.SINP_CNT: "sinp_cnt", P.LI375SI_CNT: "li375si_cnt"}
    for layer in P.LAYERS:
        checks.append(check_porosity(
            f"table_s2__porosity_{short[layer]}_reproduced", paper_result[layer]["porosity"],
            table_s2_given(s2, layer, "porosity"), thresholds=thresholds,
            label=f"Table S2 {layer} porosity: its own arithmetic vs {s2[(layer, 'porosity')].printed} %",
            description=f"Table S2 recomputed with its own choices (analysis.porosity); {matched} of {len(cells)} "
                        f"Table S2 cells reproduced to every printed digit",
            inputs=inputs(layer, *weights["table_s2"], table_s2_choices=True), assumptions=("table_s2_arithmetic",)))
        stated = reported_given(rep, f"porosity_{short[layer]}")
        checks.append(check_porosity(
            f"table_s2__porosity_{short[layer]}_first_principles", fp_result[layer]["porosity"], stated,
            thresholds=thresholds,
            label=f"{layer} porosity: first principles vs {stated.printed} % (text)",
            description=f"porosity recomputed from first principles ({fp.describe()}) vs the main text",
            inputs=inputs(layer, *weights["iupac_2021"], table_s2_choices=False),
            assumptions=("table_s2_first_principles", "full_li15si4")))
    checks.append(check_table_s2_carbon_volume(
        table_s2_given(s2, P.SINP_CNT, "carbon_mass"), table_s2_given(s2, P.SINP_CNT, "carbon_true_density"),
        table_s2_given(s2, P.LI375SI_CNT, "carbon_volume_scaled"), thresholds=thresholds))
    checks.append(check_li15si4_density(
        table_s2_given(s2, P.LI375SI_CNT, "active_true_density"), constant_given(const, "li15si4_lattice_parameter", "a"),
        constant_given(const, "li15si4_formula_units_per_cell", "Z"),
        constant_given(const, "li_atomic_weight_iupac_2021", "M(Li)"), constant_given(const, "si_atomic_weight_iupac_2021", "M(Si)"),
        thresholds=thresholds))
    checks.append(check_electrode_area(table_s2_given(s2, P.SINP_CNT, "electrode_area"),
                                       reported_given(rep, "pellet_diameter"), thresholds=thresholds))
    return checks


def run_audit(data: PaperData, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Check]:
    """Every check the paper's numbers allow, sorted by check id."""
    rep, const, s2 = data.reported, data.constants, data.table_s2

    def g(value_id: str, name: str = "") -> Given:
        return reported_given(rep, value_id, name)

    m_li = constant_given(const, "li_atomic_weight_iupac_2021", "M(Li)")
    m_si = constant_given(const, "si_atomic_weight_iupac_2021", "M(Si)")
    rho_li = li_metal_density(const)
    rho_crystal = cubic_cell_density(const[("li15si4_lattice_parameter",)].quantity,
                                     const[("li15si4_formula_units_per_cell",)].quantity,
                                     li15si4_formula_mass(m_li.quantity, m_si.quantity))
    rho_crystal_given = Given(name="Li3.75Si true density", quantity=rho_crystal.to("g/cm^3"),
                              printed=f"{_mag(rho_crystal.to('g/cm^3')):.4f}", unit="g/cm^3",
                              location="Obrovac & Christensen 2004 (a = 10.685 Å, Z = 4)", source="computed: Z·M/(N_A·a³)")

    checks: list[Check] = []
    checks += protocol_checks(data.protocols, thresholds)
    checks.append(check_si_lithiation_from_loading(g("loading_sinp_cnt", "loading"), g("si_mass_fraction_sinp_cnt", "Si mass fraction"),
                                                   m_si, g("si_lithiation_areal_capacity"), thresholds=thresholds))
    checks.append(check_si_lithiation_from_table_s2(table_s2_given(s2, P.SINP_CNT, "active_mass", "Si mass"),
                                                    table_s2_given(s2, P.SINP_CNT, "electrode_area", "area"), m_si,
                                                    g("si_lithiation_areal_capacity"), thresholds=thresholds))
    checks.append(check_capacity_from_c_rate(
        "si_lithiation__capacity_from_c_rate", g("lithiation_current_density", "lithiation current"),
        g("lithiation_c_rate", "C-rate"), g("si_lithiation_areal_capacity"), thresholds=thresholds,
        label="Si lithiation: 0.3 mA/cm² / 0.45 C × 1 h vs 0.68 mAh/cm²",
        description="capacity the printed C-rate of the Si lithiation implies (1 C × 1 h) vs the printed Si lithiation capacity"))
    checks += porosity_checks(data, thresholds)

    cathode = (g("cathode_mixture_loading", "cathode mixture loading"), g("cathode_ncm811_mass_fraction", "NCM811 fraction"),
               g("specific_capacity_fc_il_cycle1", "first-cycle specific capacity"))
    checks.append(check_c_rate_current("cathode__current_0p1c", g("fc_c_rate_cycle1", "C-rate"),
                                       g("fc_current_density_cycle1", "current density"), *cathode, thresholds=thresholds))
    checks.append(check_c_rate_current("cathode__current_0p35c", g("fc_c_rate_rest", "C-rate"),
                                       g("fc_current_density_rest", "current density"), *cathode, thresholds=thresholds))
    checks.append(check_c_rate_currents_agree(g("fc_c_rate_cycle1", "C-rate"), g("fc_current_density_cycle1"),
                                              g("fc_c_rate_rest", "C-rate"), g("fc_current_density_rest"), thresholds=thresholds))
    checks.append(check_capacity_ratio(g("areal_capacity_fc_il_20c"), g("capacity_ratio_20c_60c"), *cathode, thresholds=thresholds))

    checks.append(check_li_specific_capacity(g("li_theoretical_capacity"), m_li, thresholds=thresholds))
    foil = g("li_foil_thickness_fc", "foil thickness")
    checks.append(check_li_foil_covers_si_lithiation(foil, rho_li, m_li, g("si_lithiation_areal_capacity"), thresholds=thresholds))
    checks.append(check_np_ratio(foil, rho_li, m_li, g("si_lithiation_areal_capacity"), g("fc_current_density_cycle1"),
                                 g("fc_c_rate_cycle1", "C-rate"), thresholds=thresholds))

    thickness = (g("thickness_sinp_cnt", "thickness before"), g("thickness_li375si_cnt", "thickness after"),
                 g("porosity_sinp_cnt", "porosity before"), g("porosity_li375si_cnt", "porosity after"),
                 g("si_mass_fraction_sinp_cnt", "Si mass fraction"),
                 table_s2_given(s2, P.SINP_CNT, "active_true_density", "Si true density"),
                 table_s2_given(s2, P.SINP_CNT, "carbon_true_density", "carbon true density"))
    checks.append(check_thickness_from_expansion("thickness__from_expansion_crystallographic_density", *thickness,
                                                 rho_crystal_given, m_li, m_si, thresholds=thresholds,
                                                 density_assumption="li15si4_density_crystallographic"))
    checks.append(check_thickness_from_expansion("thickness__from_expansion_table_s2_density", *thickness,
                                                 table_s2_given(s2, P.LI375SI_CNT, "active_true_density", "Li3.75Si true density"),
                                                 m_li, m_si, thresholds=thresholds, density_assumption="li15si4_density_table_s2"))

    checks += conflict_checks(rep, thresholds)
    checks += printing_checks(data, thresholds)
    for attribute in ("check_id", "label"):
        values = [getattr(c, attribute) for c in checks]
        duplicated = sorted({v for v in values if values.count(v) > 1})
        if duplicated:
            raise ValueError(f"duplicate check {attribute}s: {duplicated}")
    return sorted(checks, key=lambda c: c.check_id)


def table_rows(checks: Iterable[Check]) -> list[dict[str, object]]:
    """Rows of ``tables/consistency_audit.csv``, sorted by check id."""
    return [c.row() for c in sorted(checks, key=lambda c: c.check_id)]


def verdict_counts(checks: Iterable[Check]) -> dict[str, int]:
    counts = {v: 0 for v in VERDICTS}
    for c in checks:
        counts[c.verdict] += 1
    return counts


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------
#: Smallest |relative difference| shown (log axis); smaller ones (exact agreement) are drawn here.
FLOOR_PERCENT = 1e-4

#: Headings of the check groups in the figure, in the order of the sorted check ids.
GROUP_TITLES = {
    "capacity_from_current": "Protocol steps: capacity = |current| × time",
    "cathode": "Cathode loading, C-rates, 20 °C capacity",
    "conflict": "Recorded contradictions (conflicts_with)",
    "li_inventory": "Li metal and Li-foil inventory",
    "same_quantity": "Same quantity printed twice",
    "si_lithiation": "Si lithiation capacity",
    "table_s2": "Table S2 (porosity)",
    "thickness": "Layer thickness vs Si volume expansion",
}
VERDICT_COLOURS = {"consistent": 2, "minor": 8, "inconsistent": 3}  # indices into analysis.plotting.PALETTE


def relative_difference_bars(checks: Sequence[Check], thresholds: Thresholds = DEFAULT_THRESHOLDS):
    """One horizontal bar per check: |relative difference| in percent on a log axis, coloured by
    verdict, with the two thresholds, a heading per group and bound checks hatched (their bar is
    the margin by which the bound is met or missed)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .plotting import PALETTE, apply_style

    colours = {v: PALETTE[i] for v, i in VERDICT_COLOURS.items()}
    rows: list[Check | str] = []
    for c in checks:
        if not rows or (isinstance(rows[-1], Check) and rows[-1].group != c.group):
            rows.append(GROUP_TITLES.get(c.group, c.group))
        rows.append(c)
    apply_style()
    n = len(rows)
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.16 * n), layout="constrained")
    ys = list(range(n))[::-1]
    labels = []
    for y, row in zip(ys, rows):
        if isinstance(row, str):
            labels.append(row)
            continue
        labels.append(row.label)
        value = max(abs(row.relative_difference) * 100, FLOOR_PERCENT)
        bound = row.relation != "equal"
        ax.barh(y, value, height=0.72, color=colours[row.verdict], hatch="/////" if bound else None,
                edgecolor="0.25", linewidth=0.3)
        size = abs(row.relative_difference) * 100
        text = "0" if size < 1e-10 else f"< {FLOOR_PERCENT:g} %" if size < FLOOR_PERCENT else f"{100 * row.relative_difference:+.3g} %"
        ax.text(value * 1.2, y, text, va="center", ha="left", fontsize=6.5, color="0.2",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.2, "alpha": 0.85})
    ax.set_xscale("log")
    ax.set_xlim(FLOOR_PERCENT / 2, 3e4)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks(ys, labels, fontsize=6.5)
    for tick, row in zip(ax.get_yticklabels(), rows):
        if isinstance(row, str):
            tick.set_fontweight("bold")
            tick.set_fontsize(7.5)
    for limit in (thresholds.consistent, thresholds.minor):
        ax.axvline(100 * limit, color="0.3", lw=0.7, ls="--", zorder=0)
    ax.set_xlabel("|computed − stated| / |stated| (%)")
    ax.set_title(f"Consistency audit of the paper: {sum(isinstance(r, Check) for r in rows)} checks",
                 loc="left", fontsize=9)
    handles = [Patch(facecolor=colours[v], edgecolor="0.25", linewidth=0.3, label=v) for v in VERDICTS]
    handles.append(Patch(facecolor="0.85", hatch="/////", edgecolor="0.25", linewidth=0.3, label="bound (bar = margin)"))
    handles.append(Line2D([], [], color="0.3", lw=0.7, ls="--",
                          label=f"thresholds {100 * thresholds.consistent:g} %, {100 * thresholds.minor:g} %"))
    ax.legend(handles=handles, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.045), ncol=2, fontsize=7)
    ax.tick_params(axis="y", length=0)
    return fig
