"""Copies of the session's built workflow (``workflow_copy``, tests/conftest.py) for tests that run Snakemake
or change a file: the built copy itself stays as the cold run left it, for tests on other workers.

- :func:`full_copy` copies every file (file times kept, so the copy is up to date): for a real run;
- :func:`linked_copy` hard-links every file instead (milliseconds for ~300 MB): for a dry run, a no-op run,
  the lint, the report, the site or JupyterLab, which write only new files. A file to change in it must
  be replaced, not written in place (:func:`replace_text`), or the built copy would change with it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _no_locks(folder: str, names: list[str]) -> set[str]:
    """Snakemake's lock files of a run in progress are never copied."""
    return {"locks"} & set(names) if Path(folder).name == ".snakemake" else set()


def full_copy(built: Path, destination: Path, *, snakemake_state: bool = True) -> Path:
    """``built`` copied to ``destination``, with (or without) Snakemake's record of the run in .snakemake/."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = _no_locks(folder, names)
        if not snakemake_state and Path(folder) == built:
            skip |= {".snakemake"} & set(names)
        return skip

    shutil.copytree(built, destination, symlinks=True, ignore=ignore)
    return destination


def linked_copy(built: Path, destination: Path) -> Path:
    """``built`` as hard links in ``destination``: the same files (and times), for steps that only add files."""
    shutil.copytree(built, destination, symlinks=True, ignore=_no_locks, copy_function=os.link)
    return destination


def replace_text(path: Path, old: str, new: str) -> Path:
    """``path`` with its first ``old`` replaced by ``new``, written as a new file (a hard-linked original,
    e.g. the built copy's, stays as it was)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.unlink()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
