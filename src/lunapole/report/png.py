"""Static PNG versions of the report figures (matplotlib, no pyplot state: safe in threads and servers)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lunapole.report.craters import south_pole_craters
from lunapole.report.figures import COLORS, map_bound_lat_deg, utc_axis
from lunapole.report.model import ReportInput
from lunapole.report.polar import MOON_MEAN_RADIUS_KM, radius_of_latitude_km, south_polar_stereo_km, split_at_gaps

_MPL_DASH = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}
_MPL_MARK = {"impact": ("x", "#d62728"), "touchdown": ("*", "#2ca02c"), "site": ("o", "#000000")}


def _legend(ax, **kwargs) -> None:
    """A legend only when something is labelled (matplotlib warns otherwise)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _save(fig: Figure, path: Path, dpi: int = 150) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def altitude_png(data: ReportInput, path: Path) -> Path:
    """Altitude and osculating periapsis altitude against UTC."""
    fig = Figure(figsize=(9, 6.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for k, tr in enumerate(data.tracks):
        x = utc_axis(data.t0_utc, tr.t_s).astype("datetime64[ms]").astype(object)
        ls = _MPL_DASH.get(tr.dash, "-")
        ax1.plot(x, tr.altitude_km, ls, color=COLORS[k % len(COLORS)], label=tr.label)
        if tr.periapsis_alt_km is not None:
            ax2.plot(x, tr.periapsis_alt_km, ls, color=COLORS[k % len(COLORS)], label=f"{tr.label} periapsis")
        if tr.apoapsis_alt_km is not None:
            ax2.plot(x, tr.apoapsis_alt_km, ":", color=COLORS[k % len(COLORS)], alpha=0.5)
    for ax, title in ((ax1, "Altitude (km)"), (ax2, "Osculating periapsis / apoapsis altitude (km)")):
        ax.axhline(0.0, color="gray", lw=0.8)
        ax.set_ylabel("km")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    _legend(ax1, fontsize=8)
    ax2.set_xlabel("UTC")
    fig.autofmt_xdate()
    fig.suptitle(data.title)
    return _save(fig, path)


def groundtrack_png(data: ReportInput, path: Path) -> Path:
    """South polar stereographic map with named craters, ground tracks and impact/touchdown/site points."""
    bound = map_bound_lat_deg(data)
    rmax = radius_of_latitude_km(bound)
    fig = Figure(figsize=(8, 8))
    ax = fig.subplots()
    lon = np.linspace(0, 360, 361)
    for lat in list(np.arange(-85.0, bound - 1e-9, 5.0)) + [bound]:
        ax.plot(*south_polar_stereo_km(np.full_like(lon, lat), lon), color="#cccccc", lw=0.6)
    for lon0 in range(0, 360, 30):
        lat = np.linspace(-90, bound, 20)
        ax.plot(*south_polar_stereo_km(lat, np.full_like(lat, lon0)), color="#cccccc", lw=0.6)
        r = rmax * 1.05
        ax.text(r * np.sin(np.radians(lon0)), r * np.cos(np.radians(lon0)), f"{(lon0 + 180) % 360 - 180}E",
                ha="center", va="center", fontsize=7, color="#888")
    craters, source = south_pole_craters(max_lat_deg=bound)
    theta = np.linspace(0, 2 * np.pi, 49)
    for c in craters:
        x, y = south_polar_stereo_km(c.lat_deg, c.lon_deg)
        k = 2.0 / (1.0 + abs(np.sin(np.radians(c.lat_deg))))
        rad = 0.5 * c.diameter_km * k
        ax.plot(x + rad * np.cos(theta), y + rad * np.sin(theta), color="#b59b6d", lw=0.5)
        if c.diameter_km >= 60.0 or c.lat_deg <= -87.0:
            ax.text(x, y, c.name, fontsize=5, color="#7a6642", ha="center", va="center")
    for k, tr in enumerate(data.tracks):
        x, y = south_polar_stereo_km(tr.lat_deg, tr.lon_deg)
        for j, (xs, ys) in enumerate(split_at_gaps(x, y, np.asarray(tr.lat_deg) <= bound)):
            ax.plot(xs, ys, _MPL_DASH.get(tr.dash, "-"), color=COLORS[k % len(COLORS)],
                    lw=0.5 if tr.faint else 1.5, alpha=0.2 if tr.faint else 1.0, label=tr.label if j == 0 else None)
    for j, p in enumerate(data.points):
        if p.lat_deg > bound:
            continue
        x, y = south_polar_stereo_km(p.lat_deg, p.lon_deg)
        marker, color = _marker(p, j)
        ax.plot([x], [y], marker, color=color, ms=10, mfc="none" if p.kind == "site" else color, label=p.label)
    ax.set_xlim(-rmax * 1.1, rmax * 1.1)
    ax.set_ylim(-rmax * 1.1, rmax * 1.1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (km, towards 90 E)")
    ax.set_ylabel("y (km, towards 0 E)")
    ax.set_title(f"Ground track south of {abs(bound):.0f} S (polar stereographic, R = {MOON_MEAN_RADIUS_KM} km)\n"
                 f"craters: {source.split(' (')[0]}", fontsize=9)
    _legend(ax, fontsize=7, loc="lower left")
    return _save(fig, path)


def _marker(p, index: int) -> tuple[str, str]:
    if p.kind == "site":
        return ("o", "D", "s", "^")[index % 4], "#000000"
    return _MPL_MARK.get(p.kind, ("D", "k"))


def global_track_png(data: ReportInput, path: Path) -> Path:
    """Ground tracks on a latitude/longitude map of the whole Moon."""
    fig = Figure(figsize=(10, 5.4))
    ax = fig.subplots()
    for k, tr in enumerate(data.tracks):
        lon = np.asarray(tr.lon_deg, float)
        lat = np.asarray(tr.lat_deg, float)
        jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
        ax.plot(np.insert(lon, jumps, np.nan), np.insert(lat, jumps, np.nan), _MPL_DASH.get(tr.dash, "-"),
                color=COLORS[k % len(COLORS)], label=tr.label, lw=0.5 if tr.faint else 1.5,
                alpha=0.2 if tr.faint else 1.0)
    for j, p in enumerate(data.points):
        marker, color = _marker(p, j)
        ax.plot([p.lon_deg], [p.lat_deg], marker, color=color, ms=9, mfc="none" if p.kind == "site" else color,
                label=p.label)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(range(-180, 181, 30))
    ax.set_yticks(range(-90, 91, 15))
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.set_xlabel("longitude (deg E, MOON_ME)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(f"{data.title}: ground track", fontsize=10)
    _legend(ax, fontsize=7, loc="lower left")
    return _save(fig, path)


def trajectory3d_png(data: ReportInput, path: Path) -> Path:
    """Trajectories in the Moon-fixed frame around a Moon sphere."""
    fig = Figure(figsize=(7, 7))
    ax = fig.add_subplot(projection="3d")
    u, v = np.mgrid[0:2 * np.pi:37j, 0:np.pi:19j]
    r = MOON_MEAN_RADIUS_KM
    ax.plot_surface(r * np.cos(u) * np.sin(v), r * np.sin(u) * np.sin(v), r * np.cos(v), color="#bbbbbb",
                    alpha=0.35, linewidth=0)
    for k, tr in enumerate(data.tracks):
        p = np.asarray(tr.r_fixed_km)
        ax.plot(p[:, 0], p[:, 1], p[:, 2], _MPL_DASH.get(tr.dash, "-"), color=COLORS[k % len(COLORS)],
                label=tr.label, lw=0.4 if tr.faint else 1.5, alpha=0.2 if tr.faint else 1.0)
    for p in data.points:
        lat, lon = np.radians(p.lat_deg), np.radians(p.lon_deg)
        marker, color = _MPL_MARK.get(p.kind, ("D", "k"))
        ax.plot([r * np.cos(lat) * np.cos(lon)], [r * np.cos(lat) * np.sin(lon)], [r * np.sin(lat)], marker,
                color=color, ms=8)
    ax.set_box_aspect((1, 1, 1))
    lim = max(r * 1.1, max((float(np.abs(np.asarray(t.r_fixed_km)).max()) for t in data.tracks
                            if len(t.t_s)), default=r))
    for setter in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        setter(-lim, lim)
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_zlabel("z (km)")
    ax.set_title("Trajectory, Moon-fixed frame (MOON_ME)", fontsize=10)
    _legend(ax, fontsize=7)
    return _save(fig, path)


def write_pngs(data: ReportInput, out_dir: Path) -> list[Path]:
    """All PNG figures into ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    paths = [altitude_png(data, out_dir / "altitude.png"), groundtrack_png(data, out_dir / "groundtrack.png"),
             global_track_png(data, out_dir / "groundtrack_global.png")]
    if any(len(t.t_s) for t in data.tracks):
        paths.append(trajectory3d_png(data, out_dir / "trajectory3d.png"))
    return paths
