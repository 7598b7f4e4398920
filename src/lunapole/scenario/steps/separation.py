"""``separation``: part of the spacecraft leaves (a stage, a propulsion module); the rest flies on.

Instantaneous: the state keeps its position and velocity, the mass becomes ``mass_kg`` (the part that
continues) or drops by ``jettison_kg``. Later steps burn their own ``engine``. The jettisoned mass is not
propellant: the step reports 0 kg of propellant. (Added for the Chandrayaan-3 replay, where the lander
module leaves the propulsion module on 2023-08-17.)
"""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from lunapole.errors import ScenarioError
from lunapole.scenario.steps.base import StepBase, StepContext, StepResult, register_step


class SeparationStep(StepBase):
    """Give exactly one of ``mass_kg`` (mass after separation) or ``jettison_kg`` (mass that leaves)."""

    type: Literal["separation"]
    mass_kg: float | None = Field(default=None, gt=0.0)
    jettison_kg: float | None = Field(default=None, gt=0.0)
    supported_faults: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _one(self) -> "SeparationStep":
        if (self.mass_kg is None) == (self.jettison_kg is None):
            raise ValueError("a separation needs exactly one of mass_kg (mass after) or jettison_kg")
        return self


def execute(step: SeparationStep, ctx: StepContext) -> StepResult:
    """Replace the mass of the current state; record a ``separation`` event."""
    m0 = float(ctx.state.mass_kg)
    m1 = step.mass_kg if step.mass_kg is not None else m0 - float(step.jettison_kg)
    if not 0.0 < m1 <= m0:
        raise ScenarioError(f"{ctx.step_label}: separation leaves {m1:g} kg of a {m0:g} kg spacecraft; "
                            "mass_kg must lie in (0, current mass] (or jettison_kg below the current mass)")
    ctx.state = ctx.state.replace(mass_kg=m1)
    ctx.add_event("separation", ctx.state, mass_before_kg=m0, mass_after_kg=m1)
    return StepResult(details={"mass_before_kg": m0, "mass_after_kg": m1, "jettisoned_kg": m0 - m1})


register_step(SeparationStep, execute)
