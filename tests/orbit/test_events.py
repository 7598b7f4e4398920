"""Events located on the dense output: periapsis/apoapsis times, impact epoch and site, altitude crossings.

References: Kepler's equation for the time of periapsis passage; the closed-form radial free fall
t = sqrt(r0^3 / (2 GM)) (sqrt(x (1 - x)) + arccos(sqrt(x))), x = R / r0 (e.g. Battin 1999 sec. 4.1);
SPICE (J2000 -> MOON_ME through lunapole.astro) for the selenographic impact site.
"""
import math

import numpy as np

from lunapole.astro import frames
from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.orbit import ForceModel, HeightGrid, State, keplerian_to_state, propagate

MU = MOON_GM_M3_S2
POINT_MASS = ForceModel(None, third_bodies=())
ET0 = 7.6e8


def test_periapsis_and_apoapsis_times_vs_kepler():
    a, e, nu0 = MOON_MEAN_RADIUS_M + 500e3, 0.15, 40.0
    st = keplerian_to_state(a, e, 30.0, 0.0, 0.0, nu0, epoch_tdb_s=ET0)
    n = math.sqrt(MU / a**3)
    E0 = 2 * math.atan(math.sqrt((1 - e) / (1 + e)) * math.tan(math.radians(nu0) / 2))
    M0 = E0 - e * math.sin(E0)
    t_apo = (math.pi - M0) / n
    t_peri = (2 * math.pi - M0) / n
    traj = propagate(st, POINT_MASS, duration_s=t_peri + 100.0)
    (apo,) = traj.events_of("apoapsis")
    (peri,) = traj.events_of("periapsis")
    assert abs(apo.epoch_tdb_s - ET0 - t_apo) < 1e-3  # s, Kepler's equation
    assert abs(peri.epoch_tdb_s - ET0 - t_peri) < 1e-3  # s
    assert abs(peri.altitude_m - (a * (1 - e) - MOON_MEAN_RADIUS_M)) < 1e-2  # m


def test_straight_down_impact_epoch_and_site():
    r0 = MOON_MEAN_RADIUS_M + 50e3
    direction = np.array([0.3, -0.2, -0.93])
    direction /= np.linalg.norm(direction)
    st = State(ET0, r0 * direction, [0.0, 0.0, 0.0], 800.0)
    traj = propagate(st, POINT_MASS, duration_s=3600.0, altitude_events_m=(10e3,))
    x = MOON_MEAN_RADIUS_M / r0
    t_fall = math.sqrt(r0**3 / (2 * MU)) * (math.sqrt(x * (1 - x)) + math.acos(math.sqrt(x)))
    assert traj.outcome == "impact"
    (imp,) = traj.events_of("impact")
    assert abs(imp.epoch_tdb_s - ET0 - t_fall) < 1e-3  # s (~1 ms), closed-form radial fall
    assert abs(traj.final_state.epoch_tdb_s - imp.epoch_tdb_s) < 1e-9
    assert abs(imp.altitude_m) < 1e-3  # m
    rb = frames.rotation("J2000", "MOON_ME", ET0 + t_fall) @ direction
    lat = math.degrees(math.asin(rb[2]))
    lon = math.degrees(math.atan2(rb[1], rb[0]))
    assert abs(imp.lat_deg - lat) < 1e-6 and abs(imp.lon_deg - lon) < 1e-6  # deg, SPICE MOON_ME
    (alt,) = traj.events_of("altitude")
    x10 = (MOON_MEAN_RADIUS_M + 10e3) / r0
    t10 = math.sqrt(r0**3 / (2 * MU)) * (math.sqrt(x10 * (1 - x10)) + math.acos(math.sqrt(x10)))
    assert abs(alt.epoch_tdb_s - ET0 - t10) < 1e-3 and alt.value == 10e3


def test_impact_on_terrain_grid_happens_earlier():
    r0 = MOON_MEAN_RADIUS_M + 20e3
    south = frames.rotation("J2000", "MOON_ME", ET0).T @ np.array([0.0, 0.0, -1.0])  # MOON_ME south pole
    st = State(ET0, r0 * south, [0.0, 0.0, 0.0], 800.0)
    lat = np.linspace(-90.0, -80.0, 11)
    lon = np.linspace(-180.0, 179.0, 360)
    grid = HeightGrid(lat, lon, np.full((lat.size, lon.size), 3000.0))  # a 3 km plateau
    traj = propagate(st, POINT_MASS, duration_s=3600.0, terrain=grid)
    r_imp = MOON_MEAN_RADIUS_M + 3000.0
    x = r_imp / r0
    t_fall = math.sqrt(r0**3 / (2 * MU)) * (math.sqrt(x * (1 - x)) + math.acos(math.sqrt(x)))
    (imp,) = traj.events_of("impact")
    assert abs(imp.epoch_tdb_s - ET0 - t_fall) < 1e-3  # s, fall to R + 3 km
    assert abs(imp.altitude_m - 3000.0) < 1e-2 and imp.lat_deg < -89.0


def test_epoch_event_and_stop():
    st = keplerian_to_state(MOON_MEAN_RADIUS_M + 100e3, 0.0, 90.0, 0.0, 0.0, 0.0, epoch_tdb_s=ET0)
    traj = propagate(st, POINT_MASS, duration_s=7200.0, epoch_events_tdb_s=(ET0 + 1234.5,), stop_on=("epoch",),
                     record=())
    assert traj.outcome == "epoch"
    assert abs(traj.final_state.epoch_tdb_s - (ET0 + 1234.5)) < 1e-6
    ref = propagate(st, POINT_MASS, duration_s=1234.5, record=())
    assert np.linalg.norm(traj.final_state.r_m - ref.final_state.r_m) < 1e-2  # m, same dynamics


def test_start_on_periapsis_stops_at_the_next_one():
    a, e = MOON_MEAN_RADIUS_M + 300e3, 0.1
    st = keplerian_to_state(a, e, 45.0, 0.0, 0.0, 0.0, epoch_tdb_s=ET0)  # exactly at periapsis
    period = 2 * math.pi * math.sqrt(a**3 / MU)
    traj = propagate(st, POINT_MASS, duration_s=2 * period, stop_on=("periapsis",), record=())
    assert traj.outcome == "periapsis"
    assert abs(traj.final_state.epoch_tdb_s - ET0 - period) < 1e-3  # s, one Keplerian period later


def test_terrain_accepts_any_grid_object():
    from types import SimpleNamespace

    r0 = MOON_MEAN_RADIUS_M + 5e3
    south = frames.rotation("J2000", "MOON_ME", ET0).T @ np.array([0.0, 0.0, -1.0])
    st = State(ET0, r0 * south, [0.0, 0.0, 0.0], 800.0)
    grid = SimpleNamespace(lat_deg=np.linspace(-90.0, -85.0, 6), lon_deg=np.linspace(0.0, 350.0, 36),
                           height_m=np.full((6, 36), 1000.0))
    traj = propagate(st, POINT_MASS, duration_s=600.0, terrain=grid)
    assert traj.outcome == "impact" and abs(traj.events_of("impact")[0].altitude_m - 1000.0) < 1e-2  # m
