"""Lockstep closed-loop descents: ``LANES`` landers advanced through the same instructions (SIMD across samples).

Same physics, guidance and noise as :func:`lunapole.kernels.descent.simulate_one` (central gravity or flat
ground; the spherical-harmonic truth model stays on the scalar kernel). Why a second kernel: one lander's step is
a serial chain of square roots, divisions and a Newton solve that leaves most of the core idle; ``LANES``
independent landers side by side fill the vector units (AVX2: 4 doubles per instruction) and hide latencies.

Layout: a block holds ``LANES`` samples in structure-of-arrays form (one array of ``LANES`` per quantity). Each
0.1 s step is a few loops over the lanes whose bodies have no branches (every alternative is computed and
selected; transcendental functions from :mod:`lunapole.kernels.vecmath`), so LLVM vectorizes them:

1. navigation noise (stream words, then float32 Box-Muller over all pairs of the block: 8 per instruction),
   navigation estimate, guidance frame, phase-switch detection;
2. (scalar, only for lanes that switch phase or enter one) the phase table bookkeeping;
3. Newton iterations for the time-to-go, all lanes together until each lane's own stopping rule holds
   (the quadratic fallback, rare, runs scalar for the lanes that need it);
4. guidance command of every phase kind, selected by the lane's kind; pointing, slew and throttle limits;
5. thrust, RK4 step, ground test; (scalar, only on touchdown) interpolation to the ground and the verdict.

A sample's numbers depend only on its own inputs: every lane runs the same vector instructions (a block that is
not full is padded with copies of its last sample, whose results are dropped), so results are bit-identical
whatever the batch size, block position or thread count. Against the scalar kernel they agree to round-off
(FMA contraction may differ), tested in ``tests/descent/test_lockstep.py``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from lunapole.kernels import _numba_cache
from lunapole.kernels import descent as kd
from lunapole.kernels import gravity as _gravity
from lunapole.kernels import vecmath as vm
from lunapole.kernels import work_queue as wq

_numba_cache.invalidate_stale(__file__, [kd.__file__, vm.__file__, _gravity.__file__, wq.__file__])

LANES = 32  # samples per block (8 AVX2 vectors of doubles; the block's state stays in L1 cache)
# FMA contraction only, no reassociation: LLVM may run some lanes through scalar code (a peeled first iteration, a
# remainder); with reassociation that code rounded differently from the vector code (a sample's result then depended
# on its lane, seen as 1e-10 m at touchdown), while contraction is decided the same way for both.
_OPTS = dict(cache=True, fastmath={"contract"}, error_model="numpy")

# Per-lane scratch of a block: one float64 vector ``S``, quantity q of lane j at ``S[q_offset + row * LANES + j]``.
# One base pointer with constant offsets lets LLVM prove that the lane loops' loads and stores do not overlap (with
# separate arrays it needs run-time alias checks and gives up vectorizing).
G_UX, G_UY, G_UZ, G_DX, G_DY, G_DZ, G_CX, G_CY, G_CZ, G_S, G_H, G_VD, G_VC, G_VU, G_IPN = range(15)
G_E0, G_HEST = 15, 21  # e0..e5 at 15..20
NG = 22
C_PB, C_VB, C_AB, C_PS, C_VS, C_AS, C_ISPG0, C_DRY, C_TS, C_TOUT, C_M1, C_M2, C_M0 = 0, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
NC = 17
_SIZES = (("SX", 7), ("SXP", 7), ("SC", NC), ("SP", kd.NPAR), ("SG", NG), ("STD", 3), ("SAD", 4), ("SCA", 4),
          ("SCT", 1), ("SST", 1), ("STPH", 1), ("STGO", 1), ("SATD", 1), ("SMEST", 1), ("STCMD", 1), ("SEXH", 1),
          ("SDONE", 1), ("SSW", 1), ("SNT", 1), ("SNACT", 1), ("SSV", 1), ("SN", 3), ("SCMD", 3), ("SPH", 1), ("SRNG", 2), ("SHT", 1))
SX = SXP = SC = SP = SG = STD = SAD = SCA = SCT = SST = STPH = STGO = SATD = SMEST = STCMD = SEXH = SDONE = SSW = 0
SNT = SNACT = SSV = SN = SCMD = SPH = SRNG = SHT = 0
_row = 0
for _name, _n in _SIZES:  # offsets in units of elements: state x, previous state, constants, phase row, ...
    globals()[_name] = _row * LANES
    _row += _n
NROWS = _row


@njit(inline="always", **_OPTS)
def _cubic_coeffs(S, j):
    """Lane ``j``'s time-to-go cubic ``a3 T^3 + a2 T^2 + a1 T + a0`` (see :func:`lunapole.kernels.descent.solve_tgo`)."""
    W = LANES
    return S[SCA + j], S[SCA + W + j], S[SCA + 2 * W + j], S[SCA + 3 * W + j]


@njit(inline="always", **_OPTS)
def _load_state(S, j):
    """Lane ``j``'s true state ``(r, v, m)`` as a 7-tuple."""
    W = LANES
    return (S[SX + j], S[SX + W + j], S[SX + 2 * W + j], S[SX + 3 * W + j], S[SX + 4 * W + j], S[SX + 5 * W + j],
            S[SX + 6 * W + j])


@njit(inline="always", **_OPTS)
def _frame_flat(x0, x1, x2, x3, x4, x5):
    """Flat-ground branch of :func:`lunapole.kernels.descent._frame_scalar` with selects (same formulas; the last
    value ``1 / |p|`` is ~0: the ground has no curvature)."""
    hx = -x0
    hy = -x1
    s = math.sqrt(hx * hx + hy * hy)
    vh = math.sqrt(x3 ** 2 + x4 ** 2)
    use_pos = s > 1e-6
    use_vel = vh > 1e-6
    dx = hx / s if use_pos else (x3 / vh if use_vel else 1.0)
    dy = hy / s if use_pos else (x4 / vh if use_vel else 0.0)
    return kd._frame_tail(x3, x4, x5, 0.0, 0.0, 1.0, dx, dy, 0.0, s, x2, 1e-300, 1.0)


@njit(inline="always", **_OPTS)
def _frame_sphere(x0, x1, x2, x3, x4, x5, radius):
    """Spherical branch of :func:`lunapole.kernels.descent._frame_scalar` (same formulas, except the last value:
    ``1 / |p|`` instead of ``|p|``, reused by the command and the gravity), without its fallbacks for a lander within
    a millimetre of the target's vertical: returns ``(frame, ok)``; where ``ok`` is False the caller recomputes the
    lane with the scalar function."""
    px = x0
    py = x1
    pz = x2 + radius
    q2 = px * px + py * py
    p2 = q2 + pz * pz
    pn = math.sqrt(p2)  # |p|, |p_horizontal| and 1 / |p|^2 independently (the divider pipelines them)
    q = math.sqrt(q2)
    inv_p2 = 1.0 / p2
    inv_pn = pn * inv_p2
    ux = px * inv_pn
    uy = py * inv_pn
    uz = pz * inv_pn
    c = uz
    tx = -c * ux
    ty = -c * uy
    tz = 1.0 - c * uz
    sin_th = q * inv_pn
    tn = sin_th  # |t| = sin(theta) for a unit u (as in the scalar function)
    theta = vm.atan2_nonneg(q, pz)  # scale-free: the same angle as atan2(sin_th, c)
    s = radius * theta
    ok = (tn > 1e-12) & (s > 1e-3)
    inv_tn = pn / q
    return kd._frame_tail(x3, x4, x5, ux, uy, uz, tx * inv_tn, ty * inv_tn, tz * inv_tn, s, pn - radius, inv_pn,
                         radius * inv_pn), ok


@njit(inline="always", **_OPTS)
def _store_frame(S, j, fr):
    """Write a guidance frame (the 15-tuple of the lockstep frame functions, the last value ``1 / |p|``) into
    lane ``j``."""
    W = LANES
    S[SG + G_UX * W + j] = fr[0]
    S[SG + G_UY * W + j] = fr[1]
    S[SG + G_UZ * W + j] = fr[2]
    S[SG + G_DX * W + j] = fr[3]
    S[SG + G_DY * W + j] = fr[4]
    S[SG + G_DZ * W + j] = fr[5]
    S[SG + G_CX * W + j] = fr[6]
    S[SG + G_CY * W + j] = fr[7]
    S[SG + G_CZ * W + j] = fr[8]
    S[SG + G_S * W + j] = fr[9]
    S[SG + G_H * W + j] = fr[10]
    S[SG + G_VD * W + j] = fr[11]
    S[SG + G_VC * W + j] = fr[12]
    S[SG + G_VU * W + j] = fr[13]
    S[SG + G_IPN * W + j] = fr[14]


@njit(inline="always", **_OPTS)
def _store3_where(S, off, j, cond, v0, v1, v2):
    """Lane ``j`` of the three rows at ``off`` takes ``(v0, v1, v2)`` where ``cond``, else keeps its value (a select:
    the loop stays branch-free)."""
    W = LANES
    S[off + j] = v0 if cond else S[off + j]
    S[off + W + j] = v1 if cond else S[off + W + j]
    S[off + 2 * W + j] = v2 if cond else S[off + 2 * W + j]


@njit(inline="always", **_OPTS)
def _unit_tilted(ux, uy, uz, upx, upy, upz, max_tilt, cos_tilt):
    """First half of :func:`lunapole.kernels.descent._limit_scalar`'s pointing limit, with selects and reciprocals
    instead of branches and divisions (same geometry; round-off differs in the last bits): the unit direction of
    ``u`` and whether it leans further than ``max_tilt`` from ``up``."""
    inv = 1.0 / math.sqrt(ux * ux + uy * uy + uz * uz)
    ux = ux * inv
    uy = uy * inv
    uz = uz * inv
    c = min(max(ux * upx + uy * upy + uz * upz, -1.0), 1.0)
    return ux, uy, uz, (max_tilt < math.pi) & (c < cos_tilt)


@njit(inline="always", **_OPTS)
def _tilt_back(ux, uy, uz, upx, upy, upz, cos_tilt, sin_tilt):
    """The unit direction ``u`` tilted back to the pointing limit (cosine/sine ``cos_tilt``/``sin_tilt`` from
    ``up``), in the plane of ``u`` and ``up`` (toward x when ``u`` points along -up)."""
    c = min(max(ux * upx + uy * upy + uz * upz, -1.0), 1.0)
    hx = ux - c * upx
    hy = uy - c * upy
    hz = uz - c * upz
    h2 = hx * hx + hy * hy + hz * hz
    deg = h2 < 1e-24  # pointing along -up: tilt toward x
    gx = 1.0 - upx * upx
    gy = -upx * upy
    gz = -upx * upz
    g2 = gx * gx + gy * gy + gz * gz
    hx = gx if deg else hx
    hy = gy if deg else hy
    hz = gz if deg else hz
    k = sin_tilt / math.sqrt(g2 if deg else h2)  # one square root: the select comes first
    return cos_tilt * upx + k * hx, cos_tilt * upy + k * hy, cos_tilt * upz + k * hz


@njit(inline="always", **_OPTS)
def _slew_back(ux, uy, uz, upx, upy, upz, p0, p1, p2, cos_ang, sin_ang):
    """The direction ``u`` turned back to the slew limit (cosine/sine ``cos_ang``/``sin_ang``) from the previous
    unit direction ``p``, as a unit vector (about ``up`` when ``u`` is along ``p``)."""
    c2 = min(max(ux * p0 + uy * p1 + uz * p2, -1.0), 1.0)
    wx = ux - c2 * p0
    wy = uy - c2 * p1
    wz = uz - c2 * p2
    wn = math.sqrt(wx * wx + wy * wy + wz * wz)
    deg2 = wn < 1e-12
    wx = (upx - p0 * (p0 * upx + p1 * upy + p2 * upz)) if deg2 else wx
    wy = 0.0 if deg2 else wy
    wz = 0.0 if deg2 else wz
    k2 = sin_ang / (1.0 if deg2 else wn)
    ux = cos_ang * p0 + k2 * wx
    uy = cos_ang * p1 + k2 * wy
    uz = cos_ang * p2 + k2 * wz
    inv = 1.0 / math.sqrt(ux * ux + uy * uy + uz * uz)
    return ux * inv, uy * inv, uz * inv


@njit(inline="always", **_OPTS)
def _poly_accel_r(r, v, rt, vt, at, tgo):
    """:func:`lunapole.kernels.descent.poly_accel` (Klumpp 1974 eq. 7) with one reciprocal instead of two divisions."""
    inv = 1.0 / tgo
    return 12.0 * (rt - r) * (inv * inv) - 6.0 * (vt + v) * inv + at


@njit(inline="always", **_OPTS)
def _integrate_lanes(S, dt, isp_g0_nom, mu, radius, flat_g, wx, wy, wz):
    """Step 5 for every lane: true thrust (scale error, misalignment, propellant exhaustion), one RK4 step, ground
    test. Returns the number of lanes that hit the ground (flagged in ``SSW``). Called with ``flat_g`` a literal
    0.0 for the sphere: the flat-ground selects of every RK4 stage then fold away (measured 4-8 % of a step)."""
    W = LANES
    n_hit = 0
    for j in range(W):
        x0_, x1_, x2_, x3_, x4_, x5_, x6_ = _load_state(S, j)
        for k in range(7):
            S[SXP + k * W + j] = S[SX + k * W + j]
        isp_g0 = S[SC + C_ISPG0 * W + j]
        dry = S[SC + C_DRY * W + j]
        was_ex = S[SEXH + j] != 0.0
        tt = S[STCMD + j] * S[SC + C_TS * W + j]
        mdot = tt / isp_g0
        runs_dry = (not was_ex) & (x6_ - mdot * dt <= dry)
        mdot_dry = (x6_ - dry) / dt  # burn exactly the remaining propellant in this step, then coast
        mdot = 0.0 if was_ex else (mdot_dry if runs_dry else mdot)
        tt = 0.0 if was_ex else (mdot_dry * isp_g0 if runs_dry else tt)
        ex_now = was_ex | runs_dry
        k = tt / S[SAD + 3 * W + j]
        y0, y1, y2, y3, y4, y5, y6 = kd._rk4_scalar(x0_, x1_, x2_, x3_, x4_, x5_, x6_, k * S[SAD + j],
                                                    k * S[SAD + W + j], k * S[SAD + 2 * W + j], mdot, mu,
                                                    radius, flat_g, wx, wy, wz, dt)
        y6 = max(y6, dry) if ex_now else y6
        live = S[SDONE + j] == 0.0
        S[SX + 0 * W + j] = y0 if live else x0_
        S[SX + 1 * W + j] = y1 if live else x1_
        S[SX + 2 * W + j] = y2 if live else x2_
        S[SX + 3 * W + j] = y3 if live else x3_
        S[SX + 4 * W + j] = y4 if live else x4_
        S[SX + 5 * W + j] = y5 if live else x5_
        S[SX + 6 * W + j] = y6 if live else x6_
        S[SEXH + j] = 1.0 if (ex_now & live) | was_ex else 0.0
        S[SMEST + j] = S[SMEST + j] - (0.0 if ex_now else S[STCMD + j] / isp_g0_nom * dt)
        h_new = kd.altitude(y0, y1, y2, radius, flat_g)
        S[SHT + j] = h_new if live else S[SHT + j]  # the true altitude, for the next navigation estimate
        hit = 1.0 if ((h_new <= 0.0) & live) else 0.0
        S[SSW + j] = hit
        n_hit += 1 if hit != 0.0 else 0
    return n_hit


@njit(**_OPTS)
def _load_phase(phases, ph, j, S):
    """Copy phase ``ph``'s row of the phase table into lane ``j`` (with the cosine/sine of its tilt limit)."""
    W = LANES
    for k in range(kd.NPAR):
        S[SP + k * W + j] = phases[ph, k]
    S[SCT + j] = math.cos(phases[ph, kd.P_MAX_TILT])
    S[SST + j] = math.sin(phases[ph, kd.P_MAX_TILT])


@njit(**_OPTS)
def _run_block(first, n, x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit, n_engines,
               t_out, mis, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed, mu, radius, flat_g,
               wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out):
    """Fly samples ``first .. first + LANES - 1`` (clipped to ``n``; padding lanes repeat the last sample)."""
    W = LANES
    n_phase = phases.shape[0]
    idx = np.empty(W, dtype=np.int64)
    for j in range(W):
        idx[j] = min(first + j, n - 1)
    # --- per-lane constants ---
    # navigation noise of a cycle: U = the stream's 32-bit halves (rows 0-3 radius words of pairs 0-3, rows 4-7
    # angle words), N32 = the float32 deviates (rows 0-3 cosine, 4-7 sine deviates of pairs 0-3); own arrays, so
    # that the Box-Muller loop runs over all 4 x LANES pairs at 8 float32 per instruction
    U = np.zeros(8 * W, dtype=np.uint32)
    N32 = np.zeros(8 * W, dtype=np.float32)
    S = np.zeros(NROWS * W)  # all per-lane quantities, row-major (see the S* offsets)
    for j in range(W):
        i = idx[j]
        for k in range(7):
            S[SX + k * W + j] = x0[i, k]
        for k in range(3):
            S[SC + (C_PB + k) * W + j] = pos_bias[i, k]
            S[SC + (C_VB + k) * W + j] = vel_bias[i, k]
        S[SC + C_AB * W + j] = alt_bias[i]
        S[SC + C_PS * W + j] = pos_sig[i]
        S[SC + C_VS * W + j] = vel_sig[i]
        S[SC + C_AS * W + j] = alt_sig[i]
        S[SC + C_ISPG0 * W + j] = isp_true[i] * kd.G0
        S[SC + C_DRY * W + j] = dry_mass[i]
        S[SC + C_TS * W + j] = thrust_scale[i]
        S[SC + C_TOUT * W + j] = t_out[i]
        S[SC + C_M1 * W + j] = mis[i, 0]
        S[SC + C_M2 * W + j] = mis[i, 1]
        S[SC + C_M0 * W + j] = x0[i, 6]
        s0, s1 = vm.noise_seed(seed[i])
        S[SRNG + j] = vm.bits_f64(s0)
        S[SRNG + W + j] = vm.bits_f64(s1)
    isp_g0_nom = isp_nom * kd.G0
    tmin_all = tmin_unit * n_engines  # throttle range with all engines and after an engine-out (float, not int:
    tmax_all = tmax_unit * n_engines  # an int -> float conversion in a lane loop is scalar code on AVX2)
    tmin_out = tmin_unit * (n_engines - 1)
    tmax_out = tmax_unit * (n_engines - 1)
    # white navigation noise / a misalignment in any lane? (if not, their loops are skipped: the deviates stay 0,
    # the actuator direction is the thrust direction)
    noisy = False
    misaligned = False
    for j in range(W):
        noisy = noisy or S[SC + C_PS * W + j] > 0.0 or S[SC + C_VS * W + j] > 0.0 or S[SC + C_AS * W + j] > 0.0
        misaligned = misaligned or S[SC + C_M1 * W + j] != 0.0 or S[SC + C_M2 * W + j] != 0.0
    # --- per-lane guidance state ---
    for j in range(W):
        S[STGO + j] = -1.0
    row = np.empty(kd.NOUT)
    for j in range(W):
        _load_phase(phases, 0, j, S)
        S[SMEST + j] = S[SX + 6 * W + j]
        S[SHT + j] = kd.altitude(S[SX + 0 * W + j], S[SX + 1 * W + j], S[SX + 2 * W + j], radius, flat_g)
        vn = math.sqrt(S[SX + 3 * W + j] ** 2 + S[SX + 4 * W + j] ** 2 + S[SX + 5 * W + j] ** 2)
        if vn > 1e-9:
            S[STD + 0 * W + j], S[STD + 1 * W + j], S[STD + 2 * W + j] = -S[SX + 3 * W + j] / vn, -S[SX + 4 * W + j] / vn, -S[SX + 5 * W + j] / vn
        else:
            gfi = kd._frame_scalar(S[SX + 0 * W + j], S[SX + 1 * W + j], S[SX + 2 * W + j], S[SX + 3 * W + j], S[SX + 4 * W + j], S[SX + 5 * W + j], radius, flat_g)
            S[STD + 0 * W + j], S[STD + 1 * W + j], S[STD + 2 * W + j] = gfi[0], gfi[1], gfi[2]
        S[SAD + 0 * W + j], S[SAD + 1 * W + j], S[SAD + 2 * W + j], S[SAD + 3 * W + j] = S[STD + 0 * W + j], S[STD + 1 * W + j], S[STD + 2 * W + j], 1.0
    max_angle = tilt_rate * dt * guid_every
    cos_ang = math.cos(max_angle)
    sin_ang = math.sin(max_angle)
    dtg = dt * guid_every
    n_real = min(W, n - first)
    n_done = 0
    t = 0.0
    step = 0
    while t < max_time and n_done < n_real:
        if step % guid_every == 0:
            # ---- 1. noise, navigation, frame, phase-switch detection (vector) ----
            for j in range(W if noisy else 0):  # stream words (64-bit integer ops)
                s0 = vm.f64_bits(S[SRNG + j])
                s1 = vm.f64_bits(S[SRNG + W + j])
                w0, s0, s1 = vm.xoroshiro_next(s0, s1)
                w1, s0, s1 = vm.xoroshiro_next(s0, s1)
                w2, s0, s1 = vm.xoroshiro_next(s0, s1)
                w3, s0, s1 = vm.xoroshiro_next(s0, s1)
                S[SRNG + j] = vm.bits_f64(s0)  # the stream state, kept as the bits of two float64 rows
                S[SRNG + W + j] = vm.bits_f64(s1)
                U[j] = vm.hi32(w0)
                U[W + j] = vm.hi32(w1)
                U[2 * W + j] = vm.hi32(w2)
                U[3 * W + j] = vm.hi32(w3)
                U[4 * W + j] = vm.lo32(w0)
                U[5 * W + j] = vm.lo32(w1)
                U[6 * W + j] = vm.lo32(w2)
                U[7 * W + j] = vm.lo32(w3)
            for i in range(4 * W if noisy else 0):  # Box-Muller, float32: 8 pairs per instruction
                za, zb = vm.box_muller32(U[i], U[4 * W + i])
                N32[i] = za
                N32[4 * W + i] = zb
            for j in range(W):  # navigation estimate: true state + bias + white noise (channel order of
                # vm.normal_octet_next: n0 = pair 0 cosine, n1 = pair 0 sine, n2 = pair 1 cosine, ...)
                ps = S[SC + C_PS * W + j]
                vs = S[SC + C_VS * W + j]
                S[SG + G_E0 * W + j] = S[SX + 0 * W + j] + S[SC + C_PB * W + j] + ps * N32[j]
                S[SG + (G_E0 + 1) * W + j] = S[SX + 1 * W + j] + S[SC + (C_PB + 1) * W + j] + ps * N32[4 * W + j]
                S[SG + (G_E0 + 2) * W + j] = S[SX + 2 * W + j] + S[SC + (C_PB + 2) * W + j] + ps * N32[W + j]
                S[SG + (G_E0 + 3) * W + j] = S[SX + 3 * W + j] + S[SC + C_VB * W + j] + vs * N32[5 * W + j]
                S[SG + (G_E0 + 4) * W + j] = S[SX + 4 * W + j] + S[SC + (C_VB + 1) * W + j] + vs * N32[2 * W + j]
                S[SG + (G_E0 + 5) * W + j] = S[SX + 5 * W + j] + S[SC + (C_VB + 2) * W + j] + vs * N32[6 * W + j]
                S[SG + G_HEST * W + j] = S[SHT + j] + S[SC + C_AB * W + j] + S[SC + C_AS * W + j] * N32[3 * W + j]
            if flat_g > 0.0:
                for j in range(W):
                    fr = _frame_flat(S[SG + G_E0 * W + j], S[SG + (G_E0 + 1) * W + j], S[SG + (G_E0 + 2) * W + j],
                                     S[SG + (G_E0 + 3) * W + j], S[SG + (G_E0 + 4) * W + j], S[SG + (G_E0 + 5) * W + j])
                    _store_frame(S, j, fr)
            else:
                n_fix = 0
                for j in range(W):
                    fr, ok = _frame_sphere(S[SG + G_E0 * W + j], S[SG + (G_E0 + 1) * W + j],
                                           S[SG + (G_E0 + 2) * W + j], S[SG + (G_E0 + 3) * W + j],
                                           S[SG + (G_E0 + 4) * W + j], S[SG + (G_E0 + 5) * W + j], radius)
                    _store_frame(S, j, fr)
                    fix = 0.0 if ok else 1.0
                    S[SSW + j] = fix
                    n_fix += 0 if ok else 1
                if n_fix > 0:  # within a millimetre of the target's vertical: the scalar kernel's fallbacks
                    for j in range(W):
                        if S[SSW + j] != 0.0:
                            _store_frame(S, j, kd._frame_scalar(
                                S[SG + G_E0 * W + j], S[SG + (G_E0 + 1) * W + j], S[SG + (G_E0 + 2) * W + j],
                                S[SG + (G_E0 + 3) * W + j], S[SG + (G_E0 + 4) * W + j], S[SG + (G_E0 + 5) * W + j],
                                radius, flat_g))
                            S[SG + G_IPN * W + j] = 1.0 / S[SG + G_IPN * W + j]  # the scalar frame gives |p|
            n_sc = 0
            for j in range(W):  # phase-switch detection (the switch itself is bookkept below, scalar)
                h_est = S[SG + G_HEST * W + j]
                kind = S[SP + kd.P_KIND * W + j]
                need = (h_est < S[SP + kd.P_EXIT_ALT * W + j]) | (
                    (kind == kd.KIND_POLY) & (S[STGO + j] >= 0.0) & (S[STGO + j] < S[SP + kd.P_EXIT_TGO * W + j])) | (
                    (kind == kd.KIND_HOLD) & (t - S[STPH + j] >= S[SP + kd.P_DURATION * W + j]))
                need = need & (S[SPH + j] < n_phase - 1) & (S[SDONE + j] == 0.0)
                entry = t == S[STPH + j]
                flag = 1.0 if (need | entry) else 0.0
                S[SSW + j] = flag
                n_sc += 1 if (need | entry) else 0
            # ---- 2. phase bookkeeping (scalar, rare) ----
            if n_sc > 0:
                for j in range(W):
                    if S[SSW + j] == 0.0:
                        continue
                    p0 = int(S[SPH + j])  # current phase index
                    p = p0
                    switched = True
                    while switched and p < n_phase - 1:
                        switched = False
                        kind = int(phases[p, kd.P_KIND])
                        if S[SG + G_HEST * W + j] < phases[p, kd.P_EXIT_ALT]:
                            switched = True
                        elif kind == kd.KIND_POLY and S[STGO + j] >= 0.0 and S[STGO + j] < phases[p, kd.P_EXIT_TGO]:
                            switched = True
                        elif kind == kd.KIND_HOLD and t - S[STPH + j] >= phases[p, kd.P_DURATION]:
                            switched = True
                        if switched:
                            p += 1
                            S[STPH + j] = t
                            S[STGO + j] = -1.0
                    if p != p0:
                        S[SPH + j] = p
                        _load_phase(phases, p, j, S)
                    if t == S[STPH + j]:
                        # phase entry: constant-deceleration downrange fit when the target acceleration is NaN
                        a = phases[p, kd.P_AT]
                        if int(phases[p, kd.P_KIND]) == kd.KIND_POLY and math.isnan(a):
                            dr = phases[p, kd.P_RT] - S[SG + G_S * W + j]
                            if abs(dr) > 1e-6:
                                a = (phases[p, kd.P_VT] ** 2 - S[SG + G_VD * W + j] ** 2) / (2.0 * dr)
                            else:
                                a = 0.0
                        S[SATD + j] = a
            # ---- 3. Newton iterations for the time-to-go (vector, per-lane stopping rule) ----
            n_act = 0
            n_poly = 0
            n_term = 0
            n_other = 0
            for j in range(W):
                guess = S[STGO + j] - dtg
                kind = S[SP + kd.P_KIND * W + j]
                poly = kind == kd.KIND_POLY
                n_poly += 1 if poly else 0
                n_term += 1 if kind == kd.KIND_TERMINAL else 0
                n_other += 1 if (kind == kd.KIND_GRAVITY_TURN) | (kind == kd.KIND_HOLD) else 0
                countdown = (S[STGO + j] > 0.0) & (S[STGO + j] < kd.TGO_COUNTDOWN_S)
                a3 = S[SP + kd.P_JT * W + j]
                a2 = -6.0 * S[SATD + j]
                a1 = 18.0 * S[SP + kd.P_VT * W + j] + 6.0 * S[SG + G_VD * W + j]
                a0 = 24.0 * (S[SG + G_S * W + j] - S[SP + kd.P_RT * W + j])
                S[SCA + 0 * W + j] = a0
                S[SCA + 1 * W + j] = a1
                S[SCA + 2 * W + j] = a2
                S[SCA + 3 * W + j] = a3
                S[SNT + j] = guess if guess > 0.0 else 1.0
                act = 1.0 if (poly & (not countdown) & (S[SDONE + j] == 0.0)) else 0.0
                S[SNACT + j] = act
                S[SSV + j] = act
                n_act += 1 if act != 0.0 else 0
            it = 0
            while n_act > 0 and it < 30:
                n_act = 0
                for j in range(W):
                    a0, a1, a2, a3 = _cubic_coeffs(S, j)
                    tt = S[SNT + j]
                    f = ((a3 * tt + a2) * tt + a1) * tt + a0
                    df = (3.0 * a3 * tt + 2.0 * a2) * tt + a1
                    act = (S[SNACT + j] != 0.0) & (df != 0.0)
                    tn = tt - f / df
                    tn = 0.5 * tt if tn <= 0.0 else tn
                    conv = abs(tn - tt) < 1e-6 * (1.0 + tt)  # as kd.solve_tgo
                    S[SNT + j] = tn if act else tt
                    a = 1.0 if (act & (not conv)) else 0.0
                    S[SNACT + j] = a
                    n_act += 1 if a != 0.0 else 0
                it += 1
            n_fb = 0
            for j in range(W):
                a0, a1, a2, a3 = _cubic_coeffs(S, j)
                tt = S[SNT + j]
                f = ((a3 * tt + a2) * tt + a1) * tt + a0
                ok = (tt > 0.0) & (abs(f) < 1e-6 * (abs(a0) + abs(a1 * tt) + 1.0))
                fb = 1.0 if ((S[SSV + j] != 0.0) & (not ok)) else 0.0
                S[SNACT + j] = fb
                n_fb += 1 if fb != 0.0 else 0
            if n_fb > 0:  # no accepted Newton root: the scalar solver's quadratic fallback
                for j in range(W):
                    if S[SNACT + j] != 0.0:
                        S[SNT + j] = kd.solve_tgo(S[SG + G_S * W + j], S[SG + G_VD * W + j], S[SP + kd.P_RT * W + j], S[SP + kd.P_VT * W + j], S[SATD + j],
                                             S[SP + kd.P_JT * W + j], S[STGO + j] - dtg)
            # ---- 4. guidance command: one loop per phase kind present, then limits and throttle (vector) ----
            if n_poly > 0:  # polynomial (Klumpp) with the time-to-go rules of the scalar kernel
                for j in range(W):
                    is_poly = S[SP + kd.P_KIND * W + j] == kd.KIND_POLY
                    e3 = S[SG + (G_E0 + 3) * W + j]
                    e4 = S[SG + (G_E0 + 4) * W + j]
                    e5 = S[SG + (G_E0 + 5) * W + j]
                    g_ux = S[SG + G_UX * W + j]
                    g_uy = S[SG + G_UY * W + j]
                    g_uz = S[SG + G_UZ * W + j]
                    g_vu = S[SG + G_VU * W + j]
                    tg0 = S[STGO + j]
                    countdown = (tg0 > 0.0) & (tg0 < kd.TGO_COUNTDOWN_S)
                    cd = max(tg0 - dtg, 1e-3)
                    tgn = S[SNT + j]
                    newt = tgn if tgn > 0.0 else (cd if tg0 > 0.0 else 1.0)
                    tg1 = cd if countdown else newt
                    tg1 = tg1 if is_poly else tg0
                    S[STGO + j] = tg1
                    tg = max(tg1, S[SP + kd.P_EXIT_TGO * W + j], 1e-2)
                    a_d = _poly_accel_r(S[SG + G_S * W + j], S[SG + G_VD * W + j], S[SP + kd.P_RT * W + j],
                                        S[SP + kd.P_VT * W + j], S[SATD + j], tg)
                    a_c = _poly_accel_r(0.0, S[SG + G_VC * W + j], S[SP + (kd.P_RT + 1) * W + j],
                                        S[SP + (kd.P_VT + 1) * W + j], S[SP + (kd.P_AT + 1) * W + j], tg)
                    a_u = _poly_accel_r(S[SG + G_H * W + j], g_vu, S[SP + (kd.P_RT + 2) * W + j],
                                        S[SP + (kd.P_VT + 2) * W + j], S[SP + (kd.P_AT + 2) * W + j], tg)
                    # curvilinear -> Cartesian: centripetal and transport terms of motion over the sphere
                    vh_x = e3 - g_vu * g_ux
                    vh_y = e4 - g_vu * g_uy
                    vh_z = e5 - g_vu * g_uz
                    vh2 = vh_x * vh_x + vh_y * vh_y + vh_z * vh_z
                    inv_p = S[SG + G_IPN * W + j]
                    au_eff = a_u - vh2 * inv_p
                    S[SCMD + j] = (a_d * S[SG + G_DX * W + j] + a_c * S[SG + G_CX * W + j] + au_eff * g_ux
                                   + g_vu * inv_p * vh_x) if is_poly else S[SCMD + j]
                    S[SCMD + W + j] = (a_d * S[SG + G_DY * W + j] + a_c * S[SG + G_CY * W + j] + au_eff * g_uy
                                       + g_vu * inv_p * vh_y) if is_poly else S[SCMD + W + j]
                    S[SCMD + 2 * W + j] = (a_d * S[SG + G_DZ * W + j] + a_c * S[SG + G_CZ * W + j] + au_eff * g_uz
                                           + g_vu * inv_p * vh_z) if is_poly else S[SCMD + 2 * W + j]
            if n_term > 0:  # terminal: velocity tracking
                for j in range(W):
                    is_term = S[SP + kd.P_KIND * W + j] == kd.KIND_TERMINAL
                    g_s = S[SG + G_S * W + j]
                    hover = t - S[STPH + j] < S[SP + kd.P_DURATION * W + j]
                    vref_u = 0.0 if hover else -min(S[SP + kd.P_MAX_RATE * W + j],
                                                    max(S[SP + kd.P_TD_RATE * W + j],
                                                        S[SG + G_HEST * W + j] / S[SP + kd.P_TAU * W + j]))
                    vref_d = min(max(S[SP + kd.P_HGAIN * W + j] * (-g_s), -5.0), 5.0)
                    ta_d = 0.5 * (vref_d - S[SG + G_VD * W + j])
                    ta_c = 0.5 * (0.0 - S[SG + G_VC * W + j])
                    ta_u = 2.0 * 0.5 * (vref_u - S[SG + G_VU * W + j])
                    for k in range(3):
                        q = (ta_d * S[SG + (G_DX + k) * W + j] + ta_c * S[SG + (G_CX + k) * W + j]
                             + ta_u * S[SG + (G_UX + k) * W + j])
                        S[SCMD + k * W + j] = q if is_term else S[SCMD + k * W + j]
            if n_other > 0:  # gravity turn: against the velocity; attitude hold: keep the thrust direction
                for j in range(W):
                    kind = S[SP + kd.P_KIND * W + j]
                    is_gt = kind == kd.KIND_GRAVITY_TURN
                    is_hold = kind == kd.KIND_HOLD
                    e3 = S[SG + (G_E0 + 3) * W + j]
                    e4 = S[SG + (G_E0 + 4) * W + j]
                    e5 = S[SG + (G_E0 + 5) * W + j]
                    vn = math.sqrt(e3 ** 2 + e4 ** 2 + e5 ** 2)
                    okv = vn > 1e-9
                    rx = -e3 / vn if okv else S[SG + G_UX * W + j]
                    ry = -e4 / vn if okv else S[SG + G_UY * W + j]
                    rz = -e5 / vn if okv else S[SG + G_UZ * W + j]
                    S[SCMD + j] = rx if is_gt else (S[STD + j] if is_hold else S[SCMD + j])
                    S[SCMD + W + j] = ry if is_gt else (S[STD + W + j] if is_hold else S[SCMD + W + j])
                    S[SCMD + 2 * W + j] = rz if is_gt else (S[STD + 2 * W + j] if is_hold else S[SCMD + 2 * W + j])
            for j in range(W):  # thrust acceleration: command - (gravity + frame terms)
                kind = S[SP + kd.P_KIND * W + j]
                use_accel = (kind == kd.KIND_POLY) | (kind == kd.KIND_TERMINAL)
                ipn = S[SG + G_IPN * W + j]  # 1 / |p| from the frame at the same position: no root or division
                gxe, gye, gze = kd._gravity_frame_k(S[SG + G_E0 * W + j], S[SG + (G_E0 + 1) * W + j],
                                                    S[SG + (G_E0 + 2) * W + j], S[SG + (G_E0 + 3) * W + j],
                                                    S[SG + (G_E0 + 4) * W + j], S[SG + (G_E0 + 5) * W + j],
                                                    -mu * (ipn * ipn) * ipn, radius, flat_g, wx, wy, wz)
                ax = S[SCMD + j]
                ay = S[SCMD + W + j]
                az = S[SCMD + 2 * W + j]
                tax = ax - gxe
                tay = ay - gye
                taz = az - gze
                tiny = tax * tax + tay * tay + taz * taz < 1e-24  # |command| < 1e-12 m/s^2
                tax = S[SG + G_UX * W + j] if tiny else tax
                tay = S[SG + G_UY * W + j] if tiny else tay
                taz = S[SG + G_UZ * W + j] if tiny else taz
                S[SN + j] = tax if use_accel else ax  # direction to limit
                S[SN + W + j] = tay if use_accel else ay
                S[SN + 2 * W + j] = taz if use_accel else az
                S[SCMD + j] = tax
                S[SCMD + W + j] = tay
                S[SCMD + 2 * W + j] = taz
            # pointing and slew limits: the unit direction and whether a limit binds in every lane (vector), the
            # limit itself only when it binds in some lane of the block (pointing: ~7 % of cycles, slew: ~22 % in
            # the Chandrayaan-3-like descent); the lanes where it does not bind keep their value (bit-identical)
            n_tilt = 0
            for j in range(W):
                ux, uy, uz, tilted = _unit_tilted(S[SN + j], S[SN + W + j], S[SN + 2 * W + j], S[SG + G_UX * W + j],
                                                  S[SG + G_UY * W + j], S[SG + G_UZ * W + j],
                                                  S[SP + kd.P_MAX_TILT * W + j], S[SCT + j])
                S[SN + j] = ux
                S[SN + W + j] = uy
                S[SN + 2 * W + j] = uz
                S[SNACT + j] = 1.0 if tilted else 0.0
                n_tilt += 1 if tilted else 0
            if n_tilt > 0:
                for j in range(W):
                    tilted = S[SNACT + j] != 0.0
                    u0, u1, u2 = _tilt_back(S[SN + j], S[SN + W + j], S[SN + 2 * W + j], S[SG + G_UX * W + j],
                                            S[SG + G_UY * W + j], S[SG + G_UZ * W + j], S[SCT + j], S[SST + j])
                    _store3_where(S, SN, j, tilted, u0, u1, u2)
            n_slew = 0
            for j in range(W):
                ux = S[SN + j]
                uy = S[SN + W + j]
                uz = S[SN + 2 * W + j]
                c2 = ux * S[STD + j] + uy * S[STD + W + j] + uz * S[STD + 2 * W + j]
                slew = min(max(c2, -1.0), 1.0) < cos_ang
                _store3_where(S, STD, j, not slew, ux, uy, uz)  # slewing lanes keep the previous direction for now
                S[SNACT + j] = 1.0 if slew else 0.0
                n_slew += 1 if slew else 0
            if n_slew > 0:
                for j in range(W):
                    slew = S[SNACT + j] != 0.0
                    nd0, nd1, nd2 = _slew_back(S[SN + j], S[SN + W + j], S[SN + 2 * W + j], S[SG + G_UX * W + j],
                                               S[SG + G_UY * W + j], S[SG + G_UZ * W + j], S[STD + j], S[STD + W + j],
                                               S[STD + 2 * W + j], cos_ang, sin_ang)
                    _store3_where(S, STD, j, slew, nd0, nd1, nd2)
            for j in range(W):  # throttle
                kind = S[SP + kd.P_KIND * W + j]
                use_accel = (kind == kd.KIND_POLY) | (kind == kd.KIND_TERMINAL)
                out_now = t >= S[SC + C_TOUT * W + j]
                tmin = tmin_out if out_now else tmin_all
                tmax = tmax_out if out_now else tmax_all
                nd0 = S[STD + 0 * W + j]
                nd1 = S[STD + 1 * W + j]
                nd2 = S[STD + 2 * W + j]
                proj = (S[SCMD + j] * nd0 + S[SCMD + W + j] * nd1 + S[SCMD + 2 * W + j] * nd2) * S[SMEST + j]
                thr = S[SP + kd.P_THROTTLE * W + j]
                keep = math.isnan(thr)
                tc = proj if use_accel else (S[STCMD + j] if keep else thr * tmax)
                tc = min(tc, tmax)
                tc = max(tc, tmin)
                S[STCMD + j] = tc
                S[SAD + 0 * W + j] = nd0
                S[SAD + 1 * W + j] = nd1
                S[SAD + 2 * W + j] = nd2
                S[SAD + 3 * W + j] = 1.0
            # actuator direction: misalignment about two axes normal to the thrust direction (own loop, run only
            # when a lane of the block has a misalignment)
            for j in range(W if misaligned else 0):
                nd0 = S[STD + 0 * W + j]
                nd1 = S[STD + 1 * W + j]
                nd2 = S[STD + 2 * W + j]
                m1 = S[SC + C_M1 * W + j]
                m2 = S[SC + C_M2 * W + j]
                has_mis = (m1 != 0.0) | (m2 != 0.0)
                ex = -nd2
                ez = nd0
                en = math.sqrt(ex * ex + ez * ez)
                small = en < 1e-9
                inv_en = 1.0 / en
                ex = 1.0 if small else ex * inv_en
                ey = 0.0
                ez = 0.0 if small else ez * inv_en
                fx = nd1 * ez - nd2 * ey
                fy = nd2 * ex - nd0 * ez
                fz = nd0 * ey - nd1 * ex
                dxx = nd0 + m1 * ex + m2 * fx
                dyy = nd1 + m1 * ey + m2 * fy
                dzz = nd2 + m1 * ez + m2 * fz
                S[SAD + 0 * W + j] = dxx if has_mis else nd0
                S[SAD + 1 * W + j] = dyy if has_mis else nd1
                S[SAD + 2 * W + j] = dzz if has_mis else nd2
                S[SAD + 3 * W + j] = math.sqrt(dxx * dxx + dyy * dyy + dzz * dzz) if has_mis else 1.0
        # ---- 5. thrust, RK4, ground test (vector) ----
        if flat_g > 0.0:
            n_hit = _integrate_lanes(S, dt, isp_g0_nom, mu, radius, flat_g, wx, wy, wz)
        else:
            n_hit = _integrate_lanes(S, dt, isp_g0_nom, mu, radius, 0.0, wx, wy, wz)
        t += dt
        step += 1
        if n_hit > 0:  # touchdown: interpolate to the ground, verdict (scalar, once per sample)
            for j in range(W):
                if S[SSW + j] == 0.0:
                    continue
                h_new = kd.altitude(S[SX + 0 * W + j], S[SX + 1 * W + j], S[SX + 2 * W + j], radius, flat_g)
                h_old = kd.altitude(S[SXP + 0 * W + j], S[SXP + 1 * W + j], S[SXP + 2 * W + j], radius, flat_g)
                f = h_old / (h_old - h_new) if h_old > h_new else 1.0
                for k in range(7):
                    S[SX + k * W + j] = S[SXP + k * W + j] + f * (S[SX + k * W + j] - S[SXP + k * W + j])
                S[SDONE + j] = 1.0
                if j < n_real:
                    n_done += 1
                    kd.touchdown_verdict(S[SX + 0 * W + j], S[SX + 1 * W + j], S[SX + 2 * W + j], S[SX + 3 * W + j], S[SX + 4 * W + j], S[SX + 5 * W + j], S[SX + 6 * W + j],
                                         S[STD + 0 * W + j], S[STD + 1 * W + j], S[STD + 2 * W + j], True, S[SEXH + j] != 0.0, int(S[SPH + j]), phases, limits,
                                         radius, flat_g, S[SC + C_M0 * W + j], t - dt + f * dt, row)
                    for k in range(kd.NOUT):
                        out[first + j, k] = row[k]
    for j in range(n_real):
        if S[SDONE + j] == 0.0:
            kd.touchdown_verdict(S[SX + 0 * W + j], S[SX + 1 * W + j], S[SX + 2 * W + j], S[SX + 3 * W + j], S[SX + 4 * W + j], S[SX + 5 * W + j], S[SX + 6 * W + j],
                                 S[STD + 0 * W + j], S[STD + 1 * W + j], S[STD + 2 * W + j], False, S[SEXH + j] != 0.0, int(S[SPH + j]), phases, limits,
                                 radius, flat_g, S[SC + C_M0 * W + j], t, row)
            for k in range(kd.NOUT):
                out[first + j, k] = row[k]


@njit(cache=True, parallel=True, fastmath={"contract"}, error_model="numpy")
def simulate_lockstep_kernel(
    x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit, n_engines, t_out,
    mis, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed,
    mu, radius, flat_g, wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out, gp_f, gp_i, tables, col_start,
):
    """:func:`lunapole.kernels.descent.simulate_batch_kernel` in blocks of ``LANES`` samples (same arguments;
    the spherical-harmonic pack must be disabled: central gravity or flat ground only). Blocks are handed out
    one at a time from a shared counter (:mod:`lunapole.kernels.work_queue`): a thread that the machine slows
    down does fewer blocks instead of holding back the run."""
    n = x0.shape[0]
    n_blocks = (n + LANES - 1) // LANES
    next_block = np.zeros(1, dtype=np.int64)
    for _worker in prange(min(n_blocks, wq.MAX_WORKERS)):
        b = wq.fetch_add(next_block, 0, 1)
        while b < n_blocks:
            _run_block(b * LANES, n, x0, phases, dry_mass, isp_nom, isp_true, thrust_scale, tmin_unit, tmax_unit,
                       n_engines, t_out, mis, pos_bias, vel_bias, alt_bias, pos_sig, vel_sig, alt_sig, seed, mu,
                       radius, flat_g, wx, wy, wz, dt, guid_every, max_time, tilt_rate, limits, out)
            b = wq.fetch_add(next_block, 0, 1)
