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

from analysis.cycling import cycle_summary, step_table
from analysis.io import detect_format, read_cycler
from analysis.io.bdf import write_bdf_csv
from analysis.io.btsda_writer import write_btsda_csv
from analysis.reconstruct import cells as C
from analysis.reconstruct import physics as P
from analysis.reconstruct.models import FullCell, NucleationDip, PlatingHalfCell
from analysis.reconstruct.protocol import Step, steps_from_paper, with_time_limit
from analysis.reconstruct.simulate import SimulationError, simulate
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
    base = {k: p.resolved() for k, p in C.CELLS["fc_il_65mpa"]["parameters"].items()}
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
                p.resolved()  # every FromPaper id exists
        for protocol in spec["protocols"]:
            assert C.parameter_table(cell, protocol)


def test_reconstruct_overrides_and_labels():
    ds = C.reconstruct("fc_il_65mpa", {"repeat_cycles": 3, "seed": 7})
    assert ds.attrs["data_source"] == "reconstructed" and ds.attrs["cell_id"] == "fc_il_65mpa"
    assert list(np.unique(ds["cycle_count"].data.magnitude)) == [1, 2, 3]
    with pytest.raises(KeyError):
        C.reconstruct("fc_il_65mpa", {"no_such_parameter": 1})
    with pytest.raises(KeyError):
        C.reconstruct("sym_sinp_cnt")


@pytest.fixture(scope="module")
def calibration_rows():
    runs = {}
    timing = {}
    for cell, spec in C.CELLS.items():
        for protocol in spec["protocols"]:
            started = time.perf_counter()
            runs[(cell, protocol)] = C.reconstruct(cell, protocol=protocol)
            timing[(cell, protocol)] = time.perf_counter() - started
    return C.calibration(runs), timing


def test_a_200_cycle_full_cell_takes_less_than_two_seconds(calibration_rows):
    _, timing = calibration_rows
    assert timing[("fc_il_65mpa", "fc_il_65mpa_cycling")] < 2.0


CALIBRATED = ["nucleation_overpotential_hc_il", "nucleation_overpotential_hc_sus", "voltage_dip_count_hc_il",
              "first_voltage_dip_hc_il", "first_voltage_dip_hc_sus", "ice_hc_il", "ice_hc_sus",
              "si_lithiation_areal_capacity", "ce_average_hc_il", "specific_capacity_fc_il_cycle1",
              "specific_capacity_fc_bare_cycle1", "ice_fc_il", "ice_fc_bare", "retention_fc_il_100",
              "retention_fc_il_200", "ce_fc_il_late", "rate_capability_2c", "rate_capability_5c_sec24",
              "capacity_ratio_20c_60c", "areal_capacity_fc_il_20c", "retention_fc_il_20c_49",
              "short_circuit_cycles_fc_il_5to65", "fading_onset_cycles_fc_bare"]


@pytest.mark.parametrize("ids", CALIBRATED)
def test_calibration_gives_back_the_reported_numbers(calibration_rows, ids):
    rows, _ = calibration_rows
    (row,) = [r for r in rows if r["id"] == ids]
    assert row["ok"], (f"{ids}: reported {row['reported']:~P}, reconstructed {row['reconstructed']:~P}, "
                       f"tolerance {row['tolerance']:~P} ({row['why']})")


def test_interlayer_dips_delithiation_and_li375si_without_short(calibration_rows):
    from analysis.cycling import failure_cycle
    from analysis.overpotential import nucleation_dips

    # Figures S8/S9: only the first dip by 0.05 mAh/cm2, both by 0.1 mAh/cm2
    for protocol, count in (("hc_li375si_cnt_s8", 1), ("hc_li375si_cnt_s9", 2)):
        x, v = C.first_plating(C.reconstruct("hc_li375si_cnt", protocol=protocol))
        assert len(nucleation_dips(x, v, **C.NUCLEATION_WINDOWS["hc_li375si_cnt"])) == count, protocol
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
