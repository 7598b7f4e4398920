"""Pieces shared by the replays: comparisons with published numbers, UTC strings, what-if overrides.

A replay is ``lunapole run`` on a built-in scenario plus a comparison: nothing here changes physics.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M


@dataclass
class Comparison:
    """A published number next to the simulated one (``published`` None: nothing published)."""

    quantity: str
    published: float | str | None
    simulated: float | str | None
    unit: str = ""
    source: str = ""
    note: str = ""

    @property
    def difference(self) -> float | None:
        if isinstance(self.published, (int, float)) and isinstance(self.simulated, (int, float)):
            return float(self.simulated) - float(self.published)
        return None

    def to_json_dict(self) -> dict[str, Any]:
        out = {"quantity": self.quantity, "published": _clean(self.published), "simulated": _clean(self.simulated),
               "unit": self.unit}
        if self.source:
            out["source"] = self.source
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class TimelineEntry:
    """Published vs simulated epoch of one event (UTC ISO strings)."""

    event: str
    published_utc: str | None
    simulated_utc: str | None
    source: str = ""

    @property
    def difference_s(self) -> float | None:
        if not self.published_utc or not self.simulated_utc or len(self.published_utc) <= 10:
            return None  # a published date without an hour has no difference in seconds
        a = np.datetime64(self.published_utc.replace(" UTC", ""), "ms")
        b = np.datetime64(self.simulated_utc.replace(" UTC", ""), "ms")
        return float((b - a) / np.timedelta64(1, "ms")) / 1000.0


@dataclass
class SweepPoint:
    """One evaluated burn duration of a survivable-duration sweep."""

    duration_s: float
    min_clearance_km: float
    survivable: bool
    impact: bool = False


@dataclass
class SweepResult:
    """Largest survivable burn duration (bisection) and the durations evaluated on the way."""

    step: str
    max_survivable_s: float
    min_fatal_s: float
    terrain: str
    points: list[SweepPoint] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "max_survivable_duration_s": self.max_survivable_s,
            "min_fatal_duration_s": self.min_fatal_s,
            "terrain": self.terrain,
            "evaluated": [
                {"duration_s": p.duration_s, "min_clearance_km": _clean(p.min_clearance_km),
                 "survivable": p.survivable}
                for p in sorted(self.points, key=lambda p: p.duration_s)
            ],
        }


def _clean(x):
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def utc_of(et_tdb_s: float, digits: int = 3) -> str:
    """UTC ISO string (no suffix) of TDB seconds past J2000."""
    from lunapole.astro.time import tdb_s_to_utc_iso

    return str(tdb_s_to_utc_iso(float(et_tdb_s), digits))


def great_circle_km(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float,
                    radius_m: float = MOON_MEAN_RADIUS_M) -> float:
    """Surface distance (km) on the mean sphere (haversine)."""
    p1, p2 = math.radians(lat1_deg), math.radians(lat2_deg)
    dp, dl = p2 - p1, math.radians(lon2_deg - lon1_deg)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * radius_m * math.asin(min(1.0, math.sqrt(h))) / 1e3


_STEP_DURATION = re.compile(r"^sequence(?:\.([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]|\.(\d+))\.duration_s$")


def relax_duration_overrides(raw: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """What-if semantics of a ``sequence.<step>.duration_s=...`` override on a dV-terminated burn: a fixed
    duration replaces the dV cut-off, so the step's ``dv_m_s``, ``backup_timer_s`` and ``targets`` and the
    ``cutoff_failure`` faults on it are removed (the schema forbids a burn with both ends). Returns a copy."""
    out = copy.deepcopy(raw)
    seq = out.get("sequence")
    if not isinstance(seq, list):
        return out
    for text in overrides:
        path = text.split("=", 1)[0].strip()
        m = _STEP_DURATION.match(path)
        if not m:
            continue
        name, idx_a, idx_b = m.groups()
        idx = None
        if name is not None:
            idx = next((i for i, s in enumerate(seq) if isinstance(s, dict) and s.get("name") == name), None)
        else:
            idx = int(idx_a or idx_b)
        if idx is None or idx >= len(seq) or not isinstance(seq[idx], dict):
            continue  # the scenario loader reports the bad path
        step = seq[idx]
        if step.get("type") != "finite_burn" or not any(k in step for k in ("dv_m_s", "targets")):
            continue
        for key in ("dv_m_s", "backup_timer_s", "targets"):
            step.pop(key, None)
        step_name = step.get("name")
        if step_name is not None and isinstance(out.get("faults"), list):
            out["faults"] = [f for f in out["faults"]
                             if not (f.get("step") == step_name and f.get("type") == "cutoff_failure")]
    return out


def without_faults(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of the raw scenario with no ``[[faults]]`` (the nominal plan)."""
    out = copy.deepcopy(raw)
    out.pop("faults", None)
    return out
