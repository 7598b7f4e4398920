"""Pure-numpy twin of :mod:`lunapole.kernels.gravity` (same recursion, vectorized over points; for tests)."""
from __future__ import annotations

import numpy as np

from lunapole.gravity.field import SphericalHarmonicField


def _vw(field: SphericalHarmonicField, r: np.ndarray, nmax: int, mmax: int):
    """Vbar, Wbar of shape (nmax + 1, mmax + 1, N) by the normalized Cunningham recursion."""
    R = field.ref_radius_m
    r2 = np.einsum("ij,ij->i", r, r)
    xt, yt, zt = (r[:, k] * R / r2 for k in range(3))
    rt = R * R / r2
    npts = r.shape[0]
    V = np.zeros((nmax + 1, mmax + 1, npts))
    W = np.zeros_like(V)
    V[0, 0] = np.sqrt(rt)
    for m in range(mmax + 1):
        if m > 0:
            s_m = np.sqrt((2.0 if m == 1 else 1.0) * (2 * m + 1) / (2.0 * m))
            V[m, m] = s_m * (xt * V[m - 1, m - 1] - yt * W[m - 1, m - 1])
            W[m, m] = s_m * (xt * W[m - 1, m - 1] + yt * V[m - 1, m - 1])
        for n in range(m + 1, nmax + 1):
            a = np.sqrt((2 * n + 1) * (2 * n - 1) / ((n - m) * (n + m)))
            V[n, m] = a * zt * V[n - 1, m]
            W[n, m] = a * zt * W[n - 1, m]
            if n >= m + 2:
                b = np.sqrt((2 * n + 1) * (n + m - 1) * (n - m - 1) / ((2 * n - 3) * (n + m) * (n - m)))
                V[n, m] -= b * rt * V[n - 2, m]
                W[n, m] -= b * rt * W[n - 2, m]
    return V, W


def acceleration_numpy(field: SphericalHarmonicField, r_body_m) -> np.ndarray:
    """Acceleration [m/s^2], (3,) or (N, 3) body-frame positions [m]; same maths as the numba kernel."""
    r = np.atleast_2d(np.asarray(r_body_m, dtype=np.float64))
    N, M = field.degree, field.order
    V, W = _vw(field, r, N + 1, min(M + 1, N + 1))
    acc = np.zeros_like(r)
    for m in range(M + 1):
        for n in range(m, N + 1):
            c, s = field.c_nm[n, m], field.s_nm[n, m]
            if c == 0.0 and s == 0.0:
                continue
            q = (2 * n + 1) / (2 * n + 3)
            f3 = np.sqrt(q * (n + m + 1) * (n - m + 1))
            acc[:, 2] -= f3 * (c * V[n + 1, m] + s * W[n + 1, m])
            if m == 0:
                f1 = np.sqrt(q * (n + 1) * (n + 2) / 2.0)
                acc[:, 0] -= f1 * c * V[n + 1, 1]
                acc[:, 1] -= f1 * c * W[n + 1, 1]
            else:
                f1 = 0.5 * np.sqrt(q * (n + m + 1) * (n + m + 2))
                f2 = 0.5 * np.sqrt((2.0 if m == 1 else 1.0) * q * (n - m + 1) * (n - m + 2))
                vp, wp = V[n + 1, m + 1], W[n + 1, m + 1]
                vm, wm = V[n + 1, m - 1], W[n + 1, m - 1]
                acc[:, 0] += f2 * (c * vm + s * wm) - f1 * (c * vp + s * wp)
                acc[:, 1] -= f1 * (c * wp - s * vp) + f2 * (c * wm - s * vm)
    acc *= field.gm_m3_s2 / field.ref_radius_m**2
    return acc[0] if np.ndim(r_body_m) == 1 else acc


def potential_numpy(field: SphericalHarmonicField, r_body_m):
    """Potential [m^2/s^2] (a = +grad U), float or (N,); same maths as the numba kernel."""
    r = np.atleast_2d(np.asarray(r_body_m, dtype=np.float64))
    V, W = _vw(field, r, field.degree, field.order)
    M = field.order
    u = np.einsum("nm,nmk->k", field.c_nm[:, : M + 1], V) + np.einsum("nm,nmk->k", field.s_nm[:, : M + 1], W)
    u *= field.gm_m3_s2 / field.ref_radius_m
    return float(u[0]) if np.ndim(r_body_m) == 1 else u
