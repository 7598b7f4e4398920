"""Running scenarios: outcomes, events, burns and targeting checked against two-body closed forms.

References (independent of the code under test): vis-viva and the Hohmann-transfer legs (Vallado,
*Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, Algorithm 36), Kepler's equation
for the time of flight to impact (Vallado Algorithm 2 / eq. 2-4), and the rocket equation. Point-mass
Moon without third bodies unless stated, so the closed forms are exact up to integration error.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from lunapole.astro.constants import G0_M_S2, MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.scenario import run_scenario, scenario_from_dict

from ._util import base

MU = MOON_GM_M3_S2
R = MOON_MEAN_RADIUS_M


def two_body_apsis_alt_m(r_km, v_km_s) -> tuple[float, float]:
    """Periapsis/apoapsis altitudes (m) from a J2000 state, written out here as the test's reference."""
    r = np.asarray(r_km) * 1e3
    v = np.asarray(v_km_s) * 1e3
    rn = np.linalg.norm(r)
    a = 1.0 / (2.0 / rn - v @ v / MU)  # vis-viva
    h = np.linalg.norm(np.cross(r, v))
    e = math.sqrt(max(0.0, 1.0 - h * h / (MU * a)))
    return a * (1 - e) - R, a * (1 + e) - R


def run(data: dict):
    result = run_scenario(scenario_from_dict(data))
    return result, result.to_json_dict()


def test_impact_outcome_and_time_from_keplers_equation():
    # 100 x -50 km orbit starting at apoapsis: it must hit the 1737.4 km sphere on the way down.
    data = base(initial_state={"type": "keplerian", "periapsis_alt_km": -50.0, "apoapsis_alt_km": 100.0,
                               "inc_deg": 90.0, "ta_deg": 180.0},
                sequence=[{"type": "coast", "name": "fall", "duration_s": 86400.0},
                          {"type": "coast", "name": "never", "duration_s": 10.0}])
    result, js = run(data)
    assert js["outcome"] == "impact"
    impacts = [e for e in js["events"] if e["type"] == "impact"]
    assert len(impacts) == 1
    ev = impacts[0]
    assert -90.0 <= ev["lat_deg"] <= 90.0 and -180.0 <= ev["lon_deg"] <= 180.0
    assert abs(ev["altitude_km"]) < 1e-3  # located on the sphere to < 1 m
    assert len(js["steps"]) == 1 and any("not run" in w for w in js["warnings"])
    # Kepler's equation: time from apoapsis (E = pi) down to r = R at E = 2 pi - acos((1 - R/a)/e).
    rp, ra = R - 50e3, R + 100e3
    a, e = 0.5 * (rp + ra), (ra - rp) / (ra + rp)
    E = 2 * math.pi - math.acos((1 - R / a) / e)
    tof = (E - e * math.sin(E) - math.pi) / math.sqrt(MU / a**3)
    assert abs(result.final_state.epoch_tdb_s - result.initial_state.epoch_tdb_s - tof) < 0.01  # s


def test_tangential_burn_at_apoapsis_matches_vis_viva():
    # Circular 100 km orbit; retrograde targeted impulsive burn lowering periapsis to 18 km.
    # Vallado Alg. 36 (first Hohmann leg): dv = v_circ - sqrt(2 mu r_p / (r (r + r_p))).
    data = base(sequence=[{"type": "impulsive_burn", "name": "lower", "targets": {"periapsis_alt_km": 18.0}}])
    _, js = run(data)
    r, rp = R + 100e3, R + 18e3
    dv_ref = math.sqrt(MU / r) - math.sqrt(2 * MU * rp / (r * (r + rp)))
    assert abs(js["steps"][0]["dv_m_s"] - dv_ref) < 1e-3  # m/s
    peri, apo = two_body_apsis_alt_m(js["final_state"]["position_km"], js["final_state"]["velocity_km_s"])
    assert abs(peri - 18e3) < 10.0  # m, the targeting tolerance
    assert abs(apo - 100e3) < 1.0  # m: the burn point stays the apoapsis
    # Rocket equation with Isp 310 s.
    assert abs(js["final_mass_kg"] - 1750.0 * math.exp(-dv_ref / (310.0 * G0_M_S2))) < 1e-3


def test_finite_burn_targeting_reaches_periapsis_and_costs_about_the_impulsive_dv():
    data = base(sequence=[{"type": "finite_burn", "name": "lower", "direction": "against_velocity",
                           "targets": {"periapsis_alt_km": 18.0}, "backup_timer_s": 200.0}])
    _, js = run(data)
    peri, _ = two_body_apsis_alt_m(js["final_state"]["position_km"], js["final_state"]["velocity_km_s"])
    assert abs(peri - 18e3) < 10.0  # m, targeting tolerance
    r, rp = R + 100e3, R + 18e3
    dv_ref = math.sqrt(MU / r) - math.sqrt(2 * MU * rp / (r * (r + rp)))
    # ~10 s burn over ~0.5 deg of arc: finite-burn losses are far below 0.05 m/s.
    assert abs(js["steps"][0]["dv_m_s"] - dv_ref) < 0.05
    assert js["steps"][0]["details"]["solved_dv_m_s"] == pytest.approx(js["steps"][0]["dv_m_s"], abs=1e-6)
    types = [e["type"] for e in js["events"]]
    assert types.count("burn_start") == 1 and types.count("burn_end") == 1


def test_two_targets_impulsive_and_finite():
    # From the 100 km circle to 30 x 120 km: the burn point (100 km) lies between the apsides, so the
    # solution needs both V and B components; checked against the final state's two-body elements.
    for step in (
        {"type": "impulsive_burn", "targets": {"periapsis_alt_km": 30.0, "apoapsis_alt_km": 120.0}},
        {"type": "finite_burn", "direction": "inertial",
         "targets": {"periapsis_alt_km": 30.0, "apoapsis_alt_km": 120.0}},
    ):
        _, js = run(base(sequence=[step]))
        peri, apo = two_body_apsis_alt_m(js["final_state"]["position_km"], js["final_state"]["velocity_km_s"])
        assert abs(peri - 30e3) < 10.0 and abs(apo - 120e3) < 10.0, step["type"]  # m, tolerance_m


def test_cutoff_failure_runs_to_the_backup_timer_luna25():
    # Luna-25 (shared/facts/missions.md): planned 84 s, flown 127 s (backup timer). Thrust 390 N, Isp 310 s.
    burn = {"type": "finite_burn", "name": "pre_landing_burn", "engine": "slm", "direction": "against_velocity",
            "dv_m_s": 18.75, "backup_timer_s": 127.0}
    sc = {"mass_kg": 1750.0, "engines": [{"name": "slm", "thrust_n": 390.0, "isp_s": 310.0}]}
    seq = [burn, {"type": "coast", "name": "after", "duration_s": 14000.0}]
    _, nominal = run(base(spacecraft=sc, sequence=seq))
    _, failed = run(base(spacecraft=sc, sequence=seq, faults=[{"type": "cutoff_failure", "step": "pre_landing_burn"}]))
    ve = 310.0 * G0_M_S2
    mdot = 390.0 / ve
    # Nominal: cut off at the dV, burn time from the rocket equation.
    t_nom = 1750.0 * (1 - math.exp(-18.75 / ve)) / mdot
    assert nominal["steps"][0]["dv_m_s"] == pytest.approx(18.75, abs=1e-6)
    assert abs(nominal["steps"][0]["duration_s"] - t_nom) < 1e-3
    assert nominal["outcome"] == "completed"
    # Failed: 127 s of thrust -> dV = ve ln(m0 / (m0 - mdot 127)); the lowered orbit hits the Moon.
    assert failed["steps"][0]["duration_s"] == pytest.approx(127.0, abs=1e-6)
    assert failed["steps"][0]["dv_m_s"] == pytest.approx(ve * math.log(1750.0 / (1750.0 - mdot * 127.0)), abs=1e-6)
    assert failed["outcome"] == "impact"
    assert [e["type"] for e in failed["events"]].count("impact") == 1


def test_engine_out_and_thrust_scale_follow_the_rocket_equation():
    sc = {"mass_kg": 1750.0, "engines": [{"name": "main", "thrust_n": 800.0, "isp_s": 310.0, "count": 4}]}
    burn = {"type": "finite_burn", "name": "b", "direction": "along_velocity", "duration_s": 100.0}
    ve = 310.0 * G0_M_S2
    mdot = 4 * 800.0 / ve
    _, js = run(base(spacecraft=sc, sequence=[burn],
                     faults=[{"type": "engine_out", "step": "b", "time_s": 40.0, "engine": "main"}]))
    used = mdot * 40.0 + 0.75 * mdot * 60.0  # one of four units lost after 40 s
    assert js["steps"][0]["propellant_kg"] == pytest.approx(used, abs=1e-6)
    assert js["steps"][0]["dv_m_s"] == pytest.approx(ve * math.log(1750.0 / (1750.0 - used)), abs=1e-6)
    _, js = run(base(spacecraft=sc, sequence=[burn], faults=[{"type": "thrust_scale", "step": "b", "scale": 0.5}]))
    assert js["steps"][0]["propellant_kg"] == pytest.approx(0.5 * mdot * 100.0, abs=1e-6)


def test_nav_bias_changes_a_targeted_burn():
    seq = [{"type": "impulsive_burn", "name": "lower", "targets": {"periapsis_alt_km": 18.0}}]
    _, clean = run(base(sequence=seq))
    _, biased = run(base(sequence=seq, faults=[{"type": "nav_bias", "step": "lower", "velocity_m_s": [0.0, 0.0, 2.0]}]))
    p_clean, _ = two_body_apsis_alt_m(clean["final_state"]["position_km"], clean["final_state"]["velocity_km_s"])
    p_bias, _ = two_body_apsis_alt_m(biased["final_state"]["position_km"], biased["final_state"]["velocity_km_s"])
    assert abs(p_clean - 18e3) < 10.0
    assert abs(p_bias - 18e3) > 100.0  # a 2 m/s velocity error moves the achieved periapsis by > 100 m


def test_coast_until_apsis_and_epoch():
    data = base(initial_state={"type": "keplerian", "sma_km": 1840.0, "ecc": 0.02, "inc_deg": 90.0, "ta_deg": 30.0},
                sequence=[{"type": "coast", "until": "apoapsis"},
                          {"type": "coast", "until": "periapsis", "count": 2},
                          {"type": "coast", "until": "epoch", "epoch": "2023-08-17T00:00:00 TDB"}])
    result, js = run(data)
    a = 1840e3
    period = 2 * math.pi * math.sqrt(a**3 / MU)
    assert js["steps"][0]["elements"]["ta_deg"] == pytest.approx(180.0, abs=1e-4)
    assert js["steps"][1]["duration_s"] == pytest.approx(1.5 * period, abs=0.01)  # apo -> 2nd periapsis
    assert js["final_state"]["epoch"].startswith("2023-08-17T00:00:00.000")


def test_json_result_shape():
    data = base(sequence=[{"type": "impulsive_burn", "name": "kick", "dv_m_s": [1.0, 0.0, 0.0]},
                          {"type": "coast", "duration_s": 60.0}])
    _, js = run(data)
    assert js["outcome"] == "completed"
    assert set(js["final_state"]) >= {"epoch", "position_km", "velocity_km_s"}
    assert js["final_state"]["epoch"].endswith("TDB")
    assert {"type", "epoch", "lat_deg", "lon_deg", "altitude_km"} <= set(js["events"][0])
    for s in js["steps"]:
        assert {"dv_m_s", "propellant_kg", "duration_s", "elements"} <= set(s)
        assert {"periapsis_alt_km", "apoapsis_alt_km"} <= set(s["elements"])
    import json

    json.dumps(js, allow_nan=False)


def test_moon_me_initial_state_carries_the_rotation_velocity():
    # At rest over the equator in MOON_ME, 100 km up: inertial speed = omega r (IAU rotation rate
    # 13.17635815 deg/day, WGCCRE 2009); physical librations change it by far less than 1 %.
    from lunapole.astro.constants import MOON_ROTATION_RATE_RAD_S

    r_km = 1837.4
    data = base(initial_state={"type": "cartesian", "frame": "MOON_ME", "position_km": [r_km, 0.0, 0.0],
                               "velocity_km_s": [0.0, 0.0, 0.0]},
                sequence=[{"type": "coast", "duration_s": 1.0}])
    result, _ = run(data)
    s0 = result.initial_state
    assert abs(np.linalg.norm(s0.r_m) - r_km * 1e3) < 1e-3  # m: a rotation keeps the radius
    speed_ref = MOON_ROTATION_RATE_RAD_S * r_km * 1e3
    assert abs(np.linalg.norm(s0.v_m_s) - speed_ref) / speed_ref < 0.01
    assert abs(np.dot(s0.r_m, s0.v_m_s)) / (np.linalg.norm(s0.r_m) * np.linalg.norm(s0.v_m_s)) < 1e-3


def test_burn_stops_when_the_propellant_runs_out():
    # 5 kg usable at mdot = 3200 / (310 g0) = 1.0526 kg/s: the 100 s burn stops after 4.75 s.
    sc = {"mass_kg": 1750.0, "propellant_kg": 5.0,
          "engines": [{"name": "main", "thrust_n": 3200.0, "isp_s": 310.0}]}
    seq = [{"type": "finite_burn", "name": "b", "duration_s": 100.0},
           {"type": "finite_burn", "name": "again", "duration_s": 10.0}]
    _, js = run(base(spacecraft=sc, sequence=seq))
    mdot = 3200.0 / (310.0 * G0_M_S2)
    assert js["steps"][0]["propellant_kg"] == pytest.approx(5.0, abs=1e-6)
    assert js["steps"][0]["duration_s"] == pytest.approx(5.0 / mdot, abs=1e-6)
    assert js["steps"][1]["propellant_kg"] == 0.0
    assert any("exhausted" in w for w in js["warnings"]) and any("no propellant" in w for w in js["warnings"])


def test_selenographic_initial_state():
    # 30 km above 69.37 S 32.32 E (Chandrayaan-3's site, missions.md), moving 1.68 km/s north relative to
    # the ground: the burn_start event (J2000 -> MOON_ME again) must give back the same place, and the
    # inertial radius is 1737.4 + 30 km exactly.
    data = base(initial_state={"type": "selenographic", "frame": "MOON_ME", "lat_deg": -69.373,
                               "lon_deg": 32.319, "altitude_km": 30.0, "velocity_enu_km_s": [0.0, 1.68, 0.0]},
                sequence=[{"type": "impulsive_burn", "dv_m_s": [0.0, 0.0, 0.0]}])
    result, js = run(data)
    assert abs(np.linalg.norm(result.initial_state.r_m) - (R + 30e3)) < 1e-3  # m
    ev = js["events"][0]
    assert abs(ev["lat_deg"] + 69.373) < 1e-9 and abs(ev["lon_deg"] - 32.319) < 1e-9
    assert abs(ev["altitude_km"] - 30.0) < 1e-9
    # Relative speed 1.68 km/s plus the rotation (<= 4.6 m/s at the equator): within 5 m/s.
    assert abs(np.linalg.norm(result.initial_state.v_m_s) - 1680.0) < 5.0
