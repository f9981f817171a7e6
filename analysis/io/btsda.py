"""Neware BTSDA exports: flat record CSV, hierarchical cycle/step/record CSV, XLSX.

Flat CSV (one header, one line per record)::

    DataPoint,Cycle Index,Step Index,Step Type,Time,Total Time,Current(µA),Voltage(mV),Capacity(mAs),...,Date,...

Hierarchical CSV (three header lines; cycle rows, step rows with the first column empty,
record rows with the first two columns empty)::

    Cycle Index,Chg. Cap.(Ah),...
    ,Step Index,Step Number,Step Type,Step Time,Capacity(Ah),...
    ,,DataPoint,Time,Total Time,Current(A),Voltage(V),Capacity(Ah),Energy(Wh),Date,...

Only record rows are kept; their cycle and step come from the parent rows. (Some exports glue
the first step row onto the end of the first cycle row; that is understood.)

XLSX: the ``record`` sheet(s) (``openpyxl``); when the record sheet has no cycle/step index,
they are taken from the ``step`` sheet if its steps line up with the records'.

Mapping to the Battery Data Format (:mod:`analysis.io.core`): units come from the header
brackets (µA/uA/mA/A, mV/V, µAh/mAh/Ah/mAs/As, mWh/Wh/mWs); times are seconds or ``h:mm:ss``
(hours beyond 24, ``d-hh:mm:ss``, ``d hh:mm:ss``). ``Cycle Index`` -> ``cycle_count`` (raw),
``Step Index`` -> ``step_id``, ``step_count`` +1 whenever a new step starts (step index, step
type or cycle changes, or the step time goes back), ``Step Type`` -> ``step_type`` (kept),
``Total Time`` -> ``test_time_second``, ``Time`` -> ``step_time_second``, ``Date`` ->
``unix_time_second`` (read as UTC unless ``timezone=`` names the cycler computer's zone).
BTSDA writes discharge currents negative already (checked on real exports), which is the BDF
convention. Its capacities and energies are unsigned and reset at every step: they are signed by
the step direction (:func:`analysis.io.core.step_direction`).
"""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import xarray as xr

from ..errors import DataError
from ._text import (Collector, add_note, open_checks, count_lines, detect_encoding, ends_with_newline, finish_dataset, no_gc,
                  picker, progress, sign_by_step, step_starts, to_unix_seconds, unit_factor)

__all__ = ["sniff", "read_csv", "read_xlsx"]

INSTRUMENT = "Neware (BTSDA export)"

# role -> accepted header names (text before the unit bracket, lower case)
_ROLES: dict[str, tuple[str, ...]] = {
    "cycle": ("cycle index", "cycle id", "cycle", "cycle no.", "cycle number"),
    "step_id": ("step index", "step id", "step no.", "step"),
    "step_number": ("step number",),
    "step_type": ("step type", "step name", "step mode"),
    "record": ("datapoint", "data point", "record id", "record index", "record number"),
    "step_time": ("time", "step time", "relative time", "time of step"),
    "total_time": ("total time", "cumulative time", "test time", "total time of test"),
    "date": ("date", "realtime", "real time", "system time", "absolute time"),
    "current": ("current",),
    "voltage": ("voltage",),
    "capacity": ("capacity", "capaity", "cap."),
    "energy": ("energy",),
    "charge_capacity": ("chg. cap.", "chg. capacity", "charge capacity", "cap_chg"),
    "discharge_capacity": ("dchg. cap.", "dchg. capacity", "discharge capacity", "cap_dchg"),
    "charge_energy": ("chg. energy", "charge energy", "energy_chg"),
    "discharge_energy": ("dchg. energy", "discharge energy", "energy_dchg"),
}
_BY_NAME = {name: role for role, names in _ROLES.items() for name in names}
_TARGET = {"current": "A", "voltage": "V", "capacity": "A*h", "energy": "W*h", "charge_capacity": "A*h",
           "discharge_capacity": "A*h", "charge_energy": "W*h", "discharge_energy": "W*h"}
_KIND = {"cycle": "int", "step_id": "int", "step_number": "int", "step_type": "str", "date": "raw",
         "step_time": "seconds", "total_time": "seconds", "record": "raw"}
_RECORD_ROLES = ("record", "cycle", "step_id", "step_type", "step_time", "total_time", "date", "current", "voltage",
                 "capacity", "energy", "charge_capacity", "discharge_capacity", "charge_energy", "discharge_energy")
_BRACKET = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def _split(header: Any) -> tuple[str, str | None]:
    text = "" if header is None else str(header).strip()
    match = _BRACKET.match(text)
    if match:
        return match[1].strip(), match[2].strip()
    return text, None


def _roles(header: Sequence[Any], wanted: Iterable[str]) -> dict[str, int]:
    """role -> column index (first match) for the roles in ``wanted``."""
    wanted = set(wanted)
    found: dict[str, int] = {}
    for i, field in enumerate(header):
        name, _ = _split(field)
        role = _BY_NAME.get(name.lower())
        if role in wanted and role not in found:
            found[role] = i
    return found


def _looks_like_header(fields: Sequence[str]) -> bool:
    return any(_BY_NAME.get(_split(f)[0].lower()) in ("current", "voltage") for f in fields)


def sniff(head: str) -> bool:
    """True when ``head`` (first kB of a CSV) is a BTSDA export, flat or hierarchical."""
    lines = [line for line in head.lstrip("\ufeff").splitlines() if line.strip()][:3]
    if not lines:
        return False
    first = next(csv.reader([lines[0]]))
    names = {_split(f)[0].lower() for f in first}
    markers = {"cycle index", "cycle id", "datapoint", "data point", "record id", "record index", "step type"}
    if not names & markers:
        return False
    return any(_looks_like_header(next(csv.reader([line]))) for line in lines)


def _refuse_duplicates(header: Sequence[str], index: dict[str, int], where: Any) -> None:
    """A used column whose header appears twice, or a second voltage or current column, is ambiguous."""
    for role, i in index.items():
        name = header[i].lower()
        for j, other in enumerate(header):
            if j != i and (other.lower() == name or (role in ("voltage", "current")
                                                    and _BY_NAME.get(_split(other)[0].lower()) == role)):
                raise DataError(f"column given twice (columns {i + 1} and {j + 1}: '{header[i]}', '{other}')",
                                path=where, column=header[i])


def _check_record_numbers(data: dict[str, np.ndarray], labels: dict[str, str], locate) -> None:
    """The record number (DataPoint) must increase: a repeat means a duplicated line or block."""
    if "record" not in data or len(data["record"]) < 2:
        return
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(data["record"], dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(numbers).any():
        return  # not numbers: nothing to check
    bad = np.flatnonzero(np.diff(numbers) <= 0)
    if bad.size:
        k = int(bad[0]) + 1
        where, row = locate(k)
        raise DataError(f"record number {numbers[k]:g} repeats or goes back (after {numbers[k - 1]:g}): "
                        "a duplicated line or block", path=where, column=labels["record"], row=row)


class _Mapping:
    """Column roles of a record header with unit factors, and the Collector for them."""

    def __init__(self, header: Sequence[Any], *, path: Any, where: Any = None) -> None:
        where = path if where is None else where
        self.header = [("" if h is None else str(h).strip()) for h in header]
        self.index = _roles(self.header, _RECORD_ROLES)
        self.labels = {role: self.header[i] for role, i in self.index.items()}
        _refuse_duplicates(self.header, self.index, where)
        for role in ("voltage", "current"):
            if role not in self.index:
                raise DataError("required column missing", path=where, column=role.capitalize())
        if "total_time" not in self.index and "date" not in self.index:
            raise DataError("required column missing", path=where, column="Total Time")
        self.factors: dict[str, float] = {}
        for role, i in self.index.items():
            unit = _split(self.header[i])[1]
            if role in _TARGET:
                self.factors[role] = unit_factor(unit, _TARGET[role], path=where, column=self.header[i])
            elif role in ("step_time", "total_time") and unit and ":" not in unit and "h:" not in unit:
                self.factors[role] = unit_factor(unit, "s", path=where, column=self.header[i])
        self.roles = list(self.index)
        self.positions = [self.index[r] for r in self.roles]
        self.need = max(self.positions) + 1

    def collector(self, *, path: Any, extra: Sequence[tuple[str, str, str]] = ()) -> Collector:
        kinds = {role: (_KIND.get(role, "float"), self.labels[role]) for role in self.roles}
        for key, kind, label in extra:
            kinds[key] = (kind, label)
        return Collector(kinds, path=path, factors=self.factors)


def _assemble(data: dict[str, np.ndarray], *, labels: dict[str, str], timezone: str | None,
              attrs: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """BDF columns from the collected BTSDA columns."""
    columns: dict[str, np.ndarray] = {"voltage_volt": data["voltage"], "current_ampere": data["current"]}
    bdf_labels = {"voltage_volt": labels["voltage"], "current_ampere": labels["current"]}
    unix = None
    if "date" in data:
        unix = to_unix_seconds(list(data["date"]), timezone=timezone)
        if unix is None:
            add_note(attrs, f"column '{labels['date']}' not understood as date-time: unix_time_second left out")
        else:
            columns["unix_time_second"] = unix
            bdf_labels["unix_time_second"] = labels["date"]
            add_note(attrs, f"unix_time_second from '{labels['date']}' read as "
                            f"{'UTC' if timezone is None else timezone} (the file gives no time zone)")
    if "total_time" in data:
        columns["test_time_second"] = data["total_time"]
        bdf_labels["test_time_second"] = labels["total_time"]
    elif unix is not None:
        columns["test_time_second"] = unix - unix[0]
        bdf_labels["test_time_second"] = labels["date"]
        add_note(attrs, "test_time_second from the Date column (no Total Time column)")
    if "step_time" in data:
        columns["step_time_second"] = data["step_time"]
        bdf_labels["step_time_second"] = labels["step_time"]
    for role, name in (("cycle", "cycle_count"), ("step_id", "step_id"), ("step_type", "step_type")):
        if role in data:
            columns[name] = data[role]
            bdf_labels[name] = labels[role]
    if "step_count" in data:
        step_count = data["step_count"]
    else:
        step_count = np.cumsum(step_starts(data.get("step_id"), data.get("step_type"), data.get("cycle"),
                                           step_time=data.get("step_time"))).astype(np.int64)
    columns["step_count"] = step_count
    step_type = data.get("step_type")
    for role, name, split in (("capacity", "step_net_capacity_ah", ("charge_capacity", "discharge_capacity")),
                              ("energy", "step_net_energy_wh", ("charge_energy", "discharge_energy"))):
        if role in data:
            columns[name] = sign_by_step(data[role], step_type=step_type, current=data["current"],
                                         step_count=step_count, charge=data.get(split[0]),
                                         discharge=data.get(split[1]))
            bdf_labels[name] = labels[role]
    return columns, bdf_labels


def _open_rows(path: Path):
    encoding = detect_encoding(path, "cp1252")
    handle = open(path, encoding=encoding, errors="replace", newline="")
    return handle, encoding


def read_csv(path: str | Path, *, data_source: str = "measured", timezone: str | None = None,
             progress_bar: bool | None = None, **options: Any) -> xr.Dataset:
    """Read a BTSDA CSV export (flat or hierarchical) into the canonical Dataset.

    ``timezone`` (e.g. ``"Europe/Berlin"``) is the zone of the ``Date`` column; by default it is
    read as UTC and the Dataset notes that. ``progress_bar``: None = only for > 1e6 rows.
    """
    path = open_checks(path, options, "read_csv")
    handle, encoding = _open_rows(path)
    with handle:
        rows = csv.reader(handle)
        header = next((r for r in rows if any(f.strip() for f in r)), None)
        if header is None:
            raise DataError("empty file", path=path)
        header[0] = header[0].lstrip("\ufeff")
        second = next(rows, None)
        hierarchical = (second is not None and len(second) > 1 and second[0] == "" and second[1].strip() != ""
                        and not _is_number(second[1]))
        attrs: dict[str, Any] = {"encoding": encoding}
        total = count_lines(path)
        if hierarchical:
            third = next(rows, None)
            if third is None or len(third) < 3 or third[0] != "" or third[1] != "":
                raise DataError("hierarchical export without a record header line (third line)", path=path, row=None)
            columns, labels, locate = _hierarchical(path, header, second, third, rows, timezone=timezone, attrs=attrs,
                                                    total=total, progress_bar=progress_bar)
            fmt_note = "hierarchical"
        else:
            columns, labels, locate = _flat(path, header, second, rows, timezone=timezone, attrs=attrs, total=total,
                                            progress_bar=progress_bar)
            fmt_note = "flat"
    attrs["layout"] = fmt_note
    return finish_dataset(columns, path=path, format="neware-csv", instrument=INSTRUMENT,
                          reader="analysis.io.btsda.read_csv", data_source=data_source, attrs=attrs, locate=locate,
                          labels=labels)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _flat(path: Path, header: list[str], first: list[str] | None, rows, *, timezone, attrs, total, progress_bar):
    mapping = _Mapping(header, path=path)
    collector = mapping.collector(path=path)
    positions, need, width = mapping.positions, mapping.need, len(header)
    last, last_row, row = None, 0, 0
    stream = rows if first is None else itertools.chain([first], rows)
    pick = picker(positions)
    with no_gc():
        for fields in progress(stream, total=total, enabled=progress_bar, desc=path.name):
            if not any(fields):
                continue
            row += 1
            if len(fields) < need:
                raise DataError(f"truncated line ({len(fields)} of {width} fields)", path=path, row=row)
            collector.append(row, pick(fields))
            last, last_row = fields, row
    if last is not None and len(last) < width and not ends_with_newline(path):
        raise DataError(f"truncated line ({len(last)} of {width} fields)", path=path, row=last_row)
    data, file_rows = collector.finish()
    _check_record_numbers(data, mapping.labels, lambda k: (path, int(file_rows[k])))
    columns, labels = _assemble(data, labels=mapping.labels, timezone=timezone, attrs=attrs)
    return columns, labels, lambda k: (path, int(file_rows[k]))


def _hierarchical(path: Path, cycle_header, step_header, record_header, rows, *, timezone, attrs, total,
                  progress_bar):
    cycle_roles = _roles(cycle_header, ("cycle",))
    if "cycle" not in cycle_roles:
        raise DataError("required column missing", path=path, column="Cycle Index")
    cycle_at = cycle_roles["cycle"]
    step_roles = _roles(step_header, ("step_id", "step_type", "step_number"))
    mapping = _Mapping(record_header, path=path)
    for role in ("cycle", "step_id", "step_type"):  # these come from the parent rows
        if role in mapping.index:
            del mapping.index[role]
    mapping.roles = [r for r in mapping.roles if r in mapping.index]
    mapping.positions = [mapping.index[r] for r in mapping.roles]
    mapping.need = max(mapping.positions) + 1
    extra = [("cycle", "int", cycle_header[cycle_at])]
    if "step_id" in step_roles:
        extra.append(("step_id", "int", step_header[step_roles["step_id"]]))
    if "step_type" in step_roles:
        extra.append(("step_type", "str", step_header[step_roles["step_type"]]))
    extra.append(("step_count", "int", "step row"))
    collector = mapping.collector(path=path, extra=extra)
    labels = dict(mapping.labels)
    labels.update({key: label for key, _, label in extra})
    width_cycle, width_record = len(cycle_header), len(record_header)
    cycle = step_id = step_type = None
    steps = 0
    row = 0
    last, last_row = None, 0
    positions, need = mapping.positions, mapping.need

    def take_step(fields: list[str], row: int) -> None:
        nonlocal step_id, step_type, steps
        if "step_id" in step_roles:
            step_id = _cell(fields, step_roles["step_id"], row, step_header, path)
        if "step_type" in step_roles:
            step_type = _cell(fields, step_roles["step_type"], row, step_header, path)
        steps += 1

    pick = picker(positions)
    parents: tuple = ()
    with no_gc():
        for fields in progress(rows, total=total, enabled=progress_bar, desc=path.name):
            if not any(fields):
                continue
            row += 1
            if fields[0].strip():  # cycle row (maybe with the first step row glued on)
                cycle = _cell(fields, cycle_at, row, cycle_header, path)
                glued = fields[width_cycle:]
                if any(f.strip() for f in glued):
                    take_step([""] + glued, row)
                parents = _parents(cycle, step_id, step_type, steps, step_roles)
                continue
            if len(fields) > 1 and fields[1].strip():  # step row
                take_step(fields, row)
                parents = _parents(cycle, step_id, step_type, steps, step_roles)
                continue
            if cycle is None or steps == 0:
                raise DataError("record row before any cycle and step row", path=path, row=row)
            if len(fields) < need:
                raise DataError(f"truncated line ({len(fields)} of {width_record} fields)", path=path, row=row)
            collector.append(row, pick(fields) + parents)
            last, last_row = fields, row
    if last is not None and len(last) < width_record and not ends_with_newline(path):
        raise DataError(f"truncated line ({len(last)} of {width_record} fields)", path=path, row=last_row)
    data, file_rows = collector.finish()
    _check_record_numbers(data, labels, lambda k: (path, int(file_rows[k])))
    columns, bdf_labels = _assemble(data, labels=labels, timezone=timezone, attrs=attrs)
    return columns, bdf_labels, lambda k: (path, int(file_rows[k]))


def _parents(cycle, step_id, step_type, steps, step_roles) -> tuple:
    values = [cycle]
    if "step_id" in step_roles:
        values.append(step_id)
    if "step_type" in step_roles:
        values.append(step_type)
    values.append(steps)
    return tuple(values)


def _cell(fields: list[str], i: int, row: int, header: Sequence[str], path: Path) -> str:
    if i >= len(fields) or not fields[i].strip():
        raise DataError("missing value", path=path, column=str(header[i]).strip(), row=row)
    return fields[i].strip()


# ------------------------------------------------------------------------------------------ XLSX


def read_xlsx(path: str | Path, *, data_source: str = "measured", timezone: str | None = None,
              progress_bar: bool | None = None, **options: Any) -> xr.Dataset:
    """Read a BTSDA XLSX export (its ``record`` sheet or sheets) into the canonical Dataset."""
    path = open_checks(path, options, "read_xlsx")
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise DataError(f"not a readable XLSX file ({type(err).__name__})", path=path) from None
    try:
        names = [n for n in book.sheetnames if n.strip().lower().startswith("record")]
        if not names:
            for name in book.sheetnames:
                first = next(book[name].iter_rows(max_row=1, values_only=True), None)
                if first and _looks_like_header([str(c) for c in first if c is not None]):
                    names.append(name)
                    break
        if not names:
            raise DataError("no record sheet (a sheet named 'record' with Voltage and Current columns)", path=path)
        mapping = None
        collector = None
        sheet_of: list[tuple[int, str]] = []  # (first collected record index, sheet name)
        for name in names:
            sheet = book[name]
            where = f"{path}, sheet '{name}'"
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            texts = [("" if h is None else str(h).strip()) for h in first]
            while texts and texts[-1] == "":
                texts.pop()
            if mapping is None:
                mapping = _Mapping(texts, path=path, where=where)
                collector = mapping.collector(path=where)
            elif _looks_like_header(texts):
                if texts != mapping.header:
                    raise DataError("record sheets with different columns", path=where)
            else:  # a continuation sheet without a header: its first row is data
                rows = itertools.chain([first], rows)
            collector.path = where
            sheet_of.append((len(collector), where))
            row = 0
            total = sheet.max_row if isinstance(sheet.max_row, int) else None
            with no_gc():
                for cells in progress(rows, total=total, enabled=progress_bar, desc=f"{path.name}:{name}"):
                    if cells is None or all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                        continue
                    row += 1
                    if len(cells) < mapping.need:
                        cells = tuple(cells) + (None,) * (mapping.need - len(cells))
                    collector.append(row, [cells[i] for i in mapping.positions])
            collector.flush()
        if mapping is None or collector is None or len(collector) == 0:
            raise DataError("the record sheet has no data rows", path=path)
        data, file_rows = collector.finish()
        attrs: dict[str, Any] = {"sheets": ", ".join(names)}
        labels = dict(mapping.labels)
        if "cycle" not in data:
            _from_step_sheet(book, data, labels, attrs)
    finally:
        book.close()
    starts = [s for s, _ in sheet_of]

    def locate(k: int) -> tuple[Any, int]:
        i = int(np.searchsorted(starts, k, side="right")) - 1
        return sheet_of[i][1], int(file_rows[k])

    _check_record_numbers(data, labels, locate)
    columns, bdf_labels = _assemble(data, labels=labels, timezone=timezone, attrs=attrs)

    return finish_dataset(columns, path=path, format="neware-xlsx", instrument=INSTRUMENT,
                          reader="analysis.io.btsda.read_xlsx", data_source=data_source, attrs=attrs, locate=locate,
                          labels=bdf_labels)


def _from_step_sheet(book, data: dict[str, np.ndarray], labels: dict[str, str], attrs: dict[str, Any]) -> None:
    """Cycle and step index from the ``step`` sheet, when the record sheet lacks them."""
    name = next((n for n in book.sheetnames if n.strip().lower() == "step"), None)
    if name is None:
        add_note(attrs, "no cycle/step index in the record sheet and no step sheet: cycle_count, step_id left out")
        return
    rows = book[name].iter_rows(values_only=True)
    header = [("" if h is None else str(h).strip()) for h in (next(rows, None) or ())]
    roles = _roles(header, ("cycle", "step_id", "step_type"))
    if "cycle" not in roles or "step_id" not in roles:
        add_note(attrs, "step sheet without Cycle Index / Step Index: cycle_count, step_id left out")
        return
    steps = [r for r in rows if r and r[roles["cycle"]] is not None]
    starts = step_starts(data.get("step_type"), step_time=data.get("step_time"))
    number = np.cumsum(starts) - 1
    if int(starts.sum()) != len(steps):
        add_note(attrs, f"the step sheet lists {len(steps)} steps, the record sheet has {int(starts.sum())}: "
                        "cycle_count, step_id left out")
        return
    cycle = np.array([int(float(s[roles["cycle"]])) for s in steps], dtype=np.int64)
    step_id = np.array([int(float(s[roles["step_id"]])) for s in steps], dtype=np.int64)
    if "step_type" in roles and "step_type" in data:
        listed = np.array([str(s[roles["step_type"]]).strip() for s in steps])
        if not np.array_equal(listed[number], np.asarray(data["step_type"], dtype=str)):
            add_note(attrs, "step types of the step sheet and the record sheet differ: cycle_count, step_id left out")
            return
    data["cycle"] = cycle[number]
    data["step_id"] = step_id[number]
    labels["cycle"] = f"{name}!{header[roles['cycle']]}"
    labels["step_id"] = f"{name}!{header[roles['step_id']]}"
    add_note(attrs, f"cycle_count and step_id from the '{name}' sheet")
