"""The spherical-harmonic field value object (fully normalized coefficients, SI units)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lunapole.errors import DataError


@dataclass(frozen=True, eq=False)
class SphericalHarmonicField:
    """A gravity field: ``U = GM/r * sum (R/r)^n Pbar_nm(sin lat) (Cbar cos m lon + Sbar sin m lon)``.

    Attributes: ``gm_m3_s2`` [m^3/s^2], ``ref_radius_m`` [m], ``c_nm``/``s_nm`` fully normalized (geodesy 4-pi)
    coefficients as ``(degree + 1, degree + 1)`` arrays indexed ``[n, m]`` (``C00 = 1``), ``degree``/``order``
    (maximum used), ``frame`` (body frame the coefficients refer to, e.g. ``"MOON_PA"``), ``name``,
    ``source`` (file it came from, if any).
    """

    gm_m3_s2: float
    ref_radius_m: float
    c_nm: np.ndarray
    s_nm: np.ndarray
    degree: int
    order: int
    frame: str = "MOON_PA"
    name: str = "unnamed"
    source: str = ""
    _kernel_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        c = np.ascontiguousarray(self.c_nm, dtype=np.float64)
        s = np.ascontiguousarray(self.s_nm, dtype=np.float64)
        deg, order = int(self.degree), int(self.order)
        if c.shape != s.shape or c.ndim != 2 or c.shape[0] != c.shape[1]:
            raise DataError(f"field {self.name!r}: C and S must be square arrays of the same shape, "
                            f"got {c.shape} and {s.shape}")
        if not 0 <= order <= deg <= c.shape[0] - 1:
            raise DataError(f"field {self.name!r}: need 0 <= order ({order}) <= degree ({deg}) <= "
                            f"{c.shape[0] - 1} (array size)")
        if not (self.gm_m3_s2 > 0 and self.ref_radius_m > 0):
            raise DataError(f"field {self.name!r}: GM ({self.gm_m3_s2}) and reference radius "
                            f"({self.ref_radius_m}) must be positive")
        if c.shape[0] != deg + 1:
            c = c[: deg + 1, : deg + 1].copy()
            s = s[: deg + 1, : deg + 1].copy()
        if order < deg:
            c = c.copy()
            s = s.copy()
            c[:, order + 1 :] = 0.0
            s[:, order + 1 :] = 0.0
        c.setflags(write=False)
        s.setflags(write=False)
        object.__setattr__(self, "c_nm", c)
        object.__setattr__(self, "s_nm", s)
        object.__setattr__(self, "degree", deg)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "gm_m3_s2", float(self.gm_m3_s2))
        object.__setattr__(self, "ref_radius_m", float(self.ref_radius_m))

    @property
    def j2(self) -> float:
        """Unnormalized J2 = -sqrt(5) * Cbar20."""
        return -np.sqrt(5.0) * float(self.c_nm[2, 0]) if self.degree >= 2 else 0.0

    def truncated(self, degree: int, order: int | None = None) -> SphericalHarmonicField:
        """The same field keeping degrees <= ``degree`` and orders <= ``order`` (default: ``degree``)."""
        order = degree if order is None else order
        if not 0 <= order <= degree <= self.degree:
            raise DataError(f"field {self.name!r} has degree {self.degree}, order {self.order}; cannot truncate "
                            f"to degree {degree}, order {order} (need 0 <= order <= degree <= {self.degree})")
        if order > self.order:
            raise DataError(f"field {self.name!r} has order {self.order}; asked order {order}")
        return SphericalHarmonicField(self.gm_m3_s2, self.ref_radius_m, self.c_nm[: degree + 1, : degree + 1],
                                      self.s_nm[: degree + 1, : degree + 1], degree, order, self.frame,
                                      self.name, self.source)

    def kernel_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """``(tables, row_start)`` for :mod:`lunapole.kernels.gravity`, built once per field (read-only)."""
        cached = self._kernel_cache.get("tables")
        if cached is None:
            from lunapole.kernels.gravity import build_tables

            tables, row_start = build_tables(self.c_nm, self.s_nm, self.degree, self.order)
            tables.setflags(write=False)
            row_start.setflags(write=False)
            cached = self._kernel_cache["tables"] = (tables, row_start)
        return cached

    def kernel_args(self) -> tuple:
        """Arguments for :func:`lunapole.kernels.gravity.sh_acceleration` (after x, y, z, before out).

        Returns ``(gm, ref_radius, nmax, mmax, tables, row_start, work)``; ``work`` is a fresh scratch array on
        every call (use one per thread); the tables are built once per field and shared (read-only).
        """
        from lunapole.kernels.gravity import new_work

        tables, row_start = self.kernel_tables()
        return (self.gm_m3_s2, self.ref_radius_m, np.int64(self.degree), np.int64(self.order), tables,
                row_start, new_work(self.degree))

    def __repr__(self) -> str:
        return (f"SphericalHarmonicField(name={self.name!r}, degree={self.degree}, order={self.order}, "
                f"gm_m3_s2={self.gm_m3_s2!r}, ref_radius_m={self.ref_radius_m!r}, frame={self.frame!r})")
