"""Provenance sidecars: for every figure and table, what made it.

Each output ``X`` of a workflow rule gets a sidecar ``X.prov.json`` beside it (the full output
name plus ``.prov.json``, so ``figures/fig3a_first_cycle_profiles.png`` and ``…svg`` each have
their own, and a sidecar is never mistaken for a figure or a table). The sidecar records:

- ``rule``: the workflow rule that wrote the output;
- ``outputs`` and ``inputs``: every file of the rule, each as ``{path, sha256, bytes}``; the
  inputs include the notebook and the analysis code (directories count as the files inside them);
- ``parameters``: the rule's parameters (the notebook's section of the config, paths);
- ``data_source``: ``paper``, ``reconstructed`` or ``measured`` (a sorted list when mixed),
  derived from the inputs by :func:`derive_data_source` or given;
- ``analysis_version``, ``git`` (``commit`` and ``dirty``: tracked files changed since it;
  ``"unknown"`` outside a git checkout), ``python`` and the versions of the key packages.

The JSON is deterministic: sorted keys, no timestamps, sorted file lists; the same inputs,
parameters, code and environment give the same bytes. :func:`verify_sidecar` recomputes the hashes
and lists what no longer matches.

Command line (appended to each rule's shell command)::

    python -m analysis.provenance --rule R --data-source auto --params-json '{"a": 1}' \\
        --inputs notebooks/x.ipynb data/paper/y.csv --outputs figures/x.png figures/x.svg
    python -m analysis.provenance --verify figures tables        # exit 1 on any mismatch
    python -m analysis.provenance --summary tables/provenance.csv figures/x.png tables/y.csv
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence

from . import DATA_SOURCES, __version__
from .atomic import atomic_text
from .errors import DataError

SIDECAR_SUFFIX = ".prov.json"
#: Packages whose versions every sidecar records.
PACKAGES = ("matplotlib", "numpy", "pandas", "papermill", "pint", "snakemake", "xarray")
#: Files in these folders, or with these suffixes, are code: they are hashed but carry no data source.
CODE_FOLDERS = ("analysis", "notebooks", "config", "rules", "report")
CODE_SUFFIXES = (".py", ".ipynb", ".smk", ".rst", ".yaml", ".yml")
#: Data folders and the data source of every file under them.
SOURCE_FOLDERS = {
    "data/paper": "paper",
    "data/reference": "paper",
    "data/measured": "measured",
    "data/model": "reconstructed",  # the reconstruction model's settings
    "results/reconstructed": "reconstructed",
    "results/calibration": "reconstructed",
}
SOURCE_FILES = {"data/datapackage.json": "paper", "data/figures.csv": "paper"}  # descriptions of paper data
FORMAT = "sung2023-compendium provenance 1"
#: Files in figures/ and tables/ that no rule writes (never asked for a sidecar by --verify).
UNTRACKED_NAMES = ("README.md",)


def sidecar_path(output: str | Path) -> Path:
    """The sidecar of ``output``: ``<output>.prov.json`` in the same folder."""
    output = Path(output)
    return output.with_name(output.name + SIDECAR_SUFFIX)


def _display(path: Path) -> str:
    """``path`` as recorded: POSIX, relative to the working directory when inside it."""
    try:
        path = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    return path.as_posix()


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named by ``paths``: a file as is, a directory as every file under it (hidden files,
    ``__pycache__`` and sidecars left out), a glob pattern as its matches. Sorted, no duplicates.

    A name that matches nothing raises :class:`DataError`.
    """
    files: set[Path] = set()
    for item in paths:
        path = Path(item)
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            for child in path.rglob("*"):
                rel = child.relative_to(path).parts
                if child.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel) \
                        and not child.name.endswith(SIDECAR_SUFFIX):
                    files.add(child)
        elif glob.has_magic(str(item)) and (matches := glob.glob(str(item), recursive=True)):
            files.update(Path(m) for m in matches if Path(m).is_file())
        else:
            raise DataError("file not found", path=path)
    return sorted(files, key=lambda p: _display(p))


def file_record(path: str | Path) -> dict[str, Any]:
    """``{path, sha256, bytes}`` of one file."""
    path = Path(path)
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return {"path": _display(path), "sha256": digest.hexdigest(), "bytes": size}


def git_state(root: str | Path | None = None) -> dict[str, Any]:
    """``{"commit": <HEAD>, "dirty": <tracked files changed>}`` of the git checkout whose top
    level is ``root`` (default: the working directory); ``"unknown"`` for both otherwise."""
    root = Path(root or Path.cwd()).resolve()
    unknown = {"commit": "unknown", "dirty": "unknown"}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root:  # not a checkout, or one that merely contains us
        return unknown
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    if commit is None or status is None:
        return unknown
    return {"commit": commit, "dirty": bool(status)}


def environment() -> dict[str, Any]:
    """Python and key package versions (``"not installed"`` where absent)."""
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    return {"python": platform.python_version(), "packages": packages}


#: The workflow's digest of the analysis modules (one code input per job instead of every module).
CODE_DIGEST = "results/code/analysis.sha256"


def _is_code(path: PurePosixPath) -> bool:
    return (path.suffix in CODE_SUFFIXES or (len(path.parts) > 1 and path.parts[0] in CODE_FOLDERS)
            or str(path) == CODE_DIGEST)


def _under(path: PurePosixPath, folder: str) -> bool:
    return path.parts[: len(PurePosixPath(folder).parts)] == PurePosixPath(folder).parts


def _netcdf_source(path: Path) -> str:
    import h5netcdf

    try:
        with h5netcdf.File(path, "r") as handle:
            value = handle.attrs.get("data_source")
    except OSError as exc:
        raise DataError(f"not a readable NetCDF file ({exc})", path=path) from None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if value not in DATA_SOURCES:
        raise DataError(f"attribute 'data_source' is {value!r}, expected one of {', '.join(DATA_SOURCES)}",
                        path=path)
    return str(value)


def sources_of(path: str | Path) -> set[str]:
    """Data sources of one input file (empty for code, notebooks and config).

    A NetCDF file names its own (attribute ``data_source``), so does a cell's record for the cohort step
    (``results/cells/<cell>_record.json``, key ``data_source``); a file with a provenance sidecar
    inherits the sidecar's; files under ``data/paper``, ``data/reference`` (and the data package)
    are ``paper``, under ``data/measured`` ``measured``, under ``results/reconstructed``
    ``reconstructed``. Any other file raises :class:`DataError`: its source cannot be told.
    """
    path = Path(path)
    rel = PurePosixPath(_display(path))
    if path.suffix == ".nc":
        return {_netcdf_source(path)}
    if path.name.endswith("_record.json") and _under(rel, "results/cells"):
        source = json.loads(path.read_text(encoding="utf-8")).get("data_source")
        if source not in DATA_SOURCES:
            raise DataError(f"a cell record without a known data_source (got {source!r})", path=path)
        return {source}
    side = sidecar_path(path)
    if side.is_file():
        recorded = _load(side).get("data_source")
        return set([recorded] if isinstance(recorded, str) else recorded or [])
    if str(rel) in SOURCE_FILES:
        return {SOURCE_FILES[str(rel)]}
    for folder, source in SOURCE_FOLDERS.items():
        if _under(rel, folder):
            return {source}
    if _is_code(rel):
        return set()
    raise DataError("cannot tell the data source of this input (not under "
                    f"{', '.join(SOURCE_FOLDERS)}, no NetCDF 'data_source' attribute, no provenance "
                    "sidecar): pass --data-source", path=path)


def derive_data_source(inputs: Iterable[str | Path]) -> str | list[str]:
    """The data source of an output made from ``inputs``: one name, or a sorted list when mixed."""
    found: set[str] = set()
    files = expand_paths(inputs)
    for path in files:
        found |= sources_of(path)
    if not found:
        raise DataError(f"cannot derive a data source: none of the {len(files)} inputs is data; pass --data-source")
    return _normalise_source(found)


def _normalise_source(sources: Iterable[str]) -> str | list[str]:
    names = sorted(set(sources))
    bad = [s for s in names if s not in DATA_SOURCES]
    if bad or not names:
        raise DataError(f"data source {bad[0] if bad else '(empty)'!r} is not one of {', '.join(DATA_SOURCES)}")
    return names[0] if len(names) == 1 else names


def build_record(outputs: Sequence[str | Path], inputs: Sequence[str | Path], parameters: Mapping[str, Any],
                 data_source: str | Sequence[str], rule: str) -> dict[str, Any]:
    """The provenance of ``outputs`` as a JSON-ready dict (see the module docstring).

    ``data_source`` is ``"auto"`` (derived from ``inputs``), one of ``paper``/``reconstructed``/
    ``measured``, or a list of them.
    """
    input_files = expand_paths(inputs)
    output_files = expand_paths(outputs)
    if data_source == "auto":
        source = derive_data_source(input_files)
    else:
        source = _normalise_source([data_source] if isinstance(data_source, str) else data_source)
    if not isinstance(parameters, Mapping):
        raise DataError(f"parameters must be a JSON object, got {type(parameters).__name__}")
    return {
        "format": FORMAT,
        "rule": rule,
        "outputs": [file_record(p) for p in output_files],
        "inputs": [file_record(p) for p in input_files],
        "parameters": dict(parameters),
        "data_source": source,
        "analysis_version": __version__,
        "git": git_state(),
        **environment(),
    }


def dumps(record: Mapping[str, Any]) -> str:
    """Deterministic JSON text of a record."""
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_sidecars(outputs: Sequence[str | Path], inputs: Sequence[str | Path], parameters: Mapping[str, Any],
                   data_source: str | Sequence[str], rule: str) -> list[Path]:
    """Write one sidecar per output (all with the same content) and return their paths.

    Everything is computed before anything is written; each sidecar is written atomically.
    """
    if not outputs:
        raise DataError("no outputs given")
    record = build_record(outputs, inputs, parameters, data_source, rule)
    text = dumps(record)
    written = []
    for entry in record["outputs"]:
        target = sidecar_path(entry["path"])
        with atomic_text(target) as handle:
            handle.write(text)
        written.append(target)
    return written


def _load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("provenance sidecar not found", path=path) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at line {exc.lineno})", path=path) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise DataError(f"not a provenance sidecar (format is not '{FORMAT}')", path=path)
    return record


#: sha256 of files already read by this process, by (path, size, modification time): checking hundreds of
#: sidecars reads each shared input (the code, a cycler file) once
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _current_sha256(name: str | Path) -> str:
    stat = Path(name).stat()
    key = (str(Path(name).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_record(name)["sha256"]
    return _DIGESTS[key]


def verify_sidecar(path: str | Path) -> list[str]:
    """What no longer matches in a sidecar: one line per input (or output) that is missing or whose
    sha256 differs from the recorded one. Empty when everything matches. Paths are read relative
    to the working directory, as they were recorded."""
    record = _load(path)
    problems = []
    for kind in ("inputs", "outputs"):
        for entry in record.get(kind, []):
            name = entry["path"]
            if not Path(name).is_file():
                problems.append(f"{path}: {kind[:-1]} {name} is missing")
                continue
            now = _current_sha256(name)
            if now != entry["sha256"]:
                problems.append(f"{path}: {kind[:-1]} {name} changed (sha256 {entry['sha256'][:12]}… recorded, "
                                f"{now[:12]}… on disk)")
    return problems


def verify_outputs(paths: Iterable[str | Path]) -> list[str]:
    """Problems of the given outputs (folders: every file in them but README.md): a missing sidecar
    or a mismatch."""
    problems = []
    for output in expand_paths(paths):
        if output.name in UNTRACKED_NAMES:
            continue
        side = sidecar_path(output)
        if not side.is_file():
            problems.append(f"{_display(output)}: no provenance sidecar")
            continue
        problems.extend(verify_sidecar(side))
    return problems


def summary_rows(outputs: Iterable[str | Path]) -> list[dict[str, Any]]:
    """One row per output for tables/provenance.csv: rule, data source, commit, inputs, check."""
    rows = []
    for output in expand_paths(outputs):
        side = sidecar_path(output)
        row: dict[str, Any] = {"output": _display(output), "sidecar": _display(side)}
        if not side.is_file():
            rows.append({**row, "status": "no provenance sidecar"})
            continue
        record = _load(side)
        source = record["data_source"]
        problems = verify_sidecar(side)
        rows.append({
            **row,
            "rule": record["rule"],
            "data_source": source if isinstance(source, str) else ";".join(source),
            "analysis_version": record["analysis_version"],
            "git_commit": record["git"]["commit"],
            "git_dirty": record["git"]["dirty"],
            "n_inputs": len(record["inputs"]),
            "inputs_sha256": ";".join(f"{e['path']}={e['sha256']}" for e in record["inputs"]),
            "status": "ok" if not problems else " | ".join(problems),
        })
    return rows


SUMMARY_COLUMNS = ["output", "rule", "data_source", "analysis_version", "git_commit", "git_dirty", "n_inputs",
                   "status", "sidecar", "inputs_sha256"]


def describe(record: Mapping[str, Any]) -> str:
    """A short Markdown account of a record, for a notebook's last cell."""
    source = record["data_source"]
    lines = [
        f"**Provenance** (rule `{record['rule']}`): data source **{source if isinstance(source, str) else ', '.join(source)}**; "
        f"analysis {record['analysis_version']}, git {record['git']['commit']}"
        f"{' (uncommitted changes)' if record['git']['dirty'] is True else ''}, Python {record['python']}.",
        "",
        "| input | sha256 | bytes |",
        "|---|---|---|",
    ]
    lines += [f"| `{e['path']}` | `{e['sha256'][:16]}…` | {e['bytes']} |" for e in record["inputs"]]
    return "\n".join(lines)


def _parameters(texts: Sequence[str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for text in texts:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"--params-json is not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict):
            raise DataError(f"--params-json must be a JSON object, got {type(value).__name__}")
        for key, item in value.items():
            if key in merged and merged[key] != item:
                raise DataError(f"--params-json: parameter '{key}' given twice with different values")
            merged[key] = item
    return merged


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.provenance", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--outputs", nargs="+", help="write a sidecar for each of these files")
    mode.add_argument("--verify", nargs="+", metavar="PATH", help="check the sidecars of these files/folders")
    mode.add_argument("--summary", nargs="+", metavar=("OUT", "PATH"),
                      help="write a CSV (first argument) describing the provenance of the other files")
    parser.add_argument("--rule", help="rule name (with --outputs)")
    parser.add_argument("--data-source", default="auto", help="auto (default), paper, reconstructed or measured")
    parser.add_argument("--params-json", action="append", default=[], help="a JSON object; may be repeated")
    parser.add_argument("--inputs", nargs="*", default=[], help="every input of the rule (files, folders, globs)")
    args = parser.parse_args(argv)
    try:
        if args.outputs:
            if not args.rule:
                parser.error("--outputs needs --rule")
            written = write_sidecars(args.outputs, args.inputs, _parameters(args.params_json), args.data_source,
                                     args.rule)
            print(f"{args.rule}: {len(written)} provenance sidecar(s)")
            return 0
        if args.verify:
            problems = verify_outputs(args.verify)
            for line in problems:
                print(line, file=sys.stderr)
            return 1 if problems else 0
        if len(args.summary) < 2:
            parser.error("--summary needs an output CSV and at least one file")
        from .tables import write_table

        rows = summary_rows(args.summary[1:])
        write_table(rows, args.summary[0], columns=SUMMARY_COLUMNS)
        bad = sum(r["status"] != "ok" for r in rows)
        print(f"{len(rows)} outputs, {bad} without a matching sidecar -> {args.summary[0]}")
        return 0
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
