"""Batched powered-descent model (placeholder until lunapole.descent.batch lands)."""
from __future__ import annotations

from lunapole.campaign.dispersions import DispersionSpec
from lunapole.errors import ScenarioError


def is_applicable(raw: dict, spec: DispersionSpec) -> bool:
    return False


def check_applicable(raw: dict, spec: DispersionSpec, source: str) -> None:
    raise ScenarioError(f"{source}: [dispersions] model = 'descent_batch' is not available yet")
