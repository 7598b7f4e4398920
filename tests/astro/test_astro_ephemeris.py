"""lunapole.astro.ephemeris against astropy (jplephem + ERFA reading the same DE421 file) and coverage rules.

References:
- astropy.coordinates.get_body_barycentric with solar_system_ephemeris.set(<de421.bsp path>): an
  independent reader of the same JPL Chebyshev file (jplephem), so positions must agree to
  numerical noise (< 1 m; measured < 4 mm).
- Coverage spans: the SPK/PCK segment spans as published in the kernel comments (DE421 1899-07-29 ..
  2053-10-09; moon_pa_de421_1900-2050 1900-01-01 .. 2051-01-01; de440s 1849-12-26 .. 2150-01-22).
"""
from __future__ import annotations

import importlib.resources

import numpy as np
import pytest
from astropy.coordinates import get_body_barycentric, solar_system_ephemeris
from astropy.time import Time

from lunapole.astro import ephemeris as eph
from lunapole.astro import frames
from lunapole.astro.time import parse_epoch, tdb_s_to_tdb_iso
from lunapole.errors import EphemerisCoverageError, LunapoleError, ScenarioError

EPOCHS = ["1950-01-01T00:00:00", "2000-01-01T12:00:00", "2019-01-03T02:26:00", "2023-08-23T12:33:00",
          "2045-06-01T00:00:00"]


@pytest.fixture(scope="module")
def et_array():
    return np.array([parse_epoch(s) for s in EPOCHS])


@pytest.mark.parametrize("target,body", [("SUN", "sun"), ("EARTH", "earth")])
def test_positions_match_astropy_jplephem_same_file(et_array, target, body):
    de421 = str(importlib.resources.files("skyfield_data").joinpath("data/de421.bsp"))
    t = Time(np.full(et_array.shape, 2451545.0), et_array / 86400.0, format="jd", scale="tdb")
    with solar_system_ephemeris.set(de421):
        ref_m = (get_body_barycentric(body, t) - get_body_barycentric("moon", t)).xyz.to_value("m").T
    mine_m = eph.position_m(target, et_array, center="MOON", frame="J2000", ephemeris="DE421")
    err_m = np.linalg.norm(mine_m - ref_m, axis=1)
    assert err_m.max() < 1.0  # astropy/jplephem, same DE421 file: only interpolation round-off
    # and the scalar path agrees with the array path
    assert np.allclose(eph.position_m(target, float(et_array[3])), mine_m[3], rtol=0, atol=1e-6)


def test_shapes_and_units():
    et = parse_epoch("2023-08-23T12:33:00")
    r = eph.position_m("EARTH", et)
    assert r.shape == (3,)
    # Earth-Moon distance 356,400 .. 406,700 km (perigee/apogee extremes, Meeus ch. 50)
    assert 3.56e8 < np.linalg.norm(r) < 4.07e8
    assert eph.position_m("SUN", np.array([et, et + 60.0, et + 120.0])).shape == (3, 3)
    assert eph.position_m("SUN", np.zeros((0,))).shape == (0, 3)
    state = eph.state_m_m_s("EARTH", et)
    assert state.shape == (6,)
    # Moon's orbital speed about Earth ~1.0 km/s (0.96..1.08 km/s over the orbit)
    assert 950.0 < np.linalg.norm(state[3:]) < 1090.0
    assert np.allclose(state[:3], r, atol=1e-6)


def test_coverage_spans():
    start, stop = eph.coverage_tdb_s("DE421")
    assert tdb_s_to_tdb_iso(start, 0)[:10] == "1900-01-01"  # moon_pa_de421_1900-2050.bpc start
    assert tdb_s_to_tdb_iso(stop, 0)[:4] in ("2050", "2051")
    start, stop = eph.coverage_tdb_s("DE440")
    assert tdb_s_to_tdb_iso(start, 0)[:4] == "1849" and tdb_s_to_tdb_iso(stop, 0)[:4] == "2150"  # de440s


def test_out_of_coverage_raises():
    et_2060 = parse_epoch("2060-01-01T00:00:00")
    with pytest.raises(EphemerisCoverageError) as info:
        eph.position_m("SUN", np.array([0.0, et_2060]))
    message = str(info.value)
    assert "2060-01-01" in message and "DE421" in message and "DE440 covers" in message
    assert isinstance(info.value, LunapoleError)
    # DE440 does cover 2060
    assert eph.position_m("SUN", et_2060, ephemeris="DE440").shape == (3,)
    with pytest.raises(EphemerisCoverageError):
        eph.position_m("SUN", parse_epoch("1800-01-01T00:00:00"), ephemeris="DE440")
    with pytest.raises(EphemerisCoverageError):
        frames.rotation("J2000", "MOON_PA", et_2060)
    with pytest.raises(EphemerisCoverageError):
        eph.position_m("SUN", np.nan)


def test_bad_names_raise_scenario_error():
    with pytest.raises(ScenarioError, match="unknown ephemeris"):
        eph.position_m("SUN", 0.0, ephemeris="DE999")
    with pytest.raises(ScenarioError, match="unknown target"):
        eph.position_m("MARS", 0.0)
    with pytest.raises(ScenarioError, match="unknown frame"):
        eph.position_m("SUN", 0.0, frame="ITRF93")


def test_switching_ephemeris_leaves_no_stale_state():
    et = parse_epoch("2023-08-23T12:33:00")
    first = eph.position_m("EARTH", et, frame="MOON_ME", ephemeris="DE421")
    de440 = eph.position_m("EARTH", et, frame="MOON_ME", ephemeris="DE440")
    again = eph.position_m("EARTH", et, frame="MOON_ME", ephemeris="DE421")
    assert np.array_equal(first, again)
    # DE421 vs DE440 lunar orbits and ME realisations agree to tens of metres (Park et al. 2021 report
    # lunar-orbit differences of metres); both nonzero and small shows each file was really used.
    diff_m = np.linalg.norm(first - de440)
    assert 0.01 < diff_m < 200.0
    # the PA->ME rotation follows the ephemeris: DE421 and DE440 angles differ by ~0.2 arcsec
    r421 = frames.rotation("MOON_PA", "MOON_ME", et, ephemeris="DE421")
    r440 = frames.rotation("MOON_PA", "MOON_ME", et, ephemeris="DE440")
    assert np.abs(r421 - r440).max() > 1e-7


def test_thread_safe_under_ephemeris_switching():
    import concurrent.futures

    et = parse_epoch("2023-08-23T12:33:00") + np.arange(5) * 3600.0
    expected = {name: eph.position_m("EARTH", et, frame="MOON_ME", ephemeris=name) for name in ("DE421", "DE440")}

    def work(i):
        name = ("DE421", "DE440")[i % 2]
        return name, eph.position_m("EARTH", et, frame="MOON_ME", ephemeris=name)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for name, got in pool.map(work, range(40)):
            assert np.array_equal(got, expected[name])  # no call saw the other ephemeris' SPK


def test_bad_aberration_correction():
    with pytest.raises(ScenarioError, match="aberration"):
        eph.position_m("SUN", 0.0, abcorr="XLT")
    lt_s = eph.position_m("SUN", 0.0, abcorr="LT+S")
    geo = eph.position_m("SUN", 0.0)
    # light time ~499 s and aberration ~20 arcsec: apparent vs geometric Sun ~1e4 km apart (closed form
    # v_rel * LT = 30 km/s * 499 s = 1.5e4 km)
    assert 5e6 < np.linalg.norm(lt_s - geo) < 3e7


def test_naif_published_example_outputs():
    """End-to-end (time + DE421 SPK + lunar PCK + FK) against NAIF's published example outputs.

    moon_080317.tf, "Program output": SPKEZR('Earth', STR2ET('2008 MAR 17 20:10:00'), frame, 'NONE', 'Moon'),
    printed in km and km/s. moon_assoc_me.tf, "Example program output": SUBPT('Near point', 'MOON',
    2008 Mar 18 00:00:00 UTC, 'NONE', 'EARTH') on the spherical Moon of pck00008 = planetocentric
    direction of the Earth in MOON_ME: longitude 5.05523767 deg, latitude -1.65932776 deg.
    """
    et = parse_epoch("2008-03-17T20:10:00")
    assert abs(et - 259056665.0) < 0.5  # printed as 259056665.
    published = {
        "MOON_ME": [379892.825, 33510.118, -12661.5278, 0.0400357582, 0.0117963334, 0.115130508],
        "MOON_PA": [379908.634, 33385.003, -12516.8859, 0.0399957879, 0.0117833314, 0.115145731],
    }
    for frame, values in published.items():
        state = eph.state_m_m_s("EARTH", et, frame=frame, ephemeris="DE421")
        ref = np.array(values) * 1000.0
        assert np.abs(state[:3] - ref[:3]).max() < 1.0  # m; NAIF prints to 1 m / 0.1 m
        assert np.abs(state[3:] - ref[3:]).max() < 1e-6  # m/s; printed to 1e-10 km/s
    r_me = eph.position_m("EARTH", parse_epoch("2008-03-18T00:00:00"), frame="MOON_ME")
    lat, lon, _ = frames.cartesian_to_selenographic(r_me)
    assert abs(lon - 5.05523767) < 1e-8 and abs(lat + 1.65932776) < 1e-8  # deg; printed to 1e-8


def test_kernel_lookup_order(tmp_path, monkeypatch):
    from lunapole.astro import _kernels
    from lunapole.errors import DataError

    (tmp_path / "spice").mkdir()
    local = tmp_path / "spice" / "de421.bsp"
    local.write_bytes(b"not really an SPK")
    monkeypatch.setenv("LUNAPOLE_DATA_DIR", str(tmp_path))
    assert _kernels.find_kernel("de421.bsp", "skyfield_data", "data/de421.bsp") == local  # data dir first
    monkeypatch.setenv("LUNAPOLE_DATA_DIR", str(tmp_path / "absent"))
    packaged = _kernels.find_kernel("de421.bsp", "skyfield_data", "data/de421.bsp")
    assert packaged.name == "de421.bsp" and "skyfield_data" in str(packaged)
    with pytest.raises(DataError, match="no-such-package"):
        _kernels.find_kernel("x.bsp", "no_such_package", "data/x.bsp")


def test_reset_kernels_recovers_after_external_kclear():
    import spiceypy

    et = parse_epoch("2023-08-23T12:33:00")
    before = eph.position_m("SUN", et)
    spiceypy.kclear()  # someone else's code wipes the pool
    eph.reset_kernels()
    assert np.array_equal(eph.position_m("SUN", et), before)
    assert parse_epoch("2023-08-23T12:33:00") == et
