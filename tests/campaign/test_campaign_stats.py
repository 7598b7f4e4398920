"""Statistics against published and analytic values."""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from lunapole.campaign.stats import error_ellipse, landing_dispersion, rankdata, sensitivity, summarize, wilson_interval


@pytest.mark.parametrize(
    "k, n, lo, hi",
    [
        # Newcombe R.G. (1998) "Two-sided confidence intervals for the single proportion: comparison of
        # seven methods", Stat Med 17:857-872, Table II, method 3 (Wilson score, no continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998(k, n, lo, hi):
    a, b = wilson_interval(k, n)
    assert abs(a - lo) < 6e-5 and abs(b - hi) < 6e-5  # table values are given to 4 decimals


def test_ellipse_of_a_known_covariance():
    """Covariance built from chosen axes: sigma 300 m along azimuth 30 deg, 100 m across it."""
    az = math.radians(30.0)
    major = np.array([math.sin(az), math.cos(az)])  # (east, north)
    minor = np.array([math.cos(az), -math.sin(az)])
    cov = 300.0**2 * np.outer(major, major) + 100.0**2 * np.outer(minor, minor)
    ell = error_ellipse(cov)
    assert ell["semi_major"] == pytest.approx(900.0, abs=1e-9)  # 3 sigma per principal axis
    assert ell["semi_minor"] == pytest.approx(300.0, abs=1e-9)
    assert ell["orientation_deg"] == pytest.approx(30.0, abs=1e-9)


def test_three_sigma_ellipse_contains_98_9_percent_of_gaussian_landings():
    """Chi-square 2 dof: P(d^2 <= 9) = 1 - exp(-4.5) = 0.98889 (checked on 200,000 draws)."""
    rng = np.random.default_rng(1)
    cov = np.array([[4.0e4, 1.5e4], [1.5e4, 2.5e4]])
    pts = rng.multivariate_normal([10.0, -20.0], cov, size=200000)
    d = landing_dispersion(pts[:, 0], pts[:, 1])
    assert np.allclose(d["covariance_m2"], cov, rtol=0.02)
    ell, (me, mn) = d["ellipse_3sigma_m"], d["mean_m"]
    az = math.radians(ell["orientation_deg"])
    u = np.array([math.sin(az), math.cos(az)])
    v = np.array([u[1], -u[0]])
    rel = pts - [me, mn]
    inside = (rel @ u / ell["semi_major"]) ** 2 + (rel @ v / ell["semi_minor"]) ** 2 <= 1.0
    assert abs(inside.mean() - (1 - math.exp(-4.5))) < 5 * math.sqrt(0.0111 * 0.989 / 200000)


def test_rankdata_ties_average():
    assert rankdata(np.array([10.0, 20.0, 10.0, 5.0])).tolist() == [2.5, 4.0, 2.5, 1.0]


def test_sensitivity_finds_the_driver_of_failure():
    rng = np.random.default_rng(3)
    n = 4000
    driver, noise = rng.normal(size=n), rng.normal(size=n)
    failed = driver + 0.5 * rng.normal(size=n) > 1.5
    table = pa.table({"in.driver": driver, "in.noise": noise, "in.constant": np.ones(n)})
    out = sensitivity(table, failed)
    assert [d["input"] for d in out] == ["in.driver", "in.noise"]
    assert out[0]["significant"] and out[0]["spearman"] > 0.3
    assert not out[1]["significant"] or abs(out[1]["spearman"]) < 0.05


def test_summary_json_fields():
    n = 1000
    rng = np.random.default_rng(0)
    ok = rng.random(n) < 0.9
    table = pa.table({
        "sample": np.arange(n), "success": ok, "failure_reason": np.where(ok, "", "hard_landing"),
        "landing_east_m": rng.normal(0, 100, n), "landing_north_m": rng.normal(0, 50, n),
        "propellant_margin_kg": np.linspace(-10.0, 89.0, n),
    })
    s = summarize(table)
    assert s["n"] == n and s["successes"] == int(ok.sum())
    assert s["failure_reasons"] == {"hard_landing": n - int(ok.sum())}
    assert s["propellant_margin_kg"]["p50"] == pytest.approx(39.5)
    assert s["ci95"][0] < s["success_probability"] < s["ci95"][1]
    assert set(s["ellipse_3sigma_m"]) == {"semi_major", "semi_minor", "orientation_deg"}
