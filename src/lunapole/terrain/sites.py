"""Ranking landing sites and base sites from terrain and illumination maps.

Base-site score (each term in [0, 1], weights sum to 1; defaults in :class:`BaseSiteWeights`)::

    score = 0.35 * mean_illumination
          + 0.25 * (1 - min(longest_darkness_h / 720 h, 1))      # 720 h ~ one lunar night
          + 0.15 * earth_visible_fraction                        # direct-to-Earth communication
          + 0.15 * (1 - min(distance_to_psr_km / 20 km, 1))      # short traverse to volatiles
          + 0.10 * (1 - slope_deg / max_slope_deg)

Hard limits: slope <= ``max_slope_deg``, cell not itself permanently shadowed. PSRs count only when their
connected area is >= ``min_psr_area_km2`` (ground area, stereographic scale removed).

Landing-site score, over a landing window: hard limits on slope, roughness, minimum Sun fraction and
Earth-visible fraction during the window; ``score = 0.4 sun + 0.3 earth + 0.3 (1 - slope / max_slope)``.

Picked sites are at least ``min_separation_m`` apart (greedy: best first).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from lunapole.errors import DataError
from lunapole.terrain.dem import Dem
from lunapole.terrain.projection import scale_factor, stereo_to_latlon

LUNAR_NIGHT_REF_H = 720.0
PSR_REF_KM = 20.0


@dataclass
class BaseSiteWeights:
    illumination: float = 0.35
    darkness: float = 0.25
    earth: float = 0.15
    psr_distance: float = 0.15
    slope: float = 0.10


def cell_area_km2(dem: Dem) -> np.ndarray:
    """Ground area of every cell (km^2): grid area / k^2."""
    x, y = dem.xy_grid_m()
    return dem.dx_m * dem.dy_m / scale_factor(x, y, dem.radius_m) ** 2 / 1e6


def large_psrs(psr: np.ndarray, dem: Dem, min_area_km2: float) -> np.ndarray:
    """PSR mask keeping only 8-connected regions with ground area >= ``min_area_km2``."""
    labels, n = ndimage.label(psr, structure=np.ones((3, 3), bool))
    if n == 0:
        return np.zeros_like(psr, bool)
    areas = ndimage.sum(cell_area_km2(dem), labels, index=np.arange(1, n + 1))
    keep = np.r_[False, areas >= min_area_km2]
    return keep[labels]


def distance_to_mask_km(mask: np.ndarray, dem: Dem) -> np.ndarray:
    """Ground distance (km) from every cell to the nearest True cell (inf when the mask is empty).

    Euclidean distance on the grid divided by the scale factor at the cell (error < 1 % within 600 km of
    the pole).
    """
    if not mask.any():
        return np.full(mask.shape, np.inf)
    d_grid = ndimage.distance_transform_edt(~mask, sampling=(dem.dy_m, dem.dx_m))
    x, y = dem.xy_grid_m()
    return d_grid / scale_factor(x, y, dem.radius_m) / 1000.0


def _pick(score: np.ndarray, valid: np.ndarray, dem: Dem, top: int, min_separation_m: float) -> list[tuple[int, int]]:
    s = np.where(valid, score, -np.inf)
    order = np.argsort(s, axis=None)[::-1]
    picked: list[tuple[int, int]] = []
    xs, ys = [], []
    x_c, y_c = dem.x_centres_m(), dem.y_centres_m()
    for flat in order:
        if not np.isfinite(s.flat[flat]) or len(picked) >= top:
            break
        r, c = divmod(int(flat), dem.shape[1])
        x, y = x_c[c], y_c[r]
        if xs and np.min(np.hypot(np.array(xs) - x, np.array(ys) - y)) < min_separation_m:
            continue
        picked.append((r, c))
        xs.append(x)
        ys.append(y)
    return picked


def _site_record(dem: Dem, r: int, c: int, **fields) -> dict:
    x, y = float(dem.x_centres_m()[c]), float(dem.y_centres_m()[r])
    lat, lon = stereo_to_latlon(x, y, dem.radius_m)
    rec = {"lat_deg": round(float(lat), 5), "lon_deg": round(float(lon), 5), "x_m": x, "y_m": y,
           "row": int(r), "col": int(c), "elevation_m": round(float(dem.elevation_m[r, c]), 1)}
    for k, v in fields.items():
        rec[k] = round(float(v), 4) if np.isfinite(v) else None
    return rec


def rank_base_sites(dem: Dem, mean_illumination: np.ndarray, longest_darkness_h: np.ndarray,
                    earth_visible_fraction: np.ndarray, psr: np.ndarray, slope: np.ndarray, top: int = 10,
                    max_slope_deg: float = 15.0, min_psr_area_km2: float = 1.0, min_separation_m: float = 5000.0,
                    weights: BaseSiteWeights | None = None) -> list[dict]:
    """Best ``top`` base sites (dicts, best first) by the documented score."""
    w = weights or BaseSiteWeights()
    big = large_psrs(psr, dem, min_psr_area_km2)
    dist = distance_to_mask_km(big, dem)
    score = (w.illumination * mean_illumination
             + w.darkness * (1.0 - np.minimum(longest_darkness_h / LUNAR_NIGHT_REF_H, 1.0))
             + w.earth * earth_visible_fraction
             + w.psr_distance * (1.0 - np.minimum(dist / PSR_REF_KM, 1.0))
             + w.slope * (1.0 - np.clip(slope / max_slope_deg, 0.0, 1.0)))
    valid = (slope <= max_slope_deg) & ~psr
    sites = []
    for rank, (r, c) in enumerate(_pick(score, valid, dem, top, min_separation_m), start=1):
        rec = _site_record(dem, r, c, mean_illumination=mean_illumination[r, c],
                           longest_darkness_h=longest_darkness_h[r, c],
                           earth_visible_fraction=earth_visible_fraction[r, c], slope_deg=slope[r, c],
                           distance_to_psr_km=dist[r, c], score=score[r, c])
        rec["rank"] = rank
        sites.append(rec)
    return sites


def rank_landing_sites(dem: Dem, window_sun_fraction: np.ndarray, window_earth_fraction: np.ndarray,
                       slope: np.ndarray, roughness: np.ndarray, top: int = 10, max_slope_deg: float = 8.0,
                       max_roughness_m: float = 1.0, min_sun_fraction: float = 0.9,
                       min_earth_fraction: float = 0.9, min_separation_m: float = 5000.0) -> list[dict]:
    """Best ``top`` landing sites for a window (Sun and Earth visible, slope/roughness within limits)."""
    valid = ((slope <= max_slope_deg) & (roughness <= max_roughness_m)
             & (window_sun_fraction >= min_sun_fraction) & (window_earth_fraction >= min_earth_fraction))
    score = 0.4 * window_sun_fraction + 0.3 * window_earth_fraction + 0.3 * (1 - np.clip(slope / max_slope_deg, 0, 1))
    sites = []
    for rank, (r, c) in enumerate(_pick(score, valid, dem, top, min_separation_m), start=1):
        rec = _site_record(dem, r, c, window_sun_fraction=window_sun_fraction[r, c],
                           window_earth_fraction=window_earth_fraction[r, c], slope_deg=slope[r, c],
                           roughness_m=roughness[r, c], score=score[r, c])
        rec["rank"] = rank
        sites.append(rec)
    return sites


def write_geojson(path: str | Path, sites: list[dict], kind: str = "base_site") -> None:
    """GeoJSON FeatureCollection of sites: Point [lon_deg, lat_deg] (selenographic, planetocentric, east)."""
    if any(not np.isfinite([s["lon_deg"], s["lat_deg"]]).all() for s in sites):
        raise DataError("site with non-finite coordinates")
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon_deg"], s["lat_deg"]]},
              "properties": {"kind": kind, **{k: v for k, v in s.items()}}} for s in sites]
    Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": feats}, indent=1))
