"""The step plug-in contract: a pydantic model with a literal ``type`` plus an executor.

A step module defines::

    class MyStep(StepBase):
        type: Literal["my_step"]
        duration_s: float = Field(gt=0)
        supported_faults: ClassVar[frozenset[str]] = frozenset({"thrust_scale"})

    def execute(step: MyStep, ctx: StepContext) -> StepResult: ...

    register_step(MyStep, execute)

and is imported by :mod:`lunapole.scenario.steps`. Step modules may import this module,
:mod:`lunapole.scenario.sections` and :mod:`lunapole.scenario.faults`, never
:mod:`lunapole.scenario.schema` (which is built from the registry). The executor contract is
documented in ``docs/architecture.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np
from pydantic import Field

from lunapole.scenario._fields import StrictModel

if TYPE_CHECKING:  # only for annotations; the runner passes real objects
    from lunapole.scenario.schema import Scenario
    from lunapole.scenario.sections import Spacecraft

OUTCOMES = ("completed", "impact", "landed", "crashed")


class StepBase(StrictModel):
    """Fields common to every step. ``name`` (unique) lets overrides and faults address the step."""

    name: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    supported_faults: ClassVar[frozenset[str]] = frozenset()


@dataclass
class RunEvent:
    """One event of a run: ``type`` (impact, periapsis, apoapsis, burn_start, burn_end, ...),
    TDB epoch, selenographic MOON_ME position (altitude above the 1737.4 km mean sphere), step label."""

    type: str
    epoch_tdb_s: float
    lat_deg: float
    lon_deg: float
    altitude_m: float
    step: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    """What an executor reports; the runner adds duration, mass and osculating elements.

    ``dv_m_s`` is the delivered delta-V (rocket equation for finite burns), ``propellant_kg`` the mass
    used; ``details`` is free JSON-able data (targeting solution, guidance figures, ...).
    """

    dv_m_s: float = 0.0
    propellant_kg: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepContext:
    """Everything an executor may read or change.

    Read: ``scenario``, ``step_index``, ``step_label``, ``force_model`` (``lunapole.orbit.ForceModel``),
    ``spacecraft`` (the ``[spacecraft]`` model), ``faults`` (those naming this step), ``terrain``.
    Change: ``state`` (the true ``lunapole.orbit.State`` — replace it when the step ends), append to
    ``segments`` (trajectories, in time order) and ``events``, set ``touchdown`` (descent), call
    :meth:`stop` to end the run with an outcome.
    """

    scenario: "Scenario"
    step_index: int
    step_label: str
    state: Any
    force_model: Any
    spacecraft: "Spacecraft"
    faults: tuple = ()
    segments: list = field(default_factory=list)
    events: list[RunEvent] = field(default_factory=list)
    terrain: Any = None
    progress: Callable[[str], None] | None = None
    outcome: str | None = None
    stop_reason: str = ""
    touchdown: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    # --- run control -------------------------------------------------------------------------
    def stop(self, outcome: str, reason: str = "") -> None:
        """End the run after this step with ``outcome`` (one of :data:`OUTCOMES`)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r} is not one of {OUTCOMES}")
        self.outcome = outcome
        self.stop_reason = reason

    @property
    def stopped(self) -> bool:
        """True once an executor has called :meth:`stop`."""
        return self.outcome is not None

    def report(self, text: str) -> None:
        """Progress message (goes to stderr in the CLI)."""
        if self.progress is not None:
            self.progress(text)

    @property
    def propellant_remaining_kg(self) -> float | None:
        """Usable propellant left (kg), or None when the scenario gives no dry mass/propellant."""
        usable = self.spacecraft.usable_propellant_kg
        if usable is None:
            return None
        return usable - (self.spacecraft.mass_kg - float(self.state.mass_kg))

    # --- faults --------------------------------------------------------------------------------
    def faults_of(self, fault_type: str) -> list:
        """The faults of ``fault_type`` attached to this step."""
        return [f for f in self.faults if f.type == fault_type]

    def nav_state(self):
        """The state as navigation sees it: the true state plus any ``nav_bias`` of this step."""
        from lunapole.orbit.state import State

        biases = self.faults_of("nav_bias")
        if not biases:
            return self.state
        dr = np.sum([b.position_m for b in biases], axis=0)
        dv = np.sum([b.velocity_m_s for b in biases], axis=0)
        s = self.state
        return State(s.epoch_tdb_s, np.asarray(s.r_m, float) + dr, np.asarray(s.v_m_s, float) + dv, s.mass_kg)

    # --- trajectories and events ----------------------------------------------------------
    def add_trajectory(self, traj) -> None:
        """Append an orbit ``Trajectory``: keep it, copy its events, move ``state`` to its end,
        and stop the run with ``impact`` if the propagation ended on the surface."""
        self.segments.append(traj)
        for ev in traj.events:
            self.events.append(
                RunEvent(
                    type=ev.type,
                    epoch_tdb_s=float(ev.epoch_tdb_s),
                    lat_deg=float(ev.lat_deg),
                    lon_deg=float(ev.lon_deg),
                    altitude_m=float(ev.altitude_m),
                    step=self.step_label,
                )
            )
        self.state = traj.final_state
        if traj.outcome == "impact":
            self.stop("impact", "the trajectory reached the surface")

    def add_event(self, event_type: str, state=None, **details: Any) -> RunEvent:
        """Record an event at ``state`` (default: the current state); lat/lon from MOON_ME."""
        state = self.state if state is None else state
        lat, lon, alt = selenographic_of(state, self.scenario.scenario.ephemeris)
        ev = RunEvent(event_type, float(state.epoch_tdb_s), lat, lon, alt, self.step_label, dict(details))
        self.events.append(ev)
        return ev


def selenographic_of(state, ephemeris: str | None = None) -> tuple[float, float, float]:
    """(lat_deg, lon_deg, altitude_m) of a J2000 state in MOON_ME, above the mean sphere."""
    from lunapole.astro import frames

    rot = frames.rotation("J2000", "MOON_ME", float(state.epoch_tdb_s), ephemeris=ephemeris)
    r_me = np.asarray(rot) @ np.asarray(state.r_m, dtype=float)
    lat, lon, height = frames.cartesian_to_selenographic(r_me)
    return float(lat), float(lon), float(height)


Executor = Callable[[Any, StepContext], "StepResult | None"]


@dataclass(frozen=True)
class StepType:
    """A registered step: its model class and executor."""

    type_name: str
    model: type[StepBase]
    execute: Executor


_REGISTRY: dict[str, StepType] = {}


def register_step(model: type[StepBase], execute: Executor) -> type[StepBase]:
    """Register a step model (its ``type`` literal is the key) and its executor."""
    annotation = model.model_fields["type"].annotation
    args = getattr(annotation, "__args__", ())
    if len(args) != 1 or not isinstance(args[0], str):
        raise TypeError(f"{model.__name__}.type must be Literal['<name>']")
    type_name = args[0]
    existing = _REGISTRY.get(type_name)
    if existing is not None and existing.model is not model:
        raise ValueError(f"step type {type_name!r} is already registered by {existing.model.__name__}")
    _REGISTRY[type_name] = StepType(type_name, model, execute)
    return model


def registered_steps() -> dict[str, StepType]:
    """Registered step types by name (registration order)."""
    return dict(_REGISTRY)
