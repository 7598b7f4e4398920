"""Elements <-> state and the analytic Kepler propagator.

References: Vallado, Fundamentals of Astrodynamics, 4th ed. (COE2RV/RV2COE, example 2-6) and Kepler's
equation solved independently here by Newton iteration on the eccentric anomaly.
"""
import math

import numpy as np
import pytest

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.orbit import (
    State,
    apoapsis_altitude_m,
    elements_from_state,
    kepler_propagate,
    keplerian_to_state,
    periapsis_altitude_m,
)

MU = MOON_GM_M3_S2


def test_vallado_example_2_6_rv2coe():
    # Vallado (4th ed.) example 2-5/2-6, Earth mu = 398600.4418 km^3/s^2: r, v -> p = 11067.790 km,
    # e = 0.83285, i = 87.87 deg, RAAN = 227.89 deg, argp = 53.38 deg, nu = 92.335 deg.
    mu = 398600.4418e9
    st = State(0.0, [6524.834e3, 6862.875e3, 6448.296e3], [4.901327e3, 5.533756e3, -1.976341e3])
    el = elements_from_state(st, mu)
    p_km = el.a_m * (1 - el.e**2) / 1e3
    assert abs(p_km - 11067.790) < 0.01  # km, published value
    assert abs(el.e - 0.83285) < 1e-5
    assert abs(el.i_deg - 87.870) < 1e-3
    assert abs(el.raan_deg - 227.89) < 1e-2
    assert abs(el.argp_deg - 53.38) < 1e-2
    assert abs(el.ta_deg - 92.335) < 1e-3


@pytest.mark.parametrize("e,i", [(0.1, 60.0), (0.0, 45.0), (0.05, 0.0), (0.0, 0.0), (0.3, 180.0), (0.0, 90.0)])
def test_round_trip_including_circular_and_equatorial(e, i):
    a = MOON_MEAN_RADIUS_M + 300e3
    st = keplerian_to_state(a, e, i, 40.0, 70.0, 123.0)
    el = elements_from_state(st)
    back = keplerian_to_state(el.a_m, el.e, el.i_deg, el.raan_deg, el.argp_deg, el.ta_deg)
    assert np.linalg.norm(back.r_m - st.r_m) < 1e-6  # m: round trip exact to rounding
    assert np.linalg.norm(back.v_m_s - st.v_m_s) < 1e-9  # m/s
    assert abs(el.a_m - a) < 1e-6


def test_circular_conventions():
    # circular inclined: argp = 0, ta = argument of latitude = argp + nu of the input
    el = elements_from_state(keplerian_to_state(2e6, 0.0, 45.0, 10.0, 30.0, 20.0))
    assert el.argp_deg == 0.0 and abs(el.ta_deg - 50.0) < 1e-9
    # circular equatorial: true longitude = raan + argp + nu
    el = elements_from_state(keplerian_to_state(2e6, 0.0, 0.0, 10.0, 30.0, 20.0))
    assert el.raan_deg == 0.0 and abs(el.ta_deg - 60.0) < 1e-9


def test_apsis_altitudes():
    a, e = MOON_MEAN_RADIUS_M + 1000e3, 0.2
    st = keplerian_to_state(a, e, 80.0, 0.0, 0.0, 33.0)
    assert abs(periapsis_altitude_m(st) - (a * (1 - e) - MOON_MEAN_RADIUS_M)) < 1e-5
    assert abs(apoapsis_altitude_m(st, radius_m=1738e3) - (a * (1 + e) - 1738e3)) < 1e-5


def _kepler_equation_reference(a, e, i, raan, argp, nu0, dt):
    """Independent reference: mean anomaly advance + Newton on Kepler's equation M = E - e sin E."""
    E0 = 2 * math.atan(math.sqrt((1 - e) / (1 + e)) * math.tan(math.radians(nu0) / 2))
    M = E0 - e * math.sin(E0) + math.sqrt(MU / a**3) * dt
    E = M
    for _ in range(50):
        E -= (E - e * math.sin(E) - M) / (1 - e * math.cos(E))
    nu = 2 * math.atan2(math.sqrt(1 + e) * math.sin(E / 2), math.sqrt(1 - e) * math.cos(E / 2))
    return keplerian_to_state(a, e, i, raan, argp, math.degrees(nu))


@pytest.mark.parametrize("dt", [100.0, 3000.0, 86400.0, -5000.0])
def test_universal_variable_propagator_matches_keplers_equation(dt):
    a, e = MOON_MEAN_RADIUS_M + 400e3, 0.12
    st = keplerian_to_state(a, e, 70.0, 20.0, 50.0, 10.0)
    r, v = kepler_propagate(st.r_m, st.v_m_s, dt)
    ref = _kepler_equation_reference(a, e, 70.0, 20.0, 50.0, 10.0, dt)
    assert np.linalg.norm(r - ref.r_m) < 1e-5  # m (10 um): both analytic
    assert np.linalg.norm(v - ref.v_m_s) < 1e-8


def test_hyperbolic_propagation_conserves_energy():
    st = keplerian_to_state(-5e6, 1.5, 30.0, 0.0, 0.0, 0.0)
    r, v = kepler_propagate(st.r_m, st.v_m_s, 2000.0)
    e0 = st.speed_m_s**2 / 2 - MU / st.radius_m
    e1 = v @ v / 2 - MU / np.linalg.norm(r)
    assert abs(e1 - e0) < 1e-9 * abs(e0)  # vis-viva, relative
