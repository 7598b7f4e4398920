"""Time scales: ISO 8601 UTC/TDB strings at the edges, TDB seconds past J2000 (SPICE ``et``) inside.

UTC <-> TDB goes through SPICE with a leap-second kernel (LSK) that lunapole writes at run time
from the IERS leap-second table shipped in the ``astropy-iers-data`` package
(``astropy_iers_data/data/Leap_Second.dat``) plus the standard SPICE ``DELTET`` constants. So the
leap seconds stay as current as that package, without network access.

Accuracy: UTC -> TT is exact (TAI-UTC from the table, TT = TAI + 32.184 s). TDB - TT uses SPICE's
one-term model (amplitude K = 1.657 ms), which differs from the full Fairhead-Bretagnon series
(astropy/ERFA) by up to ~30 microseconds; this is the definition of ``et`` used by every SPICE
ephemeris reader and is negligible here (30 us x 1.7 km/s = 5 cm along a low lunar orbit).
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import numpy as np
import spiceypy

from lunapole.astro import _kernels
from lunapole.errors import LunapoleError, ScenarioError

ACCEPTED_FORMS = (
    "'YYYY-MM-DDThh:mm:ss[.fff]' (UTC), the same with ' UTC', 'Z', '+00:00' or ' TDB' appended, "
    "'YYYY-MM-DD hh:mm[:ss]' or 'YYYY-MM-DD' (midnight); seconds may be 60 only in a leap second"
)

# Standard SPICE DELTET constants (NAIF naif0012.tls; SPICE Time Required Reading).
_DELTET_HEADER = """KPL/LSK

Leap-second kernel written by lunapole.astro.time from the IERS table
{source} (astropy-iers-data). DELTET constants: standard NAIF values (naif0012.tls).

\\begindata

DELTET/DELTA_T_A       =   32.184
DELTET/K               =    1.657D-3
DELTET/EB              =    1.671D-2
DELTET/M               = (  6.239996D0   1.99096871D-7 )

DELTET/DELTA_AT        = ( {entries} )

\\begintext
"""
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d*)?))?)?"
    r"\s*(?P<scale>Z|UTC|TDB|\+00:?00)?\s*$",
    re.IGNORECASE,
)

_lsk_path: Path | None = None


class EpochError(ScenarioError):
    """An epoch string is not one of the accepted ISO 8601 forms."""


def leap_second_table_path() -> Path:
    """The IERS ``Leap_Second.dat`` file of the installed ``astropy-iers-data`` package."""
    return _kernels.find_kernel("Leap_Second.dat", "astropy_iers_data", "data/Leap_Second.dat")


def lsk_text_from_leap_second_dat(text: str, source: str = "Leap_Second.dat") -> str:
    """SPICE LSK text from the IERS ``Leap_Second.dat`` table (lines ``MJD day month year TAI-UTC``)."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        _mjd, day, month, year, tai_utc = fields[:5]
        entries.append(f"{int(float(tai_utc))}, @{int(year)}-{_MONTHS[int(month) - 1]}-{int(day)}")
    if not entries:
        raise LunapoleError(f"leap-second table {source} has no entries; reinstall astropy-iers-data")
    return _DELTET_HEADER.format(source=source, entries="\n                           ".join(entries))


def lsk_path() -> Path:
    """Path of the generated leap-second kernel (written on first use, then reused)."""
    global _lsk_path
    with _kernels.LOCK:
        if _lsk_path is None or not _lsk_path.is_file():
            table = leap_second_table_path()
            text = lsk_text_from_leap_second_dat(table.read_text(encoding="ascii"), table.name)
            _lsk_path = _kernels.write_text_kernel("lunapole_leapseconds", ".tls", text)
        return _lsk_path


def ensure_lsk() -> None:
    """Furnish the leap-second kernel (idempotent, thread-safe)."""
    with _kernels.LOCK:
        _kernels.furnish(lsk_path())


def _bad_epoch(text: object, why: str = "") -> EpochError:
    extra = f" ({why})" if why else ""
    return EpochError(f"cannot read the epoch {text!r}{extra}; accepted forms: {ACCEPTED_FORMS}.")


def parse_epoch(text: str) -> float:
    """TDB seconds past J2000 from an ISO 8601 string with optional scale suffix (default UTC).

    >>> round(parse_epoch("2000-01-01T12:00:00 TDB"), 6)
    0.0
    """
    if not isinstance(text, str):
        raise _bad_epoch(text, "not a string")
    match = _ISO.match(text)
    if match is None:
        raise _bad_epoch(text)
    scale = (match["scale"] or "UTC").upper()
    scale = "UTC" if scale in ("Z", "+0000", "+00:00") else scale
    year, month, day = (int(v) for v in match["date"].split("-"))
    hour = int(match["h"] or 0)
    minute = int(match["m"] or 0)
    second = float(match["s"] or 0.0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second < 61.0):
        raise _bad_epoch(text, "a field is out of range")
    try:
        datetime.date(year, month, day)  # SPICE silently rolls e.g. Feb 30 over to Mar 2
    except ValueError:
        raise _bad_epoch(text, "no such calendar date") from None
    if second >= 60.0 and scale != "UTC":
        raise _bad_epoch(text, "second 60 exists only in UTC leap seconds")
    seconds = match["s"] or "00"
    spice_text = f"{match['date']} {hour:02d}:{minute:02d}:{seconds} {scale}"
    ensure_lsk()
    with _kernels.LOCK:
        try:
            et = spiceypy.str2et(spice_text)
        except spiceypy.utils.exceptions.SpiceyError as exc:
            why = " ".join(str(getattr(exc, "long", "") or "rejected by SPICE").split())
            raise _bad_epoch(text, why) from None
    return float(et)


def utc_iso_to_tdb_s(iso: str | list[str] | np.ndarray) -> float | np.ndarray:
    """TDB s past J2000 from UTC ISO string(s) (a scale suffix, if any, must be UTC or Z)."""
    if isinstance(iso, str):
        match = _ISO.match(iso)
        if match is not None and (match["scale"] or "UTC").upper() == "TDB":
            raise _bad_epoch(iso, "utc_iso_to_tdb_s takes UTC; use parse_epoch for TDB strings")
        return parse_epoch(iso)
    return np.array([utc_iso_to_tdb_s(str(s)) for s in np.ravel(iso)]).reshape(np.shape(iso))


def _format(et: float | np.ndarray, digits: int, scale: str) -> str | np.ndarray:
    if not 0 <= int(digits) <= 9:
        raise LunapoleError(f"digits={digits!r} must be an integer 0..9")
    ensure_lsk()
    et_arr = np.asarray(et, dtype=float)
    out = []
    with _kernels.LOCK:
        for value in et_arr.ravel():
            if not np.isfinite(value):
                raise LunapoleError(f"epoch {value!r} TDB s is not finite")
            if scale == "UTC":
                text = spiceypy.et2utc(float(value), "ISOC", int(digits))
            else:
                pic = "YYYY-MM-DDTHR:MN:SC" + ("." + "#" * digits if digits else "") + " ::TDB ::RND"
                text = spiceypy.timout(float(value), pic)
            out.append(text)
    if et_arr.ndim == 0:
        return out[0]
    return np.array(out).reshape(et_arr.shape)


def tdb_s_to_utc_iso(et: float | np.ndarray, digits: int = 3) -> str | np.ndarray:
    """UTC ISO string ``YYYY-MM-DDThh:mm:ss.fff`` (no suffix) for TDB s past J2000 (scalar or array)."""
    return _format(et, digits, "UTC")


def tdb_s_to_tdb_iso(et: float | np.ndarray, digits: int = 3) -> str | np.ndarray:
    """TDB ISO string ``YYYY-MM-DDThh:mm:ss.fff`` (no suffix) for TDB s past J2000 (scalar or array)."""
    return _format(et, digits, "TDB")


def tdb_s_to_tt_s(et: float | np.ndarray) -> float | np.ndarray:
    """TT seconds past J2000 (TT) for TDB seconds past J2000 (SPICE one-term TDB-TT model)."""
    ensure_lsk()
    et_arr = np.asarray(et, dtype=float)
    with _kernels.LOCK:
        out = np.array([spiceypy.unitim(float(v), "TDB", "TT") for v in et_arr.ravel()])
    return float(out[0]) if et_arr.ndim == 0 else out.reshape(et_arr.shape)
