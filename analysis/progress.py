"""Progress of reading a large file, for a job's log: ``reading my_cell.csv: 10 % … 100 %``.

The readers (pandas, fastnda, our text readers) read a file through an ordinary file descriptor, so
the share already read is the descriptor's position over the file's size. :class:`FileProgress`
watches that position from a background thread (Linux ``/proc/self/fdinfo``; elsewhere it prints
nothing) and prints one line each time another ``step`` percent is passed. Files smaller than
``min_bytes`` print nothing, so logs of small files stay the same from run to run.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TextIO


def _position(path: Path) -> int | None:
    """Largest read position of any descriptor of this process open on ``path`` (None if none/unknown)."""
    best = None
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            if os.path.realpath(f"/proc/self/fd/{fd}") != str(path):
                continue
            with open(f"/proc/self/fdinfo/{fd}", encoding="ascii") as info:
                pos = int(info.readline().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        best = pos if best is None else max(best, pos)
    return best


class FileProgress:
    """Context manager printing ``<label>: <k> %`` lines while the file at ``path`` is read."""

    def __init__(self, path: str | Path, *, label: str | None = None, step: int = 10, min_bytes: int = 50_000_000,
                 interval: float = 0.25, stream: TextIO | None = None) -> None:
        self.path = Path(path).resolve()
        self.label = label or f"reading {self.path.name}"
        self.step, self.interval = step, interval
        self.stream = stream if stream is not None else sys.stdout
        self.size = self.path.stat().st_size
        self.active = self.size >= min_bytes and os.path.isdir("/proc/self/fdinfo")
        self.printed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _report(self, fraction: float) -> None:
        reached = min(100, int(100 * fraction) // self.step * self.step)
        while self.printed < reached:
            self.printed += self.step
            print(f"{self.label}: {self.printed} %", file=self.stream, flush=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            pos = _position(self.path)
            if pos is not None:
                self._report(pos / self.size)

    def __enter__(self) -> "FileProgress":
        if self.active:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            if kind is None:
                self._report(1.0)
