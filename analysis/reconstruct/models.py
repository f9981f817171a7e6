"""Two cell models with explicit, named parameters, every voltage term from :mod:`.physics`.

- :class:`PlatingHalfCell`: SUS/[interlayer]/SE/Li. Optional Si lithiation (capacity from the
  Si loading), Li plating at 0 V vs Li plus ohmic, charge-transfer and nucleation terms, stripping
  until the plated Li runs out (then the voltage rises to the cut-off, or to the Li15Si4
  delithiation plateau), a Coulombic loss per plating (dead Li, SE reduction), an optional short
  circuit from a given time on.
- :class:`FullCell`: Li/[interlayer]/SE/NCM811. NCM811 open-circuit potential (Chen et al. 2020
  fit) with a saturation knee, ohmic and charge-transfer terms, a diffusion-limited accessible
  capacity on discharge, a first-cycle irreversible (parasitic) charge, a per-cycle parasitic
  charge that decays, loss of active material per cycle, Arrhenius temperature dependence, and
  two failure modes: growth of the anode interfacial resistance from a given cycle on, and a soft
  short circuit (leak current, noisy voltage) from a given cycle on.
- :class:`AnodeLimitedFullCell`: a :class:`FullCell` whose anode (Si alloy + Li metal on the
  current collector) holds a finite, tracked Li inventory with its own potential: the SiNP-CNT
  full cell without Li foil (Figure S13), whose discharge ends in the de-alloying of Li3.75Si.

Every parameter is a pint Quantity (counts and shares as dimensionless). The interface that
:func:`analysis.reconstruct.simulate.simulate` uses works on plain floats in SI units for speed
(time s, charge A·s, current A, voltage V); conversions happen once, when a model is made:

``initial_state(rng)``, ``start_step(state, step, t0, current)``, ``voltage(state, step, t, q,
t0, current)``, ``end_state(state, step, t_end, q_end, t0, current)``, ``horizon(state, step,
current)`` and ``temperature_of(step)``. ``t`` is the time since the start of the step, ``q`` the
signed charge passed since then, ``t0`` the test time at the start of the step; ``current`` is the
step's current after the instrument's quantisation (A). ``voltage`` is a pure function of its
arguments (the short-circuit noise is a fixed sum of sines whose phases come from the seed), so
the simulator may evaluate it in pieces and refine around a cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pint

from ..units import Q_, require
from . import physics as P
from .protocol import Step

__all__ = [
    "AnodeLimitedFullCell",
    "AnodeLimitedState",
    "FullCell",
    "FullCellState",
    "HalfCellState",
    "NucleationDip",
    "PlatingHalfCell",
]

_MAH = 3.6  # A·s per mAh
SI_X_FULL = 3.75  # Li per Si in Li15Si4 (the paper's Li3.75Si)


def _f(q: pint.Quantity, unit: str) -> float:
    return float(np.asarray(q.to(unit).magnitude))


class _FlickerNoise:
    """A smooth, deterministic fluctuation of a given RMS: a sum of sines with seeded phases."""

    def __init__(self, rms: float, rng: np.random.Generator, periods_s=(3.0, 7.3, 17.0, 41.0, 97.0, 230.0, 600.0, 1500.0)):
        self.rms = rms
        self.omega = 2 * np.pi / np.asarray(periods_s, dtype=float)
        self.phase = rng.uniform(0, 2 * np.pi, size=len(periods_s))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if self.rms == 0:
            return np.zeros_like(t)
        s = np.sin(np.multiply.outer(t, self.omega) + self.phase).sum(axis=-1)
        return self.rms * np.sqrt(2.0 / self.omega.size) * s


@dataclass(frozen=True)
class NucleationDip:
    """One nucleation transient: depth, and where (plated areal capacity) it starts and bottoms out."""

    depth: pint.Quantity
    onset: pint.Quantity
    width: pint.Quantity

    def __post_init__(self) -> None:
        require(self.depth, "[electric_potential]", "depth")
        require(self.onset, "[current] * [time] / [length] ** 2", "onset")
        require(self.width, "[current] * [time] / [length] ** 2", "width", positive=True)


# ------------------------------------------------------------------------------------------------
# Half-cell
# ------------------------------------------------------------------------------------------------


@dataclass
class HalfCellState:
    si_x: float  # Li per Si in the interlayer (0 without Si, or not yet lithiated)
    plated: float  # reversible Li metal on the working electrode, A·s
    dead: float = 0.0  # Li lost to dead Li and SE reduction, A·s
    platings: int = 0  # Li plating steps so far (nucleation dips are the first plating's)
    noise: Any = None


@dataclass(frozen=True)
class PlatingHalfCell:
    """SUS/[interlayer]/SE/Li half-cell; voltage of the SUS side vs the Li counter electrode.

    Parameters (all pint Quantities):

    ``area`` electrode area; ``temperature`` cell temperature where a step gives none;
    ``area_specific_resistance`` ionic + contact resistance; ``exchange_current_density`` of Li
    plating/stripping (symmetric Butler-Volmer); ``si_capacity`` areal capacity of the Si in the
    interlayer from Si to Li3.75Si (0 without Si); ``si_initial_x`` Li per Si at the start (0 for
    SiNP-CNT, 3.75 when lithiated beforehand); ``nucleation`` the dips of the first plating
    (:class:`NucleationDip`); ``renucleation_scale`` depth of the dips of later platings relative to
    the first; ``first_cycle_loss`` share of the Li plated in cycle 1 that cannot be stripped;
    ``cycle_loss`` the same in cycle 2, growing by ``cycle_loss_growth`` per cycle after it;
    ``exhaustion_capacity`` remaining areal Li at which half the electrode area has lost its Li
    (the charge-transfer area shrinks as the Li runs out, so the voltage rises to the cut-off);
    ``substrate_potential`` potential of the bare current collector once no Li is left;
    ``initial_li_capacity`` areal Li metal on the working electrode at the start (0 for a bare
    current collector; a Li foil in a symmetric cell); ``short_time`` test time of a short circuit (None: never), ``short_resistance`` its areal
    resistance and ``short_noise`` the RMS fluctuation of the shorted cell's voltage.
    """

    area: pint.Quantity
    temperature: pint.Quantity
    area_specific_resistance: pint.Quantity
    exchange_current_density: pint.Quantity
    si_capacity: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    si_initial_x: pint.Quantity = Q_(0.0, "dimensionless")
    nucleation: tuple[NucleationDip, ...] = ()
    renucleation_scale: pint.Quantity = Q_(0.0, "dimensionless")
    first_cycle_loss: pint.Quantity = Q_(0.0, "dimensionless")
    cycle_loss: pint.Quantity = Q_(0.0, "dimensionless")
    cycle_loss_growth: pint.Quantity = Q_(0.0, "dimensionless")
    exhaustion_capacity: pint.Quantity = Q_(0.005, "mA*h/cm^2")
    substrate_potential: pint.Quantity = Q_(2.5, "V")
    initial_li_capacity: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    short_time: pint.Quantity | None = None
    short_resistance: pint.Quantity = Q_(1.0, "ohm*cm^2")
    short_noise: pint.Quantity = Q_(0.5, "mV")
    _c: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        areal = "[current] * [time] / [length] ** 2"
        require(self.area, "[length] ** 2", "area", positive=True)
        require(self.temperature, "[temperature]", "temperature")
        require(self.area_specific_resistance, "[resistance] * [length] ** 2", "area_specific_resistance")
        require(self.exchange_current_density, "[current] / [length] ** 2", "exchange_current_density", positive=True)
        require(self.si_capacity, areal, "si_capacity")
        require(self.si_initial_x, "[]", "si_initial_x")
        for name in ("renucleation_scale", "first_cycle_loss", "cycle_loss", "cycle_loss_growth"):
            require(getattr(self, name), "[]", name)
        require(self.exhaustion_capacity, areal, "exhaustion_capacity", positive=True)
        require(self.substrate_potential, "[electric_potential]", "substrate_potential")
        require(self.initial_li_capacity, areal, "initial_li_capacity")
        if _f(self.initial_li_capacity, "mA*h/cm^2") < 0:
            raise ValueError("initial_li_capacity must not be negative")
        if self.short_time is not None:
            require(self.short_time, "[time]", "short_time")
        require(self.short_resistance, "[resistance] * [length] ** 2", "short_resistance")
        require(self.short_noise, "[electric_potential]", "short_noise")
        for dip in self.nucleation:
            if not isinstance(dip, NucleationDip):
                raise TypeError("nucleation must be a tuple of NucleationDip")
        c = self._c
        c["area_cm2"] = _f(self.area, "cm^2")
        c["si_capacity"] = _f(self.si_capacity * self.area, "A*s")
        c["short_time"] = None if self.short_time is None else _f(self.short_time, "s")
        c["exhaustion"] = _f(self.exhaustion_capacity, "mA*h/cm^2")
        c["substrate"] = _f(self.substrate_potential, "V")
        c["initial_li"] = _f(self.initial_li_capacity * self.area, "A*s")

    # -- helpers ---------------------------------------------------------------------------------
    def temperature_of(self, step: Step) -> pint.Quantity:
        return step.temperature if step.temperature is not None else self.temperature

    def _j(self, current: float) -> pint.Quantity:
        return Q_(current / self._c["area_cm2"] * 1e3, "mA/cm^2")

    def _polarisation(self, current: float, step: Step) -> float:
        j = self._j(current)
        eta = P.ohmic_drop(j, self.area_specific_resistance) + P.charge_transfer_overpotential(
            j, self.exchange_current_density, self.temperature_of(step))
        return _f(eta, "V")

    def _loss(self, cycle: int) -> float:
        if cycle <= 1:
            return _f(self.first_cycle_loss, "dimensionless")
        return _f(self.cycle_loss + self.cycle_loss_growth * (cycle - 2), "dimensionless")

    def _short_mask(self, t: np.ndarray, t0: float) -> np.ndarray | None:
        ts = self._c["short_time"]
        if ts is None:
            return None
        mask = (t0 + t) >= ts
        return mask if mask.any() else None

    # -- interface -------------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator) -> HalfCellState:
        return HalfCellState(si_x=_f(self.si_initial_x, "dimensionless") if self._c["si_capacity"] > 0 else 0.0,
                             plated=self._c["initial_li"], noise=_FlickerNoise(_f(self.short_noise, "V"), rng))

    def start_step(self, state: HalfCellState, step: Step, t0: float, current: float) -> HalfCellState:
        return state

    def horizon(self, state: HalfCellState, step: Step, current: float) -> float:
        si = self._c["si_capacity"]
        if current > 0:
            return 1.05 * (state.plated + state.si_x / SI_X_FULL * si) / current + 600.0
        if current < 0:
            return 1.05 * max((SI_X_FULL - state.si_x) / SI_X_FULL * si, 1e-6) / -current + 600.0
        return 3600.0

    def voltage(self, state: HalfCellState, step: Step, t: np.ndarray, q: np.ndarray, t0: float,
                current: float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        q = np.asarray(q, dtype=float)
        si = self._c["si_capacity"]
        area = self._c["area_cm2"]
        if current == 0:
            if state.plated > 0 or si == 0:
                v = np.zeros_like(t) if state.plated > 0 else np.full_like(t, self._c["substrate"])
            else:
                v = np.full_like(t, _f(P.si_lithiation_potential(state.si_x), "V"))
        elif current < 0:  # Si lithiation first, then Li plating
            eta = self._polarisation(current, step)
            taken = -q
            room = (SI_X_FULL - state.si_x) / SI_X_FULL * si if si > 0 else 0.0
            v = np.zeros_like(t)
            if room > 0:
                x = state.si_x + np.minimum(taken, room) / si * SI_X_FULL
                v = np.where(taken < room, P.si_lithiation_potential(x).to("V").magnitude, 0.0)
            plated_areal = np.maximum(taken - room, 0.0) / _MAH / area  # mAh/cm²
            scale = 1.0 if state.platings == 0 else _f(self.renucleation_scale, "dimensionless")
            if scale > 0:
                qa = Q_(plated_areal, "mA*h/cm^2")
                for dip in self.nucleation:
                    v = v + np.where(taken > room, scale * P.nucleation_transient(qa, dip.depth, dip.onset,
                                                                                   dip.width).to("V").magnitude, 0.0)
            v = v + eta
        else:  # Li stripping, then (Si present) Li15Si4 delithiation or (bare) the substrate
            j = self._j(current)
            ohmic = _f(P.ohmic_drop(j, self.area_specific_resistance), "V")
            remaining = (state.plated - q) / _MAH / area  # mAh/cm²
            theta = np.clip(remaining, 0.0, None) / (np.clip(remaining, 0.0, None) + self._c["exhaustion"])
            jl = Q_(j.magnitude / np.maximum(theta, 1e-12), "mA/cm^2")
            v_li = ohmic + P.charge_transfer_overpotential(jl, self.exchange_current_density,
                                                           self.temperature_of(step)).to("V").magnitude
            if si > 0 and state.si_x > 0:
                li_in_si = state.si_x / SI_X_FULL * si
                y0 = 1.0 - state.si_x / SI_X_FULL
                y = y0 + np.clip(q - state.plated, 0.0, None) / si
                ct = _f(P.charge_transfer_overpotential(j, self.exchange_current_density, self.temperature_of(step)), "V")
                v_alt = P.li15si4_delithiation_potential(np.clip(y, 0.0, 1.0)).to("V").magnitude + ohmic + ct
                v_alt = np.where(q - state.plated > li_in_si, self._c["substrate"] + ohmic, v_alt)
            else:
                v_alt = np.full_like(q, self._c["substrate"] + ohmic)
            v = np.where(remaining > 0, np.minimum(v_li, v_alt), v_alt)
        mask = self._short_mask(t, t0)
        if mask is not None:
            shorted = current / area * 1e3 * _f(self.short_resistance, "ohm*cm^2") * 1e-3 + state.noise(t0 + t)
            v = np.where(mask, shorted, v)
        return v

    def end_state(self, state: HalfCellState, step: Step, t_end: float, q_end: float, t0: float,
                  current: float) -> HalfCellState:
        ts = self._c["short_time"]
        if ts is not None and t0 + t_end > ts:  # nothing moves through the electrolyte after the short
            q_end = current * max(0.0, ts - t0)
        si = self._c["si_capacity"]
        if current < 0 and q_end < 0:
            taken = -q_end
            room = (SI_X_FULL - state.si_x) / SI_X_FULL * si if si > 0 else 0.0
            into_si = min(taken, room)
            li = taken - into_si
            loss = self._loss(step.cycle)
            return replace(state, si_x=state.si_x + (into_si / si * SI_X_FULL if si > 0 else 0.0),
                           plated=state.plated + (1 - loss) * li, dead=state.dead + loss * li,
                           platings=state.platings + (1 if li > 0 else 0))
        if current > 0 and q_end > 0:
            from_li = min(q_end, state.plated)
            from_si = q_end - from_li
            x = state.si_x
            if si > 0 and from_si > 0:
                x = max(0.0, x - from_si / si * SI_X_FULL)
            return replace(state, plated=state.plated - from_li, si_x=x)
        return state


# ------------------------------------------------------------------------------------------------
# Full cell
# ------------------------------------------------------------------------------------------------


@dataclass
class FullCellState:
    x: float  # Li stoichiometry of the cathode (bulk, relaxed), Chen 2020 coordinate
    cycle: int = 0
    capacity: float = 0.0  # A·s per unit stoichiometry of the active material left this cycle
    parasitic: float = 0.0  # parasitic charge still to pass in this cycle's charge, A·s
    extra_resistance: float = 0.0  # anode interfacial resistance grown so far, ohm·cm²
    shorted: bool = False
    noise: Any = None
    # of the running step, set by start_step: polarisation (V), capacity scale (A·s), temperature
    eta: float = 0.0
    scale: float = 1.0
    temperature: Any = None


@dataclass(frozen=True)
class FullCell:
    """Li/[interlayer]/SE/NCM811 full cell; cell voltage = cathode potential vs Li + polarisation.

    Parameters (all pint Quantities):

    ``area``; ``temperature`` where a step gives none; ``reference_temperature`` at which the
    kinetic parameters are given; ``one_c_current_density`` (defines the C-rate);
    ``cathode_specific_capacity`` capacity of the active material per unit change of Li
    stoichiometry (theoretical, from the formula); ``cathode_active_loading``;
    ``active_fraction`` share of it that works; ``x_initial`` Li stoichiometry as made;
    ``x_saturation`` stoichiometry at which the Li sites are full (the calibrated lower end of the
    window), with ``saturation_width`` and ``saturation_ideality`` of the knee
    (:func:`~.physics.intercalation_saturation_potential`);
    ``area_specific_resistance`` and ``resistance_activation_energy``;
    ``exchange_current_density`` and ``charge_transfer_activation_energy`` (lumped, both
    electrodes); ``diffusion_rate`` (C-rate at which τ = 1), ``diffusion_activation_energy`` and
    ``diffusion_limited_share`` of the discharge (:func:`~.physics.mixed_accessible_fraction`);
    ``first_charge_irreversible_capacity`` (areal) passed in the first charge without
    delithiating the cathode (interphase formation), at ``parasitic_current_share`` of the current;
    ``parasitic_capacity_cycle2`` and ``parasitic_capacity_late`` per later charge, decaying with
    ``parasitic_decay_cycles``; ``fade_per_cycle`` and ``fade_acceleration`` loss of active
    material: active(n) = 1 − a(n − 1) − b(n − 1)²; ``resistance_growth_onset`` (cycle, None:
    never) and ``resistance_growth`` (ohm·cm² per cycle, linear after the onset) of the anode interface; ``short_cycle``
    (None: never), ``short_leak_current_density`` and ``short_noise`` of a soft short.
    """

    area: pint.Quantity
    temperature: pint.Quantity
    reference_temperature: pint.Quantity
    one_c_current_density: pint.Quantity
    cathode_specific_capacity: pint.Quantity
    cathode_active_loading: pint.Quantity
    x_initial: pint.Quantity
    x_saturation: pint.Quantity
    area_specific_resistance: pint.Quantity
    exchange_current_density: pint.Quantity
    diffusion_rate: pint.Quantity
    diffusion_limited_share: pint.Quantity
    active_fraction: pint.Quantity = Q_(1.0, "dimensionless")
    saturation_width: pint.Quantity = Q_(0.03, "dimensionless")
    saturation_ideality: pint.Quantity = Q_(3.0, "dimensionless")
    resistance_activation_energy: pint.Quantity = Q_(35.0, "kJ/mol")
    charge_transfer_activation_energy: pint.Quantity = Q_(35.0, "kJ/mol")
    diffusion_activation_energy: pint.Quantity = Q_(50.0, "kJ/mol")
    first_charge_irreversible_capacity: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    parasitic_current_share: pint.Quantity = Q_(0.3, "dimensionless")
    parasitic_capacity_cycle2: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    parasitic_capacity_late: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    parasitic_decay_cycles: pint.Quantity = Q_(10.0, "dimensionless")
    fade_per_cycle: pint.Quantity = Q_(0.0, "dimensionless")
    fade_acceleration: pint.Quantity = Q_(0.0, "dimensionless")
    resistance_growth_onset: pint.Quantity | None = None
    resistance_growth: pint.Quantity = Q_(0.0, "ohm*cm^2")
    short_cycle: pint.Quantity | None = None
    short_leak_current_density: pint.Quantity = Q_(0.0, "mA/cm^2")
    short_noise: pint.Quantity = Q_(0.0, "mV")
    _c: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        areal = "[current] * [time] / [length] ** 2"
        require(self.area, "[length] ** 2", "area", positive=True)
        for name in ("temperature", "reference_temperature"):
            require(getattr(self, name), "[temperature]", name)
        require(self.one_c_current_density, "[current] / [length] ** 2", "one_c_current_density", positive=True)
        require(self.cathode_specific_capacity, "[current] * [time] / [mass]", "cathode_specific_capacity", positive=True)
        require(self.cathode_active_loading, "[mass] / [length] ** 2", "cathode_active_loading", positive=True)
        for name in ("x_initial", "x_saturation", "active_fraction", "saturation_width", "saturation_ideality",
                     "diffusion_limited_share", "parasitic_current_share", "parasitic_decay_cycles",
                     "fade_per_cycle", "fade_acceleration"):
            require(getattr(self, name), "[]", name)
        require(self.area_specific_resistance, "[resistance] * [length] ** 2", "area_specific_resistance")
        require(self.exchange_current_density, "[current] / [length] ** 2", "exchange_current_density", positive=True)
        require(self.diffusion_rate, "1 / [time]", "diffusion_rate", positive=True)
        for name in ("resistance_activation_energy", "charge_transfer_activation_energy", "diffusion_activation_energy"):
            require(getattr(self, name), "[energy] / [substance]", name)
        for name in ("first_charge_irreversible_capacity", "parasitic_capacity_cycle2", "parasitic_capacity_late"):
            require(getattr(self, name), areal, name)
        require(self.resistance_growth, "[resistance] * [length] ** 2", "resistance_growth")
        require(self.short_leak_current_density, "[current] / [length] ** 2", "short_leak_current_density")
        require(self.short_noise, "[electric_potential]", "short_noise")
        for name in ("resistance_growth_onset", "short_cycle"):
            if getattr(self, name) is not None:
                require(getattr(self, name), "[]", name)
        if not _f(self.x_initial, "") < _f(self.x_saturation, ""):
            raise ValueError("x_initial must lie below x_saturation")
        c = self._c
        c["area_cm2"] = _f(self.area, "cm^2")
        c["capacity"] = _f(self.cathode_specific_capacity * self.cathode_active_loading * self.area, "A*s")
        c["x_sat"] = _f(self.x_saturation, "")
        c["one_c"] = _f(self.one_c_current_density, "mA/cm^2")
        c["leak"] = _f(self.short_leak_current_density * self.area, "A")
        c["short_cycle"] = None if self.short_cycle is None else int(round(_f(self.short_cycle, "")))
        c["growth_onset"] = None if self.resistance_growth_onset is None else _f(self.resistance_growth_onset, "")
        c["kinetics"] = {}
        c["sat_width"] = _f(self.saturation_width, "")
        c["sat_ideality"] = _f(self.saturation_ideality, "")

    # -- helpers ---------------------------------------------------------------------------------
    def temperature_of(self, step: Step) -> pint.Quantity:
        return step.temperature if step.temperature is not None else self.temperature

    def _kinetics(self, step: Step) -> tuple[pint.Quantity, float, float]:
        """(temperature, resistance factor, diffusion rate in 1/h) at the step's temperature."""
        temperature = self.temperature_of(step)
        key = round(_f(temperature, "K"), 9)
        cached = self._c["kinetics"].get(key)
        if cached is None:
            t_ref = self.reference_temperature
            resistance = 1.0 / _f(P.arrhenius_factor(temperature, self.resistance_activation_energy, t_ref), "")
            j0 = self.exchange_current_density * P.arrhenius_factor(temperature, self.charge_transfer_activation_energy,
                                                                    t_ref)
            rate = _f(self.diffusion_rate, "1/h") * _f(P.arrhenius_factor(temperature, self.diffusion_activation_energy,
                                                                          t_ref), "")
            cached = (temperature, resistance, j0, rate)
            self._c["kinetics"][key] = cached
        return cached

    def _polarisation(self, state: FullCellState, step: Step, current: float) -> float:
        temperature, resistance, j0, _ = self._kinetics(step)
        j = Q_(current / self._c["area_cm2"] * 1e3, "mA/cm^2")
        asr = self.area_specific_resistance * resistance + Q_(state.extra_resistance, "ohm*cm^2")
        return _f(P.ohmic_drop(j, asr) + P.charge_transfer_overpotential(j, j0, temperature), "V")

    def accessible(self, step: Step, current: float) -> float:
        """Share of the capacity a discharge at this current reaches (1 for charge and rest)."""
        if current >= 0:
            return 1.0
        _, _, _, rate = self._kinetics(step)
        c_rate = abs(current) / self._c["area_cm2"] * 1e3 / self._c["one_c"]
        return float(P.mixed_accessible_fraction(c_rate, rate, _f(self.diffusion_limited_share, "")))

    def _potential(self, x: np.ndarray, temperature: pint.Quantity) -> np.ndarray:
        return (P.ncm811_open_circuit_potential(x).magnitude
                + P.intercalation_saturation_potential(x, self._c["x_sat"], self._c["sat_width"],
                                                       self._c["sat_ideality"], temperature).magnitude)

    def open_circuit_voltage(self, x: float | np.ndarray, temperature: pint.Quantity | None = None) -> pint.Quantity:
        """Cell voltage at rest for cathode stoichiometry ``x``."""
        return Q_(self._potential(np.asarray(x, dtype=float), temperature if temperature is not None
                                  else self.temperature), "V")

    # -- interface -------------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator) -> FullCellState:
        return FullCellState(x=_f(self.x_initial, ""), noise=_FlickerNoise(_f(self.short_noise, "V"), rng))

    def start_step(self, state: FullCellState, step: Step, t0: float, current: float) -> FullCellState:
        if step.cycle != state.cycle:
            state = self._new_cycle(state, int(step.cycle))
        temperature = self._kinetics(step)[0]
        eta = self._polarisation(state, step, current) if current != 0 else 0.0
        return replace(state, eta=eta, scale=state.capacity * self.accessible(step, current), temperature=temperature)

    def _new_cycle(self, state: FullCellState, n: int) -> FullCellState:
        a, b = _f(self.fade_per_cycle, ""), _f(self.fade_acceleration, "")
        active = _f(self.active_fraction, "") * max(1.0 - a * (n - 1) - b * (n - 1) ** 2, 1e-6)
        area = self._c["area_cm2"]
        if n == 1:
            parasitic = _f(self.first_charge_irreversible_capacity, "mA*h/cm^2")
        else:
            late = _f(self.parasitic_capacity_late, "mA*h/cm^2")
            early = _f(self.parasitic_capacity_cycle2, "mA*h/cm^2")
            parasitic = late + (early - late) * np.exp(-(n - 2) / _f(self.parasitic_decay_cycles, ""))
        extra = 0.0
        onset = self._c["growth_onset"]
        if onset is not None and n > onset:
            extra = _f(self.resistance_growth, "ohm*cm^2") * (n - onset)
        short = self._c["short_cycle"]
        return replace(state, cycle=n, capacity=self._c["capacity"] * active, parasitic=parasitic * _MAH * area,
                       extra_resistance=extra, shorted=short is not None and n >= short)

    def horizon(self, state: FullCellState, step: Step, current: float) -> float:
        net = abs(current) - (self._c["leak"] if state.shorted and current > 0 else 0.0)
        if net <= 0:
            net = abs(current) * 0.1
        return 1.15 * state.capacity * self._c["x_sat"] / net + state.parasitic / max(abs(current), 1e-12) + 600.0

    def _net(self, state: FullCellState, t: np.ndarray, q: np.ndarray, current: float) -> tuple[np.ndarray, np.ndarray]:
        """(charge that moved Li in the cathode, parasitic charge), signed like the current."""
        leak = self._c["leak"] * t if state.shorted else 0.0
        if current > 0:
            net = q - leak
            side = np.minimum(_f(self.parasitic_current_share, "") * np.clip(net, 0.0, None), state.parasitic)
            return net - side, side
        return q - leak, np.zeros_like(q)

    def voltage(self, state: FullCellState, step: Step, t: np.ndarray, q: np.ndarray, t0: float,
                current: float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        q = np.asarray(q, dtype=float)
        moved, _ = self._net(state, t, q, current)
        x = np.clip(state.x - moved / state.scale, 1e-6, self._c["x_sat"] - 1e-12)
        v = self._potential(x, state.temperature) + state.eta
        if state.shorted:
            v = v + state.noise(t0 + t)
        return v

    def end_state(self, state: FullCellState, step: Step, t_end: float, q_end: float, t0: float,
                  current: float) -> FullCellState:
        moved, side = self._net(state, np.array([t_end]), np.array([q_end]), current)
        x = float(np.clip(state.x - moved[0] / state.capacity, 1e-6, self._c["x_sat"] - 1e-9))
        return replace(state, x=x, parasitic=state.parasitic - float(side[0]))


# ------------------------------------------------------------------------------------------------
# Full cell with a finite anode: Si alloy + Li metal on the current collector
# ------------------------------------------------------------------------------------------------


@dataclass
class AnodeLimitedState(FullCellState):
    si_x: float = 0.0  # Li per Si in the anode layer
    plated: float = 0.0  # reversible Li metal in the anode, A·s
    dead: float = 0.0  # Li lost on plating (dead Li, SE reduction), A·s
    trapped: float = 0.0  # Li alloyed into Si that cannot be de-alloyed, A·s


@dataclass(frozen=True)
class AnodeLimitedFullCell(FullCell):
    """[Li]/SiNP-CNT/SE/NCM811 full cell whose anode holds a finite, tracked Li inventory.

    Everything of :class:`FullCell` (cathode, polarisation, parasitic charge, fade), plus the anode's
    own potential vs Li, subtracted from the cell voltage: in a charge, Li arriving at the anode
    first alloys with the Si (:func:`~.physics.si_lithiation_potential`, ≈0.1 V) and then plates as
    Li metal (0 V; a share ``plating_loss`` of it is lost); in a discharge, the Li metal is
    stripped first (0 V, rising as it runs out like the half-cell's), then the Si de-alloys
    (:func:`~.physics.li15si4_delithiation_potential`, ≈0.43–0.47 V, so the cell voltage drops by
    that much: Figure S13), and once nothing is left the anode rises (within ``exhaustion_capacity``)
    to ``substrate_potential``.

    Extra parameters (pint Quantities): ``si_capacity`` areal capacity of the Si from Si to
    Li3.75Si; ``si_initial_x`` Li per Si at the start; ``li_initial`` areal Li metal at the start (0:
    no Li foil); ``plating_loss`` share of the Li plated in a charge that cannot be stripped;
    ``si_trapped_share`` share of the Li alloyed into the Si that cannot be de-alloyed;
    ``exhaustion_capacity`` remaining areal Li metal at which half the anode area has lost it;
    ``substrate_potential`` potential of the bare current collector vs Li.
    """

    si_capacity: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    si_initial_x: pint.Quantity = Q_(0.0, "dimensionless")
    li_initial: pint.Quantity = Q_(0.0, "mA*h/cm^2")
    plating_loss: pint.Quantity = Q_(0.0, "dimensionless")
    si_trapped_share: pint.Quantity = Q_(0.0, "dimensionless")
    exhaustion_capacity: pint.Quantity = Q_(0.005, "mA*h/cm^2")
    substrate_potential: pint.Quantity = Q_(2.5, "V")

    def __post_init__(self) -> None:
        super().__post_init__()
        areal = "[current] * [time] / [length] ** 2"
        require(self.si_capacity, areal, "si_capacity")
        require(self.li_initial, areal, "li_initial")
        require(self.exhaustion_capacity, areal, "exhaustion_capacity", positive=True)
        require(self.substrate_potential, "[electric_potential]", "substrate_potential")
        for name in ("si_initial_x", "plating_loss", "si_trapped_share"):
            require(getattr(self, name), "[]", name)
        if not 0.0 <= _f(self.si_initial_x, "") <= SI_X_FULL:
            raise ValueError("si_initial_x must lie between 0 and 3.75")
        for name in ("plating_loss", "si_trapped_share"):
            if not 0.0 <= _f(getattr(self, name), "") < 1.0:
                raise ValueError(f"{name} must lie in [0, 1)")
        if _f(self.si_capacity, "mA*h/cm^2") < 0 or _f(self.li_initial, "mA*h/cm^2") < 0:
            raise ValueError("si_capacity and li_initial must not be negative")
        c = self._c
        c["si"] = _f(self.si_capacity * self.area, "A*s")
        c["li0"] = _f(self.li_initial * self.area, "A*s")
        c["plating_loss"] = _f(self.plating_loss, "")
        c["trapped_share"] = _f(self.si_trapped_share, "")
        c["exhaustion"] = _f(self.exhaustion_capacity, "mA*h/cm^2")
        c["anode_substrate"] = _f(self.substrate_potential, "V")

    def initial_state(self, rng: np.random.Generator) -> AnodeLimitedState:
        base = super().initial_state(rng)
        x = _f(self.si_initial_x, "") if self._c["si"] > 0 else 0.0
        return AnodeLimitedState(**{f.name: getattr(base, f.name) for f in fields(base)}, si_x=x,
                                 plated=self._c["li0"])

    def _anode_change(self, state: FullCellState, t: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Li gained by the anode since the step started (A·s): the external charge less any leak."""
        return q - (self._c["leak"] * t if state.shorted else 0.0)

    def _dealloyable(self, state: AnodeLimitedState) -> float:
        return max(state.si_x / SI_X_FULL * self._c["si"] - state.trapped, 0.0)

    def anode_potential(self, state: AnodeLimitedState, step: Step, t: np.ndarray, q: np.ndarray,
                        current: float) -> np.ndarray:
        """Potential of the anode vs Li (V) at the step's time points."""
        gained = self._anode_change(state, np.asarray(t, dtype=float), np.asarray(q, dtype=float))
        si = self._c["si"]
        area = self._c["area_cm2"]
        substrate = self._c["anode_substrate"]
        if current > 0:  # Li arrives: alloying first, then plating at 0 V
            room = (SI_X_FULL - state.si_x) / SI_X_FULL * si if si > 0 else 0.0
            taken = np.clip(gained, 0.0, None)
            if room <= 0:
                return np.zeros_like(taken)
            x = state.si_x + np.minimum(taken, room) / si * SI_X_FULL
            return np.where(taken < room, P.si_lithiation_potential(x).to("V").magnitude, 0.0)
        removed = np.clip(-gained, 0.0, None)
        if current == 0:
            if state.plated > 0:
                return np.zeros_like(removed)
            if self._dealloyable(state) > 0:
                return np.full_like(removed, _f(P.li15si4_delithiation_potential(0.0), "V"))
            return np.full_like(removed, substrate)
        # Li leaves: Li metal first (the charge-transfer area shrinks as it runs out), then the alloy
        temperature, _, j0, _ = self._kinetics(step)
        j = Q_(abs(current) / area * 1e3, "mA/cm^2")
        remaining = (state.plated - removed) / _MAH / area  # mAh/cm²
        rem = np.clip(remaining, 0.0, None)
        theta = rem / (rem + self._c["exhaustion"])
        base = _f(P.charge_transfer_overpotential(j, j0, temperature), "V")
        v_li = P.charge_transfer_overpotential(Q_(j.magnitude / np.maximum(theta, 1e-12), "mA/cm^2"), j0,
                                               temperature).to("V").magnitude - base
        dealloyable = self._dealloyable(state)
        if dealloyable > 0:
            f = np.clip((removed - state.plated) / dealloyable, 0.0, 1.0)
            v_alloy = P.li15si4_delithiation_potential(f).to("V").magnitude
            # past the de-alloyable Li: up to the substrate within exhaustion_capacity (continuous, steep)
            v_end = _f(P.li15si4_delithiation_potential(1.0), "V")
            excess = (removed - state.plated - dealloyable) / _MAH / area / self._c["exhaustion"]
            v_alloy = np.where(excess > 0, v_end + (substrate - v_end) * np.clip(excess, 0.0, 1.0), v_alloy)
        else:
            v_alloy = np.full_like(removed, substrate)
        return np.where(remaining > 0, np.minimum(v_li, v_alloy), v_alloy)

    def voltage(self, state: AnodeLimitedState, step: Step, t: np.ndarray, q: np.ndarray, t0: float,
                current: float) -> np.ndarray:
        return super().voltage(state, step, t, q, t0, current) - self.anode_potential(state, step, t, q, current)

    def end_state(self, state: AnodeLimitedState, step: Step, t_end: float, q_end: float, t0: float,
                  current: float) -> AnodeLimitedState:
        out = super().end_state(state, step, t_end, q_end, t0, current)
        gained = float(self._anode_change(state, np.array([t_end]), np.array([q_end]))[0])
        si = self._c["si"]
        if gained > 0:
            room = (SI_X_FULL - state.si_x) / SI_X_FULL * si if si > 0 else 0.0
            into_si = min(gained, room)
            li = gained - into_si
            loss = self._c["plating_loss"]
            return replace(out, si_x=state.si_x + (into_si / si * SI_X_FULL if si > 0 else 0.0),
                           trapped=state.trapped + self._c["trapped_share"] * into_si,
                           plated=state.plated + (1 - loss) * li, dead=state.dead + loss * li)
        if gained < 0:
            removed = -gained
            from_li = min(removed, state.plated)
            from_si = min(removed - from_li, self._dealloyable(state))
            x = state.si_x - (from_si / si * SI_X_FULL if si > 0 else 0.0)
            return replace(out, plated=state.plated - from_li, si_x=max(x, 0.0))
        return out


def parameters_of(model: PlatingHalfCell | FullCell) -> dict[str, str]:
    """The model's parameters as text (``'20 ohm·cm²'``), for Dataset attributes ({} if not a dataclass)."""
    from dataclasses import is_dataclass

    out: dict[str, str] = {}
    if not is_dataclass(model):
        return out
    for f in fields(model):
        if f.name.startswith("_"):
            continue
        value = getattr(model, f.name)
        if isinstance(value, tuple):
            value = "; ".join(f"depth {d.depth:~P}, onset {d.onset:~P}, width {d.width:~P}" for d in value)
        elif isinstance(value, pint.Quantity):
            value = f"{value:~P}"
        out[f.name] = str(value)
    return out
