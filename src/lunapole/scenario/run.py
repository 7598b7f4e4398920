"""Running a scenario: initial state and force model from the tables, then each step's executor.

``run_scenario(scenario) -> RunResult``; ``RunResult.to_json_dict()`` is the machine-readable
summary (``lunapole run --json``); the trajectory segments stay on the object for reports.
"""
from __future__ import annotations

import dataclasses
import math
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.errors import EphemerisCoverageError, ScenarioError
from lunapole.scenario.schema import Scenario
from lunapole.scenario.steps import RunEvent, StepContext, StepResult, registered_steps

Progress = Callable[[str], None]


def tdb_iso(et: float) -> str:
    """``YYYY-MM-DDThh:mm:ss.fff TDB`` for TDB seconds past J2000."""
    from lunapole.astro.time import tdb_s_to_tdb_iso

    return f"{tdb_s_to_tdb_iso(float(et), 3)} TDB"


def initial_state(scn: Scenario):
    """The Moon-centred J2000 :class:`~lunapole.orbit.state.State` at the scenario epoch."""
    from lunapole.astro.time import parse_epoch
    from lunapole.orbit.elements import keplerian_to_state
    from lunapole.orbit.state import State

    et = parse_epoch(scn.scenario.epoch)
    ini = scn.initial_state
    mass = scn.spacecraft.mass_kg
    if ini.type == "keplerian":
        if ini.sma_km is not None:
            a_m, ecc = ini.sma_km * 1e3, ini.ecc
        else:
            rp = MOON_MEAN_RADIUS_M + ini.periapsis_alt_km * 1e3
            ra = MOON_MEAN_RADIUS_M + ini.apoapsis_alt_km * 1e3
            a_m, ecc = 0.5 * (rp + ra), (ra - rp) / (ra + rp)
        return keplerian_to_state(a_m, ecc, ini.inc_deg, ini.raan_deg, ini.argp_deg, ini.ta_deg,
                                  epoch_tdb_s=et, mass_kg=mass, mu=MOON_GM_M3_S2)
    if ini.type == "selenographic":
        from lunapole.astro import frames

        r = frames.selenographic_to_cartesian_m(ini.lat_deg, ini.lon_deg, ini.altitude_km * 1e3)
        v = frames.enu_matrix(ini.lat_deg, ini.lon_deg).T @ (np.asarray(ini.velocity_enu_km_s, float) * 1e3)
    else:
        r = np.asarray(ini.position_km, float) * 1e3
        v = np.asarray(ini.velocity_km_s, float) * 1e3
    if ini.frame == "MOON_ME":
        from lunapole.astro import frames

        x = frames.state_rotation("MOON_ME", "J2000", et, ephemeris=scn.scenario.ephemeris) @ np.concatenate([r, v])
        r, v = x[:3], x[3:]
    return State(et, r, v, mass)


def force_model(scn: Scenario):
    """The :class:`~lunapole.orbit.forces.ForceModel` of ``[forces]`` (relative field paths: scenario dir)."""
    from lunapole.orbit.forces import ForceModel

    forces = scn.forces
    grav = forces.gravity
    field_obj = None
    if not grav.is_point_mass:
        from lunapole.gravity import CATALOG, load_field

        name: str | Path = grav.field
        if grav.field.upper() not in CATALOG:
            p = Path(grav.field).expanduser()
            name = p if p.is_absolute() else (scn.base_dir / p)
        from lunapole.errors import DataError

        try:
            field_obj = load_field(name, degree=grav.degree, order=grav.order)
        except DataError as exc:  # name the scenario field that chose this file
            raise DataError(f"{_where(scn)}, forces.gravity (field = {grav.field!r}, degree {grav.degree}): "
                            f"{exc}") from None
    srp = (forces.srp.area_m2, forces.srp.cr) if forces.srp is not None else None
    if srp is not None and "SUN" not in forces.third_bodies:
        raise ScenarioError(
            f"{_where(scn)}: forces.srp needs the Sun's position: add \"SUN\" to forces.third_bodies"
        )
    return ForceModel(field=field_obj, body_frame=grav.body_frame, third_bodies=tuple(forces.third_bodies),
                      srp=srp, ephemeris=scn.scenario.ephemeris)


def _where(scn: Scenario) -> str:
    return f"scenario {str(scn.source)!r}" if scn.source is not None else f"scenario {scn.scenario.name!r}"


def osculating(state) -> dict[str, float]:
    """Two-body osculating elements (Moon GM) with apsis altitudes above the 1737.4 km sphere."""
    from lunapole.orbit.elements import elements_from_state

    el = elements_from_state(state, MOON_GM_M3_S2)
    rp = el.periapsis_radius_m()
    ra = el.apoapsis_radius_m()
    return {
        "sma_km": el.a_m / 1e3,
        "ecc": el.e,
        "inc_deg": el.i_deg,
        "raan_deg": el.raan_deg,
        "argp_deg": el.argp_deg,
        "ta_deg": el.ta_deg,
        "periapsis_alt_km": (rp - MOON_MEAN_RADIUS_M) / 1e3,
        "apoapsis_alt_km": (ra - MOON_MEAN_RADIUS_M) / 1e3 if math.isfinite(ra) else math.inf,
        "period_s": el.period_s(MOON_GM_M3_S2),
    }


@dataclass
class StepSummary:
    """One executed step: timing, dV, propellant, mass and osculating elements after it."""

    index: int
    name: str | None
    type: str
    start_tdb_s: float
    end_tdb_s: float
    dv_m_s: float
    propellant_kg: float
    mass_kg: float
    elements: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "type": self.type,
            "start_epoch": tdb_iso(self.start_tdb_s),
            "end_epoch": tdb_iso(self.end_tdb_s),
            "duration_s": self.end_tdb_s - self.start_tdb_s,
            "dv_m_s": self.dv_m_s,
            "propellant_kg": self.propellant_kg,
            "mass_kg": self.mass_kg,
            "elements": _jsonable(self.elements),
            "details": _jsonable(self.details),
        }


@dataclass
class RunResult:
    """Outcome of :func:`run_scenario`. ``segments`` holds the orbit ``Trajectory`` objects (and any
    descent trajectories) in time order for reports; they are not part of the JSON."""

    scenario: Scenario
    outcome: str
    stop_reason: str
    initial_state: Any
    final_state: Any
    events: list[RunEvent]
    steps: list[StepSummary]
    segments: list
    touchdown: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    wall_time_s: float = 0.0

    @property
    def final_mass_kg(self) -> float:
        return float(self.final_state.mass_kg)

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict: outcome, final state (Moon-centred J2000, km), events, step summaries."""
        fs = self.final_state
        out: dict[str, Any] = {
            "scenario": self.scenario.scenario.name,
            "source": str(self.scenario.source) if self.scenario.source is not None else None,
            "outcome": self.outcome,
            "stop_reason": self.stop_reason,
            "initial_epoch": tdb_iso(self.initial_state.epoch_tdb_s),
            "final_state": {
                "epoch": tdb_iso(fs.epoch_tdb_s),
                "center": "MOON",
                "frame": "J2000",
                "position_km": (np.asarray(fs.r_m) / 1e3).tolist(),
                "velocity_km_s": (np.asarray(fs.v_m_s) / 1e3).tolist(),
            },
            "final_mass_kg": float(fs.mass_kg),
            "final_elements": _jsonable(osculating(fs)),
            "total_dv_m_s": float(sum(s.dv_m_s for s in self.steps)),
            "total_propellant_kg": float(sum(s.propellant_kg for s in self.steps)),
            "events": [
                {
                    "type": e.type,
                    "epoch": tdb_iso(e.epoch_tdb_s),
                    "lat_deg": _num(e.lat_deg),
                    "lon_deg": _num(e.lon_deg),
                    "altitude_km": _num(e.altitude_m / 1e3),
                    "step": e.step,
                    **({"details": _jsonable(e.details)} if e.details else {}),
                }
                for e in self.events
            ],
            "steps": [s.to_json_dict() for s in self.steps],
            "warnings": list(self.warnings),
            "outputs": dict(self.outputs),
            "wall_time_s": self.wall_time_s,
        }
        if self.touchdown is not None:
            out["touchdown"] = _jsonable(self.touchdown)
        return out


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _jsonable(obj: Any) -> Any:
    """numpy/inf -> JSON: arrays to lists, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return _num(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)  # anything else an executor put in details: keep the JSON valid


def _check_start_epoch(scenario: Scenario, epoch_tdb_s: float) -> None:
    """Fail before any step when the start epoch lies outside the ephemeris, naming the file and field."""
    from lunapole.astro.ephemeris import check_coverage

    try:
        check_coverage(epoch_tdb_s, scenario.scenario.ephemeris)
    except EphemerisCoverageError as exc:
        where = repr(str(scenario.source)) if scenario.source is not None else "(from a dict)"
        raise EphemerisCoverageError(
            f"scenario {where}: scenario.epoch = {scenario.scenario.epoch!r} cannot be simulated: {exc}"
        ) from None


LOWEST_SURFACE_M = MOON_MEAN_RADIUS_M - 10_000.0
"""Below any lunar terrain (the deepest point, in Antoniadi crater, is about 9.1 km under the mean sphere)."""


def _check_start_radius(scenario: Scenario, state0) -> None:
    """A start state inside the Moon is an input mistake (e.g. sma_km given as an altitude): say which table."""
    r_m = float(np.linalg.norm(state0.r_m))
    if r_m < LOWEST_SURFACE_M:
        raise ScenarioError(
            f"{_where(scenario)}: initial_state puts the spacecraft inside the Moon (radius {r_m / 1e3:.1f} km, "
            f"altitude {(r_m - MOON_MEAN_RADIUS_M) / 1e3:.1f} km above the 1737.4 km sphere); sma_km and "
            "position_km are measured from the Moon's centre (or give periapsis_alt_km/apoapsis_alt_km)"
        )


def run_scenario(scenario: Scenario, progress: Progress | None = None, terrain: Any = None,
                 write_outputs: bool = True) -> RunResult:
    """Execute ``scenario.sequence`` in order; stop early when a step ends the run (impact, landing).

    ``progress(text)`` receives one line per step. ``terrain`` is handed to executors (descent).
    ``write_outputs`` writes ``[output]`` files (ephemeris).
    """
    t_wall = _time.perf_counter()
    registry = registered_steps()
    state0 = initial_state(scenario)
    _check_start_epoch(scenario, state0.epoch_tdb_s)
    _check_start_radius(scenario, state0)
    if write_outputs:
        from lunapole.scenario.output import check_output_paths

        check_output_paths(scenario)
    fm = force_model(scenario)
    ctx = StepContext(scenario=scenario, step_index=-1, step_label="", state=state0, force_model=fm,
                      spacecraft=scenario.spacecraft, terrain=terrain, progress=progress)
    summaries: list[StepSummary] = []
    n = len(scenario.sequence)
    for i, step in enumerate(scenario.sequence):
        ctx.step_index = i
        ctx.step_label = scenario.step_label(i)
        ctx.faults = scenario.faults_for(i)
        ctx.report(f"[{i + 1}/{n}] {step.type} {ctx.step_label}")
        start = ctx.state
        try:
            result = registry[step.type].execute(step, ctx) or StepResult()
        except EphemerisCoverageError as exc:  # the run outlives the ephemeris: say which file and step
            raise EphemerisCoverageError(f"{_where(scenario)}, {ctx.step_label}: the run leaves the ephemeris "
                                         f"span: {exc}") from None
        end = ctx.state
        summaries.append(StepSummary(
            index=i, name=step.name, type=step.type, start_tdb_s=start.epoch_tdb_s, end_tdb_s=end.epoch_tdb_s,
            dv_m_s=float(result.dv_m_s), propellant_kg=float(result.propellant_kg), mass_kg=float(end.mass_kg),
            elements=osculating(end), details=dict(result.details),
        ))
        if ctx.stopped:
            if i < n - 1:
                ctx.warnings.append(f"run ended at {ctx.step_label} ({ctx.outcome}); {n - 1 - i} later step(s) not run")
            break
    result = RunResult(
        scenario=scenario, outcome=ctx.outcome or "completed", stop_reason=ctx.stop_reason,
        initial_state=state0, final_state=ctx.state, events=ctx.events, steps=summaries, segments=ctx.segments,
        touchdown=ctx.touchdown, warnings=ctx.warnings,
    )
    if write_outputs and scenario.output.ephemeris is not None:
        from lunapole.scenario.output import write_ephemeris

        path = write_ephemeris(result)
        result.outputs["ephemeris"] = str(path)
        ctx.report(f"wrote {path}")
    result.wall_time_s = _time.perf_counter() - t_wall
    return result
