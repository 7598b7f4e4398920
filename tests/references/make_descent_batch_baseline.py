"""Write ``descent_batch_baseline.npz``: touchdown figures of fixed dispersed batches (flat ground and the
Chandrayaan-3-like sphere with rotation, nav noise, misalignment, engine-out), used by
``tests/descent/test_batch_baseline.py`` to check that kernel speed work does not change the results.

The committed file was produced on 2026-11-25 by the SCALAR kernel (``lunapole.kernels.descent.simulate_batch_kernel``,
one sample per thread iteration) with ``--scalar``; the batch path now runs the lockstep kernel
(``lunapole.kernels.descent_lockstep``), so the test compares two independent implementations of the same closed
loop. (An earlier file came from the array-based kernel of git commit f3bd3c5; it was regenerated when the noise
generator changed from Marsaglia's polar method to Box-Muller, and again on 2026-11-26 when the Box-Muller words
came from a per-sample xoroshiro128+ stream instead of a splitmix64 hash per word, and again later that day when
the noise became float32 Box-Muller on xoroshiro128++ words: all change every noisy sample.
The other 2026-11-26 kernel changes (mass flow passed to RK4; one square root less in the pointing limit and in
the guidance frame; one division less in atan2 and for 1/r^3 and 1/m; Newton stopping at 1e-6 (1 + T) s) move
touchdown figures by round-off amplified by the closed loop: without noise, differences < 1.7e-3 of
max(|value|, 1) and the same verdicts on a 256-sample dispersed batch, measured against the kernels of 9b08b9f.
The lockstep kernel's pointing/slew limit split in two loops and its guidance frame with independent square
roots, same day: < 5e-9 relative on a noisy 256-sample batch with the same noise.)

    python tests/references/make_descent_batch_baseline.py --scalar

``--kernel PATH`` runs an alternative copy of ``lunapole/kernels/descent.py`` (scalar) instead.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path

import numpy as np

import lunapole.descent.batch as batch
from lunapole.descent.batch import BatchDispersions, simulate_batch
from lunapole.descent.plan import DescentPlan, Phase, chandrayaan3_like_start, default_lunar_plan
from lunapole.descent.vehicle import default_lunar_lander

OUT = Path(__file__).with_name("descent_batch_baseline.npz")
FLAT_PLAN = DescentPlan((
    Phase("approach", "polynomial", exit_tgo_s=2.0, exit_altitude_m=120.0, target_position_m=(0.0, 0.0, 100.0),
          target_velocity_m_s=(0.0, 0.0, -2.0), target_acceleration_m_s2=(math.nan, 0.0, 0.0)),
    Phase("terminal", "terminal", max_tilt_deg=15.0, duration_s=2.0),
))
COLUMNS = ("east_m", "north_m", "vertical_speed_m_s", "horizontal_speed_m_s", "tilt_deg", "propellant_used_kg",
           "time_s", "failure_code")


def _matrix(res) -> np.ndarray:
    return np.column_stack([getattr(res, c) for c in COLUMNS]).astype(float)


def flat_dispersions(n: int, veh) -> BatchDispersions:
    rng = np.random.default_rng(5)
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


def sphere_dispersions(n: int, veh) -> BatchDispersions:
    r0, v0 = chandrayaan3_like_start()
    rng = np.random.default_rng(0)
    d = BatchDispersions.nominal(n, veh, r0, v0)
    d.r0_m += rng.normal(0, 200.0, (n, 3))
    d.v0_m_s += rng.normal(0, 1.0, (n, 3))
    d.thrust_scale[:] = 1 + rng.normal(0, 0.02, n)
    d.isp_s *= 1 + rng.normal(0, 0.01, n)
    d.misalign_rad[:] = rng.normal(0, 0.003, (n, 2))
    d.nav_pos_bias_m[:] = rng.normal(0, 5, (n, 3))
    d.nav_vel_bias_m_s[:] = rng.normal(0, 0.05, (n, 3))
    d.nav_alt_bias_m[:] = rng.normal(0, 1, n)
    d.nav_pos_sigma_m[:] = 5.0
    d.nav_vel_sigma_m_s[:] = 0.1
    d.nav_alt_sigma_m[:] = 0.5
    d.engine_out_time_s[:] = np.where(rng.random(n) < 0.1, rng.uniform(0, 600, n), np.inf)
    return d


N_FLAT, N_SPHERE = 120, 40


def cases() -> dict[str, np.ndarray]:
    veh = default_lunar_lander()
    return {
        "flat": _matrix(simulate_batch(veh, FLAT_PLAN, flat_dispersions(N_FLAT, veh), flat_gravity_m_s2=1.62)),
        "sphere": _matrix(simulate_batch(veh, default_lunar_plan(), sphere_dispersions(N_SPHERE, veh),
                                         target_lat_deg=-69.37)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", help="path of an alternative lunapole/kernels/descent.py to run (scalar)")
    ap.add_argument("--scalar", action="store_true", help="run the scalar kernel instead of the lockstep one")
    a = ap.parse_args()
    if a.scalar or a.kernel:
        batch.kernel_for_args = lambda args: batch.kd.simulate_batch_kernel
    if a.kernel:
        spec = importlib.util.spec_from_file_location("descent_kernel_alt", a.kernel)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        batch.kd = mod
    np.savez_compressed(OUT, columns=np.array(COLUMNS), **cases())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
