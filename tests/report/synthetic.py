"""Synthetic report input for report tests: Keplerian orbits around a rotating sphere (no engines needed)."""
from __future__ import annotations

import numpy as np

from lunapole.report.model import (Burn, Comparison, Event, ReportInput, SurfacePoint, TimelineRow, Track)

MU_KM3_S2 = 4902.8001224453
R_KM = 1737.4
OMEGA_RAD_S = 2.6617e-6


def kepler_track(label: str, rp_km: float, ra_km: float, inc_deg: float, raan_deg: float, argp_deg: float,
                 n: int = 3000, dash: str = "solid") -> Track:
    a = 0.5 * (rp_km + ra_km)
    e = (ra_km - rp_km) / (ra_km + rp_km)
    period = 2 * np.pi * np.sqrt(a**3 / MU_KM3_S2)
    t = np.linspace(0.0, period, n)
    mean = 2 * np.pi * t / period
    ecc = mean.copy()
    for _ in range(30):
        ecc = ecc - (ecc - e * np.sin(ecc) - mean) / (1 - e * np.cos(ecc))
    nu = 2 * np.arctan2(np.sqrt(1 + e) * np.sin(ecc / 2), np.sqrt(1 - e) * np.cos(ecc / 2))
    r = a * (1 - e * np.cos(ecc))
    u = np.radians(argp_deg) + nu
    i, om = np.radians(inc_deg), np.radians(raan_deg)
    x = r * (np.cos(om) * np.cos(u) - np.sin(om) * np.sin(u) * np.cos(i))
    y = r * (np.sin(om) * np.cos(u) + np.cos(om) * np.sin(u) * np.cos(i))
    z = r * np.sin(u) * np.sin(i)
    inertial = np.stack([x, y, z], axis=1)
    th = OMEGA_RAD_S * t
    fixed = np.stack([np.cos(th) * x + np.sin(th) * y, -np.sin(th) * x + np.cos(th) * y, z], axis=1)
    alt = r - R_KM
    keep = np.ones(n, bool)
    if np.any(alt < 0):
        keep[np.argmax(alt < 0) + 1:] = False
    lat = np.degrees(np.arcsin(fixed[:, 2] / r))
    lon = np.degrees(np.arctan2(fixed[:, 1], fixed[:, 0]))
    return Track(label=label, t_s=t[keep], altitude_km=alt[keep], lat_deg=lat[keep], lon_deg=lon[keep],
                 r_fixed_km=fixed[keep], r_inertial_km=inertial[keep],
                 periapsis_alt_km=np.full(keep.sum(), rp_km - R_KM),
                 apoapsis_alt_km=np.full(keep.sum(), ra_km - R_KM), dash=dash)


def synthetic_input() -> ReportInput:
    planned = kepler_track("planned (84 s)", R_KM + 18.0, R_KM + 112.6, 82.087, 229.8, 250.0)
    flown = kepler_track("flown (127 s)", R_KM - 18.0, R_KM + 112.6, 82.087, 229.8, 250.0, dash="dash")
    last = -1
    impact = SurfacePoint("impact", "impact (flown)", float(flown.lat_deg[last]), float(flown.lon_deg[last]),
                          "2023-08-19T11:57:00", {"speed_m_s": 1700.0})
    return ReportInput(
        title="Synthetic replay", outcome="impact", t0_utc="2023-08-19T11:10:00",
        tracks=[planned, flown],
        events=[Event("burn start", "2023-08-19T11:10:00", 0.0, "flown"),
                Event("impact", "2023-08-19T11:57:00", 2820.0, "flown", "1.7 km/s")],
        timeline=[TimelineRow("burn start", "2023-08-19T11:10:00", "2023-08-19T11:10:00", 0.0, "missions.md")],
        comparisons=[Comparison("periapsis altitude", 18.0, 18.4, "km", "missions.md"),
                     Comparison("thrust", None, 350.0, "N", "", "derived")],
        burns=[Burn("pre-landing", "2023-08-19T11:10:00", 127.0, 25.4, 15.1, 350.0, "flown", "backup timer")],
        points=[impact, SurfacePoint("site", "planned landing site", -69.545, 43.544)],
        assumptions=["thrust from dV over 84 s", "burn at apolune"],
        json_dict={"outcome": "impact"},
    )
