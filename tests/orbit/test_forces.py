"""Force model: ephemeris/rotation interpolation vs direct SPICE, compiled kernels vs numpy twins.

References: SPICE (spkpos/pxform through lunapole.astro) for the interpolation tables; the textbook
third-body difference (Montenbruck & Gill eq. 3.37) for Battin's form; the gravity package's numpy
reference (lunapole.gravity.reference) for the field term.
"""
import numpy as np
import pytest

from lunapole.astro import ephemeris, frames
from lunapole.gravity import load_field
from lunapole.kernels import orbit_forces as K
from lunapole.orbit import FiniteBurn, ForceModel, keplerian_to_state
from lunapole.orbit.forces import rhs_numpy

ET0 = 7.6e8
SPAN_S = 2 * 86400.0


@pytest.fixture(scope="module")
def field8():
    return load_field("GRGM1200A", 8, 8)


@pytest.mark.parametrize("eph", ["DE421", "DE440"])
def test_chebyshev_tables_match_spice(field8, eph):
    fm = ForceModel(field8, ephemeris=eph)
    prep = fm.prepare(ET0, ET0 + SPAN_S, terrain=True)
    rng = np.random.default_rng(1)
    ets = np.concatenate([ET0 + rng.uniform(0, SPAN_S, 40), ET0 + 21600.0 * np.arange(0, 8) - 60.0 + 1e-3])
    w = np.zeros(prep.tab.shape[2] + 8)
    worst = {"EARTH": 0.0, "SUN": 0.0}
    worst_rot = 0.0
    for et in ets:
        K.cheb_eval(prep.tab, prep.fp[K.FP_TAB_T0], prep.fp[K.FP_TAB_SEG], et, w)
        R = w[:9].reshape(3, 3)
        R_spice = frames.rotation("J2000", "MOON_PA", et, ephemeris=eph)
        worst_rot = max(worst_rot, np.linalg.norm(R @ R_spice.T - np.eye(3)) / np.sqrt(2))
        Rme = w[9:18].reshape(3, 3)
        worst_rot = max(worst_rot, np.linalg.norm(Rme @ frames.rotation("J2000", "MOON_ME", et, ephemeris=eph).T
                                                  - np.eye(3)) / np.sqrt(2))
        for i, body in enumerate(("EARTH", "SUN")):
            p = ephemeris.position_m(body, et, ephemeris=eph)
            worst[body] = max(worst[body], np.linalg.norm(w[18 + 3 * i:21 + 3 * i] - p))
    assert worst["EARTH"] < 1e-3  # m: interpolated Earth position vs SPICE spkpos
    # SPICE itself jitters by |v| * ulp(et): the Sun moves ~30 km/s relative to the Moon and et ~ 7.6e8 s has a
    # 1.2e-7 s resolution -> ~3.6 mm of noise in the reference; the interpolant is smoother than that.
    assert worst["SUN"] < 1e-3 + 30e3 * np.spacing(ET0 + SPAN_S)  # m
    assert worst_rot < 1e-10  # rad: interpolated J2000->MOON_PA/MOON_ME vs SPICE pxform
    # numpy twin of the Clenshaw evaluation
    v = K.cheb_eval_numpy(prep.tab, prep.fp[K.FP_TAB_T0], prep.fp[K.FP_TAB_SEG], ets[3])
    K.cheb_eval(prep.tab, prep.fp[K.FP_TAB_T0], prep.fp[K.FP_TAB_SEG], ets[3], w)
    assert np.max(np.abs(v - w[:v.size])) < 1e-6


def test_battin_third_body_equals_direct_difference():
    r = np.array([1.8e6, -0.3e6, 0.5e6])
    s = np.array([3.8e8, 0.5e8, -0.2e8])
    out = np.zeros(3)
    K.third_body_accel(*r, *s, 3.986e14, out)
    ref = K.third_body_accel_naive(r, s, 3.986e14)
    # the naive difference loses ~8 digits to cancellation; agreement to 1e-12 m/s^2 is its floor
    assert np.linalg.norm(out - ref) < 1e-12  # m/s^2, M&G eq. 3.37
    assert np.linalg.norm(ref) > 1e-6  # the tidal term is not trivially zero


def test_compiled_rhs_matches_numpy_twin(field8):
    fm = ForceModel(field8, third_bodies=("EARTH", "SUN"), srp=(2.0, 1.3))
    burn = FiniteBurn(thrust_n=400.0, isp_s=310.0, direction="against_velocity", duration_s=100.0)
    st = keplerian_to_state(1.84e6, 0.02, 85.0, 10.0, 20.0, 30.0, epoch_tdb_s=ET0 + 5000.0, mass_kg=1500.0)
    prep = fm.prepare(ET0, ET0 + 86400.0).with_burn(burn)
    got = prep.acceleration(st.epoch_tdb_s, st.y)
    ref = rhs_numpy(fm, st.epoch_tdb_s, st.y, burn=burn)
    assert np.linalg.norm(got[3:6] - ref[3:6]) < 1e-11  # m/s^2 (total ~1.4 m/s^2)
    assert abs(got[6] - ref[6]) < 1e-15
    assert abs(got[6] + 400.0 / (310.0 * 9.80665)) < 1e-12  # mdot = F / (Isp g0)


def test_srp_cylindrical_shadow():
    fm = ForceModel(None, third_bodies=("SUN",), srp=(10.0, 1.5))
    prep = fm.prepare(ET0, ET0 + 1000.0)
    sun = ephemeris.position_m("SUN", ET0)
    u = sun / np.linalg.norm(sun)
    base = ForceModel(None, third_bodies=("SUN",)).prepare(ET0, ET0 + 1000.0)
    lit = 1.9e6 * u
    dark = -1.9e6 * u
    a_lit = prep.acceleration(ET0, np.concatenate([lit, [0, 0, 0], [100.0]]))[3:6] - \
        base.acceleration(ET0, np.concatenate([lit, [0, 0, 0], [100.0]]))[3:6]
    a_dark = prep.acceleration(ET0, np.concatenate([dark, [0, 0, 0], [100.0]]))[3:6] - \
        base.acceleration(ET0, np.concatenate([dark, [0, 0, 0], [100.0]]))[3:6]
    d = np.linalg.norm(sun - lit)
    expected = 1361.0 / 299792458.0 * (1.495978707e11 / d) ** 2 * 10.0 * 1.5 / 100.0
    assert abs(np.linalg.norm(a_lit) - expected) < 1e-6 * expected  # cannonball SRP, M&G eq. 3.75
    assert a_lit @ u < 0  # pushes away from the Sun
    assert np.linalg.norm(a_dark) == 0.0  # inside the cylindrical shadow


def test_cached_segments_reused_across_spans(field8):
    fm = ForceModel(field8)
    a = fm.prepare(ET0, ET0 + 3600.0)
    b = fm.prepare(ET0 - 86400.0, ET0 + 86400.0)  # overlaps: reuses the cached segments
    w1 = np.zeros(a.tab.shape[2] + 8)
    w2 = np.zeros(b.tab.shape[2] + 8)
    for et in (ET0 + 10.0, ET0 + 3000.0):
        K.cheb_eval(a.tab, a.fp[K.FP_TAB_T0], a.fp[K.FP_TAB_SEG], et, w1)
        K.cheb_eval(b.tab, b.fp[K.FP_TAB_T0], b.fp[K.FP_TAB_SEG], et, w2)
        assert np.array_equal(w1, w2)
    assert a.fp[K.FP_TAB_T0] <= ET0 - 60.0 and a.fp[K.FP_TAB_T0] + a.tab.shape[0] * a.fp[K.FP_TAB_SEG] >= ET0 + 3660.0
