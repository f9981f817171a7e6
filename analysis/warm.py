"""A warm start for many short jobs: import the analysis once, fork a process per job.

Every Python step of the workflow (:mod:`analysis.job`: a cell's ingest and overview, a reconstruction,
a fit, papermill, a provenance sidecar) and every notebook kernel (:mod:`analysis.warm_kernel`) would
spend most of its time importing numpy, pandas, xarray, pint, scipy, matplotlib, papermill or ipykernel
(0.5–2.5 s of CPU each; many steps do a second of their own work). With hundreds of cells that
dominates. So the first job starts a small server that imports those modules once and then waits on a
Unix socket; each job sends it the function to run, its arguments, working directory, environment and
its own stdout and stderr (as file descriptors, so the job's output goes live to its log), and the server
forks a fresh process that runs the job and sends back its exit code. Every job still runs in its own
process (a fork of the warm one) with the same code and outputs as a cold start.

The server is private to one user, one Python, one copy of the code at one version and the settings that make runs
reproducible (the socket name hashes the interpreter, the package's folder, its files and their modification
times, and ``PYTHONHASHSEED``/``SOURCE_DATE_EPOCH``/thread variables): edited code starts a new
server. It exits after ``IDLE_SECONDS`` without a job. Set ``COMPENDIUM_WARM=0`` to run every job cold
(the fallback whenever the server cannot be reached, e.g. without ``fork`` or Unix sockets).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from .atomic import cancel

IDLE_SECONDS = 20.0
#: environment variables that change results or their bytes: a server serves only jobs that agree on them
PINNED_ENV = ("PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "MPLBACKEND", "PYTHONPATH")
#: modules the server imports before it forks: what the workflow's Python steps need (analysis.job), and a
#: Jupyter kernel's own modules (analysis.warm_kernel). Importing them reads no data, so a fork sees the
#: files as they are when it runs (tests/test_warm.py checks that no file of the project is opened):
#: modules that read data when imported (analysis.reconstruct.cells, analysis.inventory) are not here.
#: analysis.plotting comes before ipykernel: it picks the Agg backend when no kernel is loaded, and a
#: kernel switches to its inline backend itself.
PRELOAD = ("analysis.ingest", "analysis.io.netcdf", "analysis.plotting", "analysis.provenance", "analysis.tables",
           "analysis.overview", "analysis.progress", "analysis.metrics", "analysis.io.bdf", "analysis.io.btsda_writer",
           "analysis.reconstruct.parameters", "analysis.reconstruct.simulate", "analysis.reconstruct.models",
           "analysis.reconstruct.targets", "analysis.cohort", "analysis.cohort_figures", "scipy.optimize", "scipy.stats",
           "papermill.cli", "ipykernel.kernelapp", "ipykernel.ipkernel")


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


#: the first byte a job sends its client: the server has accepted the connection and forked
ACCEPTED = b"+"
#: seconds a client waits for :data:`ACCEPTED` before it runs the job itself (a server that was just exiting
#: on its idle timeout may leave a connection in its queue unanswered)
ACCEPT_TIMEOUT = 20.0

#: seconds a job has, once its client is gone, to stop on the KeyboardInterrupt before it is ended
GRACE_SECONDS = 10.0


def _stop_when_client_goes(conn: socket.socket) -> None:
    """Interrupt the job (KeyboardInterrupt in its main thread, so half-written files are cleaned up) when
    the client closes its end early: Snakemake stopped or killed the job. A job that ignores the interrupt
    (a kernel ignores SIGINT between cells) ends :data:`GRACE_SECONDS` later, with its process group."""
    import _thread
    import signal
    import threading

    def watch() -> None:
        try:
            gone = conn.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            gone = True
        if gone:
            cancel()  # no output is put in place from now on (Snakemake may be removing them)
            _thread.interrupt_main()
            time.sleep(GRACE_SECONDS)
            with contextlib.suppress(OSError):
                os.killpg(os.getpid(), signal.SIGTERM)  # the job's own subprocesses (e.g. a kernel's)
            os._exit(130)

    threading.Thread(target=watch, daemon=True).start()


def entry_point(target: str) -> Callable[[list[str]], int]:
    """The function ``module:function`` names."""
    import importlib

    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def call(target: str, argv: list[str]) -> int:
    """Run ``target`` with ``argv`` here (cold); its exit code."""
    try:
        return int(entry_point(target)(argv) or 0)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def serve(path: Path, lock_fd: int | None = None) -> None:
    """Import :data:`PRELOAD`, then fork one process per request until idle for :data:`IDLE_SECONDS`."""
    import importlib
    import signal

    for name in PRELOAD:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temp = path.with_name(path.name + f".{os.getpid()}")
    server.bind(str(temp))
    os.chmod(temp, 0o600)
    server.listen(64)
    os.replace(temp, path)  # visible only once it accepts
    if lock_fd is not None:
        os.close(lock_fd)  # clients waiting for this server may connect now
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
                try:
                    conn.sendall(ACCEPTED)
                    _, fds, _, _ = socket.recv_fds(conn, 1, 2)  # the client's stdout and stderr
                    for fd, target in zip(fds, (1, 2)):
                        os.dup2(fd, target)
                        os.close(fd)
                    request = _receive(conn)
                    _stop_when_client_goes(conn)
                    os.setpgid(0, 0)  # a group of its own: ended with its subprocesses if its client goes
                    os.chdir(request["cwd"])
                    os.environ.clear()
                    os.environ.update(request["env"])
                    try:
                        code = call(request["target"], request["argv"])
                    except BaseException as exc:  # noqa: BLE001 - reported like a crash
                        import traceback

                        traceback.print_exc()
                        code = 1
                        del exc
                    sys.stdout.flush()
                    sys.stderr.flush()
                    _send(conn, {"code": code})
                finally:
                    conn.close()
                    os._exit(0)
            conn.close()
    finally:
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == mine:  # not a newer server's socket of the same name
                path.unlink()
                path.with_name(path.name + ".lock").unlink(missing_ok=True)
        server.close()


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


#: seconds a client waits for a server that is starting (its imports take a few seconds)
START_TIMEOUT = 60.0


@contextlib.contextmanager
def _lock(path: Path):
    """The lock file beside the socket, opened and locked; None after :data:`START_TIMEOUT` (a server that
    is starting holds it)."""
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a") as handle:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield None
                    return
                time.sleep(0.02)
        yield handle


def _spawn(path: Path, lock) -> subprocess.Popen:
    """Start a server that holds ``lock`` (the same open file, passed down) until it accepts connections."""
    return subprocess.Popen([sys.executable, "-m", "analysis.warm", "--socket", str(path), "--lock-fd",
                             str(lock.fileno())], pass_fds=(lock.fileno(),),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def connect() -> socket.socket | None:
    """A connection to the warm server, started if none runs; None when none can be reached.

    A server holds the lock file beside its socket while it imports, so clients that find no server wait
    for the one being started instead of starting another; if it dies first, the lock is released and the
    client runs its job itself.
    """
    path = socket_path()
    conn = _connect(path)
    if conn is not None:
        return conn
    with _lock(path) as lock:
        conn = _connect(path)  # a server finished starting while we waited for the lock
        if conn is not None or lock is None:
            return conn
        _spawn(path, lock)
    with _lock(path):  # free once the server accepts connections, or has died
        return _connect(path)


def start() -> None:
    """Start the warm server now, if none runs, without waiting for it (the workflow's ``onstart``: its
    imports overlap with Snakemake's start instead of delaying the first jobs)."""
    if not enabled():
        return
    path = socket_path()
    if _connect(path) is None:
        with _lock(path) as lock:
            if lock is not None and _connect(path) is None:
                _spawn(path, lock)


def run(argv: list[str], target: str) -> int | None:
    """Run ``target`` (``module:function`` taking argv) with ``argv`` in a fork of the warm server, printing
    its output; start the server if none runs. None when no server can be reached (run it cold then)."""
    if not enabled():
        return None
    conn = connect()
    if conn is None:
        return None
    try:
        conn.settimeout(ACCEPT_TIMEOUT)
        if conn.recv(1) != ACCEPTED:
            return None
        conn.settimeout(None)
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(conn, [b"\0"], [sys.stdout.fileno(), sys.stderr.fileno()])  # the job writes to ours
        _send(conn, {"target": target, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)})
    except (OSError, ConnectionError, ValueError):
        conn.close()
        return None  # nothing has run: the caller runs the job itself
    try:
        reply = _receive(conn)
    except (OSError, ConnectionError, ValueError) as exc:  # the job ended without a reply: it failed
        print(f"error: the job ended without an exit code ({exc})", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return int(reply["code"])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m analysis.warm", description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--lock-fd", type=int, help="a locked file to close once connections are accepted")
    args = parser.parse_args(argv)
    path = Path(args.socket)
    if _connect(path) is not None:  # another job started one first
        return 0
    serve(path, args.lock_fd)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
