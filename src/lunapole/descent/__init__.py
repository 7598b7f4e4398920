"""lunapole.descent: powered descent from braking to touchdown, and whether the lander survives.

Public names (see docs/descent.md and docs/architecture.md):

* vehicle: :class:`Vehicle`, :class:`Engine`, :class:`Limits`, :func:`default_lunar_lander`
* phases: :class:`Phase`, :class:`DescentPlan`, :func:`default_lunar_plan`, :func:`chandrayaan3_like_start`
* one run: :func:`simulate_descent` (phased polynomial guidance), :func:`simulate_convex_descent`
  (fuel-optimal convex guidance re-solved in closed loop), :class:`DescentErrors`, :class:`DescentResult`
* Monte Carlo: :func:`simulate_batch`, :class:`BatchDispersions`, :class:`BatchResult`, :data:`FAILURE_NAMES`
* frames: :func:`state_to_target_enu`, :func:`target_enu_to_state`
"""
from lunapole.descent.batch import FAILURE_NAMES, BatchDispersions, BatchResult, Environment, simulate_batch
from lunapole.descent.frames import state_to_target_enu, target_enu_to_state
from lunapole.descent.plan import DescentPlan, Phase, chandrayaan3_like_start, default_lunar_plan
from lunapole.descent.simulate import DescentErrors, DescentResult, simulate_convex_descent, simulate_descent
from lunapole.descent.vehicle import Engine, Limits, Vehicle, default_lunar_lander

__all__ = [
    "FAILURE_NAMES", "BatchDispersions", "BatchResult", "DescentErrors", "DescentPlan", "DescentResult", "Engine",
    "Environment", "Limits", "Phase", "Vehicle", "chandrayaan3_like_start", "default_lunar_lander",
    "default_lunar_plan", "simulate_batch", "simulate_convex_descent", "simulate_descent", "state_to_target_enu",
    "target_enu_to_state",
]
