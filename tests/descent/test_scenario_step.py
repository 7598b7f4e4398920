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
