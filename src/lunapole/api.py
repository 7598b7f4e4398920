"""The user-facing names of lunapole in one place (``from lunapole.api import propagate, load_field, ...``).

Names resolve on first use, so importing this module stays cheap (numba kernels compile only when used).
Units and frames are in each function's docstring; see docs/ for the models.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    # time, ephemeris, frames
    "parse_epoch": "lunapole.astro.time", "utc_iso_to_tdb_s": "lunapole.astro.time",
    "tdb_s_to_utc_iso": "lunapole.astro.time", "tdb_s_to_tdb_iso": "lunapole.astro.time",
    "position_m": "lunapole.astro.ephemeris",
    "rotation": "lunapole.astro.frames", "selenographic_to_cartesian_m": "lunapole.astro.frames",
    "cartesian_to_selenographic": "lunapole.astro.frames", "enu_matrix": "lunapole.astro.frames",
    # gravity
    "SphericalHarmonicField": "lunapole.gravity", "load_field": "lunapole.gravity",
    "acceleration_m_s2": "lunapole.gravity", "potential_m2_s2": "lunapole.gravity",
    # orbits
    "State": "lunapole.orbit", "ForceModel": "lunapole.orbit", "propagate": "lunapole.orbit",
    "FiniteBurn": "lunapole.orbit", "apply_impulsive_burn": "lunapole.orbit",
    "keplerian_to_state": "lunapole.orbit", "elements_from_state": "lunapole.orbit", "write_oem": "lunapole.orbit",
    # scenarios, replays, reports
    "load_scenario": "lunapole.scenario", "scenario_from_dict": "lunapole.scenario", "run_scenario": "lunapole.scenario",
    "replay": "lunapole.missions", "write_report": "lunapole.report",
    # descent
    "Vehicle": "lunapole.descent", "default_lunar_lander": "lunapole.descent",
    "default_lunar_plan": "lunapole.descent", "simulate_descent": "lunapole.descent",
    "simulate_batch": "lunapole.descent", "ConvexPlanner": "lunapole.descent.guidance.convex",
    # terrain
    "read_dem": "lunapole.terrain", "compute_horizon": "lunapole.terrain", "illumination_maps": "lunapole.terrain",
    "rank_base_sites": "lunapole.terrain", "rank_landing_sites": "lunapole.terrain",
    # Monte Carlo
    "run_campaign": "lunapole.campaign", "summarize": "lunapole.campaign",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lunapole.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
