"""Slope, roughness over a lander footprint, and the hazard mask from vehicle limits.

Heights are above the sphere, so the local horizontal is the sphere's tangent plane and slopes come from
height differences over ground distances (grid spacing / stereographic scale factor ``k``).

* ``slope_deg``: angle of the least-squares plane over a square window of about ``footprint_m`` (at least
  3 x 3 cells) -- the tilt a lander standing on that footprint would see.
* ``roughness_m``: RMS residual of the heights about that plane over the same window (metre-scale hazards
  below the DEM resolution are not seen: state the DEM's post spacing with any hazard map).
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter

from lunapole.errors import DataError
from lunapole.terrain.dem import Dem
from lunapole.terrain.projection import scale_factor


def _window_cells(dem: Dem, footprint_m: float) -> int:
    n = int(round(footprint_m / dem.dx_m))
    n = max(3, n + (1 - n % 2))  # odd, >= 3
    return n


def plane_fit(dem: Dem, footprint_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(slope_deg, roughness_m, aspect_deg) of the least-squares plane over a footprint-sized window.

    For an odd n x n window with centred coordinates the plane coefficients decouple:
    ``a = <h x> / <x^2>``, ``b = <h y> / <y^2>`` and the residual variance is
    ``<h^2> - <h>^2 - a^2 <x^2> - b^2 <y^2>`` (all box means, computed with uniform filters).
    """
    if footprint_m <= 0:
        raise DataError(f"footprint {footprint_m} m must be positive")
    z = np.asarray(dem.elevation_m[:, :], dtype=np.float64)
    n = _window_cells(dem, footprint_m)
    x, y = dem.xy_grid_m()
    k = scale_factor(x, y, dem.radius_m)
    off = np.arange(n) - n // 2
    var_idx = float(np.mean(off.astype(float) ** 2))  # <x^2> in cells^2
    # <h x> with x the column offset: correlate with a ramp (separable: ramp along one axis, box along the other)
    from scipy.ndimage import correlate1d

    mean_h = uniform_filter(z, n, mode="nearest")
    mean_h2 = uniform_filter(z * z, n, mode="nearest")
    hx = uniform_filter(correlate1d(z, off / n, axis=1, mode="nearest"), (n, 1), mode="nearest")
    hy = uniform_filter(correlate1d(z, -off / n, axis=0, mode="nearest"), (1, n), mode="nearest")
    a = hx / var_idx  # metres per cell along +x
    b = hy / var_idx  # metres per cell along +y (rows go towards -y)
    ground = dem.dx_m / k
    gx, gy = a / ground, b / ground
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    resid = mean_h2 - mean_h ** 2 - (a * a + b * b) * var_idx
    rough = np.sqrt(np.maximum(resid, 0.0))
    aspect = np.degrees(np.arctan2(-gx, -gy)) % 360.0  # grid azimuth of steepest descent
    return slope, rough, aspect


def slope_deg(dem: Dem, footprint_m: float | None = None) -> np.ndarray:
    """Slope (deg) of the plane fitted over ``footprint_m`` (default 3 x 3 cells)."""
    return plane_fit(dem, footprint_m or 3 * dem.dx_m)[0]


def roughness_m(dem: Dem, footprint_m: float) -> np.ndarray:
    """RMS height residual (m) about the best-fitting plane over ``footprint_m``."""
    return plane_fit(dem, footprint_m)[1]


def hazard_mask(dem: Dem, max_slope_deg: float, max_roughness_m: float, footprint_m: float) -> np.ndarray:
    """True where the footprint is too steep or too rough for the vehicle."""
    slope, rough, _ = plane_fit(dem, footprint_m)
    return (slope > max_slope_deg) | (rough > max_roughness_m)
