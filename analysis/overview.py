"""One cell, start to finish, in one process: ingest, per-cycle summary, overview figure and table.

The workflow's ``cell`` rule runs this once per row of ``config/cells.tsv`` (no Jupyter kernel: a
lab's hundred cells cost a hundred short Python processes, not a hundred notebook runs)::

    python -m analysis.overview --cell ID --spec '{"file": ..., "kind": ..., ...}' \
        --netcdf results/cells/ID.nc --cycles results/cells/ID_cycles.csv \
        --figure figures/cells/ID_overview --summary tables/cells/ID_summary.csv

It writes the NetCDF file, the per-cycle table, the overview (PNG + SVG, drawn by
:func:`analysis.plotting.cell_overview`, the function notebooks/cell_overview.ipynb calls too), the
summary table with retention, and a provenance sidecar beside each figure and table recording the
sha256 of the cycler file (wherever it lives) and of the code. The log shows the steps as they go.
Everything is computed before anything is written; on an error nothing is left behind.

The command line hands the job to a warm process that has the imports done (:mod:`analysis.warm`:
forked per job, so each cell still has a process of its own); ``COMPENDIUM_WARM=0`` runs it cold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .errors import DataError

if TYPE_CHECKING:  # the command line starts light: a warm process does the imports (analysis.warm)
    import xarray as xr


class Steps:
    """Progress lines for a job's log: ``[k/n] what`` (plain lines: a log file shows no bar)."""

    def __init__(self, total: int, *, stream=None, timing: bool = False) -> None:
        self.total, self.done = total, 0
        self.stream = stream if stream is not None else sys.stdout
        self.timing = timing
        self._start = time.perf_counter()

    def __call__(self, what: str) -> None:
        self.done += 1
        elapsed = f" ({time.perf_counter() - self._start:.1f} s)" if self.timing else ""
        print(f"[{self.done}/{self.total}] {what}{elapsed}", file=self.stream, flush=True)


def summary_table(summary: xr.Dataset, reference_cycle: int) -> list[dict[str, Any]]:
    """The per-cycle table of the overview: :func:`analysis.ingest.summary_rows` plus the retention of
    the (areal, when the cell has an area) discharge capacity relative to ``reference_cycle``, when the
    data have that cycle."""
    from .cycling import retention
    from .ingest import summary_rows

    rows = summary_rows(summary)
    area = "areal_discharge_capacity" in summary
    capacity = summary["areal_discharge_capacity" if area else "discharge_capacity"]
    if reference_cycle in summary.cycle.values:
        kept = retention(capacity, reference_cycle).data.to("percent").magnitude
        for row, value in zip(rows, kept):
            row[f"retention_vs_cycle_{reference_cycle}_percent"] = float(value)
    return rows


def file_size(path: str | Path) -> str:
    """``12.3 MB`` for a log line."""
    size = Path(path).stat().st_size
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""  # pragma: no cover


def run_cell(cell: str, spec: Mapping[str, Any], *, netcdf: str | Path, cycles: str | Path, figure: str | Path,
             summary_out: str | Path, record: str | Path | None = None, nucleation: Mapping[str, float] | None = None,
             inputs: tuple[str, ...] = (), provenance: str = "", steps: Steps | None = None) -> list[Path]:
    """Ingest ``cell`` as ``spec`` says and write its outputs and the sidecars; return the paths.

    ``record`` is the cell's JSON record for the cohort step (:func:`analysis.cohort.cell_record`), with
    the nucleation windows ``nucleation`` (the config's ``cohort.nucleation``); ``inputs`` are the files
    recorded in the sidecars besides the cycler file (the code); ``provenance`` is a line for the
    figure's note (the model run, for reconstructed cells).
    """
    from .ingest import ingest
    from .io.netcdf import write_netcdf
    from .progress import FileProgress
    from .plotting import cell_overview, save_figure
    from .provenance import write_sidecars
    from .tables import write_table

    steps = steps or Steps(4)
    steps(f"{cell}: reading {spec['file']} ({file_size(spec['file'])}, format {spec.get('format', 'auto')})")
    with FileProgress(spec["file"], label=f"{cell}: reading"):  # a large file: one line per 10 % read
        ds, summary = ingest(cell, spec)
    steps(f"{cell}: {ds.sizes['record']} records, {summary.sizes['cycle']} cycles; CE = "
          f"{summary.attrs['ce_definition']}")
    if "cycle_flag" in summary:  # cycles that the file's counter made odd (analysis.cycling.cycle_flags)
        from .cycling import cycle_flags, flag_note

        print(f"{cell}: {flag_note(cycle_flags(ds, convention=spec['ce_convention']))}", flush=True)
    from .ingest import summary_rows

    cycle_rows = summary_rows(summary)
    table = summary_table(summary, int(spec.get("reference_cycle", 1)))
    fig = cell_overview(ds, summary, cell_id=cell, provenance=provenance)
    steps(f"{cell}: figure drawn")
    facts = None
    if record is not None:
        from .cohort import Nucleation, cell_record

        facts = cell_record(ds, summary, cell=cell, kind=spec["kind"], reference_cycle=int(spec.get("reference_cycle", 1)),
                            nucleation=Nucleation.from_config(nucleation) if nucleation else None)
    written = [write_netcdf(ds, netcdf), write_table(cycle_rows, cycles), write_table(table, summary_out),
               *save_figure(fig, Path(figure))]
    if facts is not None:
        from .cohort import write_record

        written.insert(2, write_record(facts, record))
    parameters = {key: spec[key] for key in sorted(spec)}
    if provenance:
        parameters["provenance"] = provenance
    write_sidecars([str(p) for p in written[2:] if p.suffix != ".json"], [spec["file"], *inputs],
                   {"cell_id": cell, **parameters},
                   spec["data_source"], "cell")
    steps(f"{cell}: wrote {', '.join(str(p) for p in written)}")
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line: in a fork of the warm process when one can be reached, else here."""
    from . import warm

    argv = sys.argv[1:] if argv is None else list(argv)
    code = warm.run(argv, "analysis.overview:run_main")
    return run_main(argv) if code is None else code


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.overview", description=__doc__.splitlines()[0])
    parser.add_argument("--cell", required=True)
    parser.add_argument("--spec", required=True, help="the cell's spec (analysis.sheet), as JSON")
    parser.add_argument("--netcdf", required=True)
    parser.add_argument("--cycles", required=True)
    parser.add_argument("--figure", required=True, help="figure path without suffix (PNG and SVG are written)")
    parser.add_argument("--summary", required=True)
    parser.add_argument("--record", help="the cell's JSON record for the cohort step (analysis.cohort.cell_record)")
    parser.add_argument("--nucleation", default="", help="nucleation windows of the record, as JSON "
                        "(the config's cohort.nucleation)")
    parser.add_argument("--inputs", nargs="*", default=[], help="other inputs recorded in the provenance (code)")
    args = parser.parse_args(argv)
    figure = Path(args.figure)
    figure = figure.with_suffix("") if figure.suffix in (".png", ".svg") else figure
    targets = [Path(args.netcdf), Path(args.cycles), Path(args.summary), figure.with_suffix(".png"),
               figure.with_suffix(".svg")] + ([Path(args.record)] if args.record else [])
    try:
        try:
            spec = json.loads(args.spec)
        except json.JSONDecodeError as exc:
            raise DataError(f"--spec is not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(spec, dict):
            raise DataError(f"cells.{args.cell}: expected a mapping of settings")
        provenance = spec.pop("provenance", "")
        try:
            nucleation = json.loads(args.nucleation) if args.nucleation else None
        except json.JSONDecodeError as exc:
            raise DataError(f"--nucleation is not valid JSON ({exc.msg} at character {exc.pos})") from None
        run_cell(args.cell, spec, netcdf=args.netcdf, cycles=args.cycles, figure=figure, summary_out=args.summary,
                 record=args.record, nucleation=nucleation, inputs=tuple(args.inputs), provenance=provenance,
                 steps=Steps(4))
    except (DataError, ValueError, KeyError, OSError) as exc:
        for target in targets:
            target.unlink(missing_ok=True)
            Path(str(target) + ".prov.json").unlink(missing_ok=True)
        print(f"error: cell '{args.cell}': {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
