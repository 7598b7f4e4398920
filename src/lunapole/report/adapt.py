"""Turn a scenario run (:class:`lunapole.scenario.RunResult`) or a replay
(:class:`lunapole.missions.ReplayResult`) into the plain :class:`ReportInput` the report draws."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lunapole.report.model import (Burn, Event, ExtraTable, ReportInput, SurfacePoint, TimelineRow,
                                   Track)

#: Samples per run (the figures thin further); at least one every 60 s of the run, at most one per second.
TARGET_SAMPLES = 6000


def _utc(et: float) -> str:
    from lunapole.astro.time import tdb_s_to_utc_iso

    return str(tdb_s_to_utc_iso(float(et), 3))


def track_of_run(run, label: str, t0_tdb_s: float, dash: str = "solid") -> Track | None:
    """Sampled orbit track of a run (MOON_ME latitude/longitude, altitude above the mean sphere)."""
    from lunapole.missions.tracks import sample_run, to_sampled

    spans = [seg.span_tdb_s for seg in run.segments if hasattr(seg, "span_tdb_s")]
    if not spans:
        return None
    total = sum(abs(b - a) for a, b in spans)
    step = min(60.0, max(1.0, total / TARGET_SAMPLES))
    sr = sample_run(run, step)
    t, r_me, lat, lon, alt = sr.t_tdb_s, sr.r_me_m, sr.lat_deg, sr.lon_deg, sr.altitude_m
    peri, apo, r_in = sr.periapsis_alt_m, sr.apoapsis_alt_m, sr.r_j2000_m
    desc = _descent_samples(run)
    if desc is not None:
        d = to_sampled(desc[0], desc[1], run.scenario.scenario.ephemeris)
        t = np.concatenate([t, d.t_tdb_s])
        order = np.argsort(t, kind="stable")
        cat = lambda a, b: np.concatenate([a, b])[order]  # noqa: E731
        t = t[order]
        r_me, lat, lon, alt = cat(r_me, d.r_me_m), cat(lat, d.lat_deg), cat(lon, d.lon_deg), cat(alt, d.altitude_m)
        peri, apo, r_in = cat(peri, d.periapsis_alt_m), cat(apo, d.apoapsis_alt_m), cat(r_in, d.r_j2000_m)
    if t.size == 0:
        return None
    return Track(label=label, t_s=t - t0_tdb_s, altitude_km=alt / 1e3, lat_deg=lat, lon_deg=lon,
                 r_fixed_km=r_me / 1e3, r_inertial_km=r_in / 1e3, periapsis_alt_km=peri / 1e3,
                 apoapsis_alt_km=apo / 1e3, dash=dash)


def _descent_samples(run):
    """``(t_tdb_s, y (N, 7) J2000)`` of segments without dense output that carry their own samples
    (the powered-descent record: ``t_tdb_s`` and ``y`` or ``r_j2000_m``/``v_j2000_m_s``)."""
    ts, ys = [], []
    for seg in run.segments:
        if hasattr(seg, "sample") and hasattr(seg, "span_tdb_s"):
            continue
        t = getattr(seg, "t_tdb_s", None)
        y = getattr(seg, "y", None)
        if y is None and getattr(seg, "r_j2000_m", None) is not None:
            r = np.asarray(seg.r_j2000_m)
            v = np.asarray(getattr(seg, "v_j2000_m_s", np.zeros_like(r)))
            m = np.asarray(getattr(seg, "mass_kg", np.zeros(len(r)))).reshape(-1, 1)
            y = np.hstack([r, v, m])
        if t is None or y is None:
            continue
        ts.append(np.asarray(t, float))
        ys.append(np.asarray(y, float)[:, :7] if np.asarray(y).shape[1] >= 7 else
                  np.hstack([np.asarray(y, float)[:, :6], np.zeros((len(t), 1))]))
    if not ts:
        return None
    return np.concatenate(ts), np.concatenate(ys)


def _events(run, label: str, t0: float) -> list[Event]:
    out = []
    for e in run.events:
        alt = e.altitude_m / 1e3 if math.isfinite(e.altitude_m) else float("nan")
        detail = f"{e.step}; {e.lat_deg:.3f} deg, {e.lon_deg:.3f} deg E, altitude {alt:.3f} km"
        out.append(Event(e.type, _utc(e.epoch_tdb_s), float(e.epoch_tdb_s - t0), label, detail))
    return out


def _burns(run, label: str) -> list[Burn]:
    out = []
    for s in run.steps:
        if s.type not in ("finite_burn", "impulsive_burn", "powered_descent"):
            continue
        d = s.details or {}
        thrust = None
        try:
            step = run.scenario.sequence[s.index]
            if "engine" in type(step).model_fields:  # the descent flies its vehicle's engines, not one named engine
                eng = run.scenario.spacecraft.engine(getattr(step, "engine", None))
                thrust = eng.axial_thrust_n * float(d.get("thrust_scale", 1.0))
        except (KeyError, IndexError, AttributeError):
            pass
        cutoff = d.get("cutoff_failure") or ("dV cut-off" if "commanded_dv_m_s" in d else "")
        if d.get("propellant_exhausted"):
            cutoff = "propellant exhausted"
        out.append(Burn(s.name or f"sequence[{s.index}]", _utc(s.start_tdb_s),
                        float(d.get("burn_duration_s", s.end_tdb_s - s.start_tdb_s)), float(s.dv_m_s),
                        float(s.propellant_kg), thrust, label, str(cutoff)))
    return out


def _points_of_run(run, label: str) -> list[SurfacePoint]:
    pts = []
    for e in run.events:
        if e.type == "impact":
            pts.append(SurfacePoint("impact", f"impact ({label})", float(e.lat_deg), float(e.lon_deg),
                                    _utc(e.epoch_tdb_s), {"speed_m_s": float(np.linalg.norm(run.final_state.v_m_s))}))
    td = getattr(run, "touchdown", None)
    if td:
        details = {k: v for k, v in td.items() if k not in ("lat_deg", "lon_deg", "epoch")}
        pts.append(SurfacePoint("touchdown", f"touchdown ({label})", float(td["lat_deg"]), float(td["lon_deg"]),
                                str(td.get("epoch", "")), details))
    return pts


#: Runs longer than this are drawn faint, with their last ``FINAL_APPROACH_S`` emphasised.
LONG_RUN_S = 12 * 3600.0
FINAL_APPROACH_S = 3 * 3600.0


def _emphasise_end(tracks: list[Track]) -> list[Track]:
    """For long runs: the whole track faint plus its final approach as a separate, normal track."""
    out = []
    for tr in tracks:
        if tr.t_s.size and tr.t_s[-1] - tr.t_s[0] > LONG_RUN_S:
            sel = tr.t_s >= tr.t_s[-1] - FINAL_APPROACH_S
            tr.faint = True
            tr.label = f"{tr.label} (whole run)"
            out.append(tr)
            pick = lambda a: None if a is None else np.asarray(a)[sel]  # noqa: E731
            out.append(Track(label=f"{tr.label.replace(' (whole run)', '')} (last {FINAL_APPROACH_S / 3600:.0f} h)",
                             t_s=tr.t_s[sel], altitude_km=tr.altitude_km[sel], lat_deg=tr.lat_deg[sel],
                             lon_deg=tr.lon_deg[sel], r_fixed_km=np.asarray(tr.r_fixed_km)[sel],
                             r_inertial_km=pick(tr.r_inertial_km), periapsis_alt_km=pick(tr.periapsis_alt_km),
                             apoapsis_alt_km=pick(tr.apoapsis_alt_km), dash=tr.dash))
        else:
            out.append(tr)
    return out


def report_input_from_run_result(run) -> ReportInput:
    """Report of one scenario run."""
    t0 = float(run.initial_state.epoch_tdb_s)
    label = run.scenario.scenario.name
    tr = track_of_run(run, label, t0)
    desc = run.scenario.scenario.description
    return ReportInput(
        title=f"lunapole run: {label}", outcome=run.outcome, t0_utc=_utc(t0),
        tracks=_emphasise_end([tr]) if tr else [],
        events=_events(run, label, t0), burns=_burns(run, label), points=_points_of_run(run, label),
        assumptions=list(getattr(run.scenario.scenario, "assumptions", []) or []),
        subtitle=f"{desc} ({run.scenario.source})" if desc else str(run.scenario.source or ""),
        json_dict=run.to_json_dict(), notes=list(run.warnings),
    )


def report_input_from_replay(rep) -> ReportInput:
    """Report of a replay: every run overlaid, published vs simulated, assumptions, sweep."""
    t0 = float(rep.primary.initial_state.epoch_tdb_s)
    tracks, events, burns, points = [], [], [], []
    for k, (label, run) in enumerate(rep.runs.items()):
        tr = track_of_run(run, label, t0, dash="solid" if k == 0 else "dash")
        if tr is not None:
            tracks.append(tr)
        events += _events(run, label, t0)
        burns += _burns(run, label)
        points += _points_of_run(run, label)
    for site in rep.sites:
        points.append(SurfacePoint("site", site.get("name", "site"), float(site["lat_deg"]), float(site["lon_deg"])))
    if rep.impact:
        for p in points:
            if p.kind == "impact" and p.label.endswith(f"({next(iter(rep.runs))})"):
                p.details.update({k: v for k, v in rep.impact.items() if k not in ("epoch", "lat_deg", "lon_deg")})
    tables = []
    if rep.sweep is not None:
        sw = rep.sweep
        tables.append(ExtraTable(
            "Survivable burn durations",
            ["burn duration (s)", "smallest clearance over the revolution (km)", "survivable"],
            [[p.duration_s, p.min_clearance_km, "yes" if p.survivable else "no (impact)" if p.impact else "no"]
             for p in sorted(sw.points, key=lambda p: p.duration_s)],
            f"Bisection on the duration of {sw.step}: survivable up to {sw.max_survivable_s:.2f} s, fatal from "
            f"{sw.min_fatal_s:.2f} s. Terrain: {sw.terrain}.",
        ))
    orbit_rows = []
    for name, orb in (("planned", rep.planned_orbit), ("achieved", rep.achieved_orbit)):
        if orb:
            orbit_rows.append([name, orb.get("periapsis_alt_km"), orb.get("apoapsis_alt_km"), orb.get("epoch", "")])
    if orbit_rows:
        tables.insert(0, ExtraTable("Orbit after the burn (osculating two-body, above the 1737.4 km sphere)",
                                    ["orbit", "periapsis altitude (km)", "apoapsis altitude (km)", "epoch"],
                                    orbit_rows))
    return ReportInput(
        title=rep.title or f"Replay: {rep.name}", outcome=rep.outcome, t0_utc=_utc(t0),
        tracks=_emphasise_end(tracks),
        events=events,
        timeline=[TimelineRow(t.event, t.published_utc, t.simulated_utc, t.difference_s, t.source)
                  for t in rep.timeline],
        comparisons=list(rep.comparisons),
        burns=burns, points=points, assumptions=list(rep.assumptions), subtitle=f"scenario file: {rep.source}",
        json_dict=rep.to_json_dict(), tables=tables, notes=list(rep.notes),
    )


def report_input_from_any(result: Any) -> ReportInput:
    """Dispatch on the kind of result."""
    if hasattr(result, "runs") and hasattr(result, "comparisons"):
        return report_input_from_replay(result)
    return report_input_from_run_result(result)
