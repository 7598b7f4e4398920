"""Step registry: every ``[[sequence]]`` type is a registered (model, executor) pair.

Built-in orbit steps are imported here; ``powered_descent`` lives in
``lunapole/scenario/steps/powered_descent.py`` (owned by the descent package) and is imported when
that module exists. Its import errors are NOT swallowed: a broken plug-in must fail loudly.
"""
from __future__ import annotations

import importlib
import importlib.util

from lunapole.scenario.steps import coast, finite_burn, impulsive_burn  # noqa: F401  (registration)
from lunapole.scenario.steps import separation  # noqa: F401  (registration; added for the replays)
from lunapole.scenario.steps.base import (
    RunEvent,
    StepBase,
    StepContext,
    StepResult,
    StepType,
    register_step,
    registered_steps,
    selenographic_of,
)

# Optional plug-in: present once the descent engineer adds it. find_spec only checks that the file
# exists; any error raised while importing it propagates (no silent fallback).
if importlib.util.find_spec("lunapole.scenario.steps.powered_descent") is not None:
    importlib.import_module("lunapole.scenario.steps.powered_descent")

__all__ = [
    "RunEvent",
    "StepBase",
    "StepContext",
    "StepResult",
    "StepType",
    "register_step",
    "registered_steps",
    "selenographic_of",
]
