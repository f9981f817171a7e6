"""A warm start for many short jobs: import the analysis once, fork a process per job.

Every per-cell job of the workflow (``python -m analysis.overview``) spends most of its time importing
numpy, pandas, xarray, pint and matplotlib (about 1.5–2.5 s of CPU; the cell's own work is a second).
With hundreds of cells that dominates. So the first job starts a small server that imports those
modules once and then waits on a Unix socket; each job sends it its arguments, working directory and
environment, and the server forks a fresh process that runs the job and sends back its output and exit
code. Every cell still runs in its own process (a fork of the warm one) with the same code and
outputs as a cold start.

The server is private to one user, one Python, one copy of the code at one version and the settings that make runs
reproducible (the socket name hashes the interpreter, the package's folder, its files and their modification
times, and ``PYTHONHASHSEED``/``SOURCE_DATE_EPOCH``/thread variables): edited code starts a new
server. It exits after ``IDLE_SECONDS`` without a job. Set ``COMPENDIUM_WARM=0`` to run every job cold
(the fallback whenever the server cannot be reached, e.g. without ``fork`` or Unix sockets).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

IDLE_SECONDS = 20.0
#: environment variables that change results or their bytes: a server serves only jobs that agree on them
PINNED_ENV = ("PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "MPLBACKEND", "PYTHONPATH")
#: modules the server imports before it forks (what the per-cell job needs)
PRELOAD = ("analysis.ingest", "analysis.io.netcdf", "analysis.plotting", "analysis.provenance", "analysis.tables",
           "analysis.overview", "analysis.progress")


def enabled() -> bool:
    return os.environ.get("COMPENDIUM_WARM", "1") != "0" and hasattr(os, "fork") and hasattr(socket, "AF_UNIX")


def socket_path() -> Path:
    """The server's socket: one per user, interpreter, code version and pinned environment."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{sys.executable};{package}".encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        h.update(f"{path.relative_to(package)}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    for name in PINNED_ENV:
        h.update(f"{name}={os.environ.get(name)};".encode())
    return Path(tempfile.gettempdir()) / f"compendium-warm-{os.getuid()}-{h.hexdigest()[:16]}.sock"


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _receive(conn: socket.socket) -> dict:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the warm server closed the connection")
        data += chunk
    return json.loads(data)


def _stop_when_client_goes(conn: socket.socket) -> None:
    """Interrupt the job (KeyboardInterrupt in its main thread, so half-written files are cleaned up) when
    the client closes its end early: Snakemake stopped or killed the job."""
    import _thread
    import threading

    def watch() -> None:
        try:
            gone = conn.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            gone = True
        if gone:
            _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()


def serve(path: Path, target: str) -> None:
    """Import :data:`PRELOAD`, then fork one process per request until idle for :data:`IDLE_SECONDS`."""
    import importlib
    import signal

    for name in PRELOAD:
        importlib.import_module(name)
    module, function = target.split(":")
    entry: Callable[[list[str]], int] = getattr(importlib.import_module(module), function)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temp = path.with_name(path.name + f".{os.getpid()}")
    server.bind(str(temp))
    os.chmod(temp, 0o600)
    server.listen(64)
    os.replace(temp, path)  # visible only once it accepts
    mine = os.stat(path).st_ino
    server.settimeout(IDLE_SECONDS)
    try:
        while True:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                break
            if os.fork() == 0:  # the job
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the job's own subprocesses are waited for
                signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
                server.close()
                code = 1
                out = io.StringIO()
                try:
                    request = _receive(conn)
                    _stop_when_client_goes(conn)
                    os.chdir(request["cwd"])
                    os.environ.clear()
                    os.environ.update(request["env"])
                    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                        try:
                            code = int(entry(request["argv"]) or 0)
                        except SystemExit as exc:
                            code = exc.code if isinstance(exc.code, int) else 1
                        except BaseException as exc:  # noqa: BLE001 - reported to the client, like a crash
                            import traceback

                            traceback.print_exc()
                            code = 1
                            del exc
                    _send(conn, {"output": out.getvalue(), "code": code})
                finally:
                    conn.close()
                    os._exit(0)
            conn.close()
    finally:
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == mine:  # not a newer server's socket of the same name
                path.unlink()
        server.close()


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def run(argv: list[str], target: str, *, start_timeout: float = 30.0) -> int | None:
    """Run ``target`` (``module:function`` taking argv) with ``argv`` in a fork of the warm server, printing
    its output; start the server if none runs. None when no server can be reached (run it cold then)."""
    if not enabled():
        return None
    path = socket_path()
    conn = _connect(path)
    if conn is None:
        subprocess.Popen([sys.executable, "-m", "analysis.warm", "--socket", str(path), "--target", target],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        deadline = time.monotonic() + start_timeout
        while conn is None and time.monotonic() < deadline:
            time.sleep(0.05)
            conn = _connect(path)
        if conn is None:
            return None
    try:
        _send(conn, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)})
        reply = _receive(conn)
    except (OSError, ConnectionError, ValueError):
        return None
    finally:
        conn.close()
    sys.stdout.write(reply["output"])
    sys.stdout.flush()
    return int(reply["code"])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m analysis.warm", description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--target", required=True, help="module:function called with the job's argv")
    args = parser.parse_args(argv)
    path = Path(args.socket)
    if _connect(path) is not None:  # another job started one first
        return 0
    serve(path, args.target)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
