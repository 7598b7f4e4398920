"""Shared pieces of targeted burns: the ``targets`` table and the osculating apsis altitudes.

Targets are osculating two-body apsis altitudes (above the 1737.4 km mean sphere) of the state at
the end of the burn, the usual mission-design convention (GMAT's ``Achieve`` on Keplerian elements).
"""
from __future__ import annotations

import math

import numpy as np
from pydantic import Field, model_validator

from lunapole.astro.constants import MOON_GM_M3_S2, MOON_MEAN_RADIUS_M
from lunapole.scenario._fields import StrictModel

TARGET_KEYS = ("periapsis_alt_km", "apoapsis_alt_km")


class Targets(StrictModel):
    """``targets = { periapsis_alt_km = .., apoapsis_alt_km = .. }`` (one or both) and the tolerance."""

    periapsis_alt_km: float | None = Field(default=None, gt=-1737.4)
    apoapsis_alt_km: float | None = Field(default=None, gt=-1737.4)
    tolerance_m: float = Field(default=10.0, gt=0.0)
    max_iterations: int = Field(default=25, ge=1, le=200)

    @model_validator(mode="after")
    def _at_least_one(self) -> "Targets":
        if self.periapsis_alt_km is None and self.apoapsis_alt_km is None:
            raise ValueError("targets needs periapsis_alt_km and/or apoapsis_alt_km")
        if (
            self.periapsis_alt_km is not None
            and self.apoapsis_alt_km is not None
            and self.apoapsis_alt_km < self.periapsis_alt_km
        ):
            raise ValueError(
                f"apoapsis_alt_km ({self.apoapsis_alt_km}) must be >= periapsis_alt_km ({self.periapsis_alt_km})"
            )
        return self

    @property
    def names(self) -> list[str]:
        """Names of the set targets, in a fixed order."""
        return [k for k in TARGET_KEYS if getattr(self, k) is not None]

    @property
    def values_m(self) -> np.ndarray:
        """Target altitudes (m), same order as :attr:`names`."""
        return np.array([getattr(self, k) * 1e3 for k in self.names])


def apsis_altitudes_m(r_m: np.ndarray, v_m_s: np.ndarray, gm_m3_s2: float = MOON_GM_M3_S2) -> tuple[float, float]:
    """Two-body (periapsis, apoapsis) altitudes (m) above the mean sphere; apoapsis is +inf if unbound."""
    r = np.asarray(r_m, dtype=float)
    v = np.asarray(v_m_s, dtype=float)
    rn = float(np.linalg.norm(r))
    energy = 0.5 * float(v @ v) - gm_m3_s2 / rn
    h = np.cross(r, v)
    e_vec = np.cross(v, h) / gm_m3_s2 - r / rn
    ecc = float(np.linalg.norm(e_vec))
    p = float(h @ h) / gm_m3_s2
    rp = p / (1.0 + ecc)
    ra = p / (1.0 - ecc) if (energy < 0.0 and ecc < 1.0) else math.inf
    return rp - MOON_MEAN_RADIUS_M, ra - MOON_MEAN_RADIUS_M


def measure(names: list[str], r_m: np.ndarray, v_m_s: np.ndarray) -> np.ndarray:
    """The targeted quantities (m) of a state, in the order of ``names``."""
    peri, apo = apsis_altitudes_m(r_m, v_m_s)
    values = {"periapsis_alt_km": peri, "apoapsis_alt_km": apo}
    return np.array([values[n] for n in names])


def solve(fun, x0: np.ndarray, goal: np.ndarray, tol: np.ndarray, max_iterations: int, scale: np.ndarray):
    """Differential correction of ``fun(x) = goal`` with :func:`lunapole.orbit.targeting.solve`.

    Returns ``(x, achieved, iterations, converged)`` (no exception: callers word their own error).
    """
    from lunapole.orbit.targeting import solve as _solve

    goal = np.asarray(goal, dtype=float)
    sol = _solve(lambda x: np.asarray(fun(x), float) - goal, np.asarray(x0, float), scale=scale, tol=tol,
                 max_iter=max_iterations, raise_on_failure=False)
    return sol.x, sol.residuals + goal, sol.iterations, sol.converged


def tangential_guess_m_s(r_m: np.ndarray, v_m_s: np.ndarray, target_alt_m: float,
                         gm_m3_s2: float = MOON_GM_M3_S2) -> float:
    """Signed along-velocity dV (m/s) that makes the current point one apsis and puts the other
    apsis at ``target_alt_m`` (vis-viva; Vallado 2013, Algorithm 36 for the Hohmann legs)."""
    r = float(np.linalg.norm(r_m))
    r_t = MOON_MEAN_RADIUS_M + float(target_alt_m)
    v_new = math.sqrt(2.0 * gm_m3_s2 * r_t / (r * (r + r_t)))
    return v_new - float(np.linalg.norm(v_m_s))


def two_target_dv_vnb(r_m: np.ndarray, v_m_s: np.ndarray, peri_alt_m: float, apo_alt_m: float,
                      gm_m3_s2: float = MOON_GM_M3_S2) -> np.ndarray:
    """Closed-form impulsive dV (VNB, m/s) from (r, v) to an orbit with the given apsis altitudes.

    Energy and angular momentum of the target orbit fix the speed and its tangential part at the
    current radius (vis-viva, h = sqrt(mu p)); the radial part keeps the sign of the current radial
    velocity. Raises :class:`InfeasibleError` when the current radius is outside [r_p, r_a].
    """
    from lunapole.errors import InfeasibleError
    from lunapole.orbit.burns import local_axes

    r = np.asarray(r_m, float)
    v = np.asarray(v_m_s, float)
    rn = float(np.linalg.norm(r))
    rp = MOON_MEAN_RADIUS_M + peri_alt_m
    ra = MOON_MEAN_RADIUS_M + apo_alt_m
    if not rp - 1.0 <= rn <= ra + 1.0:
        raise InfeasibleError(
            f"an impulsive burn at radius {rn / 1e3:.3f} km (altitude {(rn - MOON_MEAN_RADIUS_M) / 1e3:.3f} km) "
            f"cannot give periapsis/apoapsis altitudes {peri_alt_m / 1e3:.3f}/{apo_alt_m / 1e3:.3f} km: the burn "
            "point must lie between them; coast to another point first"
        )
    a = 0.5 * (rp + ra)
    p = 2.0 * rp * ra / (rp + ra)
    speed = math.sqrt(max(gm_m3_s2 * (2.0 / rn - 1.0 / a), 0.0))
    vt = math.sqrt(gm_m3_s2 * p) / rn
    vr = math.sqrt(max(speed * speed - vt * vt, 0.0))
    r_hat = r / rn
    h = np.cross(r, v)
    n_hat = h / np.linalg.norm(h)
    t_hat = np.cross(n_hat, r_hat)
    if float(v @ r_hat) < 0.0:
        vr = -vr
    v_new = vt * t_hat + vr * r_hat
    return local_axes(r, v, "VNB").T @ (v_new - v)
