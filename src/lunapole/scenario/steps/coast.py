"""``coast``: propagate without thrust for a duration, to the n-th periapsis/apoapsis, or to an epoch."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from lunapole.scenario._fields import EpochText
from lunapole.scenario.steps.base import StepBase, StepContext, StepResult, register_step

APSIS_EVENTS = ("periapsis", "apoapsis")


class CoastStep(StepBase):
    """Coast: ``duration_s``, or ``until = "periapsis" | "apoapsis"`` (the ``count``-th one), or
    ``until = "epoch"`` with ``epoch``. ``max_duration_s`` bounds an ``until`` search.
    ``record`` lists the apsis events to report."""

    type: Literal["coast"]
    duration_s: float | None = Field(default=None, gt=0.0)
    until: Literal["periapsis", "apoapsis", "epoch"] | None = None
    epoch: EpochText | None = None
    count: int = Field(default=1, ge=1, le=100000)
    max_duration_s: float = Field(default=30.0 * 86400.0, gt=0.0)
    record: list[Literal["periapsis", "apoapsis"]] = Field(default_factory=lambda: list(APSIS_EVENTS))
    supported_faults: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _one_end_condition(self) -> "CoastStep":
        if (self.duration_s is None) == (self.until is None):
            raise ValueError(
                "a coast needs exactly one of duration_s (> 0) or until ('periapsis', 'apoapsis', 'epoch')"
            )
        if self.until == "epoch" and self.epoch is None:
            raise ValueError("until = 'epoch' needs epoch = '<ISO time>'")
        if self.until != "epoch" and self.epoch is not None:
            raise ValueError("epoch is only used with until = 'epoch'")
        if self.count != 1 and self.until not in APSIS_EVENTS:
            raise ValueError("count is only used with until = 'periapsis' or 'apoapsis'")
        return self


def execute(step: CoastStep, ctx: StepContext) -> StepResult:
    """Propagate the coast; the trajectory stops early on impact."""
    from lunapole.orbit.propagate import propagate

    record = tuple(dict.fromkeys(list(step.record)))
    state0 = ctx.state
    if step.duration_s is not None:
        traj = propagate(state0, ctx.force_model, duration_s=step.duration_s, stop_on=("impact",), record=record)
        ctx.add_trajectory(traj)
        return StepResult()
    if step.until == "epoch":
        from lunapole.astro.time import parse_epoch

        end = parse_epoch(step.epoch)
        if end <= state0.epoch_tdb_s:
            from lunapole.errors import ScenarioError

            raise ScenarioError(
                f"{ctx.step_label}: coast until epoch {step.epoch!r} is not after the current epoch; "
                "choose a later epoch or use duration_s"
            )
        traj = propagate(state0, ctx.force_model, until_tdb_s=end, stop_on=("impact",), record=record)
        ctx.add_trajectory(traj)
        return StepResult()
    return _coast_to_apsis(step, ctx, record)


def _coast_to_apsis(step: CoastStep, ctx: StepContext, record: tuple[str, ...]) -> StepResult:
    """Stop at the ``count``-th apsis within ``max_duration_s``.

    The propagator stops on the first event and would find it again at the start of the next leg,
    so when the state sits on an apsis (radial speed < 1 mm/s) a quarter period is coasted first.
    """
    import numpy as np

    from lunapole.errors import InfeasibleError
    from lunapole.orbit.elements import elements_from_state
    from lunapole.orbit.propagate import propagate

    remaining = step.max_duration_s
    t_start = ctx.state.epoch_tdb_s
    for k in range(step.count):
        s = ctx.state
        radial_speed = float(np.dot(s.r_m, s.v_m_s) / np.linalg.norm(s.r_m))
        if abs(radial_speed) < 1e-3:
            period = elements_from_state(s, ctx.force_model.gm_m3_s2).period_s(ctx.force_model.gm_m3_s2)
            nudge = min(0.25 * period, remaining)
            ctx.add_trajectory(propagate(s, ctx.force_model, duration_s=nudge, stop_on=("impact",), record=record))
            remaining -= nudge
            if ctx.stopped or remaining <= 0.0:
                break
        traj = propagate(ctx.state, ctx.force_model, duration_s=remaining, stop_on=("impact", step.until),
                         record=record)
        ctx.add_trajectory(traj)
        remaining = step.max_duration_s - (ctx.state.epoch_tdb_s - t_start)
        if ctx.stopped:
            break
        if traj.outcome != step.until:
            raise InfeasibleError(
                f"{ctx.step_label}: found {k} {step.until} event(s) in max_duration_s = "
                f"{step.max_duration_s:g} s, needed {step.count}; raise max_duration_s"
            )
    else:
        return StepResult(details={"until": step.until, "count": step.count})
    if not ctx.stopped:
        raise InfeasibleError(
            f"{ctx.step_label}: max_duration_s = {step.max_duration_s:g} s ran out before {step.until} "
            f"number {step.count}; raise max_duration_s"
        )
    return StepResult(details={"until": step.until, "count": step.count})


register_step(CoastStep, execute)
