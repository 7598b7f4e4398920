"""Small builders for scenario tests: a minimal valid scenario dict and a TOML writer."""
from __future__ import annotations

import copy
from pathlib import Path

BASE = {
    "scenario": {"name": "test", "epoch": "2023-08-16T12:00:00 TDB"},
    "spacecraft": {"mass_kg": 1750.0, "engines": [{"name": "main", "thrust_n": 3200.0, "isp_s": 310.0}]},
    "initial_state": {"type": "keplerian", "sma_km": 1837.4, "ecc": 0.0, "inc_deg": 90.0},
    # Point-mass Moon, no third bodies: two-body closed forms are exact references.
    "forces": {"gravity": {"field": "point_mass"}, "third_bodies": []},
    "sequence": [{"type": "coast", "name": "c1", "duration_s": 600.0}],
}


def base(**sections) -> dict:
    """A deep copy of BASE with whole sections replaced."""
    out = copy.deepcopy(BASE)
    out.update(copy.deepcopy(sections))
    return out


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def write_toml(path: Path, data: dict) -> Path:
    """Write ``data`` (tables of scalars/inline tables, lists of tables) as TOML."""
    lines = []
    for key, val in data.items():
        if isinstance(val, dict):
            lines.append(f"[{key}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in val.items())
        elif isinstance(val, list) and val and all(isinstance(x, dict) for x in val):
            for item in val:
                lines.append(f"[[{key}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items())
        else:
            lines.insert(0, f"{key} = {_toml_value(val)}")
    path.write_text("\n".join(lines) + "\n")
    return path
