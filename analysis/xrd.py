"""Powder X-ray diffraction pattern of a crystal structure (Figure S6b: Li15Si4; c-Si for reference).

The structure comes from ``data/reference/crystal_structures.csv`` (space group, Wyckoff sites,
fractional coordinates, each with its citation) and its cubic lattice parameter from
``data/reference/constants.csv``. :func:`to_pymatgen` expands the Wyckoff sites with pymatgen's
space-group tables, and pymatgen's ``XRDCalculator`` gives the kinematic pattern: structure
factors with its atomic form factors, multiplicities and the Lorentz-polarisation factor
(1 + cos² 2θ) / (sin² θ cos θ), no Debye-Waller factor. This is the calculator behind the
Materials Project patterns, the source of the paper's Figure S6b.

pymatgen merges reflection families that fall on the same 2θ (in a cubic cell every family
with the same h² + k² + l², e.g. 510 and 431). :func:`powder_pattern` splits such a peak
between its families in proportion to multiplicity × |F|² (:func:`structure_factor_squared`),
so the table has one row per family; Lorentz-polarisation and form factors are the same for
all families of one peak.

Reflection conditions of the two space groups are spelled out in :func:`i43d_allowed` and
:func:`fd3m_allowed` (International Tables Vol. A); the tests check that the computed intensities
obey them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pint

from .errors import DataError
from .units import LENGTH, Q_

#: Families weaker than this fraction of the strongest are systematic absences (|F|² zero to rounding).
EXTINCT = 1e-9
#: Columns of the reflection table (tables/figS6b_li15si4_xrd*.csv).
COLUMNS = ["h", "k", "l", "d_spacing_angstrom", "two_theta_deg", "relative_intensity"]


@dataclass(frozen=True)
class Site:
    label: str
    element: str
    wyckoff: str
    xyz: tuple[float, float, float]
    occupancy: float


@dataclass(frozen=True)
class CubicStructure:
    """A cubic crystal structure: space group, lattice parameter (a length) and Wyckoff sites."""

    phase: str
    space_group: str
    space_group_number: int
    lattice_parameter: pint.Quantity
    sites: tuple[Site, ...]

    def __post_init__(self) -> None:
        if not self.lattice_parameter.check(LENGTH):
            raise pint.DimensionalityError(self.lattice_parameter.units, "angstrom",
                                           extra_msg=" (lattice parameter must be a length)")


@dataclass(frozen=True)
class Reflection:
    """One reflection family of a powder pattern."""

    hkl: tuple[int, int, int]
    multiplicity: int
    d_spacing: pint.Quantity
    two_theta: pint.Quantity
    intensity: float  # relative: the strongest family of the pattern is 100


def load_structures(structures_csv: str | Path, constants_csv: str | Path,
                    datapackage: str | Path | None = None) -> dict[str, CubicStructure]:
    """Every phase of ``crystal_structures.csv``, with its lattice parameter looked up in ``constants.csv``."""
    from .tables import load_schema, read_quantities, read_rows

    rows = read_rows(structures_csv, load_schema("crystal_structures", datapackage))
    constants = read_quantities(constants_csv, resource="constants", key=("name",), datapackage=datapackage)
    by_phase: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_phase.setdefault(row["phase"], []).append(row)
    structures = {}
    for phase, phase_rows in by_phase.items():
        first = phase_rows[0]
        for row in phase_rows:
            for column in ("space_group", "space_group_number", "lattice_parameter_name"):
                if row[column] != first[column]:
                    raise DataError(f"phase {phase} has two values of {column}", path=structures_csv, column=column,
                                    row=int(row["_row"]))
        name = first["lattice_parameter_name"]
        if (name,) not in constants:
            raise DataError(f"no row '{name}' in {Path(constants_csv).name}", path=structures_csv,
                            column="lattice_parameter_name", row=int(first["_row"]))
        sites = tuple(Site(r["site"], r["element"], r["wyckoff"], (float(r["x"]), float(r["y"]), float(r["z"])),
                           float(r["occupancy"])) for r in phase_rows)
        structures[phase] = CubicStructure(phase, first["space_group"], int(first["space_group_number"]),
                                           constants[(name,)].quantity.to("angstrom"), sites)
    return structures


def to_pymatgen(structure: CubicStructure):
    """The full unit cell as a pymatgen ``Structure`` (Wyckoff sites expanded by the space group)."""
    from pymatgen.core import Lattice, Structure

    a = float(structure.lattice_parameter.to("angstrom").magnitude)
    species = [{site.element: site.occupancy} for site in structure.sites]
    cell = Structure.from_spacegroup(structure.space_group_number, Lattice.cubic(a), species,
                                     [list(site.xyz) for site in structure.sites])
    expected = sum(int("".join(c for c in site.wyckoff if c.isdigit())) for site in structure.sites)
    if len(cell) != expected:
        raise ValueError(f"{structure.phase}: {len(cell)} atoms in the cell, the Wyckoff multiplicities add up to "
                         f"{expected} (a site in a special position written as a general one?)")
    return cell


def cubic_d_spacing(a: pint.Quantity, hkl: Sequence[int]) -> pint.Quantity:
    """Interplanar spacing d = a / √(h² + k² + l²) of a cubic cell."""
    if not a.check(LENGTH):
        raise pint.DimensionalityError(a.units, "angstrom", extra_msg=" (lattice parameter must be a length)")
    n = sum(int(i) ** 2 for i in hkl)
    if n == 0:
        raise ValueError("hkl = 000 has no spacing")
    return (a / math.sqrt(n)).to("angstrom")


def bragg_two_theta(d: pint.Quantity, wavelength: pint.Quantity) -> pint.Quantity:
    """Diffraction angle 2θ from Bragg's law λ = 2 d sin θ; raises when λ > 2d (no reflection)."""
    ratio = float((wavelength / (2 * d)).to("dimensionless").magnitude)
    if not 0 < ratio <= 1:
        raise ValueError(f"no reflection: wavelength {wavelength:~P} > 2d = {(2 * d).to('angstrom'):~P}")
    return Q_(2 * math.degrees(math.asin(ratio)), "degree")


def _cyclic(hkl: Sequence[int]) -> list[tuple[int, int, int]]:
    return sorted({p for p in permutations(int(i) for i in hkl)})


def i43d_allowed(hkl: Sequence[int]) -> bool:
    """Reflection conditions of I-43d (No. 220, International Tables Vol. A), any permutation of hkl.

    hkl: h + k + l = 2n (body centring; it also covers 0kl: k + l = 2n); hhl: 2h + l = 4n (the
    diagonal glide); h00: h = 4n.
    """
    h, k, l = (abs(int(i)) for i in hkl)
    if (h + k + l) % 2:
        return False
    for a, b, c in _cyclic((h, k, l)):
        if a == b and (2 * a + c) % 4:
            return False
        if b == 0 and c == 0 and a % 4:
            return False
    return True


def fd3m_allowed(hkl: Sequence[int]) -> bool:
    """Reflections of the diamond structure (Fd-3m, atoms on 8a): h, k, l all odd, or all even with h + k + l = 4n."""
    h, k, l = (int(i) for i in hkl)
    parities = {h % 2, k % 2, l % 2}
    if parities == {1}:
        return True
    return parities == {0} and (h + k + l) % 4 == 0


#: The inverse of the Mott–Bethe constant m_e e² / (8π ε0 h²), i.e. 8π² a0 with a0 the Bohr radius, in Å
#: (0.529177 Å gives 41.7821...), turning the electron scattering factors of pymatgen's table into X-ray form
#: factors: f = Z − MOTT_BETHE · s² · f_e(s), s = sin θ / λ in Å⁻¹. The value is the one pymatgen's
#: XRDCalculator uses, so that this check and pymatgen differ only in what they compute, not in a constant.
MOTT_BETHE = 41.78214


def structure_factor_squared(cell, hkl: Sequence[int]) -> float:
    """|F(hkl)|² of a pymatgen cell with pymatgen's atomic form factors (electrons², no thermal motion)."""
    from pymatgen.analysis.diffraction.xrd import ATOMIC_SCATTERING_PARAMS

    g = np.asarray(hkl, dtype=float)
    s2 = (1 / (2 * cell.lattice.d_hkl(hkl))) ** 2  # (sin θ / λ)², Å⁻²
    total = 0j
    for site in cell:
        for species, occupancy in site.species.items():
            coeffs = np.asarray(ATOMIC_SCATTERING_PARAMS[species.symbol])
            f = species.Z - MOTT_BETHE * s2 * np.sum(coeffs[:, 0] * np.exp(-coeffs[:, 1] * s2))
            total += occupancy * f * np.exp(2j * np.pi * np.dot(g, site.frac_coords))
    return float(abs(total) ** 2)


def powder_pattern(structure: CubicStructure, wavelength: pint.Quantity,
                   d_min: pint.Quantity = Q_(1.0, "angstrom")) -> list[Reflection]:
    """Reflection families with d ≥ ``d_min``, sorted by 2θ; intensities relative to the strongest family (100).

    Peaks that pymatgen merges (same 2θ) are split between their families by multiplicity × |F|².
    """
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    if not wavelength.check(LENGTH):
        raise pint.DimensionalityError(wavelength.units, "angstrom", extra_msg=" (wavelength must be a length)")
    lam = float(wavelength.to("angstrom").magnitude)
    ratio = lam / (2 * float(d_min.to("angstrom").magnitude))
    two_theta_max = 2 * math.degrees(math.asin(min(ratio, 1.0)))
    cell = to_pymatgen(structure)
    pattern = XRDCalculator(wavelength=lam).get_pattern(cell, scaled=False, two_theta_range=(0, two_theta_max))
    families: list[tuple[tuple[int, int, int], int, float]] = []
    for total, hkls in zip(pattern.y, pattern.hkls):
        weights = [f["multiplicity"] * structure_factor_squared(cell, f["hkl"]) for f in hkls]
        for family, weight in zip(hkls, weights):
            families.append((tuple(int(i) for i in family["hkl"]), int(family["multiplicity"]),
                             float(total) * weight / sum(weights)))
    strongest = max(i for *_, i in families)
    reflections = []
    for hkl, multiplicity, intensity in families:
        if intensity < EXTINCT * strongest:  # a forbidden family merged into an allowed peak (|F|² ~ 1e-29)
            continue
        d = cubic_d_spacing(structure.lattice_parameter, hkl)
        reflections.append(Reflection(hkl, multiplicity, d, bragg_two_theta(d, wavelength),
                                      100 * intensity / strongest))
    return sorted(reflections, key=lambda r: (round(float(r.two_theta.magnitude), 6), r.hkl))


def reflection_rows(reflections: Sequence[Reflection], min_intensity: float = 0.0) -> list[dict[str, object]]:
    """Table rows (:data:`COLUMNS`) of the families at or above ``min_intensity`` (percent of the strongest)."""
    return [{"h": r.hkl[0], "k": r.hkl[1], "l": r.hkl[2],
             "d_spacing_angstrom": round(float(r.d_spacing.to("angstrom").magnitude), 5),
             "two_theta_deg": round(float(r.two_theta.to("degree").magnitude), 4),
             "relative_intensity": round(r.intensity, 3)}
            for r in reflections if r.intensity >= min_intensity]


def strongest(reflections: Sequence[Reflection], n: int) -> list[Reflection]:
    """The ``n`` most intense families, strongest first."""
    return sorted(reflections, key=lambda r: -r.intensity)[:n]


def wavelengths_from_reported(reported: Mapping[tuple[str, ...], object], ids: Mapping[str, str]) -> dict[str, pint.Quantity]:
    """``{label: wavelength}`` from rows of ``reported_values.csv`` (``ids``: label -> row id)."""
    out = {}
    for label, value_id in ids.items():
        if (value_id,) not in reported:
            raise KeyError(f"reported_values.csv has no id '{value_id}'")
        out[label] = reported[(value_id,)].quantity.to("angstrom")
    return out


__all__ = ["COLUMNS", "CubicStructure", "Reflection", "Site", "bragg_two_theta", "cubic_d_spacing", "fd3m_allowed",
           "i43d_allowed", "load_structures", "powder_pattern", "reflection_rows", "strongest",
           "structure_factor_squared", "to_pymatgen", "wavelengths_from_reported"]
