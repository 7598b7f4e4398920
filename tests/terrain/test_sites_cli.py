"""Slope/roughness/hazard (closed forms), site ranking and the `lunapole sites` command."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lunapole.terrain import analysis, synthetic
from lunapole.terrain.dem import write_geotiff
from lunapole.terrain.sites import distance_to_mask_km, large_psrs, rank_base_sites, write_geojson


def test_cone_slope_is_analytic():
    """Cone flank slope = atan(height / base radius) = 18.435 deg (closed form); a plane has zero roughness."""
    dem = synthetic.cone(101, 101, 20.0, -89.0, 0.0, 500.0, 1500.0)
    slope, rough, aspect = analysis.plane_fit(dem, 100.0)
    assert abs(slope[50, 20] - np.degrees(np.arctan(500 / 1500))) < 0.05  # deg (scale factor k = 1.00008)
    assert aspect[50, 20] == pytest.approx(270.0, abs=0.5)  # descends towards -x on the west flank
    ridge = synthetic.ridge(41, 41, 10.0, -89.0, 0.0, 100.0, 300.0, azimuth_deg=0.0)
    s, r, _ = analysis.plane_fit(ridge, 50.0)
    assert abs(s[20, 5] - np.degrees(np.arctan(100 / 300))) < 0.05
    assert r[20, 5] < 1e-6  # plane: no residual
    assert r[20, 20] > 1.0  # the crest is rough at this footprint
    haz = analysis.hazard_mask(dem, 10.0, 5.0, 100.0)
    assert haz[50, 20] and not haz[0, 0]


def test_psr_area_filter_and_distance():
    dem = synthetic.flat_sphere(50, 50, 1000.0, -89.0, 0.0)
    psr = np.zeros(dem.shape, bool)
    psr[10:14, 10:14] = True  # 16 km^2
    psr[40, 40] = True  # 1 km^2
    big = large_psrs(psr, dem, 5.0)
    assert big[11, 11] and not big[40, 40]
    d = distance_to_mask_km(big, dem)
    assert d[13, 23] == pytest.approx(10.0, rel=1e-3)  # 10 cells east of the PSR edge


def test_rank_base_sites_on_lola(lola_dem, lola_year, tmp_path):
    slope = analysis.slope_deg(lola_dem)
    sites = rank_base_sites(lola_dem, lola_year.mean_illumination, lola_year.longest_darkness_h,
                            lola_year.earth_visible_fraction, lola_year.psr, slope, top=5)
    assert len(sites) == 5
    assert [s["rank"] for s in sites] == [1, 2, 3, 4, 5]
    assert all(sites[i]["score"] >= sites[i + 1]["score"] for i in range(4))
    # the best base site lies near the pole's lit ridges (within 40 km of Shackleton, Gläser et al. 2014)
    assert sites[0]["lat_deg"] < -89.0
    assert sites[0]["mean_illumination"] > 0.8
    path = tmp_path / "s.geojson"
    write_geojson(path, sites)
    gj = json.loads(path.read_text())
    assert gj["type"] == "FeatureCollection"
    lon, lat = gj["features"][0]["geometry"]["coordinates"]
    assert (lon, lat) == (sites[0]["lon_deg"], sites[0]["lat_deg"])
    assert -90 <= lat <= -75 and -180 <= lon <= 180


def test_sites_command_end_to_end(lola_dem, tmp_path, capsys):
    """`lunapole sites --json` on a 60 x 60 crop around the pole, two weeks at 12 h."""
    import rasterio

    from lunapole.cli import main

    crop = lola_dem.window(130, 190, 130, 190)
    dem_path = tmp_path / "crop.tif"
    write_geotiff(dem_path, crop, crop.elevation_m)
    out = tmp_path / "out"
    rc = main(["sites", "--dem", str(dem_path), "--start", "2026-01-01", "--stop", "2026-01-15", "--step-h", "12",
               "--out", str(out), "--json", "--top", "3", "--landing-start", "2026-01-02",
               "--landing-stop", "2026-01-03"])
    assert rc == 0
    sites = json.loads(capsys.readouterr().out)
    assert len(sites) == 3
    for key in ("lat_deg", "lon_deg", "mean_illumination", "longest_darkness_h", "earth_visible_fraction",
                "slope_deg", "distance_to_psr_km", "score"):
        assert key in sites[0]
    for name in ("illumination", "longest_darkness_h", "earth_visible_fraction", "psr", "slope_deg"):
        with rasterio.open(out / f"{name}.tif") as ds:
            assert ds.crs is not None and ds.shape == (60, 60)
            assert ds.transform.c == crop.x0_m and ds.transform.f == crop.y0_m
    assert (out / "sites.geojson").exists() and (out / "sites_map.png").stat().st_size > 10_000
    assert (out / "landing_sites.geojson").exists()


def test_sites_command_bad_input_exits_2(tmp_path, capsys):
    from lunapole.cli import main

    rc = main(["sites", "--dem", str(tmp_path / "missing.tif"), "--start", "2026-01-01", "--stop", "2026-01-02",
               "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "not found" in capsys.readouterr().err
