"""Lander model for powered descent: masses, throttleable engines, thrust-pointing limits, touchdown limits.

3-DOF translational: the thrust vector is the control; its direction is the vehicle axis (tilt = angle
between thrust and local vertical), limited in angle and in slew rate. A 6-DOF model would add inertia
and attitude dynamics behind the same ``Vehicle`` surface.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from lunapole.astro.constants import G0_M_S2
from lunapole.errors import ScenarioError


@dataclass(frozen=True)
class Engine:
    """One engine type: ``count`` identical units of ``thrust_n`` each, throttle range as fractions."""

    name: str
    thrust_n: float
    isp_s: float
    count: int = 1
    throttle_min: float = 1.0
    throttle_max: float = 1.0
    cant_deg: float = 0.0

    @property
    def axial_thrust_n(self) -> float:
        """Thrust of one unit along the vehicle axis (cant losses removed), N."""
        return self.thrust_n * math.cos(math.radians(self.cant_deg))


@dataclass(frozen=True)
class Limits:
    """Touchdown limits (None: not checked)."""

    vertical_speed_m_s: float | None = 2.0
    horizontal_speed_m_s: float | None = 0.5
    tilt_deg: float | None = 10.0
    slope_deg: float | None = 12.0


@dataclass(frozen=True)
class Vehicle:
    """A lander: ``dry_mass_kg + propellant_kg`` at ignition, engines fired together.

    ``max_tilt_rate_deg_s`` limits how fast the thrust direction can slew (attitude-control authority);
    ``max_tilt_deg`` is the largest angle of the thrust from local vertical any phase may command.
    """

    dry_mass_kg: float
    propellant_kg: float
    engines: tuple[Engine, ...]
    limits: Limits = field(default_factory=Limits)
    max_tilt_rate_deg_s: float = 10.0
    max_tilt_deg: float = 180.0
    name: str = "lander"

    def __post_init__(self) -> None:
        if not self.engines:
            raise ScenarioError(
                f"vehicle {self.name!r}: no engines; add [[spacecraft.engines]] with thrust_n and isp_s"
            )
        if self.dry_mass_kg <= 0 or self.propellant_kg < 0:
            raise ScenarioError(
                f"vehicle {self.name!r}: dry_mass_kg={self.dry_mass_kg} must be > 0 and "
                f"propellant_kg={self.propellant_kg} >= 0"
            )

    # --- derived figures -------------------------------------------------------------------------
    @property
    def wet_mass_kg(self) -> float:
        return self.dry_mass_kg + self.propellant_kg

    @property
    def engine_count(self) -> int:
        return sum(e.count for e in self.engines)

    @property
    def max_thrust_n(self) -> float:
        """All engines at full throttle, along the axis (N)."""
        return sum(e.count * e.axial_thrust_n * e.throttle_max for e in self.engines)

    @property
    def min_thrust_n(self) -> float:
        """All engines at their lowest throttle (N): the lower bound that makes guidance non-convex."""
        return sum(e.count * e.axial_thrust_n * e.throttle_min for e in self.engines)

    @property
    def unit_thrust_n(self) -> float:
        """Thrust of one engine unit at full rated throttle (the loss of an ``engine_out``)."""
        return max(e.axial_thrust_n for e in self.engines)

    @property
    def isp_s(self) -> float:
        """Effective Isp of all engines firing together (thrust-weighted harmonic mean)."""
        thrust = sum(e.count * e.thrust_n for e in self.engines)
        mdot = sum(e.count * e.thrust_n / e.isp_s for e in self.engines)
        return thrust / mdot

    @property
    def exhaust_velocity_m_s(self) -> float:
        """Axial thrust per unit mass flow: Isp g0 cos(cant) (m/s)."""
        mdot = sum(e.count * e.thrust_n / (e.isp_s * G0_M_S2) for e in self.engines)
        axial = sum(e.count * e.axial_thrust_n for e in self.engines)
        return axial / mdot

    @property
    def effective_isp_s(self) -> float:
        """Axial thrust per unit weight flow, s (= Isp cos(cant)); what the dynamics use for mass flow."""
        return self.exhaust_velocity_m_s / G0_M_S2

    def with_changes(self, **changes: Any) -> "Vehicle":
        """Copy with fields changed."""
        return replace(self, **changes)

    # --- constructors ---------------------------------------------------------------------------
    @classmethod
    def from_spacecraft(cls, table: Any, name: str = "spacecraft") -> "Vehicle":
        """Build from the scenario ``[spacecraft]`` table (a dict or the pydantic ``Spacecraft`` model).

        Fields: ``mass_kg``, ``dry_mass_kg``, ``propellant_kg``, ``engines=[{name, thrust_n, isp_s, count,
        throttle_min, throttle_max}]``, ``limits={vertical_speed_m_s, horizontal_speed_m_s, tilt_deg,
        slope_deg}``, ``max_tilt_rate_deg_s``. Missing dry/propellant split: the one given fixes the other.
        """
        d = table.model_dump() if hasattr(table, "model_dump") else dict(table)
        mass = d.get("mass_kg")
        dry = d.get("dry_mass_kg")
        prop = d.get("propellant_kg")
        if mass is None and (dry is None or prop is None):
            raise ScenarioError(f"[{name}]: give mass_kg, or both dry_mass_kg and propellant_kg")
        if dry is None and prop is None:
            raise ScenarioError(
                f"[{name}]: powered descent needs dry_mass_kg or propellant_kg (mass_kg={mass} alone "
                "does not say how much propellant there is)"
            )
        if dry is None:
            dry = float(mass) - float(prop)
        if prop is None:
            prop = float(mass) - float(dry)
        if mass is not None and abs(float(dry) + float(prop) - float(mass)) > 1e-6 * float(mass):
            # A scenario mass below dry+propellant means propellant was burnt before this step.
            prop = float(mass) - float(dry)
        if prop < 0:
            raise ScenarioError(f"[{name}]: mass_kg={mass} is below dry_mass_kg={dry}: no propellant left")
        engines = tuple(
            Engine(
                name=str(e.get("name", f"engine{i}")),
                thrust_n=float(e["thrust_n"]),
                isp_s=float(e["isp_s"]),
                count=int(e.get("count", 1)),
                throttle_min=float(e.get("throttle_min", 1.0)),
                throttle_max=float(e.get("throttle_max", 1.0)),
                cant_deg=float(e.get("cant_deg", 0.0) or 0.0),
            )
            for i, e in enumerate(d.get("engines") or [])
        )
        lim = {k: v for k, v in (d.get("limits") or {}).items() if v is not None}
        limits = Limits(  # limits not given: the Limits defaults (2 m/s, 0.5 m/s, 10 deg; slope unchecked)
            vertical_speed_m_s=lim.get("vertical_speed_m_s", 2.0),
            horizontal_speed_m_s=lim.get("horizontal_speed_m_s", 0.5),
            tilt_deg=lim.get("tilt_deg", 10.0),
            slope_deg=lim.get("slope_deg", None),
        )
        rate = d.get("max_tilt_rate_deg_s") or 10.0
        return cls(float(dry), float(prop), engines, limits, float(rate), name=name)


def default_lunar_lander() -> Vehicle:
    """Chandrayaan-3-like lander (shared/facts/missions.md): 1752 kg, 4 x 800 N throttleable engines.

    Published: mass 1752 kg (ISRO), 4 x 800 N main engines, touchdown limits 2 m/s vertical,
    0.5 m/s horizontal, 12 deg slope. NOT published, assumed here: Isp 310 s (typical MMH/MON3 800 N
    class), propellant 950 kg (Chandrayaan-2 Vikram carried 845 kg for 1471 kg, press; scaled up),
    throttle 40-100 %, tilt limit 10 deg, slew rate 10 deg/s.
    """
    return Vehicle(
        dry_mass_kg=1752.0 - 950.0,
        propellant_kg=950.0,
        engines=(Engine("main", 800.0, 310.0, count=4, throttle_min=0.4, throttle_max=1.0),),
        limits=Limits(vertical_speed_m_s=2.0, horizontal_speed_m_s=0.5, tilt_deg=10.0, slope_deg=12.0),
        max_tilt_rate_deg_s=10.0,
        name="chandrayaan3-like",
    )
