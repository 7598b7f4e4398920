"""Vehicle model, rocket-equation bookkeeping, frames."""
import math

import numpy as np
import pytest

from lunapole.astro.constants import G0_M_S2, MOON_MEAN_RADIUS_M
from lunapole.descent.batch import Environment
from lunapole.descent.plan import DescentPlan, Phase
from lunapole.descent.simulate import simulate_descent
from lunapole.descent.vehicle import Vehicle, default_lunar_lander
from lunapole.errors import ScenarioError


def test_default_lander_matches_published_numbers():
    # shared/facts/missions.md, Chandrayaan-3: 1752 kg, 4 x 800 N, limits 2 m/s, 0.5 m/s, 12 deg slope
    v = default_lunar_lander()
    assert v.wet_mass_kg == pytest.approx(1752.0, abs=1e-9)
    assert v.engine_count == 4 and v.max_thrust_n == pytest.approx(3200.0)
    assert (v.limits.vertical_speed_m_s, v.limits.horizontal_speed_m_s, v.limits.slope_deg) == (2.0, 0.5, 12.0)


def test_from_spacecraft_table():
    table = {"mass_kg": 1905.0, "dry_mass_kg": 1505.0,
             "engines": [{"name": "m", "thrust_n": 3100.0, "isp_s": 225.0, "count": 6, "throttle_min": 0.3,
                          "throttle_max": 0.8, "cant_deg": 27.0}],
             "limits": {"vertical_speed_m_s": 1.5, "horizontal_speed_m_s": 0.4, "tilt_deg": 8.0, "slope_deg": 10.0},
             "max_tilt_rate_deg_s": 20.0}
    v = Vehicle.from_spacecraft(table)
    assert v.propellant_kg == pytest.approx(400.0)
    # Açıkmeşe & Ploen (2007) Mars example: rho2 = 0.8 * 6 * 3100 * cos 27 deg = 13258 N (published 13260)
    assert abs(v.max_thrust_n - 13260.0) < 2.0
    assert abs(v.min_thrust_n - 4972.0) < 1.0
    assert v.limits.tilt_deg == 8.0 and v.max_tilt_rate_deg_s == 20.0
    with pytest.raises(ScenarioError, match="dry_mass_kg"):
        Vehicle.from_spacecraft({"mass_kg": 1000.0, "engines": table["engines"]})


def test_rocket_equation_constant_thrust_burn():
    """Constant-thrust burn in (near) free space: dm = T t / (Isp g0) and dv = Isp g0 ln(m0/m1)."""
    veh = default_lunar_lander()
    plan = DescentPlan((Phase("burn", "attitude_hold", throttle=1.0, duration_s=1e9), Phase("td", "terminal")))
    env = Environment(flat_gravity_m_s2=1e-12)
    # initial velocity -x so the thrust (held against the velocity) points +x
    res = simulate_descent(veh, plan, (0.0, 0.0, 1e7), (-1.0, 0.0, 0.0), environment=env, max_time_s=300.0)
    assert res.failure_reason == "no_touchdown"
    t = res.t_s[-1]
    ve = veh.isp_s * G0_M_S2
    m1 = veh.wet_mass_kg - veh.max_thrust_n * t / ve
    assert abs(res.mass_kg[-1] - m1) < 1e-6  # kg, closed form
    dv = res.v_m_s[-1, 0] - res.v_m_s[0, 0]
    assert abs(dv - ve * math.log(veh.wet_mass_kg / m1)) < 1e-6  # m/s, Tsiolkovsky


def test_propellant_exhaustion_ends_powered_flight():
    veh = default_lunar_lander().with_changes(propellant_kg=20.0)
    plan = DescentPlan((Phase("burn", "attitude_hold", throttle=1.0, duration_s=1e9), Phase("td", "terminal")))
    res = simulate_descent(veh, plan, (0.0, 0.0, 1e6), (-1.0, 0.0, 0.0), environment=Environment(flat_gravity_m_s2=1e-12),
                           max_time_s=100.0)
    assert abs(res.propellant_used_kg - 20.0) < 1e-9  # exactly the load, never more
    t_burn = 20.0 * veh.isp_s * G0_M_S2 / veh.max_thrust_n
    i = np.searchsorted(res.t_s, t_burn + 1.0)
    assert np.ptp(res.v_m_s[i:, 0]) < 1e-9  # no thrust after exhaustion
    assert res.failure_reason == "propellant_exhausted"


def test_target_frame_round_trip_and_surface_point_at_rest():
    from lunapole.descent.frames import state_to_target_enu, target_enu_to_state

    et = 746000000.0
    r_enu = np.array([1200.0, -300.0, 2500.0])
    v_enu = np.array([-40.0, 5.0, -20.0])
    r_j, v_j = target_enu_to_state(et, r_enu, v_enu, -69.37, 32.35)
    r2, v2 = state_to_target_enu(et, r_j, v_j, -69.37, 32.35)
    assert np.max(np.abs(r2 - r_enu)) < 1e-6 and np.max(np.abs(v2 - v_enu)) < 1e-9
    # a point at rest on the surface moves in J2000 at omega x r (IAU rate 13.176 deg/day: ~4.6 m/s at the equator,
    # ~1.6 m/s at 69.4 S); SPICE sxform carries it
    r_j, v_j = target_enu_to_state(et, np.zeros(3), np.zeros(3), -69.37, 32.35)
    expected = 2 * math.pi / (27.321661 * 86400) * MOON_MEAN_RADIUS_M * math.cos(math.radians(69.37))
    assert abs(np.linalg.norm(v_j) - expected) < 0.02  # m/s (libration/pole motion ~1 %)


def test_spherical_harmonic_truth_model_plumbing(shared_data):
    """derivs_sh() with a field pack = lunapole.gravity.acceleration_m_s2 in MOON_PA, rotated to TARGET_ENU by
    astro.frames (ME -> PA, then the ENU rows)."""
    from lunapole.astro import frames
    from lunapole.gravity import acceleration_m_s2, load_field
    from lunapole.kernels import descent as kd

    field = load_field("GRGM1200A", degree=8)
    lat, lon = -69.37, 32.35
    env = Environment(target_lat_deg=lat, target_lon_deg=lon, field=field)
    gp_f, gp_i, tables, col_start = env.gravity_pack()
    x = np.array([-20e3, 5e3, 8e3, 0.0, 0.0, 0.0, 1000.0])
    out = np.zeros(7)
    kd.derivs_sh(x, np.zeros(3), 0.0, MOON_MEAN_RADIUS_M, 0.0, 0.0, 0.0, out, gp_f, gp_i, tables, col_start,
                 np.empty((6, 10)), np.empty(3))
    enu = frames.enu_matrix(lat, lon)
    p_me = enu.T @ (x[:3] + [0.0, 0.0, MOON_MEAN_RADIUS_M])
    r_pa = np.asarray(frames.rotation("MOON_ME", "MOON_PA", 0.0)) @ p_me
    a_pa = acceleration_m_s2(field, r_pa)
    a_enu = enu @ (np.asarray(frames.rotation("MOON_PA", "MOON_ME", 0.0)) @ a_pa)
    assert np.max(np.abs(out[3:6] - a_enu)) < 1e-12  # m/s^2
    # and the field differs from central gravity by the expected ~1e-4 relative (J2, mascons)
    central = -4.9028e12 * (p_me / np.linalg.norm(p_me) ** 3)
    assert 1e-6 < np.linalg.norm(out[3:6] - enu @ central) / np.linalg.norm(central) < 1e-2
