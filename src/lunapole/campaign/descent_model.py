"""The batched powered-descent model: every sample of a chunk flown together by the numba kernel of
:mod:`lunapole.descent.batch` (closed-loop polynomial guidance).

Set-up, once per worker process, exactly as the ``powered_descent`` scenario step does it
(:mod:`lunapole.scenario.steps.powered_descent`): run the steps before the descent nominally, convert the
ignition state to TARGET_ENU around the target, build the vehicle and the phase plan. Then each chunk maps
its drawn inputs onto :class:`lunapole.descent.batch.BatchDispersions`:

==============================  =====================================================================
input                           batch kernel input
==============================  =====================================================================
``navigation.position_m``       ``nav_pos_bias_m`` (east, north, up at the target), on top of the step's
``navigation.velocity_m_s``     ``nav_vel_bias_m_s``                          ``nav_bias`` faults
``navigation.altimeter_bias_m`` ``nav_alt_bias_m`` (added to the step's ``altimeter_bias_m``)
``engine.thrust_frac``          ``thrust_scale`` = step's thrust_scale faults x (1 + frac)
``engine.misalignment_deg``     ``misalign_rad`` (added to the step's ``misalignment_deg``)
``engine.isp_frac``             ``isp_s`` = nominal x (1 + frac)
``mass.initial_kg``             ``mass_kg`` = ignition mass + error (dry mass fixed: propellant varies)
``timing.start_s``              ignition late/early: the ignition orbit state moved along its two-body
                                orbit by the error (analytic Kepler), then converted to TARGET_ENU
``faults.engine_out``           ``engine_out_time_s`` = time_frac x nominal descent duration (one of the
                                engines fails: thrust drops by 1/count)
values ``spacecraft.mass_kg``   ``mass_kg`` (+ the difference to the nominal)
values ``...engines.X.isp_s``   ``isp_s`` x value / nominal; ``...engines.X.thrust_n``: ``thrust_scale``
values on the descent step      ``altimeter_bias_m``, ``nav_position_sigma_m``, ``nav_velocity_sigma_m_s``,
                                ``altimeter_sigma_m``, ``misalignment_deg[0|1]``
==============================  =====================================================================

Anything else (values in earlier steps, the initial orbit, gravity mismodelling, a burn that does not cut
off) is not something the kernel can take per sample: such campaigns use the generic per-sample model.
"""
from __future__ import annotations

import copy
import math
import re
from types import SimpleNamespace
from typing import Any

import numpy as np

from lunapole.campaign.dispersions import DispersionSpec
from lunapole.campaign.models import CampaignJob, SampleModel
from lunapole.errors import ScenarioError

BATCH_STANDARD = {
    "navigation.position_m", "navigation.velocity_m_s", "navigation.altimeter_bias_m", "engine.thrust_frac",
    "engine.misalignment_deg", "engine.isp_frac", "mass.initial_kg", "timing.start_s",
}
STEP_FIELDS = ("altimeter_bias_m", "nav_position_sigma_m", "nav_velocity_sigma_m_s", "altimeter_sigma_m",
               "misalignment_deg[0]", "misalignment_deg[1]")


def _descent_index(raw: dict, spec: DispersionSpec) -> int | None:
    seq = raw.get("sequence") or []
    idx = [i for i, st in enumerate(seq) if isinstance(st, dict) and st.get("type") == "powered_descent"]
    if spec.step is not None:
        idx = [i for i in idx if seq[i].get("name") == spec.step]
    return idx[0] if len(idx) == 1 else None


def _canonical(path: str) -> str:
    """``a.b.0.c`` and ``a.b[0].c`` alike: ``a.b[0].c``."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path)


def _value_role(raw: dict, idx: int, path: str) -> str | None:
    """What a dispersed value path means to the batch kernel (None: it cannot take it)."""
    p = _canonical(path)
    if p == "spacecraft.mass_kg":
        return "mass"
    m = re.fullmatch(r"spacecraft\.engines(?:\[(\d+)\]|\.([A-Za-z_][\w\-]*))\.(isp_s|thrust_n)", p)
    if m:
        return m.group(3)
    step = raw["sequence"][idx]
    prefixes = [f"sequence[{idx}]."] + ([f"sequence.{step['name']}."] if step.get("name") else [])
    for pre in prefixes:
        if p.startswith(pre) and p[len(pre):] in STEP_FIELDS:
            return "step:" + p[len(pre):]
    return None


def why_not_applicable(raw: dict, spec: DispersionSpec) -> str | None:
    """None when the batch kernel can run this campaign, else the reason."""
    try:
        import lunapole.descent.batch  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the descent package ships with lunapole
        return f"the descent batch kernel is not available ({exc})"
    idx = _descent_index(raw, spec)
    if idx is None:
        return "the scenario needs exactly one powered_descent step (or [dispersions] step naming it)"
    step = raw["sequence"][idx]
    if step.get("guidance", "polynomial") != "polynomial":
        return "the batch kernel flies polynomial guidance; this descent uses guidance = " + repr(step.get("guidance"))
    if idx != len(raw["sequence"]) - 1:
        return "the powered_descent step must be the last step"
    bad = [p for p in spec.values if _value_role(raw, idx, p) is None]
    if bad:
        return f"dispersed values {bad} are not inputs of the batch descent kernel"
    bad = sorted(set(spec.standard) - BATCH_STANDARD)
    if bad:
        return f"{', '.join(bad)} cannot be applied per sample by the batch descent kernel"
    if "no_cutoff" in spec.faults:
        return "faults.no_cutoff (an engine that does not stop) is not modelled by the batch descent kernel"
    loss = spec.faults.get("engine_out").params.get("thrust_loss_frac") if "engine_out" in spec.faults else None
    if loss is not None:
        return "faults.engine_out.thrust_loss_frac: the batch kernel loses exactly one engine (drop the key)"
    return None


def is_applicable(raw: dict, spec: DispersionSpec) -> bool:
    """True when the campaign can use the batch kernel."""
    return why_not_applicable(raw, spec) is None


def check_applicable(raw: dict, spec: DispersionSpec, source: str) -> None:
    """ScenarioError saying why ``model = "descent_batch"`` cannot be used."""
    why = why_not_applicable(raw, spec)
    if why is not None:
        raise ScenarioError(f"{source}: [dispersions] model = 'descent_batch': {why}; use model = 'scenario' "
                            "(or drop the key) for the generic per-sample path")


class DescentBatchModel(SampleModel):
    """Nominal set-up once, then chunks of dispersed descents in the numba batch kernel."""

    name = "descent_batch"

    def __init__(self, job: CampaignJob) -> None:
        from lunapole.descent.batch import BatchDispersions, Environment, simulate_batch
        from lunapole.descent.frames import state_to_target_enu
        from lunapole.descent.vehicle import Vehicle
        from lunapole.orbit.elements import kepler_propagate
        from lunapole.scenario.load import scenario_from_dict
        from lunapole.scenario.run import initial_state, run_scenario
        from lunapole.scenario.steps import powered_descent as pd

        self._Disp, self._simulate, self._to_enu, self._kepler = (
            BatchDispersions, simulate_batch, state_to_target_enu, kepler_propagate)
        self.spec = job.spec
        raw = copy.deepcopy(job.raw)
        raw.pop("output", None)
        self.idx = idx = _descent_index(raw, self.spec)
        scn = scenario_from_dict(raw, job.scenario_source)
        step = scn.sequence[idx]
        self.step = step
        # The ignition state: the nominal run of the steps before the descent.
        if idx == 0:
            s0 = initial_state(scn)
        else:
            pre = copy.deepcopy(raw)
            pre["sequence"] = pre["sequence"][:idx]
            pre["faults"] = [f for f in pre.get("faults", []) if f.get("step") != step.name]
            res = run_scenario(scenario_from_dict(pre, job.scenario_source), write_outputs=False)
            if res.outcome != "completed":
                raise ScenarioError(f"{job.scenario_source}: the nominal run before the descent ended "
                                    f"'{res.outcome}' ({res.stop_reason}); nothing to disperse")
            s0 = res.final_state
        self.s0 = s0
        self.lat0, self.lon0 = pd._target_latlon(step, SimpleNamespace(state=s0))
        self.r0, self.v0 = state_to_target_enu(s0.epoch_tdb_s, s0.r_m, s0.v_m_s, self.lat0, self.lon0)
        vehicle = Vehicle.from_spacecraft(scn.spacecraft, name="spacecraft")
        self.vehicle = vehicle.with_changes(propellant_kg=s0.mass_kg - vehicle.dry_mass_kg)
        self.plan = pd._plan(step)
        self.env = Environment(target_lat_deg=self.lat0)
        self.engines = {e.name: (i, e) for i, e in enumerate(scn.spacecraft.engines)}
        self.engine_list = list(scn.spacecraft.engines)
        # The step's own error settings and faults (as the step applies them).
        faults = scn.faults_for(idx)
        self.base_thrust_scale = math.prod(float(f.scale) for f in faults if f.type == "thrust_scale")
        self.base_engine_out_s = min([float(f.time_s) for f in faults if f.type == "engine_out"], default=math.inf)
        nav = [f for f in faults if f.type == "nav_bias"]
        self.base_bias_r = np.zeros(3)
        self.base_bias_v = np.zeros(3)
        if nav:
            from lunapole.astro import frames

            rot = frames.enu_matrix(self.lat0, self.lon0) @ frames.rotation("J2000", "MOON_ME", s0.epoch_tdb_s)
            self.base_bias_r = rot @ np.sum([b.position_m for b in nav], axis=0)
            self.base_bias_v = rot @ np.sum([b.velocity_m_s for b in nav], axis=0)
        self.roles = {p: _value_role(raw, idx, p) for p in self.spec.values}
        self.seed = job.seed
        self._nominal_time_s: float | None = None
        self._kernel_checked = False  # batch kernel looked up in numba's on-disk cache (see _load_cached_kernel)
        self._kernel_sig: tuple | None = None
        self._kernel_args1: tuple | None = None

    # -- start-up: the batch kernel from numba's on-disk cache, without a priming child per process ----------
    def _capture_kernel_args(self) -> tuple | None:
        """The batch kernel's arguments for one nominal sample of this model, captured at the
        :func:`lunapole.descent.batch._prime_kernel_cache` hook of ``simulate_batch`` (reached before numba's
        thread pool starts or the kernel runs); None when that hook is not there."""
        try:
            from lunapole.descent import batch

            prime = batch._prime_kernel_cache
        except (ImportError, AttributeError):
            return None
        captured: dict[str, tuple] = {}

        class _Captured(Exception):
            pass

        def capture(make_args):
            captured["args"] = tuple(make_args())
            raise _Captured

        batch._prime_kernel_cache = capture
        try:
            self._simulate_raw(self._Disp.nominal(1, self.vehicle, self.r0, self.v0), threads=1)
        except _Captured:
            pass
        finally:
            batch._prime_kernel_cache = prime
        return captured.get("args")

    def _kernel_signature(self) -> tuple | None:
        """numba argument types of this model's batch-kernel call (None: not available, or the kernel is
        already loaded in this process)."""
        if self._kernel_sig is None:
            try:
                args = self._capture_kernel_args()
                if args is None:
                    return None
                kernel = _batch_kernel(args)
                if kernel.signatures:
                    return None
                self._kernel_args1 = args
                self._kernel_sig = tuple(kernel.typeof_pyval(a) for a in args)
            except Exception:  # noqa: BLE001 - an optimisation only: the kernel call works without it
                return None
        return self._kernel_sig

    def before_fork(self) -> None:
        """In the coordinator, before forking the workers: make sure numba's on-disk cache holds the batch kernel
        for this call, so that each worker loads it from there (:func:`_load_cached_kernel`) instead of starting
        its own priming child process (about 1.5 s each). A cold cache is primed once, here (a child process:
        no numba threads start in this one). numba's target context is set up here too, inherited by the workers."""
        sig = self._kernel_signature()
        if sig is None:
            return
        args = self._kernel_args1
        kernel = _batch_kernel(args)
        try:  # numba's target context (~0.5 s of registry loading, no threads): once here, not in every worker
            kernel.targetctx.refresh()
        except Exception:  # noqa: BLE001 - each worker then refreshes its own
            pass
        if _kernel_in_disk_cache(kernel, sig):
            return
        from lunapole.descent import batch

        try:
            batch._prime_kernel_cache(lambda: args)
        except Exception:  # noqa: BLE001 - the workers then prime as before
            pass

    @property
    def nominal_time_s(self) -> float:
        """Duration of the nominal descent (s): engine-out times are drawn as a fraction of it. Computed on
        first use, in the worker (the coordinator must not start numba threads before forking workers)."""
        if self._nominal_time_s is None:
            from lunapole.campaign import runner

            nominal = self._fly(self._Disp.nominal(1, self.vehicle, self.r0, self.v0), threads=runner.WORKER_THREADS)
            self._nominal_time_s = float(nominal.time_s[0])
        return self._nominal_time_s

    def _fly(self, disp, threads=None):
        if not self._kernel_checked:
            self._kernel_checked = True
            if self._kernel_signature() is not None:
                _load_cached_kernel(_batch_kernel(self._kernel_args1), self._kernel_sig)
        return self._simulate_raw(disp, threads)

    def _simulate_raw(self, disp, threads=None):
        st = self.step
        return self._simulate(self.vehicle, self.plan, disp, dt_s=st.dt_s, guidance_hz=st.guidance_hz,
                              max_time_s=st.max_time_s, environment=self.env, threads=threads)

    def dispersions(self, inputs: dict[str, np.ndarray], indices: np.ndarray):
        """The :class:`BatchDispersions` of a chunk (public for tests and the benchmark)."""
        n = len(indices)
        st = self.step
        d = self._Disp.nominal(n, self.vehicle, self.r0, self.v0)
        d.mass_kg[:] = self.s0.mass_kg
        d.thrust_scale[:] = self.base_thrust_scale
        d.misalign_rad[:] = np.radians(st.misalignment_deg)
        d.nav_pos_bias_m[:] = self.base_bias_r
        d.nav_vel_bias_m_s[:] = self.base_bias_v
        d.nav_alt_bias_m[:] = st.altimeter_bias_m
        d.nav_pos_sigma_m[:] = st.nav_position_sigma_m
        d.nav_vel_sigma_m_s[:] = st.nav_velocity_sigma_m_s
        d.nav_alt_sigma_m[:] = st.altimeter_sigma_m
        d.engine_out_time_s[:] = self.base_engine_out_s
        d.seed[:] = inputs["noise_seed"].astype(np.uint64)  # drawn from sample i's own generator
        for path, role in self.roles.items():
            x = inputs[f"in.{path}"]
            nominal = self.spec.values[path][1]
            if role == "mass":
                d.mass_kg += x - nominal
            elif role == "isp_s":
                d.isp_s *= x / nominal
            elif role == "thrust_n":
                d.thrust_scale *= x / nominal
            elif role == "step:altimeter_bias_m":
                d.nav_alt_bias_m += x - nominal
            elif role == "step:nav_position_sigma_m":
                d.nav_pos_sigma_m[:] = x
            elif role == "step:nav_velocity_sigma_m_s":
                d.nav_vel_sigma_m_s[:] = x
            elif role == "step:altimeter_sigma_m":
                d.nav_alt_sigma_m[:] = x
            elif role.startswith("step:misalignment_deg["):
                k = int(role[-2])
                d.misalign_rad[:, k] += np.radians(x - nominal)
        std = self.spec.standard
        if "navigation.position_m" in std:
            d.nav_pos_bias_m += np.column_stack([inputs[f"in.navigation.position_m.{c}"] for c in ("east", "north", "up")])
        if "navigation.velocity_m_s" in std:
            d.nav_vel_bias_m_s += np.column_stack([inputs[f"in.navigation.velocity_m_s.{c}"] for c in ("east", "north", "up")])
        if "navigation.altimeter_bias_m" in std:
            d.nav_alt_bias_m += inputs["in.navigation.altimeter_bias_m"]
        if "engine.thrust_frac" in std:
            d.thrust_scale *= 1.0 + inputs["in.engine.thrust_frac"]
        if "engine.misalignment_deg" in std:
            d.misalign_rad += np.radians(np.column_stack([inputs["in.engine.misalignment_deg.x"],
                                                          inputs["in.engine.misalignment_deg.y"]]))
        if "engine.isp_frac" in std:
            d.isp_s *= 1.0 + inputs["in.engine.isp_frac"]
        if "mass.initial_kg" in std:
            d.mass_kg += inputs["in.mass.initial_kg"]
        if "timing.start_s" in std:
            dt = inputs["in.timing.start_s"]
            s0 = self.s0
            for k in range(n):
                r, v = self._kepler(s0.r_m, s0.v_m_s, float(dt[k]))
                d.r0_m[k], d.v0_m_s[k] = self._to_enu(s0.epoch_tdb_s + float(dt[k]), r, v, self.lat0, self.lon0)
        if "engine_out" in self.spec.faults:
            occurs = inputs["fault.engine_out"]
            t = inputs["fault.engine_out.time_frac"] * self.nominal_time_s
            d.engine_out_time_s = np.where(occurs, np.minimum(t, d.engine_out_time_s), d.engine_out_time_s)
        return d

    def simulate(self, inputs: dict[str, np.ndarray], n: int) -> dict[str, Any]:
        from lunapole.campaign import runner
        from lunapole.descent.batch import FAILURE_NAMES

        indices = inputs["sample"]
        d = self.dispersions(inputs, indices)
        res = self._fly(d, threads=runner.WORKER_THREADS)
        names = np.array(("",) + tuple(FAILURE_NAMES[1:]), dtype=object)
        prop0 = d.mass_kg - self.vehicle.dry_mass_kg
        return {
            "success": res.success,
            "failure_reason": names[res.failure_code.astype(int)],
            "landing_east_m": res.east_m,
            "landing_north_m": res.north_m,
            "propellant_margin_kg": prop0 - res.propellant_used_kg,
            "vertical_speed_m_s": res.vertical_speed_m_s,
            "horizontal_speed_m_s": res.horizontal_speed_m_s,
            "tilt_deg": res.tilt_deg,
            "descent_time_s": res.time_s,
            "miss_distance_m": res.miss_distance_m,
            "final_phase": np.asarray(self.plan.names, dtype=object)[res.final_phase.astype(int)],
        }


def _batch_kernel(args: tuple):
    """The numba dispatcher that :func:`lunapole.descent.batch.simulate_batch` runs (and primes) for these kernel
    arguments (``batch.kernel_for_args``)."""
    from lunapole.descent import batch

    return batch.kernel_for_args(args)


def _kernel_in_disk_cache(kernel, sig: tuple) -> bool:
    """True when numba's on-disk cache (fresh for the kernel's current source) holds ``kernel`` compiled for
    argument types ``sig`` on this CPU. Reads the cache index only: loads no code, starts no threads."""
    try:
        cache = kernel._cache
        key = cache._index_key(sig, kernel.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001 - numba internals differ: say "not cached" (the caller then primes)
        return False


def _load_cached_kernel(kernel, sig: tuple | None) -> bool:
    """Load ``kernel`` for argument types ``sig`` from numba's on-disk cache into this process, as
    ``Dispatcher.compile`` does on a cache hit, but never compiling: on a miss nothing happens and the first kernel
    call primes the cache in a child process as before (:func:`lunapole.descent.batch._prime_kernel_cache`).
    Every process then runs the same cached machine code (campaigns stay bit-identical across workers) without
    paying a priming child per process when the cache is warm."""
    if sig is None:
        return False
    try:
        from numba.core.compiler_lock import global_compiler_lock

        if kernel.signatures or not _kernel_in_disk_cache(kernel, sig):
            return False
        with global_compiler_lock:
            cres = kernel._cache.load_overload(sig, kernel.targetctx)
            if cres is None:
                return False
            if not cres.objectmode:
                kernel.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            kernel.add_overload(cres)
        return True
    except Exception:  # noqa: BLE001 - numba internals differ: fall back to the priming child
        return False
