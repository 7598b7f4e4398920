"""Closed-loop powered descent on plain floats: point-mass dynamics, phased polynomial guidance, RK4.

One sample = one lander flying the whole phase list from ignition to touchdown. ``simulate_batch_kernel``
runs many samples in parallel (``prange``); every sample only reads its own row of each input, and its
navigation noise comes from its own random stream seeded by its ``seed`` (eight normal deviates per guidance
cycle, float32, :func:`lunapole.kernels.vecmath.normal_octet_next`), so a sample's result is bit-identical whatever batch
it is in and however the batch is split over threads.

Frame (``TARGET_ENU``): Moon-fixed, origin at the target point on the sphere of radius ``R`` (the
Moon centre is at ``(0, 0, -R)``), axes east/north/up at the target. Flat mode (``flat_g > 0``): plane
ground ``z = 0``, constant gravity ``(0, 0, -flat_g)``, no rotation.

Dynamics (rotating frame, p = r + (0, 0, R) the Moon-centred position)::

    r' = v
    v' = -mu p/|p|^3 + T/m - 2 w x v - w x (w x p)
    m' = -|T| / (Isp g0)

Guidance (Klumpp 1974, Automatica 10, eq. 7; Apollo P63/P64): in guidance coordinates
(downrange-to-target, crossrange, altitude) with time-to-go ``T`` the commanded acceleration is::

    a = 12 (r_T - r) / T^2 - 6 (v_T + v) / T + a_T

and ``T`` solves the downrange cubic ``j_T T^3 - 6 a_T T^2 + (18 v_T + 6 v) T + 24 (r - r_T) = 0``
(Klumpp eq. 12 with the target jerk ``j_T``) each cycle until ``T < TGO_COUNTDOWN_S``, then counts down.
The thrust is that acceleration minus gravity and the
frame terms, limited to the throttle range, the phase's tilt limit and the slew rate.

Phase table ``phases (n_phase, NPAR)`` float64, one row per phase, columns ``P_*`` below. Kinds:
``KIND_POLY`` (polynomial to a gate), ``KIND_HOLD`` (keep thrust vector for ``P_DURATION`` s),
``KIND_TERMINAL`` (hover then vertical descent: velocity tracking), ``KIND_GRAVITY_TURN`` (thrust
against the surface-relative velocity at ``P_THROTTLE``). The last phase must be terminal-like: touching
the ground outside the limits in an earlier phase, or more than ``EARLY_MISS_M`` from the target, is
``hit_terrain_before_target``.

Speed layout: the step loop of :func:`simulate_one` works on plain floats (``_rk4_scalar``, ``_frame_scalar``,
``_limit_scalar`` are register twins of ``rk4_step``, ``guidance_frame``, ``limit_direction``: same physics, the
frame and limit with the same operations; ``_rk4_scalar`` takes the mass flow from its caller and gets 1/r^3 and
1/m from one division, so its round-off differs from ``rk4_step``'s); the kept array functions are the documented,
tested building blocks. Pure-Python twin: the same source executed
without numba (``lunapole.descent.reference``).
"""
from __future__ import annotations

import math

import numpy as np

if globals().get("_PURE_PYTHON", False):  # the reference twin executes this file without numba
    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

    prange = range
else:
    from numba import njit, prange

from lunapole.kernels.gravity import sh_acceleration  # noqa: E402  (compiled; also used by the twin)

if globals().get("_PURE_PYTHON", False):  # the twin runs vecmath as plain Python too
    import importlib.util as _ilu

    _spec = _ilu.find_spec("lunapole.kernels.vecmath")
    _vm = _ilu.module_from_spec(_spec)
    _vm.__dict__["_PURE_PYTHON"] = True
    _spec.loader.exec_module(_vm)
else:
    from lunapole.kernels import vecmath as _vm

from lunapole.kernels import work_queue as _wq  # noqa: E402

if globals().get("_PURE_PYTHON", False):
    _fetch_add = _wq.fetch_add_py
else:  # numba's cache does not see changes in the inlined gravity kernel
    from lunapole.kernels import _numba_cache
    from lunapole.kernels import gravity as _gravity

    _fetch_add = _wq.fetch_add
    _numba_cache.invalidate_stale(__file__, [_gravity.__file__, _vm.__file__, _wq.__file__])

SAMPLES_PER_CHUNK = 8  # samples per chunk that a thread of simulate_batch_kernel takes from the shared counter

G0 = 9.80665
# FMA contraction and reassociation only (no finite-math or approximate-function flags): results stay
# deterministic per sample; the pure-Python twin agrees to round-off amplified by the closed loop.
_FASTMATH = {"contract", "reassoc", "arcp", "nsz"}
EARLY_MISS_M = 1000.0  # touching down farther than this from the target is "hit_terrain_before_target"
TGO_COUNTDOWN_S = 10.0  # below this time-to-go the cubic is no longer re-solved (it is ill-conditioned)

KIND_POLY, KIND_HOLD, KIND_TERMINAL, KIND_GRAVITY_TURN = 0, 1, 2, 3
# phase-table columns
P_KIND = 0
P_MAX_TILT = 1          # rad, thrust angle from local vertical
P_EXIT_TGO = 2          # s, poly: switch when time-to-go falls below
P_EXIT_ALT = 3          # m, switch when (navigated) altitude falls below (-1e30: unused)
P_RT = 4                # 4..6 target position (downrange, crossrange, altitude) m; downrange < 0 = short of target
P_VT = 7                # 7..9 target velocity (downrange, crossrange, up) m/s
P_AT = 10               # 10..12 target acceleration m/s^2 (NaN downrange: constant-deceleration fit at entry)
P_JT = 13               # downrange target jerk m/s^3
P_THROTTLE = 14         # gravity turn / hold throttle fraction of max (NaN: keep last)
P_DURATION = 15         # s, hold duration / terminal hover time
P_TD_RATE = 16          # m/s, terminal touchdown descent rate
P_MAX_RATE = 17         # m/s, terminal max descent rate
P_TAU = 18              # s, terminal velocity time constant (altitude/rate)
P_HGAIN = 19            # 1/s, terminal horizontal position gain
NPAR = 20

FAIL_NONE, FAIL_HARD, FAIL_TIP, FAIL_PROP, FAIL_EARLY, FAIL_SLOPE, FAIL_NO_TD = 0, 1, 2, 3, 4, 5, 6

# result columns
O_EAST, O_NORTH, O_VSPEED, O_HSPEED, O_TILT, O_PROP, O_TIME, O_CODE, O_PHASE, O_MISS = range(10)
NOUT = 10

@njit(cache=True, fastmath=_FASTMATH, inline="always")
def normal_pair(seed, counter, channel):
    """Two independent standard normal deviates for (seed, counter, channel): Box-Muller on the splitmix64
    stream of ``(seed, counter)`` (:mod:`lunapole.kernels.vecmath`). Counter-based noise for callers that draw
    out of order (the one-run simulator of :mod:`lunapole.descent.simulate`); the batch kernels use each
    sample's sequential stream (:func:`lunapole.kernels.vecmath.normal_octet_next`)."""
    return _vm.normal_pair_from_base(_vm.stream_base(seed, counter), channel)


@njit(cache=True, fastmath=_FASTMATH)
def normal_noise(seed, counter, channel):
    """One standard normal deviate for (seed, counter, channel) (first of :func:`normal_pair`)."""
    return normal_pair(seed, counter, channel)[0]


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _rotation_terms(px, py, pz, vx, vy, vz, wx, wy, wz):
    """Coriolis ``-2 w x v`` and centrifugal ``-w x (w x p)`` accelerations of the rotating frame (m/s^2), as
    ``(cx, cy, cz, fx, fy, fz)``; ``p`` Moon-centred position, ``v`` velocity, ``w`` rotation (rad/s)."""
    cx = -2.0 * (wy * vz - wz * vy)
    cy = -2.0 * (wz * vx - wx * vz)
    cz = -2.0 * (wx * vy - wy * vx)
    ax_ = wy * pz - wz * py
    ay_ = wz * px - wx * pz
    az_ = wx * py - wy * px
    fx = -(wy * az_ - wz * ay_)
    fy = -(wz * ax_ - wx * az_)
    fz = -(wx * ay_ - wy * ax_)
    return cx, cy, cz, fx, fy, fz


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _frame_terms(x, px, py, pz, gx, gy, gz, thrust, mdot, wx, wy, wz, out):
    """Fill ``out`` with [v, gravity + T/m - 2 w x v - w x (w x p), -mdot]."""
    m = x[6]
    vx = x[3]
    vy = x[4]
    vz = x[5]
    cx, cy, cz, fx, fy, fz = _rotation_terms(px, py, pz, vx, vy, vz, wx, wy, wz)
    out[0] = vx
    out[1] = vy
    out[2] = vz
    out[3] = gx + thrust[0] / m + cx + fx
    out[4] = gy + thrust[1] / m + cy + fy
    out[5] = gz + thrust[2] / m + cz + fz
    out[6] = -mdot


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def derivs(x, thrust, mdot, mu, radius, flat_g, wx, wy, wz, out):
    """State derivative of ``x = [r(3), v(3), m]`` with a constant thrust vector (N) in TARGET_ENU and mass
    flow ``mdot`` (kg/s, = |T| / (Isp g0), computed once per step by the caller). Central gravity ``mu``
    (flat mode: constant ``flat_g``)."""
    if flat_g > 0.0:
        _frame_terms(x, x[0], x[1], x[2], 0.0, 0.0, -flat_g, thrust, mdot, wx, wy, wz, out)
        return
    px = x[0]
    py = x[1]
    pz = x[2] + radius
    r2 = px * px + py * py + pz * pz
    k = -mu / (r2 * math.sqrt(r2))
    _frame_terms(x, px, py, pz, k * px, k * py, k * pz, thrust, mdot, wx, wy, wz, out)


@njit(cache=True, fastmath=_FASTMATH)
def derivs_sh(x, thrust, mdot, radius, wx, wy, wz, out, gp_f, gp_i, tables, col_start, work, gout):
    """:func:`derivs` with the spherical-harmonic field as gravity (:mod:`lunapole.kernels.gravity`).

    Gravity pack: ``gp_f`` (12,) = [on, gm, ref_radius, R (3x3 row-major, TARGET_ENU -> field body frame)],
    ``gp_i`` = [nmax, mmax], ``tables``/``col_start`` the field tables, ``work``/``gout`` scratch.
    """
    px = x[0]
    py = x[1]
    pz = x[2] + radius
    bx = gp_f[3] * px + gp_f[4] * py + gp_f[5] * pz
    by = gp_f[6] * px + gp_f[7] * py + gp_f[8] * pz
    bz = gp_f[9] * px + gp_f[10] * py + gp_f[11] * pz
    sh_acceleration(bx, by, bz, gp_f[1], gp_f[2], gp_i[0], gp_i[1], tables, col_start, work, gout)
    gx = gp_f[3] * gout[0] + gp_f[6] * gout[1] + gp_f[9] * gout[2]
    gy = gp_f[4] * gout[0] + gp_f[7] * gout[1] + gp_f[10] * gout[2]
    gz = gp_f[5] * gout[0] + gp_f[8] * gout[1] + gp_f[11] * gout[2]
    _frame_terms(x, px, py, pz, gx, gy, gz, thrust, mdot, wx, wy, wz, out)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def rk4_step(x, thrust, isp_g0, mu, radius, flat_g, wx, wy, wz, dt, k1, k2, k3, k4, tmp):
    """One classical RK4 step of :func:`derivs` in place on ``x`` (thrust held over the step)."""
    mdot = math.sqrt(thrust[0] ** 2 + thrust[1] ** 2 + thrust[2] ** 2) / isp_g0
    derivs(x, thrust, mdot, mu, radius, flat_g, wx, wy, wz, k1)
    for i in range(7):
        tmp[i] = x[i] + 0.5 * dt * k1[i]
    derivs(tmp, thrust, mdot, mu, radius, flat_g, wx, wy, wz, k2)
    for i in range(7):
        tmp[i] = x[i] + 0.5 * dt * k2[i]
    derivs(tmp, thrust, mdot, mu, radius, flat_g, wx, wy, wz, k3)
    for i in range(7):
        tmp[i] = x[i] + dt * k3[i]
    derivs(tmp, thrust, mdot, mu, radius, flat_g, wx, wy, wz, k4)
    for i in range(7):
        x[i] = x[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@njit(cache=True, fastmath=_FASTMATH)
def rk4_step_sh(x, thrust, mdot, radius, wx, wy, wz, dt, k1, k2, k3, k4, tmp, gp_f, gp_i, tables, col_start,
                work, gout):
    """:func:`rk4_step` with the spherical-harmonic gravity of :func:`derivs_sh` and, like :func:`_rk4_scalar`,
    the mass flow ``mdot`` (kg/s) from the caller."""
    derivs_sh(x, thrust, mdot, radius, wx, wy, wz, k1, gp_f, gp_i, tables, col_start, work, gout)
    for i in range(7):
        tmp[i] = x[i] + 0.5 * dt * k1[i]
    derivs_sh(tmp, thrust, mdot, radius, wx, wy, wz, k2, gp_f, gp_i, tables, col_start, work, gout)
    for i in range(7):
        tmp[i] = x[i] + 0.5 * dt * k2[i]
    derivs_sh(tmp, thrust, mdot, radius, wx, wy, wz, k3, gp_f, gp_i, tables, col_start, work, gout)
    for i in range(7):
        tmp[i] = x[i] + dt * k3[i]
    derivs_sh(tmp, thrust, mdot, radius, wx, wy, wz, k4, gp_f, gp_i, tables, col_start, work, gout)
    for i in range(7):
        x[i] = x[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def altitude(x0, x1, x2, radius, flat_g):
    """Altitude above the sphere of radius ``radius`` (flat mode: z). Branch-free (a select), so that loops of the
    lockstep kernel that call it vectorize."""
    pz = x2 + radius
    h = math.sqrt(x0 * x0 + x1 * x1 + pz * pz) - radius
    return x2 if flat_g > 0.0 else h


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def guidance_frame(x, radius, flat_g, g):
    """Fill ``g`` (15,) with the guidance frame at position/velocity ``x[0:6]``.

    g[0:3] up unit, g[3:6] downrange unit (horizontal, toward the target), g[6:9] crossrange unit,
    g[9] downrange position (negative: short of target, m of arc on the sphere), g[10] altitude,
    g[11] downrange speed, g[12] crossrange speed, g[13] vertical speed, g[14] |p| (inf when flat).
    """
    if flat_g > 0.0:
        ux, uy, uz = 0.0, 0.0, 1.0
        hx, hy = -x[0], -x[1]
        s = math.sqrt(hx * hx + hy * hy)
        if s > 1e-6:
            dx, dy, dz = hx / s, hy / s, 0.0
        else:
            vh = math.sqrt(x[3] ** 2 + x[4] ** 2)
            if vh > 1e-6:
                dx, dy, dz = x[3] / vh, x[4] / vh, 0.0
            else:
                dx, dy, dz = 1.0, 0.0, 0.0
        h = x[2]
        pn = 1e300
        scale = 1.0
    else:
        px = x[0]
        py = x[1]
        pz = x[2] + radius
        pn = math.sqrt(px * px + py * py + pz * pz)
        ux, uy, uz = px / pn, py / pn, pz / pn
        # direction to the target along the great circle: component of t=(0,0,1) normal to u
        c = uz
        tx, ty, tz = -c * ux, -c * uy, 1.0 - c * uz
        sin_th = math.sqrt(ux * ux + uy * uy)
        tn = sin_th  # |t|^2 = c^2 (ux^2 + uy^2) + (1 - c^2)^2 = 1 - c^2 = ux^2 + uy^2 for a unit u
        theta = _vm.atan2_nonneg(sin_th, c)
        s = radius * theta
        if tn > 1e-12 and s > 1e-3:
            dx, dy, dz = tx / tn, ty / tn, tz / tn
        else:
            vr = x[3] * ux + x[4] * uy + x[5] * uz
            hx, hy, hz = x[3] - vr * ux, x[4] - vr * uy, x[5] - vr * uz
            vh = math.sqrt(hx * hx + hy * hy + hz * hz)
            if vh > 1e-6:
                dx, dy, dz = hx / vh, hy / vh, hz / vh
            else:
                # any horizontal direction: east projected
                ex, ey, ez = 1.0 - ux * ux, -ux * uy, -ux * uz
                en = math.sqrt(ex * ex + ey * ey + ez * ez)
                dx, dy, dz = ex / en, ey / en, ez / en
        h = pn - radius
        scale = radius / pn
    cx = uy * dz - uz * dy
    cy = uz * dx - ux * dz
    cz = ux * dy - uy * dx
    g[0], g[1], g[2] = ux, uy, uz
    g[3], g[4], g[5] = dx, dy, dz
    g[6], g[7], g[8] = cx, cy, cz
    g[9] = -s
    g[10] = h
    g[11] = (x[3] * dx + x[4] * dy + x[5] * dz) * scale
    g[12] = (x[3] * cx + x[4] * cy + x[5] * cz) * scale
    g[13] = x[3] * ux + x[4] * uy + x[5] * uz
    g[14] = pn


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def poly_accel(r, v, rt, vt, at, tgo):
    """Klumpp (1974) eq. 7, one axis: commanded acceleration for target r_T, v_T, a_T at time-to-go."""
    return 12.0 * (rt - r) / (tgo * tgo) - 6.0 * (vt + v) / tgo + at


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def solve_tgo(r, v, rt, vt, at, jt, tgo_guess):
    """Positive root of ``jt T^3 - 6 at T^2 + (18 vt + 6 v) T + 24 (r - rt) = 0`` near ``tgo_guess``.

    Newton from the guess; falls back to the constant-acceleration root; returns -1 when no positive root.
    """
    a3 = jt
    a2 = -6.0 * at
    a1 = 18.0 * vt + 6.0 * v
    a0 = 24.0 * (r - rt)
    t = tgo_guess
    if not (t > 0.0):
        t = 1.0
    for _ in range(30):
        f = ((a3 * t + a2) * t + a1) * t + a0
        df = (3.0 * a3 * t + 2.0 * a2) * t + a1
        if df == 0.0:
            break
        tn = t - f / df
        if tn <= 0.0:
            tn = 0.5 * t
        if abs(tn - t) < 1e-6 * (1.0 + t):  # the step just taken leaves an error ~ its square: ~1e-12 s
            t = tn
            break
        t = tn
    f = ((a3 * t + a2) * t + a1) * t + a0
    if t > 0.0 and abs(f) < 1e-6 * (abs(a0) + abs(a1 * t) + 1.0):
        return t
    # quadratic fallback (jt ignored)
    if a2 != 0.0:
        disc = a1 * a1 - 4.0 * a2 * a0
        if disc >= 0.0:
            sq = math.sqrt(disc)
            r1 = (-a1 + sq) / (2.0 * a2)
            r2 = (-a1 - sq) / (2.0 * a2)
            best = -1.0
            for rr in (r1, r2):
                if rr > 0.0 and (best < 0.0 or abs(rr - tgo_guess) < abs(best - tgo_guess)):
                    best = rr
            return best
        return -1.0
    if a1 != 0.0 and -a0 / a1 > 0.0:
        return -a0 / a1
    return -1.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def limit_direction(ux, uy, uz, upx, upy, upz, max_tilt, prev, max_angle, out):
    """Unit thrust direction ``u`` limited to ``max_tilt`` from ``up`` and ``max_angle`` from ``prev``."""
    n = math.sqrt(ux * ux + uy * uy + uz * uz)
    ux, uy, uz = ux / n, uy / n, uz / n
    c = ux * upx + uy * upy + uz * upz
    if c > 1.0:
        c = 1.0
    if c < -1.0:
        c = -1.0
    if max_tilt < math.pi and c < math.cos(max_tilt):
        hx, hy, hz = ux - c * upx, uy - c * upy, uz - c * upz
        h2 = hx * hx + hy * hy + hz * hz
        if h2 < 1e-24:  # pointing along -up: tilt toward x
            hx, hy, hz = 1.0 - upx * upx, -upx * upy, -upx * upz
            h2 = hx * hx + hy * hy + hz * hz
        hn = math.sqrt(h2)
        ux = math.cos(max_tilt) * upx + math.sin(max_tilt) * hx / hn
        uy = math.cos(max_tilt) * upy + math.sin(max_tilt) * hy / hn
        uz = math.cos(max_tilt) * upz + math.sin(max_tilt) * hz / hn
    # slew-rate limit: rotate prev toward u by at most max_angle
    c2 = ux * prev[0] + uy * prev[1] + uz * prev[2]
    if c2 > 1.0:
        c2 = 1.0
    if c2 < -1.0:
        c2 = -1.0
    if c2 < math.cos(max_angle):
        wx, wy, wz = ux - c2 * prev[0], uy - c2 * prev[1], uz - c2 * prev[2]
        wn = math.sqrt(wx * wx + wy * wy + wz * wz)
        if wn < 1e-12:  # opposite: rotate about any perpendicular
            wx, wy, wz = upx - prev[0] * (prev[0] * upx + prev[1] * upy + prev[2] * upz), 0.0, 0.0
            wn = 1.0
        ux = math.cos(max_angle) * prev[0] + math.sin(max_angle) * wx / wn
        uy = math.cos(max_angle) * prev[1] + math.sin(max_angle) * wy / wn
        uz = math.cos(max_angle) * prev[2] + math.sin(max_angle) * wz / wn
    n = math.sqrt(ux * ux + uy * uy + uz * uz)
    out[0] = ux / n
    out[1] = uy / n
    out[2] = uz / n


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _accel(rx, ry, rz, vx, vy, vz, m, tx, ty, tz, mu, radius, flat_g, wx, wy, wz):
    """Acceleration part of :func:`derivs` on plain floats (no arrays: stays in registers). Flat or sphere by
    selects, not branches (loops of the lockstep kernel that call it vectorize)."""
    flat = flat_g > 0.0
    px = rx
    py = ry
    pz = rz if flat else rz + radius
    r2 = px * px + py * py + pz * pz
    r3 = 1.0 if flat else r2 * math.sqrt(r2)  # (flat: unused, and r2 may be 0)
    q = 1.0 / (r3 * m)  # one division for 1/r^3 and 1/m (the divider, not the adders, limits the lockstep kernel)
    k = -mu * m * q
    inv_m = r3 * q
    gx = 0.0 if flat else k * px
    gy = 0.0 if flat else k * py
    gz = -flat_g if flat else k * pz
    cx, cy, cz, fx, fy, fz = _rotation_terms(px, py, pz, vx, vy, vz, wx, wy, wz)
    return gx + tx * inv_m + cx + fx, gy + ty * inv_m + cy + fy, gz + tz * inv_m + cz + fz


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _gravity_frame(rx, ry, rz, vx, vy, vz, mu, radius, flat_g, wx, wy, wz):
    """:func:`_accel` without thrust (gravity + Coriolis + centrifugal; same values, one division less)."""
    pz = rz if flat_g > 0.0 else rz + radius
    r2 = rx * rx + ry * ry + pz * pz
    return _gravity_frame_k(rx, ry, rz, vx, vy, vz, -mu / (r2 * math.sqrt(r2)), radius, flat_g, wx, wy, wz)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _gravity_frame_k(rx, ry, rz, vx, vy, vz, k, radius, flat_g, wx, wy, wz):
    """:func:`_gravity_frame` with the gravity factor ``k = -mu / |p|^3`` given (the lockstep kernel has ``1 / |p|``
    from its guidance frame at the same position)."""
    flat = flat_g > 0.0
    px = rx
    py = ry
    pz = rz if flat else rz + radius
    gx = 0.0 if flat else k * px
    gy = 0.0 if flat else k * py
    gz = -flat_g if flat else k * pz
    cx, cy, cz, fx, fy, fz = _rotation_terms(px, py, pz, vx, vy, vz, wx, wy, wz)
    return gx + cx + fx, gy + cy + fy, gz + cz + fz


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _rk4_scalar(x0, x1, x2, x3, x4, x5, x6, tx, ty, tz, mdot, mu, radius, flat_g, wx, wy, wz, dt):
    """:func:`rk4_step` on plain floats with the mass flow ``mdot`` (kg/s) given by the caller (who knows the
    thrust magnitude without a square root): returns the new ``(r, v, m)`` as a 7-tuple."""
    km = -mdot
    h = 0.5 * dt
    a1x, a1y, a1z = _accel(x0, x1, x2, x3, x4, x5, x6, tx, ty, tz, mu, radius, flat_g, wx, wy, wz)
    s0 = x0 + h * x3
    s1 = x1 + h * x4
    s2 = x2 + h * x5
    v2x = x3 + h * a1x
    v2y = x4 + h * a1y
    v2z = x5 + h * a1z
    s6 = x6 + h * km
    a2x, a2y, a2z = _accel(s0, s1, s2, v2x, v2y, v2z, s6, tx, ty, tz, mu, radius, flat_g, wx, wy, wz)
    s0 = x0 + h * v2x
    s1 = x1 + h * v2y
    s2 = x2 + h * v2z
    v3x = x3 + h * a2x
    v3y = x4 + h * a2y
    v3z = x5 + h * a2z
    s6 = x6 + h * km
    a3x, a3y, a3z = _accel(s0, s1, s2, v3x, v3y, v3z, s6, tx, ty, tz, mu, radius, flat_g, wx, wy, wz)
    s0 = x0 + dt * v3x
    s1 = x1 + dt * v3y
    s2 = x2 + dt * v3z
    v4x = x3 + dt * a3x
    v4y = x4 + dt * a3y
    v4z = x5 + dt * a3z
    s6 = x6 + dt * km
    a4x, a4y, a4z = _accel(s0, s1, s2, v4x, v4y, v4z, s6, tx, ty, tz, mu, radius, flat_g, wx, wy, wz)
    c = dt / 6.0
    return (
        x0 + c * (x3 + 2.0 * v2x + 2.0 * v3x + v4x),
        x1 + c * (x4 + 2.0 * v2y + 2.0 * v3y + v4y),
        x2 + c * (x5 + 2.0 * v2z + 2.0 * v3z + v4z),
        x3 + c * (a1x + 2.0 * a2x + 2.0 * a3x + a4x),
        x4 + c * (a1y + 2.0 * a2y + 2.0 * a3y + a4y),
        x5 + c * (a1z + 2.0 * a2z + 2.0 * a3z + a4z),
        x6 + c * (km + 2.0 * km + 2.0 * km + km),
    )


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _frame_scalar(x0, x1, x2, x3, x4, x5, radius, flat_g):
    """:func:`guidance_frame` on plain floats: returns the same 15 values as a tuple."""
    if flat_g > 0.0:
        ux, uy, uz = 0.0, 0.0, 1.0
        hx, hy = -x0, -x1
        s = math.sqrt(hx * hx + hy * hy)
        if s > 1e-6:
            dx, dy, dz = hx / s, hy / s, 0.0
        else:
            vh = math.sqrt(x3 ** 2 + x4 ** 2)
            if vh > 1e-6:
                dx, dy, dz = x3 / vh, x4 / vh, 0.0
            else:
                dx, dy, dz = 1.0, 0.0, 0.0
        h = x2
        pn = 1e300
        scale = 1.0
    else:
        px = x0
        py = x1
        pz = x2 + radius
        pn = math.sqrt(px * px + py * py + pz * pz)
        ux, uy, uz = px / pn, py / pn, pz / pn
        c = uz
        tx, ty, tz = -c * ux, -c * uy, 1.0 - c * uz
        sin_th = math.sqrt(ux * ux + uy * uy)
        tn = sin_th  # |t|^2 = c^2 (ux^2 + uy^2) + (1 - c^2)^2 = 1 - c^2 = ux^2 + uy^2 for a unit u
        theta = _vm.atan2_nonneg(sin_th, c)
        s = radius * theta
        if tn > 1e-12 and s > 1e-3:
            dx, dy, dz = tx / tn, ty / tn, tz / tn
        else:
            vr = x3 * ux + x4 * uy + x5 * uz
            hx, hy, hz = x3 - vr * ux, x4 - vr * uy, x5 - vr * uz
            vh = math.sqrt(hx * hx + hy * hy + hz * hz)
            if vh > 1e-6:
                dx, dy, dz = hx / vh, hy / vh, hz / vh
            else:
                ex, ey, ez = 1.0 - ux * ux, -ux * uy, -ux * uz
                en = math.sqrt(ex * ex + ey * ey + ez * ez)
                dx, dy, dz = ex / en, ey / en, ez / en
        h = pn - radius
        scale = radius / pn
    return _frame_tail(x3, x4, x5, ux, uy, uz, dx, dy, dz, s, h, pn, scale)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _frame_tail(x3, x4, x5, ux, uy, uz, dx, dy, dz, s, h, pn, scale):
    """The 15 values of :func:`_frame_scalar` from the up and downrange units: crossrange unit = up x downrange,
    velocity components along the three axes (horizontal ones scaled to the surface by ``scale``)."""
    cx = uy * dz - uz * dy
    cy = uz * dx - ux * dz
    cz = ux * dy - uy * dx
    return (ux, uy, uz, dx, dy, dz, cx, cy, cz, -s, h,
            (x3 * dx + x4 * dy + x5 * dz) * scale,
            (x3 * cx + x4 * cy + x5 * cz) * scale,
            x3 * ux + x4 * uy + x5 * uz,
            pn)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _limit_scalar(ux, uy, uz, upx, upy, upz, max_tilt, cos_tilt, sin_tilt, p0, p1, p2, cos_ang, sin_ang):
    """:func:`limit_direction` on plain floats with the cosines/sines precomputed: returns the unit vector."""
    n = math.sqrt(ux * ux + uy * uy + uz * uz)
    ux, uy, uz = ux / n, uy / n, uz / n
    c = ux * upx + uy * upy + uz * upz
    if c > 1.0:
        c = 1.0
    if c < -1.0:
        c = -1.0
    if max_tilt < math.pi and c < cos_tilt:
        hx, hy, hz = ux - c * upx, uy - c * upy, uz - c * upz
        h2 = hx * hx + hy * hy + hz * hz
        if h2 < 1e-24:  # pointing along -up: tilt toward x
            hx, hy, hz = 1.0 - upx * upx, -upx * upy, -upx * upz
            h2 = hx * hx + hy * hy + hz * hz
        hn = math.sqrt(h2)
        ux = cos_tilt * upx + sin_tilt * hx / hn
        uy = cos_tilt * upy + sin_tilt * hy / hn
        uz = cos_tilt * upz + sin_tilt * hz / hn
    c2 = ux * p0 + uy * p1 + uz * p2
    if c2 > 1.0:
        c2 = 1.0
    if c2 < -1.0:
        c2 = -1.0
    if c2 < cos_ang:
        wx, wy, wz = ux - c2 * p0, uy - c2 * p1, uz - c2 * p2
        wn = math.sqrt(wx * wx + wy * wy + wz * wz)
        if wn < 1e-12:
            wx, wy, wz = upx - p0 * (p0 * upx + p1 * upy + p2 * upz), 0.0, 0.0
            wn = 1.0
        ux = cos_ang * p0 + sin_ang * wx / wn
        uy = cos_ang * p1 + sin_ang * wy / wn
        uz = cos_ang * p2 + sin_ang * wz / wn
    n = math.sqrt(ux * ux + uy * uy + uz * uz)
    return ux / n, uy / n, uz / n


@njit(cache=True, fastmath=_FASTMATH)
def touchdown_verdict(x0_, x1_, x2_, x3_, x4_, x5_, x6_, td0, td1, td2, touched, exhausted, phase, phases, limits,
                      radius, flat_g, m0, t, out):
    """Write the touchdown summary of a finished flight into ``out (NOUT,)``: final state ``x*_`` (TARGET_ENU),
    thrust direction ``td*``, whether it touched the ground, ran dry, its phase, initial mass ``m0`` and time."""
    code = FAIL_NO_TD
    gfv = _frame_scalar(x0_, x1_, x2_, x3_, x4_, x5_, radius, flat_g)
    vv = gfv[13]
    vh = math.sqrt(max(x3_ ** 2 + x4_ ** 2 + x5_ ** 2 - vv * vv, 0.0))
    c = td0 * gfv[0] + td1 * gfv[1] + td2 * gfv[2]
    tilt = math.acos(min(1.0, max(-1.0, c)))
    if flat_g > 0.0:
        east = x0_
        north = x1_
    else:
        # surface arc east/north of the target (azimuthal equidistant)
        px, py, pz = x0_, x1_, x2_ + radius
        rho = math.sqrt(px * px + py * py)
        ang = math.atan2(rho, pz)
        if rho > 0.0:
            east = radius * ang * px / rho
            north = radius * ang * py / rho
        else:
            east = 0.0
            north = 0.0
    miss = math.sqrt(east * east + north * north)
    if touched:
        code = FAIL_NONE
        bad_v = limits[0] > 0.0 and -vv > limits[0]
        bad_h = limits[1] > 0.0 and vh > limits[1]
        bad_t = limits[2] > 0.0 and tilt > limits[2]
        if exhausted and (bad_v or bad_h or bad_t):
            code = FAIL_PROP
        elif (bad_v or bad_h or bad_t) and (
            (phase < phases.shape[0] - 1 and int(phases[phase, P_KIND]) != KIND_TERMINAL) or miss > EARLY_MISS_M
        ):
            code = FAIL_EARLY
        elif bad_v:
            code = FAIL_HARD
        elif bad_h or bad_t:
            code = FAIL_TIP
    elif exhausted:
        code = FAIL_PROP
    out[O_EAST] = east
    out[O_NORTH] = north
    out[O_VSPEED] = -vv
    out[O_HSPEED] = vh
    out[O_TILT] = tilt
    out[O_PROP] = m0 - x6_
    out[O_TIME] = t
    out[O_CODE] = code
    out[O_PHASE] = phase
    out[O_MISS] = miss


@njit(cache=True, fastmath=_FASTMATH)
def simulate_one(
    x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit, n_engines, t_out,
    mis1, mis2, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed,
    mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out, hist,
    gp_f, gp_i, tables, col_start,
):
    """Fly one descent; write the touchdown summary into ``out (NOUT,)``.

    ``x0 (7,)`` [r, v, m] TARGET_ENU; ``tmin_unit``/``tmax_unit``: thrust of one engine at min/max
    throttle (N, axial); ``t_out``: engine-out time (s, inf: none); ``mis1``/``mis2``: misalignment (rad);
    ``limits (4,)`` touchdown limits [vertical m/s, horizontal m/s, tilt rad, unused];
    ``gp_f, gp_i, tables, col_start``: optional spherical-harmonic gravity (see :func:`derivs_sh`; the truth
    model only, guidance assumes central gravity);
    ``hist``: (k, 10) array filled with [t, r(3), v(3), m, phase, commanded thrust N] at each step when it
    has rows (else untouched).
    """
    n_phase = phases.shape[0]
    use_sh = gp_f[0] != 0.0 and flat_g <= 0.0
    # the spherical-harmonic truth model integrates through the array kernels (gravity dominates its cost)
    xs = np.empty(7)
    thrust = np.zeros(3)
    k1 = np.empty(7)
    k2 = np.empty(7)
    k3 = np.empty(7)
    k4 = np.empty(7)
    tmp = np.empty(7)
    work = np.empty((6, gp_i[0] + 2)) if use_sh else np.empty((6, 2))
    gout = np.empty(3)
    # state on plain floats (registers), not small arrays
    x0_ = x0[0]
    x1_ = x0[1]
    x2_ = x0[2]
    x3_ = x0[3]
    x4_ = x0[4]
    x5_ = x0[5]
    x6_ = x0[6]
    pb0, pb1, pb2 = pos_bias[0], pos_bias[1], pos_bias[2]
    vb0, vb1, vb2 = vel_bias[0], vel_bias[1], vel_bias[2]
    isp_g0_nom = isp_nom * G0
    isp_g0 = isp_true * G0
    m_est = x0[6]
    noisy = pos_sig > 0.0 or vel_sig > 0.0 or alt_sig > 0.0
    # initial thrust direction: against the velocity relative to the surface
    vn = math.sqrt(x3_ ** 2 + x4_ ** 2 + x5_ ** 2)
    if vn > 1e-9:
        td0, td1, td2 = -x3_ / vn, -x4_ / vn, -x5_ / vn
    else:
        gfi = _frame_scalar(x0_, x1_, x2_, x3_, x4_, x5_, radius, flat_g)
        td0, td1, td2 = gfi[0], gfi[1], gfi[2]
    t_cmd = 0.0
    phase = 0
    t_phase = 0.0
    tgo = -1.0
    at_d = 0.0
    exhausted = False
    t = 0.0
    step = 0
    nh = hist.shape[0]
    max_angle = tilt_rate * dt * guid_every
    cos_ang = math.cos(max_angle)
    sin_ang = math.sin(max_angle)
    max_tilt = phases[0, P_MAX_TILT]
    cos_tilt = math.cos(max_tilt)
    sin_tilt = math.sin(max_tilt)
    touched = False
    dxx, dyy, dzz, dn = td0, td1, td2, 1.0
    n0 = n1 = n2 = n3 = n4 = n5 = n6 = n7 = 0.0
    ns0, ns1 = _vm.noise_seed(seed)  # the sample's noise stream (xoroshiro128++ state)
    if noisy:
        n0, n1, n2, n3, n4, n5, n6, n7, ns0, ns1 = _vm.normal_octet_next(ns0, ns1)
    while t < max_time:
        n_eng = n_engines
        if t >= t_out:
            n_eng = n_engines - 1
        tmin = tmin_unit * n_eng
        tmax = tmax_unit * n_eng
        if step % guid_every == 0:
            # --- navigation: true state + bias + white noise (the sample's own stream) ---
            e0 = x0_ + pb0
            e1 = x1_ + pb1
            e2 = x2_ + pb2
            e3 = x3_ + vb0
            e4 = x4_ + vb1
            e5 = x5_ + vb2
            h_est = altitude(x0_, x1_, x2_, radius, flat_g) + alt_bias
            if noisy:
                e0 += pos_sig * n0
                e1 += pos_sig * n1
                e2 += pos_sig * n2
                e3 += vel_sig * n3
                e4 += vel_sig * n4
                e5 += vel_sig * n5
                h_est += alt_sig * n6
            (g_ux, g_uy, g_uz, g_dx, g_dy, g_dz, g_cx, g_cy, g_cz, g_s, g_h, g_vd, g_vc, g_vu,
             g_pn) = _frame_scalar(e0, e1, e2, e3, e4, e5, radius, flat_g)
            # --- phase switching ---
            switched = True
            while switched and phase < n_phase - 1:
                switched = False
                kind = int(phases[phase, P_KIND])
                if h_est < phases[phase, P_EXIT_ALT]:
                    switched = True
                elif kind == KIND_POLY and tgo >= 0.0 and tgo < phases[phase, P_EXIT_TGO]:
                    switched = True
                elif kind == KIND_HOLD and t - t_phase >= phases[phase, P_DURATION]:
                    switched = True
                if switched:
                    phase += 1
                    t_phase = t
                    tgo = -1.0
                    max_tilt = phases[phase, P_MAX_TILT]
                    cos_tilt = math.cos(max_tilt)
                    sin_tilt = math.sin(max_tilt)
            kind = int(phases[phase, P_KIND])
            if t == t_phase:
                # phase entry: constant-deceleration downrange fit when the target acceleration is NaN
                at_d = phases[phase, P_AT]
                if kind == KIND_POLY and math.isnan(at_d):
                    dr = phases[phase, P_RT] - g_s
                    if abs(dr) > 1e-6:
                        at_d = (phases[phase, P_VT] ** 2 - g_vd ** 2) / (2.0 * dr)
                    else:
                        at_d = 0.0
            # gravity + frame terms at the estimated state (thrust = kinematic command - these)
            gxe, gye, gze = _gravity_frame(e0, e1, e2, e3, e4, e5, mu, radius, flat_g, wx, wy, wz)
            ax = 0.0
            ay = 0.0
            az = 0.0
            use_accel = True
            thr_frac = -1.0
            if kind == KIND_POLY:
                rt_d = phases[phase, P_RT]
                vt_d = phases[phase, P_VT]
                if tgo > 0.0 and tgo < TGO_COUNTDOWN_S:
                    # the downrange cubic degenerates as range and speed vanish: count down instead
                    tgo = max(tgo - dt * guid_every, 1e-3)
                else:
                    tg = solve_tgo(g_s, g_vd, rt_d, vt_d, at_d, phases[phase, P_JT], tgo - dt * guid_every)
                    if tg > 0.0:
                        tgo = tg
                    elif tgo > 0.0:
                        tgo = max(tgo - dt * guid_every, 1e-3)
                    else:
                        tgo = 1.0
                tg = max(tgo, phases[phase, P_EXIT_TGO], 1e-2)  # gains grow as 1/T^2: freeze at the exit time-to-go
                a_d = poly_accel(g_s, g_vd, rt_d, vt_d, at_d, tg)
                a_c = poly_accel(0.0, g_vc, phases[phase, P_RT + 1], phases[phase, P_VT + 1],
                                 phases[phase, P_AT + 1], tg)
                a_u = poly_accel(g_h, g_vu, phases[phase, P_RT + 2], phases[phase, P_VT + 2],
                                 phases[phase, P_AT + 2], tg)
                # curvilinear -> Cartesian: centripetal and transport terms of motion over the sphere
                vh_x = e3 - g_vu * g_ux
                vh_y = e4 - g_vu * g_uy
                vh_z = e5 - g_vu * g_uz
                vh2 = vh_x * vh_x + vh_y * vh_y + vh_z * vh_z
                inv_p = 1.0 / g_pn
                au_eff = a_u - vh2 * inv_p
                ax = a_d * g_dx + a_c * g_cx + au_eff * g_ux + g_vu * inv_p * vh_x
                ay = a_d * g_dy + a_c * g_cy + au_eff * g_uy + g_vu * inv_p * vh_y
                az = a_d * g_dz + a_c * g_cz + au_eff * g_uz + g_vu * inv_p * vh_z
            elif kind == KIND_TERMINAL:
                h = h_est
                if t - t_phase < phases[phase, P_DURATION]:
                    vref_u = 0.0
                else:
                    vref_u = -min(phases[phase, P_MAX_RATE], max(phases[phase, P_TD_RATE], h / phases[phase, P_TAU]))
                kg = phases[phase, P_HGAIN]
                vref_d = kg * (-g_s)
                vmax_h = 5.0
                if vref_d > vmax_h:
                    vref_d = vmax_h
                if vref_d < -vmax_h:
                    vref_d = -vmax_h
                kv = 1.0 / 2.0  # 1/s velocity loop
                a_d = kv * (vref_d - g_vd)
                a_c = kv * (0.0 - g_vc)
                a_u = 2.0 * kv * (vref_u - g_vu)
                ax = a_d * g_dx + a_c * g_cx + a_u * g_ux
                ay = a_d * g_dy + a_c * g_cy + a_u * g_uy
                az = a_d * g_dz + a_c * g_cz + a_u * g_uz
            elif kind == KIND_GRAVITY_TURN:
                use_accel = False
                vn = math.sqrt(e3 ** 2 + e4 ** 2 + e5 ** 2)
                if vn > 1e-9:
                    ax, ay, az = -e3 / vn, -e4 / vn, -e5 / vn
                else:
                    ax, ay, az = g_ux, g_uy, g_uz
                thr_frac = phases[phase, P_THROTTLE]
            else:  # KIND_HOLD
                use_accel = False
                ax, ay, az = td0, td1, td2
                thr_frac = phases[phase, P_THROTTLE]
            if use_accel:
                # thrust acceleration = kinematic command - (gravity + frame terms)
                tax = ax - gxe
                tay = ay - gye
                taz = az - gze
                tan_ = math.sqrt(tax * tax + tay * tay + taz * taz)
                if tan_ < 1e-12:
                    tax, tay, taz, tan_ = g_ux, g_uy, g_uz, 1e-12
                nd0, nd1, nd2 = _limit_scalar(tax, tay, taz, g_ux, g_uy, g_uz, max_tilt, cos_tilt, sin_tilt,
                                              td0, td1, td2, cos_ang, sin_ang)
                # magnitude: project the command on the achievable direction
                proj = (tax * nd0 + tay * nd1 + taz * nd2) * m_est
                t_cmd = proj
            else:
                nd0, nd1, nd2 = _limit_scalar(ax, ay, az, g_ux, g_uy, g_uz, max_tilt, cos_tilt, sin_tilt,
                                              td0, td1, td2, cos_ang, sin_ang)
                if not math.isnan(thr_frac):
                    t_cmd = thr_frac * tmax
            if t_cmd > tmax:
                t_cmd = tmax
            if t_cmd < tmin:
                t_cmd = tmin
            td0, td1, td2 = nd0, nd1, nd2
            # --- actuator direction: misalignment about two axes normal to tdir (held until the next cycle) ---
            if mis1 != 0.0 or mis2 != 0.0:
                # e = tdir x north-ish, f = tdir x e
                ex, ey, ez = -td2, 0.0, td0
                en = math.sqrt(ex * ex + ez * ez)
                if en < 1e-9:
                    ex, ey, ez, en = 1.0, 0.0, 0.0, 1.0
                ex, ey, ez = ex / en, ey / en, ez / en
                fx = td1 * ez - td2 * ey
                fy = td2 * ex - td0 * ez
                fz = td0 * ey - td1 * ex
                dxx = td0 + mis1 * ex + mis2 * fx
                dyy = td1 + mis1 * ey + mis2 * fy
                dzz = td2 + mis1 * ez + mis2 * fz
                dn = math.sqrt(dxx * dxx + dyy * dyy + dzz * dzz)
            else:
                dxx, dyy, dzz, dn = td0, td1, td2, 1.0
            if noisy:
                # next cycle's noise, drawn here: its log chains overlap the integration below instead of
                # delaying the next guidance cycle
                n0, n1, n2, n3, n4, n5, n6, n7, ns0, ns1 = _vm.normal_octet_next(ns0, ns1)
        # --- actuators: true thrust with scale error and misalignment ---
        tt = t_cmd * thrust_scale
        mdot = tt / isp_g0
        if exhausted:
            tt = 0.0
            mdot = 0.0
        elif x6_ - mdot * dt <= dry_mass:
            # burn exactly the remaining propellant in this step, then coast
            mdot = (x6_ - dry_mass) / dt
            tt = mdot * isp_g0
            exhausted = True
        tn = tt / dn
        th0 = tn * dxx
        th1 = tn * dyy
        th2 = tn * dzz
        p0, p1, p2, p3, p4, p5, p6 = x0_, x1_, x2_, x3_, x4_, x5_, x6_
        if use_sh:
            xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6] = x0_, x1_, x2_, x3_, x4_, x5_, x6_
            thrust[0], thrust[1], thrust[2] = th0, th1, th2
            rk4_step_sh(xs, thrust, mdot, radius, wx, wy, wz, dt, k1, k2, k3, k4, tmp, gp_f, gp_i, tables,
                        col_start, work, gout)
            x0_, x1_, x2_, x3_, x4_, x5_, x6_ = xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6]
        else:
            x0_, x1_, x2_, x3_, x4_, x5_, x6_ = _rk4_scalar(x0_, x1_, x2_, x3_, x4_, x5_, x6_, th0, th1, th2,
                                                            mdot, mu, radius, flat_g, wx, wy, wz, dt)
        if exhausted:
            x6_ = max(x6_, dry_mass)
        m_est -= t_cmd / isp_g0_nom * dt if not exhausted else 0.0
        t += dt
        step += 1
        if step < nh:
            hist[step, 0] = t
            hist[step, 1] = x0_
            hist[step, 2] = x1_
            hist[step, 3] = x2_
            hist[step, 4] = x3_
            hist[step, 5] = x4_
            hist[step, 6] = x5_
            hist[step, 7] = x6_
            hist[step, 8] = phase
            hist[step, 9] = t_cmd
        h_new = altitude(x0_, x1_, x2_, radius, flat_g)
        if h_new <= 0.0:
            h_old = altitude(p0, p1, p2, radius, flat_g)
            f = h_old / (h_old - h_new) if h_old > h_new else 1.0
            x0_ = p0 + f * (x0_ - p0)
            x1_ = p1 + f * (x1_ - p1)
            x2_ = p2 + f * (x2_ - p2)
            x3_ = p3 + f * (x3_ - p3)
            x4_ = p4 + f * (x4_ - p4)
            x5_ = p5 + f * (x5_ - p5)
            x6_ = p6 + f * (x6_ - p6)
            t = t - dt + f * dt
            touched = True
            break
    if nh > 0:
        hist[0, 0] = 0.0
        for i in range(7):
            hist[0, 1 + i] = x0[i]
        hist[0, 8] = 0.0
        hist[0, 9] = hist[1, 9] if nh > 1 else 0.0
    touchdown_verdict(x0_, x1_, x2_, x3_, x4_, x5_, x6_, td0, td1, td2, touched, exhausted, phase, phases,
                      limits, radius, flat_g, x0[6], t, out)


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def simulate_batch_kernel(
    x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit, n_engines, t_out,
    mis, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed,
    mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out, gp_f, gp_i, tables, col_start,
):
    """Run :func:`simulate_one` for every row (parallel over samples, chunks of ``SAMPLES_PER_CHUNK`` handed out
    by a shared counter: see :mod:`lunapole.kernels.work_queue`). Per-sample arrays have length n."""
    n = x0.shape[0]
    n_chunks = (n + SAMPLES_PER_CHUNK - 1) // SAMPLES_PER_CHUNK
    next_chunk = np.zeros(1, dtype=np.int64)
    for _worker in prange(min(n_chunks, _wq.MAX_WORKERS)):
        hist = np.empty((0, 10))
        row = np.empty(NOUT)
        c = _fetch_add(next_chunk, 0, 1)
        while c < n_chunks:
            for i in range(c * SAMPLES_PER_CHUNK, min(n, (c + 1) * SAMPLES_PER_CHUNK)):
                simulate_one(
                    x0[i], phases, dry_mass[i], isp_nom, isp_true[i], thrust_scale[i], tmin_unit, tmax_unit,
                    n_engines, t_out[i], mis[i, 0], mis[i, 1], pos_bias[i], vel_bias[i], alt_bias[i], pos_sig[i],
                    vel_sig[i], alt_sig[i], seed[i], mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time,
                    tilt_rate, limits, row, hist, gp_f, gp_i, tables, col_start,
                )
                for j in range(NOUT):
                    out[i, j] = row[j]
            c = _fetch_add(next_chunk, 0, 1)
