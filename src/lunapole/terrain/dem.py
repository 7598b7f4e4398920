"""Elevation models: GeoTIFF (rasterio) and PDS3 LOLA ``.IMG`` + ``.LBL`` polar stereographic products.

Both readers return a :class:`Dem`: heights in metres above the 1737.4 km sphere on a regular south polar
stereographic grid, georeferenced in ``MOON_ME`` (the frame of the LOLA products). Pixel centres are at
``x = x0_m + (j + 0.5) * dx_m`` and ``y = y0_m - (i + 0.5) * dy_m`` (row 0 at the top, pixel-is-area).

PDS3 georeferencing follows the LOLA polar label convention (LRO-L-LOLA-4-GDR-V1.0 DSMAP_POLAR.CAT; also
GDAL's PDS driver): for 1-based LINE, SAMPLE at pixel centres::

    x = (SAMPLE - SAMPLE_PROJECTION_OFFSET - 1) * MAP_SCALE
    y = (1 - LINE + LINE_PROJECTION_OFFSET) * MAP_SCALE

and the stored value is ``radius = DN * SCALING_FACTOR + OFFSET`` (in ``UNIT``), or a height when OFFSET is 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lunapole.astro.constants import MOON_MEAN_RADIUS_M
from lunapole.errors import DataError
from lunapole.terrain import projection

_SAMPLE_TYPES = {
    ("PC_REAL", 32): "<f4", ("PC_REAL", 64): "<f8", ("IEEE_REAL", 32): ">f4", ("IEEE_REAL", 64): ">f8",
    ("LSB_INTEGER", 16): "<i2", ("LSB_INTEGER", 32): "<i4", ("MSB_INTEGER", 16): ">i2", ("MSB_INTEGER", 32): ">i4",
    ("LSB_UNSIGNED_INTEGER", 16): "<u2", ("MSB_UNSIGNED_INTEGER", 16): ">u2", ("UNSIGNED_INTEGER", 8): "u1",
}


@dataclass
class Dem:
    """A south polar stereographic elevation grid (heights above the sphere, metres; ``MOON_ME``).

    ``elevation_m`` may be a ``np.memmap`` (large products are never loaded whole).
    """

    elevation_m: np.ndarray
    x0_m: float  # x of the left edge of column 0
    y0_m: float  # y of the top edge of row 0
    dx_m: float  # pixel size along x (> 0)
    dy_m: float  # pixel size along y (> 0; rows go towards -y)
    radius_m: float = MOON_MEAN_RADIUS_M
    crs_proj4: str = projection.SOUTH_POLAR_STEREO_PROJ4
    source: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.elevation_m.shape)

    def x_centres_m(self) -> np.ndarray:
        return self.x0_m + (np.arange(self.shape[1]) + 0.5) * self.dx_m

    def y_centres_m(self) -> np.ndarray:
        return self.y0_m - (np.arange(self.shape[0]) + 0.5) * self.dy_m

    def xy_grid_m(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of every pixel centre, each of shape ``shape``."""
        return np.meshgrid(self.x_centres_m(), self.y_centres_m())

    def latlon_deg(self) -> tuple[np.ndarray, np.ndarray]:
        """Selenographic (lat, lon) of every pixel centre, degrees."""
        x, y = self.xy_grid_m()
        return projection.stereo_to_latlon(x, y, self.radius_m)

    def cell_of_latlon(self, lat_deg: float, lon_deg: float) -> tuple[int, int]:
        """(row, col) of the pixel containing (lat, lon); DataError when outside the grid."""
        x, y = projection.latlon_to_stereo(lat_deg, lon_deg, self.radius_m)
        col = int(np.floor((float(x) - self.x0_m) / self.dx_m))
        row = int(np.floor((self.y0_m - float(y)) / self.dy_m))
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            raise DataError(f"point lat={lat_deg} lon={lon_deg} deg lies outside the elevation model {self.source!r}")
        return row, col

    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform (x0, dx, 0, y0, 0, -dy)."""
        return (self.x0_m, self.dx_m, 0.0, self.y0_m, 0.0, -self.dy_m)

    def window(self, row0: int, row1: int, col0: int, col1: int) -> "Dem":
        """Sub-grid rows [row0, row1), cols [col0, col1) (a view, no copy)."""
        return Dem(self.elevation_m[row0:row1, col0:col1], self.x0_m + col0 * self.dx_m,
                   self.y0_m - row0 * self.dy_m, self.dx_m, self.dy_m, self.radius_m, self.crs_proj4,
                   f"{self.source}[{row0}:{row1},{col0}:{col1}]", dict(self.meta))


def read_block(dem: Dem, r0: int, r1: int, c0: int = 0, c1: int | None = None) -> np.ndarray:
    """Heights (float64 m) of rows [r0, r1), cols [c0, c1) without leaving file pages mapped.

    For memory-mapped models the rows are read with ``np.fromfile`` (a memmap slice would keep the touched
    file pages in the process's resident set until the map is closed).
    """
    c1 = dem.shape[1] if c1 is None else c1
    arr, scale, offset = dem.elevation_m, 1.0, 0.0
    if isinstance(arr, _ScaledMemmap):
        arr, scale, offset = arr.raw, arr.scale, arr.offset
    if isinstance(arr, np.memmap) and arr.filename is not None and arr.flags["C_CONTIGUOUS"] and arr.ndim == 2:
        ncol = arr.shape[1]
        with open(arr.filename, "rb") as fh:
            fh.seek(arr.offset + r0 * ncol * arr.dtype.itemsize)
            rows = np.fromfile(fh, dtype=arr.dtype, count=(r1 - r0) * ncol).reshape(r1 - r0, ncol)
        return rows[:, c0:c1].astype(np.float64) * scale + offset
    return np.asarray(dem.elevation_m[r0:r1, c0:c1], dtype=np.float64)


def read_dem(path: str | Path) -> Dem:
    """Read a GeoTIFF or a PDS3 ``.IMG``/``.LBL`` elevation model (dispatch on the extension)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"elevation model {str(p)!r} not found; give the path of a GeoTIFF or a PDS3 .LBL/.IMG")
    ext = p.suffix.lower()
    if ext in (".tif", ".tiff"):
        return read_geotiff(p)
    if ext in (".lbl", ".img"):
        return read_pds3(p)
    if ext == ".npy" and p.with_suffix(".json").exists():
        return read_npy_with_json(p)
    raise DataError(f"{str(p)!r}: unsupported elevation model format {ext!r} (use .tif, .lbl/.img)")


# ----------------------------------------------------------------------------------------------- GeoTIFF
def _check_polar_stereo(crs_text: str, where: str) -> float:
    """Return the sphere radius of a south polar stereographic CRS, or raise DataError."""
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(crs_text)
    except pyproj.exceptions.CRSError as exc:
        raise DataError(f"{where}: cannot parse its coordinate reference system ({exc})") from None
    import warnings

    with warnings.catch_warnings():  # to_dict() warns that PROJ strings lose information; we only read params
        warnings.simplefilter("ignore", UserWarning)
        params = crs.to_dict()
        proj4 = crs.to_proj4()
    if params.get("proj") != "stere" or abs(float(params.get("lat_0", 0.0)) + 90.0) > 1e-9:
        raise DataError(
            f"{where}: unsupported projection {proj4!r}; lunapole needs a south polar stereographic grid "
            f"({projection.SOUTH_POLAR_STEREO_PROJ4}); reproject with gdalwarp -t_srs")
    if abs(float(params.get("lon_0", 0.0))) > 1e-9 or abs(float(params.get("k", params.get("k_0", 1.0))) - 1.0) > 1e-12 \
            or float(params.get("x_0", 0.0)) != 0.0 or float(params.get("y_0", 0.0)) != 0.0:
        raise DataError(f"{where}: polar stereographic with lon_0/k/x_0/y_0 other than 0/1/0/0 is not supported "
                        f"({proj4!r})")
    radius = params.get("R", params.get("a"))
    if radius is None:
        raise DataError(f"{where}: CRS {proj4!r} has no sphere radius (+R); expected R=1737400 m")
    radius = float(radius)
    if abs(radius - MOON_MEAN_RADIUS_M) > 1.0:
        raise DataError(f"{where}: sphere radius {radius} m is not the lunar 1737400 m of LOLA products")
    return radius


def read_geotiff(path: str | Path, band: int = 1) -> Dem:
    """GeoTIFF in a south polar stereographic lunar CRS, heights in metres above 1737.4 km."""
    import rasterio

    p = Path(path)
    try:
        ds = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise DataError(f"{str(p)!r}: cannot open as GeoTIFF ({exc})") from None
    with ds:
        if ds.crs is None:
            raise DataError(f"{str(p)!r}: raster has no coordinate reference system (no georeferencing); "
                            f"assign one with gdal_edit.py -a_srs '{projection.SOUTH_POLAR_STEREO_PROJ4}'")
        t = ds.transform
        if t.is_identity or t.b != 0.0 or t.d != 0.0 or t.a <= 0 or t.e >= 0:
            raise DataError(f"{str(p)!r}: raster has no usable north-up geotransform ({tuple(t)[:6]}); "
                            "georeference it (gdal_translate -a_ullr) first")
        radius = _check_polar_stereo(ds.crs.to_wkt(), repr(str(p)))
        z = ds.read(band).astype(np.float64)
        if ds.nodata is not None:
            z[z == ds.nodata] = np.nan
        unit = (ds.units[band - 1] or "").lower() if ds.units else ""
        if unit in ("km", "kilometer", "kilometre", "kilometers"):
            z *= 1000.0
    if np.isnan(z).any():
        raise DataError(f"{str(p)!r}: {int(np.isnan(z).sum())} no-data cells; fill them before horizon analysis")
    return Dem(z, t.c, t.f, t.a, -t.e, radius, projection.SOUTH_POLAR_STEREO_PROJ4, str(p))


def write_geotiff(path: str | Path, dem_like: Dem, data: np.ndarray, nodata: float | None = None) -> None:
    """Write ``data`` (same grid as ``dem_like``) as a float32/uint8 GeoTIFF in the DEM's CRS."""
    import rasterio
    from rasterio.transform import Affine

    arr = np.asarray(data)
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    transform = Affine(dem_like.dx_m, 0.0, dem_like.x0_m, 0.0, -dem_like.dy_m, dem_like.y0_m)
    with rasterio.open(Path(path), "w", driver="GTiff", height=arr.shape[0], width=arr.shape[1], count=1,
                       dtype=arr.dtype, crs=dem_like.crs_proj4, transform=transform, compress="deflate",
                       nodata=nodata) as ds:
        ds.write(arr, 1)


def read_npy_with_json(path: str | Path) -> Dem:
    """The shared-data ``.npy`` + ``.json`` sidecar stereographic grids (values in km)."""
    import json

    p = Path(path)
    meta = json.loads(p.with_suffix(".json").read_text())
    if "geotransform_gdal" not in meta or "crs_proj4" not in meta:
        raise DataError(f"{str(p)!r}: sidecar .json has no geotransform_gdal/crs_proj4 (not a stereographic grid)")
    radius = _check_polar_stereo(meta["crs_proj4"], repr(str(p)))
    raw = np.load(p, mmap_mode="r")
    if raw.ndim != 2:
        raise DataError(f"{str(p)!r}: expected a 2-D height array, got shape {raw.shape}")
    scale = 1000.0 if meta.get("units") == "km" else 1.0
    z = _ScaledMemmap(raw, scale, 0.0) if raw.size > 4_000_000 else np.asarray(raw, dtype=np.float64) * scale
    g = meta["geotransform_gdal"]
    return Dem(z, g[0], g[3], g[1], -g[5], radius, projection.SOUTH_POLAR_STEREO_PROJ4, str(p), meta)


def write_npy_with_json(path: str | Path, dem: Dem, data: np.ndarray | None = None) -> Path:
    """Write heights (metres, float32 .npy, memory-mappable) with the JSON sidecar read by :func:`read_dem`."""
    import json

    p = Path(path)
    if data is not None:
        np.save(p, np.asarray(data, dtype=np.float32))
    meta = {"units": "m", "crs_proj4": dem.crs_proj4, "geotransform_gdal": list(dem.geotransform()),
            "vertical_datum": "height above sphere R=1737.4 km"}
    p.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return p


# -------------------------------------------------------------------------------------------------- PDS3
def parse_pds3_label(text: str) -> dict:
    """Flat dict ``{'OBJECT.KEY': value}`` (and ``KEY`` for top-level) of a PDS3 ODL label.

    Values keep their unit as ``(number, 'UNIT')`` tuples; quoted strings are unquoted.
    """
    out: dict = {}
    stack: list[str] = []
    key = None
    buf = ""
    lines = text.replace("\r", "").split("\n")
    entries: list[tuple[str, str]] = []
    for line in lines:
        line = re.sub(r"/\*.*?\*/", "", line)
        if key is not None:  # continuation of a multi-line value
            buf += " " + line.strip()
            if _balanced(buf):
                entries.append((key, buf))
                key = None
            continue
        if not line.strip():
            continue
        if line.strip() == "END":
            break
        m = re.match(r"\s*(\^?[A-Z0-9_:]+)\s*=\s*(.*)$", line)
        if not m:
            continue
        key, buf = m.group(1), m.group(2).strip()
        if _balanced(buf):
            entries.append((key, buf))
            key = None
    for k, v in entries:
        if k == "OBJECT":
            stack.append(v.strip().strip('"'))
            continue
        if k == "END_OBJECT":
            if stack:
                stack.pop()
            continue
        out[".".join(stack + [k])] = _parse_value(v)
        out.setdefault(k, out[".".join(stack + [k])])
    return out


def _balanced(s: str) -> bool:
    return s.count('"') % 2 == 0 and s.count("(") == s.count(")") and s.count("{") == s.count("}")


def _parse_value(v: str):
    v = v.strip()
    if v.startswith('"') and v.endswith('"'):
        return " ".join(v[1:-1].split())
    m = re.match(r"^([-+0-9.eE]+)\s*<([^>]*)>$", v)
    if m:
        return (float(m.group(1)), m.group(2).strip().upper())
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        pass
    if v.startswith("(") and v.endswith(")"):
        return tuple(_parse_value(p) for p in v[1:-1].split(","))
    return v.strip("'")


def _num(lbl: dict, key: str, where: str, unit_to_m: dict | None = None) -> float:
    if key not in lbl:
        raise DataError(f"{where}: PDS3 label lacks {key}; is this a LOLA polar stereographic LDEM product?")
    v = lbl[key]
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str):
        value, unit = v
        if unit_to_m is not None:
            if unit not in unit_to_m:
                raise DataError(f"{where}: {key} has unit <{unit}>, expected one of {sorted(unit_to_m)}")
            return float(value) * unit_to_m[unit]
        return float(value)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {key} = {v!r} is not a number") from None


def read_pds3(path: str | Path) -> Dem:
    """LOLA LDEM polar stereographic PDS3 product (``.LBL`` detached label or ``.IMG``) as a memory map."""
    p = Path(path)
    lbl_path = p if p.suffix.lower() == ".lbl" else next(
        (q for q in (p.with_suffix(".LBL"), p.with_suffix(".lbl")) if q.exists()), None)
    if lbl_path is None:
        raise DataError(f"{str(p)!r}: no detached PDS3 label (.LBL) next to the image; it is needed for the "
                        "georeferencing (LINE/SAMPLE_PROJECTION_OFFSET, MAP_SCALE)")
    where = repr(str(lbl_path))
    lbl = parse_pds3_label(lbl_path.read_text(errors="replace"))
    ptr = lbl.get("^IMAGE")
    if ptr is None:
        raise DataError(f"{where}: PDS3 label has no ^IMAGE pointer")
    img_name, start_record = (ptr, 1) if isinstance(ptr, str) else (ptr[0], int(ptr[1]) if len(ptr) > 1 else 1)
    img_path = lbl_path.parent / str(img_name)
    if not img_path.exists():
        cands = [q for q in lbl_path.parent.iterdir() if q.name.lower() == str(img_name).lower()]
        if not cands:
            raise DataError(f"{where}: image file {img_name!r} named by ^IMAGE not found next to the label")
        img_path = cands[0]
    proj_type = str(lbl.get("IMAGE_MAP_PROJECTION.MAP_PROJECTION_TYPE", lbl.get("MAP_PROJECTION_TYPE", ""))).upper()
    if proj_type != "POLAR STEREOGRAPHIC":
        raise DataError(f"{where}: unsupported MAP_PROJECTION_TYPE {proj_type!r}; only POLAR STEREOGRAPHIC "
                        "LOLA products are read (reproject others to a GeoTIFF in south polar stereographic)")
    centre_lat = _num(lbl, "CENTER_LATITUDE", where)
    if abs(centre_lat + 90.0) > 1e-9:
        raise DataError(f"{where}: CENTER_LATITUDE = {centre_lat}; only south polar (-90) grids are supported")
    if abs(_num(lbl, "CENTER_LONGITUDE", where)) > 1e-9:
        raise DataError(f"{where}: CENTER_LONGITUDE must be 0 for LOLA polar products")
    radius_m = _num(lbl, "A_AXIS_RADIUS", where, {"KM": 1000.0, "KILOMETER": 1000.0, "KILOMETERS": 1000.0,
                                                   "M": 1.0, "METER": 1.0, "METERS": 1.0})
    if abs(radius_m - MOON_MEAN_RADIUS_M) > 1.0:
        raise DataError(f"{where}: A_AXIS_RADIUS = {radius_m} m, expected the lunar 1737400 m")
    scale_m = _num(lbl, "MAP_SCALE", where, {"METERS/PIXEL": 1.0, "M/PIXEL": 1.0, "KM/PIXEL": 1000.0,
                                             "KM/PIX": 1000.0, "METERS/PIX": 1.0})
    lpo = _num(lbl, "LINE_PROJECTION_OFFSET", where)
    spo = _num(lbl, "SAMPLE_PROJECTION_OFFSET", where)
    lines = int(_num(lbl, "IMAGE.LINES", where))
    samples = int(_num(lbl, "IMAGE.LINE_SAMPLES", where))
    stype = str(lbl.get("IMAGE.SAMPLE_TYPE", "")).upper()
    sbits = int(_num(lbl, "IMAGE.SAMPLE_BITS", where))
    if (stype, sbits) not in _SAMPLE_TYPES:
        raise DataError(f"{where}: unsupported SAMPLE_TYPE/SAMPLE_BITS {stype}/{sbits}")
    dtype = np.dtype(_SAMPLE_TYPES[(stype, sbits)])
    sf = float(_num(lbl, "IMAGE.SCALING_FACTOR", where)) if "IMAGE.SCALING_FACTOR" in lbl else 1.0
    unit = str(lbl.get("IMAGE.UNIT", "METER")).upper()
    unit_m = {"KILOMETER": 1000.0, "KILOMETERS": 1000.0, "KM": 1000.0, "METER": 1.0, "METERS": 1.0, "M": 1.0}.get(unit)
    if unit_m is None:
        raise DataError(f"{where}: IMAGE.UNIT = {unit!r}; expected METER or KILOMETER")
    off_raw = lbl.get("IMAGE.OFFSET", 0.0)
    offset_m = (_num(lbl, "IMAGE.OFFSET", where, {"KM": 1000.0, "KILOMETER": 1000.0, "M": 1.0, "METER": 1.0})
                if isinstance(off_raw, tuple) else float(off_raw) * unit_m)
    record_bytes = int(lbl.get("RECORD_BYTES", 1)) if str(lbl.get("RECORD_TYPE", "")).upper() == "FIXED_LENGTH" else 1
    byte_offset = (start_record - 1) * record_bytes if isinstance(ptr, tuple) else 0
    expected = lines * samples * dtype.itemsize
    actual = img_path.stat().st_size - byte_offset
    if actual != expected:
        raise DataError(f"{where}: label says {lines} x {samples} samples of {sbits} bits = {expected} bytes, but "
                        f"{img_path.name!r} holds {actual} bytes after the header; label and image do not match")
    raw = np.memmap(img_path, dtype=dtype, mode="r", offset=byte_offset, shape=(lines, samples))
    # radius (or height) = DN * SCALING_FACTOR + OFFSET; heights are relative to the 1737.4 km sphere.
    base_m = offset_m - radius_m if offset_m > 0.5 * radius_m else offset_m
    meta = {"label": str(lbl_path), "scaling_factor": sf, "unit_m": unit_m, "height_offset_m": base_m}
    elev = _ScaledMemmap(raw, sf * unit_m, base_m)
    x0 = -(spo + 0.5) * scale_m
    y0 = (lpo + 0.5) * scale_m
    return Dem(elev, x0, y0, scale_m, scale_m, radius_m, projection.SOUTH_POLAR_STEREO_PROJ4, str(lbl_path), meta)


class _ScaledMemmap:
    """Lazy ``raw * scale + offset`` over a memmap: indexing returns float64 metres, never the whole array."""

    def __init__(self, raw: np.ndarray, scale: float, offset: float):
        self.raw, self.scale, self.offset = raw, scale, offset
        self.shape = raw.shape
        self.ndim = 2
        self.dtype = np.dtype(np.float64)

    def __getitem__(self, idx):
        sub = self.raw[idx]
        if isinstance(sub, np.ndarray):
            return sub.astype(np.float64) * self.scale + self.offset
        return float(sub) * self.scale + self.offset

    def __array__(self, dtype=None, copy=None):
        out = self.raw.astype(np.float64) * self.scale + self.offset
        return out if dtype is None else out.astype(dtype)


def write_pds3_ldem(img_path: str | Path, dem: Dem, product_id: str = "LDEM_TEST", sample_type: str = "LSB_INTEGER",
                    scaling_factor: float = 0.5) -> Path:
    """Write ``dem`` as a LOLA-style PDS3 product (``.IMG`` + detached ``.LBL``); returns the label path.

    Integer products store ``DN = height / SCALING_FACTOR`` with ``OFFSET = 1737400 <METER>`` (LDEM_80S_20M
    style); ``PC_REAL`` stores heights in km with ``OFFSET = 1737.4`` (LDEM_875S_5M style).
    """
    img_path = Path(img_path)
    z = np.asarray(dem.elevation_m, dtype=np.float64)
    lines, samples = z.shape
    if abs(dem.dx_m - dem.dy_m) > 1e-9:
        raise DataError("PDS3 polar products need square pixels")
    if sample_type == "LSB_INTEGER":
        data, bits, unit, offset = np.round(z / scaling_factor).astype("<i2"), 16, "METER", "1737400"
    elif sample_type == "PC_REAL":
        data, bits, unit, offset, scaling_factor = (z / 1000.0).astype("<f4"), 32, "KILOMETER", "1737.4", 1.0
    else:
        raise DataError(f"write_pds3_ldem: sample_type {sample_type!r} not supported")
    data.tofile(img_path)
    spo = -dem.x0_m / dem.dx_m - 0.5
    lpo = dem.y0_m / dem.dy_m - 0.5
    lat_edge, _ = projection.stereo_to_latlon(max(abs(dem.x0_m), abs(dem.y0_m)), 0.0, dem.radius_m)
    label = f"""PDS_VERSION_ID            = "PDS3"

/*** GENERAL DATA DESCRIPTION PARAMETERS ***/
PRODUCT_VERSION_ID        = "V1.0"
DATA_SET_ID               = "LRO-L-LOLA-4-GDR-V1.0"
PRODUCT_ID                = "{product_id}"
INSTRUMENT_HOST_NAME      = "LUNAR RECONNAISSANCE ORBITER"
INSTRUMENT_NAME           = "LUNAR ORBITER LASER ALTIMETER"
INSTRUMENT_ID             = "LOLA"
TARGET_NAME               = MOON
PRODUCER_ID               = LRO_LOLA_TEAM
DESCRIPTION               = "Test product written by lunapole.terrain.dem.write_pds3_ldem
                             following the LOLA LDEM polar label layout."

/*** FILE FORMAT ***/
RECORD_TYPE               = FIXED_LENGTH
RECORD_BYTES              = {samples * bits // 8}
FILE_RECORDS              = {lines}

^IMAGE                    = "{img_path.name}"

OBJECT                    = IMAGE
  NAME                    = HEIGHT
  DESCRIPTION             = "Each sample represents height relative to a
    reference radius (OFFSET) and is generated from LOLA data."
  LINES                   = {lines}
  LINE_SAMPLES            = {samples}
  MAXIMUM                 = {np.max(data)}
  MINIMUM                 = {np.min(data)}
  SAMPLE_TYPE             = {sample_type}
  SAMPLE_BITS             = {bits}
  UNIT                    = {unit}
  SCALING_FACTOR          = {scaling_factor}
  OFFSET                  = {offset}
END_OBJECT                = IMAGE

OBJECT                    = IMAGE_MAP_PROJECTION
  ^DATA_SET_MAP_PROJECTION     = "DSMAP_POLAR.CAT"
  MAP_PROJECTION_TYPE          = "POLAR STEREOGRAPHIC"
  A_AXIS_RADIUS                = {dem.radius_m / 1000.0} <KM>
  B_AXIS_RADIUS                = {dem.radius_m / 1000.0} <KM>
  C_AXIS_RADIUS                = {dem.radius_m / 1000.0} <KM>
  FIRST_STANDARD_PARALLEL      = 'N/A'
  SECOND_STANDARD_PARALLEL     = 'N/A'
  POSITIVE_LONGITUDE_DIRECTION = "EAST"
  CENTER_LATITUDE              = -90.0 <DEG>
  CENTER_LONGITUDE             = 0.0 <DEG>
  REFERENCE_LATITUDE           = 'N/A'
  REFERENCE_LONGITUDE          = 'N/A'
  LINE_FIRST_PIXEL             = 1
  LINE_LAST_PIXEL              = {lines}
  SAMPLE_FIRST_PIXEL           = 1
  SAMPLE_LAST_PIXEL            = {samples}
  MAP_PROJECTION_ROTATION      = 0.0
  MAP_SCALE                    = {dem.dx_m} <METERS/PIXEL>
  MAXIMUM_LATITUDE             = {lat_edge:.4f} <DEG>
  MINIMUM_LATITUDE             = -90.0 <DEG>
  LINE_PROJECTION_OFFSET       = {lpo} <PIXEL>
  SAMPLE_PROJECTION_OFFSET     = {spo} <PIXEL>
  EASTERNMOST_LONGITUDE        = 180.0 <DEG>
  WESTERNMOST_LONGITUDE        = -180.0 <DEG>
  COORDINATE_SYSTEM_NAME       = "MEAN EARTH/POLAR AXIS OF DE421"
END_OBJECT                = IMAGE_MAP_PROJECTION

END
"""
    lbl_path = img_path.with_suffix(".LBL")
    lbl_path.write_text(label.replace("\n", "\r\n"))
    return lbl_path
