"""TARGET_ENU: the Moon-fixed local frame of powered descent, and conversions from/to J2000 states.

Origin on the target point of a sphere of radius ``radius_m`` (default the IAU mean radius), axes
east/north/up at the target (MOON_ME). Velocities are relative to the rotating Moon. Uses
:mod:`lunapole.astro.frames` (SPICE ``sxform`` J2000 <-> MOON_ME, which carries the rotation rate).
"""
from __future__ import annotations

import numpy as np

from lunapole.astro import frames
from lunapole.astro.constants import MOON_MEAN_RADIUS_M


def target_origin_me_m(lat_deg: float, lon_deg: float, radius_m: float = MOON_MEAN_RADIUS_M) -> np.ndarray:
    """MOON_ME position (m) of the target point on the sphere."""
    return np.asarray(frames.selenographic_to_cartesian_m(lat_deg, lon_deg, 0.0, radius_m), dtype=float)


def state_to_target_enu(
    epoch_tdb_s: float, r_j2000_m, v_j2000_m_s, lat_deg: float, lon_deg: float,
    radius_m: float = MOON_MEAN_RADIUS_M,
) -> tuple[np.ndarray, np.ndarray]:
    """J2000 Moon-centred (r, v) at ``epoch_tdb_s`` -> TARGET_ENU (r relative to the target, v Moon-fixed)."""
    m = frames.state_rotation("J2000", "MOON_ME", float(epoch_tdb_s))
    x_me = m @ np.concatenate([np.asarray(r_j2000_m, float), np.asarray(v_j2000_m_s, float)])
    enu = frames.enu_matrix(lat_deg, lon_deg)
    r = enu @ (x_me[:3] - target_origin_me_m(lat_deg, lon_deg, radius_m))
    v = enu @ x_me[3:]
    return r, v


def target_enu_to_state(
    epoch_tdb_s: float, r_enu_m, v_enu_m_s, lat_deg: float, lon_deg: float,
    radius_m: float = MOON_MEAN_RADIUS_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`state_to_target_enu`: TARGET_ENU -> J2000 Moon-centred (r, v)."""
    enu = frames.enu_matrix(lat_deg, lon_deg)
    r_me = enu.T @ np.asarray(r_enu_m, float) + target_origin_me_m(lat_deg, lon_deg, radius_m)
    v_me = enu.T @ np.asarray(v_enu_m_s, float)
    m = frames.state_rotation("MOON_ME", "J2000", float(epoch_tdb_s))
    x = m @ np.concatenate([r_me, v_me])
    return x[:3], x[3:]


def enu_to_selenographic(r_enu_m, lat_deg: float, lon_deg: float,
                         radius_m: float = MOON_MEAN_RADIUS_M) -> tuple[float, float, float]:
    """(lat_deg, lon_deg, height_m above the sphere) of a TARGET_ENU position."""
    enu = frames.enu_matrix(lat_deg, lon_deg)
    r_me = enu.T @ np.asarray(r_enu_m, float) + target_origin_me_m(lat_deg, lon_deg, radius_m)
    lat, lon, h = frames.cartesian_to_selenographic(r_me, radius_m)
    return float(lat), float(lon), float(h)
