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


def _labels(series: Any) -> Any:
    """A polars label column as a pandas Categorical, factorised on its integer codes (fast)."""
    import pandas as pd
    import polars as pl

    series = series.fill_null("Unknown") if series.null_count() else series
    try:
        physical = series.to_physical().to_numpy()
    except Exception:  # not categorical: factorise the strings themselves
        physical = series.cast(pl.String).to_numpy()
    codes, uniques = pd.factorize(physical)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)  # first record of every label
    names = series.gather(first).cast(pl.String).to_list()
    return pd.Categorical.from_codes(codes, categories=names)


def _read(path: str | Path, fmt: str, data_source: str, check: bool, cycle_mode: str = "raw",
          metadata: bool = False) -> xr.Dataset:
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
            if factor is None:
                columns[bdf] = values
            else:
                values = values.astype(np.float64)  # fastnda gives float32
                if factor != 1.0:
                    values *= factor
                columns[bdf] = values
    if "step_type" in frame.columns:
        columns["step_type"] = _labels(frame.get_column("step_type"))
    attrs: dict[str, Any] = {}
    if metadata:  # opt-in: parsing the test's XML costs about 10 % of the read
        try:
            meta = fastnda.read_metadata(path)
            attrs = {f"instrument_{k}": v for k, v in sorted(meta.items()) if isinstance(v, (str, int, float))}
        except Exception:  # metadata are a bonus; the records are what matters
            attrs = {"instrument_metadata": "unreadable"}
    return build_dataset(columns, source_file=path, format=fmt, instrument="Neware",
                         reader=f"fastnda {getattr(fastnda, '__version__', '')}".strip(),
                         data_source=data_source, attrs={"cycle_numbering": cycle_mode, **attrs}, check=check)


def read_nda(path: str | Path, *, data_source: str = "measured", check: bool = True,
             cycle_mode: str = "raw", metadata: bool = False) -> xr.Dataset:
    """A Neware ``.nda`` file as the canonical Dataset (float64).

    ``cycle_mode="raw"`` keeps the cycle numbers stored in the file. Neware's BTSDA export may
    number cycles differently (a new cycle at each charge after a discharge): pass
    ``cycle_mode="chg"`` to number them that way, knowingly. ``metadata=True`` adds the test's
    settings (``instrument_*`` attributes).
    """
    return _read(path, "neware-nda", data_source, check, cycle_mode, metadata)


def read_ndax(path: str | Path, *, data_source: str = "measured", check: bool = True,
             cycle_mode: str = "raw", metadata: bool = False) -> xr.Dataset:
    """A Neware ``.ndax`` file as the canonical Dataset (float64).

    ``cycle_mode="raw"`` keeps the cycle numbers stored in the file. Neware's BTSDA export may
    number cycles differently (a new cycle at each charge after a discharge): pass
    ``cycle_mode="chg"`` to number them that way, knowingly. ``metadata=True`` adds the test's
    settings (``instrument_*`` attributes).
    """
    return _read(path, "neware-ndax", data_source, check, cycle_mode, metadata)
