"""Keplerian elements <-> Cartesian state, apsis altitudes and an analytic two-body propagator.

Conventions (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., algorithms 9 and 10):
angles in degrees at this boundary. Singular cases are handled as Vallado does:

* circular inclined (e ~ 0): ``argp_deg = 0`` and ``ta_deg`` is the argument of latitude u;
* elliptic equatorial (i ~ 0 or 180): ``raan_deg = 0`` and ``argp_deg`` is the longitude of periapsis;
* circular equatorial: ``raan_deg = argp_deg = 0`` and ``ta_deg`` is the true longitude.

The analytic propagator :func:`kepler_propagate` uses universal variables with Stumpff functions
(Vallado algorithm 8 / Curtis algorithm 3.4) and serves as the reference for the integrator tests.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.errors import LunapoleError
from lunapole.orbit.state import State

SMALL_E = 1e-11
SMALL_I_RAD = 1e-11


@dataclass(frozen=True)
class KeplerianElements:
    """Osculating elements: ``a_m`` (negative for hyperbolas), ``e``, ``i_deg``, ``raan_deg``, ``argp_deg``,
    ``ta_deg`` (true anomaly; see the module docstring for circular/equatorial conventions)."""

    a_m: float
    e: float
    i_deg: float
    raan_deg: float
    argp_deg: float
    ta_deg: float

    def periapsis_radius_m(self) -> float:
        return self.a_m * (1.0 - self.e)

    def apoapsis_radius_m(self) -> float:
        return self.a_m * (1.0 + self.e) if self.e < 1.0 else math.inf

    def period_s(self, mu: float = MOON_GM_M3_S2) -> float:
        if self.e >= 1.0:
            return math.inf
        return 2.0 * math.pi * math.sqrt(self.a_m**3 / mu)


def _rv_from_elements(a_m, e, i, raan, argp, nu, mu):
    p = a_m * (1.0 - e * e)
    if p <= 0:
        raise LunapoleError(f"elements: semi-latus rectum {p} m <= 0 (a_m={a_m}, e={e})")
    r_pf = p / (1.0 + e * math.cos(nu)) * np.array([math.cos(nu), math.sin(nu), 0.0])
    v_pf = math.sqrt(mu / p) * np.array([-math.sin(nu), e + math.cos(nu), 0.0])
    cO, sO, ci, si, cw, sw = math.cos(raan), math.sin(raan), math.cos(i), math.sin(i), math.cos(argp), math.sin(argp)
    R = np.array([
        [cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si],
        [sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si],
        [sw * si, cw * si, ci],
    ])
    return R @ r_pf, R @ v_pf


def keplerian_to_state(a_m: float, e: float, i_deg: float, raan_deg: float, argp_deg: float, ta_deg: float,
                       epoch_tdb_s: float = 0.0, mass_kg: float = 1000.0, mu: float = MOON_GM_M3_S2) -> State:
    """Moon-centred J2000 :class:`State` from Keplerian elements (Vallado algorithm 10, COE2RV)."""
    if e < 0:
        raise LunapoleError(f"keplerian_to_state: eccentricity must be >= 0, got {e}")
    r, v = _rv_from_elements(a_m, e, math.radians(i_deg), math.radians(raan_deg), math.radians(argp_deg),
                             math.radians(ta_deg), mu)
    return State(epoch_tdb_s, r, v, mass_kg)


def elements_from_rv(r_m, v_m_s, mu: float = MOON_GM_M3_S2) -> KeplerianElements:
    """Keplerian elements of a J2000 position/velocity (Vallado algorithm 9, RV2COE)."""
    r = np.asarray(r_m, float)
    v = np.asarray(v_m_s, float)
    rn = np.linalg.norm(r)
    vn2 = v @ v
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    if hn == 0.0:
        raise LunapoleError("elements_from_rv: rectilinear motion (r x v = 0) has no orbital plane")
    n = np.array([-h[1], h[0], 0.0])  # z x h
    nn = np.linalg.norm(n)
    e_vec = ((vn2 - mu / rn) * r - (r @ v) * v) / mu
    e = float(np.linalg.norm(e_vec))
    energy = vn2 / 2.0 - mu / rn
    a = -mu / (2.0 * energy) if abs(energy) > 0 else math.inf
    i = math.acos(max(-1.0, min(1.0, h[2] / hn)))
    equatorial = nn / hn < SMALL_I_RAD
    circular = e < SMALL_E
    if not equatorial:
        raan = math.atan2(n[1], n[0])
    else:
        raan = 0.0
    if circular and not equatorial:
        argp = 0.0
        # argument of latitude
        nu = math.atan2((np.cross(n, r) @ h) / hn, n @ r)
    elif circular and equatorial:
        argp = 0.0
        nu = math.atan2(r[1], r[0]) * (1.0 if h[2] >= 0 else -1.0)  # true longitude
    elif equatorial:
        argp = math.atan2(e_vec[1], e_vec[0]) * (1.0 if h[2] >= 0 else -1.0)  # longitude of periapsis
        nu = math.atan2((np.cross(e_vec, r) @ h) / hn, e_vec @ r)
    else:
        argp = math.atan2((np.cross(n, e_vec) @ h) / hn, n @ e_vec)
        nu = math.atan2((np.cross(e_vec, r) @ h) / hn, e_vec @ r)
    wrap = lambda x: math.degrees(x) % 360.0  # noqa: E731
    return KeplerianElements(float(a), e, math.degrees(i), wrap(raan), wrap(argp), wrap(nu))


def elements_from_state(state: State, mu: float = MOON_GM_M3_S2) -> KeplerianElements:
    """Osculating elements of a :class:`State` (see :func:`elements_from_rv`)."""
    return elements_from_rv(state.r_m, state.v_m_s, mu)


def periapsis_altitude_m(state: State, mu: float = MOON_GM_M3_S2, radius_m: float = MOON_MEAN_RADIUS_M) -> float:
    """Osculating periapsis radius minus ``radius_m`` [m]."""
    return elements_from_state(state, mu).periapsis_radius_m() - radius_m


def apoapsis_altitude_m(state: State, mu: float = MOON_GM_M3_S2, radius_m: float = MOON_MEAN_RADIUS_M) -> float:
    """Osculating apoapsis radius minus ``radius_m`` [m] (inf for escape orbits)."""
    return elements_from_state(state, mu).apoapsis_radius_m() - radius_m


def _stumpff(z: float) -> tuple[float, float]:
    """Stumpff functions C(z), S(z) with series near 0 (Vallado eqs. 2-53, 2-54)."""
    if z > 1e-6:
        sz = math.sqrt(z)
        return (1.0 - math.cos(sz)) / z, (sz - math.sin(sz)) / (sz**3)
    if z < -1e-6:
        sz = math.sqrt(-z)
        return (math.cosh(sz) - 1.0) / (-z), (math.sinh(sz) - sz) / (sz**3)
    return 0.5 - z / 24.0 + z * z / 720.0, 1.0 / 6.0 - z / 120.0 + z * z / 5040.0


def kepler_propagate(r_m, v_m_s, dt_s: float, mu: float = MOON_GM_M3_S2) -> tuple[np.ndarray, np.ndarray]:
    """Two-body position/velocity after ``dt_s`` by universal variables (Vallado algorithm 8).

    Whole periods are removed first for ellipses, so the Newton iteration on the universal anomaly
    stays well conditioned over many revolutions.
    """
    r0 = np.asarray(r_m, float)
    v0 = np.asarray(v_m_s, float)
    r0n = math.sqrt(r0 @ r0)
    vr0 = (r0 @ v0) / r0n
    alpha = 2.0 / r0n - (v0 @ v0) / mu  # 1/a
    sqmu = math.sqrt(mu)
    dt = float(dt_s)
    if alpha > 1e-15:
        period = 2.0 * math.pi / (sqmu * alpha**1.5)
        dt = math.fmod(dt, period)
        chi = sqmu * alpha * dt
    else:
        chi = sqmu * abs(alpha) * dt if alpha != 0 else sqmu * dt / r0n
    for _ in range(100):
        z = alpha * chi * chi
        c, s = _stumpff(z)
        f = r0n * vr0 / sqmu * chi * chi * c + (1.0 - alpha * r0n) * chi**3 * s + r0n * chi - sqmu * dt
        fp = r0n * vr0 / sqmu * chi * (1.0 - z * s) + (1.0 - alpha * r0n) * chi * chi * c + r0n
        delta = f / fp
        chi -= delta
        if abs(delta) < 1e-14 * max(1.0, abs(chi)):
            break
    else:
        raise LunapoleError("kepler_propagate: universal-anomaly iteration did not converge")
    z = alpha * chi * chi
    c, s = _stumpff(z)
    f = 1.0 - chi * chi / r0n * c
    g = dt - chi**3 / sqmu * s
    r = f * r0 + g * v0
    rn = math.sqrt(r @ r)
    fdot = sqmu / (rn * r0n) * (z * s - 1.0) * chi
    gdot = 1.0 - chi * chi / rn * c
    return r, fdot * r0 + gdot * v0


def kepler_propagate_state(state: State, dt_s: float, mu: float = MOON_GM_M3_S2) -> State:
    """:func:`kepler_propagate` on a :class:`State` (mass unchanged)."""
    r, v = kepler_propagate(state.r_m, state.v_m_s, dt_s, mu)
    return State(state.epoch_tdb_s + dt_s, r, v, state.mass_kg)
