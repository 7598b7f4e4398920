"""Runner and store with the stand-in model (campaign_standin.py): worker independence, resume after
SIGKILL, refusal to resume a different campaign, the CLI's --json output."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # campaign_standin, importable by forked workers too

from lunapole.campaign.runner import run_campaign  # noqa: E402
from lunapole.campaign.store import read_results  # noqa: E402
from lunapole.cli import main  # noqa: E402
from lunapole.errors import LunapoleError, ScenarioError  # noqa: E402

TOY = HERE / "toy.toml"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    return env


def test_worker_count_and_chunking_do_not_change_the_table(tmp_path):
    runs = [
        run_campaign(TOY, 3000, 7, tmp_path / "w1", workers=1, progress=False, report=False),
        run_campaign(TOY, 3000, 7, tmp_path / "w2", workers=2, chunk_size=250, progress=False, report=False),
        run_campaign(TOY, 3000, 7, tmp_path / "w4", workers=4, chunk_size=333, progress=False, report=False),
    ]
    ref = runs[0].table
    assert ref.num_rows == 3000 and ref.column("sample").to_pylist() == list(range(3000))
    for r in runs[1:]:
        assert r.table.equals(ref)  # bit-identical (NaN stored as null)
    assert runs[0].summary == runs[2].summary
    assert 0 < runs[0].summary["successes"] < 3000  # the stand-in has failures to count


def test_sigkill_midway_then_resume_equals_an_uninterrupted_run(tmp_path):
    slow = tmp_path / "slow.toml"
    slow.write_text(TOY.read_text().replace("sleep_s = 0.0", "sleep_s = 0.15"))
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "lunapole.cli", "montecarlo", str(slow), "-n", "2000", "--seed", "3",
           "--workers", "1", "--chunk-size", "100", "--out", str(out), "--no-progress"]
    errlog = tmp_path / "stderr.txt"
    with errlog.open("wb") as err:
        proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline:
            if len(list((out / "chunks").glob("chunk-*.parquet"))) >= 3 if (out / "chunks").is_dir() else False:
                break
            if proc.poll() is not None:
                pytest.fail(f"campaign ended before the kill: {errlog.read_text()}")
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    done = len(list((out / "chunks").glob("chunk-*.parquet")))
    assert 3 <= done < 20, done  # killed midway
    assert not (out / "summary.json").exists()

    resumed = run_campaign(slow, 2000, 3, out, resume=True, workers=2, progress=False, report=False)
    whole = run_campaign(slow, 2000, 3, tmp_path / "whole", workers=2, chunk_size=400, progress=False, report=False)
    assert resumed.table.equals(whole.table)
    assert read_results(out).equals(whole.table)
    assert json.loads((out / "summary.json").read_text())["n"] == 2000


def test_resume_refuses_another_seed_or_scenario(tmp_path):
    out = tmp_path / "c"
    run_campaign(TOY, 200, 1, out, workers=1, progress=False, report=False)
    with pytest.raises(ScenarioError, match=r"seed 2 \(the campaign has 1\)"):
        run_campaign(TOY, 200, 2, out, resume=True, progress=False)
    other = tmp_path / "other.toml"
    other.write_text(TOY.read_text().replace("propellant_kg = 825.0", "propellant_kg = 826.0"))
    with pytest.raises(ScenarioError, match="a different scenario"):
        run_campaign(other, 200, 1, out, resume=True, progress=False)
    with pytest.raises(LunapoleError, match="already holds a campaign; use --resume"):
        run_campaign(TOY, 200, 1, out, progress=False)
    with pytest.raises(LunapoleError, match="does not exist"):
        run_campaign(TOY, 200, 1, tmp_path / "nothing", resume=True, progress=False)


def test_cli_json_summary_and_standalone_html(tmp_path, capsys):
    code = main(["montecarlo", str(TOY), "-n", "400", "--seed", "9", "--workers", "1", "--out",
                 str(tmp_path / "j"), "--json", "--no-progress"])
    assert code == 0
    s = json.loads(capsys.readouterr().out)
    assert set(s) == {"n", "successes", "success_probability", "ci95", "ellipse_3sigma_m",
                      "propellant_margin_kg", "failure_reasons"}
    assert s["n"] == 400 and s["ci95"][0] <= s["success_probability"] <= s["ci95"][1]
    assert set(s["propellant_margin_kg"]) == {"p01", "p50", "p99"}
    page = (tmp_path / "j" / "campaign.html").read_text()
    assert "<script src=" not in page and "Plotly.newPlot" in page  # plotly.js inlined: works offline
    from lunapole.campaign import campaign_report_section

    section = campaign_report_section(tmp_path / "j")  # for the report package: plotly.js loaded once by the page
    assert len(section.figures) == 3 and "3-sigma ellipse" in section.figures[0].to_json()
    assert len(section.html) < 1_000_000 and "Wilson 95 %" in section.html
    manifest = json.loads((tmp_path / "j" / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["n"] == 400 and "pyarrow" in manifest["versions"]
    assert manifest["scenario_text"] == TOY.read_text()


def test_cli_bad_input_is_one_clean_message(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(TOY.read_text().replace("thrust_frac = 0.02", "thrust_frac = -0.02"))
    code = main(["montecarlo", str(bad), "-n", "10", "--out", str(tmp_path / "x"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.toml: [dispersions] engine.thrust_frac" in err and "must be positive" in err
    assert "Traceback" not in err
