"""The calibration's fits: known parameters recovered, unreachable targets named, identifiability, determinism.

The fitter (:mod:`analysis.reconstruct.fit`) solves a fit's parameters so that the metrics of the
model's output meet target values. Here the targets are made by a model run with known parameter
values, so the right answer is known: the fitter must find it back within the stated tolerance.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from analysis.reconstruct import fit as F
from analysis.reconstruct import parameters as PM
from analysis.reconstruct.targets import evaluate
from analysis.units import Q_


def _metrics_of(fit_name: str, known: dict) -> dict:
    """The target metrics of fit ``fit_name`` on its cheap runs made with the ``known`` parameter values."""
    fit = PM.fits()[fit_name]
    common, per_run, overrides = F._settings(fit)
    choices = F._option(fit)
    rows = evaluate(choices=choices, ids=fit.targets, fitted={fit_name: known},
                    settings={"*": common, **per_run}, overrides=overrides)
    return {r["id"]: r["reconstructed"] for r in rows}


def test_the_fitter_recovers_two_known_coupled_parameters():
    known = {"active_fraction": Q_(0.97, ""), "first_charge_irreversible_capacity": Q_(0.35, "mA*h/cm^2")}
    targets = _metrics_of("fc_bare_first_cycle", known)
    assert set(targets) == {"specific_capacity_fc_bare_cycle1", "ice_fc_bare"}
    result, _ = F.run_fit("fc_bare_first_cycle", paper_values=targets)
    got = {k: v["value"] for k, v in result["parameters"].items()}
    # stated tolerance: 1e-4 of the share and 1e-3 mAh/cm² (the targets are met to < 1 % of their tolerance)
    assert got["active_fraction"] == pytest.approx(0.97, abs=1e-4)
    assert got["first_charge_irreversible_capacity"] == pytest.approx(0.35, abs=1e-3)
    assert result["identifiability"]["rank"] == 2 and all(v["determined"] for v in result["parameters"].values())
    assert all(abs(t["residual"]) < 0.01 for t in result["targets"].values())


def test_the_fitter_recovers_a_known_activation_energy_with_brentq():
    targets = _metrics_of("fc_il_20c_at_25c", {"diffusion_activation_energy": Q_(45.0, "kJ/mol")})
    result, _ = F.run_fit("fc_il_20c_at_25c", paper_values=targets)
    assert result["method"] == "brentq"
    assert result["parameters"]["diffusion_activation_energy"]["value"] == pytest.approx(45.0, abs=0.2)  # kJ/mol
    sd = result["parameters"]["diffusion_activation_energy"]["sd"]
    assert 0 < sd < 5  # the 0.05 % tolerance of the ratio pins the activation energy to a fraction of a kJ/mol


def test_an_unreachable_target_stops_the_fit_with_one_line_naming_it():
    with pytest.raises(F.FitError, match="cannot reach target capacity_ratio_20c_60c") as info:
        F.run_fit("fc_il_20c_at_25c", paper_values={"capacity_ratio_20c_60c": Q_(150, "percent")})
    assert "\n" not in str(info.value)


def test_identifiability_reports_a_direction_the_targets_do_not_constrain():
    span = np.array([1.0, 2.0])
    one_target = F.identifiability(np.array([[1.0, 2.0]]), span, ["a", "b"], ["t"])
    assert one_target["rank"] == 1 and one_target["sd"] == {"a": None, "b": None}
    assert one_target["determined"] == {"a": False, "b": False}
    separate = F.identifiability(np.array([[2.0, 0.0], [0.0, 4.0]]), span, ["a", "b"], ["t1", "t2"])
    assert separate["rank"] == 2 and separate["determined"] == {"a": True, "b": True}
    # SD of x = span / |d residual / d u|: a residual of one tolerance moves a by 0.5, b by 0.5 · 2 / 4 · 2
    assert separate["sd"]["a"] == pytest.approx(0.5) and separate["sd"]["b"] == pytest.approx(0.5)
    only_a = F.identifiability(np.array([[2.0, 0.0], [1.0, 0.0]]), span, ["a", "b"], ["t1", "t2"])
    assert only_a["determined"] == {"a": True, "b": False}


def test_every_fit_of_the_session_met_its_targets(calibration_dir):
    for name, fit in PM.fits().items():
        result = json.loads((calibration_dir / f"{name}.json").read_text())
        assert result["reached"] and set(result["targets"]) == set(fit.targets), name
        assert all(abs(t["residual"]) <= 1 for t in result["targets"].values()), name
        ident = result["identifiability"]
        assert ident["targets"] == len(fit.targets) and ident["parameters"] == len(fit.parameters), name
        assert set(ident["sensitivity_residual_per_unit"]) == set(fit.targets), name
    coupled = json.loads((calibration_dir / "fc_il.json").read_text())
    assert coupled["identifiability"]["rank"] == 8  # eight parameters, eight targets, all constrained


@pytest.mark.slow  # two fits in subprocesses
def test_a_fit_gives_the_same_bytes_twice(tmp_path, calibration_dir):
    outputs = []
    for k in range(2):
        out = tmp_path / f"run{k}" / "hc_sus_first_cycle.json"
        subprocess.run([sys.executable, "-m", "analysis.reconstruct.fit", "--fit", "hc_sus_first_cycle", "--out",
                        str(out)], check=True, capture_output=True,
                       env={**__import__("os").environ, PM.CALIBRATION_ENV: str(calibration_dir)})
        outputs.append(out.read_bytes())
        assert json.loads((out.parent / "hc_sus_first_cycle_timing.json").read_text())["wall_time_s"] > 0
    assert outputs[0] == outputs[1]
    # and the bytes of the session's fits (the workflow's calibrate rule, or the cached ones)
    assert outputs[0] == (calibration_dir / "hc_sus_first_cycle.json").read_bytes()


def test_no_fitted_value_is_typed_in_the_model_data():
    for row in PM._parameter_rows():
        if row.status == "fitted":
            assert row.fit and not row.value, (row.cell, row.name)
    for _, _, row in PM.choice_rows():
        if row.status == "fitted":
            assert row.fit and not row.value, (row.cell, row.name)


def test_a_missing_fit_result_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setenv(PM.CALIBRATION_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="fit 'fc_il'.*analysis.reconstruct.fit --fit fc_il"):
        PM.fitted_value("fc_il", "x_saturation")
