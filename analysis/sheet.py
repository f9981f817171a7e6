"""The sample sheet ``config/cells.tsv``: one row per cell (or per glob of files), read into cell specs.

Columns, exactly and in this order (tab-separated, one header row; an empty field takes the default)::

    cell  source  format  kind  group  area_cm2  loading_mg_cm2  reference_cycle  cycle_definition

``source`` is ``reconstructed:<protocol id>`` (the model's file ``results/reconstructed/<protocol>.csv``)
or the path of a measured file, relative to ``measured_dir`` (``config/config.yaml``) or absolute. A
glob pattern in ``source`` makes one cell per matching file, with id ``<cell>_<file stem>`` and, unless
``group`` is given, the row's ``cell`` as its group (the files of one row are replicates).

Defaults: ``format`` ``auto`` (``neware-csv`` for reconstructed cells); ``group`` the row's ``cell``;
``area_cm2`` and ``loading_mg_cm2`` the cell's ``electrode_area`` and ``cathode_active_loading`` in
``data/paper/cell_properties.csv`` (looked up by the paper's cell id: the cell of the protocol in
``data/paper/protocols.csv``; for a measured file, that of the row's ``cell`` when it is a protocol id,
as when a lab's file replaces one of the paper's cells, or the row's ``cell`` itself), else none; ``reference_cycle`` 1; ``cycle_definition``
absent (the reader's default). The CE convention follows from ``kind``: ``half_cell`` and
``symmetric`` → ``plating`` (stripped / plated), ``full_cell`` → ``full_cell`` (discharge / charge).

Each row is checked against ``config/schema/cells.schema.yaml``; the first problem raises one
:class:`~analysis.errors.DataError` line naming file, column and row (rows count from 1 after the
header). Nothing here writes a file; measured files are only looked for.

Migration from the former ``cells:`` section of ``config/config.yaml``::

    python -m analysis.sheet --from-yaml old_config.yaml > config/cells.tsv
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import re
import sys
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import DataError

SHEET = Path("config") / "cells.tsv"
SCHEMA = Path("config") / "schema" / "cells.schema.yaml"
COLUMNS = ("cell", "source", "format", "kind", "group", "area_cm2", "loading_mg_cm2", "reference_cycle",
           "cycle_definition")
RECONSTRUCTED = "reconstructed:"
CE_CONVENTION = {"half_cell": "plating", "symmetric": "plating", "full_cell": "full_cell"}
#: properties of data/paper/cell_properties.csv that give a default: column -> (property, unit)
PAPER_DEFAULTS = {"area_cm2": ("electrode_area", "cm^2"), "loading_mg_cm2": ("cathode_active_loading", "mg/cm^2")}
#: the keys of a cell spec that the ingestion reads (a change of any other key reruns nothing per cell)
INGEST_KEYS = ("file", "data_source", "format", "kind", "ce_convention", "area_cm2", "loading_mg_cm2",
               "reference_cycle", "cycle_definition")
_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def _load_schema(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / SCHEMA).read_text(encoding="utf-8"))


def _typed(text: str, kind: Any, *, path: str, column: str, row: int) -> Any:
    """``text`` as the schema's type says (number, integer or string)."""
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            raise DataError(f"expected a whole number, got {text!r}", path=path, column=column, row=row) from None
    if "number" in kinds:
        try:
            value = float(text)
        except ValueError:
            raise DataError(f"expected a number, got {text!r}", path=path, column=column, row=row) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise DataError(f"expected a finite number, got {text!r}", path=path, column=column, row=row)
        return value
    return text


def read_rows(path: str | Path, *, root: str | Path = ".", display: str | None = None) -> list[dict[str, Any]]:
    """The sheet's rows, typed and checked against the schema; empty fields left out.

    Each row gets ``_row`` (its number, from 1 after the header).
    """
    import jsonschema

    root = Path(root)
    path = Path(path)
    name = display or (path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root)
                       else str(path))
    if not path.is_file():
        raise DataError("sample sheet not found", path=name)
    schema = _load_schema(root)
    validator = jsonschema.Draft202012Validator(schema)
    properties = schema["properties"]
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise DataError(f"empty file: expected the header {' '.join(COLUMNS)}", path=name)
    header = [h.strip() for h in lines[0].split("\t")]
    if tuple(header) != COLUMNS:
        wrong = next((i for i, (a, b) in enumerate(zip(header, COLUMNS)) if a != b), min(len(header), len(COLUMNS)))
        found = header[wrong] if wrong < len(header) else "(nothing)"
        raise DataError(f"header must be exactly '{chr(9).join(COLUMNS)}' (tab-separated); column {wrong + 1} is "
                        f"{found!r}, expected {COLUMNS[wrong] if wrong < len(COLUMNS) else '(nothing)'!r}", path=name)
    rows = []
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise DataError(f"expected {len(COLUMNS)} tab-separated fields, found {len(fields)}", path=name,
                            row=number)
        row: dict[str, Any] = {}
        for column, text in zip(COLUMNS, fields):
            text = text.strip()
            if text:
                row[column] = _typed(text, properties[column].get("type"), path=name, column=column, row=number)
        errors = sorted(validator.iter_errors(row), key=lambda e: (list(e.path), e.message))
        if errors:
            error = errors[0]
            column = str(error.path[0]) if error.path else None
            if column is None and error.validator == "required":
                column = next(c for c in schema["required"] if c not in row)
                raise DataError("missing (required)", path=name, column=column, row=number)
            raise DataError(error.message, path=name, column=column, row=number)
        row["_row"] = number
        rows.append(row)
    if not rows:
        raise DataError("no cells: add one row per cell", path=name)
    return rows


def paper_properties(root: str | Path = ".") -> dict[tuple[str, str], tuple[float, str]]:
    """``{(paper cell id, property): (value, unit)}`` of the numeric rows of data/paper/cell_properties.csv.

    A property listed twice for a cell (the paper prints two values) has no single default and is left out.
    """
    seen: dict[tuple[str, str], list[tuple[float, str]]] = {}
    with open(Path(root) / "data" / "paper" / "cell_properties.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["value"].strip():
                seen.setdefault((row["cell_id"], row["property"]), []).append((float(row["value"]), row["unit"]))
    return {key: values[0] for key, values in seen.items() if len(values) == 1}


def protocol_cells(root: str | Path = ".") -> dict[str, str]:
    """``{protocol id: paper cell id}`` from data/paper/protocols.csv."""
    with open(Path(root) / "data" / "paper" / "protocols.csv", encoding="utf-8", newline="") as handle:
        return {row["protocol_id"]: row["cell_id"] for row in csv.DictReader(handle)}


def _paper_cell(protocol: str, protocols: Mapping[str, str]) -> str | None:
    """The paper's cell of a protocol; for a run of the model that no printed protocol names (an
    alternative reading, e.g. ``fc_il_rate_test_ladder``), that of the longest printed protocol id it
    starts with (the model names its variants so)."""
    if protocol in protocols:
        return protocols[protocol]
    bases = [p for p in protocols if protocol.startswith(p + "_")]
    return protocols[max(bases, key=len)] if bases else None


def _display(path: Path, root: Path) -> str:
    """A path inside the repository relative to it (POSIX), any other absolute."""
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def read_cells(path: str | Path = SHEET, *, root: str | Path = ".", measured_dir: str | Path = "data/measured",
               display: str | None = None) -> dict[str, dict[str, Any]]:
    """``{cell id: spec}`` of every cell of the sheet, in sheet order (a glob row's files sorted).

    A spec holds ``cell``, ``file`` (relative to ``root`` inside it, absolute outside), ``data_source``
    (``reconstructed``/``measured``), ``protocol`` (reconstructed cells), ``format``, ``kind``,
    ``ce_convention``, ``group``, ``area_cm2``, ``loading_mg_cm2`` (None when unknown),
    ``reference_cycle``, ``sheet_row`` and ``cycle_definition`` when given. A measured file that does
    not exist, a glob that matches nothing or a cell id used twice raises :class:`DataError`.
    """
    root = Path(root).resolve()
    path = Path(path) if Path(path).is_absolute() else root / path
    name = display or (_display(path, root) if path.resolve().is_relative_to(root) else str(path))
    rows = read_rows(path, root=root, display=name)
    base = Path(measured_dir).expanduser()
    base = base if base.is_absolute() else root / base
    properties = paper_properties(root)
    protocols = protocol_cells(root)
    cells: dict[str, dict[str, Any]] = {}
    for row in rows:
        number = row["_row"]
        source = row["source"]
        common = {"kind": row["kind"], "ce_convention": CE_CONVENTION[row["kind"]],
                  "reference_cycle": row.get("reference_cycle", 1), "sheet_row": number}
        if "cycle_definition" in row:
            common["cycle_definition"] = row["cycle_definition"]
        if source.startswith(RECONSTRUCTED):
            protocol = source[len(RECONSTRUCTED):].strip()
            if not protocol:
                raise DataError("expected reconstructed:<protocol id>", path=name, column="source", row=number)
            found = [(row["cell"], {"file": f"results/reconstructed/{protocol}.csv", "data_source": "reconstructed",
                                    "protocol": protocol, "format": row.get("format", "neware-csv")})]
            paper = _paper_cell(protocol, protocols)
        else:
            target = Path(source).expanduser()
            target = target if target.is_absolute() else base / target
            if glob.has_magic(str(target)):
                matches = sorted(Path(m) for m in glob.glob(str(target)) if Path(m).is_file())
                if not matches:
                    raise DataError(f"no file matches '{target}'", path=name, column="source", row=number)
                found = [(f"{row['cell']}_{_ID.sub('_', m.stem)}", {"file": _display(m, root)}) for m in matches]
            else:
                if not target.is_file():
                    raise DataError(f"file not found: '{target}' (relative paths start at measured_dir "
                                    f"'{measured_dir}')", path=name, column="source", row=number)
                found = [(row["cell"], {"file": _display(target, root)})]
            for _, spec in found:
                spec.update(data_source="measured", format=row.get("format", "auto"))
            # a measured file in place of one of the paper's cells keeps that cell's defaults
            paper = protocols.get(row["cell"], row["cell"])
        defaults = {}
        for column, (prop, unit) in PAPER_DEFAULTS.items():
            value = row.get(column)
            if value is None and paper is not None and (paper, prop) in properties:
                value, given = properties[(paper, prop)]
                if given != unit:
                    raise DataError(f"{prop} of {paper} is in {given!r}, expected {unit!r}",
                                    path="data/paper/cell_properties.csv", column="unit")
            defaults[column] = value
        for cell, spec in found:
            if cell in cells:
                raise DataError(f"cell id '{cell}' is used twice (first at row {cells[cell]['sheet_row']})",
                                path=name, column="cell", row=number)
            cells[cell] = {"cell": cell, **spec, **common, **defaults, "group": row.get("group", row["cell"])}
    return cells


def ingest_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a cell spec that its ingestion uses (``cycle_definition`` only when given)."""
    return {key: spec[key] for key in INGEST_KEYS if key in spec}


# --------------------------------------------------------------------------------------------------
# migration from the former YAML `cells:` section
# --------------------------------------------------------------------------------------------------

def rows_from_yaml(cells: Mapping[str, Mapping[str, Any]], measured_dir: str = "data/measured") -> list[list[str]]:
    """Sheet rows (text fields) for a former ``cells:`` mapping; values equal to the paper's defaults
    are still written out, so check them against data/paper/cell_properties.csv and blank them."""
    out = []
    for cell, entry in cells.items():
        if "reconstructed" in entry:
            source = f"{RECONSTRUCTED}{entry['reconstructed']}"
        else:
            measured = Path(entry["measured"])
            source = measured.relative_to(measured_dir).as_posix() if measured.is_relative_to(measured_dir) \
                else measured.as_posix()
        fields = {"cell": cell, "source": source, "format": entry.get("format", ""), "kind": entry["kind"],
                  "group": "", "area_cm2": entry.get("area_cm2"), "loading_mg_cm2": entry.get("loading_mg_cm2"),
                  "reference_cycle": entry.get("reference_cycle"), "cycle_definition": ""}
        if fields["format"] == "neware-csv" and "reconstructed" in entry:
            fields["format"] = ""
        out.append(["" if fields[c] is None else str(fields[c]) for c in COLUMNS])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.sheet", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--from-yaml", metavar="CONFIG", help="print a sheet for the `cells:` of an old config")
    action.add_argument("--check", metavar="SHEET", help="read a sheet and print its cells as JSON")
    parser.add_argument("--measured-dir", default="data/measured")
    args = parser.parse_args(argv)
    try:
        if args.from_yaml:
            config = yaml.safe_load(Path(args.from_yaml).read_text(encoding="utf-8")) or {}
            if not isinstance(config.get("cells"), Mapping):
                raise DataError("no `cells:` section", path=args.from_yaml)
            print("\t".join(COLUMNS))
            for fields in rows_from_yaml(config["cells"], args.measured_dir):
                print("\t".join(fields))
            return 0
        cells = read_cells(Path(args.check).resolve(), root=Path.cwd(), measured_dir=args.measured_dir)
        print(json.dumps(cells, indent=1, sort_keys=True))
        return 0
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
