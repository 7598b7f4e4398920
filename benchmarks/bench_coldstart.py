"""Benchmark: cold-start cost of the propagation path (numba compile from an empty cache) and the warm
(cached) load cost of a new process.

Verdict and numbers: benchmarks/RESULTS-coldstart.md. Run:  python benchmarks/bench_coldstart.py [--runs N]

Each measurement is a fresh Python process with ``NUMBA_CACHE_DIR`` pointing at a temporary folder:
first empty (cold: everything is compiled), then reused by ``--runs`` further processes (warm: loaded from
the cache). The child imports lunapole, loads GRGM1200A 50x50, and propagates a 100 km circular polar
orbit for 1 hour with Earth and Sun (DE421) and periapsis/apoapsis records (the ``propagate`` defaults),
then samples the dense output; it reports wall times of each phase, its own CPU time, and the numba
compile time per function (numba's ``numba:compile`` events). On the shared 2-core VM the wall time
depends on the load; the child's user+system CPU time does not (much), so both are printed.

``--limit-s`` (default 60): the cold first-run budget of ``lunapole replay`` on a 2-core machine; the
ratio cold / limit is printed.
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

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time
t_start = time.perf_counter()
from numba.core import event as _ev
compile_s = {}
class _L(_ev.Listener):
    def __init__(self):
        self.stack = []
    def on_start(self, e):
        self.stack.append(time.perf_counter())
    def on_end(self, e):
        t0 = self.stack.pop()
        d = e.data["dispatcher"]
        name = getattr(d, "py_func", d).__qualname__ + "(" + ",".join(str(a) for a in e.data["args"]) + ")"
        if len(name) > 160:
            name = name[:157] + "..."
        compile_s[name] = compile_s.get(name, 0.0) + time.perf_counter() - t0  # includes nested compiles
_ev.register("numba:compile", _L())
import numpy as np
from lunapole.gravity import load_field
from lunapole.orbit import ForceModel, keplerian_to_state, propagate
t_import = time.perf_counter()
field = load_field("GRGM1200A", 50, 50)
fm = ForceModel(field, third_bodies=("EARTH", "SUN"))
st = keplerian_to_state(1837.4e3, 0.0, 90.0, 30.0, 0.0, 0.0, epoch_tdb_s=7.6e8, mass_kg=1800.0)
t_setup = time.perf_counter()
tr = propagate(st, fm, duration_s=3600.0)
t_first = time.perf_counter()
tr.sample(np.linspace(7.6e8, 7.6e8 + 3600.0, 7))
t_sample = time.perf_counter()
runs = []
for _ in range(3):
    t = time.perf_counter()
    tr2 = propagate(st, fm, duration_s=3600.0)
    runs.append(time.perf_counter() - t)
ru = resource.getrusage(resource.RUSAGE_SELF)
print("RESULT " + json.dumps({
    "import_s": t_import - t_start, "setup_s": t_setup - t_import, "first_propagate_s": t_first - t_setup,
    "first_sample_s": t_sample - t_first, "run_s": min(runs), "n_eval": int(tr2.n_eval),
    "r_final_m": [float(x) for x in tr2.final_state.r_m],
    "cpu_s": ru.ru_utime + ru.ru_stime, "compile_s": compile_s}))
"""


def run_child(cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env.setdefault("LUNAPOLE_DATA_DIR", str(REPO.parent / "shared" / "data"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{proc.stdout}\n{proc.stderr}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    res = json.loads(line[7:])
    res["wall_s"] = wall
    res["child_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return res


def show(label: str, r: dict) -> None:
    print(f"{label}: process wall {r['wall_s']:6.1f} s, CPU {r['child_cpu_s']:6.1f} s | import {r['import_s']:.2f} s, "
          f"field+model {r['setup_s']:.2f} s, first propagate {r['first_propagate_s']:.2f} s, first sample "
          f"{r['first_sample_s']:.2f} s, warm 1 h run {1e3 * r['run_s']:.1f} ms ({r['n_eval']} evaluations)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="warm processes (default 3)")
    ap.add_argument("--limit-s", type=float, default=60.0)
    ap.add_argument("--top", type=int, default=12, help="compile-time lines to print")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} (2-core VM shared with other jobs: compare CPU times)")
    kernels = sorted((REPO / "src" / "lunapole" / "kernels").glob("*.py"))
    stamps = {k: k.stat().st_mtime for k in kernels}
    with tempfile.TemporaryDirectory(prefix="lunapole-numba-") as cache:
        cold = run_child(cache)
        show("cold (empty cache)", cold)
        # top-level compile times (a caller's time includes its callees compiled for it)
        items = sorted(cold["compile_s"].items(), key=lambda kv: -kv[1])
        print(f"  numba compile events (inclusive), top {args.top}:")
        for name, s in items[: args.top]:
            print(f"    {s:7.2f} s  {name}")
        warm = [run_child(cache) for _ in range(args.runs)]
        for i, w in enumerate(warm):
            show(f"warm #{i + 1} (cached)", w)
            if w["compile_s"]:
                changed = [k.name for k in kernels if k.stat().st_mtime != stamps[k]]
                why = f"kernel sources edited during the run: {changed}" if changed else "cache miss!"
                print(f"    recompiled in a warm process ({why}): {sorted(w['compile_s'])[:4]}...")
    best = min(warm, key=lambda w: w["child_cpu_s"] if not w["compile_s"] else 1e9)
    print(f"cold first run: {cold['wall_s']:.1f} s wall, {cold['child_cpu_s']:.1f} s CPU "
          f"({cold['wall_s'] / args.limit_s:.2f} of the {args.limit_s:.0f} s budget)")
    print(f"warm new process: {best['wall_s']:.2f} s wall, {best['child_cpu_s']:.2f} s CPU (best of {args.runs})")
    dr = [abs(a - b) for a, b in zip(cold["r_final_m"], best["r_final_m"])]
    print(f"cold vs warm final position difference: {max(dr):.2e} m (must be 0: same machine code)")


if __name__ == "__main__":
    main()
