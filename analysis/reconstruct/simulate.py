"""Run a cell model through a schedule the way a cycler does: :func:`simulate`.

Time advances in explicit steps of ``record_interval / substeps``. Within a schedule step the
current is constant, so the charge passed is current × time and the model gives the voltage at
every time point; the step ends at the first end condition (duration, capacity, or the voltage
crossing its cut-off, located between two time points by two rounds of finer evaluation and a
linear interpolation). The model's state is then advanced to the end of the step.

Records are written like a cycler writes them:

- at the start and at the end of every step;
- every ``record_interval`` of step time;
- whenever the voltage crosses a multiple of ``voltage_trigger`` (the cycler's "ΔV" rule; for
  a monotonic voltage this is one record per ``voltage_trigger`` of change, as with the
  usual rule "ΔV since the last record", though not reset by time-triggered records);

and are seen through the instrument: the current is the set point quantised to
``current_resolution``; the voltage gets seeded Gaussian ``noise`` and is quantised to
``voltage_resolution``; times are quantised to ``time_resolution``. The step capacity restarts at
zero in every step and is current × step time, signed like the current (Neware style); the step
energy is the integral of voltage × current. ``cycle_count`` is the Step's cycle, ``step_count``
+1 for every schedule step, ``step_id`` the schedule line, ``step_type`` the Neware label.

The result goes through :func:`analysis.io.core.build_dataset` with
``data_source="reconstructed"``, like any file a reader reads.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pint
import xarray as xr

from ..io.core import build_dataset
from ..units import Q_, require
from .models import parameters_of
from .protocol import LABELS, Step

__all__ = ["simulate", "SimulationError"]

_REFINE_POINTS = 65


class SimulationError(RuntimeError):
    """A schedule step that cannot end (no end condition reached within ``max_step_duration``)."""


def _quantize(values: np.ndarray | float, resolution: float) -> np.ndarray | float:
    if resolution <= 0:
        return values
    return np.round(np.asarray(values, dtype=float) / resolution) * resolution


def _beyond(v: np.ndarray, limit: float, direction: int) -> np.ndarray:
    return v >= limit if direction > 0 else v <= limit


def _crossing(model, state, step, t0, current, limit, direction, t_a: float, t_b: float) -> float:
    """Time in (t_a, t_b] at which the voltage crosses ``limit`` (it is beyond it at t_b, not at t_a)."""
    for _ in range(2):
        t = np.linspace(t_a, t_b, _REFINE_POINTS)
        v = model.voltage(state, step, t, current * t, t0, current)
        hit = np.flatnonzero(_beyond(v, limit, direction))
        m = int(hit[0]) if hit.size else _REFINE_POINTS - 1
        if m == 0:
            return t_a
        t_a, t_b = float(t[m - 1]), float(t[m])
    v_a, v_b = model.voltage(state, step, np.array([t_a, t_b]), current * np.array([t_a, t_b]), t0, current)
    if v_b == v_a:
        return t_b
    frac = float(np.clip((limit - v_a) / (v_b - v_a), 0.0, 1.0))
    return t_a + frac * (t_b - t_a)


def simulate(
    model: Any,
    steps: Sequence[Step],
    *,
    record_interval: pint.Quantity,
    voltage_trigger: pint.Quantity,
    current_resolution: pint.Quantity,
    voltage_resolution: pint.Quantity,
    noise: pint.Quantity,
    seed: int,
    substeps: int = 10,
    time_resolution: pint.Quantity = Q_(1, "ms"),
    max_step_duration: pint.Quantity = Q_(1000, "h"),
    source_file: str = "reconstructed",
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Cycler records of ``model`` run through ``steps`` (see the module text for the rules).

    ``record_interval`` (time), ``voltage_trigger`` (voltage), ``current_resolution``,
    ``voltage_resolution`` and ``noise`` (standard deviation of the voltage noise) are pint
    Quantities; ``seed`` makes the noise (and the phases of a model's short-circuit flicker)
    reproducible. ``substeps`` time points per record interval are computed. A step that reaches
    none of its end conditions within ``max_step_duration`` raises :class:`SimulationError`.
    """
    require(record_interval, "[time]", "record_interval", positive=True)
    require(voltage_trigger, "[electric_potential]", "voltage_trigger", positive=True)
    require(current_resolution, "[current]", "current_resolution")
    require(voltage_resolution, "[electric_potential]", "voltage_resolution")
    require(noise, "[electric_potential]", "noise")
    require(time_resolution, "[time]", "time_resolution")
    require(max_step_duration, "[time]", "max_step_duration", positive=True)
    if int(substeps) < 1:
        raise ValueError("substeps must be at least 1")
    steps = list(steps)
    if not steps:
        raise ValueError("no steps to simulate")
    for s in steps:
        if not isinstance(s, Step):
            raise TypeError(f"steps must be Step objects, got {type(s).__name__}")

    interval = float(record_interval.to("s").magnitude)
    substeps = int(substeps)
    dt = interval / substeps
    trigger = float(voltage_trigger.to("V").magnitude)
    i_res = float(current_resolution.to("A").magnitude)
    v_res = float(voltage_resolution.to("V").magnitude)
    sigma = float(noise.to("V").magnitude)
    t_res = float(time_resolution.to("s").magnitude)
    t_max = float(max_step_duration.to("s").magnitude)

    rng = np.random.default_rng(seed)
    state = model.initial_state(rng)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "ts", "v", "i", "cap", "energy", "cycle", "count", "id",
                                                      "label", "temp")}
    label_codes = {label: k for k, label in enumerate(LABELS)}
    t0 = 0.0
    for count, step in enumerate(steps, start=1):
        current = float(_quantize(step.current.to("A").magnitude, i_res))
        if step.label != "Rest" and current == 0.0:
            raise ValueError(f"step {count}: current {step.current:~P} is below the current resolution")
        direction = int(np.sign(current))
        state = model.start_step(state, step, t0, current)
        t_known = math.inf
        if step.duration is not None:
            t_known = float(step.duration.to("s").magnitude)
        if step.capacity is not None and current != 0:
            t_known = min(t_known, float(step.capacity.to("A*s").magnitude) / abs(current))
        limit = None if step.voltage_limit is None else float(step.voltage_limit.to("V").magnitude)

        times: list[np.ndarray] = []
        volts: list[np.ndarray] = []
        if limit is None:
            if not math.isfinite(t_known):
                raise SimulationError(f"step {count} (cycle {step.cycle}) has no finite end condition")
            grid = np.arange(0, int(math.ceil(t_known / dt)) + 1) * dt
            grid = grid[grid < t_known] if grid.size > 1 else grid
            times.append(grid)
            volts.append(model.voltage(state, step, grid, current * grid, t0, current))
            t_end = t_known
        else:
            horizon = max(float(model.horizon(state, step, current)), 4 * dt)
            t_hi = min(t_known, horizon, t_max)
            k0 = 0
            t_end = None
            while t_end is None:
                k1 = int(math.floor(t_hi / dt))
                grid = np.arange(k0, k1 + 1) * dt
                v = model.voltage(state, step, grid, current * grid, t0, current)
                hit = np.flatnonzero(_beyond(v, limit, direction))
                if hit.size:
                    m = int(hit[0])
                    if k0 + m == 0:
                        t_end = 0.0
                    else:
                        t_prev = grid[m - 1] if m > 0 else times[-1][-1]
                        t_end = min(_crossing(model, state, step, t0, current, limit, direction, float(t_prev),
                                              float(grid[m])), t_known)
                    times.append(grid[:m])
                    volts.append(v[:m])
                    break
                times.append(grid)
                volts.append(v)
                if t_hi >= t_known:
                    t_end = t_known
                    break
                if t_hi >= t_max:
                    raise SimulationError(
                        f"step {count} ({step.label}, cycle {step.cycle}) did not reach its cut-off "
                        f"{step.voltage_limit:~P} within {max_step_duration:~P}; give it a time limit")
                k0 = k1 + 1
                t_hi = min(t_known, 2 * t_hi, t_max)
        t_end = float(_quantize(t_end, t_res)) if t_res > 0 else t_end
        grid = np.concatenate(times) if times else np.zeros(0)
        v_grid = np.concatenate(volts) if volts else np.zeros(0)
        keep = grid < t_end
        if not keep.all():
            grid, v_grid = grid[keep], v_grid[keep]
        v_end = model.voltage(state, step, np.array([t_end]), np.array([current * t_end]), t0, current)
        t_all = np.append(grid, t_end)
        v_all = np.append(v_grid, v_end)

        # which time points become records
        n = t_all.size
        record = np.zeros(n, dtype=bool)
        record[0] = True
        record[-1] = True
        k = np.rint(t_all[:-1] / dt).astype(np.int64)
        record[:-1] |= (k % substeps) == 0
        levels = np.floor(v_all / trigger)
        record[1:] |= levels[1:] != levels[:-1]
        idx = np.flatnonzero(record)

        # energy: trapezoid of V·I over all time points (Wh)
        if n > 1:
            e = np.concatenate([[0.0], np.cumsum(0.5 * (v_all[1:] + v_all[:-1]) * current * np.diff(t_all))]) / 3600.0
        else:
            e = np.zeros(1)
        ts = _quantize(t_all[idx], t_res) if t_res > 0 else t_all[idx]
        v_rec = v_all[idx]
        if sigma > 0:
            v_rec = v_rec + rng.normal(0.0, sigma, size=v_rec.size)
        v_rec = _quantize(v_rec, v_res)
        size = idx.size
        out["t"].append(t0 + ts)
        out["ts"].append(ts)
        out["v"].append(np.asarray(v_rec, dtype=float))
        out["i"].append(np.full(size, current))
        out["cap"].append(current * ts / 3600.0)
        out["energy"].append(e[idx])
        out["cycle"].append(np.full(size, int(step.cycle), dtype=np.int64))
        out["count"].append(np.full(size, count, dtype=np.int64))
        out["id"].append(np.full(size, int(step.step_id), dtype=np.int64))
        out["label"].append(np.full(size, label_codes[step.label], dtype=np.int8))
        out["temp"].append(np.full(size, float(model.temperature_of(step).to("degC").magnitude)))
        state = model.end_state(state, step, t_end, current * t_end, t0, current)
        t0 = t0 + t_end

    cat = {k: np.concatenate(v) for k, v in out.items()}
    test_time = _quantize(cat["t"], t_res) if t_res > 0 else cat["t"]
    columns = {
        "test_time_second": test_time,
        "voltage_volt": cat["v"],
        "current_ampere": cat["i"],
        "step_time_second": cat["ts"],
        "cycle_count": cat["cycle"],
        "step_count": cat["count"],
        "step_id": cat["id"],
        "step_type": pd.Categorical.from_codes(cat["label"], categories=list(LABELS)),
        "step_net_capacity_ah": cat["cap"],
        "step_net_energy_wh": cat["energy"],
        "ambient_temperature_celsius": cat["temp"],
    }
    settings = {
        "record_interval": f"{record_interval:~P}", "voltage_trigger": f"{voltage_trigger:~P}",
        "current_resolution": f"{current_resolution:~P}", "voltage_resolution": f"{voltage_resolution:~P}",
        "noise": f"{noise:~P}", "seed": int(seed), "substeps": substeps, "time_resolution": f"{time_resolution:~P}",
    }
    info = {
        "model": type(model).__name__,
        "model_parameters": json.dumps(parameters_of(model), ensure_ascii=False),
        "simulation": json.dumps(settings, ensure_ascii=False),
        **dict(attrs or {}),
    }
    return build_dataset(columns, source_file=source_file, format="simulation",
                         instrument="simulated cycler (analysis.reconstruct)", reader="analysis.reconstruct.simulate",
                         data_source="reconstructed", attrs=info)
