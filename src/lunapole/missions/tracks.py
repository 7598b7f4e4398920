"""Sampled trajectories of a run: J2000 states -> Moon-fixed positions, latitude/longitude/altitude and
osculating two-body apsis altitudes (for reports and for the survivable-duration sweep)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M


@dataclass
class SampledRun:
    """Samples of a run in time order. ``r_j2000_m``/``v_j2000_m_s`` Moon-centred J2000; ``r_me_m`` MOON_ME;
    ``lat_deg``/``lon_deg`` planetocentric on MOON_ME; altitudes above the 1737.4 km mean sphere (m)."""

    t_tdb_s: np.ndarray
    r_j2000_m: np.ndarray
    v_j2000_m_s: np.ndarray
    mass_kg: np.ndarray
    r_me_m: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_m: np.ndarray
    periapsis_alt_m: np.ndarray
    apoapsis_alt_m: np.ndarray


def apsis_altitudes_m(r_m: np.ndarray, v_m_s: np.ndarray, gm_m3_s2: float = MOON_GM_M3_S2,
                      radius_m: float = MOON_MEAN_RADIUS_M) -> tuple[np.ndarray, np.ndarray]:
    """Two-body periapsis and apoapsis altitudes (m) of states ``(N, 3)``; apoapsis NaN when unbound."""
    r = np.atleast_2d(np.asarray(r_m, float))
    v = np.atleast_2d(np.asarray(v_m_s, float))
    rn = np.linalg.norm(r, axis=1)
    h = np.cross(r, v)
    p = np.einsum("ij,ij->i", h, h) / gm_m3_s2
    e_vec = np.cross(v, h) / gm_m3_s2 - r / rn[:, None]
    e = np.linalg.norm(e_vec, axis=1)
    rp = p / (1.0 + e)
    with np.errstate(divide="ignore", invalid="ignore"):
        ra = np.where(e < 1.0, p / (1.0 - e), np.nan)
    return rp - radius_m, ra - radius_m


def sample_states(segments, max_step_s: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """``(t_tdb_s (N,), y (N, 7))`` over all orbit segments with dense output (``span_tdb_s`` and
    ``sample(times)``), on a grid at most ``max_step_s`` apart plus each segment's end points."""
    ts, ys = [], []
    for seg in segments:
        if not (hasattr(seg, "sample") and hasattr(seg, "span_tdb_s")):
            continue  # e.g. a descent record without dense output
        t0, t1 = seg.span_tdb_s
        if t1 <= t0:
            continue
        n = max(1, int(np.ceil((t1 - t0) / max_step_s)))
        times = np.linspace(t0, t1, n + 1)
        ts.append(times)
        ys.append(np.asarray(seg.sample(times)))
    if not ts:
        return np.empty(0), np.empty((0, 7))
    return np.concatenate(ts), np.concatenate(ys)


def to_sampled(t_tdb_s: np.ndarray, y: np.ndarray, ephemeris: str | None = None) -> SampledRun:
    """Body-fixed quantities of J2000 samples ``y (N, 7)``."""
    from lunapole.astro import frames

    t = np.asarray(t_tdb_s, float)
    r = np.asarray(y[:, :3], float)
    v = np.asarray(y[:, 3:6], float)
    if t.size == 0:
        z = np.empty(0)
        return SampledRun(t, r, v, z, r, z, z, z, z, z)
    rot = np.asarray(frames.rotation("J2000", "MOON_ME", t, ephemeris=ephemeris)).reshape(-1, 3, 3)
    r_me = np.einsum("nij,nj->ni", rot, r)
    lat, lon, height = frames.cartesian_to_selenographic(r_me)
    peri, apo = apsis_altitudes_m(r, v)
    return SampledRun(t, r, v, np.asarray(y[:, 6], float), r_me, np.asarray(lat), np.asarray(lon),
                      np.asarray(height), peri, apo)


def sample_run(result, max_step_s: float = 10.0) -> SampledRun:
    """Sample every orbit segment of a :class:`~lunapole.scenario.RunResult`."""
    t, y = sample_states(result.segments, max_step_s)
    return to_sampled(t, y, getattr(result.scenario.scenario, "ephemeris", None))
