"""Descent campaigns: the batch kernel path agrees with the generic per-sample scenario path, does not
depend on workers or chunking, and built-in scenarios get default dispersions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lunapole.campaign.runner import prepare_job, run_campaign

HERE = Path(__file__).resolve().parent
LANDER = (HERE / "lander.toml").read_text()

# Inputs both paths apply the same way. (The generic path has no per-sample navigation or misalignment;
# an Isp or thrust_n value changes the guidance's vehicle model there, but only the true engine in the
# batch kernel: docs/montecarlo.md.)
COMMON = """
[dispersions]
model = "{model}"

[dispersions.engine]
thrust_frac = 0.05

[dispersions.mass]
initial_kg = 40.0

[dispersions.faults]
engine_out = {{ probability = 0.4 }}
"""


def _scenario(tmp_path: Path, model: str) -> Path:
    text = LANDER[: LANDER.index("[dispersions]")] + COMMON.format(model=model)
    path = tmp_path / f"lander_{model}.toml"
    path.write_text(text)
    return path


def test_batch_kernel_matches_the_generic_scenario_path(tmp_path):
    n = 10
    batch = run_campaign(_scenario(tmp_path, "descent_batch"), n, 5, tmp_path / "b", workers=1, progress=False,
                         report=False)
    generic = run_campaign(_scenario(tmp_path, "scenario"), n, 5, tmp_path / "g", workers=1, progress=False,
                           report=False)
    assert batch.summary["model"] == "descent_batch" and generic.summary["model"] == "scenario"
    b, g = batch.table, generic.table
    for col in [c for c in b.column_names if c.startswith(("in.", "fault."))]:
        assert b.column(col).equals(g.column(col))  # same draws
    assert b.column("success").to_pylist() == g.column("success").to_pylist()
    assert b.column("failure_reason").to_pylist() == g.column("failure_reason").to_pylist()
    assert 0 < sum(b.column("fault.engine_out").to_pylist()) < n  # engine-out cases on both sides
    # Same kernel dynamics, same inputs. The step reports the touchdown as lat/lon of its last time-history
    # sample, which we convert back to east/north: on a successful landing the vehicle moves < 0.5 m/s x
    # dt 0.2 s = 0.1 m between that sample and the touchdown the batch kernel reports.
    ok = np.asarray(b.column("success").to_pylist())
    assert ok.any()
    for col, tol in (("landing_east_m", 0.1), ("landing_north_m", 0.1)):
        x = np.asarray(b.column(col).to_pylist(), float)[ok]
        y = np.asarray(g.column(col).to_pylist(), float)[ok]
        assert np.max(np.abs(x - y)) < tol, col
    x = np.asarray(b.column("propellant_margin_kg").to_pylist(), float)
    y = np.asarray(g.column("propellant_margin_kg").to_pylist(), float)
    assert np.max(np.abs(x - y)) < 1e-6  # kg


def test_descent_campaign_independent_of_workers_and_chunks(tmp_path):
    one = run_campaign(HERE / "lander.toml", 48, 11, tmp_path / "one", workers=1, chunk_size=48, progress=False,
                       report=False)
    two = run_campaign(HERE / "lander.toml", 48, 11, tmp_path / "two", workers=2, chunk_size=10, progress=False,
                       report=False)
    assert one.summary["model"] == "descent_batch"
    assert one.table.equals(two.table)
    margin = np.asarray(one.table.column("propellant_margin_kg").to_pylist(), float)
    # 950 kg loaded; the nominal descent of lander.toml uses 882 kg: margins scatter around ~68 kg.
    assert 20.0 < np.median(margin) < 100.0


def test_builtin_scenarios_get_default_dispersions():
    from lunapole.scenario.load import builtin_scenario_names

    if "luna-25" not in builtin_scenario_names():
        pytest.skip("luna-25 scenario not shipped")
    job = prepare_job("luna-25", 0)
    assert job.model == "scenario"
    assert set(job.spec.standard) == {"engine.thrust_frac", "engine.isp_frac", "mass.initial_kg"}
    assert job.spec.step == "pre_landing_burn" and "no_cutoff" in job.spec.faults



def test_chandrayaan3_by_name_runs_with_default_dispersions(tmp_path):
    from lunapole.scenario.load import builtin_scenario_names

    if "chandrayaan-3" not in builtin_scenario_names():
        pytest.skip("chandrayaan-3 scenario not shipped")
    res = run_campaign("chandrayaan-3", 12, 0, tmp_path / "c3", workers=1, progress=False, report=False)
    assert res.summary["model"] == "descent_batch"  # whole mission before the descent run once, nominal
    assert "in.navigation.position_m.east" in res.table.column_names
    margin = res.summary["propellant_margin_kg"]
    assert margin is not None and margin["p50"] > 0.0  # kg left at touchdown


def test_descent_without_dispersions_gets_the_default_table(tmp_path):
    bare = tmp_path / "bare.toml"
    bare.write_text(LANDER[: LANDER.index("[dispersions]")])
    job = prepare_job(bare, 0)
    assert job.model == "descent_batch"
    assert {"navigation.position_m", "engine.misalignment_deg", "timing.start_s"} <= set(job.spec.standard)
    assert "engine_out" in job.spec.faults
    # a descent the batch kernel cannot take (a step after it): generic path, reduced defaults
    after = tmp_path / "after.toml"
    after.write_text(bare.read_text() + '\n[[sequence]]\nname = "wait"\ntype = "coast"\nduration_s = 10.0\n')
    job = prepare_job(after, 0)
    assert job.model == "scenario"
    assert set(job.spec.standard) == {"engine.thrust_frac", "engine.isp_frac", "mass.initial_kg"}
