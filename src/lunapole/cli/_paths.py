"""Checks on output paths given on the command line, done *before* a long run so nothing is lost."""
from __future__ import annotations

import os
from pathlib import Path

from lunapole.errors import LunapoleError


def writable_dir(path: Path, option: str) -> Path:
    """Create ``path`` as a directory (parents too) or raise a :class:`LunapoleError` naming ``option``."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise LunapoleError(f"{option} {str(p)!r} is an existing file, not a directory; give a directory path "
                            "(it is created if missing)")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LunapoleError(f"{option} {str(p)!r}: cannot create the directory ({exc.strerror or exc}); "
                            "choose a writable location") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise LunapoleError(f"{option} {str(p)!r}: the directory is not writable; choose a writable location")
    return p
