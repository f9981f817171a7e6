"""The explorer notebook draws every view of a measured and of a reconstructed cell (papermill).

Two small NetCDF files are made here: a *measured*-labelled half-cell with known plateaus and
capacities (plating convention), and a *reconstructed* full cell from the model, three cycles.
The notebook prints one line of numbers per curve; those are checked against the known truth
and against :func:`analysis.cycling.cycle_summary`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from analysis.cycling import cycle_summary
from analysis.io.core import build_dataset
from analysis.io.netcdf import read_netcdf, write_netcdf
from analysis.kernel_poll import polling_in_slices

pytestmark = pytest.mark.slow

# measured half-cell: per cycle a lithiation (discharge, plating convention) of 2.0 mAh with a
# plateau at 0.10 V, then a delithiation (charge) of 1.8 mAh with a plateau at 0.45 V: CE 90 %.
PLATED, STRIPPED = 2.0, 1.8  # mAh
V_DISCHARGE, V_CHARGE, WIDTH = 0.10, 0.45, 0.01  # V
CURRENT = 1.0e-3  # A
QUANTITIES = ["voltage_vs_time", "voltage_vs_capacity", "dqdv", "capacity_ce_vs_cycle"]
CELLS = {"measured": "lab_half_cell", "reconstructed": "model_full_cell"}


def plateau(total_mah: float, v0: float, rising: bool, dt: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and voltages (V) of a constant-current step over one logistic plateau."""
    duration = total_mah / (CURRENT * 1000) * 3600
    t = np.arange(0.0, duration + dt / 2, dt)
    fraction = np.clip(t / duration, 2e-4, 1 - 2e-4)
    v = v0 + WIDTH * np.log(1 / fraction - 1) * (-1 if rising else 1)
    return t, v


def measured_half_cell(cycles: int = 2):
    t_all, v_all, i_all, cyc, step, label, cap = [], [], [], [], [], [], []
    t0, n = 0.0, 0
    for c in range(1, cycles + 1):
        for name, sign, total, v0 in (("CC_DChg", -1, PLATED, V_DISCHARGE), ("Rest", 0, 0.0, None),
                                      ("CC_Chg", +1, STRIPPED, V_CHARGE)):
            n += 1
            if name == "Rest":
                t, v = np.arange(0.0, 600.0, 10.0), np.full(60, v_all[-1][-1])
            else:
                t, v = plateau(total, v0, rising=sign > 0)
            t_all.append(t0 + t)
            v_all.append(v)
            i_all.append(np.full(t.size, sign * CURRENT))
            cyc.append(np.full(t.size, c))
            step.append(np.full(t.size, n))
            label.append(np.full(t.size, name))
            cap.append(sign * CURRENT * t / 3600)
            t0 += t[-1] + 10.0
    columns = {"test_time_second": np.concatenate(t_all), "voltage_volt": np.concatenate(v_all),
               "current_ampere": np.concatenate(i_all), "cycle_count": np.concatenate(cyc),
               "step_count": np.concatenate(step), "step_type": np.concatenate(label),
               "step_net_capacity_ah": np.concatenate(cap)}
    return build_dataset(columns, source_file="lab_half_cell.csv", format="synthetic", instrument="none",
                         reader="tests.test_explorer", data_source="measured",
                         attrs={"cell_id": CELLS["measured"], "cell_kind": "half_cell", "electrode_area": "0.785 cm²"})


def reconstructed_full_cell():
    from analysis.reconstruct.cells import reconstruct
    from analysis.reconstruct.runs import cell_of

    protocol = "fc_il_65mpa_cycling"
    ds = reconstruct(cell_of(protocol), {"repeat_cycles": 3}, protocol=protocol)
    ds.attrs.update({"cell_id": CELLS["reconstructed"], "cell_kind": "full_cell"})
    return ds


@pytest.fixture(scope="module")
def cells_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cells")
    write_netcdf(measured_half_cell(), folder / f"{CELLS['measured']}.nc")
    write_netcdf(reconstructed_full_cell(), folder / f"{CELLS['reconstructed']}.nc")
    return folder


def run(cells_dir: Path, out: Path, **parameters) -> tuple[str, dict]:
    """Execute the explorer; return its printed text and the executed notebook."""
    import papermill

    with polling_in_slices():  # as the site's run of it (analysis/kernel_poll.py)
        papermill.execute_notebook("notebooks/explorer.ipynb", str(out), kernel_name="python3", cwd=".",
                                   progress_bar=False, execution_timeout=300,
                                   parameters={"netcdf_dir": str(cells_dir), **parameters})
    nb = json.loads(out.read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
                   if o["output_type"] == "stream")
    return text, nb


def numbers(pattern: str, text: str) -> list[tuple]:
    return [tuple(m) for m in re.findall(pattern, text)]


@pytest.mark.parametrize("source", list(CELLS))
@pytest.mark.parametrize("quantity", QUANTITIES)
def test_every_view_of_both_kinds_of_data(cells_dir, tmp_path, source, quantity):
    cell = CELLS[source]
    text, nb = run(cells_dir, tmp_path / "run.ipynb", cell_id=cell, quantity=quantity, cycles=[1, 2, 9],
                   interactive=False, figure_out=str(tmp_path / "view.png"))
    images = [o for o in nb["cells"][-1]["outputs"] if "image/png" in o.get("data", {})]
    assert len(images) == 1, "the view is not displayed"
    assert (tmp_path / "view.png").stat().st_size > 10_000 and (tmp_path / "view.svg").is_file()
    assert f"Data: {source} (" in text  # the figure's source note, printed beside it
    assert "cycles [9] are not in the data" in text

    ds = read_netcdf(cells_dir / f"{cell}.nc")
    summary = cycle_summary(ds, convention="plating" if source == "measured" else "full_cell")
    capacity = {(c, d): float(summary[f"{d}_capacity"].sel(cycle=c).data.to("mA*h").magnitude)
                for c in (1, 2) for d in ("charge", "discharge")}
    if source == "measured":  # the known truth of the synthetic cell
        assert capacity == pytest.approx({(c, d): STRIPPED if d == "charge" else PLATED
                                          for c in (1, 2) for d in ("charge", "discharge")}, rel=1e-3)

    if quantity == "voltage_vs_time":
        counts = {int(c): int(n) for c, n in numbers(r"cycle (\d+): (\d+) records", text)}
        cycle_count = ds["cycle_count"].data
        cycle_count = np.asarray(getattr(cycle_count, "magnitude", cycle_count))
        assert counts == {c: int(np.sum(cycle_count == c)) for c in (1, 2)}
    elif quantity == "voltage_vs_capacity":
        passed = {(int(c), d): float(q) for c, d, q in numbers(r"cycle (\d+) (charge|discharge): ([\d.]+) mAh passed", text)}
        assert set(passed) == set(capacity)
        for key, value in passed.items():
            assert value == pytest.approx(capacity[key], abs=1e-4)
    elif quantity == "dqdv":
        found = numbers(r"cycle (\d+) (charge|discharge): dQ/dV area ([\d.]+) mAh, capacity passed ([\d.]+) mAh, "
                        r"highest peak at ([-\d.]+) V", text)
        assert {(int(c), d) for c, d, *_ in found} == set(capacity)
        for c, d, area, passed, peak in found:
            assert float(area) == pytest.approx(capacity[(int(c), d)], rel=0.01)
            assert float(passed) == pytest.approx(capacity[(int(c), d)], abs=1e-4)
            if source == "measured":  # the plateau's voltage, within a bin
                assert float(peak) == pytest.approx(V_CHARGE if d == "charge" else V_DISCHARGE, abs=0.005)
    else:
        ce = {int(c): float(v) for c, v in numbers(r"cycle (\d+): charge [\d.]+ mAh, discharge [\d.]+ mAh, CE ([\d.]+) %", text)}
        expected = summary["coulombic_efficiency"].data.to("percent").magnitude
        assert ce == pytest.approx({c: float(expected[i]) for i, c in enumerate(summary.cycle.values) if c in (1, 2)},
                                   abs=0.01)
        if source == "measured":  # plating convention from the cell's kind: stripped / plated
            assert ce == pytest.approx({1: 90.0, 2: 90.0}, abs=0.01)


def test_widgets_draw_into_their_output(cells_dir, tmp_path):
    text, nb = run(cells_dir, tmp_path / "run.ipynb", quantity="dqdv", interactive=True)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in nb["cells"][-1]["outputs"])
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {v["model_name"] for v in state.values()}
    assert {"DropdownModel", "SelectMultipleModel", "OutputModel"} <= models
    dropdowns = [v["state"] for v in state.values() if v["model_name"] == "DropdownModel"]
    assert any(d["_options_labels"] == sorted(CELLS.values()) for d in dropdowns)  # every cell of the folder
    drawn = [o for v in state.values() if v["model_name"] == "OutputModel" for o in v["state"]["outputs"]]
    assert any("image/png" in o.get("data", {}) for o in drawn)
    # the first cell of the folder (sorted), drawn with its own data-source note
    assert any(f"{CELLS['measured']}: dQ/dV vs voltage" in o.get("text", "") for o in drawn)
    assert any("Data: measured (" in o.get("text", "") for o in drawn)
