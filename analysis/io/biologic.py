"""BioLogic EC-Lab files: the text export ``.mpt`` (:func:`read_mpt`) and, through the optional
GPL package galvani, the binary ``.mpr`` (:func:`read_mpr`).

``.mpt``: Latin-1 text; line 1 ``EC-Lab ASCII FILE``, line 2 ``Nb header lines : N``, the column
line is line N, tab-separated data follow; numbers use a decimal comma in some locales
(detected from the first data line). A file that starts directly with the column line is read
too.

Mapping to the Battery Data Format (:mod:`analysis.io.core`):

- ``time/s`` -> ``test_time_second``; ``step time/s`` -> ``step_time_second`` (else time since
  the first record of the step);
- voltage: ``Ecell/V``, else ``Ewe/V`` (or their averaged ``<...>`` forms);
- current: ``I/mA`` or ``<I>/mA`` (-> A); without them (some GCPL ``.mpr``) from ``dq`` over
  the time step, which equals EC-Lab's ``<I>``; EC-Lab's sign (positive = oxidation at the
  working electrode, raising Ewe) is the BDF one;
- ``cycle number`` -> ``cycle_count``; without it (``.mpr``) ``half cycle // 2``, which is how
  EC-Lab counts;
- a new step (``step_count`` + 1) starts when ``Ns``, ``mode`` or the cycle number changes;
  ``step_id`` is ``Ns``;
- ``step_type``: ``CC`` (mode 1), ``CV`` (mode 2), ``Rest`` (mode 3), with ``_Chg`` / ``_DChg``
  from the sign of the step's mean current, e.g. ``CC_DChg``, ``CV_Chg``;
- ``step_net_capacity_ah``: ``(Q-Qo)`` (mA.h or C, from the header) minus its value at the
  first record of the step; without it, the running sum of ``dq``; without that, the integral
  of the current.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import xarray as xr

from ..errors import DataError
from ._text import (Collector, add_note, open_checks, count_lines, detect_encoding, ends_with_newline, finish_dataset, no_gc,
                  picker, progress, step_first_index, step_mean, step_starts, unit_factor)

__all__ = ["read_mpt", "read_mpr"]

INSTRUMENT = "BioLogic (EC-Lab)"
GALVANI_MISSING = "reading .mpr needs the optional GPL package galvani: pip install -e '.[mpr]' (or pip install galvani)"

_NB_HEADER = re.compile(r"^\s*Nb header lines\s*:\s*(\d+)\s*$")
_COMMA_NUMBER = re.compile(r"^[-+]?\d+,\d*(?:[eE][-+]?\d+)?$")
_MODES = {1: "CC", 2: "CV", 3: "Rest"}
# column names (without <> and unit) this reader uses, besides the exact ones below
_QUANTITIES = {"time", "step time", "Ecell", "Ewe", "I", "dq", "dQ", "(Q-Qo)"}
_EXACT = ("mode", "ox/red", "Ns", "cycle number", "half cycle")


def _split(header: str) -> tuple[str, str | None, bool]:
    """(name, unit, averaged) of an EC-Lab column header: ``<I>/mA`` -> ``('I', 'mA', True)``."""
    text = header.strip()
    averaged = "<" in text
    plain = text.replace("<", "").replace(">", "")
    if "/" not in plain:
        return plain, None, averaged
    name, unit = plain.rsplit("/", 1)
    return name.strip(), unit.strip(), averaged


def _wanted(header: str) -> bool:
    return header.strip() in _EXACT or _split(header)[0] in _QUANTITIES


def _pick(columns: Mapping[str, np.ndarray], *names: str) -> str | None:
    """The header of the first of ``names`` present, plain before averaged."""
    for name in names:
        found = [h for h in columns if h not in _EXACT and _split(h)[0] == name]
        found.sort(key=lambda h: _split(h)[2])
        if found:
            return found[0]
    return None


def read_mpt(path: str | Path, *, data_source: str = "measured", progress_bar: bool | None = None,
             **options: Any) -> xr.Dataset:
    """Read an EC-Lab ``.mpt`` text export into the canonical Dataset."""
    path = open_checks(path, options, "read_mpt")
    encoding = detect_encoding(path, "latin-1")
    attrs: dict[str, Any] = {"encoding": encoding}
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise DataError("empty file", path=path)
        if first.lstrip("\ufeff").strip().startswith("EC-Lab ASCII FILE"):
            second = handle.readline()
            match = _NB_HEADER.match(second)
            if not match or int(match[1]) < 3:
                raise DataError("line 2 should be 'Nb header lines : N'", path=path)
            block = [handle.readline() for _ in range(int(match[1]) - 3)]
            column_line = handle.readline()
            if not column_line.strip():
                raise DataError("the file ends inside its header block", path=path)
            technique = next((line.strip() for line in block if line.strip()), "")
            if technique:
                attrs["technique"] = technique
        else:
            column_line = first.lstrip("\ufeff")
        header = column_line.rstrip("\r\n").split("\t")
        while header and not header[-1].strip():
            header.pop()
        if not any(_split(h)[0] == "time" for h in header):
            raise DataError("required column missing: not an EC-Lab data table", path=path, column="time/s")
        used = {h.strip(): i for i, h in enumerate(header) if _wanted(h)}
        width = len(header)
        positions = list(used.values())
        need = max(positions) + 1
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        collector = None
        row = 0
        last, last_row = None, 0
        pick = picker(positions)
        with no_gc():
            for fields in progress(rows, total=count_lines(path), enabled=progress_bar, desc=path.name):
                if not any(fields):
                    continue
                row += 1
                if collector is None:
                    comma = any(_COMMA_NUMBER.match(f.strip()) for f in fields)
                    if comma:
                        attrs["decimal_separator"] = ","
                    collector = Collector({h: ("float", h) for h in used}, path=path, decimal_comma=comma)
                if len(fields) < need:
                    raise DataError(f"truncated line ({len(fields)} of {width} fields)", path=path, row=row)
                collector.append(row, pick(fields))
                last, last_row = fields, row
        if last is not None and len([f for f in last if f != ""]) < width and not ends_with_newline(path):
            raise DataError(f"truncated line ({len(last)} of {width} fields)", path=path, row=last_row)
    if collector is None:
        raise DataError("no data rows", path=path)
    data, file_rows = collector.finish()
    return _dataset(data, path=path, attrs=attrs, data_source=data_source, format="biologic-mpt",
                    reader="analysis.io.biologic.read_mpt", locate=lambda k: (path, int(file_rows[k])))


def read_mpr(path: str | Path, *, data_source: str = "measured", **options: Any) -> xr.Dataset:
    """Read an EC-Lab ``.mpr`` binary file through galvani (optional, GPL-3)."""
    path = open_checks(path, options, "read_mpr")
    try:
        from galvani import BioLogic
    except ImportError:
        raise DataError(GALVANI_MISSING, path=path) from None
    try:
        with open(path, "rb") as handle:  # galvani leaves a file it opened itself open
            mpr = BioLogic.MPRfile(handle)
    except Exception as err:  # galvani raises plain ValueError/NotImplementedError/struct.error/...
        message = " ".join(str(err).split())[:200]
        raise DataError(f"galvani could not read the file ({type(err).__name__}: {message})", path=path) from None
    data: dict[str, np.ndarray] = {}
    for name in mpr.data.dtype.names:
        if name == "flags":
            continue
        if name.strip() in _EXACT or _split(name)[0] in _QUANTITIES:
            data[name] = np.asarray(mpr.data[name], dtype=np.float64)
    for flag in ("mode", "ox/red"):
        try:
            data[flag] = np.asarray(mpr.get_flag(flag), dtype=np.float64)
        except (AttributeError, KeyError, ValueError):
            pass
    attrs: dict[str, Any] = {"galvani_version": _galvani_version()}
    return _dataset(data, path=path, attrs=attrs, data_source=data_source, format="biologic-mpr",
                    reader="analysis.io.biologic.read_mpr (galvani)", locate=lambda k: (path, k + 1))


def _galvani_version() -> str:
    try:
        from importlib.metadata import version

        return version("galvani")
    except Exception:  # noqa: BLE001
        return "unknown"


def _dataset(data: dict[str, np.ndarray], *, path: Path, attrs: dict[str, Any], data_source: str, format: str,
             reader: str, locate) -> xr.Dataset:
    """BDF columns from EC-Lab columns (header name -> float array), then the checked Dataset."""
    labels: dict[str, str] = {}
    columns: dict[str, np.ndarray] = {}
    time_col = _pick(data, "time")
    if time_col is None:
        raise DataError("required column missing", path=path, column="time/s")
    t = data[time_col] * unit_factor(_split(time_col)[1], "s", path=path, column=time_col)
    columns["test_time_second"], labels["test_time_second"] = t, time_col
    volt_col = _pick(data, "Ecell", "Ewe")
    if volt_col is None:
        raise DataError("required column missing", path=path, column="Ewe/V")
    columns["voltage_volt"] = data[volt_col] * unit_factor(_split(volt_col)[1], "V", path=path, column=volt_col)
    labels["voltage_volt"] = volt_col
    attrs["voltage_column"] = volt_col
    current_col = _pick(data, "I")
    dq_col = _pick(data, "dq", "dQ")
    dq = None if dq_col is None else data[dq_col] * unit_factor(_split(dq_col)[1], "A*h", path=path, column=dq_col)
    if current_col is not None:
        current = data[current_col] * unit_factor(_split(current_col)[1], "A", path=path, column=current_col)
        labels["current_ampere"] = current_col
    elif dq is not None:
        current = _current_from_dq(dq, t)
        labels["current_ampere"] = dq_col
        add_note(attrs, f"current_ampere from '{dq_col}' over the time step (no I/mA column)")
    elif "mode" in data and len(t) and np.all(data["mode"] == 3):
        current = np.zeros_like(t)  # open circuit throughout (OCV technique): no current column is written
        labels["current_ampere"] = "mode"
        add_note(attrs, "current_ampere = 0: no current column and every record is at open circuit (mode 3)")
    else:
        raise DataError("required column missing", path=path, column="I/mA")
    columns["current_ampere"] = current
    attrs["current_column"] = labels["current_ampere"]
    n = len(t)

    cycle = None
    if "cycle number" in data:
        cycle = _whole(data["cycle number"], path=path, column="cycle number", locate=locate)
        labels["cycle_count"] = "cycle number"
    elif "half cycle" in data:
        cycle = _whole(data["half cycle"], path=path, column="half cycle", locate=locate) // 2
        labels["cycle_count"] = "half cycle"
        add_note(attrs, "cycle_count = half cycle // 2 (no cycle number column)")
    if cycle is not None:
        columns["cycle_count"] = cycle
    mode = _whole(data["mode"], path=path, column="mode", locate=locate) if "mode" in data else None
    ns = _whole(data["Ns"], path=path, column="Ns", locate=locate) if "Ns" in data else None
    if ns is not None:
        columns["step_id"], labels["step_id"] = ns, "Ns"
    starts = step_starts(ns, mode, cycle)
    step_count = np.cumsum(starts).astype(np.int64)
    columns["step_count"] = step_count
    first = step_first_index(step_count)
    if mode is not None:
        mean = step_mean(current, step_count)
        scale = float(np.nanmax(np.abs(current))) if n else 0.0
        tolerance = max(1e-9 * scale, 1e-15)
        suffix = np.where(mean > tolerance, "_Chg", np.where(mean < -tolerance, "_DChg", ""))
        base = np.array([_MODES.get(int(m), f"mode{int(m)}") for m in mode], dtype=object)
        labels_ = np.where(base == "Rest", "Rest", base.astype(str) + suffix)
        columns["step_type"] = labels_[first]  # one label per step (that of its first record's mode)
        labels["step_type"] = "mode"
    step_time_col = _pick(data, "step time")
    if step_time_col is not None:
        columns["step_time_second"] = data[step_time_col] * unit_factor(_split(step_time_col)[1], "s", path=path,
                                                                         column=step_time_col)
        labels["step_time_second"] = step_time_col
    else:
        columns["step_time_second"] = t - t[first]
        add_note(attrs, "step_time_second = time since the first record of the step")
    q_col = _pick(data, "(Q-Qo)")
    if q_col is not None:
        q = data[q_col] * unit_factor(_split(q_col)[1], "A*h", path=path, column=q_col)
        labels["step_net_capacity_ah"] = q_col
    elif dq is not None:
        q = np.cumsum(np.nan_to_num(dq))
        labels["step_net_capacity_ah"] = dq_col
        add_note(attrs, f"step_net_capacity_ah from the running sum of '{dq_col}'")
    else:
        q = np.concatenate([[0.0], np.cumsum(0.5 * (current[1:] + current[:-1]) * np.diff(t))]) / 3600.0
        labels["step_net_capacity_ah"] = labels["current_ampere"]
        add_note(attrs, "step_net_capacity_ah from integrating the current (trapezoids)")
    columns["step_net_capacity_ah"] = q - q[first]
    return finish_dataset(columns, path=path, format=format, instrument=INSTRUMENT, reader=reader,
                          data_source=data_source, attrs=attrs, locate=locate, labels=labels)


def _whole(values: np.ndarray, *, path: Path, column: str, locate) -> np.ndarray:
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
    if bad.size:
        where, row = locate(int(bad[0]))
        raise DataError(f"expected a whole number, found {values[bad[0]]!r}", path=where, column=column, row=row)
    return values.astype(np.int64)


def _current_from_dq(dq: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Current (A) from the charge passed since the previous point (Ah) and the time step (s)."""
    current = np.zeros_like(dq)
    if dq.size > 1:
        dt = np.diff(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            current[1:] = np.where(dt > 0, dq[1:] * 3600.0 / dt, np.nan)
        # a zero time step (duplicated point) keeps the previous current
        for k in np.flatnonzero(~np.isfinite(current)):
            current[k] = current[k - 1] if k > 0 else 0.0
        if dq[0] != 0:
            current[0] = current[1]
    return current
