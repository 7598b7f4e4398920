"""Branch-free ``log``, ``atan2``, ``sin``/``cos`` and a counter-based normal generator that LLVM can vectorize.

Why: numba calls libm for ``math.log``/``math.atan2``/``math.cos``; without Intel SVML (not in PyPI's llvmlite)
a loop containing such a call stays scalar. The lockstep descent kernel (:mod:`lunapole.kernels.descent_lockstep`)
advances several landers per instruction, so its transcendental functions are written here as polynomials with
selects instead of branches. Hand-written on purpose (no PyPI library offers numba-inlinable vector math);
the coefficients are the published minimax fits of fdlibm (Sun Microsystems, 1993: ``e_log.c``, ``k_sin.c``,
``k_cos.c``) and Cephes (Moshier 1989, ``atan.c``); ``tests/descent/test_vecmath.py`` checks them against libm
(< 2 ulp over their ranges).

Normal deviates: Box-Muller (Box & Muller 1958; :func:`box_muller`) on two 64-bit words, the radius from a
uniform on (0, 1] with 52 bits (so |z| <= 8.49), the angle from the quadrant (2 bits) and 50 bits within it.
No rejection loop, so every lane of a vector runs the same instructions; the same functions serve the scalar
path, which therefore draws the same noise. Two sources of words:

- :func:`normal_quad_next`, the descent kernels' navigation noise: a per-sample xoroshiro128+ stream
  (Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4)), seeded by two
  splitmix64 outputs of the sample's seed as its authors recommend (:func:`noise_seed`). Additions, shifts and
  xors only: AVX2 has no 64-bit multiply, and the multiplies of a hash per word made the noise a quarter of a
  descent step. Only the upper 52 bits of each word are used (the lowest bits of xoroshiro128+ are its weak ones).
- :func:`normal_pair_from_base`, counter-based (the one-run simulator's noise): splitmix64 (Steele, Lea &
  Flood 2014) keyed by ``(seed, counter)``, two of its outputs per pair.
"""
from __future__ import annotations

import math

import numpy as np

if globals().get("_PURE_PYTHON", False):  # executed without numba by the descent kernel's Python twin
    import struct

    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

    def f64_bits(x):
        return struct.unpack("<Q", struct.pack("<d", x))[0]

    def bits_f64(b):
        return struct.unpack("<d", struct.pack("<Q", int(b) & ((1 << 64) - 1)))[0]
else:
    from llvmlite import ir
    from numba import njit, types
    from numba.extending import intrinsic

    @intrinsic
    def _f64_bits(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.uint64(types.float64), codegen

    @intrinsic
    def _bits_f64(typingctx, b):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.uint64), codegen

    @njit(inline="always")
    def f64_bits(x):
        """IEEE-754 bits of a float64 as uint64 (a register move)."""
        return _f64_bits(x)

    @njit(inline="always")
    def bits_f64(b):
        """float64 with the IEEE-754 bits ``b`` (uint64)."""
        return _bits_f64(b)

_FM = {"contract", "nsz"}  # FMA contraction only: these polynomials are evaluated in their published order
_ONE_BITS = np.uint64(0x3FF0000000000000)
_TWO52_BITS = np.uint64(0x4330000000000000)  # 2^52
_MANT = np.uint64(0x000FFFFFFFFFFFFF)
_S52 = np.uint64(52)
_S12 = np.uint64(12)
_S2 = np.uint64(2)
_S62 = np.uint64(62)
_U1 = np.uint64(0x9E3779B97F4A7C15)
_U2 = np.uint64(0xBF58476D1CE4E5B9)
_U3 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S16 = np.uint64(16)
_S24 = np.uint64(24)
_S37 = np.uint64(37)
_CH = np.uint64(0xD1B54A32D192ED03)

# fdlibm e_log.c
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5, _LG6 = 2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_SQRT2 = 1.4142135623730951
# fdlibm k_sin.c / k_cos.c
_S1, _S2c, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
# Cephes atan.c
_P0, _P1, _P2 = -8.750608600031904122785e-01, -1.615753718733365076637e01, -7.500855792314704667340e01
_P3, _P4 = -1.228866684490136173410e02, -6.485021904942025371773e01
_Q0, _Q1, _Q2 = 2.485846490142306297962e01, 1.650270098316988542046e02, 4.328810604912902668951e02
_Q3, _Q4 = 4.853903996359136964868e02, 1.945506571482613964425e02
_MOREBITS = 6.123233995736765886130e-17
_PIO2 = 1.5707963267948966
_PIO4 = 0.7853981633974483


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def log_pos(x):
    """Natural log of a positive normal float64 (fdlibm's algorithm without its special cases)."""
    b = f64_bits(x)
    # exponent as a float without an int -> float conversion (not a vector instruction on AVX2): 2^52 + e, exactly
    k = bits_f64((b >> _S52) | _TWO52_BITS) - (4503599627370496.0 + 1023.0)
    m = bits_f64((b & _MANT) | _ONE_BITS)  # [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    k = k + 1.0 if big else k
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def sin_cos_small(x):
    """``(sin x, cos x)`` for |x| <= pi/4 (fdlibm kernels)."""
    z = x * x
    s = x + x * z * (_S1 + z * (_S2c + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))))
    c = 1.0 - 0.5 * z + z * z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    return s, c


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def _atan_ratio(num, den):
    """atan(num / den) for 0 <= num <= den, den > 0: Cephes' ``atan`` (reduction by pi/4 above 0.66, rational
    fit), its reduced argument (a - 1) / (a + 1) taken as (num - den) / (num + den): one division serves both
    branches of the select."""
    big = num > 0.66 * den
    x = ((num - den) if big else num) / ((num + den) if big else den)
    z = x * x
    p = (((_P0 * z + _P1) * z + _P2) * z + _P3) * z + _P4
    q = ((((z + _Q0) * z + _Q1) * z + _Q2) * z + _Q3) * z + _Q4
    r = x * (z * p / q) + x
    return (_PIO4 + (r + 0.5 * _MOREBITS)) if big else r


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def atan2_nonneg(y, x):
    """atan2(y, x) for y >= 0 (result in [0, pi]); branch-free octant reduction around :func:`_atan_ratio`."""
    ax = abs(x)
    swap = y > ax
    num = ax if swap else y
    den = y if swap else ax
    t = _atan_ratio(num, den if den > 0.0 else 1.0)
    t = (_PIO2 - t) if swap else t
    return (math.pi - t) if x < 0.0 else t


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def mix64(x):
    """splitmix64 output function of state ``x`` (Steele, Lea & Flood 2014): a bijective 64-bit hash."""
    x = x + _U1
    x = (x ^ (x >> _S30)) * _U2
    x = (x ^ (x >> _S27)) * _U3
    return x ^ (x >> _S31)


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def stream_base(seed, counter):
    """State of the splitmix64 stream for ``(seed, counter)`` (``seed`` uint64, ``counter`` integer)."""
    return mix64(seed ^ mix64(np.uint64(counter) * _CH))


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def box_muller(h_radius, h_angle):
    """Two standard normal deviates from two 64-bit hashes (no rejection)."""
    u = 2.0 - bits_f64((h_radius >> _S12) | _ONE_BITS)  # (0, 1]
    r = math.sqrt(-2.0 * log_pos(u))
    q = h_angle >> _S62  # quadrant 0..3
    f = bits_f64(((h_angle << _S2) >> _S12) | _ONE_BITS) - 1.0  # [0, 1) within the quadrant
    s, c = sin_cos_small((f - 0.5) * _PIO2)  # angle = q pi/2 + (f - 1/2) pi/2
    odd = (q & np.uint64(1)) != np.uint64(0)
    zc = -s if odd else c  # quadrants 1 and 3: rotate by pi/2
    zs = c if odd else s
    flip = (q >> np.uint64(1)) << np.uint64(63)  # quadrants 2 and 3: rotate by pi (flip both signs)
    return r * bits_f64(f64_bits(zc) ^ flip), r * bits_f64(f64_bits(zs) ^ flip)


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def _rotl(x, k):
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def noise_seed(seed):
    """Initial xoroshiro128+ state ``(s0, s1)`` of a sample's noise stream: splitmix64 outputs 1 and 2 of ``seed``
    (never both zero: the hash is a bijection and its values at two different inputs differ)."""
    return mix64(seed), mix64(seed + _U1)


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def xoroshiro_next(s0, s1):
    """One xoroshiro128+ step (parameters a, b, c = 24, 16, 37): returns ``(word, s0, s1)``."""
    w = s0 + s1
    s1 = s1 ^ s0
    s0 = _rotl(s0, _S24) ^ s1 ^ (s1 << _S16)
    s1 = _rotl(s1, _S37)
    return w, s0, s1


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def normal_quad_next(s0, s1):
    """Eight standard normal deviates (four Box-Muller pairs on the next eight words of the stream ``(s0, s1)``):
    returns ``(n0, ..., n7, s0, s1)``."""
    h0, s0, s1 = xoroshiro_next(s0, s1)
    h1, s0, s1 = xoroshiro_next(s0, s1)
    h2, s0, s1 = xoroshiro_next(s0, s1)
    h3, s0, s1 = xoroshiro_next(s0, s1)
    h4, s0, s1 = xoroshiro_next(s0, s1)
    h5, s0, s1 = xoroshiro_next(s0, s1)
    h6, s0, s1 = xoroshiro_next(s0, s1)
    h7, s0, s1 = xoroshiro_next(s0, s1)
    a0, b0 = box_muller(h0, h1)
    a1, b1 = box_muller(h2, h3)
    a2, b2 = box_muller(h4, h5)
    a3, b3 = box_muller(h6, h7)
    return a0, b0, a1, b1, a2, b2, a3, b3, s0, s1


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def normal_pair_from_base(base, pair):
    """Normal pair ``pair`` (0, 1, ...) of the stream whose state is ``base``."""
    k = np.uint64(2 * pair + 1)
    return box_muller(mix64(base + k * _U1), mix64(base + (k + np.uint64(1)) * _U1))


if globals().get("_PURE_PYTHON", False):
    # Twins of the integer functions with Python integers (numpy uint64 scalars warn on the intended wrap-around).
    _MASK = (1 << 64) - 1

    def mix64(x):  # noqa: F811
        x = (int(x) + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        return x ^ (x >> 31)

    def stream_base(seed, counter):  # noqa: F811
        return mix64(int(seed) ^ mix64((int(counter) * 0xD1B54A32D192ED03) & _MASK))

    def log_pos(x):  # noqa: F811
        b = f64_bits(x)
        k = float((b >> 52) - 1023)
        m = bits_f64((b & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
        if m > _SQRT2:
            m, k = 0.5 * m, k + 1.0
        f = m - 1.0
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
        hfsq = 0.5 * f * f
        return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)

    def box_muller(h_radius, h_angle):  # noqa: F811
        u = 2.0 - bits_f64((int(h_radius) >> 12) | 0x3FF0000000000000)
        r = math.sqrt(-2.0 * log_pos(u))
        q = int(h_angle) >> 62
        f = bits_f64((((int(h_angle) << 2) & _MASK) >> 12) | 0x3FF0000000000000) - 1.0
        s, c = sin_cos_small((f - 0.5) * _PIO2)
        zc, zs = ((c, s), (-s, c), (-c, -s), (s, -c))[q]
        return r * zc, r * zs

    def noise_seed(seed):  # noqa: F811
        return mix64(seed), mix64((int(seed) + 0x9E3779B97F4A7C15) & _MASK)

    def xoroshiro_next(s0, s1):  # noqa: F811
        s0, s1 = int(s0), int(s1)
        w = (s0 + s1) & _MASK
        s1 ^= s0
        s0 = (((s0 << 24) | (s0 >> 40)) & _MASK) ^ s1 ^ ((s1 << 16) & _MASK)
        s1 = ((s1 << 37) | (s1 >> 27)) & _MASK
        return w, s0, s1

    def normal_pair_from_base(base, pair):  # noqa: F811
        k = 2 * pair + 1
        return box_muller(mix64((int(base) + k * 0x9E3779B97F4A7C15) & _MASK),
                          mix64((int(base) + (k + 1) * 0x9E3779B97F4A7C15) & _MASK))
