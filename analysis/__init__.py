"""Analysis package of the Sung et al. (Adv. Mater. 2023) research compendium.

One module per concept:

- :mod:`analysis.units`      the project's single pint ``UnitRegistry`` and unit checks
- :mod:`analysis.tables`     reading numbers-with-units from data files, writing result tables
- :mod:`analysis.chemistry`  stoichiometry of Si lithiation, crystal densities
- :mod:`analysis.porosity`   porosity of the interlayers (Table S2, Fig. 2h)
- :mod:`analysis.io`         cycler files (Neware, BioLogic, BDF) -> one unit-carrying xarray Dataset
- :mod:`analysis.cycling`    steps and cycles: capacities, Coulombic efficiency, retention
- :mod:`analysis.ingest`     the workflow's per-cell ingestion (NetCDF + per-cycle table)
- :mod:`analysis.plotting`   the one figure style, source notes, deterministic PNG/SVG output
- :mod:`analysis.paths`      the repository root, the working directory of every notebook
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sung2023-compendium")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

#: The three kinds of data the compendium keeps apart. Every figure names one of them.
DATA_SOURCES = ("paper", "reconstructed", "measured")
