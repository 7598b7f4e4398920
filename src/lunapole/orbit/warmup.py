"""Compile (or load from numba's on-disk cache) the propagation kernels before a run needs them.

In a fresh install numba compiles the propagator's kernels on their first call (about 15 s of CPU time on
the 2-core VM; benchmarks/RESULTS-coldstart.md) and caches the machine code on disk, so later processes
only load it (~0.1 s). :func:`warmup` runs a tiny point-mass propagation with a burn, all event kinds
and dense output, whose kernel argument types are those of every real run (with or without a gravity
field, terrain or burn), so it compiles exactly the code a real run uses; it reads no data files and needs
no SPICE kernels. Use it from an install step, a ``warmup`` command, or a background process started while
a scenario loads its data (the second core compiles while the first one works):
:func:`start_warmup_process`; :func:`lunapole.orbit.propagate` then waits for that process before its first
run and loads the kernels from the cache instead of compiling them a second time.
"""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

_process: subprocess.Popen | None = None


def warmup() -> float:
    """Compile or load the propagation kernels (integrator, events, dense output); returns the seconds taken."""
    from lunapole.astro.constants import MOON_GM_M3_S2
    from lunapole.orbit.burns import FiniteBurn
    from lunapole.orbit.forces import ForceModel
    from lunapole.orbit.propagate import propagate
    from lunapole.orbit.state import State

    t = time.perf_counter()
    r_m = 1.84e6
    st = State(0.0, np.array([r_m, 0.0, 0.0]), np.array([0.0, np.sqrt(MOON_GM_M3_S2 / r_m), 0.0]), 1000.0)
    burn = FiniteBurn(thrust_n=10.0, isp_s=300.0, direction="along_velocity", duration_s=20.0)
    traj = propagate(st, ForceModel(None, third_bodies=()), burn=burn, stop_on=("impact",),
                     record=("periapsis", "apoapsis"), altitude_events_m=(1e5,), epoch_events_tdb_s=(10.0,))
    traj.sample([5.0])
    return time.perf_counter() - t


def start_warmup_process() -> subprocess.Popen:
    """Run :func:`warmup` in a child Python process (same interpreter and ``NUMBA_CACHE_DIR``) and return it.

    Returns at once; the next :func:`lunapole.orbit.propagate` call waits for the child to finish. Worth it
    when this process has other work to do first (loading a gravity field, SPICE, compiling other kernels).
    Started once per process; later calls return the same child.
    """
    global _process
    if _process is None:
        _process = subprocess.Popen([sys.executable, "-c", "from lunapole.orbit.warmup import warmup; warmup()"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
    return _process


def wait_for_warmup_process() -> None:
    """Wait for a child started by :func:`start_warmup_process` (no-op without one); its failure is ignored:
    this process then compiles the kernels itself."""
    if _process is not None and _process.returncode is None:
        _process.wait()
