"""lunapole.astro.time against astropy.time (ERFA) and NAIF's naif0012.tls.

References:
- astropy.time (Time(..., scale="utc").tt / .tdb): independent implementation (ERFA, IAU SOFA).
- NAIF naif0012.tls in ../shared/data/spice (PROVENANCE.md): the leap-second list the generated LSK must match.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from astropy.time import Time

from lunapole.astro import time as lt
from lunapole.errors import LunapoleError, ScenarioError

EPOCHS_UTC = [
    "1995-04-01T00:00:00",
    "2000-01-01T12:00:00",
    "2010-07-01T00:00:00",
    "2016-12-31T23:59:59.5",
    "2016-12-31T23:59:60",  # inside the leap second
    "2016-12-31T23:59:60.75",
    "2017-01-01T00:00:00",
    "2019-01-03T02:26:00",  # Chang'e-4 landing
    "2023-08-23T12:33:00",  # Chandrayaan-3 landing
    "2026-06-30T00:00:00",
]


def _astropy_seconds_past_j2000(t: Time) -> float:
    return (t.jd1 - 2451545.0) * 86400.0 + t.jd2 * 86400.0


@pytest.mark.parametrize("iso", EPOCHS_UTC)
def test_utc_to_tt_matches_astropy(iso):
    et = lt.utc_iso_to_tdb_s(iso)
    tt_mine = lt.tdb_s_to_tt_s(et)
    tt_ref = _astropy_seconds_past_j2000(Time(iso, scale="utc", format="isot").tt)
    assert abs(tt_mine - tt_ref) < 1e-6  # astropy/ERFA; UTC->TT is exact given the leap-second table


@pytest.mark.parametrize("iso", EPOCHS_UTC)
def test_utc_to_tdb_matches_astropy_within_spice_model(iso):
    et = lt.parse_epoch(iso + " UTC")
    tdb_ref = _astropy_seconds_past_j2000(Time(iso, scale="utc", format="isot").tdb)
    # SPICE's one-term TDB-TT (K = 1.657 ms) vs ERFA's full Fairhead-Bretagnon series: |diff| <~ 30 us
    # (measured up to 27 us here); 50 us bounds it. A leap-second error would show as >= 1 s.
    assert abs(et - tdb_ref) < 50e-6


def test_leap_second_is_one_second_long():
    before = lt.parse_epoch("2016-12-31T23:59:59")
    leap = lt.parse_epoch("2016-12-31T23:59:60")
    after = lt.parse_epoch("2017-01-01T00:00:00")
    assert abs((leap - before) - 1.0) < 1e-6  # 2016-12-31 had a positive leap second (IERS Bulletin C 52)
    assert abs((after - leap) - 1.0) < 1e-6
    assert lt.tdb_s_to_utc_iso(leap + 0.25) == "2016-12-31T23:59:60.250"


def test_generated_lsk_matches_naif0012(shared_data):
    mine = lt.lsk_path().read_text()
    naif = (shared_data / "spice" / "naif0012.tls").read_text()

    def table(text):
        body = text.split("\\begindata", 1)[1]
        pairs = re.findall(r"(\d+),\s*@(\d{4})-([A-Z]{3})-(\d+)", body)
        constants = {k: v.split() for k, v in re.findall(r"(DELTET/\w+)\s*=\s*\(?([^)\n]*)\)?", body)}
        return [(int(a), int(y), m, int(d)) for a, y, m, d in pairs], constants

    mine_pairs, mine_const = table(mine)
    naif_pairs, naif_const = table(naif)
    # NAIF naif0012.tls (2017): identical leap seconds up to its last entry (37 s from 2017-JAN-1).
    assert mine_pairs[: len(naif_pairs)] == naif_pairs
    assert len(naif_pairs) == 28
    for key in ("DELTET/DELTA_T_A", "DELTET/K", "DELTET/EB"):
        assert float(mine_const[key][0].replace("D", "E")) == float(naif_const[key][0].replace("D", "E"))


def test_lsk_cache_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path))
    from lunapole.astro import _kernels

    text = lt.lsk_text_from_leap_second_dat(lt.leap_second_table_path().read_text())
    first = _kernels.write_text_kernel("lunapole_leapseconds", ".tls", text)
    mtime = first.stat().st_mtime_ns
    second = _kernels.write_text_kernel("lunapole_leapseconds", ".tls", text)
    assert first == second and second.stat().st_mtime_ns == mtime
    changed = _kernels.write_text_kernel("lunapole_leapseconds", ".tls", text + "\n")
    assert changed != first  # new content, new file name: no stale kernel
    assert not list(tmp_path.glob("spice/*.tmp"))


@pytest.mark.parametrize(
    "text,expected_utc",
    [
        ("2023-08-19T11:10:00 UTC", "2023-08-19T11:10:00.000"),
        ("2023-08-19T11:10:00Z", "2023-08-19T11:10:00.000"),
        ("2023-08-19T11:10:00", "2023-08-19T11:10:00.000"),
        ("2023-08-19 11:10", "2023-08-19T11:10:00.000"),
        ("2023-08-19", "2023-08-19T00:00:00.000"),
        ("  2023-08-19t11:10:00.125z ", "2023-08-19T11:10:00.125"),
    ],
)
def test_parse_epoch_forms_round_trip(text, expected_utc):
    assert lt.tdb_s_to_utc_iso(lt.parse_epoch(text)) == expected_utc


def test_tdb_suffix_and_j2000():
    assert lt.parse_epoch("2000-01-01T12:00:00 TDB") == 0.0  # J2000 is 2000-01-01 12:00 TDB by definition
    et = lt.parse_epoch("2023-08-19T11:10:00 TDB")
    assert lt.tdb_s_to_tdb_iso(et, digits=6) == "2023-08-19T11:10:00.000000"
    # TDB - UTC in 2023 = 37 s + 32.184 s (+ <2 ms periodic)
    assert abs((lt.parse_epoch("2023-08-19T11:10:00 UTC") - et) - 69.184) < 2e-3


def test_vectorized_conversions():
    isos = ["2000-01-01T12:00:00", "2016-12-31T23:59:60", "2023-08-23T12:33:00"]
    et = lt.utc_iso_to_tdb_s(isos)
    assert et.shape == (3,)
    assert list(lt.tdb_s_to_utc_iso(et, digits=0)) == isos
    assert lt.tdb_s_to_tdb_iso(np.zeros((2, 2)), digits=0).shape == (2, 2)


@pytest.mark.parametrize(
    "bad",
    [
        "yesterday",
        "2023-02-30T00:00:00",  # no such day (SPICE alone would roll over to March)
        "2023-08-19T25:00:00",
        "2016-12-30T23:59:60",  # not a leap-second day
        "2023-08-19T11:10:60 TDB",
        "2023-08-19T11:10:00 TT",
        "19/08/2023",
        "",
    ],
)
def test_bad_epochs_raise_scenario_error(bad):
    with pytest.raises(ScenarioError) as info:
        lt.parse_epoch(bad)
    message = str(info.value)
    assert repr(bad) in message and "accepted forms" in message
    assert isinstance(info.value, LunapoleError)


def test_utc_function_rejects_tdb_and_bad_digits():
    with pytest.raises(LunapoleError):
        lt.utc_iso_to_tdb_s("2023-08-19T11:10:00 TDB")
    with pytest.raises(LunapoleError):
        lt.tdb_s_to_utc_iso(0.0, digits=12)
    with pytest.raises(LunapoleError):
        lt.parse_epoch(12345)
