"""Powder XRD of Li15Si4 (Figure S6b): reflection conditions, one lattice parameter, Cu vs Mo, intensities."""

from __future__ import annotations

import math
from itertools import product

import pint
import pytest

pytest.importorskip("pymatgen")

from analysis.errors import DataError  # noqa: E402
from analysis.tables import read_quantities  # noqa: E402
from analysis.units import Q_  # noqa: E402
from analysis.xrd import (  # noqa: E402
    CubicStructure,
    bragg_two_theta,
    cubic_d_spacing,
    fd3m_allowed,
    i43d_allowed,
    load_structures,
    powder_pattern,
    reflection_rows,
    strongest,
    structure_factor_squared,
    to_pymatgen,
    wavelengths_from_reported,
)

STRUCTURES = "data/reference/crystal_structures.csv"
CONSTANTS = "data/reference/constants.csv"


@pytest.fixture(scope="module")
def structures(root):
    return load_structures(root / STRUCTURES, root / CONSTANTS)


@pytest.fixture(scope="module")
def wavelengths(root):
    reported = read_quantities(root / "data/paper/reported_values.csv", resource="reported_values", key=("id",))
    return wavelengths_from_reported(reported, {"cu": "xrd_wavelength_cu", "mo": "xrd_wavelength_mo"})


@pytest.fixture(scope="module")
def patterns(structures, wavelengths):
    return {label: powder_pattern(structures["Li15Si4"], lam) for label, lam in wavelengths.items()}


def family(hkl):
    return tuple(sorted((abs(int(i)) for i in hkl), reverse=True))


def test_structure_is_li15si4_with_four_formula_units(structures, root):
    li15si4 = structures["Li15Si4"]
    cell = to_pymatgen(li15si4)
    assert cell.composition.reduced_formula == "Li15Si4" and len(cell) == 76  # 12a + 48e Li, 16c Si
    constants = read_quantities(root / CONSTANTS, resource="constants", key=("name",))
    assert cell.composition["Si"] == 4 * constants[("li15si4_formula_units_per_cell",)].quantity.magnitude
    assert li15si4.lattice_parameter == constants[("li15si4_lattice_parameter",)].quantity  # looked up, not retyped
    assert cell.density == pytest.approx(1.178, abs=0.001)  # g/cm³, the crystallographic density of the README
    # the shortest Li-Si distance is a bond length, not two atoms on top of each other (a mistyped coordinate)
    assert 2.4 < min(cell.get_distance(i, j) for i in range(len(cell)) for j in range(len(cell)) if i < j) < 3.0


def test_reflection_conditions_of_i43d(patterns):
    present = {family(r.hkl) for r in patterns["cu"]}
    assert {(2, 1, 1), (2, 2, 0), (3, 2, 1), (3, 3, 2)} <= present
    assert not {(1, 1, 0), (2, 0, 0), (2, 2, 2), (1, 0, 0), (1, 1, 1), (4, 3, 3)} & present
    assert all(i43d_allowed(hkl) for hkl in present)
    # every family the conditions allow down to d = 1 Å is in the table (none is accidentally zero)
    a = 10.685
    allowed = {(h, k, l) for h, k, l in product(range(12), repeat=3) if h >= k >= l and 0 < h * h + k * k + l * l
               and a / math.sqrt(h * h + k * k + l * l) >= 1.0 and i43d_allowed((h, k, l))}
    assert present == allowed


def test_reflection_conditions_are_the_papers_and_international_tables():
    for hkl in [(2, 1, 1), (2, 2, 0), (3, 2, 1), (3, 3, 2), (4, 0, 0), (3, 1, 0), (4, 3, 1)]:
        assert i43d_allowed(hkl), hkl
    for hkl in [(1, 1, 0), (2, 0, 0), (2, 2, 2), (1, 0, 0), (4, 3, 3), (6, 0, 0), (1, 1, 4 + 1)]:
        assert not i43d_allowed(hkl), hkl
    assert fd3m_allowed((1, 1, 1)) and fd3m_allowed((4, 0, 0)) and fd3m_allowed((2, 2, 0))
    assert not fd3m_allowed((2, 0, 0)) and not fd3m_allowed((2, 2, 2)) and not fd3m_allowed((2, 1, 0))


def test_forbidden_reflections_have_zero_structure_factor(structures):
    cell = to_pymatgen(structures["Li15Si4"])
    allowed = structure_factor_squared(cell, (2, 1, 1))
    assert allowed > 100
    for hkl in [(1, 1, 0), (2, 0, 0), (2, 2, 2), (4, 3, 3)]:
        assert structure_factor_squared(cell, hkl) < 1e-9 * allowed, hkl


def test_d_spacings_follow_from_one_cubic_lattice_parameter(patterns, structures):
    a = structures["Li15Si4"].lattice_parameter
    implied = [r.d_spacing.to("angstrom").magnitude * math.sqrt(sum(i * i for i in r.hkl)) for r in patterns["cu"]]
    assert max(implied) - min(implied) < 1e-9
    assert implied[0] == pytest.approx(a.to("angstrom").magnitude, rel=1e-12)
    rows = reflection_rows(patterns["cu"])
    for row in rows:  # and so do the rounded numbers of the table
        n = row["h"] ** 2 + row["k"] ** 2 + row["l"] ** 2
        assert row["d_spacing_angstrom"] * math.sqrt(n) == pytest.approx(10.685, abs=2e-4)
    assert [r["two_theta_deg"] for r in rows] == sorted(r["two_theta_deg"] for r in rows)


def test_cu_and_mo_same_d_different_two_theta(patterns, wavelengths):
    cu, mo = patterns["cu"], patterns["mo"]
    assert [r.hkl for r in cu] == [r.hkl for r in mo]
    for a, b in zip(cu, mo):
        assert a.d_spacing == b.d_spacing
        assert b.two_theta < a.two_theta
        for r, lam in ((a, wavelengths["cu"]), (b, wavelengths["mo"])):  # Bragg: λ = 2 d sin θ
            theta = math.radians(r.two_theta.to("degree").magnitude / 2)
            assert 2 * r.d_spacing.to("angstrom").magnitude * math.sin(theta) == pytest.approx(lam.magnitude)
    assert cu[0].hkl == (2, 1, 1) and cu[0].two_theta.magnitude == pytest.approx(20.36, abs=0.01)
    assert mo[0].two_theta.magnitude == pytest.approx(9.35, abs=0.01)


def test_intensities_agree_with_the_textbook_formula(patterns, structures, wavelengths):
    """An independent kinematic sum: I = multiplicity × |F|² × (1 + cos² 2θ) / (sin² θ cos θ)."""
    cell = to_pymatgen(structures["Li15Si4"])
    for label, pattern in patterns.items():
        raw = {}
        for r in pattern:
            theta = math.radians(r.two_theta.to("degree").magnitude / 2)
            lp = (1 + math.cos(2 * theta) ** 2) / (math.sin(theta) ** 2 * math.cos(theta))
            raw[r.hkl] = r.multiplicity * structure_factor_squared(cell, r.hkl) * lp
        top = max(raw.values())
        for r in pattern:
            assert r.intensity == pytest.approx(100 * raw[r.hkl] / top, rel=1e-6, abs=1e-9), (label, r.hkl)
    for r in patterns["cu"]:  # multiplicities of the m-3m Laue class
        h, k, l = family(r.hkl)
        if k == l == 0:
            assert r.multiplicity == 6
        elif l == 0:
            assert r.multiplicity == (12 if h == k else 24)
        elif h == k == l:
            assert r.multiplicity == 8
        else:
            assert r.multiplicity == (24 if h == k or k == l else 48)


def test_strongest_li15si4_families(patterns):
    """The strongest lines of the computed Cu Kα pattern, for the caption and the report."""
    top = strongest(patterns["cu"], 5)
    assert top[0].intensity == 100 and all(r.intensity > 25 for r in top)
    assert {family(r.hkl) for r in top} <= {(2, 2, 0), (3, 3, 2), (5, 1, 0), (4, 3, 1), (3, 1, 0), (2, 1, 1)}


def test_crystalline_si_lines_match_nist_srm_640(structures, wavelengths):
    """c-Si: 111, 220, 311 at 28.44°, 47.30°, 56.12° (Cu Kα1, NIST SRM 640), strongest first."""
    kalpha1 = Q_(1.5405929, "angstrom")
    si = powder_pattern(structures["Si"], kalpha1)
    assert all(fd3m_allowed(r.hkl) for r in si)
    top = strongest(si, 3)
    assert [family(r.hkl) for r in top] == [(1, 1, 1), (2, 2, 0), (3, 1, 1)]
    for r, reference in zip(top, (28.443, 47.303, 56.123)):
        assert r.two_theta.to("degree").magnitude == pytest.approx(reference, abs=0.01)


def test_units_are_checked():
    with pytest.raises(pint.DimensionalityError):
        cubic_d_spacing(Q_(10.685, "s"), (1, 1, 0))
    with pytest.raises(pint.DimensionalityError):
        CubicStructure("x", "I-43d", 220, Q_(10.0, "g"), ())
    with pytest.raises(ValueError, match="no reflection"):
        bragg_two_theta(Q_(0.5, "angstrom"), Q_(1.542, "angstrom"))
    assert cubic_d_spacing(Q_(1.0685, "nm"), (2, 2, 0)).magnitude == pytest.approx(10.685 / math.sqrt(8))


def test_bad_structure_file_names_file_column_and_row(tmp_path, root):
    lines = (root / STRUCTURES).read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",0.12693,", ",0.12x693,")  # row 2, column x
    bad = tmp_path / "crystal_structures.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"crystal_structures\.csv, column 'x', row 2"):
        load_structures(bad, root / CONSTANTS)
    lines = (root / STRUCTURES).read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace("si_lattice_parameter", "no_such_constant")  # the c-Si row
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'lattice_parameter_name', row 4: no row 'no_such_constant'"):
        load_structures(bad, root / CONSTANTS)


@pytest.mark.slow
def test_notebook_runs_with_other_parameters_and_writes_the_tables(tmp_path):
    import csv

    import papermill

    out = {"table_cu_out": str(tmp_path / "cu.csv"), "table_mo_out": str(tmp_path / "mo.csv"),
           "figure_png": str(tmp_path / "fig.png"), "d_min_angstrom": 2.0,
           "expected_wavelengths": {"Cu Kα": "1.542 angstrom", "Mo Kα": "0.7107 angstrom"}}
    papermill.execute_notebook("notebooks/xrd_li15si4.ipynb", str(tmp_path / "run.ipynb"), parameters=out,
                               kernel_name="python3", cwd=".", progress_bar=False)
    for name in ("cu.csv", "mo.csv"):
        with open(tmp_path / name, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
        assert reader.fieldnames == ["h", "k", "l", "d_spacing_angstrom", "two_theta_deg", "relative_intensity"]
        assert rows and min(float(r["d_spacing_angstrom"]) for r in rows) >= 2.0
    assert (tmp_path / "fig.png").stat().st_size > 10_000 and (tmp_path / "fig.svg").is_file()
    with pytest.raises(papermill.PapermillExecutionError, match="AssertionError"):  # recorded ≠ used wavelength
        papermill.execute_notebook("notebooks/xrd_li15si4.ipynb", str(tmp_path / "bad.ipynb"), kernel_name="python3",
                                   parameters={**out, "table_cu_out": str(tmp_path / "never.csv"),
                                               "expected_wavelengths": {"Cu Kα": "1.5406 angstrom"}},
                                   cwd=".", progress_bar=False)
    assert not (tmp_path / "never.csv").exists()
