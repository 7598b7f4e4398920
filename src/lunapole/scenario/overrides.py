"""``PATH=VALUE`` overrides on the raw scenario dict (before validation).

PATH is dotted; list items are addressed by their ``name`` or index (``sequence.deorbit.dv_m_s``,
``sequence[2].duration_s``, ``sequence.2.duration_s``, ``spacecraft.engines.main.thrust_n``).
VALUE is a TOML literal (``84``, ``[1, 0, 0]``, ``"DE440"``, ``{ area_m2 = 2 }``); text that is not
valid TOML is taken as a plain string (``scenario.ephemeris=DE440``). A missing last key is created
(the schema then checks it is a known field); a missing intermediate key is an error with
suggestions.
"""
from __future__ import annotations

import copy
import re
import tomllib
from typing import Any, Iterable

from lunapole.errors import ScenarioError
from lunapole.scenario._errors import did_you_mean

_INDEX = re.compile(r"^([^\[\]]*)((?:\[\d+\])+)$")


def parse_value(text: str) -> Any:
    """A TOML literal, or the text itself when it is not one."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def _split_path(path: str) -> list[str | int]:
    """``"sequence[2].duration_s"`` -> ``["sequence", 2, "duration_s"]``."""
    parts: list[str | int] = []
    for token in path.split("."):
        if token == "":
            raise ValueError("empty path segment")
        m = _INDEX.match(token)
        if m:
            if m.group(1):
                parts.append(m.group(1))
            parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
        elif "[" in token or "]" in token:
            raise ValueError(f"bad index in {token!r}")
        else:
            parts.append(token)
    return parts


def split_override(text: str) -> tuple[str, str]:
    """``"a.b=1"`` -> ``("a.b", "1")``."""
    if "=" not in text:
        raise ScenarioError(f"override {text!r} must look like PATH=VALUE, e.g. spacecraft.mass_kg=1800")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(f"override {text!r} has an empty PATH; write e.g. spacecraft.mass_kg=1800")
    return path, value.strip()


def _list_item(items: list, token: str | int, where: str, text: str) -> int:
    if isinstance(token, int) or (isinstance(token, str) and token.isdigit()):
        idx = int(token)
        if idx >= len(items):
            raise ScenarioError(f"override {text!r}: {where} has {len(items)} items (indices 0-{len(items) - 1}), no [{idx}]")
        return idx
    names = [it.get("name") for it in items if isinstance(it, dict) and isinstance(it.get("name"), str)]
    for i, it in enumerate(items):
        if isinstance(it, dict) and it.get("name") == token:
            return i
    listed = ", ".join(names) if names else "none has a name"
    raise ScenarioError(
        f"override {text!r}: no item named {token!r} in {where} (names: {listed})" + did_you_mean(token, names)
        + "; address items by name or by index, e.g. sequence[0]"
    )


def apply_override(raw: dict, text: str) -> str:
    """Apply one ``PATH=VALUE`` in place; returns the canonical path (``sequence[2].duration_s``)."""
    path, value_text = split_override(text)
    try:
        parts = _split_path(path)
    except ValueError as exc:
        raise ScenarioError(f"override {text!r}: cannot read PATH {path!r} ({exc})") from None
    node: Any = raw
    canonical = ""
    for k, token in enumerate(parts):
        last = k == len(parts) - 1
        if isinstance(node, list):
            where = canonical or "the list"
            idx = _list_item(node, token, where, text)
            canonical = f"{canonical}[{idx}]"
            if last:
                node[idx] = parse_value(value_text)
                return canonical
            node = node[idx]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"override {text!r}: {canonical} is a value, not a table; it has no field {token!r}")
        key = str(token)
        canonical = f"{canonical}.{key}" if canonical else key
        if last:
            node[key] = parse_value(value_text)
            return canonical
        if key not in node:
            nxt = parts[k + 1]
            if isinstance(nxt, int) or (isinstance(nxt, str) and nxt.isdigit()):
                raise ScenarioError(
                    f"override {text!r}: {canonical} does not exist" + did_you_mean(key, list(node))
                    + f"; existing keys: {', '.join(map(str, node)) or 'none'}"
                )
            node[key] = {}  # a new sub-table (e.g. forces.srp); the schema checks its fields
        node = node[key]
    return canonical


def apply_overrides(raw: dict, overrides: Iterable[str]) -> tuple[dict, dict[str, str]]:
    """Apply ``PATH=VALUE`` strings to a deep copy of ``raw``.

    Returns ``(new_raw, {canonical_path: override_text})`` (the map lets validation errors point
    back at the override that caused them).
    """
    out = copy.deepcopy(raw)
    origin: dict[str, str] = {}
    for text in overrides:
        origin[apply_override(out, text)] = text
    return out, origin
