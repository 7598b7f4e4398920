"""Invalidate numba's on-disk cache of a module when a module it calls has changed.

numba's ``cache=True`` keys a cached function on its own source file only: when a callee in another
file changes (e.g. the layout of :mod:`lunapole.kernels.gravity` tables), the caller's cached machine
code keeps the old callee inlined and reads the new arrays wrongly (wrong numbers or a segfault).
:func:`invalidate_stale` keeps a fingerprint of the dependencies next to the cache files and deletes the
caller's cache files when it changes, so they are recompiled.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _cache_dirs(module_file: Path) -> list[Path]:
    dirs = [module_file.parent / "__pycache__"]
    user = os.environ.get("NUMBA_CACHE_DIR")
    if user:
        dirs.append(Path(user))
    return dirs


def invalidate_stale(module_file: str, dependency_files: list[str]) -> None:
    """Remove numba cache files of ``module_file`` if any file in ``dependency_files`` changed."""
    module = Path(module_file)
    digest = hashlib.sha256()
    for dep in [module, *map(Path, dependency_files)]:
        try:
            digest.update(dep.read_bytes())
        except OSError:
            return
    stamp_value = digest.hexdigest()
    for cache_dir in _cache_dirs(module):
        stamp = cache_dir / f"{module.stem}.deps-sha256"
        try:
            if stamp.is_file() and stamp.read_text().strip() == stamp_value:
                continue
            if not cache_dir.is_dir():
                continue
            pattern = f"{module.stem}.*.nb[ic]"
            files = cache_dir.glob(pattern) if cache_dir.name == "__pycache__" else cache_dir.rglob(pattern)
            for f in files:
                try:
                    f.unlink()
                except OSError:
                    pass
            stamp.write_text(stamp_value)
        except OSError:
            pass  # read-only install: numba falls back to its own cache locations
