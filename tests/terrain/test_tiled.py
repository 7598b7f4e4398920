"""Tiled pipeline (memory-mapped input and outputs) vs the whole-grid computation."""
from __future__ import annotations

import numpy as np

from lunapole.terrain.dem import read_dem, write_npy_with_json
from lunapole.terrain.horizon import compute_horizon
from lunapole.terrain.illumination import epochs_tdb_s, illumination_maps
from lunapole.terrain.tiled import OUTPUT_NAMES, tiled_illumination


def test_tiled_matches_whole_grid(lola_dem, tmp_path):
    """A 160 x 160 LOLA crop as 4 tiles of 80 x 80 with a 30 km halo and a x4 block-mean far field
    reproduces the whole-crop maps (same epochs) up to the far-field approximation."""
    crop = lola_dem.window(80, 240, 80, 240)
    path = tmp_path / "lola.npy"
    write_npy_with_json(path, crop, crop.elevation_m)
    dem = read_dem(path)
    et = epochs_tdb_s("2026-06-01", "2026-07-15", 12.0)
    outs = tiled_illumination(dem, et, tmp_path / "out", tile=80, halo_m=30e3, coarse_factor=4, farfield_growth=0.04)
    ref = illumination_maps(compute_horizon(crop, n_az=360), et)
    for name in OUTPUT_NAMES:
        assert (tmp_path / "out" / f"{name}.npy").exists()
    err = np.abs(np.asarray(outs["mean_illumination"]) - ref.mean_illumination)
    assert np.median(err) < 0.01
    assert np.percentile(err, 95) < 0.08
    psr_tiled = np.asarray(outs["max_fraction"]) <= 0
    assert np.mean(psr_tiled == ref.psr) > 0.97
