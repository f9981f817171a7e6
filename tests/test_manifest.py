"""Raw data protection: data/MANIFEST.sha256 lists every file under data/ with its checksum."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.errors import DataError
from analysis.manifest import MANIFEST, build_manifest, read_manifest, update_manifest, verify_manifest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of data/ (manifest included) under a fake repository root."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def test_manifest_matches_data_now():
    verify_manifest(ROOT, ROOT / MANIFEST)
    assert (ROOT / MANIFEST).read_text(encoding="utf-8") == build_manifest(ROOT)


def test_manifest_is_sha256sum_format_sorted_and_complete():
    lines = (ROOT / MANIFEST).read_text(encoding="utf-8").splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(paths)
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "data").rglob("*") if p.is_file())
    assert paths == [p for p in on_disk if p != MANIFEST.as_posix() and not p.startswith("data/measured/")]
    for line in lines:
        digest, relative = line.split("  ", 1)
        assert hashlib.sha256((ROOT / relative).read_bytes()).hexdigest() == digest, relative


def test_a_changed_byte_is_detected(copy):
    target = copy / "data/paper/table_s2_porosity.csv"
    target.write_bytes(target.read_bytes().replace(b"2.33", b"2.34", 1))
    with pytest.raises(DataError) as err:
        verify_manifest(copy, copy / MANIFEST)
    message = str(err.value)
    assert message.startswith("data/paper/table_s2_porosity.csv: content differs from its checksum")
    assert "\n" not in message and "--update" in message


def test_a_missing_file_is_detected(copy):
    (copy / "data/reference/constants.csv").unlink()
    with pytest.raises(DataError, match=r"^data/reference/constants\.csv: listed in data/MANIFEST\.sha256 but missing"):
        verify_manifest(copy, copy / MANIFEST)


def test_an_extra_file_is_detected_and_update_accepts_it(copy):
    (copy / "data/paper/extra.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^data/paper/extra\.csv: not listed in data/MANIFEST\.sha256"):
        verify_manifest(copy, copy / MANIFEST)
    update_manifest(copy)
    verify_manifest(copy, copy / MANIFEST)
    assert "data/paper/extra.csv" in read_manifest(copy / MANIFEST)
    assert [p.name for p in (copy / "data").iterdir() if p.name.endswith(".tmp")] == []


def test_a_lab_file_in_data_measured_needs_no_manifest_update(copy):
    """data/measured/ is a lab's folder: its files are tracked by their sha256 in each output's provenance."""
    (copy / "data/measured/lab_cell.csv").write_text("Test Time / s,Voltage / V,Current / A\n", encoding="utf-8")
    (copy / "data/measured/README.md").write_text("edited\n", encoding="utf-8")
    verify_manifest(copy, copy / MANIFEST)
    assert not any(path.startswith("data/measured/") for path in read_manifest(copy / MANIFEST))


def test_a_broken_or_absent_manifest_says_where(copy):
    manifest = copy / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[2] = "not a checksum line"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"MANIFEST\.sha256, row 3: not a '<sha256>  <path>' line$"):
        verify_manifest(copy, manifest)
    manifest.unlink()
    with pytest.raises(DataError, match=r"MANIFEST\.sha256: manifest not found"):
        verify_manifest(copy, manifest)


def test_cli_check_and_update(copy):
    (copy / "Snakefile").write_text("", encoding="utf-8")  # what marks a repository root
    (copy / "pyproject.toml").write_text("", encoding="utf-8")
    run = [sys.executable, "-m", "analysis.manifest", "--root", str(copy)]
    ok = subprocess.run([*run, "--check"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    (copy / "data/paper/cells.csv").write_text("edited\n", encoding="utf-8")
    bad = subprocess.run([*run, "--check"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]
    assert bad.stderr.startswith("error: data/paper/cells.csv: content differs")
    assert subprocess.run([*run, "--update"], capture_output=True, text=True, cwd=ROOT).returncode == 0
    assert subprocess.run([*run, "--check"], capture_output=True, text=True, cwd=ROOT).returncode == 0
