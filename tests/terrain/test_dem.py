"""Elevation-model readers, projection and bad-input errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from lunapole.errors import DataError, EphemerisCoverageError, LunapoleError
from lunapole.terrain import projection
from lunapole.terrain.dem import Dem, parse_pds3_label, read_block, read_dem, write_geotiff, write_pds3_ldem


def test_projection_matches_pyproj():
    """Closed-form stereographic formulas vs PROJ (pyproj) with the LOLA polar CRS."""
    import pyproj

    crs = pyproj.CRS.from_proj4(projection.SOUTH_POLAR_STEREO_PROJ4)
    geo = pyproj.CRS.from_proj4("+proj=longlat +R=1737400 +no_defs")
    to_geo = pyproj.Transformer.from_crs(crs, geo, always_xy=True)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-600e3, 600e3, (2, 200))
    lon_p, lat_p = to_geo.transform(x, y)
    lat, lon = projection.stereo_to_latlon(x, y)
    assert np.max(np.abs(lat - lat_p)) < 1e-9  # deg; PROJ, same sphere
    assert np.max(np.abs((lon - lon_p + 180) % 360 - 180)) < 1e-9
    xb, yb = projection.latlon_to_stereo(lat, lon)
    assert np.max(np.hypot(xb - x, yb - y)) < 1e-6  # m, round trip


def test_unit_vector_and_frame_are_consistent():
    """u(x, y) equals the selenographic unit vector; ex, ey, up are orthonormal (conformal projection)."""
    from lunapole.astro.frames import selenographic_to_cartesian_m

    x, y = np.array([1e5, -3e5, 2e4]), np.array([5e4, 2e5, -4e5])
    lat, lon = projection.stereo_to_latlon(x, y)
    u_ref = selenographic_to_cartesian_m(lat, lon, 0.0, radius_m=1.0)
    assert np.max(np.abs(projection.stereo_unit_vector_me(x, y) - u_ref)) < 1e-12
    ex, ey, up = projection.grid_frame_me(x, y)
    for a, b in ((ex, ey), (ex, up), (ey, up)):
        assert np.max(np.abs(np.sum(a * b, axis=-1))) < 1e-12
    # ey points towards decreasing latitude... check with a finite difference of latitude along +y at x=0
    lat1, _ = projection.stereo_to_latlon(0.0, 100e3 + 1.0)
    lat0, _ = projection.stereo_to_latlon(0.0, 100e3)
    assert lat1 > lat0  # moving away from the pole raises the latitude


def test_read_shared_geotiff_georeferencing(lola_dem, shared_data):
    """The 2-km stereographic GeoTIFF agrees with the independent 8 ppd lat/lon cap it was resampled from.

    PROVENANCE.md: the .tif is a bilinear resample of lola_svs_8ppd_southcap_60S90S_elev_km.npy. Sampling the
    cap at our pixel-centre lat/lon (also bilinearly) must give the same heights if our georeferencing is right;
    a one-pixel (2 km) shift would give errors of hundreds of metres on crater walls.
    """
    from scipy.ndimage import map_coordinates

    assert lola_dem.shape == (320, 320)
    assert lola_dem.dx_m == 2000.0 and lola_dem.x0_m == -320000.0 and lola_dem.y0_m == 320000.0
    cap = np.load(shared_data / "terrain/lola_svs_8ppd_southcap_60S90S_elev_km.npy").astype(float) * 1000.0
    lat, lon = lola_dem.latlon_deg()
    sel = (lat > -89.5)  # away from the pole where the resample used a pole mean
    i = (-60.0 - lat[sel]) * 8 - 0.5
    j = (lon[sel] + 180.0) * 8 - 0.5
    capw = np.concatenate([cap, cap[:, :1]], axis=1)
    ref = map_coordinates(capw, [i, np.mod(j, 2880)], order=1, mode="nearest")
    err = np.abs(lola_dem.elevation_m[sel] - ref)
    assert np.median(err) < 5.0  # m
    assert np.percentile(err, 99) < 60.0  # m (interpolation order differences on steep walls)
    # Shackleton floor is the deepest point near its centre (89.67 S, 129.78 E), about -2.7 km (PROVENANCE.md)
    r, c = lola_dem.cell_of_latlon(-89.67, 129.78)
    assert -3000.0 < lola_dem.elevation_m[r, c] < -2400.0


@pytest.mark.parametrize("sample_type, tol_m", [("LSB_INTEGER", 0.25), ("PC_REAL", 0.01)])
def test_pds3_product_round_trip(tmp_path, lola_dem, sample_type, tol_m):
    """A LOLA-style PDS3 product (label keywords as in LDEM_80S_20M / LDEM_875S_5M) reads back exactly."""
    lbl = write_pds3_ldem(tmp_path / "LDEM_TEST.IMG", lola_dem, sample_type=sample_type)
    label = parse_pds3_label(lbl.read_text())
    assert label["IMAGE_MAP_PROJECTION.MAP_PROJECTION_TYPE"] == "POLAR STEREOGRAPHIC"
    assert label["IMAGE_MAP_PROJECTION.MAP_SCALE"] == (2000.0, "METERS/PIXEL")
    assert label["IMAGE.LINES"] == 320
    # LOLA convention: x = (SAMPLE - SAMPLE_PROJECTION_OFFSET - 1) * MAP_SCALE for 1-based samples
    assert label["IMAGE_MAP_PROJECTION.SAMPLE_PROJECTION_OFFSET"][0] == pytest.approx(159.5)
    for path in (lbl, lbl.with_suffix(".IMG")):
        dem = read_dem(path)
        assert (dem.x0_m, dem.y0_m, dem.dx_m) == (lola_dem.x0_m, lola_dem.y0_m, lola_dem.dx_m)
        err = np.max(np.abs(np.asarray(dem.elevation_m[:, :]) - lola_dem.elevation_m))
        assert err <= tol_m + 1e-9  # m: 0.5 m DN quantisation for int16, float32 km rounding for PC_REAL
        block = read_block(dem, 10, 20, 5, 50)  # file read without mapping pages
        assert np.max(np.abs(block - lola_dem.elevation_m[10:20, 5:50])) <= tol_m + 1e-9


def test_pds3_label_image_size_mismatch(tmp_path, lola_dem):
    lbl = write_pds3_ldem(tmp_path / "LDEM_BAD.IMG", lola_dem)
    img = lbl.with_suffix(".IMG")
    img.write_bytes(img.read_bytes()[:-640])
    with pytest.raises(DataError, match="do not match"):
        read_dem(lbl)


def test_pds3_unsupported_projection(tmp_path, lola_dem):
    lbl = write_pds3_ldem(tmp_path / "LDEM_EQ.IMG", lola_dem)
    lbl.write_text(lbl.read_text().replace('"POLAR STEREOGRAPHIC"', '"EQUIRECTANGULAR"'))
    with pytest.raises(DataError, match="MAP_PROJECTION_TYPE"):
        read_dem(lbl)


def test_geotiff_without_georeferencing(tmp_path):
    import rasterio

    path = tmp_path / "plain.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1, dtype="float32") as ds:
            ds.write(np.zeros((1, 4, 4), np.float32))
        with pytest.raises(DataError, match="no coordinate reference system"):
            read_dem(path)


def test_geotiff_unsupported_projection(tmp_path, lola_dem):
    eqc = Dem(np.zeros((4, 4)), 0.0, 0.0, 100.0, 100.0, crs_proj4="+proj=eqc +R=1737400 +units=m +no_defs")
    path = tmp_path / "eqc.tif"
    write_geotiff(path, eqc, eqc.elevation_m)
    with pytest.raises(DataError, match="unsupported projection"):
        read_dem(path)


def test_geotiff_round_trip_keeps_crs(tmp_path, lola_dem):
    path = tmp_path / "copy.tif"
    write_geotiff(path, lola_dem, lola_dem.elevation_m)
    back = read_dem(path)
    assert back.geotransform() == lola_dem.geotransform()
    assert np.max(np.abs(back.elevation_m - lola_dem.elevation_m)) < 1e-3


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_dem(tmp_path / "nope.tif")
    (tmp_path / "x.xyz").write_text("1")
    with pytest.raises(DataError, match="unsupported elevation model format"):
        read_dem(tmp_path / "x.xyz")


def test_time_span_outside_ephemeris_coverage():
    """DE421 with the lunar PA PCK covers 1900-2050 (ends 2051-01-01; lunapole.astro.ephemeris.coverage_tdb_s)."""
    from lunapole.terrain.illumination import epochs_tdb_s

    with pytest.raises(EphemerisCoverageError):
        epochs_tdb_s("2050-06-01T00:00:00", "2053-01-01T00:00:00", 24.0)
    assert issubclass(EphemerisCoverageError, LunapoleError)
    with pytest.raises(DataError, match="after start"):
        epochs_tdb_s("2026-02-01", "2026-01-01", 1.0)
