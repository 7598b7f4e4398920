"""South polar stereographic map figure of illumination, PSRs, ranked sites and named craters (matplotlib)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from lunapole.datadir import find_in_data_dir
from lunapole.terrain.dem import Dem
from lunapole.terrain.projection import latlon_to_stereo


def named_features(min_diameter_km: float = 15.0) -> list[tuple[str, float, float, float]]:
    """(name, lat_deg, lon_deg, diameter_km) of approved IAU features south of 75 S (empty if not available)."""
    path = find_in_data_dir("sites/iau_moon_features_south_of_75S.csv")
    if path is None:
        return []
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                diam = float(row["Diameter"])
                if row["Approval_Status"] != "Approved" or diam < min_diameter_km:
                    continue
                out.append((row["Feature_Name"], float(row["Center_Latitude"]), float(row["Center_Longitude"]), diam))
            except (KeyError, ValueError):
                continue
    return out


def plot_sites_map(path: str | Path, dem: Dem, mean_illumination: np.ndarray, psr: np.ndarray,
                   sites: list[dict], landing: list[dict] | None = None) -> None:
    """Write a PNG: mean illumination (grey scale), PSRs (blue), base sites (numbered), landing sites, craters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ext_km = np.array([dem.x0_m, dem.x0_m + dem.shape[1] * dem.dx_m,
                       dem.y0_m - dem.shape[0] * dem.dy_m, dem.y0_m]) / 1000.0
    fig, ax = plt.subplots(figsize=(8, 7.2), dpi=110)
    im = ax.imshow(mean_illumination, extent=ext_km, cmap="gray", vmin=0, vmax=1, origin="upper")
    ax.imshow(np.ma.masked_where(~psr, psr.astype(float)), extent=ext_km, cmap="winter", alpha=0.7, origin="upper")
    for s in sites:
        ax.plot(s["x_m"] / 1e3, s["y_m"] / 1e3, "o", mfc="none", mec="orange", ms=9)
        ax.annotate(str(s["rank"]), (s["x_m"] / 1e3, s["y_m"] / 1e3), color="orange", fontsize=8,
                    xytext=(4, 4), textcoords="offset points")
    for s in landing or []:
        ax.plot(s["x_m"] / 1e3, s["y_m"] / 1e3, "^", mfc="none", mec="lime", ms=8)
    for name, lat, lon, _ in named_features():
        x, y = latlon_to_stereo(lat, lon, dem.radius_m)
        if ext_km[0] <= x / 1e3 <= ext_km[1] and ext_km[2] <= y / 1e3 <= ext_km[3]:
            ax.plot(x / 1e3, y / 1e3, "+", color="red", ms=5)
            ax.annotate(name, (x / 1e3, y / 1e3), color="red", fontsize=6, xytext=(3, -8), textcoords="offset points")
    ax.set_xlabel("x (km, towards 90 E)")
    ax.set_ylabel("y (km, towards 0 E)")
    ax.set_title("Mean solar-disk visibility, PSRs (blue), base sites (orange), landing sites (green)", fontsize=9)
    fig.colorbar(im, ax=ax, label="mean illumination fraction", shrink=0.8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
