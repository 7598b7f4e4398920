"""``[[faults]]``: injected failures, each attached to one named step.

The scenario validator checks that the step exists and that its type accepts the fault
(each step model lists ``supported_faults``); executors receive the faults for their step in
``ctx.faults``. Orbit burns handle ``cutoff_failure``, ``thrust_scale``, ``engine_out`` and
``nav_bias``; the powered-descent executor handles its own.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from lunapole.scenario._fields import StrictModel, Vector3


class CutoffFailure(StrictModel):
    """A dV-terminated burn does not cut off on dV and runs to its ``backup_timer_s`` (Luna-25, 2023)."""

    type: Literal["cutoff_failure"]
    step: str


class EngineOut(StrictModel):
    """One unit of ``engine`` fails ``time_s`` after the step starts (thrust drops by 1/count)."""

    type: Literal["engine_out"]
    step: str
    time_s: float = Field(ge=0.0)
    engine: str | None = None


class ThrustScale(StrictModel):
    """The step's engine delivers ``scale`` times its rated thrust (same Isp)."""

    type: Literal["thrust_scale"]
    step: str
    scale: float = Field(gt=0.0, le=2.0)


class NavBias(StrictModel):
    """Navigation error: guidance/targeting sees the true state plus this J2000 bias."""

    type: Literal["nav_bias"]
    step: str
    position_m: Vector3 = Field(default_factory=lambda: [0.0, 0.0, 0.0])
    velocity_m_s: Vector3 = Field(default_factory=lambda: [0.0, 0.0, 0.0])


Fault = Annotated[Union[CutoffFailure, EngineOut, ThrustScale, NavBias], Field(discriminator="type")]
"""Any fault, selected by its ``type``."""

FAULT_TYPES = ("cutoff_failure", "engine_out", "thrust_scale", "nav_bias")
