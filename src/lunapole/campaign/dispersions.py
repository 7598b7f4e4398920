"""Dispersion specs: the ``[dispersions]`` table of a scenario, validated, and its per-sample draws.

A campaign disperses three kinds of inputs (all optional, any combination)::

    [dispersions.values]                 # any numeric scenario value, by dotted path (as in overrides)
    "spacecraft.mass_kg" = { dist = "normal", sigma = 5.0 }           # mean = the nominal value
    "spacecraft.engines.main.isp_s" = { dist = "uniform", lo = 305.0, hi = 315.0 }
    "initial_state.ta_deg" = { dist = "truncnormal", sigma = 0.1, lo = -0.2, hi = 0.2, offset = true }

    [dispersions.navigation]             # standard error inputs (mean 0; a bare number = normal sigma)
    position_m = 100.0                   # per axis (east, north, up at the start of the descent)
    velocity_m_s = 0.5
    altimeter_bias_m = 5.0
    [dispersions.engine]
    thrust_frac = 0.01                   # relative thrust-magnitude error
    misalignment_deg = 0.2               # per axis (two axes normal to the thrust axis)
    isp_frac = 0.005
    [dispersions.mass]
    initial_kg = 5.0
    [dispersions.timing]
    start_s = 0.5                        # burn start time error
    duration_s = 0.2                     # burn duration error
    [dispersions.gravity]
    scale_frac = 0.001                   # mismodelling: true gravity = model x (1 + scale_frac)
    degree = { dist = "choice", values = [2, 10, 50] }   # truncation of the true field

    [dispersions.faults]
    engine_out = { probability = 0.01, thrust_loss_frac = 0.25 }        # at a uniform random time
    no_cutoff = { probability = 0.005, overrun_s = { dist = "uniform", lo = 20.0, hi = 60.0 } }

Every sample ``i`` of a campaign with seed ``s`` draws its inputs from its own generator,
``numpy.random.Generator(PCG64(SeedSequence(s, spawn_key=(i,))))`` -- the ``i``-th child of
``SeedSequence(s).spawn`` -- so a sample's inputs never depend on the chunking or the worker count.
Each input owns a fixed number of uniform variates of that stream, turned into the distribution by its
inverse CDF (exact for the truncated normal).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from lunapole.errors import ScenarioError

DISTRIBUTIONS = ("normal", "uniform", "truncnormal", "choice")
MODELS = ("auto", "descent_batch", "scenario")

# Standard error inputs: group -> name -> (components, unit/meaning). Mean 0 unless a spec says otherwise.
STANDARD_INPUTS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "navigation": {
        "position_m": (("east", "north", "up"), "navigation position error per axis (m)"),
        "velocity_m_s": (("east", "north", "up"), "navigation velocity error per axis (m/s)"),
        "altimeter_bias_m": (("",), "altimeter bias (m)"),
    },
    "engine": {
        "thrust_frac": (("",), "relative thrust-magnitude error (fraction)"),
        "misalignment_deg": (("x", "y"), "thrust misalignment per axis normal to the thrust axis (deg)"),
        "isp_frac": (("",), "relative specific-impulse error (fraction)"),
    },
    "mass": {"initial_kg": (("",), "initial-mass error (kg)")},
    "timing": {
        "start_s": (("",), "burn start-time error (s)"),
        "duration_s": (("",), "burn duration error (s)"),
    },
    "gravity": {
        "scale_frac": (("",), "gravity mismodelling: true field = model field x (1 + scale_frac)"),
        "degree": (("",), "truncation degree of the true gravity field (choice)"),
    },
}

FAULTS: dict[str, dict[str, str]] = {
    "engine_out": {
        "probability": "probability that one engine fails during the burn",
        "thrust_loss_frac": "fraction of total thrust lost (default: one of the engines)",
    },
    "no_cutoff": {
        "probability": "probability that the engine does not cut off on time (Luna-25, 2023-08-19)",
        "overrun_s": "how long the engine keeps firing past its commanded cut-off (s; default: to the "
        "step's backup timer -- Luna-25: planned 84 s, ran 127 s)",
    },
}


def _err(source: str, where: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: [dispersions] {where}: {message}")


@dataclass(frozen=True)
class Distribution:
    """One scalar distribution. ``mean=None`` means "the nominal value" (0 for error inputs).

    ``offset=True`` (values only): ``lo``/``hi``/``values`` are offsets from the nominal value.
    """

    dist: str
    sigma: float = 0.0
    mean: float | None = None
    lo: float | None = None
    hi: float | None = None
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    offset: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON-able form (for the manifest and its hash)."""
        out: dict[str, Any] = {"dist": self.dist}
        for key in ("sigma", "mean", "lo", "hi"):
            val = getattr(self, key)
            if val is not None and not (key == "sigma" and self.dist in ("uniform", "choice")):
                out[key] = val
        if self.dist == "choice":
            out["values"] = list(self.values)
            out["weights"] = list(self.weights)
        if self.offset:
            out["offset"] = True
        return out

    def sample(self, u: np.ndarray, nominal: float = 0.0) -> np.ndarray:
        """Map uniforms ``u`` in (0, 1) to draws (inverse CDF). Vectorized over ``u``."""
        centre = nominal if self.mean is None else self.mean
        shift = nominal if self.offset else 0.0
        if self.dist == "normal":
            return centre + self.sigma * ndtri(u)
        if self.dist == "uniform":
            return shift + self.lo + (self.hi - self.lo) * u
        if self.dist == "truncnormal":
            lo = -np.inf if self.lo is None else shift + self.lo
            hi = np.inf if self.hi is None else shift + self.hi
            a = ndtr((lo - centre) / self.sigma)
            b = ndtr((hi - centre) / self.sigma)
            x = centre + self.sigma * ndtri(a + (b - a) * u)
            return np.clip(x, lo, hi)  # guards the last ulp of ndtri near the bounds
        if self.dist == "choice":
            cum = np.cumsum(self.weights)
            cum /= cum[-1]
            idx = np.minimum(np.searchsorted(cum, u, side="right"), len(self.values) - 1)
            return shift + np.asarray(self.values, dtype=float)[idx]
        raise AssertionError(self.dist)


def parse_distribution(spec: Any, source: str, where: str, *, allow_offset: bool) -> Distribution:
    """Validate one distribution spec (a table, or a bare number = normal sigma)."""
    if isinstance(spec, bool):
        raise _err(source, where, f"expected a sigma or a table {{ dist = ... }}, got {spec!r}")
    if isinstance(spec, (int, float)):
        spec = {"dist": "normal", "sigma": spec}
    if not isinstance(spec, dict):
        raise _err(source, where, f"expected a sigma or a table {{ dist = ... }}, got {spec!r}")
    spec = dict(spec)
    dist = spec.pop("dist", None)
    if dist not in DISTRIBUTIONS:
        raise _err(source, where, f"dist = {dist!r}; use one of {', '.join(DISTRIBUTIONS)}")
    allowed = {
        "normal": {"sigma", "mean"},
        "uniform": {"lo", "hi"},
        "truncnormal": {"sigma", "mean", "lo", "hi"},
        "choice": {"values", "weights"},
    }[dist] | ({"offset"} if allow_offset else set())
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise _err(source, where, f"unknown key(s) {unknown} for dist = {dist!r}; allowed: {sorted(allowed)}")

    def num(key: str, required: bool) -> float | None:
        if key not in spec:
            if required:
                raise _err(source, where, f"dist = {dist!r} needs {key} = <number>")
            return None
        val = spec[key]
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
            raise _err(source, where, f"{key} = {val!r} must be a finite number")
        return float(val)

    offset = bool(spec.get("offset", False))
    if dist in ("normal", "truncnormal"):
        sigma = num("sigma", True)
        if sigma <= 0.0:
            raise _err(source, where, f"sigma = {sigma} must be positive (drop the entry for no dispersion)")
        mean = num("mean", False)
        if dist == "normal":
            return Distribution(dist, sigma=sigma, mean=mean, offset=offset)
        lo, hi = num("lo", False), num("hi", False)
        if lo is None and hi is None:
            raise _err(source, where, "dist = 'truncnormal' needs lo and/or hi (else use 'normal')")
        if lo is not None and hi is not None and not lo < hi:
            raise _err(source, where, f"lo = {lo} must be less than hi = {hi}")
        return Distribution(dist, sigma=sigma, mean=mean, lo=lo, hi=hi, offset=offset)
    if dist == "uniform":
        lo, hi = num("lo", True), num("hi", True)
        if not lo < hi:
            raise _err(source, where, f"lo = {lo} must be less than hi = {hi}")
        return Distribution(dist, lo=lo, hi=hi, offset=offset)
    values = spec.get("values")
    if not isinstance(values, list) or not values or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    ):
        raise _err(source, where, f"dist = 'choice' needs values = [numbers, ...], got {values!r}")
    weights = spec.get("weights", [1.0] * len(values))
    if (
        not isinstance(weights, list)
        or len(weights) != len(values)
        or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise _err(source, where, f"weights must be {len(values)} non-negative numbers with a positive sum")
    return Distribution(
        "choice", values=tuple(float(v) for v in values), weights=tuple(float(w) for w in weights), offset=offset
    )


def _resolve(raw: dict, path: str) -> Any:
    """The value at a dotted ``path`` of a raw scenario dict; list items addressed by ``name`` or index."""
    node: Any = raw
    parts = [p for p in re.split(r"[.\[\]]+", path) if p != ""]  # "sequence[2].dv_m_s" as in overrides
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                raise KeyError(part, sorted(node))
            node = node[part]
        elif isinstance(node, list):
            match = [item for item in node if isinstance(item, dict) and item.get("name") == part]
            if match:
                node = match[0]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                names = [item.get("name") for item in node if isinstance(item, dict)]
                raise KeyError(part, [n for n in names if n])
        else:
            raise KeyError(part, [])
    return node


def _flatten_values(table: dict, prefix: str = "") -> dict[str, Any]:
    """``[dispersions.values]`` with quoted ("a.b") or unquoted (a.b, nested tables) dotted keys."""
    out: dict[str, Any] = {}
    for key, val in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(val, dict) and "dist" not in val:
            out.update(_flatten_values(val, path))
        else:
            out[path] = val
    return out


@dataclass(frozen=True)
class Fault:
    """A discrete fault: happens with ``probability``; ``params`` are its distributions/constants."""

    probability: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DispersionSpec:
    """The validated ``[dispersions]`` table.

    ``values``: dotted path -> (Distribution, nominal value, is_integer).
    ``standard``: "group.name" -> Distribution (error inputs, mean 0 by default).
    ``faults``: name -> Fault.
    """

    values: dict[str, tuple[Distribution, float, bool]] = field(default_factory=dict)
    standard: dict[str, Distribution] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    model: str = "auto"
    step: str | None = None

    # ---- layout of a sample's uniform variates and of the stored input columns ----
    def layout(self) -> list[tuple[str, int]]:
        """(column-group name, number of uniforms) in draw order; fixed by the spec alone."""
        out: list[tuple[str, int]] = [(f"value:{p}", 1) for p in self.values]
        for key in self.standard:
            group, name = key.split(".")
            out.append((f"std:{key}", len(STANDARD_INPUTS[group][name][0])))
        for name in self.faults:
            out.append((f"fault:{name}", 3))  # occurs?, when (fraction of burn), magnitude
        return out

    @property
    def n_uniforms(self) -> int:
        """Uniform variates each sample consumes."""
        return sum(n for _, n in self.layout())

    def input_columns(self) -> list[str]:
        """Names of the stored input columns, in order (``in.`` prefix)."""
        cols: list[str] = []
        for path in self.values:
            cols.append(f"in.{path}")
        for key in self.standard:
            group, name = key.split(".")
            comps = STANDARD_INPUTS[group][name][0]
            cols.extend(f"in.{key}" if c == "" else f"in.{key}.{c}" for c in comps)
        for name in self.faults:
            cols.extend(_fault_columns(name))
        cols.append("noise_seed")
        return cols

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON-able form (manifest)."""
        return {
            "values": {p: {**d.to_dict(), "nominal": nom} for p, (d, nom, _) in self.values.items()},
            "standard": {k: d.to_dict() for k, d in self.standard.items()},
            "faults": {
                k: {"probability": f.probability, **{p: _param_dict(v) for p, v in f.params.items()}}
                for k, f in self.faults.items()
            },
            "model": self.model,
            "step": self.step,
        }

    def canonical_json(self) -> str:
        """Stable text of the spec, for hashing."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    # ---- drawing ----
    def uniforms(self, seed: int, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(len(indices), n_uniforms) variates in (0, 1) and one 63-bit noise seed per sample.

        Sample ``i`` draws from ``Generator(PCG64(SeedSequence(seed, spawn_key=(i,))))``: first its
        uniforms, then the noise seed that models with internal noise (navigation white noise) key on.
        """
        k = self.n_uniforms
        out = np.empty((len(indices), k))
        seeds = np.empty(len(indices), dtype=np.int64)
        for row, i in enumerate(indices):
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(i),))))
            out[row] = gen.random(k)
            seeds[row] = gen.integers(0, 2**63 - 1, dtype=np.int64)
        # gen.random() is a multiple of 2**-53 in [0, 1 - 2**-53]; shift half a step into (0, 1).
        out += 2.0**-54
        return out, seeds

    def draw(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        """Input columns (``in.`` names) for the given sample indices."""
        u, noise_seed = self.uniforms(seed, np.asarray(indices))
        cols: dict[str, np.ndarray] = {}
        j = 0
        for path, (dist, nominal, is_int) in self.values.items():
            x = dist.sample(u[:, j], nominal)
            cols[f"in.{path}"] = np.rint(x) if is_int else x
            j += 1
        for key, dist in self.standard.items():
            group, name = key.split(".")
            comps = STANDARD_INPUTS[group][name][0]
            for c in comps:
                cols[f"in.{key}" if c == "" else f"in.{key}.{c}"] = dist.sample(u[:, j], 0.0)
                j += 1
        for name, fault in self.faults.items():
            occurs = u[:, j] < fault.probability
            when = u[:, j + 1]
            mag_u = u[:, j + 2]
            j += 3
            c_occ, c_when, c_mag = _fault_columns(name)
            cols[c_occ] = occurs
            if name == "engine_out":
                cols[c_when] = np.where(occurs, when, np.nan)
                loss = fault.params.get("thrust_loss_frac")
                mag = np.full(len(u), np.nan if loss is None else float(loss))
                cols[c_mag] = np.where(occurs, mag, np.nan)
            else:  # no_cutoff: the overrun magnitude
                over = fault.params["overrun_s"]
                if isinstance(over, Distribution):
                    mag = over.sample(mag_u, 0.0)
                else:  # a constant, or None = "runs to the backup timer" (NaN in the table)
                    mag = np.full(len(u), np.nan if over is None else over)
                cols[c_when] = np.where(occurs, 1.0, np.nan)  # at the commanded cut-off
                cols[c_mag] = np.where(occurs, mag, np.nan)
        cols["noise_seed"] = noise_seed
        return cols

    def overrides(self, inputs: dict[str, np.ndarray], row: int) -> list[str]:
        """``path=value`` override strings of the ``values`` part for one drawn sample."""
        out = []
        for path, (_, _, is_int) in self.values.items():
            x = inputs[f"in.{path}"][row]
            out.append(f"{path}={int(x)}" if is_int else f"{path}={float(x)!r}")
        return out


def _fault_columns(name: str) -> tuple[str, str, str]:
    if name == "engine_out":
        return ("fault.engine_out", "fault.engine_out.time_frac", "fault.engine_out.thrust_loss_frac")
    return ("fault.no_cutoff", "fault.no_cutoff.time_frac", "fault.no_cutoff.overrun_s")


def _param_dict(value: Any) -> Any:
    return value.to_dict() if isinstance(value, Distribution) else value


def parse_dispersions(table: Any, raw_scenario: dict, source: str) -> DispersionSpec:
    """Validate a ``[dispersions]`` table against its scenario (a raw TOML dict).

    Raises :class:`ScenarioError` naming the file, the field and the fix for anything impossible:
    unknown sections or names, unknown or non-numeric value paths, negative sigma, lo >= hi,
    probabilities outside [0, 1].
    """
    if table is None:
        return DispersionSpec()
    if not isinstance(table, dict):
        raise _err(source, "", f"must be a table, got {type(table).__name__}")
    known = {"values", "faults", "model", "step", *STANDARD_INPUTS}
    unknown = sorted(set(table) - known)
    if unknown:
        raise _err(source, "", f"unknown section(s) {unknown}; allowed: {sorted(known)}")

    values: dict[str, tuple[Distribution, float, bool]] = {}
    vtable = table.get("values", {})
    if not isinstance(vtable, dict):
        raise _err(source, "values", "must be a table of \"dotted.path\" = { dist = ... }")
    for path, spec in _flatten_values(vtable).items():
        where = f"values.{path!r}"
        try:
            nominal = _resolve(raw_scenario, path)
        except KeyError as exc:
            part, choices = exc.args[0], exc.args[1]
            hint = f"; available there: {', '.join(map(str, choices))}" if choices else ""
            raise _err(source, where, f"no field {part!r} in the scenario{hint}") from None
        if isinstance(nominal, bool) or not isinstance(nominal, (int, float)):
            raise _err(source, where, f"the scenario value is {nominal!r}, not a number; only numbers can be dispersed")
        dist = parse_distribution(spec, source, where, allow_offset=True)
        values[path] = (dist, float(nominal), isinstance(nominal, int))

    standard: dict[str, Distribution] = {}
    for group, names in STANDARD_INPUTS.items():
        gtable = table.get(group)
        if gtable is None:
            continue
        if not isinstance(gtable, dict):
            raise _err(source, group, "must be a table")
        for name, spec in gtable.items():
            if name not in names:
                raise _err(source, f"{group}.{name}", f"unknown input; allowed in [{group}]: {', '.join(names)}")
            dist = parse_distribution(spec, source, f"{group}.{name}", allow_offset=False)
            if name == "degree" and dist.dist != "choice":
                raise _err(source, "gravity.degree", "use { dist = \"choice\", values = [degrees...] }")
            if name == "degree" and any(v < 0 or v != int(v) for v in dist.values):
                raise _err(source, "gravity.degree", f"degrees must be non-negative integers, got {list(dist.values)}")
            standard[f"{group}.{name}"] = dist

    faults: dict[str, Fault] = {}
    ftable = table.get("faults", {})
    if not isinstance(ftable, dict):
        raise _err(source, "faults", "must be a table")
    for name, spec in ftable.items():
        if name not in FAULTS:
            raise _err(source, f"faults.{name}", f"unknown fault; allowed: {', '.join(FAULTS)}")
        if not isinstance(spec, dict):
            raise _err(source, f"faults.{name}", "must be a table { probability = ..., ... }")
        unknown = sorted(set(spec) - set(FAULTS[name]))
        if unknown:
            raise _err(source, f"faults.{name}", f"unknown key(s) {unknown}; allowed: {sorted(FAULTS[name])}")
        prob = spec.get("probability")
        if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0.0 <= prob <= 1.0:
            raise _err(source, f"faults.{name}.probability", f"{prob!r} must be a number in [0, 1]")
        params: dict[str, Any] = {}
        if name == "engine_out" and "thrust_loss_frac" in spec:
            loss = spec["thrust_loss_frac"]
            if isinstance(loss, bool) or not isinstance(loss, (int, float)) or not 0.0 < loss <= 1.0:
                raise _err(source, "faults.engine_out.thrust_loss_frac", f"{loss!r} must be in (0, 1]")
            params["thrust_loss_frac"] = float(loss)
        if name == "no_cutoff":
            over = spec.get("overrun_s")
            if over is None:  # the burn runs to its backup timer (the scenario step's backup_timer_s)
                params["overrun_s"] = None
            elif isinstance(over, (int, float)) and not isinstance(over, bool):
                if over <= 0:
                    raise _err(source, "faults.no_cutoff.overrun_s", f"{over} must be positive")
                params["overrun_s"] = float(over)
            else:
                params["overrun_s"] = parse_distribution(over, source, "faults.no_cutoff.overrun_s", allow_offset=False)
        faults[name] = Fault(float(prob), params)
    model = table.get("model", "auto")
    if not isinstance(model, str) or not (model in MODELS or ":" in model):
        raise _err(
            source, "model", f"{model!r}; use one of {', '.join(MODELS)} or 'package.module:function' "
            "(a custom vectorized sample function)"
        )
    step = table.get("step")
    if step is not None and (not isinstance(step, str) or not step):
        raise _err(source, "step", f"{step!r} must be the name of a step of the scenario sequence")
    return DispersionSpec(values=values, standard=standard, faults=faults, model=model, step=step)
