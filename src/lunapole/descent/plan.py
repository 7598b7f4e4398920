"""Descent phases (like real landers): each phase has its guidance law and its exit condition.

A :class:`DescentPlan` is an ordered list of :class:`Phase`; the simulators switch to the next phase when
the current one's exit condition is met (time-to-go, altitude, or duration). Targets of polynomial
phases are in guidance coordinates: ``downrange`` (m along the great circle, negative = short of the
target), ``crossrange`` (m), ``altitude`` (m above the target sphere / flat ground).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lunapole.errors import ScenarioError
from lunapole.kernels import descent as kd

GUIDANCE_KINDS = {"polynomial": kd.KIND_POLY, "attitude_hold": kd.KIND_HOLD, "terminal": kd.KIND_TERMINAL,
                  "gravity_turn": kd.KIND_GRAVITY_TURN}


@dataclass(frozen=True)
class Phase:
    """One descent phase.

    ``guidance``: ``polynomial`` (Klumpp/Apollo quadratic-acceleration guidance to the gate
    ``target_position_m``/``target_velocity_m_s``/``target_acceleration_m_s2``, downrange target
    acceleration ``nan`` = constant-deceleration fit at phase entry; ends when time-to-go < ``exit_tgo_s``),
    ``attitude_hold`` (keep the thrust vector ``duration_s``), ``gravity_turn`` (thrust against the velocity
    at ``throttle``), ``terminal`` (hover ``duration_s``, then descend at ``altitude/tau_s`` clipped to
    [``touchdown_rate_m_s``, ``max_descent_rate_m_s``] while nulling the horizontal offset).
    Any phase also ends when the navigated altitude drops below ``exit_altitude_m``.
    """

    name: str
    guidance: str
    max_tilt_deg: float = 180.0
    exit_tgo_s: float = 2.0
    exit_altitude_m: float = -math.inf
    target_position_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    target_velocity_m_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    target_acceleration_m_s2: tuple[float, float, float] = (math.nan, 0.0, 0.0)
    target_jerk_m_s3: float = 0.0
    throttle: float = math.nan
    duration_s: float = 0.0
    touchdown_rate_m_s: float = 1.0
    max_descent_rate_m_s: float = 10.0
    tau_s: float = 10.0
    horizontal_gain_1_s: float = 0.1

    def __post_init__(self) -> None:
        if self.guidance not in GUIDANCE_KINDS:
            raise ScenarioError(
                f"phase {self.name!r}: guidance {self.guidance!r} is not one of {sorted(GUIDANCE_KINDS)}"
            )

    def row(self) -> np.ndarray:
        """The phase as one row of the kernel's phase table (see :mod:`lunapole.kernels.descent`)."""
        r = np.zeros(kd.NPAR)
        r[kd.P_KIND] = GUIDANCE_KINDS[self.guidance]
        r[kd.P_MAX_TILT] = math.radians(self.max_tilt_deg)
        r[kd.P_EXIT_TGO] = self.exit_tgo_s
        r[kd.P_EXIT_ALT] = self.exit_altitude_m if math.isfinite(self.exit_altitude_m) else -1e30
        r[kd.P_RT:kd.P_RT + 3] = self.target_position_m
        r[kd.P_VT:kd.P_VT + 3] = self.target_velocity_m_s
        r[kd.P_AT:kd.P_AT + 3] = self.target_acceleration_m_s2
        r[kd.P_JT] = self.target_jerk_m_s3
        r[kd.P_THROTTLE] = self.throttle
        r[kd.P_DURATION] = self.duration_s
        r[kd.P_TD_RATE] = self.touchdown_rate_m_s
        r[kd.P_MAX_RATE] = self.max_descent_rate_m_s
        r[kd.P_TAU] = self.tau_s
        r[kd.P_HGAIN] = self.horizontal_gain_1_s
        return r


@dataclass(frozen=True)
class DescentPlan:
    """Ordered phases; the last one must be ``terminal`` (it is the one allowed to touch the ground)."""

    phases: tuple[Phase, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.phases:
            raise ScenarioError("descent plan: no phases; give at least one terminal phase")
        if self.phases[-1].guidance != "terminal":
            raise ScenarioError(
                f"descent plan: the last phase ({self.phases[-1].name!r}) must use guidance 'terminal'"
            )

    def table(self) -> np.ndarray:
        """(n_phase, NPAR) float64 phase table for the kernel."""
        return np.ascontiguousarray(np.vstack([p.row() for p in self.phases]))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.phases)


def default_lunar_plan(
    high_gate_altitude_m: float = 7400.0,
    high_gate_downrange_m: float = -40000.0,
    high_gate_speed_m_s: float = 358.0,
    high_gate_sink_m_s: float = 61.0,
    hover_altitude_m: float = 150.0,
    hover_s: float = 5.0,
) -> DescentPlan:
    """Chandrayaan-3-like phases (shared/facts/missions.md): rough braking 30 km -> 7.4 km ending at
    358 m/s horizontal and 61 m/s sink; ~10 s attitude hold; fine braking to a hover ~150 m above the
    target; hover, then vertical descent. The high-gate downrange distance (28 km) is not published:
    chosen so that fine braking needs ~2.3 m/s^2."""
    return DescentPlan((
        Phase("rough_braking", "polynomial", exit_tgo_s=3.0,
              target_position_m=(high_gate_downrange_m, 0.0, high_gate_altitude_m),
              target_velocity_m_s=(high_gate_speed_m_s, 0.0, -high_gate_sink_m_s),
              target_acceleration_m_s2=(math.nan, 0.0, 0.0)),
        Phase("attitude_hold", "attitude_hold", duration_s=10.0),
        Phase("fine_braking", "polynomial", exit_tgo_s=2.0, exit_altitude_m=min(50.0, 0.5 * hover_altitude_m),
              target_position_m=(0.0, 0.0, hover_altitude_m), target_velocity_m_s=(0.0, 0.0, 0.0),
              target_acceleration_m_s2=(math.nan, 0.0, 0.0)),
        Phase("terminal_descent", "terminal", max_tilt_deg=20.0, duration_s=hover_s,
              touchdown_rate_m_s=1.0, max_descent_rate_m_s=5.0, tau_s=8.0, horizontal_gain_1_s=0.1),
    ))


def chandrayaan3_like_start(downrange_m: float = 750e3, altitude_m: float = 30e3, speed_m_s: float = 1680.0,
                            radius_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """TARGET_ENU ignition state ``(r0_m, v0_m_s)``: ``altitude_m`` above the sphere, ``downrange_m`` (arc) west
    of the target, horizontal ``speed_m_s`` eastward toward it (Chandrayaan-3: ~30 km, 1.68 km/s, missions.md)."""
    from lunapole.astro.constants import MOON_MEAN_RADIUS_M

    big_r = MOON_MEAN_RADIUS_M if radius_m is None else radius_m
    th = downrange_m / big_r
    rr = big_r + altitude_m
    r0 = np.array([-rr * math.sin(th), 0.0, rr * math.cos(th) - big_r])
    v0 = speed_m_s * np.array([math.cos(th), 0.0, math.sin(th)])
    return r0, v0
