"""Reading scenarios: TOML file -> raw dict -> overrides -> validated :class:`Scenario`.

All failures are :class:`ScenarioError` naming the file, the field path and what is allowed.
"""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from lunapole.errors import ScenarioError
from lunapole.scenario._errors import did_you_mean, format_problems, scenario_error
from lunapole.scenario.overrides import apply_overrides
from lunapole.scenario.schema import CrossFieldError, Scenario


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the file, line and column."""
    p = Path(path)
    if p.is_dir():
        raise ScenarioError(f"scenario file {str(p)!r} is a directory; give the path of a .toml file inside it")
    if not p.is_file():
        hint = ""
        if p.suffix != ".toml" and Path(f"{p}.toml").is_file():
            hint = f"; did you mean {p}.toml?"
        raise ScenarioError(f"scenario file {str(p)!r} not found{hint}")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file {str(p)!r} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"scenario file {str(p)!r} is not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {str(p)!r}: {exc.strerror or exc}; check its permissions") from None


def scenario_from_dict(
    raw: dict[str, Any],
    source: str | Path | None = None,
    overrides: Iterable[str] = (),
    base_dir: str | Path | None = None,
    *,
    _override_origin: dict[str, str] | None = None,
) -> Scenario:
    """Validate a raw scenario dict (optionally after ``PATH=VALUE`` overrides).

    ``source`` names the file in messages and anchors relative output paths (built-in scenarios: the
    current directory); ``base_dir`` overrides that anchor. Used by the Monte Carlo runner with dispersed overrides.
    """
    where = repr(str(source)) if source is not None else "(from a dict)"
    if not isinstance(raw, dict):
        raise ScenarioError(f"scenario {where} must be a table of tables, got {type(raw).__name__}")
    origin = dict(_override_origin or {})
    overrides = list(overrides)
    if overrides:
        raw, more = apply_overrides(raw, overrides)
        origin.update(more)
    try:
        scn = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise scenario_error(Scenario, exc, where, raw, origin) from None
    except CrossFieldError as exc:
        err = ScenarioError(format_problems(where, exc.problems, raw, origin))
        err.problems = exc.problems  # type: ignore[attr-defined]
        raise err from None
    scn._source = Path(source) if source is not None else None
    if base_dir is None and scn._source is not None and _is_builtin(scn._source):
        base_dir = Path.cwd()  # never write into the installed package
    scn._base_dir = Path(base_dir) if base_dir is not None else None
    scn._raw = raw
    return scn


def load_scenario(path: str | Path, overrides: Iterable[str] = (), base_dir: str | Path | None = None) -> Scenario:
    """Read, override and validate a scenario file (``dotted.path=value`` overrides).

    Relative output paths resolve against ``base_dir``: default the file's directory, except for the
    built-in scenarios (inside the installed package), which write relative to the current directory.
    """
    raw = read_toml(path)
    return scenario_from_dict(raw, source=path, overrides=overrides, base_dir=base_dir)


def _is_builtin(path: Path) -> bool:
    folder = Path(str(resources.files("lunapole.scenario") / "missions")).resolve()
    try:
        return path.resolve().parent == folder
    except OSError:
        return False


def builtin_scenario_names() -> list[str]:
    """Names of the scenarios shipped in ``lunapole/scenario/missions/*.toml``."""
    folder = resources.files("lunapole.scenario") / "missions"
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_scenario_path(name: str) -> Path:
    """Path of the built-in scenario ``name`` (e.g. ``luna-25``); error lists the available ones."""
    names = builtin_scenario_names()
    key = name[: -len(".toml")] if name.endswith(".toml") else name
    if key not in names:
        listed = ", ".join(names) if names else "none installed"
        raise ScenarioError(f"no built-in scenario {name!r}; available: {listed}" + did_you_mean(key, names))
    return Path(str(resources.files("lunapole.scenario") / "missions" / f"{key}.toml"))
