"""Porosity of the SiNP-CNT and Li3.75Si-CNT interlayers (SI Table S2, Figure 2h).

Porosity is the volume fraction of a layer not taken by solid::

    porosity = 1 - sum_i(m_i / rho_i) / (thickness * area)

with m_i the mass and rho_i the true (skeletal) density of each solid component.

The paper's spreadsheet (Table S2) is reproduced by one set of assumptions,
:meth:`Assumptions.table_s2`; the first-principles recomputation changes them one at a time
(:func:`assumption_steps`), so every difference between the two has a named cause:

``scale_carbon_volume``
    Table S2 multiplies the carbon volume of the lithiated layer by the Li3.75Si/Si mass ratio
    (7.14286E-06 cc -> 1.37626E-05 cc), as if the CNTs gained Si's lithium. From first principles
    the CNT volume stays what it was.
``atomic_weights``
    Table S2's Li3.75Si mass (0.000260114 g) follows from M(Li) = 6.941 and M(Si) = 28.0855 g/mol
    (pre-2009 IUPAC values); IUPAC 2021 gives 6.94 and 28.085 g/mol.
``li3_75si_density``
    Table S2 uses 1.22 g/cc for Li3.75Si; the crystal structure of Li15Si4 (a = 10.685 Å, Z = 4)
    gives 1.178 g/cm³.
``electrode_area``
    Table S2 uses 0.785 cm²; the 1 cm pellet die gives π/4 cm² = 0.7854 cm².
``electrode_loading``
    Table S2's masses imply 0.15 mg on 0.785 cm² = 0.191 mg/cm²; the Experimental Section states
    ≈0.21 mg/cm². ``None`` keeps the Table S2 masses (sensitivity variant otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal, Mapping

import numpy as np
import pint

from .chemistry import LI15SI4_X, cubic_cell_density, li15si4_formula_mass, lithiated_mass_ratio
from .tables import Record
from .units import AREA, DENSITY, DIMENSIONLESS, LENGTH, MASS, MOLAR_MASS, Q_, require

SINP_CNT = "SiNP-CNT"
LI375SI_CNT = "Li3.75Si-CNT"
LAYERS = (SINP_CNT, LI375SI_CNT)

#: Output quantities per layer, in the order of Table S2.
QUANTITIES = {
    SINP_CNT: ("carbon_volume", "active_volume", "layer_volume", "solid_volume_fraction", "porosity"),
    LI375SI_CNT: ("active_mass", "carbon_volume", "active_volume", "carbon_volume_scaled",
                  "layer_volume", "solid_volume_fraction", "porosity"),
}


# --------------------------------------------------------------------------------------------
# The physics: three small functions
# --------------------------------------------------------------------------------------------
def solid_volume(mass: pint.Quantity, true_density: pint.Quantity) -> pint.Quantity:
    """Volume a solid of ``mass`` takes at its ``true_density`` (no pores): m / rho."""
    require(mass, MASS, "mass", positive=True)
    require(true_density, DENSITY, "true_density", positive=True)
    return (mass / true_density).to("cm^3")


def layer_volume(thickness: pint.Quantity, area: pint.Quantity) -> pint.Quantity:
    """Envelope volume of a layer: thickness · area."""
    require(thickness, LENGTH, "thickness", positive=True)
    require(area, AREA, "area", positive=True)
    return (thickness * area).to("cm^3")


def porosity_from_volumes(solid_volumes: list[pint.Quantity], envelope_volume: pint.Quantity) -> pint.Quantity:
    """1 - (sum of solid volumes) / envelope volume, as a dimensionless fraction.

    A result below zero means more solid than room for it: the inputs contradict each other.
    """
    if not solid_volumes:
        raise ValueError("porosity needs at least one solid volume")
    total = solid_volumes[0]
    for v in solid_volumes[1:]:
        total = total + v
    require(total, "[length] ** 3", "solid volume")
    require(envelope_volume, "[length] ** 3", "envelope volume", positive=True)
    return (1 - total / envelope_volume).to("dimensionless")


def porosity(
    masses: list[pint.Quantity], true_densities: list[pint.Quantity], thickness: pint.Quantity, area: pint.Quantity
) -> pint.Quantity:
    """Porosity of a layer of solids with ``masses`` and ``true_densities`` (paired in order)."""
    if len(masses) != len(true_densities):
        raise ValueError(f"{len(masses)} masses but {len(true_densities)} true densities")
    return porosity_from_volumes(
        [solid_volume(m, rho) for m, rho in zip(masses, true_densities)], layer_volume(thickness, area)
    )


# --------------------------------------------------------------------------------------------
# Assumptions and inputs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assumptions:
    """Every choice the porosity of the two layers depends on, by name (see module docstring)."""

    atomic_weights: Literal["table_s2", "iupac_2021"] = "iupac_2021"
    li3_75si_density: Literal["table_s2", "crystallographic"] = "crystallographic"
    scale_carbon_volume: bool = False
    electrode_area: Literal["table_s2", "pellet_diameter"] = "pellet_diameter"
    electrode_loading: pint.Quantity | None = None
    stoichiometry: float = LI15SI4_X

    @classmethod
    def table_s2(cls) -> "Assumptions":
        """The choices behind the paper's own spreadsheet (reproduces every printed digit)."""
        return cls(atomic_weights="table_s2", li3_75si_density="table_s2",
                   scale_carbon_volume=True, electrode_area="table_s2")

    def describe(self) -> str:
        loading = "Table S2 masses" if self.electrode_loading is None else f"loading {self.electrode_loading:~P}"
        return (f"atomic weights: {self.atomic_weights}; Li3.75Si density: {self.li3_75si_density}; "
                f"carbon volume scaled with Si lithiation: {'yes' if self.scale_carbon_volume else 'no'}; "
                f"area: {self.electrode_area}; masses: {loading}; x = {self.stoichiometry:g}")


@dataclass(frozen=True)
class PorosityInputs:
    """The numbers that go into both layers' porosity. Scalars, or arrays for Monte Carlo."""

    carbon_mass: pint.Quantity
    si_mass: pint.Quantity
    carbon_true_density: pint.Quantity
    si_true_density: pint.Quantity
    li3_75si_true_density: pint.Quantity
    sinp_cnt_thickness: pint.Quantity
    li3_75si_cnt_thickness: pint.Quantity
    electrode_area: pint.Quantity
    li_molar_mass: pint.Quantity
    si_molar_mass: pint.Quantity
    stoichiometry: float = LI15SI4_X

    def __post_init__(self) -> None:
        dims = {"carbon_mass": MASS, "si_mass": MASS, "carbon_true_density": DENSITY,
                "si_true_density": DENSITY, "li3_75si_true_density": DENSITY,
                "sinp_cnt_thickness": LENGTH, "li3_75si_cnt_thickness": LENGTH,
                "electrode_area": AREA, "li_molar_mass": MOLAR_MASS, "si_molar_mass": MOLAR_MASS}
        for name, dim in dims.items():
            require(getattr(self, name), dim, name, positive=True)


def _get(table: Mapping[tuple[str, ...], Record], *key: str) -> pint.Quantity:
    try:
        return table[key].quantity
    except KeyError:
        raise KeyError(f"missing entry {key} in the input table") from None


def resolve_inputs(
    table_s2: Mapping[tuple[str, ...], Record],
    reported: Mapping[tuple[str, ...], Record],
    constants: Mapping[tuple[str, ...], Record],
    assumptions: Assumptions,
) -> PorosityInputs:
    """Turn the transcribed tables and the :class:`Assumptions` into :class:`PorosityInputs`."""
    suffix = "table_s2" if assumptions.atomic_weights == "table_s2" else "iupac_2021"
    if assumptions.atomic_weights not in ("table_s2", "iupac_2021"):
        raise ValueError(f"atomic_weights must be 'table_s2' or 'iupac_2021', got {assumptions.atomic_weights!r}")
    m_li = _get(constants, f"li_atomic_weight_{suffix}")
    m_si = _get(constants, f"si_atomic_weight_{suffix}")

    if assumptions.li3_75si_density == "table_s2":
        rho_lisi = _get(table_s2, LI375SI_CNT, "active_true_density")
    elif assumptions.li3_75si_density == "crystallographic":
        rho_lisi = cubic_cell_density(
            _get(constants, "li15si4_lattice_parameter"),
            _get(constants, "li15si4_formula_units_per_cell"),
            li15si4_formula_mass(m_li, m_si),
        )
    else:
        raise ValueError(f"li3_75si_density must be 'table_s2' or 'crystallographic', got {assumptions.li3_75si_density!r}")

    if assumptions.electrode_area == "table_s2":
        area = _get(table_s2, SINP_CNT, "electrode_area")
    elif assumptions.electrode_area == "pellet_diameter":
        area = (np.pi / 4 * _get(reported, "pellet_diameter") ** 2).to("cm^2")
    else:
        raise ValueError(f"electrode_area must be 'table_s2' or 'pellet_diameter', got {assumptions.electrode_area!r}")

    carbon_mass = _get(table_s2, SINP_CNT, "carbon_mass")
    si_mass = _get(table_s2, SINP_CNT, "active_mass")
    if assumptions.electrode_loading is not None:
        loading = require(assumptions.electrode_loading, "[mass] / [length] ** 2", "electrode_loading", positive=True)
        si_fraction = _get(reported, "si_mass_fraction_sinp_cnt").to("dimensionless")
        total = (loading * area).to("g")
        si_mass, carbon_mass = total * si_fraction, total * (1 - si_fraction)

    return PorosityInputs(
        carbon_mass=carbon_mass,
        si_mass=si_mass,
        carbon_true_density=_get(table_s2, SINP_CNT, "carbon_true_density"),
        si_true_density=_get(table_s2, SINP_CNT, "active_true_density"),
        li3_75si_true_density=rho_lisi,
        sinp_cnt_thickness=_get(table_s2, SINP_CNT, "layer_thickness"),
        li3_75si_cnt_thickness=_get(table_s2, LI375SI_CNT, "layer_thickness"),
        electrode_area=area,
        li_molar_mass=m_li,
        si_molar_mass=m_si,
        stoichiometry=assumptions.stoichiometry,
    )


# --------------------------------------------------------------------------------------------
# The calculation of Table S2, step by step
# --------------------------------------------------------------------------------------------
def layer_breakdown(inputs: PorosityInputs, *, scale_carbon_volume: bool) -> dict[str, dict[str, pint.Quantity]]:
    """Every quantity of Table S2 for both layers, in Table S2's units (cm³, g, percent)."""
    carbon_volume = solid_volume(inputs.carbon_mass, inputs.carbon_true_density)

    si_volume = solid_volume(inputs.si_mass, inputs.si_true_density)
    v_sinp = layer_volume(inputs.sinp_cnt_thickness, inputs.electrode_area)
    por_sinp = porosity_from_volumes([carbon_volume, si_volume], v_sinp)

    ratio = lithiated_mass_ratio(inputs.stoichiometry, inputs.li_molar_mass, inputs.si_molar_mass)
    lisi_mass = (inputs.si_mass * ratio).to("g")
    lisi_volume = solid_volume(lisi_mass, inputs.li3_75si_true_density)
    carbon_in_lithiated = (carbon_volume * ratio).to("cm^3") if scale_carbon_volume else carbon_volume
    v_lisi = layer_volume(inputs.li3_75si_cnt_thickness, inputs.electrode_area)
    por_lisi = porosity_from_volumes([lisi_volume, carbon_in_lithiated], v_lisi)

    return {
        SINP_CNT: {
            "carbon_volume": carbon_volume,
            "active_volume": si_volume,
            "layer_volume": v_sinp,
            "solid_volume_fraction": (1 - por_sinp).to("percent"),
            "porosity": por_sinp.to("percent"),
        },
        LI375SI_CNT: {
            "active_mass": lisi_mass,
            "carbon_volume": carbon_volume,
            "active_volume": lisi_volume,
            "carbon_volume_scaled": carbon_in_lithiated,
            "layer_volume": v_lisi,
            "solid_volume_fraction": (1 - por_lisi).to("percent"),
            "porosity": por_lisi.to("percent"),
        },
    }


def compute(
    table_s2: Mapping[tuple[str, ...], Record],
    reported: Mapping[tuple[str, ...], Record],
    constants: Mapping[tuple[str, ...], Record],
    assumptions: Assumptions,
) -> dict[str, dict[str, pint.Quantity]]:
    """Table S2 recomputed under ``assumptions``."""
    inputs = resolve_inputs(table_s2, reported, constants, assumptions)
    return layer_breakdown(inputs, scale_carbon_volume=assumptions.scale_carbon_volume)


def assumption_steps(first_principles: Assumptions) -> list[tuple[str, Assumptions]]:
    """From Table S2's choices to ``first_principles``, one named change at a time.

    The list starts with Table S2's own arithmetic and ends with ``first_principles``; each step
    differs from the one before in one field only (steps that change nothing are skipped).
    """
    steps = [("Table S2 arithmetic", Assumptions.table_s2())]
    order = ("scale_carbon_volume", "atomic_weights", "li3_75si_density", "electrode_area",
             "electrode_loading", "stoichiometry")
    labels = {
        "scale_carbon_volume": "carbon volume scaled with Si lithiation: {}",
        "atomic_weights": "atomic weights: {}",
        "li3_75si_density": "Li3.75Si true density: {}",
        "electrode_area": "electrode area: {}",
        "electrode_loading": "masses from loading: {}",
        "stoichiometry": "Li per Si: {}",
    }
    current = steps[0][1]
    for name in order:
        new_value = getattr(first_principles, name)
        if getattr(current, name) == new_value:
            continue
        current = replace(current, **{name: new_value})
        shown = ("yes" if new_value else "no") if isinstance(new_value, bool) else (
            f"{new_value:~P}" if isinstance(new_value, pint.Quantity) else str(new_value))
        steps.append((labels[name].format(shown), current))
    assert fields(Assumptions) and current == first_principles
    return steps


# --------------------------------------------------------------------------------------------
# Uncertainty: Monte Carlo over assumed input uncertainties
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InputUncertainty:
    """Assumed one-standard-deviation uncertainties of the inputs (normal distributions).

    The paper states none; every value here is an assumption, set in ``config/config.yaml``.
    ``electrode_mass_relative`` scales carbon and Si masses together (one weighed electrode,
    fixed 90:10 ratio), and the same electrode mass enters both layers.
    """

    sinp_cnt_thickness: pint.Quantity
    li3_75si_cnt_thickness: pint.Quantity
    electrode_mass_relative: float
    carbon_true_density: pint.Quantity
    si_true_density: pint.Quantity
    li3_75si_true_density: pint.Quantity
    electrode_area: pint.Quantity

    def __post_init__(self) -> None:
        for name, dim in (("sinp_cnt_thickness", LENGTH), ("li3_75si_cnt_thickness", LENGTH),
                          ("carbon_true_density", DENSITY), ("si_true_density", DENSITY),
                          ("li3_75si_true_density", DENSITY), ("electrode_area", AREA)):
            q = require(getattr(self, name), dim, f"uncertainty of {name}")
            if q.magnitude < 0:
                raise ValueError(f"uncertainty of {name} must not be negative, got {q:~P}")
        if not 0 <= self.electrode_mass_relative < 1:
            raise ValueError(f"electrode_mass_relative must be in [0, 1), got {self.electrode_mass_relative}")


def sample_inputs(inputs: PorosityInputs, sd: InputUncertainty, n: int, seed: int) -> PorosityInputs:
    """``n`` Monte Carlo draws of ``inputs`` (seeded; the same seed gives the same draws).

    Draws are normal around the nominal value; any non-positive draw raises, since it would mean
    the assumed uncertainty is far too large for the quantity.
    """
    if n < 2:
        raise ValueError(f"need at least 2 Monte Carlo samples, got {n}")
    rng = np.random.default_rng(seed)

    def draw(nominal: pint.Quantity, sigma: pint.Quantity) -> pint.Quantity:
        sigma = sigma.to(nominal.units)
        return Q_(rng.normal(nominal.magnitude, sigma.magnitude, size=n), nominal.units)

    mass_factor = Q_(rng.normal(1.0, sd.electrode_mass_relative, size=n), "dimensionless")
    return replace(
        inputs,
        carbon_mass=inputs.carbon_mass * mass_factor,
        si_mass=inputs.si_mass * mass_factor,
        carbon_true_density=draw(inputs.carbon_true_density, sd.carbon_true_density),
        si_true_density=draw(inputs.si_true_density, sd.si_true_density),
        li3_75si_true_density=draw(inputs.li3_75si_true_density, sd.li3_75si_true_density),
        sinp_cnt_thickness=draw(inputs.sinp_cnt_thickness, sd.sinp_cnt_thickness),
        li3_75si_cnt_thickness=draw(inputs.li3_75si_cnt_thickness, sd.li3_75si_cnt_thickness),
        electrode_area=draw(inputs.electrode_area, sd.electrode_area),
    )


def summarize(samples: pint.Quantity, level: float = 0.95) -> dict[str, pint.Quantity]:
    """Mean, standard deviation, median and central ``level`` interval of Monte Carlo samples."""
    require(samples, DIMENSIONLESS, "samples")
    values = np.asarray(samples.magnitude, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError("summarize needs a 1-D array of at least 2 samples")
    tail = (1 - level) / 2 * 100
    lo, mid, hi = np.percentile(values, [tail, 50, 100 - tail])
    unit = samples.units
    return {
        "mean": Q_(values.mean(), unit),
        "sd": Q_(values.std(ddof=1), unit),
        "median": Q_(mid, unit),
        "low": Q_(lo, unit),
        "high": Q_(hi, unit),
    }


def uncertainty_budget(
    inputs: PorosityInputs, sd: InputUncertainty, *, scale_carbon_volume: bool
) -> dict[str, dict[str, pint.Quantity]]:
    """First-order (linear) uncertainty of each layer's porosity from each input alone.

    For each input, the porosity change over ±1 standard deviation (central difference), halved:
    ``{input: {layer: contribution}}``. Their root sum of squares is the linear estimate of the
    total standard deviation, a check on the Monte Carlo result.
    """
    def porosities(inp: PorosityInputs) -> dict[str, pint.Quantity]:
        out = layer_breakdown(inp, scale_carbon_volume=scale_carbon_volume)
        return {layer: out[layer]["porosity"] for layer in LAYERS}

    perturbations = {
        "electrode_mass": lambda k: replace(inputs, carbon_mass=inputs.carbon_mass * (1 + k * sd.electrode_mass_relative),
                                            si_mass=inputs.si_mass * (1 + k * sd.electrode_mass_relative)),
    }
    for name in ("sinp_cnt_thickness", "li3_75si_cnt_thickness", "carbon_true_density", "si_true_density",
                 "li3_75si_true_density", "electrode_area"):
        perturbations[name] = (lambda n: lambda k: replace(inputs, **{n: getattr(inputs, n) + k * getattr(sd, n)}))(name)

    budget: dict[str, dict[str, pint.Quantity]] = {}
    for name, perturbed in perturbations.items():
        up, down = porosities(perturbed(+1)), porosities(perturbed(-1))
        budget[name] = {layer: abs(up[layer] - down[layer]) / 2 for layer in LAYERS}
    return budget


#: Columns of the uncertainty table (tables/porosity_uncertainty.csv).
UNCERTAINTY_COLUMNS = ["layer", "method", "statistic", "input", "value", "unit"]


def uncertainty_rows(
    methods: Mapping[str, tuple[PorosityInputs, Assumptions, Mapping[str, Mapping[str, pint.Quantity]]]],
    sd: InputUncertainty, *, samples: int, seed: int, level: float = 0.95,
) -> tuple[list[dict[str, object]], dict[str, dict[str, tuple[float, float, float]]]]:
    """The rows of the uncertainty table, and each method's (nominal, low, high) porosity per layer (percent).

    ``methods`` maps a name to ``(inputs, assumptions, nominal breakdown)``. Per method and layer, the rows
    hold the nominal porosity, the statistics of :func:`summarize` over ``samples`` draws of
    :func:`sample_inputs` (seeded) with the central ``level`` interval, the linear standard deviation (root
    sum of squares of :func:`uncertainty_budget`) and each input's contribution to it, all in percent. Then
    come the assumed standard deviations and the Monte Carlo settings, with method ``assumption``.
    """
    rows: list[dict[str, object]] = []
    intervals: dict[str, dict[str, tuple[float, float, float]]] = {}
    for method, (inputs, a, nominal) in methods.items():
        draws = layer_breakdown(sample_inputs(inputs, sd, samples, seed), scale_carbon_volume=a.scale_carbon_volume)
        budget = uncertainty_budget(inputs, sd, scale_carbon_volume=a.scale_carbon_volume)
        for layer in LAYERS:
            stats = summarize(draws[layer]["porosity"].to("percent"), level=level)
            linear = sum(budget[name][layer].to("percent").magnitude ** 2 for name in budget) ** 0.5
            intervals.setdefault(method, {})[layer] = (float(nominal[layer]["porosity"].to("percent").magnitude),
                                                       float(stats["low"].magnitude), float(stats["high"].magnitude))
            entries = {"nominal": nominal[layer]["porosity"].to("percent"), **stats, "linear_sd": Q_(linear, "percent")}
            for statistic, value in entries.items():
                rows.append({"layer": layer, "method": method, "statistic": statistic, "input": "",
                             "value": value.to("percent").magnitude, "unit": "percent"})
            for name in budget:
                rows.append({"layer": layer, "method": method, "statistic": "linear_sd_contribution", "input": name,
                             "value": budget[name][layer].to("percent").magnitude, "unit": "percent"})
    for name, value in (("sinp_cnt_thickness", sd.sinp_cnt_thickness), ("li3_75si_cnt_thickness", sd.li3_75si_cnt_thickness),
                        ("electrode_mass_relative", Q_(sd.electrode_mass_relative, "dimensionless")),
                        ("carbon_true_density", sd.carbon_true_density), ("si_true_density", sd.si_true_density),
                        ("li3_75si_true_density", sd.li3_75si_true_density), ("electrode_area", sd.electrode_area)):
        rows.append({"layer": "both", "method": "assumption", "statistic": "assumed_sd", "input": name,
                     "value": value.magnitude, "unit": f"{value.units:~P}" or "dimensionless"})
    for statistic, setting in (("samples", samples), ("seed", seed), ("interval_level", level)):
        rows.append({"layer": "both", "method": "assumption", "statistic": statistic, "input": "",
                     "value": setting, "unit": "dimensionless"})
    return rows, intervals


# --------------------------------------------------------------------------------------------
# Result tables (rows of plain values, units written out, in Table S2's order)
# --------------------------------------------------------------------------------------------
_INPUT_FIELDS = {
    (SINP_CNT, "carbon_true_density"): "carbon_true_density",
    (SINP_CNT, "carbon_mass"): "carbon_mass",
    (SINP_CNT, "active_true_density"): "si_true_density",
    (SINP_CNT, "active_mass"): "si_mass",
    (SINP_CNT, "layer_thickness"): "sinp_cnt_thickness",
    (SINP_CNT, "electrode_area"): "electrode_area",
    (LI375SI_CNT, "carbon_true_density"): "carbon_true_density",
    (LI375SI_CNT, "carbon_mass"): "carbon_mass",
    (LI375SI_CNT, "active_true_density"): "li3_75si_true_density",
    (LI375SI_CNT, "layer_thickness"): "li3_75si_cnt_thickness",
    (LI375SI_CNT, "electrode_area"): "electrode_area",
}


def value_of(
    layer: str, quantity: str, inputs: PorosityInputs, breakdown: Mapping[str, Mapping[str, pint.Quantity]]
) -> pint.Quantity:
    """The value of one Table S2 cell, from the inputs or from the computed breakdown."""
    if (layer, quantity) in _INPUT_FIELDS:
        return getattr(inputs, _INPUT_FIELDS[(layer, quantity)])
    return breakdown[layer][quantity]


def basis(layer: str, quantity: str, a: Assumptions) -> str:
    """How the value of one cell is obtained under assumptions ``a`` (one line)."""
    weights = "6.941/28.0855 g/mol (Table S2)" if a.atomic_weights == "table_s2" else "6.94/28.085 g/mol (IUPAC 2021)"
    masses = "Table S2" if a.electrode_loading is None else f"{a.electrode_loading:~P} × area × mass fraction"
    texts = {
        "carbon_true_density": "Table S2",
        "carbon_mass": masses,
        "carbon_volume": "carbon mass / carbon true density",
        "layer_thickness": "Table S2 (SEM cross-section)",
        "electrode_area": "Table S2" if a.electrode_area == "table_s2" else "π/4 × (1 cm pellet diameter)²",
        "layer_volume": "thickness × area",
        "solid_volume_fraction": "sum of solid volumes / layer volume",
        "porosity": "1 − solid volume fraction",
        "carbon_volume_scaled": ("carbon volume × Li3.75Si/Si mass ratio (as Table S2)" if a.scale_carbon_volume
                                 else "carbon volume, not scaled: CNTs do not take Si's lithium"),
    }
    if layer == SINP_CNT:
        texts |= {"active_true_density": "Table S2 (crystalline Si)", "active_mass": masses,
                  "active_volume": "Si mass / Si true density"}
    else:
        texts |= {
            "active_true_density": ("Table S2" if a.li3_75si_density == "table_s2"
                                    else "Li15Si4 crystal: Z·M/(N_A·a³), a = 10.685 Å, Z = 4"),
            "active_mass": f"Si mass × (M_Si + {a.stoichiometry:g}·M_Li)/M_Si, {weights}",
            "active_volume": "Li3.75Si mass / Li3.75Si true density",
        }
    return texts[quantity]


def comparison_rows(
    table_s2: Mapping[tuple[str, ...], Record],
    reproduced: tuple[PorosityInputs, Mapping[str, Mapping[str, pint.Quantity]]],
    first_principles: tuple[PorosityInputs, Mapping[str, Mapping[str, pint.Quantity]], Assumptions],
) -> list[dict[str, object]]:
    """One row per Table S2 cell: the paper's value, the reproduction of its arithmetic, the
    difference, whether it matches every printed digit, and the first-principles value."""
    from .tables import agrees_to_printed_digits

    rows = []
    rep_inputs, rep = reproduced
    fp_inputs, fp, fp_assumptions = first_principles
    for (layer, quantity), record in sorted(table_s2.items(), key=lambda item: item[1].row):
        unit = record.quantity.units
        paper = record.quantity.magnitude
        recomputed = value_of(layer, quantity, rep_inputs, rep).to(unit).magnitude
        fp_value = value_of(layer, quantity, fp_inputs, fp).to(unit).magnitude
        rows.append({
            "layer": layer,
            "quantity": quantity,
            "label_in_paper": record.fields["label_in_paper"],
            "role": record.fields["role"],
            "unit": record.fields["unit"],
            "paper_value": record.printed,
            "recomputed_value": float(recomputed),
            "difference": float(recomputed - paper),
            "relative_difference": float((recomputed - paper) / paper),
            "matches_printed_digits": agrees_to_printed_digits(float(recomputed), record.printed),
            "first_principles_value": float(fp_value),
            "first_principles_difference": float(fp_value - paper),
            "first_principles_basis": basis(layer, quantity, fp_assumptions),
            "location": record.fields["location"],
        })
    return rows
