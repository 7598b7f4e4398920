"""Self-contained HTML report: tables, interactive plotly figures (plotly.js embedded once, no CDN), PNGs.

``write_report(result, out_dir)`` writes ``out_dir/report.html`` (opens offline), ``out_dir/*.png`` and
``out_dir/result.json``, and returns the HTML path.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import math
from pathlib import Path
from typing import Any

import plotly.offline

import lunapole
from lunapole.report.figures import all_figures
from lunapole.report.model import ReportInput
from lunapole.report.png import write_pngs

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:0 1.2em;
color:#222}
h1{margin-bottom:0.1em} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:0.5em 0 1.2em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;vertical-align:top}
th{background:#f2f2f2} td.num{text-align:right;font-variant-numeric:tabular-nums}
.outcome{display:inline-block;padding:0.2em 0.7em;border-radius:4px;font-weight:600;background:#eee}
.outcome.impact,.outcome.crash{background:#fbd5d5;color:#8b0000}
.outcome.touchdown,.outcome.landed,.outcome.success{background:#d4f4d4;color:#0b5d0b}
.figure{margin:1em 0 2em 0} .note{color:#666;font-size:0.9em}
#js-errors{color:#8b0000;white-space:pre-wrap}
"""

# Records script errors in the page itself (a figure that fails to draw says so on screen and in the DOM).
_ERROR_HOOK = """
window.__lunapoleErrors = [];
window.addEventListener('error', function (e) {
  window.__lunapoleErrors.push(String(e.message));
  var box = document.getElementById('js-errors');
  if (box) { box.textContent += 'script error: ' + e.message + '\\n'; }
});
"""


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "&ndash;"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        v = float(value)
        if not math.isfinite(v):
            return html.escape(str(v))
        if v != 0.0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.{digits}e}"
        if float(v).is_integer() and abs(v) < 1e6:
            return f"{int(v)}"
        return f"{v:.{digits}f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.1f}"
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:
    if not rows:
        return '<p class="note">none</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_fmt(c)}</td>' if i in numeric else f"<td>{_fmt(c) if c is not None else '&ndash;'}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def as_report_input(result: Any) -> ReportInput:
    """The :class:`ReportInput` of a run result, a replay result, or a ready ``ReportInput``."""
    if isinstance(result, ReportInput):
        return result
    from lunapole.report.adapt import report_input_from_any

    return report_input_from_any(result)


def render_html(data: ReportInput, png_names: list[str] = ()) -> str:
    """The report page as one HTML string (plotly.js inline)."""
    figs = all_figures(data)
    parts: list[str] = []
    outcome_cls = html.escape(data.outcome.split()[0].lower()) if data.outcome else ""
    parts.append(f"<h1>{html.escape(data.title)}</h1>")
    if data.subtitle:
        parts.append(f'<p class="sub">{html.escape(data.subtitle)}</p>')
    parts.append(f'<p>Outcome: <span class="outcome {outcome_cls}">{html.escape(data.outcome)}</span></p>')
    parts.append('<div id="js-errors"></div>')

    # Impact / touchdown first: the headline numbers.
    pts = [p for p in data.points if p.kind in ("impact", "touchdown")]
    if pts:
        parts.append("<h2>Impact / touchdown</h2>")
        rows = []
        for p in pts:
            det = "; ".join(f"{k} = {_fmt(v)}" for k, v in p.details.items())
            rows.append([p.kind, p.label, p.utc, p.lat_deg, p.lon_deg, det])
        parts.append(_table(["kind", "what", "UTC", "latitude (deg)", "longitude (deg E)", "details"], rows, {3, 4}))
    sites = [p for p in data.points if p.kind == "site"]
    if sites:
        parts.append(_table(["reference point", "latitude (deg)", "longitude (deg E)", "note"],
                            [[p.label, p.lat_deg, p.lon_deg, "; ".join(f"{k}: {v}" for k, v in p.details.items())]
                             for p in sites], {1, 2}))

    parts.append("<h2>Mission timeline: published vs simulated</h2>")
    parts.append(_table(["event", "published (UTC)", "simulated (UTC)", "difference (s)", "source"],
                        [[r.event, r.published_utc, r.simulated_utc, r.difference_s, r.source] for r in data.timeline],
                        {3}))
    parts.append("<h2>Published vs simulated</h2>")
    parts.append(_table(["quantity", "published", "simulated", "difference", "unit", "source", "note"],
                        [[c.quantity, c.published, c.simulated, c.difference, c.unit, c.source, c.note]
                         for c in data.comparisons], {1, 2, 3}))
    parts.append("<h2>Burns and propellant</h2>")
    parts.append(_table(["run", "burn", "start (UTC)", "duration (s)", "dV (m/s)", "propellant (kg)", "thrust (N)",
                         "cut-off"],
                        [[b.track, b.name, b.start_utc, b.duration_s, b.dv_m_s, b.propellant_kg, b.thrust_n, b.cutoff]
                         for b in data.burns], {3, 4, 5, 6}))

    for tab in data.tables:
        parts.append(f"<h2>{html.escape(tab.title)}</h2>")
        if tab.note:
            parts.append(f'<p class="note">{html.escape(tab.note)}</p>')
        numeric = {i for i, _ in enumerate(tab.headers) if tab.rows and isinstance(tab.rows[0][i], (int, float))}
        parts.append(_table(tab.headers, tab.rows, numeric))
    if data.notes:
        parts.append("<ul>" + "".join(f'<li class="note">{html.escape(n)}</li>' for n in data.notes) + "</ul>")

    parts.append(f'<h2>Figures</h2><p class="note">Altitudes above the {html.escape(data.altitude_reference)}. '
                 "Drag to rotate the 3D view; PNG versions: "
                 + ", ".join(f'<a href="{html.escape(n)}">{html.escape(n)}</a>' for n in png_names) + "</p>")
    for name, fig in figs.items():
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{name}",
                          config={"displaylogo": False, "responsive": True})
        parts.append(f'<div class="figure" id="figure-{name}">{div}</div>')

    parts.append("<h2>Events (simulated)</h2>")
    parts.append(_table(["run", "event", "UTC", "t (s)", "detail"],
                        [[e.track, e.name, e.utc, e.t_s, e.detail] for e in data.events], {3}))
    parts.append("<h2>Assumptions</h2>")
    if data.assumptions:
        parts.append("<ol>" + "".join(f"<li>{html.escape(a)}</li>" for a in data.assumptions) + "</ol>")
    else:
        parts.append('<p class="note">none stated</p>')
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f'<p class="note">Generated by lunapole {lunapole.__version__} on {stamp}. '
                 "Self-contained page: plotly.js is embedded, nothing is fetched from the network.</p>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(data.title)}</title><style>{_CSS}</style>"
        f"<script>{_ERROR_HOOK}</script>"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>'
        f"</head><body>\n{body}\n</body></html>\n"
    )


def write_report(result: Any, out_dir: str | Path) -> Path:
    """Write the report of ``result`` (a RunResult, a replay result or a ReportInput) into ``out_dir``.

    Files: ``report.html`` (self-contained), ``altitude.png``, ``groundtrack.png``, ``trajectory3d.png``,
    ``result.json``. Returns the path of ``report.html``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = as_report_input(result)
    pngs = write_pngs(data, out)
    page = out / "report.html"
    page.write_text(render_html(data, [p.name for p in pngs]), encoding="utf-8")
    payload = data.json_dict
    if payload is None and hasattr(result, "to_json_dict"):
        payload = result.to_json_dict()
    if payload is not None:
        (out / "result.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return page
