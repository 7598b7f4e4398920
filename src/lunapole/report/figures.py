"""Interactive figures (plotly) of a :class:`~lunapole.report.model.ReportInput`.

Each function returns a ``plotly.graph_objects.Figure``; :mod:`lunapole.report.html` embeds them and
:mod:`lunapole.report.png` draws the same content with matplotlib for papers and slides.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lunapole.report.craters import south_pole_craters
from lunapole.report.model import ReportInput, Track
from lunapole.report.polar import MOON_MEAN_RADIUS_KM, radius_of_latitude_km, south_polar_stereo_km, split_at_gaps

#: Most samples drawn per trace (the HTML stays small; shapes are unchanged at this density).
MAX_POINTS = 2500
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
POINT_SYMBOLS = {"impact": "x", "touchdown": "star", "site": "circle-open"}
POINT_COLORS = {"impact": "#d62728", "touchdown": "#2ca02c", "site": "#000000"}


def _thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` samples, keeping the first and the last."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def utc_axis(t0_utc: str, t_s: np.ndarray) -> np.ndarray:
    """UTC datetimes (numpy datetime64[ms]) of seconds after ``t0_utc``."""
    t0 = np.datetime64(t0_utc.replace(" UTC", "").replace("Z", ""), "ms")
    return t0 + (np.asarray(t_s, dtype=float) * 1000.0).round().astype("timedelta64[ms]")


def altitude_figure(data: ReportInput) -> go.Figure:
    """Altitude and osculating periapsis/apoapsis altitude against UTC, one colour per track."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Altitude", "Osculating periapsis / apoapsis altitude (two-body)"))
    for k, tr in enumerate(data.tracks):
        color = COLORS[k % len(COLORS)]
        i = _thin(len(tr.t_s))
        x = utc_axis(data.t0_utc, tr.t_s[i])
        fig.add_trace(go.Scatter(x=x, y=tr.altitude_km[i], name=tr.label, legendgroup=tr.label, mode="lines",
                                 line=dict(color=color, dash=tr.dash)), row=1, col=1)
        if tr.periapsis_alt_km is not None:
            fig.add_trace(go.Scatter(x=x, y=tr.periapsis_alt_km[i], name=f"{tr.label} periapsis",
                                     legendgroup=tr.label, mode="lines", showlegend=False,
                                     line=dict(color=color, dash=tr.dash)), row=2, col=1)
        if tr.apoapsis_alt_km is not None:
            fig.add_trace(go.Scatter(x=x, y=tr.apoapsis_alt_km[i], name=f"{tr.label} apoapsis",
                                     legendgroup=tr.label, mode="lines", showlegend=False, opacity=0.5,
                                     line=dict(color=color, dash="dot")), row=2, col=1)
    fig.add_hline(y=0.0, line=dict(color="gray", width=1), row=1, col=1)
    fig.add_hline(y=0.0, line=dict(color="gray", width=1), row=2, col=1)
    fig.update_yaxes(title_text="km", row=1, col=1)
    fig.update_yaxes(title_text="km", row=2, col=1)
    fig.update_xaxes(title_text="UTC", row=2, col=1)
    fig.update_layout(height=620, margin=dict(l=60, r=20, t=40, b=40), legend=dict(orientation="h", y=-0.12))
    return fig


def map_bound_lat_deg(data: ReportInput, default: float = -60.0) -> float:
    """Northern edge of the south-pole map: ``default``, or 3 deg north of the northernmost impact /
    touchdown / site if that lies further north; kept within [-80, -45] deg."""
    lats = [p.lat_deg for p in data.points if p.lat_deg < 0.0]
    edge = max([default] + [lat + 3.0 for lat in lats])
    return float(min(-45.0, max(-80.0, np.ceil(edge))))


def groundtrack_figure(data: ReportInput) -> go.Figure:
    """Ground tracks south of the map edge on a polar stereographic map with named craters (km)."""
    bound = map_bound_lat_deg(data)
    rmax = radius_of_latitude_km(bound)
    fig = go.Figure()
    _graticule(fig, bound)
    craters, source = south_pole_craters(max_lat_deg=bound)
    _craters(fig, craters, rmax)
    for k, tr in enumerate(data.tracks):
        color = COLORS[k % len(COLORS)]
        x, y = south_polar_stereo_km(tr.lat_deg, tr.lon_deg)
        first = True
        for xs, ys in split_at_gaps(x, y, np.asarray(tr.lat_deg) <= bound):
            i = _thin(len(xs))
            fig.add_trace(go.Scatter(x=xs[i], y=ys[i], mode="lines", name=tr.label, legendgroup=tr.label,
                                     showlegend=first, opacity=0.25 if tr.faint else 1.0,
                                     line=dict(color=color, dash=tr.dash, width=1 if tr.faint else 2)))
            first = False
    for j, p in enumerate(data.points):
        x, y = south_polar_stereo_km(p.lat_deg, p.lon_deg)
        if p.lat_deg > bound:
            continue
        text = f"{p.label}<br>{p.lat_deg:.3f} deg, {p.lon_deg:.3f} deg E" + (f"<br>{p.utc}" if p.utc else "")
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers+text", name=p.label, text=[p.label],
                                 textposition="top center", hovertext=[text], hoverinfo="text",
                                 marker=dict(symbol=_point_symbol(p, j), size=13,
                                             color=POINT_COLORS.get(p.kind, "#000"), line=dict(width=2))))
    fig.update_xaxes(range=[-rmax, rmax], title_text="x (km, towards 90 E)", scaleanchor="y", scaleratio=1,
                     showgrid=False, zeroline=False)
    fig.update_yaxes(range=[-rmax, rmax], title_text="y (km, towards 0 E)", showgrid=False, zeroline=False)
    fig.update_layout(height=760, margin=dict(l=60, r=20, t=50, b=40),
                      title=dict(text=f"Ground track south of {abs(bound):.0f} S (polar stereographic; "
                                      f"craters: {source.split(' (')[0]})", font=dict(size=13)),
                      legend=dict(orientation="h", y=-0.08))
    return fig


def _graticule(fig: go.Figure, bound: float) -> None:
    lines_x: list[float | None] = []
    lines_y: list[float | None] = []
    lon = np.linspace(0.0, 360.0, 361)
    for lat in np.arange(-85.0, bound - 1e-9, 5.0)[::-1].tolist() + [bound]:
        x, y = south_polar_stereo_km(np.full_like(lon, lat), lon)
        lines_x += list(x) + [None]
        lines_y += list(y) + [None]
    for lon0 in range(0, 360, 30):
        lat = np.linspace(-90.0, bound, 30)
        x, y = south_polar_stereo_km(lat, np.full_like(lat, lon0))
        lines_x += list(x) + [None]
        lines_y += list(y) + [None]
    fig.add_trace(go.Scatter(x=lines_x, y=lines_y, mode="lines", hoverinfo="skip", showlegend=False,
                             line=dict(color="#cccccc", width=1)))
    lab_lon = np.arange(0, 360, 30)
    r = radius_of_latitude_km(bound) * 1.04
    fig.add_trace(go.Scatter(x=r * np.sin(np.radians(lab_lon)), y=r * np.cos(np.radians(lab_lon)), mode="text",
                             text=[f"{(lo + 180) % 360 - 180:d}E" for lo in lab_lon], hoverinfo="skip",
                             showlegend=False, textfont=dict(color="#888", size=10)))


def _craters(fig: go.Figure, craters, rmax: float) -> None:
    xs: list[float | None] = []
    ys: list[float | None] = []
    cx, cy, names = [], [], []
    theta = np.linspace(0.0, 2.0 * np.pi, 49)
    for c in craters:
        x, y = south_polar_stereo_km(c.lat_deg, c.lon_deg)
        if abs(x) > rmax or abs(y) > rmax:
            continue
        # The map scale is k = 2 / (1 + sin|lat|) (Snyder eq. 21-34): draw the rim at map size.
        k = 2.0 / (1.0 + abs(np.sin(np.radians(c.lat_deg))))
        rad = 0.5 * c.diameter_km * k
        xs += list(x + rad * np.cos(theta)) + [None]
        ys += list(y + rad * np.sin(theta)) + [None]
        cx.append(float(x))
        cy.append(float(y))
        names.append(f"{c.name} ({c.diameter_km:.0f} km; {c.lat_deg:.2f}, {c.lon_deg:.2f} E)")
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name="craters (IAU)",
                             line=dict(color="#b59b6d", width=1)))
    big = [i for i, c in enumerate(craters) if c.diameter_km >= 60.0 or c.lat_deg <= -87.0]
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="markers", hovertext=names, hoverinfo="text", showlegend=False,
                             marker=dict(size=3, color="#b59b6d")))
    fig.add_trace(go.Scatter(x=[cx[i] for i in big if i < len(cx)], y=[cy[i] for i in big if i < len(cy)],
                             mode="text", text=[names[i].split(" (")[0] for i in big if i < len(names)],
                             hoverinfo="skip", showlegend=False, textfont=dict(size=9, color="#7a6642")))


def global_track_figure(data: ReportInput) -> go.Figure:
    """Ground tracks on a latitude/longitude map of the whole Moon (for what leaves the polar map)."""
    fig = go.Figure()
    for k, tr in enumerate(data.tracks):
        lon = np.asarray(tr.lon_deg, float)
        lat = np.asarray(tr.lat_deg, float)
        # Break the line where it wraps at +-180 deg.
        jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
        x = np.insert(lon, jumps, np.nan)
        y = np.insert(lat, jumps, np.nan)
        i = _thin(len(x))
        fig.add_trace(go.Scatter(x=x[i], y=y[i], mode="lines", name=tr.label, opacity=0.25 if tr.faint else 1.0,
                                 line=dict(color=COLORS[k % len(COLORS)], dash=tr.dash)))
    for j, p in enumerate(data.points):
        fig.add_trace(go.Scatter(x=[p.lon_deg], y=[p.lat_deg], mode="markers", name=p.label,
                                 marker=dict(symbol=_point_symbol(p, j), size=12,
                                             color=POINT_COLORS.get(p.kind, "#000"), line=dict(width=2))))
    fig.update_xaxes(range=[-180, 180], dtick=30, title_text="longitude (deg E, MOON_ME)")
    fig.update_yaxes(range=[-90, 90], dtick=15, title_text="latitude (deg)", scaleanchor="x", scaleratio=1)
    fig.update_layout(height=520, margin=dict(l=60, r=20, t=40, b=40),
                      title=dict(text="Ground track, whole Moon", font=dict(size=13)),
                      legend=dict(orientation="h", y=-0.15))
    return fig


def _point_symbol(p, index: int) -> str:
    if p.kind == "site":
        return ("circle-open", "diamond-open", "square-open", "triangle-up-open")[index % 4]
    return POINT_SYMBOLS.get(p.kind, "diamond")


def trajectory3d_figure(data: ReportInput) -> go.Figure:
    """Trajectories around a Moon sphere in the Moon-fixed frame (MOON_ME, km), interactive."""
    fig = go.Figure()
    u, v = np.mgrid[0:2 * np.pi:73j, 0:np.pi:37j]
    r = MOON_MEAN_RADIUS_KM
    fig.add_trace(go.Surface(x=r * np.cos(u) * np.sin(v), y=r * np.sin(u) * np.sin(v), z=r * np.cos(v),
                             colorscale=[[0, "#9a9a9a"], [1, "#d9d9d9"]], showscale=False, opacity=0.9,
                             hoverinfo="skip", name="Moon", surfacecolor=np.cos(v)))
    for k, tr in enumerate(data.tracks):
        i = _thin(len(tr.t_s))
        p = np.asarray(tr.r_fixed_km)[i]
        fig.add_trace(go.Scatter3d(x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="lines", name=tr.label,
                                   opacity=0.3 if tr.faint else 1.0,
                                   line=dict(color=COLORS[k % len(COLORS)], width=2 if tr.faint else 4)))
    for p in data.points:
        lat, lon = np.radians(p.lat_deg), np.radians(p.lon_deg)
        xyz = r * np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        fig.add_trace(go.Scatter3d(x=[xyz[0]], y=[xyz[1]], z=[xyz[2]], mode="markers", name=p.label,
                                   marker=dict(size=5, color=POINT_COLORS.get(p.kind, "#000"))))
    fig.update_layout(height=700, margin=dict(l=0, r=0, t=30, b=0),
                      scene=dict(aspectmode="data", xaxis_title="x (km)", yaxis_title="y (km)",
                                 zaxis_title="z (km)"),
                      title=dict(text="Trajectory, Moon-fixed frame (MOON_ME)", font=dict(size=13)))
    return fig


def all_figures(data: ReportInput) -> dict[str, go.Figure]:
    """Every figure of the report, keyed by file stem."""
    figs = {"altitude": altitude_figure(data), "groundtrack": groundtrack_figure(data),
            "groundtrack_global": global_track_figure(data)}
    if any(len(t.t_s) for t in data.tracks):
        figs["trajectory3d"] = trajectory3d_figure(data)
    return figs


__all__ = ["altitude_figure", "groundtrack_figure", "trajectory3d_figure", "all_figures", "utc_axis", "Track"]
