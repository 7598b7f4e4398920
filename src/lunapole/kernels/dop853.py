"""Compiled Dormand-Prince 8(5,3) integrator with lazy 7th-order dense output and event location.

Tableau: Hairer, Norsett & Wanner, *Solving ODEs I* (1993), sec. II.10 (DOP853), the values of
``scipy.integrate._ivp.dop853_coefficients`` (copied into :mod:`lunapole.kernels.dop853_tableau`); error norm
and step-size control as in ``scipy.integrate.DOP853`` (which is this kernel's pure-Python twin in the tests).

State: y (7,) = [r m, v m/s, mass kg] (Moon-centred J2000); the right-hand side is
:func:`lunapole.kernels.orbit_forces.rhs`. Each accepted step stores (t_old, h, y_old, y_new, K)
with K the 13 stage derivatives, so the dense interpolant (three extra evaluations) is built only
for the steps where it is needed (events, sampling): :func:`dense_coeffs`, :func:`dense_eval`.

Events (``ev_*`` arrays, one entry per event function g):
  type 0 altitude above the reference sphere minus ``value``: g = |r| - R - value
  type 1 altitude above a MOON_ME lat/lon height grid minus ``value``: g = |r| - R - h(lat, lon) - value
  type 2 radial velocity g = r.v (direction +1: periapsis, -1: apoapsis)
  type 3 epoch g = t - value
``ev_dir``: +1 only rising, -1 only falling, 0 both. ``ev_term``: 1 stops the integration at the root.
Roots are located on the dense output with the Illinois method to ``EVENT_TOL_S``; a root within
``START_SKIP_S`` of the initial epoch is ignored, so a run started on an event does not stop at once.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from lunapole.kernels import _numba_cache
from lunapole.kernels import dop853_tableau as _dc
from lunapole.kernels import gravity as _gravity
from lunapole.kernels import orbit_forces as _orbit_forces
from lunapole.kernels.orbit_forces import FP_ROT_ME, FP_TAB_SEG, FP_TAB_T0, cheb_eval, rhs

_numba_cache.invalidate_stale(__file__, [_orbit_forces.__file__, _gravity.__file__, _dc.__file__])

A = np.ascontiguousarray(_dc.A, dtype=np.float64)
B = np.ascontiguousarray(_dc.B, dtype=np.float64)
C = np.ascontiguousarray(_dc.C, dtype=np.float64)
D = np.ascontiguousarray(_dc.D, dtype=np.float64)
E3 = np.ascontiguousarray(_dc.E3, dtype=np.float64)
E5 = np.ascontiguousarray(_dc.E5, dtype=np.float64)
NSTAGES = 12
NY = 7
EVENT_TOL_S = 1e-6
START_SKIP_S = 1e-4  # roots closer than this to the initial epoch are ignored
STATUS_DONE = 0
STATUS_EVENT_STOP = 1
STATUS_MAX_STEPS = 2
STATUS_STEP_TOO_SMALL = 3


# inline='always' (here and _error_norm): a separate kernel would get its own copy of rhs + gravity to optimize,
# ~1 s of compile time each; error_model="numpy" everywhere: IEEE division, no zero-division exception paths.
# Measured in benchmarks/bench_coldstart.py (RESULTS-coldstart.md).
@njit(cache=True, nogil=True, error_model="numpy", inline='always')
def _step(t, y, f0, h, fp, tables, col_start, work, tab, w, K, ynew, tmp):
    """One DOP853 step from (t, y) with f0 = f(t, y); fills K (13, 7) and ynew; returns nothing."""
    for i in range(NY):
        K[0, i] = f0[i]
    for s in range(1, NSTAGES):
        for i in range(NY):
            acc = 0.0
            for j in range(s):
                acc += A[s, j] * K[j, i]
            tmp[i] = y[i] + h * acc
        rhs(t + C[s] * h, tmp, fp, tables, col_start, work, tab, w, K[s])
    for i in range(NY):
        acc = 0.0
        for j in range(NSTAGES):
            acc += B[j] * K[j, i]
        ynew[i] = y[i] + h * acc
    rhs(t + h, ynew, fp, tables, col_start, work, tab, w, K[NSTAGES])


@njit(cache=True, nogil=True, error_model="numpy", inline='always')
def _error_norm(K, h, y, ynew, rtol, atol):
    e5 = 0.0
    e3 = 0.0
    for i in range(NY):
        sc = atol[i] + max(abs(y[i]), abs(ynew[i])) * rtol
        a5 = 0.0
        a3 = 0.0
        for j in range(NSTAGES + 1):
            a5 += E5[j] * K[j, i]
            a3 += E3[j] * K[j, i]
        a5 /= sc
        a3 /= sc
        e5 += a5 * a5
        e3 += a3 * a3
    if e5 == 0.0 and e3 == 0.0:
        return 0.0
    return abs(h) * e5 / math.sqrt((e5 + 0.01 * e3) * NY)


@njit(cache=True, nogil=True, error_model="numpy")
def dense_coeffs(t_old, h, y_old, y_new, K, fp, tables, col_start, work, tab, w, F):
    """7th-order interpolant coefficients F (7, 7) of one step (3 extra right-hand-side evaluations)."""
    Kx = np.empty((16, NY))
    for s in range(NSTAGES + 1):
        for i in range(NY):
            Kx[s, i] = K[s, i]
    tmp = np.empty(NY)
    for s in range(NSTAGES + 1, 16):
        for i in range(NY):
            acc = 0.0
            for j in range(s):
                acc += A[s, j] * Kx[j, i]
            tmp[i] = y_old[i] + h * acc
        rhs(t_old + C[s] * h, tmp, fp, tables, col_start, work, tab, w, Kx[s])
    for i in range(NY):
        dy = y_new[i] - y_old[i]
        F[0, i] = dy
        F[1, i] = h * K[0, i] - dy
        F[2, i] = 2.0 * dy - h * (K[NSTAGES, i] + K[0, i])
        for r in range(4):
            acc = 0.0
            for j in range(16):
                acc += D[r, j] * Kx[j, i]
            F[3 + r, i] = h * acc


@njit(cache=True, nogil=True, error_model="numpy")
def dense_eval(t_old, h, y_old, F, t, out):
    """Evaluate the interpolant of one step at t into out (7,) (scipy's Dop853DenseOutput)."""
    x = (t - t_old) / h
    for i in range(NY):
        acc = 0.0
        for k in range(6, -1, -1):
            acc += F[k, i]
            if (6 - k) % 2 == 0:
                acc *= x
            else:
                acc *= 1.0 - x
        out[i] = y_old[i] + acc


@njit(cache=True, nogil=True, error_model="numpy")
def terrain_height(lat_deg, lon_deg, lat0, dlat, lon0, dlon, hgrid):
    """Bilinear height [m] on a regular lat/lon grid (rows = latitude, columns = longitude).

    Longitudes wrap modulo 360 deg; outside the latitude band of the grid the height is 0.
    """
    ny = hgrid.shape[0]
    nx = hgrid.shape[1]
    fy = (lat_deg - lat0) / dlat
    if fy < 0.0 or fy > ny - 1:
        return 0.0
    lon = (lon_deg - lon0) % 360.0
    fx = lon / dlon
    if fx > nx - 1:
        # beyond the last column: wrap to the first only if the grid is global in longitude
        if abs(nx * dlon - 360.0) < 1e-9:
            i0 = nx - 1
            i1 = 0
            ax = fx - (nx - 1)
        else:
            return 0.0
    else:
        i0 = int(math.floor(fx))
        if i0 >= nx - 1:
            i0 = nx - 2
        i1 = i0 + 1
        ax = fx - i0
    j0 = int(math.floor(fy))
    if j0 >= ny - 1:
        j0 = ny - 2
    if j0 < 0:
        j0 = 0
    ay = fy - j0
    h00 = hgrid[j0, i0]
    h01 = hgrid[j0, i1]
    h10 = hgrid[j0 + 1, i0]
    h11 = hgrid[j0 + 1, i1]
    return (1 - ay) * ((1 - ax) * h00 + ax * h01) + ay * ((1 - ax) * h10 + ax * h11)


@njit(cache=True, nogil=True, error_model="numpy")
def event_g(kind, value, t, y, ref_radius, fp, tab, w, tgrid, hgrid):
    """Value of event function ``kind`` at (t, y); tgrid = (lat0, dlat, lon0, dlon) of the height grid."""
    if kind == 0:
        return math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]) - ref_radius - value
    if kind == 1:
        cheb_eval(tab, fp[FP_TAB_T0], fp[FP_TAB_SEG], t, w)
        o = int(fp[FP_ROT_ME])
        bx = w[o] * y[0] + w[o + 1] * y[1] + w[o + 2] * y[2]
        by = w[o + 3] * y[0] + w[o + 4] * y[1] + w[o + 5] * y[2]
        bz = w[o + 6] * y[0] + w[o + 7] * y[1] + w[o + 8] * y[2]
        r = math.sqrt(bx * bx + by * by + bz * bz)
        lat = math.degrees(math.asin(bz / r))
        lon = math.degrees(math.atan2(by, bx))
        h = terrain_height(lat, lon, tgrid[0], tgrid[1], tgrid[2], tgrid[3], hgrid)
        return r - ref_radius - h - value
    if kind == 2:
        return y[0] * y[3] + y[1] * y[4] + y[2] * y[5]
    return t - value


@njit(cache=True, nogil=True, error_model="numpy")
def _locate(kind, value, t_old, h, y_old, F, ga, gb, ref_radius, fp, tab, w, tgrid, hgrid, yb):
    """Root of g on [t_old, t_old + h] by the Illinois method on the dense output; returns t."""
    a = 0.0
    b = 1.0
    fa = ga
    fb = gb
    side = 0
    x = 1.0
    for _ in range(200):
        x = (a * fb - b * fa) / (fb - fa)
        dense_eval(t_old, h, y_old, F, t_old + x * h, yb)
        fx = event_g(kind, value, t_old + x * h, yb, ref_radius, fp, tab, w, tgrid, hgrid)
        if fx * fb > 0.0:
            b = x
            fb = fx
            if side == -1:
                fa *= 0.5
            side = -1
        elif fx * fa > 0.0:
            a = x
            fa = fx
            if side == 1:
                fb *= 0.5
            side = 1
        else:
            return t_old + x * h
        if abs(b - a) * abs(h) < EVENT_TOL_S:
            break
    return t_old + x * h


@njit(cache=True, nogil=True, error_model="numpy")
def integrate(t0, y0, t_end, rtol, atol, h_init, h_max, max_steps, fp, tables, col_start, work, tab,
              ev_kind, ev_value, ev_dir, ev_term, ref_radius, tgrid, hgrid):
    """Integrate from t0 to t_end (either direction) with events; see the module docstring.

    Returns ``(status, n_steps, n_events, n_eval, ts, ys, hs, Ks, ye, ev_idx, ev_t, ev_y)``: buffers whose
    first ``n_steps (+1)`` / ``n_events`` rows are valid (the caller slices them; see :func:`integrate_trimmed`):
    ``ts (>n+1,)``, ``ys (>n+1, 7)``, ``hs (>n,)``, ``Ks (>n, 13, 7)``, ``ye (>n, 7)``, ``ev_idx, ev_t, ev_y``.
    Step i starts at ``ts[i], ys[i]``; its interpolant spans ``hs[i]`` and ends at ``ye[i]`` (the last step
    may be cut short by a stopping event: ``ts[n]``).

    Compile time (benchmarks/RESULTS-coldstart.md): only element-wise array access here. Slice assignment,
    ``.copy()`` of slices and ``np.zeros`` each instantiate (and LLVM-optimize) further numba overloads;
    broadcasting assignments alone pulled in numba's shape-error message formatting (string code), which
    was a quarter of this kernel's cold compile time.
    """
    ncomp = tab.shape[2]
    w = np.empty(ncomp + 8)
    for i in range(ncomp + 8):
        w[i] = 0.0
    direction = 1.0 if t_end >= t0 else -1.0
    cap = 256
    ts = np.empty(cap + 1)
    ys = np.empty((cap + 1, NY))
    hs = np.empty(cap)
    Ks = np.empty((cap, NSTAGES + 1, NY))
    Ye = np.empty((cap, NY))
    nev_cap = 16
    ev_idx = np.empty(nev_cap, dtype=np.int64)
    ev_t = np.empty(nev_cap)
    ev_y = np.empty((nev_cap, NY))
    nev = 0
    nevent_fns = ev_kind.shape[0]
    g_old = np.empty(nevent_fns)
    g_new = np.empty(nevent_fns)
    y = np.empty(NY)
    for i in range(NY):
        y[i] = y0[i]
    t = t0
    f0 = np.empty(NY)
    rhs(t, y, fp, tables, col_start, work, tab, w, f0)
    n_eval = 1
    for k in range(nevent_fns):
        g_old[k] = event_g(ev_kind[k], ev_value[k], t, y, ref_radius, fp, tab, w, tgrid, hgrid)
    ts[0] = t
    for i in range(NY):
        ys[0, i] = y[i]
    K = np.empty((NSTAGES + 1, NY))
    ynew = np.empty(NY)
    tmp = np.empty(NY)
    F = np.empty((7, NY))
    yb = np.empty(NY)
    # initial step (Hairer's heuristic, as scipy's select_initial_step)
    h = abs(h_init)
    if h == 0.0:
        d0 = 0.0
        d1 = 0.0
        for i in range(NY):
            sc = atol[i] + abs(y[i]) * rtol
            d0 += (y[i] / sc) ** 2
            d1 += (f0[i] / sc) ** 2
        d0 = math.sqrt(d0 / NY)
        d1 = math.sqrt(d1 / NY)
        h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
        for i in range(NY):
            tmp[i] = y[i] + direction * h0 * f0[i]
        rhs(t + direction * h0, tmp, fp, tables, col_start, work, tab, w, ynew)
        n_eval += 1
        d2 = 0.0
        for i in range(NY):
            sc = atol[i] + abs(y[i]) * rtol
            d2 += ((ynew[i] - f0[i]) / sc) ** 2
        d2 = math.sqrt(d2 / NY) / h0
        if d1 <= 1e-15 and d2 <= 1e-15:
            h1 = max(1e-6, h0 * 1e-3)
        else:
            h1 = (0.01 / max(d1, d2)) ** (1.0 / 8.0)
        h = min(100.0 * h0, h1)
    h = min(h, h_max)
    n = 0
    status = STATUS_DONE
    step_rejected = False
    while True:
        remaining = (t_end - t) * direction
        if remaining <= 0.0:
            break
        if n >= max_steps:
            status = STATUS_MAX_STEPS
            break
        min_step = 10.0 * abs(t) * 2.220446049250313e-16 + 1e-12
        if h < min_step:
            status = STATUS_STEP_TOO_SMALL
            break
        hh = min(h, remaining)
        accepted = False
        while not accepted:
            if hh < min_step:
                break
            hs_signed = direction * hh
            _step(t, y, f0, hs_signed, fp, tables, col_start, work, tab, w, K, ynew, tmp)
            n_eval += NSTAGES
            err = _error_norm(K, hs_signed, y, ynew, rtol, atol)
            if err < 1.0:
                if err == 0.0:
                    factor = 10.0
                else:
                    factor = min(10.0, 0.9 * err ** (-1.0 / 8.0))
                if step_rejected:
                    factor = min(1.0, factor)
                h = min(hh * factor, h_max)
                accepted = True
                step_rejected = False
            else:
                hh *= max(0.2, 0.9 * err ** (-1.0 / 8.0))
                step_rejected = True
        if not accepted:
            status = STATUS_STEP_TOO_SMALL
            break
        hs_signed = direction * hh
        t_new = t + hs_signed
        if (t_end - t_new) * direction < 1e-9:
            t_new = t_end
        # events on this step
        have_dense = False
        t_stop = np.inf
        nev_before = nev
        for k in range(nevent_fns):
            g_new[k] = event_g(ev_kind[k], ev_value[k], t_new, ynew, ref_radius, fp, tab, w, tgrid, hgrid)
            ga = g_old[k]
            gb = g_new[k]
            crossing = (ga < 0.0 and gb >= 0.0) or (ga > 0.0 and gb <= 0.0)
            if crossing:
                rising = gb > ga
                if ev_dir[k] == 0 or (ev_dir[k] > 0 and rising) or (ev_dir[k] < 0 and not rising):
                    if not have_dense:
                        dense_coeffs(t, hs_signed, y, ynew, K, fp, tables, col_start, work, tab, w, F)
                        n_eval += 3
                        have_dense = True
                    tr = _locate(ev_kind[k], ev_value[k], t, hs_signed, y, F, ga, gb, ref_radius, fp,
                                 tab, w, tgrid, hgrid, yb)
                    if abs(tr - t0) <= START_SKIP_S:
                        continue  # a root at the initial epoch (e.g. starting on an apsis) is not an event
                    if nev >= nev_cap:
                        nev_cap *= 2
                        e1 = np.empty(nev_cap, dtype=np.int64)
                        e2 = np.empty(nev_cap)
                        e3 = np.empty((nev_cap, NY))
                        for e in range(nev):
                            e1[e] = ev_idx[e]
                            e2[e] = ev_t[e]
                            for i in range(NY):
                                e3[e, i] = ev_y[e, i]
                        ev_idx = e1
                        ev_t = e2
                        ev_y = e3
                    dense_eval(t, hs_signed, y, F, tr, yb)
                    ev_idx[nev] = k
                    ev_t[nev] = tr
                    for i in range(NY):
                        ev_y[nev, i] = yb[i]
                    nev += 1
                    if ev_term[k] != 0 and (tr - t_stop) * direction < 0.0:
                        t_stop = tr
        for i in range(NY):
            tmp[i] = ynew[i]  # full-step end, kept for the interpolant
        if t_stop != np.inf:
            # drop events after the stopping root, truncate the step at it
            keep = nev_before
            for e in range(nev_before, nev):
                if (ev_t[e] - t_stop) * direction <= 0.0:
                    ev_idx[keep] = ev_idx[e]
                    ev_t[keep] = ev_t[e]
                    for i in range(NY):
                        ev_y[keep, i] = ev_y[e, i]
                    keep += 1
            nev = keep
            dense_eval(t, hs_signed, y, F, t_stop, ynew)
            t_new = t_stop
            status = STATUS_EVENT_STOP
        if n >= cap:
            cap *= 2
            ts2 = np.empty(cap + 1)
            ys2 = np.empty((cap + 1, NY))
            hs2 = np.empty(cap)
            Ks2 = np.empty((cap, NSTAGES + 1, NY))
            Ye2 = np.empty((cap, NY))
            for j in range(n + 1):
                ts2[j] = ts[j]
                for i in range(NY):
                    ys2[j, i] = ys[j, i]
            for j in range(n):
                hs2[j] = hs[j]
                for i in range(NY):
                    Ye2[j, i] = Ye[j, i]
                for s in range(NSTAGES + 1):
                    for i in range(NY):
                        Ks2[j, s, i] = Ks[j, s, i]
            ts = ts2
            ys = ys2
            hs = hs2
            Ks = Ks2
            Ye = Ye2
        hs[n] = hs_signed  # the interpolant of a truncated step still uses the full step
        for s in range(NSTAGES + 1):
            for i in range(NY):
                Ks[n, s, i] = K[s, i]
        for i in range(NY):
            Ye[n, i] = tmp[i]
        n += 1
        ts[n] = t_new
        for i in range(NY):
            ys[n, i] = ynew[i]
        if status == STATUS_EVENT_STOP:
            break
        t = t_new
        for i in range(NY):
            y[i] = ynew[i]
            f0[i] = K[NSTAGES, i]
        for k in range(nevent_fns):
            g_old[k] = g_new[k]
    return status, n, nev, n_eval, ts, ys, hs, Ks, Ye, ev_idx, ev_t, ev_y


def integrate_trimmed(*args):
    """:func:`integrate`, with its buffers cut to the valid rows (numpy views, no copies).

    Returns ``(status, n_steps, n_eval, ts (n+1,), ys (n+1, 7), hs (n,), Ks (n, 13, 7), ye (n, 7),
    ev_idx (m,), ev_t (m,), ev_y (m, 7))``.
    """
    status, n, nev, n_eval, ts, ys, hs, Ks, ye, ev_idx, ev_t, ev_y = integrate(*args)
    return (status, n, n_eval, ts[:n + 1], ys[:n + 1], hs[:n], Ks[:n], ye[:n], ev_idx[:nev], ev_t[:nev],
            ev_y[:nev])


@njit(cache=True, nogil=True, error_model="numpy")
def dense_sample(ts, hs, ys, ye, Ks, step_idx, times, fp, tables, col_start, work, tab, out):
    """Dense-output states at ``times`` (M,) lying in steps ``step_idx`` (M,) into ``out`` (M, 7).

    Interpolant coefficients are rebuilt per step (cached across consecutive equal indices).
    """
    ncomp = tab.shape[2]
    w = np.empty(ncomp + 8)
    for i in range(ncomp + 8):
        w[i] = 0.0
    F = np.empty((7, NY))
    yb = np.empty(NY)
    last = -1
    for j in range(times.shape[0]):
        i = step_idx[j]
        if i != last:
            dense_coeffs(ts[i], hs[i], ys[i], ye[i], Ks[i], fp, tables, col_start, work, tab, w, F)
            last = i
        dense_eval(ts[i], hs[i], ys[i], F, times[j], yb)
        for k in range(NY):
            out[j, k] = yb[k]
