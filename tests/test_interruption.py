"""A workflow run killed in the middle of a notebook, then restarted, gives the outputs of an
uninterrupted run; nothing half-written is left; the raw data are never written.

In a copy of the session's built workflow (``workflow_copy``, an uninterrupted cold run): the notebook
steps are forced to run again (``snakemake --cores 2 --forcerun`` of the notebook rules, everything
downstream with them), and once a notebook job runs, SIGTERM goes to every process of the run (what a
batch scheduler or ``timeout`` does). Then the run is restarted, and every table and cell file must come
out byte-identical to those of the uninterrupted run.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.manifest import MANIFEST, verify_manifest
from copies import full_copy

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
OUTPUT_DIRS = ("results", "figures", "tables")

pytestmark = pytest.mark.slow


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _temporary_files(copy: Path) -> list[str]:
    """Names an atomic write leaves while it runs (``.<name>.<random>.tmp``) or any ``*.tmp*``."""
    return sorted(str(p.relative_to(copy)) for d in OUTPUT_DIRS if (copy / d).exists() for p in (copy / d).rglob("*")
                  if p.is_file() and (".tmp" in p.name or p.name.startswith(".")))


def _papermill_running(pid: int) -> bool:
    """True when a descendant of ``pid`` runs a notebook job (``python -m analysis.job notebook``: papermill in
    a fork of the warm process; read from /proc: no extra dependency)."""
    children = {pid}
    found = False
    for _ in range(6):  # snakemake -> shell -> python -m analysis.job notebook: a few levels
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if int(fields[1]) in children:  # the parent pid
                children.add(int(entry.name))
                found |= b"analysis.job notebook" in cmdline or b"papermill" in cmdline
    return found


def _group_alive(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


def _outputs(copy: Path) -> dict[str, str]:
    files = sorted((copy / "tables").rglob("*.csv")) + sorted((copy / "results/cells").glob("*.nc"))
    return {p.relative_to(copy).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _run(copy: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=copy, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


NOTEBOOK_RULES = ("porosity", "consistency_audit", "figures_halfcell_first_cycle", "figures_fullcell_cycling",
                  "cohort")


def test_killed_during_a_notebook_then_restarted(tmp_path, workflow_copy):
    copy = tmp_path / "repo"
    full_copy(workflow_copy, copy)  # file times kept: the copy is up to date
    uninterrupted = _outputs(copy)
    assert len(uninterrupted) > 20
    temporary_before = _temporary_files(copy)  # what the built copy had before this run (none is expected)
    dry = _run(copy, "--dry-run")
    assert "Nothing to be done" in dry.stdout + dry.stderr, (dry.stdout + dry.stderr)[-3000:]
    assert "rerun-incomplete: true" in (copy / "profiles/default/config.yaml").read_text(encoding="utf-8")
    data_before = _digests(copy / "data")
    log = copy / "interrupted.log"
    with open(log, "w", encoding="utf-8") as handle:
        run = subprocess.Popen([SNAKEMAKE, "--cores", "2", "--forcerun", *NOTEBOOK_RULES], cwd=copy, stdout=handle,
                               stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own process group: the kill reaches only this run
    try:
        deadline = time.monotonic() + 300
        while run.poll() is None and not _papermill_running(run.pid):
            assert time.monotonic() < deadline, "no notebook job started"
            time.sleep(0.2)
        assert run.poll() is None, "the workflow finished before a notebook job was seen"
        time.sleep(1.0)  # the notebook's kernel is running
        os.killpg(run.pid, signal.SIGTERM)
        code = run.wait(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    deadline = time.monotonic() + 30
    while _group_alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group_alive(run.pid) == [], "processes of the killed run survive it"
    assert code != 0
    text = log.read_text(encoding="utf-8")

    # Nothing half-written: no temporary file, and what the killed jobs were making is gone or
    # marked incomplete (so that the restart makes it again).
    assert _temporary_files(copy) == temporary_before
    interrupted = re.findall(r"^Error in rule (\w+):\n(?:^ .*\n)*?^\s+output: (.*)$", text, re.M)
    assert interrupted, text[-3000:]
    assert any(rule in text for rule, _ in interrupted)
    marked = {base64.b64decode(p.name).decode() for p in (copy / ".snakemake/incomplete").glob("*")} \
        if (copy / ".snakemake/incomplete").is_dir() else set()
    killed_outputs = [name.strip() for _, outputs in interrupted for name in outputs.split(",")]
    for name in killed_outputs:
        assert not (copy / name).exists() or name in marked, name

    # Restarted: completes; nothing left to do; nothing temporary; data/ untouched.
    _run(copy)
    dry = _run(copy, "--dry-run")
    assert "Nothing to be done" in dry.stdout + dry.stderr
    assert _temporary_files(copy) == temporary_before
    assert _outputs(copy) == uninterrupted  # the bytes of the run never interrupted
    assert _digests(copy / "data") == data_before, "the workflow wrote into data/"
    if (copy / MANIFEST).is_file():
        verify_manifest(copy, copy / MANIFEST)
