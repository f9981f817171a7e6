"""Baselines the benchmarks measure beside our code: the same per-cycle capacities, plainly.

Each returns charge and discharge capacity per cycle (mAh) with a cycle's charge the sum over its
charge steps (CC and CV), like :func:`analysis.cycling.cycle_summary`; the benchmark checks that
they agree with it before timing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.io.core import step_direction


def numpy_summary(columns: Mapping[str, np.ndarray], labels: Sequence[str]) -> dict[str, np.ndarray]:
    """A vectorised numpy reduction over plain arrays (``step_type`` as integer codes into ``labels``)."""
    step = columns["step_count"]
    starts = np.concatenate([[0], np.flatnonzero(step[1:] != step[:-1]) + 1])
    ends = np.append(starts[1:], step.size) - 1
    capacity = np.abs(columns["step_net_capacity_ah"][ends]) * 1000.0
    direction = np.array([step_direction(label) for label in labels])[columns["step_type"][starts]]
    numbers, index = np.unique(columns["cycle_count"][starts], return_inverse=True)
    charge = np.bincount(index, weights=np.where(direction == "charge", capacity, 0.0), minlength=numbers.size)
    discharge = np.bincount(index, weights=np.where(direction == "discharge", capacity, 0.0), minlength=numbers.size)
    return {"cycle": numbers, "charge_mAh": charge, "discharge_mAh": discharge}


def pandas_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """pandas groupby: one row per step (first label and cycle, last capacity), then per cycle."""
    steps = frame.groupby("step_count", sort=False).agg(
        cycle=("cycle_count", "first"), label=("step_type", "first"), capacity=("step_net_capacity_ah", "last"))
    direction = steps["label"].astype(str).map(step_direction)
    capacity = steps["capacity"].abs() * 1000.0
    per_step = pd.DataFrame({"cycle": steps["cycle"],
                             "charge_mAh": capacity.where(direction == "charge", 0.0),
                             "discharge_mAh": capacity.where(direction == "discharge", 0.0)})
    return per_step.groupby("cycle").sum()


def fastnda_read(path: str | Path) -> Any:
    """fastnda's bare read of a Neware file, keeping the file's own cycle numbers (a polars DataFrame)."""
    import fastnda

    return fastnda.read(path, cycle_mode="raw")
