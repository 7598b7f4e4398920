"""Branch-free vector math of the lockstep kernel against libm, and its normal deviates against N(0, 1).

References: CPython's ``math`` module (the platform libm, correctly rounded to < 1 ulp for these functions),
numpy for the arrays; Kolmogorov-Smirnov test of scipy.stats for normality (Box & Muller 1958); randomgen's
``Xoroshiro128`` (C implementation of Blackman & Vigna's xoroshiro128++) for the descent kernels' noise stream.
"""
import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

from lunapole.descent.reference import reference_kernel
from lunapole.kernels import vecmath as vm


def _elementwise(fn):
    """A compiled loop applying the inlinable function ``fn`` to every element of an array."""
    @njit
    def run(x):
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = fn(x[i])
        return out
    return run


def _sin_cos_elementwise(fn):
    """A compiled loop applying the (sin, cos) function ``fn`` to every element of an array."""
    @njit
    def run(x):
        s = np.empty_like(x)
        c = np.empty_like(x)
        for i in range(x.size):
            s[i], c[i] = fn(x[i])
        return s, c
    return run


_logs = _elementwise(vm.log_pos)
_logs32 = _elementwise(vm.log32_pos)
_sincos = _sin_cos_elementwise(vm.sin_cos_small)
_sincos32 = _sin_cos_elementwise(vm.sin_cos_small32)


@njit
def _atan2s(y, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = vm.atan2_nonneg(y[i], x[i])
    return out


@njit
def _normals(seed, n):
    out = np.empty(8 * n)
    for i in range(n):
        b = vm.stream_base(seed, i)
        for p in range(4):
            out[8 * i + 2 * p], out[8 * i + 2 * p + 1] = vm.normal_pair_from_base(b, p)
    return out


@njit
def _stream_words(s0, s1, n):
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i], s0, s1 = vm.xoroshiro_next(s0, s1)
    return out


@njit
def _stream_normals(seed, n):
    out = np.empty(8 * n)
    s0, s1 = vm.noise_seed(seed)
    for i in range(n):
        a0, b0, a1, b1, a2, b2, a3, b3, s0, s1 = vm.normal_octet_next(s0, s1)
        out[8 * i:8 * i + 8] = (a0, b0, a1, b1, a2, b2, a3, b3)
    return out


def _ulp_error(got, ref):
    return np.max(np.abs(got - ref) / np.spacing(np.maximum(np.abs(ref), 1e-300)))


def test_log_atan2_sincos_within_two_ulp_of_libm():
    rng = np.random.default_rng(0)
    x = np.r_[np.exp(rng.uniform(-700, 700, 100_000)), rng.uniform(0, 1, 50_000), 1.0, 2.0 ** -52, math.sqrt(2)]
    assert _ulp_error(_logs(x), np.log(x)) <= 2.0
    y = np.abs(rng.normal(size=100_000)) * np.exp(rng.uniform(-8, 8, 100_000))
    xx = rng.normal(size=100_000) * np.exp(rng.uniform(-8, 8, 100_000))
    y[:5] = 0.0
    xx[5:10] = 0.0
    got = _atan2s(y, xx)
    assert np.max(np.abs(got - np.arctan2(y, xx))) <= 4.5e-16  # rad, over [0, pi]
    a = rng.uniform(-math.pi / 4, math.pi / 4, 100_000)
    s, c = _sincos(a)
    assert _ulp_error(s, np.sin(a)) <= 2.0 and _ulp_error(c, np.cos(a)) <= 2.0


def test_float32_log_and_sincos_within_two_float32_ulp_of_libm():
    """The float32 noise path's Cephes polynomials against double-precision libm, in float32 ulps."""
    rng = np.random.default_rng(3)
    x = np.r_[rng.uniform(2.0 ** -23, 1.0, 200_000), 2.0 ** -23, 1.0, 0.5, math.sqrt(0.5)].astype(np.float32)
    got = _logs32(x).astype(np.float64)
    want = np.log(x.astype(np.float64))
    # absolute error in ulps of the result, or of 2^-24 near log(1) = 0 (Cephes' own error measure)
    assert np.max(np.abs(got - want) / np.maximum(np.spacing(np.abs(want).astype(np.float32)), 2.0 ** -24)) <= 2.0
    a = rng.uniform(-math.pi / 4, math.pi / 4, 200_000).astype(np.float32)
    s, c = _sincos32(a)
    a64 = a.astype(np.float64)
    assert np.max(np.abs(s - np.sin(a64)) / np.spacing(np.abs(np.sin(a64)).astype(np.float32))) <= 2.0
    assert np.max(np.abs(c - np.cos(a64)) / np.spacing(np.abs(np.cos(a64)).astype(np.float32))) <= 2.0


def test_box_muller_stream_is_standard_normal():
    z = _normals(np.uint64(20261125), 50_000)  # 400,000 deviates
    ks = stats.kstest(z, "norm")
    assert ks.pvalue > 1e-3, ks  # a fixed seed: fails only if the transform is wrong (KS distance ~0.003 then)
    assert abs(z.mean()) < 5 * 1 / math.sqrt(z.size) and abs(z.std() - 1.0) < 5 * 1 / math.sqrt(2 * z.size)
    assert abs(stats.kurtosis(z)) < 0.05  # excess kurtosis of N(0, 1) is 0 (sampling sigma ~0.008)
    # pairs and successive counters are uncorrelated
    pairs = z.reshape(-1, 2)
    assert abs(np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(z[:-8:8], z[8::8])[0, 1]) < 0.02
    assert np.max(np.abs(z)) <= math.sqrt(-2.0 * math.log(2.0 ** -52))  # the radius uniform is 52-bit


def test_noise_stream_is_xoroshiro128plusplus():
    randomgen = pytest.importorskip("randomgen")
    for s0, s1 in ((1, 2), (0x0123456789ABCDEF, 0xFEDCBA9876543210), tuple(int(w) for w in vm.noise_seed(np.uint64(7)))):
        bg = randomgen.Xoroshiro128(0, plusplus=True)
        st = bg.state
        st["s"] = np.array([s0, s1], dtype=np.uint64)
        bg.state = st
        want = bg.random_raw(1000)
        assert np.array_equal(_stream_words(np.uint64(s0), np.uint64(s1), 1000), want)
    # seeding: splitmix64 outputs of the seed (Vigna's recommendation); reference: splitmix64's published first
    # outputs for state 0
    s0, s1 = vm.noise_seed(np.uint64(0))
    assert (int(s0), int(s1)) == (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4)  # splitmix64(0) outputs 1 and 2


def test_noise_stream_normals_are_standard_normal():
    z = _stream_normals(np.uint64(20261126), 50_000)  # 400,000 float32 deviates, eight per guidance cycle
    ks = stats.kstest(z, "norm")
    assert ks.pvalue > 1e-3, ks
    assert abs(z.mean()) < 5 / math.sqrt(z.size) and abs(z.std() - 1.0) < 5 / math.sqrt(2 * z.size)
    assert abs(stats.kurtosis(z)) < 0.05
    cyc = z.reshape(-1, 8)
    c = np.corrcoef(cyc.T)  # the eight channels of a cycle are uncorrelated ...
    assert np.max(np.abs(c - np.eye(8))) < 0.015
    assert abs(np.corrcoef(cyc[:-1, 0], cyc[1:, 0])[0, 1]) < 0.015  # ... and so are successive cycles
    # different seeds give unrelated streams (neighbouring seeds: the splitmix64 seeding decorrelates them)
    z2 = _stream_normals(np.uint64(20261127), 50_000)
    assert abs(np.corrcoef(z, z2)[0, 1]) < 0.01
    assert np.max(np.abs(z)) <= math.sqrt(-2.0 * math.log(2.0 ** -23)) * (1 + 1e-6)  # the radius uniform is 23-bit
    # the two halves of a word feed one pair: its cosine and sine deviates are uncorrelated, also in |z|
    assert abs(np.corrcoef(np.abs(cyc[:, 0]), np.abs(cyc[:, 1]))[0, 1]) < 0.015


def test_noise_stream_tail_probabilities():
    """Float32 deviates still have normal tails to 4 sigma: P(|z| > k) against erfc(k / sqrt 2) (Box-Muller's radius
    uniform has 23 bits, so nothing beyond 5.65 sigma: P = 1.6e-8 there, below this sample's resolution)."""
    z = np.abs(_stream_normals(np.uint64(7), 250_000))  # 2,000,000 deviates
    for k in (1.0, 2.0, 3.0, 4.0):
        p = math.erfc(k / math.sqrt(2.0))
        sigma = math.sqrt(p * (1 - p) / z.size)
        assert abs(np.mean(z > k) - p) < 5 * sigma, k


def test_pure_python_twin_draws_the_same_deviates():
    ref = reference_kernel()
    for seed, counter in ((0, 0), (12345, 7), (2 ** 63 + 5, 123456)):
        got = [vm.normal_pair_from_base(vm.stream_base(np.uint64(seed), counter), p) for p in range(4)]
        want = [ref._vm.normal_pair_from_base(ref._vm.stream_base(seed, counter), p) for p in range(4)]
        assert np.allclose(got, want, rtol=1e-15, atol=1e-15)
    s0, s1 = vm.noise_seed(np.uint64(99))
    r0, r1 = ref._vm.noise_seed(99)
    assert (int(s0), int(s1)) == (r0, r1)
    for _ in range(200):
        *got, s0, s1 = vm.normal_octet_next(np.uint64(s0), np.uint64(s1))  # uint64, not int64, from Python
        *want, r0, r1 = ref._vm.normal_octet_next(r0, r1)
        assert all(isinstance(w, float) for w in want)  # Python floats: numpy keeps float32 * float in float32
        # float32 deviates; numba may fuse a multiply and an add (FMA) where numpy rounds twice: a few ulps
        assert np.allclose(got, want, rtol=5e-7, atol=5e-7) and (int(s0), int(s1)) == (r0, r1)
