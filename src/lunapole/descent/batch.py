"""Batched closed-loop descents for Monte Carlo: many dispersed samples advanced together in numba.

Polynomial/phase guidance (see :mod:`lunapole.kernels.descent`), fixed-step RK4. Central gravity and flat ground
run on the lockstep kernel (:mod:`lunapole.kernels.descent_lockstep`: 32 samples per block through the same vector
instructions); the spherical-harmonic truth model on the scalar kernel, one sample at a time. Both kernels' threads
take blocks or chunks from a shared counter (:mod:`lunapole.kernels.work_queue`). A sample's result is
bit-identical whatever batch or thread it is in (its noise is keyed by its own seed; no shared state).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numba
import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M, MOON_ROTATION_RATE_RAD_S
from lunapole.descent.plan import DescentPlan
from lunapole.descent.vehicle import Vehicle
from lunapole.errors import LunapoleError
from lunapole.kernels import descent as kd
from lunapole.kernels import descent_lockstep as kl

FAILURE_NAMES = ("none", "hard_landing", "tip_over", "propellant_exhausted", "hit_terrain_before_target",
                 "slope_too_steep", "no_touchdown")


@dataclass
class BatchDispersions:
    """Per-sample inputs (arrays of length n; see docs/architecture.md, ``lunapole.descent``)."""

    r0_m: np.ndarray
    v0_m_s: np.ndarray
    mass_kg: np.ndarray
    thrust_scale: np.ndarray
    isp_s: np.ndarray
    misalign_rad: np.ndarray
    nav_pos_bias_m: np.ndarray
    nav_vel_bias_m_s: np.ndarray
    nav_alt_bias_m: np.ndarray
    nav_pos_sigma_m: np.ndarray
    nav_vel_sigma_m_s: np.ndarray
    nav_alt_sigma_m: np.ndarray
    engine_out_time_s: np.ndarray
    seed: np.ndarray

    @classmethod
    def nominal(cls, n: int, vehicle: Vehicle, r0_m=(0.0, 0.0, 0.0), v0_m_s=(0.0, 0.0, 0.0)) -> "BatchDispersions":
        """n copies of the nominal case (no errors), seeds 0..n-1."""
        z = np.zeros(n)
        return cls(
            r0_m=np.tile(np.asarray(r0_m, float), (n, 1)),
            v0_m_s=np.tile(np.asarray(v0_m_s, float), (n, 1)),
            mass_kg=np.full(n, vehicle.wet_mass_kg),
            thrust_scale=np.ones(n),
            isp_s=np.full(n, vehicle.effective_isp_s),
            misalign_rad=np.zeros((n, 2)),
            nav_pos_bias_m=np.zeros((n, 3)),
            nav_vel_bias_m_s=np.zeros((n, 3)),
            nav_alt_bias_m=z.copy(),
            nav_pos_sigma_m=z.copy(),
            nav_vel_sigma_m_s=z.copy(),
            nav_alt_sigma_m=z.copy(),
            engine_out_time_s=np.full(n, np.inf),
            seed=np.arange(n, dtype=np.uint64),
        )

    def __len__(self) -> int:
        return int(np.asarray(self.mass_kg).shape[0])

    def subset(self, idx) -> "BatchDispersions":
        """Rows ``idx`` (slice, index array or mask) as a new dispersion set."""
        return BatchDispersions(**{k: np.asarray(v)[idx] for k, v in self.__dict__.items()})


@dataclass
class BatchResult:
    """Touchdown figures per sample (arrays of length n)."""

    east_m: np.ndarray
    north_m: np.ndarray
    vertical_speed_m_s: np.ndarray
    horizontal_speed_m_s: np.ndarray
    tilt_deg: np.ndarray
    propellant_used_kg: np.ndarray
    time_s: np.ndarray
    success: np.ndarray
    failure_code: np.ndarray
    final_phase: np.ndarray
    miss_distance_m: np.ndarray

    @property
    def failure_reason(self) -> list[str]:
        return [FAILURE_NAMES[c] for c in self.failure_code]


@dataclass(frozen=True)
class Environment:
    """Gravity and rotation of the local frame: sphere (``flat_gravity_m_s2=None``) or flat ground.

    Sphere: central gravity ``gm_m3_s2``, or the spherical-harmonic ``field`` (truth model; guidance still
    assumes central gravity); rotation about the Moon's axis when ``target_lat_deg`` is given."""

    gm_m3_s2: float = MOON_GM_M3_S2
    target_radius_m: float = MOON_MEAN_RADIUS_M
    target_lat_deg: float | None = None
    rotation_rad_s: float = MOON_ROTATION_RATE_RAD_S
    flat_gravity_m_s2: float | None = None
    field: object | None = None
    target_lon_deg: float | None = None

    def gravity_pack(self) -> tuple:
        """``(gp_f, gp_i, tables, col_start)`` for the kernel: the spherical-harmonic ``field``
        (:class:`lunapole.gravity.SphericalHarmonicField`, body frame MOON_PA or MOON_ME) as the truth model,
        or a disabled pack (central gravity). Needs ``target_lat_deg``/``target_lon_deg`` to orient the field."""
        if self.field is None or self.flat_gravity_m_s2 is not None:
            return (np.zeros(12), np.zeros(2, dtype=np.int64), np.zeros((7, 1)), np.zeros(3, dtype=np.int64))
        if self.target_lat_deg is None or self.target_lon_deg is None:
            raise LunapoleError("Environment.field needs target_lat_deg and target_lon_deg to orient the field")
        from lunapole.astro import frames

        enu = frames.enu_matrix(self.target_lat_deg, self.target_lon_deg)  # rows: ENU axes in MOON_ME
        body = getattr(self.field, "frame", "MOON_PA")
        me_to_body = np.eye(3) if body == "MOON_ME" else np.asarray(frames.rotation("MOON_ME", body, 0.0))
        rot = me_to_body @ enu.T  # TARGET_ENU (Moon-centred) -> field body frame
        gm, ref, nmax, mmax, tables, col_start, _ = self.field.kernel_args()
        gp_f = np.concatenate([[1.0, gm, ref], rot.reshape(-1)])
        return (gp_f, np.array([nmax, mmax], dtype=np.int64), np.ascontiguousarray(tables),
                np.ascontiguousarray(col_start, dtype=np.int64))

    def omega_enu(self) -> tuple[float, float, float]:
        """Moon spin vector in TARGET_ENU axes (rad/s); zero when flat or latitude not given."""
        if self.flat_gravity_m_s2 is not None or self.target_lat_deg is None:
            return (0.0, 0.0, 0.0)
        lat = math.radians(self.target_lat_deg)
        return (0.0, self.rotation_rad_s * math.cos(lat), self.rotation_rad_s * math.sin(lat))

    def kernel_args(self) -> tuple[float, float, float, float, float, float]:
        wx, wy, wz = self.omega_enu()
        flat = -1.0 if self.flat_gravity_m_s2 is None else float(self.flat_gravity_m_s2)
        return (float(self.gm_m3_s2), float(self.target_radius_m), flat, wx, wy, wz)


def _vehicle_args(vehicle: Vehicle) -> tuple[float, float, int, np.ndarray]:
    e0 = vehicle.engines[0]
    if len(vehicle.engines) > 1 and any(
        (e.thrust_n, e.throttle_min, e.throttle_max) != (e0.thrust_n, e0.throttle_min, e0.throttle_max)
        for e in vehicle.engines
    ):
        # mixed engine types: treat as equal units of the average thrust (documented simplification)
        pass
    n = vehicle.engine_count
    tmax_unit = vehicle.max_thrust_n / n
    tmin_unit = vehicle.min_thrust_n / n
    lim = vehicle.limits
    limits = np.array([
        lim.vertical_speed_m_s or -1.0,
        lim.horizontal_speed_m_s if lim.horizontal_speed_m_s is not None else -1.0,
        math.radians(lim.tilt_deg) if lim.tilt_deg is not None else -1.0,
        -1.0,
    ])
    return tmin_unit, tmax_unit, n, limits


def _check(disp: BatchDispersions) -> None:
    n = len(disp)
    shapes = {"r0_m": (n, 3), "v0_m_s": (n, 3), "misalign_rad": (n, 2), "nav_pos_bias_m": (n, 3),
              "nav_vel_bias_m_s": (n, 3)}
    for k, v in disp.__dict__.items():
        want = shapes.get(k, (n,))
        if np.shape(v) != want:
            raise LunapoleError(f"BatchDispersions.{k}: shape {np.shape(v)}, expected {want}")


def simulate_batch(
    vehicle: Vehicle,
    plan: DescentPlan,
    disp: BatchDispersions,
    dt_s: float = 0.1,
    guidance_hz: float = 10.0,
    max_time_s: float = 1500.0,
    environment: Environment | None = None,
    flat_gravity_m_s2: float | None = None,
    target_lat_deg: float | None = None,
    threads: int | None = None,
) -> BatchResult:
    """Fly every sample of ``disp`` closed-loop to touchdown (numba, parallel over samples).

    ``dt_s``: RK4 step; guidance runs every ``round(1 / (guidance_hz dt_s))`` steps. Sphere (default:
    Moon GM, mean radius, rotation when ``target_lat_deg`` is given) or flat ground
    (``flat_gravity_m_s2``). ``threads``: numba threads for this call (default: numba's setting).
    """
    _check(disp)
    env = environment or Environment(target_lat_deg=target_lat_deg, flat_gravity_m_s2=flat_gravity_m_s2)
    guid_every = max(1, int(round(1.0 / (guidance_hz * dt_s))))

    def kernel_args(d: BatchDispersions) -> tuple:
        tmin_unit, tmax_unit, n_eng, limits = _vehicle_args(vehicle)
        n = len(d)
        x0 = np.empty((n, 7))
        x0[:, 0:3] = d.r0_m
        x0[:, 3:6] = d.v0_m_s
        x0[:, 6] = d.mass_kg
        f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
        return (
            x0, plan.table(), np.full(n, vehicle.dry_mass_kg), float(vehicle.effective_isp_s), f(d.isp_s),
            f(d.thrust_scale), tmin_unit, tmax_unit, n_eng, f(d.engine_out_time_s), f(d.misalign_rad),
            f(d.nav_pos_bias_m), f(d.nav_vel_bias_m_s), f(d.nav_alt_bias_m), f(d.nav_pos_sigma_m),
            f(d.nav_vel_sigma_m_s), f(d.nav_alt_sigma_m), np.ascontiguousarray(d.seed, dtype=np.uint64),
            *env.kernel_args(), float(dt_s), guid_every, float(max_time_s), math.radians(vehicle.max_tilt_rate_deg_s),
            limits, np.empty((n, kd.NOUT)), *gpack,
        )

    gpack = env.gravity_pack()
    _prime_kernel_cache(lambda: kernel_args(disp.subset(slice(0, 1))))
    args = kernel_args(disp)
    kernel = kernel_for_args(args)
    out = args[-1 - len(gpack)]
    old = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:  # (both kernels hand out their chunks dynamically: lunapole.kernels.work_queue)
        kernel(*args)
    finally:
        numba.set_num_threads(old)
    return _result(out)


_PRIME_ENV = "LUNAPOLE_NO_KERNEL_PRIMING"


def kernel_for_args(args: tuple):
    """The batch kernel for these kernel arguments: the lockstep kernel (SIMD across samples) for central gravity or
    flat ground, the scalar one when the spherical-harmonic truth model is on (``gp_f[0] != 0``, not flat)."""
    gp_f, flat_g = args[-4], args[20]
    return kd.simulate_batch_kernel if (gp_f[0] != 0.0 and flat_g <= 0.0) else kl.simulate_lockstep_kernel


def _prime_kernel_cache(make_args) -> None:
    """Compile the batch kernel that ``make_args()`` calls for (:func:`kernel_for_args`) in a child process first,
    so that this process loads it from numba's cache.

    Why: machine code that numba compiles in a process and the code it later loads from its on-disk cache can
    differ in the last bits (measured: touchdown speeds 1e-14 m/s apart). A campaign whose worker processes load
    the cache would then not be bit-identical to one run in the process that compiled. With the cache primed by
    a child, every process runs the same cached code. Skipped when the kernel is already in this process, when
    caching cannot help (JIT disabled), and inside the priming child itself. ``make_args``: the kernel's
    arguments for one sample (same types as the real call).
    """
    if numba.config.DISABLE_JIT or os.environ.get(_PRIME_ENV):
        return
    args = make_args()
    kernel = kernel_for_args(args)
    if kernel.signatures:
        return
    import pickle
    import subprocess
    import sys
    import tempfile

    module = kernel.py_func.__module__
    name = kernel.py_func.__name__
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "args.pkl")
        with open(path, "wb") as fh:
            pickle.dump(args, fh)
        code = (f"import pickle, sys, importlib; k = getattr(importlib.import_module({module!r}), {name!r}); "
                "k(*pickle.load(open(sys.argv[1], 'rb')))")
        # a failure here only costs the bit-identity guarantee across processes: the real call compiles anyway
        subprocess.run([sys.executable, "-c", code, path], env={**os.environ, _PRIME_ENV: "1"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=900)


def _result(out: np.ndarray) -> BatchResult:
    code = out[:, kd.O_CODE].astype(np.int8)
    return BatchResult(
        east_m=out[:, kd.O_EAST].copy(),
        north_m=out[:, kd.O_NORTH].copy(),
        vertical_speed_m_s=out[:, kd.O_VSPEED].copy(),
        horizontal_speed_m_s=out[:, kd.O_HSPEED].copy(),
        tilt_deg=np.degrees(out[:, kd.O_TILT]),
        propellant_used_kg=out[:, kd.O_PROP].copy(),
        time_s=out[:, kd.O_TIME].copy(),
        success=code == 0,
        failure_code=code,
        final_phase=out[:, kd.O_PHASE].astype(np.int16),
        miss_distance_m=out[:, kd.O_MISS].copy(),
    )
