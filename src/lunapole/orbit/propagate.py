"""Numerical propagation with events: :func:`propagate` -> :class:`Trajectory`.

Integrator: compiled DOP853 (:mod:`lunapole.kernels.dop853`), state [r, v, mass] in Moon-centred J2000,
absolute tolerance ``atol_m`` on position, ``atol_m * 1e-3 /s`` on velocity (a low lunar orbit's mean
motion is ~1e-3 rad/s, so both describe the same position error) and 1e-6 kg on mass; relative ``rtol``.

Events (located on the 7th-order dense output to 1 microsecond in time, i.e. well below 1 ms):

* ``impact``: altitude above the reference sphere (or the MOON_ME terrain grid ``terrain``) = 0, falling;
* ``altitude``: crossing of each value in ``altitude_events_m`` (either direction);
* ``periapsis`` / ``apoapsis``: r.v = 0 rising / falling;
* ``epoch``: each epoch in ``epoch_events_tdb_s``.

Names in ``stop_on`` end the run at their first occurrence (``outcome`` = that name); names in
``record`` are only recorded. A :class:`~lunapole.orbit.burns.FiniteBurn` starts at the initial epoch;
without ``duration_s``/``until_tdb_s`` the run ends with the burn (outcome ``burn_complete`` or
``propellant_exhausted``); otherwise coasting continues after the burn (a ``burn_end`` event is recorded).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M
from lunapole.errors import LunapoleError, ScenarioError
from lunapole.kernels import dop853 as D
from lunapole.orbit.forces import ForceModel, PreparedForces
from lunapole.orbit.state import State
from lunapole.orbit.warmup import wait_for_warmup_process

EVENT_TYPES = ("impact", "altitude", "periapsis", "apoapsis", "epoch")
_KIND_SPHERE, _KIND_TERRAIN, _KIND_RDOTV, _KIND_EPOCH = 0, 1, 2, 3
VELOCITY_ATOL_PER_S = 1e-3
MASS_ATOL_KG = 1e-6


@dataclass(frozen=True)
class HeightGrid:
    """Terrain heights [m] above the reference sphere on a regular MOON_ME planetocentric lat/lon grid.

    ``lat_deg`` (ny,) increasing, ``lon_deg`` (nx,) increasing east, ``height_m`` (ny, nx). Outside the
    grid's latitude band the height is 0 (the reference sphere).
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    height_m: np.ndarray

    def kernel_args(self) -> tuple[np.ndarray, np.ndarray]:
        lat = np.asarray(self.lat_deg, float)
        lon = np.asarray(self.lon_deg, float)
        h = np.ascontiguousarray(self.height_m, dtype=float)
        if h.shape != (lat.size, lon.size) or lat.size < 2 or lon.size < 2:
            raise ScenarioError(f"HeightGrid: height_m shape {h.shape} must be (len(lat_deg), len(lon_deg)) "
                                f"= ({lat.size}, {lon.size}), each >= 2")
        dlat = np.diff(lat)
        dlon = np.diff(lon)
        if not (np.allclose(dlat, dlat[0], rtol=1e-6) and np.allclose(dlon, dlon[0], rtol=1e-6)
                and dlat[0] > 0 and dlon[0] > 0):
            raise ScenarioError("HeightGrid: lat_deg and lon_deg must be regular and increasing")
        h = h.view()
        h.flags.writeable = False  # one array type whatever the caller's grid: no second numba compile
        return np.array([lat[0], dlat[0], lon[0], dlon[0]]), h


@dataclass(frozen=True)
class Event:
    """An event: ``type`` (impact | altitude | periapsis | apoapsis | epoch | burn_end), epoch, J2000 state,
    MOON_ME planetocentric latitude/longitude [deg], altitude above the reference radius [m] and the
    event's parameter ``value`` (altitude threshold, epoch; None otherwise)."""

    type: str
    epoch_tdb_s: float
    state: State
    lat_deg: float
    lon_deg: float
    altitude_m: float
    value: float | None = None


@dataclass
class _Segment:
    t_ref: float               # kernel times are t - t_ref
    prepared: PreparedForces   # already relative to t_ref
    ts: np.ndarray
    ys: np.ndarray
    hs: np.ndarray
    Ks: np.ndarray
    ye: np.ndarray


@dataclass
class Trajectory:
    """Result of :func:`propagate`: steps, events, outcome and dense output.

    ``t_tdb_s`` (N,) step epochs, ``y`` (N, 7) [r m, v m/s, mass kg] J2000; ``sample(times)`` (M, 7)
    interpolates with the DOP853 7th-order dense output. ``n_eval``: right-hand-side evaluations.
    """

    outcome: str
    final_state: State
    events: list
    t_tdb_s: np.ndarray
    y: np.ndarray
    n_eval: int
    n_steps: int
    burn_end_reason: str | None = None
    _segments: list = field(default_factory=list, repr=False)

    def events_of(self, kind: str) -> list:
        return [e for e in self.events if e.type == kind]

    @property
    def span_tdb_s(self) -> tuple[float, float]:
        return float(self.t_tdb_s[0]), float(self.t_tdb_s[-1])

    def sample(self, times_tdb_s) -> np.ndarray:
        """States (M, 7) at ``times_tdb_s`` (inside the propagated span) from the dense output."""
        times = np.atleast_1d(np.asarray(times_tdb_s, float))
        lo, hi = sorted(self.span_tdb_s)
        tol = 1e-6
        if np.any(times < lo - tol) or np.any(times > hi + tol):
            raise LunapoleError(f"Trajectory.sample: times must lie in the propagated span [{lo}, {hi}] TDB s")
        out = np.empty((times.size, 7))
        done = np.zeros(times.size, bool)
        for seg in self._segments:
            trel = times - seg.t_ref
            a, b = sorted((seg.ts[0], seg.ts[-1]))
            sel = np.nonzero(~done & (trel >= a - tol) & (trel <= b + tol))[0]
            if sel.size == 0:
                continue
            if len(seg.hs) == 0:  # zero-length propagation
                out[sel] = seg.ys[0]
                done[sel] = True
                continue
            forward = seg.ts[-1] >= seg.ts[0]
            tsorted = seg.ts if forward else seg.ts[::-1]
            idx = np.searchsorted(tsorted, trel[sel], side="right") - 1
            if not forward:
                idx = len(seg.ts) - 2 - idx
            idx = np.clip(idx, 0, len(seg.hs) - 1)
            res = np.empty((sel.size, 7))
            p = seg.prepared
            D.dense_sample(seg.ts, seg.hs, seg.ys, seg.ye, seg.Ks, idx.astype(np.int64), trel[sel],
                           p.fp, p.tables, p.col_start, p.work, p.tab, res)
            out[sel] = res
            done[sel] = True
        return out


def _event_specs(stop_on, record, altitude_events_m, epoch_events_tdb_s, terrain):
    names = set(stop_on) | set(record)
    for n in names:
        if n not in EVENT_TYPES:
            raise ScenarioError(f"propagate: unknown event {n!r}; choose from {EVENT_TYPES}")
    specs = []  # (name, kind, value, dir, terminal)
    if "impact" in names:
        specs.append(("impact", _KIND_TERRAIN if terrain is not None else _KIND_SPHERE, 0.0, -1,
                      "impact" in stop_on))
    for value in altitude_events_m:
        specs.append(("altitude", _KIND_SPHERE, float(value), 0, "altitude" in stop_on))
    if "periapsis" in names:
        specs.append(("periapsis", _KIND_RDOTV, 0.0, 1, "periapsis" in stop_on))
    if "apoapsis" in names:
        specs.append(("apoapsis", _KIND_RDOTV, 0.0, -1, "apoapsis" in stop_on))
    for value in epoch_events_tdb_s:
        specs.append(("epoch", _KIND_EPOCH, float(value), 0, "epoch" in stop_on))  # shifted to t - t0 later
    return specs


def _make_event(name, t, y, value, force_model, reference_radius_m):
    st = State.from_y(t, y)
    lat = lon = float("nan")
    r = np.asarray(y[:3])
    try:
        from lunapole.astro import frames

        rb = frames.rotation("J2000", "MOON_ME", t, ephemeris=force_model.ephemeris) @ r
        lat = float(np.degrees(np.arcsin(rb[2] / np.linalg.norm(rb))))
        lon = float(np.degrees(np.arctan2(rb[1], rb[0])))
    except LunapoleError:
        pass  # outside the lunar orientation kernel: leave NaN
    return Event(name, float(t), st, lat, lon, float(np.linalg.norm(r) - reference_radius_m), value)


def propagate(state: State, force_model: ForceModel, duration_s: float | None = None,
              until_tdb_s: float | None = None, burn=None, stop_on=("impact",),
              record=("periapsis", "apoapsis"), altitude_events_m=(), rtol: float = 1e-11,
              atol_m: float = 1e-4, terrain=None,
              reference_radius_m: float = MOON_MEAN_RADIUS_M, epoch_events_tdb_s=(),
              max_steps: int = 2_000_000, h_max_s: float = np.inf) -> Trajectory:
    """Propagate ``state`` under ``force_model``; see the module docstring for events and burns."""
    if not isinstance(state, State):
        raise ScenarioError(f"propagate: state must be a lunapole.orbit.State, got {type(state).__name__}")
    wait_for_warmup_process()  # kernels being compiled by a background process: load them, don't recompile
    t0 = state.epoch_tdb_s
    if until_tdb_s is not None and duration_s is not None:
        raise ScenarioError("propagate: give duration_s or until_tdb_s, not both")
    burn_len, burn_reason = (None, None)
    if burn is not None:
        burn_len, burn_reason = burn.end(state.mass_kg)
    if until_tdb_s is not None:
        t_end = float(until_tdb_s)
    elif duration_s is not None:
        t_end = t0 + float(duration_s)
    elif burn is not None:
        t_end = t0 + burn_len
    else:
        raise ScenarioError("propagate: give duration_s, until_tdb_s or a finite burn")
    if burn is not None and t_end < t0:
        raise ScenarioError("propagate: finite burns propagate forward in time only")
    if not (rtol > 0 and atol_m > 0):
        raise ScenarioError(f"propagate: rtol ({rtol}) and atol_m ({atol_m}) must be > 0")
    specs = _event_specs(stop_on, record, altitude_events_m, epoch_events_tdb_s, terrain)
    ev_kind = np.array([s[1] for s in specs], dtype=np.int64)
    ev_value = np.array([s[2] - (t0 if s[1] == _KIND_EPOCH else 0.0) for s in specs], dtype=np.float64)
    ev_dir = np.array([s[3] for s in specs], dtype=np.int64)
    ev_term = np.array([1 if s[4] else 0 for s in specs], dtype=np.int64)
    if terrain is not None:
        if not isinstance(terrain, HeightGrid):  # any object with lat_deg, lon_deg, height_m (duck typing)
            try:
                terrain = HeightGrid(terrain.lat_deg, terrain.lon_deg, terrain.height_m)
            except AttributeError as exc:
                raise ScenarioError(f"propagate: terrain must be a HeightGrid or have lat_deg, lon_deg and "
                                    f"height_m (regular MOON_ME grid), got {type(terrain).__name__}") from exc
        tgrid, hgrid = terrain.kernel_args()
    else:
        tgrid, hgrid = np.zeros(4), np.zeros((2, 2))
        hgrid.flags.writeable = False  # same array type as HeightGrid.kernel_args: one compiled kernel
    if np.linalg.norm(state.r_m) <= reference_radius_m and "impact" in stop_on:
        raise ScenarioError(f"propagate: initial altitude {np.linalg.norm(state.r_m) - reference_radius_m:.1f} m "
                            "is below the reference surface")
    prepared = force_model.prepare(t0, t_end, burn=None, terrain=terrain is not None).relative_to(t0)
    atol = np.array([atol_m] * 3 + [atol_m * VELOCITY_ATOL_PER_S] * 3 + [MASS_ATOL_KG])

    legs = []
    if burn is not None and burn_len > 0:
        t_burn_end = t0 + min(burn_len, t_end - t0)
        legs.append((t_burn_end, prepared.with_burn(burn)))
        if t_end > t_burn_end:
            legs.append((t_end, prepared))
    else:
        legs.append((t_end, prepared))

    segments, events, all_ts = [], [], []
    y = state.y.copy()
    t = t0
    tau = 0.0  # kernel time, s since t0
    n_eval = n_steps = 0
    outcome = "completed"
    for leg_i, (t_leg_end, prep) in enumerate(legs):
        res = D.integrate_trimmed(tau, y, t_leg_end - t0, rtol, atol, 0.0, h_max_s, max_steps, prep.fp, prep.tables,
                          prep.col_start, prep.work, prep.tab, ev_kind, ev_value, ev_dir, ev_term,
                          reference_radius_m, tgrid, hgrid)
        status, n, ne, ts, ys, hs, Ks, ye, ev_idx, ev_t, ev_y = res
        tau = float(ts[-1])
        segments.append(_Segment(t0, prep, ts, ys, hs, Ks, ye))  # kernel (relative) times
        ts = ts + t0
        ev_t = ev_t + t0
        n_eval += int(ne)
        n_steps += int(n)
        all_ts.append(ts)
        for k, te, yv in zip(ev_idx, ev_t, ev_y):
            name = specs[k][0]
            value = specs[k][2] if name in ("altitude", "epoch") else None
            events.append(_make_event(name, te, yv, value, force_model, reference_radius_m))
        t, y = float(ts[-1]), ys[-1].copy()
        if status == D.STATUS_EVENT_STOP:
            outcome = specs[int(ev_idx[np.argmin(np.abs(ev_t - t))])][0] if len(ev_t) else "completed"
            break
        if status == D.STATUS_MAX_STEPS:
            raise LunapoleError(f"propagate: more than max_steps={max_steps} steps before t={t} TDB s; "
                                "loosen rtol/atol_m or raise max_steps")
        if status == D.STATUS_STEP_TOO_SMALL:
            raise LunapoleError(f"propagate: step size underflow at t={t} TDB s (singular dynamics?)")
        if burn is not None and leg_i == 0:
            if t_end > t0 + burn_len or len(legs) > 1:
                events.append(_make_event("burn_end", t, y, None, force_model, reference_radius_m))
            if duration_s is None and until_tdb_s is None:
                outcome = "propellant_exhausted" if burn_reason == "propellant_exhausted" else "burn_complete"
    t_all = np.concatenate([all_ts[0]] + [ts[1:] for ts in all_ts[1:]])
    y_all = np.concatenate([segments[0].ys] + [s.ys[1:] for s in segments[1:]])
    return Trajectory(outcome, State.from_y(t, y), events, t_all, y_all, n_eval, n_steps,
                      burn_reason if burn is not None else None, segments)
