"""Benchmarks (not tests): print numbers, assert nothing.

    python benchmarks/run.py [FILE.ndax ...]

For each Neware file: fastnda's bare read beside our read_cycler + per-cycle summary, both
timed in the same run (minimum and median of several repeats), and the ratio of the two.
Without arguments, runs on the .nda/.ndax files in $BENCHMARK_DATA (a folder) if set.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import timeit
import warnings
from pathlib import Path


def _machine() -> str:
    import numpy

    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {numpy.__version__}")


def bench_ndax(path: Path, repeat: int = 9) -> dict[str, float]:
    import fastnda

    from analysis.cycling import cycle_summary
    from analysis.io import read_cycler

    def bare() -> None:
        fastnda.read(path, cycle_mode="raw")

    def ours() -> None:
        cycle_summary(read_cycler(path), convention="full_cell")

    bare(), ours()  # warm-up: imports, file cache
    t_bare, t_ours = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine state
        t_bare.append(min(timeit.repeat(bare, number=1, repeat=1)))
        t_ours.append(min(timeit.repeat(ours, number=1, repeat=1)))
    rows = read_cycler(path).sizes["record"]
    return {"records": rows, "bare_min": min(t_bare), "bare_median": statistics.median(t_bare),
            "ours_min": min(t_ours), "ours_median": statistics.median(t_ours)}


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    files = [Path(a) for a in argv]
    if not files and os.environ.get("BENCHMARK_DATA"):
        folder = Path(os.environ["BENCHMARK_DATA"])
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".nda", ".ndax"))
    print(f"machine: {_machine()}")
    if not files:
        print("no Neware files given: pass paths or set BENCHMARK_DATA")
        return 0
    print(f"{'file':45s} {'records':>9s} {'fastnda min/median (s)':>23s} {'ours min/median (s)':>20s} {'ratio min/median':>17s}")
    for path in files:
        r = bench_ndax(path)
        print(f"{path.name[:45]:45s} {r['records']:9d} {r['bare_min']:11.3f}/{r['bare_median']:.3f} "
              f"{r['ours_min']:11.3f}/{r['ours_median']:.3f} {r['ours_min'] / r['bare_min']:9.2f}/"
              f"{r['ours_median'] / r['bare_median']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
