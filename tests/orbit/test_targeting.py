"""Differential correction.

References: closed-form roots (the solver must find them); for burn targeting, the osculating
periapsis computed independently from the final state, and the Hohmann-type closed form for the
impulsive limit (a short retro burn at apoapsis lowers periapsis by dv ~ (v_a - v_a') ).
"""
import math

import pytest

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.errors import InfeasibleError
from lunapole.orbit import (
    FiniteBurn,
    ForceModel,
    elements_from_state,
    keplerian_to_state,
    solve,
    target_burn_for_orbit,
)


def test_solve_finds_known_root_with_bounds():
    sol = solve(lambda x: [x[0] ** 2 - 2.0, x[0] * x[1] - 3.0], [1.0, 1.0], scale=[1.0, 1.0], tol=1e-12,
                bounds=([0.0, 0.0], [10.0, 10.0]))
    assert sol.converged
    assert abs(sol.x[0] - math.sqrt(2.0)) < 1e-10 and abs(sol.x[1] - 3.0 / math.sqrt(2.0)) < 1e-10


def test_solve_raises_infeasible_naming_the_residual():
    with pytest.raises(InfeasibleError, match="periapsis_alt_km"):
        solve(lambda x: [x[0] ** 2 + 1.0], [0.5], tol=1e-6, residual_names=["periapsis_alt_km"], max_iter=5)


def test_retro_burn_targets_periapsis():
    fm = ForceModel(None, third_bodies=())
    r_a = MOON_MEAN_RADIUS_M + 100e3
    st = keplerian_to_state(r_a, 0.0, 90.0, 0.0, 0.0, 180.0, epoch_tdb_s=0.0, mass_kg=1800.0)
    template = FiniteBurn(thrust_n=2000.0, isp_s=315.0, direction="against_velocity", target_dv_m_s=10.0)
    burn, sol, traj = target_burn_for_orbit(st, fm, template, {"periapsis_alt_km": 18.0})
    el = elements_from_state(traj.final_state, MOON_GM_M3_S2)
    assert abs((el.periapsis_radius_m() - MOON_MEAN_RADIUS_M) / 1e3 - 18.0) < 0.01  # km target met
    # impulsive limit (vis-viva): 100 km circular -> 100 x 18 km orbit
    r_p = MOON_MEAN_RADIUS_M + 18e3
    dv_imp = math.sqrt(MOON_GM_M3_S2 / r_a) - math.sqrt(2 * MOON_GM_M3_S2 * r_p / (r_a * (r_a + r_p)))
    assert abs(burn.target_dv_m_s - dv_imp) < 0.05 * dv_imp  # finite burn ~ impulsive (short burn)


def test_two_targets_vary_dv_and_pitch():
    fm = ForceModel(None, third_bodies=())
    st = keplerian_to_state(MOON_MEAN_RADIUS_M + 100e3, 0.0, 90.0, 0.0, 0.0, 180.0, epoch_tdb_s=0.0, mass_kg=1800.0)
    template = FiniteBurn(thrust_n=2000.0, isp_s=315.0, direction="against_velocity", target_dv_m_s=10.0)
    burn, sol, traj = target_burn_for_orbit(st, fm, template, {"periapsis_alt_km": 18.0, "apoapsis_alt_km": 100.0})
    el = elements_from_state(traj.final_state, MOON_GM_M3_S2)
    assert abs((el.periapsis_radius_m() - MOON_MEAN_RADIUS_M) / 1e3 - 18.0) < 0.01  # km, osculating elements
    assert abs((el.apoapsis_radius_m() - MOON_MEAN_RADIUS_M) / 1e3 - 100.0) < 0.01  # km
    assert burn.direction == "inertial" and sol.converged
