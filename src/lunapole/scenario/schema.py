"""The scenario model: the TOML tables validated with pydantic (unknown keys forbidden everywhere).

The ``sequence`` item type is the discriminated union (on ``type``) of the registered step models
(:mod:`lunapole.scenario.steps`), so adding a step type needs no change here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, PrivateAttr, model_validator

from lunapole.errors import ScenarioError
from lunapole.scenario._fields import StrictModel
from lunapole.scenario.faults import Fault
from lunapole.scenario.sections import Forces, InitialState, Output, ScenarioMeta, Spacecraft
from lunapole.scenario.steps import registered_steps

STEP_MODELS = tuple(st.model for st in registered_steps().values())
Step = Annotated[Union[STEP_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]
"""One ``[[sequence]]`` entry: any registered step model, chosen by ``type``."""


class CrossFieldError(ScenarioError):
    """Errors that involve several tables (step names, faults, engines), each with its field path."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


class Scenario(StrictModel):
    """A whole scenario file. ``dispersions`` is kept as a free table for ``lunapole.campaign``."""

    scenario: ScenarioMeta
    spacecraft: Spacecraft
    initial_state: InitialState
    forces: Forces = Field(default_factory=Forces)
    sequence: list[Step] = Field(min_length=1)  # type: ignore[valid-type]
    faults: list[Fault] = Field(default_factory=list)  # type: ignore[valid-type]
    dispersions: dict[str, Any] | None = None
    # Published numbers a replay compares against (validated by lunapole.missions.published).
    replay: dict[str, Any] | None = None
    output: Output = Field(default_factory=Output)

    _source: Path | None = PrivateAttr(default=None)
    _base_dir: Path | None = PrivateAttr(default=None)
    _raw: dict[str, Any] | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file the scenario came from (None when built from a dict)."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Directory that relative output paths are resolved against."""
        if self._base_dir is not None:
            return self._base_dir
        return self._source.resolve().parent if self._source is not None else Path.cwd()

    @property
    def raw(self) -> dict[str, Any] | None:
        """The validated input dict (after overrides), for re-validation with more overrides."""
        return self._raw

    def step_label(self, index: int) -> str:
        """``sequence[i]`` plus the step name when it has one, for messages and events."""
        step = self.sequence[index]
        return f"sequence[{index}] ({step.name})" if step.name else f"sequence[{index}]"

    def step_index(self, name: str) -> int:
        """Index of the step called ``name`` (KeyError if none)."""
        for i, step in enumerate(self.sequence):
            if step.name == name:
                return i
        raise KeyError(name)

    def faults_for(self, index: int) -> tuple:
        """Faults attached to ``sequence[index]``."""
        name = self.sequence[index].name
        return tuple(f for f in self.faults if name is not None and f.step == name)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        problems: list[tuple[str, str]] = []
        names: dict[str, int] = {}
        engine_names = [e.name for e in self.spacecraft.engines]
        for i, step in enumerate(self.sequence):
            if step.name is not None:
                if step.name in names:
                    problems.append((f"sequence[{i}].name", f"{step.name!r} is already used by sequence[{names[step.name]}]; step names must be unique"))
                else:
                    names[step.name] = i
            engine = getattr(step, "engine", None)
            if "engine" in type(step).model_fields:
                needs_engine = getattr(type(step), "requires_engine", True)
                if not engine_names and needs_engine:
                    problems.append((f"sequence[{i}]", f"a {step.type} step needs an engine: add [[spacecraft.engines]] (name, thrust_n, isp_s)"))
                elif engine is not None and engine not in engine_names:
                    problems.append((f"sequence[{i}].engine", f"unknown engine {engine!r}; defined engines: {', '.join(engine_names)}" + _did_you_mean(engine, engine_names)))
        seen: set[tuple[str, str]] = set()
        for j, fault in enumerate(self.faults):
            if fault.step not in names:
                known = ", ".join(names) if names else "none (give steps a name = '...')"
                problems.append((f"faults[{j}].step", f"no step named {fault.step!r}; named steps: {known}" + _did_you_mean(fault.step, list(names))))
                continue
            step = self.sequence[names[fault.step]]
            model = type(step)
            if fault.type not in model.supported_faults:
                allowed = ", ".join(sorted(model.supported_faults)) or "none"
                problems.append((f"faults[{j}].type", f"a {step.type} step does not support {fault.type!r} faults; it supports: {allowed}"))
                continue
            if (fault.type, fault.step) in seen:
                problems.append((f"faults[{j}]", f"a second {fault.type!r} fault on step {fault.step!r}; combine them into one"))
            seen.add((fault.type, fault.step))
            if fault.type == "engine_out" and fault.engine is not None and fault.engine not in engine_names:
                problems.append((f"faults[{j}].engine", f"unknown engine {fault.engine!r}; defined engines: {', '.join(engine_names) or 'none'}" + _did_you_mean(fault.engine, engine_names)))
                continue
            check = getattr(step, "check_fault", None)
            if check is not None:
                msg = check(fault, self.spacecraft)
                if msg:
                    problems.append((f"faults[{j}]", msg))
        if problems:
            raise CrossFieldError(problems)
        return self


def _did_you_mean(word: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
