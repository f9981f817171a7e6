"""Stoichiometry of Si lithiation and densities from crystal structures.

The paper calls the fully lithiated phase Li3.75Si: the crystalline Li15Si4 that forms at room
temperature (its Figure S6). One Si atom takes x = 3.75 Li.
"""

from __future__ import annotations

import numpy as np
import pint

from .units import DENSITY, DIMENSIONLESS, LENGTH, MASS, MOLAR_MASS, Q_, require, ureg

#: Li atoms per Si atom in Li15Si4 (the paper's Li3.75Si).
LI15SI4_X = 3.75


def _stoichiometry(x: float | pint.Quantity, name: str = "x") -> pint.Quantity:
    q = x if isinstance(x, pint.Quantity) else Q_(float(x), "dimensionless")
    require(q, DIMENSIONLESS, name)
    if np.any(np.asarray(q.to("dimensionless").magnitude) < 0):
        raise ValueError(f"{name} must not be negative, got {q}")
    return q.to("dimensionless")


def alloy_molar_mass(x: float | pint.Quantity, li_molar_mass: pint.Quantity, host_molar_mass: pint.Quantity) -> pint.Quantity:
    """Molar mass of Li_x(host) per host atom: M_host + x·M_Li."""
    require(li_molar_mass, MOLAR_MASS, "li_molar_mass", positive=True)
    require(host_molar_mass, MOLAR_MASS, "host_molar_mass", positive=True)
    return host_molar_mass + _stoichiometry(x) * li_molar_mass


def lithiated_mass_ratio(x: float | pint.Quantity, li_molar_mass: pint.Quantity, host_molar_mass: pint.Quantity) -> pint.Quantity:
    """Mass of Li_x(host) formed per mass of host: (M_host + x·M_Li) / M_host (dimensionless)."""
    return (alloy_molar_mass(x, li_molar_mass, host_molar_mass) / host_molar_mass).to("dimensionless")


def lithiated_mass(host_mass: pint.Quantity, x: float | pint.Quantity, li_molar_mass: pint.Quantity, host_molar_mass: pint.Quantity) -> pint.Quantity:
    """Mass of Li_x(host) made by fully lithiating ``host_mass`` of host (Li gained, host kept)."""
    require(host_mass, MASS, "host_mass", positive=True)
    return (host_mass * lithiated_mass_ratio(x, li_molar_mass, host_molar_mass)).to(host_mass.units)


def cubic_cell_density(lattice_parameter: pint.Quantity, formula_units: float | pint.Quantity, formula_mass: pint.Quantity) -> pint.Quantity:
    """X-ray (crystallographic) density of a cubic crystal: Z·M / (N_A·a³)."""
    require(lattice_parameter, LENGTH, "lattice_parameter", positive=True)
    require(formula_mass, MOLAR_MASS, "formula_mass", positive=True)
    z = _stoichiometry(formula_units, "formula_units")
    density = z * formula_mass / (ureg.avogadro_constant * lattice_parameter**3)
    return require(density.to("g/cm^3"), DENSITY, "density")


def li15si4_formula_mass(li_molar_mass: pint.Quantity, si_molar_mass: pint.Quantity) -> pint.Quantity:
    """Molar mass of one Li15Si4 formula unit: 15·M_Li + 4·M_Si."""
    require(li_molar_mass, MOLAR_MASS, "li_molar_mass", positive=True)
    require(si_molar_mass, MOLAR_MASS, "si_molar_mass", positive=True)
    return 15 * li_molar_mass + 4 * si_molar_mass


def lithiation_specific_capacity(x: float | pint.Quantity, host_molar_mass: pint.Quantity) -> pint.Quantity:
    """Charge stored per mass of host when it takes x Li per atom: x·F / M_host (mAh per g host)."""
    require(host_molar_mass, MOLAR_MASS, "host_molar_mass", positive=True)
    return (_stoichiometry(x) * ureg.faraday_constant / host_molar_mass).to("mAh/g")
