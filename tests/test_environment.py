"""The pip (pyproject.toml) and conda (environment.yml) descriptions declare the same packages,
and the Binder configuration has the form repo2docker recognises."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

# conda-forge names that differ from PyPI names (none yet; add pairs here when they appear)
CONDA_TO_PYPI: dict[str, str] = {}
NOT_PACKAGES = {"python", "pip"}
# optional extras deliberately not in environment.yml (GPL-licensed readers)
OPTIONAL_ONLY = {"mpr"}


def _pypi():
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if name not in OPTIONAL_ONLY:
            requirements += extra
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in requirements}


def _conda():
    env = yaml.safe_load(Path("environment.yml").read_text(encoding="utf-8"))
    out = {}
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    for extra in env["dependencies"]:
        if isinstance(extra, dict):
            assert set(extra) == {"pip"}, f"environment.yml: unexpected entry {extra!r}"
            deps += extra["pip"]
    for dep in deps:
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep).groups()
        name = CONDA_TO_PYPI.get(name.lower(), name.lower())
        if name not in NOT_PACKAGES:
            out[name] = spec.replace(" ", "")
    return out


def test_same_packages_and_lower_bounds():
    pypi, conda = _pypi(), _conda()
    assert sorted(pypi) == sorted(conda), (
        f"only in pyproject.toml: {sorted(set(pypi) - set(conda))}; only in environment.yml: {sorted(set(conda) - set(pypi))}")
    for name in pypi:
        assert pypi[name] == conda[name], f"{name}: pyproject.toml says {pypi[name]!r}, environment.yml says {conda[name]!r}"


def test_binder_pins_python_in_the_recognised_form():
    env = yaml.safe_load(Path("environment.yml").read_text(encoding="utf-8"))
    assert "python=3.12" in env["dependencies"]
    assert env["channels"][0] == "conda-forge"


def test_postbuild_installs_the_package_without_dependencies():
    post = Path("postBuild")
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash") and "set -e" in text
    assert "python -m pip install --no-deps -e ." in text
    assert post.stat().st_mode & 0o111, "postBuild must be executable"


def test_readme_gives_the_two_commands_and_a_binder_badge():
    readme = Path("README.md").read_text(encoding="utf-8")
    assert "make test" in readme and re.search(r"^make$", readme, re.M)
    assert "mybinder.org/badge" in readme


def test_ci_runs_the_readme_test_command():
    assert "make test" in Path(".ci/run").read_text(encoding="utf-8")
