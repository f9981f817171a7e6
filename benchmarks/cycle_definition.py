"""Time the cycle definitions on synthetic records: prints numbers, asserts nothing.

    .venv/bin/python benchmarks/cycle_definition.py              # 10 M records
    .venv/bin/python benchmarks/cycle_definition.py --rows 1000000 --repeat 3

Records from :mod:`benchmarks.synthetic` (2 000 cycles of CC, CV, rest, discharge, rest for
10 M rows). Timed, best of ``--repeat``: ``assign_cycles(ds, "half_cycles")`` with step labels,
the same without labels (direction from the sign of the current only), ``cycle_flags`` and, as
the baseline in the same run, ``cycle_summary`` of the same records.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from analysis.cycling import assign_cycles, cycle_flags, cycle_summary  # noqa: E402
from analysis.io.core import build_dataset  # noqa: E402
from synthetic import columns  # noqa: E402


def best(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    data = columns(args.rows)
    labelled = build_dataset(data, source_file="synthetic", format="synthetic", instrument="none",
                             reader="benchmarks", check=False)
    unlabelled = labelled.drop_vars(["step_type", "cycle_count"])
    cycles = int(data["cycle_count"][-1])
    print(f"{args.rows:,} records, {cycles:,} cycles; best of {args.repeat}")
    rows = []
    seconds, baseline = best(lambda: cycle_summary(labelled, convention="full_cell"), args.repeat)
    rows.append(("cycle_summary (baseline)", seconds))
    seconds, derived = best(lambda: assign_cycles(labelled, "half_cycles"), args.repeat)
    rows.append(("assign_cycles half_cycles, labelled", seconds))
    same = np.array_equal(np.asarray(derived["cycle_count"].data.magnitude), data["cycle_count"])
    seconds, plain = best(lambda: assign_cycles(unlabelled, "half_cycles"), args.repeat)
    rows.append(("assign_cycles half_cycles, sign only", seconds))
    same_plain = np.array_equal(np.asarray(plain["cycle_count"].data.magnitude), data["cycle_count"])
    seconds, flags = best(lambda: cycle_flags(derived), args.repeat)
    rows.append(("cycle_flags", seconds))
    for name, seconds in rows:
        print(f"  {name:40s} {seconds:7.2f} s   ({seconds / rows[0][1]:.2f} x baseline)")
    print(f"  half-cycle numbers equal the generator's cycles: labelled {same}, sign only {same_plain}; "
          f"odd cycles flagged: {int((flags['cycle_flag'].values != '').sum())}; "
          f"summary cycles {baseline.sizes['cycle']:,}")


if __name__ == "__main__":
    main()
