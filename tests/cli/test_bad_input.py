"""Bad input at the command line: exit code 2 (130 for Ctrl-C), one clear message, never a traceback.

Each test is a regression test for a defect found by trying to break the CLI like a user would
(house rule: the message names the file, the field and the fix; ``--json`` prints only JSON on stdout).
Scenarios are tiny (a 60 s coast at degree 4) so the whole file runs in seconds.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lunapole.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DESCENT = EXAMPLES / "descent-chandrayaan3-like.toml"  # has defaults for dispersions (one powered_descent)

TINY = """\
[scenario]
name = "tiny"
epoch = "2023-08-16T12:00:00 TDB"
[spacecraft]
mass_kg = 1750.0
engines = [{ name = "main", thrust_n = 3200.0, isp_s = 310.0 }]
[initial_state]
type = "keplerian"
sma_km = 1838.0
ecc = 0.0
inc_deg = 90.0
[forces]
gravity = { field = "GRGM1200A", degree = 4, order = 4 }
[[sequence]]
type = "coast"
duration_s = 60.0
"""


def _tiny(tmp_path: Path, old: str | None = None, new: str | None = None, name: str = "tiny.toml") -> Path:
    text = TINY if old is None else TINY.replace(old, new, 1)
    assert old is None or text != TINY
    path = tmp_path / name
    path.write_text(text)
    return path


def _fails(capsys, argv: list[str], *needles: str, code: int = 2) -> str:
    """Run the CLI; assert the exit code, no traceback, nothing on stdout, and the message names ``needles``."""
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert rc == code, (rc, out, err)
    assert "Traceback" not in out + err
    assert out == ""
    text = " ".join(err.split())  # Rich wraps long lines
    for needle in needles:
        assert needle in text, (needle, err)
    return text


# --- the scenario file itself --------------------------------------------------------------------------
def test_directory_instead_of_file(tmp_path, capsys):
    _fails(capsys, ["run", tmp_path], str(tmp_path), "is a directory")


def test_invalid_toml_shows_line_and_column(tmp_path, capsys):
    bad = tmp_path / "syn.toml"
    bad.write_text('[scenario]\nname = "x\n')
    _fails(capsys, ["run", bad], "syn.toml", "line 2, column")


@pytest.mark.parametrize("old,new,field", [
    ("duration_s = 60.0", "duration_s = inf", "sequence[0].duration_s"),
    ("duration_s = 60.0", "duration_s = nan", "sequence[0].duration_s"),
    ("mass_kg = 1750.0", "mass_kg = nan", "spacecraft.mass_kg"),
    ("sma_km = 1838.0", "sma_km = inf", "initial_state.sma_km"),
])
def test_nan_and_inf_are_rejected_naming_the_field(tmp_path, capsys, old, new, field):
    # Was: inf duration -> OverflowError traceback; inf sma -> "State: non-finite position" naming no field.
    path = _tiny(tmp_path, old, new)
    _fails(capsys, ["run", path], "tiny.toml", field, "finite number")


def test_nan_via_set_is_rejected(tmp_path, capsys):
    _fails(capsys, ["run", _tiny(tmp_path), "--set", "spacecraft.mass_kg=nan"], "spacecraft.mass_kg", "finite")


@pytest.mark.parametrize("epoch", ["2200-01-01T00:00:00 TDB", "1850-01-01T00:00:00 TDB"])
def test_epoch_outside_ephemeris_names_file_and_field(tmp_path, capsys, epoch):
    # Was: the error named a padded segment epoch hours away from the user's, and neither file nor field.
    path = _tiny(tmp_path, "2023-08-16T12:00:00 TDB", epoch)
    text = _fails(capsys, ["run", path], "tiny.toml", "scenario.epoch", epoch, "scenario.ephemeris")
    assert "[1/1]" not in text  # refused before the first step


# --- output locations: checked before the run, so a long run is never thrown away -----------------------
def test_report_pointing_to_existing_file(tmp_path, capsys):
    # Was: FileExistsError traceback *after* the whole run.
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    text = _fails(capsys, ["run", _tiny(tmp_path), "--report", afile], "--report", "afile", "not a directory")
    assert "[1/1]" not in text
    assert afile.read_text() == "keep me"


def test_ephemeris_output_is_a_directory(tmp_path, capsys):
    (tmp_path / "d.oem").mkdir()
    text = _fails(capsys, ["run", _tiny(tmp_path), "--set", 'output.ephemeris="d.oem"'],
                  "output.ephemeris", "is a directory")
    assert "[1/1]" not in text


# --- gravity fields ------------------------------------------------------------------------------------
def _shadr_degree2(path: Path) -> Path:
    """A hand-written PDS SHADR file of degree 2 (values: GRGM1200A C20, C22 rounded)."""
    path.write_text(
        "1.7380000000000000e+03, 4.9028001224453001e+03, 0.0, 2, 2, 1, 0.0, 0.0\n"
        "1, 0, 0.0, 0.0, 0.0, 0.0\n"
        "1, 1, 0.0, 0.0, 0.0, 0.0\n"
        "2, 0, -9.0880e-05, 0.0, 0.0, 0.0\n"
        "2, 1, 0.0, 0.0, 0.0, 0.0\n"
        "2, 2, 3.4673e-05, 0.0, 0.0, 0.0\n"
    )
    return path


def test_degree_above_the_files_maximum_names_scenario_field(tmp_path, capsys):
    field = _shadr_degree2(tmp_path / "small.tab")
    path = _tiny(tmp_path, 'field = "GRGM1200A"', f'field = "{field.name}"')
    _fails(capsys, ["run", path], "tiny.toml", "forces.gravity", "small.tab", "degree-2", "degree 4")


def test_malformed_field_file(tmp_path, capsys):
    (tmp_path / "bad.tab").write_text("garbage line here\n")
    path = _tiny(tmp_path, 'field = "GRGM1200A"', 'field = "bad.tab"')
    _fails(capsys, ["run", path], "forces.gravity", "bad.tab", "line 1")


def test_data_fetch_failure_says_how_to_get_the_file(capsys):
    # No network in tests: a closed local port fails at once. The message must give a way out.
    _fails(capsys, ["data", "fetch", "LP165P", "--url", "http://127.0.0.1:9/jgl165p1.sha"],
           "download of LP165P", "failed", "copy it to", "forces.gravity.field", "--url")


# --- montecarlo ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("opt,needle", [(["--workers", "0"], "--workers 0"), (["--chunk-size", "0"], "--chunk-size 0")])
def test_montecarlo_zero_workers_or_chunk(tmp_path, capsys, opt, needle):
    # Was: 0 silently meant "the default".
    _fails(capsys, ["montecarlo", DESCENT, "-n", "5", "-o", tmp_path / "mc", *opt], needle, "at least 1")


def test_montecarlo_out_is_an_existing_file(tmp_path, capsys):
    # Was: NotADirectoryError traceback.
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    _fails(capsys, ["montecarlo", DESCENT, "-n", "5", "-o", afile], "--out", "afile", "not a directory")
    assert afile.read_text() == "keep me"


def test_montecarlo_bad_override_leaves_no_campaign_behind(tmp_path, capsys):
    # Was: the manifest was written before the override failed, so the corrected run needed --resume.
    out = tmp_path / "mc"
    _fails(capsys, ["montecarlo", DESCENT, "-n", "5", "-o", out, "--set", "spacecraft.mass_kg=-1", "--no-progress"],
           "spacecraft.mass_kg", "greater than 0")
    assert not out.exists()


def test_montecarlo_damaged_manifest_on_resume(tmp_path, capsys):
    out = tmp_path / "mc"
    out.mkdir()
    (out / "manifest.json").write_text("{nope")
    _fails(capsys, ["montecarlo", DESCENT, "-n", "5", "-o", out, "--resume"], "manifest.json", "damaged")


def test_montecarlo_binary_scenario(tmp_path, capsys):
    bad = tmp_path / "bin.toml"
    bad.write_bytes(b"\x7fELF\xd0\xff\x00\x01")
    _fails(capsys, ["montecarlo", bad, "-n", "5", "-o", tmp_path / "mc"], "bin.toml", "not UTF-8")


def test_montecarlo_ctrl_c_exits_130_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    # Was: exit code 2 (a user error) for Ctrl-C. The KeyboardInterrupt is injected where the samples run.
    import lunapole.campaign.runner as runner

    def interrupted(job, ranges):
        raise KeyboardInterrupt
        yield  # pragma: no cover - makes this a generator like the real one

    monkeypatch.setattr(runner, "_run_inline", interrupted)
    out = tmp_path / "mc"
    _fails(capsys, ["montecarlo", DESCENT, "-n", "8", "--workers", "1", "-o", out, "--no-progress"],
           "interrupted", "--resume", str(out), code=130)
    assert (out / "manifest.json").is_file()  # resumable


# --- --json purity -----------------------------------------------------------------------------------------
def test_run_json_is_one_object_on_stdout(tmp_path, capsys):
    rc = main(["run", str(_tiny(tmp_path)), "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert json.loads(out)["outcome"] == "completed"  # progress lines went to stderr
    assert "[1/1]" in err


def test_initial_state_inside_the_moon_names_the_table(tmp_path, capsys):
    # Was: "propagate: initial altitude -1637400.0 m is below the reference surface" (no file, no field).
    path = _tiny(tmp_path, "sma_km = 1838.0", "sma_km = 100.0")
    text = _fails(capsys, ["run", path], "tiny.toml", "initial_state", "inside the Moon")
    assert "[1/1]" not in text


@pytest.mark.parametrize("argv,needle", [
    (["run"], "Missing argument"),
    (["run", "x.toml", "--bogus"], "No such option: --bogus"),
    (["montecarlo", "x.toml", "-n", "abc", "-o", "out"], "'-n' / '--samples'"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_are_messages_not_tracebacks(capsys, argv, needle):
    # Was: typer >= 0.22 raises its vendored click's exceptions, which main() did not recognise -> traceback.
    _fails(capsys, argv, needle)


def test_run_outliving_the_ephemeris_names_file_and_step(tmp_path, capsys):
    path = _tiny(tmp_path, "2023-08-16T12:00:00 TDB", "2050-12-31T23:00:00 TDB")
    _fails(capsys, ["run", path, "--set", "sequence[0].duration_s=7200"], "tiny.toml", "sequence[0]", "DE421")


def test_ctrl_c_during_run_exits_130(tmp_path, capsys, monkeypatch):
    # Was: exit code 0 and no message (typer returns 130 in non-standalone mode; main() dropped it).
    import lunapole.scenario as scenario

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(scenario, "run_scenario", interrupted)
    _fails(capsys, ["run", _tiny(tmp_path), "--json"], "interrupted", code=130)
