"""Reported vs reproduced: one row per number of the paper that the cycler data can give.

Each figure notebook measures its numbers with the analysis functions, on whatever data the
config gives it (reconstructed or measured), and calls :func:`compare` once per number of
``data/paper/reported_values.csv``. The notebook writes its rows to
``results/reproduced/<notebook>.csv``; :func:`combine` joins them into
``tables/reported_vs_reproduced.csv``.

The tolerance of a row is stated with it, with a reason. For a reconstructed cell it says how
closely the model is meant to give the number back (so a row outside it is a model failure);
for a measured cell it is a yardstick for the reader, not a pass mark.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import pint

from . import DATA_SOURCES
from .tables import read_quantities, write_table
from .units import Q_

#: Columns of ``tables/reported_vs_reproduced.csv``, in order.
COLUMNS = (
    "id", "quantity", "location", "paper_value", "reproduced_value", "unit", "difference", "relative_difference_percent",
    "tolerance", "within_tolerance", "data_source", "cell", "notebook", "how",
)

_REPORTED_PATH = "data/paper/reported_values.csv"


def reported_values(path: str | Path = _REPORTED_PATH) -> dict:
    """``{id: Record}`` of the paper's reported values (validated against the data package)."""
    return {key[0]: record for key, record in read_quantities(path, resource="reported_values", key=("id",)).items()}


def compare(
    reported: Mapping[str, Any],
    rid: str,
    value: pint.Quantity,
    tolerance: pint.Quantity,
    *,
    data_source: str,
    cell: str,
    notebook: str,
    how: str,
    unit: str | None = None,
    paper_value: pint.Quantity | None = None,
    bound: str | None = None,
) -> dict[str, Any]:
    """One row: the paper's value ``rid`` against ``value`` measured on ``cell``'s data.

    ``unit`` (default: the tolerance's unit) is the unit both numbers are written in. The two
    must have the same dimension as the paper's value, or pint raises. ``value`` may be NaN
    when the data do not reach the quantity (e.g. a short run has no cycle 200): the row is
    kept, with an empty reproduced value and ``within_tolerance`` false.
    ``paper_value`` overrides the transcribed value for derived comparisons (say so in ``how``).
    ``bound``: ``"lower"`` where the paper gives a lower bound (e.g. "> 250 h": within tolerance when
    the value is at least the paper's minus the tolerance), ``"upper"`` for an upper bound;
    default: a two-sided comparison.
    """
    if bound not in (None, "lower", "upper"):
        raise ValueError(f"bound must be None, 'lower' or 'upper', got {bound!r}")
    if rid not in reported:
        raise KeyError(f"{_REPORTED_PATH}: no reported value with id '{rid}'")
    if data_source not in DATA_SOURCES:
        raise ValueError(f"data source must be one of {', '.join(DATA_SOURCES)}, got {data_source!r}")
    record = reported[rid]
    ref = paper_value if paper_value is not None else record.quantity
    unit = unit or f"{tolerance.units}"
    paper = float(ref.to(unit).magnitude)
    got = float(value.to(unit).magnitude)
    tol = float(tolerance.to(unit).magnitude)
    missing = math.isnan(got)
    difference = got - paper
    slack = tol * (1 + 1e-9)
    within = {None: abs(difference) <= slack, "lower": difference >= -slack, "upper": difference <= slack}[bound]
    return {
        "id": rid,
        "quantity": record.fields["quantity"],
        "location": record.fields["location"],
        "paper_value": paper,
        "reproduced_value": "" if missing else got,
        "unit": f"{Q_(1, unit).units:~C}" or "1",
        "difference": "" if missing else difference,
        "relative_difference_percent": "" if missing or paper == 0 else 100 * difference / abs(paper),
        "tolerance": tol,
        "within_tolerance": (not missing) and bool(within),
        "data_source": data_source,
        "cell": cell,
        "notebook": notebook,
        "how": how if bound is None else f"{how} (the paper gives a{'n upper' if bound == 'upper' else ' lower'} bound)",
    }


def write_rows(rows: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write one notebook's rows (sorted by id, then cell) to ``path``."""
    rows = sorted(rows, key=lambda r: (r["id"], r["cell"]))
    if not rows:
        raise ValueError(f"{path}: no rows to write")
    return write_table([{c: r[c] for c in COLUMNS} for r in rows], path)


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of one notebook's file, checked for the expected columns."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames} are not those of analysis.reproduced.COLUMNS")
        return list(reader)


def combine(paths: Iterable[str | Path]) -> list[dict[str, str]]:
    """All notebooks' rows, sorted by location, id and cell; a duplicated (id, cell) raises."""
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(map(str, paths)):
        for row in read_rows(path):
            key = (row["id"], row["cell"])
            if key in seen:
                raise ValueError(f"{path}: row '{row['id']}' for cell '{row['cell']}' is also in {seen[key]}")
            seen[key] = path
            rows.append(row)
    return sorted(rows, key=lambda r: (r["location"], r["id"], r["cell"]))


#: The porosities of SI Table S2 among the reported values: (layer of the porosity table, reported id).
TABLE_S2_POROSITIES = (("SiNP-CNT", "porosity_sinp_cnt"), ("Li3.75Si-CNT", "porosity_li375si_cnt"))


def table_s2_rows(reported: Mapping[str, Any], path: str | Path) -> list[dict[str, Any]]:
    """Rows of the two porosities of SI Table S2, recomputed from the table's own inputs.

    ``path`` is the table notebooks/porosity.ipynb writes (``tables/table_s2_porosity.csv``); its
    ``recomputed_value`` is compared with the printed porosity, tolerance half the printed digit
    (0.05 %), data source paper. Booleans are written ``"true"``/``"false"``, as in rows read back from
    files, so that these rows sort and write like :func:`combine`'s.
    """
    with open(path, encoding="utf-8", newline="") as handle:
        s2 = {(r["layer"], r["quantity"]): r for r in csv.DictReader(handle)}
    rows = []
    for layer, rid in TABLE_S2_POROSITIES:
        r = s2[(layer, "porosity")]
        row = compare(reported, rid, Q_(float(r["recomputed_value"]), r["unit"]), Q_(0.05, "percent"),
                      data_source="paper", cell=f"{layer} (Table S2)", notebook="porosity",
                      how="Table S2 recomputed from its printed inputs (analysis.porosity); tolerance half the printed digit")
        rows.append({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return rows


def tolerance_ratio(row: Mapping[str, Any]) -> float:
    """|difference| / tolerance of one row (as :func:`compare` makes it, or as read back from a file).

    NaN where the data cannot give the value; for a zero tolerance (counts) 0 when equal, else infinity.
    A row within its tolerance gives at most 1: a bound the paper prints ("> 250 h") is met on its side
    whatever the distance.
    """
    value = row["reproduced_value"]
    if value in ("", None) or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    d, t = abs(float(row["difference"])), float(row["tolerance"])
    q = d / t if t > 0 else (0.0 if d == 0 else math.inf)
    return min(q, 1.0) if row["within_tolerance"] in ("true", True) else q
