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
