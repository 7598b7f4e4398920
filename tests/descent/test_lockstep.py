"""Lockstep kernel (samples side by side through the same vector instructions) against the scalar kernel.

The scalar kernel (``lunapole.kernels.descent.simulate_batch_kernel``, plain branches, one sample at a time) is the
reference: it is itself checked against its pure-Python twin, closed forms and published cases elsewhere. Here every
phase kind (gravity turn, attitude hold, polynomial, terminal), engine-out, misalignment, navigation noise, running
dry and the time limit go through both kernels.
"""
import math

import numpy as np
from lunapole.descent import batch
from lunapole.descent.batch import BatchDispersions, simulate_batch
from lunapole.descent.plan import DescentPlan, Phase, chandrayaan3_like_start, default_lunar_plan
from lunapole.descent.vehicle import default_lunar_lander
from lunapole.kernels import descent as kd
from lunapole.kernels import descent_lockstep as kl

ALL_KINDS = DescentPlan((
    Phase("braking", "gravity_turn", throttle=0.9, exit_altitude_m=2200.0),
    Phase("hold", "attitude_hold", duration_s=3.0, throttle=0.7),
    Phase("approach", "polynomial", exit_tgo_s=2.0, exit_altitude_m=120.0, target_position_m=(0.0, 0.0, 100.0),
          target_velocity_m_s=(0.0, 0.0, -2.0), target_acceleration_m_s2=(math.nan, 0.0, 0.0)),
    Phase("terminal", "terminal", max_tilt_deg=15.0, duration_s=2.0),
))
COLS = ("east_m", "north_m", "vertical_speed_m_s", "horizontal_speed_m_s", "tilt_deg", "propellant_used_kg", "time_s")


def _dispersed(n, veh, seed=3):
    rng = np.random.default_rng(seed)
    d = BatchDispersions.nominal(n, veh, (-3500.0, 0.0, 2500.0), (90.0, 0.0, -20.0))
    d.r0_m += rng.normal(0, [100, 100, 50], (n, 3))
    d.v0_m_s += rng.normal(0, 2.0, (n, 3))
    d.mass_kg[:] = 1100.0 + rng.normal(0, 10, n)
    d.mass_kg[::7] = veh.dry_mass_kg + 15.0  # some run dry
    d.thrust_scale[:] = 1 + rng.normal(0, 0.03, n)
    d.misalign_rad[:] = rng.normal(0, 0.005, (n, 2))
    d.misalign_rad[::5] = 0.0
    d.nav_pos_bias_m[:] = rng.normal(0, 5, (n, 3))
    d.nav_vel_bias_m_s[:] = rng.normal(0, 0.05, (n, 3))
    d.nav_alt_bias_m[:] = rng.normal(0, 1, n)
    d.nav_pos_sigma_m[:] = 2.0
    d.nav_vel_sigma_m_s[:] = 0.05
    d.nav_alt_sigma_m[:] = 0.5
    d.nav_pos_sigma_m[::4] = 0.0  # some without noise
    d.engine_out_time_s[:] = np.where(rng.random(n) < 0.2, rng.uniform(0, 60, n), np.inf)
    d.seed[:] = np.arange(7, 7 + n, dtype=np.uint64)
    return d


def _matrix(res):
    return np.column_stack([getattr(res, c) for c in COLS])


def _both(monkeypatch, *args, **kw):
    """(lockstep result, scalar result) of the same simulate_batch call."""
    lock = simulate_batch(*args, **kw)
    with monkeypatch.context() as m:
        m.setattr(batch, "kernel_for_args", lambda a: kd.simulate_batch_kernel)
        ref = simulate_batch(*args, **kw)
    return lock, ref


def _assert_close(lock, ref):
    assert np.array_equal(lock.failure_code, ref.failure_code)
    assert np.array_equal(lock.final_phase, ref.final_phase)
    a, b = _matrix(lock), _matrix(ref)
    err = np.abs(a - b) / np.maximum(np.abs(b), 1.0)
    # m, m/s, deg, kg, s: round-off (FMA contraction differs) amplified by the closed loop stays far below 1e-6
    assert err.max() < 1e-6, (COLS[int(np.argmax(err.max(axis=0)))], err.max())


def test_every_phase_kind_and_failure_matches_scalar_kernel(monkeypatch):
    veh = default_lunar_lander()
    d = _dispersed(45, veh)  # a full block and a padded one
    lock, ref = _both(monkeypatch, veh, ALL_KINDS, d, flat_gravity_m_s2=1.62)
    _assert_close(lock, ref)
    names = set(lock.failure_reason)
    assert "none" in names and "propellant_exhausted" in names and len(names) >= 3, names  # outcomes exercised
    assert set(lock.final_phase) >= {3}


def test_time_limit_and_sphere_with_rotation_match_scalar_kernel(monkeypatch):
    veh = default_lunar_lander()
    r0, v0 = chandrayaan3_like_start()
    rng = np.random.default_rng(11)
    n = 20
    d = BatchDispersions.nominal(n, veh, r0, v0)
    d.r0_m += rng.normal(0, 200.0, (n, 3))
    d.nav_pos_sigma_m[:] = 5.0
    d.nav_vel_sigma_m_s[:] = 0.1
    d.thrust_scale[:5] = 0.7
    d.misalign_rad[:] = rng.normal(0, 0.003, (n, 2))
    lock, ref = _both(monkeypatch, veh, default_lunar_plan(), d, target_lat_deg=-69.37)
    _assert_close(lock, ref)
    assert lock.success[5:].all() and not lock.success[:5].any()
    for idx in (np.array([7]), np.array([3, 7]), np.arange(n)[::-1]):  # lane position (a peeled lane 0 once differed)
        part = simulate_batch(veh, default_lunar_plan(), d.subset(idx), target_lat_deg=-69.37)
        assert np.array_equal(_matrix(part), _matrix(lock)[idx])
    short, short_ref = _both(monkeypatch, veh, default_lunar_plan(), d.subset(slice(0, 3)), target_lat_deg=-69.37,
                             max_time_s=100.0)
    _assert_close(short, short_ref)
    assert set(short.failure_reason) == {"no_touchdown"}


def test_results_do_not_depend_on_lane_position_batch_size_or_threads():
    veh = default_lunar_lander()
    d = _dispersed(70, veh)
    full = _matrix(simulate_batch(veh, ALL_KINDS, d, flat_gravity_m_s2=1.62, threads=2))
    for idx in (np.arange(70)[::-1], np.roll(np.arange(70), 13), np.array([5]), np.array([69, 0, 33])):
        part = _matrix(simulate_batch(veh, ALL_KINDS, d.subset(idx), flat_gravity_m_s2=1.62, threads=1))
        assert np.array_equal(full[idx], part)  # bit-identical wherever the sample sits


def test_spherical_harmonic_truth_stays_on_the_scalar_kernel():
    args = [None] * 34
    args[20] = -1.0  # sphere
    args[-4] = np.r_[1.0, np.zeros(11)]  # gravity pack switched on
    assert batch.kernel_for_args(tuple(args)) is kd.simulate_batch_kernel
    args[-4] = np.zeros(12)
    assert batch.kernel_for_args(tuple(args)) is kl.simulate_lockstep_kernel
    assert kl.LANES % 8 == 0  # whole AVX2 vectors per block, with room for two in flight (no remainder lanes)
