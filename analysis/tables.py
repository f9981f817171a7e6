"""Reading tables of numbers-with-units from data files and writing result tables.

Data files under ``data/`` are described by ``data/datapackage.json`` (a Frictionless Data
Package: one resource per file, a Table Schema per resource). :func:`read_resource` checks a file
against its schema before anything is computed from it: the file exists, is UTF-8 text, has
every declared column, every required cell is filled, numbers are numbers, enumerated fields hold
an allowed value and unit cells parse with pint. The first problem found raises one
:class:`~analysis.errors.DataError` line naming file, column and row.

Result tables are written by :func:`write_table`: UTF-8, ``\\n`` line ends, fixed float format,
rows in the order given (callers sort), so two runs give the same bytes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping

import pint

from .atomic import atomic_text
from .errors import DataError
from .paths import project_root
from .units import parse_number, parse_quantity, parse_unit

DATAPACKAGE = Path("data") / "datapackage.json"


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    required: bool = False
    enum: tuple[str, ...] | None = None
    pint_unit: bool = False


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def load_schema(resource: str, datapackage: str | Path | None = None) -> Schema:
    """The Table Schema that the data package declares for the resource named ``resource``.

    ``datapackage`` defaults to ``data/datapackage.json`` of the repository.
    """
    datapackage = Path(datapackage) if datapackage is not None else project_root() / DATAPACKAGE
    try:
        descriptor = json.loads(datapackage.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("data package descriptor not found", path=datapackage) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at line {exc.lineno})", path=datapackage) from None
    for entry in descriptor.get("resources", []):
        if entry.get("name") == resource:
            return _schema_from_descriptor(entry["schema"])
    raise DataError(f"no resource named '{resource}'", path=datapackage)


def _schema_from_descriptor(schema: Mapping[str, Any]) -> Schema:
    fields = []
    for f in schema["fields"]:
        constraints = f.get("constraints", {})
        enum = constraints.get("enum")
        fields.append(
            Field(
                name=f["name"],
                type=f.get("type", "string"),
                required=bool(constraints.get("required", False)),
                enum=tuple(enum) if enum is not None else None,
                pint_unit=bool(f.get("pintUnit", False)),
            )
        )
    key = schema.get("primaryKey", ())
    return Schema(fields=tuple(fields), primary_key=tuple([key] if isinstance(key, str) else key))


def read_rows(path: str | Path, schema: Schema, *, quoted_newlines: bool = False) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts of raw text (exact as printed), validated against ``schema``.

    With ``quoted_newlines`` a quoted cell may span lines (the file must then use ``\n`` line ends);
    rows are still numbered by record.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", path=path) from None
    if quoted_newlines and "\r" in text:
        raise DataError("carriage return in file: use \\n line ends", path=path)
    lines = text.splitlines(keepends=quoted_newlines)
    if not lines:
        raise DataError("empty file: expected a header row", path=path)
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    for name in schema.names:
        if name not in header:
            raise DataError(f"missing column (header has: {', '.join(header)})", path=path, column=name)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise DataError("column appears more than once", path=path, column=duplicated[0])
    rows: list[dict[str, str]] = []
    seen_keys: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(f"expected {len(header)} cells, found {len(cells)}", path=path, row=number)
        row = {h: c.strip() for h, c in zip(header, cells)}
        for f in schema.fields:
            _check_cell(row[f.name], f, path=path, row=number)
        if schema.primary_key:
            key = tuple(row[k] for k in schema.primary_key)
            if key in seen_keys:
                raise DataError(
                    f"duplicate key {key} (first at row {seen_keys[key]})",
                    path=path, column=schema.primary_key[-1], row=number,
                )
            seen_keys[key] = number
        row["_row"] = str(number)
        rows.append(row)
    if not rows:
        raise DataError("no data rows", path=path)
    return rows


def _check_cell(text: str, f: Field, *, path: Path, row: int) -> None:
    if text == "":
        if f.required:
            raise DataError("required value is empty", path=path, column=f.name, row=row)
        return
    if f.type in ("number", "integer"):
        value = parse_number(text, path=path, column=f.name, row=row)
        if f.type == "integer" and not float(value).is_integer():
            raise DataError(f"expected an integer, found '{text}'", path=path, column=f.name, row=row)
    if f.enum is not None and text not in f.enum:
        raise DataError(f"'{text}' is not one of {', '.join(f.enum)}", path=path, column=f.name, row=row)
    if f.pint_unit:
        parse_unit(text, path=path, column=f.name, row=row)


@dataclass(frozen=True)
class Record:
    """One transcribed number: its quantity, the digits as printed, and where it came from."""

    quantity: pint.Quantity
    printed: str
    row: int
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def printed_resolution(self) -> Decimal:
        """The place value of the last printed digit (``'7.14286E-06'`` -> ``1E-11``)."""
        return printed_resolution(self.printed)


def read_quantities(
    path: str | Path,
    *,
    resource: str,
    key: Iterable[str],
    datapackage: str | Path | None = None,
    value_column: str = "value",
    unit_column: str = "unit",
) -> dict[tuple[str, ...], Record]:
    """Read a validated table of numbers with units into ``{key: Record}``.

    ``resource`` names the schema in the data package; ``path`` is the file to read (normally
    that resource's own path, but any file meant to follow the same schema).
    """
    schema = load_schema(resource, datapackage)
    key = tuple(key)
    out: dict[tuple[str, ...], Record] = {}
    for row in read_rows(path, schema):
        number = int(row["_row"])
        q = parse_quantity(row[value_column], row[unit_column], path=path, row=number,
                           value_column=value_column, unit_column=unit_column)
        out[tuple(row[k] for k in key)] = Record(
            quantity=q, printed=row[value_column], row=number,
            fields={k: v for k, v in row.items() if k != "_row"},
        )
    return out


def printed_resolution(text: str) -> Decimal:
    """Place value of the last digit of a number as printed: ``'0.000157'`` -> ``1E-6``."""
    try:
        exponent = Decimal(text.strip()).as_tuple().exponent
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a printed number: {text!r}") from None
    return Decimal(1).scaleb(int(exponent))


def agrees_to_printed_digits(value: float, printed: str) -> bool:
    """True when ``value`` rounds to ``printed`` at the printed number of digits."""
    resolution = float(printed_resolution(printed))
    return abs(value - float(printed)) <= 0.5 * resolution * (1 + 1e-9)


def write_table(rows: list[Mapping[str, Any]], path: str | Path, columns: list[str] | None = None) -> Path:
    """Write ``rows`` as CSV, atomically (a temporary file renamed into place), bytes stable."""
    path = Path(path)
    if not rows:
        raise ValueError(f"refusing to write an empty table to {path}")
    columns = list(columns or rows[0].keys())
    with atomic_text(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _format_cell(row.get(c, "")) for c in columns})
    return path


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
