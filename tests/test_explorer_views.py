"""The explorer's views and widgets (analysis.explorer) on small synthetic cells, without a kernel.

tests/test_explorer.py runs the notebook itself (papermill); these tests call the functions it uses.
A half-cell of two cycles plates 2.0 mAh on a plateau at 0.10 V and strips 1.8 mAh at 0.45 V (CE 90 %
in the plating convention); a copy of it is labelled a full cell, another has no kind at all.
"""

from __future__ import annotations

import numpy as np
import pint
import pytest

from analysis.cycling import cycle_summary
from analysis.explorer import (KIND_CONVENTION, QUANTITIES, CellExplorer, cell_files, explorer_widgets,
                               record_cycles)
from analysis.io.core import build_dataset
from analysis.io.netcdf import write_netcdf
from analysis.units import Q_

PLATED, STRIPPED = 2.0, 1.8  # mAh
CURRENT = 1.0e-3  # A


def _plateau(total_mah: float, v0: float, rising: bool, dt: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    duration = total_mah / (CURRENT * 1000) * 3600
    t = np.arange(0.0, duration + dt / 2, dt)
    fraction = np.clip(t / duration, 2e-4, 1 - 2e-4)
    return t, v0 + 0.01 * np.log(1 / fraction - 1) * (-1 if rising else 1)


def _half_cell(cell_id: str, kind: str | None, cycles: int = 2):
    columns: dict[str, list] = {k: [] for k in ("test_time_second", "voltage_volt", "current_ampere", "cycle_count",
                                                "step_count", "step_type", "step_net_capacity_ah")}
    t0, step = 0.0, 0
    for c in range(1, cycles + 1):
        for name, sign, total, v0 in (("CC_DChg", -1, PLATED, 0.10), ("CC_Chg", +1, STRIPPED, 0.45)):
            step += 1
            t, v = _plateau(total, v0, rising=sign > 0)
            for key, values in (("test_time_second", t0 + t), ("voltage_volt", v),
                                ("current_ampere", np.full(t.size, sign * CURRENT)), ("cycle_count", np.full(t.size, c)),
                                ("step_count", np.full(t.size, step)), ("step_type", np.full(t.size, name)),
                                ("step_net_capacity_ah", sign * CURRENT * t / 3600)):
                columns[key].append(values)
            t0 += t[-1] + 20.0
    attrs = {"cell_id": cell_id, "electrode_area": "0.785 cm²"} | ({"cell_kind": kind} if kind else {})
    return build_dataset({k: np.concatenate(v) for k, v in columns.items()}, source_file=f"{cell_id}.csv",
                         format="synthetic", instrument="none", reader="tests.test_explorer_views",
                         data_source="measured", attrs=attrs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer_cells")
    for cell, kind in (("b_half", "half_cell"), ("a_full", "full_cell"), ("c_unknown", None)):
        write_netcdf(_half_cell(cell, kind, cycles=3 if cell == "a_full" else 2), path / f"{cell}.nc")
    return path


def test_cell_files_are_sorted_and_an_empty_folder_raises(folder, tmp_path):
    assert list(cell_files(folder)) == ["a_full", "b_half", "c_unknown"]
    with pytest.raises(FileNotFoundError, match="no .nc files"):
        cell_files(tmp_path)


def test_record_cycles_with_and_without_cycle_numbers():
    ds = _half_cell("x", "half_cell")
    assert set(record_cycles(ds)) == {1, 2}
    assert (record_cycles(ds.drop_vars("cycle_count")) == 1).all()


def test_the_convention_follows_the_kind_unless_given(folder):
    explorer = CellExplorer(cell_files(folder))
    for cell, kind in (("b_half", "half_cell"), ("a_full", "full_cell")):
        assert explorer.load(cell)[1].attrs["ce_convention"] == KIND_CONVENTION[kind]
    assert explorer.load("b_half") is explorer.load("b_half")  # read once
    with pytest.raises(ValueError, match="no cell_kind attribute"):
        explorer.load("c_unknown")
    given = CellExplorer(cell_files(folder), ce_convention="full_cell")
    assert given.load("c_unknown")[1].attrs["ce_convention"] == "full_cell"


@pytest.mark.parametrize("what", list(QUANTITIES))
def test_every_view_prints_the_numbers_of_its_curves(folder, what):
    explorer = CellExplorer(cell_files(folder))
    fig, lines = explorer.draw("b_half", what, [2, 1, 2, 7])
    assert lines[0] == f"b_half: {QUANTITIES[what]}, cycles [2, 1]"
    assert lines[1] == "cycles [7] are not in the data (cycles 1-2): left out"
    assert lines[-1].startswith("Data: measured (b_half.csv; CE = ")
    assert fig.axes[0].get_title(loc="left") == "b_half"
    text = "\n".join(lines)
    if what == "voltage_vs_time":
        assert "cycle 2: " in text and " records, " in text
    elif what == "voltage_vs_capacity":
        assert f"cycle 1 discharge: {PLATED:.4f} mAh passed" in text
        assert f"cycle 2 charge: {STRIPPED:.4f} mAh passed" in text
    elif what == "dqdv":  # the area under dQ/dV is the capacity passed; the peak is the plateau
        assert f"cycle 1 charge: dQ/dV area {STRIPPED:.4f} mAh, capacity passed {STRIPPED:.4f} mAh" in text
        assert "highest peak at 0.45" in text or "highest peak at 0.44" in text
    else:  # plating convention: stripped / plated
        assert f"cycle 1: charge {STRIPPED:.4f} mAh, discharge {PLATED:.4f} mAh, CE 90.00 %" in text


def test_no_wanted_cycle_in_the_data_draws_the_first(folder):
    _, lines = CellExplorer(cell_files(folder)).draw("b_half", "voltage_vs_time", [9])
    assert lines[0] == "b_half: Voltage vs time, cycles [1]"


def test_bad_choices_raise(folder):
    explorer = CellExplorer(cell_files(folder))
    with pytest.raises(ValueError, match="quantity must be one of"):
        explorer.draw("b_half", "voltage", [1])
    with pytest.raises(pint.DimensionalityError):
        CellExplorer(cell_files(folder), resolution=Q_(5, "mA*h"))
    with pytest.raises(TypeError):
        CellExplorer(cell_files(folder), smoothing=10.0)


def test_dqdv_note_names_bins_and_smoothing(folder):
    explorer = CellExplorer(cell_files(folder), resolution=Q_(2.0, "mV"), smoothing=Q_(0.0, "mV"))
    _, lines = explorer.draw("a_full", "dqdv", [1])
    assert lines[-1].endswith("; dQ/dV in 2.0 mV bins, Gaussian smoothing σ = 0.0 mV)")


def test_widgets_redraw_once_for_another_cell(folder, monkeypatch):
    import analysis.explorer as E

    shown = []
    monkeypatch.setattr(E, "show", shown.append)
    explorer = CellExplorer(cell_files(folder))
    cell_box, quantity_box, cycle_box, output, refresh = explorer_widgets(explorer, "b_half", "dqdv", [2, 5])
    assert list(cell_box.options) == ["a_full", "b_half", "c_unknown"] and cell_box.value == "b_half"
    assert quantity_box.value == "dqdv" and [label for label, _ in quantity_box.options] == list(QUANTITIES.values())
    assert list(cycle_box.options) == [1, 2] and cycle_box.value == (2,)
    assert shown == []  # nothing drawn before refresh()
    refresh()
    assert len(shown) == 1
    cell_box.value = "a_full"  # three cycles: its first two are chosen, one drawing
    assert list(cycle_box.options) == [1, 2, 3] and cycle_box.value == (1, 2)
    assert len(shown) == 2
    quantity_box.value = "capacity_ce_vs_cycle"
    assert len(shown) == 3
    assert cycle_summary(explorer.load("a_full")[0], convention="full_cell").sizes["cycle"] == 3
