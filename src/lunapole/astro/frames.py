"""Reference frames: rotations between J2000 and the lunar body frames, selenographic coordinates.

Frames (see docs/astro.md):

- ``J2000``: inertial, ICRF axes (SPICE J2000).
- ``MOON_PA``: lunar principal axes of the chosen ephemeris (gravity fields are expressed in it),
  from the JPL lunar libration solution in a binary PCK.
- ``MOON_ME``: mean-Earth/polar-axis frame (LOLA terrain and selenographic coordinates); a constant
  rotation of ``MOON_PA`` (~0.03 deg, ~875 m on the surface).
- ``IAU_MOON``: the IAU WGCCRE 2009 analytic model; differs from ``MOON_ME`` by up to ~0.005 deg
  (~155 m on the surface). For comparisons with other tools only.

Convention: ``v_to = R @ v_from``. Scalar ``et`` gives ``(3, 3)``, a 1-D array ``(N, 3, 3)``.
Selenographic latitude/longitude are planetocentric on a sphere (east-positive longitude in
(-180, 180]); heights are above ``radius_m``.
"""
from __future__ import annotations

import numpy as np
import spiceypy

from lunapole.astro import _kernels
from lunapole.astro import ephemeris as _eph
from lunapole.astro.constants import MOON_MEAN_RADIUS_M

FRAMES = ("J2000", "MOON_PA", "MOON_ME", "IAU_MOON")
_BODY_FRAMES = ("MOON_PA", "MOON_ME")


def _frames_and_check(from_frame: str, to_frame: str, et_arr: np.ndarray, eph: str) -> tuple[str, str]:
    src = _eph.spice_frame_name(from_frame, eph)
    dst = _eph.spice_frame_name(to_frame, eph)
    keys = {str(from_frame).strip().upper(), str(to_frame).strip().upper()}
    if keys & set(_BODY_FRAMES) and not keys <= set(_BODY_FRAMES):
        _eph.check_coverage(et_arr, eph)  # the lunar PA PCK has a finite span
    elif not np.all(np.isfinite(et_arr)):
        _eph.check_coverage(et_arr, eph)
    return src, dst


def rotation(from_frame: str, to_frame: str, et: float | np.ndarray, ephemeris: str | None = None) -> np.ndarray:
    """Rotation matrix ``R`` with ``v_to = R @ v_from``: ``(3, 3)`` for scalar ``et`` or ``(N, 3, 3)``.

    ``et`` TDB s past J2000. Frames: ``J2000``, ``MOON_PA``, ``MOON_ME``, ``IAU_MOON`` (the PA/ME
    realisation follows ``ephemeris``, default DE421).
    """
    et_arr = np.asarray(et, dtype=float)
    flat = et_arr.reshape(-1)
    with _kernels.LOCK:  # held from kernel selection to query: another thread may switch ephemeris
        eph = _eph.ensure_kernels(ephemeris)
        src, dst = _frames_and_check(from_frame, to_frame, et_arr, eph)
        if src == dst:
            out = np.broadcast_to(np.eye(3), (flat.size, 3, 3)).copy()
        elif {str(from_frame).strip().upper(), str(to_frame).strip().upper()} <= set(_BODY_FRAMES):
            matrix = np.asarray(spiceypy.pxform(src, dst, 0.0))  # constant rotation: evaluate once
            out = np.broadcast_to(matrix, (flat.size, 3, 3)).copy()
        else:
            out = np.empty((flat.size, 3, 3))
            for i, value in enumerate(flat):
                out[i] = spiceypy.pxform(src, dst, float(value))
    return out.reshape(et_arr.shape + (3, 3))


def state_rotation(
    from_frame: str, to_frame: str, et: float | np.ndarray, ephemeris: str | None = None
) -> np.ndarray:
    """6x6 state transformation (SPICE ``sxform``): ``(6, 6)`` or ``(N, 6, 6)``; ``x_to = M @ x_from``.

    States are ``(r_m, v_m_s)``; the lower-left block carries the frame rotation rate.
    """
    et_arr = np.asarray(et, dtype=float)
    flat = et_arr.reshape(-1)
    out = np.empty((flat.size, 6, 6))
    with _kernels.LOCK:
        eph = _eph.ensure_kernels(ephemeris)
        src, dst = _frames_and_check(from_frame, to_frame, et_arr, eph)
        for i, value in enumerate(flat):
            out[i] = np.eye(6) if src == dst else spiceypy.sxform(src, dst, float(value))
    return out.reshape(et_arr.shape + (6, 6))


def selenographic_to_cartesian_m(
    lat_deg: float | np.ndarray,
    lon_deg: float | np.ndarray,
    height_m: float | np.ndarray = 0.0,
    radius_m: float = MOON_MEAN_RADIUS_M,
) -> np.ndarray:
    """Body-frame position ``(..., 3)`` in metres of planetocentric latitude/longitude and height on a sphere."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    r = radius_m + np.asarray(height_m, dtype=float)
    lat, lon, r = np.broadcast_arrays(lat, lon, r)
    cos_lat = np.cos(lat)
    return np.stack((r * cos_lat * np.cos(lon), r * cos_lat * np.sin(lon), r * np.sin(lat)), axis=-1)


def cartesian_to_selenographic(
    r_m: np.ndarray, radius_m: float = MOON_MEAN_RADIUS_M
) -> tuple[np.ndarray | float, np.ndarray | float, np.ndarray | float]:
    """``(lat_deg, lon_deg, height_m)`` of body-frame position(s) ``(..., 3)`` in metres.

    Longitude is east-positive in (-180, 180]; on the polar axis it is 0 by convention.
    """
    r = np.asarray(r_m, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    rho = np.hypot(x, y)
    lat = np.degrees(np.arctan2(z, rho))
    lon = np.degrees(np.arctan2(y, x))
    lon = np.where(lon <= -180.0, lon + 360.0, lon)
    height = np.sqrt(rho * rho + z * z) - radius_m
    if r.ndim == 1:
        return float(lat), float(lon), float(height)
    return lat, lon, height


def enu_matrix(lat_deg: float | np.ndarray, lon_deg: float | np.ndarray) -> np.ndarray:
    """Rows = east, north, up unit vectors (body frame) at ``lat_deg, lon_deg``: ``(3, 3)`` or ``(..., 3, 3)``.

    ``v_enu = enu_matrix(lat, lon) @ v_body``. At the poles east is taken as the direction of
    increasing longitude at ``lon_deg`` (the formula is regular there).
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    lat, lon = np.broadcast_arrays(lat, lon)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(lat)
    east = np.stack((-so, co, zero), axis=-1)
    north = np.stack((-sl * co, -sl * so, cl), axis=-1)
    up = np.stack((cl * co, cl * so, sl), axis=-1)
    return np.stack((east, north, up), axis=-2)


def direction_and_distance(
    target: str,
    et: float | np.ndarray,
    frame: str = "MOON_ME",
    center: str = "MOON",
    ephemeris: str | None = None,
    abcorr: str = "NONE",
) -> tuple[np.ndarray, np.ndarray | float]:
    """Unit vector ``(..., 3)`` from ``center`` to ``target`` in ``frame`` and the distance in metres.

    For illumination use ``abcorr="LT+S"`` (apparent direction; the geometric Sun direction differs by
    ~20 arcsec from light time).
    """
    pos = _eph.position_m(target, et, center=center, frame=frame, ephemeris=ephemeris, abcorr=abcorr)
    dist = np.linalg.norm(pos, axis=-1)
    unit = pos / dist[..., None]
    return unit, (float(dist) if np.ndim(dist) == 0 else dist)


def sun_direction_body(
    et: float | np.ndarray, frame: str = "MOON_ME", ephemeris: str | None = None, abcorr: str = "LT+S"
) -> np.ndarray:
    """Apparent unit vector Moon centre -> Sun in ``frame`` (default ``MOON_ME``): ``(3,)`` or ``(N, 3)``."""
    return direction_and_distance("SUN", et, frame=frame, ephemeris=ephemeris, abcorr=abcorr)[0]


def earth_direction_body(
    et: float | np.ndarray, frame: str = "MOON_ME", ephemeris: str | None = None, abcorr: str = "LT+S"
) -> np.ndarray:
    """Apparent unit vector Moon centre -> Earth in ``frame`` (default ``MOON_ME``): ``(3,)`` or ``(N, 3)``."""
    return direction_and_distance("EARTH", et, frame=frame, ephemeris=ephemeris, abcorr=abcorr)[0]
