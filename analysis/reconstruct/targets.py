"""The targets table: every reported number the cycler data can give, measured by one metric.

``data/model/targets.csv`` holds, per reported-value id (and per option of a choice where the
reading changes), the metric of :mod:`analysis.metrics`, the run it reads (a workflow cell id, or
``@choice`` for the protocol a choice's option runs), the metric's arguments, the tolerance with
its unit and its one-line reason. The fits (:mod:`.fit`), the calibration table
(:func:`evaluate`) and the reported-vs-reproduced table (:func:`reproduce`) all read it: no target
is written twice.

Arguments are ``name=value; …`` with values ``paper:<id>`` (a number of
``reported_values.csv``), ``parameter:<name>`` (the cell's parameter under the chosen options),
a quantity (``0.1 mA*h/cm^2``), an integer, a word, or ``a|b`` for a pair.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable

import pint
import xarray as xr

from .. import metrics
from ..units import Q_
from . import parameters as PM

__all__ = ["Target", "active_targets", "evaluate", "measure", "metric_arguments", "reproduce", "selected_choices",
           "targets"]


@dataclass(frozen=True)
class Target:
    """One row of ``targets.csv``."""

    id: str
    option: str
    metric: str
    cell: str
    protocol: str
    other_protocol: str
    arguments: str
    tolerance: float
    unit: str
    bound: str
    notebook: str
    why: str
    row: int

    @property
    def tolerance_quantity(self) -> pint.Quantity:
        return Q_(self.tolerance, self.unit)


@functools.cache
def targets() -> tuple[Target, ...]:
    """Every row of ``data/model/targets.csv`` (validated), checked against :mod:`analysis.metrics`."""
    out = []
    for i, r in enumerate(PM._rows("model_targets"), start=2):
        if not callable(getattr(metrics, r["metric"], None)) or r["metric"].startswith("_"):
            raise PM.DataError(f"no metric '{r['metric']}' in analysis.metrics", path=PM._path("targets.csv"), row=i,
                               column="metric")
        out.append(Target(r["id"], r["option"], r["metric"], r["cell"], r["protocol"], r["other_protocol"],
                          r["arguments"], float(r["tolerance"]), r["unit"], r["bound"], r["notebook"], r["why"], i))
    return tuple(out)


def selected_choices(choices: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every choice's option: its default, or the option ``choices`` names (checked)."""
    from .cells import CHOICES

    chosen = {name: c.default for name, c in CHOICES.items()}
    for name, option in (choices or {}).items():
        if name not in CHOICES:
            raise KeyError(f"no choice '{name}' (known: {', '.join(CHOICES)})")
        if option not in CHOICES[name].options:
            raise ValueError(f"choice '{name}' has no option '{option}' (options: {', '.join(CHOICES[name].options)})")
        chosen[name] = option
    return chosen


def _applies(target: Target, chosen: Mapping[str, str]) -> bool:
    if not target.option:
        return True
    name, _, option = target.option.partition("=")
    return chosen.get(name) == option


def active_targets(choices: Mapping[str, str] | None = None, ids: Iterable[str] | None = None) -> list[Target]:
    """The rows that apply under ``choices`` (one per id), optionally only ``ids``."""
    chosen = selected_choices(choices)
    wanted = None if ids is None else set(ids)
    out = [t for t in targets() if _applies(t, chosen) and (wanted is None or t.id in wanted)]
    seen: dict[str, int] = {}
    for t in out:
        if t.id in seen:
            raise PM.DataError(f"target '{t.id}' is given twice under the same choices (row {seen[t.id]})",
                               path=PM._path("targets.csv"), row=t.row, column="option")
        seen[t.id] = t.row
    return out


def run_of(target: Target, chosen: Mapping[str, str], protocol: str | None = None) -> tuple[str, str]:
    """(cell, protocol) that ``target`` reads: ``@choice`` resolved to the protocol of the chosen option."""
    from .cells import CHOICES

    protocol = protocol if protocol is not None else target.protocol
    if protocol.startswith("@"):
        name = protocol[1:]
        if name not in CHOICES or not CHOICES[name].protocols:
            raise KeyError(f"targets.csv row {target.row}: '{protocol}' is not a choice between protocols")
        protocol = CHOICES[name].protocols[chosen[name]][target.cell]
    owner = {r["protocol"]: r["cell"] for r in PM.runs()}
    return owner.get(protocol, target.cell), protocol


def _value(text: str, cell: str, chosen: Mapping[str, str], parameter: Callable[[str, str], Any]) -> Any:
    text = text.strip()
    if "|" in text:
        return tuple(_value(t, cell, chosen, parameter) for t in text.split("|"))
    if text.startswith("paper:"):
        return PM.paper_value(text[6:])
    if text.startswith("parameter:"):
        return parameter(cell, text[10:])
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    if text and (text[0].isdigit() or text[0] in "+-."):
        return Q_(text)
    return text


def arguments(target: Target, chosen: Mapping[str, str], parameter: Callable[[str, str], Any]) -> dict[str, Any]:
    """The metric's keyword arguments of ``target``."""
    out = {}
    for item in PM._split(target.arguments):
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"data/model/targets.csv, column 'arguments', row {target.row}: '{item}' is not name=value")
        out[name.strip()] = _value(value, target.cell, chosen, parameter)
    return out


def _parameter_of(chosen: Mapping[str, str], fitted=None) -> Callable[[str, str], Any]:
    """parameter(cell, name): the value of one row of the cell's parameters under the chosen options
    (only that row is resolved: a paper number needs no fit result)."""
    from .cells import CELLS, CHOICES

    def parameter(cell: str, name: str) -> Any:
        for choice_name, choice in CHOICES.items():
            option_rows = choice.parameters.get(chosen.get(choice_name, choice.default), {}).get(cell, {})
            if name in option_rows:
                return option_rows[name].resolved(None, fitted)
        spec = CELLS[cell]
        groups = [spec["parameters"], spec["simulation"], *(p["parameters"] for p in spec["protocols"].values())]
        for group in groups:
            if name in group:
                return group[name].resolved(None, fitted)
        raise KeyError(f"cell '{cell}' has no parameter '{name}'")

    return parameter


def metric_arguments(target_id: str, choices: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The metric's keyword arguments of target ``target_id`` under ``choices`` (e.g. a nucleation window)."""
    chosen = selected_choices(choices)
    (target,) = active_targets(choices, [target_id]) or (None,)
    if target is None:
        raise KeyError(f"no target '{target_id}' under these choices (data/model/targets.csv)")
    return arguments(target, chosen, _parameter_of(chosen))


def measure(target: Target, ds: xr.Dataset, other: xr.Dataset | None, chosen: Mapping[str, str],
            parameter: Callable[[str, str], Any], overrides: Mapping[str, Any] | None = None) -> pint.Quantity:
    """The metric of ``target`` on ``ds`` (and ``other`` for a comparison of two runs); ``overrides``
    replace arguments (a fit's cheap reading, declared in ``fits.csv``)."""
    fn = getattr(metrics, target.metric)
    kwargs = {**arguments(target, chosen, parameter), **(overrides or {})}
    if target.other_protocol:
        return fn(ds, other, **kwargs)
    return fn(ds, **kwargs)


def compare(target: Target, value: pint.Quantity) -> dict[str, Any]:
    """Paper value, value, difference and whether it is within tolerance (bound-aware), in the target's unit."""
    reported = PM.paper_value(target.id)
    unit = target.unit
    paper = float(reported.to(unit).magnitude)
    got = float(value.to(unit).magnitude)
    diff = got - paper
    slack = target.tolerance * (1 + 1e-9)
    within = (not math.isnan(got)) and {"": abs(diff) <= slack, "lower": diff >= -slack,
                                         "upper": diff <= slack}[target.bound]
    return {"paper": paper, "value": got, "difference": diff, "within": bool(within)}


def evaluate(runs: Mapping[tuple, xr.Dataset] | None = None, *, choices: Mapping[str, str] | None = None,
             ids: Iterable[str] | None = None, fitted=None, settings: Mapping[str, Any] | None = None,
             overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every target that applies under ``choices`` measured on the runs.

    ``runs`` maps (cell, protocol) to Datasets made with the default choices (e.g. the workflow's
    ingested files); other runs are reconstructed here, with ``fitted`` trial values and the
    extra run ``settings`` of a fit (by protocol id, ``"*"`` for every run) and its metric argument
    ``overrides`` (by target id). Rows: ``id``, ``quantity``, ``reported``, ``reconstructed`` and
    ``tolerance`` (Quantities), ``why``, ``ok``, ``cell``, ``protocol``, ``metric``.
    """
    from .cells import CHOICES, reconstruct

    chosen = selected_choices(choices)
    made = dict(runs or {})
    parameter = _parameter_of(chosen, fitted)

    def run(cell: str, protocol: str) -> xr.Dataset:
        options = tuple(sorted((n, chosen[n]) for n, c in CHOICES.items()
                               if cell in c.parameter_cells() and chosen[n] != c.default))
        key = (cell, protocol) if not options and not settings and fitted is None else (cell, protocol, options)
        if key not in made:
            extra = {**(settings or {}).get("*", {}), **(settings or {}).get(protocol, {})}
            made[key] = reconstruct(cell, {**dict(options), **extra}, protocol=protocol, fitted=fitted)
        return made[key]

    reported = PM._reported()
    rows = []
    with metrics.summaries_kept():  # several targets read each run's per-cycle summary
        for t in active_targets(choices, ids):
            cell, protocol = run_of(t, chosen)
            other = run(*run_of(t, chosen, t.other_protocol)) if t.other_protocol else None
            value = measure(t, run(cell, protocol), other, chosen, parameter, (overrides or {}).get(t.id))
            result = compare(t, value)
            rows.append({"id": t.id, "quantity": reported[(t.id,)].fields["quantity"],
                         "reported": PM.paper_value(t.id).to(t.unit), "reconstructed": value.to(t.unit),
                         "tolerance": t.tolerance_quantity, "why": t.why, "ok": result["within"], "bound": t.bound,
                         "cell": cell,
                         "protocol": protocol, "metric": t.metric})
    return rows


def reproduce(datasets: Mapping[str, xr.Dataset], *, data_sources: Mapping[str, str], notebook: str,
              choices: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows for ``tables/reported_vs_reproduced.csv``: every target of ``notebook`` whose run(s) are in
    ``datasets`` (by workflow cell id = protocol id), measured on those data (reconstructed or measured).

    A run that is too short for a target (no cycle 200) gives an empty value, not an error.
    """
    from ..reproduced import compare as row, reported_values

    chosen = selected_choices(choices)
    parameter = _parameter_of(chosen)
    reported = reported_values()
    rows = []
    for t in active_targets(choices):
        if t.notebook != notebook:
            continue
        cell, protocol = run_of(t, chosen)
        other = run_of(t, chosen, t.other_protocol)[1] if t.other_protocol else None
        if protocol not in datasets or (other is not None and other not in datasets):
            continue
        try:
            value = measure(t, datasets[protocol], datasets.get(other) if other else None, chosen, parameter)
        except (ValueError, KeyError, IndexError):
            value = Q_(float("nan"), t.unit)
        how = t.why + (f" (vs {other})" if other else "")
        rows.append(row(reported, t.id, value, t.tolerance_quantity, data_source=data_sources[protocol],
                        cell=protocol, notebook=notebook, how=how, unit=t.unit, bound=t.bound or None))
    return rows
