"""Readers for gravity-field files: PDS SHADR ``.tab``, GMAT ``.cof``, ICGEM ``.gfc`` (and an ICGEM writer).

Each reader takes ``degree``/``order`` limits. The SHADR and GMAT readers stop reading once the records pass
``degree`` (those formats are ordered by degree), so a degree-100 field out of the 88 MB GRGM1200A file reads
~1 % of it; ICGEM files may be ordered by order, so that reader scans on but stores only what is asked.
Degree 1 is optional in every format (zero in a centre-of-mass frame).
Malformed input raises :class:`lunapole.errors.DataError` naming the file, the line and what was expected.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lunapole.errors import DataError
from lunapole.gravity.field import SphericalHarmonicField


def _limits(path: Path, file_degree: int, file_order: int, degree: int | None, order: int | None):
    deg = file_degree if degree is None else int(degree)
    if deg > file_degree:
        raise DataError(f"{path}: the file holds a degree-{file_degree} field; degree {deg} was asked "
                        f"(ask for degree <= {file_degree} or use a larger field)")
    if deg < 0:
        raise DataError(f"{path}: degree must be >= 0, got {deg}")
    ordr = min(deg, file_order) if order is None else int(order)
    if ordr > min(deg, file_order) or ordr < 0:
        raise DataError(f"{path}: order {ordr} not available (need 0 <= order <= min(degree {deg}, "
                        f"file order {file_order}))")
    return deg, ordr


def _unnormalized_to_normalized(c: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide by N_nm = sqrt((2 - d_m0)(2n + 1)(n - m)!/(n + m)!) (computed with log-gamma)."""
    nmax = c.shape[0] - 1
    n, m = np.meshgrid(np.arange(nmax + 1), np.arange(nmax + 1), indexing="ij")
    valid = m <= n
    from scipy.special import gammaln

    log_n = 0.5 * (np.log(np.where(m == 0, 1.0, 2.0) * (2 * n + 1)) + gammaln(n - m + 1.0 * valid + (~valid))
                   - gammaln(n + m + 1.0))
    norm = np.where(valid, np.exp(log_n), 1.0)
    return np.where(valid, c / norm, 0.0), np.where(valid, s / norm, 0.0)


def _float(path: Path, lineno: int, text: str, what: str) -> float:
    try:
        return float(text.replace("D", "E").replace("d", "e"))
    except ValueError:
        raise DataError(f"{path}, line {lineno}: expected {what} as a number, found {text.strip()!r}") from None


def _int(path: Path, lineno: int, text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(f"{path}, line {lineno}: expected {what} as an integer, found {text.strip()!r}") from None


def _store(path, lineno, c, s, n, m, cv, sv, deg, ordr, seen):
    if m > n or n < 0 or m < 0:
        raise DataError(f"{path}, line {lineno}: order m={m} must satisfy 0 <= m <= n={n}")
    if n <= deg and m <= ordr:
        c[n, m] = cv
        s[n, m] = sv
        seen[n, m] = True


def _check_complete(path, seen, deg, ordr, first_degree):
    n, m = np.meshgrid(np.arange(deg + 1), np.arange(deg + 1), indexing="ij")
    need = (m <= n) & (m <= ordr) & (n >= first_degree)
    missing = need & ~seen
    if missing.any():
        bad = np.argwhere(missing)[0]
        raise DataError(f"{path}: coefficient (n={bad[0]}, m={bad[1]}) is missing; the file ends or skips "
                        f"records before degree {deg} is complete ({int(missing.sum())} missing)")


def read_shadr(path: str | Path, degree: int | None = None, order: int | None = None,
               name: str | None = None, frame: str = "MOON_PA") -> SphericalHarmonicField:
    """Read a PDS SHADR ``.tab`` (GRAIL ``gggrx_*_sha.tab``; LP ``jgl*``) up to ``degree``/``order``.

    Header record: reference radius [km], GM [km^3/s^2], sigma GM, degree, order, normalization state
    (1 = fully normalized), reference longitude, latitude. Records: ``n, m, Cnm, Snm, sigmaC, sigmaS``.
    """
    path = Path(path)
    try:
        fh = open(path, "r", encoding="ascii", errors="replace", newline=None)
    except OSError as exc:
        raise DataError(f"{path}: cannot open SHADR gravity file ({exc.strerror})") from None
    with fh:
        header = fh.readline()
        fields = [f.strip() for f in header.split(",")]
        if len(fields) < 6:
            raise DataError(f"{path}, line 1: expected a SHADR header 'radius_km, GM_km3_s2, sigma, degree, order, "
                            f"normalization, ...' (comma-separated), found {header.strip()[:80]!r}")
        radius_km = _float(path, 1, fields[0], "reference radius [km]")
        gm_km3 = _float(path, 1, fields[1], "GM [km^3/s^2]")
        file_deg = _int(path, 1, fields[3], "degree of field")
        file_ord = _int(path, 1, fields[4], "order of field")
        norm_state = _int(path, 1, fields[5], "normalization state (0 or 1)")
        if norm_state not in (0, 1):
            raise DataError(f"{path}, line 1: normalization state must be 0 or 1, found {norm_state}")
        deg, ordr = _limits(path, file_deg, file_ord, degree, order)
        c = np.zeros((deg + 1, deg + 1))
        s = np.zeros((deg + 1, deg + 1))
        seen = np.zeros((deg + 1, deg + 1), dtype=bool)
        lineno = 1
        for line in fh:
            lineno += 1
            parts = line.split(",")
            if not line.strip():
                continue
            n = _int(path, lineno, parts[0], "degree n")
            if n > deg:
                break  # records are ordered by degree: the rest is not needed
            if len(parts) < 4:
                raise DataError(f"{path}, line {lineno}: expected 'n, m, Cnm, Snm, sigmaC, sigmaS', "
                                f"found {line.strip()[:80]!r}")
            m = _int(path, lineno, parts[1], "order m")
            _store(path, lineno, c, s, n, m, _float(path, lineno, parts[2], "Cnm"),
                   _float(path, lineno, parts[3], "Snm"), deg, ordr, seen)
    c[0, 0] = 1.0  # degree 0 is implicit in SHADR files
    seen[0, 0] = True
    seen[1:2, :2] = True  # degree 1 is zero in a centre-of-mass frame; some SHADR files start at degree 2
    _check_complete(path, seen, deg, ordr, 1)
    if norm_state == 0:
        c, s = _unnormalized_to_normalized(c, s)
    return SphericalHarmonicField(gm_km3 * 1e9, radius_km * 1e3, c, s, deg, ordr, frame,
                                  name or path.stem, str(path))


def read_cof(path: str | Path, degree: int | None = None, order: int | None = None,
             name: str | None = None, frame: str = "MOON_PA") -> SphericalHarmonicField:
    """Read a GMAT ``.cof`` file (``POTFIELD`` header, fixed-column ``RECOEF`` lines, ``END``).

    Columns (1-based): n 7-11, m 12-14, Cnm 18-38, Snm 39-59 (a negative Snm touches Cnm; zonal lines
    carry no Snm). Header ``POTFIELD<deg 3><ord 3> <flag> GM[m^3/s^2] R[m] <normalized flag>``.
    """
    path = Path(path)
    try:
        fh = open(path, "r", encoding="ascii", errors="replace", newline=None)
    except OSError as exc:
        raise DataError(f"{path}: cannot open GMAT .cof gravity file ({exc.strerror})") from None
    c = s = seen = None
    deg = ordr = -1
    normalized = True
    gm = radius = None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            key = line[:8].upper()
            if key.startswith("POTFIELD"):
                try:
                    file_deg, file_ord = int(line[8:11]), int(line[11:14])
                    rest = line[14:].split()
                    gm, radius, norm_flag = float(rest[1]), float(rest[2]), float(rest[3])
                except (ValueError, IndexError):
                    raise DataError(f"{path}, line {lineno}: expected 'POTFIELD<deg:3><ord:3> flag GM R "
                                    f"normalized', found {line[:80]!r}") from None
                normalized = norm_flag != 0.0
                deg, ordr = _limits(path, file_deg, file_ord, degree, order)
                c = np.zeros((deg + 1, deg + 1))
                s = np.zeros((deg + 1, deg + 1))
                seen = np.zeros((deg + 1, deg + 1), dtype=bool)
            elif key.startswith("RECOEF"):
                if c is None:
                    raise DataError(f"{path}, line {lineno}: RECOEF record before the POTFIELD header")
                n = _int(path, lineno, line[6:11], "degree n (columns 7-11)")
                if n > deg:
                    break
                m = _int(path, lineno, line[11:14], "order m (columns 12-14)")
                cv = _float(path, lineno, line[17:38], "Cnm (columns 18-38)")
                s_text = line[38:59]
                sv = _float(path, lineno, s_text, "Snm (columns 39-59)") if s_text.strip() else 0.0
                _store(path, lineno, c, s, n, m, cv, sv, deg, ordr, seen)
            elif key.startswith("END"):
                break
            elif key.startswith("COMMENT") or key.startswith("C") or not line.strip():
                continue
            else:
                raise DataError(f"{path}, line {lineno}: expected COMMENT, POTFIELD, RECOEF or END, "
                                f"found {line[:80]!r}")
    if c is None:
        raise DataError(f"{path}: no POTFIELD header line found; is this a GMAT .cof gravity file?")
    c[0, 0] = 1.0
    seen[0, 0] = True
    seen[1:2, :2] = True  # degree 1 is absent from .cof files (centre of mass at the origin)
    _check_complete(path, seen, deg, ordr, 1)
    if not normalized:
        c, s = _unnormalized_to_normalized(c, s)
    return SphericalHarmonicField(gm, radius, c, s, deg, ordr, frame, name or path.stem, str(path))


def read_icgem(path: str | Path, degree: int | None = None, order: int | None = None,
               name: str | None = None, frame: str = "MOON_PA") -> SphericalHarmonicField:
    """Read an ICGEM ``.gfc`` file (static ``gfc`` records; header keys up to ``end_of_head``)."""
    path = Path(path)
    try:
        fh = open(path, "r", encoding="ascii", errors="replace", newline=None)
    except OSError as exc:
        raise DataError(f"{path}: cannot open ICGEM .gfc gravity file ({exc.strerror})") from None
    head: dict[str, str] = {}
    with fh:
        lineno = 0
        for raw in fh:
            lineno += 1
            parts = raw.split()
            if parts and parts[0] == "end_of_head":
                break
            if len(parts) >= 2:
                head[parts[0].lower()] = parts[1]
        else:
            raise DataError(f"{path}: no 'end_of_head' line; is this an ICGEM .gfc file?")
        for key in ("radius", "max_degree"):
            if key not in head:
                raise DataError(f"{path}: ICGEM header lacks the '{key}' keyword")
        gm_text = head.get("earth_gravity_constant", head.get("gravity_constant"))
        if gm_text is None:
            raise DataError(f"{path}: ICGEM header lacks 'earth_gravity_constant' (or 'gravity_constant')")
        gm = _float(path, 0, gm_text, "gravity constant [m^3/s^2]")
        radius = _float(path, 0, head["radius"], "radius [m]")
        file_deg = _int(path, 0, head["max_degree"], "max_degree")
        normalized = head.get("norm", "fully_normalized").lower() != "unnormalized"
        deg, ordr = _limits(path, file_deg, file_deg, degree, order)
        c = np.zeros((deg + 1, deg + 1))
        s = np.zeros((deg + 1, deg + 1))
        seen = np.zeros((deg + 1, deg + 1), dtype=bool)
        for raw in fh:
            lineno += 1
            parts = raw.split()
            if not parts:
                continue
            if parts[0] != "gfc":
                raise DataError(f"{path}, line {lineno}: only static 'gfc' records are supported, found "
                                f"{parts[0]!r} (time-variable fields are not handled)")
            if len(parts) < 5:
                raise DataError(f"{path}, line {lineno}: expected 'gfc n m C S [sigmaC sigmaS]', found "
                                f"{raw.strip()[:80]!r}")
            n = _int(path, lineno, parts[1], "degree n")
            if n > deg:
                continue  # ICGEM does not promise degree order; keep scanning
            m = _int(path, lineno, parts[2], "order m")
            _store(path, lineno, c, s, n, m, _float(path, lineno, parts[3], "C"),
                   _float(path, lineno, parts[4], "S"), deg, ordr, seen)
    if not seen[0, 0]:
        c[0, 0] = 1.0
        seen[0, 0] = True
    seen[1:2, :2] |= c[1:2, :2] == 0.0
    _check_complete(path, seen, deg, ordr, 1)
    if not normalized:
        c, s = _unnormalized_to_normalized(c, s)
    return SphericalHarmonicField(gm, radius, c, s, deg, ordr, frame, name or head.get("modelname", path.stem),
                                  str(path))


def write_icgem(field: SphericalHarmonicField, path: str | Path) -> Path:
    """Write ``field`` as an ICGEM ``.gfc`` (fully normalized, tide-free, no errors) for peer tools (Orekit)."""
    path = Path(path)
    lines = [
        "begin_of_head",
        f"product_type          gravity_field",
        f"modelname             {field.name}",
        f"earth_gravity_constant {field.gm_m3_s2!r}",
        f"radius                {field.ref_radius_m!r}",
        f"max_degree            {field.degree}",
        "errors                no",
        "norm                  fully_normalized",
        "tide_system           tide_free",
        "",
        "key    L    M         C                        S",
        "end_of_head",
    ]
    for n in range(field.degree + 1):
        for m in range(min(n, field.order) + 1):
            lines.append(f"gfc {n:5d} {m:5d} {field.c_nm[n, m]: .17e} {field.s_nm[n, m]: .17e}")
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def read_field_file(path: str | Path, degree: int | None = None, order: int | None = None,
                    name: str | None = None) -> SphericalHarmonicField:
    """Dispatch on the suffix: ``.tab``/``.sha`` SHADR, ``.cof`` GMAT, ``.gfc`` ICGEM."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".tab", ".sha"):
        return read_shadr(path, degree, order, name)
    if suffix == ".cof":
        return read_cof(path, degree, order, name)
    if suffix == ".gfc":
        return read_icgem(path, degree, order, name)
    raise DataError(f"{path}: unknown gravity file type {suffix!r}; expected .tab (PDS SHADR), .cof (GMAT) "
                    f"or .gfc (ICGEM)")

