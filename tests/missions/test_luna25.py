"""Luna-25 replay (published numbers: shared/facts/missions.md, "Luna-25")."""
from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.missions import luna25 as L
from lunapole.scenario import builtin_scenario_path

R_KM = MOON_MEAN_RADIUS_M / 1e3
MU_KM = MOON_GM_M3_S2 / 1e9


def _toml():
    with open(builtin_scenario_path("luna-25"), "rb") as fh:
        return tomllib.load(fh)


def test_derived_numbers_of_missions_md():
    """missions.md 'derived' rows: 18.75 m/s from 100 km circular, 16.8 m/s at the 112.6 km apolune, ~390 N
    for 1750 kg x 18.75 m/s / 84 s. Closed form here: Hohmann-type apsis speeds written out independently."""
    def v_apsis(r, r_other):
        return math.sqrt(MU_KM * 2 * r_other / (r * (r + r_other))) * 1e3  # m/s, vis-viva at an apsis
    circ = v_apsis(R_KM + 100, R_KM + 100) - v_apsis(R_KM + 100, R_KM + 18)
    assert abs(circ - 18.75) < 0.05  # missions.md: 18.75 m/s
    assert abs(L.planned_dv_at_apolune_m_s(100.0, 100.0, 18.0) - circ) < 1e-9
    assert abs(L.planned_dv_at_apolune_m_s() - 16.8) < 0.05  # missions.md: 16.8 m/s at the apolune
    # Thrust: 1750 kg * 18.75 m/s / 84 s = 390.6 N without mass loss (missions.md "~390 N").
    f = L.thrust_for_dv_n(1750.0, 18.75, 84.0, isp_s=1e9)
    assert abs(f - 390.6) < 0.1
    # Rocket equation round trip.
    f300 = L.thrust_for_dv_n(1750.0, 16.8, 84.0, 300.0)
    assert abs(L.dv_of_burn_m_s(1750.0, f300, 300.0, 84.0) - 16.8) < 1e-9
    # x127/84 gives 25-28 m/s (missions.md) and a periapsis below the surface (two-body).
    dv127 = L.dv_of_burn_m_s(1750.0, f300, 300.0, 127.0)
    assert 25.0 < dv127 < 28.0
    assert L.periapsis_alt_after_dv_km(dv127) < -10.0


def test_scenario_file_carries_the_reconstruction():
    """The numbers in luna-25.toml are the ones the reconstruction arithmetic gives (assumptions A2, A3, A5-A7)."""
    from lunapole.astro import frames
    from lunapole.astro.time import parse_epoch
    from lunapole.orbit.elements import elements_from_rv

    raw = _toml()
    burn = raw["sequence"][0]
    dv = L.planned_dv_at_apolune_m_s()
    assert abs(burn["dv_m_s"] - dv) < 0.005
    thrust = raw["spacecraft"]["engines"][0]["thrust_n"]
    assert abs(thrust - L.thrust_for_dv_n(1750.0, dv, 84.0, raw["spacecraft"]["engines"][0]["isp_s"])) < 0.1
    assert burn["backup_timer_s"] == 127.0  # missions.md: ran 127 s, cut off by the backup timer
    et_loi, et_burn = parse_epoch(L.LOI_UTC), parse_epoch(raw["scenario"]["epoch"])
    rate = L.j2_nodal_rate_rad_s(91.4, 112.6, 82.087)
    node = L.node_lon_carried_deg(270.53, et_loi, et_burn, rate)
    argp = L.arg_lat_over_latitude_deg(82.087, L.PLANNED_SITE_LAT_DEG)
    ini = raw["initial_state"]
    rp, ra = R_KM + ini["periapsis_alt_km"], R_KM + ini["apoapsis_alt_km"]
    r, v = L.body_fixed_elements_to_j2000((rp + ra) * 500.0, (ra - rp) / (ra + rp), 82.087, node, argp, 180.0,
                                          frames.rotation("MOON_ME", "J2000", et_burn))
    el = elements_from_rv(r, v)
    assert abs(el.i_deg - ini["inc_deg"]) < 0.001
    assert abs(el.raan_deg - ini["raan_deg"]) < 0.001
    assert abs(el.argp_deg - ini["argp_deg"]) < 0.001
    # The Moon-fixed inclination is the published one: the orbit normal in MOON_ME at the epoch.
    h_me = frames.rotation("J2000", "MOON_ME", et_burn) @ np.cross(r, v)
    assert abs(math.degrees(math.acos(h_me[2] / np.linalg.norm(h_me))) - 82.087) < 1e-6
    assert len(raw["scenario"]["assumptions"]) >= 8


def test_node_reading_is_consistent_with_the_planned_site():
    """A5: the node carried from LOI (missions.md: in orbit 09:03 UTC on 16 Aug) lies within 2 deg of the node
    that puts the southbound track over the planned site (missions.md: 69.545 S 43.544 E) two days later."""
    from lunapole.astro.time import parse_epoch

    rate = L.j2_nodal_rate_rad_s(91.4, 112.6, 82.087)
    et_burn = parse_epoch(L.BURN_START_UTC)
    carried = L.node_lon_carried_deg(270.53, parse_epoch(L.LOI_UTC), et_burn, rate)
    over_site = L.node_lon_over_point_deg(82.087, L.PLANNED_SITE_LAT_DEG, L.PLANNED_SITE_LON_DEG)
    back = L.node_lon_carried_deg(over_site, parse_epoch("2023-08-21T11:00:00"), et_burn, rate)
    assert abs((carried - back + 180) % 360 - 180) < 2.0
    lat, lon = L.ground_track_lat_lon_deg(82.087, over_site, L.arg_lat_over_latitude_deg(82.087, -69.545))
    assert abs(lat + 69.545) < 1e-9 and abs(lon - 43.544) < 1e-9


@pytest.fixture(scope="module")
def rep():
    from lunapole.missions import replay

    return replay("luna-25")


def test_nominal_84s_gives_18km_periapsis(rep):
    """missions.md: planned 84 s burn to an 18 x 100 km orbit -> periapsis 18 +- 3 km (GRGM1200A 50x50, Earth, Sun)."""
    assert abs(rep.planned_orbit["periapsis_alt_km"] - 18.0) < 3.0
    nominal = rep.runs[[k for k in rep.runs if k.startswith("nominal")][0]]
    burn = nominal.steps[0]
    assert abs(burn.details["burn_duration_s"] - 84.0) < 1.0  # dV cut-off at the planned dV (A2, A3)
    assert nominal.outcome == "completed"


def test_flown_127s_impacts_in_the_same_revolution(rep):
    """missions.md: the burn ran 127 s -> the spacecraft hit the Moon (Roscosmos). Impact before one orbital
    period of the post-burn orbit has elapsed since the burn started."""
    flown = rep.primary
    assert flown.outcome == "impact"
    assert abs(flown.steps[0].details["burn_duration_s"] - 127.0) < 1e-6
    impact_ev = next(e for e in flown.events if e.type == "impact")
    period_s = 2 * math.pi * math.sqrt((MOON_MEAN_RADIUS_M + 0.5 * (112.6e3 - 18e3)) ** 3 / MOON_GM_M3_S2)
    assert impact_ev.epoch_tdb_s - flown.steps[0].start_tdb_s < period_s
    assert rep.impact["revolution"] == "same revolution as the burn"
    assert rep.achieved_orbit["periapsis_alt_km"] < 0.0
    # Two-body estimate of the flown periapsis (vis-viva with the rocket-equation dV): within 2 km.
    dv = rep.primary.steps[0].dv_m_s
    assert abs(rep.achieved_orbit["periapsis_alt_km"] - L.periapsis_alt_after_dv_km(dv)) < 2.0


def test_survivable_duration_bracket(rep):
    """Bisection result vs the closed form: the burn duration whose two-body periapsis is 0 km (vis-viva +
    rocket equation) - within 3 s (finite burn arc, gravity field and terrain make the difference)."""
    sw = rep.sweep
    assert sw is not None and 84.0 < sw.max_survivable_s < sw.min_fatal_s < 127.0
    assert sw.min_fatal_s - sw.max_survivable_s <= 0.25 + 1e-9
    raw = _toml()
    f = raw["spacecraft"]["engines"][0]["thrust_n"]
    isp = raw["spacecraft"]["engines"][0]["isp_s"]
    lo, hi = 84.0, 127.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if L.periapsis_alt_after_dv_km(L.dv_of_burn_m_s(1750.0, f, isp, mid)) > 0.0:
            lo = mid
        else:
            hi = mid
    assert abs(sw.max_survivable_s - lo) < 3.0
    assert all(p.survivable == (p.duration_s <= sw.max_survivable_s) for p in sw.points)


def test_json_has_the_documented_shape(rep):
    d = json.loads(json.dumps(rep.to_json_dict(), allow_nan=False))
    for key in ("outcome", "events", "planned_orbit", "achieved_orbit", "impact", "touchdown", "comparisons"):
        assert key in d
    assert d["outcome"] == "impact" and d["touchdown"] is None
    assert set(d["planned_orbit"]) >= {"periapsis_alt_km", "apoapsis_alt_km"}
    assert set(d["impact"]) >= {"epoch", "lat_deg", "lon_deg"}
    assert all(set(c) >= {"quantity", "published", "simulated", "unit"} for c in d["comparisons"])
    assert d["impact"]["epoch"].startswith("2023-08-19T11:")


def test_report_states_impact_time_and_place(rep, tmp_path):
    from lunapole.report import write_report

    page = write_report(rep, tmp_path)
    text = page.read_text(encoding="utf-8")
    im = rep.impact
    assert im["epoch"].replace(" UTC", "") in text
    assert f"{im['lat_deg']:.3f}".rstrip("0") in text and f"{im['lon_deg']:.3f}".rstrip("0") in text
    for a in rep.assumptions:
        assert a.split(" ")[0] in text
    assert "Survivable burn durations" in text


def test_duration_override_is_a_what_if():
    """--set sequence.pre_landing_burn.duration_s=84: a fixed 84 s burn replaces the dV cut-off (and the fault on
    it); missions.md: 84 s was the plan -> an 18 +- 3 km periapsis and no impact."""
    from lunapole.missions import replay

    r = replay("luna-25", overrides=["sequence.pre_landing_burn.duration_s=84"], sweep=False)
    assert r.primary.outcome == "completed"
    assert abs(r.primary.steps[0].details["burn_duration_s"] - 84.0) < 1e-6
    assert abs(r.achieved_orbit["periapsis_alt_km"] - 18.0) < 3.0


def test_bad_override_is_a_clean_error(capsys):
    from lunapole.cli import main

    code = main(["replay", "luna-25", "--no-sweep", "--set", "sequence.pre_landing_burn.duration_s=-5"])
    assert code == 2
    err = capsys.readouterr().err
    assert "duration_s" in err and "Traceback" not in err
    assert main(["replay", "luna-26"]) == 2
    assert "luna-25" in capsys.readouterr().err  # lists the available replays


def test_cli_json(capsys):
    from lunapole.cli import main

    assert main(["replay", "luna-25", "--json", "--no-sweep"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["outcome"] == "impact" and d["impact"]["lat_deg"] is not None


def test_relax_duration_override_forms():
    """Name, [i] and .i forms all replace the dV cut-off (and the fault on that step); other steps untouched."""
    from lunapole.missions.common import relax_duration_overrides

    raw = _toml()
    for path in ("sequence.pre_landing_burn.duration_s", "sequence[0].duration_s", "sequence.0.duration_s"):
        out = relax_duration_overrides(raw, [f"{path}=90"])
        step = out["sequence"][0]
        assert "dv_m_s" not in step and "backup_timer_s" not in step
        assert out["faults"] == []
        assert raw["sequence"][0]["dv_m_s"] == 16.80  # the input is not modified
    assert relax_duration_overrides(raw, ["sequence.next_revolution.duration_s=10"])["faults"] == raw["faults"]


def test_replay_of_a_copied_file(tmp_path):
    """A user's copy of the built-in file replays the same way (here with a 8x8 field: 18 +- 3 km still)."""
    from lunapole.missions import replay

    copy = tmp_path / "my-luna.toml"
    copy.write_text(builtin_scenario_path("luna-25").read_text(encoding="utf-8"), encoding="utf-8")
    r = replay(str(copy), overrides=["forces.gravity.degree=8", "forces.gravity.order=8"], sweep=False)
    assert r.source == copy and r.outcome == "impact"
    assert abs(r.planned_orbit["periapsis_alt_km"] - 18.0) < 3.0
