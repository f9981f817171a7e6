"""Battery Data Format (BDF) CSV: :func:`sniff`, :func:`read_bdf_csv`, :func:`write_bdf_csv`.

A BDF CSV has one header line of column names, either the BDF *preferred labels*
(``Test Time / s``, ``Voltage / V``, ``Current / A``, ...) or the *machine names*
(``test_time_second``, ``voltage_volt``, ...), then one line per record. Labels with another unit
of the same dimension (``Test Time / h``) are converted. Cumulative ``Charging Capacity / Ah`` and
``Discharging Capacity / Ah`` (never reset) become the per-step ``step_net_capacity_ah`` of the
contract when step boundaries are known (``step_count``, ``step_id`` or ``step_type``); otherwise
they are left out and the Dataset says so in ``attrs["notes"]``.

Files written by :func:`write_bdf_csv` start with ``# key: value`` comment lines carrying the
Dataset attributes (``data_source``, the original ``source_file``, ``format``, ...); the reader
understands them. Floats are written with ``repr`` (shortest text that reads back to the same
float), so write -> read gives identical values.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pint
import xarray as xr

from ..atomic import atomic_text
from ..errors import DataError
from ..units import ureg
from .core import PREFERRED_LABELS, REQUIRED, SIGN_CONVENTION, VARIABLES, validate

from ._text import (
    open_checks,
    detect_encoding, ends_with_newline, count_lines, no_gc, picker, progress, unit_factor, Collector,
    step_starts, step_first_index, finish_dataset, add_note,
)

__all__ = ["sniff", "read_bdf_csv", "write_bdf_csv"]

# --------------------------------------------------------------------------------------------
# BDF CSV
# --------------------------------------------------------------------------------------------

_MACHINE = {name: name for name in VARIABLES}
_LABEL_NAME = {label.split(" / ")[0].strip().lower(): name for label, name in PREFERRED_LABELS.items()}
# Names of the BDF specification that this project files under another variable, and cumulative
# capacity columns that are converted rather than kept.
_ALIASES = {
    "step index": "step_id", "step_index": "step_id",
    "charging capacity": "_cum_charge", "charge capacity": "_cum_charge", "charging_capacity_ah": "_cum_charge",
    "discharging capacity": "_cum_discharge", "discharge capacity": "_cum_discharge",
    "discharging_capacity_ah": "_cum_discharge",
}
_CUMULATIVE_UNIT = {"_cum_charge": "A*h", "_cum_discharge": "A*h"}
_META_CORE = ("source_file", "source_sha256", "format", "instrument", "reader")


def _split_label(text: str) -> tuple[str, str | None]:
    if " / " in text:
        name, unit = text.rsplit(" / ", 1)
        return name.strip(), unit.strip()
    return text.strip(), None


def _default_unit(target: str) -> str | None:
    return _CUMULATIVE_UNIT.get(target) or (VARIABLES[target].unit if target in VARIABLES else None)


def _resolve(header: str) -> tuple[str | None, str | None]:
    """(BDF name or cumulative key, unit written in the header) of one header field."""
    text = header.strip().strip('"')
    if text in PREFERRED_LABELS:
        return PREFERRED_LABELS[text], VARIABLES[PREFERRED_LABELS[text]].unit
    if text in _MACHINE:
        return text, VARIABLES[text].unit
    if text.lower() in _ALIASES and "_" in text:  # machine names of the BDF specification
        target = _ALIASES[text.lower()]
        return target, _default_unit(target)
    name, unit = _split_label(text)
    key = name.lower()
    if key in _ALIASES:
        return _ALIASES[key], unit
    if key in _LABEL_NAME:
        return _LABEL_NAME[key], unit
    return None, None


def _head_lines(head: str) -> list[str]:
    return [line for line in head.lstrip("\ufeff").splitlines() if line.strip() and not line.lstrip().startswith("#")]


def sniff(head: str) -> bool:
    """True when the first non-comment line of ``head`` is a BDF header (labels or machine names)."""
    lines = _head_lines(head)
    if not lines:
        return False
    fields = next(csv.reader([lines[0]]))
    found = {_resolve(f)[0] for f in fields}
    return "test_time_second" in found and bool(found & {"voltage_volt", "current_ampere"})


def _read_comments(handle) -> tuple[dict[str, str], list[str] | None, int]:
    """``# key: value`` lines at the top, then the header row; returns (meta, header, lines read)."""
    meta: dict[str, str] = {}
    lines = 0
    while True:
        line = handle.readline()
        if not line:
            return meta, None, lines
        lines += 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            if ":" in body:
                key, value = body.split(":", 1)
                meta[key.strip()] = value.strip()
            continue
        return meta, next(csv.reader([line.rstrip("\r\n")])), lines


CURRENT_SIGNS = ("charge_positive", "discharge_positive")


def read_bdf_csv(path: str | Path, *, data_source: str = "measured", progress_bar: bool | None = None,
                 current_sign: str = "charge_positive", ignore_columns: list[str] | tuple[str, ...] = (),
                 **options: Any) -> xr.Dataset:
    """Read a BDF CSV (preferred labels or machine names) into the canonical Dataset.

    A file written by :func:`write_bdf_csv` declares its ``data_source``; reading it as another
    one raises (a model's output never turns into a measurement by accident).

    Options for files that stray from the format (``reader_options`` of a cell):
    ``current_sign="discharge_positive"`` reads a file whose current is positive when it
    discharges (its step types say so: a "discharge" step with positive current) and flips it;
    ``ignore_columns`` lists headers (as in the file) to leave out, e.g. a cycle column that
    holds no cycle numbers. Both are noted in ``attrs["notes"]``.
    """
    path = open_checks(path, options, "read_bdf_csv")
    if current_sign not in CURRENT_SIGNS:
        raise DataError(f"current_sign must be one of {', '.join(CURRENT_SIGNS)}, got {current_sign!r}", path=path)
    if isinstance(ignore_columns, str) or not all(isinstance(c, str) for c in ignore_columns):
        raise DataError("ignore_columns must be a list of column headers", path=path)
    skipped = {c.strip() for c in ignore_columns}
    encoding = detect_encoding(path, "cp1252")
    attrs: dict[str, Any] = {}
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        meta, header, skip = _read_comments(handle)
        if header is None:
            raise DataError("no header line", path=path)
        kinds: dict[str, tuple[str, str]] = {}
        factors: dict[str, float] = {}
        index: dict[str, int] = {}
        labels: dict[str, str] = {}
        ignored = []
        unknown = sorted(skipped - {field.strip() for field in header})
        if unknown:
            raise DataError(f"ignore_columns names no column of the file: {', '.join(unknown)}", path=path)
        for i, field in enumerate(header):
            if field.strip() in skipped:
                add_note(attrs, f"column '{field.strip()}' left out (reader option ignore_columns)")
                continue
            name, unit = _resolve(field)
            if name is None:
                if field.strip():
                    ignored.append(field.strip())
                continue
            if name in index:
                raise DataError(f"column given twice (also as '{header[index[name]]}')", path=path, column=field)
            target = _CUMULATIVE_UNIT.get(name) or (VARIABLES[name].unit if name in VARIABLES else None)
            kind = "float" if name.startswith("_") else VARIABLES[name].kind
            if kind == "float" and target:
                factors[name] = unit_factor(unit, target, path=path, column=field)
            elif kind == "int" and unit not in (None, "1", "-", "dimensionless", ""):
                raise DataError(f"unknown unit '{unit}' for a count", path=path, column=field)
            index[name] = i
            labels[name] = field.strip()
            kinds[name] = (kind, field.strip())
        missing = [n for n in REQUIRED if n not in index]
        if missing:
            raise DataError("required column missing", path=path, column=VARIABLES[missing[0]].label)
        fast = _fast_columns(path, encoding, skip, kinds, index, factors)
    if fast is not None:
        data, file_rows = fast
    else:
        try:
            data, file_rows = _careful_columns(path, encoding, skip, kinds, index, factors, header, progress_bar)
        except DataError as err:
            if not err.problem.startswith("expected a whole number"):
                raise
            raise DataError(f"{err.problem}; a column without usable values can be left out with the reader option "
                            f"ignore_columns: ['{err.column}']", path=err.path, column=err.column, row=err.row) from None
    columns = {k: v for k, v in data.items() if not k.startswith("_")}
    if current_sign == "discharge_positive":  # capacities are by label (charging / discharging) or signed like I
        for name in ("current_ampere", "step_net_capacity_ah", "step_net_energy_wh"):
            if name in columns:
                columns[name] = -np.asarray(columns[name], dtype=np.float64)
        add_note(attrs, "current read as positive when discharging and flipped (reader option current_sign)")
    if ignored:
        attrs["ignored_columns"] = ", ".join(ignored)
    keys = [columns.get("step_count"), columns.get("step_id"), columns.get("step_type"), columns.get("cycle_count")]
    if "step_count" not in columns and any(k is not None for k in keys):
        columns["step_count"] = np.cumsum(step_starts(*keys, step_time=columns.get("step_time_second"))).astype(np.int64)
        add_note(attrs, "step_count derived (+1 where step index, step type or cycle changes or step time goes back)")
    if ("_cum_charge" in data or "_cum_discharge" in data) and "step_net_capacity_ah" not in columns:
        if "step_count" in columns:
            charge = data.get("_cum_charge", np.zeros(len(file_rows)))
            discharge = data.get("_cum_discharge", np.zeros(len(file_rows)))
            net = np.nan_to_num(charge) - np.nan_to_num(discharge)
            columns["step_net_capacity_ah"] = net - net[step_first_index(columns["step_count"])]
            add_note(attrs, "step_net_capacity_ah computed from the cumulative charging/discharging capacities "
                            "(value at the first record of each step subtracted)")
        else:
            add_note(attrs, "cumulative charging/discharging capacities ignored: no step columns to split them by step")
    convention = meta.get("sign_convention")
    if convention and " ".join(convention.split()).lower() != SIGN_CONVENTION.lower():
        raise DataError(f"the file declares the sign convention '{convention}'; this project reads "
                        f"'{SIGN_CONVENTION}': flip the sign of the current (and capacities) first",
                        path=path, column=labels.get("current_ampere", "current_ampere"))
    declared = meta.get("data_source")
    if declared and declared != data_source:
        raise DataError(f"the file declares data_source '{declared}' but was read as '{data_source}'; "
                        f"pass data_source='{declared}'", path=path)
    for key, value in meta.items():
        if key in ("data_source", "sign_convention") or key in _META_CORE or key.startswith("origin_"):
            continue
        attrs[key] = value
    for key in ("source_file", "source_sha256", "format", "reader"):
        origin = meta.get(f"origin_{key}", meta.get(key))
        if origin:
            attrs[f"origin_{key}"] = origin
    instrument = meta.get("instrument", "unknown")

    def locate(record: int) -> tuple[Any, int]:
        return path, int(file_rows[record])

    try:
        return finish_dataset(columns, path=path, format="bdf-csv", instrument=instrument,
                              reader="analysis.io.bdf.read_bdf_csv", data_source=data_source, attrs=attrs,
                              locate=locate, labels=labels)
    except DataError as err:
        if "contradicts its step types" not in err.problem:
            raise
        other = CURRENT_SIGNS[1 - CURRENT_SIGNS.index(current_sign)]
        raise DataError(f"{err.problem}; if the file counts current the other way, read it with the reader "
                        f"option current_sign: {other}", path=err.path, column=err.column, row=err.row) from None



def _careful_columns(path: Path, encoding: str, skip: int, kinds: dict, index: dict, factors: dict,
                     header: list[str], progress_bar: bool | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The columns, read line by line: every problem is reported with its file row and column."""
    collector = Collector(kinds, path=path, factors=factors)
    order = [index[k] for k in kinds]
    need = max(order) + 1
    full = len(header)
    last_fields, last_row = None, 0
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        for _ in range(skip):
            handle.readline()
        rows = progress(csv.reader(handle), total=count_lines(path), enabled=progress_bar, desc=path.name)
        row = 0
        pick = picker(order)
        with no_gc():
            for fields in rows:
                if not any(fields) or fields[0].lstrip().startswith("#"):
                    continue
                row += 1
                if len(fields) < need:
                    raise DataError(f"truncated line ({len(fields)} of {full} fields)", path=path, row=row)
                collector.append(row, pick(fields))
                last_fields, last_row = fields, row
    if last_fields is not None and len(last_fields) < full and not ends_with_newline(path):
        raise DataError(f"truncated line ({len(last_fields)} of {full} fields)", path=path, row=last_row)
    return collector.finish()


def _fast_columns(path: Path, encoding: str, skip: int, kinds: dict, index: dict,
                  factors: dict) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """The columns at the speed of pandas' C parser, or None when the file has anything unusual.

    Anything unusual is an empty cell, a short or long line, a blank or comment line among the
    data, text in a numeric column, a fractional count: :func:`_careful_columns` then reads the
    file again and either accepts it (empty cells are NaN) or names the file row and column.
    So both paths give the same Dataset, and errors always name their row.
    """
    if any(kind not in ("float", "int", "str") for kind, _ in kinds.values()):
        return None
    import pandas as pd

    by_position = {index[k]: k for k in kinds}
    dtypes = {i: (str if kinds[k][0] == "str" else np.float64) for i, k in by_position.items()}
    try:
        frame = pd.read_csv(path, encoding=encoding, skiprows=skip, header=None, usecols=sorted(by_position),
                            dtype=dtypes, skip_blank_lines=False, engine="c", keep_default_na=False,
                            na_values=[""], encoding_errors="strict")
    except (ValueError, OverflowError, UnicodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if len(frame) == 0:
        return None
    out: dict[str, np.ndarray] = {}
    for position, key in by_position.items():
        kind = kinds[key][0]
        column = frame.pop(position)
        if kind == "str":
            if column.isna().any():
                return None
            codes, labels = pd.factorize(column, sort=False)
            out[key] = np.array([str(v).strip() for v in labels], dtype=object)[codes]
            continue
        values = column.to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            return None
        if kind == "int":
            if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                return None
            out[key] = values.astype(np.int64)
        else:
            factor = factors.get(key, 1.0)
            out[key] = values * factor if factor != 1.0 else values
    return out, np.arange(1, len(out[next(iter(out))]) + 1, dtype=np.int64)


def _magnitudes(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Values of every variable in its BDF unit, from a quantified or dequantified Dataset."""
    out = {}
    for name, var in ds.data_vars.items():
        if name not in VARIABLES:
            raise ValueError(f"not a BDF variable of this project: {name}")
        spec = VARIABLES[name]
        data = var.data
        if isinstance(data, pint.Quantity):
            if spec.unit is None:
                raise ValueError(f"{name} carries units but is a label")
            values = np.asarray(data.to(spec.unit).magnitude)
        elif spec.unit is not None and var.attrs.get("units") not in (None, spec.unit):
            values = np.asarray(ureg.Quantity(np.asarray(data), var.attrs["units"]).to(spec.unit).magnitude)
        else:
            values = np.asarray(data)
        if spec.kind == "float":
            values = values.astype(np.float64)
        elif spec.kind == "int":
            values = values.astype(np.int64)
        else:
            values = values.astype(str)
        out[name] = values
    return out


def _format_column(kind: str, values: np.ndarray) -> list[str]:
    if kind == "float":
        return ["" if v != v else float.__repr__(v) for v in values.tolist()]
    if kind == "int":
        return [str(v) for v in values.tolist()]
    return values.tolist()


def write_bdf_csv(ds: xr.Dataset, path: str | Path, *, names: str = "labels") -> Path:
    """Write ``ds`` as a BDF CSV (``names='labels'`` or ``'machine'``), atomically.

    The Dataset is validated first (nothing is written when it is invalid); attributes go to
    ``# key: value`` lines before the header; floats are written with ``repr`` so that
    :func:`read_bdf_csv` gives back identical values.
    """
    if names not in ("labels", "machine"):
        raise ValueError("names must be 'labels' or 'machine'")
    path = Path(path)
    values = _magnitudes(ds)
    plain = xr.Dataset({k: (ds[k].dims, v) for k, v in values.items()}, attrs=dict(ds.attrs))
    validate(plain)
    order = [n for n in VARIABLES if n in values]
    header = [VARIABLES[n].label if names == "labels" else n for n in order]
    meta = {k: v for k, v in ds.attrs.items() if isinstance(v, (str, int, float, np.integer, np.floating))}
    if "data_source" not in meta:
        raise ValueError("the Dataset has no data_source attribute")
    lines = []
    for key, value in meta.items():
        text = " ".join(str(value).split("\n")).replace("\r", " ")
        lines.append(f"# {key}: {text}\n")
    columns = [_format_column(VARIABLES[n].kind, values[n]) for n in order]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_text(path) as handle:
        handle.writelines(lines)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns))
    return path
