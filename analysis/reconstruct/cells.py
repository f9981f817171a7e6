"""The paper's cells, reconstructed: :func:`reconstruct` and the default parameters of every cell.

Each reconstructed cell is a model of :mod:`.models` run by :func:`.simulate.simulate` through a
protocol of ``data/paper/protocols.csv`` (:func:`.protocol.steps_from_paper`). Its parameters
live in :data:`CELLS`, each a :class:`Parameter`: a value with units, one line saying why, and the
ids of the rows of ``data/paper/reported_values.csv`` it is calibrated against. Values the paper
prints are read from the data files by id (:class:`FromPaper`), never retyped. Values the paper
does not print are marked so in their justification; calibrated values were found by running the
analysis functions on the reconstruction and matching the reported number (the tests of
``tests/test_reconstruct.py`` check every one of them, with its tolerance).

Where the paper is ambiguous, contradicts itself or prints no number that a run needs, the choice
is a named option in :data:`CHOICES` (default, alternatives, the argument for the default in one
sentence, how to select it); :func:`choices_table` lists them. The defaults, stated once:

- which first plating Figure 3 shows: Section 2.2's (−0.13 mA/cm² for 20 h), not the Experimental
  Section's (−0.3 mA/cm² for 10 h), which is Figure 4b,c's;
- the nucleation overpotential is the plateau minus the dip bottom
  (:func:`analysis.overpotential.nucleation_dips`); the Figure 3a caption's "first voltage dip"
  (3.1 and 16.4 mV) is read as the voltage at the dip bottom, so the plating plateau is at
  −(3.1 − 1.5) = −1.6 mV and −(16.4 − 14.2) = −2.2 mV. This reading is ours;
- capacity retention of the full cells is relative to cycle 2, the first cycle at 0.35 C (the
  paper does not say; cycle 1 runs at 0.1 C);
- the 99.3 % average CE of the interlayer half-cell is over cycles 2–36 (35 cycles; cycle 1
  includes the Si lithiation);
- the 20 °C / 60 °C capacity ratio compares the first (0.1 C) discharges, at 20 °C (not Table
  S1's 25 °C);
- the Si lithiation capacity is the printed 0.68 mAh/cm² (not Table S2's loading);
- the rate test runs the printed discharge rates only (0.05, 2, 5 C).

Every alternative runs (``reconstruct(cell, {choice: alternative})`` or its protocol id), and
:func:`calibration` evaluates the reported numbers under any of them (``choices=``); where an
alternative changes a calibrated parameter, its value under that reading is calibrated too.
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pint
import xarray as xr

from .. import metrics as _metrics
from ..paths import project_root
from ..tables import read_quantities
from ..units import Q_
from . import physics as P
from .models import AnodeLimitedFullCell, FullCell, NucleationDip, PlatingHalfCell
from .protocol import steps_from_paper, symmetric_steps
from .simulate import simulate

__all__ = [
    "CELLS",
    "CHOICES",
    "MODELS",
    "Choice",
    "Derived",
    "FromPaper",
    "Parameter",
    "calibration",
    "cell_ids",
    "choice_runs",
    "choices_table",
    "dealloying_region",
    "parameter_table",
    "reconstruct",
    "resolve",
]


@dataclass(frozen=True)
class FromPaper:
    """A number of the paper's data files, read by id: ``scale × value + offset``.

    ``table`` is ``reported_values`` (key ``id``) or ``cell_properties`` (key ``id``).
    """

    id: str
    table: str = "reported_values"
    scale: float = 1.0
    offset: float = 0.0

    def value(self) -> pint.Quantity:
        q = _paper_table(self.table)[(self.id,)].quantity
        if q.check("[temperature]"):
            return q.to("degC") if self.scale == 1 and self.offset == 0 else Q_(q.to("degC").magnitude * self.scale
                                                                                 + self.offset, "degC")
        return q * self.scale + Q_(self.offset, q.units)


@dataclass(frozen=True)
class Parameter:
    """A model, protocol or simulation setting: value (or :class:`FromPaper`), why, calibrated against."""

    value: Any
    why: str
    calibrated_against: tuple[str, ...] = ()

    def resolved(self) -> Any:
        return resolve(self.value)


def _p(value: Any, why: str, *ids: str) -> Parameter:
    return Parameter(value, why, tuple(ids))


@functools.cache
def _paper_table(table: str) -> dict:
    paths = {"reported_values": "data/paper/reported_values.csv", "cell_properties": "data/paper/cell_properties.csv"}
    if table not in paths:
        raise KeyError(f"unknown paper table '{table}'")
    return read_quantities(project_root() / paths[table], resource=table, key=("id",)) if table == "reported_values" \
        else _cell_properties()


def _cell_properties() -> dict:
    from ..tables import load_schema, read_rows
    from ..units import parse_quantity

    out = {}
    for row in read_rows(project_root() / "data/paper/cell_properties.csv", load_schema("cell_properties")):
        if row["value"]:
            out[(row["id"],)] = _Row(parse_quantity(row["value"], row["unit"]))
    return out


@dataclass(frozen=True)
class _Row:
    quantity: pint.Quantity


@dataclass(frozen=True)
class Derived:
    """A value computed from others (each may be :class:`FromPaper`): ``function(*inputs)``; ``text`` says how."""

    function: Callable[..., Any]
    inputs: tuple
    text: str

    def value(self) -> Any:
        return self.function(*(resolve(i) for i in self.inputs))


def resolve(value: Any) -> Any:
    """The value of a parameter: :class:`FromPaper` read, :class:`Derived` computed, tuples element-wise."""
    if isinstance(value, FromPaper):
        return value.value()
    if isinstance(value, Derived):
        return value.value()
    if isinstance(value, NucleationDip):
        return NucleationDip(resolve(value.depth), resolve(value.onset), resolve(value.width))
    if isinstance(value, _Dip):
        return NucleationDip(resolve(value.depth), resolve(value.onset), resolve(value.width))
    if isinstance(value, tuple):
        return tuple(resolve(v) for v in value)
    return value


@dataclass(frozen=True)
class _Dip:
    """A nucleation dip whose depth may be read from the paper."""

    depth: Any
    onset: Any
    width: Any


# ------------------------------------------------------------------------------------------------
# Default parameters
# ------------------------------------------------------------------------------------------------

_NOT_STATED_T = "the paper states no temperature for the half-cell tests; room temperature assumed"

HALF_CELL_SIMULATION = {
    "record_interval": _p(Q_(10, "s"), "a usual half-cell logging interval; resolves the nucleation dips (minutes wide)"),
    "voltage_trigger": _p(Q_(1, "mV"), "extra records when the voltage moves (Neware ΔV rule)"),
    "current_resolution": _p(Q_(0.01, "uA"), "resolution of a Neware 10 mA channel written to file"),
    "voltage_resolution": _p(Q_(0.1, "mV"), "resolution of the voltage written by BTSDA"),
    "noise": _p(Q_(0.03, "mV"), "voltage noise of a cycler channel (standard deviation); well below the 1.5 mV dip"),
    "substeps": _p(10, "time points computed per record interval"),
}
FULL_CELL_SIMULATION = {
    "record_interval": _p(Q_(60, "s"), "a usual full-cell logging interval"),
    "voltage_trigger": _p(Q_(5, "mV"), "extra records when the voltage moves (Neware ΔV rule)"),
    "current_resolution": _p(Q_(0.1, "uA"), "resolution of a Neware channel written to file"),
    "voltage_resolution": _p(Q_(0.1, "mV"), "resolution of the voltage written by BTSDA"),
    "noise": _p(Q_(0.2, "mV"), "voltage noise of a cycler channel (standard deviation)"),
    "substeps": _p(10, "time points computed per record interval"),
}

_HALF_COMMON = {
    "temperature": _p(Q_(25, "degC"), _NOT_STATED_T),
    "substrate_potential": _p(Q_(2.5, "V"), "potential of bare SUS vs Li once all Li is stripped: any value above "
                                            "the 0.2 V cut-off ends the step the same way"),
    "exhaustion_capacity": _p(Q_(0.005, "mA*h/cm^2"), "remaining Li (≈25 nm) at which half the area has lost its Li: "
                                                      "shapes the rise to the cut-off, not printed"),
    "short_resistance": _p(Q_(1.0, "ohm*cm^2"), "a metallic Li filament: the shorted cell's voltage collapses to ~0"),
    "short_noise": _p(Q_(0.5, "mV"), "fluctuation of a shorted cell's voltage (filaments forming and burning); not printed"),
}

_IL_FULL = {
    "temperature": _p(Q_(60, "degC"), "temperature of steps that print none (Figure 5b: 60 °C)", "temperature_fc_60c"),
    "reference_temperature": _p(Q_(60, "degC"), "kinetic parameters below are given at 60 °C", "temperature_fc_60c"),
    "one_c_current_density": _p(FromPaper("fc_il_65mpa__one_c_areal_current", "cell_properties"),
                                "1 C = 0.28 mA cm-2 / 0.1 C (derived from printed values)", "fc_current_density_cycle1",
                                "fc_c_rate_cycle1"),
    "cathode_specific_capacity": _p(Q_(275.5, "mAh/g"), "theoretical: F / M(LiNi0.8Co0.1Mn0.1O2) = 26801 mAh/mol / "
                                                        "97.28 g/mol per unit change of Li stoichiometry"),
    "cathode_active_loading": _p(FromPaper("fc_il_65mpa__cathode_active_loading", "cell_properties"),
                                 "20 mg cm-2 mixture × 67 % NCM811 (derived from printed values)"),
    "active_fraction": _p(Q_(1.0, "dimensionless"), "all of the NCM811 works in the interlayer cell"),
    "x_saturation": _p(Q_(1.0328, "dimensionless"), "calibrated: end of the stoichiometry window (Chen 2020 coordinate, "
                                                    "extrapolated past its fitted range) so that the first 0.1 C discharge "
                                                    "gives 207.8 mAh/g", "specific_capacity_fc_il_cycle1"),
    "x_initial": _p(Q_(1.0228, "dimensionless"), "as made: 0.01 below saturation (open-circuit voltage ≈ 3.3 V); "
                                                 "not printed"),
    "saturation_width": _p(Q_(0.03, "dimensionless"), "width of the end-of-discharge knee; shape only, not printed"),
    "saturation_ideality": _p(Q_(3.0, "dimensionless"), "steepness of the knee; shape only, not printed"),
    "area_specific_resistance": _p(Q_(10, "ohm*cm^2"), "at 60 °C, both interfaces and the SE separator; not printed "
                                                       "(gives ~0.14 V ohmic drop at 5 C, compatible with 76 % at 5 C)"),
    "resistance_activation_energy": _p(Q_(35, "kJ/mol"), "Li6PS5Cl ionic conduction, ≈0.36 eV (literature); not printed"),
    "exchange_current_density": _p(Q_(1.0, "mA/cm^2"), "lumped, at 60 °C; not printed"),
    "charge_transfer_activation_energy": _p(Q_(35, "kJ/mol"), "taken equal to the conduction one; not printed"),
    "diffusion_rate": _p(Q_(0.611, "1/h"), "calibrated with diffusion_limited_share on the rate test: 82.8 % at 2 C and "
                                           "76 % at 5 C of the 0.05 C discharge", "rate_capability_2c",
                         "rate_capability_5c_sec24"),
    "diffusion_limited_share": _p(Q_(0.3774, "dimensionless"), "calibrated with diffusion_rate on the rate test",
                                  "rate_capability_2c", "rate_capability_5c_sec24"),
    "diffusion_activation_energy": _p(Q_(51.5, "kJ/mol"), "calibrated: first 0.1 C discharge at 20 °C is 85.8 % of that "
                                                          "at 60 °C (2.4 mAh/cm2)", "capacity_ratio_20c_60c",
                                      "areal_capacity_fc_il_20c"),
    "first_charge_irreversible_capacity": _p(Q_(0.2241, "mA*h/cm^2"), "calibrated: initial Coulombic efficiency 92.0 % "
                                                                      "(interphase formation in the first charge)",
                                             "ice_fc_il"),
    "parasitic_current_share": _p(Q_(0.3, "dimensionless"), "share of the charge current going to side reactions while "
                                                            "they last; shape only, not printed"),
    "parasitic_capacity_cycle2": _p(Q_(0.02, "mA*h/cm^2"), "side-reaction charge of cycle 2, decaying: CE rises over "
                                                           "tens of cycles; not printed", "ce_fc_il_late"),
    "parasitic_capacity_late": _p(Q_(0.002, "mA*h/cm^2"), "calibrated: Coulombic efficiency reaches 99.9 % after tens of "
                                                          "cycles", "ce_fc_il_late"),
    "parasitic_decay_cycles": _p(Q_(10, "dimensionless"), "decay of the side reactions, 'after tens of cycles'",
                                 "ce_fc_il_late"),
    "fade_per_cycle": _p(Q_(5.411e-4, "dimensionless"), "calibrated with fade_acceleration: retention 94.6 % after 100 "
                                                        "and 88.9 % after 200 cycles (vs cycle 2)", "retention_fc_il_100",
                         "retention_fc_il_200"),
    "fade_acceleration": _p(Q_(9.58e-8, "dimensionless"), "calibrated with fade_per_cycle", "retention_fc_il_100",
                            "retention_fc_il_200"),
    "short_noise": _p(Q_(0.0, "mV"), "no short circuit"),
}

_BARE_FULL = {
    **_IL_FULL,
    "one_c_current_density": _p(FromPaper("fc_bare_34mpa__one_c_areal_current", "cell_properties"),
                                "1 C = 0.28 mA cm-2 / 0.1 C (derived from printed values)", "fc_current_density_cycle1",
                                "fc_c_rate_cycle1"),
    "cathode_active_loading": _p(FromPaper("fc_bare_34mpa__cathode_active_loading", "cell_properties"),
                                 "20 mg cm-2 mixture × 67 % NCM811 (derived from printed values)"),
    "area_specific_resistance": _p(Q_(15, "ohm*cm^2"), "Li directly on the SE at 34 MPa: more resistive than with the "
                                                       "interlayer at 65 MPa; not printed"),
    "exchange_current_density": _p(Q_(0.7, "mA/cm^2"), "smaller true contact area without the interlayer; not printed"),
    "active_fraction": _p(Q_(0.98901, "dimensionless"), "calibrated: first 0.1 C discharge 205.1 mAh/g",
                          "specific_capacity_fc_bare_cycle1"),
    "first_charge_irreversible_capacity": _p(Q_(0.4112, "mA*h/cm^2"), "calibrated: initial Coulombic efficiency 86.5 % "
                                                                      "(more SE reduction at Li/SE)", "ice_fc_bare"),
    "parasitic_capacity_cycle2": _p(Q_(0.03, "mA*h/cm^2"), "continued SE reduction at Li/SE; not printed"),
    "parasitic_capacity_late": _p(Q_(0.008, "mA*h/cm^2"), "CE stays below the interlayer cell's; not printed"),
    "resistance_growth_onset": _p(FromPaper("fading_onset_cycles_fc_bare"), "drastic fading just after 30 cycles",
                                  "fading_onset_cycles_fc_bare"),
    "resistance_growth": _p(Q_(12, "ohm*cm^2"), "growth of the Li/SE interphase resistance per cycle after the onset: the "
                                                "capacity halves within ~40 cycles; not printed (the paper stops at 73)"),
}

_IL_HALF = {
    **_HALF_COMMON,
    "area_specific_resistance": _p(Q_(5.0, "ohm*cm^2"), "with exchange_current_density: plating plateau −1.6 mV at "
                                                        "0.13 mA/cm2 (3.1 mV first dip − 1.5 mV overpotential)",
                                   "first_voltage_dip_hc_il", "nucleation_overpotential_hc_il"),
    "exchange_current_density": _p(Q_(3.5, "mA/cm^2"), "with area_specific_resistance: plating plateau −1.6 mV",
                                   "first_voltage_dip_hc_il", "nucleation_overpotential_hc_il"),
    "si_capacity": _p(FromPaper("si_lithiation_areal_capacity"), "Si lithiation capacity to 5 mV (Section 2.2)",
                      "si_lithiation_areal_capacity"),
    "si_initial_x": _p(Q_(0.0, "dimensionless"), "SiNP-CNT as cast: no Li"),
    "nucleation": _p((
        _Dip(FromPaper("nucleation_overpotential_hc_il"), Q_(0.0, "mA*h/cm^2"), Q_(0.005, "mA*h/cm^2")),
        _Dip(Q_(1.0, "mV"), Q_(0.06, "mA*h/cm^2"), Q_(0.01, "mA*h/cm^2")),
    ), "two dips (Section 2.2): the first (1.5 mV) before 0.05 mAh/cm2, the second between 0.05 and 0.1 mAh/cm2 "
       "(Figures S8/S9); the second dip's depth (1.0 mV) and both widths are not printed",
        "nucleation_overpotential_hc_il", "voltage_dip_count_hc_il", "plating_areal_capacity_detached_low",
        "plating_areal_capacity_detached_high"),
    "renucleation_scale": _p(Q_(0.0, "dimensionless"), "Li stays in the interlayer's pores: no dip after the first plating"),
    "first_cycle_loss": _p(Q_(0.036, "dimensionless"), "calibrated: ICE 96.4 % with the 0.68 mAh/cm2 Si lithiation "
                                                       "subtracted", "ice_hc_il"),
    "cycle_loss": _p(Q_(0.007, "dimensionless"), "calibrated: average CE 99.3 % over 35 cycles", "ce_average_hc_il"),
    "cycle_loss_growth": _p(Q_(0.0, "dimensionless"), "'no capacity degradation' (Figure 4c)", "ce_average_hc_il"),
}

_SUS_HALF = {
    **_HALF_COMMON,
    "area_specific_resistance": _p(Q_(8.0, "ohm*cm^2"), "with exchange_current_density: plating plateau −2.2 mV at "
                                                        "0.13 mA/cm2 (16.4 mV first dip − 14.2 mV overpotential)",
                                   "first_voltage_dip_hc_sus", "nucleation_overpotential_hc_sus"),
    "exchange_current_density": _p(Q_(2.9, "mA/cm^2"), "with area_specific_resistance: plating plateau −2.2 mV",
                                   "first_voltage_dip_hc_sus", "nucleation_overpotential_hc_sus"),
    "nucleation": _p((_Dip(FromPaper("nucleation_overpotential_hc_sus"), Q_(0.0, "mA*h/cm^2"), Q_(0.01, "mA*h/cm^2")),),
                     "one dip of 14.2 mV; its width is not printed", "nucleation_overpotential_hc_sus"),
    "renucleation_scale": _p(Q_(0.3, "dimensionless"), "bare SUS: smaller dips when Li plates again on residual Li; "
                                                       "not printed"),
    "first_cycle_loss": _p(Q_(0.106, "dimensionless"), "calibrated: ICE 89.4 %", "ice_hc_sus"),
    "cycle_loss": _p(Q_(0.05, "dimensionless"), "SE reduction at Li/SE in every cycle; not printed"),
    "cycle_loss_growth": _p(Q_(0.0, "dimensionless"), "not printed"),
    "short_time": _p(Q_(45, "h"), "short circuit (Section 2.3: shorts, unlike SUS/Li3.75Si/SE/LiBCC over 80 h); the time "
                                  "is not printed", "time_without_short_hc_li375si"),
}

_CNT_HALF = {
    **_SUS_HALF,
    "area_specific_resistance": _p(Q_(8.0, "ohm*cm^2"), "as SUS/SE/LiBCC; not printed"),
    "exchange_current_density": _p(Q_(2.9, "mA/cm^2"), "as SUS/SE/LiBCC; not printed"),
    "nucleation": _p((_Dip(Q_(6.0, "mV"), Q_(0.0, "mA*h/cm^2"), Q_(0.01, "mA*h/cm^2")),),
                     "lower than SUS/SE/LiBCC (Section 2.3); the value is not printed"),
    "short_time": _p(Q_(60, "h"), "shorts (Section 2.3); the time is not printed", "time_without_short_hc_li375si"),
}

_LI375SI_HALF = {
    **_HALF_COMMON,
    "area_specific_resistance": _p(Q_(10.0, "ohm*cm^2"), "no CNT network: more resistive than the interlayer cell; "
                                                         "not printed"),
    "exchange_current_density": _p(Q_(3.5, "mA/cm^2"), "as the Li3.75Si-CNT cell; not printed"),
    "si_capacity": _p(FromPaper("si_lithiation_areal_capacity"),
                      "the SiNP electrode's loading is not printed; taken as the SiNP-CNT one",
                      "si_lithiation_areal_capacity"),
    "si_initial_x": _p(Q_(0.0, "dimensionless"), "SiNP as cast: no Li"),
    "nucleation": _p((_Dip(Q_(2.0, "mV"), Q_(0.0, "mA*h/cm^2"), Q_(0.005, "mA*h/cm^2")),), "lithiophilic Li3.75Si: small "
                                                                                           "dip; not printed"),
    "first_cycle_loss": _p(Q_(0.05, "dimensionless"), "not printed"),
    "cycle_loss": _p(Q_(0.02, "dimensionless"), "lower CE than with CNTs (Figure S10); not printed"),
    "cycle_loss_growth": _p(Q_(0.002, "dimensionless"), "capacity retention falls (Figure S10); not printed"),
}

_SI_LITHIATION_CURRENT = _p(FromPaper("lithiation_current_density", scale=-1.0),
                            "Section 2.2 prints no lithiation current; the Experimental Section's −0.3 mA/cm2 (0.45 C)",
                            "lithiation_current_density")


def _disc_area(diameter: pint.Quantity) -> pint.Quantity:
    return (math.pi / 4 * diameter ** 2).to("cm^2")


_AFTER_60C = "not stated for this test; the 60 °C of Figure 5b assumed"

#: 30um-LiBCC/SE/NCM811 at 65 MPa (Figure S14a): the 34 MPa cell, shorting.
_BARE_65 = {
    **_BARE_FULL,
    "temperature": _p(Q_(60, "degC"), _AFTER_60C, "temperature_fc_60c"),
    "one_c_current_density": _p(FromPaper("fc_bare_65mpa__one_c_areal_current", "cell_properties"),
                                "1 C = 0.28 mA cm-2 / 0.1 C (derived from printed values)", "fc_current_density_cycle1",
                                "fc_c_rate_cycle1"),
    "cathode_active_loading": _p(FromPaper("fc_bare_65mpa__cathode_active_loading", "cell_properties"),
                                 "20 mg cm-2 mixture × 67 % NCM811 (derived from printed values)"),
    "short_cycle": _p(Q_(11, "dimensionless"), "NOT PRINTED: short circuit from cycle 11, well before the 34 MPa "
                                               "cell's fading after 30 cycles (choice fig_s14a_short_cycle)",
                      "stack_pressure_fc_bare_short", "fading_onset_cycles_fc_bare"),
    "short_leak_current_density": _p(Q_(0.9, "mA/cm^2"), "as the shorting Figure S15 cell: a soft short drawing ~90 % "
                                                          "of the 0.35 C current, so the charge stalls below 4.3 V; "
                                                          "not printed"),
    "short_noise": _p(Q_(5, "mV"), "flicker of a soft short's voltage, as the Figure S15 cell; not printed"),
}

#: 30um-LiBCC/SiNP-CNT/SE/NCM811 at 5 MPa (Figure S14b,c).
_IL_5MPA = {
    **_IL_FULL,
    "temperature": _p(Q_(60, "degC"), _AFTER_60C, "temperature_fc_60c"),
    "one_c_current_density": _p(FromPaper("fc_il_5mpa__one_c_areal_current", "cell_properties"),
                                "1 C = 0.28 mA cm-2 / 0.1 C (derived from printed values)", "fc_current_density_cycle1",
                                "fc_c_rate_cycle1"),
    "cathode_active_loading": _p(FromPaper("fc_il_5mpa__cathode_active_loading", "cell_properties"),
                                 "20 mg cm-2 mixture × 67 % NCM811 (derived from printed values)"),
    "area_specific_resistance": _p(Q_(20, "ohm*cm^2"), "NOT PRINTED: twice the 65 MPa value, for the poorer contact at "
                                                       "5 MPa; the fade law stays the 65 MPa one ('regardless of stack "
                                                       "pressure', choice fc_il_5mpa_behaviour)",
                                   "stack_pressure_fc_il_low"),
    "exchange_current_density": _p(Q_(0.5, "mA/cm^2"), "NOT PRINTED: half the 65 MPa value (smaller true contact area at "
                                                       "5 MPa)", "stack_pressure_fc_il_low"),
}

#: SiNP-CNT/SE/NCM811 without Li foil (Figure S13): the interlayer full cell's cathode and kinetics,
#: an anode that is only the SiNP-CNT layer on SUS.
_NOLI_FULL = {
    **_IL_FULL,
    "temperature": _p(Q_(60, "degC"), _AFTER_60C, "temperature_fc_60c"),
    "one_c_current_density": _p(FromPaper("fc_noli_sinp_cnt__one_c_areal_current", "cell_properties"),
                                "1 C = 0.28 mA cm-2 / 0.1 C (derived from printed values)", "fc_current_density_cycle1",
                                "fc_c_rate_cycle1"),
    "cathode_active_loading": _p(FromPaper("fc_noli_sinp_cnt__cathode_active_loading", "cell_properties"),
                                 "20 mg cm-2 mixture × 67 % NCM811 (derived from printed values)"),
    "first_charge_irreversible_capacity": _p(_IL_FULL["first_charge_irreversible_capacity"].value,
                                             "the interlayer cell's first-charge loss (ICE 92.0 %), taken as on the "
                                             "cathode side (same cathode and SE)", "ice_fc_il"),
    "si_capacity": _p(FromPaper("si_lithiation_areal_capacity"), "the SiNP-CNT electrode's lithiation capacity to 5 mV "
                                                                 "(Section 2.2): same electrode",
                      "si_lithiation_areal_capacity"),
    "si_initial_x": _p(Q_(0.0, "dimensionless"), "SiNP-CNT as cast: no Li foil to lithiate it (Figure S13 caption)"),
    "li_initial": _p(Q_(0.0, "mA*h/cm^2"), "no Li foil (Figure S13 caption)"),
    "plating_loss": _p(Q_(0.51, "dimensionless"), "calibrated: puts the end of Li stripping (the start of the "
                                                  "Li3.75Si de-alloying region) at 3.4 V; this Li, plated with no Li "
                                                  "foil, is lost in the first cycle (an inference, not printed)",
                       "dealloying_voltage_high"),
    "si_trapped_share": _p(Q_(0.09, "dimensionless"), "calibrated: the de-alloying region ends at 3.2 V, where the anode "
                                                      "runs out of Li (Li left in the Si; not printed)",
                           "dealloying_voltage_low"),
    "exhaustion_capacity": _p(Q_(0.005, "mA*h/cm^2"), "as the half-cells: shapes the end of Li stripping, not printed"),
    "substrate_potential": _p(Q_(2.5, "V"), "bare SUS/CNT vs Li once no Li is left: any value that takes the cell below "
                                            "2.8 V ends the discharge the same way"),
}

#: LiBCC/SiNP-CNT/SE/LiBCC (Figure 4g): the interlayer half-cell's interface, Li on both sides.
_SYM = {
    **_HALF_COMMON,
    "area_specific_resistance": _p(_IL_HALF["area_specific_resistance"].value,
                                   "as the interlayer half-cell (same SE pellet, Li/Li3.75Si-CNT interface); the "
                                   "symmetric cell's polarisation is not printed", "first_voltage_dip_hc_il",
                                   "nucleation_overpotential_hc_il"),
    "exchange_current_density": _p(_IL_HALF["exchange_current_density"].value, "as the interlayer half-cell; not printed",
                                   "first_voltage_dip_hc_il", "nucleation_overpotential_hc_il"),
    "si_capacity": _p(FromPaper("si_lithiation_areal_capacity"), "the SiNP-CNT electrode of the half-cells (same "
                                                                 "electrode); its loading is not restated",
                      "si_lithiation_areal_capacity"),
    "si_initial_x": _p(Q_(3.75, "dimensionless"), "lithiated by contact with the Li foil before any current (Section "
                                                  "2.4): this is why Figure 4g shows no alloying plateau"),
    "initial_li_capacity": _p(Derived(lambda foil, si: P.lithium_foil_areal_capacity(foil) - si,
                                      (FromPaper("li_foil_thickness_fc"), FromPaper("si_lithiation_areal_capacity")),
                                      "30 µm × 0.534 g/cm3 × F/M(Li) − 0.68 mAh/cm2"),
                              "Li foil behind the SiNP-CNT layer less the Li that lithiated the Si; its thickness is not "
                              "stated for this cell: the full-cells' 30 µm ('thin LiBCC foil', Section 2.4)",
                              "li_foil_thickness_fc", "si_lithiation_areal_capacity"),
    "nucleation": _p((), "Li metal on both sides from the start: no nucleation dip"),
    "renucleation_scale": _p(Q_(0.0, "dimensionless"), "no nucleation dip"),
    "first_cycle_loss": _p(Q_(0.0, "dimensionless"), "a Li reservoir on both sides: losses do not show in the voltage; "
                                                     "not printed"),
    "cycle_loss": _p(Q_(0.0, "dimensionless"), "as first_cycle_loss; not printed"),
    "cycle_loss_growth": _p(Q_(0.0, "dimensionless"), "not printed"),
}


def _sym_steps(area: pint.Quantity, *, current_density: pint.Quantity, half_cycle: pint.Quantity, cycles: int,
               first: str = "plate") -> list:
    return symmetric_steps(area, current_density, half_cycle, int(cycles), first=first,
                           source="Figure 4g prints no protocol: current_density, half_cycle, cycles, first from "
                                  "cells.CELLS['sym_sinp_cnt'] (each marked not printed)")


def _cell(model: str, figures: str, default: str, parameters: dict, protocols: dict, simulation: dict,
          area: Parameter | None = None) -> dict:
    """A cell spec. Each protocol entry has ``figures``, ``parameters`` and optionally ``base`` (the
    protocols.csv id it runs, when its own id is an alternative of it) or ``steps`` (a function
    ``(area, **parameters) -> [Step]`` for a protocol the paper does not print). ``area`` (default:
    the cell's ``electrode_area`` in cell_properties.csv) for a cell whose area is not stated."""
    spec = {"model": model, "figures": figures, "default_protocol": default, "parameters": parameters,
            "protocols": protocols, "simulation": simulation}
    if area is not None:
        spec["area"] = area
    return spec


#: Every reconstructed cell: model, parameters, protocols (with their own parameters) and simulation settings.
CELLS: dict[str, dict] = {
    "hc_sus": _cell("PlatingHalfCell", "Fig 3a; Fig 3c; Fig 4a", "hc_sus_exp", _SUS_HALF, {
        "hc_sus_exp": {"figures": "Fig 4a", "parameters": {
            "repeat_cycles": _p(6, "the test ends after the short circuit (at 45 h, in cycle 6); the paper prints no cycle "
                                   "count"),
            "cutoff_time_limit": _p(Q_(12, "h"), "cycler safety limit of the stripping steps (longer than the 10 h first "
                                                 "stripping); a shorted cell never reaches 0.2 V; not printed"),
        }},
        "hc_sus_sec22": {"figures": "Fig 3a; Fig 3c", "parameters": {
            "plating_current_density": _p(FromPaper("plating_current_density_hc_il_sec22", scale=-1.0),
                                          "not printed for this cell: the −0.13 mA/cm2 of the interlayer cell (Figure 3a "
                                          "compares both)", "plating_current_density_hc_il_sec22"),
            "stripping_current_density": _p(FromPaper("stripping_current_density_hc_il_sec22"),
                                            "not printed for this cell: as the interlayer cell",
                                            "stripping_current_density_hc_il_sec22"),
            "stripping_cutoff": _p(FromPaper("stripping_cutoff_voltage_hc_il_sec22"), "not printed for this cell: as the "
                                                                                       "interlayer cell",
                                   "stripping_cutoff_voltage_hc_il_sec22"),
        }},
    }, HALF_CELL_SIMULATION),
    "hc_cnt": _cell("PlatingHalfCell", "Fig 4a", "hc_cnt_exp", _CNT_HALF, {
        "hc_cnt_exp": {"figures": "Fig 4a", "parameters": {
            "repeat_cycles": _p(8, "the test ends after the short circuit (≈60 h); the paper prints no cycle count"),
            "cutoff_time_limit": _p(Q_(12, "h"), "cycler safety limit of the stripping steps; not printed"),
        }},
    }, HALF_CELL_SIMULATION),
    "hc_li375si_cnt": _cell("PlatingHalfCell", "Fig 2a; Fig 3a; Fig 3c; Fig 4b; Fig 4c", "hc_li375si_cnt_exp", _IL_HALF, {
        "hc_li375si_cnt_exp": {"figures": "Fig 2a; Fig 4b; Fig 4c", "parameters": {
            "repeat_cycles": _p(37, ">250 h of cycling and a CE average over 35 cycles: 37 cycles ≈ 257 h",
                                "cycle_life_hc_il", "ce_average_cycles_hc_il"),
        }},
        "hc_li375si_cnt_sec22": {"figures": "Fig 2a; Fig 3a; Fig 3c", "parameters": {
            "lithiation_current_density": _SI_LITHIATION_CURRENT,
        }},
        "hc_li375si_cnt_s7": {"figures": "Fig S7", "parameters": {
            "lithiation_current_density": _SI_LITHIATION_CURRENT,
            "delithiation_current_density": _p(Q_(0.3, "mA/cm^2"), "not printed; the magnitude of the lithiation current"),
            "delithiation_cutoff": _p(Q_(1.0, "V"), "not printed; above the Li15Si4 delithiation plateau (≈0.43 V)"),
        }},
        "hc_li375si_cnt_s8": {"figures": "Fig S8", "parameters": {
            "lithiation_current_density": _SI_LITHIATION_CURRENT,
            "plating_current_density": _p(FromPaper("plating_current_density_hc_il_sec22", scale=-1.0),
                                          "not printed for the partial platings; the −0.13 mA/cm2 of Section 2.2",
                                          "plating_current_density_hc_il_sec22"),
        }},
        "hc_li375si_cnt_s9": {"figures": "Fig S9", "parameters": {
            "lithiation_current_density": _SI_LITHIATION_CURRENT,
            "plating_current_density": _p(FromPaper("plating_current_density_hc_il_sec22", scale=-1.0),
                                          "not printed for the partial platings; the −0.13 mA/cm2 of Section 2.2",
                                          "plating_current_density_hc_il_sec22"),
        }},
    }, HALF_CELL_SIMULATION),
    "hc_li375si": _cell("PlatingHalfCell", "Fig 4b; Fig S10", "hc_li375si_exp", _LI375SI_HALF, {
        "hc_li375si_exp": {"figures": "Fig 4b; Fig S10", "parameters": {
            "lithiation_current_density": _p(FromPaper("lithiation_current_density", scale=-1.0),
                                             "printed for SiNP-CNT only; taken for SiNP", "lithiation_current_density"),
            "lithiation_cutoff": _p(FromPaper("lithiation_cutoff_voltage_hc_exp"), "printed for SiNP-CNT only; taken "
                                                                                    "for SiNP",
                                    "lithiation_cutoff_voltage_hc_exp"),
            "repeat_cycles": _p(10, "no short circuit for 80 h: 10 cycles ≈ 82 h; the paper prints no cycle count",
                                "time_without_short_hc_li375si"),
        }},
    }, HALF_CELL_SIMULATION),
    "fc_il_65mpa": _cell("FullCell", "Fig 5a; Fig 5b", "fc_il_65mpa_cycling", _IL_FULL, {
        "fc_il_65mpa_cycling": {"figures": "Fig 5a; Fig 5b", "parameters": {}},
    }, FULL_CELL_SIMULATION),
    "fc_bare_34mpa": _cell("FullCell", "Fig 5a; Fig 5b", "fc_bare_34mpa_cycling", _BARE_FULL, {
        "fc_bare_34mpa_cycling": {"figures": "Fig 5a; Fig 5b", "parameters": {}},
    }, FULL_CELL_SIMULATION),
    "fc_il_rate": _cell("FullCell", "Fig 5c; Fig 5d", "fc_il_rate_test", {
        **_IL_FULL,
        "temperature": _p(Q_(60, "degC"), "not stated for the rate test; the 60 °C of Figure 5b assumed",
                          "temperature_fc_60c"),
        "one_c_current_density": _p(FromPaper("fc_il_rate__one_c_areal_current", "cell_properties"),
                                    "1 C = 2.8 mA cm-2 (derived from printed values)", "fc_current_density_cycle1"),
    }, {
        "fc_il_rate_test": {"figures": "Fig 5c; Fig 5d", "parameters": {
            "cycles_per_rate": _p(1, "not printed; one cycle per C-rate"),
            "rate_ladder": _p("printed", "the discharge rates the paper prints: 0.05, 2 and 5 C (choice rate_ladder)",
                              "rate_test_discharge_c_rate_low", "rate_test_discharge_c_rate_2c",
                              "rate_test_discharge_c_rate_high"),
        }},
        "fc_il_rate_test_ladder": {"figures": "Fig 5c; Fig 5d", "base": "fc_il_rate_test", "parameters": {
            "cycles_per_rate": _p(1, "not printed; one cycle per C-rate"),
            "rate_ladder": _p("conventional", "NOT PRINTED: 0.05, 0.1, 0.2, 0.5, 1, 2, 5 C, a usual ladder; only 0.05, 2 "
                                              "and 5 C are printed (choice rate_ladder)",
                              "rate_test_discharge_c_rate_low", "rate_test_discharge_c_rate_2c",
                              "rate_test_discharge_c_rate_high"),
        }},
    }, FULL_CELL_SIMULATION),
    "fc_il_20c": _cell("FullCell", "Fig 5e; Fig 5f; Fig 5g", "fc_il_20c_cycling", {
        **_IL_FULL,
        "temperature": _p(FromPaper("temperature_fc_il_low"),
                          "20 °C (Section 2.4; Table S1 says 25 °C); the protocol steps carry it too",
                          "temperature_fc_il_low"),
    }, {
        "fc_il_20c_cycling": {"figures": "Fig 5e; Fig 5f; Fig 5g", "parameters": {}},
    }, FULL_CELL_SIMULATION),
    "fc_il_5to65mpa": _cell("FullCell", "Fig S15", "fc_il_5to65mpa_cycling", {
        **_IL_FULL,
        "temperature": _p(Q_(60, "degC"), "not stated; the 60 °C of Figure 5b assumed", "temperature_fc_60c"),
        "short_cycle": _p(FromPaper("short_circuit_cycles_fc_il_5to65", offset=1.0),
                          "short circuit after 21 cycles: from cycle 22 on (the Figure S15 inset shows cycles 21 and 22)",
                          "short_circuit_cycles_fc_il_5to65", "fig_s15_inset_cycle_b"),
        "short_leak_current_density": _p(Q_(0.9, "mA/cm^2"), "soft short drawing ~90 % of the 0.35 C current: the charge "
                                                             "stalls below 4.3 V; not printed"),
        "short_noise": _p(Q_(5, "mV"), "flicker of a soft short's voltage; not printed"),
    }, {
        "fc_il_5to65mpa_cycling": {"figures": "Fig S15", "parameters": {
            "repeat_cycles": _p(25, "a few cycles past the short; the paper prints no cycle count"),
            "cutoff_time_limit": _p(Q_(15, "h"), "cycler safety limit (longer than the 10 h of a 0.1 C step): the shorted "
                                                 "cell never reaches 4.3 V; not printed"),
        }},
    }, FULL_CELL_SIMULATION),
    "fc_bare_65mpa": _cell("FullCell", "Fig S14a", "fc_bare_65mpa_cycling", _BARE_65, {
        "fc_bare_65mpa_cycling": {"figures": "Fig S14a", "parameters": {
            "repeat_cycles": _p(14, "three cycles past the short (cycle 11); the paper prints no cycle count"),
            "cutoff_time_limit": _p(Q_(15, "h"), "cycler safety limit (longer than the 10 h of a 0.1 C step): the shorted "
                                                 "cell never reaches 4.3 V; not printed"),
        }},
    }, FULL_CELL_SIMULATION),
    "fc_il_5mpa": _cell("FullCell", "Fig S14b; Fig S14c", "fc_il_5mpa_cycling", _IL_5MPA, {
        "fc_il_5mpa_cycling": {"figures": "Fig S14b; Fig S14c", "parameters": {
            "repeat_cycles": _p(100, "NOT PRINTED: 100 cycles, the first cycle at which the 65 MPa cell's retention is "
                                     "printed (94.6 %), so the two pressures compare there", "retention_fc_il_100"),
        }},
    }, FULL_CELL_SIMULATION),
    "fc_noli_sinp_cnt": _cell("AnodeLimitedFullCell", "Fig S13", "fc_noli_sinp_cnt_cycle1", _NOLI_FULL, {
        "fc_noli_sinp_cnt_cycle1": {"figures": "Fig S13", "parameters": {}},
    }, FULL_CELL_SIMULATION),
    "sym_sinp_cnt": _cell("PlatingHalfCell", "Fig 4g", "sym_sinp_cnt_fig4g", _SYM, {
        "sym_sinp_cnt_fig4g": {"figures": "Fig 4g", "steps": _sym_steps, "parameters": {
            "current_density": _p(FromPaper("plating_current_density_hc_ref_cycle1_exp", scale=-1.0),
                                  "NOT PRINTED for Figure 4g: 0.1 mA/cm2, the paper's first-cycle half-cell current "
                                  "(Figure 4a); an un-lithiated Si layer (0.68 mAh/cm2) would hold its ≈0.1 V alloying "
                                  "plateau for 6.8 h at it (choice sym_current_density)",
                                  "plating_current_density_hc_ref_cycle1_exp"),
            "half_cycle": _p(Q_(1, "h"), "NOT PRINTED: 1 h per half-cycle (0.1 mAh/cm2), a usual symmetric-cell test"),
            "cycles": _p(5, "NOT PRINTED: five plating/stripping cycles (10 h)"),
            "first": _p("plate", "NOT PRINTED: Li goes first towards the SiNP-CNT side, where an un-lithiated Si would "
                                 "alloy"),
        }},
    }, HALF_CELL_SIMULATION, area=_p(Derived(_disc_area, (FromPaper("pellet_diameter"),), "π/4 × (1 cm)²"),
                                     "not stated for this cell: the 1 cm pellet of 'All ASSBs in this study' "
                                     "(Experimental Section)")),
}


MODELS = {"PlatingHalfCell": PlatingHalfCell, "FullCell": FullCell, "AnodeLimitedFullCell": AnodeLimitedFullCell}


# ------------------------------------------------------------------------------------------------
# Choices: where the paper is ambiguous, contradicts itself, or prints no number a run needs
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A named option: its default (argued in one sentence), the alternatives, and how each is run.

    ``kind``: ``contradiction`` (the paper prints two values), ``ambiguity`` (one statement, two
    readings) or ``not printed`` (a run needs a number the paper does not give). ``parameters``
    maps each option to the cells it concerns and the parameters it sets there (empty for the
    default: the cells' own parameters); ``protocols`` maps each option to the protocol id it runs
    per cell (for choices between protocols). ``evaluated``: :func:`calibration` reads it; ``rows``:
    the calibration rows (reported-value ids) whose run or reading the choice changes.
    """

    kind: str
    question: str
    default: str
    alternatives: tuple[str, ...]
    argument: str
    select: str
    reported: tuple[str, ...] = ()
    parameters: Mapping[str, Mapping[str, Mapping[str, Parameter]]] = field(default_factory=dict)
    protocols: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    evaluated: bool = False
    rows: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        return (self.default, *self.alternatives)

    @property
    def cells(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for table in (self.parameters, self.protocols):
            for per_cell in table.values():
                seen.update(dict.fromkeys(per_cell))
        return tuple(seen)

    def parameter_cells(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for per_cell in self.parameters.values():
            seen.update(dict.fromkeys(per_cell))
        return tuple(seen)


_IL_FULL_CELLS = ("fc_il_65mpa", "fc_il_20c", "fc_il_5mpa", "fc_il_5to65mpa", "fc_il_rate")
_SI_CELLS = ("hc_li375si_cnt", "hc_li375si", "fc_noli_sinp_cnt", "sym_sinp_cnt")
_SI_TABLE_S2 = Derived(lambda loading, fraction: P.silicon_areal_capacity(loading, fraction),
                       (FromPaper("loading_sinp_cnt_table_s2"), FromPaper("si_mass_fraction_sinp_cnt")),
                       "0.1911 mg/cm2 (Table S2) × 90 % Si × 3.75 F/M(Si)")


def _dips(first_depth: Any, second: bool) -> tuple:
    dips = [_Dip(first_depth, Q_(0.0, "mA*h/cm^2"), Q_(0.005 if second else 0.01, "mA*h/cm^2"))]
    if second:
        dips.append(_Dip(Q_(1.0, "mV"), Q_(0.06, "mA*h/cm^2"), Q_(0.01, "mA*h/cm^2")))
    return tuple(dips)


#: Every choice of the reconstruction, by name (see :class:`Choice`; :func:`choices_table`).
CHOICES: dict[str, Choice] = {
    "fig3_first_plating": Choice(
        kind="contradiction",
        question="Which first Li plating does Figure 3 (a-c, and its SEM) show: Section 2.2's −0.13 mA/cm2 for 20 h "
                 "(2.55 mAh/cm2, stripping at 0.25 mA/cm2) or the Experimental Section's −0.3 mA/cm2 for 10 h "
                 "(≈3.0 mAh/cm2, stripping at 0.3 mA/cm2)?",
        default="section_2_2", alternatives=("experimental_section",),
        argument="Section 2.2 describes Figure 3a-c with its own numbers (current, 20 h, 2.55 mAh/cm2, the 1.5 and "
                 "14.2 mV dips), while the Experimental Section's single protocol is the one the Figure 4b caption "
                 "restates (3.0 mAh/cm2).",
        select="protocol id: hc_li375si_cnt_sec22 / hc_sus_sec22 (section_2_2) or hc_li375si_cnt_exp / hc_sus_exp "
               "(experimental_section; cycle 1); calibration(choices={'fig3_first_plating': ...})",
        reported=("plating_current_density_hc_il_sec22", "plating_duration_hc_il_sec22",
                  "plating_areal_capacity_hc_il_sec22", "plating_current_density_hc_si_cycle1_exp",
                  "plating_duration_hc_si_cycle1", "areal_capacity_hc_si_exp"),
        protocols={"section_2_2": {"hc_li375si_cnt": "hc_li375si_cnt_sec22", "hc_sus": "hc_sus_sec22"},
                   "experimental_section": {"hc_li375si_cnt": "hc_li375si_cnt_exp", "hc_sus": "hc_sus_exp"}},
        evaluated=True,
        rows=("nucleation_overpotential_hc_il", "voltage_dip_count_hc_il", "nucleation_overpotential_hc_sus",
              "first_voltage_dip_hc_il", "first_voltage_dip_hc_sus", "ice_hc_il", "ice_hc_sus",
              "si_lithiation_areal_capacity")),
    "first_voltage_dip_reading": Choice(
        kind="ambiguity",
        question="What are the Figure 3a caption's 'first voltage dips' (3.1 and 16.4 mV), next to the text's "
                 "nucleation overpotentials (1.5 and 14.2 mV)?",
        default="dip_bottom", alternatives=("dip_depth",),
        argument="Read as the voltage at the dip bottom, both printed pairs hold at once (the plating plateau then "
                 "sits at −1.6 and −2.2 mV), whereas reading the caption as the dip depth makes it contradict the "
                 "text.",
        select="parameter first_voltage_dip_reading of hc_li375si_cnt and hc_sus: "
               "reconstruct(cell, {'first_voltage_dip_reading': 'dip_depth'})",
        reported=("first_voltage_dip_hc_il", "first_voltage_dip_hc_sus", "nucleation_overpotential_hc_il",
                  "nucleation_overpotential_hc_sus"),
        parameters={
            "dip_bottom": {"hc_li375si_cnt": {}, "hc_sus": {}},
            "dip_depth": {
                "hc_li375si_cnt": {"nucleation": _p(_dips(FromPaper("first_voltage_dip_hc_il"), True),
                                                    "caption read as the dip depth: first dip 3.1 mV deep",
                                                    "first_voltage_dip_hc_il")},
                "hc_sus": {"nucleation": _p(_dips(FromPaper("first_voltage_dip_hc_sus"), False),
                                            "caption read as the dip depth: 16.4 mV deep", "first_voltage_dip_hc_sus")},
            }},
        evaluated=True,
        rows=("nucleation_overpotential_hc_il", "voltage_dip_count_hc_il", "nucleation_overpotential_hc_sus",
              "first_voltage_dip_hc_il", "first_voltage_dip_hc_sus")),
    "retention_reference_cycle": Choice(
        kind="ambiguity",
        question="Relative to which cycle are the full cells' capacity retentions (94.6 % @100, 88.9 % @200, "
                 "97.65 % @49 at 20 °C)?",
        default="cycle_2", alternatives=("cycle_1",),
        argument="Cycle 1 runs at 0.1 C and the rest at 0.35 C, so only a 0.35 C cycle measures fade without the rate "
                 "step, which alone costs 5.1 % at 60 °C (94.6 % @100 would then leave almost no fade) and 21 % at "
                 "20 °C (against the printed 97.65 % @49).",
        select="parameter retention_reference_cycle of the interlayer full cells (sets the fade law calibrated for "
               "that reading); config reference_cycle; calibration(choices=...)",
        reported=("retention_fc_il_100", "retention_fc_il_200", "retention_fc_il_20c_49"),
        parameters={
            "cycle_2": {cell: {} for cell in _IL_FULL_CELLS},
            "cycle_1": {cell: {
                "fade_per_cycle": _p(Q_(-2.465e-4, "dimensionless"),
                                     "calibrated with fade_acceleration for retention vs cycle 1: 94.6 % @100 and "
                                     "88.9 % @200 need a slight rise (negative linear term) and a faster late fade",
                                     "retention_fc_il_100", "retention_fc_il_200"),
                "fade_acceleration": _p(Q_(2.842e-6, "dimensionless"), "calibrated with fade_per_cycle (vs cycle 1)",
                                        "retention_fc_il_100", "retention_fc_il_200"),
            } for cell in _IL_FULL_CELLS}},
        evaluated=True, rows=("retention_fc_il_100", "retention_fc_il_200", "retention_fc_il_20c_49")),
    "ce_average_cycles": Choice(
        kind="ambiguity",
        question="Which 35 cycles does the 99.3 % average CE of SUS/Li3.75Si-CNT/SE/LiBCC (Figure 4c) cover?",
        default="2-36", alternatives=("1-35",),
        argument="Cycle 1 holds the 0.68 mAh/cm2 Si lithiation, which the paper reports apart (the ICE with it "
                 "subtracted), so the average starts at cycle 2 and 35 cycles end at 36 (37 cycles ≈ 257 h, '>250 h').",
        select="parameter ce_average_cycles of hc_li375si_cnt (sets cycle_loss calibrated for that reading); "
               "calibration(choices=...)",
        reported=("ce_average_hc_il", "ce_average_cycles_hc_il", "ice_hc_il"),
        parameters={
            "2-36": {"hc_li375si_cnt": {}},
            "1-35": {"hc_li375si_cnt": {
                "cycle_loss": _p(Q_(0.006147, "dimensionless"),
                                 "calibrated: cycle 1 at its ICE (96.4 %, Si subtracted) and cycles 2-35 average 99.3 %",
                                 "ce_average_hc_il", "ice_hc_il")}}},
        evaluated=True, rows=("ce_average_hc_il", "ice_hc_il")),
    "temperature_comparison_basis": Choice(
        kind="ambiguity",
        question="Which discharges does '2.4 mAh/cm2 at 20 °C, 85.8 % of that at 60 °C' compare?",
        default="first_discharge", alternatives=("cycle_2",),
        argument="2.4 mAh/cm2 / 85.8 % = 2.80 mAh/cm2 is the 60 °C first 0.1 C discharge (207.8 mAh/g × 13.4 mg/cm2 = "
                 "2.78), so the printed pair fits only the first discharges.",
        select="parameter temperature_comparison_basis of fc_il_20c (sets diffusion_activation_energy calibrated for "
               "that reading); calibration(choices=...)",
        reported=("capacity_ratio_20c_60c", "areal_capacity_fc_il_20c"),
        parameters={
            "first_discharge": {"fc_il_20c": {}},
            "cycle_2": {"fc_il_20c": {
                "diffusion_activation_energy": _p(Q_(8.75, "kJ/mol"),
                                                  "calibrated: the cycle-2 (0.35 C) discharge at 20 °C is 85.8 % of that "
                                                  "at 60 °C; 2.4 mAh/cm2 then does not hold (2.27)",
                                                  "capacity_ratio_20c_60c")}}},
        evaluated=True, rows=("capacity_ratio_20c_60c", "areal_capacity_fc_il_20c")),
    "low_temperature": Choice(
        kind="contradiction",
        question="Is the low-temperature full cell (97.65 % @49) at 20 °C (Section 2.4, Figure 5 caption, Conclusion) "
                 "or 25 °C (Table S1)?",
        default="20_degC", alternatives=("25_degC",),
        argument="20 °C is printed three times, in the text, the Figure 5 caption and the Conclusion, against once "
                 "25 °C in the SI table.",
        select="parameter low_temperature of fc_il_20c: reconstruct('fc_il_20c', {'low_temperature': '25_degC'})",
        reported=("temperature_fc_il_low", "temperature_fc_il_low_table_s1"),
        parameters={
            "20_degC": {"fc_il_20c": {}},
            "25_degC": {"fc_il_20c": {
                "temperature": _p(FromPaper("temperature_fc_il_low_table_s1"), "Table S1: 25 °C",
                                  "temperature_fc_il_low_table_s1"),
                "step_temperature": _p(FromPaper("temperature_fc_il_low_table_s1"), "Table S1's 25 °C replaces the "
                                                                                    "printed 20 °C of every step",
                                       "temperature_fc_il_low_table_s1"),
                "diffusion_activation_energy": _p(Q_(61.04, "kJ/mol"), "calibrated: first 0.1 C discharge at 25 °C is "
                                                                       "85.8 % of that at 60 °C",
                                                  "capacity_ratio_20c_60c", "areal_capacity_fc_il_20c")}}},
        evaluated=True, rows=("capacity_ratio_20c_60c", "areal_capacity_fc_il_20c", "retention_fc_il_20c_49")),
    "si_loading": Choice(
        kind="contradiction",
        question="Si in the SiNP-CNT layer: the printed lithiation capacity 0.68 mAh/cm2 (fits ≈0.21 mg/cm2) or "
                 "Table S2's 0.15 mg on 0.785 cm2 (0.1911 mg/cm2 → 0.615 mAh/cm2)?",
        default="printed_capacity", alternatives=("table_s2",),
        argument="The 0.68 mAh/cm2 is a measured capacity that agrees with the Experimental Section's ≈0.21 mg/cm2 "
                 "(0.676) and not with Table S2 (0.615, −9.5 %).",
        select="parameter si_loading of the Si cells: reconstruct(cell, {'si_loading': 'table_s2'})",
        reported=("si_lithiation_areal_capacity", "loading_sinp_cnt", "loading_sinp_cnt_table_s2"),
        parameters={
            "printed_capacity": {cell: {} for cell in _SI_CELLS},
            "table_s2": {
                **{cell: {"si_capacity": _p(_SI_TABLE_S2, "Si capacity from Table S2's loading",
                                            "loading_sinp_cnt_table_s2", "si_mass_fraction_sinp_cnt")}
                   for cell in ("hc_li375si_cnt", "hc_li375si", "fc_noli_sinp_cnt")},
                "sym_sinp_cnt": {
                    "si_capacity": _p(_SI_TABLE_S2, "Si capacity from Table S2's loading",
                                      "loading_sinp_cnt_table_s2", "si_mass_fraction_sinp_cnt"),
                    "initial_li_capacity": _p(Derived(lambda foil, si: P.lithium_foil_areal_capacity(foil) - si,
                                                      (FromPaper("li_foil_thickness_fc"), _SI_TABLE_S2),
                                                      "30 µm Li foil less Table S2's Si capacity"),
                                              "Li foil less the Li that lithiated the Si (Table S2 loading)",
                                              "li_foil_thickness_fc", "loading_sinp_cnt_table_s2")}}},
        evaluated=True,
        rows=("si_lithiation_areal_capacity", "ice_hc_il", "ce_average_hc_il", "dealloying_voltage_high",
              "dealloying_voltage_low")),
    "rate_ladder": Choice(
        kind="not printed",
        question="Which discharge C-rates does the rate test of Figure 5c,d run between 0.05 and 5 C?",
        default="printed", alternatives=("conventional",),
        argument="Only 0.05, 2 and 5 C are printed, and the calibration reads only these three either way; the "
                 "conventional ladder 0.05, 0.1, 0.2, 0.5, 1, 2, 5 C is a guess at the figure.",
        select="protocol id fc_il_rate_test (printed) or fc_il_rate_test_ladder (conventional), or parameter "
               "rate_ladder of fc_il_rate; calibration(choices=...)",
        reported=("rate_test_discharge_c_rate_low", "rate_test_discharge_c_rate_2c", "rate_test_discharge_c_rate_high",
                  "rate_capability_2c", "rate_capability_5c_sec24"),
        protocols={"printed": {"fc_il_rate": "fc_il_rate_test"},
                   "conventional": {"fc_il_rate": "fc_il_rate_test_ladder"}},
        evaluated=True, rows=("rate_capability_2c", "rate_capability_5c_sec24")),
    "fig_s14a_short_cycle": Choice(
        kind="not printed",
        question="In which cycle does 30um-LiBCC/SE/NCM811 at 65 MPa short (Figure S14a: 'sudden capacity drop')?",
        default="cycle_11", alternatives=("cycle_22", "cycle_31"),
        argument="'Sudden' and 'as compared to low stack pressure of 34 MPa' put the drop well before the 34 MPa cell's "
                 "fading after 30 cycles, so we take the short after 10 cycles (not printed).",
        select="parameter fig_s14a_short_cycle of fc_bare_65mpa (sets short_cycle and repeat_cycles)",
        reported=("stack_pressure_fc_bare_short", "fading_onset_cycles_fc_bare"),
        parameters={
            "cycle_11": {"fc_bare_65mpa": {}},
            "cycle_22": {"fc_bare_65mpa": {
                "short_cycle": _p(Q_(22, "dimensionless"), "NOT PRINTED: as the Figure S15 cell, after 21 cycles",
                                  "short_circuit_cycles_fc_il_5to65"),
                "repeat_cycles": _p(25, "three cycles past the short")}},
            "cycle_31": {"fc_bare_65mpa": {
                "short_cycle": _p(Q_(31, "dimensionless"), "NOT PRINTED: just after 30 cycles, when the 34 MPa cell "
                                                           "fades", "fading_onset_cycles_fc_bare"),
                "repeat_cycles": _p(34, "three cycles past the short")}}}),
    "fc_il_5mpa_behaviour": Choice(
        kind="not printed",
        question="How does 30um-LiBCC/SiNP-CNT/SE/NCM811 behave at 5 MPa (Figure S14b,c print no number)?",
        default="more_resistance", alternatives=("as_65mpa", "faster_fade"),
        argument="The text says the interlayer cell performs well 'regardless of stack pressure', so the 65 MPa fade "
                 "law is kept, and the poorer contact at 5 MPa is given twice the resistance and half the exchange "
                 "current (not printed).",
        select="parameter fc_il_5mpa_behaviour of fc_il_5mpa",
        reported=("stack_pressure_fc_il_low", "retention_fc_il_100"),
        parameters={
            "more_resistance": {"fc_il_5mpa": {}},
            "as_65mpa": {"fc_il_5mpa": {
                "area_specific_resistance": _p(_IL_FULL["area_specific_resistance"].value, "the 65 MPa value"),
                "exchange_current_density": _p(_IL_FULL["exchange_current_density"].value, "the 65 MPa value")}},
            "faster_fade": {"fc_il_5mpa": {
                "fade_per_cycle": _p(Q_(2 * 5.411e-4, "dimensionless"), "NOT PRINTED: twice the 65 MPa fade"),
                "fade_acceleration": _p(Q_(2 * 9.58e-8, "dimensionless"), "NOT PRINTED: twice the 65 MPa value")}}}),
    "sym_current_density": Choice(
        kind="not printed",
        question="At what current density does the symmetric cell of Figure 4g run?",
        default="0.1_mA_cm2", alternatives=("0.13_mA_cm2", "0.3_mA_cm2"),
        argument="0.1 mA/cm2 is the smallest plating current the paper uses on a pellet cell (Figure 4a, first cycle), "
                 "and at it an un-lithiated Si layer would hold its alloying plateau through the whole first "
                 "half-cycle.",
        select="parameter sym_current_density of sym_sinp_cnt (or current_density of protocol sym_sinp_cnt_fig4g)",
        reported=("plating_current_density_hc_ref_cycle1_exp", "plating_current_density_hc_il_sec22",
                  "plating_current_density_hc_si_cycle1_exp"),
        parameters={
            "0.1_mA_cm2": {"sym_sinp_cnt": {}},
            "0.13_mA_cm2": {"sym_sinp_cnt": {
                "current_density": _p(FromPaper("plating_current_density_hc_il_sec22", scale=-1.0),
                                      "Section 2.2's plating current (NOT PRINTED for Figure 4g)",
                                      "plating_current_density_hc_il_sec22")}},
            "0.3_mA_cm2": {"sym_sinp_cnt": {
                "current_density": _p(FromPaper("plating_current_density_hc_si_cycle1_exp", scale=-1.0),
                                      "the interlayer half-cell's first-cycle current (NOT PRINTED for Figure 4g)",
                                      "plating_current_density_hc_si_cycle1_exp")}}}),
    "fading_onset_criterion": Choice(
        kind="ambiguity",
        question="When does 'drastic capacity fading ... just after 30 cycles' (30um-LiBCC/SE/NCM811, 34 MPa) start?",
        default="retention_below_95", alternatives=("knee",),
        argument="A fade has no sharp onset, so the onset is read as the last cycle before the retention (vs cycle 2) "
                 "leaves a 5 % band, a threshold the printed 'just after' does not sharpen beyond a few cycles.",
        select="calibration(choices={'fading_onset_criterion': 'knee'}) (knee: the last cycle before the "
               "cycle-to-cycle capacity loss first exceeds 3 times its median over the cycles before)",
        reported=("fading_onset_cycles_fc_bare",),
        parameters={"retention_below_95": {"fc_bare_34mpa": {}}, "knee": {"fc_bare_34mpa": {}}},
        evaluated=True, rows=("fading_onset_cycles_fc_bare",)),
}


def choices_table() -> list[dict[str, str]]:
    """One row per choice (for a CSV): name, kind, question, default, alternatives, argument, select, cells, reported."""
    return [{"name": name, "kind": c.kind, "question": c.question, "default": c.default,
             "alternatives": "; ".join(c.alternatives), "argument": c.argument, "select": c.select,
             "cells": "; ".join(c.cells), "reported": "; ".join(c.reported)} for name, c in CHOICES.items()]


def choice_runs(name: str, option: str) -> list[tuple[str, str, dict[str, str]]]:
    """The runs (cell, protocol, params for :func:`reconstruct`) that make ``option`` of choice ``name``."""
    choice = CHOICES[name]
    if option not in choice.options:
        raise ValueError(f"choice '{name}' has no option '{option}' (options: {', '.join(choice.options)})")
    if choice.protocols:
        return [(cell, protocol, {}) for cell, protocol in choice.protocols[option].items()]
    return [(cell, CELLS[cell]["default_protocol"], {name: option}) for cell in choice.parameter_cells()]


# ------------------------------------------------------------------------------------------------
# Reconstruct
# ------------------------------------------------------------------------------------------------


def cell_ids() -> list[str]:
    """Ids (``data/paper/cells.csv``) of the cells that can be reconstructed."""
    return list(CELLS)


def _area(cell_id: str) -> pint.Quantity:
    spec = CELLS[cell_id]
    if "area" in spec:
        return spec["area"].resolved()
    return FromPaper(f"{cell_id}__electrode_area", "cell_properties").value()


def _cell_choices(cell_id: str) -> dict[str, str]:
    """Default option of every parameter choice that concerns the cell."""
    return {name: c.default for name, c in CHOICES.items() if cell_id in c.parameter_cells()}


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return "; ".join(f"{d.depth:~P} at {d.onset:~P} (width {d.width:~P})" for d in value)
    if isinstance(value, pint.Quantity):
        return f"{value:~P}"
    return str(value)


def parameter_table(cell_id: str, protocol: str | None = None) -> list[dict[str, str]]:
    """Rows (group, name, value, why, calibrated_against) of every setting of a reconstruction."""
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    area = spec.get("area")
    rows = [{"group": "geometry", "name": "area", "value": f"{_area(cell_id):~P}",
             "why": area.why if area is not None else "electrode area of cell_properties.csv",
             "calibrated_against": ";".join(area.calibrated_against) if area is not None else ""}]
    pspec = spec["protocols"][protocol]
    if "base" in pspec:
        rows.append({"group": "protocol", "name": "base_protocol", "value": pspec["base"],
                     "why": "the protocols.csv rows this protocol runs", "calibrated_against": ""})
    for group, params in (("model", spec["parameters"]), ("protocol", pspec["parameters"]),
                          ("simulation", spec["simulation"])):
        for name, p in params.items():
            rows.append({"group": group, "name": name, "value": _text(p.resolved()), "why": p.why,
                         "calibrated_against": ";".join(p.calibrated_against)})
    for name, option in _cell_choices(cell_id).items():
        rows.append({"group": "choice", "name": name, "value": option, "why": CHOICES[name].argument,
                     "calibrated_against": ";".join(CHOICES[name].reported)})
    return rows


_PROTOCOL_ARGUMENTS = ("repeat_cycles", "lithiation_current_density", "lithiation_cutoff", "plating_current_density",
                       "stripping_current_density", "stripping_cutoff", "delithiation_current_density",
                       "delithiation_cutoff", "cycles_per_rate", "rest",
                       "cutoff_time_limit", "rate_ladder", "step_temperature")
_SIMULATION_ARGUMENTS = ("record_interval", "voltage_trigger", "current_resolution", "voltage_resolution", "noise",
                         "seed", "substeps", "time_resolution", "max_step_duration")


def _model_fields(model: str) -> tuple[str, ...]:
    from dataclasses import fields

    return tuple(f.name for f in fields(MODELS[model]) if not f.name.startswith("_"))


def _split_overrides(cell_id: str, protocol: str, params: Mapping[str, Any] | None
                     ) -> tuple[dict, dict, dict, dict[str, str]]:
    """(model, protocol, simulation settings, selected choices) of a run: defaults, then the options
    of any choice named in ``params``, then the other ``params`` by name."""
    spec = CELLS[cell_id]
    model = {k: p.resolved() for k, p in spec["parameters"].items()}
    proto = {k: p.resolved() for k, p in spec["protocols"][protocol]["parameters"].items()}
    sim = {k: p.resolved() for k, p in spec["simulation"].items()}
    selected = _cell_choices(cell_id)
    from_options: dict[str, Any] = {}
    explicit: dict[str, Any] = {}
    for name, value in (params or {}).items():
        choice = CHOICES.get(name)
        if choice is not None and choice.parameters:
            if cell_id not in choice.parameter_cells():
                raise KeyError(f"choice '{name}' does not concern cell '{cell_id}' "
                               f"(it concerns {', '.join(choice.parameter_cells())})")
            if value not in choice.options:
                raise ValueError(f"choice '{name}' has no option '{value}' (options: {', '.join(choice.options)})")
            selected[name] = value
            from_options.update(choice.parameters[value].get(cell_id, {}))
        elif choice is not None and name not in _PROTOCOL_ARGUMENTS:
            raise KeyError(f"choice '{name}' is selected by protocol id: {choice.select}")
        else:
            explicit[name] = value
            if choice is not None and isinstance(value, str) and value in choice.options:
                selected[name] = value  # a protocol argument that is also a choice (rate_ladder)
    direct = {**from_options, **explicit}  # a parameter given by name wins over an option's
    for name, value in direct.items():
        value = resolve(value.value if isinstance(value, Parameter) else value)
        if name in model or name in _model_fields(spec["model"]):
            model[name] = value
        elif name in proto or name in _PROTOCOL_ARGUMENTS:
            proto[name] = value
        elif name in sim or name in _SIMULATION_ARGUMENTS:
            sim[name] = value
        else:
            raise KeyError(f"unknown parameter '{name}' for cell {cell_id} ({spec['model']})")
    return model, proto, sim, selected


def build_model(cell_id: str, params: Mapping[str, Any] | None = None, *, protocol: str | None = None):
    """The model of ``cell_id`` with its default parameters (``params`` override by name)."""
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    model_params, _, _, _ = _split_overrides(cell_id, protocol, params)
    return MODELS[spec["model"]](area=_area(cell_id), **model_params)


def reconstruct(cell_id: str, params: Mapping[str, Any] | None = None, *, protocol: str | None = None) -> xr.Dataset:
    """Cycler records of the paper's cell ``cell_id`` run through ``protocol`` (default: the cell's main one).

    ``params`` overrides any model, protocol or simulation setting by name (a Quantity, a number
    or a :class:`Parameter`), or selects an option of a :data:`CHOICES` entry by its name
    (``{'retention_reference_cycle': 'cycle_1'}``). The Dataset is labelled ``data_source =
    "reconstructed"`` and carries the cell, protocol, figures, choices and every setting in its
    attributes. The same cell, protocol and params (and seed) give identical records.
    """
    if cell_id not in CELLS:
        raise KeyError(f"no reconstruction for cell '{cell_id}' (available: {', '.join(CELLS)})")
    spec = CELLS[cell_id]
    protocol = protocol or spec["default_protocol"]
    if protocol not in spec["protocols"]:
        raise KeyError(f"cell '{cell_id}' has no reconstructed protocol '{protocol}' "
                       f"(available: {', '.join(spec['protocols'])})")
    pspec = spec["protocols"][protocol]
    model_params, proto, sim, selected = _split_overrides(cell_id, protocol, params)
    area = _area(cell_id)
    model = MODELS[spec["model"]](area=area, **model_params)
    if "steps" in pspec:
        steps = pspec["steps"](area, **proto)
    else:
        steps = steps_from_paper(pspec.get("base", protocol), area, **proto)
    seed = sim.pop("seed", zlib.crc32(f"{cell_id}/{protocol}".encode()))
    ds = simulate(model, steps, seed=seed, source_file=f"reconstructed:{cell_id}/{protocol}", attrs={
        "cell_id": cell_id, "protocol_id": protocol, "figures": pspec["figures"],
        "base_protocol": pspec.get("base", protocol if "steps" not in pspec else "defined in analysis.reconstruct.cells"),
        "electrode_area": f"{area:~P}",
        "choices": json.dumps(selected, ensure_ascii=False, sort_keys=True),
        "protocol_parameters": "; ".join(f"{k}={v:~P}" if isinstance(v, pint.Quantity) else f"{k}={v}"
                                         for k, v in proto.items()),
    }, **sim)
    return ds


# ------------------------------------------------------------------------------------------------
# Calibration: the analysis functions on the reconstructions give back the reported numbers
# ------------------------------------------------------------------------------------------------

#: Windows of the nucleation analysis (plated areal capacity of the first plating step).
NUCLEATION_WINDOWS = {
    "hc_li375si_cnt": dict(search_window=(Q_(0, "mA*h/cm^2"), Q_(0.1, "mA*h/cm^2")),
                           plateau_offset=Q_(0.025, "mA*h/cm^2"), plateau_length=Q_(0.02, "mA*h/cm^2"),
                           min_depth=Q_(0.5, "mV")),
    "hc_sus": dict(search_window=(Q_(0, "mA*h/cm^2"), Q_(0.1, "mA*h/cm^2")),
                   plateau_offset=Q_(0.1, "mA*h/cm^2"), plateau_length=Q_(0.1, "mA*h/cm^2"), min_depth=Q_(2, "mV")),
}


# Moved to analysis.metrics, the one place the reported quantities are defined (the capacity at a C-rate is
# analysis.metrics.discharge_capacity_at_rate); importable from here too.
_step_records = _metrics._step_records
first_plating = _metrics.first_plating
dealloying_region = _metrics.dealloying_region


def calibration(runs: Mapping[tuple, xr.Dataset] | None = None, *, choices: Mapping[str, str] | None = None,
                ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every calibration check: the metrics of :mod:`analysis.metrics` on the reconstructions vs the reported values.

    Returns rows with ``id`` (``reported_values.csv``), ``quantity``, ``reported``,
    ``reconstructed`` and ``tolerance`` (Quantities), ``why`` (of the tolerance and of the
    comparison) and ``ok``. ``runs`` maps (cell, protocol) to Datasets already made with the
    default choices (the others are reconstructed here). ``choices`` selects options of
    :data:`CHOICES` (default: every default): the runs and the readings change accordingly.
    ``ids``: only the rows of these reported-value ids.
    """
    M = _metrics

    chosen = {name: c.default for name, c in CHOICES.items()}
    for name, option in (choices or {}).items():
        if name not in CHOICES:
            raise KeyError(f"no choice '{name}' (known: {', '.join(CHOICES)})")
        if option not in CHOICES[name].options:
            raise ValueError(f"choice '{name}' has no option '{option}' (options: {', '.join(CHOICES[name].options)})")
        chosen[name] = option
    wanted = None if ids is None else set(ids)
    made = dict(runs or {})

    def want(*row_ids: str) -> bool:
        return wanted is None or any(i in wanted for i in row_ids)

    def options_of(cell: str) -> tuple:
        return tuple(sorted((n, chosen[n]) for n, c in CHOICES.items()
                            if cell in c.parameter_cells() and chosen[n] != c.default))

    def run(cell: str, protocol: str | None = None) -> xr.Dataset:
        protocol = protocol or CELLS[cell]["default_protocol"]
        options = options_of(cell)
        key = (cell, protocol) if not options else (cell, protocol, options)
        if key not in made:
            made[key] = reconstruct(cell, dict(options), protocol=protocol)
        return made[key]

    def fig3(cell: str) -> str:
        return CHOICES["fig3_first_plating"].protocols[chosen["fig3_first_plating"]][cell]

    reported = _paper_table("reported_values")
    rows: list[dict[str, Any]] = []

    def add(rid: str, value: pint.Quantity, tolerance: pint.Quantity, why: str, reported_value=None) -> None:
        ref = reported_value if reported_value is not None else reported[(rid,)].quantity
        unit = tolerance.units
        diff = abs((value - ref).to(unit).magnitude) if not ref.check("[temperature]") else 0.0
        rows.append({"id": rid, "quantity": reported[(rid,)].fields["quantity"], "reported": ref.to(unit),
                     "reconstructed": value.to(unit), "tolerance": tolerance, "why": why,
                     "ok": bool(diff <= tolerance.magnitude * (1 + 1e-9))})

    printed = "half the last printed digit: capacities and currents carry no noise, so the model reproduces it exactly"
    depth_reading = chosen["first_voltage_dip_reading"] == "dip_depth"
    # nucleation overpotentials (Figure 3a)
    for cell, rid, tol, why in (
            ("hc_li375si_cnt", "nucleation_overpotential_hc_il", Q_(0.15, "mV"),
             "dip and plateau each quantised to 0.1 mV, 0.03 mV noise, 5-record median smoothing"),
            ("hc_sus", "nucleation_overpotential_hc_sus", Q_(0.3, "mV"),
             "2 %: the 5-record median flattens the dip bottom by ~0.1 mV, plus 0.1 mV quantisation")):
        if want(rid):
            add(rid, M.nucleation_overpotential(run(cell, fig3(cell)), **NUCLEATION_WINDOWS[cell]), tol, why)
        if cell == "hc_li375si_cnt" and want("voltage_dip_count_hc_il"):
            add("voltage_dip_count_hc_il", M.nucleation_dip_count(run(cell, fig3(cell)), **NUCLEATION_WINDOWS[cell]),
                Q_(0, "dimensionless"), "two dips, the second between 0.05 and 0.1 mAh/cm2 (Figures S8/S9)")
    # first voltage dips of the Figure 3a caption: dip-bottom voltage (default) or dip depth
    for cell, rid in (("hc_li375si_cnt", "first_voltage_dip_hc_il"), ("hc_sus", "first_voltage_dip_hc_sus")):
        if want(rid):
            ds = run(cell, fig3(cell))
            if depth_reading:
                add(rid, M.nucleation_overpotential(ds, **NUCLEATION_WINDOWS[cell]), Q_(0.3, "mV"),
                    "reading dip_depth: plateau minus dip bottom; 0.1 mV quantisation, median smoothing")
            else:
                add(rid, M.first_dip_voltage(ds, **NUCLEATION_WINDOWS[cell]), Q_(0.3, "mV"),
                    "our reading: voltage at the dip bottom; 0.1 mV quantisation, median smoothing")
    # initial Coulombic efficiencies of the half-cells (Figure 3c) and the Si lithiation (Section 2.2)
    si = (FromPaper("si_lithiation_areal_capacity").value() if chosen["si_loading"] == "printed_capacity"
          else _SI_TABLE_S2.value())
    if want("ice_hc_il"):
        add("ice_hc_il", M.initial_coulombic_efficiency(run("hc_li375si_cnt", fig3("hc_li375si_cnt")), subtract=si),
            Q_(0.05, "percent"), printed)
    if want("ice_hc_sus"):
        add("ice_hc_sus", M.initial_coulombic_efficiency(run("hc_sus", fig3("hc_sus"))), Q_(0.05, "percent"), printed)
    if want("si_lithiation_areal_capacity"):
        add("si_lithiation_areal_capacity", M.first_step_areal_capacity(run("hc_li375si_cnt", fig3("hc_li375si_cnt"))),
            Q_(0.005, "mA*h/cm^2"), "the printed 0.68 is the model input; the step ends at 5 mV slightly before x = 3.75")
    # average CE of the interlayer half-cell over 35 cycles (Figure 4c)
    if want("ce_average_hc_il"):
        il = run("hc_li375si_cnt")
        if chosen["ce_average_cycles"] == "2-36":
            add("ce_average_hc_il", M.average_coulombic_efficiency(il, first=2, last=36), Q_(0.05, "percent"),
                "cycles 2-36 (cycle 1 holds the Si lithiation); " + printed)
        else:
            add("ce_average_hc_il", M.average_coulombic_efficiency(il, first=1, last=35, subtract=si),
                Q_(0.05, "percent"), "reading 1-35: cycle 1 at its ICE (Si subtracted) and cycles 2-35; " + printed)
    # full cells: first discharge, ICE (Figure 5a,b)
    loading = FromPaper("fc_il_65mpa__cathode_active_loading", "cell_properties").value()
    for cell, rid in (("fc_il_65mpa", "specific_capacity_fc_il_cycle1"),
                      ("fc_bare_34mpa", "specific_capacity_fc_bare_cycle1")):
        if want(rid):
            add(rid, M.specific_capacity(run(cell), cycle=1, active_loading=loading), Q_(0.05, "mAh/g"),
                "first 0.1 C discharge; " + printed)
    for cell, rid in (("fc_il_65mpa", "ice_fc_il"), ("fc_bare_34mpa", "ice_fc_bare")):
        if want(rid):
            add(rid, M.initial_coulombic_efficiency(run(cell)), Q_(0.05, "percent"), printed)
    # retention (Figure 5b)
    reference = 2 if chosen["retention_reference_cycle"] == "cycle_2" else 1
    basis = ("vs cycle 2 (first 0.35 C cycle); " if reference == 2 else "vs cycle 1 (reading cycle_1); ")
    for rid, cycle in (("retention_fc_il_100", 100), ("retention_fc_il_200", 200)):
        if want(rid):
            add(rid, M.retention(run("fc_il_65mpa"), cycle=cycle, reference=reference), Q_(0.05, "percent"),
                basis + printed)
    # CE reaches 99.9 % after tens of cycles
    if want("ce_fc_il_late"):
        fc = run("fc_il_65mpa")
        reach = M.cycles_to_reach(fc, level=Q_(99.9, "percent"), sustained=5).magnitude
        add("ce_fc_il_late", M.average_coulombic_efficiency(fc, first=50, last=200), Q_(0.05, "percent"),
            f"mean CE of cycles 50-200 (reached from cycle {int(reach) if math.isfinite(reach) else None} on, "
            "5 cycles in a row)")
    # rate capability (Figure 5c,d): the printed rates, found by their current in either ladder
    if want("rate_capability_2c", "rate_capability_5c_sec24"):
        rate_protocol = CHOICES["rate_ladder"].protocols[chosen["rate_ladder"]]["fc_il_rate"]
        low, at_2c, high = (FromPaper(i).value() for i in ("rate_test_discharge_c_rate_low",
                                                           "rate_test_discharge_c_rate_2c",
                                                           "rate_test_discharge_c_rate_high"))
        one_c = FromPaper("fc_il_rate__one_c_areal_current", "cell_properties").value()
        rate_run = run("fc_il_rate", rate_protocol)
        ladder = f" ({chosen['rate_ladder']} ladder, printed rates read)"
        if want("rate_capability_2c"):
            add("rate_capability_2c",
                M.rate_capability(rate_run, rate=at_2c, reference_rate=low, one_c_current_density=one_c),
                Q_(0.05, "percent"), "vs the 0.05 C discharge, charge at 0.05 C" + ladder + "; " + printed)
        if want("rate_capability_5c_sec24"):
            add("rate_capability_5c_sec24",
                M.rate_capability(rate_run, rate=high, reference_rate=low, one_c_current_density=one_c),
                Q_(0.5, "percent"), "printed as 76: half its last digit" + ladder)
    # 20 °C (Figure 5e-g)
    if want("capacity_ratio_20c_60c", "areal_capacity_fc_il_20c", "retention_fc_il_20c_49"):
        cold, hot = run("fc_il_20c"), run("fc_il_65mpa")
        cycle = 1 if chosen["temperature_comparison_basis"] == "first_discharge" else 2
        what = "first 0.1 C discharges" if cycle == 1 else "cycle-2 (0.35 C) discharges (reading cycle_2)"
        if want("capacity_ratio_20c_60c"):
            add("capacity_ratio_20c_60c", M.capacity_ratio(cold, hot, cycle=cycle), Q_(0.05, "percent"),
                f"{what}; " + printed)
        if want("areal_capacity_fc_il_20c"):
            add("areal_capacity_fc_il_20c", M.areal_capacity(cold, cycle=cycle), Q_(0.05, "mA*h/cm^2"),
                f"{what}; printed as 2.4: half its last digit")
        if want("retention_fc_il_20c_49"):
            add("retention_fc_il_20c_49", M.retention(cold, cycle=49, reference=reference), Q_(0.5, "percent"),
                f"NOT calibrated (same fade law as at 60 °C): a prediction, vs cycle {reference}")
    # failures
    if want("short_circuit_cycles_fc_il_5to65"):
        add("short_circuit_cycles_fc_il_5to65", M.cycles_before_failure(run("fc_il_5to65mpa")),
            Q_(0, "dimensionless"), "analysis.cycling.failure_cycle finds cycle 22: 'after 21 cycles'")
    if want("fading_onset_cycles_fc_bare"):
        bare = run("fc_bare_34mpa")
        onset = M.fading_onset(bare, criterion=chosen["fading_onset_criterion"], reference=2)
        if chosen["fading_onset_criterion"] == "retention_below_95":
            keep = M.retention(bare, cycle=30, reference=2).to("percent").magnitude
            add("fading_onset_cycles_fc_bare", onset, Q_(5, "dimensionless"),
                f"last cycle before the retention (vs cycle 2) falls below 95 % (it is {keep:.1f} % at cycle 30); the "
                "printed 'just after 30 cycles' is not sharper than a few cycles")
        else:
            add("fading_onset_cycles_fc_bare", onset, Q_(5, "dimensionless"),
                "reading knee: the last cycle before the cycle-to-cycle loss first exceeds 3 times its median since "
                "cycle 2")
    # Li3.75Si de-alloying region of the cell without Li foil (Section 2.4, Figure S13)
    tol = Q_(0.05, "V")
    if want("dealloying_voltage_high"):
        add("dealloying_voltage_high", M.dealloying_voltage(run("fc_noli_sinp_cnt"), end="upper"), tol,
            "top of the de-alloying region (first discharge, after the Li stripping region); printed as 3.4: half "
            "its last digit")
    if want("dealloying_voltage_low"):
        add("dealloying_voltage_low", M.dealloying_voltage(run("fc_noli_sinp_cnt"), end="lower"), tol,
            "bottom of the de-alloying region, before the final drop; printed as 3.2: half its last digit")
    return rows
