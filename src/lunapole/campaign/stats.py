"""Campaign statistics: success probability (Wilson interval), landing ellipse, propellant margin,
failure reasons, and which dispersed input drives failure.

Conventions (docs/montecarlo.md):

- Wilson score interval (Wilson 1927; "method 3" of Newcombe 1998, Stat Med 17:857), no continuity
  correction, z = 1.959964 for 95 %.
- Landing dispersion over every sample with a touchdown point (success or not): sample mean and
  covariance (ddof = 1) of (east, north) in metres from the target. The "3-sigma ellipse" has semi-axes
  3 * sqrt(eigenvalues) of that covariance -- 3 sigma along each principal axis. For a 2-D Gaussian it
  contains 1 - exp(-9/2) = 98.89 % of landings (chi-square, 2 degrees of freedom); the 99 % ellipse would
  be sqrt(9.2103) = 3.035 sigma. Orientation: azimuth of the major axis, degrees clockwise from north, in
  [0, 180).
- Sensitivity: for each dispersed input, the point-biserial correlation (Pearson r between the input and
  the 0/1 failure indicator) and the Spearman rank correlation (same on average ranks, robust to
  outliers and monotone nonlinearity). Ranked by |Spearman|; an |r| above 1.96 / sqrt(n) is
  significant at about 5 % under the null of no association.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

Z95 = 1.959963984540054  # standard normal 97.5 % quantile
ELLIPSE_SIGMA = 3.0
ELLIPSE_CONTAINMENT = 1.0 - math.exp(-ELLIPSE_SIGMA**2 / 2.0)  # 0.98889, chi-square 2 dof


def column_array(table: pa.Table, name: str) -> np.ndarray:
    """A numeric/bool column as numpy (nulls -> NaN) straight from the Arrow buffers.

    ``pyarrow``'s own ``to_numpy`` imports pandas (about a second per process), which the campaign never
    needs otherwise.
    """
    arr = table.column(name).combine_chunks()
    n, off = len(arr), arr.offset
    validity, data = arr.buffers()[0], arr.buffers()[1]
    if pa.types.is_boolean(arr.type):
        bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")[off:off + n].astype(bool)
        if validity is not None:
            raise ValueError(f"column {name!r}: boolean nulls are not expected")
        return bits
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        dtype = np.dtype(arr.type.to_pandas_dtype())
        out = np.frombuffer(data, dtype)[off:off + n].astype(np.float64 if validity is not None else dtype)
        if validity is not None:
            valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")[off:off + n].astype(bool)
            out[~valid] = np.nan
        return out
    return np.asarray(arr.to_pylist())


def rankdata(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based; ties share the mean of their ranks), as ``scipy.stats.rankdata``."""
    x = np.asarray(x)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(x)]
    avg = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(len(x))
    ranks[order] = avg[group]
    return ranks


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (no continuity correction)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def error_ellipse(cov: np.ndarray, k_sigma: float = ELLIPSE_SIGMA) -> dict[str, float]:
    """Semi-axes (k sigma along each principal axis) and major-axis azimuth of a 2x2 (east, north) covariance."""
    cov = np.asarray(cov, dtype=float)
    vals, vecs = np.linalg.eigh(cov)  # ascending eigenvalues
    vals = np.clip(vals, 0.0, None)
    major = vecs[:, 1]  # (east, north) components
    azimuth = math.degrees(math.atan2(major[0], major[1])) % 180.0
    return {
        "semi_major": k_sigma * math.sqrt(vals[1]),
        "semi_minor": k_sigma * math.sqrt(vals[0]),
        "orientation_deg": azimuth,
    }


def landing_dispersion(east_m: np.ndarray, north_m: np.ndarray) -> dict[str, Any]:
    """Mean, covariance and 3-sigma ellipse of touchdown points (non-finite points ignored)."""
    ok = np.isfinite(east_m) & np.isfinite(north_m)
    e, nn = np.asarray(east_m)[ok], np.asarray(north_m)[ok]
    if len(e) < 2:
        return {"count": int(len(e)), "mean_m": None, "covariance_m2": None, "ellipse_3sigma_m": None}
    cov = np.cov(np.vstack([e, nn]), ddof=1)
    return {
        "count": int(len(e)),
        "mean_m": [float(e.mean()), float(nn.mean())],
        "covariance_m2": cov.tolist(),
        "ellipse_3sigma_m": error_ellipse(cov),
        "ellipse_containment": ELLIPSE_CONTAINMENT,
    }


def percentiles(values: np.ndarray, qs: tuple[float, ...] = (1, 50, 99)) -> dict[str, float] | None:
    """Named percentiles (``p01``, ``p50``, ...) of the finite values (linear interpolation)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return None
    return {f"p{int(q):02d}": float(np.percentile(v, q)) for q in qs}


def sensitivity(table: pa.Table, failed: np.ndarray) -> list[dict[str, Any]]:
    """Point-biserial and Spearman correlation of each dispersed input with failure, strongest first."""
    y = failed.astype(float)
    n = len(y)
    if n < 3 or y.min() == y.max():
        return []
    ry = rankdata(y)
    out = []
    for name in table.column_names:
        if not (name.startswith("in.") or name in {"fault.engine_out", "fault.no_cutoff"}):
            continue
        x = column_array(table, name).astype(float)
        if not np.all(np.isfinite(x)) or x.min() == x.max():
            continue
        r = float(np.corrcoef(x, y)[0, 1])
        rho = float(np.corrcoef(rankdata(x), ry)[0, 1])
        out.append({"input": name, "point_biserial": r, "spearman": rho})
    out.sort(key=lambda d: -abs(d["spearman"]))
    thr = Z95 / math.sqrt(n)
    for d in out:
        d["significant"] = abs(d["spearman"]) > thr
    return out


def summarize(table: pa.Table) -> dict[str, Any]:
    """The campaign summary printed by ``--json`` and stored in ``summary.json``."""
    success = column_array(table, "success").astype(bool)
    n = len(success)
    k = int(success.sum())
    lo, hi = wilson_interval(k, n)
    reasons = table.column("failure_reason").to_pylist()
    counts: dict[str, int] = {}
    for s, r in zip(success, reasons):
        if not s:
            key = r or "failure"
            counts[key] = counts.get(key, 0) + 1
    east = column_array(table, "landing_east_m")
    north = column_array(table, "landing_north_m")
    disp = landing_dispersion(east, north)
    summary = {
        "n": n,
        "successes": k,
        "success_probability": k / n if n else float("nan"),
        "ci95": [lo, hi],
        "ellipse_3sigma_m": disp["ellipse_3sigma_m"],
        "propellant_margin_kg": percentiles(column_array(table, "propellant_margin_kg")),
        "failure_reasons": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        "landing": disp,
        "sensitivity": sensitivity(table, ~success)[:10],
    }
    return _json_safe(summary)


def _json_safe(obj: Any) -> Any:
    """NaN/inf -> None, numpy scalars -> Python (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
