"""Reconstruct one protocol run of a paper cell and write it as cycler files.

    python -m analysis.reconstruct --protocol hc_sus_exp --btsda OUT.csv --bdf OUT_bdf.csv \
        --parameters OUT_parameters.csv

Run by the workflow's ``reconstruct`` rule. The BTSDA-style CSV is what the workflow ingests (the
same reader path as a lab's Neware export); the BDF CSV keeps the ``reconstructed`` label inside;
the parameters CSV lists every setting of the run with its justification and model version.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pint

from ..io.bdf import write_bdf_csv
from ..io.btsda_writer import write_btsda_csv
from .. import __version__
from ..tables import write_table
from ..units import Q_
from .cells import parameter_table, reconstruct
from .runs import cell_of


def parse_overrides(values: dict) -> dict:
    """Config overrides: strings with units become Quantities ("0.5 mV"), numbers stay numbers."""
    return {name: Q_(value) if isinstance(value, str) else value for name, value in values.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", required=True, help="a protocol id of data/paper/protocols.csv")
    parser.add_argument("--btsda", required=True)
    parser.add_argument("--bdf", required=True)
    parser.add_argument("--parameters", required=True, help="CSV of every setting of the run")
    parser.add_argument("--overrides", default="{}",
                        help='JSON {name: value}: numbers, or strings with units such as "0.5 mV"')
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        cell = cell_of(args.protocol)
        overrides = parse_overrides(json.loads(args.overrides))
        ds = reconstruct(cell, overrides, protocol=args.protocol)
    except (KeyError, ValueError, pint.UndefinedUnitError) as exc:
        print(f"error: protocol '{args.protocol}': {exc}", file=sys.stderr)
        return 1
    rows = [{"protocol": args.protocol, "cell": cell, "model_version": __version__, **row}
            for row in parameter_table(cell, args.protocol)]
    for row in rows:  # settings changed in config/config.yaml say so
        if row["name"] in overrides:
            value = overrides[row["name"]]
            row.update(value=f"{value:~P}" if isinstance(value, pint.Quantity) else str(value),
                       why=f"set in config/config.yaml (reconstruction.overrides.{args.protocol}); default: "
                           f"{row['value']}, {row['why']}")
    write_btsda_csv(ds, args.btsda)
    write_bdf_csv(ds, args.bdf)
    write_table(rows, args.parameters)
    print(f"{args.protocol} ({cell}): {ds.sizes['record']} records in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
