"""The thin public API (style.md #7): every advertised name resolves, and importing it compiles nothing."""
import subprocess
import sys

import lunapole.api as api


def test_every_name_in_all_resolves():
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_import_is_light():
    # numba must not be imported just by importing the API module (kernels load on first use)
    code = "import sys, lunapole.api; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
