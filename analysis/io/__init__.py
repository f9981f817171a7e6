"""Cycler files in, one unit-carrying xarray Dataset out: :func:`read_cycler`.

Supported formats (``format=`` names):

==================  =============================================  ===========================
name                files                                          reader
==================  =============================================  ===========================
``neware-nda``      Neware ``.nda``                                fastnda (raw cycle numbers)
``neware-ndax``     Neware ``.ndax``                               fastnda (raw cycle numbers)
``neware-csv``      Neware BTSDA CSV export, flat or hierarchical  :mod:`analysis.io.btsda`
``neware-xlsx``     Neware BTSDA XLSX export                       :mod:`analysis.io.btsda`
``biologic-mpt``    BioLogic EC-Lab text export ``.mpt``           :mod:`analysis.io.biologic`
``biologic-mpr``    BioLogic EC-Lab binary ``.mpr`` (optional,     galvani (GPL; ``pip install
                    GPL extra)                                     galvani``)
``bdf-csv``         Battery Data Format CSV (labels or names)      :mod:`analysis.io.bdf`
==================  =============================================  ===========================

``format="auto"`` decides from the file name and, for CSV, from the header. The Dataset
contract is in :mod:`analysis.io.core`.
"""

from __future__ import annotations

import inspect
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

import xarray as xr

from ..errors import DataError
from .core import REQUIRED, SIGN_CONVENTION, VARIABLES, build_dataset, step_direction, validate

__all__ = ["read_cycler", "detect_format", "FORMATS", "build_dataset", "validate", "step_direction",
           "VARIABLES", "REQUIRED", "SIGN_CONVENTION"]

#: format name -> (module, reader function). Modules are imported on first use.
FORMATS: dict[str, tuple[str, str]] = {
    "neware-nda": ("analysis.io.neware", "read_nda"),
    "neware-ndax": ("analysis.io.neware", "read_ndax"),
    "neware-csv": ("analysis.io.btsda", "read_csv"),
    "neware-xlsx": ("analysis.io.btsda", "read_xlsx"),
    "biologic-mpt": ("analysis.io.biologic", "read_mpt"),
    "biologic-mpr": ("analysis.io.biologic", "read_mpr"),
    "bdf-csv": ("analysis.io.bdf", "read_bdf_csv"),
}
_BY_SUFFIX = {".nda": "neware-nda", ".ndax": "neware-ndax", ".xlsx": "neware-xlsx", ".mpt": "biologic-mpt",
              ".mpr": "biologic-mpr"}


def _supported() -> str:
    return ", ".join(FORMATS)


def detect_format(path: str | Path) -> str:
    """The format name of ``path`` from its suffix and, for text files, its first lines."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in (".csv", ".txt"):
        from .bdf import sniff as sniff_bdf
        from .btsda import sniff as sniff_btsda

        head = _head(path)
        if not head.strip():
            raise DataError("empty file (blank lines only)", path=path)
        if sniff_bdf(head):
            return "bdf-csv"
        if sniff_btsda(head):
            return "neware-csv"
        raise DataError(f"CSV header matches no supported format (supported: {_supported()})", path=path)
    raise DataError(f"unknown file type '{suffix or path.name}' (supported: {_supported()})", path=path)


def _head(path: Path, size: int = 8192) -> str:
    from ._text import text_problem

    with open(path, "rb") as handle:
        raw = handle.read(size)
    problem = text_problem(raw)
    if problem:
        raise DataError(problem, path=path)
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1", errors="replace")


def reader_for(format: str) -> Callable[..., xr.Dataset]:
    if format not in FORMATS:
        raise ValueError(f"unknown format '{format}' (supported: {_supported()}, or 'auto')")
    module, function = FORMATS[format]
    return getattr(import_module(module), function)


def read_cycler(path: str | Path, format: str = "auto", *, data_source: str = "measured", **options: Any) -> xr.Dataset:
    """Read a cycler file into the canonical Dataset (see :mod:`analysis.io.core`).

    ``data_source`` is ``measured`` for a lab's files and ``reconstructed`` for files our model
    wrote. Extra ``options`` go to the format's reader. A file that cannot be read raises one
    :class:`~analysis.errors.DataError` line naming the file (and column and row where known).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DataError("empty file", path=path)
    fmt = detect_format(path) if format == "auto" else format
    reader = reader_for(fmt)
    try:
        inspect.signature(reader).bind(path, data_source=data_source, **options)
    except TypeError:
        raise DataError(f"reader options not understood by the {fmt} reader: {', '.join(sorted(options))}",
                        path=path) from None
    return reader(path, data_source=data_source, **options)
