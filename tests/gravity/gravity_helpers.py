"""Helpers for the gravity tests: synthetic Kaula-rule fields, spherical coordinates."""
from __future__ import annotations

import numpy as np
from lunapole.gravity import SphericalHarmonicField

GM = 4.9028001224453e12  # GRGM1200A header, shared/data/PROVENANCE.md
R_REF = 1.738e6


def kaula_field(degree: int, seed: int = 0, amplitude: float = 2.5e-4) -> SphericalHarmonicField:
    """Random fully normalized coefficients with Kaula-rule decay sigma_n = amplitude / n^2 (lunar-like)."""
    rng = np.random.default_rng(seed)
    n = np.arange(degree + 1, dtype=float)[:, None]
    sigma = amplitude / np.maximum(n, 1.0) ** 2
    c = np.tril(rng.normal(size=(degree + 1, degree + 1))) * sigma
    s = np.tril(rng.normal(size=(degree + 1, degree + 1))) * sigma
    s[:, 0] = 0.0
    c[0, 0] = 1.0
    c[1, :] = 0.0
    s[1, :] = 0.0
    return SphericalHarmonicField(GM, R_REF, c, s, degree, degree, "MOON_PA", f"kaula{degree}")


def spherical_to_cartesian(r_m, colat_rad, lon_rad) -> np.ndarray:
    return np.stack([r_m * np.sin(colat_rad) * np.cos(lon_rad), r_m * np.sin(colat_rad) * np.sin(lon_rad),
                     r_m * np.cos(colat_rad)], axis=-1)


