"""Benchmarks (not tests): print numbers, each beside its baseline measured in the same run.

    python benchmarks/run.py                         # every part (about half an hour on 2 cores)
    python benchmarks/run.py --quick                 # smoke run: small sizes, few repeats (minutes)
    python benchmarks/run.py --only summary,ndax     # some parts
    python benchmarks/run.py --ndax FILE.ndax ...    # Neware files (or BENCHMARK_DATA=<folder>)

Parts:

``summary``   per-cycle summary (:func:`analysis.cycling.cycle_summary`) of a synthetic 10-million-row
              Dataset in memory, beside a hand-written numpy reduction and a pandas groupby.
``ingest``    the same records as a BDF CSV file: our reader + summary beside pandas ``read_csv`` +
              groupby, each in a fresh process (wall time, rows/s, peak memory over the numeric columns).
``ndax``      real Neware ``.ndax``/``.nda`` files: our ``read_cycler`` + summary beside fastnda's
              bare read (interleaved repeats; peak memory in fresh processes). Skipped without files.
``workflow``  in a temporary copy of the repository: cold full reproduction, no-op rerun (beside
              Snakemake's own no-op on a one-rule workflow) and the rerun after one Table S2 value changed.
``cohort``    a cold reproduction of the paper; then 200 measured cells x 200 cycles (synthetic BDF files
              written outside the copy, one glob row of config/cells.tsv) cold through the workflow,
              with the peak memory of Snakemake and its jobs; then one cell added to the finished run.

Files are generated in temporary folders and deleted afterwards (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

PARTS = ("summary", "ingest", "ndax", "workflow", "cohort")
GENERATED = {".venv", ".git", ".snakemake", "results", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


# --------------------------------------------------------------------------------------------
# Results table
# --------------------------------------------------------------------------------------------

@dataclass
class Row:
    part: str
    name: str
    value: float
    unit: str
    target: str = "—"
    baseline: float | None = None
    baseline_name: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


ROWS: list[Row] = []


def record(row: Row) -> Row:
    ROWS.append(row)
    print(f"  {_format(row)}", flush=True)
    return row


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _format(row: Row) -> str:
    base = f"{_num(row.baseline)} ({row.baseline_name})" if row.baseline is not None else "—"
    met = {True: "yes", False: "NO", None: ""}[row.met]
    return (f"{row.name:44s} {_num(row.value):>9s} {row.unit:11s} target {row.target:16s} "
            f"baseline {base:36s} ratio {_num(row.ratio):>6s} {met}")


def print_table() -> None:
    print("\n| part | measurement | value | unit | target | baseline | ratio (value / baseline) | target met |")
    print("|---|---|---:|---|---|---|---:|---|")
    for r in ROWS:
        base = f"{_num(r.baseline)} ({r.baseline_name})" if r.baseline is not None else "—"
        met = {True: "yes", False: "no", None: "—"}[r.met]
        print(f"| {r.part} | {r.name} | {_num(r.value)} | {r.unit} | {r.target} | {base} | {_num(r.ratio)} | {met} |")


# --------------------------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------------------------

def machine() -> str:
    import numpy
    import pandas

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = ""
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        ram = f", {kib / 1024 ** 2:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{ram}, Python "
            f"{platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}")


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --------------------------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------------------------

def interleaved(functions: dict[str, Callable[[], Any]], repeat: int) -> dict[str, list[float]]:
    """Run every function once (warm-up), then ``repeat`` rounds, one call of each per round.

    Interleaving makes every function see the same machine state (other users' load included).
    What the functions print (fastnda warns on stdout) is swallowed.
    """
    times: dict[str, list[float]] = {name: [] for name in functions}
    with contextlib.redirect_stdout(io.StringIO()):
        for f in functions.values():
            f()
        for _ in range(repeat):
            for name, f in functions.items():
                times[name].append(timeit.timeit(f, number=1))
    return times


def worker(kind: str, path: str, timeout: float = 3600) -> dict[str, float]:
    """One measurement in a fresh Python process: wall times and peak memory (see :func:`_work`)."""
    out = subprocess.run([sys.executable, __file__, "--worker", kind, path], capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"worker {kind} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ''}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _status_mib(field: str) -> float | None:
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MiB; None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> float:
    """Reset the peak-RSS mark to the current RSS (Linux: clear_refs 5) and return that RSS in MiB.

    Without /proc, falls back to getrusage, whose peak is the process's lifetime peak (on Linux
    it can even include the parent's peak from before exec: not used where /proc exists).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mib("VmRSS")  # type: ignore[return-value]
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mib() -> float:
    peak = _status_mib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _work(kind: str, path: str) -> dict[str, float]:
    """Body of a worker process; peak memory = peak RSS after the work - peak RSS after the imports."""
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    from analysis.cycling import cycle_summary
    from analysis.io import read_cycler
    from baselines import fastnda_read, pandas_summary
    import fastnda  # noqa: F401  (imported before the baseline RSS is taken, like everything else)
    import polars  # noqa: F401

    before = _reset_peak()
    t0 = time.perf_counter()
    result: dict[str, float] = {}
    quiet = contextlib.redirect_stdout(io.StringIO())
    quiet.__enter__()  # fastnda prints warnings on stdout; stdout carries the result
    if kind == "ours":
        ds = read_cycler(path, progress_bar=False) if path.endswith(".csv") else read_cycler(path)
        t1 = time.perf_counter()
        summary = cycle_summary(ds, convention="full_cell")
        t2 = time.perf_counter()
        result["rows"] = ds.sizes["record"]
        result["numeric_bytes"] = sum(v.data.magnitude.nbytes if hasattr(v.data, "magnitude") else v.data.nbytes
                                      for v in ds.data_vars.values() if np.asarray(v.values[:1]).dtype.kind in "fiu")
        result["cycles"] = summary.sizes["cycle"]
    elif kind == "pandas":
        frame = pd.read_csv(path)
        t1 = time.perf_counter()
        summary = pandas_summary(frame)
        t2 = time.perf_counter()
        result["rows"] = len(frame)
        result["cycles"] = len(summary)
    elif kind == "fastnda":
        frame = fastnda_read(path)
        t1 = t2 = time.perf_counter()
        result["rows"] = frame.height
    else:
        raise ValueError(kind)
    quiet.__exit__(None, None, None)
    result.update(read_s=t1 - t0, summary_s=t2 - t1, total_s=t2 - t0, peak_mib=_peak_mib() - before,
                  base_mib=before)
    return result


# --------------------------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------------------------

def part_summary(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    import synthetic
    from analysis.cycling import cycle_summary
    from analysis.io.core import build_dataset
    from baselines import numpy_summary, pandas_summary

    n = args.rows
    print(f"\n[summary] per-cycle summary of {n:,} records in memory (synthetic, {n // 5000:,} cycles)", flush=True)
    columns = synthetic.columns(n)
    ds = build_dataset(columns, source_file="synthetic.csv", format="bdf-csv", instrument="none",
                       reader="benchmarks.synthetic", data_source="reconstructed")
    plain = {k: np.asarray(v.codes if isinstance(v, pd.Categorical) else v) for k, v in columns.items()}
    frame = pd.DataFrame(columns)
    no_capacity = ds.drop_vars("step_net_capacity_ah")

    ours = cycle_summary(ds, convention="full_cell")["charge_capacity"].data.to("mA*h").magnitude
    for name, other in (("numpy", numpy_summary(plain, synthetic.LABELS)["charge_mAh"]),
                        ("pandas", pandas_summary(frame)["charge_mAh"].to_numpy())):
        if not np.allclose(ours, other, rtol=1e-9):
            print(f"  WARNING: the {name} baseline disagrees with cycle_summary")
    times = interleaved({
        "ours": lambda: cycle_summary(ds, convention="full_cell"),
        "ours_integrated": lambda: cycle_summary(no_capacity, convention="full_cell"),
        "numpy": lambda: numpy_summary(plain, synthetic.LABELS),
        "pandas": lambda: pandas_summary(frame),
    }, repeat=args.repeat)
    rate = {k: n / min(v) / 1e6 for k, v in times.items()}
    median = {k: n / statistics.median(v) / 1e6 for k, v in times.items()}
    record(Row("summary", f"cycle_summary, {n / 1e6:g} M rows (best)", rate["ours"], "M rows/s", "≥ 100 M rows/s",
               rate["numpy"], "numpy reduction", rate["ours"] >= 100))
    record(Row("summary", f"cycle_summary, {n / 1e6:g} M rows (median)", median["ours"], "M rows/s",
               "≥ 100 M rows/s", median["numpy"], "numpy reduction", median["ours"] >= 100))
    record(Row("summary", "  same, beside pandas groupby (best)", rate["ours"], "M rows/s", "—", rate["pandas"],
               "pandas groupby"))
    record(Row("summary", "  capacity integrated from current (best)", rate["ours_integrated"], "M rows/s", "—",
               rate["numpy"], "numpy reduction"))


def part_ingest(args: argparse.Namespace, workdir: Path) -> None:
    import synthetic

    n = args.rows
    path = workdir / f"synthetic_{n}.csv"
    print(f"\n[ingest] {n:,}-record BDF CSV: read + per-cycle summary, each in a fresh process", flush=True)
    t0 = time.perf_counter()
    synthetic.write_bdf_csv(path, n)
    print(f"  file written in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
    ours, base = worker("ours", str(path)), worker("pandas", str(path))
    numeric = ours["numeric_bytes"] / 2 ** 20
    record(Row("ingest", "BDF CSV read (our reader)", n / ours["read_s"] / 1e6, "M rows/s", "—",
               n / base["read_s"] / 1e6, "pandas read_csv"))
    record(Row("ingest", "BDF CSV read + summary", n / ours["total_s"] / 1e6, "M rows/s", "—",
               n / base["total_s"] / 1e6, "read_csv + groupby"))
    record(Row("ingest", "  wall time", ours["total_s"], "s", "—", base["total_s"], "read_csv + groupby"))
    ratio = ours["peak_mib"] / numeric
    record(Row("ingest", f"peak memory / numeric columns ({numeric:.0f} MiB)", ratio, "x", "≤ 2x",
               base["peak_mib"] / numeric, "read_csv + groupby", ratio <= 2))
    record(Row("ingest", "  peak memory", ours["peak_mib"], "MiB", "—", base["peak_mib"], "read_csv + groupby"))


def ndax_files(args: argparse.Namespace) -> list[Path]:
    files = [Path(p) for p in args.ndax]
    if not files and os.environ.get("BENCHMARK_DATA"):
        folder = Path(os.environ["BENCHMARK_DATA"])
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".nda", ".ndax"))
    return files


def bench_ndax(path: Path, repeat: int = 9) -> dict[str, float]:
    """fastnda's bare read beside our read_cycler + cycle_summary, interleaved (min and median)."""
    from analysis.cycling import cycle_summary
    from analysis.io import read_cycler
    from baselines import fastnda_read

    times = interleaved({"bare": lambda: fastnda_read(path),
                         "ours": lambda: cycle_summary(read_cycler(path), convention="full_cell")}, repeat)
    return {"records": read_cycler(path).sizes["record"],
            "bare_min": min(times["bare"]), "bare_median": statistics.median(times["bare"]),
            "ours_min": min(times["ours"]), "ours_median": statistics.median(times["ours"])}


def part_ndax(args: argparse.Namespace) -> None:
    files = ndax_files(args)
    print("\n[ndax] real Neware files: read_cycler + cycle_summary beside fastnda's bare read", flush=True)
    if not files:
        print("  skipped: no Neware file given (pass --ndax FILE ... or set BENCHMARK_DATA=<folder>)")
        return
    for path in files:
        if not path.is_file():
            print(f"  skipped: {path.name} not found")
            continue
        r = bench_ndax(path, repeat=args.repeat)
        label = f"{path.name[:30]} ({r['records']:,} rec.)"
        ratio = r["ours_min"] / r["bare_min"]
        record(Row("ndax", f"{label} read+summary (min)", r["ours_min"], "s", "≤ 1.5x fastnda", r["bare_min"],
                   "fastnda bare read", ratio <= 1.5))
        ratio = r["ours_median"] / r["bare_median"]
        record(Row("ndax", "  same (median)", r["ours_median"], "s", "≤ 1.5x fastnda", r["bare_median"],
                   "fastnda bare read", ratio <= 1.5))
        record(Row("ndax", "  read+summary throughput (min)", r["records"] / r["ours_min"] / 1e6, "M rows/s", "—",
                   r["records"] / r["bare_min"] / 1e6, "fastnda bare read"))
        ours, bare = worker("ours", str(path)), worker("fastnda", str(path))
        numeric = ours["numeric_bytes"] / 2 ** 20
        ratio = ours["peak_mib"] / numeric
        record(Row("ndax", f"  peak memory / numeric columns ({numeric:.0f} MiB)", ratio, "x", "≤ 2x",
                   bare["peak_mib"] / numeric, "fastnda bare read", ratio <= 2))


# ---- workflow ----------------------------------------------------------------------------------

def snakemake_command() -> list[str]:
    exe = Path(sys.executable).parent / "snakemake"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "snakemake"]


def copy_repository(target: Path, git_ref: str | None) -> Path:
    """The project's files (not .venv, results, .snakemake) in ``target``: the working tree or ``git_ref``."""
    if git_ref:
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", git_ref], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        return target

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in GENERATED or n.endswith(".egg-info") or n == "report.html"}
        if Path(folder).resolve().parent == ROOT and Path(folder).name in ("figures", "tables"):
            skip |= {n for n in names if n != "README.md"}
        return skip

    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def run_snakemake(copy: Path, *args: str) -> tuple[float, int, str]:
    """(wall time in s, number of jobs run, output) of one Snakemake run in ``copy``."""
    t0 = time.perf_counter()
    out = subprocess.run([*snakemake_command(), *args], cwd=copy, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed in {copy}:\n{text[-2000:]}")
    done = re.findall(r"(\d+) of (\d+) steps? \(100%\) done", text)
    return elapsed, int(done[-1][0]) if done else 0, text


def change_table_s2(copy: Path) -> str:
    """Change one Table S2 density (Si true density 2.33 -> 2.34 g/cm³) the way a user would."""
    table = copy / "data/paper/table_s2_porosity.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("SiNP-CNT,active_true_density,2.33,"):
            lines[i] = line.replace(",2.33,", ",2.34,", 1)
            break
    else:
        raise RuntimeError("Table S2 row 'SiNP-CNT,active_true_density,2.33' not found")
    table.write_text("".join(lines), encoding="utf-8")
    if (copy / "analysis/manifest.py").is_file() and (copy / "data/MANIFEST.sha256").is_file():
        # an intended change of raw data: the documented step that records its new checksum
        subprocess.run([sys.executable, "-m", "analysis.manifest", "--update"], cwd=copy, check=True,
                       capture_output=True)
    return "SiNP-CNT active_true_density 2.33 -> 2.34 g/cm^3"


def snakemake_floor(workdir: Path, repeat: int) -> float:
    """Snakemake's own no-op time: a one-rule workflow whose output is up to date (median)."""
    floor = workdir / "floor"
    floor.mkdir()
    (floor / "Snakefile").write_text('rule a:\n    output: "a.txt"\n    shell: "echo a > {output}"\n')
    run_snakemake(floor, "--cores", "1")
    return statistics.median(run_snakemake(floor, "--cores", "1")[0] for _ in range(repeat))


def part_workflow(args: argparse.Namespace, workdir: Path) -> None:
    print("\n[workflow] a temporary copy of the repository, bare `snakemake` (default profile: all cores)",
          flush=True)
    copy = copy_repository(workdir / "repo", args.git_ref)
    cold, jobs, _ = run_snakemake(copy)
    record(Row("workflow", f"cold full reproduction ({jobs} jobs)", cold, "s"))
    noop = [run_snakemake(copy) for _ in range(args.repeat)]
    assert all(n == 0 for _, n, _ in noop), "the no-op rerun ran jobs"
    floor = snakemake_floor(workdir, args.repeat)
    best, median = min(t for t, _, _ in noop), statistics.median(t for t, _, _ in noop)
    record(Row("workflow", "no-op rerun (median)", median, "s", "≤ 1.5 s", floor, "one-rule Snakefile", median <= 1.5))
    record(Row("workflow", "no-op rerun (best)", best, "s", "≤ 1.5 s", floor, "one-rule Snakefile", best <= 1.5))
    what = change_table_s2(copy)
    again, jobs, text = run_snakemake(copy)
    rules = sorted(set(re.findall(r"^\s*(?:local)?rule (\w+):", text, re.M)) - {"all"})
    print(f"  changed: {what}; rerun: {', '.join(rules)}")
    record(Row("workflow", f"one-input-change rerun ({jobs} jobs)", again, "s", "—", cold, "cold run"))


# ---- cohort ----------------------------------------------------------------------------------

ROWS_PER_STEP = 60  # 5 steps a cycle: 300 records a cycle, 60 000 records (≈ 3.6 MB of BDF CSV) per 200-cycle file


class TreeMemory:
    """Peak of the summed memory of every process working in one folder: Snakemake, its jobs, and the warm
    process of analysis.warm with its forks (which leave Snakemake's process tree). Proportional set size
    (PSS: a page shared by k processes counts 1/k in each), sampled every ``interval`` s."""

    def __init__(self, folder: Path, interval: float = 0.2) -> None:
        import threading

        self.folder, self.interval, self.peak_mib = str(folder.resolve()), interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> float:
        import psutil

        total = 0
        for proc in psutil.process_iter():
            try:
                if proc.cwd().startswith(self.folder):
                    total += proc.memory_full_info().pss
            except (psutil.Error, OSError):
                continue
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mib = max(self.peak_mib, self._total())

    def run(self, command: list[str], cwd: Path) -> tuple[float, str, int]:
        """(wall time, output, return code) of ``command``, sampling the memory of the folder's processes."""
        self._thread.start()
        t0 = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        elapsed = time.perf_counter() - t0
        self._stop.set()
        self._thread.join()
        return elapsed, proc.stdout, proc.returncode


def write_lab_files(folder: Path, count: int, cycles: int, first: int = 0) -> list[Path]:
    """``count`` synthetic BDF files of ``cycles`` cycles (benchmarks/synthetic.py) in ``folder``."""
    from synthetic import write_bdf_csv

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(first, first + count):
        path = folder / f"cell_{i:03d}.csv"
        write_bdf_csv(path, cycles * 5 * ROWS_PER_STEP, rows_per_step=ROWS_PER_STEP)
        paths.append(path)
    return paths


def part_cohort(args: argparse.Namespace, workdir: Path) -> None:
    n, cycles = args.cells[-1], args.cycles
    print(f"\n[cohort] the paper cold, then {n} measured cells x {cycles} cycles (files outside the repository,"
          " one glob row of config/cells.tsv), then one cell more; bare `snakemake` (all cores)", flush=True)
    copy = copy_repository(workdir / "cohort", args.git_ref)
    meter = TreeMemory(copy)
    cold, out, code = meter.run(snakemake_command(), copy)
    if code:
        raise RuntimeError(f"cold reproduction failed:\n{out[-2000:]}")
    jobs = re.findall(r"(\d+) of \d+ steps? \(100%\) done", out)
    record(Row("cohort", f"cold reproduction of the paper ({jobs[-1] if jobs else '?'} jobs)", cold, "s", "≤ 60 s",
               None, "", cold <= 60))
    record(Row("cohort", "  peak memory (Snakemake, its jobs, the warm process)", meter.peak_mib, "MiB"))
    lab = workdir / "lab"
    t0 = time.perf_counter()
    write_lab_files(lab, n, cycles)
    size = sum(p.stat().st_size for p in lab.iterdir()) / 1e6
    print(f"  {n} files of {cycles * 5 * ROWS_PER_STEP:,} records ({size:.0f} MB in all) written in "
          f"{time.perf_counter() - t0:.0f} s, not timed below")
    config = copy / "config/config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("measured_dir: data/measured",
                                                                 f"measured_dir: {json.dumps(str(lab))}"),
                      encoding="utf-8")
    with open(copy / "config/cells.tsv", "a", encoding="utf-8") as sheet:
        sheet.write("bench\tcell_*.csv\tbdf-csv\tfull_cell\tbench\t0.7854\t13.4\t\t\n")
    meter = TreeMemory(copy)
    elapsed, out, code = meter.run(snakemake_command(), copy)
    if code:
        raise RuntimeError(f"cohort run failed:\n{out[-2000:]}")
    jobs = re.findall(r"(\d+) of \d+ steps? \(100%\) done", out)
    record(Row("cohort", f"{n} measured cells x {cycles} cycles, cold ({jobs[-1] if jobs else '?'} jobs)", elapsed,
               "s", "≤ 180 s", None, "", elapsed <= 180))
    record(Row("cohort", f"  per cell", elapsed / n, "s/cell"))
    record(Row("cohort", "  peak memory (Snakemake, its jobs, the warm process)", meter.peak_mib, "MiB", "≤ 2048 MiB",
               None, "",
               meter.peak_mib <= 2048))
    write_lab_files(lab, 1, cycles, first=n)
    meter = TreeMemory(copy)
    added, out, code = meter.run(snakemake_command(), copy)
    if code:
        raise RuntimeError(f"one-cell run failed:\n{out[-2000:]}")
    jobs = re.findall(r"(\d+) of \d+ steps? \(100%\) done", out)
    record(Row("cohort", f"one cell added to the finished run ({jobs[-1] if jobs else '?'} jobs)", added, "s",
               "≤ 15 s", None, "", added <= 15))


# --------------------------------------------------------------------------------------------

def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks: numbers beside baselines, no assertions.")
    parser.add_argument("files", nargs="*", help="Neware .nda/.ndax files (same as --ndax)")
    parser.add_argument("--ndax", nargs="*", default=[], help="Neware .nda/.ndax files")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats: a smoke run")
    parser.add_argument("--rows", type=int, help="records of the synthetic file (default 10 000 000; quick 1 000 000)")
    parser.add_argument("--cells", help="measured cells of the cohort part (default 200; quick 4)")
    parser.add_argument("--repeat", type=int, help="repeats of the timed calls (default 9; quick 3)")
    parser.add_argument("--git-ref", help="copy this commit instead of the working tree for workflow/cohort")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.ndax = [*args.files, *args.ndax]
    args.rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    args.repeat = args.repeat or (3 if args.quick else 9)
    args.cells = [int(c) for c in (args.cells or ("4" if args.quick else "200")).split(",")]
    args.cycles = 20 if args.quick else 200
    args.only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(args.only) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)} (parts: {', '.join(PARTS)})")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.worker:
        print(json.dumps(_work(*args.worker)))
        return 0
    warnings.simplefilter("ignore")
    print(f"machine: {machine()}")
    print(f"load average at start: {load()}; parts: {', '.join(args.only)}{' (quick)' if args.quick else ''}")
    workdir = Path(tempfile.mkdtemp(prefix="compendium-bench-"))
    started = time.perf_counter()
    try:
        for part in PARTS:
            if part not in args.only:
                continue
            try:
                if part == "summary":
                    part_summary(args)
                elif part == "ingest":
                    part_ingest(args, workdir)
                elif part == "ndax":
                    part_ndax(args)
                elif part == "workflow":
                    part_workflow(args, workdir)
                elif part == "cohort":
                    part_cohort(args, workdir)
            except Exception as exc:  # one failing part does not hide the others' numbers
                print(f"  {part} failed: {type(exc).__name__}: {str(exc)[:2000]}")
    finally:
        if args.keep:
            print(f"\nkept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload average at end: {load()}; total {time.perf_counter() - started:.0f} s")
    print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
