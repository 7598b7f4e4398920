"""Ephemeris output: CCSDS Orbit Ephemeris Message (OEM, CCSDS 502.0-B-2) and CSV.

States are sampled at a fixed step from the trajectory's DOP853 dense output. OEM metadata:
``CENTER_NAME = MOON``, ``REF_FRAME = ICRF`` (CCSDS/SANA: ICRF axes, origin given by CENTER_NAME --
the OEM way to say Moon-centred ICRF, which is lunapole's J2000 frame), ``TIME_SYSTEM = TDB``;
positions in km and velocities in km/s as the standard requires. The text is validated and written
by the ``oem`` package (KVN or XML).
"""
from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

import numpy as np

from lunapole.errors import LunapoleError


def sample_times(traj, step_s: float) -> np.ndarray:
    """Epochs from the trajectory start to its end every ``step_s`` s (the end epoch included)."""
    if not step_s > 0:
        raise LunapoleError(f"ephemeris output: step_s must be > 0, got {step_s}")
    t0, t1 = traj.span_tdb_s
    sign = 1.0 if t1 >= t0 else -1.0
    n = int(np.floor(abs(t1 - t0) / step_s + 1e-9))
    times = t0 + sign * step_s * np.arange(n + 1)
    if abs(times[-1] - t1) > 1e-6:
        times = np.append(times, t1)
    return times if sign > 0 else times[::-1]


def oem_text(traj, step_s: float = 60.0, object_name: str = "LUNAPOLE_SC", object_id: str = "NONE",
             originator: str = "lunapole") -> str:
    """KVN text of a one-segment OEM sampled every ``step_s`` s (see the module docstring)."""
    from lunapole.astro.time import tdb_s_to_tdb_iso

    times = sample_times(traj, step_s)
    if times[0] > times[-1]:
        times = times[::-1]
    states = traj.sample(times)
    iso = tdb_s_to_tdb_iso(times, digits=6)
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    lines = [
        "CCSDS_OEM_VERS = 2.0",
        f"CREATION_DATE = {created}",
        f"ORIGINATOR = {originator}",
        "",
        "META_START",
        f"OBJECT_NAME = {object_name}",
        f"OBJECT_ID = {object_id}",
        "CENTER_NAME = MOON",
        "REF_FRAME = ICRF",
        "TIME_SYSTEM = TDB",
        f"START_TIME = {iso[0]}",
        f"STOP_TIME = {iso[-1]}",
        "INTERPOLATION = HERMITE",
        "INTERPOLATION_DEGREE = 7",
        "META_STOP",
        "",
    ]
    for t, y in zip(iso, states):
        r = y[:3] / 1e3
        v = y[3:6] / 1e3
        lines.append(f"{t} {r[0]:.9f} {r[1]:.9f} {r[2]:.9f} {v[0]:.12f} {v[1]:.12f} {v[2]:.12f}")
    return "\n".join(lines) + "\n"


def write_oem(traj, path, step_s: float = 60.0, file_format: str = "kvn", **kwargs) -> Path:
    """Write the trajectory as an OEM file (``file_format`` "kvn" or "xml"), validated by ``oem``."""
    import oem

    path = Path(path)
    text = oem_text(traj, step_s, **kwargs)
    with tempfile.TemporaryDirectory() as tmp:
        kvn = Path(tmp) / "eph.oem"
        kvn.write_text(text)
        try:
            message = oem.OrbitEphemerisMessage.open(kvn)
        except Exception as exc:  # the oem package raises ValueError and friends
            raise LunapoleError(f"OEM output failed validation by the oem package: {exc}") from exc
        message.save_as(path, file_format=file_format)
    return path


def write_csv(traj, path, step_s: float = 60.0) -> Path:
    """CSV: ``epoch_tdb_s, epoch_tdb_iso, x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s, mass_kg`` (Moon-centred J2000)."""
    from lunapole.astro.time import tdb_s_to_tdb_iso

    path = Path(path)
    times = sample_times(traj, step_s)
    states = traj.sample(times)
    iso = tdb_s_to_tdb_iso(times, digits=6)
    with open(path, "w") as fh:
        fh.write("epoch_tdb_s,epoch_tdb_iso,x_m,y_m,z_m,vx_m_s,vy_m_s,vz_m_s,mass_kg\n")
        for t, s, y in zip(times, iso, states):
            fh.write(f"{t:.6f},{s}," + ",".join(f"{v:.6f}" for v in y[:6]) + f",{y[6]:.6f}\n")
    return path
