"""Synthetic cycler records for the benchmarks: any number of rows, known per-cycle truth.

Every cycle has five steps of ``rows_per_step`` records, 10 s apart: CC charge at 1 mA, CV
charge with the current decaying from 1 mA, rest, CC discharge at 1 mA, rest. ``step_net_capacity_ah``
resets at every step and is signed like the current (Neware style), so the per-cycle charge
capacity is the sum of the CC and the CV step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ["CC_Chg", "CV_Chg", "Rest", "CC_DChg"]
_STEP_LABEL = np.array([0, 1, 2, 3, 2], dtype=np.int8)  # label code of the 5 steps of a cycle
_STEP_CURRENT = np.array([1e-3, 1e-3, 0.0, -1e-3, 0.0])  # A
DT = 10.0  # s between records
NUMERIC = ("test_time_second", "voltage_volt", "current_ampere", "step_net_capacity_ah", "cycle_count", "step_count")


def columns(n_rows: int, rows_per_step: int = 1000) -> dict[str, np.ndarray | pd.Categorical]:
    """BDF columns (machine names) of ``n_rows`` records; ``step_type`` as a Categorical."""
    n_steps = -(-n_rows // rows_per_step)
    step = np.repeat(np.arange(1, n_steps + 1, dtype=np.int64), rows_per_step)[:n_rows]
    kind = (step - 1) % 5
    within = np.tile(np.arange(rows_per_step, dtype=np.float64), n_steps)[:n_rows]
    current = _STEP_CURRENT[kind]
    cv = kind == 1
    current[cv] *= np.exp(-within[cv] / (rows_per_step / 5))
    # step capacity: trapezoid rule from the step's first record on, exact for the constant-current steps
    increment = np.empty(n_rows)
    increment[0] = 0.0
    increment[1:] = 0.5 * (current[1:] + current[:-1]) * DT / 3600.0
    increment[within == 0] = 0.0
    capacity = np.cumsum(increment)
    first = np.flatnonzero(within == 0)
    capacity -= np.repeat(capacity[first], np.diff(np.append(first, n_rows)))
    time = np.arange(n_rows, dtype=np.float64) * DT
    voltage = np.where(current > 0, 3.9, np.where(current < 0, 3.6, 3.75)) + 0.05 * within / rows_per_step
    return {
        "test_time_second": time,
        "voltage_volt": voltage,
        "current_ampere": current,
        "cycle_count": (step - 1) // 5 + 1,
        "step_count": step,
        "step_type": pd.Categorical.from_codes(_STEP_LABEL[kind], LABELS),
        "step_net_capacity_ah": capacity,
    }


def numeric_bytes(n_rows: int) -> int:
    """Bytes of the numeric columns (float64 and int64) of ``n_rows`` records."""
    return 8 * len(NUMERIC) * n_rows


def write_bdf_csv(path: Path, n_rows: int, chunk: int = 1_000_000, rows_per_step: int = 1000) -> Path:
    """The records of :func:`columns` as a BDF CSV (machine names), written in chunks."""
    data = columns(n_rows, rows_per_step)
    order = ["test_time_second", "voltage_volt", "current_ampere", "cycle_count", "step_count", "step_type",
             "step_net_capacity_ah"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(order) + "\n")
        for start in range(0, n_rows, chunk):
            part = pd.DataFrame({name: np.asarray(data[name][start:start + chunk]) for name in order})
            part.to_csv(handle, header=False, index=False, float_format="%.12g", lineterminator="\n")
    return path
