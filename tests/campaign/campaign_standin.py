"""A stand-in sample model for the campaign framework tests: closed-form, fast, importable by workers.

It is not physics under test: it only has to be a deterministic function of the drawn inputs, with
failures that depend on them, so that the runner, store, resume and statistics can be checked exactly.
"""
from __future__ import annotations

import time

import numpy as np

G0 = 9.80665


def toy_lander(raw: dict, inputs: dict) -> dict:
    """Rocket-equation propellant margin and a nav/misalignment-driven touchdown point."""
    n = len(next(iter(inputs.values())))
    zero = np.zeros(n)
    toy = raw.get("toy", {})
    if toy.get("sleep_s"):
        time.sleep(float(toy["sleep_s"]))
    mass = inputs.get("in.spacecraft.mass_kg", np.full(n, raw["spacecraft"]["mass_kg"])) + inputs.get(
        "in.mass.initial_kg", zero)
    isp = toy["isp_s"] * (1.0 + inputs.get("in.engine.isp_frac", zero))
    dv = inputs.get("in.toy.dv_m_s", np.full(n, toy["dv_m_s"])) * (1.0 - 0.5 * inputs.get("in.engine.thrust_frac", zero))
    out_t = inputs.get("fault.engine_out.time_frac", np.full(n, np.nan))
    dv = dv + np.where(np.isfinite(out_t), 300.0 * (1.0 - out_t), 0.0)
    used = mass * (1.0 - np.exp(-dv / (isp * G0)))
    margin = toy["propellant_kg"] - used
    east = inputs.get("in.navigation.position_m.east", zero) + 800.0 * inputs.get(
        "in.engine.misalignment_deg.x", zero)
    north = inputs.get("in.navigation.position_m.north", zero) + 300.0 * inputs.get(
        "in.engine.misalignment_deg.y", zero)
    stuck = inputs.get("fault.no_cutoff", np.zeros(n, dtype=bool))
    success = (margin > 0.0) & ~stuck
    reason = np.where(stuck, "no_cutoff", np.where(margin > 0.0, "", "propellant_exhausted"))
    return {"success": success, "failure_reason": reason, "landing_east_m": east, "landing_north_m": north,
            "propellant_margin_kg": margin, "dv_m_s": dv}
