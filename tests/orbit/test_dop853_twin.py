"""The compiled DOP853 step and dense output vs a numpy twin built from scipy's own DOP853 pieces
(``scipy.integrate._ivp.rk.rk_step`` and the interpolant of ``scipy.integrate.DOP853``)."""
import numpy as np
from scipy.integrate._ivp import dop853_coefficients as dc
from scipy.integrate._ivp.rk import rk_step

from lunapole.astro.constants import MOON_GM_M3_S2
from lunapole.kernels import dop853 as D
from lunapole.orbit import FiniteBurn, ForceModel, keplerian_to_state

MU = MOON_GM_M3_S2
BURN = FiniteBurn(thrust_n=500.0, isp_s=300.0, direction="along_velocity", duration_s=1e3)


def f_numpy(t, y):
    r, v, m = y[:3], y[3:6], y[6]
    a = -MU * r / np.linalg.norm(r) ** 3 + BURN.actual_thrust_n / m * v / np.linalg.norm(v)
    return np.concatenate([v, a, [-BURN.mass_flow_kg_s]])


def test_step_and_interpolant_match_scipy_twin():
    st = keplerian_to_state(1.9e6, 0.1, 30.0, 10.0, 20.0, 40.0, mass_kg=900.0)
    y0 = st.y
    t0, h = 0.0, 120.0
    # numpy twin (scipy internals)
    K_ref = np.empty((dc.N_STAGES + 1, 7))
    y_ref, f_ref = rk_step(f_numpy, t0, y0, f_numpy(t0, y0), h, dc.A[:dc.N_STAGES, :dc.N_STAGES], dc.B,
                           dc.C[:dc.N_STAGES], K_ref)
    Kx = np.empty((16, 7))
    Kx[:13] = K_ref
    for s in range(13, 16):
        Kx[s] = f_numpy(t0 + dc.C[s] * h, y0 + h * Kx[:s].T @ dc.A[s, :s])
    dy = y_ref - y0
    F_ref = np.vstack([dy, h * K_ref[0] - dy, 2 * dy - h * (f_ref + K_ref[0]), h * dc.D @ Kx])

    def interp(x):
        acc = np.zeros(7)
        for i, Fi in enumerate(reversed(F_ref)):
            acc += Fi
            acc *= x if i % 2 == 0 else 1 - x
        return y0 + acc

    # compiled kernel with the same dynamics (point-mass Moon + thrust along velocity)
    prep = ForceModel(None, third_bodies=()).prepare(t0, t0 + h).with_burn(BURN)
    w = np.zeros(prep.tab.shape[2] + 8)
    f0 = np.empty(7)
    from lunapole.kernels.orbit_forces import rhs

    rhs(t0, y0, prep.fp, prep.tables, prep.col_start, prep.work, prep.tab, w, f0)
    K = np.empty((13, 7))
    ynew = np.empty(7)
    D._step(t0, y0, f0, h, prep.fp, prep.tables, prep.col_start, prep.work, prep.tab, w, K, ynew, np.empty(7))
    assert np.max(np.abs(ynew[:3] - y_ref[:3])) < 1e-8  # m, same arithmetic up to rounding
    assert np.max(np.abs(ynew[3:] - y_ref[3:])) < 1e-11
    F = np.empty((7, 7))
    D.dense_coeffs(t0, h, y0, ynew, K, prep.fp, prep.tables, prep.col_start, prep.work, prep.tab, w, F)
    out = np.empty(7)
    for x in (0.13, 0.5, 0.91):
        D.dense_eval(t0, h, y0, F, t0 + x * h, out)
        assert np.max(np.abs(out[:3] - interp(x)[:3])) < 1e-8  # m
    # error norm as scipy's DOP853._estimate_error_norm
    scale = 1e-3 + np.maximum(np.abs(y0), np.abs(ynew)) * 1e-9
    err5 = K_ref.T @ dc.E5 / scale
    err3 = K_ref.T @ dc.E3 / scale
    e5, e3 = np.linalg.norm(err5) ** 2, np.linalg.norm(err3) ** 2
    ref_norm = abs(h) * e5 / np.sqrt((e5 + 0.01 * e3) * 7)
    got = D._error_norm(K, h, y0, ynew, 1e-9, np.full(7, 1e-3))
    assert abs(got / ref_norm - 1) < 1e-6  # the E3/E5 sums cancel ~8 digits: rounding-level agreement


def test_tableau_copy_equals_scipy():
    # lunapole.kernels.dop853_tableau is a copy of scipy's DOP853 coefficients (so that the propagator does not
    # import scipy.integrate); every float64 must be bit-identical to scipy's.
    from lunapole.kernels import dop853_tableau as T

    for name in ("A", "B", "C", "D", "E3", "E5"):
        ref = np.asarray(getattr(dc, name), dtype=np.float64)
        assert getattr(T, name).shape == ref.shape and np.array_equal(getattr(T, name), ref), name
    assert (T.N_STAGES, T.N_STAGES_EXTENDED) == (dc.N_STAGES, dc.N_STAGES_EXTENDED)
