"""Speed and memory of lunapole.terrain: horizon maps, a year of hourly illumination, tiled peak memory.

Verdict and measured figures: benchmarks/RESULTS-terrain.md. Ratios are measured in the same run.

1. Horizon map of a 1,000 x 1,000 synthetic model (20 m cells, 120 m RMS correlated relief near 89 S) at
   360 azimuths with the numba line-sweep kernel, vs a straightforward numpy ray march (the reference twin
   ``horizon_bruteforce_deg``, one-cell steps to the grid edge, exact geometry) timed on a subset of cells
   and scaled to the full grid. Goal: < 60 s on 2 cores.
2. A year (8,760 hourly epochs) of illumination statistics from that horizon map. Goal: < 30 s.
   Same run: CPU-ns per cell-epoch of the previous kernel layout (``illumination_stats_v1``) and the
   current one on a 250 x 250 window.
3. Peak resident memory (VmHWM of a child process) of the tiled pipeline (tile 512, halo 5 km,
   coarse far field x16, 360 azimuths, one week hourly) on memory-mapped synthetic models of growing
   size, processing the same number of tiles: memory must not grow with the model. Goal: < 4 GB.

Run: python benchmarks/bench_terrain.py [--quick] [--mem-sizes 6000,30000]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _model(n: int, cell_m: float = 20.0):
    from lunapole.terrain import synthetic

    return synthetic.rough_plain(n, n, cell_m, -89.0, 0.0, rms_m=120.0, corr_cells=8.0, seed=1)


def _cpu_s() -> float:
    """User + system CPU seconds of this process (all threads): on a shared, oversubscribed machine
    CPU time / cores estimates the wall time on dedicated cores."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def bench_horizon(n: int, n_az: int = 360, n_ref_cells: int = 6):
    from lunapole.kernels.horizon import horizon_bruteforce_deg
    from lunapole.terrain import synthetic
    from lunapole.terrain.horizon import compute_horizon

    compute_horizon(synthetic.flat_sphere(20, 20, 20.0), n_az=8)  # compile / load the numba cache
    dem = _model(n)
    t0, c0 = time.perf_counter(), _cpu_s()
    hm = compute_horizon(dem, n_az=n_az)
    t_fast, c_fast = time.perf_counter() - t0, _cpu_s() - c0
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, n, n_ref_cells), rng.integers(0, n, n_ref_cells)
    t0, c0 = time.perf_counter(), _cpu_s()
    horizon_bruteforce_deg(dem.elevation_m, dem.x0_m, dem.y0_m, dem.dx_m, dem.radius_m, n_az, rows, cols,
                           step_cells=1.0)
    t_ref_per_cell = (time.perf_counter() - t0) / n_ref_cells
    c_ref_per_cell = (_cpu_s() - c0) / n_ref_cells
    t_ref = t_ref_per_cell * n * n
    return hm, {"cells": n * n, "n_az": n_az, "sweep_s": t_fast, "sweep_cpu_s": c_fast,
                "ratio_cpu_numpy_over_sweep": c_ref_per_cell * n * n / c_fast,
                "sweep_cell_az_per_s": n * n * n_az / t_fast,
                "numpy_raymarch_s_per_cell": t_ref_per_cell, "numpy_raymarch_scaled_s": t_ref,
                "ratio_numpy_over_sweep": t_ref / t_fast, "numpy_subset_cells": n_ref_cells}


def bench_illumination(hm, start="2026-01-01", stop="2026-12-31T23:00:00", step_h=1.0):
    from lunapole.terrain.illumination import epochs_tdb_s, illumination_maps, sun_earth_geometry

    et = epochs_tdb_s(start, stop, step_h)
    small = hm.__class__(hm.q[:8, :8].copy(), hm.quantum_deg, hm.dem.window(0, 8, 0, 8))
    illumination_maps(small, et[:10])  # compile / load cache
    from lunapole.kernels.terrain_illum import illumination_stats_v1

    g = sun_earth_geometry(et[:10])
    illumination_stats_v1(small.q, 0.01, np.zeros((8, 8)), float(small.dem.x0_m), float(small.dem.y0_m),
                          float(small.dem.dx_m), float(small.dem.radius_m), 8, *g, 0.0,
                          *(np.empty((8, 8), t) for t in (np.float32, np.float32, np.int32, np.float32,
                                                          np.int32, np.int32)))
    t0 = time.perf_counter()
    sun_earth_geometry(et)
    t_eph = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), _cpu_s()
    maps = illumination_maps(hm, et)
    t, c = time.perf_counter() - t0, _cpu_s() - c0
    cells = hm.q.shape[0] * hm.q.shape[1]
    # same run: the previous kernel layout (illumination_stats_v1) vs the current one on a 250 x 250 window
    from lunapole.kernels.terrain_illum import illumination_stats, illumination_stats_v1

    w = min(250, hm.q.shape[0])
    q, dem = np.ascontiguousarray(hm.q[:w, :w]), hm.dem.window(0, w, 0, w)
    z = np.ascontiguousarray(np.asarray(dem.elevation_m, float))
    geo = sun_earth_geometry(et)
    common = (q, float(hm.quantum_deg), z, float(dem.x0_m), float(dem.y0_m), float(dem.dx_m),
              float(dem.radius_m), max(1, min(16, int(8000.0 // dem.dx_m)))) + geo
    v1_out = [np.empty((w, w), np.float32) for _ in range(2)] + [np.empty((w, w), np.int32)] + \
        [np.empty((w, w), np.float32)] + [np.empty((w, w), np.int32) for _ in range(2)]
    c0 = _cpu_s()
    illumination_stats_v1(*common, 0.0, *v1_out)
    c_v1 = _cpu_s() - c0
    c0 = _cpu_s()
    illumination_stats(*common, *(np.zeros((w, w)) for _ in range(6)))
    c_v2 = _cpu_s() - c0
    return {"epochs": int(et.size), "cells": cells, "illumination_s": t, "illumination_cpu_s": c,
            "ephemeris_s": t_eph, "window_cells": w * w,
            "v1_cpu_ns_per_cell_epoch": c_v1 / (w * w * et.size) * 1e9,
            "v2_cpu_ns_per_cell_epoch": c_v2 / (w * w * et.size) * 1e9,
            "ns_per_cell_epoch": t / (cells * et.size) * 1e9,
            "mean_illumination_median": float(np.median(maps.mean_illumination))}


_CHILD = r"""
import json, resource, sys, time, numpy as np
from lunapole.terrain.dem import read_dem
from lunapole.terrain.illumination import epochs_tdb_s
from lunapole.terrain.tiled import tiled_illumination
dem = read_dem(sys.argv[1])
et = epochs_tdb_s("2026-01-01", "2026-01-07T23:00:00", 1.0)
t0 = time.perf_counter()
tiled_illumination(dem, et, sys.argv[2], tile=512, halo_m=5000.0, n_az=360, coarse_factor=16,
                   max_tiles=int(sys.argv[3]))
# VmHWM: peak RSS of this process's own address space since exec. ru_maxrss is not used: on Linux it
# inherits the parent's RSS at fork (the benchmark parent holds a 720 MB horizon map and wrote the model).
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"shape": list(dem.shape), "seconds": time.perf_counter() - t0, "maxrss_mb": int(hwm) / 1024.0,
                  "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def _write_model(path: Path, n: int, cell_m: float = 20.0) -> None:
    """Memory-mapped float32 model written in row chunks (sum of sinusoids: cheap, no large temporaries)."""
    from lunapole.terrain import synthetic
    from lunapole.terrain.dem import write_npy_with_json

    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, n))
    x = np.arange(n, dtype=np.float32)
    for r0 in range(0, n, 1024):
        r = np.arange(r0, min(r0 + 1024, n), dtype=np.float32)[:, None]
        mm[r0:r0 + r.shape[0]] = (300 * np.sin(x / 97.0) * np.cos(r / 131.0) + 80 * np.sin((x + 2 * r) / 23.0)
                                  + 800 * np.sin(x / 1500.0 + r / 2100.0))
    mm.flush()
    del mm
    ref = synthetic.flat_sphere(1, 1, cell_m, -88.0, 0.0)
    ref.x0_m -= (n - 1) * cell_m / 2.0
    ref.y0_m += (n - 1) * cell_m / 2.0
    write_npy_with_json(path, ref)


def bench_memory(sizes: list[int], tiles: int = 1) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("LUNAPOLE_BENCH_TMP")) as tmp:
        for n in sizes:
            path = Path(tmp) / f"model_{n}.npy"
            t0 = time.perf_counter()
            _write_model(path, n)
            t_write = time.perf_counter() - t0
            res = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(Path(tmp) / f"out_{n}"), str(tiles)],
                                 capture_output=True, text=True, check=True)
            rec = json.loads(res.stdout.strip().splitlines()[-1])
            rec["write_s"] = t_write
            rec["file_gb"] = path.stat().st_size / 1e9
            out.append(rec)
            path.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="400 x 400 model and one month (smoke run)")
    ap.add_argument("--mem-sizes", default="6000,30000", help="model sizes for the memory test ('' to skip)")
    ap.add_argument("--mem-only", action="store_true", help="only the memory test")
    args = ap.parse_args()
    n = 400 if args.quick else 1000
    if args.mem_only:
        for rec in bench_memory([int(s) for s in args.mem_sizes.split(",") if s]):
            _print_mem(rec)
        return
    hm, h = bench_horizon(n)
    print(f"horizon {n}x{n}x{h['n_az']}: sweep {h['sweep_s']:.1f} s "
          f"({h['sweep_cell_az_per_s'] / 1e6:.1f} M cell-az/s); numpy ray march "
          f"{h['numpy_raymarch_s_per_cell']:.2f} s/cell on {h['numpy_subset_cells']} cells -> "
          f"{h['numpy_raymarch_scaled_s'] / 3600:.1f} h scaled; ratio {h['ratio_numpy_over_sweep']:.0f}x wall, "
          f"{h['ratio_cpu_numpy_over_sweep']:.0f}x CPU; sweep CPU {h['sweep_cpu_s']:.1f} s = "
          f"{h['sweep_cpu_s'] / 2:.1f} s on 2 dedicated cores; goal < 60 s: "
          f"{'met' if min(h['sweep_s'], h['sweep_cpu_s'] / 2) < 60 else 'MISSED'} "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    stop = "2026-01-31T23:00:00" if args.quick else "2026-12-31T23:00:00"
    i = bench_illumination(hm, stop=stop)
    print(f"illumination {i['cells']} cells x {i['epochs']} hourly epochs: {i['illumination_s']:.1f} s "
          f"({i['ns_per_cell_epoch']:.1f} ns per cell-epoch; ephemeris {i['ephemeris_s']:.1f} s of it); CPU "
          f"{i['illumination_cpu_s']:.0f} s = {i['illumination_cpu_s'] / 2:.0f} s on 2 dedicated cores; goal < 30 s: "
          f"{'met' if min(i['illumination_s'], i['illumination_cpu_s'] / 2) < 30 else 'MISSED'} "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    print(f"illumination kernel, same run, {i['window_cells']} cells x {i['epochs']} epochs: previous layout "
          f"(v1) {i['v1_cpu_ns_per_cell_epoch']:.1f} CPU-ns per cell-epoch, current "
          f"{i['v2_cpu_ns_per_cell_epoch']:.1f}: {i['v1_cpu_ns_per_cell_epoch'] / i['v2_cpu_ns_per_cell_epoch']:.2f}x "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    sizes = [int(s) for s in args.mem_sizes.split(",") if s]
    del hm
    if sizes:
        for rec in bench_memory(sizes):
            _print_mem(rec)


def _print_mem(rec: dict) -> None:
    print(f"tiled {rec['shape'][0]}x{rec['shape'][1]} ({rec['file_gb']:.1f} GB float32 on disk, written "
          f"in {rec['write_s']:.0f} s): 1 tile of 512^2 + 5 km halo + far field, one week hourly: "
          f"{rec['seconds']:.0f} s, peak RSS {rec['maxrss_mb']:.0f} MB (ru_maxrss {rec['ru_maxrss_mb']:.0f} MB, "
          f"includes the parent's RSS at fork); goal < 4096 MB: "
          f"{'met' if rec['maxrss_mb'] < 4096 else 'MISSED'}", flush=True)


if __name__ == "__main__":
    main()
