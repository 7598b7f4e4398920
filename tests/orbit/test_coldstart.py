"""Compile-once guarantees of the propagation kernels (benchmarks/RESULTS-coldstart.md).

numba compiles one machine-code version per distinct argument-type signature, ~15 s CPU each on the 2-core VM:
every kind of run (point-mass or field, terrain or not, burn or not) must hand the kernels the same array
types, and :func:`lunapole.orbit.warmup` must compile exactly the version real runs use.
"""
import numba
import numpy as np

from lunapole.gravity import load_field
from lunapole.kernels import dop853 as D
from lunapole.orbit import FiniteBurn, ForceModel, HeightGrid, keplerian_to_state, propagate, warmup

ET0 = 7.6e8


def test_point_mass_and_field_give_the_same_kernel_types():
    pm = ForceModel(None, third_bodies=()).prepare(ET0, ET0 + 60.0)
    fld = ForceModel(load_field("GRGM1200A", 4, 4), third_bodies=("EARTH", "SUN")).prepare(ET0, ET0 + 60.0)
    for name in ("fp", "tables", "col_start", "work", "tab"):
        assert numba.typeof(getattr(pm, name)) == numba.typeof(getattr(fld, name)), name
    grid = HeightGrid(np.array([-90.0, 90.0]), np.array([0.0, 359.0]), np.zeros((2, 2)))
    _, h = grid.kernel_args()
    assert not h.flags.writeable  # as the placeholder grid used without terrain


def test_warmup_compiles_the_signature_of_real_runs():
    warmup()
    field = load_field("GRGM1200A", 4, 4)
    st = keplerian_to_state(1837.4e3, 0.01, 90.0, 30.0, 0.0, 0.0, epoch_tdb_s=ET0, mass_kg=1000.0)
    grid = HeightGrid(np.array([-90.0, 90.0]), np.array([0.0, 359.0]), np.full((2, 2), 100.0))
    burn = FiniteBurn(thrust_n=100.0, isp_s=300.0, direction="inertial", direction_j2000=(0.0, 0.0, 1.0),
                      duration_s=5.0)
    tr = propagate(st, ForceModel(field, third_bodies=("EARTH", "SUN"), srp=(1.0, 1.2)), duration_s=120.0,
                   burn=burn, terrain=grid, altitude_events_m=(99e3,))
    tr.sample([ET0 + 30.0])
    # one machine-code version each: real runs reuse what warmup() compiled (or loaded)
    assert len(D.integrate.signatures) == 1, D.integrate.signatures
    assert len(D.dense_sample.signatures) == 1, D.dense_sample.signatures


def test_background_warmup_process_then_propagate():
    from lunapole.orbit import start_warmup_process

    proc = start_warmup_process()
    st = keplerian_to_state(1837.4e3, 0.0, 90.0, 30.0, 0.0, 0.0, epoch_tdb_s=ET0)
    tr = propagate(st, ForceModel(None, third_bodies=()), duration_s=60.0)
    assert proc.returncode == 0  # propagate waited for the child, which ran warmup() without error
    assert tr.outcome == "completed"
