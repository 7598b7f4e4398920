"""One closed-loop descent with a time history: phased polynomial guidance, or convex guidance re-solved
at a chosen rate. Both use the compiled dynamics of :mod:`lunapole.kernels.descent`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lunapole.descent.batch import FAILURE_NAMES, BatchDispersions, Environment, _vehicle_args
from lunapole.descent.guidance.convex import ConvexPlanner, ConvexVehicle
from lunapole.descent.plan import DescentPlan
from lunapole.descent.vehicle import Vehicle
from lunapole.kernels import descent as kd


@dataclass(frozen=True)
class DescentErrors:
    """Error sources of one run (all default to none): thrust scale (true/commanded), true effective Isp
    (axial, s; None: nominal), misalignment (rad about two axes normal to the thrust), navigation bias/noise (TARGET_ENU),
    altimeter bias/noise, engine-out time (s after ignition), noise seed."""

    thrust_scale: float = 1.0
    isp_s: float | None = None
    misalign_rad: tuple[float, float] = (0.0, 0.0)
    nav_pos_bias_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    nav_vel_bias_m_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    nav_alt_bias_m: float = 0.0
    nav_pos_sigma_m: float = 0.0
    nav_vel_sigma_m_s: float = 0.0
    nav_alt_sigma_m: float = 0.0
    engine_out_time_s: float = math.inf
    seed: int = 0


@dataclass
class DescentResult:
    """Time history (``t_s``, ``r_m``/``v_m_s`` TARGET_ENU, ``mass_kg``, ``phase``, ``thrust_cmd_n``) and the
    touchdown verdict."""

    t_s: np.ndarray
    r_m: np.ndarray
    v_m_s: np.ndarray
    mass_kg: np.ndarray
    phase: np.ndarray
    thrust_cmd_n: np.ndarray
    east_m: float
    north_m: float
    vertical_speed_m_s: float
    horizontal_speed_m_s: float
    tilt_deg: float
    propellant_used_kg: float
    time_s: float
    success: bool
    failure_reason: str
    miss_distance_m: float
    final_phase: str
    slope_deg: float | None = None
    plans: list = field(default_factory=list)

    def touchdown_dict(self) -> dict:
        """JSON-able touchdown summary (no epoch/lat/lon: the scenario step adds those)."""
        return {
            "vertical_speed_m_s": self.vertical_speed_m_s, "horizontal_speed_m_s": self.horizontal_speed_m_s,
            "tilt_deg": self.tilt_deg, "propellant_used_kg": self.propellant_used_kg,
            "miss_distance_m": self.miss_distance_m, "east_m": self.east_m, "north_m": self.north_m,
            "time_s": self.time_s, "success": self.success, "failure_reason": self.failure_reason,
            "final_phase": self.final_phase,
        }


def _apply_slope(res: DescentResult, vehicle: Vehicle, slope_fn) -> None:
    if slope_fn is None:
        return
    slope = float(slope_fn(res.east_m, res.north_m))
    res.slope_deg = slope
    lim = vehicle.limits.slope_deg
    if res.success and lim is not None and slope > lim:
        res.success = False
        res.failure_reason = "slope_too_steep"


def simulate_descent(
    vehicle: Vehicle,
    plan: DescentPlan,
    r0_m,
    v0_m_s,
    mass_kg: float | None = None,
    errors: DescentErrors | None = None,
    environment: Environment | None = None,
    dt_s: float = 0.1,
    guidance_hz: float = 10.0,
    max_time_s: float = 1500.0,
    slope_deg_at: Callable[[float, float], float] | None = None,
) -> DescentResult:
    """Fly ``plan`` closed loop from (``r0_m``, ``v0_m_s``) in TARGET_ENU to touchdown; return history + verdict.

    ``slope_deg_at(east_m, north_m)``: local terrain slope at the touchdown point (terrain loaded), checked
    against ``vehicle.limits.slope_deg``.
    """
    err = errors or DescentErrors()
    env = environment or Environment()
    m0 = vehicle.wet_mass_kg if mass_kg is None else float(mass_kg)
    tmin, tmax, n_eng, limits = _vehicle_args(vehicle)
    guid_every = max(1, int(round(1.0 / (guidance_hz * dt_s))))
    nmax = int(max_time_s / dt_s) + 2
    hist = np.zeros((nmax, 10))
    out = np.zeros(kd.NOUT)
    x0 = np.r_[np.asarray(r0_m, float), np.asarray(v0_m_s, float), m0]
    kd.simulate_one(
        x0, plan.table(), vehicle.dry_mass_kg, vehicle.effective_isp_s, err.isp_s or vehicle.effective_isp_s, err.thrust_scale,
        tmin, tmax, n_eng, err.engine_out_time_s, err.misalign_rad[0], err.misalign_rad[1],
        np.asarray(err.nav_pos_bias_m, float), np.asarray(err.nav_vel_bias_m_s, float), err.nav_alt_bias_m,
        err.nav_pos_sigma_m, err.nav_vel_sigma_m_s, err.nav_alt_sigma_m, np.uint64(err.seed),
        *env.kernel_args(), dt_s, guid_every, max_time_s, math.radians(vehicle.max_tilt_rate_deg_s), limits,
        out, hist, *env.gravity_pack(),
    )
    k = min(int(round(out[kd.O_TIME] / dt_s)) + 1, nmax)
    h = hist[:k].copy()
    h[-1, 0] = out[kd.O_TIME]
    code = int(out[kd.O_CODE])
    res = DescentResult(
        t_s=h[:, 0], r_m=h[:, 1:4], v_m_s=h[:, 4:7], mass_kg=h[:, 7], phase=h[:, 8].astype(int),
        thrust_cmd_n=h[:, 9], east_m=float(out[kd.O_EAST]), north_m=float(out[kd.O_NORTH]),
        vertical_speed_m_s=float(out[kd.O_VSPEED]), horizontal_speed_m_s=float(out[kd.O_HSPEED]),
        tilt_deg=math.degrees(out[kd.O_TILT]), propellant_used_kg=float(out[kd.O_PROP]), time_s=float(out[kd.O_TIME]),
        success=code == 0, failure_reason=FAILURE_NAMES[code], miss_distance_m=float(out[kd.O_MISS]),
        final_phase=plan.phases[int(out[kd.O_PHASE])].name,
    )
    _apply_slope(res, vehicle, slope_deg_at)
    return res


def errors_to_dispersions(vehicle: Vehicle, errors: DescentErrors, r0_m, v0_m_s, mass_kg: float) -> BatchDispersions:
    """One-row :class:`BatchDispersions` with these errors (for cross-checks against the batch path)."""
    d = BatchDispersions.nominal(1, vehicle, r0_m, v0_m_s)
    d.mass_kg[:] = mass_kg
    d.thrust_scale[:] = errors.thrust_scale
    d.isp_s[:] = errors.isp_s or vehicle.effective_isp_s
    d.misalign_rad[0] = errors.misalign_rad
    d.nav_pos_bias_m[0] = errors.nav_pos_bias_m
    d.nav_vel_bias_m_s[0] = errors.nav_vel_bias_m_s
    d.nav_alt_bias_m[:] = errors.nav_alt_bias_m
    d.nav_pos_sigma_m[:] = errors.nav_pos_sigma_m
    d.nav_vel_sigma_m_s[:] = errors.nav_vel_sigma_m_s
    d.nav_alt_sigma_m[:] = errors.nav_alt_sigma_m
    d.engine_out_time_s[:] = errors.engine_out_time_s
    d.seed[:] = errors.seed
    return d


def simulate_convex_descent(
    vehicle: Vehicle,
    r0_m,
    v0_m_s,
    gravity_m_s2: float,
    mass_kg: float | None = None,
    errors: DescentErrors | None = None,
    resolve_s: float | None = 1.0,
    n_nodes: int = 30,
    max_tilt_deg: float | None = None,
    glide_slope_deg: float | None = None,
    touchdown_rate_m_s: float = 1.0,
    dt_s: float = 0.1,
    slope_deg_at: Callable[[float, float], float] | None = None,
    thrust_margin: float = 0.9,
    gate_altitude_m: float = 30.0,
    gate_rate_m_s: float = 2.0,
) -> DescentResult:
    """Flat-ground descent flown by the fuel-optimal convex planner: one golden-section plan, then re-solved
    every ``resolve_s`` (None: open loop) from the navigated state over the remaining time of flight.

    The plan ends at a gate ``gate_altitude_m`` above the target sinking at ``gate_rate_m_s`` (like Mars
    2020's hand-over to terminal descent); from there a vertical-descent law (velocity tracking to
    ``touchdown_rate_m_s``, horizontal nulling, tilt within ``max_tilt_deg``) lands. Commanded thrust = planned ``u`` (linear in time)
    projected on the pointing-limited direction x estimated mass, clipped to the throttle range. The planner sees only
    ``thrust_margin`` of the maximum thrust, leaving the rest for the closed loop to absorb errors; re-solves use the
    same margin and fall back to the whole thrust range only when that is infeasible. Re-solves that turn infeasible
    (because of errors) keep the previous plan. Raises InfeasibleError when the first plan is infeasible.
    """
    err = errors or DescentErrors()
    m0 = vehicle.wet_mass_kg if mass_kg is None else float(mass_kg)
    full = ConvexVehicle.from_vehicle(vehicle)
    cveh = ConvexVehicle(full.dry_mass_kg, full.min_thrust_n, max(full.min_thrust_n, thrust_margin * full.max_thrust_n),
                         full.alpha_s_m)
    planner = ConvexPlanner(cveh, (0.0, 0.0, -gravity_m_s2), n_nodes=n_nodes, max_tilt_deg=max_tilt_deg,
                            glide_slope_deg=glide_slope_deg, target_m=(0.0, 0.0, gate_altitude_m),
                            target_velocity_m_s=(0.0, 0.0, -gate_rate_m_s))
    sol = planner.solve(r0_m, v0_m_s, m0)
    # re-solves keep the margin too (a plan that uses all the thrust has none left for the errors that follow) and
    # only use the whole thrust range when no plan with the margin exists
    replanners = (planner, ConvexPlanner(full, (0.0, 0.0, -gravity_m_s2), n_nodes=n_nodes, max_tilt_deg=max_tilt_deg,
                              glide_slope_deg=glide_slope_deg, target_m=(0.0, 0.0, gate_altitude_m),
                              target_velocity_m_s=(0.0, 0.0, -gate_rate_m_s)))
    plans = [sol]
    t_plan0 = 0.0
    tf_abs = sol.tf_s
    x = np.r_[np.asarray(r0_m, float), np.asarray(v0_m_s, float), m0]
    xp = x.copy()
    k1, k2, k3, k4, tmp = (np.empty(7) for _ in range(5))
    thrust = np.zeros(3)
    isp_true = err.isp_s or vehicle.effective_isp_s
    isp_g0 = isp_true * kd.G0
    isp_g0_nom = vehicle.exhaust_velocity_m_s
    m_est = m0
    tmin_max = (vehicle.min_thrust_n, vehicle.max_thrust_n)
    max_tilt = math.radians(180.0 if max_tilt_deg is None else max_tilt_deg)
    rows = [np.r_[0.0, x, 0, 0.0]]
    t = 0.0
    next_solve = resolve_s if resolve_s else math.inf
    rng_cycle = 0
    exhausted = False
    touched = False
    tdir = np.array([0.0, 0.0, 1.0])
    terminal = False
    while t < tf_abs + 300.0:
        if t >= next_solve and tf_abs - t > 3.0:
            xe = x[:6] + np.r_[err.nav_pos_bias_m, err.nav_vel_bias_m_s]
            if err.nav_pos_sigma_m or err.nav_vel_sigma_m_s:
                xe = xe + np.r_[[err.nav_pos_sigma_m * kd.normal_noise(np.uint64(err.seed), rng_cycle, i) for i in range(3)],
                                [err.nav_vel_sigma_m_s * kd.normal_noise(np.uint64(err.seed), rng_cycle, 3 + i) for i in range(3)]]
            rng_cycle += 1
            new = None
            for replanner in replanners:
                for factor in (1.0, 1.15, 1.3, 0.9):  # remaining time first, then a few stretched ones
                    new = replanner.try_solve(xe[:3], xe[3:], m_est, (tf_abs - t) * factor)
                    if new is not None:
                        break
                if new is not None:
                    sol = new
                    plans.append(sol)
                    t_plan0 = t
                    tf_abs = t + sol.tf_s
                    break
            next_solve += resolve_s
        tau = min(max(t - t_plan0, 0.0), sol.t_s[-1])
        u = np.array([np.interp(tau, sol.t_s, sol.accel_m_s2[:, i]) for i in range(3)])
        if t > tf_abs or terminal:  # terminal descent: velocity tracking (same law as the phased kernel)
            terminal = True
            xe = x[:6] + np.r_[err.nav_pos_bias_m, err.nav_vel_bias_m_s]
            vref_h = np.clip(-0.2 * xe[:2], -5.0, 5.0)
            # hover until the horizontal offset and speed are nulled, then descend
            settled = np.hypot(*xe[:2]) < 3.0 and np.hypot(*xe[3:5]) < 0.3
            vref_u = -min(5.0, max(touchdown_rate_m_s, xe[2] / 8.0)) if settled else 0.0
            u = np.r_[0.8 * (vref_h - xe[3:5]), gravity_m_s2 + 1.0 * (vref_u - xe[5])]
        d = u / max(np.linalg.norm(u), 1e-12)
        tilt = math.acos(min(1.0, max(-1.0, d[2])))
        lim_tilt = min(max_tilt, math.radians(15.0)) if terminal else max_tilt
        if tilt > lim_tilt:
            h = d[:2] / max(np.linalg.norm(d[:2]), 1e-12)
            d = np.r_[math.sin(lim_tilt) * h, math.cos(lim_tilt)]
        tdir = d
        # magnitude: the command projected on the achievable direction (a command pointing down, outside the
        # pointing cone, must not become |u| of upward thrust: that ran away upwards)
        tc = max(float(np.dot(u, d)), 0.0) * m_est
        tc = min(max(tc, tmin_max[0]), tmin_max[1])
        if err.engine_out_time_s <= t:
            tc = min(tc, tmin_max[1] * (vehicle.engine_count - 1) / vehicle.engine_count)
        tt = tc * err.thrust_scale
        if not exhausted and x[6] - tt / isp_g0 * dt_s <= vehicle.dry_mass_kg:
            tt = (x[6] - vehicle.dry_mass_kg) / dt_s * isp_g0
            exhausted = True
        elif exhausted:
            tt = 0.0
        thrust[:] = tt * d
        xp[:] = x
        kd.rk4_step(x, thrust, isp_g0, 0.0, 0.0, gravity_m_s2, 0.0, 0.0, 0.0, dt_s, k1, k2, k3, k4, tmp)
        m_est -= tc / isp_g0_nom * dt_s
        t += dt_s
        if x[2] <= 0.0:
            f = xp[2] / (xp[2] - x[2]) if xp[2] > x[2] else 1.0
            x = xp + f * (x - xp)
            t = t - dt_s + f * dt_s
            touched = True
            rows.append(np.r_[t, x, 0, tc])
            break
        rows.append(np.r_[t, x, 0, tc])
    h = np.vstack(rows)
    vv = -x[5]
    vh = float(np.hypot(x[3], x[4]))
    tilt_deg = math.degrees(math.acos(min(1.0, max(-1.0, tdir[2]))))
    lim = vehicle.limits
    reason = "none"
    if not touched:
        reason = "no_touchdown"
    else:
        bad_v = lim.vertical_speed_m_s is not None and vv > lim.vertical_speed_m_s
        bad_h = lim.horizontal_speed_m_s is not None and vh > lim.horizontal_speed_m_s
        bad_t = lim.tilt_deg is not None and tilt_deg > lim.tilt_deg
        if exhausted and (bad_v or bad_h or bad_t):
            reason = "propellant_exhausted"
        elif bad_v:
            reason = "hard_landing"
        elif bad_h or bad_t:
            reason = "tip_over"
    res = DescentResult(
        t_s=h[:, 0], r_m=h[:, 1:4], v_m_s=h[:, 4:7], mass_kg=h[:, 7], phase=h[:, 8].astype(int), thrust_cmd_n=h[:, 9],
        east_m=float(x[0]), north_m=float(x[1]), vertical_speed_m_s=float(vv), horizontal_speed_m_s=vh,
        tilt_deg=tilt_deg, propellant_used_kg=float(m0 - x[6]), time_s=float(t), success=reason == "none",
        failure_reason=reason, miss_distance_m=float(np.hypot(x[0], x[1])), final_phase="convex", plans=plans,
    )
    _apply_slope(res, vehicle, slope_deg_at)
    return res
