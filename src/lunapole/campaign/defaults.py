"""Default dispersions for scenarios that ship none (``lunapole montecarlo chandrayaan-3``).

Powered descent (Chandrayaan-3-class lander; 1-sigma values):

- navigation at powered-descent start: 100 m per axis position, 0.1 m/s per axis velocity, 5 m altimeter
  bias. Typical of ground orbit determination plus onboard altimetry for recent landers: SLIM landed 55 m
  from its target with vision navigation and Chandrayaan-3 ~350 m (shared/facts/missions.md); ASSUMED,
  no published Chandrayaan-3 navigation error budget exists.
- engine: thrust magnitude 1 % (throttleable 800 N bipropellant class, acceptance-test level), thrust
  misalignment 0.1 deg per axis, Isp 0.5 % (the Isp itself is not published: missions.md says use ~310 s).
  ASSUMED typical values.
- initial mass 5 kg (propellant loading and consumption knowledge). ASSUMED.
- ignition time 0.5 s. ASSUMED.
- engine out: 1 % per descent at a uniform random time (Chandrayaan-3 was designed to land with two of
  its four engines out -- "at least 2 main engines needed for landing", ISRO chair via missions.md).
  ASSUMED rate, a stress case rather than a reliability estimate.

When the batch descent kernel cannot take the scenario (e.g. steps after the descent), the generic path
keeps thrust, Isp, mass and engine out (it has no per-sample navigation, misalignment or ignition-time
input for a descent).

Single finite burn (Luna-25-like): thrust 1 %, Isp 0.5 %, mass 5 kg, and the Luna-25 failure mode
(the dV cut-off does not fire; the burn runs to its backup timer) with probability 1 %. ASSUMED.
"""
from __future__ import annotations

import copy
from typing import Any

from lunapole.errors import ScenarioError

DESCENT_DEFAULTS: dict[str, Any] = {
    "navigation": {"position_m": 100.0, "velocity_m_s": 0.1, "altimeter_bias_m": 5.0},
    "engine": {"thrust_frac": 0.01, "misalignment_deg": 0.1, "isp_frac": 0.005},
    "mass": {"initial_kg": 5.0},
    "timing": {"start_s": 0.5},
    "faults": {"engine_out": {"probability": 0.01}},
}

BURN_DEFAULTS: dict[str, Any] = {
    "engine": {"thrust_frac": 0.01, "isp_frac": 0.005},
    "mass": {"initial_kg": 5.0},
}


def default_dispersions(raw: dict, source: str) -> dict[str, Any]:
    """The ``[dispersions]`` table used when a scenario has none."""
    seq = [st for st in raw.get("sequence") or [] if isinstance(st, dict)]
    descents = [st for st in seq if st.get("type") == "powered_descent"]
    if len(descents) == 1:
        table = copy.deepcopy(DESCENT_DEFAULTS)
        if descents[0].get("name"):
            table["step"] = descents[0]["name"]
        else:
            table.pop("faults")  # faults address steps by name
        from lunapole.campaign.descent_model import why_not_applicable
        from lunapole.campaign.dispersions import parse_dispersions

        if why_not_applicable(raw, parse_dispersions(table, raw, source)) is not None:
            # the generic per-sample path: keep what a whole-scenario run can apply
            table.pop("navigation")
            table.pop("timing")
            table["engine"].pop("misalignment_deg")
        return table
    burns = [st for st in seq if st.get("type") == "finite_burn"]
    if len(burns) == 1 and burns[0].get("name"):
        table = copy.deepcopy(BURN_DEFAULTS)
        table["step"] = burns[0]["name"]
        if burns[0].get("backup_timer_s") is not None and "dv_m_s" in burns[0]:
            table["faults"] = {"no_cutoff": {"probability": 0.01}}
        return table
    raise ScenarioError(
        f"{source}: no [dispersions] table, and no default fits (defaults exist for one powered_descent step or "
        "one named finite_burn); add a [dispersions] table saying what to disperse (docs/montecarlo.md)"
    )
