"""Calibration as workflow steps: each fit of ``data/model/fits.csv`` solved with scipy.

    python -m analysis.reconstruct.fit --fit fc_il --out results/calibration/fc_il.json

A fit's parameters (``data/model/fit_parameters.csv``: unit, start, bounds) are solved so that
the metrics of :mod:`analysis.metrics`, computed on the model's output as the targets table
(``data/model/targets.csv``) defines them, meet the paper's numbers: ``brentq`` (scipy
``optimize.root_scalar``) for one parameter and one target, ``least_squares`` (bounded
trust-region) for coupled ones. Residuals are ``(metric − paper) / tolerance``, so one unit of
residual is the printed precision. A fit runs the model cheaply (its ``settings``: no noise, fine
voltage resolution, sparse records, only the cycles its targets read); the workflow then
verifies every target on the full, noisy runs it ingests (``tables/reconstruction_calibration.csv``).

The result file holds the fitted values, the residual per target, the number of model
evaluations, the solver status and the identifiability of the fit: targets vs parameters, the
sensitivity (Jacobian) at the solution, its singular values and an approximate standard
deviation of each value (the tolerances taken as one standard deviation of the targets:
``(JᵀJ)⁻¹``). A parameter whose direction the targets do not constrain is reported as not
determined. Wall time goes to ``<fit>_timing.json`` so that the result itself is byte-identical
for the same inputs. A target that cannot be reached stops the fit with one line naming it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pint

from ..atomic import atomic_text
from ..units import Q_
from . import parameters as PM
from .targets import active_targets, evaluate

__all__ = ["FitError", "parse_setting", "run_fit", "main"]

#: Relative finite-difference step on the parameters scaled to their bounds (the model is noise-free);
#: a fit whose metric reads a resampled curve sets a larger one (setting ``diff_step`` in fits.csv).
DIFF_STEP = 1e-4
#: Relative singular value below which a direction of the parameters is not determined by the targets.
RANK_TOLERANCE = 1e-6


class FitError(RuntimeError):
    """A fit that cannot meet its targets (one line naming the target)."""


def parse_setting(text: str) -> Any:
    """A fit setting: ``1|2|50`` (cycles), an integer, or a quantity (``0 mV``)."""
    text = text.strip()
    if "|" in text:
        return tuple(int(t) for t in text.split("|"))
    try:
        return int(text)
    except ValueError:
        return Q_(text)


def _settings(fit: PM.Fit) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(settings for every run, settings per protocol, metric arguments per target) of a fit:
    ``name=value`` for every run, ``protocol.name=value`` for one run, ``target:argument=value`` for
    a target's cheap reading."""
    from .targets import _value

    common: dict[str, Any] = {}
    per_run: dict[str, dict[str, Any]] = {}
    arguments: dict[str, dict[str, Any]] = {}
    for name, value in fit.settings.items():
        if name == "diff_step":
            continue  # the solver's, not the runs'
        protocol, dot, setting = name.rpartition(".")
        target, colon, argument = name.partition(":")
        if colon:
            arguments.setdefault(target, {})[argument] = _value(value, "", {}, lambda c, n: None)
        elif dot:
            per_run.setdefault(protocol, {})[setting] = parse_setting(value)
        else:
            common[name] = parse_setting(value)
    return common, per_run, arguments


def _option(fit: PM.Fit) -> dict[str, str]:
    if not fit.option:
        return {}
    name, _, option = fit.option.partition("=")
    return {name: option}


def _evaluator(fit: PM.Fit, paper_values: Mapping[str, pint.Quantity] | None = None):
    """f(x) → (metric values in the targets' units, paper values, tolerances), counting evaluations.

    ``paper_values`` replaces the paper's numbers of some targets (a test of the fitter on a model run
    made with known parameters)."""
    choices = _option(fit)
    common, per_run, overrides = _settings(fit)
    rows = {t.id: t for t in active_targets(choices, fit.targets)}
    missing = [t for t in fit.targets if t not in rows]
    if missing:
        raise FitError(f"fit '{fit.name}': no target row for {', '.join(missing)} under "
                       f"{fit.option or 'the default choices'} (data/model/targets.csv)")
    order = list(fit.targets)
    params = fit.parameters
    counter = {"n": 0}

    def values(x: np.ndarray) -> np.ndarray:
        counter["n"] += 1
        fitted = {fit.name: {p["name"]: Q_(float(v), p["unit"]) for p, v in zip(params, x)}}

        out = evaluate(choices=choices, ids=order, fitted=fitted, settings={"*": common, **per_run},
                       overrides=overrides)
        by_id = {r["id"]: r for r in out}
        return np.array([float(by_id[i]["reconstructed"].to(rows[i].unit).magnitude) for i in order])

    given = dict(paper_values or {})
    paper = np.array([float((given[i] if i in given else PM.paper_value(i)).to(rows[i].unit).magnitude)
                      for i in order])
    tolerance = np.array([rows[i].tolerance for i in order])
    return values, paper, tolerance, order, rows, counter


def _scaled(fit: PM.Fit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lower = np.array([float(p["lower"]) for p in fit.parameters])
    upper = np.array([float(p["upper"]) for p in fit.parameters])
    start = np.array([float(p["start"]) for p in fit.parameters])
    if np.any(upper <= lower) or np.any(start < lower) or np.any(start > upper):
        bad = [p["name"] for p, lo, up, s in zip(fit.parameters, lower, upper, start) if not lo <= s <= up or up <= lo]
        raise FitError(f"fit '{fit.name}': start outside the bounds, or empty bounds, for {', '.join(bad)} "
                       "(data/model/fit_parameters.csv)")
    return lower, upper, start


def run_fit(name: str, paper_values: Mapping[str, pint.Quantity] | None = None) -> tuple[dict[str, Any], float]:
    """Solve fit ``name``; (result, wall time in s). Raises :class:`FitError` naming an unreachable target.

    ``paper_values``: targets to meet instead of the paper's numbers (by target id)."""
    from scipy import optimize

    started = time.perf_counter()
    fits = PM.fits()
    if name not in fits:
        raise KeyError(f"no fit '{name}' in data/model/fits.csv (known: {', '.join(fits)})")
    fit = fits[name]
    values, paper, tolerance, order, rows, counter = _evaluator(fit, paper_values)
    lower, upper, start = _scaled(fit)
    span = upper - lower
    diff_step = float(fit.settings.get("diff_step", DIFF_STEP))

    def residuals(u: np.ndarray) -> np.ndarray:
        return (values(lower + u * span) - paper) / tolerance

    if fit.method == "brentq":
        if len(fit.parameters) != len(order):
            raise FitError(f"fit '{name}': brentq pairs each parameter with one target "
                           f"({len(fit.parameters)} parameters, {len(order)} targets)")
        u = (start - lower) / span
        sweeps = 1 if len(order) == 1 else 6
        for sweep in range(sweeps):  # Gauss-Seidel: each parameter solved for its target, the others held
            for k in range(len(order)):
                def f(v: float, k: int = k) -> float:
                    trial = u.copy()
                    trial[k] = v
                    return residuals(trial)[k]

                f_lo, f_hi = f(0.0), f(1.0)
                if math.isnan(f_lo) or math.isnan(f_hi) or np.sign(f_lo) == np.sign(f_hi):
                    raise FitError(f"fit '{name}' cannot reach target {order[k]} ({paper[k]:g} {rows[order[k]].unit}): "
                                   f"the model gives {paper[k] + f_lo * tolerance[k]:.6g} to "
                                   f"{paper[k] + f_hi * tolerance[k]:.6g} over {fit.parameters[k]['name']} in "
                                   f"[{lower[k]:g}, {upper[k]:g}]")
                sol = optimize.root_scalar(f, bracket=(0.0, 1.0), method="brentq", xtol=1e-7, rtol=1e-10,
                                           maxiter=100)
                u[k] = sol.root
            final = residuals(u)
            if np.all(np.abs(final) <= 0.1):  # a tenth of the tolerance
                break
        status = f"brentq: {sweep + 1} sweep(s), converged" if bool(sol.converged) else f"brentq: {sol.flag}"
        success = bool(sol.converged)
        jac = _jacobian(residuals, u, final, diff_step)
    elif fit.method == "least_squares":
        sol = optimize.least_squares(residuals, (start - lower) / span, bounds=(0.0, 1.0), method="trf",
                                     diff_step=diff_step, x_scale=1.0, ftol=1e-8, xtol=1e-6, gtol=1e-8,
                                     max_nfev=100 * len(start))
        u = sol.x
        status, success = sol.message, bool(sol.success)
        final, jac = sol.fun, sol.jac
    else:  # pragma: no cover - the schema allows only the two
        raise FitError(f"fit '{name}': unknown method '{fit.method}'")
    x = lower + u * span
    unreached = [t for t, r in zip(order, final) if not abs(r) <= 1.0]
    if unreached:
        worst = unreached[0]
        i = order.index(worst)
        at = ", ".join(f"{p['name']}={v:.6g}" for p, v in zip(fit.parameters, x))
        raise FitError(f"fit '{name}' cannot reach target {worst}: best {paper[i] + final[i] * tolerance[i]:.6g} "
                       f"vs paper {paper[i]:g} ± {tolerance[i]:g} {rows[worst].unit} (at {at})")
    ident = identifiability(jac, span, [p["name"] for p in fit.parameters], order)
    result = {
        "fit": name, "option": fit.option, "method": fit.method, "why": fit.why,
        "solver_status": str(status), "success": success, "evaluations": counter["n"],
        "settings": fit.settings, "after": list(fit.after),
        "parameters": {p["name"]: {"value": float(v), "unit": p["unit"], "start": float(p["start"]),
                                   "lower": float(p["lower"]), "upper": float(p["upper"]),
                                   "sd": ident["sd"][p["name"]], "determined": ident["determined"][p["name"]]}
                       for p, v in zip(fit.parameters, x)},
        "targets": {t: {"paper": float(paper[i]), "value": float(paper[i] + final[i] * tolerance[i]),
                        "residual": float(final[i]), "tolerance": float(tolerance[i]), "unit": rows[t].unit,
                        "metric": rows[t].metric}
                    for i, t in enumerate(order)},
        "reached": True, "unreached": [],
        "identifiability": {k: v for k, v in ident.items() if k not in ("sd", "determined")},
    }
    return result, time.perf_counter() - started


def _jacobian(residuals, u: np.ndarray, base: np.ndarray, diff_step: float = DIFF_STEP) -> np.ndarray:
    """Forward differences of the scaled residuals at ``u`` (backward at the upper bound)."""
    jac = np.zeros((base.size, u.size))
    for j in range(u.size):
        step = u.copy()
        h = diff_step if u[j] + diff_step <= 1.0 else -diff_step
        step[j] = u[j] + h
        jac[:, j] = (residuals(step) - base) / h
    return jac


def identifiability(jac: np.ndarray, span: np.ndarray, names: list[str], targets: list[str]) -> dict[str, Any]:
    """Targets vs parameters, sensitivity, singular values, approximate SD and which values are determined.

    ``jac`` is d(residual)/d(u) with residual = (metric − paper)/tolerance and u the parameter
    scaled to its bounds (x = lower + u·span). The covariance of x is ``diag(span) (JᵀJ)⁻¹ diag(span)``
    (each target's tolerance read as one standard deviation); a direction with a relative singular
    value below :data:`RANK_TOLERANCE`, or an SD larger than the bounds' span, is not determined.
    """
    s = np.linalg.svd(jac, compute_uv=False) if jac.size else np.array([])
    smax = float(s.max()) if s.size else 0.0
    rank = int(np.sum(s > RANK_TOLERANCE * smax)) if smax > 0 else 0
    sd: dict[str, float | None] = {}
    determined: dict[str, bool] = {}
    jtj = jac.T @ jac
    try:
        cov_u = np.linalg.inv(jtj) if rank == len(names) else None
    except np.linalg.LinAlgError:
        cov_u = None
    for i, name in enumerate(names):
        if cov_u is None:
            sd[name] = None
            # a parameter is undetermined if it has a component in the null space
            _, _, vt = np.linalg.svd(jac)
            null = vt[rank:] if rank < len(names) else np.zeros((0, len(names)))
            determined[name] = bool(np.all(np.abs(null[:, i]) < 1e-6)) if null.size else True
        else:
            value = float(math.sqrt(max(cov_u[i, i], 0.0)) * span[i])
            sd[name] = value
            determined[name] = bool(value < span[i])
    sensitivity = {t: {n: float(jac[k, i] / span[i]) for i, n in enumerate(names)} for k, t in enumerate(targets)}
    return {"targets": len(targets), "parameters": len(names), "rank": rank,
            "singular_values": [float(v) for v in s],
            "condition_number": float(s.max() / s.min()) if s.size and s.min() > 0 else None,
            "sensitivity_residual_per_unit": sensitivity, "sd": sd, "determined": determined}


def _write_json(data: dict, path: Path) -> None:
    with atomic_text(path) as handle:
        handle.write(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", required=True, help="a fit of data/model/fits.csv")
    parser.add_argument("--out", help="result JSON (default: <calibration dir>/<fit>.json)")
    parser.add_argument("--timing", help="wall-time JSON (default: next to --out, <fit>_timing.json)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else PM.calibration_dir() / f"{args.fit}.json"
    if args.out and not os.environ.get(PM.CALIBRATION_ENV):
        os.environ[PM.CALIBRATION_ENV] = str(out.parent.resolve())  # the fits this one builds on sit beside it
    timing = Path(args.timing) if args.timing else out.with_name(f"{args.fit}_timing.json")
    try:
        result, wall = run_fit(args.fit)
    except (FitError, KeyError, ValueError, FileNotFoundError, pint.errors.PintError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_json(result, out)
    _write_json({"fit": args.fit, "wall_time_s": round(wall, 3), "evaluations": result["evaluations"]}, timing)
    values = ", ".join(f"{p}={v['value']:.6g} {v['unit']}".rstrip() for p, v in result["parameters"].items())
    worst = max(abs(t["residual"]) for t in result["targets"].values())
    print(f"{args.fit}: {values}; {result['evaluations']} evaluations, {wall:.1f} s, "
          f"largest residual {worst:.3g} tolerance; {result['solver_status']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
