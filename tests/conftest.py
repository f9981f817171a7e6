from __future__ import annotations

import os
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
            running[name] = subprocess.Popen([sys.executable, "-m", "analysis.reconstruct.fit", "--fit", name,
                                              "--out", str(directory / f"{name}.json")], cwd=ROOT, env=env,
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        name = next(iter(running))
        proc = running.pop(name)
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"fit {name} failed: {output}")
        done.add(name)


@pytest.fixture(scope="session", autouse=True)
def calibration_dir(tmp_path_factory) -> Path:
    """The model's fitted parameters, computed once per test session (as the workflow's calibrate rule
    does) into a temporary folder that every reconstruction of the tests reads."""
    from analysis.reconstruct import parameters as PM

    directory = tmp_path_factory.mktemp("calibration")
    _fit_all(directory)
    previous = os.environ.get(PM.CALIBRATION_ENV)
    os.environ[PM.CALIBRATION_ENV] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop(PM.CALIBRATION_ENV, None)
    else:
        os.environ[PM.CALIBRATION_ENV] = previous
