"""Reconstruction: model terms, protocols, the simulated cycler, file round trips, and calibration.

The calibration tests are the honest check that the model does what it claims: the project's
analysis functions, run on the reconstructed records, give back the paper's numbers within the
tolerances stated in :func:`analysis.reconstruct.cells.calibration` (each row says why).
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
import pint
import pytest

from analysis import metrics
from analysis.cycling import cycle_summary, step_table
from analysis.io import detect_format, read_cycler
from analysis.io.bdf import write_bdf_csv
from analysis.io.btsda_writer import write_btsda_csv
from analysis.reconstruct import cells as C
from analysis.reconstruct import physics as P
from analysis.reconstruct.models import (
    AnodeLimitedFullCell,
    FullCell,
    NucleationDip,
    PlatingHalfCell,
)
from analysis.reconstruct.protocol import (
    RATE_LADDERS,
    Step,
    steps_from_paper,
    symmetric_steps,
    with_time_limit,
)
from analysis.reconstruct.simulate import SimulationError, simulate
from analysis.reconstruct.targets import metric_arguments
from analysis.tables import read_quantities
from analysis.units import Q_

warnings.filterwarnings("ignore", category=pint.errors.UnitStrippedWarning)

AREA = Q_(0.7854, "cm^2")
SIM = dict(record_interval=Q_(10, "s"), voltage_trigger=Q_(5, "mV"), current_resolution=Q_(0.01, "uA"),
           voltage_resolution=Q_(0.1, "mV"), noise=Q_(0.0, "mV"), seed=0)


def _v(ds, name, unit):
    return np.asarray(ds[name].data.to(unit).magnitude)


# ------------------------------------------------------------------------------------------------
# Model terms: sign and unit
# ------------------------------------------------------------------------------------------------


def half_cell(**kw):
    base = dict(area=AREA, temperature=Q_(25, "degC"), area_specific_resistance=Q_(5, "ohm*cm^2"),
                exchange_current_density=Q_(3.5, "mA/cm^2"), si_capacity=Q_(0.68, "mA*h/cm^2"),
                nucleation=(NucleationDip(Q_(1.5, "mV"), Q_(0, "mA*h/cm^2"), Q_(0.005, "mA*h/cm^2")),))
    base.update(kw)
    return PlatingHalfCell(**base)


def full_cell(**kw):
    base = C.model_parameters("fc_il_65mpa")
    base.update(kw)
    return FullCell(area=AREA, **base)


def test_new_physics_terms_have_their_sign_and_limits():
    f = P.mixed_accessible_fraction(np.array([0.0, 0.05, 2.0, 5.0, 1e6]), 0.6, 0.4)
    assert f[0] == 1.0 and np.all(np.diff(f) < 0) and f[-1] == pytest.approx(0.6, abs=1e-3)
    x = np.linspace(0.5, 1.0299, 200)
    v = P.intercalation_saturation_potential(x, 1.03, 0.03, 3.0, Q_(60, "degC"))
    assert v.check("[electric_potential]") and np.all(v.magnitude <= 0) and np.all(np.diff(v.magnitude) < 0)
    at_width = P.intercalation_saturation_potential(1.0, 1.03, 0.03, 1.0, Q_(60, "degC")).to("mV").magnitude
    assert at_width == pytest.approx(-8.314462618 * 333.15 / 96485.33212 * np.log(2) * 1e3, rel=1e-6)
    with pytest.raises(ValueError):
        P.mixed_accessible_fraction(1.0, 0.6, 1.5)


def test_half_cell_terms_sign_and_shape():
    m = half_cell(si_capacity=Q_(0, "mA*h/cm^2"))
    state = m.initial_state(np.random.default_rng(0))
    step = Step("CC_DChg", Q_(-0.1021, "mA"), 1, 1, duration=Q_(20, "h"))
    i = -0.1021e-3
    t = np.linspace(0, 20 * 3600, 2001)
    v = m.voltage(state, step, t, i * t, 0.0, i)
    assert np.all(v < 0)  # plating below 0 V vs Li
    plateau = -(P.ohmic_drop(Q_(-0.13, "mA/cm^2"), m.area_specific_resistance)
                + P.charge_transfer_overpotential(Q_(-0.13, "mA/cm^2"), m.exchange_current_density, m.temperature))
    assert v[-1] == pytest.approx(-plateau.to("V").magnitude, abs=2e-5)
    assert v.min() == pytest.approx(v[-1] - 1.5e-3, abs=5e-5)  # one dip, 1.5 mV below the plateau
    plated = m.end_state(state, step, t[-1], i * t[-1], 0.0, i)
    assert plated.plated == pytest.approx(0.1021e-3 * 20 * 3600)  # no loss configured
    strip = Step("CC_Chg", Q_(0.1963, "mA"), 1, 2, voltage_limit=Q_(0.2, "V"))
    j = 0.1963e-3
    ts = np.linspace(0, plated.plated / j * 1.01, 4001)
    vs = m.voltage(plated, strip, ts, j * ts, 0.0, j)
    assert np.all(vs > 0) and vs[0] < 0.01 and vs[-1] > 0.2  # stripping above 0 V, rising when Li runs out


def test_half_cell_si_lithiation_and_short():
    m = half_cell(short_time=Q_(1, "h"), short_noise=Q_(0.5, "mV"))
    state = m.initial_state(np.random.default_rng(1))
    i = -0.2356e-3
    step = Step("CC_DChg", Q_(i, "A"), 1, 1, voltage_limit=Q_(5, "mV"))
    t = np.linspace(0, 3000, 301)
    v = m.voltage(state, step, t, i * t, 0.0, i)
    assert np.all((v > 0) & (v < 0.12))  # Si lithiation plateau near 0.1 V
    late = m.voltage(state, step, np.array([2 * 3600.0]), np.array([i * 7200]), 0.0, i)
    assert abs(late[0]) < 0.005  # after the short the voltage collapses to ~0 with noise


def test_full_cell_terms_sign_and_rate():
    m = full_cell()
    ocv = m.open_circuit_voltage(np.linspace(0.3, 0.95, 30)).magnitude
    assert np.all(np.diff(ocv) < 0) and 4.0 < ocv[0] < 4.4 and 3.4 < ocv[-1] < 3.6
    state = m.start_step(m.initial_state(np.random.default_rng(0)),
                         Step("CC_Chg", Q_(0.77, "mA"), 1, 1, voltage_limit=Q_(4.3, "V")), 0.0, 0.77e-3)
    state = dataclasses.replace(state, x=0.6)
    rest = m.open_circuit_voltage(0.6).magnitude
    charge = m.voltage(state, Step("CC_Chg", Q_(0.77, "mA"), 1, 1, voltage_limit=Q_(4.3, "V")), np.zeros(1),
                       np.zeros(1), 0.0, 0.77e-3)[0]
    dstate = m.start_step(state, Step("CC_DChg", Q_(-0.77, "mA"), 1, 2, voltage_limit=Q_(2.8, "V")), 0.0, -0.77e-3)
    discharge = m.voltage(dstate, Step("CC_DChg", Q_(-0.77, "mA"), 1, 2, voltage_limit=Q_(2.8, "V")), np.zeros(1),
                          np.zeros(1), 0.0, -0.77e-3)[0]
    assert charge > rest > discharge
    hot = Step("CC_DChg", Q_(-1, "mA"), 1, 1, voltage_limit=Q_(2.8, "V"), temperature=Q_(60, "degC"))
    cold = dataclasses.replace(hot, temperature=Q_(20, "degC"))
    assert m.accessible(hot, -1e-3) > m.accessible(cold, -1e-3)
    assert m.accessible(hot, -1e-3) > m.accessible(hot, -10e-3)
    assert m.accessible(hot, +1e-3) == 1.0


def test_models_check_units():
    with pytest.raises(TypeError):
        half_cell(area=0.785)
    with pytest.raises(pint.DimensionalityError):
        half_cell(area_specific_resistance=Q_(5, "ohm"))
    with pytest.raises(pint.DimensionalityError):
        full_cell(diffusion_rate=Q_(1, "h"))
    with pytest.raises(ValueError):
        full_cell(x_initial=Q_(1.1, ""))


# ------------------------------------------------------------------------------------------------
# Protocols
# ------------------------------------------------------------------------------------------------


def test_steps_from_paper_half_cell():
    steps = steps_from_paper("hc_sus_exp", AREA, repeat_cycles=3)
    assert [s.label for s in steps] == ["CC_DChg", "CC_Chg"] * 3
    assert [s.cycle for s in steps] == [1, 1, 2, 2, 3, 3]
    assert steps[0].current.to("mA").magnitude == pytest.approx(-0.1 * 0.7854)
    assert steps[2].current.to("mA").magnitude == pytest.approx(-0.3 * 0.7854)
    assert steps[0].duration.to("h").magnitude == 10 and steps[2].duration.to("h").magnitude == 3.3
    assert steps[1].voltage_limit.to("V").magnitude == 0.2 and steps[1].duration is None
    with pytest.raises(ValueError, match="repeat_cycles"):
        steps_from_paper("hc_sus_exp", AREA)
    with pytest.raises(ValueError, match="lithiation_current_density"):
        steps_from_paper("hc_li375si_cnt_sec22", AREA)
    with pytest.raises(ValueError, match="stripping_current_density|plating_current_density"):
        steps_from_paper("hc_sus_sec22", AREA)


def test_steps_from_paper_fills_gaps_only_with_named_parameters():
    steps = steps_from_paper("hc_sus_sec22", AREA, plating_current_density=Q_(0.13, "mA/cm^2"),
                             stripping_current_density=Q_(0.25, "mA/cm^2"), stripping_cutoff=Q_(0.2, "V"))
    assert steps[0].capacity.to("mA*h").magnitude == pytest.approx(2.55 * 0.7854)  # printed capacity ends the step
    assert "caller: plating_current_density" in steps[0].source
    rate = steps_from_paper("fc_il_rate_test", AREA, cycles_per_rate=2)
    assert [s.cycle for s in rate] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert rate[-1].current.to("mA").magnitude == pytest.approx(-5 * 2.8 * 0.7854)
    with pytest.raises(ValueError, match="cycles_per_rate"):
        steps_from_paper("fc_il_rate_test", AREA)
    rested = steps_from_paper("fc_il_65mpa_cycling", AREA, repeat_cycles=2, rest=Q_(10, "min"),
                              cutoff_time_limit=Q_(15, "h"))
    assert [s.label for s in rested] == ["CC_Chg", "Rest", "CC_DChg", "Rest"] * 2
    assert all(s.duration.to("h").magnitude == 15 for s in rested if s.label != "Rest")
    assert rested[0].temperature.to("degC").magnitude == pytest.approx(60)
    assert len(with_time_limit(steps, Q_(1, "h"))) == len(steps)
    with pytest.raises(ValueError):
        Step("CC_Chg", Q_(-1, "mA"), 1, 1, duration=Q_(1, "h"))


# ------------------------------------------------------------------------------------------------
# The simulated cycler
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Capacitor:
    """Toy model: V = 1 V + Q / (1 Ah/V) + I · 1 Ω. Exact answers for the end conditions."""

    temperature: pint.Quantity = Q_(25, "degC")

    def initial_state(self, rng):
        return 0.0

    def start_step(self, state, step, t0, current):
        return state

    def horizon(self, state, step, current):
        return 3600.0

    def voltage(self, state, step, t, q, t0, current):
        return 1.0 + (state + np.asarray(q)) / 3600.0 + current * 1.0

    def end_state(self, state, step, t_end, q_end, t0, current):
        return state + q_end

    def temperature_of(self, step):
        return self.temperature


def test_simulate_honours_end_conditions():
    steps = [Step("CC_Chg", Q_(0.1, "A"), 1, 1, voltage_limit=Q_(1.6, "V")),
             Step("Rest", Q_(0, "A"), 1, 2, duration=Q_(1000, "s")),
             Step("CC_DChg", Q_(-0.05, "A"), 1, 3, capacity=Q_(10, "mA*h")),
             Step("CC_DChg", Q_(-0.05, "A"), 2, 3, duration=Q_(2, "h"), voltage_limit=Q_(1.2, "V"))]
    ds = simulate(Capacitor(), steps, **SIM)
    assert ds.attrs["data_source"] == "reconstructed"
    table = step_table(ds)
    ends = table["end_time"].data.to("s").magnitude
    starts = table["start_time"].data.to("s").magnitude
    # cut-off: 1 + q/3600 + 0.1 = 1.6 -> q = 1800 A·s -> 18000 s at 0.1 A
    assert ends[0] == pytest.approx(18000.0, abs=1e-3)
    v = _v(ds, "voltage_volt", "V")
    last = table["last_record"].values
    assert v[last[0]] == pytest.approx(1.6, abs=1e-4)
    assert ends[1] - starts[1] == pytest.approx(1000.0, abs=1e-9)  # duration
    assert ends[2] - starts[2] == pytest.approx(720.0, abs=1e-3)  # 10 mAh at 50 mA
    # step 4 starts at 1.45 V - 0.05 = 1.4 V... reaches 1.2 V after (0.2 V · 3600 A·s/V) / 0.05 A = 14400 s > 2 h
    assert ends[3] - starts[3] == pytest.approx(7200.0, abs=1e-9)
    # capacity = current × step time at every record; it restarts at every step
    cap = _v(ds, "step_net_capacity_ah", "A*h")
    current = _v(ds, "current_ampere", "A")
    step_time = _v(ds, "step_time_second", "s")
    assert np.allclose(cap, current * step_time / 3600.0, rtol=0, atol=1e-12)
    assert np.all(cap[table["first_record"].values] == 0)
    assert list(table["step_type"].values) == ["CC_Chg", "Rest", "CC_DChg", "CC_DChg"]
    assert list(np.unique(ds["cycle_count"].data.magnitude)) == [1, 2]
    gaps = np.diff(_v(ds, "test_time_second", "s"))
    assert gaps.max() <= 10.0 + 1e-6  # a record at least every record_interval


def test_simulate_records_on_voltage_change_and_quantises():
    step = [Step("CC_Chg", Q_(1.0, "A"), 1, 1, voltage_limit=Q_(3.0, "V"))]
    slow = simulate(Capacitor(), step, **{**SIM, "voltage_trigger": Q_(1, "V")})
    fast = simulate(Capacitor(), step, **{**SIM, "voltage_trigger": Q_(1, "mV")})
    assert fast.sizes["record"] > 2 * slow.sizes["record"]
    v = _v(fast, "voltage_volt", "V")
    assert np.allclose(np.round(v / 1e-4) * 1e-4, v, atol=1e-12)  # 0.1 mV resolution


def test_simulate_is_deterministic_for_a_seed():
    steps = steps_from_paper("hc_sus_exp", AREA, repeat_cycles=2)
    m = half_cell(si_capacity=Q_(0, "mA*h/cm^2"))
    kw = {**SIM, "noise": Q_(0.05, "mV")}
    a = simulate(m, steps, **kw)
    b = simulate(m, steps, **kw)
    c = simulate(m, steps, **{**kw, "seed": 1})
    assert np.array_equal(_v(a, "voltage_volt", "V"), _v(b, "voltage_volt", "V"))
    assert not np.array_equal(_v(a, "voltage_volt", "V"), _v(c, "voltage_volt", "V"))
    assert np.array_equal(_v(a, "step_net_capacity_ah", "A*h"), _v(c, "step_net_capacity_ah", "A*h"))


def test_simulate_refuses_a_step_that_never_ends():
    with pytest.raises(SimulationError, match="time limit"):
        simulate(Capacitor(), [Step("CC_Chg", Q_(1e-6, "A"), 1, 1, voltage_limit=Q_(5, "V"))],
                 **{**SIM, "max_step_duration": Q_(10, "h")})


# ------------------------------------------------------------------------------------------------
# Files: BTSDA and BDF CSV read back through read_cycler
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_runs():
    return {"half": C.reconstruct("hc_li375si_cnt", {"repeat_cycles": 3}),
            "full": C.reconstruct("fc_il_5to65mpa", {"repeat_cycles": 23})}


@pytest.mark.parametrize("kind", ["half", "full"])
def test_btsda_csv_round_trip(small_runs, tmp_path, kind):
    ds = small_runs[kind]
    path = write_btsda_csv(ds, tmp_path / f"{kind}.csv")
    head = path.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("DataPoint,Cycle Index,Step Index,Step Type,Time,Total Time,Current(mA),Voltage(V),"
                           "Capacity(mAh)")
    assert detect_format(path) == "neware-csv"
    back = read_cycler(path, data_source="reconstructed")
    assert back.attrs["format"] == "neware-csv" and back.sizes == ds.sizes
    for name, unit, tol in (("test_time_second", "s", 5e-4), ("step_time_second", "s", 5e-4),
                            ("voltage_volt", "V", 5e-5), ("current_ampere", "mA", 5e-5),
                            ("step_net_capacity_ah", "mA*h", 5e-7)):
        # half the last written digit (plus float rounding of the value written)
        assert np.max(np.abs(_v(ds, name, unit) - _v(back, name, unit))) <= tol * (1 + 1e-6), name
    # BTSDA writes energies unsigned and the reader signs them by step direction: the energy of a
    # step at negative voltage (Li plating, V·I > 0 in a discharge step) comes back with the other sign
    energy = np.abs(_v(ds, "step_net_energy_wh", "mW*h")) - np.abs(_v(back, "step_net_energy_wh", "mW*h"))
    assert np.max(np.abs(energy)) <= 5e-7 * (1 + 1e-6)
    for name in ("cycle_count", "step_count", "step_id"):
        assert np.array_equal(ds[name].data.magnitude, back[name].data.magnitude), name
    assert np.array_equal(ds["step_type"].values, back["step_type"].values)
    convention = "plating" if kind == "half" else "full_cell"
    a, b = cycle_summary(ds, convention=convention), cycle_summary(back, convention=convention)
    for name in ("charge_capacity", "discharge_capacity"):
        assert np.allclose(a[name].data.to("mA*h").magnitude, b[name].data.to("mA*h").magnitude, rtol=0, atol=2e-6)


@pytest.mark.parametrize("kind", ["half", "full"])
def test_bdf_csv_round_trip(small_runs, tmp_path, kind):
    ds = small_runs[kind]
    path = write_bdf_csv(ds, tmp_path / f"{kind}_bdf.csv")
    back = read_cycler(path, data_source="reconstructed")
    assert back.attrs["data_source"] == "reconstructed" and back.attrs["cell_id"] == ds.attrs["cell_id"]
    for name in ds.data_vars:
        assert np.array_equal(np.asarray(ds[name].values if name == "step_type" else ds[name].data.magnitude),
                              np.asarray(back[name].values if name == "step_type" else back[name].data.magnitude)), name


# ------------------------------------------------------------------------------------------------
# The paper's cells: parameters documented, runtime, calibration
# ------------------------------------------------------------------------------------------------


def test_every_parameter_is_documented_and_its_references_exist():
    reported = read_quantities("data/paper/reported_values.csv", resource="reported_values", key=("id",))
    for cell, spec in C.CELLS.items():
        groups = [spec["parameters"], spec["simulation"], *(p["parameters"] for p in spec["protocols"].values())]
        for params in groups:
            for name, p in params.items():
                assert isinstance(p, C.Parameter) and p.why.strip(), (cell, name)
                for ref in p.calibrated_against:
                    assert (ref,) in reported, (cell, name, ref)
                p.resolved({"x_saturation": Q_(1.03)})  # every paper id exists, every fit result is there
        if "area" in spec:
            assert spec["area"].why.strip() and spec["area"].resolved().check("[length] ** 2")
        for protocol in spec["protocols"]:
            assert C.parameter_table(cell, protocol)
    for name, choice in C.CHOICES.items():
        for per_cell in choice.parameters.values():
            for cell, params in per_cell.items():
                assert cell in C.CELLS, (name, cell)
                for pname, p in params.items():
                    assert isinstance(p, C.Parameter) and p.why.strip(), (name, cell, pname)
                    for ref in p.calibrated_against:
                        assert (ref,) in reported, (name, pname, ref)
                    p.resolved({"x_saturation": Q_(1.03)})


def test_reconstruct_overrides_and_labels():
    ds = C.reconstruct("fc_il_65mpa", {"repeat_cycles": 3, "seed": 7})
    assert ds.attrs["data_source"] == "reconstructed" and ds.attrs["cell_id"] == "fc_il_65mpa"
    assert list(np.unique(ds["cycle_count"].data.magnitude)) == [1, 2, 3]
    with pytest.raises(KeyError):
        C.reconstruct("fc_il_65mpa", {"no_such_parameter": 1})
    with pytest.raises(KeyError):
        C.reconstruct("no_such_cell")


@pytest.fixture(scope="module")
def calibration_rows():
    runs = {}
    timing = {}
    for cell, spec in C.CELLS.items():
        for protocol in spec["protocols"]:
            started = time.perf_counter()
            runs[(cell, protocol)] = C.reconstruct(cell, protocol=protocol)
            timing[(cell, protocol)] = time.perf_counter() - started
    return C.calibration(runs), timing, runs


CALIBRATED = ["nucleation_overpotential_hc_il", "nucleation_overpotential_hc_sus", "voltage_dip_count_hc_il",
              "first_voltage_dip_hc_il", "first_voltage_dip_hc_sus", "ice_hc_il", "ice_hc_sus",
              "si_lithiation_areal_capacity", "ce_average_hc_il", "specific_capacity_fc_il_cycle1",
              "specific_capacity_fc_bare_cycle1", "ice_fc_il", "ice_fc_bare", "retention_fc_il_100",
              "retention_fc_il_200", "ce_fc_il_late", "rate_capability_2c", "rate_capability_5c_sec24",
              "capacity_ratio_20c_60c", "areal_capacity_fc_il_20c", "retention_fc_il_20c_49",
              "short_circuit_cycles_fc_il_5to65", "fading_onset_cycles_fc_bare", "dealloying_voltage_high",
              "dealloying_voltage_low"]


@pytest.mark.parametrize("ids", CALIBRATED)
def test_calibration_gives_back_the_reported_numbers(calibration_rows, ids):
    rows = calibration_rows[0]
    (row,) = [r for r in rows if r["id"] == ids]
    assert row["ok"], (f"{ids}: reported {row['reported']:~P}, reconstructed {row['reconstructed']:~P}, "
                       f"tolerance {row['tolerance']:~P} ({row['why']})")


def test_interlayer_dips_delithiation_and_li375si_without_short(calibration_rows):
    from analysis.cycling import failure_cycle
    from analysis.overpotential import nucleation_dips

    # Figures S8/S9: only the first dip by 0.05 mAh/cm2, both by 0.1 mAh/cm2
    for protocol, count in (("hc_li375si_cnt_s8", 1), ("hc_li375si_cnt_s9", 2)):
        x, v = C.first_plating(C.reconstruct("hc_li375si_cnt", protocol=protocol))
        assert len(nucleation_dips(x, v, **metric_arguments("nucleation_overpotential_hc_il"))) == count, protocol
    # Figure S7: without a 0.2 V cut-off the Li15Si4 delithiation plateau (~0.43-0.47 V) appears
    ds = C.reconstruct("hc_li375si_cnt", protocol="hc_li375si_cnt_s7")
    table = step_table(ds)
    v = _v(ds, "voltage_volt", "V")[table["first_record"].values[1]:table["last_record"].values[1] + 1]
    assert 0.42 < np.median(v) < 0.48
    assert abs(table["capacity"].data[1].to("mA*h").magnitude) / 0.785 == pytest.approx(0.68, abs=0.01)
    # SUS/Li3.75Si/SE/LiBCC: no short circuit for 80 h (Section 2.3)
    ds = C.reconstruct("hc_li375si")
    assert _v(ds, "test_time_second", "h")[-1] >= 80.0
    assert failure_cycle(cycle_summary(ds, convention="plating")) is None


# ------------------------------------------------------------------------------------------------
# Physics, protocol and model additions for the remaining cells
# ------------------------------------------------------------------------------------------------


def test_li_foil_and_si_capacities():
    foil = P.lithium_foil_areal_capacity(Q_(30, "um"))
    assert foil.to("mA*h/cm^2").magnitude == pytest.approx(30e-4 * 0.534 * 96485.33212 / 6.94 / 3.6, rel=1e-9)
    # the README's check: 0.21 mg/cm2 × 90 % × 3.75 F/M(Si) = 0.676, Table S2's 0.1911 mg/cm2 gives 0.615
    assert P.silicon_areal_capacity(Q_(0.21, "mg/cm^2"), Q_(90, "percent")).magnitude == pytest.approx(0.676, abs=5e-4)
    assert P.silicon_areal_capacity(Q_(0.1911, "mg/cm^2"), Q_(0.9, "")).magnitude == pytest.approx(0.615, abs=5e-4)
    with pytest.raises(pint.DimensionalityError):
        P.lithium_foil_areal_capacity(Q_(30, "mg"))


def test_rate_ladder_and_step_temperature_options():
    printed = steps_from_paper("fc_il_rate_test", AREA, cycles_per_rate=1)
    assert printed == steps_from_paper("fc_il_rate_test", AREA, cycles_per_rate=1, rate_ladder="printed")
    ladder = steps_from_paper("fc_il_rate_test", AREA, cycles_per_rate=1, rate_ladder="conventional")
    rates = [-s.current.to("mA").magnitude / (2.8 * 0.7854) for s in ladder if s.label == "CC_DChg"]
    assert rates == pytest.approx(list(RATE_LADDERS["conventional"]))
    charges = [s for s in ladder if s.label == "CC_Chg"]
    assert all(s.current.to("mA").magnitude == pytest.approx(0.05 * 2.8 * 0.7854) for s in charges)
    marked = [s for s in ladder if "not printed" in s.source]
    assert len(marked) == 4 and all(s.label == "CC_DChg" for s in marked)  # 0.1, 0.2, 0.5, 1 C
    assert sum("not printed" in s.source for s in printed) == 0
    with pytest.raises(ValueError, match="rate_ladder"):
        steps_from_paper("fc_il_rate_test", AREA, cycles_per_rate=1, rate_ladder="steep")
    with pytest.raises(ValueError, match="rate test"):
        steps_from_paper("fc_il_65mpa_cycling", AREA, repeat_cycles=2, rate_ladder="conventional")
    warm = steps_from_paper("fc_il_20c_cycling", AREA, repeat_cycles=2, step_temperature=Q_(25, "degC"))
    assert all(s.temperature.to("degC").magnitude == pytest.approx(25) for s in warm)
    assert "printed 20" in warm[0].source


def test_symmetric_steps():
    steps = symmetric_steps(AREA, Q_(0.1, "mA/cm^2"), Q_(1, "h"), 3, source="test")
    assert [s.label for s in steps] == ["CC_DChg", "CC_Chg"] * 3 and [s.cycle for s in steps] == [1, 1, 2, 2, 3, 3]
    assert steps[0].current.to("mA").magnitude == pytest.approx(-0.07854)
    assert all(s.duration.to("h").magnitude == 1 and s.voltage_limit is None for s in steps)
    assert symmetric_steps(AREA, Q_(0.1, "mA/cm^2"), Q_(1, "h"), 1, first="strip")[0].label == "CC_Chg"
    with pytest.raises(ValueError):
        symmetric_steps(AREA, Q_(0.1, "mA/cm^2"), Q_(1, "h"), 0)


def anode_limited(**kw):
    base = C.model_parameters("fc_noli_sinp_cnt")
    base.update(kw)
    return AnodeLimitedFullCell(area=AREA, **base)


def test_anode_limited_full_cell_with_an_unlimited_li_foil_is_the_full_cell():
    shared = C.model_parameters("fc_il_65mpa")
    plain = FullCell(area=AREA, **shared)
    foil = AnodeLimitedFullCell(area=AREA, **shared, li_initial=Q_(100, "mA*h/cm^2"))
    steps = steps_from_paper("fc_il_65mpa_cycling", AREA, repeat_cycles=3)
    a, b = simulate(plain, steps, **SIM), simulate(foil, steps, **SIM)
    # the foil's stripping overpotential grows as it thins: µV with 100 mAh/cm2 left, so a record may move
    sa, sb = step_table(a), step_table(b)
    for name, unit in (("capacity", "mA*h"), ("end_time", "s")):
        assert np.allclose(sa[name].data.to(unit).magnitude, sb[name].data.to(unit).magnitude, rtol=1e-4), name
    for k in range(sa.sizes["step"]):
        va = _v(a, "voltage_volt", "V")[sa["first_record"].values[k]:sa["last_record"].values[k] + 1]
        vb = _v(b, "voltage_volt", "V")[sb["first_record"].values[k]:sb["last_record"].values[k] + 1]
        assert abs(va.mean() - vb.mean()) < 5e-4 and va[0] == vb[0]  # one record more or less moves a mean by ~0.2 mV


def test_anode_limited_full_cell_anode_potentials():
    m = anode_limited(plating_loss=Q_(0, ""), si_trapped_share=Q_(0, ""))
    rng = np.random.default_rng(0)
    charge = Step("CC_Chg", Q_(0.22, "mA"), 1, 1, voltage_limit=Q_(4.3, "V"))
    state = m.start_step(m.initial_state(rng), charge, 0.0, 0.22e-3)
    si = 0.68 * 0.7854 * 3.6  # A·s
    q = np.array([0.0, 0.5 * si, 1.5 * si])
    v_anode = m.anode_potential(state, charge, q / 0.22e-3, q, 0.22e-3)
    assert 0.08 < v_anode[0] < 0.12 and 0.0 < v_anode[1] < v_anode[0] and v_anode[2] == 0.0  # alloying, then plating
    state = m.end_state(state, charge, 2 * si / 0.22e-3, 2 * si, 0.0, 0.22e-3)
    assert state.si_x == pytest.approx(3.75) and state.plated == pytest.approx(si)
    discharge = Step("CC_DChg", Q_(-0.22, "mA"), 1, 2, voltage_limit=Q_(2.8, "V"))
    state = m.start_step(state, discharge, 0.0, -0.22e-3)
    q = -np.array([0.1 * si, 1.5 * si, 2.05 * si])
    v_anode = m.anode_potential(state, discharge, -q / 0.22e-3, q, -0.22e-3)
    assert v_anode[0] < 0.002  # stripping Li metal at ~0 V
    assert 0.43 <= v_anode[1] <= 0.48  # de-alloying of Li15Si4
    assert v_anode[2] == pytest.approx(2.5)  # nothing left: the bare current collector
    between = m.anode_potential(state, discharge, np.array([2.0 * si / 0.22e-3]), np.array([-2.0 * si - 1e-4]),
                                -0.22e-3)[0]
    assert 0.77 < between < 2.5  # rising steeply, not jumping
    with pytest.raises(ValueError):
        anode_limited(plating_loss=Q_(1.0, ""))
    with pytest.raises(pint.DimensionalityError):
        anode_limited(si_capacity=Q_(0.68, "mA*h"))


def test_half_cell_initial_li_capacity():
    m = half_cell(si_capacity=Q_(0, "mA*h/cm^2"), initial_li_capacity=Q_(5, "mA*h/cm^2"))
    assert m.initial_state(np.random.default_rng(0)).plated == pytest.approx(5 * 0.7854 * 3.6)
    assert half_cell().initial_state(np.random.default_rng(0)).plated == 0.0
    with pytest.raises(ValueError):
        half_cell(initial_li_capacity=Q_(-1, "mA*h/cm^2"))


# ------------------------------------------------------------------------------------------------
# The remaining cells: behaviour
# ------------------------------------------------------------------------------------------------


def _summary(ds, convention="full_cell"):
    return cycle_summary(ds, convention=convention, area=Q_(ds.attrs["electrode_area"]))


def test_fig_s14a_bare_cell_at_65_mpa_shorts_suddenly(calibration_rows):
    from analysis.cycling import failure_cycle

    runs = calibration_rows[2]
    hot = _summary(runs[("fc_bare_65mpa", "fc_bare_65mpa_cycling")])
    low = _summary(runs[("fc_bare_34mpa", "fc_bare_34mpa_cycling")])
    short = int(C.CELLS["fc_bare_65mpa"]["parameters"]["short_cycle"].resolved().magnitude)
    assert failure_cycle(hot)[0] == short == 11
    d_hot = hot["discharge_capacity"].data.to("mA*h").magnitude
    d_low = low["discharge_capacity"].data.to("mA*h").magnitude
    assert np.allclose(d_hot[:short - 1], d_low[:short - 1], rtol=0.005)  # the 34 MPa cell until the short
    assert np.all(d_hot[short - 1:] < 0.5 * d_hot[short - 2])  # sudden drop, not a fade
    for option, cycle in (("cycle_22", 22), ("cycle_31", 31)):
        ds = C.reconstruct("fc_bare_65mpa", {"fig_s14a_short_cycle": option})
        assert failure_cycle(_summary(ds))[0] == cycle


def test_fig_s14bc_interlayer_cell_at_5_mpa_keeps_its_capacity(calibration_rows):
    from analysis.cycling import failure_cycle, retention_at

    runs = calibration_rows[2]
    low = _summary(runs[("fc_il_5mpa", "fc_il_5mpa_cycling")])
    high = _summary(runs[("fc_il_65mpa", "fc_il_65mpa_cycling")])
    assert failure_cycle(low) is None
    r = retention_at(low["discharge_capacity"], 100, 2).to("percent").magnitude
    assert r == pytest.approx(94.6, abs=0.3)  # same fade law as at 65 MPa
    first = low["discharge_capacity"].data[0] / high["discharge_capacity"].data[0]
    assert 0.98 < first.to("").magnitude < 1.0  # a little more resistance
    v_low = _step_records_mean(runs[("fc_il_5mpa", "fc_il_5mpa_cycling")], "charge", 1)
    v_high = _step_records_mean(runs[("fc_il_65mpa", "fc_il_65mpa_cycling")], "charge", 1)
    assert v_low > v_high + 0.005  # higher charge voltage at 0.35 C


def _step_records_mean(ds, direction, which):
    return float(np.mean(metrics._step_records(ds, direction, which)[1].to("V").magnitude))


def test_fig_s13_discharge_strips_li_then_dealloys_li375si(calibration_rows):
    runs = calibration_rows[2]
    ds = runs[("fc_noli_sinp_cnt", "fc_noli_sinp_cnt_cycle1")]
    q, v = metrics._step_records(ds, "discharge", 0)
    q, v = q.magnitude, v.magnitude
    upper, lower = C.dealloying_region(ds)
    assert 3.35 < upper.magnitude < 3.45 and 3.15 < lower.magnitude < 3.25
    stripping = v[q < 0.5 * q.max()]
    assert stripping.min() > 3.6  # Li stripping: the cathode against 0 V
    assert v[-1] == pytest.approx(2.8, abs=2e-3)
    # the first charge alloys the Si (cell voltage ≈0.1 V below the Li-metal cell's) before Li plates
    qc, vc = metrics._step_records(ds, "charge", 0)
    foil = runs[("fc_il_65mpa", "fc_il_65mpa_cycling")]
    qf, vf = metrics._step_records(foil, "charge", 0)
    at = 0.3  # mAh/cm2, inside the Si lithiation
    gap = np.interp(at, qf.magnitude, vf.magnitude) - np.interp(at, qc.magnitude, vc.magnitude)
    assert 0.07 < gap < 0.13
    ice = _summary(ds)["coulombic_efficiency"].data[0].to("").magnitude
    assert ice < 0.92 - 0.2  # far below the Li-foil cell's 92.0 %: the lost Li has no reservoir behind it
    with pytest.raises(ValueError, match="de-alloying"):
        C.dealloying_region(foil)


def test_fig_4g_symmetric_cell_shows_no_alloying_plateau(calibration_rows):
    ds = calibration_rows[2][("sym_sinp_cnt", "sym_sinp_cnt_fig4g")]
    v = _v(ds, "voltage_volt", "V")
    assert np.abs(v).max() < 0.005  # Li | Li polarisation only: no ≈0.1 V Si-alloying plateau
    assert ds.attrs["electrode_area"].startswith("0.785")
    table = step_table(ds)
    assert list(table["direction"].values[:2]) == ["discharge", "charge"] and table.sizes["step"] == 10
    # had the Si not been lithiated by contact, the first plating would hold the alloying plateau
    bare = C.reconstruct("sym_sinp_cnt", {"si_initial_x": Q_(0.0, "")})
    _, vb = metrics._step_records(bare, "discharge", 0)
    assert 0.09 < np.median(vb.magnitude) < 0.12
    for option in ("0.13_mA_cm2", "0.3_mA_cm2"):
        other = C.reconstruct("sym_sinp_cnt", {"sym_current_density": option})
        vo = _v(other, "voltage_volt", "V")
        assert np.abs(v).max() < np.abs(vo).max() < 0.01


def test_new_cells_are_deterministic():
    for cell in ("sym_sinp_cnt", "fc_noli_sinp_cnt", "fc_bare_65mpa"):
        a, b = C.reconstruct(cell, {"seed": 3}), C.reconstruct(cell, {"seed": 3})
        for name in ("voltage_volt", "test_time_second", "step_net_capacity_ah"):
            assert np.array_equal(a[name].data.magnitude, b[name].data.magnitude), (cell, name)
        assert a.attrs == b.attrs


def test_rate_ladder_runs_and_calibration_reads_the_printed_rates(calibration_rows):
    runs = calibration_rows[2]
    printed = step_table(runs[("fc_il_rate", "fc_il_rate_test")])
    ladder = step_table(runs[("fc_il_rate", "fc_il_rate_test_ladder")])
    assert printed.sizes["step"] == 6 and ladder.sizes["step"] == 14
    rows = C.calibration(runs, choices={"rate_ladder": "conventional"},
                         ids=["rate_capability_2c", "rate_capability_5c_sec24"])
    for row in rows:  # 4 more cycles of fade before 2 C: within the printed 'about'
        assert abs((row["reconstructed"] - row["reported"]).to("percent").magnitude) < 0.5, row["id"]
    assert C.reconstruct("fc_il_rate", {"rate_ladder": "conventional"}).attrs["choices"].count("conventional") == 1


# ------------------------------------------------------------------------------------------------
# Choices: documented, and every alternative runs
# ------------------------------------------------------------------------------------------------


def test_choices_are_documented():
    reported = read_quantities("data/paper/reported_values.csv", resource="reported_values", key=("id",))
    owners = {}
    for cell, spec in C.CELLS.items():
        for protocol in spec["protocols"]:
            owners.setdefault(protocol, []).append(cell)
    assert all(len(cells) == 1 for cells in owners.values())  # a protocol id names one cell's run
    rows = C.choices_table()
    assert list(dict.fromkeys(r["name"] for r in rows)) == list(C.CHOICES)
    assert sum(r["is_default"] for r in rows) == len(C.CHOICES)
    fitted = {(r["name"], r["option"]): r for r in rows if r["fitted_values"]}
    assert set(fitted) == {("retention_reference_cycle", "cycle_1"), ("ce_average_cycles", "1-35"),
                           ("temperature_comparison_basis", "cycle_2"), ("low_temperature", "25_degC")}
    assert all("all targets reached" in r["targets_reachable"] for r in fitted.values())
    for name, choice in C.CHOICES.items():
        assert choice.kind in ("contradiction", "ambiguity", "not printed"), name
        assert choice.alternatives and choice.default not in choice.alternatives, name
        assert choice.argument.endswith(".") and choice.argument.count(". ") == 0, name  # one sentence
        assert choice.select and choice.question.endswith("?"), name
        assert all((ref,) in reported for ref in choice.reported + choice.rows), name
        assert bool(choice.parameters) or bool(choice.protocols), name
        for option in choice.options:
            if choice.parameters:
                assert option in choice.parameters, (name, option)
            if choice.protocols:
                for cell, protocol in choice.protocols[option].items():
                    assert owners[protocol] == [cell], (name, option)
        if choice.parameters:  # the default option sets nothing: it is the cells' own parameters
            assert all(not p for p in choice.parameters[choice.default].values()), name
    for name in ("fig3_first_plating", "first_voltage_dip_reading", "retention_reference_cycle", "ce_average_cycles",
                 "temperature_comparison_basis", "low_temperature", "si_loading", "rate_ladder"):
        assert name in C.CHOICES
    table = C.parameter_table("fc_il_20c")
    assert {r["name"]: r["value"] for r in table if r["group"] == "choice"}["low_temperature"] == "20_degC"
    with pytest.raises(KeyError, match="does not concern"):
        C.reconstruct("hc_sus", {"low_temperature": "25_degC"})
    with pytest.raises(KeyError, match="protocol id"):
        C.reconstruct("hc_sus", {"fig3_first_plating": "experimental_section"})
    with pytest.raises(ValueError, match="no option"):
        C.reconstruct("fc_il_20c", {"low_temperature": "30_degC"})


ALTERNATIVES = [(name, option) for name, choice in C.CHOICES.items() for option in choice.alternatives]


@pytest.mark.parametrize("name,option", ALTERNATIVES)
def test_every_alternative_runs(name, option):
    """Each alternative's runs (shortened where the protocol allows) run with other settings than the default's."""
    default = C.CHOICES[name].default
    for (cell, protocol, params), (_, default_protocol, default_params) in zip(C.choice_runs(name, option),
                                                                              C.choice_runs(name, default)):
        short = {}
        spec = C.CELLS[cell]["protocols"][protocol]
        if "steps" not in spec and "repeat_cycles" not in C.CHOICES[name].parameters.get(option, {}).get(cell, {}):
            short = {"repeat_cycles": 3}
        ds = C.reconstruct(cell, {**params, **short}, protocol=protocol)
        assert ds.sizes["record"] > 10 and ds.attrs["data_source"] == "reconstructed"
        if C.CHOICES[name].parameters.get(option, {}).get(cell) or protocol != default_protocol:
            ref = C.reconstruct(cell, {**default_params, **short}, protocol=default_protocol)
            settings = ("protocol_id", "model_parameters", "protocol_parameters")
            assert [ds.attrs[k] for k in settings] != [ref.attrs[k] for k in settings], (name, option, cell)
            if cell != "sym_sinp_cnt":  # the symmetric cell's Si is full either way: only its settings differ
                same = ds.sizes == ref.sizes and np.array_equal(_v(ds, "voltage_volt", "V"),
                                                                _v(ref, "voltage_volt", "V"))
                assert not same, (name, option, cell)
        if C.CHOICES[name].parameters:
            assert f'"{name}": "{option}"' in ds.attrs["choices"]


#: Alternatives whose reading the model is calibrated for, and the rows they must then give back.
RECALIBRATED = {
    ("retention_reference_cycle", "cycle_1"): ["retention_fc_il_100", "retention_fc_il_200"],
    ("ce_average_cycles", "1-35"): ["ce_average_hc_il", "ice_hc_il"],
    ("temperature_comparison_basis", "cycle_2"): ["capacity_ratio_20c_60c"],
    ("low_temperature", "25_degC"): ["capacity_ratio_20c_60c", "areal_capacity_fc_il_20c"],
    ("first_voltage_dip_reading", "dip_depth"): ["first_voltage_dip_hc_il", "first_voltage_dip_hc_sus"],
    ("fading_onset_criterion", "knee"): ["fading_onset_cycles_fc_bare"],
}


@pytest.mark.parametrize("name,option", [(n, o) for n, o in ALTERNATIVES if C.CHOICES[n].evaluated])
def test_calibration_runs_under_every_evaluated_alternative(calibration_rows, name, option):
    rows = C.calibration(calibration_rows[2], choices={name: option}, ids=C.CHOICES[name].rows)
    assert {r["id"] for r in rows} == set(C.CHOICES[name].rows)
    for ids in RECALIBRATED.get((name, option), []):
        (row,) = [r for r in rows if r["id"] == ids]
        assert row["ok"], (name, option, ids, f"{row['reconstructed']:~P}")
    if (name, option) == ("temperature_comparison_basis", "cycle_2"):  # the argument for the default
        (row,) = [r for r in rows if r["id"] == "areal_capacity_fc_il_20c"]
        assert not row["ok"]
