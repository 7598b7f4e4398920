"""Scenarios: TOML files validated with pydantic, run step by step.

Public API::

    from lunapole.scenario import load_scenario, run_scenario
    scn = load_scenario("examples/llo-100km.toml", overrides=["spacecraft.mass_kg=1800"])
    result = run_scenario(scn)
    result.to_json_dict()

``apply_overrides`` / ``scenario_from_dict`` serve the Monte Carlo runner; ``builtin_scenario_path``
finds the scenarios shipped in ``lunapole/scenario/missions/``. Step types are plug-ins registered in
:mod:`lunapole.scenario.steps` (see docs/architecture.md).
"""
from lunapole.errors import ScenarioError
from lunapole.scenario.load import (
    builtin_scenario_names,
    builtin_scenario_path,
    load_scenario,
    read_toml,
    scenario_from_dict,
)
from lunapole.scenario.overrides import apply_overrides, parse_value
from lunapole.scenario.run import RunResult, StepSummary, run_scenario
from lunapole.scenario.schema import Scenario

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "StepSummary",
    "apply_overrides",
    "builtin_scenario_names",
    "builtin_scenario_path",
    "load_scenario",
    "parse_value",
    "read_toml",
    "run_scenario",
    "scenario_from_dict",
]
