"""``lunapole run FILE [--json] [--set PATH=VALUE ...] [--report DIR]``.

:func:`run_and_present` is shared with ``lunapole replay`` (built-in scenarios): it runs a loaded
scenario, prints either one JSON object on stdout (``--json``; progress goes to stderr) or a Rich
summary, and writes an HTML report when asked.
"""
from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lunapole.errors import LunapoleError

APSIS_TYPES = ("periapsis", "apoapsis")


def write_report_if_available(result, report_dir: Path) -> Path:
    """Call ``lunapole.report.write_report(result, DIR)``; a clear error if that module lacks it."""
    import lunapole.report as report

    writer = getattr(report, "write_report", None)
    if writer is None:
        raise LunapoleError(
            "--report: this installation has no report writer (lunapole.report.write_report); "
            "run without --report"
        )
    try:
        out = writer(result, Path(report_dir))
    except OSError as exc:
        raise LunapoleError(f"--report {str(report_dir)!r}: cannot write the report ({exc}); "
                            "choose a writable directory") from None
    return Path(out) if out is not None else Path(report_dir)


def run_and_present(scenario, *, json_output: bool = False, report_dir: Path | None = None,
                    stdout: Console | None = None, stderr: Console | None = None):
    """Run ``scenario`` and present the result (JSON or Rich); returns the ``RunResult``."""
    from lunapole.scenario import run_scenario

    err = stderr or Console(stderr=True)
    out = stdout or Console()
    if report_dir is not None:
        from lunapole.cli._paths import writable_dir

        writable_dir(report_dir, "--report")  # fail now, not after the run

    def progress(text: str) -> None:
        err.print(f"[dim]{text}[/]", highlight=False)

    result = run_scenario(scenario, progress=progress)
    if report_dir is not None:
        path = write_report_if_available(result, report_dir)
        result.outputs["report"] = str(path)
        progress(f"report written to {path}")
    if json_output:
        sys.stdout.write(json.dumps(result.to_json_dict(), allow_nan=False) + "\n")
        sys.stdout.flush()
    else:
        print_summary(result, out)
    return result


def _fmt(x, spec: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return format(x, spec)


def _short_step(label: str) -> str:
    """``"sequence[2] (deorbit)"`` -> ``"deorbit"``; unnamed steps keep ``sequence[i]``."""
    if label.endswith(")") and " (" in label:
        return label[label.index(" (") + 2:-1]
    return label


def print_summary(result, console: Console) -> None:
    """Readable summary: outcome, steps, events (apsides counted, not listed), final orbit."""
    d = result.to_json_dict()
    colour = {"completed": "green", "landed": "green", "impact": "red", "crashed": "red"}.get(d["outcome"], "yellow")
    console.print(f"[bold]{escape(d['scenario'])}[/]  outcome: [bold {colour}]{d['outcome']}[/]"
                  + (f"  ({escape(d['stop_reason'])})" if d["stop_reason"] else ""), highlight=False)
    console.print(f"{d['initial_epoch']} -> {d['final_state']['epoch']}", highlight=False)

    steps = Table(title="Steps", box=box.SIMPLE_HEAD)
    steps.add_column("step", overflow="fold")
    steps.add_column("type", overflow="fold", min_width=11)
    for col in ("dur\ns", "dV\nm/s", "prop\nkg", "mass\nkg", "peri\nkm", "apo\nkm"):
        steps.add_column(col, justify="right", no_wrap=True)
    for s in d["steps"]:
        el = s["elements"]
        steps.add_row(escape(s["name"] or str(s["index"])), s["type"], _fmt(s["duration_s"], ".1f"),
                      _fmt(s["dv_m_s"], ".2f"), _fmt(s["propellant_kg"], ".2f"), _fmt(s["mass_kg"], ".1f"),
                      _fmt(el["periapsis_alt_km"]), _fmt(el["apoapsis_alt_km"]))
    console.print(steps)

    notable = [e for e in d["events"] if e["type"] not in APSIS_TYPES]
    counts = Counter(e["type"] for e in d["events"] if e["type"] in APSIS_TYPES)
    if notable:
        events = Table(title="Events", box=box.SIMPLE_HEAD)
        events.add_column("type", overflow="fold")
        events.add_column("epoch (TDB)", no_wrap=True, min_width=23)
        for col in ("lat\ndeg", "lon\ndeg", "alt\nkm"):
            events.add_column(col, justify="right")
        events.add_column("step", overflow="fold")
        for e in notable:
            events.add_row(e["type"], e["epoch"].removesuffix(" TDB"), _fmt(e["lat_deg"]), _fmt(e["lon_deg"]),
                           _fmt(e["altitude_km"]), escape(_short_step(e["step"])))
        console.print(events)
    if counts:
        console.print("apsides passed: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())),
                      highlight=False)
    if "touchdown" in d:
        td = d["touchdown"]
        parts = [f"{k}={_fmt(v) if isinstance(v, float) else v}" for k, v in td.items()]
        console.print(escape("touchdown: " + ", ".join(parts)), highlight=False)

    el = d["final_elements"]
    fs = d["final_state"]
    if d["outcome"] in ("landed", "crashed"):
        last = [e for e in d["events"] if e["type"] not in APSIS_TYPES][-1:] or [None]
        if last[0] is not None:
            console.print(f"on the surface at {_fmt(last[0]['lat_deg'], '.4f')} deg, "
                          f"{_fmt(last[0]['lon_deg'], '.4f')} deg E (MOON_ME), mass {d['final_mass_kg']:.2f} kg",
                          highlight=False)
    else:
        console.print(
            f"final orbit (osculating, two-body): {_fmt(el['periapsis_alt_km'], '.2f')} x "
            f"{_fmt(el['apoapsis_alt_km'], '.2f')} km, inc {_fmt(el['inc_deg'], '.3f')} deg, "
            f"RAAN {_fmt(el['raan_deg'], '.3f')} deg, mass {d['final_mass_kg']:.2f} kg", highlight=False)
    console.print(f"final position (J2000, km): {[round(x, 3) for x in fs['position_km']]}", highlight=False)
    for w in d["warnings"]:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    for k, v in d["outputs"].items():
        console.print(escape(f"{k}: {v}"), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``lunapole run`` to the app."""

    @app.command("run")
    def run(
        file: Path = typer.Argument(..., help="Scenario TOML file."),
        json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
        set_: Optional[list[str]] = typer.Option(
            None, "--set", help="Override a field: PATH=VALUE (TOML literal), e.g. spacecraft.mass_kg=1800. Repeatable."
        ),
        report: Optional[Path] = typer.Option(None, "--report", help="Write an HTML report into this directory."),
    ) -> None:
        """Run a scenario file: propagate, burn, land; print the outcome."""
        from lunapole.scenario import load_scenario

        scenario = load_scenario(file, overrides=set_ or ())
        run_and_present(scenario, json_output=json_output, report_dir=report)
