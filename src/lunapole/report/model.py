"""What a report shows, as plain data (filled from a run or a replay; figures and HTML only read it).

Times: ``t_s`` are seconds after ``ReportInput.t0_utc`` (a UTC ISO string); figures label them in UTC.
Positions: ``r_inertial_km`` Moon-centred J2000 (ICRF axes), ``r_fixed_km`` Moon body-fixed (MOON_ME);
latitude / east longitude in degrees on the body-fixed frame; altitudes in km above the reference the
producer names in ``altitude_reference``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lunapole.missions.common import Comparison  # one definition, shared with the replays


@dataclass
class Track:
    """One simulated trajectory (e.g. "planned (84 s)" or "flown (127 s)")."""

    label: str
    t_s: np.ndarray
    altitude_km: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    r_fixed_km: np.ndarray
    r_inertial_km: np.ndarray | None = None
    periapsis_alt_km: np.ndarray | None = None
    apoapsis_alt_km: np.ndarray | None = None
    speed_m_s: np.ndarray | None = None
    dash: str = "solid"
    faint: bool = False  # drawn thin and light (e.g. the long history behind an emphasised final approach)

    def __post_init__(self) -> None:
        n = len(self.t_s)
        for name in ("altitude_km", "lat_deg", "lon_deg"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Track {self.label!r}: {name} has {len(getattr(self, name))} samples, t_s has {n}")


@dataclass
class Event:
    """A simulated event (burn start/stop, periapsis, impact, phase change, touchdown)."""

    name: str
    utc: str
    t_s: float
    track: str = ""
    detail: str = ""


@dataclass
class TimelineRow:
    """Mission timeline: published vs simulated epoch of one event (difference in seconds)."""

    event: str
    published_utc: str | None
    simulated_utc: str | None
    difference_s: float | None = None
    source: str = ""


@dataclass
class Burn:
    """One manoeuvre as executed in the simulation."""

    name: str
    start_utc: str
    duration_s: float
    dv_m_s: float
    propellant_kg: float
    thrust_n: float | None = None
    track: str = ""
    cutoff: str = ""


@dataclass
class SurfacePoint:
    """Impact, touchdown or a reference site (``kind`` is ``impact``, ``touchdown`` or ``site``)."""

    kind: str
    label: str
    lat_deg: float
    lon_deg: float
    utc: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReportInput:
    """Everything the HTML report and the PNG figures show."""

    title: str
    outcome: str
    t0_utc: str
    tracks: list[Track] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    burns: list[Burn] = field(default_factory=list)
    points: list[SurfacePoint] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    subtitle: str = ""
    altitude_reference: str = "sphere of 1737.4 km (IAU mean radius)"
    json_dict: dict[str, Any] | None = None
    tables: list["ExtraTable"] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ExtraTable:
    """Any further table (e.g. the survivable-duration sweep): title, column headers, rows, a note."""

    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
