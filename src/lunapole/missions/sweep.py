"""Survivable burn duration: the largest duration of a burn that keeps the rest of the revolution above the
terrain, found by bisection on the duration.

Each trial runs the scenario up to and including the burn with ``duration_s`` fixed (the dV cut-off is removed,
see :func:`~lunapole.missions.common.relax_duration_overrides`), then coasts one revolution of the orbit the
run started in, and measures the smallest clearance ``altitude above the 1737.4 km sphere - terrain height``
along the samples (every 2 s, ~3.4 km of ground at 1.7 km/s). Terrain: the LOLA polar-cap grid
(``terrain/lola_svs_8ppd_southcap_60S90S_elev_km.npy`` in ``LUNAPOLE_DATA_DIR``, 1/8 deg, 60-90 S) where it is
available and covers the track, the mean sphere elsewhere; the result names which.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from lunapole.astro.constants import MOON_GM_M3_S2
from lunapole.datadir import find_in_data_dir
from lunapole.missions.common import SweepPoint, SweepResult, relax_duration_overrides
from lunapole.missions.tracks import sample_states, to_sampled

SOUTHCAP_DEM = "terrain/lola_svs_8ppd_southcap_60S90S_elev_km.npy"
SAMPLE_STEP_S = 2.0


@dataclass
class LatLonHeights:
    """Heights (m above the mean sphere) on a regular lat/lon grid of cell centres; zero outside its band."""

    lat0_deg: float
    dlat_deg: float
    lon0_deg: float
    dlon_deg: float
    height_m: np.ndarray
    name: str

    def __call__(self, lat_deg, lon_deg) -> np.ndarray:
        """Bilinear height (m); 0 (the sphere) outside the grid's latitude band."""
        lat = np.asarray(lat_deg, float)
        lon = (np.asarray(lon_deg, float) - self.lon0_deg) % 360.0 + self.lon0_deg
        ny, nx = self.height_m.shape
        fi = (lat - self.lat0_deg) / self.dlat_deg
        fj = (lon - self.lon0_deg) / self.dlon_deg
        inside = (fi >= 0.0) & (fi <= ny - 1)
        fi = np.clip(fi, 0.0, ny - 1 - 1e-9)
        i0 = np.floor(fi).astype(int)
        wi = fi - i0
        j0 = np.floor(fj).astype(int) % nx
        wj = fj - np.floor(fj)
        j1 = (j0 + 1) % nx
        h = self.height_m
        val = ((1 - wi) * ((1 - wj) * h[i0, j0] + wj * h[i0, j1]) + wi * ((1 - wj) * h[i0 + 1, j0] + wj * h[i0 + 1, j1]))
        return np.where(inside, val, 0.0)


def southcap_heights() -> LatLonHeights | None:
    """The LOLA 8 px/deg polar-cap grid from ``LUNAPOLE_DATA_DIR`` (rows from 60 S to 90 S), or None."""
    path = find_in_data_dir(SOUTHCAP_DEM)
    if path is None:
        return None
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    h_km = np.load(path)
    # Rows run north to south; flip so latitude increases with the row index.
    return LatLonHeights(
        lat0_deg=float(meta.get("last_row_center_lat", -89.9375)),
        dlat_deg=float(meta.get("pixel_size_deg", 0.125)),
        lon0_deg=float(meta.get("first_col_center_lon", -179.9375)),
        dlon_deg=float(meta.get("pixel_size_deg", 0.125)),
        height_m=np.ascontiguousarray(h_km[::-1].astype(float) * 1e3),
        name=f"LOLA 1/8 deg polar cap ({path.name}) south of 60 S, 1737.4 km sphere elsewhere",
    )


def _period_s(scn) -> float:
    from lunapole.scenario.run import initial_state

    s = initial_state(scn)
    r = float(np.linalg.norm(s.r_m))
    v2 = float(np.dot(s.v_m_s, s.v_m_s))
    a = 1.0 / (2.0 / r - v2 / MOON_GM_M3_S2)
    return 2.0 * math.pi * math.sqrt(a**3 / MOON_GM_M3_S2)


def trial_scenario(raw: dict[str, Any], source, step: str, duration_s: float, coast_s: float,
                   overrides=()):
    """The scenario of one trial: steps up to ``step`` with its duration fixed, then a coast of ``coast_s``."""
    from lunapole.scenario import scenario_from_dict

    ov = [*overrides, f"sequence.{step}.duration_s={duration_s!r}"]
    base = relax_duration_overrides(raw, ov)
    seq = base["sequence"]
    idx = next(i for i, s in enumerate(seq) if s.get("name") == step)
    base = copy.deepcopy(base)
    # Coast to the next periapsis (at most one revolution): where the orbit comes lowest.
    base["sequence"] = seq[: idx + 1] + [{"name": "sweep_coast", "type": "coast", "until": "periapsis",
                                          "max_duration_s": float(coast_s), "record": []}]
    base.pop("output", None)
    keep = {s.get("name") for s in base["sequence"]}
    if isinstance(base.get("faults"), list):
        base["faults"] = [f for f in base["faults"] if f.get("step") in keep]
    return scenario_from_dict(base, source=source, overrides=ov)


def min_clearance_km(result, step: str, heights: LatLonHeights | None) -> tuple[float, bool]:
    """Smallest (altitude - terrain) after the start of ``step`` (km) and whether the run hit the sphere."""
    t, y = sample_states(result.segments, SAMPLE_STEP_S)
    start = next((s.start_tdb_s for s in result.steps if s.name == step), t[0] if t.size else 0.0)
    sel = t >= start - 1e-6
    sr = to_sampled(t[sel], y[sel], result.scenario.scenario.ephemeris)
    terrain = heights(sr.lat_deg, sr.lon_deg) if heights is not None else 0.0
    clearance = (sr.altitude_m - terrain) / 1e3
    impact = result.outcome == "impact"
    return (float(np.min(clearance)) if clearance.size else math.nan), impact


def survivable_duration(raw: dict[str, Any], source, step: str, survivable_s: float, fatal_s: float,
                        overrides=(), tol_s: float = 0.25, use_dem: bool = True,
                        progress: Callable[[str], None] | None = None) -> SweepResult:
    """Bisection on the duration of ``step`` between a survivable and a fatal duration.

    Raises ValueError when the bracket does not bracket (both ends survive or both fail).
    """
    from lunapole.scenario import run_scenario, scenario_from_dict

    heights = southcap_heights() if use_dem else None
    base_scn = scenario_from_dict(relax_duration_overrides(raw, overrides), source=source, overrides=overrides)
    coast_s = 1.05 * _period_s(base_scn)
    points: list[SweepPoint] = []

    def trial(d: float) -> SweepPoint:
        scn = trial_scenario(raw, source, step, d, coast_s, overrides)
        res = run_scenario(scn, write_outputs=False)
        clr, impact = min_clearance_km(res, step, heights)
        ok = (not impact) and clr > 0.0
        pt = SweepPoint(float(d), clr, ok, impact)
        points.append(pt)
        if progress is not None:
            progress(f"sweep: {d:7.2f} s -> min clearance {clr:8.2f} km ({'survives' if ok else 'fatal'})")
        return pt

    lo, hi = float(survivable_s), float(fatal_s)
    p_lo, p_hi = trial(lo), trial(hi)
    if not p_lo.survivable or p_hi.survivable:
        raise ValueError(f"durations {lo} s (survives: {p_lo.survivable}) and {hi} s (survives: "
                         f"{p_hi.survivable}) do not bracket the survivable limit")
    while hi - lo > tol_s:
        mid = 0.5 * (lo + hi)
        if trial(mid).survivable:
            lo = mid
        else:
            hi = mid
    terrain = heights.name if heights is not None else "1737.4 km mean sphere (no DEM in LUNAPOLE_DATA_DIR)"
    return SweepResult(step=step, max_survivable_s=lo, min_fatal_s=hi, terrain=terrain, points=points)
