"""Shared pydantic pieces for scenario models: strict config, vectors, epoch strings.

Every model in the scenario schema forbids unknown keys so that a misspelled field is an
error with a suggestion, never a silently ignored setting.
"""
from __future__ import annotations

import datetime as _dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class StrictModel(BaseModel):
    """Base for every scenario table: unknown keys are errors, values are checked on assignment.

    ``nan``/``inf`` (valid TOML floats) are rejected: no physical input of a scenario is infinite.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)


def _toml_datetime_to_text(value: object) -> object:
    """Unquoted TOML datetimes arrive as ``datetime``; turn them into ISO text (naive = UTC)."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat() + " UTC"
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00 UTC"
    return value


def _check_epoch(value: object) -> object:
    """Parse the epoch once at load time so a bad date fails early, naming its field."""
    if not isinstance(value, str):
        return value  # the str type check reports it
    from lunapole.astro.time import parse_epoch  # astro is a lower layer; imported lazily
    from lunapole.errors import LunapoleError

    try:
        parse_epoch(value)
    except (LunapoleError, ValueError) as exc:
        raise ValueError(
            f"cannot read epoch {value!r} ({exc}); write ISO 8601 like "
            "'2023-08-16T12:00:00 TDB' (suffix ' UTC', 'Z' or ' TDB'; default UTC)"
        ) from None
    return value


EpochText = Annotated[str, BeforeValidator(_check_epoch), BeforeValidator(_toml_datetime_to_text)]
"""An epoch string, validated by :func:`lunapole.astro.time.parse_epoch` (TOML datetimes accepted)."""

Vector3 = Annotated[list[float], Field(min_length=3, max_length=3)]
"""Three floats ``[x, y, z]``."""
