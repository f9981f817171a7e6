"""Reconstruct one protocol run of a paper cell and write it as cycler files.

    python -m analysis.reconstruct --protocol hc_sus_exp --btsda OUT.csv --bdf OUT_bdf.csv \
        --parameters OUT_parameters.csv

Run by the workflow's ``reconstruct`` rule. The BTSDA-style CSV is what the workflow ingests (the
same reader path as a lab's Neware export); the BDF CSV keeps the ``reconstructed`` label inside;
the parameters CSV lists every setting of the run with its justification and model version.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..io.bdf import write_bdf_csv
from ..io.btsda_writer import write_btsda_csv
from .. import __version__
from ..tables import write_table
from .cells import parameter_table, reconstruct
from .runs import cell_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", required=True, help="a protocol id of data/paper/protocols.csv")
    parser.add_argument("--btsda", required=True)
    parser.add_argument("--bdf", required=True)
    parser.add_argument("--parameters", required=True, help="CSV of every setting of the run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        cell = cell_of(args.protocol)
        ds = reconstruct(cell, protocol=args.protocol)
    except (KeyError, ValueError) as exc:
        print(f"error: protocol '{args.protocol}': {exc}", file=sys.stderr)
        return 1
    rows = [{"protocol": args.protocol, "cell": cell, "model_version": __version__, **row}
            for row in parameter_table(cell, args.protocol)]
    write_btsda_csv(ds, args.btsda)
    write_bdf_csv(ds, args.bdf)
    write_table(rows, args.parameters)
    print(f"{args.protocol} ({cell}): {ds.sizes['record']} records in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
