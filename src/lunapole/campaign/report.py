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


def figure_specs(table: pa.Table, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaign figures as plain plotly specs (``{"data": [traces], "layout": {...}}``, numpy arrays):
    landing scatter + ellipse, propellant-margin histogram, failure reasons."""
    from lunapole.campaign.stats import column_array

    specs = []
    head = table.slice(0, MAX_SCATTER_POINTS)
    east = column_array(head, "landing_east_m")
    north = column_array(head, "landing_north_m")
    ok = column_array(head, "success")
    traces: list[dict[str, Any]] = [
        {"type": "scattergl", "x": east[mask], "y": north[mask], "mode": "markers", "name": name,
         "marker": {"size": 4, "color": colour, "opacity": 0.6}}
        for mask, name, colour in ((ok, "success", "#1f77b4"), (~ok, "failure", "#d62728"))
    ]
    landing = summary.get("landing") or {}
    if landing.get("ellipse_3sigma_m"):
        ex, ey = _ellipse_xy(landing["mean_m"], landing["ellipse_3sigma_m"])
        traces.append({"type": "scatter", "x": ex, "y": ey, "mode": "lines", "name": "3-sigma ellipse",
                       "line": {"color": "black"}})
    traces.append({"type": "scatter", "x": [0.0], "y": [0.0], "mode": "markers", "name": "target",
                   "marker": {"symbol": "x", "size": 12, "color": "black"}})
    specs.append({"data": traces, "layout": {
        "title": {"text": "Touchdown points relative to the target"}, "xaxis": {"title": {"text": "east (m)"}},
        "yaxis": {"title": {"text": "north (m)"}, "scaleanchor": "x", "scaleratio": 1}}})

    margin = column_array(table, "propellant_margin_kg")
    margin = margin[np.isfinite(margin)]
    if len(margin):
        specs.append({"data": [{"type": "histogram", "x": margin, "nbinsx": 60}], "layout": {
            "title": {"text": "Propellant margin at the end"}, "xaxis": {"title": {"text": "kg"}},
            "yaxis": {"title": {"text": "samples"}}}})
    reasons = summary.get("failure_reasons") or {}
    if reasons:
        specs.append({"data": [{"type": "bar", "x": list(reasons), "y": list(reasons.values())}], "layout": {
            "title": {"text": "Failure reasons"}, "yaxis": {"title": {"text": "samples"}}}})
    return specs


def campaign_figures(table: pa.Table, summary: dict[str, Any]) -> list:
    """Plotly figures (``plotly.graph_objects.Figure``) of :func:`figure_specs`."""
    import plotly.graph_objects as go

    return [go.Figure(spec) for spec in figure_specs(table, summary)]


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
    """Standalone ``campaign.html`` with plotly.js inlined (offline).

    Written straight from :func:`figure_specs` with plotly's own bundle and default template, as
    ``plotly.io.to_html`` writes them, without plotly's figure classes (importing and validating those took
    ~0.4 s of every campaign); falls back to :func:`campaign_report_section` when the bundle is not found.
    """
    from lunapole.campaign.store import atomic_write_bytes

    title = html.escape(f"lunapole campaign: {summary.get('scenario', '')}")
    head = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:sans-serif;margin:2em} th{text-align:left;padding-right:1em}</style>"
            f"</head><body><h1>{title}</h1>")
    assets = _plotly_assets()
    if assets is None:
        body = campaign_report_section((table, summary), include_plotlyjs=True).html
        atomic_write_bytes(Path(path), f"{head}{body}</body></html>".encode("utf-8"))
        return Path(path)
    bundle, template = assets  # bytes (4.8 MB), dict
    figs = []
    for i, spec in enumerate(figure_specs(table, summary)):
        layout = dict(spec["layout"], template=template)
        div = f"campaign-figure-{i}"
        figs.append(
            f"<div id=\"{div}\" class=\"plotly-graph-div\" style=\"height:100%; width:100%;\"></div>"
            f"<script type=\"text/javascript\">window.PLOTLYENV=window.PLOTLYENV || {{}}; "
            f"if (document.getElementById(\"{div}\")) {{ Plotly.newPlot(\"{div}\", "
            f"{_to_json(spec['data'])}, {_to_json(layout)}, {{\"responsive\": true}}); }}</script>")
    before = (f"{head}{_summary_html(summary)}\n<div style=\"height:100%; width:100%;\">"
              "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script><script type=\"text/javascript\">")
    after = "</script>\n" + "\n".join(figs) + "</div></body></html>"
    atomic_write_bytes(Path(path), b"".join((before.encode("utf-8"), bundle, after.encode("utf-8"))))
    return Path(path)


def _plotly_assets() -> tuple[bytes, dict] | None:
    """(plotly.min.js as UTF-8 bytes, the default "plotly" template) from the installed plotly package, without
    importing it; None when not found."""
    import importlib.util
    import json

    try:
        spec = importlib.util.find_spec("plotly")
        root = Path(next(iter(spec.submodule_search_locations))) / "package_data"
        bundle = (root / "plotly.min.js").read_bytes()
        template = json.loads((root / "templates" / "plotly.json").read_text(encoding="utf-8"))
    except (AttributeError, TypeError, StopIteration, OSError, ValueError):
        return None
    return bundle, template


def _to_json(obj: Any) -> str:
    """JSON for plotly.js: numpy float arrays as typed arrays (``{"dtype": "f8", "bdata": base64}``, as plotly.py
    writes them), NaN/inf as null; safe inside a <script> element."""
    import base64
    import json

    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray):
            if o.dtype.kind in "fiu":
                a = np.ascontiguousarray(o, dtype="<f8")
                return {"dtype": "f8", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    def clean(o: Any) -> Any:
        if isinstance(o, float) and not math.isfinite(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [clean(v) for v in o]
        return o

    text = json.dumps(clean(obj), default=default, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")
