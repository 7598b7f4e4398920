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

Evaluation order: degree rows. Row ``n`` of V/W (all orders at once) follows from rows ``n-1`` and ``n-2``,
so the inner loops run over the order ``m`` with no dependency between iterations and vectorize (AVX2);
the degree-``n`` acceleration terms need only row ``n+1``, so three rows of scratch suffice (the
single-point path stays in L1 cache and allocation-free).

Table layout (built once per field by :func:`build_tables`): degree-packed triangles, entry ``(n, m)`` at
flat index ``row_start[n] + m`` with ``row_start[n] = n (n + 1) / 2`` for ``n = 0..nmax+1``. ``tables`` has
shape ``(10, ntri)``; rows are ``a, b, F1*C, F1*S, F2*C, F2*S, F3*C, F3*S, C, S`` (the coefficient rows are
zero beyond nmax/mmax; the ``m = n`` entry of row ``a`` holds the sectoral factor ``s_n``). Folding F1..F3
into the coefficients halves the work of the acceleration sums.

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
results are bit-for-bit those of ``sh_acceleration``. From numba code use
``sh_acceleration_block(r_m, start, stop, gm, ref_radius, nmax, mmax, tables, row_start, work, out)`` (serial).
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
_A, _B, _C1, _S1, _C2, _S2, _C3, _S3, _C, _S = range(N_TABLE_ROWS)
_FASTMATH = {"contract", "reassoc"}  # FMA + vectorized reductions; no finite-math assumptions
_U = np.uint64  # unsigned loop indices: no negative-index wraparound, so LLVM vectorizes (see _next_row)


def row_starts(nmax: int) -> np.ndarray:
    """Flat offset ``n (n + 1) / 2`` of each degree row ``n = 0..nmax+2``, int64 ``(nmax + 3,)``."""
    n = np.arange(int(nmax) + 3, dtype=np.int64)
    return n * (n + 1) // 2


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
            q = (2 * n + 1) / (2 * n + 3)
            f1 = 0.5 * np.sqrt(q * (n + m + 1) * (n + m + 2))
            f1[0] = math.sqrt(q * (n + 1) * (n + 2) / 2.0)
            f2 = 0.5 * np.sqrt(np.where(m == 1, 2.0, 1.0) * q * (n - m + 1) * (n - m + 2))
            f2[0] = 0.0
            f3 = np.sqrt(q * (n + m + 1) * (n - m + 1))
            keep = m <= mmax
            c = np.where(keep, c_nm[n, : n + 1], 0.0)
            sv = np.where(keep, s_nm[n, : n + 1], 0.0)
            tables[_C1, sl] = f1 * c
            tables[_S1, sl] = f1 * sv
            tables[_C2, sl] = f2 * c
            tables[_S2, sl] = f2 * sv
            tables[_C3, sl] = f3 * c
            tables[_S3, sl] = f3 * sv
            tables[_C, sl] = c
            tables[_S, sl] = sv
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
    one = _U(1)
    two = _U(2)
    for n in range(1, nmax + 2):
        _next_row(n, min(n, mmax + 1), xt, yt, zt, rt, tables, _U(row_start[n]), work, p0, p1, p2)
        # degree d = n - 1 terms need only row n (orders m - 1, m, m + 1)
        q0 = p0 + _U(3)
        bd = _U(row_start[n - 1])
        c1 = tables[_C1, bd]
        sx = -c1 * work[p0, one]
        sy = -c1 * work[q0, one]
        sz = -tables[_C3, bd] * work[p0, _U(0)]
        top = _U(min(n - 1, mmax))
        for i in range(top):  # i = m - 1; vectorized over orders
            k = bd + one + i
            vm = work[p0, i]
            wm = work[q0, i]
            vc = work[p0, i + one]
            wc = work[q0, i + one]
            vp = work[p0, i + two]
            wp = work[q0, i + two]
            c1 = tables[_C1, k]
            s1 = tables[_S1, k]
            c2 = tables[_C2, k]
            s2 = tables[_S2, k]
            sx += c2 * vm + s2 * wm - c1 * vp - s1 * wp
            sy += s1 * vp - c1 * wp + s2 * vm - c2 * wm
            sz -= tables[_C3, k] * vc + tables[_S3, k] * wc
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


@njit(cache=True, nogil=True)
def sh_acceleration_block(r_m, start, stop, gm, ref_radius, nmax, mmax, tables, row_start, work, out):
    """Accelerations [m/s^2] of points ``start..stop-1`` of ``r_m`` (N, 3) [m] into the same rows of ``out``.

    Serial, allocation-free (``work`` as for :func:`sh_acceleration`, one per thread); releases the GIL, so
    :func:`sh_acceleration_batch` runs blocks of one array on several Python threads at once.
    """
    for i in range(start, stop):
        sh_acceleration(r_m[i, 0], r_m[i, 1], r_m[i, 2], gm, ref_radius, nmax, mmax, tables, row_start, work,
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
_BLOCK_COST = 200_000  # ~ (nmax + 2)^2 * points per block: ~0.2 ms of work, so a block's dispatch (~10 us) is noise
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
            ex = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lunapole-gravity")
            _pool[:] = [ex, workers, os.getpid()]
        return ex


def _thread_work(nmax: int) -> np.ndarray:
    cache = getattr(_local, "work", None)
    if cache is None:
        cache = _local.work = {}
    work = cache.get(nmax)
    if work is None:
        work = cache[nmax] = new_work(nmax)
    return work


def _run_blocks(block_kernel, r_m, nmax, args, out, threads) -> None:
    npts = r_m.shape[0]
    if npts == 0:
        return
    nthreads = max(1, int(threads) if threads else numba.get_num_threads())
    per = max(1, _BLOCK_COST // ((int(nmax) + 2) ** 2))
    nblocks = (npts + per - 1) // per
    if nthreads == 1 or nblocks == 1:
        block_kernel(r_m, 0, npts, *args, _thread_work(int(nmax)), out)
        return
    nblocks = max(nblocks, 2 * nthreads)  # dynamic hand-out of several blocks per thread: a preempted thread
    per = (npts + nblocks - 1) // nblocks  # delays the end by one block, not by its whole share
    nblocks = (npts + per - 1) // per
    counter = itertools.count()  # next() is atomic under the GIL

    def worker() -> None:
        work = _thread_work(int(nmax))
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
        f.result()


def sh_acceleration_batch(r_m, gm, ref_radius, nmax, mmax, tables, row_start, out, threads=None):
    """Accelerations [m/s^2] for body-frame positions ``r_m`` (N, 3) [m] into ``out`` (N, 3), in parallel.

    Called from Python (not from numba code: use :func:`sh_acceleration_block` there). ``r_m`` and ``out``
    C-contiguous float64; ``threads`` defaults to ``numba.get_num_threads()`` (NUMBA_NUM_THREADS). Each thread
    evaluates whole points with the single-point kernel, so results are bit-for-bit those of
    :func:`sh_acceleration`.
    """
    _run_blocks(sh_acceleration_block, r_m, nmax, (gm, ref_radius, nmax, mmax, tables, row_start), out, threads)


def sh_potential_batch(r_m, gm, ref_radius, nmax, mmax, tables, row_start, out, threads=None):
    """Potentials [m^2/s^2] for body-frame positions ``r_m`` (N, 3) [m] into ``out`` (N,), in parallel."""
    _run_blocks(sh_potential_block, r_m, nmax, (gm, ref_radius, nmax, mmax, tables, row_start), out, threads)
