"""Helpers shared by the text cycler readers (:mod:`analysis.io.bdf`, :mod:`analysis.io.btsda`,
:mod:`analysis.io.biologic`): encoding detection, unit factors from header units, number and
duration parsing with file/column/row errors, step counting, signing of unsigned step quantities,
and the final validation with error rows that point into the file.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as _dt
import gc
import math
import operator
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import DataError
from ..units import parse_unit, ureg
from .core import REQUIRED, build_dataset, step_directions, validate

# --------------------------------------------------------------------------------------------
# Shared text-table helpers (used by btsda.py and biologic.py as well)
# --------------------------------------------------------------------------------------------

#: A file with more data rows than this gets a tqdm progress bar (unless ``progress_bar=False``).
BIG_FILE_ROWS = 1_000_000
#: Values are converted to numpy arrays in chunks of this many rows (bounded memory).
CHUNK_ROWS = 200_000
_BIG_FILE_BYTES = 48 * 1024 * 1024  # below this size a file cannot have BIG_FILE_ROWS rows worth counting


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def text_problem(head: bytes) -> str | None:
    """Why the first bytes of a file are not 8-bit text a cycler reader can take, or None."""
    if head.startswith(_UTF16_BOMS) or head.startswith(codecs.BOM_UTF32_BE):
        return "UTF-16/UTF-32 text (byte-order mark at the start): save or export the file as UTF-8"
    if b"\x00" in head:
        return "NUL bytes in a text file: UTF-16 text without a byte-order mark, or not a text file"
    return None


def detect_encoding(path: str | Path, fallback: str) -> str:
    """``utf-8-sig`` / ``utf-8`` when the whole file is valid UTF-8, else ``fallback``.

    UTF-16/UTF-32 text and files with NUL bytes near the start raise a :class:`DataError`.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        problem = text_problem(handle.read(4096))
        if problem:
            raise DataError(problem, path=path)
        handle.seek(0)
        first = handle.read(3)
        handle.seek(0)
        try:
            for block in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return fallback
    return "utf-8-sig" if first == codecs.BOM_UTF8 else "utf-8"


def ends_with_newline(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) in (b"\n", b"\r")


def count_lines(path: str | Path) -> int | None:
    """Number of lines of a big file (None for files too small to need a progress bar)."""
    if Path(path).stat().st_size < _BIG_FILE_BYTES:
        return None
    with open(path, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while millions of small strings are made (a third faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def picker(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple]:
    """A fast ``fields -> tuple(fields[i] for i in positions)``."""
    get = operator.itemgetter(*positions)
    if len(positions) == 1:
        return lambda fields: (get(fields),)
    return get


def progress(iterable: Iterable, *, total: int | None, enabled: bool | None, desc: str) -> Iterable:
    """Wrap ``iterable`` in a tqdm bar for big files (``enabled=None``: only above BIG_FILE_ROWS)."""
    show = (total is not None and total > BIG_FILE_ROWS) if enabled is None else bool(enabled)
    if not show:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit=" rows", mininterval=1.0)


_UNIT_TEXT = re.compile(r"^[A-Za-zµμ°%Ω]+(?:[.*·/^]?[A-Za-zµμ°%Ω0-9]+)*$")
_COMPACT_UNIT = re.compile(r"^([nuµmk]?)(A|W)(h|s)$")  # mAs, Ah, mWs, µAh, ...
_DIMENSION_WORDS = {"A": "a current", "V": "a voltage", "s": "a time", "A*h": "a charge", "W*h": "an energy",
                    "degC": "a temperature"}


def unit_factor(text: str | None, target: str, *, path: Any, column: str) -> float:
    """The factor that converts values in unit ``text`` (as written in a header) to ``target``.

    Understands the compact spellings of cycler exports (``mAs``, ``mWs``, ``µAh``, ``uA``,
    ``mA.h``, ``W.h``). A missing, unknown or malformed unit (``kA?``) or one of the wrong
    dimension raises a :class:`DataError` naming the column.
    """
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise DataError("no unit in the header", path=path, column=column)
    if not _UNIT_TEXT.match(raw):
        raise DataError(f"unknown unit '{raw}' in the header", path=path, column=column)
    unit = raw.replace("μ", "µ").replace("Ω", "ohm")
    match = _COMPACT_UNIT.match(unit)
    if match:
        unit = f"{match[1]}{match[2]}*{match[3]}"
    unit = unit.replace(".", "*").replace("·", "*")
    parsed = parse_unit(unit, path=path, column=column)
    quantity = ureg.Quantity(1.0, parsed)
    if not quantity.is_compatible_with(target):
        what = _DIMENSION_WORDS.get(target, f"convertible to {target}")
        raise DataError(f"unit '{raw}' in the header is not {what}", path=path, column=column)
    return float(quantity.to(target).magnitude)


def _first_bad(values: Sequence[Any], parse: Callable[[Any], float]) -> tuple[int, Any] | None:
    for k, value in enumerate(values):
        try:
            parse(value)
        except (ValueError, TypeError, OverflowError):
            return k, value
    return None


def _float_or_nan(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return math.nan
    if isinstance(value, (bool, _dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        raise TypeError("not a number")
    return float(value)


def to_float(values: Sequence[Any], rows: Sequence[int], *, path: Any, column: str,
             decimal_comma: bool = False) -> np.ndarray:
    """Float64 array of text (or spreadsheet) values; empty cells are NaN, text raises."""
    if decimal_comma:
        values = [v.replace(",", ".") if isinstance(v, str) else v for v in values]
    try:
        out = np.array(values, dtype=np.float64)
        if out.ndim == 1:
            return out
    except (ValueError, TypeError):
        pass
    bad = _first_bad(values, _float_or_nan)
    if bad is not None:
        k, value = bad
        shown = str(value).strip() if value is not None else ""
        raise DataError(f"expected a number, found '{shown[:40]}'", path=path, column=column, row=int(rows[k]))
    return np.array([_float_or_nan(v) for v in values], dtype=np.float64)


def to_int(values: Sequence[Any], rows: Sequence[int], *, path: Any, column: str) -> np.ndarray:
    numbers = to_float(values, rows, path=path, column=column)
    bad = np.flatnonzero(~np.isfinite(numbers) | (numbers != np.round(numbers)))
    if bad.size:
        k = int(bad[0])
        raise DataError(f"expected a whole number, found '{str(values[k]).strip()[:40]}'", path=path, column=column,
                        row=int(rows[k]))
    return numbers.astype(np.int64)


_DURATION = re.compile(r"^\s*(?:(\d+)(?:-|\s+|\.(?=\d+:)))?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d*)?)\s*$")


def _duration(value: Any) -> float:
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():  # h:mm:ss(.fff), the usual case
            return int(parts[0]) * 3600.0 + int(parts[1]) * 60.0 + float(parts[2])
        text = value.strip()
        if not text:
            return math.nan
        match = _DURATION.match(text)
        if match:
            days = int(match[1]) if match[1] else 0
            return days * 86400.0 + int(match[2]) * 3600.0 + int(match[3]) * 60.0 + float(match[4])
        if ":" in text:
            raise ValueError(text)
        return float(text)
    if value is None:
        return math.nan
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, _dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond * 1e-6
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"not a duration: {value!r}")


def to_seconds(values: Sequence[Any], rows: Sequence[int], *, path: Any, column: str, factor: float = 1.0) -> np.ndarray:
    """Durations in seconds from ``h:mm:ss(.fff)`` (hours may exceed 24), ``d-hh:mm:ss``,
    ``d hh:mm:ss`` or plain numbers (multiplied by ``factor``, the header unit's factor to s)."""
    try:
        return np.array(values, dtype=np.float64) * factor
    except (ValueError, TypeError):
        pass
    out = np.empty(len(values), dtype=np.float64)
    for k, value in enumerate(values):
        try:
            seconds = _duration(value)
        except (ValueError, TypeError, OverflowError):
            shown = "" if value is None else str(value).strip()[:40]
            raise DataError(f"expected a duration (h:mm:ss or seconds), found '{shown}'", path=path, column=column,
                            row=int(rows[k])) from None
        plain = isinstance(value, (int, float)) or (isinstance(value, str) and ":" not in value)
        out[k] = seconds * factor if plain else seconds
    return out


def to_unix_seconds(values: Sequence[Any], *, timezone: str | None) -> np.ndarray | None:
    """Seconds since 1970-01-01 UTC of date-time cells; None when they cannot be parsed."""
    import pandas as pd

    series = pd.Series([v.strip() if isinstance(v, str) else v for v in values], dtype=object)
    series = series.where(series.astype(str) != "", None)
    try:
        parsed = pd.to_datetime(series, format="mixed", errors="coerce")
    except (ValueError, TypeError):
        return None
    if bool((parsed.isna() & series.notna()).any()) or bool(parsed.isna().all()):
        return None
    try:
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize(timezone or "UTC", ambiguous="NaT", nonexistent="NaT")
        parsed = parsed.dt.tz_convert("UTC")
    except (ValueError, TypeError, KeyError):
        return None
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return ((parsed - epoch).dt.total_seconds()).to_numpy(dtype=np.float64, na_value=np.nan)


class Collector:
    """Gathers raw cell values of chosen columns, row by row, and converts them chunk by chunk.

    ``kinds`` maps a key to ``(kind, column label)``; kind is ``float``, ``int``, ``seconds``,
    ``str`` or ``raw`` (kept as Python objects, e.g. dates). ``factors`` multiplies ``float``
    columns and the plain-number values of ``seconds`` columns.
    """

    def __init__(self, kinds: Mapping[str, tuple[str, str]], *, path: Any, factors: Mapping[str, float] | None = None,
                 decimal_comma: bool = False) -> None:
        self.kinds = dict(kinds)
        self.keys = list(kinds)
        self.path = path
        self.factors = dict(factors or {})
        self.decimal_comma = decimal_comma
        self._chunk: list[Sequence[Any]] = []
        self._rows: list[int] = []
        self._parts: dict[str, list] = {k: [] for k in self.keys}
        self._row_parts: list[np.ndarray] = []
        self._done = 0

    def __len__(self) -> int:
        return self._done + len(self._rows)

    def append(self, row: int, values: Sequence[Any]) -> None:
        """Add one row: ``values`` in the order of ``kinds``."""
        self._chunk.append(values)
        self._rows.append(row)
        if len(self._rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        rows = self._rows
        columns = list(zip(*self._chunk)) if self._chunk else [() for _ in self.keys]
        for key, raw in zip(self.keys, columns):
            kind, label = self.kinds[key]
            if self.decimal_comma and kind in ("float", "int", "seconds"):
                raw = [v.replace(",", ".") if isinstance(v, str) else v for v in raw]
            if kind == "float":
                values = to_float(raw, rows, path=self.path, column=label)
                factor = self.factors.get(key, 1.0)
                self._parts[key].append(values * factor if factor != 1.0 else values)
            elif kind == "int":
                self._parts[key].append(to_int(raw, rows, path=self.path, column=label))
            elif kind == "seconds":
                self._parts[key].append(to_seconds(raw, rows, path=self.path, column=label,
                                                   factor=self.factors.get(key, 1.0)))
            elif kind == "str":
                self._parts[key].append(np.array([("" if v is None else str(v).strip()) for v in raw], dtype=object))
            else:
                self._parts[key].append(np.array(raw, dtype=object))
        self._row_parts.append(np.asarray(rows, dtype=np.int64))
        self._done += len(rows)
        self._chunk, self._rows = [], []

    def finish(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        self.flush()
        empty = {"float": np.float64, "int": np.int64, "seconds": np.float64}
        out = {}
        for key in self.keys:
            parts = self._parts[key]
            out[key] = np.concatenate(parts) if parts else np.array([], dtype=empty.get(self.kinds[key][0], object))
        rows = np.concatenate(self._row_parts) if self._row_parts else np.array([], dtype=np.int64)
        return out, rows


def step_starts(*keys: np.ndarray | None, step_time: np.ndarray | None = None) -> np.ndarray:
    """True where a new step starts: any key changes, or the step time goes back."""
    present = [k for k in keys if k is not None]
    n = len(present[0]) if present else (len(step_time) if step_time is not None else 0)
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
    for key in present:
        key = np.asarray(key)
        new[1:] |= key[1:] != key[:-1]
    if step_time is not None:
        t = np.asarray(step_time, dtype=float)
        new[1:] |= t[1:] < t[:-1]
    return new


def step_first_index(step_count: np.ndarray) -> np.ndarray:
    """For each record, the index of the first record of its step (steps are contiguous runs)."""
    n = len(step_count)
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        starts[1:] = step_count[1:] != step_count[:-1]
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.array([], dtype=np.int64)


def step_mean(values: np.ndarray, step_count: np.ndarray) -> np.ndarray:
    """For each record, the mean of ``values`` over its step."""
    _, inverse = np.unique(step_count, return_inverse=True)
    sums = np.bincount(inverse, weights=np.nan_to_num(values))
    counts = np.bincount(inverse)
    return (sums / np.maximum(counts, 1))[inverse]


def sign_by_step(magnitude: np.ndarray, *, step_type: np.ndarray | None, current: np.ndarray,
                 step_count: np.ndarray, charge: np.ndarray | None = None,
                 discharge: np.ndarray | None = None) -> np.ndarray:
    """Signed step quantity (capacity or energy) from an unsigned one.

    Charge steps +, discharge steps -. Rest and unrecognised steps: ``charge - discharge`` when
    the split columns are given, else the sign of the step's mean current (+ when it is 0).
    """
    magnitude = np.abs(np.asarray(magnitude, dtype=float))
    mean_sign = np.sign(step_mean(current, step_count))
    mean_sign[mean_sign == 0] = 1.0
    if step_type is None:
        return magnitude * mean_sign
    directions = step_directions(np.asarray(step_type))
    sign = np.where(directions == "charge", 1.0, np.where(directions == "discharge", -1.0, mean_sign))
    signed = magnitude * sign
    if charge is not None and discharge is not None:
        other = (directions != "charge") & (directions != "discharge")
        signed = np.where(other, np.abs(charge) - np.abs(discharge), signed)
    return signed + 0.0  # no -0.0 at the start of discharge steps


def finish_dataset(columns: Mapping[str, Any], *, path: Path, format: str, instrument: str, reader: str,
                   data_source: str, attrs: Mapping[str, Any] | None, locate: Callable[[int], tuple[Any, int]] | None,
                   labels: Mapping[str, str] | None = None) -> xr.Dataset:
    """:func:`build_dataset` + :func:`validate`, with errors naming the file's own column and row.

    ``locate(record_index) -> (path shown, file row)`` turns a record index into the data row
    of the file (which differ when the file has parent rows, comments or several sheets);
    ``labels`` maps BDF names to the file's column headers.
    """
    labels = dict(labels or {})
    for name in REQUIRED:
        if name not in columns:
            raise DataError("required column missing", path=path, column=labels.get(name, name))
    if len(columns[REQUIRED[0]]) == 0:
        raise DataError("no data rows", path=path)
    ds = build_dataset(columns, source_file=path, format=format, instrument=instrument, reader=reader,
                       data_source=data_source, attrs=attrs, check=False)
    try:
        validate(ds.pint.dequantify())
    except DataError as err:
        where, row = (path, err.row)
        if err.row is not None and locate is not None:
            where, row = locate(err.row - 1)
        raise DataError(err.problem, path=where, column=labels.get(err.column, err.column), row=row) from None
    return ds


def add_note(attrs: dict, note: str) -> None:
    attrs["notes"] = f"{attrs['notes']}; {note}" if attrs.get("notes") else note


def open_checks(path: str | Path, options: Mapping[str, Any], reader: str) -> Path:
    """What every reader checks first: no unknown options, the file exists and is not empty."""
    path = Path(path)
    if options:
        raise DataError(f"reader options not understood by {reader}: {', '.join(sorted(options))}", path=path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DataError("empty file", path=path)
    return path
