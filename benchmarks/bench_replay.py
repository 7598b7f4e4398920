"""Verdict first: `lunapole replay luna-25` (with the survivable-duration sweep) must finish in under 60 s on a
2-core machine from a fresh install, i.e. with an empty numba cache (compile included), no network.

Runs the CLI twice in subprocesses pinned to 2 cores (taskset when available): first with a new empty
NUMBA_CACHE_DIR (fresh install), then again with that cache (warm). Prints both wall times and the ratio to the
60 s limit. Usage: python benchmarks/bench_replay.py [luna-25|chandrayaan-3]
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

LIMIT_S = 60.0


def run_once(name: str, cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    cmd = [sys.executable, "-m", "lunapole.cli", "replay", name, "--json"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0,1", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"replay failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "luna-25"
    with tempfile.TemporaryDirectory(prefix="lunapole-numba-") as cache:
        cold = run_once(name, cache)
        warm = run_once(name, cache)
    print(f"lunapole replay {name}: fresh numba cache {cold:.1f} s, warm cache {warm:.1f} s "
          f"(limit {LIMIT_S:.0f} s: fresh/limit = {cold / LIMIT_S:.2f}, warm/limit = {warm / LIMIT_S:.2f}); "
          f"{os.cpu_count()} CPUs visible, pinned to 2")


if __name__ == "__main__":
    main()
