"""The physical terms of the reconstruction model, each a small function with units.

Every term says in one line what it stands for. Voltages are of the test object (working
electrode, or the full cell), in volts; currents follow the project's sign convention
(> 0 charges the test object: Li stripping from the current collector, delithiation of Si,
charging a full cell).
"""

from __future__ import annotations

import numpy as np
import pint

from ..units import Q_, require, ureg

F = ureg.faraday_constant
R = ureg.molar_gas_constant


def ohmic_drop(current_density: pint.Quantity, area_specific_resistance: pint.Quantity) -> pint.Quantity:
    """Voltage across the cell's ionic and contact resistance: j · ASR (signed like j)."""
    require(current_density, "[current] / [length] ** 2", "current_density")
    require(area_specific_resistance, "[resistance] * [length] ** 2", "area_specific_resistance")
    return (current_density * area_specific_resistance).to("V")


def charge_transfer_overpotential(current_density: pint.Quantity, exchange_current_density: pint.Quantity,
                                  temperature: pint.Quantity) -> pint.Quantity:
    """Symmetric Butler-Volmer overpotential: (2RT/F) · asinh(j / 2j0) (signed like j)."""
    require(current_density, "[current] / [length] ** 2", "current_density")
    require(exchange_current_density, "[current] / [length] ** 2", "exchange_current_density", positive=True)
    require(temperature, "[temperature]", "temperature")
    ratio = (current_density / (2 * exchange_current_density)).to("dimensionless").magnitude
    return (2 * R * temperature.to("K") / F * np.arcsinh(ratio)).to("V")


def arrhenius_factor(temperature: pint.Quantity, activation_energy: pint.Quantity,
                     reference_temperature: pint.Quantity) -> pint.Quantity:
    """How much faster a thermally activated process runs at T than at T_ref: exp(-Ea/R (1/T - 1/T_ref))."""
    require(activation_energy, "[energy] / [substance]", "activation_energy")
    t, t_ref = temperature.to("K"), reference_temperature.to("K")
    return np.exp((-activation_energy / R * (1 / t - 1 / t_ref)).to("dimensionless"))


def nucleation_transient(plated: pint.Quantity, depth: pint.Quantity, onset: pint.Quantity,
                         width: pint.Quantity) -> pint.Quantity:
    """Extra (negative) voltage while Li nuclei form: a dip of ``depth`` reached ``width`` after ``onset``.

    Shape (q/w)·exp(1 − q/w) for q = plated − onset ≥ 0: zero at onset, −depth at onset + width,
    relaxing back to zero as nuclei grow (the growth plateau).
    """
    require(depth, "[electric_potential]", "depth")
    dims = plated.dimensionality
    for name, q in (("onset", onset), ("width", width)):
        require(q, str(dims), name)
    q = ((plated - onset) / width).to("dimensionless").magnitude
    shape = np.where(q > 0, q * np.exp(1 - np.clip(q, 0, None)), 0.0)
    return (-depth * shape).to("V")


def si_lithiation_potential(x: np.ndarray | float) -> pint.Quantity:
    """Potential of crystalline Si vs Li during its first lithiation to Li_xSi (x = 0 … 3.75).

    A qualitative form: the two-phase plateau of c-Si near 0.1 V (Obrovac & Christensen 2004),
    sloping slightly, then falling towards 0 V as x approaches 3.75 (the paper's 5 mV cut-off).
    """
    x = np.clip(np.asarray(x, dtype=float), 0.0, 3.75)
    v = 0.115 - 0.035 * x / 3.75 - 0.08 * np.exp(-(3.75 - x) / 0.06)
    return Q_(v, "V")


def li15si4_delithiation_potential(y: np.ndarray | float) -> pint.Quantity:
    """Potential of crystalline Li15Si4 vs Li while Li leaves it (y = fraction removed, 0 … 1).

    The two-phase plateau of c-Li15Si4 delithiation near 0.43 V (Obrovac & Christensen 2004; the
    paper's Fig. S7), rising at the end.
    """
    y = np.clip(np.asarray(y, dtype=float), 0.0, 1.0)
    v = 0.43 + 0.04 * y + 0.3 * np.exp(-(1.0 - y) / 0.03)
    return Q_(v, "V")


#: Coefficients of the NMC811 open-circuit potential fit of Chen et al., J. Electrochem. Soc. 167,
#: 080534 (2020), LG M50 cell, as a function of the positive electrode's Li stoichiometry.
NCM811_OCP_CHEN2020 = (-0.8090, 4.4875, 0.0428, 18.5138, 0.5542, 17.7326, 15.7890, 0.3117, 17.5842, 15.9308, 0.3120)


def ncm811_open_circuit_potential(stoichiometry: np.ndarray | float) -> pint.Quantity:
    """Open-circuit potential of NCM811 vs Li at Li stoichiometry x (Chen et al. 2020 fit)."""
    a, b, c, d, e, f, g, h, i, j, k = NCM811_OCP_CHEN2020
    x = np.asarray(stoichiometry, dtype=float)
    v = a * x + b - c * np.tanh(d * (x - e)) - f * np.tanh(g * (x - h)) + i * np.tanh(j * (x - k))
    return Q_(v, "V")


def accessible_fraction(c_rate: np.ndarray | float, diffusion_rate: float) -> np.ndarray:
    """Share of the capacity reachable at a C-rate when solid diffusion limits it: tanh(τ)/τ, τ = √(C/C_d).

    The effectiveness factor of a diffusion-limited slab: 1 at low rate, ∝ 1/√C at high rate.
    """
    c = np.asarray(c_rate, dtype=float)
    if np.any(c < 0) or diffusion_rate <= 0:
        raise ValueError("C-rates must be ≥ 0 and the diffusion rate > 0")
    tau = np.sqrt(c / diffusion_rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tau > 1e-8, np.tanh(tau) / np.where(tau > 1e-8, tau, 1.0), 1.0)


def mixed_accessible_fraction(c_rate: np.ndarray | float, diffusion_rate: float, limited_share: float) -> np.ndarray:
    """Share of the capacity reachable at a C-rate when only ``limited_share`` of it is diffusion-limited.

    Two particle populations: small (or well-contacted) particles are fully used at any rate, the
    large ones follow :func:`accessible_fraction`: (1 − s) + s · tanh(τ)/τ, τ = √(C/C_d).
    """
    if not 0.0 <= limited_share <= 1.0:
        raise ValueError("limited_share must be between 0 and 1")
    return (1.0 - limited_share) + limited_share * accessible_fraction(c_rate, diffusion_rate)


def intercalation_saturation_potential(stoichiometry: np.ndarray | float, saturation: float, width: float,
                                       ideality: float, temperature: pint.Quantity) -> pint.Quantity:
    """Drop of an intercalation electrode's potential as its Li sites fill: n(RT/F)·ln(d / (d + w)), d = x_max − x.

    Zero far from ``saturation`` (x_max), about −n(RT/F)·ln 2 at d = w, and falling without bound
    as x → x_max: the end-of-discharge knee of a cathode whose fitted OCP (e.g. the Chen 2020
    NCM811 fit, flat near x = 1) does not reach the discharge cut-off by itself.
    """
    require(temperature, "[temperature]", "temperature")
    if width <= 0 or ideality <= 0:
        raise ValueError("width and ideality must be positive")
    d = np.clip(saturation - np.asarray(stoichiometry, dtype=float), 1e-300, None)
    thermal = float((R * temperature.to("K") / F).to("V").magnitude)
    return Q_(ideality * thermal * np.log(d / (d + width)), "V")


#: IUPAC 2021 standard atomic weights of Li and Si (the project's default, see analysis.porosity).
LI_MOLAR_MASS = Q_(6.94, "g/mol")
SI_MOLAR_MASS = Q_(28.085, "g/mol")
#: Density of Li metal at room temperature (literature, 0.534 g/cm³); the paper prints none.
LI_DENSITY = Q_(0.534, "g/cm^3")


def lithium_foil_areal_capacity(thickness: pint.Quantity, density: pint.Quantity = LI_DENSITY,
                                molar_mass: pint.Quantity = LI_MOLAR_MASS) -> pint.Quantity:
    """Li inventory of a Li foil per electrode area: thickness · density · F / M(Li) (≈0.206 mAh/cm² per µm)."""
    require(thickness, "[length]", "thickness", positive=True)
    require(density, "[mass] / [length] ** 3", "density", positive=True)
    require(molar_mass, "[mass] / [substance]", "molar_mass", positive=True)
    return (thickness * density * F / molar_mass).to("mA*h/cm^2")


def silicon_areal_capacity(loading: pint.Quantity, si_mass_fraction: pint.Quantity, x: float = 3.75,
                           molar_mass: pint.Quantity = SI_MOLAR_MASS) -> pint.Quantity:
    """Charge to lithiate the Si of an electrode to Li_xSi, per area: loading · w_Si · x F / M(Si)."""
    require(loading, "[mass] / [length] ** 2", "loading", positive=True)
    require(si_mass_fraction, "[]", "si_mass_fraction")
    require(molar_mass, "[mass] / [substance]", "molar_mass", positive=True)
    if not 0 < x <= 4.4:
        raise ValueError("x must lie in (0, 4.4]")
    return (loading * si_mass_fraction * x * F / molar_mass).to("mA*h/cm^2")
