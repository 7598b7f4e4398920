"""Fuel-optimal powered-descent guidance by lossless convexification (3-DOF), solved with Clarabel.

Problem (Açıkmeşe & Ploen 2007, JGCD 30(5), Problem 4; Açıkmeşe, Carson & Blackmore 2013, IEEE TCST
21(6) for the pointing constraint; Blackmore, Açıkmeşe & Scharf 2010, JGCD 33(4) for the minimum-landing-
error form). Flat ground, constant gravity ``g`` (z up), change of variables ``u = T/m``, ``sigma =
Gamma/m``, ``z = ln m``::

    max z(t_f)                       (min fuel)      | min ||r_h(t_f) - target_h||   (min landing error)
    r' = v,  v' = g + u,  z' = -alpha sigma
    ||u|| <= sigma                                   (lossless relaxation of rho1 <= ||T|| <= rho2)
    mu1 (1 - dz + dz^2/2) <= sigma <= mu2 (1 - dz),  dz = z - z0(t), mu_i = rho_i exp(-z0(t)),
    z0(t) = ln(m0 - alpha rho2 t) <= z <= ln(m0 - alpha rho1 t),  z(t_f) >= ln m_dry
    u_z >= cos(theta_max) sigma                      (thrust pointing)
    tan(gamma_gs) ||r_h - target_h|| <= r_z - target_z   (glide slope, elevation angle gamma_gs)
    r(0), v(0), z(0) = ln m0;  r(t_f) = target, v(t_f) = target velocity

Discretisation: first-order hold on ``u`` and ``sigma`` (trapezoid, exact for the double integrator):
``v+ = v + dt/2 (u + u+) + g dt``, ``r+ = r + dt/2 (v + v+) - dt^2/12 (u+ - u)``,
``z+ = z - alpha dt/2 (sigma + sigma+)``. The problem is built once per node count with cvxpy
Parameters (DPP) so re-solves only update numbers. The optimal time of flight is found by golden-section
search on the fuel, bracketed by ``m_dry |v0| / rho2 <= t_f <= m_fuel / (alpha rho1)`` (Açıkmeşe & Ploen).

Infeasible inputs raise :class:`~lunapole.errors.InfeasibleError` naming the constraint and by how much
(found by solving an elastic version of the problem with a slack on each constraint group).
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from lunapole.astro.constants import G0_M_S2
from lunapole.errors import InfeasibleError


class _LazyCvxpy:
    """``cvxpy``, imported on first use: ~1.3 s of imports (cvxpy, scipy.stats) that importing
    :mod:`lunapole.descent` (e.g. the batch Monte Carlo path) does not need."""

    def __getattr__(self, name: str):
        import cvxpy

        globals()["cp"] = cvxpy
        return getattr(cvxpy, name)


cp = _LazyCvxpy()

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class ConvexVehicle:
    """Vehicle figures of the convex problem: wet/dry mass, thrust bounds rho1..rho2 (N), alpha (s/m)."""

    dry_mass_kg: float
    min_thrust_n: float
    max_thrust_n: float
    alpha_s_m: float

    @classmethod
    def from_vehicle(cls, vehicle) -> "ConvexVehicle":
        """From a :class:`lunapole.descent.vehicle.Vehicle` (all engines on, axial thrust)."""
        return cls(vehicle.dry_mass_kg, vehicle.min_thrust_n, vehicle.max_thrust_n,
                   1.0 / vehicle.exhaust_velocity_m_s)

    @classmethod
    def from_isp(cls, dry_mass_kg: float, min_thrust_n: float, max_thrust_n: float, isp_s: float,
                 cant_deg: float = 0.0, g0_m_s2: float = G0_M_S2) -> "ConvexVehicle":
        """alpha = 1 / (Isp g0 cos(cant)); thrusts are the axial (cant-corrected) bounds."""
        return cls(dry_mass_kg, min_thrust_n, max_thrust_n, 1.0 / (isp_s * g0_m_s2 * math.cos(math.radians(cant_deg))))


@dataclass
class ConvexSolution:
    """A planned trajectory at nodes ``t_s`` (N,): ``r_m``, ``v_m_s`` (N, 3), ``mass_kg`` (N,),
    ``thrust_n`` (N, 3) (= u m), ``fuel_kg``, ``tf_s``, solve statistics."""

    t_s: np.ndarray
    r_m: np.ndarray
    v_m_s: np.ndarray
    mass_kg: np.ndarray
    thrust_n: np.ndarray
    accel_m_s2: np.ndarray
    sigma_m_s2: np.ndarray
    fuel_kg: float
    tf_s: float
    status: str
    solve_time_s: float
    n_solves: int = 1
    landing_error_m: float = 0.0
    tf_history: list = field(default_factory=list)

    def constraint_report(self, planner: "ConvexPlanner") -> dict[str, float]:
        """Largest violation of each physical constraint at the nodes (<= 0 or ~0 means satisfied).

        Thrust magnitudes use the real mass ``exp(z)``: the non-convex bounds rho1 <= ||T|| <= rho2.
        """
        tn = np.linalg.norm(self.thrust_n, axis=1)
        veh = planner.vehicle
        up = self.thrust_n[:, 2] / np.maximum(tn, 1e-12)
        rel = self.r_m - planner.target_m
        out = {
            "thrust_max_n": float(np.max(tn - veh.max_thrust_n)),
            "thrust_min_n": float(np.max(veh.min_thrust_n - tn)),
            "pointing_deg": float(np.max(np.degrees(np.arccos(np.clip(up, -1, 1))) - planner.max_tilt_deg)),
            "dry_mass_kg": float(veh.dry_mass_kg - self.mass_kg[-1]),
            "final_position_m": float(np.linalg.norm(rel[-1])) if self.landing_error_m == 0.0 else 0.0,
            "final_velocity_m_s": float(np.linalg.norm(self.v_m_s[-1] - planner.target_velocity_m_s)),
            "relaxation_gap_m_s2": float(np.max(self.sigma_m_s2 - np.linalg.norm(self.accel_m_s2, axis=1))),
        }
        if planner.glide_slope_deg is not None:
            tg = math.tan(math.radians(planner.glide_slope_deg))
            out["glide_slope_m"] = float(np.max(tg * np.linalg.norm(rel[:, :2], axis=1) - rel[:, 2]))
        return out


class ConvexPlanner:
    """Parameterized (DPP) convex descent problem, compiled once for ``n_nodes``; call :meth:`solve`.

    ``gravity_m_s2``: (3,) constant gravity in the local frame (z up), e.g. ``(0, 0, -1.62)``.
    ``max_tilt_deg``: thrust-pointing limit from +z (None: not imposed). ``glide_slope_deg``: minimum
    elevation of the vehicle seen from the target (None: not imposed). ``mode``: ``"min_fuel"`` or
    ``"min_error"`` (land as close as possible to the target with the propellant on board).
    ``allow_subsurface``: drop the ``r_z >= target_z`` ground constraint (textbook comparisons only).
    """

    def __init__(
        self,
        vehicle: ConvexVehicle,
        gravity_m_s2=(0.0, 0.0, -1.62),
        n_nodes: int = 50,
        max_tilt_deg: float | None = None,
        glide_slope_deg: float | None = None,
        target_m=(0.0, 0.0, 0.0),
        target_velocity_m_s=(0.0, 0.0, 0.0),
        mode: str = "min_fuel",
        allow_subsurface: bool = False,
    ) -> None:
        if mode not in ("min_fuel", "min_error"):
            raise ValueError(f"mode {mode!r}: use 'min_fuel' or 'min_error'")
        if mode == "min_error" and glide_slope_deg is not None:
            raise ValueError("glide_slope_deg is a cone about the target; in 'min_error' mode the landing point is "
                             "free, so drop glide_slope_deg (the ground constraint r_z >= target_z still applies)")
        if n_nodes < 3:
            raise ValueError("n_nodes must be >= 3")
        self.vehicle = vehicle
        self.g = np.asarray(gravity_m_s2, float)
        self.n = int(n_nodes)
        self.max_tilt_deg = 180.0 if max_tilt_deg is None else float(max_tilt_deg)
        self.glide_slope_deg = glide_slope_deg
        self.target_m = np.asarray(target_m, float)
        self.target_velocity_m_s = np.asarray(target_velocity_m_s, float)
        self.mode = mode
        self.allow_subsurface = bool(allow_subsurface)
        self._problem, self._vars, self._pars = self._build(elastic=False)
        self._elastic = None

    # ------------------------------------------------------------------ problem construction
    def _build(self, elastic: bool):
        n = self.n
        r = cp.Variable((3, n))
        v = cp.Variable((3, n))
        u = cp.Variable((3, n))
        s = cp.Variable(n)
        z = cp.Variable(n)
        w = cp.Variable(n)  # z - z0 (keeps the Taylor bounds DPP: parameter x parameter-free)
        p = {
            "r0": cp.Parameter(3), "v0": cp.Parameter(3), "lnm0": cp.Parameter(),
            "dt": cp.Parameter(nonneg=True), "dt2_12": cp.Parameter(nonneg=True),
            "gdt": cp.Parameter((3, 1)), "adt2": cp.Parameter(nonneg=True),
            "z0": cp.Parameter(n), "z1": cp.Parameter(n),
            "mu1": cp.Parameter(n, nonneg=True), "mu2": cp.Parameter(n, nonneg=True),
        }
        veh = self.vehicle
        one = np.ones((1, n - 1))
        sl = {}
        if elastic:
            sl = {k: cp.Variable(nonneg=True) for k in
                  ("final_position", "final_velocity", "propellant", "glide_slope", "thrust_max", "pointing")}
        zero = 0.0
        e = (lambda k: sl[k]) if elastic else (lambda k: zero)
        cons = [
            r[:, 0] == p["r0"], v[:, 0] == p["v0"], z[0] == p["lnm0"],
            v[:, 1:] == v[:, :-1] + p["dt"] / 2 * (u[:, :-1] + u[:, 1:]) + p["gdt"] @ one,
            r[:, 1:] == r[:, :-1] + p["dt"] / 2 * (v[:, :-1] + v[:, 1:]) - p["dt2_12"] * (u[:, 1:] - u[:, :-1]),
            z[1:] == z[:-1] - p["adt2"] * (s[:-1] + s[1:]),
            w == z - p["z0"],
            cp.norm(u, axis=0) <= s,
            cp.multiply(p["mu1"], 1 - w + cp.square(w) / 2) <= s,
            s <= cp.multiply(p["mu2"], 1 - w) + e("thrust_max"),
            w >= 0, z <= p["z1"],
            z[n - 1] >= math.log(veh.dry_mass_kg) - e("propellant"),
        ]
        if not self.allow_subsurface:
            cons.append(r[2, :] >= self.target_m[2] - e("glide_slope"))
        if self.max_tilt_deg < 180.0:
            cons.append(u[2, :] >= math.cos(math.radians(self.max_tilt_deg)) * s - e("pointing"))
        if self.glide_slope_deg is not None:
            tg = math.tan(math.radians(self.glide_slope_deg))
            rel_h = r[0:2, :] - self.target_m[0:2, None] @ np.ones((1, n))
            cons.append(tg * cp.norm(rel_h, axis=0) <= r[2, :] - self.target_m[2] + e("glide_slope"))
        if elastic:
            cons += [cp.norm(r[:, n - 1] - self.target_m) <= sl["final_position"],
                     cp.norm(v[:, n - 1] - self.target_velocity_m_s) <= sl["final_velocity"]]
            # weights: 1 per metre, 10 per m/s, 1000 per unit log-mass, 100 per m/s^2
            obj = cp.Minimize(sl["final_position"] + 10 * sl["final_velocity"] + 1000 * sl["propellant"]
                              + sl["glide_slope"] + 100 * sl["thrust_max"] + 100 * sl["pointing"])
        elif self.mode == "min_error":
            cons += [r[2, n - 1] == self.target_m[2], v[:, n - 1] == self.target_velocity_m_s]
            obj = cp.Minimize(cp.norm(r[0:2, n - 1] - self.target_m[0:2]))
        else:
            cons += [r[:, n - 1] == self.target_m, v[:, n - 1] == self.target_velocity_m_s]
            obj = cp.Maximize(z[n - 1])
        prob = cp.Problem(obj, cons)
        if not prob.is_dpp():  # pragma: no cover - construction bug
            raise RuntimeError("convex descent problem is not DPP")
        return prob, {"r": r, "v": v, "u": u, "s": s, "z": z, "slack": sl}, p

    def _set(self, pars, r0, v0, m0, tf):
        veh = self.vehicle
        n = self.n
        dt = tf / (n - 1)
        t = np.arange(n) * dt
        m_lo = m0 - veh.alpha_s_m * veh.max_thrust_n * t
        m_hi = m0 - veh.alpha_s_m * veh.min_thrust_n * t
        if np.any(m_lo <= 0):
            m_lo = np.maximum(m_lo, 1e-3 * m0)
        z0 = np.log(m_lo)
        pars["r0"].value = np.asarray(r0, float)
        pars["v0"].value = np.asarray(v0, float)
        pars["lnm0"].value = math.log(m0)
        pars["dt"].value = dt
        pars["dt2_12"].value = dt * dt / 12.0
        pars["gdt"].value = (self.g * dt).reshape(3, 1)
        pars["adt2"].value = veh.alpha_s_m * dt / 2.0
        pars["z0"].value = z0
        pars["z1"].value = np.log(np.maximum(m_hi, 1e-9))
        pars["mu1"].value = veh.min_thrust_n * np.exp(-z0)
        pars["mu2"].value = veh.max_thrust_n * np.exp(-z0)
        return t

    def _solve_fixed(self, r0, v0, m0, tf):
        t = self._set(self._pars, r0, v0, m0, tf)
        t_start = time.perf_counter()
        try:
            with warnings.catch_warnings():  # "optimal_inaccurate" is handled through the status
                warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
                self._problem.solve(solver=cp.CLARABEL, warm_start=False)
            status = self._problem.status
        except cp.error.SolverError:
            status = "solver_error"
        dt_s = time.perf_counter() - t_start
        return t, status, dt_s

    def _solution(self, t, tf, m0, status, dt_s) -> ConvexSolution:
        V = self._vars
        z = np.asarray(V["z"].value)
        mass = np.exp(z)
        u = np.asarray(V["u"].value).T
        r = np.asarray(V["r"].value).T
        err = float(np.linalg.norm(r[-1, :2] - self.target_m[:2])) if self.mode == "min_error" else 0.0
        return ConvexSolution(
            t_s=t, r_m=r, v_m_s=np.asarray(V["v"].value).T, mass_kg=mass, thrust_n=u * mass[:, None],
            accel_m_s2=u, sigma_m_s2=np.asarray(V["s"].value), fuel_kg=float(m0 - mass[-1]), tf_s=float(tf),
            status=status, solve_time_s=dt_s, landing_error_m=err,
        )

    # ------------------------------------------------------------------ public
    def time_bounds_s(self, v0, m0, r0_m=(0.0, 0.0, 0.0)) -> tuple[float, float]:
        """Açıkmeşe & Ploen (2007) bracket of the time of flight: (m_dry |v| / rho2, m_fuel / (alpha rho1)),
        the upper end capped at ``3 t_lo + 2 (|v|/g + sqrt(2 h / g))`` (useful when rho1 is ~0)."""
        veh = self.vehicle
        dv = float(np.linalg.norm(np.asarray(v0, float) - self.target_velocity_m_s))
        t_lo = veh.dry_mass_kg * dv / veh.max_thrust_n
        fuel = m0 - veh.dry_mass_kg
        t_hi = fuel / (veh.alpha_s_m * veh.min_thrust_n) if veh.min_thrust_n > 0 else math.inf
        # with a tiny lower thrust bound that bracket is useless: cap it by a free-fall-scale heuristic
        g = max(float(np.linalg.norm(self.g)), 1e-6)
        h = max(float(np.asarray(r0_m, float)[2] - self.target_m[2]), 0.0)
        t_cap = 3.0 * t_lo + 2.0 * (dv / g + math.sqrt(2.0 * h / g))
        return max(t_lo, 1e-3), min(t_hi, max(t_cap, 2.0 * t_lo + 1.0))

    def solve_fixed_tf(self, r0_m, v0_m_s, mass_kg: float, tf_s: float) -> ConvexSolution:
        """Solve at a given time of flight; raises InfeasibleError (with the diagnosis) if infeasible."""
        self._precheck(r0_m, v0_m_s, mass_kg)
        t, status, dt_s = self._solve_fixed(r0_m, v0_m_s, mass_kg, tf_s)
        if status not in ("optimal", "optimal_inaccurate"):
            raise self._diagnose(r0_m, v0_m_s, mass_kg, [tf_s])
        return self._solution(t, tf_s, mass_kg, status, dt_s)

    def try_solve(self, r0_m, v0_m_s, mass_kg: float, tf_s: float) -> ConvexSolution | None:
        """Solve at a fixed time of flight without diagnosis; None when infeasible (for closed-loop re-solves)."""
        t, status, dt_s = self._solve_fixed(r0_m, v0_m_s, mass_kg, tf_s)
        if status not in ("optimal", "optimal_inaccurate"):
            return None
        return self._solution(t, tf_s, mass_kg, status, dt_s)

    def solve(self, r0_m, v0_m_s, mass_kg: float, tf_s: float | None = None, tol_s: float = 0.05,
              scan: int = 12) -> ConvexSolution:
        """Fuel-optimal (or minimum-error) plan; with ``tf_s=None`` the time of flight is found by a coarse
        feasibility scan of the Açıkmeşe-Ploen bracket then golden-section search on the fuel."""
        if tf_s is not None:
            return self.solve_fixed_tf(r0_m, v0_m_s, mass_kg, tf_s)
        self._precheck(r0_m, v0_m_s, mass_kg)
        t_lo, t_hi = self.time_bounds_s(v0_m_s, mass_kg, r0_m)
        history = []
        total = [0.0]

        def cost(tf):
            t, status, dt_s = self._solve_fixed(r0_m, v0_m_s, mass_kg, tf)
            total[0] += dt_s
            ok = status in ("optimal", "optimal_inaccurate")
            if not ok:
                c = math.inf
            elif self.mode == "min_error":
                c = float(np.linalg.norm(self._vars["r"].value[0:2, -1] - self.target_m[0:2]))
                c += 1e-6 * float(mass_kg - math.exp(self._vars["z"].value[-1]))
            else:
                c = float(mass_kg - math.exp(self._vars["z"].value[-1]))
            history.append((tf, c))
            return c

        grid = np.linspace(t_lo, t_hi, scan)
        costs = [cost(tf) for tf in grid]
        if not np.any(np.isfinite(costs)):
            raise self._diagnose(r0_m, v0_m_s, mass_kg, list(grid))
        i = int(np.argmin(costs))
        a = grid[max(i - 1, 0)]
        b = grid[min(i + 1, scan - 1)]
        c_ = b - _GOLDEN * (b - a)
        d_ = a + _GOLDEN * (b - a)
        fc, fd = cost(c_), cost(d_)
        while b - a > tol_s:
            if fc <= fd:
                b, d_, fd = d_, c_, fc
                c_ = b - _GOLDEN * (b - a)
                fc = cost(c_)
            else:
                a, c_, fc = c_, d_, fd
                d_ = a + _GOLDEN * (b - a)
                fd = cost(d_)
        best_tf, best_c = min(history, key=lambda h: h[1])
        t, status, dt_s = self._solve_fixed(r0_m, v0_m_s, mass_kg, best_tf)
        total[0] += dt_s
        sol = self._solution(t, best_tf, mass_kg, status, total[0])
        sol.n_solves = len(history) + 1
        sol.tf_history = history
        return sol

    # ------------------------------------------------------------------ infeasibility
    def _precheck(self, r0, v0, m0) -> None:
        veh = self.vehicle
        g = float(np.linalg.norm(self.g))
        if m0 <= veh.dry_mass_kg:
            raise InfeasibleError(
                f"propellant: mass {m0:.1f} kg is not above the dry mass {veh.dry_mass_kg:.1f} kg; no propellant to land with"
            )
        if veh.max_thrust_n / veh.dry_mass_kg <= g:
            raise InfeasibleError(
                f"thrust: maximum thrust {veh.max_thrust_n:.0f} N cannot hold even the dry mass against gravity "
                f"({veh.max_thrust_n / veh.dry_mass_kg:.3f} vs {g:.3f} m/s^2; need {veh.dry_mass_kg * g:.0f} N, short by "
                f"{veh.dry_mass_kg * g - veh.max_thrust_n:.0f} N)"
            )
        if veh.min_thrust_n > veh.max_thrust_n:
            raise InfeasibleError(
                f"thrust bounds contradict: minimum {veh.min_thrust_n:.0f} N > maximum {veh.max_thrust_n:.0f} N"
            )
        rel = np.asarray(r0, float) - self.target_m
        if self.glide_slope_deg is not None:
            tg = math.tan(math.radians(self.glide_slope_deg))
            excess = tg * float(np.linalg.norm(rel[:2])) - rel[2]
            if excess > 1e-6:
                elev = math.degrees(math.atan2(rel[2], float(np.linalg.norm(rel[:2]))))
                raise InfeasibleError(
                    f"glide slope: the start is {elev:.2f} deg above the target's horizon, below the "
                    f"{self.glide_slope_deg:.2f} deg glide slope (by {excess:.1f} m of altitude)"
                )
        if rel[2] < -1e-6:
            raise InfeasibleError(f"start altitude: the vehicle starts {-rel[2]:.1f} m below the target")

    def _diagnose(self, r0, v0, m0, tfs) -> InfeasibleError:
        """Elastic problem at each candidate time of flight: the smallest slack names the constraint."""
        if self._elastic is None:
            self._elastic = self._build(elastic=True)
        prob, V, P = self._elastic
        best = None
        for tf in tfs:
            self._set(P, r0, v0, m0, tf)
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
                    prob.solve(solver=cp.CLARABEL)
            except cp.error.SolverError:
                continue
            if prob.status not in ("optimal", "optimal_inaccurate"):
                continue
            if best is None or prob.value < best[0]:
                best = (prob.value, tf, {k: float(s.value) for k, s in V["slack"].items()})
        if best is None:
            return InfeasibleError("convex descent guidance: no solution, and the elastic diagnosis failed too")
        _, tf, sl = best
        veh = self.vehicle
        msgs = []
        if sl["propellant"] > 1e-4:
            extra = veh.dry_mass_kg * (1.0 - math.exp(-sl["propellant"]))
            msgs.append(f"propellant: short by about {extra:.1f} kg (dry mass {veh.dry_mass_kg:.0f} kg would be crossed)")
        if sl["final_position"] > 0.5:
            msgs.append(f"target position: out of reach, closest landing {sl['final_position']:.1f} m from the target")
        if sl["final_velocity"] > 0.05:
            msgs.append(f"target velocity: cannot be met, off by {sl['final_velocity']:.2f} m/s")
        if sl["thrust_max"] > 1e-4:
            msgs.append(f"maximum thrust: would need {sl['thrust_max']:.3f} m/s^2 more thrust acceleration "
                        f"(~{sl['thrust_max'] * m0:.0f} N)")
        if sl["pointing"] > 1e-4:
            msgs.append(f"thrust pointing ({self.max_tilt_deg:.1f} deg): violated by {sl['pointing']:.3f} m/s^2 of "
                        "vertical thrust acceleration")
        if sl["glide_slope"] > 0.5:
            msgs.append(f"glide slope ({self.glide_slope_deg} deg): violated by {sl['glide_slope']:.1f} m of altitude")
        if not msgs:
            msgs.append("no single constraint stands out (the relaxed problem is feasible only marginally)")
        return InfeasibleError(
            "convex descent guidance is infeasible: " + "; ".join(msgs)
            + f" (best time of flight tried {tf:.1f} s, searched {min(tfs):.1f}-{max(tfs):.1f} s)"
        )
