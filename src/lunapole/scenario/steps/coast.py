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
    """Find the ``count``-th apsis within ``max_duration_s``: propagate, then truncate at that event."""
    from lunapole.orbit.propagate import propagate

    state0 = ctx.state
    record = tuple(dict.fromkeys(record + (step.until,)))
    traj = propagate(
        state0, ctx.force_model, duration_s=step.max_duration_s, stop_on=("impact", step.until), record=record,
        stop_count=step.count,
    )
    ctx.add_trajectory(traj)
    if traj.outcome != "impact":
        hits = [e for e in traj.events if e.type == step.until]
        if len(hits) < step.count:
            from lunapole.errors import InfeasibleError

            raise InfeasibleError(
                f"{ctx.step_label}: found {len(hits)} {step.until} events in max_duration_s = "
                f"{step.max_duration_s:g} s, needed {step.count}; raise max_duration_s"
            )
    return StepResult(details={"until": step.until, "count": step.count})


register_step(CoastStep, execute)
