"""Sunlight and Earth visibility: kernel vs reference twin, flat sphere vs direct ephemeris, bowl craters."""
from __future__ import annotations

import numpy as np
import pytest

from lunapole.astro.constants import MOON_MEAN_RADIUS_M as R
from lunapole.kernels.terrain_illum import disk_fraction_strips, segment_fraction
from lunapole.terrain import synthetic
from lunapole.terrain.horizon import compute_horizon
from lunapole.terrain.illumination import (
    epochs_tdb_s,
    illumination_maps,
    longest_run_h,
    point_time_series,
    sun_earth_geometry,
)


def test_segment_fraction_closed_form_vs_strips():
    """Circular-segment area (closed form) vs numerical strip integration against a flat horizon."""
    r = np.radians(0.2666)
    for u in (-0.9, -0.3, 0.0, 0.41, 0.95):
        strips = disk_fraction_strips(np.array([u * r]), np.array([1.0]), r, np.radians(np.arange(360.0)),
                                      np.zeros(360), n_strips=400)[0]
        assert abs(strips - segment_fraction(u)) < 2e-4
    assert segment_fraction(0.0) == pytest.approx(0.5)


def _direct_flat_sphere_fraction(lat_deg, lon_deg, et):
    """Independent path: Sun elevation from the ephemeris and the local vertical (astro.frames.enu_matrix),
    disk fraction of a disk cut by the level horizon (circular segment)."""
    from lunapole.astro import ephemeris, frames

    sun = ephemeris.position_m("SUN", et, center="MOON", frame="MOON_ME", abcorr="LT+S")
    up = frames.enu_matrix(lat_deg, lon_deg)[2]
    d = np.linalg.norm(sun, axis=1)
    el = np.arcsin(sun @ up / d)
    r = np.arcsin(695_700e3 / d)
    return np.array([segment_fraction(x) for x in el / r])


def test_flat_sphere_at_89_5_south_matches_direct_sun_elevation():
    """A year at 89.5 S on the bare sphere: mean illumination from the horizon-map path equals the direct
    computation within the effect of the grid's curvature dip (-0.008 deg for 500 m cells)."""
    dem = synthetic.flat_sphere(61, 61, 500.0, -89.5, 0.0)
    hm = compute_horizon(dem, n_az=360, quantum_deg=0.001)
    et = epochs_tdb_s("2026-01-01", "2027-01-01", 4.0)
    maps = illumination_maps(hm, et)
    lat, lon = dem.latlon_deg()
    direct = _direct_flat_sphere_fraction(lat[30, 30], lon[30, 30], et)
    assert abs(maps.mean_illumination[30, 30] - direct.mean()) < 0.01
    assert maps.mean_illumination[30, 30] == pytest.approx(0.5, abs=0.1)  # the Sun circles the horizon
    ts = point_time_series(hm, 30, 30, et)
    assert np.max(np.abs(ts["sun_fraction"] - direct)) < 0.05  # per epoch: dip / disk radius x (2/pi)
    assert maps.longest_darkness_h[30, 30] == pytest.approx(longest_run_h(direct <= 0.0, 4.0), abs=8.0)


def test_kernel_matches_reference_time_series(lola_horizon):
    """The blocked numba statistics equal the per-cell numpy reference (exact frames, strip integration)."""
    et = epochs_tdb_s("2026-03-01", "2026-05-01", 2.0)
    maps = illumination_maps(lola_horizon, et)
    for r, c in ((166, 154), (160, 160), (40, 250), (300, 20), (200, 120)):
        ts = point_time_series(lola_horizon, r, c, et)
        assert abs(ts["sun_fraction"].mean() - maps.mean_illumination[r, c]) < 2e-3
        assert abs(ts["earth_visible"].mean() - maps.earth_visible_fraction[r, c]) < 5e-3
        assert abs(longest_run_h(ts["sun_fraction"] <= 0, 2.0) - maps.longest_darkness_h[r, c]) <= 2.0


def test_chunked_statistics_equal_single_pass(lola_horizon):
    et = epochs_tdb_s("2026-01-01", "2026-04-01", 3.0)
    a = illumination_maps(lola_horizon.__class__(lola_horizon.q[150:170, 150:170].copy(), 0.01,
                                                 lola_horizon.dem.window(150, 170, 150, 170)), et)
    b = illumination_maps(lola_horizon.__class__(lola_horizon.q[150:170, 150:170].copy(), 0.01,
                                                 lola_horizon.dem.window(150, 170, 150, 170)), et, chunk=97)
    assert np.array_equal(a.longest_darkness_h, b.longest_darkness_h)
    assert np.max(np.abs(a.mean_illumination - b.mean_illumination)) < 1e-6


def _max_sun_elevation_deg(lat_deg, lon_deg, et):
    from lunapole.astro import frames

    s = sun_earth_geometry(et)[0]
    return np.degrees(np.arcsin(s @ frames.enu_matrix(lat_deg, lon_deg)[2])).max()


@pytest.mark.parametrize("margin_deg, expect_psr", [(+0.6, True), (-0.6, False)])
def test_bowl_crater_floor_psr_geometric_condition(margin_deg, expect_psr):
    """Floor centre of a bowl crater at 88.5 S is permanently shadowed iff the rim's elevation angle seen
    from it, atan(depth / rim_radius) - rim_radius / (2R) (closed form), exceeds the Sun's highest elevation
    there in the period plus the solar radius (direct from the ephemeris)."""
    lat, lon = -88.5, 60.0
    et = epochs_tdb_s("2026-01-01", "2027-01-01", 6.0)
    sun_max = _max_sun_elevation_deg(lat, lon, et) + 0.267
    rim_r = 8000.0
    rim_angle = sun_max + margin_deg
    depth = rim_r * np.tan(np.radians(rim_angle) + rim_r / (2 * R))
    dem = synthetic.bowl_crater(81, 81, 250.0, lat, lon, 2000.0, rim_r, depth)
    hm = compute_horizon(dem, n_az=360)
    assert hm.degrees(40, 40).min() == pytest.approx(rim_angle, abs=0.1)  # the skyline is the rim
    maps = illumination_maps(hm, et)
    assert bool(maps.psr[40, 40]) is expect_psr
    assert maps.psr[40, 40] == (maps.longest_darkness_h[40, 40] >= (et.size - 0.5) * 6.0)


def _v1_maps(hm, et):
    """Statistics from the previous kernel layout (``illumination_stats_v1``), one chunk."""
    from lunapole.kernels.terrain_illum import illumination_stats_v1

    dem = hm.dem
    shape = dem.shape
    m, x, ef = (np.empty(shape, np.float32) for _ in range(3))
    ld, head, tail = (np.empty(shape, np.int32) for _ in range(3))
    sun_dir, sun_r, earth_pos = sun_earth_geometry(et)
    block = max(1, min(16, int(8000.0 // dem.dx_m)))
    illumination_stats_v1(hm.q, float(hm.quantum_deg), np.asarray(dem.elevation_m, float), float(dem.x0_m),
                          float(dem.y0_m), float(dem.dx_m), float(dem.radius_m), block, sun_dir, sun_r,
                          earth_pos, 0.0, m, x, ld, ef, head, tail)
    return m, x, ld, ef


@pytest.mark.parametrize("grid", ["lola", "rough"])
def test_fast_kernel_equals_v1_kernel(grid, lola_horizon):
    """The split-loop kernel (table lookup only for partly lit cells, state carried across chunks) gives
    the previous fused kernel's statistics to float32 round-off, on the real LOLA grid near the pole and on
    a rough synthetic plain at 20 m (many partly lit cell-epochs), for several chunkings."""
    if grid == "lola":
        r0, c0 = 140, 140
        hm = lola_horizon.__class__(lola_horizon.q[r0:r0 + 40, c0:c0 + 40].copy(), lola_horizon.quantum_deg,
                                    lola_horizon.dem.window(r0, r0 + 40, c0, c0 + 40))
    else:
        hm = compute_horizon(synthetic.rough_plain(48, 48, 20.0, -89.0, 0.0, rms_m=120.0, corr_cells=8.0,
                                                   seed=1), n_az=360)
    et = epochs_tdb_s("2026-01-01", "2026-07-01", 2.0)
    m1, x1, ld1, ef1 = _v1_maps(hm, et)
    for chunk in (16384, 97):
        maps = illumination_maps(hm, et, chunk=chunk)
        assert np.max(np.abs(maps.mean_illumination - m1)) < 1e-6  # float32 round-off of a mean <= 1
        assert np.max(np.abs(maps.max_fraction - x1)) < 1e-6
        assert np.array_equal(maps.longest_darkness_h, (ld1 * 2.0).astype(np.float32))
        assert np.max(np.abs(maps.earth_visible_fraction - ef1)) < 1e-6
        assert np.array_equal(maps.psr, x1 <= 0.0)
    assert 0 < maps.psr.sum() < maps.psr.size or grid == "rough"  # LOLA window near the pole has PSRs
    lit = maps.mean_illumination
    assert np.any((lit > 0.0) & (lit < maps.max_fraction))  # partly lit epochs exercised
