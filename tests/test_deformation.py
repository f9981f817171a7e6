"""Deformation-mechanism map (Figure 1a): constitutive laws in their known limits, crossover, units."""

from __future__ import annotations

import math

import pint
import pytest

from analysis.deformation import (
    CROSSOVER_COLUMNS,
    atomic_volume,
    bcc_burgers_vector,
    coble_strength,
    crossover_rows,
    crossover_size,
    diffusional_strength,
    hall_petch_strength,
    metal_parameters,
    nabarro_herring_strength,
    size_for_strength,
    size_law_strength,
    universal_pillar_strength,
)
from analysis.tables import read_quantities
from analysis.units import Q_

RATE, T = Q_(1e-3, "1/s"), Q_(298.15, "K")
OMEGA = Q_(2.0e-29, "m^3")
DV, DB = Q_(1e-14, "m^2/s"), Q_(1e-20, "m^3/s")


@pytest.fixture(scope="module")
def data(root):
    deformation = read_quantities(root / "data/reference/deformation_constants.csv", resource="deformation_constants",
                                  key=("metal", "name"))
    reference = read_quantities(root / "data/reference/constants.csv", resource="constants", key=("name",))
    reported = read_quantities(root / "data/paper/reported_values.csv", resource="reported_values", key=("id",))
    paper = {k: reported[(k,)].quantity for k in
             ("pore_size_target", "confined_li_hardness_target", "li_hardness_low", "li_hardness_high")}
    return deformation, reference, paper


def test_coble_and_nabarro_herring_scale_with_size_rate_and_diffusivity():
    d = Q_(100, "nm")
    c1, c2 = coble_strength(d, RATE, T, OMEGA, DB), coble_strength(2 * d, RATE, T, OMEGA, DB)
    assert (c2 / c1).to("").magnitude == pytest.approx(8)  # d³
    n1, n2 = nabarro_herring_strength(d, RATE, T, OMEGA, DV), nabarro_herring_strength(2 * d, RATE, T, OMEGA, DV)
    assert (n2 / n1).to("").magnitude == pytest.approx(4)  # d²
    assert (coble_strength(d, 10 * RATE, T, OMEGA, DB) / c1).to("").magnitude == pytest.approx(10)
    assert (coble_strength(d, RATE, T, OMEGA, 10 * DB) / c1).to("").magnitude == pytest.approx(0.1)
    # the number itself: ε̇ k T d³ / (42π Ω δD_b), by hand in SI units
    by_hand = 1e-3 * 1.380649e-23 * 298.15 * (1e-7) ** 3 / (42 * math.pi * 2.0e-29 * 1e-20)
    assert c1.to("Pa").magnitude == pytest.approx(by_hand, rel=1e-9)


def test_diffusional_strength_reduces_to_the_faster_path():
    d = Q_(50, "nm")
    only_boundary = diffusional_strength(d, RATE, T, OMEGA, DV * 1e-12, DB)
    assert only_boundary.magnitude == pytest.approx(coble_strength(d, RATE, T, OMEGA, DB).magnitude, rel=1e-6)
    only_lattice = diffusional_strength(d, RATE, T, OMEGA, DV, DB * 1e-12)
    assert only_lattice.magnitude == pytest.approx(nabarro_herring_strength(d, RATE, T, OMEGA, DV).magnitude, rel=1e-6)
    both = diffusional_strength(d, RATE, T, OMEGA, DV, DB)
    assert both < min(only_boundary, only_lattice)  # two paths in parallel are weaker than either


def test_size_laws_in_their_limits():
    sigma_0, sigma_ref, d_ref = Q_(0.8, "MPa"), Q_(105, "MPa"), Q_(1, "um")
    assert size_law_strength(d_ref, sigma_0, sigma_ref, d_ref, 0.68).magnitude == pytest.approx(105.8)
    assert size_law_strength(Q_(1, "km"), sigma_0, sigma_ref, d_ref, 0.68).magnitude == pytest.approx(0.8, abs=1e-3)
    ratio = size_law_strength(Q_(2, "um"), 0 * sigma_0, sigma_ref, d_ref, 0.68) / sigma_ref
    assert ratio.to("").magnitude == pytest.approx(2 ** -0.68)
    assert hall_petch_strength(Q_(1, "km"), Q_(10, "MPa"), Q_(0.1, "MPa*m^0.5")).magnitude == pytest.approx(10, abs=1e-2)
    assert hall_petch_strength(Q_(1, "um"), Q_(10, "MPa"), Q_(0.1, "MPa*m^0.5")).magnitude == pytest.approx(110)
    tau_over_mu = 0.71 * (1000.0) ** -0.66  # D = 1000 b
    sigma = universal_pillar_strength(Q_(318.2, "nm"), Q_(18, "GPa"), Q_(0.3182, "nm"), 0.71, 0.66, 0.5)
    assert sigma.to("GPa").magnitude == pytest.approx(tau_over_mu * 18 / 0.5)


def test_crossover_matches_the_closed_form_for_a_constant_strength_and_pure_coble():
    sigma_c = Q_(50, "MPa")

    def displacive(size):
        return sigma_c + 0 * size.magnitude * sigma_c.units

    def diffusional(size):
        return coble_strength(size, RATE, T, OMEGA, DB)

    d = crossover_size(displacive, diffusional)
    closed = (sigma_c * 42 * math.pi * OMEGA * DB / (RATE * Q_(1.380649e-23, "J/K") * T)).to("m^3") ** (1 / 3)
    assert d.to("nm").magnitude == pytest.approx(closed.to("nm").magnitude, rel=1e-8)
    assert size_for_strength(Q_(105.8, "MPa"), lambda s: size_law_strength(s, Q_(0.8, "MPa"), Q_(105, "MPa"),
                                                                              Q_(1, "um"), 0.68)).to("um").magnitude \
        == pytest.approx(1.0, rel=1e-8)
    with pytest.raises(ValueError, match="no crossover"):
        crossover_size(diffusional, displacive)


def test_metal_parameters_from_the_data_files(data):
    deformation, reference, _ = data
    li = metal_parameters("Li", deformation, reference)
    a = deformation[("Li", "lattice_parameter")].quantity
    # Ω from density and molar mass equals the bcc cell volume per atom a³/2 (two independent sources)
    assert li.atomic_volume.to("angstrom^3").magnitude == pytest.approx((a ** 3 / 2).to("angstrom^3").magnitude, rel=0.01)
    assert li.burgers_vector.to("angstrom").magnitude == pytest.approx(3.5093 * math.sqrt(3) / 2)
    assert (li.boundary_width / li.burgers_vector).to("").magnitude == pytest.approx(2)
    sn = metal_parameters("Sn", deformation, reference)
    assert sn.atomic_volume.to("angstrom^3").magnitude == pytest.approx(27.05, abs=0.05)
    assert sn.melting_point.magnitude == 505
    with pytest.raises(ValueError, match="Li needs"):
        metal_parameters("Li", deformation)
    with pytest.raises(KeyError, match=r"no row \(Pb, molar_mass\)"):
        metal_parameters("Pb", deformation, reference)


def test_crossover_table(data):
    deformation, reference, paper = data
    sn, li = metal_parameters("Sn", deformation, reference), metal_parameters("Li", deformation, reference)
    rows = crossover_rows(sn, li, deformation, paper, RATE, T)
    assert all(list(r) == CROSSOVER_COLUMNS for r in rows)
    by = {(r["metal"], r["quantity"]): r for r in rows}
    for metal, p in (("Sn", sn), ("Li", li)):
        d = Q_(by[(metal, "crossover_size")]["value"], "nm")
        strength = by[(metal, "crossover_strength")]["value"]
        assert p.displacive(d).magnitude == pytest.approx(strength, rel=1e-3)
        assert p.diffusional(RATE, T)(d).magnitude == pytest.approx(strength, rel=1e-3)
    # a faster strain rate takes a higher stress to carry by diffusion: the crossover moves to smaller sizes
    faster = crossover_rows(sn, li, deformation, paper, 100 * RATE, T)
    assert {(r["metal"], r["quantity"]): r for r in faster}[("Sn", "crossover_size")]["value"] < \
        by[("Sn", "crossover_size")]["value"]
    assert by[("Li", "hardness_at_100nm")]["value"] < 1.0  # the paper: ≪ 10 MPa below ≈100 nm


def test_dimension_errors_raise():
    with pytest.raises(pint.DimensionalityError):
        coble_strength(Q_(1, "s"), RATE, T, OMEGA, DB)
    with pytest.raises(pint.DimensionalityError):
        coble_strength(Q_(1, "nm"), RATE, T, OMEGA, DV)  # a diffusivity where δ·D_b belongs
    with pytest.raises(pint.DimensionalityError):
        atomic_volume(Q_(6.94, "g"), Q_(0.534, "g/cm^3"))
    with pytest.raises(pint.DimensionalityError):
        bcc_burgers_vector(Q_(3.5, "K"))
    with pytest.raises(pint.DimensionalityError):
        size_law_strength(Q_(1, "um"), Q_(1, "MPa"), Q_(1, "GPa"), Q_(1, "um") * Q_(1, "s"), 0.5)


@pytest.mark.slow
def test_notebook_runs_at_another_strain_rate(tmp_path):
    import csv

    import papermill

    out = {"table_out": str(tmp_path / "crossover.csv"), "figure_png": str(tmp_path / "fig.png")}
    crossover = {}
    for rate in (1e-3, 1e-1):
        papermill.execute_notebook("notebooks/deformation_map.ipynb", str(tmp_path / "run.ipynb"),
                                   parameters={**out, "strain_rate_per_s": rate}, kernel_name="python3", cwd=".",
                                   progress_bar=False)
        with open(out["table_out"], encoding="utf-8", newline="") as handle:
            rows = {(r["metal"], r["quantity"]): r for r in csv.DictReader(handle)}
        crossover[rate] = float(rows[("Sn", "crossover_size")]["value"])
    # σ_diff ∝ ε̇ and the displacive law falls as D^-0.66 while Coble rises as D³: 100× faster -> about 100^(-1/3.66)
    assert crossover[1e-1] / crossover[1e-3] == pytest.approx(100 ** (-1 / 3.66), rel=0.05)
    assert (tmp_path / "fig.png").stat().st_size > 10_000
