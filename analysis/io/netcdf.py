"""Derived cycler data on disk: NetCDF-4 (HDF5) files under ``results/``, units in attributes."""

from __future__ import annotations

from pathlib import Path

import pint
import xarray as xr

from ..atomic import atomic_path
from ..units import ureg


def _dequantified(ds: xr.Dataset) -> xr.Dataset:
    if any(isinstance(v.data, pint.Quantity) for v in ds.variables.values()):
        return ds.pint.dequantify()
    return ds


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` (quantified or not) to ``path``; atomic (temporary name, then renamed)."""
    path = Path(path)
    plain = _dequantified(ds)
    encoding = {name: {"zlib": True, "complevel": 4} for name, var in plain.data_vars.items() if var.dtype.kind in "fiu"}
    with atomic_path(path) as temp:
        plain.to_netcdf(temp, engine="h5netcdf", encoding=encoding, invalid_netcdf=False)
    return path


def read_netcdf(path: str | Path) -> xr.Dataset:
    """A Dataset written by :func:`write_netcdf`, units attached again (pint-xarray)."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        loaded = ds.load()
    return loaded.pint.quantify(unit_registry=ureg)
