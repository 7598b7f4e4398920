"""Linear case: small Gaussian dispersions of a two-body coast arc through the generic campaign path
(load + overrides + run_scenario per sample, DOP853 propagation) against the covariance mapped with the
two-body state transition matrix Phi P0 Phi^T. Phi is independent of the numerical propagator: central
finite differences of the analytic universal-variable Kepler solution (Vallado, algorithm 8).

Bound: whiten the final deviations with the predicted covariance P = L L^T; their sample covariance S_w
should be I_6. For N Gaussian samples E||S_w - I||_F^2 = (d^2 + d)/(N - 1) (Wishart second moments,
Var(S_ij) = (P_ij^2 + P_ii P_jj)/(N - 1)); we allow 3 times its square root. The mean squared whitened
norm is chi-square with d N degrees of freedom / N: within 4 of its standard deviation sqrt(2 d / N).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2
from lunapole.campaign.runner import run_campaign
from lunapole.orbit.elements import kepler_propagate

HERE = Path(__file__).resolve().parent
R0_M = np.array([1837.4e3, 0.0, 0.0])  # coast_linear.toml
V0_M_S = np.array([0.0, 1.3e3, 1.1e3])
SIGMA0 = np.array([10.0, 20.0, 5.0, 0.01, 0.02, 0.005])  # m, m/s (the toml's sigmas, converted from km)
DT_S = 3600.0
N = 1000


def _kepler(x: np.ndarray) -> np.ndarray:
    r, v = kepler_propagate(x[:3], x[3:], DT_S, MOON_GM_M3_S2)
    return np.concatenate([r, v])


def _stm() -> np.ndarray:
    x0 = np.concatenate([R0_M, V0_M_S])
    phi = np.empty((6, 6))
    for j, h in enumerate([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3]):
        dx = np.zeros(6)
        dx[j] = h
        phi[:, j] = (_kepler(x0 + dx) - _kepler(x0 - dx)) / (2.0 * h)
    return phi


def test_sample_covariance_matches_the_stm_mapped_covariance(tmp_path):
    res = run_campaign(HERE / "coast_linear.toml", N, 2024, tmp_path / "c", workers=2, progress=False, report=False)
    assert res.summary["model"] == "scenario"
    t = res.table
    cols = [f"final.r_m.{c}" for c in "xyz"] + [f"final.v_m_s.{c}" for c in "xyz"]
    xf = np.column_stack([t.column(c).to_numpy() for c in cols])
    drawn = np.column_stack([t.column(f"in.initial_state.{k}[{i}]").to_numpy() for k in ("position_km", "velocity_km_s")
                             for i in range(3)]) * 1e3
    assert np.allclose(drawn.std(axis=0, ddof=1) / SIGMA0, 1.0, atol=0.1)  # the inputs really were dispersed

    phi = _stm()
    p_pred = phi @ np.diag(SIGMA0**2) @ phi.T
    chol = np.linalg.cholesky(p_pred)
    # The sample mean is the Kepler nominal: N |L^-1 (mean - nominal)|^2 ~ chi-square(6); 27.9 = 99.99 %.
    nominal = _kepler(np.concatenate([R0_M, V0_M_S]))
    z = np.linalg.solve(chol, xf.mean(axis=0) - nominal)
    assert N * z @ z < 27.9, N * z @ z
    dev = xf - xf.mean(axis=0)
    w = np.linalg.solve(chol, dev.T).T
    s_w = w.T @ w / (N - 1)
    d = 6
    frob = np.linalg.norm(s_w - np.eye(d))
    assert frob < 3.0 * np.sqrt((d * d + d) / (N - 1)), frob  # Wishart bound, see module docstring
    msq = np.mean(np.sum(w**2, axis=1))
    assert abs(msq - d) < 4.0 * np.sqrt(2.0 * d / N) * (N / (N - 1)) + d / N, msq

    # The test can fail: the covariance of the initial state alone (no propagation) is far off.
    w_bad = np.linalg.solve(np.linalg.cholesky(np.diag(SIGMA0**2)), dev.T).T
    assert np.linalg.norm(w_bad.T @ w_bad / (N - 1) - np.eye(d)) > 10.0
