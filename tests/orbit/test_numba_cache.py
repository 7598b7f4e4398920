"""Cache invalidation when a called kernel changes (numba's cache only tracks the caller's own file)."""
from lunapole.kernels._numba_cache import invalidate_stale


def test_cache_files_removed_when_dependency_changes(tmp_path):
    mod = tmp_path / "caller.py"
    dep = tmp_path / "callee.py"
    mod.write_text("x = 1\n")
    dep.write_text("y = 1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    files = [cache / "caller.f-10.py311.nbi", cache / "caller.f-10.py311.1.nbc"]
    other = cache / "callee.g-3.py311.nbi"
    for f in [*files, other]:
        f.write_text("compiled")
    invalidate_stale(str(mod), [str(dep)])  # first sight: no stamp yet -> clear and stamp
    assert not any(f.exists() for f in files) and other.exists()
    for f in files:
        f.write_text("recompiled")
    invalidate_stale(str(mod), [str(dep)])  # unchanged: keep
    assert all(f.exists() for f in files)
    dep.write_text("y = 2\n")  # callee changed: clear the caller's cache
    invalidate_stale(str(mod), [str(dep)])
    assert not any(f.exists() for f in files) and other.exists()
