"""The calibration and choices tables. Calibration: the analysis functions, run on the reconstructed cells as the workflow
ingested them (written as Neware BTSDA CSV, read back, stored as NetCDF), against the paper.

    python -m analysis.reconstruct.calibrate --out tables/reconstruction_calibration.csv \\
        hc_sus_sec22=results/cells/hc_sus_sec22.nc ...

Each ``protocol=path`` pair hands over one ingested run; runs not given are reconstructed here.
Choices: every place where the paper is ambiguous or contradicts itself, the default reading,
its one-sentence argument, the alternatives and how to select one.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pint

from ..io.netcdf import read_netcdf
from ..tables import write_table
from .cells import calibration, choices_table
from .runs import cell_of


def calibration_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plain table rows (sorted by id), one unit per row, difference = reconstructed − reported."""
    out = []
    for row in rows:
        tolerance: pint.Quantity = row["tolerance"]
        unit = tolerance.units
        reported = row["reported"].to(unit).magnitude
        value = row["reconstructed"].to(unit).magnitude
        out.append({
            "id": row["id"], "quantity": row["quantity"], "reported": float(reported),
            "reconstructed": float(value), "unit": f"{unit:~P}" or "dimensionless",
            "difference": float(value - reported), "tolerance": float(tolerance.magnitude),
            "within_tolerance": bool(row["ok"]), "why": row["why"],
        })
    return sorted(out, key=lambda r: r["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--choices", required=True, help="CSV of every named choice of the reconstruction")
    parser.add_argument("runs", nargs="*", help="protocol=path of an ingested NetCDF file")
    args = parser.parse_args(argv)
    runs = {}
    for item in args.runs:
        protocol, _, path = item.partition("=")
        runs[(cell_of(protocol), protocol)] = read_netcdf(path)
    rows = calibration_rows(calibration(runs))
    write_table(rows, args.out)
    write_table(sorted(choices_table(), key=lambda r: r["name"]), args.choices)
    missed = [r["id"] for r in rows if not r["within_tolerance"]]
    print(f"{len(rows)} calibration targets, {len(rows) - len(missed)} within tolerance"
          + (f"; outside: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
