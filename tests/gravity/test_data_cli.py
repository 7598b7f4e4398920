"""``lunapole data list|fetch`` through the CLI entry point."""
from __future__ import annotations

from lunapole.cli import main


def test_data_list_shows_where_each_field_is(capsys, shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("LUNAPOLE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "GRGM1200A (default)" in out and "installed package" in out
    assert "gggrx_1200a_sha_deg200.tab" in out  # data dir copy listed with its degree
    assert "not yet fetched" in out and "GRGM900C" in out


def test_data_fetch_unknown_name_is_a_clean_error(capsys):
    assert main(["data", "fetch", "NOPE"]) == 2
    assert "unknown gravity field 'NOPE'" in capsys.readouterr().err
