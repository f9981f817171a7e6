"""Checksums of the raw data: ``data/MANIFEST.sha256`` lists every file of the paper's data under ``data/``.

The manifest has ``sha256sum`` lines, ``<hex digest>  <path relative to the repository root>``,
sorted by path, covering every file under ``data/`` except the manifest itself and ``data/measured/``
(a lab's own cycler files: adding one needs no step; each measured file's sha256 is recorded in the
provenance of every output made from it instead, see :mod:`analysis.provenance`); ``sha256sum -c``
reads it too. The workflow verifies it before anything runs, so a file of the paper's data that was
changed, lost or added by accident stops the run with one line naming that file. After an intended
change (e.g. a corrected value in ``data/paper/``)::

    python -m analysis.manifest --update     # rewrite data/MANIFEST.sha256
    python -m analysis.manifest --check      # what the workflow does first
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from .atomic import atomic_text
from .errors import DataError
from .paths import project_root

DATA_DIR = "data"
MANIFEST = Path(DATA_DIR) / "MANIFEST.sha256"
#: folders under data/ that the manifest does not cover (a lab's own files, added without a manual step)
UNCOVERED = (f"{DATA_DIR}/measured",)
UPDATE_HINT = "if the change is intended, run: python -m analysis.manifest --update"
_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_checksums(root: str | Path) -> dict[str, str]:
    """``{path relative to root (POSIX): sha256}`` of every file under ``root/data`` but the manifest
    and the folders of :data:`UNCOVERED`."""
    root = Path(root)
    skip = MANIFEST.as_posix()
    out = {}
    for path in sorted((root / DATA_DIR).rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and relative != skip and not any(relative.startswith(f"{folder}/") for folder in UNCOVERED):
            out[relative] = _digest(path)
    return dict(sorted(out.items()))


def build_manifest(root: str | Path) -> str:
    """The manifest text of ``root``'s ``data/`` folder (sorted ``sha256sum`` lines, ``\\n`` ends)."""
    return "".join(f"{digest}  {relative}\n" for relative, digest in data_checksums(root).items())


def read_manifest(manifest_path: str | Path) -> dict[str, str]:
    """``{path: sha256}`` from a manifest file; a malformed line raises naming its row."""
    manifest_path = Path(manifest_path)
    if not manifest_path.is_file():
        raise DataError(f"manifest not found; {UPDATE_HINT}", path=manifest_path)
    entries: dict[str, str] = {}
    text = manifest_path.read_text(encoding="utf-8")
    for row, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise DataError("not a '<sha256>  <path>' line", path=manifest_path, row=row)
        if match[2] in entries:
            raise DataError(f"'{match[2]}' listed twice", path=manifest_path, row=row)
        entries[match[2]] = match[1]
    return entries


def verify_manifest(root: str | Path, manifest_path: str | Path) -> None:
    """Raise one :class:`~analysis.errors.DataError` line naming the first file (by path) under
    ``root/data`` that differs from the manifest: changed, missing or not listed."""
    listed = read_manifest(manifest_path)
    present = data_checksums(root)
    for relative in sorted(set(listed) | set(present)):
        if relative not in present:
            raise DataError(f"listed in {MANIFEST.as_posix()} but missing; {UPDATE_HINT}", path=relative)
        if relative not in listed:
            raise DataError(f"not listed in {MANIFEST.as_posix()}; {UPDATE_HINT}", path=relative)
        if listed[relative] != present[relative]:
            raise DataError(f"content differs from its checksum in {MANIFEST.as_posix()} (sha256 "
                            f"{present[relative][:12]}…, expected {listed[relative][:12]}…); {UPDATE_HINT}",
                            path=relative)


def update_manifest(root: str | Path) -> Path:
    """Write ``root/data/MANIFEST.sha256`` afresh (atomically) and return its path."""
    path = Path(root) / MANIFEST
    text = build_manifest(root)  # before the temporary file exists beside it
    with atomic_text(path) as handle:
        handle.write(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="verify data/ against the manifest")
    action.add_argument("--update", action="store_true", help="rewrite the manifest from data/")
    parser.add_argument("--root", default=None, help="repository root (default: found from the working directory)")
    args = parser.parse_args(argv)
    root = Path(args.root) if args.root else project_root()
    if args.update:
        path = update_manifest(root)
        print(f"{path.relative_to(root).as_posix()}: {len(read_manifest(path))} files")
        return 0
    try:
        verify_manifest(root, root / MANIFEST)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{MANIFEST.as_posix()}: every file under {DATA_DIR}/ matches")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
