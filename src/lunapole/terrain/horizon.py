"""Horizon maps: the elevation angle of the local skyline at ``n_az`` azimuths for every cell.

Stored as int16 in units of ``quantum_deg`` (default 0.01 deg: quantisation error <= 0.005 deg, 1/50 of
the solar radius), shape ``(rows, cols, n_az)``; azimuth ``i`` is grid azimuth ``360 i / n_az`` deg
(0 = grid +y, 90 = grid +x; see :func:`lunapole.terrain.projection.grid_frame_me`).

Terrain beyond the tile: a *far field* from a coarser or larger model (:func:`add_farfield`) is merged by
taking the maximum; where no terrain is known, the smooth sphere below the observer is assumed
(``beyond_edge="sphere"``: horizon ``>= -acos(R / (R + h))`` for ``h > 0``, else 0), or nothing
(``"none"``; NO_HORIZON -> -90 deg).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lunapole.errors import DataError
from lunapole.kernels.horizon import NO_HORIZON_Q, farfield_raymarch, horizon_sweep_q
from lunapole.terrain.dem import Dem

DEFAULT_QUANTUM_DEG = 0.01


@dataclass
class HorizonMap:
    """Quantised horizon angles ``q`` (int16, ``(rows, cols, n_az)``) on the grid of ``dem``."""

    q: np.ndarray
    quantum_deg: float
    dem: Dem

    @property
    def n_az(self) -> int:
        return int(self.q.shape[2])

    def azimuths_deg(self) -> np.ndarray:
        return 360.0 * np.arange(self.n_az) / self.n_az

    def degrees(self, row=slice(None), col=slice(None)) -> np.ndarray:
        """Horizon elevation angles in degrees (float32) for a selection of cells."""
        return self.q[row, col].astype(np.float32) * np.float32(self.quantum_deg)


def _check_grid(dem: Dem) -> None:
    if abs(dem.dx_m - dem.dy_m) > 1e-6 * dem.dx_m:
        raise DataError(f"{dem.source!r}: horizon maps need square pixels (dx={dem.dx_m}, dy={dem.dy_m} m)")
    if min(dem.shape) < 2:
        raise DataError(f"{dem.source!r}: elevation model of shape {dem.shape} is too small for a horizon map")


def compute_horizon(dem: Dem, n_az: int = 360, quantum_deg: float = DEFAULT_QUANTUM_DEG,
                    observer_height_m: float = 0.0, beyond_edge: str = "sphere",
                    out: np.ndarray | None = None) -> HorizonMap:
    """Horizon map of ``dem`` (numba, parallel over azimuths). ``out`` may be a preallocated int16 memmap."""
    _check_grid(dem)
    if n_az < 4:
        raise DataError(f"n_az = {n_az}: at least 4 azimuths are needed")
    if beyond_edge not in ("sphere", "none"):
        raise DataError(f"beyond_edge = {beyond_edge!r}; use 'sphere' or 'none'")
    z = np.ascontiguousarray(np.asarray(dem.elevation_m[:, :], dtype=np.float64))
    if out is None:
        out = np.empty(dem.shape + (n_az,), dtype=np.int16)
    horizon_sweep_q(z, float(dem.x0_m), float(dem.y0_m), float(dem.dx_m), float(dem.radius_m), int(n_az),
                    float(observer_height_m), float(quantum_deg), out)
    if beyond_edge == "sphere":
        apply_sphere_floor(out, z + observer_height_m, dem.radius_m, quantum_deg)
    return HorizonMap(out, quantum_deg, dem)


def apply_sphere_floor(q: np.ndarray, h_obs_m: np.ndarray, radius_m: float, quantum_deg: float) -> None:
    """Raise horizons to the smooth-sphere dip ``-acos(R/(R+h))`` (0 for h <= 0), in place, row by row."""
    for r in range(q.shape[0]):
        h = np.maximum(h_obs_m[r], 0.0)
        floor_q = np.round(-np.degrees(np.arccos(radius_m / (radius_m + h))) / quantum_deg).astype(np.int16)
        np.maximum(q[r], floor_q[:, None], out=q[r])


def add_farfield(hmap: HorizonMap, far: Dem, stride: int | None = None, max_distance_m: float = 400e3,
                 growth: float = 0.01) -> np.ndarray:
    """Raise ``hmap`` (in place) with the horizon of terrain in ``far`` that lies beyond the tile.

    ``far`` is a coarser and/or larger model in the same projection (e.g. a 240 m model around a 20 m tile).
    The far-field horizon is ray-marched in ``far`` (exact sphere geometry, bilinear heights, steps
    ``max(cell/2, growth * d)``) from where each ray leaves the tile, on observers every ``stride`` cells
    (default: one far-model cell), then bilinearly interpolated to every cell and corrected for the cell's
    own height with ``-(h_cell - h_obs) / d_horizon`` (first order). Returns the far-field angles (deg) on
    the observer sub-grid.
    """
    dem = hmap.dem
    if abs(far.dx_m - far.dy_m) > 1e-6 * far.dx_m:
        raise DataError(f"far-field model {far.source!r} needs square pixels")
    nrow, ncol = dem.shape
    stride = stride or max(1, int(round(far.dx_m / dem.dx_m)))
    rows_o = np.unique(np.r_[np.arange(0, nrow, stride), nrow - 1])
    cols_o = np.unique(np.r_[np.arange(0, ncol, stride), ncol - 1])
    rr, cc = np.meshgrid(rows_o, cols_o, indexing="ij")
    xo = dem.x0_m + (cc + 0.5) * dem.dx_m
    yo = dem.y0_m - (rr + 0.5) * dem.dy_m
    z = np.asarray(dem.elevation_m[:, :], dtype=np.float64)
    ho = z[rr, cc]
    az = 2 * np.pi * np.arange(hmap.n_az) / hmap.n_az
    sx, sy = np.sin(az), np.cos(az)
    # distance (grid metres) to the tile boundary along each ray, minus a stride of overlap
    xmin, xmax = dem.x0_m, dem.x0_m + ncol * dem.dx_m
    ymax, ymin = dem.y0_m, dem.y0_m - nrow * dem.dy_m
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(sx[None] > 0, (xmax - xo.reshape(-1, 1)) / sx[None],
                      np.where(sx[None] < 0, (xmin - xo.reshape(-1, 1)) / sx[None], np.inf))
        ty = np.where(sy[None] > 0, (ymax - yo.reshape(-1, 1)) / sy[None],
                      np.where(sy[None] < 0, (ymin - yo.reshape(-1, 1)) / sy[None], np.inf))
    start = np.maximum(np.minimum(tx, ty) - 1.5 * stride * dem.dx_m, 0.0)
    el = np.empty((xo.size, hmap.n_az))
    dist = np.empty((xo.size, hmap.n_az))
    zf = np.ascontiguousarray(np.asarray(far.elevation_m[:, :], dtype=np.float64))
    farfield_raymarch(zf, float(far.x0_m), float(far.y0_m), float(far.dx_m), float(far.radius_m),
                      xo.ravel().astype(float), yo.ravel().astype(float), ho.ravel().astype(float),
                      start, int(hmap.n_az), float(max_distance_m), float(growth), el, dist)
    el = el.reshape(rr.shape + (hmap.n_az,))
    dist = dist.reshape(rr.shape + (hmap.n_az,))
    # interpolate to every row (bilinear in the observer sub-grid), with the first-order height correction
    ci = np.interp(np.arange(ncol), cols_o, np.arange(cols_o.size))
    c0 = np.minimum(np.floor(ci).astype(int), cols_o.size - 2) if cols_o.size > 1 else np.zeros(ncol, int)
    fc = (ci - c0)[:, None] if cols_o.size > 1 else np.zeros((ncol, 1))
    q = hmap.q
    for r in range(nrow):
        ri = np.interp(r, rows_o, np.arange(rows_o.size))
        r0 = min(int(np.floor(ri)), max(rows_o.size - 2, 0))
        fr = ri - r0
        r1 = min(r0 + 1, rows_o.size - 1)
        c1 = np.minimum(c0 + 1, cols_o.size - 1)

        def lerp(a):
            return ((1 - fr) * ((1 - fc) * a[r0, c0] + fc * a[r0, c1]) + fr * ((1 - fc) * a[r1, c0] + fc * a[r1, c1]))

        e = lerp(el)
        d = np.maximum(lerp(dist), 1.0)
        hsub = lerp(ho[..., None])
        e = e - np.degrees((z[r][:, None] - hsub) / d)
        e = np.where(lerp(el) <= -89.0, -90.0, e)
        fq = np.clip(np.round(e / hmap.quantum_deg), -32767, 32767).astype(np.int16)
        np.maximum(q[r], fq, out=q[r])
    return el


def horizon_from_coarse(dem: Dem, far: Dem, n_az: int = 360, **kw) -> HorizonMap:
    """Convenience: :func:`compute_horizon` on ``dem`` then :func:`add_farfield` with ``far``."""
    hm = compute_horizon(dem, n_az=n_az, **kw)
    add_farfield(hm, far)
    return hm


__all__ = ["HorizonMap", "compute_horizon", "add_farfield", "horizon_from_coarse", "apply_sphere_floor",
           "NO_HORIZON_Q", "DEFAULT_QUANTUM_DEG"]
