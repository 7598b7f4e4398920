"""User-facing field acceleration and potential (wrappers over :mod:`lunapole.kernels.gravity`)."""
from __future__ import annotations

import numpy as np

from lunapole.errors import LunapoleError
from lunapole.gravity.field import SphericalHarmonicField
from lunapole.kernels import gravity as kg


def _positions(r_body_m) -> tuple[np.ndarray, bool]:
    r = np.ascontiguousarray(r_body_m, dtype=np.float64)
    single = r.ndim == 1
    r2 = r.reshape(1, 3) if single and r.shape == (3,) else r
    if r2.ndim != 2 or r2.shape[1] != 3:
        raise LunapoleError(f"positions must have shape (3,) or (N, 3) in metres, got {np.shape(r_body_m)}")
    if r2.shape[0] and not np.all(np.einsum("ij,ij->i", r2, r2) > 0.0):
        raise LunapoleError("gravity field evaluated at the body centre (r = 0) is undefined")
    return r2, single


def acceleration_m_s2(field: SphericalHarmonicField, r_body_m) -> np.ndarray:
    """Gravitational acceleration [m/s^2] at positions (3,) or (N, 3) [m] in the field's body frame."""
    r, single = _positions(r_body_m)
    gm, ref, nmax, mmax, tables, row_start, work = field.kernel_args()
    if single:
        out = np.empty(3)
        kg.sh_acceleration(r[0, 0], r[0, 1], r[0, 2], gm, ref, nmax, mmax, tables, row_start, work, out)
        return out
    out = np.empty_like(r)
    kg.sh_acceleration_batch(r, gm, ref, nmax, mmax, tables, row_start, out)
    return out


def potential_m2_s2(field: SphericalHarmonicField, r_body_m) -> np.ndarray | float:
    """Gravitational potential U [m^2/s^2] (a = +grad U, GM/r for a point mass); float or (N,)."""
    r, single = _positions(r_body_m)
    gm, ref, nmax, mmax, tables, row_start, work = field.kernel_args()
    if single:
        return float(kg.sh_potential(r[0, 0], r[0, 1], r[0, 2], gm, ref, nmax, mmax, tables, row_start, work))
    out = np.empty(r.shape[0])
    kg.sh_potential_batch(r, gm, ref, nmax, mmax, tables, row_start, out)
    return out
