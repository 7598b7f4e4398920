"""Branch-free ``log``, ``atan2``, ``sin``/``cos`` and a counter-based normal generator that LLVM can vectorize.

Why: numba calls libm for ``math.log``/``math.atan2``/``math.cos``; without Intel SVML (not in PyPI's llvmlite)
a loop containing such a call stays scalar. The lockstep descent kernel (:mod:`lunapole.kernels.descent_lockstep`)
advances several landers per instruction, so its transcendental functions are written here as polynomials with
selects instead of branches. Hand-written on purpose (no PyPI library offers numba-inlinable vector math);
the coefficients are the published minimax fits of fdlibm (Sun Microsystems, 1993: ``e_log.c``, ``k_sin.c``,
``k_cos.c``) and Cephes (Moshier 1989, ``atan.c``, ``logf.c``, ``sinf.c``); ``tests/descent/test_vecmath.py``
checks them against libm (< 2 ulp of their precision over their ranges).

Normal deviates: Box-Muller (Box & Muller 1958) with no rejection loop, so every lane of a vector runs the same
instructions; the same functions serve the scalar path, which therefore draws the same noise. Two kinds:

- :func:`normal_octet_next`, the descent kernels' navigation noise, in **float32** (:func:`box_muller32`: 8
  lanes per AVX2 instruction instead of 4, the noise was a fifth of a lockstep descent step): a per-sample
  xoroshiro128++ stream (Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators", ACM TOMS
  47(4)), seeded by two splitmix64 outputs of the sample's seed as its authors recommend (:func:`noise_seed`);
  additions, shifts and xors only (AVX2 has no 64-bit multiply). One 64-bit word per pair: its upper half
  gives the radius uniform on (0, 1] with 23 bits (so |z| <= 5.65), its lower half the angle. Logarithm and
  sine/cosine from Cephes' float32 minimax polynomials (``logf.c``, ``sinf.c``). Float32 is ample for noise:
  a deviate is exact to ~1e-7 of itself, i.e. 5e-7 m on a 5 m position sigma.
- :func:`normal_pair_from_base`, float64 and counter-based (the one-run simulator's noise, drawn out of order):
  :func:`box_muller` (radius uniform with 52 bits, |z| <= 8.49) on splitmix64 (Steele, Lea & Flood 2014)
  outputs keyed by ``(seed, counter)``.
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

    def f32_bits(x):
        return struct.unpack("<I", struct.pack("<f", x))[0]

    def bits_f32(b):
        return np.float32(struct.unpack("<f", struct.pack("<I", int(b) & 0xFFFFFFFF))[0])

    def hi32(w):
        return (int(w) >> 32) & 0xFFFFFFFF

    def lo32(w):
        return int(w) & 0xFFFFFFFF

    def and32(a, b):
        return int(a) & int(b)

    def or32(a, b):
        return int(a) | int(b)

    def xor32(a, b):
        return int(a) ^ int(b)

    def shl32(a, k):
        return (int(a) << int(k)) & 0xFFFFFFFF

    def shr32(a, k):
        return int(a) >> int(k)
else:
    from llvmlite import ir
    from numba import njit, types
    from numba.extending import intrinsic

    def _bitcast(src, dst, llvm_dst):
        """An intrinsic reinterpreting the bits of a ``src`` value as ``dst`` (a register move)."""
        @intrinsic
        def _cast(typingctx, x):
            def codegen(context, builder, signature, args):
                return builder.bitcast(args[0], llvm_dst)
            return dst(src), codegen
        return _cast

    _f64_bits = _bitcast(types.float64, types.uint64, ir.IntType(64))
    _bits_f64 = _bitcast(types.uint64, types.float64, ir.DoubleType())
    f32_bits = _bitcast(types.float32, types.uint32, ir.IntType(32))  # IEEE-754 bits of a float32 as uint32
    bits_f32 = _bitcast(types.uint32, types.float32, ir.FloatType())  # float32 with the bits of a uint32

    @njit(inline="always")
    def f64_bits(x):
        """IEEE-754 bits of a float64 as uint64 (a register move)."""
        return _f64_bits(x)

    @njit(inline="always")
    def bits_f64(b):
        """float64 with the IEEE-754 bits ``b`` (uint64)."""
        return _bits_f64(b)

    def _u32_binop(op):
        @intrinsic
        def _op(typingctx, a, b):
            def codegen(context, builder, signature, args):
                return getattr(builder, op)(args[0], args[1])
            return types.uint32(types.uint32, types.uint32), codegen
        return _op

    # 32-bit integer operations kept 32-bit (numba widens uint32 arithmetic to 64 bits, which halves the lanes
    # of a float32 loop): the float32 noise path (:func:`box_muller32`) is 8 lanes per AVX2 instruction
    and32 = _u32_binop("and_")
    or32 = _u32_binop("or_")
    xor32 = _u32_binop("xor")
    shl32 = _u32_binop("shl")
    shr32 = _u32_binop("lshr")

    @intrinsic
    def hi32(typingctx, w):
        """Upper 32 bits of a uint64."""
        def codegen(context, builder, signature, args):
            return builder.trunc(builder.lshr(args[0], ir.Constant(ir.IntType(64), 32)), ir.IntType(32))
        return types.uint32(types.uint64), codegen

    @intrinsic
    def lo32(typingctx, w):
        """Lower 32 bits of a uint64."""
        def codegen(context, builder, signature, args):
            return builder.trunc(args[0], ir.IntType(32))
        return types.uint32(types.uint64), codegen

if globals().get("_PURE_PYTHON", False):
    def _sqrt32(x):
        return np.float32(math.sqrt(x))  # the double root rounded to float32 is the correctly rounded float32 root
else:
    @njit(inline="always")
    def _sqrt32(x):
        return math.sqrt(x)  # float32 in, float32 out

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
_CH = np.uint64(0xD1B54A32D192ED03)
_S17 = np.uint64(17)
_S21 = np.uint64(21)
_S28 = np.uint64(28)
_S49 = np.uint64(49)
# float32 noise path
_F = np.float32
_ONE_BITS32 = np.uint32(0x3F800000)
_TWO23_BITS32 = np.uint32(0x4B000000)  # 2^23
_MANT32 = np.uint32(0x007FFFFF)
_U0_32, _U1_32, _U2_32, _U9_32, _U23_32, _U30_32, _U31_32 = (np.uint32(k) for k in (0, 1, 2, 9, 23, 30, 31))
_KOFF32 = _F(8388608.0 + 127.0)
_ONE32, _TWO32, _HALF32, _MTWO32 = _F(1.0), _F(2.0), _F(0.5), _F(-2.0)
_SQRT2_32 = _F(1.41421356)
_PIO2_32 = _F(1.5707963267948966)
# Cephes logf.c
_LF0, _LF1, _LF2 = _F(7.0376836292e-2), _F(-1.1514610310e-1), _F(1.1676998740e-1)
_LF3, _LF4, _LF5 = _F(-1.2420140846e-1), _F(1.4249322787e-1), _F(-1.6668057665e-1)
_LF6, _LF7, _LF8 = _F(2.0000714765e-1), _F(-2.4999993993e-1), _F(3.3333331174e-1)
_LN2_HI32, _LN2_LO32 = _F(0.693359375), _F(-2.12194440e-4)
# Cephes sinf.c
_SF0, _SF1, _SF2 = _F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1)
_CF0, _CF1, _CF2 = _F(2.443315711809948e-5), _F(-1.388731625493765e-3), _F(4.166664568298827e-2)

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
    """Initial xoroshiro128++ state ``(s0, s1)`` of a sample's noise stream: splitmix64 outputs 1 and 2 of ``seed``
    (never both zero: the hash is a bijection and its values at two different inputs differ)."""
    return mix64(seed), mix64(seed + _U1)


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def xoroshiro_next(s0, s1):
    """One xoroshiro128++ step (parameters a, b, c = 49, 21, 28; output rotl(s0 + s1, 17) + s0): returns
    ``(word, s0, s1)``. All 64 bits of the word are of full quality (the ``+`` scrambler's low bits are not), so
    both 32-bit halves feed a float32 uniform."""
    w = _rotl(s0 + s1, _S17) + s0
    s1 = s1 ^ s0
    s0 = _rotl(s0, _S49) ^ s1 ^ (s1 << _S21)
    s1 = _rotl(s1, _S28)
    return w, s0, s1


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def log32_pos(x):
    """Natural log of a positive normal float32 (Cephes ``logf``: degree-9 minimax polynomial, no division),
    the polynomial in Estrin's scheme (4 dependent steps instead of Horner's 9: the Box-Muller loop runs ~10 %
    faster; within 1 float32 ulp of the correctly rounded log either way)."""
    b = f32_bits(x)
    k = bits_f32(or32(shr32(b, _U23_32), _TWO23_BITS32)) - _KOFF32  # exponent as a float: 2^23 + e, exactly
    m = bits_f32(or32(and32(b, _MANT32), _ONE_BITS32))  # [1, 2)
    big = m > _SQRT2_32
    m = _HALF32 * m if big else m
    k = k + _ONE32 if big else k
    f = m - _ONE32
    z = f * f
    z2 = z * z
    q03 = (_LF8 + _LF7 * f) + (_LF6 + _LF5 * f) * z
    q47 = (_LF4 + _LF3 * f) + (_LF2 + _LF1 * f) * z
    y = (q03 + (q47 + _LF0 * z2) * z2) * f * z
    y = y + _LN2_LO32 * k
    y = y - _HALF32 * z
    return f + y + _LN2_HI32 * k


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def sin_cos_small32(x):
    """``(sin x, cos x)`` of a float32 |x| <= pi/4 (Cephes ``sinf``/``cosf`` minimax polynomials)."""
    z = x * x
    s = ((_SF0 * z + _SF1) * z + _SF2) * z * x + x
    c = ((_CF0 * z + _CF1) * z + _CF2) * z * z - _HALF32 * z + _ONE32
    return s, c


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def box_muller32(h_radius, h_angle):
    """Two standard normal float32 deviates from two 32-bit words (no rejection): the radius from a uniform on
    (0, 1] with 23 bits (so |z| <= 5.65), the angle from the quadrant (2 bits) and 23 bits within it."""
    u = _TWO32 - bits_f32(or32(shr32(h_radius, _U9_32), _ONE_BITS32))  # (0, 1]
    r = _sqrt32(_MTWO32 * log32_pos(u))
    q = shr32(h_angle, _U30_32)  # quadrant 0..3
    f = bits_f32(or32(shr32(shl32(h_angle, _U2_32), _U9_32), _ONE_BITS32)) - _ONE32  # [0, 1) within the quadrant
    s, c = sin_cos_small32((f - _HALF32) * _PIO2_32)
    odd = and32(q, _U1_32) != _U0_32
    zc = -s if odd else c  # quadrants 1 and 3: rotate by pi/2
    zs = c if odd else s
    flip = shl32(shr32(q, _U1_32), _U31_32)  # quadrants 2 and 3: rotate by pi (flip both signs)
    return r * bits_f32(xor32(f32_bits(zc), flip)), r * bits_f32(xor32(f32_bits(zs), flip))


@njit(cache=True, fastmath=_FM, error_model="numpy", inline="always")
def normal_octet_next(s0, s1):
    """Eight standard normal float32 deviates from the next four words of the stream ``(s0, s1)``: pair p from
    word p (upper half: radius, lower half: angle). Returns ``(n0, ..., n7, s0, s1)``, n(2p) and n(2p+1) the
    pair's cosine and sine deviates."""
    w0, s0, s1 = xoroshiro_next(s0, s1)
    w1, s0, s1 = xoroshiro_next(s0, s1)
    w2, s0, s1 = xoroshiro_next(s0, s1)
    w3, s0, s1 = xoroshiro_next(s0, s1)
    a0, b0 = box_muller32(hi32(w0), lo32(w0))
    a1, b1 = box_muller32(hi32(w1), lo32(w1))
    a2, b2 = box_muller32(hi32(w2), lo32(w2))
    a3, b3 = box_muller32(hi32(w3), lo32(w3))
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
        t = (s0 + s1) & _MASK
        w = ((((t << 17) | (t >> 47)) & _MASK) + s0) & _MASK
        s1 ^= s0
        s0 = (((s0 << 49) | (s0 >> 15)) & _MASK) ^ s1 ^ ((s1 << 21) & _MASK)
        s1 = ((s1 << 28) | (s1 >> 36)) & _MASK
        return w, s0, s1

    _octet_float32 = normal_octet_next

    def normal_octet_next(s0, s1):  # noqa: F811
        *z, s0, s1 = _octet_float32(s0, s1)  # numpy float32 arithmetic (no FMA: round-off may differ by an ulp)
        return (*[float(v) for v in z], s0, s1)  # Python floats: float32 * float would stay float32 in numpy

    def normal_pair_from_base(base, pair):  # noqa: F811
        k = 2 * pair + 1
        return box_muller(mix64((int(base) + k * 0x9E3779B97F4A7C15) & _MASK),
                          mix64((int(base) + (k + 1) * 0x9E3779B97F4A7C15) & _MASK))
