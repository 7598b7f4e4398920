"""The report package: projection, crater list, self-contained HTML, rendering in headless Chromium."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from lunapole.report import write_report
from lunapole.report.craters import shipped_craters, south_pole_craters
from lunapole.report.figures import map_bound_lat_deg
from lunapole.report.polar import radius_of_latitude_km, south_polar_stereo_km, split_at_gaps

from .chromium import find_chromium, render
from .synthetic import synthetic_input

OUT = Path(__file__).resolve().parents[2] / "out"


def test_polar_stereographic_matches_pyproj():
    """Peer: PROJ's south polar stereographic on the 1737.4 km sphere (the LOLA polar-product definition)."""
    pyproj = pytest.importorskip("pyproj")
    tr = pyproj.Transformer.from_crs(
        pyproj.CRS.from_proj4("+proj=longlat +R=1737400 +no_defs"),
        pyproj.CRS.from_proj4("+proj=stere +lat_0=-90 +lon_0=0 +k=1 +x_0=0 +y_0=0 +R=1737400 +units=m"),
        always_xy=True)
    rng = np.random.default_rng(5)
    lat = rng.uniform(-90.0, -45.0, 200)
    lon = rng.uniform(-180.0, 180.0, 200)
    x_m, y_m = tr.transform(lon, lat)
    x_km, y_km = south_polar_stereo_km(lat, lon)
    err_m = np.hypot(x_km * 1e3 - x_m, y_km * 1e3 - y_m).max()
    assert err_m < 1e-3  # PROJ, same sphere and definition
    # Shackleton (IAU: 89.67 S, 129.78 E) lies ~10 km from the pole: 2 R tan(0.165 deg) = 10.0 km.
    assert abs(radius_of_latitude_km(-89.67) - 10.006) < 0.01


def test_shipped_crater_list_is_the_gazetteer(shared_data):
    """The shipped list equals the IAU gazetteer's approved records (shared/data/sites, PROVENANCE.md)."""
    shipped = {c.name: c for c in shipped_craters()}
    assert 100 < len(shipped) < 1000
    # Values quoted in shared/data/PROVENANCE.md from the gazetteer.
    assert (shipped["Shackleton"].lat_deg, shipped["Shackleton"].lon_deg) == (-89.67, 129.78)
    assert (shipped["Haworth"].lat_deg, shipped["Haworth"].lon_deg) == (-87.45, -5.17)
    with open(shared_data / "sites" / "iau_moon_features_all.csv", newline="", encoding="utf-8") as fh:
        gaz = {r["Feature_Name"]: r for r in csv.DictReader(fh) if r["Approval_Status"] == "Approved"}
    for name, c in shipped.items():
        row = gaz[name]
        assert abs(float(row["Center_Latitude"]) - c.lat_deg) < 0.006
        assert abs(float(row["Center_Longitude"]) - c.lon_deg) < 0.006
        assert abs(float(row["Diameter"]) - c.diameter_km) < 0.006


def test_crater_source_follows_data_dir(monkeypatch, tmp_path, shared_data):
    monkeypatch.setenv("LUNAPOLE_DATA_DIR", str(tmp_path))
    craters, source = south_pole_craters(-60.0)
    assert "shipped" in source and any(c.name == "Boguslawsky" for c in craters)
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "iau_moon_features_south_of_75S.csv").write_bytes(
        (shared_data / "sites" / "iau_moon_features_south_of_75S.csv").read_bytes())
    craters, source = south_pole_craters(-60.0)
    assert "south_of_75S" in source
    names = {c.name for c in craters}
    assert {"Shackleton", "Boguslawsky"} <= names  # shared south of 75 S, shipped north of it


def test_split_at_gaps_and_map_edge():
    x = np.arange(6.0)
    runs = split_at_gaps(x, x, np.array([1, 1, 0, 0, 1, 1], bool))
    assert [list(r[0]) for r in runs] == [[0.0, 1.0], [4.0, 5.0]]
    data = synthetic_input()
    assert map_bound_lat_deg(data) == -60.0
    data.points[0].lat_deg = -57.9  # an impact north of 60 S widens the map to 3 deg beyond it
    assert map_bound_lat_deg(data) == -54.0


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(synthetic_input(), out)
    return out


def test_report_files_and_self_contained(report_dir):
    page = report_dir / "report.html"
    text = page.read_text(encoding="utf-8")
    for name in ("altitude.png", "groundtrack.png", "trajectory3d.png", "result.json"):
        assert (report_dir / name).stat().st_size > 1000 or name == "result.json"
    assert json.loads((report_dir / "result.json").read_text())["outcome"] == "impact"
    # Offline: no external scripts or stylesheets, plotly.js inline exactly once.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=\"?https?:", text)
    import plotly.offline

    bundle = plotly.offline.get_plotlyjs()
    assert text.count(bundle) == 1
    own = text.replace(bundle, "")  # the bundle names a topojson CDN used only by geo traces, which we never draw
    assert "https://" not in own and "http://" not in own
    # Content the brief asks for.
    for needle in ("Mission timeline", "Published vs simulated", "Burns and propellant", "Assumptions",
                   "thrust from dV over 84 s", "2023-08-19T11:57:00", "planned landing site", "fig-groundtrack",
                   "fig-altitude", "fig-trajectory3d"):
        assert needle in text, needle


def test_report_renders_in_headless_chromium(report_dir, tmp_path):
    """Opens the report in headless Chromium: no script errors, every plotly figure drew, screenshot kept."""
    browser = find_chromium()
    if browser is None:
        pytest.skip("chromium not found (Debian: apt-get install -y chromium)")
    page = report_dir / "report.html"
    res = render(browser, page, tmp_path / "profile")
    assert res.errors == [], res.errors
    assert res.dom.count('class="main-svg"') >= 6  # plotly draws 2-3 svg.main-svg per figure
    for fig in ("fig-altitude", "fig-groundtrack", "fig-trajectory3d"):
        m = re.search(rf'id="{fig}"[^>]*class="[^"]*js-plotly-plot', res.dom) or \
            re.search(rf'class="[^"]*js-plotly-plot[^"]*"[^>]*id="{fig}"', res.dom)
        assert m, f"{fig} was not drawn"
    assert re.search(r'<div id="js-errors">\s*</div>', res.dom), "the page recorded a script error"
    assert "<canvas" in res.dom  # the 3D view (WebGL) drew
    # A line path of the ground-track trace was drawn.
    assert re.search(r'class="js-line"[^>]*d="M[-0-9.]+,', res.dom)
    shot = tmp_path / "report.png"
    render(browser, page, tmp_path / "profile2", screenshot=shot)
    assert shot.stat().st_size > 20_000
    OUT.mkdir(exist_ok=True)
    (OUT / "report_synthetic_screenshot.png").write_bytes(shot.read_bytes())
