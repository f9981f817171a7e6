"""Public cycler test files through the readers, both cycle definitions and the CE metrics, each
checked against the cycler's own numbers where the file's repository has them. Prints; asserts nothing.

    .venv/bin/python benchmarks/real_files.py --data FOLDER      # or BENCHMARK_DATA=FOLDER

FOLDER holds the files below under these names (none is part of this repository; fetch them from
the repositories named, at their test-data paths):

=========================  ==============================================================================
name in FOLDER             repository: path
=========================  ==============================================================================
nw4.ndax                   g-kimbell/fastnda: tests/test_data/nw4-120-1-6-53.ndax
nw4.parquet                g-kimbell/fastnda: tests/test_data/nw4-120-1-6-53.parquet (BTSDA's export)
test_2.ndax, .parquet      g-kimbell/fastnda: tests/test_data/test_2.ndax, test_2.parquet
m50t.ndax, .parquet        g-kimbell/fastnda: tests/test_data/TESTCELL0001-B2-2025-M50T_NewareNDA_Investigation.*
bts85.ndax                 g-kimbell/fastnda: tests/test_data/BTS85-36-6-5-110-20240424.ndax
neware_uio.csv             jepegit/cellpy: testdata/data/neware_uio.csv (BTSDA CSV)
nw_ife.csv                 jepegit/cellpy: testdata/data/nw_regular_export_ife_example.csv (BTSDA CSV)
batmo_bdf.csv              jepegit/cellpy: testdata/data/batmo_bdf.csv (BDF, current > 0 discharging)
gcpl.pr_182.1.mpt, …       dgbowl/yadg: tests/test_x_eclab/gcpl.pr_182.1.mpt, gcpl.pr_182.2.mpt,
                           gcpl.issue_211.mpt, gcpl.issue_149.mpt
landt.bdf.csv              battery-data-alliance/battery-data-format:
                           docs/examples/reference/SINTEF__LiGrR2032__2024-04-30__25degC__Landt.bdf.csv
landt_raw.csv              battery-data-alliance/battery-data-format:
                           data/SINTEF__LiGrR2032__2024-04-30__25degC__Landt.csv (Landt's own export)
neware.bdf.csv             battery-data-alliance/battery-data-format: docs/examples/reference/
                           SINTEF__G20M7-202512-Gru6mV__20251228__C30__25degC__Neware.bdf.csv
=========================  ==============================================================================

Missing files are skipped. Checks: Neware ``.ndax`` per-cycle capacities against BTSDA's export
of the same test (fastnda's reference ``.parquet``) and the half-cycles against fastnda's
``cycle_mode="auto"``; EC-Lab ``.mpt`` half-cycles against EC-Lab's own ``half cycle`` and
``Q charge/discharge`` columns; the Landt BDF file (no cycle column) against Landt's own export
(``cycle_index``, per-step capacities).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.cycling import assign_cycles, cycle_flags, cycle_summary  # noqa: E402
from analysis.efficiency import initial_coulombic_efficiency  # noqa: E402
from analysis.io import read_cycler  # noqa: E402

# name, CE convention (from what the file's cell is: see the module docstring), reader options
FILES = [
    ("nw4.ndax", "full_cell", {}), ("test_2.ndax", "full_cell", {}), ("m50t.ndax", "full_cell", {}),
    ("bts85.ndax", "full_cell", {}), ("neware_uio.csv", "plating", {}), ("nw_ife.csv", "full_cell", {}),
    ("gcpl.pr_182.1.mpt", "plating", {}), ("gcpl.pr_182.2.mpt", "plating", {}),
    ("gcpl.issue_211.mpt", "full_cell", {}), ("gcpl.issue_149.mpt", "full_cell", {}),
    ("landt.bdf.csv", "plating", {}), ("neware.bdf.csv", "full_cell", {"ignore_columns": ["cycle_count"]}),
    ("batmo_bdf.csv", "full_cell", {"current_sign": "discharge_positive"}),
]


def metrics(ds, definition: str, convention: str, **options) -> tuple[dict, object]:
    """Cycles, odd cycles, ICE, mean CE of the cycles not flagged, first discharge capacity."""
    records = assign_cycles(ds, definition, **options)
    summary = cycle_summary(records, convention=convention)
    flags = cycle_flags(records, convention=convention)
    ce = summary["coulombic_efficiency"].data.to("percent").magnitude
    good = (flags["cycle_flag"].values == "") & np.isfinite(ce)
    discharge = summary["discharge_capacity"].data.to("mA*h").magnitude
    return {"cycles": summary.sizes["cycle"], "odd": int((flags["cycle_flag"].values != "").sum()),
            "ice": float(initial_coulombic_efficiency(summary).to("percent").magnitude),
            "mean": float(ce[good].mean()) if good.any() else float("nan"),
            "first_discharge": float(discharge[np.flatnonzero(discharge > 0)[0]]) if (discharge > 0).any() else 0.0,
            "first": flags.attrs["first_direction"]}, summary


def per_cycle(summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (summary["cycle"].values, summary["charge_capacity"].data.to("mA*h").magnitude,
            summary["discharge_capacity"].data.to("mA*h").magnitude)


def compare(ours, theirs) -> str:
    (c1, q1, d1), (c2, q2, d2) = ours, theirs
    if len(c1) != len(c2):
        return f"{len(c1)} vs {len(c2)} cycles"
    return (f"{len(c1)} cycles, same numbers {np.array_equal(c1, c2)}, max |Δ charge| {np.max(np.abs(q1 - q2)):.1e} mAh, "
            f"max |Δ discharge| {np.max(np.abs(d1 - d2)):.1e} mAh")


def _last_per_step(steps, capacity, kind, cycles):
    frame = pd.DataFrame({"step": steps, "q": np.abs(capacity), "kind": kind, "cycle": cycles})
    last = frame.groupby("step", sort=False).tail(1)
    charge = last["q"].where(last["kind"] > 0, 0.0).groupby(last["cycle"]).sum()
    discharge = last["q"].where(last["kind"] < 0, 0.0).groupby(last["cycle"]).sum()
    return charge.index.values, charge.values, discharge.values


def btsda_export(parquet: Path):
    """BTSDA's own export (fastnda's reference file): per Cycle Index, the sum of its steps' last |capacity|."""
    import polars as pl

    frame = pl.read_parquet(parquet)
    kind = np.array([(-1 if "dchg" in t.lower() else (1 if "chg" in t.lower() else 0))
                     for t in frame["Step Type"].cast(pl.String).to_list()])
    return _last_per_step(frame["Step Count"].to_numpy(), frame["Capacity(mAs)"].to_numpy() / 3600.0, kind,
                          frame["Cycle Index"].to_numpy())


def fastnda_cycles(path: Path, mode: str):
    import fastnda

    frame = fastnda.read(path, cycle_mode=mode)
    capacity = frame["capacity_mAh"].to_numpy().astype(float)
    return _last_per_step(frame["step_count"].to_numpy(), capacity, np.sign(capacity), frame["cycle_count"].to_numpy())


def eclab_half_cycles(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """|Q charge/discharge| at the end of each of EC-Lab's own half cycles: (discharges, charges) in mAh."""
    lines = Path(path).read_text(encoding="latin-1").splitlines()
    header = int(lines[1].split(":")[1]) if lines[0].startswith("EC-Lab") else 1
    names = [c.strip() for c in lines[header - 1].rstrip("\t ").split("\t")]
    frame = pd.read_csv(path, sep="\t", skiprows=header, header=None, encoding="latin-1", dtype=str).iloc[:, :len(names)]
    frame.columns = names
    q = pd.to_numeric(frame["Q charge/discharge/mA.h"].str.replace(",", "."))
    half = pd.to_numeric(frame["half cycle"].str.replace(",", "."))
    ends = q.groupby(half).apply(lambda x: x.iloc[int(np.argmax(np.abs(x.values)))])
    return -ends[ends < 0].values, ends[ends > 0].values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("BENCHMARK_DATA"), help="folder of the public files")
    args = parser.parse_args(argv)
    if not args.data:
        parser.error("give --data FOLDER (or BENCHMARK_DATA)")
    warnings.simplefilter("ignore")
    data = Path(args.data)
    print("| file | reader options | CE convention | records | file counter: cycles (odd); ICE; mean CE of cycles "
          "not flagged; 1st discharge | half-cycles: the same | first direction |")
    print("|---|---|---|---|---|---|---|")
    checks = []
    for name, convention, options in FILES:
        path = data / name
        if not path.is_file():
            print(f"| {name} | missing |")
            continue
        ds = read_cycler(path, **options)
        cells = [name, ", ".join(f"{k}: {v}" for k, v in options.items()) or "—", convention, f"{ds.sizes['record']:,}"]
        summaries = {}
        for definition in ("file", "half_cycles"):
            if definition == "file" and "cycle_count" not in ds:
                cells.append("no cycle column")
                continue
            m, summaries[definition] = metrics(ds, definition, convention)
            cells.append(f"{m['cycles']} ({m['odd']}); {m['ice']:.2f} %; {m['mean']:.2f} %; {m['first_discharge']:.4g} mAh")
        cells.append(m["first"])
        if m["first"] == "discharge" and convention == "full_cell":
            m2, _ = metrics(ds, "half_cycles", convention, start_with="charge")
            cells[-2] += (f"; with start_with=charge: {m2['cycles']} ({m2['odd']}); mean CE {m2['mean']:.2f} %")
        print("| " + " | ".join(cells) + " |")
        reference = path.with_suffix(".parquet")
        if path.suffix == ".ndax":
            if reference.is_file():
                export = btsda_export(reference)
                checks.append(f"{name}: file counter vs BTSDA's export: {compare(per_cycle(summaries['file']), export)}; "
                              f"half-cycles vs BTSDA's export: {compare(per_cycle(summaries['half_cycles']), export)}")
            checks.append(f"{name}: half-cycles vs fastnda cycle_mode='auto': "
                          f"{compare(per_cycle(summaries['half_cycles']), fastnda_cycles(path, 'auto'))}")
        if path.suffix == ".mpt":
            discharges, charges = eclab_half_cycles(path)
            _, ours_charge, ours_discharge = per_cycle(summaries["half_cycles"])
            n, k = min(len(discharges), len(ours_discharge)), min(len(charges), len(ours_charge))
            checks.append(f"{name}: EC-Lab's half cycles: {len(discharges)} discharge, {len(charges)} charge; ours "
                          f"{len(ours_discharge)} cycles; max |Δ discharge| "
                          f"{np.max(np.abs(ours_discharge[:n] - discharges[:n])):.1e} mAh, max |Δ charge| "
                          f"{np.max(np.abs(ours_charge[:k] - charges[:k])):.1e} mAh")
        if name == "landt.bdf.csv" and (data / "landt_raw.csv").is_file():
            raw = pd.read_csv(data / "landt_raw.csv", skiprows=6, index_col=False)
            ours = assign_cycles(ds, "half_cycles").pint.dequantify()["cycle_count"].values
            last = raw.groupby(["cycle_index", "step_index"]).tail(1)
            _, charge, discharge = per_cycle(summaries["half_cycles"])
            checks.append(f"{name}: half-cycle numbers of every record equal Landt's cycle_index: "
                          f"{np.array_equal(ours, raw['cycle_index'].values)}; Landt per cycle: discharge "
                          f"{(1e3 * last.groupby('cycle_index').discharge_capacity_Ah.sum()).round(4).tolist()} mAh, "
                          f"charge {(1e3 * last.groupby('cycle_index').charge_capacity_Ah.sum()).round(4).tolist()} mAh; "
                          f"ours discharge {discharge.round(4).tolist()}, charge {charge.round(4).tolist()}")
    print()
    print("\n".join(checks))


if __name__ == "__main__":
    main()
