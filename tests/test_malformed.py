"""A corpus of malformed inputs, generated here: each one is refused with ONE line naming the file
(and the column and row where one applies), and nothing is written.

Three entry points are exercised: :func:`analysis.io.read_cycler`, the ingest command the
workflow runs (``python -m analysis.ingest``), and the workflow itself with a bad
``config/config.yaml`` (``snakemake --dry-run`` in a copy of the repository).
"""

from __future__ import annotations

import functools
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from analysis.errors import DataError
from analysis.ingest import main as ingest_main
from analysis.io import read_cycler

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------ valid base files


def _records():
    from synthetic import cycling_records

    steps = [("CC_DChg", -1e-3, 300.0), ("Rest", 0.0, 60.0), ("CC_Chg", 1e-3, 290.0)]
    return cycling_records([steps] * 3, dt=30.0)


@functools.lru_cache(maxsize=None)
def _written(kind: str) -> tuple[str, ...]:
    """The lines of a valid file written by the project's own writers (``btsda`` or ``bdf``)."""
    from analysis.io.bdf import write_bdf_csv
    from analysis.io.btsda_writer import write_btsda_csv

    ds = _records()
    ds.attrs["data_source"] = "measured"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "base.csv"
        (write_btsda_csv if kind == "btsda" else write_bdf_csv)(ds, path)
        return tuple(path.read_text(encoding="utf-8").splitlines())


def btsda_lines() -> list[str]:
    """A valid flat BTSDA record export (header + one line per record), as lines."""
    return list(_written("btsda"))


def bdf_lines() -> list[str]:
    """A valid Battery Data Format CSV (``# key: value`` lines, header, records), as lines."""
    return list(_written("bdf"))


MPT_COLUMNS = ["mode", "ox/red", "Ns", "time/s", "Ewe/V", "I/mA", "(Q-Qo)/mA.h", "cycle number"]


def mpt_lines(rows: int = 8) -> list[str]:
    """A small EC-Lab ``.mpt`` export: header block of 5 lines, then tab-separated records."""
    head = ["EC-Lab ASCII FILE", "Nb header lines : 5", "", "Galvanostatic Cycling with Potential Limitation",
            "\t".join(MPT_COLUMNS)]
    data = []
    for k in range(rows):
        charge = k >= rows // 2
        current = 1.0 if charge else -1.0
        q = current * 30.0 * (k - (rows // 2 if charge else 0)) / 3600.0
        data.append("\t".join(["1", "1" if charge else "0", "2" if charge else "1", f"{30.0 * k:.1f}",
                               "3.7" if charge else "3.5", f"{current:.3f}", f"{q:.6f}", "0"]))
    return head + data


def _cell(lines: list[str], row: int, column: int, value: str, sep: str = ",") -> list[str]:
    """``lines`` with data row ``row`` (1 = first line after the header), field ``column`` replaced."""
    out = list(lines)
    fields = out[row].split(sep)
    fields[column] = value
    out[row] = sep.join(fields)
    return out


def _column(lines: list[str], name: str, sep: str = ",") -> int:
    header = lines[0].split(sep)
    return header.index(name)


def _bdf_split(lines: list[str]) -> tuple[list[str], list[str]]:
    """(comment lines, header + records) of a BDF file."""
    k = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return lines[:k], lines[k:]


# ------------------------------------------------------------------------------ the corpus


@dataclass(frozen=True)
class Case:
    """One malformed input: ``make(folder) -> path`` writes it; the error must name ``column``/``row``."""

    make: Callable[[Path], Path]
    column: str | None = None
    row: int | None = None
    format: str = "auto"
    data_source: str = "measured"
    words: tuple[str, ...] = ()  # further words the message must contain
    spec: dict[str, Any] = field(default_factory=dict)  # extra ingest spec entries
    needs: str | None = None  # optional module


def _write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


# --- binary


def ndax_zip_of_garbage(d: Path) -> Path:
    return _write(d, "garbage.ndax", _zip({"data.ndc": _noise(4096, 1), "Step.xml": b"<not xml"}))


def ndax_truncated(d: Path) -> Path:
    whole = _zip({"data.ndc": _noise(20000, 2), "TestInfo.xml": b"<TestInfo/>" * 50})
    return _write(d, "truncated.ndax", whole[: len(whole) // 2])


def ndax_not_a_zip(d: Path) -> Path:
    return _write(d, "random.ndax", _noise(3000, 3))


def nda_random(d: Path) -> Path:
    return _write(d, "random.nda", _noise(3000, 4))


def nda_magic_then_garbage(d: Path) -> Path:
    return _write(d, "magic.nda", b"NEWARE" + _noise(3000, 5))


def nda_magic_only(d: Path) -> Path:
    return _write(d, "stub.nda", b"NEWARE")


def mpr_garbage(d: Path) -> Path:
    return _write(d, "garbage.mpr", b"BIO-LOGIC MODULAR FILE\x1a" + _noise(2000, 6))


# --- BTSDA CSV


def btsda_truncated(d: Path) -> Path:
    lines = btsda_lines()
    return _write(d, "truncated.csv", "\n".join(lines[:12]) + "\n" + lines[12][:20])


def btsda_missing_voltage(d: Path) -> Path:
    lines = btsda_lines()
    k = _column(lines, "Voltage(V)")
    return _write(d, "no_voltage.csv", _text([",".join(f for i, f in enumerate(line.split(",")) if i != k)
                                              for line in lines]))


def btsda_duplicated_column(d: Path) -> Path:
    lines = btsda_lines()
    k = _column(lines, "Voltage(V)")
    return _write(d, "twice.csv", _text([",".join(line.split(",")[: k + 1] + line.split(",")[k:]) for line in lines]))


def btsda_unknown_unit(d: Path) -> Path:
    lines = btsda_lines()
    return _write(d, "furlong.csv", _text([lines[0].replace("Voltage(V)", "Voltage(furlong)")] + lines[1:]))


def btsda_garbled_unit(d: Path) -> Path:
    """A unit byte that cp1252 cannot decode (0x81) where µ should be."""
    lines = btsda_lines()
    head = lines[0].replace("Current(mA)", "Current(@A)").encode("cp1252").replace(b"@", b"\x81")
    return _write(d, "garbled.csv", head + b"\n" + _text(lines[1:]).encode("cp1252"))


def btsda_text_in_number(d: Path) -> Path:
    lines = btsda_lines()
    return _write(d, "text.csv", _text(_cell(lines, 7, _column(lines, "Current(mA)"), "about 1")))


def btsda_nan_run(d: Path) -> Path:
    lines = btsda_lines()
    k = _column(lines, "Voltage(V)")
    for row in (9, 10, 11, 12):
        lines = _cell(lines, row, k, "")
    return _write(d, "nan_run.csv", _text(lines))


def btsda_nan_literal(d: Path) -> Path:
    lines = btsda_lines()
    return _write(d, "nan_literal.csv", _text(_cell(lines, 4, _column(lines, "Current(mA)"), "NaN")))


def btsda_time_backwards(d: Path) -> Path:
    lines = btsda_lines()
    return _write(d, "backwards.csv", _text(_cell(lines, 15, _column(lines, "Total Time"), "0:00:05.000")))


def btsda_duplicated_block(d: Path) -> Path:
    """The same records twice, as when two exports are pasted into one file."""
    lines = btsda_lines()
    return _write(d, "pasted_twice.csv", _text(lines + lines[1:6]))


def btsda_duplicated_record(d: Path) -> Path:
    """One record line repeated (same DataPoint, same time)."""
    lines = btsda_lines()
    return _write(d, "repeated.csv", _text(lines[:8] + [lines[7]] + lines[8:]))


def btsda_empty_cycle_cells(d: Path) -> Path:
    lines = btsda_lines()
    k = _column(lines, "Cycle Index")
    for row in (20, 21):
        lines = _cell(lines, row, k, "")
    return _write(d, "no_cycle.csv", _text(lines))


def btsda_opposite_sign(d: Path) -> Path:
    """Currents of the opposite convention: discharge steps with positive current."""
    lines = btsda_lines()
    k = _column(lines, "Current(mA)")
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        fields[k] = fields[k][1:] if fields[k].startswith("-") else ("-" + fields[k] if float(fields[k]) else fields[k])
        out.append(",".join(fields))
    return _write(d, "opposite.csv", _text(out))


def btsda_header_only(d: Path) -> Path:
    return _write(d, "header_only.csv", _text(btsda_lines()[:1]))


def empty_csv(d: Path) -> Path:
    return _write(d, "empty.csv", b"")


def blank_csv(d: Path) -> Path:
    return _write(d, "blank.csv", "\n \n\t\n")


def utf16_with_bom(d: Path) -> Path:
    return _write(d, "utf16.csv", _text(btsda_lines()), encoding="utf-16")


def utf16_without_bom(d: Path) -> Path:
    return _write(d, "utf16le.csv", _text(btsda_lines()), encoding="utf-16-le")


def unknown_csv_header(d: Path) -> Path:
    return _write(d, "other.csv", "a,b,c\n1,2,3\n")


def unknown_suffix(d: Path) -> Path:
    return _write(d, "cell.dat", _text(btsda_lines()))


def wrong_explicit_format(d: Path) -> Path:
    return _write(d, "btsda.csv", _text(btsda_lines()))


def xlsx_garbage(d: Path) -> Path:
    return _write(d, "broken.xlsx", _zip({"xl/workbook.xml": b"<garbage"}))


# --- BioLogic .mpt


def mpt_bad_header_count(d: Path) -> Path:
    lines = mpt_lines()
    lines[1] = "Nb header lines : many"
    return _write(d, "count.mpt", "\r\n".join(lines) + "\r\n", encoding="latin-1")


def mpt_header_block_cut(d: Path) -> Path:
    lines = mpt_lines()
    lines[1] = "Nb header lines : 40"
    return _write(d, "cut.mpt", "\r\n".join(lines[:4]) + "\r\n", encoding="latin-1")


def mpt_text_in_number(d: Path) -> Path:
    lines = mpt_lines()
    head, data = lines[:5], lines[5:]
    data = _cell(["x"] + data, 3, MPT_COLUMNS.index("Ewe/V"), "n/a", sep="\t")[1:]
    return _write(d, "text.mpt", "\r\n".join(head + data) + "\r\n", encoding="latin-1")


def mpt_no_time(d: Path) -> Path:
    lines = mpt_lines()
    lines[4] = lines[4].replace("time/s", "t/s")
    return _write(d, "no_time.mpt", "\r\n".join(lines) + "\r\n", encoding="latin-1")


# --- Battery Data Format CSV


def bdf_duplicated_column(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table = [line + "," + line.split(",")[1] for line in table]
    table[0] = table[0].rsplit(",", 1)[0] + ",voltage_volt"
    return _write(d, "twice_bdf.csv", _text(meta + table))


def bdf_count_with_unit(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table[0] = table[0].replace("Cycle Count / 1", "Cycle Count / furlong")
    return _write(d, "count_unit.csv", _text(meta + table))


def bdf_wrong_dimension(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table[0] = table[0].replace("Current / A", "Current / V")
    return _write(d, "volts_as_amps.csv", _text(meta + table))


def bdf_fractional_step(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table = _cell(table, 6, _column(table, "Step Count / 1"), "1.5")
    return _write(d, "half_step.csv", _text(meta + table))


def bdf_declares_reconstructed(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    meta = [m.replace("# data_source: measured", "# data_source: reconstructed") for m in meta]
    return _write(d, "model_output.csv", _text(meta + table))


def bdf_declares_opposite_sign(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    meta = [("# sign_convention: current > 0 discharges the test object" if m.startswith("# sign_convention")
             else m) for m in meta]
    return _write(d, "discharge_positive.csv", _text(meta + table))


def bdf_infinite_voltage(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table = _cell(table, 8, _column(table, "Voltage / V"), "inf")
    return _write(d, "inf.csv", _text(meta + table))


def bdf_time_backwards(d: Path) -> Path:
    meta, table = _bdf_split(bdf_lines())
    table = _cell(table, 12, _column(table, "Test Time / s"), "-1.0")
    return _write(d, "time_back_bdf.csv", _text(meta + table))


def bdf_unknown_reader_option(d: Path) -> Path:
    return _write(d, "fine_bdf.csv", _text(bdf_lines()))


CASES: dict[str, Case] = {
    # binary files
    "ndax-zip-of-garbage": Case(ndax_zip_of_garbage),
    "ndax-truncated-zip": Case(ndax_truncated),
    "ndax-not-a-zip": Case(ndax_not_a_zip),
    "nda-random-bytes": Case(nda_random),
    "nda-magic-then-garbage": Case(nda_magic_then_garbage),
    "nda-magic-only": Case(nda_magic_only),
    "mpr-garbage": Case(mpr_garbage, needs="galvani"),
    "xlsx-garbage": Case(xlsx_garbage),
    # BTSDA CSV
    "btsda-truncated-line": Case(btsda_truncated, row=12, words=("truncated",)),
    "btsda-missing-column": Case(btsda_missing_voltage, column="Voltage", words=("missing",)),
    "btsda-duplicated-column": Case(btsda_duplicated_column, column="Voltage(V)", words=("twice",)),
    "btsda-unknown-unit": Case(btsda_unknown_unit, column="Voltage(furlong)", words=("furlong",)),
    "latin1-undecodable-unit": Case(btsda_garbled_unit, column="Current(\ufffdA)", words=("unit",)),
    "btsda-text-in-number": Case(btsda_text_in_number, column="Current(mA)", row=7, words=("about 1",)),
    "btsda-nan-run": Case(btsda_nan_run, column="Voltage(V)", row=9, words=("4 such rows",)),
    "btsda-nan-literal": Case(btsda_nan_literal, column="Current(mA)", row=4, words=("finite",)),
    "btsda-time-backwards": Case(btsda_time_backwards, column="Total Time", row=15, words=("backwards",)),
    "btsda-pasted-twice": Case(btsda_duplicated_block, column="DataPoint", row=len(btsda_lines()),
                               words=("duplicated",)),
    "btsda-duplicated-record": Case(btsda_duplicated_record, column="DataPoint", row=8, words=("repeat",)),
    "btsda-empty-cycle-cells": Case(btsda_empty_cycle_cells, column="Cycle Index", row=20),
    "btsda-opposite-sign": Case(btsda_opposite_sign, column="Current(mA)", row=15, words=("sign convention",)),
    "btsda-header-only": Case(btsda_header_only, words=("no data rows",)),
    "empty-file": Case(empty_csv, words=("empty",)),
    "blank-lines-only": Case(blank_csv, words=("empty",)),
    "utf16-with-bom": Case(utf16_with_bom, words=("UTF-16",)),
    "utf16-without-bom": Case(utf16_without_bom, words=("UTF-16",)),
    "csv-header-of-no-format": Case(unknown_csv_header, words=("no supported format",)),
    "unknown-suffix": Case(unknown_suffix, words=("unknown file type",)),
    "btsda-read-as-mpt": Case(wrong_explicit_format, format="biologic-mpt", words=("time/s",)),
    # BioLogic .mpt
    "mpt-bad-header-count": Case(mpt_bad_header_count, words=("line 2", "Nb header lines")),
    "mpt-header-block-cut": Case(mpt_header_block_cut, words=("header block",)),
    "mpt-text-in-number": Case(mpt_text_in_number, column="Ewe/V", row=3, words=("n/a",)),
    "mpt-no-time-column": Case(mpt_no_time, column="time/s"),
    # Battery Data Format CSV
    "bdf-duplicated-column": Case(bdf_duplicated_column, column="voltage_volt", words=("twice",)),
    "bdf-count-with-unit": Case(bdf_count_with_unit, column="Cycle Count / furlong", words=("furlong",)),
    "bdf-wrong-dimension": Case(bdf_wrong_dimension, column="Current / V", words=("not a current",)),
    "bdf-fractional-step": Case(bdf_fractional_step, column="Step Count / 1", row=6, words=("whole number",)),
    "bdf-data-source-mismatch": Case(bdf_declares_reconstructed, words=("reconstructed",)),
    "bdf-opposite-sign-declared": Case(bdf_declares_opposite_sign, column="Current / A", words=("sign convention",)),
    "bdf-infinite-voltage": Case(bdf_infinite_voltage, column="Voltage / V", row=8, words=("finite",)),
    "bdf-time-backwards": Case(bdf_time_backwards, column="Test Time / s", row=12, words=("backwards",)),
    "unknown-reader-option": Case(bdf_unknown_reader_option, spec={"reader_options": {"colour": "blue"}},
                                  words=("colour",)),
}


def _checked(message: str, path: Path, case: Case) -> None:
    assert "\n" not in message.strip(), message
    assert path.name in message, message
    if case.column is not None:
        assert f"column '{case.column}'" in message, message
    if case.row is not None:
        assert re.search(rf"\brow {case.row}\b", message), message
    for word in case.words:
        assert word in message, message


def _make(case: Case, folder: Path) -> Path:
    if case.needs:
        pytest.importorskip(case.needs)
    folder.mkdir()
    return case.make(folder)


@pytest.mark.parametrize("name", sorted(CASES))
def test_read_cycler_refuses_in_one_line(name, tmp_path):
    case = CASES[name]
    path = _make(case, tmp_path / "in")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(DataError) as err:
        read_cycler(path, case.format, data_source=case.data_source, **case.spec.get("reader_options", {}))
    _checked(str(err.value), path, case)
    assert sorted(tmp_path.rglob("*")) == before


def _spec(path: Path, case: Case) -> str:
    return json.dumps({"file": str(path), "format": case.format, "data_source": case.data_source,
                       "kind": "half_cell", "ce_convention": "plating", "area_cm2": 0.785, **case.spec})


@pytest.mark.parametrize("name", sorted(CASES))
def test_ingest_refuses_in_one_line_and_writes_nothing(name, tmp_path, capsys):
    case = CASES[name]
    path = _make(case, tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    code = ingest_main(["--cell", "c1", "--spec", _spec(path, case), "--netcdf", str(out / "c1.nc"),
                        "--cycles", str(out / "c1_cycles.csv")])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.startswith("error: cell 'c1': "), err
    _checked(err, path, case)
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------------------ bad ingest specs

SPEC_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "area-is-text": ({"area_cm2": "big"}, "cells.c1.area_cm2"),
    "area-negative": ({"area_cm2": -0.5}, "cells.c1.area_cm2"),
    "area-boolean": ({"area_cm2": True}, "cells.c1.area_cm2"),
    "kind-missing": ({"kind": None}, "cells.c1.kind"),
    "ce-convention-unknown": ({"ce_convention": "sideways"}, "cells.c1.ce_convention"),
    "format-unknown": ({"format": "neware-foo"}, "cells.c1.format"),
    "data-source-paper": ({"data_source": "paper"}, "cells.c1.data_source"),
    "reader-options-not-a-mapping": ({"reader_options": "fast"}, "cells.c1.reader_options"),
    "file-missing": ({"file": "no_such_cell.csv"}, "no_such_cell.csv"),
    "reference-cycle-text": ({"reference_cycle": "first"}, "cells.c1.reference_cycle"),
    "loading-zero": ({"loading_mg_cm2": 0}, "cells.c1.loading_mg_cm2"),
}


@pytest.mark.parametrize("name", sorted(SPEC_CASES))
def test_ingest_refuses_a_bad_spec_naming_the_key(name, tmp_path, capsys):
    change, named = SPEC_CASES[name]
    source = _write(tmp_path, "fine.csv", _text(bdf_lines()))
    spec = {"file": str(source), "format": "auto", "data_source": "measured", "kind": "half_cell",
            "ce_convention": "plating", "area_cm2": 0.785}
    spec.update(change)
    if spec["file"] == "no_such_cell.csv":
        spec["file"] = str(tmp_path / "no_such_cell.csv")
    spec = {k: v for k, v in spec.items() if v is not None}
    out = tmp_path / "out"
    out.mkdir()
    code = ingest_main(["--cell", "c1", "--spec", json.dumps(spec), "--netcdf", str(out / "c1.nc"),
                        "--cycles", str(out / "c1_cycles.csv")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and err.startswith("error: cell 'c1': ")
    assert named in err, err
    assert list(out.iterdir()) == []


@pytest.mark.slow  # a command per case
@pytest.mark.parametrize("name", ["nda-magic-then-garbage", "btsda-nan-run", "utf16-with-bom"])
def test_ingest_command_prints_one_line_and_no_traceback(name, tmp_path):
    """As the workflow runs it: a separate Python process."""
    case = CASES[name]
    path = _make(case, tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run([sys.executable, "-m", "analysis.ingest", "--cell", "c1", "--spec", _spec(path, case),
                             "--netcdf", str(out / "c1.nc"), "--cycles", str(out / "c1_cycles.csv")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    _checked(lines[-1], path, case)
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------------------ bad config/config.yaml

CELL_LINE = "hc_sus_exp\treconstructed:hc_sus_exp\t\thalf_cell\t"
#: case -> (text replaced in config/config.yaml or config/cells.tsv, replacement, words the error must contain:
#: the file, column or config key, and the bad value)
CONFIG_CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "measured-file-missing": (CELL_LINE, "hc_sus_exp\tno_such_cell.csv\t\thalf_cell\t",
                              ("config/cells.tsv, column 'source', row 2", "no_such_cell.csv")),
    "measured-glob-matches-nothing": (CELL_LINE, "hc_sus_exp\tbatch7/*.ndax\t\thalf_cell\t",
                                      ("config/cells.tsv, column 'source', row 2", "batch7/*.ndax")),
    "mc-samples-text": ("mc_samples: 20000", 'mc_samples: "many"', ("mc_samples", "many")),
    "area-text": ("symmetric\t\t0.7854", "symmetric\t\tbig",
                  ("config/cells.tsv, column 'area_cm2', row 17", "big")),
    "format-unknown": (CELL_LINE, "hc_sus_exp\treconstructed:hc_sus_exp\tneware-foo\thalf_cell\t",
                       ("config/cells.tsv, column 'format', row 2", "neware-foo")),
    "interval-out-of-range": ("interval: 0.95", "interval: 1.5", ("interval", "1.5")),
    "kind-unknown": (CELL_LINE, "hc_sus_exp\treconstructed:hc_sus_exp\t\tquarter_cell\t",
                     ("config/cells.tsv, column 'kind', row 2", "quarter_cell")),
    "measured-dir-empty": ("measured_dir: data/measured", 'measured_dir: ""', ("measured_dir",)),
}
OUTPUT_DIRS = ("results", "figures", "tables")


def _working_files() -> list[str]:
    """Files of the working tree that git tracks or would track (what a clone plus local edits holds)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    return [name for name in out.split("\0") if name and (ROOT / name).is_file()]


def copy_repository(target: Path) -> Path:
    for name in _working_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def _outputs(copy: Path) -> list[str]:
    return sorted(str(p.relative_to(copy)) for d in OUTPUT_DIRS if (copy / d).exists() for p in (copy / d).rglob("*"))


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("config_cases") / "repo")


def _dry_run_with(copy: Path, old: str, new: str) -> subprocess.CompletedProcess:
    """``snakemake --dry-run`` in ``copy`` with ``old`` replaced by ``new`` in its config or sample sheet
    (restored after)."""
    config = copy / "config/config.yaml"
    if old not in config.read_text(encoding="utf-8"):
        config = copy / "config/cells.tsv"
    original = config.read_text(encoding="utf-8")
    assert old in original, old
    config.write_text(original.replace(old, new, 1), encoding="utf-8")
    try:
        return subprocess.run([str(Path(sys.executable).parent / "snakemake"), "--dry-run"], cwd=copy,
                              capture_output=True, text=True, timeout=120)
    finally:
        config.write_text(original, encoding="utf-8")


@pytest.mark.slow  # a Snakemake dry run per case
@pytest.mark.parametrize("name", sorted(CONFIG_CASES))
def test_bad_config_is_refused_by_a_dry_run(name, repo_copy):
    old, new, words = CONFIG_CASES[name]
    outside = repo_copy.parent / "outside.csv"  # an existing file, by absolute path, outside the copy
    outside.write_text("Test Time / s,Voltage / V,Current / A\n0,3.7,0\n", encoding="utf-8")
    new, words = new.replace("{outside}", str(outside)), tuple(w.replace("{outside}", str(outside)) for w in words)
    before = _outputs(repo_copy)
    result = _dry_run_with(repo_copy, old, new)
    text = result.stdout + result.stderr
    assert result.returncode != 0, text[-2000:]
    assert "Traceback (most recent call last)" not in text
    for word in words:
        assert word in text, (word, text[-2000:])
    assert _outputs(repo_copy) == before


@pytest.mark.slow  # a Snakemake dry run
def test_a_missing_measured_file_names_its_row(repo_copy):
    old, new, _ = CONFIG_CASES["measured-file-missing"]
    result = _dry_run_with(repo_copy, old, new)
    assert result.returncode != 0
    assert "config/cells.tsv, column 'source', row 2: file not found" in result.stdout + result.stderr
