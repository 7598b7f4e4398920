"""Sunlight and Earth visibility over time from horizon maps: maps, PSRs and point time series.

Sun and Earth positions come from :mod:`lunapole.astro` (DE421 by default; ``MOON_ME``; apparent,
``LT+S``). Per cell the elevation uses the cell's own vertical (exact on the sphere); the azimuth is shared
by blocks of cells (``block_m``, default 8 km, at most 16 x 16 cells: azimuth error <= tan(el) x 5.7 km / R = 0.06 deg at 75 deg S,
0.004 deg within 2 deg of the pole). The Sun's direction from the Moon's centre is used for every cell
(solar parallax over the Moon's radius: 0.0007 deg); the Earth's is topocentric (parallax up to 0.95 deg).

Statistics (see :func:`illumination_maps`): mean visible fraction of the solar disk, maximum fraction,
longest continuous darkness (hours; epochs with no part of the disk visible), fraction of epochs with the
Earth's centre above the horizon, and the permanently shadowed mask (disk never visible in the period).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lunapole.errors import DataError
from lunapole.kernels.terrain_illum import disk_fraction_strips, illumination_stats
from lunapole.terrain.horizon import HorizonMap
from lunapole.terrain.projection import grid_frame_me

SUN_RADIUS_M = 695_700e3  # IAU 2015 Resolution B3 nominal solar radius


def epochs_tdb_s(start: str, stop: str, step_h: float) -> np.ndarray:
    """Epochs (TDB s past J2000) from ISO ``start`` to ``stop`` inclusive every ``step_h`` hours.

    Raises :class:`~lunapole.errors.EphemerisCoverageError` when the span leaves the ephemeris coverage.
    """
    from lunapole.astro import ephemeris, time

    t0, t1 = time.parse_epoch(start), time.parse_epoch(stop)
    if not step_h > 0:
        raise DataError(f"step {step_h} h must be positive")
    if t1 <= t0:
        raise DataError(f"stop {stop!r} must be after start {start!r}")
    et = t0 + np.arange(0.0, t1 - t0 + 1e-6, step_h * 3600.0)
    ephemeris.check_coverage(np.array([et[0], et[-1]]))
    return et


def sun_earth_geometry(et: np.ndarray, ephemeris_name: str | None = None):
    """(sun_dir (T,3) unit, sun_radius_rad (T,), earth_pos_m (T,3)), Moon-centred, ``MOON_ME``."""
    from lunapole.astro import ephemeris as eph

    et = np.atleast_1d(np.asarray(et, dtype=float))
    sun = eph.position_m("SUN", et, center="MOON", frame="MOON_ME", ephemeris=ephemeris_name, abcorr="LT+S")
    earth = eph.position_m("EARTH", et, center="MOON", frame="MOON_ME", ephemeris=ephemeris_name, abcorr="LT+S")
    dist = np.linalg.norm(sun, axis=1)
    return sun / dist[:, None], np.arcsin(SUN_RADIUS_M / dist), earth


@dataclass
class IlluminationMaps:
    """Per-cell statistics over ``epochs_tdb_s`` (arrays of the DEM's shape)."""

    mean_illumination: np.ndarray  # mean visible solar-disk fraction, 0..1
    max_fraction: np.ndarray  # largest visible fraction in the period
    longest_darkness_h: np.ndarray  # longest run of epochs with no disk visible, x step (hours)
    earth_visible_fraction: np.ndarray  # fraction of epochs with the Earth's centre above the horizon
    step_h: float
    epochs_tdb_s: np.ndarray

    @property
    def psr(self) -> np.ndarray:
        """Permanently shadowed in the period: no part of the solar disk ever above the horizon."""
        return self.max_fraction <= 0.0


def illumination_maps(hmap: HorizonMap, et: np.ndarray, block_m: float = 8000.0, chunk: int = 16384,
                      ephemeris_name: str | None = None, progress=None) -> IlluminationMaps:
    """Illumination statistics for every cell of ``hmap`` at epochs ``et`` (evenly spaced, TDB s).

    Epochs are processed in chunks of ``chunk`` (the kernel carries its per-cell state across chunks, so
    the statistics, including darkness runs that span chunks, equal a single pass); ``progress(done,
    total)`` is called after each chunk.
    """
    et = np.asarray(et, dtype=float)
    if et.ndim != 1 or et.size < 1:
        raise DataError("illumination_maps needs a 1-D array of epochs")
    if chunk < 1:
        raise DataError(f"chunk = {chunk}: must be a positive number of epochs")
    step_h = float((et[1] - et[0]) / 3600.0) if et.size > 1 else 0.0
    dem = hmap.dem
    shape = dem.shape
    z = np.ascontiguousarray(np.asarray(dem.elevation_m[:, :], dtype=np.float64))
    block = max(1, min(16, int(block_m // dem.dx_m)))  # <= 256 cells: per-block tables stay in cache
    lit, psum, pmax, run, best, earth = (np.zeros(shape) for _ in range(6))
    total = et.size
    for i0 in range(0, total, chunk):
        e = et[i0:i0 + chunk]
        sun_dir, sun_r, earth_pos = sun_earth_geometry(e, ephemeris_name)
        # (the kernel hands blocks out one at a time from a shared counter: on a shared machine a thread that
        # loses its core for a while does fewer blocks instead of leaving the other one idle at the end)
        illumination_stats(hmap.q, float(hmap.quantum_deg), z, float(dem.x0_m), float(dem.y0_m),
                           float(dem.dx_m), float(dem.radius_m), block, sun_dir, sun_r, earth_pos,
                           lit, psum, pmax, run, best, earth)
        if progress is not None:
            progress(min(i0 + e.size, total), total)
    mean = ((lit + psum) / total).astype(np.float32)
    mx = np.where(lit > 0.0, 1.0, pmax).astype(np.float32)
    return IlluminationMaps(mean, mx, (best * step_h).astype(np.float32), (earth / total).astype(np.float32),
                            step_h, et)


def point_time_series(hmap: HorizonMap, row: int, col: int, et: np.ndarray, ephemeris_name: str | None = None,
                      n_strips: int = 32) -> dict:
    """Time series at one cell (reference path: exact per-cell frame, strip-integrated disk fraction).

    Returns ``sun_fraction``, ``sun_elevation_deg``, ``sun_azimuth_deg`` (grid azimuth), ``horizon_at_sun_deg``,
    ``earth_elevation_deg``, ``earth_visible`` (bool), each of length ``len(et)``.
    """
    dem = hmap.dem
    et = np.atleast_1d(np.asarray(et, dtype=float))
    x = dem.x0_m + (col + 0.5) * dem.dx_m
    y = dem.y0_m - (row + 0.5) * dem.dy_m
    ex, ey, up = grid_frame_me(x, y, dem.radius_m)
    sun_dir, sun_r, earth_pos = sun_earth_geometry(et, ephemeris_name)
    el = np.arcsin(np.clip(sun_dir @ up, -1, 1))
    az = np.mod(np.arctan2(sun_dir @ ex, sun_dir @ ey), 2 * np.pi)
    hz_el = np.radians(hmap.degrees(row, col).astype(float))
    hz_az = np.radians(hmap.azimuths_deg())
    frac = disk_fraction_strips(el, az, sun_r, hz_az, hz_el, n_strips)
    p = earth_pos - (dem.radius_m + float(dem.elevation_m[row, col])) * up
    pe = np.arcsin(np.clip((p @ up) / np.linalg.norm(p, axis=1), -1, 1))
    paz = np.mod(np.arctan2(p @ ex, p @ ey), 2 * np.pi)
    hz_e = np.interp(paz, np.r_[hz_az, 2 * np.pi], np.r_[hz_el, hz_el[0]])
    hz_s = np.interp(az, np.r_[hz_az, 2 * np.pi], np.r_[hz_el, hz_el[0]])
    return {"sun_fraction": frac, "sun_elevation_deg": np.degrees(el), "sun_azimuth_deg": np.degrees(az),
            "horizon_at_sun_deg": np.degrees(hz_s), "earth_elevation_deg": np.degrees(pe),
            "earth_visible": pe > hz_e}


def longest_run_h(dark: np.ndarray, step_h: float) -> float:
    """Longest run of True in a boolean series, in hours (helper for time series)."""
    best = run = 0
    for d in np.asarray(dark, bool):
        run = run + 1 if d else 0
        best = max(best, run)
    return best * step_h
