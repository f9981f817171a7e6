"""Small ingested cells for notebook tests: the model's run of a configured cell, read back like a lab file.

``make_cell(directory, cell_id, repeat_cycles=N)`` reconstructs the cell's protocol (optionally with
fewer cycles), writes the BTSDA-style CSV, ingests it as the workflow does and returns the NetCDF path.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from analysis.ingest import ingest
from analysis.io.btsda_writer import write_btsda_csv
from analysis.io.netcdf import write_netcdf
from analysis.reconstruct.cells import reconstruct
from analysis.reconstruct.runs import cell_of

ROOT = Path(__file__).resolve().parents[1]


def config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def make_cell(directory: Path, cell_id: str, *, label: str = "reconstructed", **overrides) -> Path:
    """NetCDF of configured cell ``cell_id`` made by the model with ``overrides``.

    ``label`` is the data source the file is ingested as: tests of labelling may ingest a model
    file as "measured" to check that the label reaches every figure and row.
    """
    from analysis.sheet import ingest_spec, read_cells

    sheet = read_cells(ROOT / "config" / "cells.tsv", root=ROOT)[cell_id]
    spec, protocol = ingest_spec(sheet), sheet["protocol"]
    ds = reconstruct(cell_of(protocol), overrides, protocol=protocol)
    suffix = "_".join(f"{k}{v}" for k, v in sorted(overrides.items()))
    csv = directory / f"{cell_id}{'_' + suffix if suffix else ''}.csv"
    write_btsda_csv(ds, csv)
    spec.update(file=str(csv), format="neware-csv", data_source=label)
    read, _ = ingest(cell_id, spec)
    out = csv.with_name(f"{csv.stem}_{label}.nc")
    write_netcdf(read, out)
    return out
