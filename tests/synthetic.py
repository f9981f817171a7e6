"""Synthetic cycler records with known truth, for tests (no file needed)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from analysis.io.core import build_dataset


def cycling_records(
    cycles: list[list[tuple[str, float, float]]],
    *,
    dt: float = 10.0,
    with_capacity: bool = True,
    source_file: str = "synthetic.csv",
    noise: float = 0.0,
    seed: int = 0,
) -> xr.Dataset:
    """Records of ``cycles``; each cycle a list of steps ``(label, current_A, duration_s)``.

    A step's current is constant, except labels starting with ``CV`` whose current decays
    exponentially from the given value (time constant a fifth of the duration). Step capacity
    resets at every step (Neware style). ``noise`` adds seeded Gaussian noise (A) to the current.
    """
    rng = np.random.default_rng(seed)
    t_all, i_all, v_all, cyc, step, label, cap = [], [], [], [], [], [], []
    t0, step_no = 0.0, 0
    for c, steps in enumerate(cycles, start=1):
        for name, current, duration in steps:
            step_no += 1
            n = max(int(round(duration / dt)), 1)
            t = np.linspace(0.0, duration, n + 1)
            if name.upper().startswith("CV"):
                i = current * np.exp(-t / (duration / 5))
            else:
                i = np.full(t.shape, current)
            if noise:
                i = i + rng.normal(0.0, noise, size=t.shape)
            q = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600.0
            t_all.append(t0 + t)
            i_all.append(i)
            v_all.append(np.full(t.shape, 3.7 if current >= 0 else 3.5))
            cyc.append(np.full(t.shape, c))
            step.append(np.full(t.shape, step_no))
            label.append(np.full(t.shape, name))
            cap.append(q)
            t0 += duration + dt
    columns = {
        "test_time_second": np.concatenate(t_all),
        "voltage_volt": np.concatenate(v_all),
        "current_ampere": np.concatenate(i_all),
        "cycle_count": np.concatenate(cyc),
        "step_count": np.concatenate(step),
        "step_type": np.concatenate(label),
    }
    if with_capacity:
        columns["step_net_capacity_ah"] = np.concatenate(cap)
    return build_dataset(columns, source_file=source_file, format="synthetic", instrument="none",
                         reader="tests.synthetic", data_source="reconstructed")
