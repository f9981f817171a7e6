"""Cohort statistics: one row of metrics per cell, and per group the mean with its 95 % t-interval.

Every metric comes from the project's metric functions (the ones :mod:`analysis.metrics` calls), applied
to the per-cycle summary each cell's job has made, through the thin ``_metric_*`` functions below. Each
cell's job writes them with its per-cycle delivered capacity and CE into a small JSON record
(:func:`cell_record`); the cohort step reads those records, not the cycler data:

- ``initial_coulombic_efficiency_percent``: CE of the first cycle (:func:`analysis.efficiency.initial_coulombic_efficiency`);
- ``mean_coulombic_efficiency_percent``: mean CE over every cycle that is not odd
  (:func:`analysis.efficiency.average_coulombic_efficiency`); ``odd_cycles`` counts the cycles left out: those
  :func:`analysis.cycling.cycle_flags` flags (no half-cycle of one direction, e.g. a test stopped in the middle
  of its last cycle, or several of one direction), whose CE would mean nothing;
- ``first_discharge_capacity_mAh``: discharge capacity of the first cycle;
- ``retention_last_percent`` and ``retention_at_cycle_percent``: the *delivered* capacity (discharge for a
  full cell; stripped, i.e. charge, for a plating half-cell or symmetric cell: the numerator of its CE)
  of the last cycle and of cycle ``retention_cycle`` over that of the cell's reference cycle
  (:func:`analysis.cycling.retention_at`); empty when the data do not reach the cycle;
- ``failure_cycle``: the first cycle that is not odd and looks like a failure (:func:`analysis.cycling.failure_cycle`),
  empty if none;
- ``nucleation_overpotential_mV`` (plating half-cells only): the first dip of the first plating, i.e. the first
  discharge step that goes below 0 V (:func:`analysis.overpotential.nucleation_dips`).

The cycles are those of the ingested file (``cycle_definition`` says which definition made them).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pint
import xarray as xr

from .units import Q_

#: Columns of tables/cohort_metrics.csv, in order.
METRIC_COLUMNS = (
    "cell", "group", "kind", "data_source", "cycle_definition", "cycles", "odd_cycles", "reference_cycle",
    "initial_coulombic_efficiency_percent", "mean_coulombic_efficiency_percent", "first_discharge_capacity_mAh",
    "retention_last_percent", "retention_cycle", "retention_at_cycle_percent", "failure_cycle",
    "nucleation_overpotential_mV", "failure_reason",
)
#: Numeric metrics summarised per group in tables/cohort_groups.csv.
GROUP_METRICS = (
    "cycles", "initial_coulombic_efficiency_percent", "mean_coulombic_efficiency_percent",
    "first_discharge_capacity_mAh", "retention_last_percent", "retention_at_cycle_percent", "failure_cycle",
    "nucleation_overpotential_mV",
)
GROUP_COLUMNS = ("group", "metric", "n", "mean", "sd", "ci95_low", "ci95_high")


@dataclass(frozen=True)
class Nucleation:
    """Windows of the nucleation analysis, in plated areal capacity (mAh/cm²) and mV."""

    search_max: pint.Quantity
    plateau_offset: pint.Quantity
    plateau_length: pint.Quantity
    min_depth: pint.Quantity

    @classmethod
    def from_config(cls, section: Mapping[str, float]) -> "Nucleation":
        return cls(Q_(section["search_max_mAh_cm2"], "mA*h/cm^2"), Q_(section["plateau_offset_mAh_cm2"], "mA*h/cm^2"),
                   Q_(section["plateau_length_mAh_cm2"], "mA*h/cm^2"), Q_(section["min_depth_mV"], "mV"))


# ------------------------------------------------------------------------------------------------
# the metric functions: those analysis.metrics calls, applied to the summary the cell job has made
# ------------------------------------------------------------------------------------------------

def _metric_ice(summary: xr.Dataset) -> pint.Quantity:
    from .efficiency import initial_coulombic_efficiency

    return initial_coulombic_efficiency(summary)


def _regular(summary: xr.Dataset) -> xr.Dataset:
    """The cycles of ``summary`` that are not odd (its ``cycle_flag`` is empty; all of them without flags)."""
    if "cycle_flag" not in summary:
        return summary
    keep = np.flatnonzero(np.asarray(summary["cycle_flag"].values, dtype=str) == "")
    return summary.isel(cycle=keep)


def _metric_mean_ce(summary: xr.Dataset) -> pint.Quantity:
    from .efficiency import average_coulombic_efficiency

    cycles = summary["cycle"].values
    return average_coulombic_efficiency(summary, int(cycles[0]), int(cycles[-1]))


def _metric_retention(capacity: xr.DataArray, cycle: int, reference: int) -> pint.Quantity:
    from .cycling import retention_at

    return retention_at(capacity, cycle, reference)


def _metric_failure(summary: xr.Dataset) -> tuple[int, str] | None:
    from .cycling import failure_cycle

    return failure_cycle(summary)


def _metric_nucleation(ds: xr.Dataset, windows: Nucleation) -> pint.Quantity | None:
    from .cycling import step_curve, step_table, steps_where
    from .overpotential import nucleation_dips

    if "electrode_area" not in ds.attrs:
        return None
    area = Q_(ds.attrs["electrode_area"])
    steps = step_table(ds)
    for k in steps_where(steps, direction="discharge"):
        curve = step_curve(ds, k, area=area, steps=steps)
        if curve["voltage"].to("V").magnitude.min() < 0:  # Li plating, not the lithiation of an interlayer
            dips = nucleation_dips(curve["capacity"], curve["voltage"],
                                   search_window=(Q_(0, "mA*h/cm^2"), windows.search_max),
                                   plateau_offset=windows.plateau_offset, plateau_length=windows.plateau_length,
                                   min_depth=windows.min_depth)
            return dips[0].overpotential.to("mV") if dips else None
    return None


# ------------------------------------------------------------------------------------------------
# per cell
# ------------------------------------------------------------------------------------------------

def delivered_capacity(summary: xr.Dataset) -> xr.DataArray:
    """The capacity a cell gives back each cycle: the numerator of its CE (discharge for a full cell,
    stripped = charge for plating)."""
    return summary["charge_capacity" if summary.attrs["ce_convention"] == "plating" else "discharge_capacity"]


def _number(q: pint.Quantity | None, unit: str) -> float | str:
    if q is None:
        return ""
    value = float(q.to(unit).magnitude)
    return "" if math.isnan(value) else value


def _finite(values: np.ndarray) -> list[float | None]:
    """A JSON list: NaN as null."""
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _array(values: Iterable[float | None]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def cell_record(ds: xr.Dataset, summary: xr.Dataset, *, cell: str, kind: str, reference_cycle: int,
                nucleation: Nucleation | None = None) -> dict[str, Any]:
    """What the cohort step needs of one ingested cell (``ds``, its per-cycle ``summary``), as plain JSON
    values: its metrics and its per-cycle delivered capacity and CE. The workflow's ``cell`` job writes it
    (``results/cells/<cell>_record.json``), so the cohort step reads a few kB per cell, not its cycler data.
    The group and the cohort's retention cycle are not in it: they are the cohort step's (:func:`metric_row`).
    """
    cycles = summary["cycle"].values.astype(int)
    regular = _regular(summary)
    failure = _metric_failure(regular) if regular.sizes["cycle"] else None
    overpotential = None
    if nucleation is not None and kind == "half_cell" and summary.attrs["ce_convention"] == "plating":
        overpotential = _metric_nucleation(ds, nucleation)
    return {
        "cell": cell, "kind": kind, "data_source": ds.attrs["data_source"],
        "cycle_definition": ds.attrs.get("cycle_definition", "file"), "reference_cycle": int(reference_cycle),
        "initial_coulombic_efficiency_percent": _number(_metric_ice(summary), "percent"),
        "mean_coulombic_efficiency_percent": _number(_metric_mean_ce(regular), "percent")
        if regular.sizes["cycle"] else "",
        "odd_cycles": int(summary.sizes["cycle"] - regular.sizes["cycle"]),
        "first_discharge_capacity_mAh": _number(summary["discharge_capacity"].data[0], "mA*h"),
        "failure_cycle": failure[0] if failure else "",
        "failure_reason": failure[1] if failure else "",
        "nucleation_overpotential_mV": _number(overpotential, "mV"),
        "cycle": [int(c) for c in cycles],
        "delivered_capacity_mAh": _finite(delivered_capacity(summary).data.to("mA*h").magnitude),
        "ce_percent": _finite(summary["coulombic_efficiency"].data.to("percent").magnitude),
    }


def _retention(record: Mapping[str, Any], cycle: int) -> float | str:
    """Delivered capacity at ``cycle`` over that at the reference cycle (percent, as
    :func:`analysis.cycling.retention_at` computes it); empty when the data lack either cycle."""
    cycles = list(record["cycle"])
    reference = int(record["reference_cycle"])
    if reference not in cycles or cycle not in cycles:
        return ""
    capacity = _array(record["delivered_capacity_mAh"])
    value = _number(Q_(capacity[cycles.index(cycle)] / capacity[cycles.index(reference)], "dimensionless"), "percent")
    return value


def metric_row(record: Mapping[str, Any], *, group: str, retention_cycle: int) -> dict[str, Any]:
    """The row of tables/cohort_metrics.csv of one cell's record (:func:`cell_record`)."""
    cycles = record["cycle"]
    return {
        "cell": record["cell"], "group": group, "kind": record["kind"], "data_source": record["data_source"],
        "cycle_definition": record["cycle_definition"], "cycles": len(cycles),
        "odd_cycles": record.get("odd_cycles", 0), "reference_cycle": record["reference_cycle"],
        "initial_coulombic_efficiency_percent": record["initial_coulombic_efficiency_percent"],
        "mean_coulombic_efficiency_percent": record["mean_coulombic_efficiency_percent"],
        "first_discharge_capacity_mAh": record["first_discharge_capacity_mAh"],
        "retention_last_percent": _retention(record, int(cycles[-1])) if cycles else "",
        "retention_cycle": retention_cycle,
        "retention_at_cycle_percent": _retention(record, retention_cycle),
        "failure_cycle": record["failure_cycle"],
        "nucleation_overpotential_mV": record["nucleation_overpotential_mV"],
        "failure_reason": record["failure_reason"],
    }


def record_trace(record: Mapping[str, Any], *, group: str) -> dict[str, np.ndarray | str]:
    """Per-cycle retention (delivered capacity over the reference cycle's, %; NaN without that cycle)
    and CE (%) of one cell's record, for the cohort figures."""
    cycles = np.asarray(record["cycle"], dtype=int)
    capacity = _array(record["delivered_capacity_mAh"])
    where = np.flatnonzero(cycles == int(record["reference_cycle"]))
    if where.size and capacity[where[0]] > 0:
        retention = 100.0 * capacity / capacity[where[0]]
    else:
        retention = np.full(cycles.size, np.nan)
    return {"cell": record["cell"], "group": group, "kind": record["kind"], "data_source": record["data_source"],
            "cycle": cycles, "retention_percent": retention, "ce_percent": _array(record["ce_percent"])}


def cell_metrics(ds: xr.Dataset, summary: xr.Dataset, *, cell: str, group: str, kind: str, reference_cycle: int,
                 retention_cycle: int, nucleation: Nucleation | None = None) -> dict[str, Any]:
    """The row of tables/cohort_metrics.csv of one ingested cell (``ds``, its per-cycle ``summary``)."""
    record = cell_record(ds, summary, cell=cell, kind=kind, reference_cycle=reference_cycle, nucleation=nucleation)
    return metric_row(record, group=group, retention_cycle=retention_cycle)


def cell_traces(summary: xr.Dataset, *, cell: str, group: str, data_source: str, reference_cycle: int,
                kind: str = "") -> dict[str, np.ndarray | str]:
    """Per-cycle retention and CE of one cell (:func:`record_trace`), from its per-cycle summary."""
    record = {"cell": cell, "kind": kind, "data_source": data_source, "reference_cycle": int(reference_cycle),
              "cycle": [int(c) for c in summary["cycle"].values],
              "delivered_capacity_mAh": _finite(delivered_capacity(summary).data.to("mA*h").magnitude),
              "ce_percent": _finite(summary["coulombic_efficiency"].data.to("percent").magnitude)}
    return record_trace(record, group=group)


def write_record(record: Mapping[str, Any], path: str | Path) -> Path:
    """Write a cell's record as JSON (atomically); its path."""
    from .atomic import atomic_text

    with atomic_text(path) as handle:
        handle.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
    return Path(path)


def read_record(path: str | Path) -> dict[str, Any]:
    """A cell's record (:func:`write_record`)."""
    from .errors import DataError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("no record of this cell: run the workflow's cell job first", path=path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not a cell record ({exc.msg})", path=path, row=exc.lineno) from None


def collect(cells: Mapping[str, Mapping[str, Any]], records: Mapping[str, str | Path], *,
            retention_cycle: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(metric rows, traces) of every cell (sorted by cell id), from the records the cell jobs wrote.

    ``cells`` maps a cell id to its ``group``; ``records`` to its record file (:func:`write_record`).
    """
    rows, traces = [], []
    for cell in sorted(cells):
        record = read_record(records[cell])
        group = str(cells[cell]["group"])
        rows.append(metric_row(record, group=group, retention_cycle=retention_cycle))
        traces.append(record_trace(record, group=group))
    return rows, traces


# ------------------------------------------------------------------------------------------------
# per group
# ------------------------------------------------------------------------------------------------

def mean_interval(values: Iterable[float], confidence: float = 0.95) -> dict[str, float | str | int]:
    """n, mean, sample sd and the two-sided t-interval of the mean (scipy.stats.t); n = 1: sd and
    interval empty; n = 0: mean empty too."""
    from scipy import stats

    x = np.asarray([v for v in values], dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": "", "sd": "", "ci95_low": "", "ci95_high": ""}
    mean = float(x.mean())
    if n == 1:
        return {"n": 1, "mean": mean, "sd": "", "ci95_low": "", "ci95_high": ""}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "ci95_low": mean - half, "ci95_high": mean + half}


def group_statistics(rows: Iterable[Mapping[str, Any]], metrics: Iterable[str] = GROUP_METRICS) -> list[dict[str, Any]]:
    """Rows of tables/cohort_groups.csv: per group (sorted) and metric (in order), over the cells that
    have the metric (empty values are left out; a metric no cell of the group has is left out)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row["group"]), []).append(row)
    out = []
    for group in sorted(groups):
        for metric in metrics:
            values = [float(r[metric]) for r in groups[group] if r.get(metric, "") != ""]
            if values:
                out.append({"group": group, "metric": metric, **mean_interval(values)})
    return out


def group_bands(traces: Iterable[Mapping[str, Any]], value: str) -> dict[str, dict[str, np.ndarray]]:
    """Per group: cycle, mean, sd (NaN for one cell) and n of ``value`` over the cells that have that cycle."""
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for trace in traces:
        by_group.setdefault(str(trace["group"]), []).append(trace)
    out = {}
    for group, members in sorted(by_group.items()):
        cycles = np.unique(np.concatenate([m["cycle"] for m in members]))
        table = np.full((len(members), cycles.size), np.nan)
        for i, m in enumerate(members):
            table[i, np.searchsorted(cycles, m["cycle"])] = m[value]
        n = np.isfinite(table).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, np.nansum(table, axis=0) / np.maximum(n, 1), np.nan)
            sd = np.array([np.nanstd(col[np.isfinite(col)], ddof=1) if k > 1 else np.nan
                           for col, k in zip(table.T, n)])
        out[group] = {"cycle": cycles, "mean": mean, "sd": sd, "n": n}
    return out


def compare_group(rows: Iterable[Mapping[str, Any]], wanted: str | None) -> str | None:
    """The group drawn beside the paper's cells: ``wanted`` if given (it must exist), else the first
    group (by name) with measured cells, else None."""
    rows = list(rows)
    groups = sorted({str(r["group"]) for r in rows})
    if wanted is not None:
        if wanted not in groups:
            raise ValueError(f"cohort.compare_group: no group '{wanted}' (groups: {', '.join(groups)})")
        return wanted
    measured = sorted({str(r["group"]) for r in rows if r["data_source"] == "measured"})
    return measured[0] if measured else None
