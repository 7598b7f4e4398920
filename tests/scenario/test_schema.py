"""Scenario validation: every error names the file, the field path and what is allowed."""
from __future__ import annotations

from pathlib import Path

import pytest

from lunapole.cli import main
from lunapole.errors import ScenarioError
from lunapole.scenario import load_scenario, scenario_from_dict

from ._util import base, write_toml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "llo-100km.toml"


def _error(tmp_path: Path, data: dict) -> str:
    path = write_toml(tmp_path / "bad.toml", data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "bad.toml" in msg  # the file is always named
    assert "Traceback" not in msg and "pydantic" not in msg.lower()
    return msg


def test_example_loads_as_written():
    scn = load_scenario(EXAMPLE)
    assert scn.scenario.name == "llo-100km"
    assert scn.forces.gravity.degree == 50 and scn.forces.third_bodies == ["EARTH", "SUN"]
    assert scn.sequence[0].type == "coast" and scn.sequence[0].duration_s == 86400.0
    assert scn.output.ephemeris == "out/llo.oem" and scn.base_dir == EXAMPLE.parent


def test_misspelled_key_suggests_the_right_one(tmp_path):
    data = base()
    data["spacecraft"]["mas_kg"] = data["spacecraft"].pop("mass_kg")
    msg = _error(tmp_path, data)
    assert "spacecraft.mas_kg" in msg and "did you mean 'mass_kg'" in msg
    assert "spacecraft.mass_kg: required field is missing" in msg


def test_unknown_step_type_lists_the_registered_ones(tmp_path):
    msg = _error(tmp_path, base(sequence=[{"type": "cost", "duration_s": 10.0}]))
    assert "sequence[0]" in msg and "'cost'" in msg and "did you mean 'coast'" in msg
    for t in ("coast", "impulsive_burn", "finite_burn"):
        assert t in msg


def test_range_error_names_step_and_range(tmp_path):
    msg = _error(tmp_path, base(sequence=[{"type": "coast", "name": "wait", "duration_s": -5.0}]))
    assert "sequence[0].duration_s (step 'wait')" in msg
    assert "greater than 0" in msg and "-5.0" in msg


def test_misspelled_step_field_suggests(tmp_path):
    msg = _error(tmp_path, base(sequence=[{"type": "coast", "durration_s": 5.0}]))
    assert "sequence[0].durration_s" in msg and "did you mean 'duration_s'" in msg


def test_literal_choices_are_enumerated(tmp_path):
    data = base()
    data["initial_state"]["frame"] = "J2001"
    msg = _error(tmp_path, data)
    assert "initial_state.frame" in msg and "'J2000'" in msg and "'MOON_ME'" in msg


def test_bad_epoch_shows_accepted_format(tmp_path):
    data = base()
    data["scenario"]["epoch"] = "16 Aug 2023"
    msg = _error(tmp_path, data)
    assert "scenario.epoch" in msg and "ISO 8601" in msg


def test_keplerian_needs_a_complete_pair(tmp_path):
    data = base()
    data["initial_state"] = {"type": "keplerian", "sma_km": 1838.0, "inc_deg": 90.0}
    msg = _error(tmp_path, data)
    assert "initial_state" in msg and "sma_km and ecc go together" in msg


def test_periapsis_apoapsis_form_is_accepted():
    data = base()
    data["initial_state"] = {"type": "keplerian", "periapsis_alt_km": 18.0, "apoapsis_alt_km": 100.0,
                             "inc_deg": 90.0}
    scn = scenario_from_dict(data)
    assert scn.initial_state.periapsis_alt_km == 18.0


def test_faults_must_name_an_existing_step(tmp_path):
    msg = _error(tmp_path, base(faults=[{"type": "cutoff_failure", "step": "c11"}]))
    assert "faults[0].step" in msg and "'c11'" in msg and "c1" in msg and "did you mean 'c1'" in msg


def test_fault_must_apply_to_the_step_type(tmp_path):
    msg = _error(tmp_path, base(faults=[{"type": "cutoff_failure", "step": "c1"}]))
    assert "faults[0].type" in msg and "coast" in msg and "does not support" in msg


def test_cutoff_failure_needs_backup_timer(tmp_path):
    seq = [{"type": "finite_burn", "name": "b", "direction": "against_velocity", "dv_m_s": 18.75}]
    msg = _error(tmp_path, base(sequence=seq, faults=[{"type": "cutoff_failure", "step": "b"}]))
    assert "faults[0]" in msg and "backup_timer_s" in msg


def test_unknown_engine_is_reported(tmp_path):
    seq = [{"type": "finite_burn", "engine": "mian", "duration_s": 10.0}]
    msg = _error(tmp_path, base(sequence=seq))
    assert "sequence[0].engine" in msg and "did you mean 'main'" in msg


def test_duplicate_step_names(tmp_path):
    seq = [{"type": "coast", "name": "a", "duration_s": 1.0}, {"type": "coast", "name": "a", "duration_s": 1.0}]
    msg = _error(tmp_path, base(sequence=seq))
    assert "sequence[1].name" in msg and "unique" in msg


def test_finite_burn_termination_rules(tmp_path):
    msg = _error(tmp_path, base(sequence=[{"type": "finite_burn", "duration_s": 10.0, "dv_m_s": 3.0}]))
    assert "exactly one of duration_s or dv_m_s" in msg


def test_dispersions_table_is_accepted_as_is():
    scn = scenario_from_dict(base(dispersions={"spacecraft.mass_kg": {"normal": [0, 5]}}))
    assert scn.dispersions == {"spacecraft.mass_kg": {"normal": [0, 5]}}


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[scenario]\nname = \"x\nepoch = 1\n")
    with pytest.raises(ScenarioError, match=r"broken\.toml.*not valid TOML.*line 2"):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


def test_cli_prints_a_clean_error_and_exits_2(tmp_path, capsys):
    data = base()
    data["spacecraft"]["mas_kg"] = 1.0
    path = write_toml(tmp_path / "bad.toml", data)
    assert main(["run", str(path)]) == 2
    captured = capsys.readouterr()
    assert "bad.toml" in captured.err and "spacecraft.mas_kg" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""


def test_builtin_scenario_path_lists_available(monkeypatch):
    from lunapole.scenario import builtin_scenario_names, builtin_scenario_path

    with pytest.raises(ScenarioError, match="no built-in scenario 'no-such-mission'; available"):
        builtin_scenario_path("no-such-mission")
    for name in builtin_scenario_names():
        assert builtin_scenario_path(name).is_file()


def test_builtin_scenarios_validate():
    from lunapole.scenario import builtin_scenario_names, builtin_scenario_path

    for name in builtin_scenario_names():
        scn = load_scenario(builtin_scenario_path(name))
        assert scn.sequence
        assert scn.base_dir == Path.cwd()  # built-ins never write into the installed package
    assert load_scenario(EXAMPLE).base_dir == EXAMPLE.parent  # other files: their own directory


def test_engine_out_must_name_the_burning_engine(tmp_path):
    sc = {"mass_kg": 1750.0, "engines": [{"name": "main", "thrust_n": 800.0, "isp_s": 310.0, "count": 4},
                                         {"name": "rcs", "thrust_n": 58.0, "isp_s": 220.0, "count": 8}]}
    seq = [{"type": "finite_burn", "name": "b", "engine": "main", "duration_s": 10.0}]
    msg = _error(tmp_path, base(spacecraft=sc, sequence=seq,
                                faults=[{"type": "engine_out", "step": "b", "time_s": 1.0, "engine": "rcs"}]))
    assert "faults[0]" in msg and "'rcs'" in msg and "'main'" in msg
