"""Synthetic south polar stereographic terrains with analytic answers (tests, benchmarks, examples).

Every builder returns a :class:`~lunapole.terrain.dem.Dem` centred on a chosen (lat, lon), heights in metres
above the 1737.4 km sphere. Heights are continuous (no cliffs) so discretisations converge.
"""
from __future__ import annotations

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M
from lunapole.terrain.dem import Dem
from lunapole.terrain.projection import latlon_to_stereo


def _grid(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float, centre_lon_deg: float):
    xc, yc = latlon_to_stereo(centre_lat_deg, centre_lon_deg)
    x0 = float(xc) - n_cols * cell_m / 2.0
    y0 = float(yc) + n_rows * cell_m / 2.0
    x = x0 + (np.arange(n_cols) + 0.5) * cell_m
    y = y0 - (np.arange(n_rows) + 0.5) * cell_m
    xx, yy = np.meshgrid(x, y)
    return x0, y0, xx, yy, float(xc), float(yc)


def flat_sphere(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float = -89.5,
                centre_lon_deg: float = 0.0) -> Dem:
    """Zero heights: the bare 1737.4 km sphere."""
    x0, y0, *_ = _grid(n_rows, n_cols, cell_m, centre_lat_deg, centre_lon_deg)
    return Dem(np.zeros((n_rows, n_cols)), x0, y0, cell_m, cell_m, MOON_MEAN_RADIUS_M, source="synthetic:flat")


def bowl_crater(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float, centre_lon_deg: float,
                floor_radius_m: float, rim_radius_m: float, depth_m: float, rim_width_m: float = 2000.0) -> Dem:
    """Flat floor (height ``-depth_m``) inside ``floor_radius_m``, a straight (conical) wall up to a rim
    crest at height 0 at ``rim_radius_m``, then a cosine fall-off over ``rim_width_m`` to a plain at
    ``-0.05 depth``.

    Seen from the floor centre the skyline is the rim crest (along a straight wall ``(z + depth) / r`` grows
    with r), at elevation ``atan(depth / rim_radius) - rim_radius / (2R)`` (parabolic curvature): the
    geometric condition used in tests.
    """
    x0, y0, xx, yy, xc, yc = _grid(n_rows, n_cols, cell_m, centre_lat_deg, centre_lon_deg)
    r = np.hypot(xx - xc, yy - yc)
    z = np.zeros_like(r)
    wall = (r > floor_radius_m) & (r <= rim_radius_m)
    u = (r[wall] - floor_radius_m) / (rim_radius_m - floor_radius_m)
    z[r <= floor_radius_m] = -depth_m
    z[wall] = -depth_m * (1.0 - u)
    out = (r > rim_radius_m) & (r < rim_radius_m + rim_width_m)
    z[out] = -0.05 * depth_m * 0.5 * (1.0 - np.cos(np.pi * (r[out] - rim_radius_m) / rim_width_m))
    z[r >= rim_radius_m + rim_width_m] = -0.05 * depth_m
    return Dem(z, x0, y0, cell_m, cell_m, MOON_MEAN_RADIUS_M, source="synthetic:bowl")


def cone(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float, centre_lon_deg: float,
         height_m: float, base_radius_m: float) -> Dem:
    """A cone of ``height_m`` over ``base_radius_m`` (slope ``atan(height / base_radius)`` on its flank)."""
    x0, y0, xx, yy, xc, yc = _grid(n_rows, n_cols, cell_m, centre_lat_deg, centre_lon_deg)
    r = np.hypot(xx - xc, yy - yc)
    z = np.clip(height_m * (1.0 - r / base_radius_m), 0.0, None)
    return Dem(z, x0, y0, cell_m, cell_m, MOON_MEAN_RADIUS_M, source="synthetic:cone")


def ridge(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float, centre_lon_deg: float,
          height_m: float, half_width_m: float, azimuth_deg: float = 0.0) -> Dem:
    """An infinite straight ridge (triangular section) through the centre along grid azimuth ``azimuth_deg``."""
    x0, y0, xx, yy, xc, yc = _grid(n_rows, n_cols, cell_m, centre_lat_deg, centre_lon_deg)
    a = np.radians(azimuth_deg)
    d = np.abs((xx - xc) * np.cos(a) - (yy - yc) * np.sin(a))
    z = np.clip(height_m * (1.0 - d / half_width_m), 0.0, None)
    return Dem(z, x0, y0, cell_m, cell_m, MOON_MEAN_RADIUS_M, source="synthetic:ridge")


def rough_plain(n_rows: int, n_cols: int, cell_m: float, centre_lat_deg: float = -89.0,
                centre_lon_deg: float = 0.0, rms_m: float = 300.0, corr_cells: float = 5.0,
                seed: int = 0) -> Dem:
    """Gaussian-correlated random relief (benchmarks; memory-light for large grids via float32 noise)."""
    from scipy.ndimage import gaussian_filter

    x0, y0, *_ = (*_grid(1, 1, cell_m, centre_lat_deg, centre_lon_deg)[:2],)
    x0 -= (n_cols - 1) * cell_m / 2.0
    y0 += (n_rows - 1) * cell_m / 2.0
    rng = np.random.default_rng(seed)
    z = gaussian_filter(rng.standard_normal((n_rows, n_cols), dtype=np.float32), corr_cells)
    z *= rms_m / max(float(z.std()), 1e-12)
    return Dem(z.astype(np.float64), x0, y0, cell_m, cell_m, MOON_MEAN_RADIUS_M, source="synthetic:rough")
