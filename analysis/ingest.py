"""Ingest one cell: its cycler file -> ``results/cells/<cell>.nc`` + a per-cycle summary CSV.

Run by the workflow's ``ingest`` rule, once per cell of ``config/config.yaml``::

    python -m analysis.ingest --cell ID --spec '{"file": ..., "format": "auto", ...}' \
        --netcdf results/cells/ID.nc --cycles results/cells/ID_cycles.csv

A file that cannot be read stops with one line naming file, column and row; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import xarray as xr

from .cycling import CYCLE_DEFINITIONS, assign_cycles, cycle_flags, cycle_summary
from .cycle_definition import STARTS as CYCLE_STARTS
from .errors import DataError
from .io import FORMATS, read_cycler
from .io.netcdf import write_netcdf
from .tables import write_table
from .units import Q_


_CHOICES = {"data_source": ("measured", "reconstructed"), "kind": ("half_cell", "full_cell", "symmetric"),
            "ce_convention": ("plating", "full_cell")}


def check_spec(cell: str, spec: Any) -> None:
    """Raise one :class:`DataError` line naming the config key (``cells.<cell>.<key>``) that is unusable."""
    if not isinstance(spec, Mapping):
        raise DataError(f"cells.{cell}: expected a mapping of settings, got {type(spec).__name__}")

    def bad(key: str, expected: str) -> DataError:
        return DataError(f"cells.{cell}.{key}: expected {expected}, got {spec.get(key)!r}")

    for key in ("file", *_CHOICES):
        if key not in spec:
            raise DataError(f"cells.{cell}.{key}: missing")
    if not isinstance(spec["file"], str) or not spec["file"].strip():
        raise bad("file", "a path")
    for key, allowed in _CHOICES.items():
        if spec[key] not in allowed:
            raise bad(key, " or ".join(allowed))
    if spec.get("cycle_definition", "auto") not in CYCLE_DEFINITIONS:
        raise bad("cycle_definition", " or ".join(CYCLE_DEFINITIONS))
    if spec.get("cycle_start", "first") not in CYCLE_STARTS:
        raise bad("cycle_start", " or ".join(CYCLE_STARTS))
    fmt = spec.get("format", "auto")
    if not isinstance(fmt, str) or (fmt != "auto" and fmt not in FORMATS):
        raise bad("format", f"auto or one of {', '.join(FORMATS)}")
    for key, unit in (("area_cm2", "cm^2"), ("loading_mg_cm2", "mg/cm^2")):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not np.isfinite(value) or value <= 0):
            raise bad(key, f"a positive number ({unit}) or null")
    reference = spec.get("reference_cycle", 1)
    if isinstance(reference, bool) or not isinstance(reference, int) or reference < 0:
        raise bad("reference_cycle", "a whole number >= 0")
    if not isinstance(spec.get("reader_options", {}), Mapping):
        raise bad("reader_options", "a mapping of reader options")


def ingest(cell: str, spec: Mapping[str, Any]) -> tuple[xr.Dataset, xr.Dataset]:
    """Read the cell's file and summarise it per cycle, as the spec (one config entry) says.

    Cycles follow the spec's ``cycle_definition`` (``file`` | ``half_cycles`` | ``auto``, default
    auto) and, for half-cycles, ``cycle_start`` (``first`` | ``charge`` | ``discharge``, default
    first): see :func:`analysis.cycling.assign_cycles`. The summary carries the per-cycle flags of
    :func:`analysis.cycling.cycle_flags` and the definition used (attribute ``cycle_definition``).
    """
    check_spec(cell, spec)
    ds = read_cycler(spec["file"], spec.get("format", "auto"), data_source=spec["data_source"],
                     **spec.get("reader_options", {}))
    ds = assign_cycles(ds, spec.get("cycle_definition", "auto"), start_with=spec.get("cycle_start", "first"))
    area = Q_(spec["area_cm2"], "cm^2") if spec.get("area_cm2") is not None else None
    ds.attrs.update({"cell_id": cell, "cell_kind": spec["kind"], "ce_convention": spec["ce_convention"]})
    if area is not None:
        ds.attrs["electrode_area"] = f"{area:~P}"
    if spec.get("loading_mg_cm2") is not None:
        ds.attrs["active_loading"] = f"{Q_(spec['loading_mg_cm2'], 'mg/cm^2'):~P}"
    ds.attrs["reference_cycle"] = int(spec.get("reference_cycle", 1))  # retention is relative to this cycle
    summary = with_flags(cycle_summary(ds, convention=spec["ce_convention"], area=area),
                         cycle_flags(ds, convention=spec["ce_convention"]))
    summary.attrs.update({k: ds.attrs[k] for k in ("source_file", "source_sha256", "data_source", "cell_id")})
    return ds, summary


def with_flags(summary: xr.Dataset, flags: xr.Dataset) -> xr.Dataset:
    """The per-cycle summary with the half-cycle counts and flags of :func:`analysis.cycling.cycle_flags`."""
    out = summary.copy()
    for name in FLAG_COLUMNS:
        out[name] = flags[name].reindex(cycle=summary["cycle"].values)
    return out


def load_cell(netcdf: str | Path) -> tuple[xr.Dataset, xr.Dataset]:
    """An ingested cell (``results/cells/<cell>.nc``) and its per-cycle summary.

    The CE convention and electrode area are those the cell was ingested with (Dataset attributes).
    """
    from .io.netcdf import read_netcdf

    ds = read_netcdf(netcdf)
    for name in ("cell_id", "ce_convention", "data_source"):
        if name not in ds.attrs:
            raise ValueError(f"{netcdf}: attribute '{name}' is missing: not a file written by analysis.ingest")
    area = Q_(ds.attrs["electrode_area"]) if "electrode_area" in ds.attrs else None
    summary = with_flags(cycle_summary(ds, convention=ds.attrs["ce_convention"], area=area),
                         cycle_flags(ds, convention=ds.attrs["ce_convention"]))
    summary.attrs.update({k: ds.attrs[k] for k in ("cell_id", "data_source")})
    return ds, summary


#: per-cycle table columns: variable -> (column name, unit written)
SUMMARY_COLUMNS = {
    "charge_capacity": ("charge_capacity_mAh", "mA*h"),
    "discharge_capacity": ("discharge_capacity_mAh", "mA*h"),
    "areal_charge_capacity": ("areal_charge_capacity_mAh_per_cm2", "mA*h/cm^2"),
    "areal_discharge_capacity": ("areal_discharge_capacity_mAh_per_cm2", "mA*h/cm^2"),
    "coulombic_efficiency": ("coulombic_efficiency", "dimensionless"),
    "start_time": ("start_time_s", "s"),
    "end_time": ("end_time_s", "s"),
}
#: per-cycle columns without units, from :func:`analysis.cycling.cycle_flags`
FLAG_COLUMNS = ("charge_half_cycles", "discharge_half_cycles", "cycle_flag")


def summary_rows(summary: xr.Dataset) -> list[dict[str, Any]]:
    """The per-cycle summary as table rows, units in the column names, sorted by cycle.

    Where the summary says how its cycles are defined (attribute ``cycle_definition``) and carries
    flags (:func:`with_flags`), the rows say so too (columns ``cycle_definition``, ``cycle_flag`` …).
    """
    present = [name for name in SUMMARY_COLUMNS if name in summary]
    values = {name: np.asarray(summary[name].data.to(SUMMARY_COLUMNS[name][1]).magnitude, dtype=float)
              for name in present}
    flags = {name: summary[name].values for name in FLAG_COLUMNS if name in summary}
    definition = summary.attrs.get("cycle_definition")
    rows = []
    for i, cycle in enumerate(summary["cycle"].values):
        row: dict[str, Any] = {"cycle": int(cycle)}
        for name in present:
            value = float(values[name][i])
            row[SUMMARY_COLUMNS[name][0]] = "" if np.isnan(value) else value
        if definition is not None:
            row["cycle_definition"] = definition
        for name, column in flags.items():
            row[name] = str(column[i]) if name == "cycle_flag" else int(column[i])
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", required=True)
    parser.add_argument("--spec", required=True, help="the cell's config entry, as JSON")
    parser.add_argument("--netcdf", required=True)
    parser.add_argument("--cycles", required=True)
    args = parser.parse_args(argv)
    try:
        try:
            spec = json.loads(args.spec)
        except json.JSONDecodeError as exc:
            raise DataError(f"--spec is not valid JSON ({exc.msg} at character {exc.pos})") from None
        ds, summary = ingest(args.cell, spec)
        rows = summary_rows(summary)  # everything computed before anything is written
        write_netcdf(ds, args.netcdf)
        write_table(rows, args.cycles)
    except (DataError, ValueError, KeyError) as exc:
        for target in (args.netcdf, args.cycles):
            Path(target).unlink(missing_ok=True)
        print(f"error: cell '{args.cell}': {exc}", file=sys.stderr)
        return 1
    print(f"{args.cell}: {ds.sizes['record']} records, {summary.sizes['cycle']} cycles -> {args.netcdf}, {args.cycles}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
