"""write_report on a plain scenario run (what `lunapole run --report DIR` calls) and the sweep's terrain lookup."""
from __future__ import annotations

import json

import numpy as np

from lunapole.missions.sweep import LatLonHeights, southcap_heights


def test_write_report_of_a_run_result(tmp_path):
    from lunapole.report import write_report
    from lunapole.scenario import builtin_scenario_path, load_scenario, run_scenario

    scn = load_scenario(builtin_scenario_path("luna-25"),
                        overrides=['forces.gravity={field="point_mass"}', "forces.third_bodies=[]"])
    run = run_scenario(scn, write_outputs=False)
    page = write_report(run, tmp_path)
    text = page.read_text(encoding="utf-8")
    impact = next(e for e in run.events if e.type == "impact")
    assert "impact" in text and f"{impact.lat_deg:.3f}".rstrip("0") in text
    assert "A5 ascending-node longitude" in text  # the scenario's assumptions list is shown
    assert json.loads((tmp_path / "result.json").read_text())["outcome"] == "impact"
    for name in ("altitude.png", "groundtrack.png", "groundtrack_global.png", "trajectory3d.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_cli_run_report(tmp_path, capsys):
    from lunapole.cli import main
    from lunapole.scenario import builtin_scenario_path

    code = main(["run", str(builtin_scenario_path("luna-25")), "--json", "--report", str(tmp_path),
                 "--set", 'forces.gravity={field="point_mass"}', "--set", "forces.third_bodies=[]"])
    assert code == 0
    assert (tmp_path / "report.html").is_file()
    assert json.loads(capsys.readouterr().out)["outcome"] == "impact"


def test_latlon_heights_bilinear_and_band():
    """Bilinear interpolation reproduces a plane exactly; outside the latitude band the height is 0 (sphere)."""
    lat = np.arange(-89.5, -59.0, 1.0)
    lon = np.arange(-179.5, 180.0, 1.0)
    grid = 10.0 * lat[:, None] + 0.0 * lon[None, :]
    h = LatLonHeights(lat0_deg=-89.5, dlat_deg=1.0, lon0_deg=-179.5, dlon_deg=1.0, height_m=grid, name="plane")
    assert abs(h(-70.25, 33.3) - (-702.5)) < 1e-9
    assert h(-10.0, 0.0) == 0.0
    assert abs(h(-70.0, 179.9) - (-700.0)) < 1e-9  # wraps across the date line


def test_southcap_reads_lola(shared_data):
    """shared/data/PROVENANCE.md: Shackleton (89.67 S, 129.78 E) reads -2.74 km in this grid; range -8.73..+6.91 km."""
    h = southcap_heights()
    assert h is not None
    assert abs(h(-89.67, 129.78) / 1e3 - (-2.74)) < 0.3  # bilinear between 3.8 km cells
    assert -8.8e3 < h.height_m.min() < -8.6e3 and 6.8e3 < h.height_m.max() < 7.0e3
