"""Cycler schedules: :class:`Step`, and :func:`steps_from_paper` for the protocols of the paper.

A :class:`Step` is one line of a cycler schedule as it runs: a Neware-style label (``Rest``,
``CC_Chg``, ``CC_DChg``), a constant signed current (> 0 charges the test object), its end
conditions (duration, voltage cut-off, capacity: whichever comes first) and the cycle it belongs
to.

:func:`steps_from_paper` turns the rows of ``data/paper/protocols.csv`` into Steps. The paper
leaves things out (the current of some lithiations, the number of cycles, the intermediate
C-rates, any rest); the caller then passes an explicit, named parameter, and every Step says in
``source`` where each of its numbers came from (``printed <row id>`` or ``caller: <parameter>``).
A gap without a parameter raises :class:`ValueError` naming both: nothing is invented here.

Rules, stated once:

- Direction comes from ``kind`` (``plate``, ``lithiate``, ``discharge`` discharge the test
  object, ``strip``, ``delithiate``, ``charge`` charge it); the printed sign of a current is not
  used (the paper writes plating currents negative, the rest positive).
- Current = |current density| × electrode area; where only a C-rate is printed,
  |C-rate| × ``one_c_current_density`` × area.
- A printed duration ends a step. A printed areal capacity ends it only where no duration is
  printed (the paper's "about 3.0 mAh cm-2" next to "for 10 h" is a result, not a limit).
- ``contact_lithiate`` steps pass no current and give no Step (the lithiation of the interlayer by
  the Li foil happens on assembly); ``unspecified`` steps raise.
- Cycles: a row applies to ``cycle_first`` … ``cycle_last``; an open ``cycle_last`` needs
  ``repeat_cycles`` (the last cycle to run), which also shortens a printed range when smaller.
  Rows without cycle numbers in a protocol whose other rows have them belong to the cycle of the
  row before; in a protocol without any cycle numbers (the rate test) consecutive charge and
  discharge rows form one cycle each, repeated ``cycles_per_rate`` times.
- ``step_id`` is the schedule line: the row's step number, or, with ``rest``, 2k − 1 for row k
  and 2k for the rest after it.
- A rate test's discharge rates can be replaced by a named ladder (``rate_ladder``, see
  :data:`RATE_LADDERS`): printed rates keep their rows, the others copy the first discharge row
  with the ladder's C-rate and say ``not printed`` in ``source``.

:func:`symmetric_steps` makes the plating/stripping schedule of a symmetric cell whose protocol the
paper does not print (Figure 4g): every number comes from the caller, who says where from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pint

from ..paths import project_root
from ..tables import load_schema, read_rows
from ..units import Q_, require

__all__ = [
    "LABELS",
    "RATE_LADDERS",
    "Step",
    "protocol_rows",
    "steps_from_paper",
    "symmetric_steps",
    "with_time_limit",
]

#: Neware step labels of the three step kinds the reconstruction uses.
LABELS = ("Rest", "CC_Chg", "CC_DChg")

_DISCHARGE_KINDS = ("plate", "lithiate", "discharge")
_CHARGE_KINDS = ("strip", "delithiate", "charge")
PROTOCOLS_CSV = Path("data") / "paper" / "protocols.csv"
CELL_PROPERTIES_CSV = Path("data") / "paper" / "cell_properties.csv"

#: Discharge C-rates of a rate test (Figure 5c,d). ``printed``: only the rates the paper prints
#: (0.05, 2 and 5 C, the rows of protocols.csv); ``conventional``: a usual ladder with the
#: intermediate rates the paper does not print (0.05, 0.1, 0.2, 0.5, 1, 2, 5 C).
RATE_LADDERS: dict[str, tuple[float, ...] | None] = {
    "printed": None,
    "conventional": (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
}


@dataclass(frozen=True)
class Step:
    """One schedule line as it runs: constant current until the first end condition is met.

    ``voltage_limit`` is crossed upwards in a charge step (current > 0) and downwards in a
    discharge step. ``capacity`` is the magnitude of the charge passed in the step.
    ``temperature`` is the step's temperature where the protocol prints one (None: the model's own).
    """

    label: str
    current: pint.Quantity
    cycle: int
    step_id: int
    duration: pint.Quantity | None = None
    voltage_limit: pint.Quantity | None = None
    capacity: pint.Quantity | None = None
    temperature: pint.Quantity | None = None
    kind: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"step label must be one of {', '.join(LABELS)}, got {self.label!r}")
        require(self.current, "[current]", "current")
        i = float(self.current.to("A").magnitude)
        if self.label == "Rest" and i != 0:
            raise ValueError("a Rest step has zero current")
        if self.label == "CC_Chg" and not i > 0:
            raise ValueError(f"a CC_Chg step needs a positive current, got {self.current:~P}")
        if self.label == "CC_DChg" and not i < 0:
            raise ValueError(f"a CC_DChg step needs a negative current, got {self.current:~P}")
        if self.duration is not None:
            require(self.duration, "[time]", "duration", positive=True)
        if self.voltage_limit is not None:
            require(self.voltage_limit, "[electric_potential]", "voltage_limit")
            if self.label == "Rest":
                raise ValueError("a Rest step has no voltage cut-off")
        if self.capacity is not None:
            require(self.capacity, "[current] * [time]", "capacity", positive=True)
            if self.label == "Rest":
                raise ValueError("a Rest step has no capacity limit")
        if self.temperature is not None:
            require(self.temperature, "[temperature]", "temperature")
        if self.duration is None and self.voltage_limit is None and self.capacity is None:
            raise ValueError(f"step {self.step_id} of cycle {self.cycle} has no end condition")
        if int(self.cycle) < 1 or int(self.step_id) < 1:
            raise ValueError("cycle and step_id count from 1")

    @property
    def direction(self) -> int:
        """+1 charge, −1 discharge, 0 rest."""
        return int(np.sign(self.current.to("A").magnitude))


def _default_path(relative: Path, path: str | Path | None) -> Path:
    return Path(path) if path is not None else project_root() / relative


def protocol_rows(protocol_id: str, *, path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of ``protocols.csv`` of one protocol, in step order (validated against the schema)."""
    rows = [r for r in read_rows(_default_path(PROTOCOLS_CSV, path), load_schema("protocols"))
            if r["protocol_id"] == protocol_id]
    if not rows:
        raise KeyError(f"no protocol '{protocol_id}' in protocols.csv")
    return sorted(rows, key=lambda r: int(r["step"]))


def _quantity(row: dict[str, str], column: str) -> pint.Quantity | None:
    if not row[column]:
        return None
    return Q_(float(row[column]), row[f"{column}_unit"])


def _one_c_from_properties(cell_id: str, path: str | Path | None) -> pint.Quantity | None:
    rows = read_rows(_default_path(CELL_PROPERTIES_CSV, path), load_schema("cell_properties"))
    for r in rows:
        if r["cell_id"] == cell_id and r["property"] == "one_c_areal_current" and r["value"]:
            return Q_(float(r["value"]), r["unit"])
    return None


def _one_c(row: dict[str, str], cell_id: str, given: pint.Quantity | None,
           cell_properties_path: str | Path | None) -> tuple[pint.Quantity, str]:
    """The areal current of 1 C for a C-rate row: the caller's, else the cell's derived one."""
    if given is not None:
        return given, "caller: one_c_current_density"
    one_c = _one_c_from_properties(cell_id, cell_properties_path)
    if one_c is None:
        raise ValueError(f"{row['id']}: a C-rate without current density; pass one_c_current_density")
    return one_c, f"cell_properties {cell_id}__one_c_areal_current (derived)"


def steps_from_paper(
    protocol_id: str,
    area: pint.Quantity,
    *,
    repeat_cycles: int | None = None,
    lithiation_current_density: pint.Quantity | None = None,
    lithiation_cutoff: pint.Quantity | None = None,
    plating_current_density: pint.Quantity | None = None,
    stripping_current_density: pint.Quantity | None = None,
    stripping_cutoff: pint.Quantity | None = None,
    delithiation_current_density: pint.Quantity | None = None,
    delithiation_cutoff: pint.Quantity | None = None,
    one_c_current_density: pint.Quantity | None = None,
    cycles_per_rate: int | None = None,
    rest: pint.Quantity | None = None,
    cutoff_time_limit: pint.Quantity | None = None,
    rate_ladder: str | Sequence[float] | None = None,
    step_temperature: pint.Quantity | None = None,
    protocols_path: str | Path | None = None,
    cell_properties_path: str | Path | None = None,
) -> list[Step]:
    """The Steps of protocol ``protocol_id`` of ``protocols.csv`` for an electrode of ``area``.

    Named parameters fill what the paper leaves out and are used only there (a printed value
    always wins; ``source`` of each Step says which was used):

    - ``repeat_cycles``: last cycle to run (needed where the paper leaves the last cycle open;
      shortens a printed range when smaller);
    - ``*_current_density``: |current density| of a lithiation, plating, stripping or
      delithiation step that prints none;
    - ``lithiation_cutoff``, ``stripping_cutoff``, ``delithiation_cutoff``: voltage cut-off of such
      a step that prints no end condition;
    - ``one_c_current_density``: current density of 1 C for steps given by C-rate (default: the
      cell's ``one_c_areal_current`` in ``cell_properties.csv``, a value derived from printed ones);
    - ``cycles_per_rate``: cycles per C-rate of a protocol without cycle numbers (the rate test);
    - ``rest``: a Rest of this duration after every current step (the paper states none);
    - ``cutoff_time_limit``: a cycler safety limit added to every step that ends only on a
      voltage cut-off (the paper states none; a short-circuited cell never reaches its cut-off);
    - ``rate_ladder``: discharge C-rates of a protocol without cycle numbers (the rate test), a
      name of :data:`RATE_LADDERS` or a sequence of C-rates; rates without a printed row copy the
      first discharge row (source: ``not printed``); None or ``printed``: the printed rows only;
    - ``step_temperature``: the temperature of every step, replacing a printed one (for a
      temperature the paper contradicts, e.g. 20 °C in the text vs 25 °C in Table S1).
    """
    require(area, "[length] ** 2", "area", positive=True)
    rows = protocol_rows(protocol_id, path=protocols_path)
    cell_id = rows[0]["cell_id"]
    for name, q, dim in (("lithiation_current_density", lithiation_current_density, "[current] / [length] ** 2"),
                         ("plating_current_density", plating_current_density, "[current] / [length] ** 2"),
                         ("stripping_current_density", stripping_current_density, "[current] / [length] ** 2"),
                         ("delithiation_current_density", delithiation_current_density, "[current] / [length] ** 2"),
                         ("one_c_current_density", one_c_current_density, "[current] / [length] ** 2"),
                         ("lithiation_cutoff", lithiation_cutoff, "[electric_potential]"),
                         ("stripping_cutoff", stripping_cutoff, "[electric_potential]"),
                         ("delithiation_cutoff", delithiation_cutoff, "[electric_potential]"),
                         ("rest", rest, "[time]"), ("cutoff_time_limit", cutoff_time_limit, "[time]"),
                         ("step_temperature", step_temperature, "[temperature]")):
        if q is not None:
            require(q, dim, name)
    current_parameter = {"lithiate": ("lithiation_current_density", lithiation_current_density),
                         "plate": ("plating_current_density", plating_current_density),
                         "strip": ("stripping_current_density", stripping_current_density),
                         "delithiate": ("delithiation_current_density", delithiation_current_density)}
    cutoff_parameter = {"lithiate": ("lithiation_cutoff", lithiation_cutoff),
                        "strip": ("stripping_cutoff", stripping_cutoff),
                        "delithiate": ("delithiation_cutoff", delithiation_cutoff)}

    def make(row: dict[str, str], cycle: int, line: int) -> Step:
        kind = row["kind"]
        sign = -1.0 if kind in _DISCHARGE_KINDS else 1.0
        notes = []
        density = _quantity(row, "current_density")
        if row.get("_ladder_rate"):
            one_c, where = _one_c(row, cell_id, one_c_current_density, cell_properties_path)
            density = abs(float(row["c_rate"])) * one_c
            notes.append(f"current = {row['c_rate']} C from caller: rate_ladder (not printed; row {row['id']} "
                         f"copied) x 1 C from {where}")
        elif density is not None:
            notes.append(f"current printed ({row['id']})")
        elif row["c_rate"]:
            one_c, where = _one_c(row, cell_id, one_c_current_density, cell_properties_path)
            density = abs(float(row["c_rate"])) * one_c
            notes.append(f"current = {row['c_rate']} C printed ({row['id']}) x 1 C from {where}")
        else:
            name, value = current_parameter.get(kind, (None, None))
            if value is None:
                raise ValueError(f"{row['id']}: the paper prints no current for this {kind} step; "
                                 f"pass {name or 'a current'}")
            density = value
            notes.append(f"current from caller: {name}")
        current = (sign * abs(density) * area).to("A")
        duration = _quantity(row, "duration")
        limit = _quantity(row, "cutoff_voltage")
        capacity = None
        if duration is not None:
            notes.append("duration printed")
        if limit is not None:
            notes.append("cut-off printed")
        areal = _quantity(row, "areal_capacity")
        if duration is None and areal is not None:
            capacity = (abs(areal) * area).to("mA*h")
            notes.append("capacity printed (no duration printed)")
        if duration is None and limit is None and capacity is None:
            name, value = cutoff_parameter.get(kind, (None, None))
            if value is None:
                raise ValueError(f"{row['id']}: the paper prints no end condition for this {kind} step; "
                                 f"pass {name or 'an end condition'}")
            limit = value
            notes.append(f"cut-off from caller: {name}")
        if duration is None and capacity is None and cutoff_time_limit is not None:
            duration = cutoff_time_limit
            notes.append("time limit from caller: cutoff_time_limit")
        temperature = _quantity(row, "temperature")
        if step_temperature is not None:
            notes.append("temperature from caller: step_temperature"
                         + (f" (printed {temperature:~P} replaced)" if temperature is not None else ""))
            temperature = step_temperature
        return Step(label="CC_DChg" if sign < 0 else "CC_Chg", current=current, cycle=cycle, step_id=line,
                    duration=duration, voltage_limit=limit, capacity=capacity,
                    temperature=temperature, kind=kind, source="; ".join(notes))

    active = []
    for row in rows:
        if row["kind"] == "contact_lithiate":
            continue  # no current: the interlayer forms on assembly
        if row["kind"] == "unspecified":
            raise ValueError(f"{row['id']}: the paper prints no protocol for this step")
        active.append(row)
    if not active:
        raise ValueError(f"protocol '{protocol_id}' has no step that passes current")

    def line_of(row: dict[str, str], rest_line: bool = False) -> int:
        k = int(row["step"])
        if rest is None:
            return k
        return 2 * k if rest_line else 2 * k - 1

    schedule: list[tuple[dict[str, str], int]] = []
    if rate_ladder is not None and any(r["cycle_first"] for r in active):
        raise ValueError(f"protocol '{protocol_id}' has cycle numbers: rate_ladder applies to a rate test only")
    if all(not r["cycle_first"] for r in active):  # the rate test: charge/discharge pairs
        if cycles_per_rate is None:
            raise ValueError(f"protocol '{protocol_id}' prints no cycle numbers; pass cycles_per_rate")
        if cycles_per_rate < 1:
            raise ValueError("cycles_per_rate must be at least 1")
        pairs, pending = [], []
        for row in active:
            pending.append(row)
            if row["kind"] in _DISCHARGE_KINDS and any(p["kind"] in _CHARGE_KINDS for p in pending):
                pairs.append(pending)
                pending = []
        if pending:
            pairs.append(pending)
        pairs = _apply_rate_ladder(pairs, rate_ladder, protocol_id)
        cycle = 0
        for pair in pairs:
            for _ in range(cycles_per_rate):
                cycle += 1
                if repeat_cycles is not None and cycle > repeat_cycles:
                    break
                schedule.extend((row, cycle) for row in pair)
    else:
        spans = []
        previous = None
        for row in active:
            if row["cycle_first"]:
                first = int(row["cycle_first"])
                if row["cycle_last"]:
                    last = int(row["cycle_last"])
                    if repeat_cycles is not None:
                        last = min(last, repeat_cycles)
                else:
                    if repeat_cycles is None:
                        raise ValueError(f"{row['id']}: the paper does not state the last cycle; pass repeat_cycles")
                    last = repeat_cycles
            elif previous is not None:
                first = last = previous[1]
            else:
                first = last = 1
            spans.append((row, first, last))
            previous = (first, last)
        top = max(last for _, _, last in spans)
        for cycle in range(1, top + 1):
            schedule.extend((row, cycle) for row, first, last in spans if first <= cycle <= last)
    steps: list[Step] = []
    for row, cycle in schedule:
        steps.append(make(row, cycle, line_of(row)))
        if rest is not None:
            steps.append(Step(label="Rest", current=Q_(0.0, "A"), cycle=cycle, step_id=line_of(row, True),
                              duration=rest, kind="rest", source="rest from caller: rest"))
    if not steps:
        raise ValueError(f"protocol '{protocol_id}' gives no step for repeat_cycles={repeat_cycles}")
    return steps


def _apply_rate_ladder(pairs: list[list[dict[str, str]]], ladder: str | Sequence[float] | None,
                       protocol_id: str) -> list[list[dict[str, str]]]:
    """The charge/discharge pairs of a rate test for a discharge C-rate ladder (see :data:`RATE_LADDERS`)."""
    if ladder is None:
        return pairs
    if isinstance(ladder, str):
        if ladder not in RATE_LADDERS:
            raise ValueError(f"unknown rate_ladder '{ladder}' (known: {', '.join(RATE_LADDERS)})")
        ladder = RATE_LADDERS[ladder]
        if ladder is None:
            return pairs
    rates = [float(r) for r in ladder]
    if not rates or any(not r > 0 for r in rates):
        raise ValueError("a rate ladder needs positive C-rates")
    discharging = [p for p in pairs if any(r["kind"] in _DISCHARGE_KINDS for r in p)]
    if not discharging:
        raise ValueError(f"protocol '{protocol_id}' has no discharge row to build a rate ladder on")
    template = discharging[0]
    out = []
    for rate in rates:
        printed = [p for p in discharging if any(r["kind"] in _DISCHARGE_KINDS and r["c_rate"]
                                                 and np.isclose(float(r["c_rate"]), rate) for r in p)]
        if printed:
            out.append(printed[0])
            continue
        copy = []
        for row in template:
            if row["kind"] in _DISCHARGE_KINDS:
                row = {**row, "c_rate": f"{rate:g}", "current_density": "", "_ladder_rate": "1"}
            copy.append(row)
        out.append(copy)
    return out


def symmetric_steps(area: pint.Quantity, current_density: pint.Quantity, half_cycle: pint.Quantity, cycles: int,
                    *, first: str = "plate", source: str = "") -> list[Step]:
    """Galvanostatic cycling of a symmetric Li cell: ``cycles`` × (plate, strip) or (strip, plate).

    Each half-cycle passes ``current_density`` (magnitude) for ``half_cycle``; plating discharges
    the test object (the electrode whose voltage is reported), stripping charges it. ``source``
    says where the numbers come from (the paper prints none for Figure 4g).
    """
    require(area, "[length] ** 2", "area", positive=True)
    require(current_density, "[current] / [length] ** 2", "current_density", positive=True)
    require(half_cycle, "[time]", "half_cycle", positive=True)
    if int(cycles) < 1:
        raise ValueError("cycles must be at least 1")
    if first not in ("plate", "strip"):
        raise ValueError("first must be 'plate' or 'strip'")
    current = (abs(current_density) * area).to("A")
    order = ("plate", "strip") if first == "plate" else ("strip", "plate")
    steps = []
    for cycle in range(1, int(cycles) + 1):
        for line, kind in enumerate(order, start=1):
            sign = -1.0 if kind == "plate" else 1.0
            steps.append(Step(label="CC_DChg" if sign < 0 else "CC_Chg", current=sign * current, cycle=cycle,
                              step_id=line, duration=half_cycle, kind=kind, source=source))
    return steps


def with_time_limit(steps: Iterable[Step], limit: pint.Quantity, *, kinds: Iterable[str] | None = None) -> list[Step]:
    """Steps with a duration limit added where they have none (optionally only steps of ``kinds``)."""
    require(limit, "[time]", "limit", positive=True)
    wanted = None if kinds is None else set(kinds)
    out = []
    for s in steps:
        if s.duration is None and (wanted is None or s.kind in wanted):
            s = replace(s, duration=limit, source=f"{s.source}; time limit {limit:~P} added")
        out.append(s)
    return out
