"""Luna-25 (2023): the arithmetic behind the replay's reconstruction of what the public record leaves out.

Published (shared/facts/missions.md): orbit before the burn 91.4 x 112.6 km, i = 82.087 deg to the lunar equator,
ascending-node longitude 270.53 deg; burn started 2023-08-19 11:10 UTC, planned 84 s, ran 127 s (backup timer);
planned orbit 18 x 100 km; mass 1750 kg (launch). Not published: thrust, Isp, where in the orbit the burn was
made, the argument of periapsis, the epoch of the node longitude. Each function below derives one of them and
says from what; ``scenario/missions/luna-25.toml`` carries the numbers with the same derivation in comments.
"""
from __future__ import annotations

import math

import numpy as np

from lunapole.astro.constants import G0_M_S2, MOON_GM_M3_S2, MOON_MEAN_RADIUS_M, MOON_ROTATION_RATE_RAD_S

#: Published (missions.md): orbit before the failed burn, altitudes above the 1737.4 km mean sphere.
PRE_BURN_PERIAPSIS_ALT_KM = 91.4
PRE_BURN_APOAPSIS_ALT_KM = 112.6
PRE_BURN_INC_DEG = 82.087
PRE_BURN_NODE_LON_DEG = 270.53
PLANNED_PERIAPSIS_ALT_KM = 18.0
PLANNED_APOAPSIS_ALT_KM = 100.0
PLANNED_BURN_S = 84.0
ACTUAL_BURN_S = 127.0
BURN_START_UTC = "2023-08-19T11:10:00"
LAUNCH_MASS_KG = 1750.0
PLANNED_SITE_LAT_DEG = -69.545
PLANNED_SITE_LON_DEG = 43.544
#: Lunar orbit insertion complete (missions.md: "in orbit 09:03 UTC" on 2023-08-16).
LOI_UTC = "2023-08-16T09:03:00"
#: Published after the fact (not in missions.md; sources named): loss of contact "about 14:57 Moscow time" on
#: 19 Aug 2023 (Roscosmos statement of 20 Aug 2023, via TASS) = 11:57 UTC; the new 10 m crater imaged by LRO at
#: 57.865 S 61.360 E, elevation about -360 m (NASA LRO/LROC release, 31 Aug 2023).
CONTACT_LOST_UTC = "2023-08-19T11:57:00"
LRO_CRATER_LAT_DEG = -57.865
LRO_CRATER_LON_DEG = 61.360
LRO_CRATER_ELEVATION_KM = -0.36


def apsis_speed_m_s(r_m: float, other_apsis_r_m: float, gm_m3_s2: float = MOON_GM_M3_S2) -> float:
    """Speed at an apsis of radius ``r_m`` of the orbit whose other apsis is ``other_apsis_r_m`` (vis-viva)."""
    a = 0.5 * (r_m + other_apsis_r_m)
    return math.sqrt(gm_m3_s2 * (2.0 / r_m - 1.0 / a))


def planned_dv_at_apolune_m_s(periapsis_alt_km: float = PRE_BURN_PERIAPSIS_ALT_KM,
                              apoapsis_alt_km: float = PRE_BURN_APOAPSIS_ALT_KM,
                              new_periapsis_alt_km: float = PLANNED_PERIAPSIS_ALT_KM,
                              radius_m: float = MOON_MEAN_RADIUS_M) -> float:
    """Impulsive retrograde dV at apolune that lowers periapsis to ``new_periapsis_alt_km`` (two-body)."""
    ra = radius_m + apoapsis_alt_km * 1e3
    v0 = apsis_speed_m_s(ra, radius_m + periapsis_alt_km * 1e3)
    v1 = apsis_speed_m_s(ra, radius_m + new_periapsis_alt_km * 1e3)
    return v0 - v1


def periapsis_alt_after_dv_km(dv_m_s: float, periapsis_alt_km: float = PRE_BURN_PERIAPSIS_ALT_KM,
                              apoapsis_alt_km: float = PRE_BURN_APOAPSIS_ALT_KM,
                              radius_m: float = MOON_MEAN_RADIUS_M, gm_m3_s2: float = MOON_GM_M3_S2) -> float:
    """Periapsis altitude (km) after an impulsive retrograde ``dv_m_s`` at apolune (two-body; negative = below
    the sphere)."""
    ra = radius_m + apoapsis_alt_km * 1e3
    v = apsis_speed_m_s(ra, radius_m + periapsis_alt_km * 1e3) - dv_m_s
    a = 1.0 / (2.0 / ra - v * v / gm_m3_s2)
    return (2.0 * a - ra - radius_m) / 1e3


def thrust_for_dv_n(mass_kg: float, dv_m_s: float, burn_s: float, isp_s: float) -> float:
    """Constant thrust that delivers ``dv_m_s`` in ``burn_s`` from ``mass_kg`` (rocket equation, mass flow
    ``F / (Isp g0)``): ``F = Isp g0 m0 (1 - exp(-dv / (Isp g0))) / t``."""
    ve = isp_s * G0_M_S2
    return ve * mass_kg * (1.0 - math.exp(-dv_m_s / ve)) / burn_s


def dv_of_burn_m_s(mass_kg: float, thrust_n: float, isp_s: float, burn_s: float) -> float:
    """dV (m/s) of a constant-thrust burn of ``burn_s`` (rocket equation)."""
    ve = isp_s * G0_M_S2
    return ve * math.log(mass_kg / (mass_kg - thrust_n / ve * burn_s))


def node_lon_carried_deg(node_lon_deg: float, from_tdb_s: float, to_tdb_s: float,
                         nodal_rate_rad_s: float = 0.0) -> float:
    """Moon-fixed ascending-node longitude carried from one epoch to another: the orbit plane is (nearly)
    inertial, so the Moon turns under it at its rotation rate, and the plane precesses at ``nodal_rate_rad_s``
    (J2: ``-1.5 n J2 (R/p)^2 cos i``). Result in [0, 360)."""
    dt = to_tdb_s - from_tdb_s
    return math.degrees(math.radians(node_lon_deg) + (nodal_rate_rad_s - MOON_ROTATION_RATE_RAD_S) * dt) % 360.0


def j2_nodal_rate_rad_s(periapsis_alt_km: float, apoapsis_alt_km: float, inc_deg: float,
                        j2: float = 2.0322e-4, ref_radius_m: float = 1738.0e3,
                        radius_m: float = MOON_MEAN_RADIUS_M, gm_m3_s2: float = MOON_GM_M3_S2) -> float:
    """Secular nodal rate from J2 (Vallado eq. 9-41): ``-1.5 n J2 (R/p)^2 cos i`` (rad/s). J2 of GRGM1200A
    (missions.md: J2 = 2.0322e-4)."""
    rp = radius_m + periapsis_alt_km * 1e3
    ra = radius_m + apoapsis_alt_km * 1e3
    a = 0.5 * (rp + ra)
    e = (ra - rp) / (ra + rp)
    p = a * (1.0 - e * e)
    n = math.sqrt(gm_m3_s2 / a**3)
    return -1.5 * n * j2 * (ref_radius_m / p) ** 2 * math.cos(math.radians(inc_deg))


def body_fixed_elements_to_j2000(a_m: float, e: float, inc_deg: float, node_lon_deg: float, argp_deg: float,
                                 ta_deg: float, rot_me_to_j2000: np.ndarray,
                                 gm_m3_s2: float = MOON_GM_M3_S2) -> tuple[np.ndarray, np.ndarray]:
    """J2000 position/velocity (m, m/s) of an orbit whose inclination and ascending node are given relative to
    the Moon's body-fixed equator and prime meridian at the epoch (the way lunar orbits are published).

    The velocity is inertial (no omega x r term): the angles only orient the inertial orbit, with axes that
    coincide with the body-fixed ones at the epoch; ``rot_me_to_j2000`` is that frame's rotation to J2000.
    """
    p = a_m * (1.0 - e * e)
    nu = math.radians(ta_deg)
    r_pf = p / (1.0 + e * math.cos(nu)) * np.array([math.cos(nu), math.sin(nu), 0.0])
    v_pf = math.sqrt(gm_m3_s2 / p) * np.array([-math.sin(nu), e + math.cos(nu), 0.0])
    O, i, w = (math.radians(x) for x in (node_lon_deg, inc_deg, argp_deg))
    cO, sO, ci, si, cw, sw = math.cos(O), math.sin(O), math.cos(i), math.sin(i), math.cos(w), math.sin(w)
    pqw = np.array([
        [cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si],
        [sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si],
        [sw * si, cw * si, ci],
    ])
    rot = np.asarray(rot_me_to_j2000, dtype=float)
    return rot @ (pqw @ r_pf), rot @ (pqw @ v_pf)


def ground_track_lat_lon_deg(inc_deg: float, node_lon_deg: float, arg_lat_deg: float) -> tuple[float, float]:
    """Latitude and longitude (deg) under argument of latitude ``u`` of a circular orbit whose plane has
    inclination ``inc_deg`` and node ``node_lon_deg`` in the body frame (spherical trigonometry, frozen Moon)."""
    i, u = math.radians(inc_deg), math.radians(arg_lat_deg)
    lat = math.asin(math.sin(i) * math.sin(u))
    lon = math.radians(node_lon_deg) + math.atan2(math.cos(i) * math.sin(u), math.cos(u))
    return math.degrees(lat), (math.degrees(lon) + 180.0) % 360.0 - 180.0


def arg_lat_over_latitude_deg(inc_deg: float, lat_deg: float, southbound: bool = True) -> float:
    """Argument of latitude (deg, 0..360) at which the track crosses ``lat_deg`` going south (or north)."""
    s = math.sin(math.radians(lat_deg)) / math.sin(math.radians(inc_deg))
    u = math.degrees(math.asin(max(-1.0, min(1.0, s))))
    # Southbound crossings of a southern latitude lie in (180, 270): u = 180 - asin(...).
    if southbound:
        return (180.0 - u) % 360.0
    return u % 360.0


def node_lon_over_point_deg(inc_deg: float, lat_deg: float, lon_deg: float, southbound: bool = True) -> float:
    """Body-fixed node longitude that puts the (frozen-Moon) ground track over ``lat_deg, lon_deg``."""
    u = arg_lat_over_latitude_deg(inc_deg, lat_deg, southbound)
    _, lon0 = ground_track_lat_lon_deg(inc_deg, 0.0, u)
    return (lon_deg - lon0) % 360.0
