"""The SLURM profile (profiles/slurm/) plans the whole workflow with its per-rule resources.

A dry run needs no cluster: Snakemake loads the SLURM executor plugin, builds the DAG and prints
every job with the resources it would request. It runs in a temporary copy of the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
GENERATED = {".venv", ".git", ".snakemake", "results", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
WORKFLOW_RULES = {"porosity", "reconstruct", "cell", "cohort", "consistency_audit", "reconstruction_calibration"}

pytest.importorskip("snakemake_executor_plugin_slurm")


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in GENERATED or n.endswith(".egg-info") or n == "report.html"}
    if Path(folder).resolve().parent == ROOT and Path(folder).name in ("figures", "tables"):
        skip |= {n for n in names if n != "README.md"}
    return skip


def _profile() -> dict:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> str:
    """Output of ``snakemake --profile profiles/slurm --dry-run`` in a copy, partition set by env var."""
    copy = tmp_path_factory.mktemp("slurm") / "repo"
    shutil.copytree(ROOT, copy, ignore=_ignore)
    env = {**os.environ, "COMPENDIUM_SLURM_PARTITION": "testpartition"}
    env.pop("COMPENDIUM_SLURM_ACCOUNT", None)
    result = subprocess.run([sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", "--dry-run"],
                            cwd=copy, capture_output=True, text=True, env=env, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    return out


def _requested(out: str) -> dict[str, list[dict[str, str]]]:
    """{rule: [resources of each planned job]} from the dry run's job listing."""
    jobs: dict[str, list[dict[str, str]]] = {}
    for block in re.split(r"^(?:local)?rule ", out, flags=re.M)[1:]:
        rule = block.split(":", 1)[0].strip()
        line = re.search(r"^\s+resources: (.*)$", block, re.M)
        pairs = dict(item.split("=", 1) for item in line.group(1).split(", ")) if line else {}
        jobs.setdefault(rule, []).append(pairs)
    return jobs


def test_profile_uses_the_slurm_executor_and_lists_every_rule():
    profile = _profile()
    assert profile["executor"] == "slurm"
    assert int(profile["jobs"]) > 1
    assert set(profile["set-resources"]) == WORKFLOW_RULES
    for rule, resources in profile["set-resources"].items():
        assert {"runtime", "mem_mb"} <= set(resources), rule


def test_profile_sizes_only_rules_that_exist():
    """A stale entry (a renamed rule) would silently leave the new name on default-resources."""
    defined = set()
    for smk in (ROOT / "rules").glob("*.smk"):
        defined |= set(re.findall(r"^rule (\w+):", smk.read_text(encoding="utf-8"), re.M))
    stale = set(_profile()["set-resources"]) - defined
    assert not stale, f"{PROFILE.name} sizes rules the workflow does not define: {sorted(stale)}"


@pytest.mark.slow  # a Snakemake dry run
def test_dry_run_plans_every_job(dry_run):
    block = dry_run.split("Job stats:", 1)[1].split("total", 1)[0]
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.M)}
    from analysis.sheet import read_cells

    cells = read_cells(ROOT / "config/cells.tsv", root=ROOT)
    assert set(counts) >= WORKFLOW_RULES | {"all"}
    assert counts["cell"] == len(cells) and counts["cohort"] == 1
    assert "This was a dry-run" in dry_run


#: rules with a `message:` (one line per job in the output, e.g. "Job 12: cell my_cell"): Snakemake prints
#: the message instead of the rule's block, so their requested resources are not in the dry run's text
MESSAGE_RULES = {"cell"}


@pytest.mark.slow  # a Snakemake dry run
def test_dry_run_requests_the_profile_resources(dry_run):
    profile = _profile()
    jobs = _requested(dry_run)
    assert len(re.findall(r"^Job \d+: cell \S+$", dry_run, re.M)) == 17
    for rule, wanted in profile["set-resources"].items():
        if rule in MESSAGE_RULES:
            continue
        assert jobs.get(rule), f"no job of rule {rule} in the plan"
        for requested in jobs[rule]:
            assert requested["mem_mb"] == str(wanted["mem_mb"]), rule
            assert requested["runtime"] == str(wanted["runtime"]), rule
            assert requested["slurm_partition"] == "testpartition", rule
            assert requested["slurm_account"] == "", rule  # unset: the plugin asks SLURM for the default
