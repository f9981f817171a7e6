"""Analysis package of the Sung et al. (Adv. Mater. 2023) research compendium.

One module per concept:

- :mod:`analysis.units`      the project's single pint ``UnitRegistry`` and unit checks
- :mod:`analysis.tables`     reading numbers-with-units from data files, writing result tables
- :mod:`analysis.chemistry`  stoichiometry of Si lithiation, crystal densities
- :mod:`analysis.porosity`   porosity of the interlayers (Table S2, Fig. 2h)
- :mod:`analysis.io`         cycler files (Neware, BioLogic, BDF) -> one unit-carrying xarray Dataset
- :mod:`analysis.cycling`    steps and cycles: capacities, Coulombic efficiency, retention
- :mod:`analysis.efficiency` initial and average Coulombic efficiency, cycles to reach a threshold
- :mod:`analysis.overpotential` Li nucleation dips of a plating curve
- :mod:`analysis.metrics`    the reported quantities, one function each, on one run's records (the one definition)
- :mod:`analysis.dqdv`       differential capacity dQ/dV of one half-cycle
- :mod:`analysis.ingest`     the workflow's per-cell ingestion (NetCDF + per-cycle table)
- :mod:`analysis.reconstruct` the documented model that makes cycler files from the paper's protocols
- :mod:`analysis.reproduced` rows of the reported-vs-reproduced table
- :mod:`analysis.interlayers` Table S1: the interlayers of the literature
- :mod:`analysis.audit`      the consistency audit of the paper's own numbers
- :mod:`analysis.inventory`  every panel of the paper: status, notebook, output files; report captions
- :mod:`analysis.provenance` sidecars with input hashes, parameters, versions and commit
- :mod:`analysis.manifest`   sha256 manifest of data/, verified before every run
- :mod:`analysis.plotting`   the one figure style, source notes, deterministic PNG/SVG output
- :mod:`analysis.explorer`   the explorer notebook's views of any ingested cell, and its widgets
- :mod:`analysis.paths`      the repository root, the working directory of every notebook
"""



def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for (importing
    importlib.metadata costs every short command, e.g. each workflow step's launcher, 25 ms)."""
    if name != "__version__":
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("sung2023-compendium")
    except PackageNotFoundError:  # running from a source tree that was not installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value

#: The kinds of data the compendium keeps apart. Every figure names one of them. ``computed``:
#: from physical laws and literature constants (``data/reference/``), not from the paper's numbers
#: (Figure 1a, the deformation-mechanism map; Figure S6b, the Li15Si4 pattern).
DATA_SOURCES = ("paper", "reconstructed", "measured", "computed")
