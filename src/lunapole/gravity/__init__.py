"""Lunar gravity: spherical-harmonic fields, file loaders, catalog, acceleration and potential.

Public API (docs/architecture.md, docs/gravity.md)::

    from lunapole.gravity import load_field, acceleration_m_s2
    field = load_field("GRGM1200A", degree=100)          # MOON_PA frame
    a = acceleration_m_s2(field, [0.0, 0.0, -1.8e6])     # m/s^2, body frame

The compiled kernel for use inside numba code is :func:`lunapole.kernels.gravity.sh_acceleration`
(arguments from :meth:`SphericalHarmonicField.kernel_args`).
"""
from lunapole.gravity.acceleration import acceleration_m_s2, potential_m2_s2
from lunapole.gravity.catalog import CATALOG, DEFAULT_FIELD, FieldEntry, fetch_field, load_field, locations
from lunapole.gravity.field import SphericalHarmonicField
from lunapole.gravity.loaders import read_cof, read_icgem, read_shadr, write_icgem

__all__ = [
    "CATALOG",
    "DEFAULT_FIELD",
    "FieldEntry",
    "SphericalHarmonicField",
    "acceleration_m_s2",
    "fetch_field",
    "load_field",
    "locations",
    "potential_m2_s2",
    "read_cof",
    "read_icgem",
    "read_shadr",
    "write_icgem",
]
