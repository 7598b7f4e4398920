"""Turn pydantic validation errors into one readable :class:`ScenarioError`.

Each problem is reported as ``<field path>: <what is wrong>; <what is allowed>`` with a
"did you mean" for misspelled keys and choices. The field path is TOML-like
(``sequence[2].duration_s``); discriminator tags that pydantic inserts into locations are dropped.
"""
from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from lunapole.errors import ScenarioError


def did_you_mean(word: object, choices: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional from a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _union_member(tp: Any, tag: str) -> Any:
    for arg in typing.get_args(tp):
        arg = _unwrap(arg)
        if isinstance(arg, type) and issubclass(arg, BaseModel) and "type" in arg.model_fields:
            if typing.get_args(arg.model_fields["type"].annotation) == (tag,):
                return arg
    return None


def walk(root: type[BaseModel], loc: tuple) -> tuple[str, Any, Any]:
    """Follow a pydantic ``loc`` from ``root``: (display path, type at the end, FieldInfo or None)."""
    path = ""
    tp: Any = root
    info = None
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if isinstance(part, str) and part in tp.model_fields:
                info = tp.model_fields[part]
                tp = info.annotation
                path = f"{path}.{part}" if path else part
                continue
            path = f"{path}.{part}" if path else str(part)
            return path, None, None
        if origin is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
            path = f"{path}[{part}]"
            info = None
            continue
        if origin in (typing.Union, types.UnionType) and isinstance(part, str):
            member = _union_member(tp, part)
            if member is not None:
                tp = member  # discriminator tag: not shown in the path
                continue
        if origin is dict:
            tp = typing.get_args(tp)[1] if typing.get_args(tp) else Any
            path = f"{path}.{part}"
            info = None
            continue
        # Function/validator segments ('function-after[...]') and unknown shapes: keep going.
        if isinstance(part, str) and ("[" in part or part.startswith("function")):
            continue
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path, _unwrap(tp), info


def _bounds(info) -> str:
    """``"allowed: 0 < value <= 10000"`` from a field's annotated-types metadata."""
    if info is None:
        return ""
    lo = hi = ""
    for m in info.metadata:
        for attr, sym, side in (("gt", "<", "lo"), ("ge", "<=", "lo"), ("lt", "<", "hi"), ("le", "<=", "hi")):
            val = getattr(m, attr, None)
            if val is not None:
                if side == "lo":
                    lo = f"{val:g} {sym} " if isinstance(val, (int, float)) else lo
                else:
                    hi = f" {sym} {val:g}" if isinstance(val, (int, float)) else hi
    if not lo and not hi:
        return ""
    return f"; allowed: {lo}value{hi}"


def _fields_of(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def describe(root: type[BaseModel], err: dict, raw: dict | None = None) -> tuple[str, str]:
    """(field path, message) for one pydantic error dict."""
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        parent_path, parent_tp, _ = walk(root, loc[:-1])
        key = loc[-1]
        allowed = _fields_of(parent_tp)
        path = f"{parent_path}.{key}" if parent_path else str(key)
        msg = f"unknown field {key!r}" + did_you_mean(key, allowed)
        if allowed:
            msg += f"; allowed fields here: {', '.join(allowed)}"
        return path, msg
    path, tp, info = walk(root, loc)
    if kind == "missing":
        return path, "required field is missing" + _describe_type(tp)
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = [c.strip().strip("'\"") for c in str(expected).replace(" or ", ",").split(",") if c.strip()]
        return path, f"got {value!r}; allowed: {expected}" + did_you_mean(value, choices)
    if kind == "union_tag_invalid":
        tags = [t.strip().strip("'\"") for t in str(ctx.get("expected_tags", "")).split(",")]
        return path, (
            f"unknown {ctx.get('discriminator', 'type').strip(chr(39))} {ctx.get('tag')!r}; allowed: "
            f"{', '.join(tags)}" + did_you_mean(ctx.get("tag"), tags)
        )
    if kind == "union_tag_not_found":
        members = [t for t in typing.get_args(tp)] if tp is not None else []
        tags = [typing.get_args(_unwrap(m).model_fields["type"].annotation)[0] for m in members
                if isinstance(_unwrap(m), type) and issubclass(_unwrap(m), BaseModel)]
        return path, "missing field 'type'" + (f"; allowed types: {', '.join(tags)}" if tags else "")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return path, f"{err['msg'].lower()} (got {value!r})" + _bounds(info)
    if kind in ("too_short", "too_long"):
        return path, f"{err['msg']} (got {value!r})"
    if kind == "value_error":
        msg = err.get("msg", "")
        return path, msg.removeprefix("Value error, ")
    if kind == "finite_number":
        return path, f"got {value!r}; give a finite number (nan and inf are not allowed)" + _bounds(info)
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return path, f"expected a number, got {value!r}" + _bounds(info)
    if kind in ("string_type",):
        return path, f"expected a quoted string, got {value!r}"
    if kind in ("list_type",):
        hint = ""
        if isinstance(value, dict) and path.rsplit(".", 1)[-1] in ("sequence", "faults", "engines"):
            hint = f"; write each item as its own [[{path}]] table (double brackets)"
        return path, f"expected a list [..], got {value!r}{hint}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        fields = _fields_of(tp)
        hint = f" with fields {', '.join(fields)}" if fields else ""
        return path, f"expected a table{hint}, got {value!r}"
    if kind == "string_pattern_mismatch":
        return path, f"{value!r} is not allowed: use letters, digits, '_' or '-', starting with a letter or '_'"
    return path, f"{err.get('msg', kind)} (got {value!r})"


def _describe_type(tp: Any) -> str:
    fields = _fields_of(tp)
    if fields:
        required = [n for n, f in tp.model_fields.items() if f.is_required()]
        if required:
            return f"; this table needs: {', '.join(required)}"
    return ""


def _step_hint(path: str, raw: dict | None) -> str:
    """`` (step 'name')`` for paths inside ``sequence[i]``, using the raw input."""
    if raw is None or not path.startswith("sequence["):
        return ""
    try:
        idx = int(path[len("sequence["):path.index("]")])
        name = raw["sequence"][idx].get("name")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""
    return f" (step {name!r})" if isinstance(name, str) else ""


def format_problems(where: str, problems: list[tuple[str, str]], raw: dict | None = None,
                    overrides: dict[str, str] | None = None) -> str:
    """One message: ``invalid scenario <where>:`` then one ``path: message`` line per problem."""
    lines = []
    for path, msg in problems:
        origin = ""
        if overrides:
            for opath, text in overrides.items():
                related = (path == opath or path.startswith((opath + ".", opath + "["))
                           or (path and opath.startswith((path + ".", path + "["))))
                if related:
                    origin = f" [from override {text!r}]"
                    break
        lines.append(f"  {path or '(top level)'}{_step_hint(path, raw)}: {msg}{origin}")
    return f"invalid scenario {where}:\n" + "\n".join(lines)


def scenario_error(root: type[BaseModel], exc: ValidationError, where: str, raw: dict | None = None,
                   overrides: dict[str, str] | None = None) -> ScenarioError:
    """Convert a pydantic ``ValidationError`` into a :class:`ScenarioError`."""
    problems = [describe(root, e, raw) for e in exc.errors(include_url=False)]
    err = ScenarioError(format_problems(where, problems, raw, overrides))
    err.problems = problems  # type: ignore[attr-defined]
    return err
