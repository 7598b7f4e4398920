"""Secular J2 drift of the node and the argument of periapsis vs the closed form.

Reference: Vallado, Fundamentals of Astrodynamics, 4th ed., eq. 9-41:
  dRAAN/dt = -3/2 n J2 (R/p)^2 cos i,   dargp/dt = 3/4 n J2 (R/p)^2 (4 - 5 sin^2 i).
A C20-only field (GRGM1200A's C20) with the field axes fixed in J2000 (body_frame="J2000") so that the
equator of the field is the reference plane of the elements.
"""
import numpy as np

from lunapole.gravity import SphericalHarmonicField, load_field
from lunapole.orbit import ForceModel, elements_from_state, keplerian_to_state, propagate


def test_j2_secular_rates():
    grgm = load_field("GRGM1200A", 2, 0)
    c = np.zeros((3, 3))
    c[0, 0] = 1.0
    c[2, 0] = grgm.c_nm[2, 0]
    field = SphericalHarmonicField(grgm.gm_m3_s2, grgm.ref_radius_m, c, np.zeros((3, 3)), 2, 0, frame="J2000",
                                   name="C20 only")
    mu, R, j2 = field.gm_m3_s2, field.ref_radius_m, field.j2
    a, e, i = 2.0e6, 0.05, 50.0
    st = keplerian_to_state(a, e, i, 20.0, 40.0, 0.0, epoch_tdb_s=0.0, mu=mu)
    n = np.sqrt(mu / a**3)
    period = 2 * np.pi / n
    norbits = 20
    traj = propagate(st, ForceModel(field, third_bodies=()), duration_s=norbits * period, rtol=1e-12,
                     atol_m=1e-5, record=())
    # sample once per orbit (same phase) so the short-period terms cancel in the linear fit
    times = np.arange(norbits + 1) * period
    ys = traj.sample(times)
    els = [elements_from_state(type(st).from_y(t, y), mu) for t, y in zip(times, ys)]
    raan = np.unwrap(np.radians([el.raan_deg for el in els]))
    argp = np.unwrap(np.radians([el.argp_deg for el in els]))
    raan_rate = np.polyfit(times, raan, 1)[0]
    argp_rate = np.polyfit(times, argp, 1)[0]
    p = a * (1 - e**2)
    k = n * j2 * (R / p) ** 2
    raan_ref = -1.5 * k * np.cos(np.radians(i))
    argp_ref = 0.75 * k * (4 - 5 * np.sin(np.radians(i)) ** 2)
    # first-order theory with osculating instead of mean elements: O(J2) ~ 2e-4 relative; 0.5 % margin
    assert abs(raan_rate / raan_ref - 1) < 5e-3  # Vallado eq. 9-41
    assert abs(argp_rate / argp_ref - 1) < 5e-3  # Vallado eq. 9-41
