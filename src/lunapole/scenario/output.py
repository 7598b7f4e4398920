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


def _orbit_segments(segments) -> list:
    """Segments with dense output and a non-zero span (impulsive burns leave none)."""
    out = []
    for seg in segments:
        if not (hasattr(seg, "sample") and hasattr(seg, "span_tdb_s")):
            continue  # e.g. a descent record without dense output
        t0, t1 = seg.span_tdb_s
        if t1 > t0:
            out.append(seg)
    return out


def write_csv(path: Path, segments, step_s: float) -> None:
    """CSV with the columns of :func:`lunapole.orbit.ccsds.write_csv` (Moon-centred J2000, SI), all
    segments in time order; an impulsive burn shows as two rows at the same epoch."""
    from lunapole.astro.time import tdb_s_to_tdb_iso
    from lunapole.orbit.ccsds import sample_times

    with path.open("w", encoding="utf-8") as fh:
        fh.write("epoch_tdb_s,epoch_tdb_iso,x_m,y_m,z_m,vx_m_s,vy_m_s,vz_m_s,mass_kg\n")
        for seg in segments:
            times = sample_times(seg, step_s)
            states = seg.sample(times)
            isos = np.atleast_1d(tdb_s_to_tdb_iso(times, 6))
            for t, iso, y in zip(times, isos, states):
                fh.write(f"{t:.6f},{iso}," + ",".join(f"{v:.6f}" for v in y[:6]) + f",{y[6]:.6f}\n")


def write_oem(path: Path, segments, step_s: float, object_name: str) -> None:
    """CCSDS OEM (KVN), one OEM segment per trajectory segment, text from
    :func:`lunapole.orbit.ccsds.oem_text`, parsed by the ``oem`` package (validation) before saving."""
    import tempfile

    import oem

    from lunapole.errors import LunapoleError
    from lunapole.orbit.ccsds import oem_text

    parts = []
    for k, seg in enumerate(segments):
        text = oem_text(seg, step_s, object_name=object_name)
        parts.append(text if k == 0 else text[text.index("META_START"):])
    text = "\n".join(parts)
    with tempfile.TemporaryDirectory() as tmp:
        kvn = Path(tmp) / "eph.oem"
        kvn.write_text(text)
        try:
            oem.OrbitEphemerisMessage.open(kvn)
        except Exception as exc:  # the oem package raises ValueError and friends
            raise LunapoleError(f"OEM output failed validation by the oem package: {exc}") from exc
    # Write our own (validated) text: oem's save_as re-formats every epoch through astropy (~0.5 ms each).
    path.write_text(text, encoding="utf-8")


def check_output_paths(scn) -> None:
    """Fail before a run when ``[output] ephemeris`` cannot be written (a directory, no permission)."""
    import os

    if scn.output.ephemeris is None:
        return
    path = resolve_output_path(scn, scn.output.ephemeris)
    if path.is_dir():
        raise ScenarioError(f"output.ephemeris: {str(path)!r} is a directory; give a file name ending .oem or .csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"output.ephemeris: cannot create directory {str(path.parent)!r} "
                            f"({exc.strerror or exc}); choose another path") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ScenarioError(f"output.ephemeris: cannot write {str(path)!r} (no write permission); "
                            "choose another path")


def write_ephemeris(result) -> Path:
    """Write ``[output] ephemeris`` of a :class:`~lunapole.scenario.run.RunResult`; returns the path."""
    scn = result.scenario
    out = scn.output
    path = resolve_output_path(scn, out.ephemeris)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"output.ephemeris: cannot create directory {str(path.parent)!r} ({exc})") from None
    segments = _orbit_segments(result.segments)
    if not segments:
        raise ScenarioError("output.ephemeris: the run produced no trajectory to write")
    try:
        if path.suffix.lower() == ".csv":
            write_csv(path, segments, out.ephemeris_step_s)
        else:
            write_oem(path, segments, out.ephemeris_step_s, scn.scenario.name)
    except OSError as exc:
        raise ScenarioError(f"output.ephemeris: cannot write {str(path)!r} ({exc}); choose another path") from None
    return path
