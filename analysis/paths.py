"""Where the repository is, so that every notebook runs with the repository root as its
working directory: under papermill (``--cwd``), in JupyterLab and on Binder alike."""

from __future__ import annotations

import os
from pathlib import Path

_MARKERS = ("Snakefile", "pyproject.toml")


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory, then this
    package's own location) that holds both ``Snakefile`` and ``pyproject.toml``."""
    candidates = [Path(start) if start is not None else Path.cwd()]
    if start is None:
        candidates.append(Path(__file__).resolve().parent)
    for candidate in candidates:
        for folder in (candidate.resolve(), *candidate.resolve().parents):
            if all((folder / marker).is_file() for marker in _MARKERS):
                return folder
    raise FileNotFoundError(
        f"no folder at or above {candidates[0]} holds {' and '.join(_MARKERS)}: "
        "run from inside the compendium's repository"
    )


def enter_project_root(start: str | Path | None = None) -> Path:
    """Change the working directory to :func:`project_root` and return it."""
    root = project_root(start)
    os.chdir(root)
    return root
