"""Sample models: turn a chunk of drawn inputs into outcomes.

A model is built once per worker process from a :class:`CampaignJob` (plain, picklable data) and then
called chunk after chunk with ``simulate(inputs) -> outcomes``, both dicts of equal-length arrays.

Outcome columns every model returns (others may follow):

- ``success`` (bool), ``failure_reason`` (str, ``""`` on success)
- ``landing_east_m``, ``landing_north_m``: touchdown point relative to the target, metres east/north
  (NaN where there is no touchdown)
- ``propellant_margin_kg``: usable propellant left at the end (NaN where not defined)

Models: ``descent_batch`` (the numba batch descent kernel of :mod:`lunapole.descent.batch`, all samples of
a chunk advanced together), ``scenario`` (generic: per sample, apply the drawn values as overrides and run
the scenario), or ``package.module:function`` (a custom vectorized function ``f(raw_scenario, inputs) ->
outcomes``, used for stand-ins and quick studies).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from lunapole.campaign.dispersions import DispersionSpec
from lunapole.errors import ScenarioError

STANDARD_OUTCOMES = ("success", "failure_reason", "landing_east_m", "landing_north_m", "propellant_margin_kg")


@dataclass(frozen=True)
class CampaignJob:
    """Everything a worker needs to compute any chunk of a campaign (picklable, small)."""

    scenario_text: str
    scenario_source: str
    raw: dict
    spec: DispersionSpec
    seed: int
    model: str
    key: str  # campaign hash: caches built models per process


class SampleModel:
    """Base class: ``simulate(inputs) -> outcomes`` on a chunk."""

    name = "base"

    def simulate(self, inputs: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def before_fork(self) -> None:
        """Called in the coordinating process before it forks the worker pool (work every worker would
        otherwise repeat). Must not start numba's thread pool. Default: nothing."""


class CustomModel(SampleModel):
    """A user function ``f(raw_scenario: dict, inputs: dict[str, ndarray]) -> dict[str, ndarray]``."""

    def __init__(self, job: CampaignJob) -> None:
        self.name = job.model
        self.raw = job.raw
        self.fn = load_callable(job.model, job.scenario_source)

    def simulate(self, inputs: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        return self.fn(self.raw, inputs)


def load_callable(target: str, source: str) -> Callable[..., Any]:
    """Import ``package.module:function``; a ScenarioError that names it when that fails."""
    module_name, _, attr = target.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ScenarioError(
            f"{source}: [dispersions] model = {target!r}: cannot import it ({exc}); give "
            "'package.module:function' importable on every worker"
        ) from None
    if not callable(fn):
        raise ScenarioError(f"{source}: [dispersions] model = {target!r} is not callable")
    return fn


def choose_model(raw: dict, spec: DispersionSpec, source: str) -> str:
    """The model a campaign uses: the spec's choice, else ``descent_batch`` where it applies, else ``scenario``."""
    if spec.model != "auto":
        if spec.model == "descent_batch":
            from lunapole.campaign import descent_model

            descent_model.check_applicable(raw, spec, source)
        if spec.model == "scenario":
            from lunapole.campaign.scenario_model import check_supported

            check_supported(raw, spec, source)
        return spec.model
    from lunapole.campaign import descent_model

    if descent_model.is_applicable(raw, spec):
        return "descent_batch"
    from lunapole.campaign.scenario_model import check_supported

    check_supported(raw, spec, source)
    return "scenario"


def build_model(job: CampaignJob) -> SampleModel:
    """Instantiate the model of a job (once per worker process; see runner's cache)."""
    if job.model == "descent_batch":
        from lunapole.campaign.descent_model import DescentBatchModel

        return DescentBatchModel(job)
    if job.model == "scenario":
        from lunapole.campaign.scenario_model import ScenarioModel

        return ScenarioModel(job)
    return CustomModel(job)


def normalize_outcomes(out: dict[str, Any], n: int, model: str) -> dict[str, np.ndarray]:
    """Check a model's outcome dict and fill missing standard columns (NaN / "")."""
    if "success" not in out:
        raise ScenarioError(f"sample model {model!r} returned no 'success' column")
    res: dict[str, np.ndarray] = {}
    res["success"] = np.asarray(out["success"], dtype=bool).reshape(n)
    reason = out.get("failure_reason")
    if reason is None:
        reason = np.where(res["success"], "", "failure")
    res["failure_reason"] = np.asarray(reason, dtype=object).reshape(n).astype(str)
    for col in ("landing_east_m", "landing_north_m", "propellant_margin_kg"):
        res[col] = np.asarray(out.get(col, np.full(n, np.nan)), dtype=float).reshape(n)
    for col, val in out.items():
        if col in res:
            continue
        arr = np.asarray(val)
        if arr.shape != (n,):
            raise ScenarioError(f"sample model {model!r}: column {col!r} has shape {arr.shape}, expected ({n},)")
        res[col] = arr
    return res
