"""Batched evaluation (thread pool over the block kernels) against the single-point kernel and the numpy twin.

References: the single-point kernel ``sh_acceleration`` (the batch must reproduce it bit for bit: each thread
runs the same compiled code on whole points) and the pure-numpy twin (same recursion, independent code) for the
physics; numba's NRT allocation counter for the allocation-free block kernels.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from numba import njit

from lunapole.gravity.reference import acceleration_numpy, potential_numpy
from lunapole.kernels.gravity import (new_block_work, new_work, sh_acceleration, sh_acceleration_batch, sh_potential,
                                      sh_potential_batch)

from gravity_helpers import kaula_field


def _points(n, seed=1, r_lo=1.739e6, r_hi=3.0e6):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(r_lo, r_hi, size=(n, 1))


@njit
def _single_loop(r, gm, ref, nmax, mmax, tables, row_start, work, acc, pot):
    res = np.empty(3)
    for i in range(r.shape[0]):
        sh_acceleration(r[i, 0], r[i, 1], r[i, 2], gm, ref, nmax, mmax, tables, row_start, work, res)
        acc[i, 0] = res[0]
        acc[i, 1] = res[1]
        acc[i, 2] = res[2]
        pot[i] = sh_potential(r[i, 0], r[i, 1], r[i, 2], gm, ref, nmax, mmax, tables, row_start, work)


# degree 60: ~52 points per block, so 301 points make 6 blocks handed out to the threads; N = 0, 1, 7 edge cases
@pytest.mark.parametrize("degree,npts,threads", [(60, 301, 2), (60, 301, 3), (60, 301, 1), (20, 7, 2),
                                                 (20, 1, 2), (20, 0, 2), (100, 64, None)])
def test_batch_is_bitwise_the_single_point_kernel(degree, npts, threads):
    field = kaula_field(degree, seed=degree)
    gm, ref, nmax, mmax, tables, row_start, work = field.kernel_args()
    r = _points(npts, seed=npts)
    acc1 = np.empty((npts, 3))
    pot1 = np.empty(npts)
    _single_loop(r, gm, ref, nmax, mmax, tables, row_start, work, acc1, pot1)
    acc = np.full((npts, 3), np.nan)
    pot = np.full(npts, np.nan)
    sh_acceleration_batch(r, gm, ref, nmax, mmax, tables, row_start, acc, threads=threads)
    sh_potential_batch(r, gm, ref, nmax, mmax, tables, row_start, pot, threads=threads)
    assert not np.isnan(acc).any() and not np.isnan(pot).any()  # every row written
    if npts:
        # same arithmetic per point (pairs of points share table loads): identical bits as measured; the
        # contract is 1e-15 of |a| (a different vectorization of the pair loop could move the last bit)
        rel = np.linalg.norm(acc - acc1, axis=1) / np.linalg.norm(acc1, axis=1)
        assert rel.max() <= 1e-15
    assert np.array_equal(pot, pot1)  # the potential batch runs sh_potential itself
    if npts:
        # physics: the numpy twin (independent code, same recursion); |a| ~ 0.5-1.6 m/s^2, roundoff level
        assert np.abs(acc - acceleration_numpy(field, r)).max() < 1e-14  # m/s^2
        # U ~ 2.5e6 m^2/s^2: 5e-8 is 2e-14 relative (measured 1.5e-8 at degree 60, ~1900 summed terms)
        assert np.abs(pot - potential_numpy(field, r)).max() < 5e-8  # m^2/s^2


def test_batch_from_several_python_threads_at_once():
    """Callers on different threads share the pool; each thread's scratch is its own."""
    field = kaula_field(40, seed=3)
    gm, ref, nmax, mmax, tables, row_start, _ = field.kernel_args()
    sets = [_points(200, seed=s) for s in range(4)]
    outs = [np.empty((200, 3)) for _ in sets]
    errors = []

    def run(k):
        try:
            for _ in range(3):
                sh_acceleration_batch(sets[k], gm, ref, nmax, mmax, tables, row_start, outs[k], threads=2)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(sets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r, out in zip(sets, outs):
        assert np.abs(out - acceleration_numpy(field, r)).max() < 1e-14  # m/s^2


_ALLOC_SCRIPT = """
import numpy as np
from numba import njit
from numba.core.runtime import rtsys
from lunapole.gravity import SphericalHarmonicField
from lunapole.kernels.gravity import new_block_work, sh_acceleration_block, sh_potential_block
n = 30
c = np.eye(n + 1) * 1e-6
c[0, 0] = 1.0
args = SphericalHarmonicField(4.9e12, 1.738e6, c, c * 0.5, n, n).kernel_args()

@njit
def run(r, gm, ref, nmax, mmax, tables, row_start, work, work2, acc, pot):
    sh_acceleration_block(r, 0, r.shape[0], gm, ref, nmax, mmax, tables, row_start, work2, acc)
    sh_potential_block(r, 0, r.shape[0], gm, ref, nmax, mmax, tables, row_start, work, pot)

r1 = np.array([[1.8e6, 1e5, -1e5]])
work2 = new_block_work(n)
run(r1, *args, work2, np.empty((1, 3)), np.empty(1))  # compile first (initializes NRT with stats on)
deltas = []
for k in (11, 2001):  # odd: the pair loop and the single-point tail
    r = np.tile([1.8e6, 1e5, -1e5], (k, 1))
    acc = np.empty((k, 3))
    pot = np.empty(k)
    a = rtsys.get_allocation_stats().alloc
    run(r, *args, work2, acc, pot)
    deltas.append(rtsys.get_allocation_stats().alloc - a)
print(deltas[0], deltas[1])
"""


def test_block_kernels_do_not_allocate():
    """NRT allocation count of the block kernels must not grow with the number of points."""
    env = dict(os.environ, NUMBA_NRT_STATS="1")
    proc = subprocess.run([sys.executable, "-c", _ALLOC_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    few, many = map(int, proc.stdout.split()[-2:])
    assert few == many  # per-call dispatch constant only; zero allocations per point


def test_scratch_shapes():
    assert new_work(100).shape == (6, 102)
    assert new_block_work(100).shape == (2, 6, 102)
