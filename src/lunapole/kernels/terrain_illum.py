"""Sunlight and Earth-visibility statistics over time from quantised horizon maps (numba), and the
per-time solar-disk fraction kernel.

Geometry per cell (grid-aligned local frame, see ``lunapole.terrain.projection.grid_frame_me``):
elevation with the cell's own vertical (block-centre elevation plus the exact first-order tilt term);
azimuth ``atan2(s . ex, s . ey)`` taken at the centre of the cell's block (blocks of ``block`` x ``block``
cells share it: error <= tan(el) * half-diagonal / R, 0.06 deg for 8 km blocks at 75 deg S and
0.004 deg within 2 deg of the pole).

Solar disk fraction: the horizon under the disk is the straight line through ``H(az)`` with the local
slope ``dH/daz`` of the azimuth-interpolated profile, so the visible fraction is the circular-segment
fraction at signed distance ``d = (el - H) / sqrt(1 + (dH/daz)^2)`` from the disk centre::

    f(d) = 1/2 + (u sqrt(1 - u^2) + asin(u)) / pi,   u = clip(d / r_sun, -1, 1)

Earth: visible when the centre of the Earth's disk is above the horizon (topocentric direction: the lunar
parallax of the Earth, up to 0.95 deg, is included).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from lunapole.kernels import work_queue as wq


@njit(cache=True, inline="always")
def segment_fraction(u):
    """Fraction of a disk above a chord at signed distance ``u`` radii below the centre (u = d / r)."""
    if u >= 1.0:
        return 1.0
    if u <= -1.0:
        return 0.0
    return 0.5 + (u * math.sqrt(1.0 - u * u) + math.asin(u)) / math.pi


@njit(cache=True, inline="always")
def _unit_and_frame(x, y, R):
    """Up vector and grid-aligned ex, ey (MOON_ME) of grid point (x, y) on the sphere of radius R."""
    rho2 = x * x + y * y
    den = rho2 + 4.0 * R * R
    ux = 4.0 * R * y / den
    uy = 4.0 * R * x / den
    uz = (rho2 - 4.0 * R * R) / den
    # derivatives (common factor 1/den^2 dropped)
    exx = -8.0 * R * x * y
    exy = 4.0 * R * (den - 2.0 * x * x)
    exz = 16.0 * R * R * x
    n = math.sqrt(exx * exx + exy * exy + exz * exz)
    eyx = 4.0 * R * (den - 2.0 * y * y)
    eyy = -8.0 * R * x * y
    eyz = 16.0 * R * R * y
    m = math.sqrt(eyx * eyx + eyy * eyy + eyz * eyz)
    return ux, uy, uz, exx / n, exy / n, exz / n, eyx / m, eyy / m, eyz / m


_LUT_N = 512  # segment_fraction tabulated on 513 points of u in [-1, 1]; linear interpolation error < 3e-6
_SEG_LUT = np.array([0.5 + (u * np.sqrt(1.0 - u * u) + np.arcsin(u)) / np.pi
                     for u in np.linspace(-1.0, 1.0, _LUT_N + 1)])


@njit(cache=True, inline="always")
def _azimuth_bin(vx, vy, vz, exx, exy, exz, eyx, eyy, eyz, daz, naz):
    a = math.atan2(vx * exx + vy * exy + vz * exz, vx * eyx + vy * eyy + vz * eyz)
    if a < 0.0:
        a += 2.0 * math.pi
    f = a / daz
    i = int(f)
    return i % naz, f - i, math.sin(a), math.cos(a)


@njit(cache=True, parallel=True, fastmath=True)
def illumination_stats_v1(hq, quantum_deg, z_m, x0_m, y0_m, cell_m, radius_m, block, sun_dir, sun_radius_rad,
                       earth_pos_m, dark_threshold, mean_frac, max_frac, longest_dark, earth_frac,
                       head_dark, tail_dark):
    """Per-cell statistics over ``T`` epochs: the previous (v1) layout, kept as the reference that
    :func:`illumination_stats` is tested against (same geometry, one fused per-epoch loop with the disk
    fraction table looked up for every cell; ~12 CPU-ns per cell-epoch).

    hq (rows, cols, n_az) int16 horizon / quantum; z_m (rows, cols) heights; sun_dir (T, 3) unit vectors
    Moon->Sun in MOON_ME; sun_radius_rad (T,); earth_pos_m (T, 3) Moon->Earth in MOON_ME (metres).
    Outputs (rows, cols): mean_frac (mean visible solar-disk fraction), max_frac, longest_dark (longest run
    of consecutive epochs with fraction <= dark_threshold, in epochs), earth_frac (fraction of epochs with
    the Earth's centre above the horizon), head_dark / tail_dark (dark epochs before the first / after the
    last lit epoch; T when never lit) so that runs can be merged across chunks of epochs.

    Per block the Sun's and Earth's elevation and azimuth are computed exactly at the block centre; a
    cell displaced by (dx, dy) ground metres along the block's grid axes sees
    ``el = el_block + (dx sin(az) + dy cos(az)) / R`` (the tilt of its vertical; second-order error
    < (d/R)^2 tan(el) / 2, 1e-5 deg for 8 km blocks). Inside a block the horizon is laid out
    azimuth-major (cells contiguous) so the per-epoch loop over the block's cells vectorises.
    """
    nrow, ncol, naz = hq.shape
    T = sun_dir.shape[0]
    nbr = (nrow + block - 1) // block
    nbc = (ncol + block - 1) // block
    daz = 2.0 * math.pi / naz
    q = quantum_deg * math.pi / 180.0
    for ib in prange(nbr * nbc):
        br = ib // nbc
        bc = ib % nbc
        r0 = br * block
        c0 = bc * block
        r1 = min(r0 + block, nrow)
        c1 = min(c0 + block, ncol)
        nr = r1 - r0
        ncb = c1 - c0
        nc = nr * ncb
        xb = x0_m + (0.5 * (c0 + c1)) * cell_m
        yb = y0_m - (0.5 * (r0 + r1)) * cell_m
        ux, uy, uz, exx, exy, exz, eyx, eyy, eyz = _unit_and_frame(xb, yb, radius_m)
        kb = 1.0 + (xb * xb + yb * yb) / (4.0 * radius_m * radius_m)
        zb = 0.0
        for r in range(r0, r1):
            for c in range(c0, c1):
                zb += z_m[r, c]
        zb /= nc
        rb = radius_m + zb
        # per-cell constants, cells contiguous
        gx = np.empty(nc)
        gy = np.empty(nc)
        hb = np.empty((naz + 1, nc))
        db = np.empty((naz + 1, nc))
        nb = np.empty((naz + 1, nc))
        for r in range(r0, r1):
            for c in range(c0, c1):
                j = (r - r0) * ncb + (c - c0)
                gx[j] = ((c + 0.5) * cell_m + x0_m - xb) / (kb * radius_m)
                gy[j] = (y0_m - (r + 0.5) * cell_m - yb) / (kb * radius_m)
                for k in range(naz):
                    hb[k, j] = hq[r, c, k] * q
                hb[naz, j] = hb[0, j]
                for k in range(naz):
                    d = hb[k + 1, j] - hb[k, j]
                    db[k, j] = d
                    sl = d / daz
                    nb[k, j] = 1.0 / math.sqrt(1.0 + sl * sl)
        acc = np.zeros(nc)
        mx = np.zeros(nc)
        run = np.zeros(nc)
        best = np.zeros(nc)
        head = np.full(nc, -1, np.int64)
        ecount = np.zeros(nc)
        lut = _SEG_LUT
        for t in range(T):
            sx, sy, sz = sun_dir[t, 0], sun_dir[t, 1], sun_dir[t, 2]
            ks, ws, sa, ca = _azimuth_bin(sx, sy, sz, exx, exy, exz, eyx, eyy, eyz, daz, naz)
            elb = math.asin(sx * ux + sy * uy + sz * uz)
            irs = 1.0 / sun_radius_rad[t]
            px = earth_pos_m[t, 0] - rb * ux
            py = earth_pos_m[t, 1] - rb * uy
            pz = earth_pos_m[t, 2] - rb * uz
            ke, we, esa, eca = _azimuth_bin(px, py, pz, exx, exy, exz, eyx, eyy, eyz, daz, naz)
            eeb = math.asin((px * ux + py * uy + pz * uz) / math.sqrt(px * px + py * py + pz * pz))
            hs = hb[ks]
            ds = db[ks]
            ns = nb[ks]
            he = hb[ke]
            de = db[ke]
            for j in range(nc):
                u = (elb + gx[j] * sa + gy[j] * ca - hs[j] - ws * ds[j]) * ns[j] * irs
                u = min(max(u, -1.0), 1.0)
                f = (u + 1.0) * (0.5 * _LUT_N)
                i = min(int(f), _LUT_N - 1)
                fr = lut[i] + (f - i) * (lut[i + 1] - lut[i])
                acc[j] += fr
                mx[j] = max(mx[j], fr)
                dark = fr <= dark_threshold
                rn = (run[j] + 1.0) * dark
                run[j] = rn
                best[j] = max(best[j], rn)
                head[j] = t if (head[j] < 0 and not dark) else head[j]
                ecount[j] += (eeb + gx[j] * esa + gy[j] * eca) > (he[j] + we * de[j])
        for r in range(r0, r1):
            for c in range(c0, c1):
                j = (r - r0) * ncb + (c - c0)
                mean_frac[r, c] = acc[j] / T
                max_frac[r, c] = mx[j]
                longest_dark[r, c] = int(best[j])
                earth_frac[r, c] = ecount[j] / T
                head_dark[r, c] = T if head[j] < 0 else head[j]
                tail_dark[r, c] = int(run[j])



@njit(cache=True, fastmath=True)
def _sun_u(ub, gx, gy, hs, ds, ns, elb, sa, ca, ws, irs):
    """Signed distance of the horizon line below the Sun's centre, in solar radii, for a block's cells."""
    for j in range(ub.size):
        ub[j] = (elb + gx[j] * sa + gy[j] * ca - hs[j] - ws * ds[j]) * ns[j] * irs


@njit(cache=True, fastmath=True)
def _lit_and_dark_runs(lit, run, best, ub):
    """Count fully lit epochs, extend/reset the dark runs (dark: u <= -1, no part of the disk visible);
    returns the number of partly lit cells. Four arrays only, so LLVM vectorises it (few alias checks)."""
    npart = 0.0
    for j in range(ub.size):
        u = ub[j]
        lit[j] += 1.0 if u >= 1.0 else 0.0
        rn = run[j] + 1.0 if u <= -1.0 else 0.0
        run[j] = rn
        best[j] = max(best[j], rn)
        npart += 1.0 if (u > -1.0 and u < 1.0) else 0.0
    return npart


@njit(cache=True, fastmath=True)
def _earth_up(ecount, gx, gy, he, de, eeb, esa, eca, we):
    for j in range(ecount.size):
        ecount[j] += 1.0 if (eeb + gx[j] * esa + gy[j] * eca) > (he[j] + we * de[j]) else 0.0


@njit(cache=True, fastmath=True)
def _partial_disk(psum, pmax, ub):
    """Circular-segment fraction (513-entry table) for the partly lit cells only (-1 < u < 1)."""
    lut = _SEG_LUT
    for j in range(ub.size):
        u = ub[j]
        if u > -1.0 and u < 1.0:
            f = (u + 1.0) * (0.5 * _LUT_N)
            i = min(int(f), _LUT_N - 1)
            fr = lut[i] + (f - i) * (lut[i + 1] - lut[i])
            psum[j] += fr
            pmax[j] = max(pmax[j], fr)


@njit(cache=True, parallel=True, fastmath=True)
def illumination_stats(hq, quantum_deg, z_m, x0_m, y0_m, cell_m, radius_m, block, sun_dir, sun_radius_rad,
                       earth_pos_m, lit_count, partial_sum, partial_max, dark_run, dark_best, earth_count):
    """Accumulate per-cell statistics over ``T`` more epochs (state arrays updated in place).

    hq (rows, cols, n_az) int16 horizon / quantum; z_m (rows, cols) heights; sun_dir (T, 3) unit vectors
    Moon->Sun in MOON_ME; sun_radius_rad (T,); earth_pos_m (T, 3) Moon->Earth in MOON_ME (metres).
    State (rows, cols) float64, zero before the first call, carried across calls so that chunks of epochs
    need no merging: lit_count (epochs with the whole disk above the horizon), partial_sum / partial_max
    (sum / max of the visible fraction over partly lit epochs), dark_run (current run of epochs with no
    part of the disk visible), dark_best (longest such run), earth_count (epochs with the Earth's centre
    above the horizon). Mean fraction = (lit_count + partial_sum) / T_total; max fraction = 1 if
    lit_count > 0 else partial_max.

    Same geometry and tables as :func:`illumination_stats_v1` (see its docstring). Per block and epoch
    the work is split into short loops over the block's cells that LLVM vectorises: the signed distance
    u (solar radii) of the horizon line below the Sun's centre; the lit/dark bookkeeping, which needs only
    u (u >= 1: fully lit; u <= -1: dark); the Earth test; and the disk-segment table only for cells with
    -1 < u < 1 (a few per cent of cell-epochs), instead of a table gather for every cell-epoch.
    """
    nrow, ncol, naz = hq.shape
    T = sun_dir.shape[0]
    nbr = (nrow + block - 1) // block
    nbc = (ncol + block - 1) // block
    daz = 2.0 * math.pi / naz
    q = quantum_deg * math.pi / 180.0
    n_blocks = nbr * nbc
    next_block = np.zeros(1, dtype=np.int64)  # blocks handed out one at a time (lunapole.kernels.work_queue)
    for _worker in prange(min(n_blocks, wq.MAX_WORKERS)):
        ib = wq.fetch_add(next_block, 0, 1)
        while ib < n_blocks:
            br = ib // nbc
            bc = ib % nbc
            r0 = br * block
            c0 = bc * block
            r1 = min(r0 + block, nrow)
            c1 = min(c0 + block, ncol)
            nr = r1 - r0
            ncb = c1 - c0
            nc = nr * ncb
            xb = x0_m + (0.5 * (c0 + c1)) * cell_m
            yb = y0_m - (0.5 * (r0 + r1)) * cell_m
            ux, uy, uz, exx, exy, exz, eyx, eyy, eyz = _unit_and_frame(xb, yb, radius_m)
            kb = 1.0 + (xb * xb + yb * yb) / (4.0 * radius_m * radius_m)
            zb = 0.0
            for r in range(r0, r1):
                for c in range(c0, c1):
                    zb += z_m[r, c]
            zb /= nc
            rb = radius_m + zb
            gx = np.empty(nc)
            gy = np.empty(nc)
            hb = np.empty((naz + 1, nc))
            db = np.empty((naz + 1, nc))
            nb = np.empty((naz + 1, nc))
            lit = np.empty(nc)
            psum = np.empty(nc)
            pmax = np.empty(nc)
            run = np.empty(nc)
            best = np.empty(nc)
            ecount = np.empty(nc)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    j = (r - r0) * ncb + (c - c0)
                    gx[j] = ((c + 0.5) * cell_m + x0_m - xb) / (kb * radius_m)
                    gy[j] = (y0_m - (r + 0.5) * cell_m - yb) / (kb * radius_m)
                    lit[j] = lit_count[r, c]
                    psum[j] = partial_sum[r, c]
                    pmax[j] = partial_max[r, c]
                    run[j] = dark_run[r, c]
                    best[j] = dark_best[r, c]
                    ecount[j] = earth_count[r, c]
                    for k in range(naz):
                        hb[k, j] = hq[r, c, k] * q
                    hb[naz, j] = hb[0, j]
            for k in range(naz):  # azimuth-major: contiguous over cells, vectorised
                for j in range(nc):
                    d = hb[k + 1, j] - hb[k, j]
                    db[k, j] = d
                    sl = d / daz
                    nb[k, j] = 1.0 / math.sqrt(1.0 + sl * sl)
            ub = np.empty(nc)
            for t in range(T):
                sx, sy, sz = sun_dir[t, 0], sun_dir[t, 1], sun_dir[t, 2]
                ks, ws, sa, ca = _azimuth_bin(sx, sy, sz, exx, exy, exz, eyx, eyy, eyz, daz, naz)
                elb = math.asin(sx * ux + sy * uy + sz * uz)
                irs = 1.0 / sun_radius_rad[t]
                px = earth_pos_m[t, 0] - rb * ux
                py = earth_pos_m[t, 1] - rb * uy
                pz = earth_pos_m[t, 2] - rb * uz
                ke, we, esa, eca = _azimuth_bin(px, py, pz, exx, exy, exz, eyx, eyy, eyz, daz, naz)
                eeb = math.asin((px * ux + py * uy + pz * uz) / math.sqrt(px * px + py * py + pz * pz))
                _sun_u(ub, gx, gy, hb[ks], db[ks], nb[ks], elb, sa, ca, ws, irs)
                if _lit_and_dark_runs(lit, run, best, ub) > 0.0:
                    _partial_disk(psum, pmax, ub)
                _earth_up(ecount, gx, gy, hb[ke], db[ke], eeb, esa, eca, we)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    j = (r - r0) * ncb + (c - c0)
                    lit_count[r, c] = lit[j]
                    partial_sum[r, c] = psum[j]
                    partial_max[r, c] = pmax[j]
                    dark_run[r, c] = run[j]
                    dark_best[r, c] = best[j]
                    earth_count[r, c] = ecount[j]
            ib = wq.fetch_add(next_block, 0, 1)


def disk_fraction_strips(el_rad, az_rad, sun_radius_rad, horizon_az_rad, horizon_el_rad, n_strips=32):
    """Reference twin (numpy): visible fraction of the solar disk by vertical-strip integration.

    The disk (centre el, az; radius r) is cut into ``n_strips`` vertical strips across azimuth; in each, the
    chord ``[el - c, el + c]`` (c = sqrt(r^2 - a^2)) is clipped by the horizon interpolated (periodically,
    linearly) at the strip's azimuth ``az + a / cos(el)``. Vectorised over epochs (1-D inputs).
    """
    el = np.atleast_1d(np.asarray(el_rad, float))
    az = np.atleast_1d(np.asarray(az_rad, float))
    rs = np.broadcast_to(np.asarray(sun_radius_rad, float), el.shape)
    u = (np.arange(n_strips) + 0.5) / n_strips * 2.0 - 1.0  # strip centres in disk radii
    a = u[None, :] * rs[:, None]
    c = np.sqrt(np.maximum(rs[:, None] ** 2 - a * a, 0.0))
    hz_az = np.r_[horizon_az_rad, horizon_az_rad[0] + 2 * np.pi]
    hz_el = np.r_[horizon_el_rad, horizon_el_rad[0]]
    h = np.interp(np.mod(az[:, None] + a / np.cos(el)[:, None], 2 * np.pi), hz_az, hz_el)
    vis = np.clip(el[:, None] + c - h, 0.0, 2.0 * c)
    return vis.sum(axis=1) / (2.0 * c).sum(axis=1)  # normalised by the discretised disk area
