"""Force model of a Moon orbiter: gravity field (or point mass), Earth/Sun third bodies, SRP, thrust.

Accelerations, all in the Moon-centred J2000 frame:

* central body: point mass ``-GM r / r^3`` or the spherical-harmonic field evaluated in the body frame
  (``MOON_PA`` for GRAIL fields, ``IAU_MOON`` for comparisons): ``a = R^T a_body(R r)``;
* third body ``b`` at ``s`` (relative to the Moon): ``GM_b ((s - r)/|s - r|^3 - s/|s|^3)`` evaluated in
  Battin's form (Battin 1999, eq. 8.61; Montenbruck & Gill 2000, eq. 3.37), see
  :func:`lunapole.kernels.orbit_forces.third_body_accel`;
* solar radiation pressure, cannonball: ``a = P(1 AU) (AU / d)^2 Cr A / m * (r - s_sun)/d`` with a
  cylindrical Moon shadow (no penumbra; Montenbruck & Gill sec. 3.4);
* thrust ``F/m`` along a chosen direction, mass flow ``-F/(Isp g0)``.

Ephemerides and body-frame rotations are sampled once per propagation from SPICE (via
:mod:`lunapole.astro`) onto piecewise Chebyshev polynomials (``SEGMENT_S`` long, degree ``CHEB_DEGREE``,
on a fixed grid of epochs and cached per ForceModel so repeated runs reuse them); the compiled right-hand
side interpolates them. tests/orbit/test_forces.py checks the interpolation
against direct SPICE calls (< 1e-3 m in position, < 1e-10 rad in rotation).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np

from lunapole.astro.constants import (
    AU_M,
    EARTH_GM_M3_S2,
    MOON_GM_M3_S2,
    MOON_MEAN_RADIUS_M,
    SOLAR_PRESSURE_1AU_N_M2,
    SUN_GM_M3_S2,
)
from lunapole.errors import ScenarioError
from lunapole.kernels import orbit_forces as K

SEGMENT_S = 21600.0
CHEB_DEGREE = 12
MAX_CACHED_SEGMENTS = 4000  # ~1000 days of 6 h segments
THIRD_BODY_GM_M3_S2 = {"EARTH": EARTH_GM_M3_S2, "SUN": SUN_GM_M3_S2}
BODY_FRAMES = ("MOON_PA", "IAU_MOON", "MOON_ME", "J2000")  # J2000: field axes fixed in inertial space (tests)


@dataclass(frozen=True, eq=False)
class ForceModel:
    """What accelerates the spacecraft (see the module docstring).

    ``field``: :class:`lunapole.gravity.SphericalHarmonicField` or None (point-mass Moon with
    ``central_gm``); ``body_frame``: frame the field is evaluated in (default: the field's own frame);
    ``third_bodies``: subset of ("EARTH", "SUN"); ``srp``: ``(area_m2, cr)`` or None;
    ``ephemeris``: "DE421" | "DE440"; ``third_body_gm``: optional overrides {name: GM m^3/s^2}.
    """

    field: object | None = None
    body_frame: str | None = None
    third_bodies: tuple = ("EARTH", "SUN")
    srp: tuple | None = None
    ephemeris: str = "DE421"
    central_gm: float = MOON_GM_M3_S2
    third_body_gm: dict = dc_field(default_factory=dict)
    shadow_radius_m: float = MOON_MEAN_RADIUS_M
    _table_cache: dict = dc_field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        bodies = tuple(str(b).upper() for b in self.third_bodies)
        for b in bodies:
            if b not in THIRD_BODY_GM_M3_S2:
                raise ScenarioError(f"ForceModel: third body {b!r} not supported; choose from "
                                    f"{sorted(THIRD_BODY_GM_M3_S2)}")
        object.__setattr__(self, "third_bodies", bodies)
        frame = self.body_frame
        if frame is None:
            frame = getattr(self.field, "frame", "MOON_PA") if self.field is not None else "MOON_PA"
        frame = str(frame).upper()
        if frame not in BODY_FRAMES:
            raise ScenarioError(f"ForceModel: body_frame {frame!r} not in {BODY_FRAMES}")
        object.__setattr__(self, "body_frame", frame)
        if self.srp is not None:
            if len(self.srp) != 2 or not (self.srp[0] >= 0 and self.srp[1] >= 0):
                raise ScenarioError(f"ForceModel: srp must be (area_m2 >= 0, cr >= 0), got {self.srp}")
            if "SUN" not in bodies:
                raise ScenarioError("ForceModel: srp needs the Sun's position; add 'SUN' to third_bodies")

    @property
    def gm_m3_s2(self) -> float:
        """GM of the Moon as used: the field's GM when a field is given, else ``central_gm``."""
        return float(self.field.gm_m3_s2) if self.field is not None else float(self.central_gm)

    def _segments(self, k_lo: int, k_hi: int, terrain: bool) -> tuple[np.ndarray, int, int]:
        """Chebyshev table for grid segments k_lo..k_hi-1 (cached), with the MOON_ME and body offsets."""
        cache = self._table_cache
        missing = [k for k in range(k_lo, k_hi) if (terrain, k) not in cache]
        layout = cache.get(("layout", terrain))
        # contiguous runs of missing segments are sampled in one SPICE call each
        runs: list[list[int]] = []
        for k in missing:
            if runs and runs[-1][-1] == k - 1:
                runs[-1].append(k)
            else:
                runs.append([k])
        for run in runs:
            meta = {}

            def func(ets, meta=meta):
                vals, meta["rot_me"], meta["body_off"] = _sample_components(self, ets, terrain)
                return vals

            tab = chebyshev_table(func, run[0] * SEGMENT_S, len(run), SEGMENT_S, CHEB_DEGREE)
            for i, k in enumerate(run):
                cache[(terrain, k)] = tab[i]
            layout = (meta["rot_me"], meta["body_off"])
            cache[("layout", terrain)] = layout
        if len(cache) > 4 * MAX_CACHED_SEGMENTS:  # bound the memory of very long campaigns
            for key in [key for key in cache if key[0] != "layout"][:-MAX_CACHED_SEGMENTS]:
                del cache[key]
        tab = np.ascontiguousarray(np.stack([cache[(terrain, k)] for k in range(k_lo, k_hi)]))
        return tab, layout[0], layout[1]

    def needs_spice(self, terrain: bool = False) -> bool:
        return self.field is not None or bool(self.third_bodies) or terrain

    def prepare(self, t_start: float, t_end: float, burn=None, terrain: bool = False) -> "PreparedForces":
        """Sample ephemerides/rotations over [t_start, t_end] and pack the compiled-kernel inputs."""
        return PreparedForces.build(self, t_start, t_end, burn, terrain)


def _sample_components(fm: ForceModel, ets: np.ndarray, terrain: bool) -> tuple[np.ndarray, int, int]:
    """(N, ncomp) values at ``ets``: rotation J2000->body (9), [J2000->MOON_ME (9)], bodies (3 each)."""
    cols = []
    if fm.field is not None and fm.body_frame != "J2000":
        from lunapole.astro import frames

        cols.append(frames.rotation("J2000", fm.body_frame, ets, ephemeris=fm.ephemeris).reshape(len(ets), 9))
    else:
        cols.append(np.tile(np.eye(3).reshape(1, 9), (len(ets), 1)))
    rot_me = -1
    if terrain:
        from lunapole.astro import frames

        rot_me = 9
        cols.append(frames.rotation("J2000", "MOON_ME", ets, ephemeris=fm.ephemeris).reshape(len(ets), 9))
    body_offset = sum(c.shape[1] for c in cols)
    if fm.third_bodies:
        from lunapole.astro import ephemeris

        for b in fm.third_bodies:
            cols.append(ephemeris.position_m(b, ets, center="MOON", frame="J2000", ephemeris=fm.ephemeris))
    return np.concatenate(cols, axis=1), rot_me, body_offset


def chebyshev_table(func, t0: float, nseg: int, seg_len: float, degree: int) -> np.ndarray:
    """Piecewise Chebyshev interpolation table (nseg, degree + 1, ncomp) of ``func(ets) -> (N, ncomp)``.

    Interpolates at the Chebyshev points of the first kind of every segment (near-minimax).
    """
    k = np.arange(degree + 1)
    x = np.cos(np.pi * (k + 0.5) / (degree + 1))  # nodes in [-1, 1]
    starts = t0 + seg_len * np.arange(nseg)
    ets = (starts[:, None] + 0.5 * seg_len * (x[None, :] + 1.0)).reshape(-1)
    values = np.asarray(func(ets))
    ncomp = values.shape[1]
    values = values.reshape(nseg, degree + 1, ncomp)
    # discrete Chebyshev transform at first-kind nodes
    T = np.cos(np.outer(np.arange(degree + 1), np.arccos(x)))  # (j, node)
    coef = np.einsum("jk,skc->sjc", T, values) * (2.0 / (degree + 1))
    coef[:, 0, :] *= 0.5
    return np.ascontiguousarray(coef)


def _readonly(a, dtype) -> np.ndarray:
    """C-contiguous read-only view of ``a``: the gravity tables of a field are read-only, and numba compiles
    a separate machine-code version of every kernel for each array type (writable and read-only arrays are
    different types), so the point-mass tables must be read-only too (benchmarks/RESULTS-coldstart.md)."""
    view = np.ascontiguousarray(a, dtype=dtype).view()
    view.flags.writeable = False
    return view


@dataclass(eq=False)
class PreparedForces:
    """Arrays handed to the compiled kernels for one propagation span (see kernels.orbit_forces)."""

    fp: np.ndarray
    tables: np.ndarray
    col_start: np.ndarray
    work: np.ndarray
    tab: np.ndarray
    force_model: ForceModel
    t_min: float
    t_max: float

    @classmethod
    def build(cls, fm: ForceModel, t_start: float, t_end: float, burn=None, terrain: bool = False):
        # segments on a fixed grid (multiples of SEGMENT_S past J2000), cached per force model: Monte Carlo
        # runs near the same epoch reuse the SPICE samples instead of recomputing them
        k_lo = int(np.floor((min(t_start, t_end) - 60.0) / SEGMENT_S))
        k_hi = max(k_lo + 1, int(np.ceil((max(t_start, t_end) + 60.0) / SEGMENT_S)))
        lo, hi = k_lo * SEGMENT_S, k_hi * SEGMENT_S
        nseg = k_hi - k_lo
        tab, rot_me, body_off = fm._segments(k_lo, k_hi, terrain)
        fp = np.zeros(K.FP_SIZE)
        fp[K.FP_GM_CENTRAL] = fm.central_gm
        if fm.field is not None:
            gm, rref, nmax, mmax, tables, col_start, work = fm.field.kernel_args()
            fp[K.FP_FIELD_ON] = 1.0
            fp[K.FP_FIELD_GM] = gm
            fp[K.FP_FIELD_RREF] = rref
            fp[K.FP_FIELD_NMAX] = nmax
            fp[K.FP_FIELD_MMAX] = mmax
        else:
            from lunapole.kernels.gravity import build_tables, new_work

            tables, col_start = build_tables(np.ones((1, 1)), np.zeros((1, 1)), 0, 0)
            work = new_work(0)
        fp[K.FP_N_THIRD] = len(fm.third_bodies)
        for i, b in enumerate(fm.third_bodies):
            fp[K.FP_GM_THIRD + i] = fm.third_body_gm.get(b, THIRD_BODY_GM_M3_S2[b])
        fp[K.FP_SUN_INDEX] = fm.third_bodies.index("SUN") if "SUN" in fm.third_bodies else -1
        if fm.srp is not None:
            fp[K.FP_SRP_ON] = 1.0
            fp[K.FP_SRP_CR_AREA] = float(fm.srp[0]) * float(fm.srp[1])
            fp[K.FP_SRP_P_AU2] = SOLAR_PRESSURE_1AU_N_M2 * AU_M * AU_M
        fp[K.FP_SHADOW_R] = fm.shadow_radius_m
        fp[K.FP_TAB_T0] = lo
        fp[K.FP_TAB_SEG] = SEGMENT_S
        fp[K.FP_TAB_NSEG] = nseg
        fp[K.FP_ROT_ME] = rot_me
        fp[K.FP_BODY_OFFSET] = body_off
        if burn is not None:
            fp[K.FP_THRUST_N] = burn.actual_thrust_n
            fp[K.FP_MDOT] = burn.mass_flow_kg_s
            mode = {"along_velocity": 1, "against_velocity": 2, "inertial": 3}[burn.direction]
            fp[K.FP_DIR_MODE] = mode
            if mode == 3:
                fp[K.FP_DIR_X:K.FP_DIR_X + 3] = burn.unit_direction_j2000()
        return cls(fp, _readonly(tables, np.float64), _readonly(col_start, np.int64), work, tab, fm, lo, hi)

    def with_burn(self, burn) -> "PreparedForces":
        """Same tables, thrust switched on/off (``burn`` None: coasting)."""
        fp = self.fp.copy()
        fp[K.FP_THRUST_N] = fp[K.FP_MDOT] = fp[K.FP_DIR_MODE] = 0.0
        fp[K.FP_DIR_X:K.FP_DIR_X + 3] = 0.0
        if burn is not None:
            fp[K.FP_THRUST_N] = burn.actual_thrust_n
            fp[K.FP_MDOT] = burn.mass_flow_kg_s
            mode = {"along_velocity": 1, "against_velocity": 2, "inertial": 3}[burn.direction]
            fp[K.FP_DIR_MODE] = mode
            if mode == 3:
                fp[K.FP_DIR_X:K.FP_DIR_X + 3] = burn.unit_direction_j2000()
        return PreparedForces(fp, self.tables, self.col_start, self.work.copy(), self.tab, self.force_model,
                              self.t_min, self.t_max)

    def relative_to(self, t_ref: float) -> "PreparedForces":
        """Copy whose kernel time argument is ``t - t_ref`` (the integrator works in time since ``t_ref``
        so that step times keep full double precision: absolute TDB seconds ~1e9 only resolve ~1e-7 s)."""
        fp = self.fp.copy()
        fp[K.FP_TAB_T0] -= t_ref
        return PreparedForces(fp, self.tables, self.col_start, self.work.copy(), self.tab, self.force_model,
                              self.t_min, self.t_max)

    def acceleration(self, t: float, y) -> np.ndarray:
        """dy/dt (7,) from the compiled kernel (for tests and diagnostics)."""
        y = np.ascontiguousarray(y, dtype=np.float64)  # the propagator's array types: no extra compile
        if y.shape[0] == 6:
            y = np.concatenate([y, [1000.0]])
        out = np.empty(7)
        w = np.zeros(self.tab.shape[2] + 8)
        K.rhs(float(t), y, self.fp, self.tables, self.col_start, self.work, self.tab, w, out)
        return out


def rhs_numpy(fm: ForceModel, t: float, y, burn=None) -> np.ndarray:
    """Pure-numpy twin of the compiled right-hand side using direct SPICE calls (no interpolation),
    the gravity package's numpy reference and the textbook third-body difference (tests only)."""
    y = np.asarray(y, float)
    r, v, m = y[:3], y[3:6], y[6]
    if fm.field is not None:
        from lunapole.astro import frames
        from lunapole.gravity.reference import acceleration_numpy

        R = np.eye(3) if fm.body_frame == "J2000" else frames.rotation("J2000", fm.body_frame, t,
                                                                         ephemeris=fm.ephemeris)
        a = R.T @ np.asarray(acceleration_numpy(fm.field, R @ r)).reshape(3)
    else:
        a = -fm.central_gm * r / np.linalg.norm(r) ** 3
    sun = None
    if fm.third_bodies:
        from lunapole.astro import ephemeris

        for b in fm.third_bodies:
            s = ephemeris.position_m(b, t, center="MOON", frame="J2000", ephemeris=fm.ephemeris)
            a = a + K.third_body_accel_naive(r, s, fm.third_body_gm.get(b, THIRD_BODY_GM_M3_S2[b]))
            if b == "SUN":
                sun = s
    if fm.srp is not None and sun is not None:
        u = sun / np.linalg.norm(sun)
        proj = r @ u
        lit = proj >= 0 or np.linalg.norm(r - proj * u) >= fm.shadow_radius_m
        if lit:
            d = r - sun
            dn = np.linalg.norm(d)
            a = a + SOLAR_PRESSURE_1AU_N_M2 * (AU_M / dn) ** 2 * fm.srp[0] * fm.srp[1] / m * d / dn
    mdot = 0.0
    if burn is not None:
        if burn.direction == "inertial":
            u = burn.unit_direction_j2000()
        else:
            u = v / np.linalg.norm(v) * (1.0 if burn.direction == "along_velocity" else -1.0)
        a = a + burn.actual_thrust_n / m * u
        mdot = burn.mass_flow_kg_s
    return np.concatenate([v, a, [-mdot]])
