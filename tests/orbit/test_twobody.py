"""DOP853 propagation under a point-mass Moon vs the analytic two-body solution.

References: universal-variable Kepler propagation (Vallado alg. 8, tested against Kepler's equation in
test_elements.py); conservation of energy and angular momentum; scipy's DOP853 (same tableau and
step control, the integrator's pure-Python twin).
"""
import numpy as np
from scipy.integrate import solve_ivp

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.orbit import ForceModel, kepler_propagate, keplerian_to_state, propagate

MU = MOON_GM_M3_S2
POINT_MASS = ForceModel(None, third_bodies=())
A_M = MOON_MEAN_RADIUS_M + 0.2e6  # 200 km mean altitude
E = 0.05                          # periapsis 108 km, apoapsis 292 km
ET0 = 7.6e8


def _state():
    return keplerian_to_state(A_M, E, 60.0, 30.0, 40.0, 10.0, epoch_tdb_s=ET0)


def test_ten_orbits_millimetre_agreement_with_kepler():
    st = _state()
    period = 2 * np.pi * np.sqrt(A_M**3 / MU)
    traj = propagate(st, POINT_MASS, duration_s=10 * period, rtol=1e-13, atol_m=1e-7, record=())
    r, v = kepler_propagate(st.r_m, st.v_m_s, 10 * period)
    assert traj.outcome == "completed"
    assert np.linalg.norm(traj.final_state.r_m - r) < 2e-3  # m over 10 orbits, analytic two-body
    assert np.linalg.norm(traj.final_state.v_m_s - v) < 2e-6  # m/s
    # dense output between steps, same reference
    times = np.linspace(ET0, ET0 + 10 * period, 301)
    ys = traj.sample(times)
    err = max(np.linalg.norm(y[:3] - kepler_propagate(st.r_m, st.v_m_s, t - ET0)[0]) for t, y in zip(times, ys))
    assert err < 3e-3  # m, 7th-order interpolant
    # conservation: specific energy and angular momentum along all steps
    r_all, v_all = traj.y[:, :3], traj.y[:, 3:6]
    energy = 0.5 * np.sum(v_all**2, axis=1) - MU / np.linalg.norm(r_all, axis=1)
    h = np.cross(r_all, v_all)
    assert np.max(np.abs(energy / energy[0] - 1)) < 1e-11  # relative
    assert np.max(np.linalg.norm(h - h[0], axis=1)) / np.linalg.norm(h[0]) < 1e-11


def test_default_tolerances_give_metre_level_over_a_day():
    st = _state()
    traj = propagate(st, POINT_MASS, duration_s=86400.0)
    r, _ = kepler_propagate(st.r_m, st.v_m_s, 86400.0)
    assert np.linalg.norm(traj.final_state.r_m - r) < 0.5  # m, defaults rtol=1e-11, atol=1e-4 m


def test_matches_scipy_dop853_twin():
    st = _state()

    def f(t, y):
        r = y[:3]
        return np.concatenate([y[3:], -MU * r / np.linalg.norm(r) ** 3])

    ref = solve_ivp(f, (0.0, 20000.0), st.y[:6], method="DOP853", rtol=1e-10, atol=1e-6)
    traj = propagate(st, POINT_MASS, duration_s=20000.0, rtol=1e-10, atol_m=1e-6 / 1e-3 * 1e-3, record=())
    # same tableau and controller; position tolerance differs only on velocity components -> same accuracy
    r_exact, _ = kepler_propagate(st.r_m, st.v_m_s, 20000.0)
    err_ours = np.linalg.norm(traj.final_state.r_m - r_exact)
    err_scipy = np.linalg.norm(ref.y[:3, -1] - r_exact)
    assert err_ours < 10 * err_scipy + 1e-3  # m: same order of accuracy as scipy's DOP853


def test_backward_propagation_returns_to_start():
    st = _state()
    fwd = propagate(st, POINT_MASS, duration_s=5000.0, rtol=1e-13, atol_m=1e-7, record=())
    back = propagate(fwd.final_state, POINT_MASS, duration_s=-5000.0, rtol=1e-13, atol_m=1e-7, record=())
    assert abs(back.final_state.epoch_tdb_s - ET0) < 1e-9
    assert np.linalg.norm(back.final_state.r_m - st.r_m) < 1e-3  # m


def test_zero_duration_is_the_initial_state():
    st = _state()
    traj = propagate(st, POINT_MASS, duration_s=0.0)
    assert traj.outcome == "completed" and traj.n_steps == 0
    assert np.array_equal(traj.sample([ET0])[0], st.y)
