"""Fixtures for the gravity tests: the real GRGM1200A to degree 100 (shared degree-200 copy)."""
from __future__ import annotations

import pytest

from lunapole.gravity import SphericalHarmonicField, load_field


@pytest.fixture(scope="session")
def grgm100(shared_data) -> SphericalHarmonicField:
    """GRGM1200A to degree 100 from the shared degree-200 copy."""
    return load_field(shared_data / "gravity" / "gggrx_1200a_sha_deg200.tab", degree=100)
