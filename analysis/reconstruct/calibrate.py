"""The calibration, fits and choices tables. Calibration: every target of ``data/model/targets.csv``
measured with :mod:`analysis.metrics` on the reconstructed cells as the workflow ingested them
(written as Neware BTSDA CSV, read back, stored as NetCDF), made with the fitted parameters, against
the paper: the fits ran on cheap runs, this table checks the full ones.

    python -m analysis.reconstruct.calibrate --out tables/reconstruction_calibration.csv \\
        --choices tables/reconstruction_choices.csv --fits tables/calibration_fits.csv \\
        hc_sus_sec22=results/cells/hc_sus_sec22.nc ...

Each ``protocol=path`` pair hands over one ingested run; runs not given are reconstructed here.
Fits: per fit and parameter, the fitted value, its approximate SD, whether the targets determine
it, the fit's targets, rank, evaluations and solver status. Choices: every place where the paper
is ambiguous or contradicts itself, each option, and for options with a fit of their own its
fitted values and whether its targets are reachable.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pint

from ..io.netcdf import read_netcdf
from ..tables import write_table
from . import parameters as PM
from .cells import calibration, choices_table
from .runs import cell_of


def fit_rows() -> list[dict[str, Any]]:
    """One row per fit and fitted parameter (read from the fit results)."""
    out = []
    for name in PM.fits():
        result = PM.fit_result(name)
        ident = result["identifiability"]
        residuals = "; ".join(f"{t}: {v['value']:.6g} vs {v['paper']:g} {v['unit']} ({v['residual']:+.2g} tol)"
                              for t, v in result["targets"].items())
        for pname, p in result["parameters"].items():
            out.append({"fit": name, "option": result["option"], "method": result["method"], "parameter": pname,
                        "value": p["value"], "unit": p["unit"], "sd": "" if p["sd"] is None else p["sd"],
                        "determined": p["determined"], "lower": p["lower"], "upper": p["upper"],
                        "targets": ident["targets"], "parameters": ident["parameters"], "rank": ident["rank"],
                        "condition_number": "" if ident["condition_number"] is None else ident["condition_number"],
                        "evaluations": result["evaluations"], "solver_status": result["solver_status"],
                        "residuals": residuals})
    return out


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
    parser.add_argument("--fits", required=True, help="CSV of every fit: values, SD, identifiability")
    parser.add_argument("runs", nargs="*", help="protocol=path of an ingested NetCDF file")
    args = parser.parse_args(argv)
    runs = {}
    for item in args.runs:
        protocol, _, path = item.partition("=")
        runs[(cell_of(protocol), protocol)] = read_netcdf(path)
    rows = calibration_rows(calibration(runs))
    write_table(rows, args.out)
    write_table(sorted(choices_table(), key=lambda r: (r["name"], not r["is_default"], r["option"])), args.choices)
    write_table(fit_rows(), args.fits)
    missed = [r["id"] for r in rows if not r["within_tolerance"]]
    print(f"{len(rows)} calibration targets, {len(rows) - len(missed)} within tolerance"
          + (f"; outside: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
