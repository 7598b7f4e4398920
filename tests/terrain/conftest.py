"""Shared fixtures: the real LOLA 2-km polar stereographic grid, its horizon map and a year of illumination."""
from __future__ import annotations

import pytest

LOLA_TIF = "terrain/DERIVED_lola_svs_8ppd_southpole_stereo_2km_elev_m.tif"


@pytest.fixture(scope="session")
def lola_dem(shared_data):
    from lunapole.terrain.dem import read_dem

    return read_dem(shared_data / LOLA_TIF)


@pytest.fixture(scope="session")
def lola_horizon(lola_dem):
    from lunapole.terrain.horizon import compute_horizon

    return compute_horizon(lola_dem, n_az=360)


@pytest.fixture(scope="session")
def lola_year(lola_horizon):
    """One year (2026) every 6 h: 1461 epochs."""
    from lunapole.terrain.illumination import epochs_tdb_s, illumination_maps

    et = epochs_tdb_s("2026-01-01T00:00:00", "2027-01-01T00:00:00", 6.0)
    return illumination_maps(lola_horizon, et)
