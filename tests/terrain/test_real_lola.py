"""Real LOLA topography (shared 2-km grid, effective resolution ~3.8 km): literature PSRs and lit ridges.

The grid is coarse (PROVENANCE.md: 8 px/deg LOLA resampled), so thresholds are relative and generous:
rims are smoothed, small PSRs vanish, floors of the big polar craters remain. One year (2026) at 6 h.
"""
from __future__ import annotations

import numpy as np
import pytest

from lunapole.terrain.projection import latlon_to_stereo
from lunapole.terrain.sites import cell_area_km2

# Crater centres: IAU gazetteer (shared/data/sites/iau_moon_features_south_of_75S.csv).
PSR_FLOORS = {"Shackleton": (-89.67, 129.78), "Haworth": (-87.45, -5.17), "Shoemaker": (-88.14, 45.91),
              "Faustini": (-87.18, 84.31)}


@pytest.mark.parametrize("name", sorted(PSR_FLOORS))
def test_known_psr_crater_floors_are_permanently_shadowed(name, lola_dem, lola_year):
    """Floors of Shackleton, Haworth, Shoemaker and Faustini are permanently shadowed (Mazarico et al. 2011,
    Icarus 211, 1066-1081, Fig. 8 and Table 2; Bussey et al. 2010, Icarus 208, 558-564)."""
    r, c = lola_dem.cell_of_latlon(*PSR_FLOORS[name])
    assert bool(lola_year.psr[r, c]), f"{name} floor lit: max fraction {lola_year.max_fraction[r, c]}"
    assert lola_year.longest_darkness_h[r, c] >= 8760.0


def _neighbourhood(lola_dem, lat, lon, radius_m):
    x, y = lola_dem.xy_grid_m()
    xc, yc = latlon_to_stereo(lat, lon)
    return np.hypot(x - xc, y - yc) < radius_m


def test_bussey_2010_most_illuminated_point_is_highly_lit(lola_dem, lola_year):
    """Bussey et al. 2010 (Icarus 208, abstract): the most illuminated place, 86 % of 2020, is near the
    Shackleton rim at 88.74 S 124.5 E. On our 3.8-km-effective grid the best cell within one cell of it is
    in the top 1 % of its 30 km surroundings and lit >= 70 % of the year."""
    r, c = lola_dem.cell_of_latlon(-88.74, 124.5)
    best = lola_year.mean_illumination[r - 1:r + 2, c - 1:c + 2].max()
    near = _neighbourhood(lola_dem, -88.74, 124.5, 30e3)
    assert best >= 0.70
    assert np.mean(lola_year.mean_illumination[near] < best) > 0.99


def test_connecting_ridge_is_highly_lit_with_short_nights(lola_dem, lola_year):
    """Gläser et al. 2014 (Icarus 243, 78-90): on the ridge connecting Shackleton and de Gerlache, sunlight
    92.27 % of the time (2 m above ground, 20 m DTM) and longest darkness typically 3-5 days. Within 15 km of
    the midpoint between the two crater centres our best cell is lit >= 85 % with darkness <= 5 days."""
    xs, ys = latlon_to_stereo(-89.67, 129.78)  # Shackleton
    xg, yg = latlon_to_stereo(-88.48, -88.34)  # de Gerlache
    x, y = lola_dem.xy_grid_m()
    near = np.hypot(x - (xs + xg) / 2, y - (ys + yg) / 2) < 15e3
    ill = np.where(near, lola_year.mean_illumination, -1.0)
    r, c = np.unravel_index(np.argmax(ill), ill.shape)
    assert lola_year.mean_illumination[r, c] >= 0.85
    assert lola_year.longest_darkness_h[r, c] <= 5 * 24.0
    median_all = np.median(lola_year.mean_illumination[lola_dem.latlon_deg()[0] < -85])
    assert lola_year.mean_illumination[r, c] > 2.5 * median_all  # far above the polar average


def test_total_psr_area_is_of_the_published_order(lola_dem, lola_year):
    """Mazarico et al. 2011: 16,055 km^2 of PSR in the south (240 m DEMs, to 80 S). A 3.8-km-effective grid
    loses the many small PSRs, so we expect between 30 % and 110 % of it."""
    lat, _ = lola_dem.latlon_deg()
    area = float(np.sum(cell_area_km2(lola_dem) * (lola_year.psr & (lat < -80.0))))
    assert 0.3 * 16055 < area < 1.1 * 16055
