"""Overrides (``--set PATH=VALUE``) and the ``lunapole run`` command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lunapole.cli import main
from lunapole.errors import ScenarioError
from lunapole.scenario import apply_overrides, load_scenario, parse_value, scenario_from_dict

from ._util import base, write_toml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "llo-100km.toml"


def _two_steps() -> dict:
    return base(sequence=[{"type": "coast", "name": "wait", "duration_s": 10.0},
                          {"type": "finite_burn", "name": "pre_landing_burn", "duration_s": 127.0}])


def test_override_by_name_index_and_nested_list_item():
    raw = _two_steps()
    scn = scenario_from_dict(raw, overrides=[
        "sequence.pre_landing_burn.duration_s=84", "sequence[0].duration_s=20", "spacecraft.mass_kg=1800",
        "spacecraft.engines.main.thrust_n=390", "sequence.1.thrust_scale=0.9",
    ])
    assert scn.sequence[1].duration_s == 84.0 and scn.sequence[0].duration_s == 20.0
    assert scn.sequence[1].thrust_scale == 0.9
    assert scn.spacecraft.mass_kg == 1800.0 and scn.spacecraft.engines[0].thrust_n == 390.0
    assert raw["sequence"][1]["duration_s"] == 127.0  # the input dict is not modified


def test_values_are_toml_literals_with_a_string_fallback():
    assert parse_value("84") == 84 and parse_value("[1, 0, 0]") == [1, 0, 0]
    assert parse_value('"DE440"') == "DE440" and parse_value("DE440") == "DE440"
    assert parse_value("{ area_m2 = 2.0 }") == {"area_m2": 2.0}
    scn = scenario_from_dict(base(), overrides=["scenario.ephemeris=DE440", "forces.srp.area_m2=2.5",
                                                 "forces.third_bodies=[\"SUN\"]"])
    assert scn.scenario.ephemeris == "DE440" and scn.forces.srp.area_m2 == 2.5 and scn.forces.srp.cr == 1.3


def test_unknown_list_item_lists_the_names():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_two_steps(), overrides=["sequence.pre_landing_brn.duration_s=84"])
    msg = str(info.value)
    assert "pre_landing_brn" in msg and "wait, pre_landing_burn" in msg and "did you mean 'pre_landing_burn'" in msg


def test_misspelled_override_field_is_traced_to_the_override():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base(), source="s.toml", overrides=["spacecraft.mas_kg=1800"])
    msg = str(info.value)
    assert "spacecraft.mas_kg" in msg and "did you mean 'mass_kg'" in msg
    assert "from override 'spacecraft.mas_kg=1800'" in msg


def test_invalid_override_value_is_validated_by_the_schema():
    with pytest.raises(ScenarioError, match=r"sequence\[0\]\.duration_s.*greater than 0.*from override"):
        scenario_from_dict(_two_steps(), overrides=["sequence.wait.duration_s=-1"])
    with pytest.raises(ScenarioError, match="PATH=VALUE"):
        apply_overrides(base(), ["spacecraft.mass_kg"])
    with pytest.raises(ScenarioError, match="indices 0-1"):
        apply_overrides(_two_steps(), ["sequence[5].duration_s=1"])


def test_run_json_prints_exactly_one_object(tmp_path, capsys):
    # The example exactly as shipped (GRGM1200A 50x50, Earth + Sun, 1 day), output redirected to tmp.
    eph = tmp_path / "eph" / "llo.oem"
    code = main(["run", str(EXAMPLE), "--json", "--set", f'output.ephemeris="{eph}"'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    js = json.loads(captured.out)  # the whole of stdout is one JSON object
    assert js["outcome"] == "completed"
    assert js["final_state"]["epoch"].startswith("2023-08-17T12:00:00")
    assert js["steps"][0]["duration_s"] == pytest.approx(86400.0)
    # 100 km polar orbit under 50x50 GRAIL gravity stays above ~80 km for a day (it is not an impact).
    assert 50.0 < js["final_elements"]["periapsis_alt_km"] < 100.0 < js["final_elements"]["apoapsis_alt_km"] < 130.0
    assert eph.is_file() and eph.read_text().startswith("CCSDS_OEM_VERS")
    assert "[1/1]" in captured.err  # progress goes to stderr


def test_run_rich_summary_and_relative_output_path(tmp_path, capsys):
    data = base(sequence=[{"type": "coast", "name": "wait", "duration_s": 120.0}],
                output={"ephemeris": "out/e.csv", "ephemeris_step_s": 30.0})
    path = write_toml(tmp_path / "s.toml", data)
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "outcome: completed" in out and "final orbit" in out
    csv = tmp_path / "out" / "e.csv"  # relative to the scenario file's directory
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("epoch_tdb_s,") and len(lines) == 1 + 5  # 0, 30, ..., 120 s


def test_report_without_writer_is_a_clean_error(tmp_path, capsys, monkeypatch):
    import lunapole.report as report

    monkeypatch.delattr(report, "write_report", raising=False)
    path = write_toml(tmp_path / "s.toml", base())
    assert main(["run", str(path), "--report", str(tmp_path / "rep")]) == 2
    assert "write_report" in capsys.readouterr().err


def test_load_scenario_accepts_overrides():
    scn = load_scenario(EXAMPLE, overrides=["sequence[0].duration_s=60"])
    assert scn.sequence[0].duration_s == 60.0 and scn.raw["sequence"][0]["duration_s"] == 60


def test_lower_periapsis_example_and_its_luna25_fault(capsys):
    example = EXAMPLE.parent / "lower-periapsis.toml"
    assert main(["run", str(example), "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    burn = js["steps"][0]
    assert abs(burn["elements"]["periapsis_alt_km"] - 18.0) < 0.01  # km: targeting tolerance 10 m
    assert 80.0 < burn["duration_s"] < 88.0  # ~84 s at 390 N, as planned for Luna-25 (missions.md)
    assert js["outcome"] == "completed"
    fault = 'faults=[{ type = "cutoff_failure", step = "lower" }]'
    assert main(["run", str(example), "--json", "--set", fault]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["steps"][0]["duration_s"] == pytest.approx(127.0, abs=1e-6)  # ran to the backup timer
    assert js["outcome"] == "impact"
