"""lunapole.report: self-contained HTML reports, interactive and PNG figures, the south-pole map.

``write_report(result, out_dir)`` is what ``lunapole run --report DIR`` and ``lunapole replay --report DIR`` call.
"""
from lunapole.report.html import as_report_input, render_html, write_report
from lunapole.report.model import (
    Burn,
    Comparison,
    Event,
    ReportInput,
    SurfacePoint,
    TimelineRow,
    Track,
)

__all__ = [
    "write_report",
    "render_html",
    "as_report_input",
    "ReportInput",
    "Track",
    "Event",
    "TimelineRow",
    "Comparison",
    "Burn",
    "SurfacePoint",
]
