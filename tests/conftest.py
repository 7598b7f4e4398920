"""Test-wide settings: real shared data through LUNAPOLE_DATA_DIR, a private cache, no network."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_FACTS = REPO.parent / "shared" / "facts"

if "LUNAPOLE_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
    os.environ["LUNAPOLE_DATA_DIR"] = str(SHARED_DATA)
os.environ.setdefault("LUNAPOLE_CACHE_DIR", str(REPO / ".lunapole-cache"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (skips the test when absent)."""
    root = Path(os.environ.get("LUNAPOLE_DATA_DIR", SHARED_DATA))
    if not root.is_dir():
        pytest.skip("shared data directory not available")
    return root
