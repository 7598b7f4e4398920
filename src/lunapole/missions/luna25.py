"""Luna-25 (2023): the arithmetic behind the replay's reconstruction of what the public record leaves out.

Published (shared/facts/missions.md): orbit before the burn 91.4 x 112.6 km, i = 82.087 deg to the lunar equator,
ascending-node longitude 270.53 deg; burn started 2023-08-19 11:10 UTC, planned 84 s, ran 127 s (backup timer);
planned orbit 18 x 100 km; mass 1750 kg (launch). Not published: thrust, Isp, where in the orbit the burn was
made, the argument of periapsis, the epoch of the node longitude. Each function below derives one of them and
says from what; ``scenario/missions/luna-25.toml`` carries the numbers with the same derivation in comments.
"""
from __future__ import annotations

import math
from pathlib import Path

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


# --- the replay -------------------------------------------------------------------------------------------

MISSIONS_MD = "shared/facts/missions.md"
SRC_BORISOV = "missions.md (Borisov, 21 Aug 2023)"
SRC_NSF = "missions.md (NSF; Roscosmos)"
SRC_CONTACT = "Roscosmos statement 20 Aug 2023 (TASS): contact lost ~14:57 MSK"
SRC_LRO = "NASA LRO/LROC release 31 Aug 2023"


def _need(table: dict, key: str, where: str):
    from lunapole.errors import ScenarioError

    if key not in table:
        raise ScenarioError(f"{where}: [replay] needs {key!r} for a luna-25 replay")
    return table[key]


def _orbit(summary) -> dict[str, float]:
    el = summary.elements
    return {"periapsis_alt_km": float(el["periapsis_alt_km"]), "apoapsis_alt_km": float(el["apoapsis_alt_km"]),
            "epoch": _utc(summary.end_tdb_s) + " UTC"}


def _utc(et: float) -> str:
    from lunapole.missions.common import utc_of

    return utc_of(et)


def _step(run, name: str):
    for s in run.steps:
        if s.name == name:
            return s
    return None


def track_distance_km(run, lat_deg: float, lon_deg: float, max_step_s: float = 5.0) -> float:
    """Smallest surface distance (km, mean sphere) between a point and the ground track of a run."""
    from lunapole.missions.tracks import sample_run

    sr = sample_run(run, max_step_s)
    p1, p2 = np.radians(lat_deg), np.radians(sr.lat_deg)
    dl = np.radians(sr.lon_deg - lon_deg)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(np.min(2.0 * MOON_MEAN_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))))) / 1e3


def replay_luna25(raw: dict, path, overrides: list[str], sweep: bool = True, progress=None):
    """Run the flown case (the file as it is: ``cutoff_failure``) and the nominal plan (no faults), compare
    with the published numbers of ``[replay]`` and bracket the survivable burn duration."""
    from lunapole.missions.common import (Comparison, TimelineEntry, great_circle_km, relax_duration_overrides,
                                          without_faults)
    from lunapole.missions.replay import ReplayResult
    from lunapole.scenario import run_scenario, scenario_from_dict

    where = f"scenario {str(path)!r}"
    pub = raw["replay"]
    step_name = pub.get("burn_step", "pre_landing_burn")
    raw_flown = relax_duration_overrides(raw, overrides)
    scn_flown = scenario_from_dict(raw_flown, source=path, overrides=overrides)
    scn_nominal = scenario_from_dict(without_faults(raw_flown), source=path, overrides=overrides)
    say = progress or (lambda _t: None)
    say("run: as flown (dV cut-off failed, backup timer)" if scn_flown.faults else "run: as given")
    flown = run_scenario(scn_flown, progress=progress)
    say("run: nominal plan (no faults)")
    nominal = run_scenario(scn_nominal, progress=progress, write_outputs=False)

    b_flown, b_nom = _step(flown, step_name), _step(nominal, step_name)
    if b_flown is None or b_nom is None:
        from lunapole.errors import ScenarioError

        raise ScenarioError(f"{where}: [replay] burn_step {step_name!r} is not a step of the sequence")
    planned = _orbit(b_nom)
    achieved = _orbit(b_flown)
    dur_nom = float(b_nom.details.get("burn_duration_s", b_nom.end_tdb_s - b_nom.start_tdb_s))
    dur_flown = float(b_flown.details.get("burn_duration_s", b_flown.end_tdb_s - b_flown.start_tdb_s))

    impact = None
    ev = next((e for e in flown.events if e.type == "impact"), None)
    site = pub.get("planned_site")
    crater = pub.get("impact_crater")
    if ev is not None:
        fs = flown.final_state
        impact = {
            "epoch": _utc(ev.epoch_tdb_s) + " UTC",
            "lat_deg": float(ev.lat_deg),
            "lon_deg": float(ev.lon_deg),
            "minutes_after_burn_start": (ev.epoch_tdb_s - b_flown.start_tdb_s) / 60.0,
            "speed_m_s": float(np.linalg.norm(fs.v_m_s)),
            "revolution": "same revolution as the burn" if ev.epoch_tdb_s - b_flown.start_tdb_s
            < float(b_flown.elements.get("period_s") or math.inf) else "a later revolution",
        }
        if crater:
            impact["distance_to_lro_crater_km"] = great_circle_km(ev.lat_deg, ev.lon_deg, crater["lat_deg"],
                                                                  crater["lon_deg"])
        if site:
            impact["distance_to_planned_site_km"] = great_circle_km(ev.lat_deg, ev.lon_deg, site["lat_deg"],
                                                                    site["lon_deg"])

    sweep_res = None
    notes: list[str] = []
    if sweep and impact is not None and dur_flown > dur_nom:
        from lunapole.missions.sweep import survivable_duration

        say("sweep: bisection on the burn duration")
        try:
            sweep_res = survivable_duration(raw, path, step_name, dur_nom, dur_flown, overrides=overrides,
                                            progress=progress)
        except ValueError as exc:
            notes.append(f"survivable-duration sweep skipped: {exc}")
    elif sweep:
        notes.append("survivable-duration sweep skipped: the flown case does not hit the Moon")

    planned_burn = float(_need(pub, "planned_burn_s", where))
    actual_burn = float(_need(pub, "actual_burn_s", where))
    comps = [
        Comparison("nominal burn duration", planned_burn, dur_nom, "s", SRC_BORISOV,
                   "dV cut-off at the planned dV with the reconstructed thrust (A2, A3)"),
        Comparison("flown burn duration", actual_burn, dur_flown, "s", SRC_BORISOV, "backup timer"),
        Comparison("planned orbit periapsis altitude", float(_need(pub, "planned_periapsis_alt_km", where)),
                   planned["periapsis_alt_km"], "km", SRC_NSF, "osculating two-body, end of the nominal burn"),
        Comparison("planned orbit apoapsis altitude", float(_need(pub, "planned_apoapsis_alt_km", where)),
                   planned["apoapsis_alt_km"], "km", SRC_NSF,
                   "burn at the 112.6 km apolune keeps it (A1); '100 km' rounds the initial orbit"),
        Comparison("flown orbit periapsis altitude", None, achieved["periapsis_alt_km"], "km", "",
                   "osculating two-body after the 127 s burn: below the surface"),
        Comparison("planned dV", None, float(b_nom.dv_m_s), "m/s", "",
                   f"derived in missions.md: 18.75 (from 100 km circular), 16.8 (at 112.6 km apolune)"),
        Comparison("flown dV", None, float(b_flown.dv_m_s), "m/s", "",
                   "derived in missions.md: 25-28 (x127/84)"),
        Comparison("propellant of the flown burn", None, float(b_flown.propellant_kg), "kg", "",
                   "Isp 300 s assumed (A4)"),
    ]
    timeline = [
        TimelineEntry("burn start", pub.get("burn_start_utc"), _utc(b_flown.start_tdb_s), SRC_BORISOV),
    ]
    if pub.get("burn_start_utc"):
        t0 = np.datetime64(pub["burn_start_utc"], "ms")
        end_plan = str(t0 + np.timedelta64(int(planned_burn * 1000), "ms"))
        end_act = str(t0 + np.timedelta64(int(actual_burn * 1000), "ms"))
        timeline.append(TimelineEntry("nominal burn end (planned 84 s)", end_plan, _utc(b_nom.end_tdb_s),
                                      SRC_BORISOV))
        timeline.append(TimelineEntry("flown burn end (127 s)", end_act, _utc(b_flown.end_tdb_s), SRC_BORISOV))
    if impact is not None:
        timeline.append(TimelineEntry("impact (published: loss of contact)", pub.get("contact_lost_utc"),
                                      impact["epoch"].replace(" UTC", ""), SRC_CONTACT))
        if crater:
            comps.append(Comparison("impact latitude", float(crater["lat_deg"]), impact["lat_deg"], "deg", SRC_LRO,
                                    "mean-sphere impact; the LRO crater lies 360 m below it"))
            comps.append(Comparison("impact longitude", float(crater["lon_deg"]), impact["lon_deg"], "deg E",
                                    SRC_LRO))
            comps.append(Comparison("impact distance from the LRO crater", 0.0,
                                    impact["distance_to_lro_crater_km"], "km", SRC_LRO))
    if crater:
        xt = track_distance_km(nominal, crater["lat_deg"], crater["lon_deg"])
        comps.append(Comparison("LRO crater distance from the simulated ground track", 0.0, xt, "km", SRC_LRO,
                                "cross-track check of the orbit plane (A5): the crater lies on the real track"))
    if sweep_res is not None:
        comps.append(Comparison("largest survivable burn duration", None, sweep_res.max_survivable_s, "s", "",
                                f"bisection; terrain: {sweep_res.terrain}"))

    sites = []
    if site:
        sites.append({"kind": "site", **site})
    if crater:
        sites.append({"kind": "site", **crater})
    outcome = flown.outcome
    return ReplayResult(
        name="luna-25", source=Path(path),
        runs={f"{'flown' if not overrides else 'what-if'} ({dur_flown:.0f} s)": flown,
              f"nominal plan ({dur_nom:.0f} s)": nominal},
        outcome=outcome, planned_orbit=planned, achieved_orbit=achieved, impact=impact, touchdown=None,
        comparisons=comps, timeline=timeline, sweep=sweep_res, assumptions=list(scn_flown.scenario.assumptions),
        sites=sites, title="Luna-25 replay: the pre-landing burn of 19 August 2023", notes=notes,
    )
