"""Horizon maps: closed-form curvature dips, brute-force ray march, far field, quantisation."""
from __future__ import annotations

import numpy as np
import pytest

from lunapole.astro.constants import MOON_MEAN_RADIUS_M as R
from lunapole.kernels.horizon import horizon_bruteforce_deg
from lunapole.terrain import synthetic
from lunapole.terrain.horizon import add_farfield, compute_horizon
from lunapole.terrain.projection import scale_factor


def test_flat_sphere_cell_horizon_is_grid_curvature_dip():
    """On the bare sphere the highest terrain sample is the nearest one, at ground distance d1: its elevation
    angle is -d1 / (2R) (chord geometry, closed form). d1 = cell * L(az) / k, L = 1/max(|sin|, |cos|)."""
    dem = synthetic.flat_sphere(41, 41, 2000.0, -89.5, 0.0)
    q = 0.0005
    hm = compute_horizon(dem, n_az=72, quantum_deg=q, beyond_edge="none")
    az = np.radians(hm.azimuths_deg())
    x, y = dem.xy_grid_m()
    k = scale_factor(x[20, 20], y[20, 20])
    d1 = 2000.0 / np.maximum(np.abs(np.sin(az)), np.abs(np.cos(az))) / k
    expected = -np.degrees(d1 / (2 * R))
    err = np.abs(hm.degrees(20, 20) - expected)
    assert err.max() < q / 2 + 1e-6  # deg: quantisation only


def test_raised_observer_sees_the_geometric_dip():
    """Observer h = 1 km above the bare sphere: horizon dip = acos(R / (R + h)) = 1.9434 deg (closed form),
    grazing point sqrt(2Rh) = 59 km away, inside the 200 km grid."""
    h = 1000.0
    dem = synthetic.flat_sphere(201, 201, 1000.0, -89.0, 0.0)
    hm = compute_horizon(dem, n_az=36, observer_height_m=h, beyond_edge="none", quantum_deg=0.001)
    dip = np.degrees(np.arccos(R / (R + h)))
    assert np.max(np.abs(hm.degrees(100, 100) + dip)) < 0.005  # deg (parabolic curvature + sampling)
    bf = horizon_bruteforce_deg(dem.elevation_m, dem.x0_m, dem.y0_m, dem.dx_m, R, 36, [100], [100],
                                observer_height_m=h, step_cells=0.5)
    assert np.max(np.abs(bf[0] + dip)) < 0.002  # deg: exact geometry in the reference twin


def test_sphere_floor_beyond_the_edge():
    """beyond_edge='sphere': a cell at height h > 0 never has a horizon below -acos(R/(R+h))."""
    dem = synthetic.cone(21, 21, 500.0, -88.0, 0.0, 800.0, 4000.0)
    hm = compute_horizon(dem, n_az=36)
    floor = -np.degrees(np.arccos(R / (R + 800.0)))
    assert hm.degrees(10, 10).min() >= floor - 0.01


def _smooth_terrain():
    dem = synthetic.bowl_crater(120, 120, 200.0, -88.5, 30.0, 3000.0, 9000.0, 1500.0, rim_width_m=6000.0)
    bump = synthetic.cone(120, 120, 200.0, -88.5, 30.0, 600.0, 30000.0)
    dem.elevation_m = dem.elevation_m + bump.elevation_m
    return dem


def test_sweep_matches_bruteforce_ray_march():
    """Line-sweep/convex-hull kernel vs the exact-geometry numpy ray march on a smooth crater terrain.

    Differences come from the sweep assigning each cell the horizon of the nearest line sample (<= half a
    cell off the centre) and linear vs bilinear interpolation; they shrink with distance to the skyline.
    """
    dem = _smooth_terrain()
    hm = compute_horizon(dem, n_az=180, beyond_edge="none")
    rng = np.random.default_rng(7)
    rows, cols = rng.integers(3, 117, 25), rng.integers(3, 117, 25)
    bf = horizon_bruteforce_deg(dem.elevation_m, dem.x0_m, dem.y0_m, dem.dx_m, R, 180, rows, cols)
    err = np.abs(hm.degrees(rows, cols) - bf)
    assert np.median(err) < 0.05  # deg
    assert np.percentile(err, 95) < 0.5  # deg
    assert abs(np.mean(hm.degrees(rows, cols) - bf)) < 0.05  # deg: no bias


def test_farfield_restores_terrain_beyond_the_tile(lola_dem, lola_horizon):
    """A 100 x 100 tile of the LOLA grid with the far field taken from the whole grid moves towards the
    horizon computed on the whole grid (the reference).

    Where terrain beyond the tile sets the skyline (tile-alone error > 0.5 deg, ~26 % of cell-azimuths) the
    far field halves the error; what remains is the difference between the line sweep (reference) and the
    far-field ray march on this 2-km grid (see docs/terrain.md, measured median 0.6 deg there).
    """
    tile = lola_dem.window(110, 210, 110, 210)
    ref = lola_horizon.degrees(slice(110, 210), slice(110, 210))
    hm = compute_horizon(tile, n_az=360)
    err_alone = np.abs(hm.degrees() - ref)
    add_farfield(hm, lola_dem, stride=2, growth=0.02)
    err_far = np.abs(hm.degrees() - ref)
    beyond = err_alone > 0.5
    assert 0.1 < beyond.mean() < 0.5
    assert np.median(err_far[beyond]) < 0.6 * np.median(err_alone[beyond])
    assert abs(np.mean(hm.degrees()[beyond] - ref[beyond])) < 0.05  # deg: no bias from the far field
    assert np.median(err_far[~beyond]) < 0.1  # deg: the near field is untouched


def test_quantisation_is_int16_centidegrees(lola_horizon):
    assert lola_horizon.q.dtype == np.int16
    assert lola_horizon.quantum_deg == 0.01  # max quantisation error 0.005 deg
    assert lola_horizon.q.shape == (320, 320, 360)


def test_bad_horizon_inputs():
    from lunapole.errors import DataError

    dem = synthetic.flat_sphere(5, 5, 100.0)
    with pytest.raises(DataError):
        compute_horizon(dem, n_az=2)
    dem.dy_m = 50.0
    with pytest.raises(DataError, match="square"):
        compute_horizon(dem)


def test_farfield_raymarch_kernel_matches_numpy_twin(lola_dem):
    """The numba far-field ray march with start 0 is the compiled twin of the numpy ray march (same exact
    sphere geometry and bilinear heights; different step schedules)."""
    from lunapole.kernels.horizon import farfield_raymarch

    z = np.asarray(lola_dem.elevation_m)
    rows, cols = np.array([60, 160, 250]), np.array([70, 150, 240])
    x = lola_dem.x0_m + (cols + 0.5) * lola_dem.dx_m
    y = lola_dem.y0_m - (rows + 0.5) * lola_dem.dy_m
    el, dist = np.empty((3, 72)), np.empty((3, 72))
    farfield_raymarch(z, lola_dem.x0_m, lola_dem.y0_m, lola_dem.dx_m, R, x, y, z[rows, cols], np.zeros((3, 72)),
                      72, 400e3, 0.0, el, dist)
    bf = horizon_bruteforce_deg(z, lola_dem.x0_m, lola_dem.y0_m, lola_dem.dx_m, R, 72, rows, cols, step_cells=0.5)
    ok = np.isfinite(bf)
    assert np.max(np.abs(el[ok] - bf[ok])) < 0.02  # deg: same samples (growth 0 -> half-cell steps)
