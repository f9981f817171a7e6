"""Neware binary files (.nda, .ndax) through fastnda, keeping the file's own cycle numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError
from .core import build_dataset

# fastnda column -> (BDF name, factor to BDF units)
_COLUMNS = {
    "total_time_s": ("test_time_second", 1.0),
    "voltage_V": ("voltage_volt", 1.0),
    "current_mA": ("current_ampere", 1e-3),
    "unix_time_s": ("unix_time_second", 1.0),
    "step_time_s": ("step_time_second", 1.0),
    "cycle_count": ("cycle_count", None),
    "step_count": ("step_count", None),
    "step_index": ("step_id", None),
    "capacity_mAh": ("step_net_capacity_ah", 1e-3),
    "energy_mWh": ("step_net_energy_wh", 1e-3),
}


def _read(path: str | Path, fmt: str, data_source: str, check: bool, cycle_mode: str = "raw") -> xr.Dataset:
    try:
        import fastnda
    except ImportError:  # pragma: no cover - fastnda is a required dependency
        raise DataError("reading Neware binary files needs fastnda: pip install fastnda", path=path) from None
    try:
        frame = fastnda.read(path, cycle_mode=cycle_mode)
    except Exception as exc:  # fastnda raises many kinds for corrupt files
        raise DataError(f"fastnda cannot read this file ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                        path=path) from None
    if frame.height == 0:
        raise DataError("the file holds no records", path=path)
    columns: dict[str, Any] = {}
    for name, (bdf, factor) in _COLUMNS.items():
        if name in frame.columns:
            values = frame.get_column(name).to_numpy()
            columns[bdf] = values.astype(np.float64) * factor if factor is not None else values
    if "step_type" in frame.columns:
        columns["step_type"] = frame.get_column("step_type").cast(str).fill_null("Unknown").to_numpy()
    attrs: dict[str, Any] = {}
    try:
        meta = fastnda.read_metadata(path)
        attrs = {f"instrument_{k}": v for k, v in sorted(meta.items()) if isinstance(v, (str, int, float))}
    except Exception:  # metadata are a bonus; the records are what matters
        pass
    return build_dataset(columns, source_file=path, format=fmt, instrument="Neware",
                         reader=f"fastnda {getattr(fastnda, '__version__', '')}".strip(),
                         data_source=data_source, attrs={"cycle_numbering": cycle_mode, **attrs}, check=check)


def read_nda(path: str | Path, *, data_source: str = "measured", check: bool = True,
             cycle_mode: str = "raw") -> xr.Dataset:
    """A Neware ``.nda`` file as the canonical Dataset (float64).

    ``cycle_mode="raw"`` keeps the cycle numbers stored in the file. Neware's BTSDA export may
    number cycles differently (a new cycle at each charge after a discharge): pass
    ``cycle_mode="chg"`` to number them that way, knowingly.
    """
    return _read(path, "neware-nda", data_source, check, cycle_mode)


def read_ndax(path: str | Path, *, data_source: str = "measured", check: bool = True,
             cycle_mode: str = "raw") -> xr.Dataset:
    """A Neware ``.ndax`` file as the canonical Dataset (float64).

    ``cycle_mode="raw"`` keeps the cycle numbers stored in the file. Neware's BTSDA export may
    number cycles differently (a new cycle at each charge after a discharge): pass
    ``cycle_mode="chg"`` to number them that way, knowingly.
    """
    return _read(path, "neware-ndax", data_source, check, cycle_mode)
