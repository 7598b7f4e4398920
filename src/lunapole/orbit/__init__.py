"""lunapole.orbit: states and elements, force models, DOP853 propagation with events, burns, targeting,
ephemeris output (CCSDS OEM / CSV). See docs/orbit.md."""
from lunapole.orbit.burns import FiniteBurn, apply_impulsive_burn, local_axes
from lunapole.orbit.ccsds import oem_text, write_csv, write_oem
from lunapole.orbit.elements import (
    KeplerianElements,
    apoapsis_altitude_m,
    elements_from_rv,
    elements_from_state,
    kepler_propagate,
    kepler_propagate_state,
    keplerian_to_state,
    periapsis_altitude_m,
)
from lunapole.orbit.forces import ForceModel
from lunapole.orbit.propagate import Event, HeightGrid, Trajectory, propagate
from lunapole.orbit.state import State
from lunapole.orbit.targeting import Solution, solve, target_burn_for_orbit
from lunapole.orbit.warmup import start_warmup_process, warmup

__all__ = [
    "Event", "FiniteBurn", "ForceModel", "HeightGrid", "KeplerianElements", "Solution", "State", "Trajectory",
    "apoapsis_altitude_m", "apply_impulsive_burn", "elements_from_rv", "elements_from_state", "kepler_propagate",
    "kepler_propagate_state", "keplerian_to_state", "local_axes", "oem_text", "periapsis_altitude_m", "propagate",
    "solve", "start_warmup_process", "target_burn_for_orbit", "warmup", "write_csv", "write_oem",
]
