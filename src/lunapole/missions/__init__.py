"""lunapole.missions: replays of real south-pole missions against their published numbers.

``replay(name, overrides=())`` runs a built-in scenario (``luna-25``, ``chandrayaan-3``) exactly as
``lunapole run`` would and returns a :class:`ReplayResult` with the published-vs-simulated comparison.
"""
from lunapole.missions.common import Comparison, SweepPoint, SweepResult, TimelineEntry
from lunapole.missions.replay import ReplayResult, replay

__all__ = ["replay", "ReplayResult", "Comparison", "TimelineEntry", "SweepResult", "SweepPoint"]
