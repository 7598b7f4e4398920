"""Compiled right-hand side of the orbit equations: gravity field, third bodies, SRP, thrust.

Plain floats/arrays only (style.md #3). Everything the propagator needs at time ``t`` that would
otherwise come from SPICE (body-frame rotation, Sun/Earth positions) is read from a piecewise
Chebyshev table built once per propagation by :mod:`lunapole.orbit.forces` (``tab``), so no SPICE call
happens inside the integration loop.

Chebyshev table ``tab``: float64 ``(nseg, deg + 1, ncomp)``; segment ``k`` covers
``[t0 + k L, t0 + (k+1) L]``; the components are, in order, the 9 elements (row-major) of the
rotation J2000 -> field body frame, optionally 9 of J2000 -> MOON_ME, then 3 per third body
(position of the body relative to the Moon, J2000, m).

Parameter vector ``fp`` (float64), indices below (``FP_*``). Pure-numpy twins for tests:
:func:`third_body_accel_naive`, :func:`cheb_eval_numpy`, :func:`rhs_numpy` in
:mod:`lunapole.orbit.forces` is built on them.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from lunapole.kernels import _numba_cache
from lunapole.kernels import gravity as _gravity
from lunapole.kernels.gravity import sh_acceleration

_numba_cache.invalidate_stale(__file__, [_gravity.__file__])

FP_GM_CENTRAL = 0      # m^3/s^2, point-mass Moon when no field
FP_FIELD_ON = 1        # 1.0 when a spherical-harmonic field is used (it includes the central term)
FP_FIELD_GM = 2
FP_FIELD_RREF = 3
FP_FIELD_NMAX = 4
FP_FIELD_MMAX = 5
FP_N_THIRD = 6         # number of third bodies
FP_SRP_ON = 7
FP_SRP_CR_AREA = 8     # Cr * A [m^2]
FP_SUN_INDEX = 9       # index (0-based, among third bodies) of the Sun; -1 when absent
FP_THRUST_N = 10
FP_MDOT = 11           # kg/s (>= 0), mass flow while thrusting
FP_DIR_MODE = 12       # 0 off, 1 along velocity, 2 against velocity, 3 inertial fixed (FP_DIR_X..Z)
FP_DIR_X = 13
FP_TAB_T0 = 16
FP_TAB_SEG = 17
FP_TAB_NSEG = 18
FP_ROT_ME = 19         # component offset of the J2000 -> MOON_ME rotation (-1 when absent)
FP_BODY_OFFSET = 20    # component offset of the first third body
FP_SHADOW_R = 21       # shadow-casting radius of the Moon [m] (cylindrical shadow)
FP_SRP_P_AU2 = 22      # P(1 AU) * AU^2 [N]  (pressure times AU^2)
FP_GM_THIRD = 23       # first third-body GM; the others follow
FP_SIZE = 32


@njit(cache=True, nogil=True, error_model="numpy")
def cheb_eval(tab, t0, seg_len, t, out):
    """Evaluate every component of the Chebyshev table at time ``t`` into ``out`` (ncomp,).

    Clenshaw recurrence; ``t`` outside the table is clamped to the first/last segment (the table
    is built with a margin over the propagation span).
    """
    nseg = tab.shape[0]
    ncoef = tab.shape[1]
    ncomp = tab.shape[2]
    k = int(math.floor((t - t0) / seg_len))
    if k < 0:
        k = 0
    elif k >= nseg:
        k = nseg - 1
    x = 2.0 * (t - (t0 + k * seg_len)) / seg_len - 1.0
    x2 = 2.0 * x
    for c in range(ncomp):
        b1 = 0.0
        b2 = 0.0
        for j in range(ncoef - 1, 0, -1):
            b0 = tab[k, j, c] + x2 * b1 - b2
            b2 = b1
            b1 = b0
        out[c] = tab[k, 0, c] + x * b1 - b2


@njit(cache=True, nogil=True, error_model="numpy")
def third_body_accel(rx, ry, rz, sx, sy, sz, gm, out):
    """Third-body perturbation (direct + indirect) on a satellite at r relative to the central body.

    ``s``: body position relative to the central body (same frame). Battin (1999) eq. 8.61 form,
    free of the cancellation between the direct and indirect terms::

        a = -gm / |r - s|^3 (r + f(q) s),  q = r.(r - 2 s) / s.s,  f(q) = q (3 + 3q + q^2) / (1 + (1 + q)^1.5)

    Adds to ``out`` (3,).
    """
    ss = sx * sx + sy * sy + sz * sz
    q = (rx * (rx - 2.0 * sx) + ry * (ry - 2.0 * sy) + rz * (rz - 2.0 * sz)) / ss
    fq = q * (3.0 + 3.0 * q + q * q) / (1.0 + (1.0 + q) ** 1.5)
    dx = rx - sx
    dy = ry - sy
    dz = rz - sz
    d2 = dx * dx + dy * dy + dz * dz
    k = -gm / (d2 * math.sqrt(d2))
    out[0] += k * (rx + fq * sx)
    out[1] += k * (ry + fq * sy)
    out[2] += k * (rz + fq * sz)


@njit(cache=True, nogil=True, error_model="numpy")
def rhs(t, y, fp, tables, col_start, work, tab, w, dydt):
    """dy/dt for y = [r (3) m, v (3) m/s, mass kg], Moon-centred J2000, into ``dydt`` (7,).

    ``tables, col_start, work``: spherical-harmonic arrays (see :mod:`lunapole.kernels.gravity`);
    ``tab``: Chebyshev table; ``w``: scratch of length >= ncomp + 8.
    """
    rx = y[0]
    ry = y[1]
    rz = y[2]
    ax = 0.0
    ay = 0.0
    az = 0.0
    cheb_eval(tab, fp[FP_TAB_T0], fp[FP_TAB_SEG], t, w)
    if fp[FP_FIELD_ON] > 0.5:
        # r_body = R r ; a = R^T a_body  (R row-major in w[0:9])
        bx = w[0] * rx + w[1] * ry + w[2] * rz
        by = w[3] * rx + w[4] * ry + w[5] * rz
        bz = w[6] * rx + w[7] * ry + w[8] * rz
        ncomp = tab.shape[2]
        acc = w[ncomp:ncomp + 3]
        sh_acceleration(bx, by, bz, fp[FP_FIELD_GM], fp[FP_FIELD_RREF], int(fp[FP_FIELD_NMAX]),
                        int(fp[FP_FIELD_MMAX]), tables, col_start, work, acc)
        ax = w[0] * acc[0] + w[3] * acc[1] + w[6] * acc[2]
        ay = w[1] * acc[0] + w[4] * acc[1] + w[7] * acc[2]
        az = w[2] * acc[0] + w[5] * acc[1] + w[8] * acc[2]
    else:
        r2 = rx * rx + ry * ry + rz * rz
        k = -fp[FP_GM_CENTRAL] / (r2 * math.sqrt(r2))
        ax = k * rx
        ay = k * ry
        az = k * rz
    nthird = int(fp[FP_N_THIRD])
    off = int(fp[FP_BODY_OFFSET])
    ncomp = tab.shape[2]
    pert = w[ncomp + 3:ncomp + 6]
    pert[0] = 0.0
    pert[1] = 0.0
    pert[2] = 0.0
    for ib in range(nthird):
        j = off + 3 * ib
        third_body_accel(rx, ry, rz, w[j], w[j + 1], w[j + 2], fp[FP_GM_THIRD + ib], pert)
    ax += pert[0]
    ay += pert[1]
    az += pert[2]
    mass = y[6]
    if fp[FP_SRP_ON] > 0.5:
        j = off + 3 * int(fp[FP_SUN_INDEX])
        sx = w[j]
        sy = w[j + 1]
        sz = w[j + 2]
        # Cylindrical Moon shadow: in shadow when behind the Moon (r.s_hat < 0) and within the
        # shadow-casting radius of the Sun-Moon line.
        sn = math.sqrt(sx * sx + sy * sy + sz * sz)
        ux = sx / sn
        uy = sy / sn
        uz = sz / sn
        proj = rx * ux + ry * uy + rz * uz
        lit = True
        if proj < 0.0:
            px = rx - proj * ux
            py = ry - proj * uy
            pz = rz - proj * uz
            if px * px + py * py + pz * pz < fp[FP_SHADOW_R] * fp[FP_SHADOW_R]:
                lit = False
        if lit:
            dx = rx - sx
            dy = ry - sy
            dz = rz - sz
            d2 = dx * dx + dy * dy + dz * dz
            d = math.sqrt(d2)
            k = fp[FP_SRP_P_AU2] * fp[FP_SRP_CR_AREA] / (mass * d2 * d)
            ax += k * dx
            ay += k * dy
            az += k * dz
    mode = int(fp[FP_DIR_MODE])
    mdot = 0.0
    if mode > 0:
        thrust = fp[FP_THRUST_N]
        if mode == 3:
            ux = fp[FP_DIR_X]
            uy = fp[FP_DIR_X + 1]
            uz = fp[FP_DIR_X + 2]
        else:
            vn = math.sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
            sgn = 1.0 if mode == 1 else -1.0
            ux = sgn * y[3] / vn
            uy = sgn * y[4] / vn
            uz = sgn * y[5] / vn
        k = thrust / mass
        ax += k * ux
        ay += k * uy
        az += k * uz
        mdot = fp[FP_MDOT]
    dydt[0] = y[3]
    dydt[1] = y[4]
    dydt[2] = y[5]
    dydt[3] = ax
    dydt[4] = ay
    dydt[5] = az
    dydt[6] = -mdot


def third_body_accel_naive(r, s, gm):
    """Pure-numpy twin of :func:`third_body_accel`: direct minus indirect term, as written."""
    r = np.asarray(r, float)
    s = np.asarray(s, float)
    d = s - r
    return gm * (d / np.linalg.norm(d) ** 3 - s / np.linalg.norm(s) ** 3)


def cheb_eval_numpy(tab, t0, seg_len, t):
    """Pure-numpy twin of :func:`cheb_eval` (numpy.polynomial.chebyshev)."""
    nseg = tab.shape[0]
    k = int(np.clip(np.floor((t - t0) / seg_len), 0, nseg - 1))
    x = 2.0 * (t - (t0 + k * seg_len)) / seg_len - 1.0
    return np.polynomial.chebyshev.chebval(x, tab[k])
