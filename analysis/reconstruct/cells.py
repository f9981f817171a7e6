"""The paper's cells, reconstructed: :func:`reconstruct` runs a cell's model through a protocol.

Every number a run needs is a row of ``data/model/`` (:mod:`.parameters`): the cell's flat
parameter set in ``parameters.csv`` (values from the paper read by id, literature and assumed
values with their reason, fitted values read from the workflow's fit results), the options of
each named choice in ``choices.csv`` / ``choice_parameters.csv`` and which model runs which
protocol in ``runs.csv``. Nothing here holds a parameter value.

Where the paper is ambiguous, contradicts itself or prints no number that a run needs, the choice
is a named option (:data:`CHOICES`: default, alternatives, the argument for the default in one
sentence, how to select it); :func:`choices_table` lists them with the fitted values of each
alternative. Every alternative runs: ``reconstruct(cell, {choice: alternative})`` or its protocol id.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields as dc_fields
from typing import Any

import pint
import xarray as xr

from ..metrics import dealloying_region, first_plating  # noqa: F401  (their home is analysis.metrics)
from . import parameters as PM
from .models import AnodeLimitedFullCell, FullCell, NucleationDip, PlatingHalfCell
from .protocol import steps_from_paper, symmetric_steps
from .simulate import simulate

__all__ = [
    "CELLS",
    "CHOICES",
    "MODELS",
    "Choice",
    "Parameter",
    "build_model",
    "calibration",
    "cell_ids",
    "choice_runs",
    "model_parameters",
    "choices_table",
    "parameter_table",
    "reconstruct",
    "run_settings",
]

MODELS = {"PlatingHalfCell": PlatingHalfCell, "FullCell": FullCell, "AnodeLimitedFullCell": AnodeLimitedFullCell}

_PROTOCOL_ARGUMENTS = ("repeat_cycles", "lithiation_current_density", "lithiation_cutoff", "plating_current_density",
                       "stripping_current_density", "stripping_cutoff", "delithiation_current_density",
                       "delithiation_cutoff", "cycles_per_rate", "rest", "cutoff_time_limit", "rate_ladder",
                       "step_temperature", "current_density", "half_cycle", "cycles", "first")
_SIMULATION_ARGUMENTS = ("record_interval", "voltage_trigger", "current_resolution", "voltage_resolution", "noise",
                         "seed", "substeps", "time_resolution", "max_step_duration")
#: Run settings that are not passed to the protocol or the simulator: ``only_cycles`` keeps the
#: steps of these cycles only (a fit's cheap run: the model's cycle-dependent laws still see the
#: true cycle numbers).
_RUN_ARGUMENTS = ("only_cycles",)


@dataclass(frozen=True)
class Parameter:
    """One setting of a run: its row of ``data/model/`` and, on demand, its value."""

    row: PM.Row

    @property
    def why(self) -> str:
        return self.row.why

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def calibrated_against(self) -> tuple[str, ...]:
        return tuple(i for i in self.row.reported.split(";") if i)

    def resolved(self, params: Mapping[str, Any] | None = None,
                 fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None) -> Any:
        return PM.resolve_row(self.row, params, fitted)


def _build_cells() -> dict[str, dict]:
    cells: dict[str, dict] = {}
    for run in PM.runs():
        spec = cells.setdefault(run["cell"], {"model": run["model"], "figures": run["cell_figures"],
                                              "default_protocol": None, "parameters": {}, "simulation": {},
                                              "protocols": {}, "area": None})
        entry = {"figures": run["figures"], "parameters": {}}
        if run["base"]:
            entry["base"] = run["base"]
        if run["steps"]:
            entry["steps"] = run["steps"]
        spec["protocols"][run["protocol"]] = entry
        if run["default"] == "true":
            spec["default_protocol"] = run["protocol"]
    for cell, spec in cells.items():
        for row in PM.cell_rows(cell):
            p = Parameter(row)
            if row.group == "geometry":
                spec["area"] = p
            elif row.group == "protocol":
                spec["protocols"][row.protocol]["parameters"][row.name] = p
            elif row.group == "simulation":
                spec["simulation"][row.name] = p
            else:
                spec["parameters"][row.name] = p
    return cells


#: Every reconstructed cell: model, figures, default protocol, and its parameters by group
#: (:class:`Parameter`, resolved on demand).
CELLS: dict[str, dict] = _build_cells()


@dataclass(frozen=True)
class Choice:
    """A named option: its default (argued in one sentence), the alternatives, and what each sets.

    ``parameters`` maps option → cell → {name: :class:`Parameter`}; ``protocols`` maps option →
    cell → protocol id (for choices between protocols); ``rows``: the target ids whose run or
    reading the choice changes.
    """

    kind: str
    question: str
    default: str
    alternatives: tuple[str, ...]
    argument: str
    select: str
    reported: tuple[str, ...] = ()
    parameters: Mapping[str, Mapping[str, Mapping[str, Parameter]]] = field(default_factory=dict)
    protocols: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    evaluated: bool = False
    rows: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        return (self.default, *self.alternatives)

    @property
    def cells(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for table in (self.parameters, self.protocols):
            for per_cell in table.values():
                seen.update(dict.fromkeys(per_cell))
        return tuple(seen)

    def parameter_cells(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for per_cell in self.parameters.values():
            seen.update(dict.fromkeys(per_cell))
        return tuple(seen)


def _split(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.split(";") if t)


def _build_choices() -> dict[str, Choice]:
    params: dict[str, dict] = {}
    protocols: dict[str, dict] = {}
    for choice, option, row in PM.choice_rows():
        if row.group == "run":
            protocols.setdefault(choice, {}).setdefault(option, {})[row.cell] = row.value
        elif row.group == "none":
            params.setdefault(choice, {}).setdefault(option, {}).setdefault(row.cell, {})
        else:
            params.setdefault(choice, {}).setdefault(option, {}).setdefault(row.cell, {})[row.name] = Parameter(row)
    out = {}
    for name, r in PM.choices().items():
        out[name] = Choice(kind=r["kind"], question=r["question"], default=r["default"],
                           alternatives=_split(r["alternatives"]), argument=r["argument"], select=r["select"],
                           reported=_split(r["reported"]), parameters=params.get(name, {}),
                           protocols=protocols.get(name, {}), evaluated=r["evaluated"] == "true",
                           rows=_split(r["rows"]))
    return out


#: Every choice of the reconstruction, by name (see :class:`Choice`; :func:`choices_table`).
CHOICES: dict[str, Choice] = _build_choices()


def cell_ids() -> list[str]:
    """Ids (``data/paper/cells.csv``) of the cells that can be reconstructed."""
    return list(CELLS)


def _cell_choices(cell_id: str) -> dict[str, str]:
    """Default option of every parameter choice that concerns the cell."""
    return {name: c.default for name, c in CHOICES.items() if cell_id in c.parameter_cells()}


def choice_runs(name: str, option: str) -> list[tuple[str, str, dict[str, str]]]:
    """The runs (cell, protocol, params for :func:`reconstruct`) that make ``option`` of choice ``name``."""
    choice = CHOICES[name]
    if option not in choice.options:
        raise ValueError(f"choice '{name}' has no option '{option}' (options: {', '.join(choice.options)})")
    if choice.protocols:
        return [(cell, protocol, {}) for cell, protocol in choice.protocols[option].items()]
    return [(cell, CELLS[cell]["default_protocol"], {name: option}) for cell in choice.parameter_cells()]


def _model_fields(model: str) -> tuple[str, ...]:
    return tuple(f.name for f in dc_fields(MODELS[model]) if not f.name.startswith("_"))


def _assemble(values: dict[str, Any]) -> dict[str, Any]:
    """Nucleation rows (``nucleation_dips``, ``nucleation_<i>_depth|onset|width``) → a tuple of dips."""
    if "nucleation_dips" not in values:
        return values
    count = int(values.pop("nucleation_dips"))
    dips = []
    for i in range(1, count + 1):
        parts = [values.pop(f"nucleation_{i}_{p}") for p in ("depth", "onset", "width")]
        dips.append(NucleationDip(*parts))
    for key in [k for k in values if k.startswith("nucleation_")]:
        values.pop(key)
    values["nucleation"] = tuple(dips)
    return values


def _resolve_all(params: Mapping[str, Parameter], fitted, done: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = dict(done or {})
    later = []
    for name, p in params.items():
        if p.row.derivation == "below_saturation":
            later.append((name, p))
            continue
        out[name] = p.resolved(out, fitted)
    for name, p in later:
        out[name] = p.resolved(out, fitted)
    return out


def _split_overrides(cell_id: str, protocol: str, params: Mapping[str, Any] | None,
                     fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None
                     ) -> tuple[dict, dict, dict, dict, dict[str, str]]:
    """(model, protocol, simulation, run settings, selected choices) of a run: the cell's rows, then
    the rows of any choice option named in ``params``, then the other ``params`` by name."""
    spec = CELLS[cell_id]
    model_rows = dict(spec["parameters"])
    proto_rows = dict(spec["protocols"][protocol]["parameters"])
    sim_rows = dict(spec["simulation"])
    selected = _cell_choices(cell_id)
    explicit: dict[str, Any] = {}
    for name, value in (params or {}).items():
        choice = CHOICES.get(name)
        if choice is not None and choice.parameters:
            if cell_id not in choice.parameter_cells():
                raise KeyError(f"choice '{name}' does not concern cell '{cell_id}' "
                               f"(it concerns {', '.join(choice.parameter_cells())})")
            if value not in choice.options:
                raise ValueError(f"choice '{name}' has no option '{value}' (options: {', '.join(choice.options)})")
            selected[name] = value
            for pname, p in choice.parameters[value].get(cell_id, {}).items():
                if pname.startswith("nucleation"):
                    model_rows = {k: v for k, v in model_rows.items() if not k.startswith("nucleation")}
                    model_rows.update({k: v for k, v in choice.parameters[value][cell_id].items()
                                       if k.startswith("nucleation")})
                elif pname in proto_rows or pname in _PROTOCOL_ARGUMENTS:
                    proto_rows[pname] = p
                else:
                    model_rows[pname] = p
        elif choice is not None and name not in _PROTOCOL_ARGUMENTS:
            raise KeyError(f"choice '{name}' is selected by protocol id: {choice.select}")
        else:
            explicit[name] = value
            if choice is not None and isinstance(value, str) and value in choice.options:
                selected[name] = value  # a protocol argument that is also a choice (rate_ladder)
    fields = _model_fields(spec["model"])
    run: dict[str, Any] = {}
    direct_model, direct_proto, direct_sim = {}, {}, {}
    for name, value in explicit.items():
        if isinstance(value, Parameter):
            value = value.resolved(None, fitted)
        if name in _RUN_ARGUMENTS:
            run[name] = value
        elif name in model_rows or name in fields:
            direct_model[name] = value
        elif name in proto_rows or name in _PROTOCOL_ARGUMENTS:
            direct_proto[name] = value
        elif name in sim_rows or name in _SIMULATION_ARGUMENTS:
            direct_sim[name] = value
        else:
            raise KeyError(f"unknown parameter '{name}' for cell {cell_id} ({spec['model']})")
    model = _resolve_all({k: p for k, p in model_rows.items() if k not in direct_model}, fitted, direct_model)
    model.update(direct_model)
    model = _assemble(model)
    proto = _resolve_all({k: p for k, p in proto_rows.items() if k not in direct_proto}, fitted)
    proto.update(direct_proto)
    sim = _resolve_all({k: p for k, p in sim_rows.items() if k not in direct_sim}, fitted)
    sim.update(direct_sim)
    return model, proto, sim, run, selected


def _area(cell_id: str) -> pint.Quantity:
    return CELLS[cell_id]["area"].resolved()


def build_model(cell_id: str, params: Mapping[str, Any] | None = None, *, protocol: str | None = None,
                fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None):
    """The model of ``cell_id`` with its parameters (``params`` override by name)."""
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    model_params, _, _, _, _ = _split_overrides(cell_id, protocol, params, fitted)
    model_params.pop("step_temperature", None)
    return MODELS[spec["model"]](area=_area(cell_id), **model_params)


_STEPS_CACHE: dict[tuple, tuple] = {}


def _steps(cell_id: str, protocol: str, area: pint.Quantity, proto: dict) -> tuple:
    """The protocol's Steps (immutable, so cached: a fit runs the same protocol many times)."""
    key = (cell_id, protocol, repr(area), tuple(sorted((k, repr(v)) for k, v in proto.items())))
    if key not in _STEPS_CACHE:
        if len(_STEPS_CACHE) > 64:
            _STEPS_CACHE.clear()
        _STEPS_CACHE[key] = tuple(_make_steps(cell_id, protocol, area, proto))
    return _STEPS_CACHE[key]


def _make_steps(cell_id: str, protocol: str, area: pint.Quantity, proto: dict) -> list:
    pspec = CELLS[cell_id]["protocols"][protocol]
    if pspec.get("steps") == "symmetric":
        return symmetric_steps(area, proto["current_density"], proto["half_cycle"], int(proto["cycles"]),
                               first=proto.get("first", "plate"),
                               source=f"{pspec['figures']} prints no protocol: current_density, half_cycle, cycles, "
                                      f"first from data/model/parameters.csv (each marked not printed)")
    return steps_from_paper(pspec.get("base", protocol), area, **proto)


def reconstruct(cell_id: str, params: Mapping[str, Any] | None = None, *, protocol: str | None = None,
                fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None) -> xr.Dataset:
    """Cycler records of the paper's cell ``cell_id`` run through ``protocol`` (default: the cell's main one).

    ``params`` overrides any model, protocol or simulation setting by name (a Quantity, a number),
    selects an option of a :data:`CHOICES` entry by its name (``{'retention_reference_cycle':
    'cycle_1'}``), or sets ``only_cycles`` (the cycles to run, for a fit's cheap run).
    ``fitted`` supplies trial values of fits in progress (otherwise fitted values are read from
    the fit results). The Dataset is labelled ``data_source = "reconstructed"`` and carries the
    cell, protocol, figures, choices and every setting in its attributes. The same inputs (and
    seed) give identical records.
    """
    if cell_id not in CELLS:
        raise KeyError(f"no reconstruction for cell '{cell_id}' (available: {', '.join(CELLS)})")
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    if protocol not in spec["protocols"]:
        raise KeyError(f"cell '{cell_id}' has no reconstructed protocol '{protocol}' "
                       f"(available: {', '.join(spec['protocols'])})")
    pspec = spec["protocols"][protocol]
    model_params, proto, sim, run, selected = _split_overrides(cell_id, protocol, params, fitted)
    if "step_temperature" in model_params:
        proto["step_temperature"] = model_params.pop("step_temperature")
    if "repeat_cycles" in model_params:
        proto["repeat_cycles"] = model_params.pop("repeat_cycles")
    area = _area(cell_id)
    model = MODELS[spec["model"]](area=area, **model_params)
    steps = list(_steps(cell_id, protocol, area, proto))
    if run.get("only_cycles"):
        cycles = run["only_cycles"]
        keep = {int(c) for c in (cycles if isinstance(cycles, (tuple, list)) else (cycles,))}
        steps = [s for s in steps if s.cycle in keep]
    seed = sim.pop("seed", zlib.crc32(f"{cell_id}/{protocol}".encode()))
    return simulate(model, steps, seed=seed, source_file=f"reconstructed:{cell_id}/{protocol}", attrs={
        "cell_id": cell_id, "protocol_id": protocol, "figures": pspec["figures"],
        "base_protocol": pspec.get("base", protocol if "steps" not in pspec else "data/model/parameters.csv"),
        "electrode_area": f"{area:~P}",
        "ce_convention": "plating" if spec["model"] == "PlatingHalfCell" else "full_cell",
        "choices": json.dumps(selected, ensure_ascii=False, sort_keys=True),
        "protocol_parameters": "; ".join(f"{k}={v:~P}" if isinstance(v, pint.Quantity) else f"{k}={v}"
                                         for k, v in proto.items()),
    }, **sim)


def model_parameters(cell_id: str, params: Mapping[str, Any] | None = None, *, protocol: str | None = None,
                     fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None) -> dict[str, Any]:
    """The resolved model parameters of a cell (the keyword arguments of its model class, without area)."""
    protocol = protocol or CELLS[cell_id]["default_protocol"]
    model, _, _, _, _ = _split_overrides(cell_id, protocol, params, fitted)
    model.pop("step_temperature", None)
    model.pop("repeat_cycles", None)
    return model


def run_settings(cell_id: str, protocol: str | None = None) -> dict[str, Any]:
    """Every resolved setting of a run by name (model, protocol and simulation; for tests and tables)."""
    protocol = protocol or CELLS[cell_id]["default_protocol"]
    model, proto, sim, _, _ = _split_overrides(cell_id, protocol, None)
    return {**model, **proto, **sim, "area": _area(cell_id)}


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return "; ".join(f"{d.depth:~P} at {d.onset:~P} (width {d.width:~P})" for d in value) or "none"
    if isinstance(value, pint.Quantity):
        return f"{value:~P}"
    return str(value)


def parameter_table(cell_id: str, protocol: str | None = None) -> list[dict[str, str]]:
    """Rows (group, name, value, status, fit, why, calibrated_against) of every setting of a reconstruction."""
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    values: dict[str, Any] = {}
    rows = []
    area = spec["area"]
    rows.append({"group": "geometry", "name": "area", "value": _text(area.resolved()), "status": area.status,
                 "fit": "", "why": area.why, "calibrated_against": ";".join(area.calibrated_against)})
    pspec = spec["protocols"][protocol]
    if "base" in pspec:
        rows.append({"group": "protocol", "name": "base_protocol", "value": pspec["base"], "status": "from_paper",
                     "fit": "", "why": "the protocols.csv rows this protocol runs", "calibrated_against": ""})
    for group, params in (("model", spec["parameters"]), ("protocol", pspec["parameters"]),
                          ("simulation", spec["simulation"])):
        for name, p in params.items():
            value = p.resolved(values)
            values[name] = value
            rows.append({"group": group, "name": name, "value": _text(value), "status": p.status, "fit": p.row.fit,
                         "why": p.why, "calibrated_against": ";".join(p.calibrated_against)})
    for name, option in _cell_choices(cell_id).items():
        rows.append({"group": "choice", "name": name, "value": option, "status": "assumed", "fit": "",
                     "why": CHOICES[name].argument, "calibrated_against": ";".join(CHOICES[name].reported)})
    return rows


def _fitted_text(name: str, option: str) -> tuple[str, str]:
    """(fitted values, reachability) of the fits that apply under ``name=option``."""
    texts, reach = [], []
    for fit in PM.fits().values():
        if fit.option != f"{name}={option}":
            continue
        try:
            result = PM.fit_result(fit.name)
        except FileNotFoundError:
            texts.append(f"{fit.name}: not run")
            continue
        values = ", ".join(f"{p}={v['value']:.6g} {v['unit']}".rstrip() for p, v in result["parameters"].items())
        texts.append(f"{fit.name}: {values}")
        reach.append(f"{fit.name}: {'all targets reached' if result['reached'] else 'NOT reached: ' + ', '.join(result['unreached'])}")
    return "; ".join(texts), "; ".join(reach)


def choices_table() -> list[dict[str, str]]:
    """One row per choice and option: the question, the argument, and for options fitted on their own
    targets the fitted values and whether the targets are reachable."""
    out = []
    for name, c in CHOICES.items():
        for option in c.options:
            fitted, reachable = _fitted_text(name, option)
            out.append({"name": name, "option": option, "is_default": option == c.default, "kind": c.kind,
                        "question": c.question, "argument": c.argument, "select": c.select,
                        "cells": "; ".join(c.cells), "reported": "; ".join(c.reported),
                        "fitted_values": fitted, "targets_reachable": reachable})
    return out


def calibration(runs: Mapping[tuple, xr.Dataset] | None = None, *, choices: Mapping[str, str] | None = None,
                ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every target of ``data/model/targets.csv`` evaluated on the reconstructions (see :mod:`.targets`).

    ``runs`` maps (cell, protocol) to Datasets already made with the default choices (the others
    are reconstructed here); ``choices`` selects options of :data:`CHOICES`; ``ids`` only these targets.
    """
    from .targets import evaluate

    return evaluate(runs=runs, choices=choices, ids=ids)
