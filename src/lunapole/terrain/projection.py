"""South polar stereographic <-> selenographic coordinates on the 1737.4 km sphere (LOLA convention).

The LOLA polar products use a spherical polar stereographic projection with true scale at the pole
(``+proj=stere +lat_0=-90 +lon_0=0 +k=1 +R=1737400``): +y points along longitude 0, +x along 90 deg E.
For the south pole (Snyder 1987, "Map Projections - A Working Manual", USGS PP 1395, eqs. 21-1..21-5 with
k0 = 1 on a sphere)::

    rho = 2 R tan((90 deg + lat) / 2),   x = rho sin(lon),   y = rho cos(lon)
    lat = 2 atan(rho / (2 R)) - 90 deg,  lon = atan2(x, y)
    k   = 1 + rho^2 / (4 R^2)            (point scale factor: grid metres per ground metre)

The unit vector of a grid point in ``MOON_ME`` (X to lon 0, Z to the north pole) is rational in (x, y)::

    u = (4 R y, 4 R x, rho^2 - 4 R^2) / (rho^2 + 4 R^2)

Tested against pyproj (tests/terrain/test_dem.py).
"""
from __future__ import annotations

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M

SOUTH_POLAR_STEREO_PROJ4 = "+proj=stere +lat_0=-90 +lon_0=0 +k=1 +x_0=0 +y_0=0 +R=1737400 +units=m +no_defs"


def stereo_to_latlon(x_m, y_m, radius_m: float = MOON_MEAN_RADIUS_M):
    """Grid (x, y) metres -> (lat_deg, lon_deg), lon in (-180, 180], south polar stereographic."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    rho = np.hypot(x, y)
    lat = np.degrees(2.0 * np.arctan(rho / (2.0 * radius_m))) - 90.0
    lon = np.degrees(np.arctan2(x, y))
    return lat, lon


def latlon_to_stereo(lat_deg, lon_deg, radius_m: float = MOON_MEAN_RADIUS_M):
    """(lat_deg, lon_deg) -> grid (x_m, y_m), south polar stereographic."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    rho = 2.0 * radius_m * np.tan((0.5 * np.pi + lat) / 2.0)
    return rho * np.sin(lon), rho * np.cos(lon)


def scale_factor(x_m, y_m, radius_m: float = MOON_MEAN_RADIUS_M):
    """Point scale factor k (grid length / ground length) at grid (x, y)."""
    rho2 = np.asarray(x_m, dtype=float) ** 2 + np.asarray(y_m, dtype=float) ** 2
    return 1.0 + rho2 / (4.0 * radius_m * radius_m)


def stereo_unit_vector_me(x_m, y_m, radius_m: float = MOON_MEAN_RADIUS_M):
    """Unit radial vector in ``MOON_ME`` of the grid point (x, y): shape ``x.shape + (3,)``."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    four_r = 4.0 * radius_m
    rho2 = x * x + y * y
    den = rho2 + four_r * radius_m
    return np.stack([four_r * y / den, four_r * x / den, (rho2 - four_r * radius_m) / den], axis=-1)


def grid_frame_me(x_m, y_m, radius_m: float = MOON_MEAN_RADIUS_M):
    """Local horizon frame of grid cells in ``MOON_ME``: (ex, ey, up), each ``x.shape + (3,)``.

    ``ex``/``ey`` are the unit tangent vectors along the grid's +x/+y axes (orthogonal because the
    projection is conformal); ``up`` is the sphere normal. Azimuths in this package are measured in this
    grid frame: ``az = atan2(v.ex, v.ey)`` (0 = grid +y, 90 deg = grid +x). Grid azimuth = true azimuth
    (from north, clockwise) + convergence; they differ by the meridian convergence, which is irrelevant
    because horizons and Sun directions use the same frame.
    """
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    r = radius_m
    rho2 = x * x + y * y
    den = rho2 + 4.0 * r * r
    # d u / d x and d u / d y of the rational map, then normalised.
    ux = np.stack([4 * r * y, 4 * r * x, rho2 - 4 * r * r], axis=-1) / den[..., None]
    dx = np.stack([-8 * r * x * y / den, 4 * r * (den - 2 * x * x) / den, 2 * x * (4 * r * r) * 2 / den], axis=-1)
    dy = np.stack([4 * r * (den - 2 * y * y) / den, -8 * r * x * y / den, 2 * y * (4 * r * r) * 2 / den], axis=-1)
    ex = dx / np.linalg.norm(dx, axis=-1, keepdims=True)
    ey = dy / np.linalg.norm(dy, axis=-1, keepdims=True)
    return ex, ey, ux
