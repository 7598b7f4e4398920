"""Overhead of the scenario layer on top of the propagator, on the shipped example.

Verdict (benchmarks/RESULTS-scenario.md): `examples/llo-100km.toml` (1 day, GRGM1200A 50x50, Earth + Sun)
runs in well under a second once numba kernels are cached; loading/validating a scenario costs ~ms, the
rest is propagation plus ephemeris-file writing. Limits stated here: validation < 20 ms, whole run < 5 s.

Run: python benchmarks/bench_scenario.py
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lunapole.orbit import propagate
from lunapole.scenario import load_scenario, run_scenario
from lunapole.scenario.run import force_model, initial_state

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "llo-100km.toml"


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        overrides = [f'output.ephemeris="{tmp}/llo.oem"']
        t_load, scn = best_of(lambda: load_scenario(EXAMPLE, overrides=overrides))
        run_scenario(scn)  # warm-up: numba cache, kernels, gravity field cache
        t_run, result = best_of(lambda: run_scenario(scn))
        s0, fm = initial_state(scn), force_model(scn)
        t_prop, _ = best_of(lambda: propagate(s0, fm, duration_s=86400.0, stop_on=("impact",),
                                              record=("periapsis", "apoapsis")))
    print(f"load + validate:            {t_load * 1e3:8.2f} ms   (limit 20 ms)")
    print(f"run_scenario (1 day, OEM):  {t_run:8.3f} s    (limit 5 s)")
    print(f"bare propagate (same):      {t_prop:8.3f} s")
    print(f"scenario overhead ratio:    {t_run / t_prop:8.2f} x  (run incl. OEM writing / bare propagation)")
    print(f"outcome {result.outcome}, {len(result.events)} events")


if __name__ == "__main__":
    main()
