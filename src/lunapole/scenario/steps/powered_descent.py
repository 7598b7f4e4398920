"""``powered_descent``: closed-loop powered descent from the current orbit state to touchdown.

The step converts the J2000 ``State`` to TARGET_ENU (Moon-fixed, around the target), flies the phase
list (default: Chandrayaan-3-like rough braking, attitude hold, fine braking, terminal descent) with
:mod:`lunapole.descent`, sets ``ctx.touchdown`` and ends the run ``landed`` or ``crashed``. Faults:
``engine_out`` (time after ignition), ``thrust_scale``, ``nav_bias`` (J2000 bias, rotated to TARGET_ENU).
Terrain: when the run has terrain with ``slope_deg_at(lat_deg, lon_deg)``, the touchdown slope is checked.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from lunapole.scenario._fields import StrictModel
from lunapole.scenario.steps.base import StepBase, StepContext, StepResult, register_step


class DescentTarget(StrictModel):
    """Landing target: ``lat_deg``/``lon_deg`` (MOON_ME, planetocentric) or ``downrange_km``/``crossrange_km``
    from the point under the vehicle at ignition (along / left of its ground track)."""

    lat_deg: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon_deg: float | None = Field(default=None, ge=-360.0, le=360.0)
    downrange_km: float | None = Field(default=None, gt=0.0, le=3000.0)
    crossrange_km: float = 0.0

    @model_validator(mode="after")
    def _one_form(self) -> "DescentTarget":
        latlon = self.lat_deg is not None or self.lon_deg is not None
        if latlon and (self.lat_deg is None or self.lon_deg is None):
            raise ValueError("target needs both lat_deg and lon_deg")
        if latlon == (self.downrange_km is not None):
            raise ValueError("target: give either lat_deg/lon_deg or downrange_km (not both, not neither)")
        return self


class PhaseSpec(StrictModel):
    """One phase (see ``lunapole.descent.plan.Phase``; units in the names)."""

    name: str = Field(min_length=1)
    guidance: Literal["polynomial", "attitude_hold", "terminal", "gravity_turn"]
    max_tilt_deg: float = Field(default=180.0, gt=0.0, le=180.0)
    exit_tgo_s: float = Field(default=2.0, ge=0.0)
    exit_altitude_m: float | None = None
    target_position_m: list[float] = Field(default_factory=lambda: [0.0, 0.0, 0.0], min_length=3, max_length=3)
    target_velocity_m_s: list[float] = Field(default_factory=lambda: [0.0, 0.0, 0.0], min_length=3, max_length=3)
    target_acceleration_m_s2: list[float | None] = Field(default_factory=lambda: [None, 0.0, 0.0], min_length=3,
                                                         max_length=3)
    target_jerk_m_s3: float = 0.0
    throttle: float | None = Field(default=None, ge=0.0, le=1.0)
    duration_s: float = Field(default=0.0, ge=0.0)
    touchdown_rate_m_s: float = Field(default=1.0, gt=0.0)
    max_descent_rate_m_s: float = Field(default=5.0, gt=0.0)
    tau_s: float = Field(default=8.0, gt=0.0)
    horizontal_gain_1_s: float = Field(default=0.1, gt=0.0)


class PoweredDescentStep(StepBase):
    """Powered descent to ``target``. ``guidance``: ``polynomial`` (phased Apollo-style guidance, the whole
    descent from orbit) or ``convex`` (fuel-optimal, flat ground: starts below ``15 km`` only).
    ``phases`` (polynomial): ordered phase tables; default Chandrayaan-3-like. Navigation errors:
    white noise sigmas and an altimeter bias; ``misalignment_deg`` of the thrust; ``seed`` for the noise.
    ``ignition_range_km``: first coast (two-body) until the ground range to a lat/lon target falls to this
    value (e.g. 750 km for the default Chandrayaan-3-like phases), then ignite.
    ``gravity = "scenario"`` flies the polynomial descent in the scenario's spherical-harmonic field (``[forces]
    gravity``, truncated to ``gravity_degree``) instead of central gravity (guidance still assumes central)."""

    type: Literal["powered_descent"]
    target: DescentTarget
    guidance: Literal["polynomial", "convex"] = "polynomial"
    phases: list[PhaseSpec] | None = None
    dt_s: float = Field(default=0.1, gt=0.0, le=1.0)
    guidance_hz: float = Field(default=10.0, gt=0.0, le=100.0)
    max_time_s: float = Field(default=1800.0, gt=0.0)
    convex_resolve_s: float | None = Field(default=2.0, gt=0.0)
    convex_nodes: int = Field(default=30, ge=5, le=400)
    glide_slope_deg: float | None = Field(default=None, ge=0.0, lt=90.0)
    nav_position_sigma_m: float = Field(default=0.0, ge=0.0)
    nav_velocity_sigma_m_s: float = Field(default=0.0, ge=0.0)
    altimeter_sigma_m: float = Field(default=0.0, ge=0.0)
    altimeter_bias_m: float = 0.0
    misalignment_deg: list[float] = Field(default_factory=lambda: [0.0, 0.0], min_length=2, max_length=2)
    seed: int = Field(default=0, ge=0)
    gravity: Literal["central", "scenario"] = "central"
    gravity_degree: int = Field(default=20, ge=2, le=200)
    ignition_range_km: float | None = Field(default=None, gt=0.0, le=3000.0)
    supported_faults: ClassVar[frozenset[str]] = frozenset({"engine_out", "thrust_scale", "nav_bias"})

    @model_validator(mode="after")
    def _guidance_options(self) -> "PoweredDescentStep":
        if self.ignition_range_km is not None and self.target.lat_deg is None:
            raise ValueError("ignition_range_km needs a lat_deg/lon_deg target (a downrange_km target is "
                             "already measured from the ignition point)")
        if self.phases is not None:
            if self.guidance != "polynomial":
                raise ValueError("phases are only used with guidance = 'polynomial'")
            if not self.phases or self.phases[-1].guidance != "terminal":
                raise ValueError("the last phase must have guidance = 'terminal' (it is the one that lands)")
        return self


def _plan(step: PoweredDescentStep):
    from lunapole.descent.plan import DescentPlan, Phase, default_lunar_plan

    if step.phases is None:
        return default_lunar_plan()
    phases = []
    for p in step.phases:
        acc = tuple(math.nan if a is None else float(a) for a in p.target_acceleration_m_s2)
        phases.append(Phase(
            name=p.name, guidance=p.guidance, max_tilt_deg=p.max_tilt_deg, exit_tgo_s=p.exit_tgo_s,
            exit_altitude_m=-math.inf if p.exit_altitude_m is None else p.exit_altitude_m,
            target_position_m=tuple(p.target_position_m), target_velocity_m_s=tuple(p.target_velocity_m_s),
            target_acceleration_m_s2=acc, target_jerk_m_s3=p.target_jerk_m_s3,
            throttle=math.nan if p.throttle is None else p.throttle, duration_s=p.duration_s,
            touchdown_rate_m_s=p.touchdown_rate_m_s, max_descent_rate_m_s=p.max_descent_rate_m_s, tau_s=p.tau_s,
            horizontal_gain_1_s=p.horizontal_gain_1_s,
        ))
    return DescentPlan(tuple(phases))


def _target_latlon(step: PoweredDescentStep, ctx: StepContext) -> tuple[float, float]:
    """Target lat/lon; a downrange/crossrange target is measured along the ground track at ignition."""
    from lunapole.astro import frames
    from lunapole.astro.constants import MOON_MEAN_RADIUS_M

    t = step.target
    if t.lat_deg is not None:
        return float(t.lat_deg), float(t.lon_deg)
    s = ctx.state
    m = frames.state_rotation("J2000", "MOON_ME", s.epoch_tdb_s)
    x = m @ np.concatenate([s.r_m, s.v_m_s])
    up = x[:3] / np.linalg.norm(x[:3])
    vh = x[3:] - np.dot(x[3:], up) * up
    along = vh / np.linalg.norm(vh)
    left = np.cross(up, along)
    ang_d = t.downrange_km * 1e3 / MOON_MEAN_RADIUS_M
    ang_c = t.crossrange_km * 1e3 / MOON_MEAN_RADIUS_M
    p = math.cos(ang_d) * up + math.sin(ang_d) * along
    p = math.cos(ang_c) * p + math.sin(ang_c) * left
    lat, lon, _ = frames.cartesian_to_selenographic(p * MOON_MEAN_RADIUS_M)
    return float(lat), float(lon)


def _ground_range_m(epochs, r_j2000, lat0: float, lon0: float) -> np.ndarray:
    """Great-circle distance (m, on the mean sphere) from the sub-vehicle points to the target."""
    from lunapole.astro import frames
    from lunapole.astro.constants import MOON_MEAN_RADIUS_M

    rot = np.asarray(frames.rotation("J2000", "MOON_ME", np.asarray(epochs, float)))
    r_me = np.einsum("nij,nj->ni", rot.reshape(-1, 3, 3), np.atleast_2d(r_j2000))
    u = r_me / np.linalg.norm(r_me, axis=1, keepdims=True)
    t = np.asarray(frames.selenographic_to_cartesian_m(lat0, lon0, 0.0, 1.0))
    return MOON_MEAN_RADIUS_M * np.arccos(np.clip(u @ t, -1.0, 1.0))


def _coast_to_ignition(step: PoweredDescentStep, ctx: StepContext, lat0: float, lon0: float) -> None:
    """Two-body coast until the ground range to the target falls to ``ignition_range_km`` (within one orbit)."""
    from lunapole.astro.constants import MOON_GM_M3_S2
    from lunapole.errors import InfeasibleError
    from lunapole.orbit import State
    from lunapole.orbit.elements import kepler_propagate

    s = ctx.state
    r, v = np.asarray(s.r_m, float), np.asarray(s.v_m_s, float)
    inv_a = 2.0 / np.linalg.norm(r) - (v @ v) / MOON_GM_M3_S2
    period = 2 * math.pi / math.sqrt(MOON_GM_M3_S2 * inv_a ** 3) if inv_a > 0 else 7200.0
    ts = np.arange(0.0, period + 5.0, 5.0)
    rs = np.array([kepler_propagate(r, v, t)[0] for t in ts])
    rng = _ground_range_m(s.epoch_tdb_s + ts, rs, lat0, lon0)
    want = step.ignition_range_km * 1e3
    idx = np.flatnonzero((rng[:-1] >= want) & (rng[1:] < want))
    if idx.size == 0:
        k = int(np.argmin(rng))
        raise InfeasibleError(
            f"{ctx.step_label}: ignition_range_km: the ground track never comes within {step.ignition_range_km:.0f} km "
            f"of the target during the next orbit (closest {rng[k] / 1e3:.0f} km, {ts[k]:.0f} s after the step starts); "
            "move the target, change the orbit or raise ignition_range_km"
        )
    lo, hi = ts[idx[0]], ts[idx[0] + 1]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        rm = kepler_propagate(r, v, mid)[0]
        if _ground_range_m([s.epoch_tdb_s + mid], rm, lat0, lon0)[0] >= want:
            lo = mid
        else:
            hi = mid
    r1, v1 = kepler_propagate(r, v, hi)
    ctx.state = State(s.epoch_tdb_s + hi, r1, v1, s.mass_kg)
    ctx.report(f"coasted {hi:.1f} s (two-body) to ignition {step.ignition_range_km:.0f} km from the target")


def _slope_fn(ctx: StepContext, lat0: float, lon0: float):
    terrain = ctx.terrain
    fn = getattr(terrain, "slope_deg_at", None) if terrain is not None else None
    if fn is None:
        return None
    from lunapole.descent.frames import enu_to_selenographic

    def slope(east_m: float, north_m: float) -> float:
        lat, lon, _ = enu_to_selenographic(np.array([east_m, north_m, 0.0]), lat0, lon0)
        return float(fn(lat, lon))

    return slope


def _precheck(vehicle, mass_kg: float, v0_m_s, label: str) -> None:
    """Vehicle-design infeasibility (before any flying): thrust cannot hold the dry mass, or the whole
    propellant load cannot even cancel the start velocity (ideal rocket equation, no gravity losses)."""
    from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
    from lunapole.errors import InfeasibleError

    g = MOON_GM_M3_S2 / MOON_MEAN_RADIUS_M ** 2
    if vehicle.max_thrust_n < vehicle.dry_mass_kg * g:
        raise InfeasibleError(
            f"{label}: thrust: maximum thrust {vehicle.max_thrust_n:.0f} N cannot hold even the dry mass "
            f"{vehicle.dry_mass_kg:.0f} kg in lunar gravity (needs {vehicle.dry_mass_kg * g:.0f} N, short by "
            f"{vehicle.dry_mass_kg * g - vehicle.max_thrust_n:.0f} N)"
        )
    dv_cap = vehicle.exhaust_velocity_m_s * math.log(mass_kg / vehicle.dry_mass_kg)
    speed = float(np.linalg.norm(v0_m_s))
    if dv_cap < speed:
        need = vehicle.dry_mass_kg * (math.exp(speed / vehicle.exhaust_velocity_m_s) - 1.0)
        raise InfeasibleError(
            f"{label}: propellant: {mass_kg - vehicle.dry_mass_kg:.0f} kg gives {dv_cap:.0f} m/s, less than the "
            f"{speed:.0f} m/s surface-relative speed to cancel (needs at least {need:.0f} kg, short by "
            f"{need - (mass_kg - vehicle.dry_mass_kg):.0f} kg before gravity losses)"
        )


def execute(step: PoweredDescentStep, ctx: StepContext) -> StepResult:
    """Fly the descent; set ``ctx.touchdown``; stop the run ``landed`` or ``crashed``."""
    from lunapole.astro import frames
    from lunapole.astro.constants import G0_M_S2, MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
    from lunapole.astro.time import tdb_s_to_utc_iso
    from lunapole.descent.batch import Environment
    from lunapole.descent.frames import enu_to_selenographic, state_to_target_enu, target_enu_to_state
    from lunapole.descent.simulate import DescentErrors, simulate_convex_descent, simulate_descent
    from lunapole.descent.vehicle import Vehicle
    from lunapole.errors import ScenarioError
    from lunapole.orbit import State

    vehicle = Vehicle.from_spacecraft(ctx.spacecraft, name="spacecraft")
    if ctx.state.mass_kg <= vehicle.dry_mass_kg:
        raise ScenarioError(
            f"{ctx.step_label}: mass {ctx.state.mass_kg:.1f} kg at ignition is not above dry_mass_kg "
            f"{vehicle.dry_mass_kg:.1f} kg; no propellant left for the descent"
        )
    lat0, lon0 = _target_latlon(step, ctx)
    if step.ignition_range_km is not None:
        _coast_to_ignition(step, ctx, lat0, lon0)
    s0 = ctx.state
    vehicle = vehicle.with_changes(propellant_kg=s0.mass_kg - vehicle.dry_mass_kg)
    r0, v0 = state_to_target_enu(s0.epoch_tdb_s, s0.r_m, s0.v_m_s, lat0, lon0)

    # faults
    thrust_scale = 1.0
    for f in ctx.faults_of("thrust_scale"):
        thrust_scale *= float(f.scale)
    t_out = min([float(f.time_s) for f in ctx.faults_of("engine_out")], default=math.inf)
    bias_r = np.zeros(3)
    bias_v = np.zeros(3)
    nav = ctx.faults_of("nav_bias")
    if nav:
        rot = frames.enu_matrix(lat0, lon0) @ frames.rotation("J2000", "MOON_ME", s0.epoch_tdb_s)
        bias_r = rot @ np.sum([b.position_m for b in nav], axis=0)
        bias_v = rot @ np.sum([b.velocity_m_s for b in nav], axis=0)
    errors = DescentErrors(
        thrust_scale=thrust_scale, misalign_rad=tuple(math.radians(a) for a in step.misalignment_deg),
        nav_pos_bias_m=tuple(bias_r), nav_vel_bias_m_s=tuple(bias_v), nav_alt_bias_m=step.altimeter_bias_m,
        nav_pos_sigma_m=step.nav_position_sigma_m, nav_vel_sigma_m_s=step.nav_velocity_sigma_m_s,
        nav_alt_sigma_m=step.altimeter_sigma_m, engine_out_time_s=t_out, seed=step.seed,
    )
    _precheck(vehicle, s0.mass_kg, v0, ctx.step_label)
    slope_fn = _slope_fn(ctx, lat0, lon0)
    alt0_m = enu_to_selenographic(r0, lat0, lon0)[2]
    ctx.report(f"powered descent to {lat0:.4f}, {lon0:.4f} from {np.linalg.norm(r0[:2]) / 1e3:.1f} km away, "
               f"{alt0_m / 1e3:.1f} km altitude, {np.linalg.norm(v0):.0f} m/s")
    ctx.add_event("powered_descent_start", s0, target_lat_deg=lat0, target_lon_deg=lon0)
    if step.guidance == "polynomial":
        field = None
        if step.gravity == "scenario":
            field = getattr(ctx.force_model, "field", None)
            if field is None:
                raise ScenarioError(
                    f"{ctx.step_label}: gravity = 'scenario' needs a spherical-harmonic [forces] gravity field "
                    "(the scenario uses a point mass); set gravity = 'central' or load a field"
                )
            deg = min(step.gravity_degree, field.degree)
            field = field.truncated(deg, min(deg, field.order))
        env = Environment(target_lat_deg=lat0, target_lon_deg=lon0, field=field)
        res = simulate_descent(vehicle, _plan(step), r0, v0, mass_kg=s0.mass_kg, errors=errors, environment=env,
                               dt_s=step.dt_s, guidance_hz=step.guidance_hz, max_time_s=step.max_time_s,
                               slope_deg_at=slope_fn)
    else:
        altitude_m = alt0_m
        if altitude_m > 15e3 or np.linalg.norm(r0[:2]) > 50e3:
            raise ScenarioError(
                f"{ctx.step_label}: guidance = 'convex' models flat ground and constant gravity; the start is "
                f"{altitude_m / 1e3:.1f} km up and {np.linalg.norm(r0[:2]) / 1e3:.1f} km from the target "
                "(allowed: below 15 km and within 50 km). Use guidance = 'polynomial' for descents from orbit."
            )
        g = MOON_GM_M3_S2 / MOON_MEAN_RADIUS_M ** 2
        res = simulate_convex_descent(vehicle, r0, v0, g, mass_kg=s0.mass_kg, errors=errors,
                                      resolve_s=step.convex_resolve_s, n_nodes=step.convex_nodes,
                                      glide_slope_deg=step.glide_slope_deg, max_tilt_deg=90.0, dt_s=step.dt_s,
                                      slope_deg_at=slope_fn)
    epoch = s0.epoch_tdb_s + res.time_s
    r_end = np.array([res.r_m[-1, 0], res.r_m[-1, 1], res.r_m[-1, 2]])
    lat, lon, _ = enu_to_selenographic(r_end, lat0, lon0)
    r_j, v_j = target_enu_to_state(epoch, r_end, res.v_m_s[-1], lat0, lon0)
    m_end = s0.mass_kg - res.propellant_used_kg
    ctx.state = State(epoch, r_j, v_j, m_end)
    ctx.touchdown = {
        "epoch": tdb_s_to_utc_iso(epoch) + "Z", "lat_deg": lat, "lon_deg": lon,
        "vertical_speed_m_s": res.vertical_speed_m_s, "horizontal_speed_m_s": res.horizontal_speed_m_s,
        "tilt_deg": res.tilt_deg, "propellant_used_kg": res.propellant_used_kg,
        "miss_distance_m": res.miss_distance_m, "success": bool(res.success),
        "failure_reason": None if res.success else res.failure_reason,
        "target_lat_deg": lat0, "target_lon_deg": lon0, "final_phase": res.final_phase,
        "slope_deg": res.slope_deg,
    }
    ctx.add_event("touchdown", ctx.state, success=bool(res.success), failure_reason=res.failure_reason)
    if res.success:
        ctx.stop("landed", f"touchdown {res.vertical_speed_m_s:.2f} m/s vertical, "
                           f"{res.horizontal_speed_m_s:.2f} m/s horizontal, {res.miss_distance_m:.0f} m from target")
    else:
        ctx.stop("crashed", f"{res.failure_reason}: {res.vertical_speed_m_s:.2f} m/s vertical, "
                            f"{res.horizontal_speed_m_s:.2f} m/s horizontal, tilt {res.tilt_deg:.1f} deg")
    # phase switch times for the report
    switches = {}
    if step.guidance == "polynomial" and len(res.phase):
        names = _plan(step).names
        idx = np.flatnonzero(np.diff(res.phase)) + 1
        switches = {names[int(res.phase[i])]: float(res.t_s[i]) for i in idx}
    dv = vehicle.effective_isp_s * G0_M_S2 * math.log(s0.mass_kg / m_end) if m_end > 0 else 0.0
    # Added for the replays (lunapole.missions): the state at the end of each phase and a sampled record of the
    # descent (J2000) so reports can draw it.
    phase_end = _phase_end_states(step, res, lat0, lon0)
    ctx.segments.append(_descent_record(res, s0.epoch_tdb_s, lat0, lon0))
    return StepResult(dv_m_s=dv, propellant_kg=res.propellant_used_kg,
                      details={"guidance": step.guidance, "phase_start_s": switches, "duration_s": res.time_s,
                               "phase_end": phase_end})


def _local_state(r_enu, v_enu, lat0: float, lon0: float) -> dict:
    """Height above the sphere, horizontal/vertical speed (local vertical at the vehicle) of a TARGET_ENU state."""
    from lunapole.astro.constants import MOON_MEAN_RADIUS_M
    from lunapole.descent.frames import enu_to_selenographic

    r = np.asarray(r_enu, float)
    v = np.asarray(v_enu, float)
    up = r - np.array([0.0, 0.0, -MOON_MEAN_RADIUS_M])
    up /= np.linalg.norm(up)
    vv = float(v @ up)
    lat, lon, h = enu_to_selenographic(r, lat0, lon0)
    return {"altitude_m": h, "horizontal_speed_m_s": float(np.linalg.norm(v - vv * up)),
            "vertical_speed_m_s": vv, "lat_deg": lat, "lon_deg": lon,
            "distance_to_target_m": float(np.linalg.norm(r[:2]))}


def _phase_end_states(step, res, lat0: float, lon0: float) -> dict:
    """``{phase name: {t_s, altitude_m, horizontal_speed_m_s, vertical_speed_m_s, lat/lon, ...}}`` at each
    phase's last sample (the final phase: touchdown)."""
    if step.guidance != "polynomial" or not len(res.phase):
        return {}
    names = _plan(step).names
    ph = np.asarray(res.phase)
    ends = list(np.flatnonzero(np.diff(ph))) + [len(ph) - 1]
    out = {}
    for i in ends:
        i = int(i)
        out[names[int(ph[i])]] = {"t_s": float(res.t_s[i]), **_local_state(res.r_m[i], res.v_m_s[i], lat0, lon0)}
    return out


class DescentRecord:
    """Sampled descent (``t_tdb_s`` (N,), ``y`` (N, 7) J2000 [r m, v m/s, mass kg]) for reports; no dense output."""

    def __init__(self, t_tdb_s, y):
        self.t_tdb_s = t_tdb_s
        self.y = y
        self.events: list = []


def _descent_record(res, epoch0: float, lat0: float, lon0: float, step_s: float = 2.0) -> DescentRecord:
    from lunapole.descent.frames import target_enu_to_state

    t = np.asarray(res.t_s, float)
    if t.size == 0:
        return DescentRecord(np.empty(0), np.empty((0, 7)))
    keep = np.unique(np.concatenate([np.searchsorted(t, np.arange(t[0], t[-1], step_s)), [t.size - 1]]))
    ys = []
    for i in keep:
        r_j, v_j = target_enu_to_state(epoch0 + t[i], res.r_m[i], res.v_m_s[i], lat0, lon0)
        ys.append(np.concatenate([r_j, v_j, [float(np.asarray(res.mass_kg)[i])]]))
    return DescentRecord(epoch0 + t[keep], np.asarray(ys))


register_step(PoweredDescentStep, execute)
