"""User-facing field acceleration and potential (wrappers over :mod:`lunapole.kernels.gravity`)."""
from __future__ import annotations

import math
import threading

import numpy as np

from lunapole.errors import LunapoleError
from lunapole.gravity.field import SphericalHarmonicField
from lunapole.kernels import gravity as kg

_local = threading.local()  # one scratch array per thread and degree (the kernel overwrites it)


def _work(nmax: int) -> np.ndarray:
    cache = getattr(_local, "work", None)
    if cache is None:
        cache = _local.work = {}
    work = cache.get(nmax)
    if work is None:
        work = cache[nmax] = kg.new_work(nmax)
    return work


def _single(r_body_m) -> tuple[float, float, float] | None:
    """(x, y, z) for a (3,) input, None for anything else (then the array path checks the shape)."""
    if isinstance(r_body_m, np.ndarray):
        if r_body_m.shape != (3,):
            return None
        x, y, z = (float(v) for v in r_body_m)
    elif isinstance(r_body_m, (list, tuple)) and len(r_body_m) == 3 and not hasattr(r_body_m[0], "__len__"):
        x, y, z = (float(v) for v in r_body_m)
    else:
        return None
    if not x * x + y * y + z * z > 0.0 or not math.isfinite(x + y + z):
        raise LunapoleError(f"gravity field evaluated at r = ({x}, {y}, {z}) m: the body centre (r = 0) and "
                            f"non-finite positions are undefined")
    return x, y, z


def _positions(r_body_m) -> np.ndarray:
    r = np.ascontiguousarray(r_body_m, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] != 3:
        raise LunapoleError(f"positions must have shape (3,) or (N, 3) in metres, got {np.shape(r_body_m)}")
    if r.shape[0] and not np.all(np.einsum("ij,ij->i", r, r) > 0.0):
        raise LunapoleError("gravity field evaluated at the body centre (r = 0) is undefined")
    return r


def acceleration_m_s2(field: SphericalHarmonicField, r_body_m) -> np.ndarray:
    """Gravitational acceleration [m/s^2] at positions (3,) or (N, 3) [m] in the field's body frame."""
    tables, row_start = field.kernel_tables()
    nmax, mmax = field.degree, field.order
    xyz = _single(r_body_m)
    if xyz is not None:
        out = np.empty(3)
        kg.sh_acceleration(xyz[0], xyz[1], xyz[2], field.gm_m3_s2, field.ref_radius_m, nmax, mmax, tables,
                           row_start, _work(nmax), out)
        return out
    r = _positions(r_body_m)
    out = np.empty_like(r)
    kg.sh_acceleration_batch(r, field.gm_m3_s2, field.ref_radius_m, nmax, mmax, tables, row_start, out)
    return out


def potential_m2_s2(field: SphericalHarmonicField, r_body_m) -> np.ndarray | float:
    """Gravitational potential U [m^2/s^2] (a = +grad U, GM/r for a point mass); float or (N,)."""
    tables, row_start = field.kernel_tables()
    nmax, mmax = field.degree, field.order
    xyz = _single(r_body_m)
    if xyz is not None:
        return float(kg.sh_potential(xyz[0], xyz[1], xyz[2], field.gm_m3_s2, field.ref_radius_m, nmax, mmax,
                                     tables, row_start, _work(nmax)))
    r = _positions(r_body_m)
    out = np.empty(r.shape[0])
    kg.sh_potential_batch(r, field.gm_m3_s2, field.ref_radius_m, nmax, mmax, tables, row_start, out)
    return out
