"""Dispersion specs: validation messages, distributions (moments, bounds), per-sample reproducibility."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lunapole.campaign.dispersions import parse_dispersions
from lunapole.errors import ScenarioError

RAW = {
    "spacecraft": {"mass_kg": 1750.0, "engines": [{"name": "main", "thrust_n": 800.0, "isp_s": 310.0, "count": 4}]},
    "sequence": [{"name": "descent", "type": "powered_descent", "max_time_s": 900}],
}


def parse(table):
    return parse_dispersions(table, RAW, "test.toml")


@pytest.mark.parametrize(
    "table, needle",
    [
        ({"values": {"spacecraft.mass_kg": {"dist": "normal", "sigma": -1.0}}}, "sigma = -1.0 must be positive"),
        ({"values": {"spacecraft.mass_kgg": 5.0}}, "no field 'mass_kgg'"),
        ({"values": {"spacecraft.engines.aux.isp_s": 1.0}}, "no field 'aux' in the scenario; available there: main"),
        ({"values": {"spacecraft.engines": 1.0}}, "not a number"),
        ({"values": {"spacecraft.mass_kg": {"dist": "uniform", "lo": 5.0, "hi": 1.0}}}, "lo = 5.0 must be less than hi = 1.0"),
        ({"values": {"spacecraft.mass_kg": {"dist": "truncnormal", "sigma": 1.0, "lo": 2.0, "hi": 2.0}}}, "lo = 2.0"),
        ({"values": {"spacecraft.mass_kg": {"dist": "lognormal", "sigma": 1.0}}}, "use one of normal, uniform"),
        ({"values": {"spacecraft.mass_kg": {"dist": "normal", "sigma": 1.0, "lo": 3.0}}}, "unknown key(s) ['lo']"),
        ({"engine": {"thrust": 0.01}}, "allowed in [engine]: thrust_frac"),
        ({"faults": {"engine_out": {"probability": 1.5}}}, "must be a number in [0, 1]"),
        ({"faults": {"meteor": {"probability": 0.1}}}, "unknown fault"),
        ({"navigation": {"position_m": {"dist": "normal", "sigma": 0.0}}}, "must be positive"),
        ({"gravity": {"degree": 3.0}}, "choice"),
        ({"wind": {}}, "unknown section(s) ['wind']"),
    ],
)
def test_impossible_specs_name_file_field_and_fix(table, needle):
    with pytest.raises(ScenarioError) as info:
        parse(table)
    msg = str(info.value)
    assert msg.startswith("test.toml: [dispersions]")
    assert needle in msg


def test_paths_as_in_overrides_list_items_by_name_or_index():
    spec = parse({"values": {"spacecraft.engines.main.isp_s": 2.0, "sequence[0].max_time_s": {"dist": "uniform", "lo": 800, "hi": 1000}}})
    assert spec.values["spacecraft.engines.main.isp_s"][1] == 310.0
    assert spec.values["sequence[0].max_time_s"][2] is True  # integer nominal: draws are rounded
    cols = spec.draw(3, np.arange(50))
    assert np.all(cols["in.sequence[0].max_time_s"] == np.rint(cols["in.sequence[0].max_time_s"]))
    assert spec.overrides(cols, 0)[1].startswith("sequence[0].max_time_s=")


def test_unquoted_dotted_keys_are_the_same_spec():
    a = parse({"values": {"spacecraft.mass_kg": 5.0}})
    b = parse({"values": {"spacecraft": {"mass_kg": 5.0}}})
    assert a.canonical_json() == b.canonical_json()


def test_draws_follow_their_distributions():
    """Moments and bounds of 20,000 draws against the distributions (tolerances ~5 standard errors)."""
    spec = parse(
        {
            "values": {
                "spacecraft.mass_kg": {"dist": "normal", "sigma": 10.0},
                "spacecraft.engines.main.thrust_n": {"dist": "uniform", "lo": 780.0, "hi": 820.0},
                "spacecraft.engines.main.isp_s": {"dist": "truncnormal", "sigma": 2.0, "lo": -1.0, "hi": 3.0, "offset": True},
            },
            "gravity": {"degree": {"dist": "choice", "values": [2, 10, 50], "weights": [1, 2, 1]}},
        }
    )
    n = 20000
    c = spec.draw(11, np.arange(n))
    m = c["in.spacecraft.mass_kg"]
    assert abs(m.mean() - 1750.0) < 5 * 10.0 / np.sqrt(n)
    assert abs(m.std(ddof=1) / 10.0 - 1.0) < 5 / np.sqrt(2 * n)
    t = c["in.spacecraft.engines.main.thrust_n"]
    assert t.min() >= 780.0 and t.max() <= 820.0
    assert stats.kstest(t, stats.uniform(780.0, 40.0).cdf).pvalue > 1e-4
    isp = c["in.spacecraft.engines.main.isp_s"]
    assert isp.min() >= 309.0 and isp.max() <= 313.0
    ref = stats.truncnorm(-1.0 / 2.0, 3.0 / 2.0, loc=310.0, scale=2.0)  # scipy's truncated normal
    assert stats.kstest(isp, ref.cdf).pvalue > 1e-4
    assert abs(isp.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(n)
    deg = c["in.gravity.degree"]
    assert set(np.unique(deg)) == {2.0, 10.0, 50.0}
    assert abs(np.mean(deg == 10.0) - 0.5) < 5 * np.sqrt(0.25 / n)


def test_faults_occur_with_their_probability():
    spec = parse({"faults": {"engine_out": {"probability": 0.2}, "no_cutoff": {"probability": 0.05, "overrun_s": 43.0}}})
    n = 20000
    c = spec.draw(5, np.arange(n))
    for col, p in (("fault.engine_out", 0.2), ("fault.no_cutoff", 0.05)):
        assert abs(c[col].mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
    when = c["fault.engine_out.time_frac"]
    assert np.all(np.isnan(when[~c["fault.engine_out"]]))
    assert np.all((when[c["fault.engine_out"]] > 0) & (when[c["fault.engine_out"]] < 1))
    assert np.all(c["fault.no_cutoff.overrun_s"][c["fault.no_cutoff"]] == 43.0)


def test_a_sample_draws_the_same_inputs_in_any_chunk():
    """Sample i uses SeedSequence(seed).spawn(...)[i] whatever the indices around it."""
    spec = parse({"navigation": {"position_m": 100.0}, "engine": {"thrust_frac": 0.01},
                  "faults": {"engine_out": {"probability": 0.5}}})
    whole = spec.draw(42, np.arange(100))
    part = spec.draw(42, np.arange(37, 41))
    for k in whole:
        np.testing.assert_array_equal(whole[k][37:41], part[k])
    child = np.random.SeedSequence(42).spawn(40)[39]
    u = np.random.Generator(np.random.PCG64(child)).random(spec.n_uniforms)[0] + 2.0**-54
    assert whole["in.navigation.position_m.east"][39] == pytest.approx(100.0 * stats.norm.ppf(u), rel=1e-12)
    other = spec.draw(43, np.arange(100))
    assert not np.array_equal(other["in.engine.thrust_frac"], whole["in.engine.thrust_frac"])
