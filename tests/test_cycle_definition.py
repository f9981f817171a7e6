"""Cycle definitions (file counter, half-cycles, auto) against synthetic cells whose truth is known."""

import csv
import json

import numpy as np
import pytest

from analysis.cycling import assign_cycles, cycle_flags, cycle_summary, flag_note
from analysis.efficiency import average_coulombic_efficiency, initial_coulombic_efficiency
from analysis.errors import DataError
from analysis.io import read_cycler
from analysis.io.bdf import write_bdf_csv
from analysis.io.btsda_writer import write_btsda_csv
from analysis.io.core import build_dataset
from analysis.ingest import load_cell, main

MA = 1e-3  # 1 mA in A
# a GCPL half-cell that starts with lithiation (discharge of the test electrode): known mAh per half-cycle
LITHIATION = [3.0, 2.6, 2.5, 2.45]
DELITHIATION = [2.4, 2.5, 2.44, 2.43]


def _records(steps, *, dt=60.0, counter=None, labels=True, capacity=True, step_numbers=None, source="synthetic.csv"):
    """Records of ``steps`` = [(label, current A, duration s), ...]; ``counter`` gives each step's cycle.

    Constant current, except labels starting with ``CV`` (current decays to e^-5 of its start).
    ``step_numbers`` gives each step's step_count (default: 1, 2, …); capacity accumulates
    within a step number, as a cycler's step counter would.
    """
    t_all, i_all, v_all, cyc, step, lab, cap = [], [], [], [], [], [], []
    t0, q_run, previous = 0.0, 0.0, None
    numbers = step_numbers or list(range(1, len(steps) + 1))
    for k, (name, current, duration) in enumerate(steps):
        n = max(int(round(duration / dt)), 1)
        t = np.linspace(0.0, duration, n + 1)
        i = current * np.exp(-5 * t / duration) if name.upper().startswith("CV") else np.full(t.shape, current)
        q = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600.0
        if numbers[k] != previous:
            q_run = 0.0
        t_all.append(t0 + t), i_all.append(i), v_all.append(np.where(i < 0, 0.1, 0.6))
        cyc.append(np.full(t.shape, 0 if counter is None else counter[k]))
        step.append(np.full(t.shape, numbers[k])), lab.append(np.full(t.shape, name)), cap.append(q_run + q)
        q_run += q[-1]
        previous = numbers[k]
        t0 += duration + dt
    columns = {"test_time_second": np.concatenate(t_all), "voltage_volt": np.concatenate(v_all),
               "current_ampere": np.concatenate(i_all), "step_count": np.concatenate(step)}
    if counter is not None:
        columns["cycle_count"] = np.concatenate(cyc)
    if labels:
        columns["step_type"] = np.concatenate(lab)
    if capacity:
        columns["step_net_capacity_ah"] = np.concatenate(cap)
    return build_dataset(columns, source_file=source, format="synthetic", instrument="none",
                         reader="tests.test_cycle_definition", data_source="reconstructed")


def _gcpl_half_cell(counter="biologic", **options):
    """Lithiation first at 1 mA, rests between; BioLogic's counter puts the first lithiation alone in cycle 0."""
    steps, cycles = [("Rest", 0.0, 600.0)], [0]
    for k, (lith, delith) in enumerate(zip(LITHIATION, DELITHIATION)):
        steps += [("CC_DChg", -MA, 3600.0 * lith), ("Rest", 0.0, 600.0), ("CC_Chg", MA, 3600.0 * delith),
                  ("Rest", 0.0, 600.0)]
        cycles += [k, k, k + 1, k + 1]  # EC-Lab: the counter goes up at each charge after a discharge
    return _records(steps, counter=cycles if counter == "biologic" else None, **options)


def _mAh(summary, name):
    return summary[name].data.to("mA*h").magnitude


def _ce(summary):
    return summary["coulombic_efficiency"].data.to("dimensionless").magnitude


def _cycles(ds):
    return ds.pint.dequantify()["cycle_count"].values


@pytest.mark.parametrize("options", [{}, {"labels": False}, {"capacity": False}, {"labels": False, "capacity": False}])
def test_half_cycles_give_the_true_ce_of_a_half_cell_that_starts_with_lithiation(options):
    ds = assign_cycles(_gcpl_half_cell(**options), "half_cycles")
    assert ds.attrs["cycle_definition"] == "half_cycles"
    summary = cycle_summary(ds, convention="plating")
    assert summary["cycle"].values.tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(_mAh(summary, "discharge_capacity"), LITHIATION, rtol=1e-9)
    np.testing.assert_allclose(_mAh(summary, "charge_capacity"), DELITHIATION, rtol=1e-9)
    np.testing.assert_allclose(_ce(summary),
                               np.divide(DELITHIATION, LITHIATION), rtol=1e-9)
    ice = initial_coulombic_efficiency(summary)
    assert ice.to("percent").magnitude == pytest.approx(100 * 2.4 / 3.0, rel=1e-9)  # first delithiation / lithiation
    mean = average_coulombic_efficiency(summary, 1, 4).to("percent").magnitude
    assert mean == pytest.approx(100 * np.mean(np.divide(DELITHIATION, LITHIATION)), rel=1e-9)
    flags = cycle_flags(ds)
    assert not any(flags["cycle_flag"].values) and flags.attrs["first_direction"] == "discharge"
    assert flags["charge_half_cycles"].values.tolist() == [1, 1, 1, 1]


def test_the_file_counter_is_kept_under_file_and_its_odd_cycles_are_flagged():
    raw = _gcpl_half_cell()
    for definition in ("file", "auto"):
        ds = assign_cycles(raw, definition)
        assert ds.attrs["cycle_definition"] == "file"
        np.testing.assert_array_equal(_cycles(ds), _cycles(raw))
    summary = cycle_summary(ds, convention="plating")
    assert summary["cycle"].values.tolist() == [0, 1, 2, 3, 4]
    assert _ce(summary)[0] == 0.0  # the "initial CE 0.0 %" a lab would read
    assert _ce(summary)[1] == pytest.approx(2.4 / 2.6)  # first charge / next discharge
    flags = cycle_flags(ds)
    assert flags.attrs["cycle_definition"] == "file"
    assert flags["cycle_flag"].values[0] == "no charge half-cycle"
    assert "begins with a charge" in flags["cycle_flag"].values[1]
    assert flags["cycle_flag"].values[-1] == "no discharge half-cycle"
    assert flag_note(flags).startswith("cycles (file): 5 of 5 odd: 0: no charge half-cycle")


def test_a_file_without_a_cycle_column_gets_its_cycles(tmp_path):
    raw = _gcpl_half_cell(counter=None)
    path = tmp_path / "no_cycles.csv"
    write_bdf_csv(raw, path)
    ds = read_cycler(path, data_source="reconstructed")
    assert "cycle_count" not in ds
    with pytest.raises(DataError, match="no cycle counter"):
        assign_cycles(ds, "file")
    auto = assign_cycles(ds)
    assert auto.attrs["cycle_definition"] == "half_cycles"
    summary = cycle_summary(auto, convention="plating")
    np.testing.assert_allclose(_ce(summary),
                               np.divide(DELITHIATION, LITHIATION), rtol=1e-6)
    # as read, without cycles: everything in one "cycle" with a meaningless CE
    assert cycle_summary(ds, convention="plating").sizes["cycle"] == 1


def test_one_and_a_half_cycles_without_a_counter():
    """Rest, discharge, charge, discharge: two cycles, the second without a charge (flagged)."""
    ds = assign_cycles(_records([("Rest", 0.0, 600.0), ("CC_DChg", -MA, 3600.0), ("CC_Chg", MA, 3000.0),
                                 ("CC_DChg", -MA, 1800.0)], labels=False))
    summary = cycle_summary(ds, convention="full_cell")
    assert summary["cycle"].values.tolist() == [1, 2]
    np.testing.assert_allclose(_mAh(summary, "discharge_capacity"), [1.0, 0.5], rtol=1e-9)
    np.testing.assert_allclose(_mAh(summary, "charge_capacity"), [5 / 6, 0.0], rtol=1e-9)
    assert cycle_flags(ds)["cycle_flag"].values.tolist() == ["", "no charge half-cycle"]


@pytest.mark.parametrize("labels", [True, False])
def test_rests_inside_a_half_cycle_do_not_split_it(labels):
    """GITT-like: three discharge pulses with rests between, then one charge: one cycle."""
    pulses = [("CC_DChg", -MA, 900.0), ("Rest", 0.0, 1800.0)] * 3
    ds = assign_cycles(_records([*pulses, ("CC_Chg", MA, 2400.0), ("Rest", 0.0, 600.0)] * 2, labels=labels),
                       "half_cycles")
    summary = cycle_summary(ds, convention="full_cell")
    assert summary["cycle"].values.tolist() == [1, 2]
    np.testing.assert_allclose(_mAh(summary, "discharge_capacity"), [0.75, 0.75], rtol=1e-9)
    np.testing.assert_allclose(_ce(summary), [0.75 / (2 / 3)] * 2, rtol=1e-9)
    flags = cycle_flags(ds)
    assert flags["discharge_half_cycles"].values.tolist() == [1, 1]
    assert not any(flags["cycle_flag"].values)


@pytest.mark.parametrize("labels", [True, False])
def test_a_cc_cv_charge_is_one_half_cycle(labels):
    cycle = [("CC_Chg", MA, 3600.0), ("CV_Chg", MA, 1800.0), ("Rest", 0.0, 600.0), ("CC_DChg", -MA, 3960.0),
             ("Rest", 0.0, 600.0)]
    ds = assign_cycles(_records(cycle * 3, dt=10.0, labels=labels), "half_cycles")
    summary = cycle_summary(ds, convention="full_cell")
    cv = 0.5 / 5 * (1 - np.exp(-5))  # mAh of the decaying CV current
    assert summary["cycle"].values.tolist() == [1, 2, 3]
    np.testing.assert_allclose(_mAh(summary, "charge_capacity"), [1 + cv] * 3, rtol=1e-3)
    np.testing.assert_allclose(_ce(summary), [1.1 / (1 + cv)] * 3, rtol=1e-3)
    assert cycle_flags(ds)["charge_half_cycles"].values.tolist() == [1, 1, 1]


def test_a_counter_holding_two_pairs_is_flagged_under_file_and_split_under_half_cycles():
    """A Neware-like counter: discharge-first half-cell, cycle 2 holds two discharge/charge pairs."""
    pair = [("CC_DChg", -MA, 3600.0), ("Rest", 0.0, 300.0), ("CC_Chg", MA, 3420.0), ("Rest", 0.0, 300.0)]
    raw = _records(pair * 4, counter=[1] * 4 + [2] * 8 + [3] * 4)
    flags = cycle_flags(assign_cycles(raw, "file"))
    assert flags["cycle_flag"].values.tolist() == ["", "2 discharge half-cycles; 2 charge half-cycles", ""]
    ds = assign_cycles(raw, "half_cycles")
    summary = cycle_summary(ds, convention="plating")
    assert summary["cycle"].values.tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(_ce(summary), [0.95] * 4, rtol=1e-9)
    assert not any(cycle_flags(ds)["cycle_flag"].values)


def test_a_step_holding_both_directions_is_split_with_its_capacity():
    """A coarse step counter: one step number over a discharge and the charge after it."""
    steps = [("CC_DChg", -MA, 3600.0), ("CC_Chg", MA, 3240.0)] * 2
    raw = _records(steps, labels=False, step_numbers=[1, 1, 2, 2])
    ds = assign_cycles(raw, "half_cycles")
    assert ds.pint.dequantify()["step_count"].values.max() == 4
    summary = cycle_summary(ds, convention="plating")
    np.testing.assert_allclose(_mAh(summary, "discharge_capacity"), [1.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(_mAh(summary, "charge_capacity"), [0.9, 0.9], rtol=1e-9)


def test_a_stray_record_of_the_other_sign_is_no_half_cycle():
    ds = _records([("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3600.0)] * 2, labels=False).pint.dequantify()
    current = ds["current_ampere"].values.copy()
    current[62] = -0.5 * MA  # one record of a charge dips below zero
    columns = {name: (current if name == "current_ampere" else ds[name].values) for name in ds.data_vars}
    noisy = build_dataset(columns, source_file="stray.csv", format="synthetic", instrument="none", reader="test",
                          data_source="reconstructed")
    out = assign_cycles(noisy, "half_cycles")
    assert np.unique(_cycles(out)).tolist() == [1, 2]
    assert not any(cycle_flags(out)["cycle_flag"].values)


def test_full_cell_convention_does_not_depend_on_the_first_direction():
    """A full cell that starts with a discharge: CE is still discharge / charge within each cycle."""
    ds = assign_cycles(_records([("CC_DChg", -MA, 1800.0), ("CC_Chg", MA, 3600.0)] * 2, labels=False))
    summary = cycle_summary(ds, convention="full_cell")
    np.testing.assert_allclose(_ce(summary), [0.5, 0.5], rtol=1e-9)
    assert summary.attrs["cycle_definition"] == "half_cycles"


def test_unquantified_records_and_bad_definitions():
    raw = _gcpl_half_cell(counter=None)
    plain = assign_cycles(raw.pint.dequantify(), "half_cycles")
    assert np.unique(plain["cycle_count"].values).tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="cycle definition"):
        assign_cycles(raw, "halfcycles")
    rest_only = _records([("Rest", 0.0, 600.0)], counter=None)
    assert np.unique(_cycles(assign_cycles(rest_only))).tolist() == [1]


# ---- analysis.ingest end to end, one tiny file per format with and without a counter ----

def _spec(path, **extra):
    return json.dumps({"file": str(path), "format": "auto", "data_source": "reconstructed", "kind": "half_cell",
                       "ce_convention": "plating", "area_cm2": 1.0, **extra})


def _ingest(tmp_path, source, **extra):
    nc, table = tmp_path / "out/cell.nc", tmp_path / "out/cell_cycles.csv"
    assert main(["--cell", "c1", "--spec", _spec(source, **extra), "--netcdf", str(nc), "--cycles", str(table)]) == 0
    return list(csv.DictReader(open(table, encoding="utf-8")))


def _mpt(path):
    """A tiny EC-Lab GCPL export of the half-cell: lithiation first, BioLogic's cycle counter."""
    ds = _gcpl_half_cell(dt=600.0).pint.dequantify()
    t, i = ds["test_time_second"].values, ds["current_ampere"].values * 1e3
    ns, cycle = ds["step_count"].values - 1, ds["cycle_count"].values
    q = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600.0  # the reader restarts it per step
    columns = "mode\tox/red\tNs\ttime/s\tEwe/V\tI/mA\t(Q-Qo)/mA.h\tcycle number"
    header = ["EC-Lab ASCII FILE", "Nb header lines : 5", "", "Galvanostatic Cycling with Potential Limitation", columns]
    rows = [f"{3 if c == 0 else 1}\t{int(c > 0)}\t{n}\t{a:.3f}\t{v:.4f}\t{c:.6f}\t{b:.9f}\t{k:.15E}"
            for n, a, v, c, b, k in zip(ns, t, ds["voltage_volt"].values, i, q, cycle)]
    path.write_text("\n".join(header + rows) + "\n", encoding="latin-1")
    return path


def test_ingest_a_biologic_file_with_its_counter_and_with_half_cycles(tmp_path):
    source = _mpt(tmp_path / "gcpl.mpt")
    rows = _ingest(tmp_path, source)  # auto: the file's counter
    assert [r["cycle"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert {r["cycle_definition"] for r in rows} == {"file"}
    assert rows[0]["cycle_flag"] == "no charge half-cycle" and float(rows[0]["coulombic_efficiency"]) == 0.0
    rows = _ingest(tmp_path, source, cycle_definition="half_cycles")
    assert [r["cycle"] for r in rows] == ["1", "2", "3", "4"] and {r["cycle_definition"] for r in rows} == {"half_cycles"}
    np.testing.assert_allclose([float(r["coulombic_efficiency"]) for r in rows], np.divide(DELITHIATION, LITHIATION),
                               rtol=1e-6)
    assert all(r["cycle_flag"] == "" for r in rows)
    assert int(rows[0]["charge_half_cycles"]) == 1


def test_ingest_a_bdf_file_without_a_counter(tmp_path):
    source = tmp_path / "landt_like.csv"
    write_bdf_csv(_records([("Rest", 0.0, 600.0), ("CC_DChg", -MA, 3600.0), ("CC_Chg", MA, 3000.0),
                            ("CC_DChg", -MA, 1800.0)], labels=False), source)
    rows = _ingest(tmp_path, source)
    assert [r["cycle"] for r in rows] == ["1", "2"] and rows[0]["cycle_definition"] == "half_cycles"
    assert float(rows[0]["coulombic_efficiency"]) == pytest.approx(5 / 6, rel=1e-6)
    assert rows[1]["cycle_flag"] == "no charge half-cycle"
    ds, summary = load_cell(tmp_path / "out/cell.nc")  # what the notebooks read back
    assert ds.attrs["cycle_definition"] == summary.attrs["cycle_definition"] == "half_cycles"
    assert summary["cycle"].values.tolist() == [1, 2] and summary["cycle_flag"].values.tolist() == ["", "no charge half-cycle"]
    nc, table = tmp_path / "out/x.nc", tmp_path / "out/x.csv"
    assert main(["--cell", "c1", "--spec", _spec(source, cycle_definition="file"), "--netcdf", str(nc),
                 "--cycles", str(table)]) == 1
    assert not nc.exists() and not table.exists()


def test_ingest_a_neware_export_whose_counter_holds_two_pairs(tmp_path):
    pair = [("CC_DChg", -MA, 3600.0), ("Rest", 0.0, 300.0), ("CC_Chg", MA, 3420.0), ("Rest", 0.0, 300.0)]
    source = tmp_path / "btsda.csv"
    write_btsda_csv(_records(pair * 3, counter=[1] * 8 + [2] * 4), source)
    rows = _ingest(tmp_path, source, cycle_definition="file")
    assert rows[0]["cycle_flag"] == "2 discharge half-cycles; 2 charge half-cycles"
    rows = _ingest(tmp_path, source, cycle_definition="half_cycles")
    assert len(rows) == 3 and all(r["cycle_flag"] == "" for r in rows)
    np.testing.assert_allclose([float(r["coulombic_efficiency"]) for r in rows], [0.95] * 3, rtol=1e-4)


def test_the_spec_rejects_an_unknown_definition(tmp_path, capsys):
    source = tmp_path / "x.csv"
    write_bdf_csv(_records([("CC_DChg", -MA, 600.0)]), source)
    nc, table = tmp_path / "x.nc", tmp_path / "x_cycles.csv"
    assert main(["--cell", "c1", "--spec", _spec(source, cycle_definition="halves"), "--netcdf", str(nc),
                 "--cycles", str(table)]) == 1
    assert "cells.c1.cycle_definition" in capsys.readouterr().err


def test_initial_ce_of_a_first_cycle_without_a_denominator_is_nan():
    """Full-cell convention on the BioLogic counter: cycle 0 holds the first discharge only."""
    summary = cycle_summary(assign_cycles(_gcpl_half_cell(), "file"), convention="full_cell")
    assert np.isnan(initial_coulombic_efficiency(summary).magnitude)
    assert np.isnan(_ce(summary)[0])


def test_a_full_cell_that_starts_with_a_discharge():
    """Partial discharge of an as-made cell, then charge/discharge: the convention decides which order is odd."""
    steps = [("CC_DChg", -MA, 900.0), ("Rest", 0.0, 300.0)] + [("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3564.0)] * 3
    raw = _records(steps, counter=[1, 1, 1, 1, 2, 2, 3, 3])  # a Neware-like counter: charge then discharge
    file = assign_cycles(raw, "file")
    assert cycle_flags(file, convention="full_cell")["cycle_flag"].values.tolist() == ["2 discharge half-cycles", "", ""]
    first = assign_cycles(raw, "half_cycles")  # discharge first: each discharge pairs with the charge after it
    flags = cycle_flags(first, convention="full_cell")["cycle_flag"].values.tolist()
    assert flags[0] == "begins with a discharge (CE as full cell pairs a charge with the discharge after it)"
    assert flags[-1] == "no charge half-cycle"  # the last discharge alone
    charge_first = assign_cycles(raw, "half_cycles", start_with="charge")
    assert charge_first.attrs["cycle_start"] == "charge"
    summary = cycle_summary(charge_first, convention="full_cell")
    assert summary["cycle"].values.tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(_ce(summary)[1:], [0.99] * 3, rtol=1e-9)
    assert cycle_flags(charge_first, convention="full_cell")["cycle_flag"].values.tolist() == [
        "no charge half-cycle", "", "", ""]
    assert cycle_flags(charge_first)["cycle_flag"].values.tolist() == ["no charge half-cycle", "", "", ""]
    with pytest.raises(ValueError, match="start_with"):
        assign_cycles(raw, "half_cycles", start_with="lithiation")
    with pytest.raises(ValueError, match="convention"):
        cycle_flags(raw, convention="half_cell")


def test_ingest_a_full_cell_that_starts_with_a_discharge_with_cycle_start(tmp_path):
    steps = [("CC_DChg", -MA, 900.0), ("Rest", 0.0, 300.0)] + [("CC_Chg", MA, 3600.0), ("CC_DChg", -MA, 3564.0)] * 2
    source = tmp_path / "as_made.csv"
    write_bdf_csv(_records(steps, labels=False), source)
    rows = _ingest(tmp_path, source, kind="full_cell", ce_convention="full_cell", cycle_start="charge")
    assert [r["cycle"] for r in rows] == ["1", "2", "3"] and rows[0]["cycle_flag"] == "no charge half-cycle"
    np.testing.assert_allclose([float(r["coulombic_efficiency"]) for r in rows[1:]], [0.99, 0.99], rtol=1e-6)
    rows = _ingest(tmp_path, source, kind="full_cell", ce_convention="full_cell")
    assert rows[0]["cycle_flag"].startswith("begins with a discharge")
    nc, table = tmp_path / "x.nc", tmp_path / "x_cycles.csv"
    assert main(["--cell", "c1", "--spec", _spec(source, cycle_start="lithiation"), "--netcdf", str(nc),
                 "--cycles", str(table)]) == 1


def test_a_step_that_begins_with_records_at_zero_current():
    """Seen on a Neware file read without labels: a CC charge step whose first records carry no current,
    then a CV step: still one charge half-cycle."""
    cycle = [("CC_Chg", MA, 1800.0), ("CV_Chg", MA, 1800.0), ("CC_DChg", -MA, 3600.0)]
    raw = _records(cycle * 3, labels=False).pint.dequantify()
    current = raw["current_ampere"].values.copy()
    current[:10] = 0.0  # the first CC step's first ten records: no current yet
    current[123:126] = 0.0  # and the second CC step's first three
    columns = {name: (current if name == "current_ampere" else raw[name].values) for name in raw.data_vars}
    ds = build_dataset(columns, source_file="late_start.csv", format="synthetic", instrument="none", reader="test",
                       data_source="reconstructed")
    out = assign_cycles(ds, "half_cycles")
    np.testing.assert_array_equal(_cycles(out), np.repeat([1, 2, 3], 31 + 31 + 61))
