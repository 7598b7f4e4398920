"""``lunapole replay NAME [--set PATH=VALUE ...] [--json] [--report DIR] [--no-sweep]``.

Replays a real mission from its built-in scenario file (``luna-25``, ``chandrayaan-3``; or the path of a copied
file): the same run as ``lunapole run`` on that file, plus the published-vs-simulated comparison.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

SKIP_EVENTS = ("periapsis", "apoapsis")


def _fmt(x, spec: str = ".3f") -> str:
    if x is None:
        return "-"
    if isinstance(x, (int, float)):
        return "-" if not math.isfinite(float(x)) else format(float(x), spec)
    return str(x)


def _short_step(label: str) -> str:
    """``"sequence[2] (deorbit)"`` -> ``"deorbit"``; unnamed steps keep ``sequence[i]``."""
    if label.endswith(")") and " (" in label:
        return label[label.index(" (") + 2:-1]
    return label


def print_replay(rep, console: Console) -> None:
    """Rich summary: outcome, key events, impact/touchdown, published vs simulated, timeline, sweep."""
    colour = {"completed": "green", "landed": "green", "impact": "red", "crashed": "red"}.get(rep.outcome, "yellow")
    console.print(f"[bold]{rep.title or rep.name}[/]  outcome: [bold {colour}]{rep.outcome}[/]", highlight=False)
    console.print(f"scenario: {rep.source}", highlight=False)

    rows = [e for e in rep.events_json() if e["type"] not in SKIP_EVENTS]
    stamps = [e["epoch"].removesuffix(" UTC") for e in rows]
    iso = all(len(t) >= 19 and t[10] == "T" for t in stamps)
    days, years = {t[:10] for t in stamps}, {t[:4] for t in stamps}
    if iso and len(days) == 1:  # fits 80 columns: the common date goes into the title
        title, shown = f"Key events ({days.pop()}, UTC)", [t[11:] for t in stamps]
    elif iso and len(years) == 1:
        title, shown = f"Key events ({years.pop()}, UTC)", [f"{t[5:10]} {t[11:19]}" for t in stamps]
    else:
        title, shown = "Key events (UTC)", stamps
    events = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    events.add_column("run", overflow="fold", min_width=9)
    events.add_column("event", overflow="fold", min_width=10)
    events.add_column("UTC", no_wrap=True)
    for col in ("lat\ndeg", "lon\ndeg", "alt\nkm"):
        events.add_column(col, justify="right", no_wrap=True)
    events.add_column("step", overflow="fold")
    for e, t in zip(rows, shown):
        events.add_row(e["run"], e["type"], t, _fmt(e["lat_deg"]), _fmt(e["lon_deg"]),
                       _fmt(e["altitude_km"], ".1f"), _short_step(e["step"]))
    console.print(events)

    if rep.planned_orbit or rep.achieved_orbit:
        for name, orb in (("planned orbit", rep.planned_orbit), ("achieved orbit", rep.achieved_orbit)):
            if orb:
                console.print(f"{name}: {_fmt(orb['periapsis_alt_km'], '.2f')} x {_fmt(orb['apoapsis_alt_km'], '.2f')}"
                              " km (osculating, above the 1737.4 km sphere)", highlight=False)
    if rep.impact:
        im = rep.impact
        console.print(f"[bold red]impact[/] {im['epoch']} at {im['lat_deg']:.3f} deg, {im['lon_deg']:.3f} deg E "
                      f"({im.get('minutes_after_burn_start', float('nan')):.1f} min after the burn started, "
                      f"{im.get('revolution', '')})", highlight=False)
    if rep.touchdown:
        td = rep.touchdown
        console.print("[bold green]touchdown[/] " + ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else v}"
                                                             for k, v in td.items()), highlight=False)

    comp = Table(title="Published vs simulated")
    for col in ("quantity", "published", "simulated", "difference", "unit", "source"):
        comp.add_column(col, justify="right" if col in ("published", "simulated", "difference") else "left")
    for c in rep.comparisons:
        comp.add_row(c.quantity, _fmt(c.published), _fmt(c.simulated), _fmt(c.difference), c.unit, c.source)
    console.print(comp)

    if rep.timeline:
        tl = Table(title="Timeline (UTC)", box=box.SIMPLE_HEAD)
        tl.add_column("event", overflow="fold")
        tl.add_column("published", no_wrap=True)
        tl.add_column("simulated", no_wrap=True)
        tl.add_column("difference\ns", justify="right", no_wrap=True)
        for t in rep.timeline:
            tl.add_row(t.event, t.published_utc or "-", t.simulated_utc or "-", _fmt(t.difference_s, ".1f"))
        console.print(tl)
    if rep.sweep is not None:
        sw = rep.sweep
        console.print(f"survivable burn durations ({sw.step}): up to [bold]{sw.max_survivable_s:.2f} s[/]; "
                      f"fatal from {sw.min_fatal_s:.2f} s (terrain: {sw.terrain})", highlight=False)
    for n in rep.notes:
        console.print(f"[yellow]note:[/] {n}", highlight=False)
    console.print(f"{len(rep.assumptions)} reconstruction assumptions (see the scenario file or the report)",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``lunapole replay`` to the app."""

    @app.command("replay")
    def replay_command(
        name: str = typer.Argument(..., help="Built-in mission (luna-25, chandrayaan-3) or a scenario file."),
        json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
        set_: Optional[list[str]] = typer.Option(
            None, "--set", help="Override a field: PATH=VALUE (TOML literal; SI-suffixed names, e.g. duration_s in s). Repeatable."
        ),
        report: Optional[Path] = typer.Option(None, "--report", help="Write an HTML report into this directory."),
        sweep: bool = typer.Option(True, "--sweep/--no-sweep", help="Bisect the survivable burn duration (Luna-25)."),
    ) -> None:
        """Replay a real south-pole mission and compare with its published numbers."""
        from lunapole.missions import replay

        err = Console(stderr=True)
        if report is not None:
            from lunapole.cli._paths import writable_dir

            writable_dir(report, "--report")  # fail now, not after the replay

        def progress(text: str) -> None:
            err.print(f"[dim]{text}[/]", highlight=False)

        rep = replay(name, overrides=set_ or (), sweep=sweep, progress=progress)
        if report is not None:
            from lunapole.report import write_report

            try:
                path = write_report(rep, report)
            except OSError as exc:
                from lunapole.errors import LunapoleError

                raise LunapoleError(f"--report {str(report)!r}: cannot write the report ({exc}); "
                                    "choose a writable directory") from None
            progress(f"report written to {path}")
        if json_output:
            sys.stdout.write(json.dumps(rep.to_json_dict(), allow_nan=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            print_replay(rep, Console())
