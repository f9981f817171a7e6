"""Deformation-mechanism map of a small metal volume (Figure 1a): strength against feature size.

Two families of constitutive laws compete at a fixed strain rate and temperature:

- displacive plasticity, "smaller is stronger": a size-effect power law
  σ = σ₀ + σ_ref (D / D_ref)^(−m) (micropillars; Li: Xu et al. 2017) or the universal micropillar
  law τ / μ = A (D / b)^(−m) (Dou & Derby 2009) turned into an axial stress with a Schmid factor;
  the Hall–Petch form σ = σ₀ + k D^(−1/2) is :func:`hall_petch_strength`;
- diffusional creep, "smaller is much weaker": the stress that drives a given strain rate by
  diffusion, with the diffusional-flow equation of Frost & Ashby (1982),
  ε̇ = 42 σ Ω D_eff / (k T d²), D_eff = D_v (1 + π δ D_b / (d D_v)). Its boundary term is Coble
  creep, σ = ε̇ k T d³ / (42π Ω δ D_b); its lattice term Nabarro–Herring creep,
  σ = ε̇ k T d² / (42 Ω D_v).

The crossover size is where the two strengths are equal (:func:`crossover_size`): above it the
metal deforms by dislocations and gets stronger as it shrinks; below it diffusion is faster and
the strength falls with the cube of the size. Constants come from
``data/reference/deformation_constants.csv`` (each with its citation and a status, ``literature``
or ``assumed``) through :func:`metal_parameters`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import pint

from .units import LENGTH, Q_, ureg

STRESS = "[mass] / [length] / [time] ** 2"
DIFFUSIVITY = "[length] ** 2 / [time]"
#: Geometric constant of the diffusional-flow equation (Frost & Ashby 1982, eq. 2.29).
DIFFUSIONAL_FLOW_CONSTANT = 42.0


def _check(q: pint.Quantity, dim: str, what: str) -> None:
    if not isinstance(q, pint.Quantity) or not q.check(dim):
        units = getattr(q, "units", "dimensionless")
        raise pint.DimensionalityError(units, dim, extra_msg=f" ({what})")


def atomic_volume(molar_mass: pint.Quantity, density: pint.Quantity) -> pint.Quantity:
    """Ω = M / (ρ N_A)."""
    _check(molar_mass, "[mass] / [substance]", "molar mass")
    _check(density, "[mass] / [length] ** 3", "density")
    return (molar_mass / (density * ureg.avogadro_constant)).to("m^3")


def bcc_burgers_vector(lattice_parameter: pint.Quantity) -> pint.Quantity:
    """b = a √3 / 2, the ½<111> Burgers vector of a bcc metal."""
    _check(lattice_parameter, LENGTH, "lattice parameter")
    return (lattice_parameter * math.sqrt(3) / 2).to("nm")


def arrhenius(prefactor: pint.Quantity, activation_energy: pint.Quantity, temperature: pint.Quantity) -> pint.Quantity:
    """D = D₀ exp(−Q / R T)."""
    _check(activation_energy, "[mass] * [length] ** 2 / [time] ** 2 / [substance]", "molar activation energy")
    _check(temperature, "[temperature]", "temperature")
    exponent = (activation_energy / (ureg.molar_gas_constant * temperature)).to("dimensionless").magnitude
    return prefactor * math.exp(-float(exponent))


def size_law_strength(size: pint.Quantity, sigma_0: pint.Quantity, sigma_ref: pint.Quantity,
                      size_ref: pint.Quantity, exponent: float) -> pint.Quantity:
    """σ = σ₀ + σ_ref (D / D_ref)^(−m): size-effect power law of micropillars (dislocation starvation)."""
    _check(size, LENGTH, "feature size")
    _check(size_ref, LENGTH, "reference size")
    _check(sigma_0, STRESS, "bulk strength")
    _check(sigma_ref, STRESS, "reference strength")
    ratio = (size / size_ref).to("dimensionless").magnitude
    return (sigma_0 + sigma_ref * ratio ** (-exponent)).to("MPa")


def universal_pillar_strength(size: pint.Quantity, shear_modulus: pint.Quantity, burgers_vector: pint.Quantity,
                              prefactor: float, exponent: float, schmid_factor: float) -> pint.Quantity:
    """Axial strength from τ / μ = A (D / b)^(−m) (Dou & Derby 2009) and σ = τ / Schmid factor."""
    _check(size, LENGTH, "feature size")
    _check(burgers_vector, LENGTH, "Burgers vector")
    _check(shear_modulus, STRESS, "shear modulus")
    ratio = (size / burgers_vector).to("dimensionless").magnitude
    return (prefactor * shear_modulus * ratio ** (-exponent) / schmid_factor).to("MPa")


def hall_petch_strength(grain_size: pint.Quantity, sigma_0: pint.Quantity, k: pint.Quantity) -> pint.Quantity:
    """σ = σ₀ + k d^(−1/2)."""
    _check(grain_size, LENGTH, "grain size")
    _check(sigma_0, STRESS, "friction stress")
    _check(k, "[mass] / [length] ** 0.5 / [time] ** 2", "Hall-Petch coefficient")
    return (sigma_0 + k / grain_size ** 0.5).to("MPa")


def coble_strength(size: pint.Quantity, strain_rate: pint.Quantity, temperature: pint.Quantity,
                   atomic_volume: pint.Quantity, boundary_diffusivity: pint.Quantity) -> pint.Quantity:
    """σ = ε̇ k T d³ / (42π Ω δD_b): stress for ε̇ by boundary (Coble) diffusion; δD_b in m³/s."""
    _check(size, LENGTH, "feature size")
    _check(strain_rate, "1 / [time]", "strain rate")
    _check(temperature, "[temperature]", "temperature")
    _check(atomic_volume, "[length] ** 3", "atomic volume")
    _check(boundary_diffusivity, "[length] ** 3 / [time]", "boundary width times boundary diffusivity")
    kt = ureg.boltzmann_constant * temperature
    return (strain_rate * kt * size ** 3
            / (DIFFUSIONAL_FLOW_CONSTANT * math.pi * atomic_volume * boundary_diffusivity)).to("MPa")


def nabarro_herring_strength(size: pint.Quantity, strain_rate: pint.Quantity, temperature: pint.Quantity,
                             atomic_volume: pint.Quantity, lattice_diffusivity: pint.Quantity) -> pint.Quantity:
    """σ = ε̇ k T d² / (42 Ω D_v): stress for ε̇ by lattice (Nabarro–Herring) diffusion."""
    _check(size, LENGTH, "feature size")
    _check(lattice_diffusivity, DIFFUSIVITY, "lattice diffusivity")
    kt = ureg.boltzmann_constant * temperature
    return (strain_rate * kt * size ** 2 / (DIFFUSIONAL_FLOW_CONSTANT * atomic_volume * lattice_diffusivity)).to("MPa")


def diffusional_strength(size: pint.Quantity, strain_rate: pint.Quantity, temperature: pint.Quantity,
                         atomic_volume: pint.Quantity, lattice_diffusivity: pint.Quantity,
                         boundary_diffusivity: pint.Quantity) -> pint.Quantity:
    """Both diffusion paths in parallel (their strain rates add): 1/σ = 1/σ_Coble + 1/σ_NH."""
    coble = coble_strength(size, strain_rate, temperature, atomic_volume, boundary_diffusivity)
    lattice = nabarro_herring_strength(size, strain_rate, temperature, atomic_volume, lattice_diffusivity)
    return (1 / (1 / coble + 1 / lattice)).to("MPa")


def crossover_size(displacive: Callable[[pint.Quantity], pint.Quantity],
                   diffusional: Callable[[pint.Quantity], pint.Quantity],
                   low: pint.Quantity = Q_(1.0, "nm"), high: pint.Quantity = Q_(1.0, "m")) -> pint.Quantity:
    """The size where the two strengths are equal (bisection in log size; one crossing expected).

    Raises ``ValueError`` when the diffusional strength is not below the displacive one at
    ``low`` and above it at ``high``.
    """
    def gap(log_d: float) -> float:
        d = Q_(math.exp(log_d), "m")
        return math.log((diffusional(d) / displacive(d)).to("dimensionless").magnitude)

    lo, hi = math.log(low.to("m").magnitude), math.log(high.to("m").magnitude)
    if not gap(lo) < 0 < gap(hi):
        raise ValueError(f"no crossover between {low:~P} and {high:~P}")
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
        if hi - lo < 1e-12:
            break
    return Q_(math.exp((lo + hi) / 2), "m").to("nm")


def size_for_strength(strength: pint.Quantity, law: Callable[[pint.Quantity], pint.Quantity],
                      low: pint.Quantity = Q_(1.0, "nm"), high: pint.Quantity = Q_(1.0, "m")) -> pint.Quantity:
    """The size at which a monotonically falling size law gives ``strength``."""
    lo, hi = math.log(low.to("m").magnitude), math.log(high.to("m").magnitude)

    def above(log_d: float) -> bool:
        return bool(law(Q_(math.exp(log_d), "m")) > strength)

    if not (above(lo) and not above(hi)):
        raise ValueError(f"{strength:~P} is not reached between {low:~P} and {high:~P}")
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if above(mid) else (lo, mid)
        if hi - lo < 1e-12:
            break
    return Q_(math.exp((lo + hi) / 2), "m").to("nm")


@dataclass(frozen=True)
class MetalParameters:
    """Everything the map needs for one metal, as quantities."""

    metal: str
    melting_point: pint.Quantity
    atomic_volume: pint.Quantity
    burgers_vector: pint.Quantity
    displacive: Callable[[pint.Quantity], pint.Quantity]
    displacive_law: str
    lattice_diffusion_prefactor: pint.Quantity
    lattice_activation_energy: pint.Quantity
    boundary_width: pint.Quantity
    boundary_to_lattice_activation_ratio: float

    def lattice_diffusivity(self, temperature: pint.Quantity) -> pint.Quantity:
        return arrhenius(self.lattice_diffusion_prefactor, self.lattice_activation_energy, temperature).to("m^2/s")

    def boundary_diffusivity(self, temperature: pint.Quantity) -> pint.Quantity:
        """δ D_b with D_b0 = D_v0 and Q_b = ratio × Q_v, in m³/s."""
        q_b = self.boundary_to_lattice_activation_ratio * self.lattice_activation_energy
        return (self.boundary_width * arrhenius(self.lattice_diffusion_prefactor, q_b, temperature)).to("m^3/s")

    def diffusional(self, strain_rate: pint.Quantity, temperature: pint.Quantity,
                    boundary_scale: float = 1.0) -> Callable[[pint.Quantity], pint.Quantity]:
        """Diffusional strength vs size; ``boundary_scale`` multiplies δD_b (sensitivity)."""
        d_v = self.lattice_diffusivity(temperature)
        d_b = boundary_scale * self.boundary_diffusivity(temperature)
        return lambda size: diffusional_strength(size, strain_rate, temperature, self.atomic_volume, d_v, d_b)


def metal_parameters(metal: str, constants: Mapping[tuple[str, ...], object],
                     reference: Mapping[tuple[str, ...], object] | None = None) -> MetalParameters:
    """Parameters of ``metal`` from rows of ``deformation_constants.csv`` (keys (metal, name)).

    Li takes its molar mass and density from ``reference/constants.csv`` (``reference``, keys
    (name,)); Sn has them in the deformation file.
    """
    def q(name: str) -> pint.Quantity:
        try:
            return constants[(metal, name)].quantity
        except KeyError:
            raise KeyError(f"deformation_constants.csv has no row ({metal}, {name})") from None

    if metal == "Li":
        if reference is None:
            raise ValueError("Li needs reference/constants.csv (molar mass and density)")
        omega = atomic_volume(reference[("li_atomic_weight_iupac_2021",)].quantity,
                              reference[("li_metal_density",)].quantity)
        b = bcc_burgers_vector(q("lattice_parameter"))
        sigma_0, sigma_ref, d_ref, m = (q("bulk_yield_strength"), q("size_law_reference_strength"),
                                        q("size_law_reference_size"), float(q("size_law_exponent").magnitude))

        def displacive(size: pint.Quantity) -> pint.Quantity:
            return size_law_strength(size, sigma_0, sigma_ref, d_ref, m)

        law = f"σ = {_fmt(sigma_0)} + {_fmt(sigma_ref)} (D / {_fmt(d_ref)})^−{m:g} (Li micropillars)"
    else:
        omega = atomic_volume(q("molar_mass"), q("density"))
        b = q("burgers_vector").to("nm")
        mu, a, m, schmid = (q("shear_modulus"), float(q("size_law_prefactor").magnitude),
                            float(q("size_law_exponent").magnitude), float(q("schmid_factor").magnitude))

        def displacive(size: pint.Quantity) -> pint.Quantity:
            return universal_pillar_strength(size, mu, b, a, m, schmid)

        law = f"σ = {a:g} μ (D / b)^−{m:g} / {schmid:g} (universal micropillar law)"
    return MetalParameters(
        metal=metal, melting_point=q("melting_point").to("K"), atomic_volume=omega, burgers_vector=b,
        displacive=displacive, displacive_law=law,
        lattice_diffusion_prefactor=q("lattice_diffusion_prefactor").to("m^2/s"),
        lattice_activation_energy=q("lattice_diffusion_activation_energy").to("kJ/mol"),
        boundary_width=(float(q("boundary_width_in_burgers_vectors").magnitude) * b).to("nm"),
        boundary_to_lattice_activation_ratio=float(q("boundary_to_lattice_activation_ratio").magnitude),
    )


#: Columns of tables/fig1a_crossover.csv.
CROSSOVER_COLUMNS = ["metal", "quantity", "value", "unit", "compared_with", "verdict", "basis"]


def _fmt(q: pint.Quantity) -> str:
    return f"{float(q.magnitude):g} {q.units:~P}"


def _row(metal: str, quantity: str, value: pint.Quantity, unit: str, compared_with: str = "", verdict: str = "",
         basis: str = "") -> dict[str, object]:
    return {"metal": metal, "quantity": quantity, "value": float(f"{float(value.to(unit).magnitude):.4g}"),
            "unit": unit, "compared_with": compared_with, "verdict": verdict, "basis": basis}


def crossover_rows(sn: MetalParameters, li: MetalParameters, constants: Mapping[tuple[str, ...], object],
                   paper: Mapping[str, pint.Quantity], strain_rate: pint.Quantity,
                   temperature: pint.Quantity) -> list[dict[str, object]]:
    """The map's numbers and their comparison with the paper and the literature (:data:`CROSSOVER_COLUMNS`).

    ``paper``: ``pore_size_target`` (≈100 nm), ``confined_li_hardness_target`` (≪10 MPa),
    ``li_hardness_low`` and ``li_hardness_high`` (7 and 43 MPa), from reported_values.csv.
    """
    conditions = f"strain rate {_fmt(strain_rate)}, T = {_fmt(temperature)}"
    rows = []
    # Sn: the paper's Figure 1a, checked against the size range where Tian et al. saw the switch
    sn_diff = sn.diffusional(strain_rate, temperature)
    sn_cross = crossover_size(sn.displacive, sn_diff)
    low = constants[("Sn", "observed_transition_size_low")].quantity
    high = constants[("Sn", "observed_transition_size_high")].quantity
    factor = max((sn_cross / high).to("dimensionless").magnitude, (low / sn_cross).to("dimensionless").magnitude, 1.0)
    rows.append(_row("Sn", "crossover_size", sn_cross, "nm", f"{_fmt(low)} to {_fmt(high)} (Tian et al. 2013, Sn pillars)",
                     "inside the observed range" if factor == 1.0 else f"outside the observed range by a factor {factor:.3g}",
                     f"{sn.displacive_law} vs diffusional flow; {conditions}"))
    rows.append(_row("Sn", "crossover_strength", sn.displacive(sn_cross), "MPa", basis=conditions))
    # Li: the metal of the paper
    li_diff = li.diffusional(strain_rate, temperature)
    li_cross = crossover_size(li.displacive, li_diff)
    target = paper["pore_size_target"].to("nm")
    tabor = float(constants[("Li", "tabor_constraint_factor")].quantity.magnitude)
    rows.append(_row("Li", "crossover_size", li_cross, "nm", f"features below ≈{_fmt(target)} (paper, Introduction)",
                     "crossover above 100 nm: Li is diffusion-soft at 100 nm" if li_cross > target
                     else "crossover below 100 nm", f"{li.displacive_law} vs diffusional flow; {conditions}"))
    peak = li.displacive(li_cross)
    rows.append(_row("Li", "crossover_strength", peak, "MPa", basis=conditions))
    rows.append(_row("Li", "peak_hardness", tabor * peak, "MPa",
                     f"{_fmt(paper['li_hardness_low'])} to {_fmt(paper['li_hardness_high'])} (paper, Section 2.4)",
                     _range_verdict(tabor * peak, paper["li_hardness_low"], paper["li_hardness_high"]),
                     f"hardness = {tabor:g} × strength (Tabor) at the crossover"))
    soft = li_diff(target)
    limit = paper["confined_li_hardness_target"]
    rows.append(_row("Li", "hardness_at_100nm", tabor * soft, "MPa", f"≪{_fmt(limit)} (paper, Introduction)",
                     "≪ 10 MPa" if tabor * soft < 0.1 * limit else "not ≪ 10 MPa", f"diffusional branch at {_fmt(target)}"))
    for key in ("li_hardness_low", "li_hardness_high"):
        size = size_for_strength(paper[key] / tabor, li.displacive)
        rows.append(_row("Li", f"size_for_{key}", size, "um", f"{_fmt(paper[key])} hardness", "",
                         f"displacive law; strength = hardness / {tabor:g}"))
    measured_size = constants[("Li", "size_law_reference_size")].quantity
    rows.append(_row("Li", "diffusional_strength_at_reference_size", li_diff(measured_size), "MPa",
                     f"{_fmt(constants[('Li', 'size_law_reference_strength')].quantity)} measured at about {_fmt(measured_size)} "
                     "(Xu et al. 2017)", "contradicts the measured strength: the diffusional branch is too soft for "
                     "single-crystal Li pillars" if li_diff(measured_size) < li.displacive(measured_size) else "consistent",
                     "diffusional flow with bulk self-diffusion estimates"))
    needed = _boundary_scale_for_crossover(li, strain_rate, temperature, target)
    rows.append(_row("Li", "diffusivity_factor_for_100nm_crossover", Q_(needed, "dimensionless"), "dimensionless",
                     "1 (the estimates of deformation_constants.csv)", "", "factor on both D_v and δD_b that moves "
                     "the Li crossover to 100 nm"))
    return rows


def _range_verdict(value: pint.Quantity, low: pint.Quantity, high: pint.Quantity) -> str:
    if value > high:
        return f"above the paper's range ({float((value / high).to('').magnitude):.2g} × its top)"
    if value < low:
        return f"below the paper's range ({float((value / low).to('').magnitude):.2g} × its bottom)"
    return "inside the paper's range"


def _boundary_scale_for_crossover(p: MetalParameters, strain_rate: pint.Quantity, temperature: pint.Quantity,
                                  size: pint.Quantity) -> float:
    """Factor f on both diffusivities with diffusional(size) = displacive(size): σ_diff ∝ 1/f."""
    d_v = p.lattice_diffusivity(temperature)
    d_b = p.boundary_diffusivity(temperature)
    base = diffusional_strength(size, strain_rate, temperature, p.atomic_volume, d_v, d_b)
    return float((base / p.displacive(size)).to("dimensionless").magnitude)
