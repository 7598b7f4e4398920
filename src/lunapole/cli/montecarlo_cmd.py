"""The ``lunapole montecarlo`` command: a dispersed campaign of a scenario, stored as Parquet chunks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console


def montecarlo(
    scenario: str = typer.Argument(..., help="Scenario TOML file, or a built-in name (e.g. chandrayaan-3)."),
    n: int = typer.Option(1000, "-n", "--samples", help="Number of samples."),
    seed: int = typer.Option(0, "--seed", help="Campaign seed; sample i uses SeedSequence(seed, spawn_key=(i,))."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Local worker processes (default: all cores)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="Address of a running dask scheduler (tcp://host:port)."
    ),
    local_cluster: bool = typer.Option(
        False, "--local-cluster", help="Run on a dask LocalCluster of --workers processes."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Campaign directory (Parquet chunks + manifest)."),
    resume: bool = typer.Option(False, "--resume", help="Complete an interrupted campaign in --out."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", help="Samples per stored chunk."),
    set_: list[str] = typer.Option([], "--set", help="Scenario override dotted.path=value (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Run N dispersed samples of a scenario: success probability, landing ellipse, propellant margin."""
    from lunapole.campaign.runner import run_campaign

    if scheduler is not None and local_cluster:
        from lunapole.errors import LunapoleError

        raise LunapoleError("give either --scheduler ADDRESS or --local-cluster, not both")
    result = run_campaign(
        scenario, n, seed, out, workers=workers, scheduler=scheduler, local_cluster=local_cluster,
        resume=resume, chunk_size=chunk_size, overrides=tuple(set_), progress=not no_progress,
    )
    s = result.summary
    if as_json:
        keys = ("n", "successes", "success_probability", "ci95", "ellipse_3sigma_m", "propellant_margin_kg",
                "failure_reasons")
        typer.echo(json.dumps({k: s[k] for k in keys}, indent=2))
        return
    con = Console()
    con.print(f"[bold]{s['scenario']}[/] ({s['model']}), {s['n']:,} samples, seed {s['seed']}: "
              f"{result.elapsed_s:.1f} s, results in {result.out_dir}")
    con.print(f"success probability {s['success_probability']:.4f}  "
              f"(Wilson 95 % {s['ci95'][0]:.4f} - {s['ci95'][1]:.4f})")
    ell = s.get("ellipse_3sigma_m")
    if ell:
        con.print(f"3-sigma landing ellipse {ell['semi_major']:.1f} m x {ell['semi_minor']:.1f} m, "
                  f"major axis azimuth {ell['orientation_deg']:.1f} deg")
    pm = s.get("propellant_margin_kg")
    if pm:
        con.print(f"propellant margin p01 {pm['p01']:.1f} kg, p50 {pm['p50']:.1f} kg, p99 {pm['p99']:.1f} kg")
    if s["failure_reasons"]:
        con.print("failures: " + ", ".join(f"{k} {v}" for k, v in s["failure_reasons"].items()))
    if s.get("sensitivity"):
        top = s["sensitivity"][0]
        con.print(f"input most correlated with failure: {top['input']} (Spearman {top['spearman']:+.3f})")


def register(app: typer.Typer) -> None:
    """Add ``montecarlo`` to the app."""
    app.command("montecarlo")(montecarlo)
