"""Where lunapole finds data: installed data packages, ``LUNAPOLE_DATA_DIR``, the user cache.

Order of search (see docs/architecture.md):
1. ``LUNAPOLE_DATA_DIR`` (tests point it at ``../shared/data``);
2. installed PyPI data packages (each module knows its own);
3. the user cache (``LUNAPOLE_CACHE_DIR`` or platformdirs' user cache), filled by ``lunapole data fetch``.
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path | None:
    """The directory named by ``LUNAPOLE_DATA_DIR``, or None when unset or missing."""
    value = os.environ.get("LUNAPOLE_DATA_DIR")
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_dir() else None


def find_in_data_dir(*relative_candidates: str) -> Path | None:
    """First existing ``LUNAPOLE_DATA_DIR/<candidate>``, or None."""
    root = data_dir()
    if root is None:
        return None
    for rel in relative_candidates:
        path = root / rel
        if path.is_file():
            return path
    return None


def cache_dir() -> Path:
    """Writable cache directory (``LUNAPOLE_CACHE_DIR`` or the platform's user cache), created on demand."""
    value = os.environ.get("LUNAPOLE_CACHE_DIR")
    path = Path(value).expanduser() if value else Path(platformdirs.user_cache_dir("lunapole"))
    path.mkdir(parents=True, exist_ok=True)
    return path
