"""HTML for a campaign: landing scatter with the 3-sigma ellipse, histograms, failure reasons.

:func:`campaign_report_section` returns a fragment (and the plotly figures) that the report package can
place in its page; :func:`write_campaign_html` writes a standalone ``campaign.html`` with plotly.js
embedded (works offline, no CDN).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

MAX_SCATTER_POINTS = 5000  # the first samples by index: deterministic, keeps the page small


@dataclass
class ReportSection:
    """A titled HTML fragment plus the plotly figures it shows."""

    title: str
    html: str
    figures: list


def _load(results: Any) -> tuple[pa.Table, dict[str, Any]]:
    if isinstance(results, (str, Path)):
        from lunapole.campaign.stats import summarize
        from lunapole.campaign.store import read_results

        table = read_results(Path(results))
        return table, summarize(table)
    if isinstance(results, tuple):
        return results
    return results.table, results.summary


def _ellipse_xy(mean: list[float], ell: dict[str, float], n: int = 181) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 2.0 * math.pi, n)
    az = math.radians(ell["orientation_deg"])
    major = np.array([math.sin(az), math.cos(az)])  # (east, north) unit vector of the azimuth
    minor = np.array([major[1], -major[0]])
    pts = np.outer(ell["semi_major"] * np.cos(t), major) + np.outer(ell["semi_minor"] * np.sin(t), minor)
    return mean[0] + pts[:, 0], mean[1] + pts[:, 1]


def campaign_figures(table: pa.Table, summary: dict[str, Any]) -> list:
    """Plotly figures: landing scatter + ellipse, propellant-margin histogram, failure reasons."""
    import plotly.graph_objects as go

    figs = []
    from lunapole.campaign.stats import column_array

    head = table.slice(0, MAX_SCATTER_POINTS)
    east = column_array(head, "landing_east_m")
    north = column_array(head, "landing_north_m")
    ok = column_array(head, "success")
    scatter = go.Figure()
    for mask, name, colour in ((ok, "success", "#1f77b4"), (~ok, "failure", "#d62728")):
        scatter.add_trace(go.Scattergl(x=east[mask], y=north[mask], mode="markers", name=name,
                                       marker={"size": 4, "color": colour, "opacity": 0.6}))
    landing = summary.get("landing") or {}
    if landing.get("ellipse_3sigma_m"):
        ex, ey = _ellipse_xy(landing["mean_m"], landing["ellipse_3sigma_m"])
        scatter.add_trace(go.Scatter(x=ex, y=ey, mode="lines", name="3-sigma ellipse", line={"color": "black"}))
    scatter.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name="target",
                                 marker={"symbol": "x", "size": 12, "color": "black"}))
    scatter.update_layout(title="Touchdown points relative to the target", xaxis_title="east (m)",
                          yaxis_title="north (m)", yaxis={"scaleanchor": "x", "scaleratio": 1})
    figs.append(scatter)

    margin = column_array(table, "propellant_margin_kg")
    margin = margin[np.isfinite(margin)]
    if len(margin):
        hist = go.Figure(go.Histogram(x=margin, nbinsx=60))
        hist.update_layout(title="Propellant margin at the end", xaxis_title="kg", yaxis_title="samples")
        figs.append(hist)
    reasons = summary.get("failure_reasons") or {}
    if reasons:
        bars = go.Figure(go.Bar(x=list(reasons), y=list(reasons.values())))
        bars.update_layout(title="Failure reasons", yaxis_title="samples")
        figs.append(bars)
    return figs


def _summary_html(summary: dict[str, Any]) -> str:
    def fmt(x: Any, spec: str = ".4g") -> str:
        return "n/a" if x is None else format(x, spec)

    ell = summary.get("ellipse_3sigma_m") or {}
    pm = summary.get("propellant_margin_kg") or {}
    rows = [
        ("samples", f"{summary['n']:,}"),
        ("successes", f"{summary['successes']:,}"),
        ("success probability (Wilson 95 %)",
         f"{summary['success_probability']:.4f} [{summary['ci95'][0]:.4f}, {summary['ci95'][1]:.4f}]"),
        ("3-sigma landing ellipse (m)",
         f"{fmt(ell.get('semi_major'))} x {fmt(ell.get('semi_minor'))}, azimuth {fmt(ell.get('orientation_deg'), '.1f')} deg"),
        ("propellant margin p01 / p50 / p99 (kg)", f"{fmt(pm.get('p01'))} / {fmt(pm.get('p50'))} / {fmt(pm.get('p99'))}"),
    ]
    sens = summary.get("sensitivity") or []
    if sens:
        top = sens[0]
        rows.append(("input most correlated with failure",
                     f"{top['input']} (Spearman {top['spearman']:+.3f}, point-biserial {top['point_biserial']:+.3f})"))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table class='campaign-summary'>{body}</table>"


def campaign_report_section(results: Any, *, include_plotlyjs: bool | str = False) -> ReportSection:
    """The campaign section of an HTML report.

    ``results``: a :class:`~lunapole.campaign.runner.CampaignResult`, a ``(table, summary)`` pair or a
    campaign directory. ``include_plotlyjs`` as in ``plotly.io.to_html`` (False: the page loads plotly once).
    """
    import plotly.io as pio

    table, summary = _load(results)
    figs = campaign_figures(table, summary)
    parts = [_summary_html(summary)]
    for i, fig in enumerate(figs):
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=include_plotlyjs if i == 0 else False))
    return ReportSection("Monte Carlo campaign", "\n".join(parts), figs)


def write_campaign_html(path: Path, table: pa.Table, summary: dict[str, Any]) -> Path:
    """Standalone ``campaign.html`` with plotly.js inlined (offline)."""
    from lunapole.campaign.store import atomic_write_bytes

    section = campaign_report_section((table, summary), include_plotlyjs=True)
    title = html.escape(f"lunapole campaign: {summary.get('scenario', '')}")
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;margin:2em} th{text-align:left;padding-right:1em}</style>"
        f"</head><body><h1>{title}</h1>{section.html}</body></html>"
    )
    atomic_write_bytes(Path(path), page.encode("utf-8"))
    return Path(path)
