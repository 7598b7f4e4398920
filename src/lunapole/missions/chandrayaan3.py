"""Chandrayaan-3 (ISRO, 2023): geometry the public record leaves out, and the replay's comparison.

Published (shared/facts/missions.md, "Chandrayaan-3"): the lunar orbits after LOI, ORM-1..4 and the two
deboosts (periapsis x apoapsis altitude), the lander module mass and engines, the powered-descent phases and
the planned landing point 69.367 S 32.348 E. Not published: the orbit's orientation (node, argument of
periapsis), the hour of each manoeuvre, the engines of the propulsion module, the masses in lunar orbit.
``scenario/missions/chandrayaan-3.toml`` states each choice; :func:`descent_plane_elements` computes the
orbit orientation that makes the descent of 23 August start uprange of the planned point.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M

PLANNED_SITE_LAT_DEG = -69.367
PLANNED_SITE_LON_DEG = 32.348
ACTUAL_SITE_LAT_DEG = -69.373
ACTUAL_SITE_LON_DEG = 32.319
#: Published orbits after each manoeuvre (periapsis, apoapsis altitude, km), missions.md.
PUBLISHED_ORBITS_KM = {
    "loi": (164.0, 18074.0),
    "orm1": (170.0, 4313.0),
    "orm2": (174.0, 1437.0),
    "orm3": (150.0, 177.0),
    "orm4": (153.0, 163.0),
    "deboost1": (113.0, 157.0),
    "deboost2": (25.0, 134.0),
}
ROUGH_BRAKING_END_ALT_KM = 7.42
ROUGH_BRAKING_END_HSPEED_M_S = 358.0
ROUGH_BRAKING_END_VSPEED_M_S = 61.0
ROUGH_BRAKING_S = 690.0
ROUGH_BRAKING_GROUND_KM = 713.5
TOUCHDOWN_MAX_VERTICAL_M_S = 2.0
TOUCHDOWN_MAX_HORIZONTAL_M_S = 0.5


def uprange_point_deg(lat_deg: float, lon_deg: float, heading_deg: float, distance_m: float,
                      radius_m: float = MOON_MEAN_RADIUS_M) -> tuple[float, float]:
    """Point ``distance_m`` back along the great circle arriving at (lat, lon) with ``heading_deg``
    (clockwise from north) - spherical trigonometry (direct geodesic problem on a sphere, reversed heading)."""
    lat1, lon1 = math.radians(lat_deg), math.radians(lon_deg)
    brg = math.radians(heading_deg + 180.0)
    d = distance_m / radius_m
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(brg))
    lon2 = lon1 + math.atan2(math.sin(brg) * math.sin(d) * math.cos(lat1),
                             math.cos(d) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lon2) + 180.0) % 360.0 - 180.0


def descent_plane_normal_me(lat_deg: float, lon_deg: float, heading_deg: float) -> np.ndarray:
    """Unit orbit normal (MOON_ME) of the great circle through (lat, lon) flown with ``heading_deg``."""
    lat, lon, hdg = (math.radians(x) for x in (lat_deg, lon_deg, heading_deg))
    up = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.cross(up, east)
    along = math.sin(hdg) * east + math.cos(hdg) * north
    n = np.cross(up, along)
    return n / np.linalg.norm(n)


def j2000_orientation_for_descent(et_descent_tdb_s: float, descent_start_lat_deg: float,
                                  node_lon_me_deg: float, inc_me_deg: float = 90.0) -> tuple[float, float, float]:
    """J2000 (inc, RAAN, argp) in degrees of an orbit whose perilune is, at ``et_descent_tdb_s``, over the
    southbound track point of latitude ``descent_start_lat_deg`` of the plane (``inc_me_deg``,
    ``node_lon_me_deg``) given in MOON_ME at that epoch."""
    from lunapole.astro import frames
    from lunapole.missions.luna25 import arg_lat_over_latitude_deg, body_fixed_elements_to_j2000
    from lunapole.orbit.elements import elements_from_rv

    u = arg_lat_over_latitude_deg(inc_me_deg, descent_start_lat_deg, southbound=True)
    a, e = MOON_MEAN_RADIUS_M + 80e3, 0.03
    r, v = body_fixed_elements_to_j2000(a, e, inc_me_deg, node_lon_me_deg, u, 0.0,
                                        frames.rotation("MOON_ME", "J2000", et_descent_tdb_s))
    el = elements_from_rv(r, v)
    return el.i_deg, el.raan_deg, el.argp_deg


def descent_start_geometry(state) -> dict[str, float]:
    """MOON_ME node longitude (deg), inclination (deg) and argument of latitude (deg) of a J2000 state."""
    from lunapole.astro import frames

    m = frames.state_rotation("J2000", "MOON_ME", state.epoch_tdb_s)
    x = m @ np.concatenate([state.r_m, state.v_m_s])
    # Inertial velocity expressed in ME axes (orientation only): rotate v without the omega x r term.
    rot = frames.rotation("J2000", "MOON_ME", state.epoch_tdb_s)
    r = x[:3]
    v = rot @ np.asarray(state.v_m_s)
    h = np.cross(r, v)
    inc = math.degrees(math.acos(h[2] / np.linalg.norm(h)))
    node = math.degrees(math.atan2(h[0], -h[1])) % 360.0
    n_vec = np.array([math.cos(math.radians(node)), math.sin(math.radians(node)), 0.0])
    u = math.degrees(math.atan2(np.dot(np.cross(n_vec, r), h) / np.linalg.norm(h), np.dot(n_vec, r))) % 360.0
    return {"node_lon_deg": node, "inc_deg": inc, "arg_lat_deg": u}


def tune_orientation(path, iterations: int = 4, descent_start_lat_deg: float | None = None) -> dict[str, float]:
    """Offline design aid (assumption C2): adjust the initial J2000 RAAN and argument of periapsis so that the
    perilune before the descent lies on the southbound pass of the planned point's meridian plane at the
    uprange latitude. Runs the scenario up to the step before the descent; returns the tuned angles."""
    from lunapole.scenario import read_toml, run_scenario, scenario_from_dict

    raw = read_toml(path)
    seq = raw["sequence"]
    idx = next(i for i, s in enumerate(seq) if s.get("type") == "powered_descent")
    raw["sequence"] = seq[:idx]
    if descent_start_lat_deg is None:
        descent_start_lat_deg = uprange_point_deg(PLANNED_SITE_LAT_DEG, PLANNED_SITE_LON_DEG, 180.0, 745e3)[0]
    from lunapole.missions.luna25 import arg_lat_over_latitude_deg

    want_u = arg_lat_over_latitude_deg(90.0, descent_start_lat_deg)
    want_node = (PLANNED_SITE_LON_DEG + 180.0) % 360.0
    ini = raw["initial_state"]
    out = {}
    for it in range(iterations):
        res = run_scenario(scenario_from_dict(raw, source=path), write_outputs=False)
        g = descent_start_geometry(res.final_state)
        d_node = (want_node - g["node_lon_deg"] + 180.0) % 360.0 - 180.0
        d_u = (want_u - g["arg_lat_deg"] + 180.0) % 360.0 - 180.0
        out = {"iteration": it, "raan_deg": ini["raan_deg"], "argp_deg": ini["argp_deg"], **g, "d_node": d_node,
               "d_u": d_u, "epoch_tdb_s": res.final_state.epoch_tdb_s}
        print(out, flush=True)
        ini["raan_deg"] = round((ini["raan_deg"] + d_node) % 360.0, 3)
        ini["argp_deg"] = round((ini["argp_deg"] + d_u) % 360.0, 3)
    return out


def scan_final_perilune(path, argp_deg: float, deboost1_point_s=(0.0, 600.0, 900.0, 1200.0),
                        deboost2_point_s=(700.0, 1400.0), progress=print) -> list[dict]:
    """Offline design aid (assumption C2), the scan that chose the file's numbers: for an initial argument of
    periapsis and each pair of deboost burn points (s after perilune), the MOON_ME argument of latitude of the
    perilune before the descent and its miss from the wanted one (deg). Infeasible pairs are reported."""
    import copy

    from lunapole.errors import LunapoleError
    from lunapole.missions.luna25 import arg_lat_over_latitude_deg
    from lunapole.scenario import read_toml, run_scenario, scenario_from_dict

    raw = read_toml(path)
    raw["initial_state"]["argp_deg"] = float(argp_deg)
    want_u = arg_lat_over_latitude_deg(
        90.0, uprange_point_deg(PLANNED_SITE_LAT_DEG, PLANNED_SITE_LON_DEG, 180.0, 745e3)[0])
    rows = []
    for d1 in deboost1_point_s:
        for d2 in deboost2_point_s:
            r = copy.deepcopy(raw)
            seq = [x for x in r["sequence"] if x.get("type") != "powered_descent"]
            for name, d in (("deboost1_point", d1), ("deboost2_point", d2)):
                for x in seq:
                    if x.get("name") == name:
                        x["duration_s"] = float(d)
            r["sequence"] = [x for x in seq if not (x.get("name", "").endswith("_point") and
                                                    x.get("name", "").startswith("deboost") and x["duration_s"] <= 0)]
            try:
                res = run_scenario(scenario_from_dict(r, source=path), write_outputs=False)
            except LunapoleError as exc:
                rows.append({"deboost1_point_s": d1, "deboost2_point_s": d2, "error": str(exc)})
                continue
            g = descent_start_geometry(res.final_state)
            rows.append({"deboost1_point_s": d1, "deboost2_point_s": d2, **g,
                         "miss_deg": (want_u - g["arg_lat_deg"] + 180.0) % 360.0 - 180.0,
                         "periapsis_alt_km": res.steps[-1].elements["periapsis_alt_km"]})
            if progress:
                progress(rows[-1])
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    from lunapole.scenario import builtin_scenario_path

    tune_orientation(sys.argv[1] if len(sys.argv) > 1 else builtin_scenario_path("chandrayaan-3"))


# --- the replay -------------------------------------------------------------------------------------------

SRC = "missions.md (ISRO)"
SRC_TOI = "missions.md (ISRO via TOI)"


def replay_chandrayaan3(raw: dict, path, overrides: list[str], progress=None):
    """Run the file as it is; compare every post-manoeuvre orbit, the rough-braking gate and the touchdown with
    the published numbers of ``[replay]``."""
    from lunapole.errors import ScenarioError
    from lunapole.missions.common import Comparison, TimelineEntry, great_circle_km, relax_duration_overrides
    from lunapole.missions.replay import ReplayResult
    from lunapole.missions.luna25 import _utc
    from lunapole.scenario import run_scenario, scenario_from_dict

    where = f"scenario {str(path)!r}"
    pub = raw["replay"]
    scn = scenario_from_dict(relax_duration_overrides(raw, overrides), source=path, overrides=overrides)
    if progress:
        progress("run: Chandrayaan-3 from lunar orbit insertion")
    run = run_scenario(scn, progress=progress)
    steps = {s.name: s for s in run.steps if s.name}
    comps: list[Comparison] = []
    timeline: list[TimelineEntry] = []
    last = None
    for orb in pub.get("orbits", []):
        name = orb.get("step")
        s = steps.get(name)
        if s is None:
            if name not in [st.name for st in scn.sequence]:
                raise ScenarioError(f"{where}: [replay] orbits names step {name!r}, which is not in the sequence")
            comps.append(Comparison(f"{name}: periapsis altitude", orb["periapsis_alt_km"], None, "km", SRC,
                                    "not reached: the run ended earlier"))
            continue
        el = s.elements
        comps.append(Comparison(f"{name}: periapsis altitude", float(orb["periapsis_alt_km"]),
                                float(el["periapsis_alt_km"]), "km", SRC,
                                "two-body, end of the burn (targeted)"))
        comps.append(Comparison(f"{name}: apoapsis altitude", float(orb["apoapsis_alt_km"]),
                                float(el["apoapsis_alt_km"]), "km", SRC, "two-body, end of the burn (targeted)"))
        comps.append(Comparison(f"{name}: dV", None, float(s.dv_m_s), "m/s", "", "solved by differential correction"))
        comps.append(Comparison(f"{name}: propellant", None, float(s.propellant_kg), "kg", "",
                                "rocket equation, assumed Isp"))
        timeline.append(TimelineEntry(f"{name}", orb.get("date"), _utc(s.start_tdb_s), SRC))
        last = (orb, el, s)
    planned = achieved = None
    if last is not None:
        orb, el, s = last
        planned = {"periapsis_alt_km": float(orb["periapsis_alt_km"]), "apoapsis_alt_km": float(orb["apoapsis_alt_km"])}
        achieved = {"periapsis_alt_km": float(el["periapsis_alt_km"]), "apoapsis_alt_km": float(el["apoapsis_alt_km"]),
                    "epoch": _utc(s.end_tdb_s) + " UTC"}

    touchdown = None
    d_step = steps.get(pub.get("descent_step", "descent"))
    site = pub.get("planned_site")
    if d_step is not None:
        if pub.get("descent_start_utc"):
            timeline.append(TimelineEntry("powered descent start", pub["descent_start_utc"],
                                          _utc(d_step.start_tdb_s), "missions.md (ISRO: ~12:14-12:17 UTC)"))
        rb = pub.get("rough_braking") or {}
        ends = (d_step.details or {}).get("phase_end", {})
        starts = (d_step.details or {}).get("phase_start_s", {})
        rb_end = ends.get(rb.get("phase", "rough_braking"))
        if rb_end is not None:
            comps.append(Comparison("rough braking: end altitude", rb.get("end_altitude_km"),
                                    rb_end["altitude_m"] / 1e3, "km", SRC_TOI))
            comps.append(Comparison("rough braking: end horizontal speed", rb.get("end_horizontal_speed_m_s"),
                                    rb_end["horizontal_speed_m_s"], "m/s", SRC_TOI))
            comps.append(Comparison("rough braking: end vertical speed (sink)", rb.get("end_vertical_speed_m_s"),
                                    -rb_end["vertical_speed_m_s"], "m/s", SRC_TOI))
            comps.append(Comparison("rough braking: duration", rb.get("duration_s"), rb_end["t_s"], "s", SRC_TOI))
        for ph, st in ends.items():
            if ph != rb.get("phase", "rough_braking"):
                comps.append(Comparison(f"{ph}: end altitude", None, st["altitude_m"] / 1e3, "km", "",
                                        f"starts at t = {starts.get(ph, 0.0):.1f} s"))
        td = run.touchdown
        if td is not None:
            touchdown = {k: td.get(k) for k in ("epoch", "lat_deg", "lon_deg", "vertical_speed_m_s",
                                                "horizontal_speed_m_s", "tilt_deg", "propellant_used_kg",
                                                "success", "failure_reason")}
            lim = pub.get("touchdown_limits") or {}
            comps.append(Comparison("touchdown vertical speed (limit)", lim.get("vertical_speed_m_s"),
                                    abs(float(td["vertical_speed_m_s"])), "m/s", "missions.md (ISRO chair)",
                                    "published value is the limit"))
            comps.append(Comparison("touchdown horizontal speed (limit)", lim.get("horizontal_speed_m_s"),
                                    float(td["horizontal_speed_m_s"]), "m/s", "missions.md (ISRO chair)",
                                    "published value is the limit"))
            if site:
                dist = great_circle_km(td["lat_deg"], td["lon_deg"], site["lat_deg"], site["lon_deg"])
                touchdown["distance_to_planned_point_km"] = dist
                comps.append(Comparison("touchdown distance from the planned point", 0.0, dist, "km", SRC))
            act = pub.get("actual_site")
            if act:
                comps.append(Comparison("touchdown distance from the actual landing point", 0.0,
                                        great_circle_km(td["lat_deg"], td["lon_deg"], act["lat_deg"], act["lon_deg"]),
                                        "km", "missions.md (ISRO; IAU)", "actual point ~350 m from the plan"))
            comps.append(Comparison("descent propellant", None, float(td["propellant_used_kg"]), "kg", ""))
    sites = [{"kind": "site", **x} for x in (pub.get("planned_site"), pub.get("actual_site")) if x]
    return ReplayResult(
        name="chandrayaan-3", source=Path(path), runs={"simulated": run}, outcome=run.outcome,
        planned_orbit=planned, achieved_orbit=achieved, impact=None, touchdown=touchdown, comparisons=comps,
        timeline=timeline, assumptions=list(scn.scenario.assumptions), sites=sites,
        title="Chandrayaan-3 replay: lunar orbit insertion to touchdown, August 2023",
        notes=[w for w in run.warnings],
    )
