"""Cohort: metrics and group statistics (unit tests), and a lab's folder of files end to end.

The end-to-end test is what a new user does: a folder of cycler files OUTSIDE the repository, rows
in config/cells.tsv (one of them a glob), ``measured_dir`` set, a bare ``snakemake``; then per-cell
overviews, tables/cohort_metrics.csv, tables/cohort_groups.csv and the cohort figures exist, with
the CE the synthetic files were made with.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analysis.cohort import cell_metrics, cell_traces, group_bands, group_statistics, mean_interval
from analysis.cycling import cycle_summary
from analysis.units import Q_
from synthetic import cycling_records
from copies import full_copy

ROOT = Path(__file__).resolve().parents[1]
end_to_end = pytest.mark.slow
COHORT_FIGURES = [f"figures/cohort_{stem}.{ext}" for stem in ("retention", "ce", "vs_paper") for ext in ("png", "svg")]


def full_cell(ces: list[float], capacity_mAh: float = 1.0, fade: float = 0.0) -> list[list[tuple[str, float, float]]]:
    """Cycles of a full cell: charge ``capacity`` at 1 mA (fading by ``fade`` per cycle), rest, discharge CE × it."""
    cycles = []
    for k, ce in enumerate(ces):
        charge_s = 3600.0 * capacity_mAh * (1 - fade) ** k
        cycles.append([("CC_Chg", 1e-3, charge_s), ("Rest", 0.0, 60.0), ("CC_DChg", -1e-3, charge_s * ce)])
    return cycles


# ------------------------------------------------------------------------------------------------ unit

def test_cell_metrics_of_a_known_full_cell():
    ds = cycling_records(full_cell([0.9] + [0.99] * 9, fade=0.01), dt=60.0)
    ds.attrs.update(data_source="measured")
    summary = cycle_summary(ds, convention="full_cell", area=Q_(1.0, "cm^2"))
    row = cell_metrics(ds, summary, cell="c1", group="g", kind="full_cell", reference_cycle=2, retention_cycle=5)
    assert row["cycles"] == 10 and row["data_source"] == "measured"
    assert row["initial_coulombic_efficiency_percent"] == pytest.approx(90.0, rel=1e-9)
    assert row["mean_coulombic_efficiency_percent"] == pytest.approx((90 + 9 * 99) / 10, rel=1e-9)
    assert row["first_discharge_capacity_mAh"] == pytest.approx(0.9, rel=1e-9)
    # discharge of cycle k is 0.99 x 0.99^(k-1) mAh (k >= 2): retention vs cycle 2 is 0.99^(k-2)
    assert row["retention_at_cycle_percent"] == pytest.approx(100 * 0.99 ** 3, rel=1e-9)
    assert row["retention_last_percent"] == pytest.approx(100 * 0.99 ** 8, rel=1e-9)
    assert row["failure_cycle"] == "" and row["nucleation_overpotential_mV"] == ""
    trace = cell_traces(summary, cell="c1", group="g", data_source="measured", reference_cycle=2)
    assert trace["retention_percent"][1] == pytest.approx(100.0) and trace["ce_percent"][0] == pytest.approx(90.0)
    short = cell_metrics(ds, summary, cell="c1", group="g", kind="full_cell", reference_cycle=2, retention_cycle=50)
    assert short["retention_at_cycle_percent"] == ""  # the data do not reach cycle 50


def test_an_odd_last_cycle_is_counted_and_left_out_of_mean_ce_and_failure():
    """A test stopped after the charge of its last cycle: that cycle has no discharge (CE 0 %), is flagged
    odd by the cycle definition, and neither lowers the mean CE nor counts as a failure."""
    from analysis.cycling import cycle_flags
    from analysis.ingest import with_flags

    ds = cycling_records(full_cell([0.9] + [0.99] * 5), dt=60.0)
    ds.attrs.update(data_source="measured")
    cycle = np.asarray(ds["cycle_count"].data.magnitude, dtype=int)
    discharging = (cycle == cycle.max()) & (np.asarray(ds["current_ampere"].data.magnitude) < 0)
    ds = ds.isel(record=np.flatnonzero(~discharging))  # the last discharge never happened
    summary = with_flags(cycle_summary(ds, convention="full_cell"), cycle_flags(ds, convention="full_cell"))
    assert summary["cycle_flag"].values[-1] != "" and (summary["cycle_flag"].values[:-1] == "").all()
    row = cell_metrics(ds, summary, cell="c1", group="g", kind="full_cell", reference_cycle=1, retention_cycle=3)
    assert (row["cycles"], row["odd_cycles"]) == (6, 1)
    assert row["mean_coulombic_efficiency_percent"] == pytest.approx((90 + 4 * 99) / 5, rel=1e-9)
    assert row["failure_cycle"] == ""  # the missing discharge is not a short
    assert row["initial_coulombic_efficiency_percent"] == pytest.approx(90.0, rel=1e-9)


def test_group_statistics_use_the_t_interval_and_leave_one_cell_groups_without_spread():
    values = [90.0, 91.0, 93.5]
    got = mean_interval(values)
    half = stats.t.ppf(0.975, 2) * np.std(values, ddof=1) / np.sqrt(3)
    assert got["n"] == 3 and got["mean"] == pytest.approx(np.mean(values))
    assert (got["ci95_low"], got["ci95_high"]) == pytest.approx((np.mean(values) - half, np.mean(values) + half))
    rows = [{"group": "a", "x": v} for v in values] + [{"group": "b", "x": 80.0}, {"group": "b", "x": ""}]
    table = group_statistics(rows, ["x"])
    assert [(r["group"], r["n"]) for r in table] == [("a", 3), ("b", 1)]
    assert table[1]["mean"] == 80.0 and table[1]["sd"] == table[1]["ci95_low"] == table[1]["ci95_high"] == ""


def test_group_bands_average_over_the_cells_that_reach_each_cycle():
    traces = [{"group": "g", "cycle": np.array([1, 2, 3]), "v": np.array([1.0, 2.0, 3.0])},
              {"group": "g", "cycle": np.array([1, 2]), "v": np.array([3.0, 4.0])}]
    band = group_bands(traces, "v")["g"]
    assert band["cycle"].tolist() == [1, 2, 3] and band["n"].tolist() == [2, 2, 1]
    assert band["mean"].tolist() == [2.0, 3.0, 3.0]
    assert band["sd"][0] == pytest.approx(np.sqrt(2)) and np.isnan(band["sd"][2])


def test_figure_notes_name_measured_and_reconstructed_cells_apart():
    from analysis.cohort_figures import reported_marks, sources_note

    traces = [{"cell": "a", "group": "il", "data_source": "measured"},
              {"cell": "b", "group": "il", "data_source": "measured"},
              {"cell": "fc", "group": "fc", "data_source": "reconstructed"}]
    source, detail = sources_note(traces, {"paper": "marks"})
    assert source == "paper"
    assert detail == ("paper: marks; reconstructed: 1 cell (fc), model of analysis/reconstruct from the paper's "
                      "protocols; measured: 2 cells (il)")
    assert sources_note(traces[:2]) == ("measured", "measured: 2 cells (il)")
    rows = [{"id": "r", "quantity": "capacity_retention", "value": "94.6", "unit": "percent", "at_cycle": "100"},
            {"id": "i", "quantity": "initial_coulombic_efficiency", "value": "92.0", "unit": "percent", "at_cycle": ""}]
    assert [(m["panel"], m["cycle"], m["value"]) for m in reported_marks(rows, ["r", "i"])] == [
        ("retention_percent", 100, 94.6), ("ce_percent", 1, 92.0)]
    with pytest.raises(KeyError, match="no id 'x'"):
        reported_marks(rows, ["x"])


# ------------------------------------------------------------------------------------------------ end to end

def snakemake(copy: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 0, f"snakemake {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def planned(copy: Path) -> dict[str, int]:
    import re

    out = snakemake(copy, "--dry-run")
    text = out.stdout + out.stderr
    if "Nothing to be done" in text:
        return {}
    block = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.M)}


def write_lab_file(path: Path, ces: list[float], fade: float = 0.0) -> None:
    from analysis.io.bdf import write_bdf_csv

    records = cycling_records(full_cell(ces, fade=fade), dt=60.0, source_file=path.name)
    records.attrs["data_source"] = "measured"
    write_bdf_csv(records, path)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def lab(tmp_path_factory, workflow_copy):
    """A copy of the session's built workflow (the paper's reproduction, as after `make`) whose sheet then
    lists, after the paper's cells, a lab's files (outside the repository)."""
    base = tmp_path_factory.mktemp("cohort")
    copy, files = base / "repo", base / "lab files"
    full_copy(workflow_copy, copy)  # file times kept: the copy is up to date
    files.mkdir()
    for k, ice in enumerate((0.90, 0.91, 0.92), start=1):  # three replicates: ICE 90-92 %, then 99 %
        write_lab_file(files / f"il_{k}.csv", [ice] + [0.99] * 5, fade=0.01)
    write_lab_file(files / "bare_1.csv", [0.85] + [0.97] * 5, fade=0.03)
    (files / "notes.txt").write_text("not a cell\n", encoding="utf-8")
    rows = ["lab\til_*.csv\t\tfull_cell\tinterlayer\t0.7854\t13.4\t\t",
            "lab_bare\tbare_1.csv\tbdf-csv\tfull_cell\tbare\t0.7854\t\t\t"]
    with open(copy / "config/cells.tsv", "a", encoding="utf-8") as sheet:
        sheet.write("\n".join(rows) + "\n")
    config = copy / "config/config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("measured_dir: data/measured", f"measured_dir: {json.dumps(str(files))}")
                      .replace("compare_group: null", "compare_group: interlayer"), encoding="utf-8")
    before = digests(files)
    targets = ["tables/cohort_metrics.csv", "tables/cohort_groups.csv", *COHORT_FIGURES,
               *[f"{kind}/cells/{cell}_{suffix}" for cell in ("lab_il_1", "lab_il_2", "lab_il_3", "lab_bare")
                 for kind, suffix in (("figures", "overview.png"), ("tables", "summary.csv"))]]
    snakemake(copy)  # bare, as a user runs it: the lab's cells, the cohort step and what lists every output
    assert digests(files) == before, "the workflow wrote into the lab's folder"
    return copy, files, targets


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@end_to_end
def test_a_lab_folder_outside_the_repository_gives_overviews_and_cohort_tables(lab):
    copy, files, targets = lab
    for target in targets:
        assert (copy / target).stat().st_size > 0, target
    metrics = {r["cell"]: r for r in read_csv(copy / "tables/cohort_metrics.csv")}
    assert len(metrics) == 17 + 4 and {"lab_bare", "lab_il_1", "lab_il_2", "lab_il_3"} <= set(metrics)
    for k, ice in enumerate((90.0, 91.0, 92.0), start=1):
        row = metrics[f"lab_il_{k}"]
        assert (row["group"], row["data_source"], row["cycles"]) == ("interlayer", "measured", "6")
        assert float(row["initial_coulombic_efficiency_percent"]) == pytest.approx(ice, rel=1e-6)
        assert float(row["mean_coulombic_efficiency_percent"]) == pytest.approx((ice + 5 * 99) / 6, rel=1e-6)
        assert float(row["first_discharge_capacity_mAh"]) == pytest.approx(ice / 100, rel=1e-6)
    assert metrics["fc_il_65mpa_cycling"]["data_source"] == "reconstructed"
    assert float(metrics["fc_il_65mpa_cycling"]["retention_at_cycle_percent"]) == pytest.approx(94.6, abs=0.05)
    groups = {(r["group"], r["metric"]): r for r in read_csv(copy / "tables/cohort_groups.csv")}
    ice = groups[("interlayer", "initial_coulombic_efficiency_percent")]
    assert ice["n"] == "3" and float(ice["mean"]) == pytest.approx(91.0, rel=1e-6)
    assert float(ice["sd"]) == pytest.approx(1.0, rel=1e-6)
    half = stats.t.ppf(0.975, 2) / np.sqrt(3)
    assert (float(ice["ci95_low"]), float(ice["ci95_high"])) == pytest.approx((91 - half, 91 + half), rel=1e-6)
    bare = groups[("bare", "initial_coulombic_efficiency_percent")]
    assert bare["n"] == "1" and bare["sd"] == "" and float(bare["mean"]) == pytest.approx(85.0, rel=1e-6)


@end_to_end
def test_outputs_record_the_outside_files_sha256_and_say_measured(lab):
    copy, files, _ = lab
    record = json.loads((copy / "figures/cells/lab_il_2_overview.png.prov.json").read_text(encoding="utf-8"))
    inputs = {Path(e["path"]).name: e["sha256"] for e in record["inputs"]}
    assert inputs["il_2.csv"] == hashlib.sha256((files / "il_2.csv").read_bytes()).hexdigest()
    assert record["data_source"] == "measured"
    cohort = json.loads((copy / "tables/cohort_metrics.csv.prov.json").read_text(encoding="utf-8"))
    assert cohort["data_source"] == ["measured", "paper", "reconstructed"]  # the paper: reported values marked
    assert (copy / "results/notebooks/cohort.ipynb").is_file()


@end_to_end
def test_a_changed_or_added_file_reruns_only_its_cell_and_the_cohort(lab):
    copy, files, targets = lab
    assert planned(copy) == {}
    write_lab_file(files / "il_2.csv", [0.95] + [0.99] * 5, fade=0.01)  # the lab re-exports one file
    assert planned(copy) == {"cell": 1, "cohort": 1, "provenance_summary": 1, "all": 1}
    write_lab_file(files / "il_4.csv", [0.93] + [0.99] * 5)  # and adds a replicate: no manual step
    assert planned(copy) == {"cell": 2, "cohort": 1, "provenance_summary": 1, "all": 1}
    snakemake(copy, "tables/cohort_metrics.csv")
    metrics = {r["cell"]: r for r in read_csv(copy / "tables/cohort_metrics.csv")}
    assert float(metrics["lab_il_2"]["initial_coulombic_efficiency_percent"]) == pytest.approx(95.0, rel=1e-6)
    assert float(metrics["lab_il_4"]["initial_coulombic_efficiency_percent"]) == pytest.approx(93.0, rel=1e-6)


def test_reading_a_large_file_prints_its_progress(tmp_path):
    import io
    import time

    from analysis.progress import FileProgress

    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 1_000_000)
    out = io.StringIO()
    with FileProgress(path, label="reading big.bin", min_bytes=1000, interval=0.01, stream=out):
        with open(path, "rb") as handle:
            while handle.read(100_000):
                time.sleep(0.03)
    lines = out.getvalue().splitlines()
    assert lines == [f"reading big.bin: {k} %" for k in range(10, 101, 10)]
    quiet = io.StringIO()
    with FileProgress(path, stream=quiet):  # below min_bytes: nothing, so small files' logs do not vary
        path.read_bytes()
    assert quiet.getvalue() == ""


@end_to_end  # cold and warm commands
def test_the_warm_path_gives_the_bytes_of_a_cold_run_and_its_errors(tmp_path):
    """python -m analysis.overview through the warm process (analysis.warm) and cold: same files, same exit codes."""
    import os

    from analysis.io.bdf import write_bdf_csv

    records = cycling_records(full_cell([0.9, 0.99, 0.99]), dt=60.0, source_file="cell.csv")
    records.attrs["data_source"] = "measured"
    write_bdf_csv(records, tmp_path / "cell.csv")
    spec = {"file": str(tmp_path / "cell.csv"), "data_source": "measured", "format": "bdf-csv", "kind": "full_cell",
            "ce_convention": "full_cell", "area_cm2": 1.0, "loading_mg_cm2": None, "reference_cycle": 1}

    def run(name: str, warm: str, spec: dict) -> subprocess.CompletedProcess:
        out = tmp_path / name
        out.mkdir(exist_ok=True)
        env = {**os.environ, "COMPENDIUM_WARM": warm, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
        return subprocess.run([sys.executable, "-m", "analysis.overview", "--cell", "c", "--spec", json.dumps(spec),
                               "--netcdf", str(out / "c.nc"), "--cycles", str(out / "c_cycles.csv"),
                               "--figure", str(out / "c_overview"), "--summary", str(out / "c_summary.csv")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    cold, warm, again = run("cold", "0", spec), run("warm", "1", spec), run("again", "1", spec)
    for done in (cold, warm, again):
        assert done.returncode == 0, done.stdout + done.stderr
        assert re.search(r"^\[2/4\] c: \d+ records, 3 cycles; CE = discharge / charge$", done.stdout, re.M)
    for name in ("c_cycles.csv", "c_summary.csv", "c_overview.png", "c_overview.svg"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
    bad = run("bad", "1", {**spec, "kind": "quarter_cell"})
    assert bad.returncode == 1 and "error: cell 'c': cells.c.kind" in bad.stdout + bad.stderr
    assert not any((tmp_path / "bad").iterdir())  # nothing written
