"""Pure-Python twin of :mod:`lunapole.kernels.descent`: the same source executed without numba.

``reference_kernel()`` returns a module object with the same functions (``simulate_one``,
``simulate_batch_kernel``, ...) running as plain Python (slow: for tests and debugging). Tests compare it
with the compiled kernel, which catches numba-specific typing/overflow differences (style.md #6).
"""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from lunapole.kernels import descent as _compiled

_CACHE: dict[str, ModuleType] = {}


def reference_kernel() -> ModuleType:
    """The kernel module executed as plain Python (cached)."""
    if "mod" not in _CACHE:
        name = "lunapole.kernels._descent_pure_python"
        spec = importlib.util.spec_from_file_location(name, _compiled.__file__)
        mod = importlib.util.module_from_spec(spec)
        mod.__dict__["_PURE_PYTHON"] = True
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _CACHE["mod"] = mod
    return _CACHE["mod"]
