"""``impulsive_burn``: an instantaneous delta-V in VNB, RTN or J2000 axes, optionally targeted.

Mass after the burn follows the rocket equation with the named engine's Isp (cant losses included):
``m1 = m0 exp(-|dv| / (Isp g0))``.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import model_validator

from lunapole.astro.constants import G0_M_S2
from lunapole.orbit.burns import local_axes
from lunapole.scenario._fields import Vector3
from lunapole.scenario.steps._targeting import Targets, measure, solve, tangential_guess_m_s, two_target_dv_vnb
from lunapole.scenario.steps.base import StepBase, StepContext, StepResult, register_step


class ImpulsiveBurnStep(StepBase):
    """Instantaneous burn ``dv_m_s = [x, y, z]`` in ``axes``; with ``targets`` the dV is solved:
    one target -> the magnitude along ``dv_m_s`` (default: along V, signed); two targets -> the
    in-plane VNB components (V, B), ``dv_m_s`` being the initial guess."""

    type: Literal["impulsive_burn"]
    dv_m_s: Vector3 | None = None
    axes: Literal["VNB", "RTN", "J2000"] = "VNB"
    engine: str | None = None
    targets: Targets | None = None
    solve_for: Literal["dv_m_s"] = "dv_m_s"
    supported_faults: ClassVar[frozenset[str]] = frozenset({"nav_bias"})
    # Without engines the dV is applied without propellant bookkeeping (a warning says so).
    requires_engine: ClassVar[bool] = False

    @model_validator(mode="after")
    def _dv_or_targets(self) -> "ImpulsiveBurnStep":
        if self.dv_m_s is None and self.targets is None:
            raise ValueError("an impulsive_burn needs dv_m_s = [x, y, z] or targets = {...}")
        if self.targets is not None and len(self.targets.names) == 2 and self.axes != "VNB":
            raise ValueError("two targets solve the VNB components (V, B): use axes = 'VNB'")
        if (
            self.targets is not None
            and len(self.targets.names) == 1
            and self.dv_m_s is not None
            and not any(self.dv_m_s)
        ):
            raise ValueError("with one target, dv_m_s gives the burn direction: it must not be [0, 0, 0]")
        return self

    def check_fault(self, fault, spacecraft) -> str | None:
        """nav_bias only changes a targeted burn (an open-loop dV ignores navigation)."""
        if fault.type == "nav_bias" and self.targets is None:
            return "nav_bias only affects a targeted impulsive_burn (one with targets = {...})"
        return None


def _solve_dv_axes(step: ImpulsiveBurnStep, r_m: np.ndarray, v_m_s: np.ndarray) -> tuple[np.ndarray, dict]:
    """The dV in ``step.axes`` meeting ``step.targets`` from the (navigated) state (r, v)."""
    targets = step.targets
    mat = local_axes(r_m, v_m_s, step.axes)
    names = targets.names
    goal = targets.values_m
    tol = np.full(len(names), targets.tolerance_m)
    if len(names) == 1:
        if step.dv_m_s is not None:
            guess = np.asarray(step.dv_m_s, dtype=float)
            unit = guess / np.linalg.norm(guess)
            x0 = float(np.linalg.norm(guess))
        else:  # along the velocity, signed; first guess from vis-viva
            unit = mat.T @ (np.asarray(v_m_s, float) / np.linalg.norm(v_m_s))
            x0 = tangential_guess_m_s(r_m, v_m_s, float(goal[0]))

        def fun(x):
            return measure(names, r_m, v_m_s + mat @ (unit * x[0]))

        x, achieved, its, ok = solve(fun, np.array([x0]), goal, tol, targets.max_iterations,
                                     np.array([max(abs(x0), 1.0)]))
        dv_axes = unit * x[0]
    else:
        vnb = two_target_dv_vnb(r_m, v_m_s, float(goal[0]), float(goal[1]))
        to_axes = mat.T @ local_axes(r_m, v_m_s, "VNB")

        def fun(x):
            return measure(names, r_m, v_m_s + local_axes(r_m, v_m_s, "VNB") @ np.array([x[0], 0.0, x[1]]))

        x0 = np.array([vnb[0], vnb[2]])
        x, achieved, its, ok = solve(fun, x0, goal, tol, targets.max_iterations, np.maximum(np.abs(x0), 1.0))
        dv_axes = to_axes @ np.array([x[0], 0.0, x[1]])
    if not ok:
        from lunapole.errors import InfeasibleError

        raise InfeasibleError(
            f"impulsive_burn targeting did not converge in {targets.max_iterations} iterations: "
            f"wanted {dict(zip(names, (goal / 1e3).round(3).tolist()))} km, reached "
            f"{dict(zip(names, (achieved / 1e3).round(3).tolist()))} km; check the targets are reachable "
            "from this point of the orbit or give a dv_m_s guess"
        )
    details = {
        "targets_km": dict(zip(names, (goal / 1e3).tolist())),
        "achieved_km": dict(zip(names, (achieved / 1e3).tolist())),
        "iterations": int(its),
        f"solved_dv_{step.axes.lower()}_m_s": dv_axes.tolist(),
    }
    return dv_axes, details


def execute(step: ImpulsiveBurnStep, ctx: StepContext) -> StepResult:
    """Apply the (possibly solved) dV to the true state; rocket-equation mass bookkeeping."""
    state = ctx.state
    details: dict = {}
    if step.targets is not None:
        nav = ctx.nav_state()
        dv_axes, details = _solve_dv_axes(step, np.asarray(nav.r_m), np.asarray(nav.v_m_s))
        # Axes are built from the navigated state, as the flight software would.
        mat = local_axes(nav.r_m, nav.v_m_s, step.axes)
    else:
        dv_axes = np.asarray(step.dv_m_s, dtype=float)
        mat = local_axes(state.r_m, state.v_m_s, step.axes)
    dv_j2000 = mat @ dv_axes
    dv = float(np.linalg.norm(dv_j2000))
    engine = ctx.spacecraft.engine(step.engine) if ctx.spacecraft.engines else None
    if engine is not None:
        mass1 = state.mass_kg * math.exp(-dv / (engine.axial_isp_s * G0_M_S2))
    else:
        mass1 = state.mass_kg  # no engine defined: dV without propellant bookkeeping
        ctx.warnings.append(f"{ctx.step_label}: no engine defined, propellant not tracked")
    ctx.add_event("burn_start", state, dv_m_s=dv)
    ctx.state = state.replace(v_m_s=np.asarray(state.v_m_s) + dv_j2000, mass_kg=mass1)
    ctx.add_event("burn_end", ctx.state)
    details["dv_j2000_m_s"] = dv_j2000.tolist()
    return StepResult(dv_m_s=dv, propellant_kg=state.mass_kg - mass1, details=details)


register_step(ImpulsiveBurnStep, execute)
