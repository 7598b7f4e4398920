"""South polar stereographic map coordinates (the projection of the LOLA polar products).

Sphere of radius ``R`` (default the IAU mean radius 1737.4 km), true scale at the pole (k0 = 1), centred on the
south pole, +y along longitude 0 and +x along 90 deg E: the PROJ definition
``+proj=stere +lat_0=-90 +lon_0=0 +k=1 +R=1737400`` (Snyder 1987, eq. 21-33 with k0 = 1).
"""
from __future__ import annotations

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M

MOON_MEAN_RADIUS_KM = MOON_MEAN_RADIUS_M / 1000.0


def south_polar_stereo_km(lat_deg, lon_deg, radius_km: float = MOON_MEAN_RADIUS_KM):
    """Map coordinates ``(x_km, y_km)`` of selenographic latitude/east longitude (deg, arrays or floats).

    ``rho = 2 R tan(pi/4 + lat/2)``, ``x = rho sin(lon)``, ``y = rho cos(lon)``.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    rho = 2.0 * radius_km * np.tan(np.pi / 4.0 + lat / 2.0)
    return rho * np.sin(lon), rho * np.cos(lon)


def radius_of_latitude_km(lat_deg: float, radius_km: float = MOON_MEAN_RADIUS_KM) -> float:
    """Map distance from the pole of a latitude circle (km)."""
    return float(2.0 * radius_km * np.tan(np.pi / 4.0 + np.radians(lat_deg) / 2.0))


def split_at_gaps(x, y, mask):
    """Lists of ``(x, y)`` runs where ``mask`` is true (so a track leaving the map is not joined across it)."""
    mask = np.asarray(mask, dtype=bool)
    runs = []
    if mask.size == 0:
        return runs
    idx = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    for start, stop in zip(idx[::2], idx[1::2]):
        runs.append((np.asarray(x)[start:stop], np.asarray(y)[start:stop]))
    return runs
