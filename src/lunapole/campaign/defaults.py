"""Default dispersions for a scenario that ships none (filled in with the descent integration)."""
from __future__ import annotations

from typing import Any

from lunapole.errors import ScenarioError


def default_dispersions(raw: dict, source: str) -> dict[str, Any]:
    """The ``[dispersions]`` table used when a scenario has none."""
    raise ScenarioError(
        f"{source}: no [dispersions] table; add one (see docs/montecarlo.md) to say what to disperse"
    )
