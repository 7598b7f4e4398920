"""The ``powered_descent`` scenario step end to end (example file, faults, bad input)."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lunapole.errors import ScenarioError
from lunapole.scenario.load import load_scenario, read_toml, scenario_from_dict
from lunapole.scenario.run import run_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "descent-chandrayaan3-like.toml"
KEYS = {"epoch", "lat_deg", "lon_deg", "vertical_speed_m_s", "horizontal_speed_m_s", "tilt_deg",
        "propellant_used_kg", "miss_distance_m", "success", "failure_reason"}


def test_example_lands_and_reports_touchdown():
    res = run_scenario(load_scenario(EXAMPLE), write_outputs=False)
    d = res.to_json_dict()
    td = d["touchdown"]
    assert KEYS <= set(td)
    assert res.outcome == "landed" and td["success"] is True and td["failure_reason"] is None
    assert td["vertical_speed_m_s"] <= 2.0 and td["horizontal_speed_m_s"] <= 0.5  # missions.md limits
    assert td["miss_distance_m"] < 50.0
    assert abs(td["lat_deg"] - td["target_lat_deg"]) < 0.01
    json.dumps(d)  # JSON-able


def test_thrust_scale_fault_crashes_with_reason():
    raw = read_toml(EXAMPLE)
    raw = copy.deepcopy(raw)
    raw["faults"] = [{"type": "thrust_scale", "step": "descent", "scale": 0.7}]
    res = run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)
    td = res.touchdown
    assert res.outcome == "crashed" and td["success"] is False
    assert td["failure_reason"] in ("hard_landing", "tip_over", "propellant_exhausted", "hit_terrain_before_target")


@pytest.mark.parametrize("fault, outcome", [
    ({"type": "engine_out", "step": "descent", "time_s": 960.0}, "landed"),  # one of four lost in terminal descent
    ({"type": "nav_bias", "step": "descent", "velocity_m_s": [0.5, 0.5, 0.5]}, "landed"),
])
def test_descent_faults_are_applied(fault, outcome):
    raw = copy.deepcopy(read_toml(EXAMPLE))
    raw["faults"] = [fault]
    res = run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)
    assert res.outcome == outcome
    if fault["type"] == "nav_bias":  # guidance flies the biased estimate: touchdown misses by metres
        assert 0.5 < res.touchdown["miss_distance_m"] < 100.0


def test_bad_descent_inputs_are_scenario_errors():
    raw = copy.deepcopy(read_toml(EXAMPLE))
    raw["sequence"][0]["target"] = {"lat_deg": -69.0}
    with pytest.raises(ScenarioError, match="lon_deg"):
        scenario_from_dict(raw, source=str(EXAMPLE))
    raw = copy.deepcopy(read_toml(EXAMPLE))
    raw["sequence"][0]["guidance"] = "convex"
    with pytest.raises(ScenarioError, match="convex"):
        run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)


@pytest.mark.parametrize("change, match", [
    ({"dry_mass_kg": 1500.0}, "propellant"),  # 252 kg cannot cancel 1.69 km/s at 310 s
    ({"engines": [{"name": "main", "thrust_n": 300.0, "isp_s": 310.0, "count": 2}]}, "thrust"),  # T/W < 1
])
def test_infeasible_vehicle_is_reported_by_constraint(change, match):
    from lunapole.errors import InfeasibleError

    raw = copy.deepcopy(read_toml(EXAMPLE))
    raw["spacecraft"].update(change)
    with pytest.raises(InfeasibleError, match=match):
        run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)


def test_cli_json_has_touchdown():
    out = subprocess.run([sys.executable, "-m", "lunapole.cli", "run", str(EXAMPLE), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    td = json.loads(out.stdout)["touchdown"]
    assert KEYS <= set(td) and td["success"] is True


def test_lat_lon_target_with_automatic_ignition():
    """A lat/lon target 800 km ahead of the perilune; ignition_range_km = 750 coasts ~30 s (50 km at
    1.69 km/s, two-body) before igniting, then lands on the target."""
    from types import SimpleNamespace

    from lunapole.scenario.run import initial_state
    from lunapole.scenario.steps import powered_descent as pd

    raw = copy.deepcopy(read_toml(EXAMPLE))
    scn = scenario_from_dict(raw, source=str(EXAMPLE))
    s0 = initial_state(scn)
    probe = pd.PoweredDescentStep(type="powered_descent", target={"downrange_km": 800.0})
    lat, lon = pd._target_latlon(probe, SimpleNamespace(state=s0))
    raw["sequence"][0]["target"] = {"lat_deg": lat, "lon_deg": lon}
    raw["sequence"][0]["ignition_range_km"] = 750.0
    res = run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)
    start = next(e for e in res.events if e.type == "powered_descent_start")
    assert 20.0 < start.epoch_tdb_s - s0.epoch_tdb_s < 40.0  # s, 50 km / ~1.7 km/s
    assert res.outcome == "landed", res.stop_reason
    assert res.touchdown["miss_distance_m"] < 50.0
    # unreachable: a target behind the vehicle's ground track by 90 deg of longitude never comes within 10 km
    raw["sequence"][0]["target"] = {"lat_deg": 0.0, "lon_deg": lon + 90.0}
    raw["sequence"][0]["ignition_range_km"] = 10.0
    from lunapole.errors import InfeasibleError

    with pytest.raises(InfeasibleError, match="ignition_range_km"):
        run_scenario(scenario_from_dict(raw, source=str(EXAMPLE)), write_outputs=False)
