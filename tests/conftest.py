from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    """Tests, like notebooks, run with the repository root as working directory."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def paper_tables():
    from analysis.tables import read_quantities

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        table_s2 = read_quantities("data/paper/table_s2_porosity.csv", resource="table_s2_porosity", key=("layer", "quantity"))
        reported = read_quantities("data/paper/reported_values.csv", resource="reported_values", key=("id",))
        constants = read_quantities("data/reference/constants.csv", resource="constants", key=("name",))
    finally:
        os.chdir(cwd)
    return table_s2, reported, constants


def _fit_all(directory: Path) -> None:
    """Every fit of data/model/fits.csv into ``directory``, two at a time where the order allows."""
    import subprocess
    import sys

    from analysis.reconstruct import parameters as PM

    fits = PM.fits()
    done: set[str] = set()
    env = {**os.environ, PM.CALIBRATION_ENV: str(directory), "OPENBLAS_NUM_THREADS": "1"}
    running: dict[str, subprocess.Popen] = {}
    while len(done) < len(fits):
        ready = [f for f in fits if f not in done and f not in running and set(fits[f].after) <= done]
        while ready and len(running) < 2:
            name = ready.pop(0)
            running[name] = subprocess.Popen([sys.executable, "-m", "analysis.job", "fit", "--fit", name,
                                              "--out", str(directory / f"{name}.json")], cwd=ROOT, env=env,
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        name = next(iter(running))
        proc = running.pop(name)
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"fit {name} failed: {output}")
        done.add(name)


@pytest.fixture(scope="session", autouse=True)
def warm_kernels(tmp_path_factory):
    """Notebooks that tests run with papermill get the workflow's warm kernels (analysis/warm_kernel.py:
    the same outputs as a cold kernel, tests/test_warm.py, without ~2 s of imports per notebook)."""
    from analysis.warm_kernel import write_kernel_spec

    folder = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(folder)
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder), *([previous] if previous else [])])
    yield folder
    if previous is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = previous


def _fit_inputs_digest() -> str:
    """sha256 of everything a fit reads: the code of analysis/ and the data of data/model and data/paper."""
    digest = hashlib.sha256()
    for folder, pattern in (("analysis", "*.py"), ("data/model", "*"), ("data/paper", "*"), ("data", "datapackage.json")):
        for path in sorted((ROOT / folder).rglob(pattern) if folder != "data" else (ROOT / folder).glob(pattern)):
            if path.is_file():
                digest.update(f"{path.relative_to(ROOT)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _cached_fits(cache, tmp_path_factory) -> Path:
    """The fits for the code and data as they are: from pytest's cache folder when an earlier session made
    them from the same files (the same inputs give the same bytes, tests/test_fit.py), else made now."""
    key = _fit_inputs_digest()
    try:
        directory = cache.mkdir(f"calibration-{key}")
    except (OSError, AttributeError):  # no cache (-p no:cacheprovider): a temporary folder
        directory = shared_folder(tmp_path_factory) / "calibration"
        directory.mkdir(exist_ok=True)
    from analysis.reconstruct import parameters as PM

    with open(directory / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist's workers: one computes the fits, the others wait
        if not all((directory / f"{name}.json").is_file() for name in PM.fits()):
            _fit_all(directory)
    return directory


def _needs_workflow(session: pytest.Session) -> bool:
    return any("workflow_copy" in getattr(item, "fixturenames", ()) for item in session.items)


@pytest.fixture(scope="session", autouse=True)
def calibration_dir(request, tmp_path_factory) -> Path:
    """The model's fitted parameters, which every reconstruction of the tests reads.

    When the session runs the workflow anyway (a test uses ``workflow_copy``), they are the fits of that
    run (results/calibration of the built copy, made by the workflow's calibrate rule); otherwise (e.g.
    ``make test-fast``) they are computed as that rule does, once for given code and data: pytest's cache
    folder keeps them under the sha256 of the fits' inputs, so the next session reuses them.
    """
    from analysis.reconstruct import parameters as PM

    if _needs_workflow(request.session):
        directory = request.getfixturevalue("workflow_copy") / "results" / "calibration"
    else:
        directory = _cached_fits(getattr(request.config, "cache", None), tmp_path_factory)
    previous = os.environ.get(PM.CALIBRATION_ENV)
    os.environ[PM.CALIBRATION_ENV] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop(PM.CALIBRATION_ENV, None)
    else:
        os.environ[PM.CALIBRATION_ENV] = previous

GENERATED = {".venv", ".git", ".snakemake", "results", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def _ignore(folder, names):
    skip = {n for n in names if n in GENERATED or n.endswith(".egg-info") or n == "report.html"}
    if Path(folder).name in ("figures", "tables") and Path(folder).parent == ROOT:
        skip |= {n for n in names if n != "README.md"}
    return skip


def _data_digest(copy: Path) -> dict[str, str]:
    return {str(p.relative_to(copy)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((copy / "data").rglob("*")) if p.is_file()}


def shared_folder(tmp_path_factory) -> Path:
    """The temporary folder every process of this test session shares: with pytest-xdist (``make test``
    runs the tests in one worker per CPU), the parent of the workers' own folders."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build(copy: Path) -> str:
    """The repository copied to ``copy`` and built with a cold bare `snakemake`: "ok", or what went wrong."""
    shutil.copytree(ROOT, copy, ignore=_ignore)
    before = _data_digest(copy)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "snakemake"], cwd=copy, capture_output=True, text=True)
    if result.returncode != 0:
        return f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    print(f"\ncold workflow run: {time.perf_counter() - start:.1f} s")
    if _data_digest(copy) != before:
        return "the workflow wrote into data/"
    return "ok"


@pytest.fixture(scope="session")
def workflow_copy(tmp_path_factory) -> Path:
    """The repository copied to a temporary folder, after one cold bare `snakemake` (as the README says).

    Built once per test session, by whichever worker needs it first (the others wait for it), and shared
    by the end-to-end tests (tests/test_workflow.py, tests/test_browser.py, ...). It is read only: a test
    that runs Snakemake or changes a file does so in its own copy (tests/copies.py), so tests on other
    workers never see a half-changed copy. The run must not write into data/. While developing,
    COMPENDIUM_BUILT_COPY names a copy built before (kept from an earlier session) to skip the cold run.
    """
    if os.environ.get("COMPENDIUM_BUILT_COPY"):  # development only: a copy already built by this fixture
        return Path(os.environ["COMPENDIUM_BUILT_COPY"])
    shared = shared_folder(tmp_path_factory)
    copy, status = shared / "compendium" / "repo", shared / "compendium.status"
    with open(shared / "compendium.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build; the other workers wait here until it is done
        if not status.exists():
            try:
                message = _build(copy)
            except Exception as error:  # noqa: BLE001 - every worker reports the same failure
                message = f"building the workflow copy failed: {error!r}"
            status.write_text(message, encoding="utf-8")
    message = status.read_text(encoding="utf-8")
    if message != "ok":
        pytest.fail(message)
    return copy

