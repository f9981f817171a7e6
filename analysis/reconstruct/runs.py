"""Which reconstructed cell runs which protocol."""

from __future__ import annotations

from .cells import CELLS


def cell_of(protocol: str) -> str:
    """The paper cell whose reconstruction runs ``protocol``."""
    owners = [cell for cell, spec in CELLS.items() if protocol in spec["protocols"]]
    if not owners:
        available = sorted(p for spec in CELLS.values() for p in spec["protocols"])
        raise KeyError(f"no reconstruction runs protocol '{protocol}' (available: {', '.join(available)})")
    return owners[0]
