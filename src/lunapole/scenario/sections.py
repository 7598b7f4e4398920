"""Scenario tables other than the sequence: ``[scenario]``, ``[spacecraft]``, ``[initial_state]``,
``[forces]``, ``[output]``.

Units are in the field names; SI conversion happens in the runner. Step modules (including plug-ins
such as ``powered_descent``) may import this module; it never imports the step registry.
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from lunapole.scenario._fields import EpochText, StrictModel, Vector3


class ScenarioMeta(StrictModel):
    """``[scenario]``: name, start epoch and the planetary ephemeris."""

    name: str = Field(min_length=1)
    epoch: EpochText
    description: str = ""
    ephemeris: Literal["DE421", "DE440"] = "DE421"
    # Modelling assumptions, shown in reports (replays state every reconstruction choice here).
    assumptions: list[str] = Field(default_factory=list)


class Engine(StrictModel):
    """One engine type on the spacecraft (``count`` identical units).

    ``thrust_n`` is the rated (100 % throttle) thrust of ONE unit; ``cant_deg`` the angle of each unit
    to the thrust axis, so the axial thrust is ``count * thrust_n * cos(cant)``.
    """

    name: str = Field(min_length=1)
    thrust_n: float = Field(gt=0.0)
    isp_s: float = Field(gt=0.0, le=10000.0)
    count: int = Field(default=1, ge=1, le=64)
    throttle_min: float = Field(default=1.0, ge=0.0, le=1.0)
    throttle_max: float = Field(default=1.0, gt=0.0, le=1.0)
    cant_deg: float = Field(default=0.0, ge=0.0, lt=90.0)

    @model_validator(mode="after")
    def _throttle_order(self) -> "Engine":
        if self.throttle_min > self.throttle_max:
            raise ValueError(
                f"throttle_min ({self.throttle_min}) must not exceed throttle_max ({self.throttle_max})"
            )
        return self

    @property
    def axial_thrust_n(self) -> float:
        """Thrust along the vehicle axis with all ``count`` units at 100 % (N)."""
        return self.count * self.thrust_n * math.cos(math.radians(self.cant_deg))

    @property
    def axial_isp_s(self) -> float:
        """Isp referred to the axial thrust (cant losses included), for the rocket equation (s)."""
        return self.isp_s * math.cos(math.radians(self.cant_deg))


class Limits(StrictModel):
    """Touchdown limits checked by the descent executor (all optional)."""

    vertical_speed_m_s: float | None = Field(default=None, gt=0.0)
    horizontal_speed_m_s: float | None = Field(default=None, ge=0.0)
    tilt_deg: float | None = Field(default=None, ge=0.0, le=90.0)
    slope_deg: float | None = Field(default=None, ge=0.0, le=90.0)


class Spacecraft(StrictModel):
    """``[spacecraft]``: wet mass, optional dry/propellant split, engines, landing limits."""

    mass_kg: float = Field(gt=0.0)
    dry_mass_kg: float | None = Field(default=None, gt=0.0)
    propellant_kg: float | None = Field(default=None, ge=0.0)
    engines: list[Engine] = Field(default_factory=list)
    limits: Limits | None = None
    max_tilt_rate_deg_s: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _masses(self) -> "Spacecraft":
        if self.dry_mass_kg is not None and self.dry_mass_kg >= self.mass_kg:
            raise ValueError(
                f"dry_mass_kg ({self.dry_mass_kg}) must be less than mass_kg ({self.mass_kg})"
            )
        if self.propellant_kg is not None and self.propellant_kg >= self.mass_kg:
            raise ValueError(
                f"propellant_kg ({self.propellant_kg}) must be less than mass_kg ({self.mass_kg}): "
                "the dry structure has mass"
            )
        if (
            self.dry_mass_kg is not None
            and self.propellant_kg is not None
            and self.dry_mass_kg + self.propellant_kg > self.mass_kg + 1e-9
        ):
            raise ValueError(
                f"dry_mass_kg + propellant_kg ({self.dry_mass_kg + self.propellant_kg}) exceeds "
                f"mass_kg ({self.mass_kg}); the difference, if any, is unusable residual mass"
            )
        names = [e.name for e in self.engines]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"engine names must be unique; repeated: {', '.join(duplicates)}")
        return self

    def engine(self, name: str | None) -> Engine:
        """The engine called ``name`` (the first engine when ``name`` is None)."""
        if not self.engines:
            raise KeyError("the spacecraft has no engines")
        if name is None:
            return self.engines[0]
        for eng in self.engines:
            if eng.name == name:
                return eng
        raise KeyError(name)

    @property
    def usable_propellant_kg(self) -> float | None:
        """Usable propellant at the start (kg): ``propellant_kg``, else ``mass_kg - dry_mass_kg``, else None."""
        if self.propellant_kg is not None:
            return self.propellant_kg
        if self.dry_mass_kg is not None:
            return self.mass_kg - self.dry_mass_kg
        return None


class InitialState(StrictModel):
    """``[initial_state]``: Moon-centred state at the scenario epoch.

    ``type = "keplerian"`` (J2000 only) with ``sma_km`` + ``ecc`` or ``periapsis_alt_km`` +
    ``apoapsis_alt_km`` (altitudes above the 1737.4 km mean sphere), plus angles; or
    ``type = "cartesian"`` with ``position_km`` and ``velocity_km_s`` in ``J2000`` or ``MOON_ME``
    (body-fixed: velocity relative to the rotating Moon); or ``type = "selenographic"`` (``MOON_ME``):
    ``lat_deg``, ``lon_deg``, ``altitude_km`` and ``velocity_enu_km_s`` (east, north, up, relative to
    the rotating Moon).
    """

    center: Literal["MOON"] = "MOON"
    frame: Literal["J2000", "MOON_ME"] = "J2000"
    type: Literal["keplerian", "cartesian", "selenographic"]
    sma_km: float | None = Field(default=None, gt=0.0)
    ecc: float | None = Field(default=None, ge=0.0, lt=1.0)
    periapsis_alt_km: float | None = Field(default=None, gt=-1737.4)
    apoapsis_alt_km: float | None = Field(default=None, gt=-1737.4)
    inc_deg: float | None = Field(default=None, ge=0.0, le=180.0)
    raan_deg: float = 0.0
    argp_deg: float = 0.0
    ta_deg: float = 0.0
    position_km: Vector3 | None = None
    velocity_km_s: Vector3 | None = None
    lat_deg: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon_deg: float | None = Field(default=None, ge=-360.0, le=360.0)
    altitude_km: float | None = Field(default=None, gt=-20.0)
    velocity_enu_km_s: Vector3 | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "InitialState":
        kepler_fields = ("sma_km", "ecc", "periapsis_alt_km", "apoapsis_alt_km", "inc_deg")
        seleno_fields = ("lat_deg", "lon_deg", "altitude_km", "velocity_enu_km_s")
        if self.type != "selenographic":
            given = [f for f in seleno_fields if getattr(self, f) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} belong to type = 'selenographic'")
        if self.type == "selenographic":
            missing = [f for f in seleno_fields if getattr(self, f) is None]
            if missing:
                raise ValueError(f"type = 'selenographic' needs {', '.join(missing)} (MOON_ME; ENU velocity in km/s)")
            if self.frame != "MOON_ME":
                raise ValueError("type = 'selenographic' is Moon-fixed: set frame = 'MOON_ME'")
            given = [f for f in kepler_fields + ("position_km", "velocity_km_s") if getattr(self, f) is not None]
            if given:
                raise ValueError(f"type = 'selenographic' does not take {', '.join(given)}")
            return self
        if self.type == "cartesian":
            if self.position_km is None or self.velocity_km_s is None:
                raise ValueError("type = 'cartesian' needs position_km = [x, y, z] and velocity_km_s = [vx, vy, vz]")
            given = [f for f in kepler_fields if getattr(self, f) is not None]
            if given:
                raise ValueError(f"type = 'cartesian' does not take {', '.join(given)} (those are keplerian)")
            return self
        if self.frame != "J2000":
            raise ValueError(
                "keplerian elements are inertial: use frame = 'J2000', or give a cartesian MOON_ME state"
            )
        if self.position_km is not None or self.velocity_km_s is not None:
            raise ValueError("type = 'keplerian' does not take position_km/velocity_km_s (use type = 'cartesian')")
        by_sma = self.sma_km is not None or self.ecc is not None
        by_alt = self.periapsis_alt_km is not None or self.apoapsis_alt_km is not None
        if by_sma and by_alt:
            raise ValueError("give either sma_km + ecc or periapsis_alt_km + apoapsis_alt_km, not both")
        if by_sma and (self.sma_km is None or self.ecc is None):
            raise ValueError("sma_km and ecc go together: give both")
        if by_alt and (self.periapsis_alt_km is None or self.apoapsis_alt_km is None):
            raise ValueError("periapsis_alt_km and apoapsis_alt_km go together: give both")
        if not by_sma and not by_alt:
            raise ValueError("type = 'keplerian' needs sma_km + ecc, or periapsis_alt_km + apoapsis_alt_km")
        if by_alt and self.apoapsis_alt_km < self.periapsis_alt_km:
            raise ValueError(
                f"apoapsis_alt_km ({self.apoapsis_alt_km}) must be >= periapsis_alt_km ({self.periapsis_alt_km})"
            )
        if self.inc_deg is None:
            raise ValueError("type = 'keplerian' needs inc_deg (0 to 180)")
        return self


class GravitySpec(StrictModel):
    """``[forces] gravity``: a catalog name (``GRGM1200A``...), a file path, or ``"point_mass"``."""

    field: str = Field(min_length=1)
    degree: int | None = Field(default=None, ge=0, le=2000)
    order: int | None = Field(default=None, ge=0, le=2000)
    body_frame: Literal["MOON_PA", "MOON_ME"] = "MOON_PA"

    @model_validator(mode="after")
    def _order(self) -> "GravitySpec":
        if self.degree is not None and self.order is not None and self.order > self.degree:
            raise ValueError(f"order ({self.order}) must not exceed degree ({self.degree})")
        return self

    @property
    def is_point_mass(self) -> bool:
        """True for the two-body field (``field = "point_mass"``)."""
        return self.field.lower() in ("point_mass", "point-mass", "pointmass")


class SrpSpec(StrictModel):
    """``[forces] srp``: cannonball solar radiation pressure."""

    area_m2: float = Field(gt=0.0)
    cr: float = Field(default=1.3, ge=0.0, le=2.0)


class Forces(StrictModel):
    """``[forces]``: lunar gravity field, third bodies, SRP."""

    gravity: GravitySpec = Field(default_factory=lambda: GravitySpec(field="point_mass"))
    third_bodies: list[Literal["EARTH", "SUN"]] = Field(default_factory=lambda: ["EARTH", "SUN"])
    srp: SrpSpec | None = None

    @model_validator(mode="after")
    def _unique(self) -> "Forces":
        if len(set(self.third_bodies)) != len(self.third_bodies):
            raise ValueError(f"third_bodies has repeated entries: {self.third_bodies}")
        return self


class Output(StrictModel):
    """``[output]``: optional ephemeris file (``.oem`` CCSDS OEM or ``.csv``) and its sampling step.

    Relative paths are resolved against the scenario file's directory (built-in scenarios: the
    current directory); parent directories are created.
    """

    ephemeris: str | None = None
    ephemeris_step_s: float = Field(default=60.0, gt=0.0)

    @model_validator(mode="after")
    def _suffix(self) -> "Output":
        if self.ephemeris is not None:
            suffix = self.ephemeris.rsplit(".", 1)[-1].lower() if "." in self.ephemeris else ""
            if suffix not in ("oem", "csv"):
                raise ValueError(
                    f"ephemeris file {self.ephemeris!r} must end in .oem (CCSDS OEM) or .csv"
                )
        return self
