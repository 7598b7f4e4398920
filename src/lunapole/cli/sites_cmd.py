"""`lunapole sites`: illumination, Earth visibility, PSRs and ranked sites from an elevation model."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from lunapole.errors import DataError


def register(app: typer.Typer) -> None:
    """Add the ``sites`` command to the app."""

    @app.command("sites")
    def sites(
        dem: Path = typer.Option(..., "--dem", help="Elevation model: GeoTIFF or PDS3 .LBL/.IMG (south polar stereographic)."),
        start: str = typer.Option(..., "--start", help="Start epoch, ISO 8601 (UTC unless suffixed ' TDB')."),
        stop: str = typer.Option(..., "--stop", help="Stop epoch, ISO 8601."),
        step_h: float = typer.Option(6.0, "--step-h", help="Time step in hours."),
        out: Path = typer.Option(..., "--out", help="Output directory (GeoTIFFs, GeoJSON, PNG)."),
        as_json: bool = typer.Option(False, "--json", help="Print the ranked sites as JSON on stdout."),
        top: int = typer.Option(10, "--top", help="Number of sites to rank."),
        n_az: int = typer.Option(360, "--n-az", help="Horizon azimuths."),
        far_dem: Path | None = typer.Option(None, "--far-dem", help="Coarser/larger model for the far-field horizon."),
        max_slope_deg: float = typer.Option(15.0, "--max-slope-deg", help="Base-site slope limit."),
        footprint_m: float = typer.Option(0.0, "--footprint-m", help="Slope/roughness window (default 3 cells)."),
        min_psr_area_km2: float = typer.Option(1.0, "--min-psr-area-km2", help="Smallest PSR counted for distance."),
        min_separation_km: float = typer.Option(5.0, "--min-separation-km", help="Minimum distance between sites."),
        landing_start: str | None = typer.Option(None, "--landing-start", help="Landing window start (ISO)."),
        landing_stop: str | None = typer.Option(None, "--landing-stop", help="Landing window stop (ISO)."),
        ephemeris: str | None = typer.Option(None, "--ephemeris", help="DE421 (default) or DE440."),
    ) -> None:
        """Illumination, longest darkness, Earth visibility, PSRs and ranked base/landing sites."""
        result = run_sites(dem, start, stop, step_h, out, top=top, n_az=n_az, far_dem=far_dem,
                           max_slope_deg=max_slope_deg, footprint_m=footprint_m or None,
                           min_psr_area_km2=min_psr_area_km2, min_separation_km=min_separation_km,
                           landing_start=landing_start, landing_stop=landing_stop, ephemeris=ephemeris)
        if as_json:
            sys.stdout.write(json.dumps(result["sites"], indent=1) + "\n")
        else:
            _print_summary(result)


def _print_summary(result: dict) -> None:
    """Rich table of the ranked base (and landing) sites and the files written."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = result["summary"]
    console.print(f"[bold]{summary['dem']}[/]  {summary['start']} -> {summary['stop']}, "
                  f"{summary['epochs']} epochs every {summary['step_h']:g} h; "
                  f"permanently shadowed: {100 * summary['psr_fraction']:.2f} % of the map", highlight=False)
    base_columns = (("rank", "rank", "{:d}", 1), ("lat deg", "lat_deg", "{:.3f}", 1), ("lon deg", "lon_deg", "{:.3f}", 1),
                    ("lit %", "mean_illumination", "{:.1f}", 100), ("longest dark h", "longest_darkness_h", "{:.0f}", 1),
                    ("Earth %", "earth_visible_fraction", "{:.1f}", 100), ("slope deg", "slope_deg", "{:.1f}", 1),
                    ("to PSR km", "distance_to_psr_km", "{:.1f}", 1), ("score", "score", "{:.3f}", 1))
    landing_columns = (("rank", "rank", "{:d}", 1), ("lat deg", "lat_deg", "{:.3f}", 1), ("lon deg", "lon_deg", "{:.3f}", 1),
                       ("Sun in window %", "window_sun_fraction", "{:.1f}", 100),
                       ("Earth in window %", "window_earth_fraction", "{:.1f}", 100),
                       ("slope deg", "slope_deg", "{:.1f}", 1), ("roughness m", "roughness_m", "{:.1f}", 1),
                       ("score", "score", "{:.3f}", 1))
    for title, rows, columns in (("Base sites", result["sites"], base_columns),
                                 ("Landing sites (landing window)", result["landing_sites"], landing_columns)):
        if not rows:
            continue
        table = Table(title=title)
        for header, *_ in columns:
            table.add_column(header, justify="right")
        for site in rows:
            table.add_row(*(fmt.format(site[key] * scale) if site.get(key) is not None else "-"
                            for _, key, fmt, scale in columns))
        console.print(table)
    for name, path in result["files"].items():
        console.print(f"wrote {name}: {path}", highlight=False, soft_wrap=True)


def _progress(quiet: bool):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeRemainingColumn(), console=Console(stderr=True), disable=quiet, transient=False)


def run_sites(dem_path, start, stop, step_h, out_dir, top=10, n_az=360, far_dem=None, max_slope_deg=15.0,
              footprint_m=None, min_psr_area_km2=1.0, min_separation_km=5.0, landing_start=None,
              landing_stop=None, ephemeris=None, quiet=False) -> dict:
    """The work behind ``lunapole sites`` (importable for scripts and tests). Returns paths and sites."""
    import numpy as np

    from lunapole.terrain import analysis, dem as demmod, horizon, illumination, sites as sitesmod

    if top < 1:
        raise DataError(f"--top {top}: must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = demmod.read_dem(dem_path)
    cells = model.shape[0] * model.shape[1]
    if cells * n_az * 2 > 4e9:
        raise DataError(
            f"{str(dem_path)!r}: {model.shape[0]} x {model.shape[1]} cells x {n_az} azimuths needs "
            f"{cells * n_az * 2 / 1e9:.0f} GB of horizon map; crop the model (gdal_translate -projwin) or run "
            "lunapole.terrain.tiled.tiled_illumination, which processes it tile by tile in bounded memory")
    et = illumination.epochs_tdb_s(start, stop, step_h)
    with _progress(quiet) as prog:
        task = prog.add_task("horizon map", total=1)
        hmap = horizon.compute_horizon(model, n_az=n_az)
        if far_dem is not None:
            horizon.add_farfield(hmap, demmod.read_dem(far_dem))
        prog.update(task, completed=1)
        task = prog.add_task("sunlight and Earth visibility", total=et.size)
        maps = illumination.illumination_maps(hmap, et, ephemeris_name=ephemeris,
                                              progress=lambda d, t: prog.update(task, completed=d))
        window = None
        if landing_start and landing_stop:
            et_w = illumination.epochs_tdb_s(landing_start, landing_stop, min(step_h, 1.0))
            task = prog.add_task("landing window", total=et_w.size)
            window = illumination.illumination_maps(hmap, et_w, ephemeris_name=ephemeris,
                                                    progress=lambda d, t: prog.update(task, completed=d))
    slope, rough, _ = analysis.plane_fit(model, footprint_m or 3 * model.dx_m)
    psr = maps.psr
    files = {}
    for name, arr in (("illumination", maps.mean_illumination), ("longest_darkness_h", maps.longest_darkness_h),
                      ("earth_visible_fraction", maps.earth_visible_fraction), ("psr", psr), ("slope_deg", slope)):
        files[name] = out_dir / f"{name}.tif"
        demmod.write_geotiff(files[name], model, arr)
    ranked = sitesmod.rank_base_sites(model, maps.mean_illumination, maps.longest_darkness_h,
                                      maps.earth_visible_fraction, psr, slope, top=top, max_slope_deg=max_slope_deg,
                                      min_psr_area_km2=min_psr_area_km2, min_separation_m=min_separation_km * 1e3)
    files["sites"] = out_dir / "sites.geojson"
    sitesmod.write_geojson(files["sites"], ranked, "base_site")
    landing = []
    if window is not None:
        landing = sitesmod.rank_landing_sites(model, window.mean_illumination, window.earth_visible_fraction, slope,
                                              rough, top=top, min_separation_m=min_separation_km * 1e3)
        files["landing_sites"] = out_dir / "landing_sites.geojson"
        sitesmod.write_geojson(files["landing_sites"], landing, "landing_site")
    files["map"] = out_dir / "sites_map.png"
    from lunapole.terrain.plot import plot_sites_map

    plot_sites_map(files["map"], model, maps.mean_illumination, psr, ranked, landing)
    summary = {"dem": str(dem_path), "start": start, "stop": stop, "step_h": step_h, "epochs": int(et.size),
               "psr_fraction": float(np.mean(psr)), "files": {k: str(v) for k, v in files.items()}}
    (out_dir / "summary.json").write_text(json.dumps({**summary, "sites": ranked, "landing_sites": landing}, indent=1))
    return {"sites": ranked, "landing_sites": landing, "files": files, "summary": summary}
