"""``finite_burn``: a burn of one engine group integrated with the force model.

Ends on ``duration_s`` or on delivered ``dv_m_s`` (accelerometer cut-off, with an optional
``backup_timer_s``). With ``targets`` the dV is solved by differential correction on the propagated
burn, starting from the impulsive solution. Faults: ``cutoff_failure`` (runs to the backup timer,
Luna-25 2023), ``thrust_scale``, ``engine_out`` (one unit of the group fails at ``time_s``),
``nav_bias`` (targeting sees a biased state).
"""
from __future__ import annotations

import dataclasses
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from lunapole.astro.constants import G0_M_S2
from lunapole.errors import InfeasibleError
from lunapole.orbit.burns import local_axes
from lunapole.scenario._fields import Vector3
from lunapole.scenario.steps._targeting import Targets, measure, solve, tangential_guess_m_s, two_target_dv_vnb
from lunapole.scenario.steps.base import StepBase, StepContext, StepResult, register_step


class FiniteBurnStep(StepBase):
    """Finite burn of ``engine`` (default: the first engine) along ``direction``.

    ``direction``: ``along_velocity`` / ``against_velocity`` (steered with the velocity) or
    ``inertial`` (fixed: ``direction_j2000``, or ``direction_vnb`` frozen at ignition). Exactly one
    of ``duration_s`` or ``dv_m_s`` (delivered dV, cut off by accelerometers, optional
    ``backup_timer_s``) unless ``targets`` are given (then ``dv_m_s`` is only the initial guess).
    Two targets solve the in-plane VNB direction too (needs ``direction = "inertial"``).
    """

    type: Literal["finite_burn"]
    engine: str | None = None
    direction: Literal["along_velocity", "against_velocity", "inertial"] = "along_velocity"
    direction_j2000: Vector3 | None = None
    direction_vnb: Vector3 | None = None
    duration_s: float | None = Field(default=None, gt=0.0)
    dv_m_s: float | None = Field(default=None, gt=0.0)
    backup_timer_s: float | None = Field(default=None, gt=0.0)
    thrust_scale: float = Field(default=1.0, gt=0.0, le=2.0)
    targets: Targets | None = None
    solve_for: Literal["dv_m_s"] = "dv_m_s"
    supported_faults: ClassVar[frozenset[str]] = frozenset(
        {"cutoff_failure", "engine_out", "thrust_scale", "nav_bias"}
    )

    @model_validator(mode="after")
    def _termination(self) -> "FiniteBurnStep":
        if self.direction == "inertial":
            two = self.targets is not None and len(self.targets.names) == 2
            if not two and (self.direction_j2000 is None) == (self.direction_vnb is None):
                raise ValueError("direction = 'inertial' needs exactly one of direction_j2000 or direction_vnb")
        elif self.direction_j2000 is not None or self.direction_vnb is not None:
            raise ValueError(
                f"direction_j2000/direction_vnb are only used with direction = 'inertial' (got {self.direction!r})"
            )
        if self.targets is not None:
            if self.duration_s is not None:
                raise ValueError("a targeted finite_burn ends on its solved dV: remove duration_s")
            if len(self.targets.names) == 2 and self.direction != "inertial":
                raise ValueError(
                    "two targets solve the in-plane VNB direction as well: use direction = 'inertial' "
                    "(direction_vnb is then the initial guess)"
                )
        elif (self.duration_s is None) == (self.dv_m_s is None):
            raise ValueError("a finite_burn needs exactly one of duration_s or dv_m_s (or targets = {...})")
        if self.backup_timer_s is not None and self.duration_s is not None:
            raise ValueError("backup_timer_s only applies to a burn that ends on dV (dv_m_s or targets)")
        for name in ("direction_j2000", "direction_vnb"):
            vec = getattr(self, name)
            if vec is not None and not any(vec):
                raise ValueError(f"{name} must not be [0, 0, 0]")
        return self

    def check_fault(self, fault, spacecraft) -> str | None:
        """Check a fault against this burn: cutoff needs a dV cut-off and a backup timer, etc."""
        if fault.type == "cutoff_failure":
            if self.duration_s is not None:
                return "cutoff_failure needs a burn that ends on dV (dv_m_s or targets), not duration_s"
            if self.backup_timer_s is None:
                return "cutoff_failure needs the step's backup_timer_s (the burn then runs to it)"
        if fault.type == "engine_out" and fault.engine is not None and spacecraft.engines:
            burning = spacecraft.engine(self.engine).name if self._engine_known(spacecraft) else self.engine
            if fault.engine != burning:
                return f"engine_out names engine {fault.engine!r} but this step burns {burning!r}"
        if fault.type == "nav_bias" and self.targets is None:
            return "nav_bias only affects a targeted finite_burn (one with targets = {...})"
        return None

    def _engine_known(self, spacecraft) -> bool:
        try:
            spacecraft.engine(self.engine)
        except KeyError:
            return False
        return True


def _direction_setup(step: FiniteBurnStep, r_m, v_m_s) -> tuple[str, np.ndarray | None, np.ndarray]:
    """(orbit direction mode, fixed J2000 unit vector or None, unit vector at ignition)."""
    if step.direction == "along_velocity":
        u = np.asarray(v_m_s, float) / np.linalg.norm(v_m_s)
        return "along_velocity", None, u
    if step.direction == "against_velocity":
        u = -np.asarray(v_m_s, float) / np.linalg.norm(v_m_s)
        return "against_velocity", None, u
    if step.direction_j2000 is not None:
        u = np.asarray(step.direction_j2000, float)
    elif step.direction_vnb is None:  # two targets: the direction is solved; start along the velocity
        u = np.asarray(v_m_s, float)
    else:
        u = local_axes(r_m, v_m_s, "VNB") @ np.asarray(step.direction_vnb, float)
    u = u / np.linalg.norm(u)
    return "inertial", u, u


class _Burner:
    """Runs a burn (possibly in two parts for an engine-out) from a state; no side effects."""

    def __init__(self, step: FiniteBurnStep, ctx: StepContext, with_faults: bool = True):
        self.ctx = ctx
        self.engine = ctx.spacecraft.engine(step.engine)
        scale = step.thrust_scale
        thrust_faults = ctx.faults_of("thrust_scale") if with_faults else []
        for f in thrust_faults:
            scale *= f.scale
        self.scale = scale
        outs = ctx.faults_of("engine_out") if with_faults else []
        self.engine_out_s = min((f.time_s for f in outs), default=None)
        count = self.engine.count
        self.after_out_scale = (count - 1) / count if outs else 1.0

    def burn(self, mode, direction_j2000, *, duration_s=None, target_dv_m_s=None, max_duration_s=None, scale=1.0,
             propellant_kg=None):
        from lunapole.orbit.burns import FiniteBurn

        return FiniteBurn(
            thrust_n=self.engine.axial_thrust_n,
            isp_s=self.engine.axial_isp_s,
            direction=mode,
            direction_j2000=None if direction_j2000 is None else np.asarray(direction_j2000, float),
            duration_s=duration_s,
            target_dv_m_s=target_dv_m_s,
            max_duration_s=max_duration_s,
            thrust_scale=self.scale * scale,
            propellant_kg=propellant_kg,
        )

    def run(self, state, mode, direction_j2000, *, duration_s=None, target_dv_m_s=None, max_duration_s=None):
        """Propagate the burn (ends early on impact or propellant exhaustion); 1 or 2 trajectories."""
        from lunapole.orbit.propagate import propagate as _propagate

        fm = self.ctx.force_model
        budget0 = self.ctx.propellant_remaining_kg
        used_before = state.mass_kg

        def propagate(s, fm_, burn, stop_on):
            if budget0 is not None:
                left = budget0 - (used_before - s.mass_kg)
                burn = dataclasses.replace(burn, propellant_kg=max(left, 0.0))
            return _propagate(s, fm_, burn=burn, stop_on=stop_on, record=())

        t_out = self.engine_out_s
        total = duration_s if duration_s is not None else max_duration_s
        if t_out is None or (total is not None and t_out >= total):
            burn = self.burn(mode, direction_j2000, duration_s=duration_s, target_dv_m_s=target_dv_m_s,
                             max_duration_s=max_duration_s)
            return [propagate(state, fm, burn=burn, stop_on=("impact",))]
        # Engine-out: full thrust up to t_out, then (count-1)/count of it for the rest.
        first_kwargs = dict(duration_s=t_out) if target_dv_m_s is None else dict(
            target_dv_m_s=target_dv_m_s, max_duration_s=t_out
        )
        first = propagate(state, fm, burn=self.burn(mode, direction_j2000, **first_kwargs), stop_on=("impact",))
        parts = [first]
        s1 = first.final_state
        elapsed = s1.epoch_tdb_s - state.epoch_tdb_s
        if first.outcome in ("impact", "propellant_exhausted") or self.after_out_scale == 0.0:
            return parts
        if target_dv_m_s is None:
            rest = duration_s - elapsed
            if rest <= 0.0:
                return parts
            kwargs = dict(duration_s=rest)
        else:
            done = self.engine.axial_isp_s * G0_M_S2 * math.log(state.mass_kg / s1.mass_kg)
            if done >= target_dv_m_s - 1e-6 or elapsed < t_out - 1e-6:
                return parts  # cut off before the failure
            kwargs = dict(target_dv_m_s=target_dv_m_s - done,
                          max_duration_s=None if max_duration_s is None else max_duration_s - elapsed)
        second = propagate(s1, fm, burn=self.burn(mode, direction_j2000, scale=self.after_out_scale, **kwargs),
                           stop_on=("impact",))
        parts.append(second)
        return parts


def _solve_target_dv(step: FiniteBurnStep, ctx: StepContext):
    """Solve the dV (and for two targets the in-plane VNB direction) from the navigated state."""
    from lunapole.orbit.propagate import propagate

    targets = step.targets
    names = targets.names
    goal = targets.values_m
    tol = np.full(len(names), targets.tolerance_m)
    nav = ctx.nav_state()
    r0, v0 = np.asarray(nav.r_m), np.asarray(nav.v_m_s)
    mode, fixed, u0 = _direction_setup(step, r0, v0)
    # Guidance plans with the nominal engine (no knowledge of faults): thrust_scale of the step only.
    nominal = _Burner(step, ctx, with_faults=False)

    def end_state(mode_, dir_, dv):
        burn = nominal.burn(mode_, dir_, target_dv_m_s=dv, max_duration_s=step.backup_timer_s)
        return propagate(nav, ctx.force_model, burn=burn, stop_on=(), record=()).final_state

    if len(names) == 1:
        # Impulsive estimate along the ignition direction (vis-viva first guess), then the finite burn.
        x_t = tangential_guess_m_s(r0, v0, float(goal[0])) * float(np.sign(u0 @ v0))
        f_imp = lambda x: measure(names, r0, v0 + u0 * x[0])  # noqa: E731
        x_imp, _, _, ok = solve(f_imp, np.array([x_t]), goal, tol, targets.max_iterations,
                                np.array([max(abs(x_t), 1.0)]))
        if not ok or x_imp[0] <= 0.0:
            raise InfeasibleError(
                f"{ctx.step_label}: the targets {dict(zip(names, (goal / 1e3).tolist()))} km cannot be reached "
                f"by burning {step.direction.replace('_', ' ')} (impulsive estimate {x_imp[0]:.2f} m/s); "
                "flip the direction or change the targets"
            )

        def fun(x):
            s = end_state(mode, fixed, max(float(x[0]), 1e-3))
            return measure(names, s.r_m, s.v_m_s)

        x0 = np.array([step.dv_m_s if step.dv_m_s is not None else x_imp[0]])
        x, achieved, its, ok = solve(fun, x0, goal, tol, targets.max_iterations, np.array([max(x0[0], 1.0)]))
        dv_target, direction = float(x[0]), fixed
        details = {"solved_dv_m_s": dv_target, "impulsive_estimate_m_s": float(x_imp[0])}
    else:
        mat = local_axes(r0, v0, "VNB")
        vnb = two_target_dv_vnb(r0, v0, float(goal[0]), float(goal[1]))
        x_imp = np.array([vnb[0], vnb[2]])

        def dir_of(x):
            d = mat @ np.array([x[0], 0.0, x[1]])
            return d / max(np.linalg.norm(d), 1e-12), float(np.linalg.norm(d))

        def fun(x):
            d, mag = dir_of(x)
            s = end_state("inertial", d, max(mag, 1e-3))
            return measure(names, s.r_m, s.v_m_s)

        x, achieved, its, ok = solve(fun, x_imp, goal, tol, targets.max_iterations, np.maximum(np.abs(x_imp), 1.0))
        direction, dv_target = dir_of(x)
        mode = "inertial"
        details = {"solved_dv_m_s": dv_target, "solved_dv_vnb_m_s": [float(x[0]), 0.0, float(x[1])],
                   "impulsive_estimate_vnb_m_s": vnb.tolist()}
    if not ok:
        raise InfeasibleError(
            f"{ctx.step_label}: finite_burn targeting did not converge in {targets.max_iterations} iterations: "
            f"wanted {dict(zip(names, (goal / 1e3).round(3).tolist()))} km, reached "
            f"{dict(zip(names, (achieved / 1e3).round(3).tolist()))} km"
        )
    details.update(
        targets_km=dict(zip(names, (goal / 1e3).tolist())),
        planned_km=dict(zip(names, (achieved / 1e3).tolist())),
        iterations=int(its),
    )
    return mode, direction, dv_target, details


def execute(step: FiniteBurnStep, ctx: StepContext) -> StepResult:
    """Run the burn on the true state; report delivered dV (rocket equation) and propellant."""
    burner = _Burner(step, ctx)
    state0 = ctx.state
    details: dict = {}
    left = ctx.propellant_remaining_kg
    if left is not None and left <= 1e-6:  # kg; the integrator leaves ~1e-8 kg
        ctx.warnings.append(f"{ctx.step_label}: no propellant left; burn skipped")
        return StepResult(details={"skipped": "no propellant left"})
    if step.targets is not None:
        mode, direction, dv_target, details = _solve_target_dv(step, ctx)
    else:
        nav = ctx.nav_state()
        mode, direction, _ = _direction_setup(step, nav.r_m, nav.v_m_s)
        dv_target = step.dv_m_s
    cutoff_failed = bool(ctx.faults_of("cutoff_failure"))
    ctx.add_event("burn_start", state0)
    if step.duration_s is not None:
        parts = burner.run(state0, mode, direction, duration_s=step.duration_s)
    elif cutoff_failed:
        parts = burner.run(state0, mode, direction, duration_s=step.backup_timer_s)
        details["cutoff_failure"] = f"dV cut-off failed; burned to the backup timer ({step.backup_timer_s:g} s)"
    else:
        parts = burner.run(state0, mode, direction, target_dv_m_s=dv_target, max_duration_s=step.backup_timer_s)
    for traj in parts:
        ctx.add_trajectory(traj)
        if traj.outcome == "propellant_exhausted":
            details["propellant_exhausted"] = True
            ctx.warnings.append(f"{ctx.step_label}: propellant exhausted during the burn")
    state1 = ctx.state
    ctx.add_event("burn_end", state1)
    burned_s = state1.epoch_tdb_s - state0.epoch_tdb_s
    dv = burner.engine.axial_isp_s * G0_M_S2 * math.log(state0.mass_kg / state1.mass_kg)
    details.update(burn_duration_s=burned_s, engine=burner.engine.name, thrust_scale=burner.scale)
    if dv_target is not None and step.duration_s is None:
        details["commanded_dv_m_s"] = dv_target
    return StepResult(dv_m_s=dv, propellant_kg=state0.mass_kg - state1.mass_kg, details=details)


register_step(FiniteBurnStep, execute)
