"""Write files so that a crash or an error never leaves a half-written one behind."""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


#: set when the job this process runs was stopped from outside (analysis.warm: its client is gone): from then
#: on no file is put in place, so nothing appears after Snakemake has removed a killed job's outputs
CANCELLED = threading.Event()


def cancel() -> None:
    """Stop putting files in place in this process (every later :func:`atomic_path` fails)."""
    CANCELLED.set()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto ``path`` when the block succeeds.

    On an exception the temporary file is deleted and ``path`` is left as it was. The file gets the
    usual mode (0666 less the umask), not the 0600 of a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        if CANCELLED.is_set():
            raise KeyboardInterrupt(f"{path}: not written, the job was stopped")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_text(path: str | Path) -> Iterator[IO[str]]:
    """An open UTF-8 text handle (``\\n`` line ends) whose content replaces ``path`` on success."""
    with atomic_path(path) as temp:
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
