"""Batched Monte Carlo kernel: batching independence, agreement with the scalar path and the Python twin."""
import math

import numpy as np

from lunapole.descent.batch import FAILURE_NAMES, BatchDispersions, Environment, simulate_batch, _vehicle_args
from lunapole.descent.plan import DescentPlan, Phase, chandrayaan3_like_start, default_lunar_plan
from lunapole.descent.reference import reference_kernel
from lunapole.descent.simulate import DescentErrors, errors_to_dispersions, simulate_descent
from lunapole.descent.vehicle import default_lunar_lander
from lunapole.kernels import descent as kd

FLAT_PLAN = DescentPlan((
    Phase("approach", "polynomial", exit_tgo_s=2.0, exit_altitude_m=120.0, target_position_m=(0.0, 0.0, 100.0),
          target_velocity_m_s=(0.0, 0.0, -2.0), target_acceleration_m_s2=(math.nan, 0.0, 0.0)),
    Phase("terminal", "terminal", max_tilt_deg=15.0, duration_s=2.0),
))


def _dispersed(n, veh, seed=1):
    rng = np.random.default_rng(seed)
    d = BatchDispersions.nominal(n, veh, (-2500.0, 0.0, 1500.0), (60.0, 0.0, -25.0))
    d.r0_m += rng.normal(0, [100, 100, 50], (n, 3))
    d.v0_m_s += rng.normal(0, 2.0, (n, 3))
    d.mass_kg[:] = 1100.0 + rng.normal(0, 10, n)
    d.thrust_scale[:] = 1 + rng.normal(0, 0.02, n)
    d.isp_s *= 1 + rng.normal(0, 0.01, n)
    d.misalign_rad[:] = rng.normal(0, 0.005, (n, 2))
    d.nav_pos_bias_m[:] = rng.normal(0, 5, (n, 3))
    d.nav_vel_bias_m_s[:] = rng.normal(0, 0.05, (n, 3))
    d.nav_alt_bias_m[:] = rng.normal(0, 1, n)
    d.nav_pos_sigma_m[:] = 2.0
    d.nav_vel_sigma_m_s[:] = 0.05
    d.nav_alt_sigma_m[:] = 0.5
    d.engine_out_time_s[:] = np.where(rng.random(n) < 0.2, rng.uniform(0, 60, n), np.inf)
    d.seed[:] = np.arange(100, 100 + n, dtype=np.uint64)
    return d


def _as_matrix(res):
    return np.column_stack([res.east_m, res.north_m, res.vertical_speed_m_s, res.horizontal_speed_m_s,
                            res.tilt_deg, res.propellant_used_kg, res.time_s, res.failure_code])


def test_sample_results_do_not_depend_on_batch_or_threads():
    veh = default_lunar_lander()
    d = _dispersed(24, veh)
    env = dict(flat_gravity_m_s2=1.62)
    full = _as_matrix(simulate_batch(veh, FLAT_PLAN, d, **env, threads=2))
    one = _as_matrix(simulate_batch(veh, FLAT_PLAN, d, **env, threads=1))
    idx = np.array([17, 3, 9])
    part = _as_matrix(simulate_batch(veh, FLAT_PLAN, d.subset(idx), **env, threads=2))
    assert np.array_equal(full, one)  # bit-identical
    assert np.array_equal(full[idx], part)
    # a mix of outcomes, all named
    res = simulate_batch(veh, FLAT_PLAN, d, **env)
    assert res.success.any()
    assert set(res.failure_reason) <= set(FAILURE_NAMES)


def test_scalar_path_equals_batch_row():
    veh = default_lunar_lander()
    err = DescentErrors(thrust_scale=0.98, misalign_rad=(0.003, -0.002), nav_pos_bias_m=(3.0, -2.0, 1.0),
                        nav_pos_sigma_m=2.0, nav_vel_sigma_m_s=0.05, nav_alt_sigma_m=0.5, engine_out_time_s=40.0,
                        seed=7)
    r0, v0 = (-2500.0, 300.0, 1500.0), (60.0, -5.0, -25.0)
    one = simulate_descent(veh, FLAT_PLAN, r0, v0, mass_kg=1100.0, errors=err,
                           environment=Environment(flat_gravity_m_s2=1.62))
    d = errors_to_dispersions(veh, err, r0, v0, 1100.0)
    b = simulate_batch(veh, FLAT_PLAN, d, flat_gravity_m_s2=1.62)
    # same source, compiled in two contexts (FMA contraction may differ): equal to round-off
    assert abs(one.east_m - b.east_m[0]) < 1e-6 and abs(one.vertical_speed_m_s - b.vertical_speed_m_s[0]) < 1e-6
    assert one.failure_reason == b.failure_reason[0]


def test_compiled_kernel_matches_pure_python_twin():
    """Same source run by numba and by CPython (lunapole.descent.reference): agreement to round-off."""
    veh = default_lunar_lander()
    ref = reference_kernel()
    tmin, tmax, n_eng, limits = _vehicle_args(veh)
    x0 = np.array([-2500.0, 300.0, 1500.0, 60.0, -5.0, -25.0, 1100.0])
    args = (x0, FLAT_PLAN.table(), veh.dry_mass_kg, veh.effective_isp_s, 305.0, 0.98, tmin, tmax, n_eng, 30.0, 0.003,
            -0.002, np.array([3.0, -2.0, 1.0]), np.array([0.01, 0.0, -0.02]), 0.5, 2.0, 0.05, 0.5, np.uint64(11),
            4.9e12, 1737.4e3, 1.62, 0.0, 0.0, 0.0, 0.1, 1, 400.0, math.radians(10.0), limits)
    out_c = np.zeros(kd.NOUT)
    out_p = np.zeros(kd.NOUT)
    gpack = Environment().gravity_pack()
    kd.simulate_one(*args, out_c, np.zeros((0, 10)), *gpack)
    ref.simulate_one(*args, out_p, np.zeros((0, 10)), *gpack)
    assert out_c[kd.O_CODE] == out_p[kd.O_CODE]
    assert np.max(np.abs(out_c - out_p)) < 1e-6  # m, m/s, kg (fastmath off: differences are libm round-off)


def test_sphere_batch_with_rotation_lands_nominal():
    veh = default_lunar_lander()
    r0, v0 = chandrayaan3_like_start()
    d = BatchDispersions.nominal(2, veh, r0, v0)
    d.thrust_scale[1] = 0.7
    res = simulate_batch(veh, default_lunar_plan(), d, target_lat_deg=-69.37)
    assert res.success[0] and not res.success[1]
    assert res.failure_reason[1] != "none"
