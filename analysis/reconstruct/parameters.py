"""Model parameters as data: every setting of every reconstructed cell, read from ``data/model/``.

- ``parameters.csv``: one row per cell (and protocol, for a protocol's own settings) and parameter,
  flat: a cell's complete parameter set is its rows, read top to bottom. A value is a number with
  its unit (status ``assumed`` or ``literature``), a number of the paper read by id
  (``paper_id``, status ``from_paper``; ``scale``/``offset`` for a sign or an index shift), a
  derivation from paper numbers (``derivation``), or the result of a fit (``fit``, status
  ``fitted``: the value is read from ``results/calibration/<fit>.json``, never typed).
- ``choice_parameters.csv``: what each option of a named choice (``choices.csv``) sets.
- ``runs.csv``: which model runs which protocol for which cell.
- ``fits.csv`` and ``fit_parameters.csv``: each fit, its targets (ids of ``targets.csv``), the
  fits it builds on, its cheap simulation settings, and the start and bounds of each parameter.

Every file is validated against its schema in ``data/datapackage.json`` when read.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pint

from ..errors import DataError
from ..paths import project_root
from ..tables import load_schema, read_quantities, read_rows
from ..units import Q_, parse_quantity
from . import physics as P

__all__ = [
    "CALIBRATION_ENV",
    "DERIVATIONS",
    "Fit",
    "Row",
    "calibration_dir",
    "cell_rows",
    "choice_rows",
    "choices",
    "fit_result",
    "fits",
    "fits_needed",
    "paper_value",
    "resolve_row",
    "runs",
]

#: Environment variable naming the folder of fit results (default ``results/calibration``).
CALIBRATION_ENV = "SUNG2023_CALIBRATION_DIR"
MODEL_DIR = Path("data") / "model"


def _path(name: str) -> Path:
    return project_root() / MODEL_DIR / name


@dataclass(frozen=True)
class Row:
    """One parameter row of ``parameters.csv`` or ``choice_parameters.csv``."""

    cell: str
    protocol: str
    group: str
    name: str
    value: str
    unit: str
    paper_id: str
    paper_table: str
    scale: str
    offset: str
    derivation: str
    status: str
    fit: str
    reported: str
    why: str
    row: int = 0
    source: str = "parameters"


_FILES = {"model_parameters": "parameters.csv", "model_choice_parameters": "choice_parameters.csv",
          "model_choices": "choices.csv", "model_runs": "runs.csv", "model_fits": "fits.csv",
          "model_fit_parameters": "fit_parameters.csv", "model_targets": "targets.csv"}


def _rows(resource: str) -> list[dict[str, str]]:
    """Rows of one ``data/model`` file, validated against its schema (one-line error naming file, column, row)."""
    return read_rows(_path(_FILES[resource]), load_schema(resource))


@functools.cache
def _parameter_rows() -> tuple[Row, ...]:
    fields = Row.__dataclass_fields__
    return tuple(Row(**{k: v for k, v in r.items() if k in fields}, row=i)
                 for i, r in enumerate(_rows("model_parameters"), start=2))


def cell_rows(cell: str) -> list[Row]:
    """Every row of ``cell`` in ``parameters.csv`` (model, simulation, geometry and protocol rows)."""
    return [r for r in _parameter_rows() if r.cell == cell]


@functools.cache
def choice_rows() -> tuple[tuple[str, str, Row], ...]:
    """(choice, option, row) of ``choice_parameters.csv``."""
    fields = Row.__dataclass_fields__
    return tuple((r["choice"], r["option"], Row(**{k: v for k, v in r.items() if k in fields}, row=i,
                                                  source="choice_parameters"))
                 for i, r in enumerate(_rows("model_choice_parameters"), start=2))


@functools.cache
def choices() -> dict[str, dict[str, str]]:
    """``{name: row}`` of ``choices.csv``."""
    return {r["name"]: r for r in _rows("model_choices")}


@functools.cache
def runs() -> tuple[dict[str, str], ...]:
    """Rows of ``runs.csv``: cell, protocol, model, default, base, steps, figures, cell_figures."""
    return tuple(_rows("model_runs"))


@dataclass(frozen=True)
class Fit:
    """One fit of ``fits.csv`` with its parameters (``fit_parameters.csv``)."""

    name: str
    option: str
    method: str
    targets: tuple[str, ...]
    after: tuple[str, ...]
    settings: dict[str, str]
    why: str
    parameters: tuple[dict[str, str], ...]


def _split(text: str, sep: str = ";") -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(sep) if t.strip())


def parse_settings(text: str) -> dict[str, str]:
    """``"noise=0 mV; cycles=1|2"`` → ``{"noise": "0 mV", "cycles": "1|2"}``."""
    out = {}
    for item in _split(text):
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"setting '{item}' is not name=value")
        out[name.strip()] = value.strip()
    return out


@functools.cache
def fits() -> dict[str, Fit]:
    """Every fit of ``fits.csv``, in file order (a fit comes after those it builds on)."""
    params: dict[str, list[dict[str, str]]] = {}
    for r in _rows("model_fit_parameters"):
        params.setdefault(r["fit"], []).append(r)
    out: dict[str, Fit] = {}
    for i, r in enumerate(_rows("model_fits"), start=2):
        after = _split(r["after"])
        for a in after:
            if a not in out:
                raise DataError(f"fit '{r['fit']}' builds on '{a}', which is not a fit listed before it",
                                path=_path("fits.csv"), row=i, column="after")
        if r["fit"] not in params:
            raise DataError(f"fit '{r['fit']}' has no parameter in fit_parameters.csv", path=_path("fits.csv"), row=i,
                            column="fit")
        out[r["fit"]] = Fit(r["fit"], r["option"], r["method"], _split(r["targets"]), after,
                            parse_settings(r["settings"]), r["why"], tuple(params.pop(r["fit"])))
    if params:
        raise DataError(f"fit_parameters.csv names fits that fits.csv does not list: {', '.join(sorted(params))}",
                        path=_path("fit_parameters.csv"))
    return out


def fits_needed(names: set[str] | list[str]) -> list[str]:
    """The fits ``names`` and every fit they build on, in file order."""
    table = fits()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in table:
            raise KeyError(f"no fit '{name}' in data/model/fits.csv")
        seen.add(name)
        todo.extend(table[name].after)
    return [n for n in table if n in seen]


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------


@functools.cache
def _reported() -> dict:
    return read_quantities(project_root() / "data/paper/reported_values.csv", resource="reported_values", key=("id",))


@functools.cache
def _cell_properties() -> dict[str, pint.Quantity]:
    out = {}
    for row in read_rows(project_root() / "data/paper/cell_properties.csv", load_schema("cell_properties")):
        if row["value"]:
            out[row["id"]] = parse_quantity(row["value"], row["unit"])
    return out


def paper_value(paper_id: str, table: str = "", scale: float = 1.0, offset: float = 0.0) -> pint.Quantity:
    """A number of ``reported_values.csv`` (or ``cell_properties.csv``) by id: ``scale × value + offset``."""
    if table in ("", "reported_values"):
        records = _reported()
        if (paper_id,) not in records:
            raise KeyError(f"data/paper/reported_values.csv has no id '{paper_id}'")
        q = records[(paper_id,)].quantity
    elif table == "cell_properties":
        props = _cell_properties()
        if paper_id not in props:
            raise KeyError(f"data/paper/cell_properties.csv has no id '{paper_id}'")
        q = props[paper_id]
    else:
        raise KeyError(f"unknown paper table '{table}'")
    if q.check("[temperature]"):
        return Q_(q.to("degC").magnitude * scale + offset, "degC")
    return q * scale + Q_(offset, q.units)


def _disc_area(diameter: pint.Quantity) -> pint.Quantity:
    import math

    return (math.pi / 4 * diameter ** 2).to("cm^2")


#: Derivations a row may name: function of the paper numbers its ``paper_id`` lists (in order)
#: and, where the function takes it, the row's own value and the cell's other parameters.
DERIVATIONS: dict[str, Callable[..., Any]] = {
    "disc_area": lambda inputs, value, params: _disc_area(inputs[0]),
    "silicon_areal_capacity": lambda inputs, value, params: P.silicon_areal_capacity(inputs[0], inputs[1]),
    "foil_less_silicon": lambda inputs, value, params: P.lithium_foil_areal_capacity(inputs[0]) - inputs[1],
    "foil_less_silicon_from_loading": lambda inputs, value, params: (
        P.lithium_foil_areal_capacity(inputs[0]) - P.silicon_areal_capacity(inputs[1], inputs[2])),
    "below_saturation": lambda inputs, value, params: params["x_saturation"] - value,
}


def calibration_dir() -> Path:
    """Folder of the fit results: ``$SUNG2023_CALIBRATION_DIR`` or ``results/calibration``."""
    env = os.environ.get(CALIBRATION_ENV)
    return Path(env) if env else project_root() / "results" / "calibration"


@functools.lru_cache(maxsize=64)
def _read_result(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def fit_result(fit: str, directory: Path | None = None) -> dict:
    """The result file of ``fit`` (``<calibration_dir>/<fit>.json``); one line saying how to make it if missing."""
    path = (directory or calibration_dir()) / f"{fit}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no result of fit '{fit}' (make it with `snakemake {path.relative_to(project_root()) if path.is_relative_to(project_root()) else path}` "
                                f"or `python -m analysis.reconstruct.fit --fit {fit}`)")
    return _read_result(str(path), path.stat().st_mtime)


def fitted_value(fit: str, name: str, fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None) -> pint.Quantity:
    """Value of parameter ``name`` from fit ``fit``: from ``fitted`` (trial values of a running fit) or its file."""
    if fitted is not None and fit in fitted:
        if name not in fitted[fit]:
            raise KeyError(f"fit '{fit}' does not fit parameter '{name}'")
        return fitted[fit][name]
    result = fit_result(fit)
    entry = result["parameters"].get(name)
    if entry is None:
        raise KeyError(f"fit '{fit}' does not fit parameter '{name}'")
    return Q_(entry["value"], entry["unit"])


def _literal(row: Row) -> Any:
    if row.unit == "":
        try:
            return int(row.value)
        except ValueError:
            return row.value
    return Q_(float(row.value), row.unit)


def resolve_row(row: Row, params: Mapping[str, Any] | None = None,
                fitted: Mapping[str, Mapping[str, pint.Quantity]] | None = None) -> Any:
    """The value of one row: fitted, derived, read from the paper, or the literal with its unit.

    ``params``: the cell's values resolved so far (for derivations that use them); ``fitted``:
    values of fits in progress, by fit and parameter (otherwise results are read from files).
    """
    where = f"data/model/{row.source}.csv, row {row.row} ({row.cell} {row.name})"
    scale = float(row.scale) if row.scale else 1.0
    offset = float(row.offset) if row.offset else 0.0
    try:
        if row.fit:
            value = fitted_value(row.fit, row.name, fitted)
            return value * scale if scale != 1.0 else value
        if row.derivation:
            if row.derivation not in DERIVATIONS:
                raise KeyError(f"unknown derivation '{row.derivation}' (known: {', '.join(DERIVATIONS)})")
            inputs = [paper_value(i) for i in _split(row.paper_id)]
            own = _literal(row) if row.value else None
            return DERIVATIONS[row.derivation](inputs, own, params or {})
        if row.paper_id:
            return paper_value(row.paper_id, row.paper_table, scale, offset)
        return _literal(row)
    except FileNotFoundError:
        raise
    except (KeyError, ValueError, pint.errors.PintError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def fits_of_rows(rows: list[Row]) -> set[str]:
    """The fits whose results ``rows`` read."""
    return {r.fit for r in rows if r.fit}
