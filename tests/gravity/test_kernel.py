"""The numba kernel against its numpy twin, the potential's gradient, and the poles.

References: the numpy twin (same recursion, independent vectorization); central finite differences of the
potential (a = grad U is a law, not the code under test); continuity at the pole (the Cartesian Cunningham
recursion has no 1/cos(lat) term, Montenbruck & Gill 2000 sec. 3.2.4).
"""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from lunapole.errors import LunapoleError
from lunapole.gravity import SphericalHarmonicField, acceleration_m_s2, potential_m2_s2
from lunapole.gravity.reference import acceleration_numpy, potential_numpy
from lunapole.kernels.gravity import new_work, sh_acceleration, sh_potential

from gravity_helpers import GM, R_REF, kaula_field, spherical_to_cartesian


def _points(n, seed=1, r_lo=1.739e6, r_hi=3.0e6):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(r_lo, r_hi, size=(n, 1))


@pytest.mark.parametrize("degree,order", [(0, 0), (1, 1), (2, 0), (3, 1), (5, 2), (30, 30), (31, 7), (40, 0)])
def test_kernel_matches_numpy_twin(degree, order):
    field = kaula_field(max(degree, 2), seed=degree).truncated(degree, order) if degree >= 2 else \
        kaula_field(2, seed=1).truncated(degree, order)
    r = _points(40, seed=degree)
    a_numba = acceleration_m_s2(field, r)
    a_twin = acceleration_numpy(field, r)
    assert np.abs(a_numba - a_twin).max() < 1e-14  # m/s^2; |a| ~ 1.6 m/s^2, roundoff level
    a_single = acceleration_m_s2(field, r[3])
    assert np.abs(a_single - a_twin[3]).max() < 1e-14
    u_err = np.abs(potential_m2_s2(field, r) - potential_numpy(field, r)).max()
    assert u_err < 1e-8  # m^2/s^2 out of ~3e6: 3e-15 relative


def test_point_mass_is_exact():
    field = SphericalHarmonicField(GM, R_REF, np.eye(1), np.zeros((1, 1)), 0, 0)
    r = np.array([1.9e6, -2.0e5, 7.0e5])
    expected = -GM * r / np.linalg.norm(r) ** 3
    assert np.abs(acceleration_m_s2(field, r) - expected).max() < 1e-15  # m/s^2
    assert abs(potential_m2_s2(field, r) - GM / np.linalg.norm(r)) < 1e-8  # m^2/s^2


def test_acceleration_is_gradient_of_potential():
    field = kaula_field(60, seed=3)
    h = 0.5  # m
    for r in _points(6, seed=7, r_lo=1.74e6, r_hi=2.2e6):
        grad = np.array([(potential_m2_s2(field, r + h * e) - potential_m2_s2(field, r - h * e)) / (2 * h)
                         for e in np.eye(3)])
        # truncation ~ h^2/6 |d3U| ~ 1e-12 m/s^2 at degree 60; roundoff ~ eps*U/h = 2.2e-16*2.8e6/0.5 ~ 1.3e-9
        err = np.abs(grad - acceleration_m_s2(field, r)).max()
        assert err < 5e-9  # m/s^2 (bound: roundoff of the central difference at h = 0.5 m)


def test_pole_is_continuous_and_finite():
    field = kaula_field(80, seed=5)
    r = 1.75e6
    exact_pole = np.array([[0.0, 0.0, r], [0.0, 0.0, -r]])
    near = np.concatenate([spherical_to_cartesian(r, np.array([1e-9, 1e-9]), np.array([0.3, 2.0])),
                           spherical_to_cartesian(r, np.pi - np.array([1e-9, 1e-9]), np.array([0.3, 2.0]))])
    a_pole = acceleration_m_s2(field, exact_pole)
    a_near = acceleration_m_s2(field, near)
    assert np.all(np.isfinite(a_pole))
    # 1e-9 rad at 1750 km is d = 1.75 mm; a smooth field changes by <= |grad a| d, with |grad a| ~ 2 GM/r^3
    # (central term) plus the degree-80 terms (~1 % more here): allow 3 GM/r^3 d = 4.8e-9 m/s^2
    bound = 3.0 * GM / r**3 * (r * 1e-9)
    assert np.abs(a_near[:2] - a_pole[0]).max() < bound  # m/s^2
    assert np.abs(a_near[2:] - a_pole[1]).max() < bound  # m/s^2
    # the numpy twin (same maths, different code path) agrees at the exact pole too
    assert np.abs(acceleration_numpy(field, exact_pole) - a_pole).max() < 1e-14


def test_kernel_callable_from_numba_with_the_documented_convention():
    field = kaula_field(20, seed=2)
    gm, ref, nmax, mmax, tables, row_start, work = field.kernel_args()

    @njit
    def two_points(r, gm, ref, nmax, mmax, tables, row_start, work, out):
        total = 0.0
        for i in range(r.shape[0]):
            sh_acceleration(r[i, 0], r[i, 1], r[i, 2], gm, ref, nmax, mmax, tables, row_start, work, out)
            total += out[0]
            total += sh_potential(r[i, 0], r[i, 1], r[i, 2], gm, ref, nmax, mmax, tables, row_start, work) * 0.0
        return total

    r = _points(2, seed=4)
    out = np.empty(3)
    total = two_points(r, gm, ref, nmax, mmax, tables, row_start, new_work(int(nmax)), out)
    assert abs(total - acceleration_numpy(field, r)[:, 0].sum()) < 1e-14  # m/s^2


def test_bad_positions_raise():
    field = kaula_field(4)
    with pytest.raises(LunapoleError, match="shape"):
        acceleration_m_s2(field, np.zeros((3, 2)))
    with pytest.raises(LunapoleError, match="centre"):
        acceleration_m_s2(field, np.zeros(3))


def test_truncated_keeps_low_degrees():
    field = kaula_field(30, seed=9)
    low = field.truncated(10, 4)
    assert low.degree == 10 and low.order == 4
    assert np.array_equal(low.c_nm[:, :5], field.c_nm[:11, :5])
    assert not low.c_nm[:, 5:].any()
    with pytest.raises(LunapoleError):
        field.truncated(31)


_ALLOC_SCRIPT = """
import numpy as np
from numba import njit
from numba.core.runtime import rtsys
from lunapole.gravity import SphericalHarmonicField
from lunapole.kernels.gravity import sh_acceleration, sh_potential
n = 30
c = np.eye(n + 1) * 1e-6
c[0, 0] = 1.0
args = SphericalHarmonicField(4.9e12, 1.738e6, c, c * 0.5, n, n).kernel_args()

@njit
def loop(k, gm, ref, nmax, mmax, tables, row_start, work, out):
    s = 0.0
    for i in range(k):
        sh_acceleration(1.8e6 + i, 1e5, -1e5, gm, ref, nmax, mmax, tables, row_start, work, out)
        s += out[0] + sh_potential(1.8e6 + i, 1e5, -1e5, gm, ref, nmax, mmax, tables, row_start, work)
    return s

out = np.empty(3)
loop(1, *args, out)
deltas = []
for k in (10, 2000):
    a = rtsys.get_allocation_stats().alloc
    loop(k, *args, out)
    deltas.append(rtsys.get_allocation_stats().alloc - a)
print(deltas[0], deltas[1])
"""


def test_single_point_kernel_does_not_allocate():
    """The propagator's hot path: NRT allocation count must not grow with the number of evaluations."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_NRT_STATS="1")
    proc = subprocess.run([sys.executable, "-c", _ALLOC_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    few, many = map(int, proc.stdout.split()[-2:])
    assert few == many  # per-call dispatch constant only; zero allocations per evaluation
