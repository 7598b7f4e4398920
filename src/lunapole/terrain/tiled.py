"""Tiled horizon + illumination for models too large for memory (e.g. 30,000 x 30,000 LDEM_80S_20M).

The elevation model stays memory-mapped (PDS3 ``.IMG`` or ``.npy``); the output maps are ``.npy`` memory
maps on disk. Horizon maps are never stored whole (a 30k x 30k x 360 int16 map would be 648 GB): each tile
is processed as

1. read the tile plus a ``halo_m`` margin from the memory map;
2. horizon map of the haloed window (:func:`~lunapole.terrain.horizon.compute_horizon`);
3. far field beyond the window from a block-mean coarse copy of the whole model (``coarse_factor``, built
   once in one streaming pass; 30k / 16 -> 1875^2 float64 = 28 MB);
4. crop the tile's horizon and run :func:`~lunapole.terrain.illumination.illumination_maps` on it;
5. write the tile's statistics into the output memory maps.

Peak memory ~ (tile + 2 halo)^2 x n_az x 2 bytes + the coarse model + the epoch arrays: independent of
the model size (measured in benchmarks/bench_terrain.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lunapole.terrain.dem import Dem, read_block
from lunapole.terrain.horizon import HorizonMap, add_farfield, compute_horizon
from lunapole.terrain.illumination import illumination_maps

OUTPUT_NAMES = ("mean_illumination", "max_fraction", "longest_darkness_h", "earth_visible_fraction")


def coarse_copy(dem: Dem, factor: int, rows_per_pass: int | None = None) -> Dem:
    """Block-mean decimation by ``factor`` (streams rows, so a memory-mapped model is never loaded whole)."""
    nrow, ncol = dem.shape
    nr, nc = nrow // factor, ncol // factor
    out = np.empty((nr, nc))
    for i in range(nr):
        block = read_block(dem, i * factor, (i + 1) * factor, 0, nc * factor)
        out[i] = block.reshape(factor, nc, factor).mean(axis=(0, 2))
    return Dem(out, dem.x0_m, dem.y0_m, dem.dx_m * factor, dem.dy_m * factor, dem.radius_m, dem.crs_proj4,
               f"{dem.source} (block mean x{factor})")


def tiled_illumination(dem: Dem, et: np.ndarray, out_dir: str | Path, tile: int = 512, halo_m: float = 10e3,
                       n_az: int = 360, coarse_factor: int = 16, far: Dem | None = None, block_m: float = 8000.0,
                       max_tiles: int | None = None, farfield_max_m: float = 400e3, farfield_growth: float = 0.02,
                       progress=None) -> dict[str, np.ndarray]:
    """Illumination statistics of a large model, tile by tile, into ``out_dir/<name>.npy`` memory maps.

    ``far``: an explicit far-field model (default: a ``coarse_factor`` block-mean copy of ``dem``).
    ``max_tiles`` stops early (benchmarks of memory use). Far-field rays go to ``farfield_max_m`` with steps
    ``max(cell/2, farfield_growth * d)``. Returns the open memory maps.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nrow, ncol = dem.shape
    outs = {name: np.lib.format.open_memmap(out_dir / f"{name}.npy", mode="w+", dtype=np.float32,
                                            shape=(nrow, ncol)) for name in OUTPUT_NAMES}
    if far is None and coarse_factor > 1 and max(nrow, ncol) > tile:
        far = coarse_copy(dem, coarse_factor)
    halo = int(np.ceil(halo_m / dem.dx_m))
    tiles = [(r, c) for r in range(0, nrow, tile) for c in range(0, ncol, tile)]
    if max_tiles is not None:
        tiles = tiles[:max_tiles]
    for n, (r0, c0) in enumerate(tiles):
        r1, c1 = min(r0 + tile, nrow), min(c0 + tile, ncol)
        wr0, wc0 = max(r0 - halo, 0), max(c0 - halo, 0)
        wr1, wc1 = min(r1 + halo, nrow), min(c1 + halo, ncol)
        win = dem.window(wr0, wr1, wc0, wc1)
        win = Dem(read_block(dem, wr0, wr1, wc0, wc1), win.x0_m, win.y0_m, win.dx_m, win.dy_m,
                  win.radius_m, win.crs_proj4, win.source)
        hm = compute_horizon(win, n_az=n_az)
        if far is not None:
            add_farfield(hm, far, max_distance_m=farfield_max_m, growth=farfield_growth)
        inner = win.window(r0 - wr0, r1 - wr0, c0 - wc0, c1 - wc0)
        hq = np.ascontiguousarray(hm.q[r0 - wr0:r1 - wr0, c0 - wc0:c1 - wc0])
        quantum = hm.quantum_deg
        del hm
        maps = illumination_maps(HorizonMap(hq, quantum, inner), et, block_m=block_m)
        outs["mean_illumination"][r0:r1, c0:c1] = maps.mean_illumination
        outs["max_fraction"][r0:r1, c0:c1] = maps.max_fraction
        outs["longest_darkness_h"][r0:r1, c0:c1] = maps.longest_darkness_h
        outs["earth_visible_fraction"][r0:r1, c0:c1] = maps.earth_visible_fraction
        del hq, maps
        if progress is not None:
            progress(n + 1, len(tiles))
    for m in outs.values():
        m.flush()
    return outs
