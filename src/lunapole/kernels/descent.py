"""Closed-loop powered descent on plain floats: point-mass dynamics, phased polynomial guidance, RK4.

One sample = one lander flying the whole phase list from ignition to touchdown. ``simulate_batch_kernel``
runs many samples in parallel (``prange``); every sample only reads its own row of each input, and its
noise comes from a counter-based generator keyed by ``(seed, guidance cycle, channel)``, so a sample's
result is bit-identical whatever batch it is in and however the batch is split over threads.

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

Pure-Python twin: the same source executed without numba (``lunapole.descent.reference``).
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

if not globals().get("_PURE_PYTHON", False):  # numba's cache does not see changes in the inlined gravity kernel
    from lunapole.kernels import _numba_cache
    from lunapole.kernels import gravity as _gravity

    _numba_cache.invalidate_stale(__file__, [_gravity.__file__])

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

_U1 = np.uint64(0x9E3779B97F4A7C15)
_U2 = np.uint64(0xBF58476D1CE4E5B9)
_U3 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_CH = np.uint64(0xD1B54A32D192ED03)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _mix64(x):
    """splitmix64 finalizer (Steele, Lea & Flood 2014): a bijective 64-bit hash."""
    x = x + _U1
    x = (x ^ (x >> _S30)) * _U2
    x = (x ^ (x >> _S27)) * _U3
    return x ^ (x >> _S31)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def normal_pair(seed, counter, channel):
    """Two independent standard normal deviates for (seed, counter, channel): Marsaglia's polar method on
    successive hashes of the key (53-bit uniforms; no trigonometry)."""
    h = _mix64(seed ^ _mix64(np.uint64(counter) * _CH + np.uint64(channel)))
    while True:
        h = _mix64(h)
        u = float(h >> _S11) * (2.0 / 9007199254740992.0) - 1.0
        h = _mix64(h)
        v = float(h >> _S11) * (2.0 / 9007199254740992.0) - 1.0
        q = u * u + v * v
        if q > 0.0 and q < 1.0:
            f = math.sqrt(-2.0 * math.log(q) / q)
            return u * f, v * f


@njit(cache=True, fastmath=_FASTMATH)
def normal_noise(seed, counter, channel):
    """One standard normal deviate for (seed, counter, channel) (first of :func:`normal_pair`)."""
    return normal_pair(seed, counter, channel)[0]


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _frame_terms(x, px, py, pz, gx, gy, gz, thrust, mdot, wx, wy, wz, out):
    """Fill ``out`` with [v, gravity + T/m - 2 w x v - w x (w x p), -mdot]."""
    m = x[6]
    vx = x[3]
    vy = x[4]
    vz = x[5]
    # -2 w x v
    cx = -2.0 * (wy * vz - wz * vy)
    cy = -2.0 * (wz * vx - wx * vz)
    cz = -2.0 * (wx * vy - wy * vx)
    # -w x (w x p)
    ax_ = wy * pz - wz * py
    ay_ = wz * px - wx * pz
    az_ = wx * py - wy * px
    fx = -(wy * az_ - wz * ay_)
    fy = -(wz * ax_ - wx * az_)
    fz = -(wx * ay_ - wy * ax_)
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
def rk4_step_sh(x, thrust, isp_g0, radius, wx, wy, wz, dt, k1, k2, k3, k4, tmp, gp_f, gp_i, tables, col_start,
                work, gout):
    """:func:`rk4_step` with the spherical-harmonic gravity of :func:`derivs_sh`."""
    mdot = math.sqrt(thrust[0] ** 2 + thrust[1] ** 2 + thrust[2] ** 2) / isp_g0
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
    """Altitude above the sphere of radius ``radius`` (flat mode: z)."""
    if flat_g > 0.0:
        return x2
    pz = x2 + radius
    return math.sqrt(x0 * x0 + x1 * x1 + pz * pz) - radius


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
        tn = math.sqrt(tx * tx + ty * ty + tz * tz)
        sin_th = math.sqrt(ux * ux + uy * uy)
        theta = math.atan2(sin_th, c)
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
        if abs(tn - t) < 1e-9 * (1.0 + t):
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
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        if hn < 1e-12:
            hx, hy, hz, hn = 1.0 - upx * upx, -upx * upy, -upx * upz, 1.0
            hn = math.sqrt(hx * hx + hy * hy + hz * hz)
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
    x = x0.copy()
    xp = x0.copy()
    k1 = np.empty(7)
    k2 = np.empty(7)
    k3 = np.empty(7)
    k4 = np.empty(7)
    tmp = np.empty(7)
    gf = np.empty(15)
    xe = np.empty(6)
    thrust = np.zeros(3)
    tdir = np.empty(3)
    newdir = np.empty(3)
    isp_g0_nom = isp_nom * G0
    work = np.empty((6, gp_i[0] + 2)) if gp_f[0] != 0.0 else np.empty((6, 2))
    gout = np.empty(3)
    use_sh = gp_f[0] != 0.0 and flat_g <= 0.0
    isp_g0 = isp_true * G0
    m_est = x0[6]
    # initial thrust direction: against the velocity relative to the surface
    vn = math.sqrt(x[3] ** 2 + x[4] ** 2 + x[5] ** 2)
    if vn > 1e-9:
        tdir[0], tdir[1], tdir[2] = -x[3] / vn, -x[4] / vn, -x[5] / vn
    else:
        guidance_frame(x, radius, flat_g, gf)
        tdir[0], tdir[1], tdir[2] = gf[0], gf[1], gf[2]
    t_cmd = 0.0
    phase = 0
    t_phase = 0.0
    tgo = -1.0
    at_d = 0.0
    exhausted = False
    t = 0.0
    step = 0
    cycle = 0
    nh = hist.shape[0]
    max_angle = tilt_rate * dt * guid_every
    code = FAIL_NO_TD
    touched = False
    while t < max_time:
        n_eng = n_engines
        if t >= t_out:
            n_eng = n_engines - 1
        tmin = tmin_unit * n_eng
        tmax = tmax_unit * n_eng
        if step % guid_every == 0:
            # --- navigation: true state + bias + white noise (counter-based, per sample) ---
            for i in range(6):
                xe[i] = x[i]
            xe[0] += pos_bias[0]
            xe[1] += pos_bias[1]
            xe[2] += pos_bias[2]
            xe[3] += vel_bias[0]
            xe[4] += vel_bias[1]
            xe[5] += vel_bias[2]
            h_est = altitude(x[0], x[1], x[2], radius, flat_g) + alt_bias
            if pos_sig > 0.0 or vel_sig > 0.0 or alt_sig > 0.0:
                n0, n1 = normal_pair(seed, cycle, 0)
                n2, n3 = normal_pair(seed, cycle, 1)
                n4, n5 = normal_pair(seed, cycle, 2)
                n6, n7 = normal_pair(seed, cycle, 3)
                xe[0] += pos_sig * n0
                xe[1] += pos_sig * n1
                xe[2] += pos_sig * n2
                xe[3] += vel_sig * n3
                xe[4] += vel_sig * n4
                xe[5] += vel_sig * n5
                h_est += alt_sig * n6
            guidance_frame(xe, radius, flat_g, gf)
            cycle += 1
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
            kind = int(phases[phase, P_KIND])
            if t == t_phase:
                # phase entry: constant-deceleration downrange fit when the target acceleration is NaN
                at_d = phases[phase, P_AT]
                if kind == KIND_POLY and math.isnan(at_d):
                    dr = phases[phase, P_RT] - gf[9]
                    if abs(dr) > 1e-6:
                        at_d = (phases[phase, P_VT] ** 2 - gf[11] ** 2) / (2.0 * dr)
                    else:
                        at_d = 0.0
            # gravity + frame terms at the estimated state (thrust = kinematic command - these)
            derivs_x = xe  # alias for clarity
            for i in range(6):
                tmp[i] = derivs_x[i]
            tmp[6] = m_est
            thrust[0] = 0.0
            thrust[1] = 0.0
            thrust[2] = 0.0
            derivs(tmp, thrust, 0.0, mu, radius, flat_g, wx, wy, wz, k1)
            gxe, gye, gze = k1[3], k1[4], k1[5]
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
                    tg = solve_tgo(gf[9], gf[11], rt_d, vt_d, at_d, phases[phase, P_JT], tgo - dt * guid_every)
                    if tg > 0.0:
                        tgo = tg
                    elif tgo > 0.0:
                        tgo = max(tgo - dt * guid_every, 1e-3)
                    else:
                        tgo = 1.0
                tg = max(tgo, phases[phase, P_EXIT_TGO], 1e-2)  # gains grow as 1/T^2: freeze at the exit time-to-go
                a_d = poly_accel(gf[9], gf[11], rt_d, vt_d, at_d, tg)
                a_c = poly_accel(0.0, gf[12], phases[phase, P_RT + 1], phases[phase, P_VT + 1],
                                 phases[phase, P_AT + 1], tg)
                a_u = poly_accel(gf[10], gf[13], phases[phase, P_RT + 2], phases[phase, P_VT + 2],
                                 phases[phase, P_AT + 2], tg)
                # curvilinear -> Cartesian: centripetal and transport terms of motion over the sphere
                vh_x = xe[3] - gf[13] * gf[0]
                vh_y = xe[4] - gf[13] * gf[1]
                vh_z = xe[5] - gf[13] * gf[2]
                vh2 = vh_x * vh_x + vh_y * vh_y + vh_z * vh_z
                inv_p = 1.0 / gf[14]
                au_eff = a_u - vh2 * inv_p
                ax = a_d * gf[3] + a_c * gf[6] + au_eff * gf[0] + gf[13] * inv_p * vh_x
                ay = a_d * gf[4] + a_c * gf[7] + au_eff * gf[1] + gf[13] * inv_p * vh_y
                az = a_d * gf[5] + a_c * gf[8] + au_eff * gf[2] + gf[13] * inv_p * vh_z
            elif kind == KIND_TERMINAL:
                h = h_est
                if t - t_phase < phases[phase, P_DURATION]:
                    vref_u = 0.0
                else:
                    vref_u = -min(phases[phase, P_MAX_RATE], max(phases[phase, P_TD_RATE], h / phases[phase, P_TAU]))
                kg = phases[phase, P_HGAIN]
                vref_d = kg * (-gf[9])
                vmax_h = 5.0
                if vref_d > vmax_h:
                    vref_d = vmax_h
                if vref_d < -vmax_h:
                    vref_d = -vmax_h
                kv = 1.0 / 2.0  # 1/s velocity loop
                a_d = kv * (vref_d - gf[11])
                a_c = kv * (0.0 - gf[12])
                a_u = 2.0 * kv * (vref_u - gf[13])
                ax = a_d * gf[3] + a_c * gf[6] + a_u * gf[0]
                ay = a_d * gf[4] + a_c * gf[7] + a_u * gf[1]
                az = a_d * gf[5] + a_c * gf[8] + a_u * gf[2]
            elif kind == KIND_GRAVITY_TURN:
                use_accel = False
                vn = math.sqrt(xe[3] ** 2 + xe[4] ** 2 + xe[5] ** 2)
                if vn > 1e-9:
                    ax, ay, az = -xe[3] / vn, -xe[4] / vn, -xe[5] / vn
                else:
                    ax, ay, az = gf[0], gf[1], gf[2]
                thr_frac = phases[phase, P_THROTTLE]
            else:  # KIND_HOLD
                use_accel = False
                ax, ay, az = tdir[0], tdir[1], tdir[2]
                thr_frac = phases[phase, P_THROTTLE]
            if use_accel:
                # thrust acceleration = kinematic command - (gravity + frame terms)
                tax = ax - gxe
                tay = ay - gye
                taz = az - gze
                tan_ = math.sqrt(tax * tax + tay * tay + taz * taz)
                if tan_ < 1e-12:
                    tax, tay, taz, tan_ = gf[0], gf[1], gf[2], 1e-12
                limit_direction(tax, tay, taz, gf[0], gf[1], gf[2], phases[phase, P_MAX_TILT], tdir, max_angle, newdir)
                # magnitude: project the command on the achievable direction
                proj = (tax * newdir[0] + tay * newdir[1] + taz * newdir[2]) * m_est
                t_cmd = proj
            else:
                limit_direction(ax, ay, az, gf[0], gf[1], gf[2], phases[phase, P_MAX_TILT], tdir, max_angle, newdir)
                if not math.isnan(thr_frac):
                    t_cmd = thr_frac * tmax
            if t_cmd > tmax:
                t_cmd = tmax
            if t_cmd < tmin:
                t_cmd = tmin
            tdir[0], tdir[1], tdir[2] = newdir[0], newdir[1], newdir[2]
        # --- actuators: true thrust with scale error and misalignment ---
        tt = t_cmd * thrust_scale
        if mis1 != 0.0 or mis2 != 0.0:
            # two axes normal to tdir: e = tdir x north-ish, f = tdir x e
            ex, ey, ez = -tdir[2], 0.0, tdir[0]
            en = math.sqrt(ex * ex + ez * ez)
            if en < 1e-9:
                ex, ey, ez, en = 1.0, 0.0, 0.0, 1.0
            ex, ey, ez = ex / en, ey / en, ez / en
            fx = tdir[1] * ez - tdir[2] * ey
            fy = tdir[2] * ex - tdir[0] * ez
            fz = tdir[0] * ey - tdir[1] * ex
            dxx = tdir[0] + mis1 * ex + mis2 * fx
            dyy = tdir[1] + mis1 * ey + mis2 * fy
            dzz = tdir[2] + mis1 * ez + mis2 * fz
            dn = math.sqrt(dxx * dxx + dyy * dyy + dzz * dzz)
        else:
            dxx, dyy, dzz, dn = tdir[0], tdir[1], tdir[2], 1.0
        if exhausted:
            tt = 0.0
        else:
            mdot = tt / isp_g0
            if x[6] - mdot * dt <= dry_mass:
                # burn exactly the remaining propellant in this step, then coast
                tt = (x[6] - dry_mass) / dt * isp_g0
                exhausted = True
        thrust[0] = tt * dxx / dn
        thrust[1] = tt * dyy / dn
        thrust[2] = tt * dzz / dn
        for i in range(7):
            xp[i] = x[i]
        if use_sh:
            rk4_step_sh(x, thrust, isp_g0, radius, wx, wy, wz, dt, k1, k2, k3, k4, tmp, gp_f, gp_i, tables,
                        col_start, work, gout)
        else:
            rk4_step(x, thrust, isp_g0, mu, radius, flat_g, wx, wy, wz, dt, k1, k2, k3, k4, tmp)
        if exhausted:
            x[6] = max(x[6], dry_mass)
        m_est -= t_cmd / isp_g0_nom * dt if not exhausted else 0.0
        t += dt
        step += 1
        if step < nh:
            hist[step, 0] = t
            for i in range(7):
                hist[step, 1 + i] = x[i]
            hist[step, 8] = phase
            hist[step, 9] = t_cmd
        h_new = altitude(x[0], x[1], x[2], radius, flat_g)
        if h_new <= 0.0:
            h_old = altitude(xp[0], xp[1], xp[2], radius, flat_g)
            f = h_old / (h_old - h_new) if h_old > h_new else 1.0
            for i in range(7):
                x[i] = xp[i] + f * (x[i] - xp[i])
            t = t - dt + f * dt
            touched = True
            break
    if nh > 0:
        hist[0, 0] = 0.0
        for i in range(7):
            hist[0, 1 + i] = x0[i]
        hist[0, 8] = 0.0
        hist[0, 9] = hist[1, 9] if nh > 1 else 0.0
    # --- touchdown verdict ---
    guidance_frame(x, radius, flat_g, gf)
    vv = gf[13]
    vh = math.sqrt(max(x[3] ** 2 + x[4] ** 2 + x[5] ** 2 - vv * vv, 0.0))
    c = tdir[0] * gf[0] + tdir[1] * gf[1] + tdir[2] * gf[2]
    tilt = math.acos(min(1.0, max(-1.0, c)))
    if flat_g > 0.0:
        east = x[0]
        north = x[1]
    else:
        # surface arc east/north of the target (azimuthal equidistant)
        px, py, pz = x[0], x[1], x[2] + radius
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
            (phase < n_phase - 1 and int(phases[phase, P_KIND]) != KIND_TERMINAL) or miss > EARLY_MISS_M
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
    out[O_PROP] = x0[6] - x[6]
    out[O_TIME] = t
    out[O_CODE] = code
    out[O_PHASE] = phase
    out[O_MISS] = miss


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def simulate_batch_kernel(
    x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit, n_engines, t_out,
    mis, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed,
    mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out, gp_f, gp_i, tables, col_start,
):
    """Run :func:`simulate_one` for every row (parallel over samples). Per-sample arrays have length n."""
    n = x0.shape[0]
    for i in prange(n):
        hist = np.empty((0, 10))
        row = np.empty(NOUT)
        simulate_one(
            x0[i], phases, dry_mass[i], isp_nom, isp_true[i], thrust_scale[i], tmin_unit, tmax_unit,
            n_engines, t_out[i], mis[i, 0], mis[i, 1], pos_bias[i], vel_bias[i], alt_bias[i], pos_sig[i],
            vel_sig[i], alt_sig[i], seed[i], mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time,
            tilt_rate, limits, row, hist, gp_f, gp_i, tables, col_start,
        )
        for j in range(NOUT):
            out[i, j] = row[j]


if globals().get("_PURE_PYTHON", False):
    # Twin of the RNG with Python integers (numpy uint64 scalars warn on the intended wrap-around).
    _MASK = (1 << 64) - 1

    def _mix64(x):  # noqa: F811
        x = (int(x) + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        return x ^ (x >> 31)

    def normal_pair(seed, counter, channel):  # noqa: F811
        h = _mix64(int(seed) ^ _mix64((int(counter) * 0xD1B54A32D192ED03 + int(channel)) & _MASK))
        while True:
            h = _mix64(h)
            u = float(h >> 11) * (2.0 / 9007199254740992.0) - 1.0
            h = _mix64(h)
            v = float(h >> 11) * (2.0 / 9007199254740992.0) - 1.0
            q = u * u + v * v
            if 0.0 < q < 1.0:
                f = math.sqrt(-2.0 * math.log(q) / q)
                return u * f, v * f
