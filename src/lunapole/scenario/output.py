"""``[output]`` files: the ephemeris of a run as CCSDS OEM (``.oem``) or CSV.

Relative paths are resolved against ``Scenario.base_dir`` (the scenario file's directory; the current
directory for built-in scenarios and dict-built ones); parent directories are created.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lunapole.errors import ScenarioError


def resolve_output_path(scenario, text: str) -> Path:
    """Absolute path of an ``[output]`` entry."""
    p = Path(text).expanduser()
    return p if p.is_absolute() else (scenario.base_dir / p)


def sample_arcs(segments, step_s: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sample each trajectory segment on a grid of ``step_s`` (plus its end points).

    Returns ``[(t_tdb_s (M,), states (M, 7) [r m, v m/s, mass kg] J2000), ...]``, one arc per
    segment, so impulsive burns stay visible as a new arc at the same epoch.
    """
    arcs = []
    for seg in segments:
        if not (hasattr(seg, "sample") and hasattr(seg, "span_tdb_s")):
            continue  # e.g. a descent record without dense output
        t0, t1 = seg.span_tdb_s
        if t1 <= t0:
            continue
        n = int(np.floor((t1 - t0) / step_s))
        times = t0 + step_s * np.arange(n + 1)
        if t1 - times[-1] > 1e-6:
            times = np.append(times, t1)
        arcs.append((times, np.asarray(seg.sample(times))))
    return arcs


def write_csv(path: Path, arcs, meta: dict[str, str]) -> None:
    """CSV: ``epoch_tdb`` (ISO), ``epoch_tdb_s``, x/y/z km, vx/vy/vz km/s, mass kg; Moon-centred J2000."""
    from lunapole.astro.time import tdb_s_to_tdb_iso

    with path.open("w", encoding="utf-8") as fh:
        for k, v in meta.items():
            fh.write(f"# {k}: {v}\n")
        fh.write("epoch_tdb,epoch_tdb_s,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s,mass_kg\n")
        for times, states in arcs:
            isos = np.atleast_1d(tdb_s_to_tdb_iso(times, 3))
            for iso, t, y in zip(isos, times, states):
                fh.write(
                    f"{iso},{t:.6f},{y[0] / 1e3:.9f},{y[1] / 1e3:.9f},{y[2] / 1e3:.9f},"
                    f"{y[3] / 1e3:.12f},{y[4] / 1e3:.12f},{y[5] / 1e3:.12f},{y[6]:.6f}\n"
                )


def write_ephemeris(result) -> Path:
    """Write ``[output] ephemeris`` of a :class:`~lunapole.scenario.run.RunResult`; returns the path."""
    scn = result.scenario
    out = scn.output
    path = resolve_output_path(scn, out.ephemeris)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"output.ephemeris: cannot create directory {str(path.parent)!r} ({exc})") from None
    arcs = sample_arcs(result.segments, out.ephemeris_step_s)
    if not arcs:
        raise ScenarioError("output.ephemeris: the run produced no trajectory to write")
    meta = {"scenario": scn.scenario.name, "center": "MOON", "frame": "J2000", "time_scale": "TDB"}
    if path.suffix.lower() == ".csv":
        write_csv(path, arcs, meta)
    else:
        write_oem(path, arcs, scn.scenario.name)
    return path


def write_oem(path: Path, arcs, object_name: str) -> None:
    """CCSDS OEM through :mod:`lunapole.orbit.ccsds` (one OEM segment per arc)."""
    import importlib.util

    if importlib.util.find_spec("lunapole.orbit.ccsds") is None:
        raise ScenarioError(
            f"output.ephemeris = {str(path)!r}: this installation has no OEM writer (lunapole.orbit.ccsds); "
            "use a .csv file name instead"
        )
    from lunapole.orbit import ccsds

    ccsds.write_oem(path, arcs, object_name=object_name)
