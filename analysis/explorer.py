"""The views of notebooks/explorer.ipynb: any ingested cell, any of its cycles, four views, and the widgets.

A :class:`CellExplorer` reads the cells of a folder of ingested NetCDF files (``results/cells/<cell>.nc``),
each once, and draws one of :data:`QUANTITIES` for a choice of cycles:

- ``voltage_vs_time``: voltage (V) against test time (h), one curve per cycle;
- ``voltage_vs_capacity``: voltage against the capacity passed in each half-cycle, areal (mAh/cm²) when the
  file names its electrode area, charge solid and discharge dashed;
- ``dqdv``: differential capacity of each half-cycle (:func:`analysis.dqdv.cycle_dqdv`), discharge drawn
  below the axis;
- ``capacity_ce_vs_cycle``: every cycle's capacity and Coulombic efficiency, the chosen cycles shaded.

Each drawing comes with one line of numbers per curve (records and time span, capacity passed, dQ/dV area
and highest peak, charge, discharge and CE) and the figure's data-source note, which the notebook prints
beside the figure. The Coulombic-efficiency convention is the one given, else the one of the cell's kind
(attribute ``cell_kind``): ``plating`` for half and symmetric cells, ``full_cell`` for full cells.

:func:`explorer_widgets` builds the notebook's ipywidgets (cell, view, cycles and an output area that the
chosen view is drawn into); the notebook lays them out and displays them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pint
import xarray as xr

from .plotting import add_source_note, apply_style, capacity_and_ce, source_note  # chooses the backend first
from .units import Q_, require

import matplotlib.figure
import matplotlib.pyplot as plt

#: The views, by key, with the label the view dropdown shows.
QUANTITIES = {
    "voltage_vs_time": "Voltage vs time",
    "voltage_vs_capacity": "Voltage vs capacity",
    "dqdv": "dQ/dV vs voltage",
    "capacity_ce_vs_cycle": "Capacity and CE vs cycle",
}
#: Coulombic-efficiency convention of each kind of cell (:func:`analysis.cycling.cycle_summary`).
KIND_CONVENTION = {"half_cell": "plating", "symmetric": "plating", "full_cell": "full_cell"}
VOLTAGE = "[electric_potential]"


def cell_files(netcdf_dir: str | Path) -> dict[str, Path]:
    """``{cell id: NetCDF path}`` of the ``*.nc`` files of a folder, sorted by name; raises if there are none."""
    files = {path.stem: path for path in sorted(Path(netcdf_dir).glob("*.nc"))}
    if not files:
        raise FileNotFoundError(f"{netcdf_dir}: no .nc files; run the workflow first (snakemake) or set netcdf_dir")
    return files


def record_cycles(ds: xr.Dataset) -> np.ndarray:
    """The cycle number of every record (all 1 when the file has no ``cycle_count``)."""
    if "cycle_count" not in ds:
        return np.ones(ds.sizes["record"], dtype=int)
    data = ds["cycle_count"].data
    return np.asarray(getattr(data, "magnitude", data))


def show(fig: matplotlib.figure.Figure) -> None:
    """Display ``fig`` as PNG, whichever matplotlib backend is active, and release it."""
    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"))


class CellExplorer:
    """The cells of ``files`` (``{cell id: NetCDF path}``), each read once, drawn in any view.

    ``ce_convention`` (``"plating"`` or ``"full_cell"``; empty: from each cell's kind), the dQ/dV bin width
    ``resolution`` and Gaussian ``smoothing`` (voltages), the figure size (inches) and the colour map of the
    cycles are the notebook's choices.
    """

    def __init__(self, files: Mapping[str, str | Path], *, ce_convention: str = "",
                 resolution: pint.Quantity = Q_(5.0, "mV"), smoothing: pint.Quantity = Q_(10.0, "mV"),
                 figsize: tuple[float, float] = (6.4, 3.6), colormap: str = "viridis") -> None:
        self.files = {cell: Path(path) for cell, path in files.items()}
        self.ce_convention = ce_convention
        self.resolution = require(resolution, VOLTAGE, "dQ/dV resolution", positive=True)
        self.smoothing = require(smoothing, VOLTAGE, "dQ/dV smoothing")
        self.figsize = figsize
        self.colormap = colormap
        self._loaded: dict[str, tuple[xr.Dataset, xr.Dataset, pint.Quantity | None]] = {}

    def load(self, cell: str) -> tuple[xr.Dataset, xr.Dataset, pint.Quantity | None]:
        """The cell's records, its per-cycle summary and its electrode area (None if the file has none)."""
        from .cycling import cycle_summary
        from .io.netcdf import read_netcdf

        if cell not in self._loaded:
            ds = read_netcdf(self.files[cell])
            convention = self.ce_convention or KIND_CONVENTION.get(ds.attrs.get("cell_kind", ""))
            if convention is None:
                raise ValueError(f"{self.files[cell]}: no cell_kind attribute; set ce_convention to 'plating' or "
                                 "'full_cell'")
            area = Q_(ds.attrs["electrode_area"]) if ds.attrs.get("electrode_area") else None
            self._loaded[cell] = (ds, cycle_summary(ds, convention=convention, area=area), area)
        return self._loaded[cell]

    def cycles_of(self, cell: str) -> list[int]:
        """The cycle numbers of the cell's per-cycle summary."""
        return [int(c) for c in self.load(cell)[1]["cycle"].values]

    def draw(self, cell: str, what: str, wanted: Sequence[int]) -> tuple[matplotlib.figure.Figure, list[str]]:
        """Figure of view ``what`` for the ``wanted`` cycles of ``cell`` that the data have (else its first
        cycle), and one line of numbers per curve, the cycles left out and the data-source note."""
        if what not in QUANTITIES:
            raise ValueError(f"quantity must be one of {', '.join(QUANTITIES)}, got {what!r}")
        ds, summary, area = self.load(cell)
        available = self.cycles_of(cell)
        chosen = [c for c in dict.fromkeys(int(c) for c in wanted) if c in available] or available[:1]
        lines = [f"{cell}: {QUANTITIES[what]}, cycles {chosen}"]
        left_out = [int(c) for c in wanted if int(c) not in available]
        if left_out:
            lines.append(f"cycles {left_out} are not in the data (cycles {available[0]}-{available[-1]}): left out")
        apply_style()
        fig, ax = plt.subplots(figsize=self.figsize, layout="constrained")
        colours = plt.get_cmap(self.colormap)(np.linspace(0.0, 0.85, len(chosen)))
        detail = f"{Path(ds.attrs['source_file']).name}; CE = {summary.attrs['ce_definition']}"
        if what == "voltage_vs_time":
            lines += _voltage_vs_time(ax, ds, chosen, colours)
        elif what in ("voltage_vs_capacity", "dqdv"):
            lines += self._half_cycles(ax, ds, area, what, chosen, colours)
            if what == "dqdv":
                detail += f"; dQ/dV in {self.resolution:~P} bins, Gaussian smoothing σ = {self.smoothing:~P}"
        else:  # capacity_ce_vs_cycle: every cycle, the chosen ones shaded
            lines += _capacity_ce(ax, summary, chosen)
        ax.set_title(cell, loc="left", fontsize=9)
        handles = ax.get_legend_handles_labels()[0]
        if what != "capacity_ce_vs_cycle" and 0 < len(handles) <= 12:
            ax.legend(frameon=False, fontsize=7)
        source = ds.attrs["data_source"]
        if source == "reconstructed":
            detail = f"model of analysis/reconstruct from the paper's protocols; {detail}"
        add_source_note(fig, source, detail)
        lines.append(source_note(source, detail))
        return fig, lines

    def _half_cycles(self, ax, ds: xr.Dataset, area: pint.Quantity | None, what: str, chosen: list[int],
                     colours: np.ndarray) -> list[str]:
        """Voltage against capacity, or dQ/dV, of each charge and discharge of the chosen cycles."""
        from .dqdv import cycle_dqdv, half_cycle_curve

        lines = []
        for c, colour in zip(chosen, colours):
            for direction, style in (("charge", "-"), ("discharge", "--")):
                try:
                    voltage, capacity = half_cycle_curve(ds, c, direction)
                except KeyError:  # e.g. a first cycle with a discharge only
                    continue
                passed = capacity[-1].to("mA*h").magnitude
                label = f"cycle {c} {direction}"
                if what == "voltage_vs_capacity":
                    x = (capacity / area).to("mA*h/cm^2") if area is not None else capacity.to("mA*h")
                    ax.plot(x.magnitude, voltage.to("V").magnitude, style, lw=0.9, color=colour, label=label)
                    lines.append(f"{label}: {passed:.4f} mAh passed")
                    continue
                result = cycle_dqdv(ds, c, direction, resolution=self.resolution, smoothing=self.smoothing)
                volts = result["voltage"].data.to("V").magnitude
                dqdv = result["dqdv"].data.to("mA*h/V").magnitude
                ax.plot(volts, dqdv if direction == "charge" else -dqdv, style, lw=0.9, color=colour, label=label)
                under = float((result["dqdv"].data * self.resolution).sum().to("mA*h").magnitude)
                lines.append(f"{label}: dQ/dV area {under:.4f} mAh, capacity passed {passed:.4f} mAh, "
                             f"highest peak at {volts[np.argmax(dqdv)]:.3f} V")
        if what == "voltage_vs_capacity":
            ax.set_xlabel("Areal capacity (mAh cm⁻²)" if area is not None else "Capacity (mAh)")
            ax.set_ylabel("Voltage (V)")
        else:
            ax.axhline(0, color="0.6", lw=0.5)
            ax.set_xlabel("Voltage (V)")
            ax.set_ylabel("dQ/dV (mAh V⁻¹)")
        return lines


def _voltage_vs_time(ax, ds: xr.Dataset, chosen: list[int], colours: np.ndarray) -> list[str]:
    """Voltage against test time of each chosen cycle; a line of records and time span per cycle."""
    t = ds["test_time_second"].data.to("h").magnitude
    v = ds["voltage_volt"].data.to("V").magnitude
    numbers = record_cycles(ds)
    lines = []
    for c, colour in zip(chosen, colours):
        mask = numbers == c
        ax.plot(t[mask], v[mask], lw=0.9, color=colour, label=f"cycle {c}")
        lines.append(f"cycle {c}: {int(mask.sum())} records, {t[mask][0]:.3f}-{t[mask][-1]:.3f} h")
    ax.set_xlabel("Time (h)")
    ax.set_ylabel("Voltage (V)")
    return lines


def _capacity_ce(ax, summary: xr.Dataset, chosen: list[int]) -> list[str]:
    """Capacity and CE of every cycle, the chosen ones shaded; a line of capacities and CE per chosen cycle."""
    capacity_and_ce(ax, summary)
    lines = []
    for c in chosen:
        ax.axvspan(c - 0.4, c + 0.4, color="0.9", zorder=0)
        row = summary.sel(cycle=c)
        ce = row["coulombic_efficiency"].data.to("percent").magnitude
        lines.append(f"cycle {c}: charge {row['charge_capacity'].data.to('mA*h').magnitude:.4f} mAh, "
                     f"discharge {row['discharge_capacity'].data.to('mA*h').magnitude:.4f} mAh, CE {ce:.2f} %")
    return lines


def explorer_widgets(explorer: CellExplorer, first_cell: str, quantity: str,
                     cycles: Sequence[int]) -> tuple[Any, Any, Any, Any, Callable[..., None]]:
    """The explorer's widgets and the function that draws the chosen view into the output area.

    Returns ``(cell_box, quantity_box, cycle_box, output, refresh)``: a dropdown of every cell of the
    explorer, one of the views, a multiple choice of the cell's cycles (the wanted ones it has, else its
    first) and an output area. Any change redraws; choosing another cell draws once, with its first two
    cycles (new options clear the selection of a ``SelectMultiple``, so no chosen cycle is kept). Nothing is
    displayed or drawn here: the caller lays the widgets out, displays them and calls ``refresh()``.
    """
    import ipywidgets as widgets

    cell_box = widgets.Dropdown(options=list(explorer.files), value=first_cell, description="Cell")
    quantity_box = widgets.Dropdown(options=[(label, key) for key, label in QUANTITIES.items()], value=quantity,
                                    description="View")
    start = [c for c in cycles if c in explorer.cycles_of(first_cell)] or explorer.cycles_of(first_cell)[:1]
    cycle_box = widgets.SelectMultiple(options=explorer.cycles_of(first_cell), value=start, rows=8,
                                       description="Cycles")
    output = widgets.Output()
    busy = [False]

    def refresh(*_: Any) -> None:
        if busy[0]:
            return
        with output:
            output.clear_output(wait=True)
            fig, lines = explorer.draw(cell_box.value, quantity_box.value, list(cycle_box.value))
            print("\n".join(lines))
            show(fig)

    def new_cell(change: Any) -> None:
        busy[0] = True  # options and value change together: draw once
        numbers = explorer.cycles_of(change.new)
        cycle_box.options = numbers
        cycle_box.value = tuple(c for c in cycle_box.value if c in numbers) or tuple(numbers[:2])
        busy[0] = False
        refresh()

    cell_box.observe(new_cell, names="value")
    quantity_box.observe(refresh, names="value")
    cycle_box.observe(refresh, names="value")
    return cell_box, quantity_box, cycle_box, output, refresh
