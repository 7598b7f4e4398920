"""The generic per-sample model: apply a sample's drawn values as overrides and run the whole scenario.

Works for any scenario (coast arcs, finite burns, descents) at the cost of one full
:func:`lunapole.scenario.run.run_scenario` per sample. Standard inputs act on the step named by
``[dispersions] step`` (default: the only burn or descent step):

- ``engine.thrust_frac``: a ``thrust_scale`` fault (true/commanded thrust = 1 + frac) on a named
  finite_burn or powered_descent step, else every engine's ``thrust_n`` scaled; ``engine.isp_frac``: every engine's ``isp_s``
  scaled by 1 + frac; ``mass.initial_kg``: added to ``spacecraft.mass_kg`` (and to ``propellant_kg`` if
  given: dry mass fixed);
- ``timing.start_s``: added to the ``duration_s`` of the coast before the step; ``timing.duration_s``:
  added to the step's ``duration_s``;
- ``gravity.degree``: ``forces.gravity.degree`` (and order) of the true field;
- faults: ``engine_out`` -> an ``engine_out`` fault at ``time_frac`` x the step's nominal duration;
  ``no_cutoff`` -> a ``cutoff_failure`` fault (the burn runs to its ``backup_timer_s``).

Navigation errors, misalignment and gravity scaling need the descent batch model, or a ``nav_bias``
fault in the scenario whose fields are dispersed through ``[dispersions.values]``.

Outcome columns: the standard ones plus the final state (``final.epoch_tdb_s``, ``final.r_m.x|y|z``,
``final.v_m_s.x|y|z`` Moon-centred J2000, ``final.mass_kg``) and ``outcome``.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from lunapole.campaign.dispersions import DispersionSpec
from lunapole.campaign.models import CampaignJob, SampleModel
from lunapole.errors import LunapoleError, ScenarioError

SUPPORTED_STANDARD = {"engine.thrust_frac", "engine.isp_frac", "mass.initial_kg", "timing.start_s",
                      "timing.duration_s", "gravity.degree"}
BURN_TYPES = ("finite_burn", "impulsive_burn", "powered_descent")


def target_step(raw: dict, spec: DispersionSpec, source: str) -> int | None:
    """Index of the step the standard inputs and faults act on (None when the spec has none)."""
    if not spec.standard and not spec.faults:
        return None
    seq = raw.get("sequence") or []
    if spec.step is not None:
        for i, st in enumerate(seq):
            if isinstance(st, dict) and st.get("name") == spec.step:
                return i
        names = [st.get("name") for st in seq if isinstance(st, dict) and st.get("name")]
        raise ScenarioError(f"{source}: [dispersions] step = {spec.step!r}: no such step; named steps: {names}")
    burns = [i for i, st in enumerate(seq) if isinstance(st, dict) and st.get("type") in BURN_TYPES]
    if len(burns) != 1:
        raise ScenarioError(
            f"{source}: [dispersions] step: the scenario has {len(burns)} burn/descent steps; say which one the "
            "engine, mass, timing and fault dispersions act on with step = \"<step name>\""
        )
    return burns[0]


def check_supported(raw: dict, spec: DispersionSpec, source: str) -> None:
    """ScenarioError for standard inputs the generic path cannot apply."""
    bad = sorted(set(spec.standard) - SUPPORTED_STANDARD)
    if bad:
        raise ScenarioError(
            f"{source}: [dispersions] {', '.join(bad)}: not applicable when each sample runs the whole scenario "
            "(the generic model); they need a powered_descent step (descent batch model), or disperse the "
            "fields of a nav_bias fault through [dispersions.values]"
        )
    idx = target_step(raw, spec, source)
    if idx is None:
        return
    step = raw["sequence"][idx]
    if "timing.duration_s" in spec.standard and "duration_s" not in step:
        raise ScenarioError(f"{source}: [dispersions] timing.duration_s: step {step.get('name', idx)!r} has no "
                            "duration_s to disperse")
    if "timing.start_s" in spec.standard:
        prev = raw["sequence"][idx - 1] if idx > 0 else {}
        if prev.get("type") != "coast" or "duration_s" not in prev:
            raise ScenarioError(f"{source}: [dispersions] timing.start_s shifts the burn by changing the "
                                "duration_s of the coast step just before it; there is none")
    if "no_cutoff" in spec.faults and spec.faults["no_cutoff"].params.get("overrun_s") is not None:
        raise ScenarioError(f"{source}: [dispersions] faults.no_cutoff.overrun_s: in a scenario the burn runs to "
                            "its backup_timer_s (set that on the step; drop overrun_s)")
    if spec.faults and not step.get("name"):
        raise ScenarioError(f"{source}: [dispersions] faults need the target step to have a name (faults "
                            "address steps by name)")


def _east_north(td: dict) -> tuple[float, float]:
    """Touchdown point east/north of the target (m, on the 1737.4 km sphere, target's ENU axes)."""
    if td.get("east_m") is not None and td.get("north_m") is not None:
        return float(td["east_m"]), float(td["north_m"])
    keys = ("lat_deg", "lon_deg", "target_lat_deg", "target_lon_deg")
    if any(td.get(k) is None for k in keys):
        return float("nan"), float("nan")
    from lunapole.astro import frames

    p = frames.selenographic_to_cartesian_m(td["lat_deg"], td["lon_deg"])
    p0 = frames.selenographic_to_cartesian_m(td["target_lat_deg"], td["target_lon_deg"])
    enu = frames.enu_matrix(td["target_lat_deg"], td["target_lon_deg"]) @ (np.asarray(p) - np.asarray(p0))
    return float(enu[0]), float(enu[1])


class ScenarioModel(SampleModel):
    """Per sample: overrides + standard inputs on the raw dict, validate, run, read the outcome."""

    name = "scenario"

    def __init__(self, job: CampaignJob) -> None:
        from lunapole.scenario.load import scenario_from_dict
        from lunapole.scenario.overrides import apply_overrides
        from lunapole.scenario.run import run_scenario

        self._from_dict, self._apply, self._run = scenario_from_dict, apply_overrides, run_scenario
        self.spec = job.spec
        self.source = job.scenario_source
        self.raw = copy.deepcopy(job.raw)
        self.raw.pop("output", None)  # no ephemeris file per sample
        check_supported(self.raw, self.spec, self.source)
        self.step_index = target_step(self.raw, self.spec, self.source)
        sc = self._from_dict(self.raw, self.source)
        sp = sc.spacecraft
        self.dry_mass_kg = sp.dry_mass_kg if sp.dry_mass_kg is not None else (
            sp.mass_kg - sp.propellant_kg if sp.propellant_kg is not None else None)
        self.step_duration_s = None
        if self.step_index is not None and self.spec.faults.get("engine_out") is not None:
            nominal = self._run(sc, write_outputs=False)
            s = nominal.steps[self.step_index] if self.step_index < len(nominal.steps) else None
            self.step_duration_s = (s.end_tdb_s - s.start_tdb_s) if s is not None else None

    def _sample_raw(self, inputs: dict[str, np.ndarray], row: int) -> dict:
        raw, _ = self._apply(self.raw, self.spec.overrides(inputs, row))
        std = {k: float(inputs[f"in.{k}"][row]) for k in self.spec.standard}
        idx = self.step_index
        step = raw["sequence"][idx] if idx is not None else None
        faults = raw.setdefault("faults", [])
        if "engine.isp_frac" in std:
            for eng in raw["spacecraft"].get("engines", []):
                eng["isp_s"] = eng["isp_s"] * (1.0 + std["engine.isp_frac"])
        if "engine.thrust_frac" in std:  # true/commanded thrust: a thrust_scale fault where the step takes one
            scale = 1.0 + std["engine.thrust_frac"]
            if step.get("name") and step.get("type") in ("finite_burn", "powered_descent"):
                faults.append({"type": "thrust_scale", "step": step["name"], "scale": scale})
            else:
                for eng in raw["spacecraft"].get("engines", []):
                    eng["thrust_n"] = eng["thrust_n"] * scale
        if "mass.initial_kg" in std:
            sp = raw["spacecraft"]
            sp["mass_kg"] = sp["mass_kg"] + std["mass.initial_kg"]
            if "propellant_kg" in sp:
                sp["propellant_kg"] = sp["propellant_kg"] + std["mass.initial_kg"]
        if "timing.start_s" in std:
            raw["sequence"][idx - 1]["duration_s"] += std["timing.start_s"]
        if "timing.duration_s" in std:
            step["duration_s"] += std["timing.duration_s"]
        if "gravity.degree" in std:
            grav = raw.setdefault("forces", {}).setdefault("gravity", {"field": "point_mass"})
            grav["degree"] = int(std["gravity.degree"])
            grav["order"] = int(std["gravity.degree"])
        if "engine_out" in self.spec.faults and inputs["fault.engine_out"][row]:
            when = float(inputs["fault.engine_out.time_frac"][row]) * (self.step_duration_s or 0.0)
            faults.append({"type": "engine_out", "step": step["name"], "time_s": when})
        if "no_cutoff" in self.spec.faults and inputs["fault.no_cutoff"][row]:
            faults.append({"type": "cutoff_failure", "step": step["name"]})
        return raw

    def simulate(self, inputs: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        out: dict[str, Any] = {
            "success": np.zeros(n, bool), "failure_reason": np.full(n, "", dtype=object),
            "landing_east_m": np.full(n, np.nan), "landing_north_m": np.full(n, np.nan),
            "propellant_margin_kg": np.full(n, np.nan), "outcome": np.full(n, "", dtype=object),
            "final.epoch_tdb_s": np.full(n, np.nan), "final.mass_kg": np.full(n, np.nan),
        }
        for v in ("r_m", "v_m_s"):
            for c in "xyz":
                out[f"final.{v}.{c}"] = np.full(n, np.nan)
        for row in range(n):
            try:
                res = self._run(self._from_dict(self._sample_raw(inputs, row), self.source), write_outputs=False)
            except LunapoleError as exc:  # an infeasible sample is a failed sample, not a failed campaign
                out["failure_reason"][row] = f"error:{type(exc).__name__}"
                out["outcome"][row] = "error"
                continue
            fs = res.final_state
            out["outcome"][row] = res.outcome
            out["final.epoch_tdb_s"][row] = fs.epoch_tdb_s
            out["final.mass_kg"][row] = fs.mass_kg
            for k, c in enumerate("xyz"):
                out[f"final.r_m.{c}"][row] = fs.r_m[k]
                out[f"final.v_m_s.{c}"][row] = fs.v_m_s[k]
            if self.dry_mass_kg is not None:
                out["propellant_margin_kg"][row] = fs.mass_kg - self.dry_mass_kg
            td = res.touchdown
            if td is not None:
                ok = bool(td.get("success", False))
                out["success"][row] = ok
                out["failure_reason"][row] = "" if ok else str(td.get("failure_reason") or "failure")
                out["landing_east_m"][row], out["landing_north_m"][row] = _east_north(td)
            else:
                ok = res.outcome in ("completed", "landed")
                out["success"][row] = ok
                out["failure_reason"][row] = "" if ok else (res.outcome or "failure")
        return out
