"""Manoeuvres: impulsive delta-v (J2000, VNB or RTN axes) and constant-thrust finite burns.

Finite burns use constant thrust ``F`` and specific impulse ``Isp``: mass flow ``mdot = F / (Isp g0)``
and, as the exhaust speed is constant, the delta-v achieved after burning from ``m0`` to ``m`` is
Tsiolkovsky's ``Isp g0 ln(m0 / m)``. The cut-off time for a delta-v target is therefore known in
closed form (no extra integrator state): ``t = m0 (1 - exp(-dv / (Isp g0))) / mdot``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lunapole.astro.constants import G0_M_S2
from lunapole.errors import LunapoleError, ScenarioError
from lunapole.orbit.state import State

AXES = ("J2000", "VNB", "RTN")
DIRECTIONS = ("along_velocity", "against_velocity", "inertial")


def local_axes(r_m: np.ndarray, v_m_s: np.ndarray, axes: str) -> np.ndarray:
    """(3, 3) matrix whose columns are the unit vectors of ``axes`` in J2000.

    ``VNB``: V along velocity, N along r x v (orbit normal), B = V x N.
    ``RTN``: R radial, T = N x R (along-track), N along r x v.
    """
    key = str(axes).upper()
    if key == "J2000":
        return np.eye(3)
    r = np.asarray(r_m, float)
    v = np.asarray(v_m_s, float)
    h = np.cross(r, v)
    n_hat = h / np.linalg.norm(h)
    if key == "VNB":
        v_hat = v / np.linalg.norm(v)
        return np.column_stack([v_hat, n_hat, np.cross(v_hat, n_hat)])
    if key == "RTN":
        r_hat = r / np.linalg.norm(r)
        return np.column_stack([r_hat, np.cross(n_hat, r_hat), n_hat])
    raise ScenarioError(f"unknown burn axes {axes!r}; choose one of {AXES}")


def apply_impulsive_burn(state: State, dv_m_s, axes: str = "J2000", isp_s: float | None = None) -> State:
    """Add ``dv_m_s`` (3,) given in ``axes`` (J2000 | VNB | RTN) to the velocity.

    With ``isp_s`` the mass drops by the rocket equation ``m1 = m0 exp(-|dv| / (Isp g0))``.
    """
    dv = np.asarray(dv_m_s, float).reshape(-1)
    if dv.shape != (3,):
        raise ScenarioError(f"impulsive burn: dv_m_s must have 3 components, got {dv.shape}")
    dv_j2000 = local_axes(state.r_m, state.v_m_s, axes) @ dv
    mass = state.mass_kg
    if isp_s is not None:
        if not isp_s > 0:
            raise ScenarioError(f"impulsive burn: isp_s must be > 0, got {isp_s}")
        mass = mass * math.exp(-float(np.linalg.norm(dv)) / (isp_s * G0_M_S2))
    return State(state.epoch_tdb_s, state.r_m, state.v_m_s + dv_j2000, mass)


@dataclass(frozen=True)
class FiniteBurn:
    """Constant-thrust burn starting at the propagation's initial epoch.

    ``thrust_n`` nominal thrust [N] (multiplied by ``thrust_scale``, e.g. a dispersed engine),
    ``isp_s`` [s]; ``direction``: ``along_velocity`` | ``against_velocity`` | ``inertial`` (then
    ``direction_j2000`` (3,) is required). The burn ends at the first of: ``duration_s``, the delta-v
    target ``target_dv_m_s`` (an ideal accelerometer cut-off), the backup timer ``max_duration_s``,
    or propellant exhaustion (``propellant_kg``, optional). At least one limit must be given.
    """

    thrust_n: float
    isp_s: float
    direction: str = "along_velocity"
    direction_j2000: tuple | None = None
    duration_s: float | None = None
    target_dv_m_s: float | None = None
    max_duration_s: float | None = None
    thrust_scale: float = 1.0
    propellant_kg: float | None = None

    def __post_init__(self) -> None:
        if not (self.thrust_n > 0 and self.isp_s > 0 and self.thrust_scale > 0):
            raise ScenarioError(f"FiniteBurn: thrust_n ({self.thrust_n}), isp_s ({self.isp_s}) and thrust_scale "
                                f"({self.thrust_scale}) must be > 0")
        if self.direction not in DIRECTIONS:
            raise ScenarioError(f"FiniteBurn: direction {self.direction!r} not in {DIRECTIONS}")
        if self.direction == "inertial":
            d = np.asarray(self.direction_j2000 if self.direction_j2000 is not None else [], float)
            if d.shape != (3,) or not np.linalg.norm(d) > 0:
                raise ScenarioError("FiniteBurn: direction='inertial' needs direction_j2000 (3 components, non-zero)")
        if self.duration_s is None and self.target_dv_m_s is None and self.max_duration_s is None \
                and self.propellant_kg is None:
            raise ScenarioError("FiniteBurn: give at least one of duration_s, target_dv_m_s, max_duration_s, "
                                "propellant_kg")
        for name in ("duration_s", "target_dv_m_s", "max_duration_s", "propellant_kg"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise ScenarioError(f"FiniteBurn: {name} must be >= 0, got {value}")

    @property
    def actual_thrust_n(self) -> float:
        return self.thrust_n * self.thrust_scale

    @property
    def mass_flow_kg_s(self) -> float:
        """Propellant mass flow [kg/s] = thrust / (Isp g0) (the scale changes thrust at constant Isp)."""
        return self.actual_thrust_n / (self.isp_s * G0_M_S2)

    def unit_direction_j2000(self) -> np.ndarray:
        d = np.asarray(self.direction_j2000, float)
        return d / np.linalg.norm(d)

    def end(self, mass_kg: float) -> tuple[float, str]:
        """``(burn length s, reason)`` for an initial mass; reason in duration | target_dv | max_duration |
        propellant_exhausted (the earliest limit wins)."""
        mdot = self.mass_flow_kg_s
        limits = []
        if self.duration_s is not None:
            limits.append((float(self.duration_s), "duration"))
        if self.target_dv_m_s is not None:
            ve = self.isp_s * G0_M_S2
            limits.append((mass_kg * (1.0 - math.exp(-self.target_dv_m_s / ve)) / mdot, "target_dv"))
        if self.max_duration_s is not None:
            limits.append((float(self.max_duration_s), "max_duration"))
        if self.propellant_kg is not None:
            if self.propellant_kg >= mass_kg:
                raise ScenarioError(f"FiniteBurn: propellant_kg ({self.propellant_kg}) must be below the "
                                    f"spacecraft mass ({mass_kg} kg)")
            limits.append((self.propellant_kg / mdot, "propellant_exhausted"))
        # ties go to the earlier entry in this order (duration, target, timer, propellant)
        return min(limits, key=lambda item: item[0])

    def delta_v_m_s(self, mass0_kg: float, burn_s: float) -> float:
        """Ideal delta-v [m/s] of burning ``burn_s`` from ``mass0_kg`` (Tsiolkovsky)."""
        m1 = mass0_kg - self.mass_flow_kg_s * burn_s
        if m1 <= 0:
            raise LunapoleError(f"FiniteBurn: burning {burn_s} s consumes more than the mass {mass0_kg} kg")
        return self.isp_s * G0_M_S2 * math.log(mass0_kg / m1)
