"""File readers: GMAT .cof, PDS SHADR .tab, ICGEM .gfc, against the published check values and each other.

Check values: shared/data/PROVENANCE.md (GRGM1200A C20 = -9.0884339347e-05, C22 = 3.4673e-05,
GM = 4.9028001224453e12 m^3/s^2; LP165P C20 = -9.08901807506e-05, GM = 4.902801056e12).
"""
from __future__ import annotations

import numpy as np
import pytest

from lunapole.errors import DataError
from lunapole.gravity import read_cof, read_icgem, read_shadr, write_icgem
from lunapole.gravity.loaders import read_field_file

from gravity_helpers import kaula_field


def test_shadr_grgm1200a_check_values(shared_data):
    f = read_shadr(shared_data / "gravity" / "gggrx_1200a_sha_deg200.tab", degree=50)
    assert f.degree == 50 and f.order == 50 and f.c_nm.shape == (51, 51)
    assert f.gm_m3_s2 == pytest.approx(4.9028001224453e12, rel=1e-15)
    assert f.ref_radius_m == 1.738e6
    assert f.c_nm[2, 0] == pytest.approx(-9.0884339347e-05, abs=5e-16)
    assert f.c_nm[2, 2] == pytest.approx(3.4673e-05, abs=5e-10)
    assert f.c_nm[0, 0] == 1.0 and f.c_nm[1].sum() == 0.0
    assert f.j2 == pytest.approx(2.0322e-4, rel=1e-4)


def test_cof_lp165p_check_values(shared_data):
    f = read_cof(shared_data / "gravity" / "LP165P.cof")
    assert f.degree == 165 and f.order == 165
    assert f.gm_m3_s2 == 4.902801056e12 and f.ref_radius_m == 1.738e6
    assert f.c_nm[2, 0] == -9.08901807506e-05
    # negative S running into C with no space: "RECOEF    2  1   -2.72203236159000e-09-7.57518292083000e-10"
    assert f.c_nm[2, 1] == -2.72203236159e-09 and f.s_nm[2, 1] == -7.57518292083e-10
    assert f.c_nm[165, 165] == 4.41278012287e-08 and f.s_nm[165, 165] == -1.46436247594e-08
    low = read_cof(shared_data / "gravity" / "LP165P.cof", degree=10, order=5)
    assert low.degree == 10 and low.order == 5
    assert np.array_equal(low.c_nm[:, :6], f.c_nm[:11, :6]) and not low.c_nm[:, 6:].any()


def test_icgem_round_trip(tmp_path):
    field = kaula_field(12, seed=4)
    path = write_icgem(field, tmp_path / "k12.gfc")
    back = read_icgem(path)
    assert back.degree == 12 and back.gm_m3_s2 == field.gm_m3_s2 and back.ref_radius_m == field.ref_radius_m
    assert np.abs(back.c_nm - field.c_nm).max() < 1e-30 + 1e-17 * np.abs(field.c_nm).max()
    assert np.array_equal(read_field_file(path, degree=5).s_nm, field.s_nm[:6, :6])


def test_unnormalized_cof_is_normalized(tmp_path):
    # J2 unnormalized = 2.0322e-4 -> Cbar20 = -J2 / sqrt(5) (Kaula normalization N_20 = sqrt(5))
    text = ("COMMENT\nPOTFIELD  2  2  0 4.902800122445e+12 1.738000000000e+06 0.000000000000e+00\n"
            "RECOEF    2  0   -2.03220000000000e-04\n"
            "RECOEF    2  1    0.00000000000000e+00 0.00000000000000e+00\n"
            "RECOEF    2  2    2.23900000000000e-05 0.00000000000000e+00\nEND\n")
    path = tmp_path / "unnorm.cof"
    path.write_text(text)
    f = read_cof(path)
    assert f.c_nm[2, 0] == pytest.approx(-2.0322e-4 / np.sqrt(5.0), rel=1e-14)
    # N_22 = sqrt(2 * 5 * 0! / 4!) = sqrt(5/12)
    assert f.c_nm[2, 2] == pytest.approx(2.239e-5 / np.sqrt(5.0 / 12.0), rel=1e-14)


def test_readers_stop_at_the_degree_asked(tmp_path, shared_data):
    # garbage after degree 3: a reader that reads on would fail
    lines = (shared_data / "gravity" / "gggrx_1200a_sha_deg200.tab").read_text().splitlines()[:10]
    path = tmp_path / "trunc.tab"
    path.write_text("\n".join(lines + ["    4,    0, this is not a number, 0.0"]) + "\n")
    assert read_shadr(path, degree=3).degree == 3
    with pytest.raises(DataError, match=r"trunc.tab, line 11: expected Cnm as a number"):
        read_shadr(path, degree=4)


@pytest.mark.parametrize("body,match", [
    ("just words\n", r"line 1: expected a SHADR header"),
    (" 1.738e3, 4.9e3, 0.0, 2, 2, 1, 0.0, 0.0\n 1, 0, 0.0, 0.0, 0.0, 0.0\n 2, 0, 1e-4\n",
     r"line 3: expected 'n, m, Cnm, Snm"),
    (" 1.738e3, 4.9e3, 0.0, 2, 2, 1, 0.0, 0.0\n 1, 0, 0, 0, 0, 0\n 1, 1, 0, 0, 0, 0\n 2, 0, 1e-4, 0, 0, 0\n",
     r"coefficient \(n=2, m=1\) is missing"),
    (" 1.738e3, 4.9e3, 0.0, 2, 2, 1, 0.0, 0.0\n 2, 3, 0, 0, 0, 0\n", r"line 2: order m=3 must satisfy"),
])
def test_shadr_errors_name_file_line_and_expectation(tmp_path, body, match):
    path = tmp_path / "bad.tab"
    path.write_text(body)
    with pytest.raises(DataError, match=match):
        read_shadr(path)


def test_cof_errors(tmp_path):
    path = tmp_path / "bad.cof"
    path.write_text("COMMENT\nPOTFIELD  2  2  0 4.9e+12 1.738e+06 1.0\nRECOEF    2  x   -9.0e-05\nEND\n")
    with pytest.raises(DataError, match=r"bad.cof, line 3: expected order m \(columns 12-14\)"):
        read_cof(path)
    path.write_text("RECOEF    2  0   -9.0e-05\n")
    with pytest.raises(DataError, match="before the POTFIELD header"):
        read_cof(path)
    path.write_text("COMMENT\nPOTFIELD  2  2  0 4.9e+12 1.738e+06 1.0\nEND\n")
    with pytest.raises(DataError, match=r"\(n=2, m=0\) is missing"):
        read_cof(path)
    with pytest.raises(DataError, match="degree 3 was asked"):
        read_cof(path, degree=3)


def test_icgem_errors(tmp_path):
    path = tmp_path / "bad.gfc"
    path.write_text("begin_of_head\nradius 1738000\nmax_degree 2\nend_of_head\n")
    with pytest.raises(DataError, match="earth_gravity_constant"):
        read_icgem(path)
    path.write_text("earth_gravity_constant 4.9e12\nradius 1738000\nmax_degree 2\nend_of_head\n"
                    "gfct 2 0 1 0 20000101\n")
    with pytest.raises(DataError, match=r"line 5: only static 'gfc' records"):
        read_icgem(path)


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown gravity file type"):
        read_field_file(tmp_path / "field.xyz")
    with pytest.raises(DataError, match="cannot open"):
        read_shadr(tmp_path / "missing.tab")
