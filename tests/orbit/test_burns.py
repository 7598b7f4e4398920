"""Burns: Tsiolkovsky delta-v and propellant bookkeeping, cut-off logic, impulsive burn axes.

References: the rocket equation dv = Isp g0 ln(m0/m1) and m1 = m0 - F t / (Isp g0) (closed form),
evaluated in near-free space (point-mass Moon with a negligible GM) where the velocity change is the
thrust integral alone; geometric definitions of the VNB/RTN axes.
"""
import math

import numpy as np
import pytest

from lunapole.astro.constants import G0_M_S2
from lunapole.errors import ScenarioError
from lunapole.orbit import FiniteBurn, ForceModel, State, apply_impulsive_burn, keplerian_to_state, propagate

FREE_SPACE = ForceModel(None, third_bodies=(), central_gm=1.0)  # GM = 1 m^3/s^2: gravity ~ 1e-13 m/s^2
ST = State(0.0, [1.0e8, 0.0, 0.0], [0.0, 1.0, 0.0], 1800.0)


@pytest.mark.parametrize("direction", ["along_velocity", "inertial"])
def test_constant_thrust_matches_tsiolkovsky(direction):
    burn = FiniteBurn(thrust_n=5000.0, isp_s=320.0, direction=direction, direction_j2000=(0.0, 1.0, 0.0),
                      duration_s=120.0)
    traj = propagate(ST, FREE_SPACE, burn=burn, rtol=1e-12, atol_m=1e-6, stop_on=(), record=())
    mdot = 5000.0 / (320.0 * G0_M_S2)
    m1 = 1800.0 - mdot * 120.0
    assert traj.outcome == "burn_complete" and traj.burn_end_reason == "duration"
    assert abs(traj.final_state.mass_kg - m1) < 1e-6  # kg, m1 = m0 - F t / (Isp g0)
    dv = np.linalg.norm(traj.final_state.v_m_s - ST.v_m_s)
    assert abs(dv - 320.0 * G0_M_S2 * math.log(1800.0 / m1)) < 1e-6  # m/s, Tsiolkovsky
    assert abs(traj.final_state.epoch_tdb_s - 120.0) < 1e-9


def test_delta_v_target_and_backup_timer():
    # cut-off on achieved delta-v (ideal accelerometer): Tsiolkovsky inverted for the burn time
    burn = FiniteBurn(thrust_n=400.0, isp_s=300.0, target_dv_m_s=25.0, max_duration_s=1e4)
    traj = propagate(ST, FREE_SPACE, burn=burn, rtol=1e-12, atol_m=1e-6, stop_on=(), record=())
    assert traj.burn_end_reason == "target_dv"
    assert abs(np.linalg.norm(traj.final_state.v_m_s - ST.v_m_s) - 25.0) < 1e-6  # m/s
    # Luna-25-like: the delta-v cut-off is missing and the backup timer ends the burn (127 s instead of 84 s)
    timer = FiniteBurn(thrust_n=400.0, isp_s=300.0, max_duration_s=127.0)
    traj = propagate(ST, FREE_SPACE, burn=timer, stop_on=(), record=())
    assert traj.burn_end_reason == "max_duration"
    assert abs(traj.final_state.epoch_tdb_s - 127.0) < 1e-9
    # propellant exhaustion first
    dry = FiniteBurn(thrust_n=400.0, isp_s=300.0, duration_s=1e5, propellant_kg=10.0)
    traj = propagate(ST, FREE_SPACE, burn=dry, stop_on=(), record=())
    assert traj.outcome == "propellant_exhausted"
    assert abs(traj.final_state.mass_kg - 1790.0) < 1e-6  # kg


def test_burn_then_coast_records_burn_end():
    burn = FiniteBurn(thrust_n=400.0, isp_s=300.0, duration_s=50.0, thrust_scale=0.9)
    traj = propagate(ST, FREE_SPACE, burn=burn, duration_s=200.0, stop_on=(), record=())
    assert traj.outcome == "completed"
    (end,) = traj.events_of("burn_end")
    assert abs(end.epoch_tdb_s - 50.0) < 1e-9
    m1 = 1800.0 - 0.9 * 400.0 / (300.0 * G0_M_S2) * 50.0
    assert abs(traj.final_state.mass_kg - m1) < 1e-6  # scaled thrust, same Isp
    mid = traj.sample([25.0, 150.0])
    assert mid[0, 6] > m1 and abs(mid[1, 6] - m1) < 1e-9


def test_impulsive_burn_axes_and_mass():
    st = keplerian_to_state(1.9e6, 0.1, 45.0, 10.0, 20.0, 70.0, mass_kg=1000.0)
    v_hat = st.v_m_s / st.speed_m_s
    h_hat = np.cross(st.r_m, st.v_m_s) / np.linalg.norm(np.cross(st.r_m, st.v_m_s))
    out = apply_impulsive_burn(st, [-30.0, 0.0, 0.0], axes="VNB", isp_s=315.0)
    assert np.linalg.norm(out.v_m_s - (st.v_m_s - 30.0 * v_hat)) < 1e-9
    assert abs(out.mass_kg - 1000.0 * math.exp(-30.0 / (315.0 * G0_M_S2))) < 1e-9  # rocket equation
    out = apply_impulsive_burn(st, [0.0, 0.0, 5.0], axes="RTN")
    assert np.linalg.norm(out.v_m_s - (st.v_m_s + 5.0 * h_hat)) < 1e-9
    out = apply_impulsive_burn(st, [1.0, 0.0, 0.0], axes="RTN")
    assert np.linalg.norm(out.v_m_s - (st.v_m_s + st.r_m / st.radius_m)) < 1e-9
    with pytest.raises(ScenarioError, match="axes"):
        apply_impulsive_burn(st, [1.0, 0.0, 0.0], axes="LVLH")


def test_bad_burn_inputs_are_user_errors():
    with pytest.raises(ScenarioError, match="at least one"):
        FiniteBurn(thrust_n=1.0, isp_s=300.0)
    with pytest.raises(ScenarioError, match="direction_j2000"):
        FiniteBurn(thrust_n=1.0, isp_s=300.0, direction="inertial", duration_s=1.0)
