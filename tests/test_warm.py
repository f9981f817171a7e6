"""The warm process (analysis.warm) behind the workflow's steps (analysis.job) and kernels
(analysis.warm_kernel): it reads no project file before it forks, a step run through it writes what a
cold run writes, and a notebook run in a warm kernel has the outputs of a cold kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from analysis import job, warm, warm_kernel

ROOT = Path(__file__).resolve().parents[1]
slow = pytest.mark.slow  # subprocesses, a warm process, notebooks
PINNED = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
          "MKL_NUM_THREADS": "1"}


@slow
def test_preloading_opens_no_file_of_the_project():
    """A fork must see data, config and results as they are when it runs: the imports read none of them."""
    script = f"""
import sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.append(args[0])
sys.addaudithook(hook)
import importlib
from analysis.warm import PRELOAD
for name in PRELOAD:
    importlib.import_module(name)
root = {str(ROOT)!r}
bad = sorted({{p for p in opened if p.startswith((root + "/data", root + "/config", root + "/results",
                                                 root + "/tables", root + "/figures", "data/", "config/",
                                                 "results/"))}})
print("\\n".join(bad))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **PINNED})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"opened while preloading: {done.stdout}"


def test_every_step_names_a_function_that_exists():
    for step, target in job.STEPS.items():
        assert callable(warm.entry_point(target)), step


@slow
def test_an_unknown_step_is_refused_with_its_usage():
    done = subprocess.run([sys.executable, "-m", "analysis.job", "nonsense"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "usage: python -m analysis.job {cell," in done.stderr


def test_the_kernel_spec_runs_the_warm_kernel(tmp_path):
    path = warm_kernel.write_kernel_spec(tmp_path)
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert path == tmp_path / "kernels" / "python3" / "kernel.json"
    assert spec["argv"][1:] == ["-m", "analysis.warm_kernel", "-f", "{connection_file}"]
    assert spec["language"] == "python" and spec["interrupt_mode"] == "message"
    mtime = path.stat().st_mtime_ns
    warm_kernel.write_kernel_spec(tmp_path)  # same content: not rewritten (no rerun, no new timestamp)
    assert path.stat().st_mtime_ns == mtime


def _outputs(path: Path) -> list:
    """Every output of an executed notebook, its own folder's name replaced by OUT."""
    nb = json.loads(path.read_text(encoding="utf-8").replace(str(path.parent), "OUT"))
    return [(o.get("output_type"), o.get("name"), o.get("data"), o.get("text"))
            for cell in nb["cells"] for o in cell.get("outputs", [])]


@slow
@pytest.mark.parametrize("notebook", ["porosity"])
def test_a_notebook_in_a_warm_kernel_has_the_outputs_of_a_cold_kernel(tmp_path, notebook):
    """Tables, printed text and the figures' PNG in the executed notebook: byte for byte the same."""
    warm_kernel.write_kernel_spec(tmp_path / "jupyter")
    env = {key: value for key, value in os.environ.items() if key != "JUPYTER_PATH"}  # cold: the usual kernel
    env.update(PINNED)
    runs = {}
    for name, extra in (("cold", {"COMPENDIUM_WARM": "0"}),
                        ("warm", {"COMPENDIUM_WARM": "1", "JUPYTER_PATH": str(tmp_path / "jupyter")})):
        out = tmp_path / name
        out.mkdir()
        done = subprocess.run(
            [sys.executable, "-m", "analysis.job", "notebook", f"notebooks/{notebook}.ipynb", str(out / "run.ipynb"),
             "--kernel", "python3", "--cwd", ".", "--no-progress-bar",
             "-p", "table_out", str(out / "table.csv"), "-p", "steps_out", str(out / "steps.csv"),
             "-p", "uncertainty_out", str(out / "uncertainty.csv"), "-p", "figure_png", str(out / "figure.png"),
             "-p", "mc_samples", "2000"],
            cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        runs[name] = out
    cold, warm_run = _outputs(runs["cold"] / "run.ipynb"), _outputs(runs["warm"] / "run.ipynb")
    assert any(o[2] and "image/png" in o[2] for o in cold)  # the comparison covers a figure
    assert warm_run == cold
    for name in ("table.csv", "steps.csv", "uncertainty.csv", "figure.png", "figure.svg"):
        assert (runs["warm"] / name).read_bytes() == (runs["cold"] / name).read_bytes(), name


@slow
def test_a_server_that_cannot_start_costs_no_wait(tmp_path):
    """When the warm process cannot start (here: its interpreter is a program that exits at once), the step
    runs cold at once instead of waiting for a server that never comes."""
    import time

    script = ("import sys, time\nfrom analysis import warm\n"
              "sys.executable = '/bin/false'\n"
              "t = time.monotonic()\ncode = warm.run(['x'], 'analysis.job:main')\n"
              "print(code, round(time.monotonic() - t, 1))\n")
    env = {**os.environ, **PINNED, "COMPENDIUM_WARM": "1", "PYTHONPATH": str(ROOT),
           "TMPDIR": str(tmp_path)}  # a socket of its own
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    code, waited = done.stdout.split()
    assert code == "None"  # the caller runs the step itself
    assert float(waited) < 15 and time.monotonic() - started < 60


@slow
def test_a_warm_kernel_outlives_the_warm_process(tmp_path, monkeypatch):
    """The warm process exits when idle, possibly while a notebook's kernel (its fork) still runs a long
    cell: the kernel must go on (ipykernel's parent poller would shut it down once it is orphaned)."""
    import signal
    import time

    import jupyter_client

    warm_kernel.write_kernel_spec(tmp_path / "jupyter")
    # a warm process of its own (its socket is in TMPDIR, a short path): killing it stops no other test's jobs
    private = tempfile.mkdtemp(prefix="warm")
    for name, value in (("JUPYTER_PATH", str(tmp_path / "jupyter")), ("COMPENDIUM_WARM", "1"), ("TMPDIR", private)):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
    km = jupyter_client.KernelManager(kernel_name="python3")
    try:
        probe = warm.connect()  # the warm process of this code and environment, started if none runs
        assert probe is not None, "no warm process could be started"
        probe.close()
        km.start_kernel(cwd=str(ROOT))
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        printed = []
        reply = kc.execute_interactive("import os; print(os.getppid())", timeout=60, output_hook=printed.append)
        assert reply["content"]["status"] == "ok"
        server = int("".join(o["content"].get("text", "") for o in printed).strip())  # the kernel's parent
        assert b"analysis.warm" in Path(f"/proc/{server}/cmdline").read_bytes()
        os.kill(server, signal.SIGTERM)  # as when it exits idle; its forks (this kernel) are not killed
        time.sleep(3)  # the poller checks every second
        outputs = []
        reply = kc.execute_interactive("print(6 * 7)", timeout=60, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok"
        assert any(o["content"].get("text", "").strip() == "42" for o in outputs)
    finally:
        km.shutdown_kernel(now=True)
        shutil.rmtree(private, ignore_errors=True)
