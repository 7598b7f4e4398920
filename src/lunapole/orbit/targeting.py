"""Differential correction: Newton's method with a finite-difference Jacobian, damping and bounds.

:func:`solve` drives ``residuals(x)`` to zero (|r_i| <= tol_i); :func:`target_burn_for_orbit` uses it
to find the finite-burn delta-v (and, for two targets, the in-plane pitch angle) that gives a
target osculating periapsis/apoapsis altitude after the burn.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lunapole.errors import InfeasibleError, ScenarioError


@dataclass(frozen=True)
class Solution:
    """``x`` solution, ``residuals`` at it, ``iterations``, ``converged``, ``evaluations``."""

    x: np.ndarray
    residuals: np.ndarray
    iterations: int
    converged: bool
    evaluations: int


def solve(func, x0, scale=None, tol=1e-6, max_iter: int = 20, bounds=None, residual_names=None,
          fd_rel_step: float = 1e-4, raise_on_failure: bool = True) -> Solution:
    """Newton iteration on ``func(x) -> residuals`` (m,), x (n,), least-squares step when m != n.

    ``scale`` (n,): typical magnitude of each parameter (finite-difference steps are
    ``fd_rel_step * scale``); ``tol``: scalar or (m,) residual tolerances (in residual units);
    ``bounds``: ((lo...), (hi...)) clips every iterate; the step is halved (up to 8 times) while the
    scaled residual norm does not decrease. Raises :class:`InfeasibleError` naming the residuals when
    it does not converge (unless ``raise_on_failure`` is False).
    """
    x = np.array(x0, dtype=float).reshape(-1)
    n = x.size
    scale = np.ones(n) if scale is None else np.abs(np.asarray(scale, float)).reshape(-1)
    if scale.shape != (n,) or np.any(scale == 0):
        raise ScenarioError(f"solve: scale must have {n} non-zero entries, got {scale}")
    lo = hi = None
    if bounds is not None:
        lo = np.asarray(bounds[0], float)
        hi = np.asarray(bounds[1], float)
        x = np.clip(x, lo, hi)
    evals = 0

    def f(xv):
        nonlocal evals
        evals += 1
        return np.asarray(func(xv), float).reshape(-1)

    r = f(x)
    tol_v = np.broadcast_to(np.asarray(tol, float), r.shape)
    names = list(residual_names) if residual_names is not None else [f"r{i}" for i in range(r.size)]

    def norm(res):
        return float(np.linalg.norm(res / tol_v))

    it = 0
    while it < max_iter and np.any(np.abs(r) > tol_v):
        it += 1
        J = np.empty((r.size, n))
        for j in range(n):
            dx = fd_rel_step * scale[j]
            xp = x.copy()
            xp[j] += dx
            if hi is not None and xp[j] > hi[j]:
                xp[j] = x[j] - dx
                dx = -dx
            J[:, j] = (f(xp) - r) / dx
        step = np.linalg.lstsq(J / tol_v[:, None], -r / tol_v, rcond=None)[0]
        lam = 1.0
        base = norm(r)
        for _ in range(9):
            xn = x + lam * step
            if lo is not None:
                xn = np.clip(xn, lo, hi)
            rn = f(xn)
            if np.all(np.isfinite(rn)) and norm(rn) < base:
                break
            lam *= 0.5
        else:
            break  # no decrease along the Newton direction: stop (reported below)
        x, r = xn, rn
    converged = bool(np.all(np.abs(r) <= tol_v))
    sol = Solution(x, r, it, converged, evals)
    if not converged and raise_on_failure:
        detail = ", ".join(f"{nm}={val:.6g} (tol {tv:.3g})" for nm, val, tv in zip(names, r, tol_v))
        raise InfeasibleError(f"differential correction did not converge after {it} iterations: {detail}; "
                              f"last parameters {x.tolist()}. Check that the targets are reachable (bounds, "
                              "thrust direction) or give a better first guess.")
    return sol


TARGET_KEYS = ("periapsis_alt_km", "apoapsis_alt_km")


def target_burn_for_orbit(state, force_model, burn_template, targets: dict, tol_km: float = 0.01,
                          max_dv_m_s: float = 2000.0, max_iter: int = 25, rtol: float = 1e-10,
                          atol_m: float = 1e-3):
    """Finite burn from ``state`` reaching target osculating periapsis/apoapsis altitudes (km above the
    mean radius, using the force model's GM) at burn end.

    One target: the burn's ``target_dv_m_s`` is varied. Two targets: also the pitch angle of a fixed
    inertial thrust direction, rotated from the template's (along/against) velocity direction towards
    the radial-out direction in the orbit plane. Returns ``(burn, Solution, trajectory)``.
    """
    from lunapole.astro.constants import MOON_MEAN_RADIUS_M
    from lunapole.orbit.elements import elements_from_state
    from lunapole.orbit.propagate import propagate

    keys = [k for k in TARGET_KEYS if k in targets]
    unknown = set(targets) - set(TARGET_KEYS)
    if unknown or not keys:
        raise ScenarioError(f"target_burn_for_orbit: targets must use keys {TARGET_KEYS}, got {sorted(targets)}")
    goal = np.array([float(targets[k]) for k in keys])
    v_hat = state.v_m_s / np.linalg.norm(state.v_m_s)
    sign = -1.0 if burn_template.direction == "against_velocity" else 1.0
    h = np.cross(state.r_m, state.v_m_s)
    radial = np.cross(v_hat, h / np.linalg.norm(h))  # in-plane, perpendicular to v, outward-ish
    if radial @ state.r_m < 0:
        radial = -radial
    mu = force_model.gm_m3_s2

    def make_burn(x):
        kw = dict(target_dv_m_s=float(x[0]), duration_s=None)
        if len(keys) == 2:
            p = math.radians(x[1])
            d = sign * math.cos(p) * v_hat + math.sin(p) * radial
            kw.update(direction="inertial", direction_j2000=tuple(d))
        return replace(burn_template, **kw)

    last = {}

    def residuals(x):
        burn = make_burn(x)
        traj = propagate(state, force_model, burn=burn, stop_on=("impact",), record=(), rtol=rtol, atol_m=atol_m)
        last["traj"] = traj
        el = elements_from_state(traj.final_state, mu)
        got = {"periapsis_alt_km": (el.periapsis_radius_m() - MOON_MEAN_RADIUS_M) / 1e3,
               "apoapsis_alt_km": (el.apoapsis_radius_m() - MOON_MEAN_RADIUS_M) / 1e3}
        return np.array([got[k] for k in keys]) - goal

    dv0 = burn_template.target_dv_m_s or 10.0
    x0 = [dv0] if len(keys) == 1 else [dv0, 0.0]
    scale = [max(dv0, 1.0)] if len(keys) == 1 else [max(dv0, 1.0), 10.0]
    bounds = ([0.0], [max_dv_m_s]) if len(keys) == 1 else ([0.0, -90.0], [max_dv_m_s, 90.0])
    sol = solve(residuals, x0, scale=scale, tol=tol_km, max_iter=max_iter, bounds=bounds, residual_names=keys)
    burn = make_burn(sol.x)
    residuals(sol.x)
    return burn, sol, last["traj"]
