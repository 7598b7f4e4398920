"""Spherical-harmonic gravity: compiled acceleration and potential on plain floats/arrays.

Formulation: fully normalized Cunningham (1970) V/W recursion in Cartesian form (Montenbruck & Gill,
*Satellite Orbits*, 2000, sec. 3.2.4, eqs. 3.29-3.33, normalized here as in Eckman, Brown & Adamo 2011,
NASA/TP-2011-216155). It works on x, y, z directly, so it has no 1/cos(latitude) term and is
singularity-free at the poles, like Pines (1973). With the normalized recursion the only values that
can underflow are those below ~1e-192 of the central term up to degree ~1500 (docs/gravity.md), so no
extra scaling is needed for GRGM1200A (degree 1200).

Definitions (rho = R / r, R = reference radius)::

    Vbar_nm + i Wbar_nm = N_nm * (R/r)^(n+1) * P_nm(sin lat) * exp(i m lon)
    U = GM/R * sum_nm (Cbar_nm Vbar_nm + Sbar_nm Wbar_nm)
    Vbar_00 = R/r,  Wbar_00 = 0
    Vbar_mm = s_m (x~ Vbar_m-1,m-1 - y~ Wbar_m-1,m-1),  Wbar_mm = s_m (x~ W + y~ V)
    Vbar_nm = a_nm z~ Vbar_n-1,m - b_nm rho~ Vbar_n-2,m      (same for W)
    x~ = x R / r^2, y~, z~ alike, rho~ = R^2 / r^2
    s_m = sqrt(k (2m+1) / (2m)), k = 2 if m == 1 else 1
    a_nm = sqrt((2n+1)(2n-1) / ((n-m)(n+m)))
    b_nm = sqrt((2n+1)(n+m-1)(n-m-1) / ((2n-3)(n+m)(n-m)))
    ax = GM/R^2 sum_nm [-F1 (C Vbar_n+1,m+1 + S Wbar_n+1,m+1) + F2 (C Vbar_n+1,m-1 + S Wbar_n+1,m-1)]
    ay = GM/R^2 sum_nm [-F1 (C Wbar_n+1,m+1 - S Vbar_n+1,m+1) - F2 (C Wbar_n+1,m-1 - S Vbar_n+1,m-1)]
    az = GM/R^2 sum_nm [-F3 (C Vbar_n+1,m + S Wbar_n+1,m)]
    F1 = 1/2 sqrt((2n+1)/(2n+3) (n+m+1)(n+m+2))            (m > 0)
       = sqrt((2n+1)/(2n+3) (n+1)(n+2) / 2)                 (m = 0)
    F2 = 1/2 sqrt(k' (2n+1)/(2n+3) (n-m+1)(n-m+2)), k' = 2 if m == 1 else 1   (0 for m = 0)
    F3 = sqrt((2n+1)/(2n+3) (n+m+1)(n-m+1))

Evaluation order: degree rows, one pass each. Row ``n`` of V/W (all orders at once) follows from rows
``n-1`` and ``n-2``, so the inner loop runs over the order ``m`` with no dependency between iterations and
vectorizes (AVX2). The degree-``n-1`` acceleration sums need only row ``n`` (orders m - 1, m, m + 1); regrouped
by row entry ``j`` they read ``ax += XV_j Vbar_nj + XW_j Wbar_nj`` (same for y, z) with::

    XV_j = F2C_(j+1) - F1C_(j-1),  XW_j = F2S_(j+1) - F1S_(j-1),  YV_j = F2S_(j+1) + F1S_(j-1),
    YW_j = -F2C_(j+1) - F1C_(j-1),  ZV_j = -F3C_j,  ZW_j = -F3S_j      (F1C = F1 Cbar_(n-1),m etc.)

so each entry is accumulated in the same loop iteration that computes it (6 FMAs, no shifted re-loads):
three rows of scratch suffice, the single-point path stays in L1 cache and is allocation-free.

Table layout (built once per field by :func:`build_tables`): degree-packed triangles, entry ``(n, m)`` at
flat index ``row_start[n] + m`` with ``row_start[n] = n (n + 1) / 2`` for ``n = 0..nmax+1``. ``tables`` has
shape ``(10, ntri)``; rows are ``a, b, XV, XW, YV, YW, ZV, ZW, C, S`` (the ``m = n`` entry of row ``a``
holds the sectoral factor ``s_n``; row ``n`` of ``XV..ZW`` holds the factors above for degree ``n - 1``; ``C, S``
are zero beyond nmax/mmax).

Calling convention from numba code (the propagator's hot path; allocation-free)::

    args = field.kernel_args()   # (gm, ref_radius, nmax, mmax, tables, row_start, work)
    sh_acceleration(x, y, z, gm, ref_radius, nmax, mmax, tables, row_start, work, out)

* ``x, y, z``: float64, position [m] in the field's body frame (e.g. MOON_PA), any r > 0.
* ``gm`` [m^3/s^2], ``ref_radius`` [m]: float64.  ``nmax, mmax``: int64, ``0 <= mmax <= nmax``.
* ``tables``: float64 ``(10, ntri)`` C-contiguous (read-only); ``row_start``: int64 ``(nmax + 3,)``.
* ``work``: float64 ``(6, nmax + 2)`` scratch, overwritten (one per thread!).
* ``out``: float64 ``(3,)``; receives the acceleration [m/s^2] in the body frame (full field, C00 = 1
  included; it is the total gravitational acceleration of the body, not only the perturbation).
* returns nothing.  ``sh_potential(x, y, z, gm, ref_radius, nmax, mmax, tables, row_start, work)``
  returns U [m^2/s^2] with the sign convention a = +grad U (U = GM/r for a point mass).

Batched, from Python: ``sh_acceleration_batch(r_m (N,3), gm, ref_radius, nmax, mmax, tables, row_start,
out (N,3), threads=None)`` hands blocks of points to a small pool of Python threads (the calling thread works
too), each running the allocation-free, GIL-free ``sh_acceleration_block`` with its own thread-local scratch;
results equal ``sh_acceleration``'s (two points per pass share the table loads). From numba code use
``sh_acceleration_block(r_m, start, stop, gm, ref_radius, nmax, mmax, tables, row_start, work2, out)`` (serial;
``work2 = new_block_work(nmax)``, float64 ``(2, 6, nmax + 2)``, one per thread).
Pure-numpy twin: :mod:`lunapole.gravity.reference`.
"""
from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

N_TABLE_ROWS = 10
_A, _B, _XV, _XW, _YV, _YW, _ZV, _ZW, _C, _S = range(N_TABLE_ROWS)
_FASTMATH = {"contract", "reassoc"}  # FMA + vectorized reductions; no finite-math assumptions
_U = np.uint64  # unsigned loop indices: no negative-index wraparound, so LLVM vectorizes (see _next_row)


def row_starts(nmax: int) -> np.ndarray:
    """Flat offset ``n (n + 1) / 2`` of each degree row ``n = 0..nmax+2``, int64 ``(nmax + 3,)``."""
    n = np.arange(int(nmax) + 3, dtype=np.int64)
    return n * (n + 1) // 2


def _row_factors(d: int, c_nm: np.ndarray, s_nm: np.ndarray, mmax: int) -> np.ndarray:
    """Factors ``(XV, XW, YV, YW, ZV, ZW)`` of ``Vbar, Wbar`` of row ``n = d + 1`` in the degree-``d`` sums.

    The sums of the module docstring use, for order m, row-n entries m - 1, m, m + 1; regrouped by entry
    j, ``ax += XV_j V_j + XW_j W_j`` (same for y, z), with (F1..F3 times C, S of degree d, order m):
    XV_j = F2C_(j+1) - F1C_(j-1), XW_j = F2S_(j+1) - F1S_(j-1), YV_j = F2S_(j+1) + F1S_(j-1),
    YW_j = -F2C_(j+1) - F1C_(j-1), ZV_j = -F3C_j, ZW_j = -F3S_j (terms with an order outside 0..min(d, mmax)
    are zero; the S terms of order 0 are left out, as S_d0 = 0). Shape ``(6, d + 2)``.
    """
    n = d + 1
    m = np.arange(n, dtype=np.float64)  # orders 0..d of degree d
    q = (2 * d + 1) / (2 * d + 3)
    f1 = 0.5 * np.sqrt(q * (d + m + 1) * (d + m + 2))
    f1[0] = math.sqrt(q * (d + 1) * (d + 2) / 2.0)
    f2 = 0.5 * np.sqrt(np.where(m == 1, 2.0, 1.0) * q * (d - m + 1) * (d - m + 2))
    f2[0] = 0.0
    f3 = np.sqrt(q * (d + m + 1) * (d - m + 1))
    keep = m <= mmax
    c = np.where(keep, c_nm[d, :n], 0.0)
    sv = np.where(keep, s_nm[d, :n], 0.0)
    sv[0] = 0.0
    c1, s1, c2, s2, c3, s3 = f1 * c, f1 * sv, f2 * c, f2 * sv, f3 * c, f3 * sv
    out = np.zeros((6, n + 1))
    xv, xw, yv, yw, zv, zw = out
    xv[: n - 1] += c2[1:]   # from order m = j + 1 (vm of the sums)
    xw[: n - 1] += s2[1:]
    yv[: n - 1] += s2[1:]
    yw[: n - 1] -= c2[1:]
    xv[1:] -= c1            # from order m = j - 1 (vp of the sums)
    xw[1:] -= s1
    yv[1:] += s1
    yw[1:] -= c1
    zv[:n] -= c3            # from order m = j (vc of the sums)
    zw[:n] -= s3
    return out


def build_tables(c_nm: np.ndarray, s_nm: np.ndarray, nmax: int, mmax: int) -> tuple[np.ndarray, np.ndarray]:
    """Pack fully normalized ``C, S`` (indexed ``[n, m]``) and the recursion factors for the kernel.

    Returns ``(tables (10, ntri) float64, row_start (nmax + 3,) int64)``; see the module docstring.
    """
    nmax = int(nmax)
    mmax = int(mmax)
    if not 0 <= mmax <= nmax:
        raise ValueError(f"need 0 <= mmax <= nmax, got nmax={nmax}, mmax={mmax}")
    row_start = row_starts(nmax)
    tables = np.zeros((N_TABLE_ROWS, int(row_start[-1])), dtype=np.float64)
    for n in range(nmax + 2):
        m = np.arange(n + 1, dtype=np.float64)
        sl = slice(int(row_start[n]), int(row_start[n + 1]))
        a = np.zeros(n + 1)
        b = np.zeros(n + 1)
        mm = m[:n]
        a[:n] = np.sqrt((2 * n + 1) * (2 * n - 1) / ((n - mm) * (n + mm)))
        if n >= 1:
            a[n] = math.sqrt((2.0 if n == 1 else 1.0) * (2 * n + 1) / (2.0 * n))  # sectoral factor s_n
        mb = m[: max(n - 1, 0)]
        if n >= 2:
            b[: n - 1] = np.sqrt((2 * n + 1) * (n + mb - 1) * (n - mb - 1) / ((2 * n - 3) * (n + mb) * (n - mb)))
        tables[_A, sl] = a
        tables[_B, sl] = b
        if n <= nmax:
            keep = m <= mmax
            tables[_C, sl] = np.where(keep, c_nm[n, : n + 1], 0.0)
            tables[_S, sl] = np.where(keep, s_nm[n, : n + 1], 0.0)
        if n >= 1:  # row n carries the degree d = n - 1 acceleration factors of Vbar_nj, Wbar_nj
            tables[_XV:_ZW + 1, sl] = _row_factors(n - 1, c_nm, s_nm, mmax)
    return tables, row_start


def new_work(nmax: int) -> np.ndarray:
    """Scratch array for one thread: float64 ``(6, nmax + 2)`` (V and W of three degree rows)."""
    return np.zeros((6, int(nmax) + 2), dtype=np.float64)


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def _next_row(n, top, xt, yt, zt, rt, tables, base, work, p0, p1, p2):
    """Degree row ``n`` (orders ``0..top``) of V/W into work rows ``p0`` (V) and ``3 + p0`` (W).

    Rows ``n - 1`` and ``n - 2`` are in ``p1`` and ``p2``. All indices are uint64 on purpose: numba wraps
    negative signed indices with a select, which stops LLVM from vectorizing the stores (measured 3x slower
    on this loop), and no array views are taken (each view costs reference-count updates). V and W share
    one loop (measured 7-12 % faster than two loops, interleaved A/B timing).
    """
    q0 = p0 + _U(3)
    q1 = p1 + _U(3)
    q2 = p2 + _U(3)
    cnt = _U(min(top + 1, n - 1)) if n >= 2 else _U(0)
    for m in range(cnt):
        k = base + m
        t = tables[_A, k] * zt
        u = tables[_B, k] * rt
        work[p0, m] = t * work[p1, m] - u * work[p2, m]
        work[q0, m] = t * work[q1, m] - u * work[q2, m]
    j = _U(n - 1)
    if top >= n - 1:
        t = tables[_A, base + j] * zt
        work[p0, j] = t * work[p1, j]
        work[q0, j] = t * work[q1, j]
    if top >= n:
        jn = _U(n)
        s_n = tables[_A, base + jn]
        work[p0, jn] = s_n * (xt * work[p1, j] - yt * work[q1, j])
        work[q0, jn] = s_n * (xt * work[q1, j] + yt * work[p1, j])


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def sh_acceleration(x, y, z, gm, ref_radius, nmax, mmax, tables, row_start, work, out):
    """Acceleration [m/s^2] of the field at body-frame position (x, y, z) [m] into ``out`` (3,).

    See the module docstring for the calling convention; allocation-free.
    """
    r2 = x * x + y * y + z * z
    inv_r2 = 1.0 / r2
    xt = x * ref_radius * inv_r2
    yt = y * ref_radius * inv_r2
    zt = z * ref_radius * inv_r2
    rt = ref_radius * ref_radius * inv_r2
    # three rotating degree rows: p0 = row n (being computed), p1 = n - 1, p2 = n - 2
    p0 = _U(1)
    p1 = _U(0)
    p2 = _U(2)
    work[0, 0] = math.sqrt(rt)  # Vbar_00 = R / r
    work[3, 0] = 0.0
    ax = 0.0
    ay = 0.0
    az = 0.0
    for n in range(1, nmax + 2):
        # row n of V/W and, in the same pass, the degree n - 1 sums (entry j weighted by XV_j .. ZW_j)
        base = _U(row_start[n])
        top = min(n, mmax + 1)
        q0 = p0 + _U(3)
        q1 = p1 + _U(3)
        q2 = p2 + _U(3)
        cnt = _U(min(top + 1, n - 1)) if n >= 2 else _U(0)
        sx = 0.0
        sy = 0.0
        sz = 0.0
        for m in range(cnt):  # vectorized over orders
            k = base + m
            t = tables[_A, k] * zt
            u = tables[_B, k] * rt
            v = t * work[p1, m] - u * work[p2, m]
            w = t * work[q1, m] - u * work[q2, m]
            work[p0, m] = v
            work[q0, m] = w
            sx += tables[_XV, k] * v + tables[_XW, k] * w
            sy += tables[_YV, k] * v + tables[_YW, k] * w
            sz += tables[_ZV, k] * v + tables[_ZW, k] * w
        j = _U(n - 1)
        if top >= n - 1:
            k = base + j
            t = tables[_A, k] * zt
            v = t * work[p1, j]
            w = t * work[q1, j]
            work[p0, j] = v
            work[q0, j] = w
            sx += tables[_XV, k] * v + tables[_XW, k] * w
            sy += tables[_YV, k] * v + tables[_YW, k] * w
            sz += tables[_ZV, k] * v + tables[_ZW, k] * w
        if top >= n:
            jn = _U(n)
            k = base + jn
            s_n = tables[_A, k]
            v = s_n * (xt * work[p1, j] - yt * work[q1, j])
            w = s_n * (xt * work[q1, j] + yt * work[p1, j])
            work[p0, jn] = v
            work[q0, jn] = w
            sx += tables[_XV, k] * v + tables[_XW, k] * w
            sy += tables[_YV, k] * v + tables[_YW, k] * w
            sz += tables[_ZV, k] * v + tables[_ZW, k] * w
        ax += sx
        ay += sy
        az += sz
        p0, p1, p2 = p2, p0, p1
    scale = gm / (ref_radius * ref_radius)
    out[0] = scale * ax
    out[1] = scale * ay
    out[2] = scale * az


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def sh_potential(x, y, z, gm, ref_radius, nmax, mmax, tables, row_start, work):
    """Potential U [m^2/s^2] (a = +grad U; GM/r for a point mass) at body-frame (x, y, z) [m]."""
    r2 = x * x + y * y + z * z
    inv_r2 = 1.0 / r2
    xt = x * ref_radius * inv_r2
    yt = y * ref_radius * inv_r2
    zt = z * ref_radius * inv_r2
    rt = ref_radius * ref_radius * inv_r2
    p0 = _U(1)
    p1 = _U(0)
    p2 = _U(2)
    work[0, 0] = math.sqrt(rt)
    work[3, 0] = 0.0
    total = tables[_C, 0] * work[0, 0]
    for n in range(1, nmax + 1):
        top = min(n, mmax)
        base = _U(row_start[n])
        _next_row(n, top, xt, yt, zt, rt, tables, base, work, p0, p1, p2)
        q0 = p0 + _U(3)
        acc = 0.0
        for m in range(_U(top + 1)):
            acc += tables[_C, base + m] * work[p0, m] + tables[_S, base + m] * work[q0, m]
        total += acc
        p0, p1, p2 = p2, p0, p1
    return gm / ref_radius * total


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def _acceleration_pair(r_m, ia, ib, gm, ref_radius, nmax, mmax, tables, row_start, wa, wb, out):
    """:func:`sh_acceleration` for points ``ia`` and ``ib`` of ``r_m`` at once, into rows of ``out``.

    The same operations per point in the same order (so the same bits), but each table entry is loaded once
    for both points (measured 12-14 % less time per point at degree 100). Scratch ``wa``, ``wb``: (6, nmax + 2).
    """
    x = r_m[ia, 0]
    y = r_m[ia, 1]
    z = r_m[ia, 2]
    inv_r2 = 1.0 / (x * x + y * y + z * z)
    xa = x * ref_radius * inv_r2
    ya = y * ref_radius * inv_r2
    za = z * ref_radius * inv_r2
    ra = ref_radius * ref_radius * inv_r2
    x = r_m[ib, 0]
    y = r_m[ib, 1]
    z = r_m[ib, 2]
    inv_r2 = 1.0 / (x * x + y * y + z * z)
    xb = x * ref_radius * inv_r2
    yb = y * ref_radius * inv_r2
    zb = z * ref_radius * inv_r2
    rb = ref_radius * ref_radius * inv_r2
    p0 = _U(1)
    p1 = _U(0)
    p2 = _U(2)
    wa[0, 0] = math.sqrt(ra)
    wa[3, 0] = 0.0
    wb[0, 0] = math.sqrt(rb)
    wb[3, 0] = 0.0
    axa = 0.0
    aya = 0.0
    aza = 0.0
    axb = 0.0
    ayb = 0.0
    azb = 0.0
    for n in range(1, nmax + 2):
        base = _U(row_start[n])
        top = min(n, mmax + 1)
        q0 = p0 + _U(3)
        q1 = p1 + _U(3)
        q2 = p2 + _U(3)
        cnt = _U(min(top + 1, n - 1)) if n >= 2 else _U(0)
        sxa = 0.0
        sya = 0.0
        sza = 0.0
        sxb = 0.0
        syb = 0.0
        szb = 0.0
        for m in range(cnt):  # vectorized over orders, both points per iteration
            k = base + m
            a = tables[_A, k]
            b = tables[_B, k]
            xv = tables[_XV, k]
            xw = tables[_XW, k]
            yv = tables[_YV, k]
            yw = tables[_YW, k]
            zv = tables[_ZV, k]
            zw = tables[_ZW, k]
            t = a * za
            u = b * ra
            v = t * wa[p1, m] - u * wa[p2, m]
            w = t * wa[q1, m] - u * wa[q2, m]
            wa[p0, m] = v
            wa[q0, m] = w
            sxa += xv * v + xw * w
            sya += yv * v + yw * w
            sza += zv * v + zw * w
            t = a * zb
            u = b * rb
            v = t * wb[p1, m] - u * wb[p2, m]
            w = t * wb[q1, m] - u * wb[q2, m]
            wb[p0, m] = v
            wb[q0, m] = w
            sxb += xv * v + xw * w
            syb += yv * v + yw * w
            szb += zv * v + zw * w
        j = _U(n - 1)
        if top >= n - 1:
            k = base + j
            t = tables[_A, k] * za
            v = t * wa[p1, j]
            w = t * wa[q1, j]
            wa[p0, j] = v
            wa[q0, j] = w
            sxa += tables[_XV, k] * v + tables[_XW, k] * w
            sya += tables[_YV, k] * v + tables[_YW, k] * w
            sza += tables[_ZV, k] * v + tables[_ZW, k] * w
            t = tables[_A, k] * zb
            v = t * wb[p1, j]
            w = t * wb[q1, j]
            wb[p0, j] = v
            wb[q0, j] = w
            sxb += tables[_XV, k] * v + tables[_XW, k] * w
            syb += tables[_YV, k] * v + tables[_YW, k] * w
            szb += tables[_ZV, k] * v + tables[_ZW, k] * w
        if top >= n:
            jn = _U(n)
            k = base + jn
            s_n = tables[_A, k]
            v = s_n * (xa * wa[p1, j] - ya * wa[q1, j])
            w = s_n * (xa * wa[q1, j] + ya * wa[p1, j])
            wa[p0, jn] = v
            wa[q0, jn] = w
            sxa += tables[_XV, k] * v + tables[_XW, k] * w
            sya += tables[_YV, k] * v + tables[_YW, k] * w
            sza += tables[_ZV, k] * v + tables[_ZW, k] * w
            v = s_n * (xb * wb[p1, j] - yb * wb[q1, j])
            w = s_n * (xb * wb[q1, j] + yb * wb[p1, j])
            wb[p0, jn] = v
            wb[q0, jn] = w
            sxb += tables[_XV, k] * v + tables[_XW, k] * w
            syb += tables[_YV, k] * v + tables[_YW, k] * w
            szb += tables[_ZV, k] * v + tables[_ZW, k] * w
        axa += sxa
        aya += sya
        aza += sza
        axb += sxb
        ayb += syb
        azb += szb
        p0, p1, p2 = p2, p0, p1
    scale = gm / (ref_radius * ref_radius)
    out[ia, 0] = scale * axa
    out[ia, 1] = scale * aya
    out[ia, 2] = scale * aza
    out[ib, 0] = scale * axb
    out[ib, 1] = scale * ayb
    out[ib, 2] = scale * azb


def new_block_work(nmax: int) -> np.ndarray:
    """Scratch for one thread of :func:`sh_acceleration_block`: float64 ``(2, 6, nmax + 2)`` (two points)."""
    return np.zeros((2, 6, int(nmax) + 2), dtype=np.float64)


@njit(cache=True, nogil=True)
def sh_acceleration_block(r_m, start, stop, gm, ref_radius, nmax, mmax, tables, row_start, work2, out):
    """Accelerations [m/s^2] of points ``start..stop-1`` of ``r_m`` (N, 3) [m] into the same rows of ``out``.

    Serial, allocation-free; ``work2`` from :func:`new_block_work` (one per thread). Points are taken in
    pairs that share the table loads; the results equal :func:`sh_acceleration`'s. Releases the GIL, so
    :func:`sh_acceleration_batch` runs blocks of one array on several Python threads at once.
    """
    wa = work2[0]
    wb = work2[1]
    i = start
    while i + 1 < stop:
        _acceleration_pair(r_m, i, i + 1, gm, ref_radius, nmax, mmax, tables, row_start, wa, wb, out)
        i += 2
    if i < stop:
        sh_acceleration(r_m[i, 0], r_m[i, 1], r_m[i, 2], gm, ref_radius, nmax, mmax, tables, row_start, wa,
                        out[i])


@njit(cache=True, nogil=True)
def sh_potential_block(r_m, start, stop, gm, ref_radius, nmax, mmax, tables, row_start, work, out):
    """Potentials [m^2/s^2] of points ``start..stop-1`` of ``r_m`` (N, 3) [m] into ``out[start:stop]``."""
    for i in range(start, stop):
        out[i] = sh_potential(r_m[i, 0], r_m[i, 1], r_m[i, 2], gm, ref_radius, nmax, mmax, tables, row_start,
                              work)


# ---- batched evaluation on a small pool of Python threads (the block kernels release the GIL) ----------------
# Why not numba's prange: its OpenMP workers spin-wait at the end of each parallel region, and on a shared,
# loaded machine one preempted worker leaves the other spinning; measured +30 % CPU per point at degree 100
# (13.4 vs 9.7 us with 2 threads, 9.7 us with 1). Threads blocked on a lock sleep instead. See docs/gravity.md.
_BLOCK_COST = 200_000  # (nmax + 2)^2 * points per block: ~0.1 ms of work, so a block's dispatch (~5 us) is small
_pool_lock = threading.Lock()
_pool: list = [None, 0, -1]  # executor, its worker count, pid that created it
_local = threading.local()


def _reset_pool_after_fork() -> None:
    _pool[:] = [None, 0, -1]  # the parent's worker threads do not exist in a forked child


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def _executor(workers: int) -> ThreadPoolExecutor:
    with _pool_lock:
        ex, n, pid = _pool
        if ex is None or n < workers or pid != os.getpid():
            if ex is not None and pid == os.getpid():
                ex.shutdown(wait=False)  # a larger pool replaces it; its idle threads exit
            ex = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lunapole-gravity")
            _pool[:] = [ex, workers, os.getpid()]
        return ex


def _thread_work(nmax: int, maker) -> np.ndarray:
    cache = getattr(_local, "work", None)
    if cache is None:
        cache = _local.work = {}
    key = (nmax, maker)
    work = cache.get(key)
    if work is None:
        work = cache[key] = maker(nmax)
    return work


def _run_blocks(block_kernel, work_maker, r_m, nmax, args, out, threads) -> None:
    npts = r_m.shape[0]
    if npts == 0:
        return
    nthreads = max(1, int(threads) if threads else numba.get_num_threads())
    per = max(1, _BLOCK_COST // ((int(nmax) + 2) ** 2))
    nblocks = (npts + per - 1) // per
    if nthreads == 1 or nblocks == 1:
        block_kernel(r_m, 0, npts, *args, _thread_work(int(nmax), work_maker), out)
        return
    nblocks = max(nblocks, 2 * nthreads)  # dynamic hand-out of several blocks per thread: a preempted thread
    per = (npts + nblocks - 1) // nblocks  # delays the end by one block, not by its whole share
    per += per & 1  # even: the acceleration block kernel takes points in pairs
    nblocks = (npts + per - 1) // per
    counter = itertools.count()  # next() is atomic under the GIL

    def worker() -> None:
        work = _thread_work(int(nmax), work_maker)
        while True:
            b = next(counter)
            if b >= nblocks:
                return
            start = b * per
            block_kernel(r_m, start, min(npts, start + per), *args, work, out)

    helpers = min(nthreads, nblocks) - 1
    futures = [_executor(helpers).submit(worker) for _ in range(helpers)]
    worker()  # the calling thread works too
    for f in futures:
        if not f.cancel():  # not started yet (pool busy with another caller): nothing left for it to do
            f.result()


def sh_acceleration_batch(r_m, gm, ref_radius, nmax, mmax, tables, row_start, out, threads=None):
    """Accelerations [m/s^2] for body-frame positions ``r_m`` (N, 3) [m] into ``out`` (N, 3), in parallel.

    Called from Python (not from numba code: use :func:`sh_acceleration_block` there). ``r_m`` and ``out``
    C-contiguous float64; ``threads`` defaults to ``numba.get_num_threads()`` (NUMBA_NUM_THREADS). Each thread
    runs :func:`sh_acceleration_block` (the single-point arithmetic, two points per pass), so the results
    equal :func:`sh_acceleration`'s (bit for bit as measured; the tests allow 1e-15 of |a|).
    """
    args = (gm, ref_radius, nmax, mmax, tables, row_start)
    _run_blocks(sh_acceleration_block, new_block_work, r_m, nmax, args, out, threads)


def sh_potential_batch(r_m, gm, ref_radius, nmax, mmax, tables, row_start, out, threads=None):
    """Potentials [m^2/s^2] for body-frame positions ``r_m`` (N, 3) [m] into ``out`` (N,), in parallel."""
    args = (gm, ref_radius, nmax, mmax, tables, row_start)
    _run_blocks(sh_potential_block, new_work, r_m, nmax, args, out, threads)
