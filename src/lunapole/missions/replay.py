"""``replay(name)``: run a built-in mission scenario (exactly what ``lunapole run`` does with the file) and
compare it with the published numbers of its ``[replay]`` table.

The mission-specific comparison lives in :mod:`lunapole.missions.luna25` and
:mod:`lunapole.missions.chandrayaan3`; this module only dispatches on ``[replay] kind``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from lunapole.errors import ScenarioError
from lunapole.missions.common import Comparison, SweepResult, TimelineEntry, utc_of

Progress = Callable[[str], None]


@dataclass
class ReplayResult:
    """A replay: the runs (first = what happened), the published-vs-simulated comparison, the assumptions."""

    name: str
    source: Path
    runs: dict[str, Any]
    outcome: str
    planned_orbit: dict[str, float] | None = None
    achieved_orbit: dict[str, float] | None = None
    impact: dict[str, Any] | None = None
    touchdown: dict[str, Any] | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    sweep: SweepResult | None = None
    assumptions: list[str] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self):
        """The run of what happened (the scenario file as it is)."""
        return next(iter(self.runs.values()))

    @property
    def scenario(self):
        return self.primary.scenario

    def events_json(self) -> list[dict[str, Any]]:
        out = []
        for label, run in self.runs.items():
            for e in run.events:
                out.append({
                    "run": label, "type": e.type, "epoch": utc_of(e.epoch_tdb_s) + " UTC",
                    "lat_deg": _num(e.lat_deg), "lon_deg": _num(e.lon_deg), "altitude_km": _num(e.altitude_m / 1e3),
                    "step": e.step,
                })
        return out

    def to_json_dict(self) -> dict[str, Any]:
        """``{outcome, events, planned_orbit, achieved_orbit, impact, touchdown, comparisons, ...}``."""
        out: dict[str, Any] = {
            "replay": self.name,
            "scenario": str(self.source),
            "outcome": self.outcome,
            "events": self.events_json(),
            "planned_orbit": _clean(self.planned_orbit),
            "achieved_orbit": _clean(self.achieved_orbit),
            "impact": _clean(self.impact),
            "touchdown": _clean(self.touchdown),
            "comparisons": [c.to_json_dict() for c in self.comparisons],
            "timeline": [
                {"event": t.event, "published": t.published_utc, "simulated": t.simulated_utc,
                 "difference_s": t.difference_s, **({"source": t.source} if t.source else {})}
                for t in self.timeline
            ],
            "assumptions": list(self.assumptions),
            "runs": {label: run.to_json_dict() for label, run in self.runs.items()},
        }
        if self.sweep is not None:
            out["survivable_durations"] = self.sweep.to_json_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def resolve_scenario(name_or_path: str) -> Path:
    """A built-in scenario name (``luna-25``) or the path of a scenario file with a ``[replay]`` table."""
    from lunapole.scenario import builtin_scenario_path

    p = Path(name_or_path)
    if p.suffix == ".toml" and p.is_file():
        return p
    return builtin_scenario_path(name_or_path)


def replay(name_or_path: str, overrides: Iterable[str] = (), sweep: bool = True,
           progress: Progress | None = None) -> ReplayResult:
    """Replay a mission: built-in name or a copied scenario file, with ``dotted.path=value`` overrides."""
    from lunapole.scenario import read_toml

    path = resolve_scenario(name_or_path)
    raw = read_toml(path)
    table = raw.get("replay")
    if not isinstance(table, dict) or "kind" not in table:
        raise ScenarioError(f"scenario {str(path)!r} has no [replay] table with a kind; replays need the "
                            "published numbers to compare with (see the built-in luna-25.toml)")
    kind = table["kind"]
    if kind == "luna-25":
        from lunapole.missions.luna25 import replay_luna25

        return replay_luna25(raw, path, list(overrides), sweep=sweep, progress=progress)
    if kind == "chandrayaan-3":
        from lunapole.missions.chandrayaan3 import replay_chandrayaan3

        return replay_chandrayaan3(raw, path, list(overrides), progress=progress)
    raise ScenarioError(f"scenario {str(path)!r}: [replay] kind = {kind!r} is not known; "
                        "known kinds: luna-25, chandrayaan-3")
