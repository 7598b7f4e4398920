"""Run a Monte Carlo campaign: chunks of samples on local processes or a dask.distributed cluster.

The unit of work is a chunk ``[start, stop)`` of sample indices. :func:`run_chunk` (a plain top-level
function, importable on any worker) draws each sample's inputs from its own seed
(``SeedSequence(seed, spawn_key=(i,))``), runs the sample model on the whole chunk and returns a Parquet-ready
table. The coordinating process writes every finished chunk atomically, so the result table does not depend
on the worker count, the executor or the order chunks finish in, and an interrupted campaign resumes
where it stopped (:mod:`lunapole.campaign.store`).

Executors: ``workers=1`` runs inline; ``workers>1`` a ``ProcessPoolExecutor`` (spawned processes, one numba
thread each); ``scheduler="tcp://host:port"`` any running dask scheduler; ``local_cluster=True`` a dask
``LocalCluster`` with ``workers`` single-threaded worker processes.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
import tomllib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from lunapole.campaign.dispersions import parse_dispersions
from lunapole.campaign.models import CampaignJob, build_model, choose_model, normalize_outcomes
from lunapole.campaign.store import CampaignStore, Manifest, chunk_ranges, read_results, sha256_text
from lunapole.errors import LunapoleError, ScenarioError

_MODEL_CACHE: dict[str, Any] = {}


# ----------------------------------------------------------------------------------------------------
# scenario text -> job
# ----------------------------------------------------------------------------------------------------
def resolve_scenario(name_or_path: str | Path) -> tuple[str, str]:
    """(source label, TOML text) of a scenario file or a built-in scenario name."""
    path = Path(name_or_path)
    if path.is_dir():
        raise ScenarioError(f"scenario {str(path)!r} is a directory; give the path of a .toml file inside it")
    if path.is_file():
        try:
            return str(path), path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"scenario file {str(path)!r} is not UTF-8 text: {exc}") from None
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario file {str(path)!r}: {exc.strerror or exc}") from None
    text_name = str(name_or_path)
    if path.suffix.lower() != ".toml" and "/" not in text_name:
        builtin = _builtin_path(text_name)
        if builtin is not None:
            return text_name, builtin.read_text(encoding="utf-8")
    raise ScenarioError(
        f"scenario {text_name!r}: no such file, and not a built-in scenario name "
        f"(built-in: {', '.join(_builtin_names()) or 'none installed'})"
    )


def _builtin_path(name: str) -> Path | None:
    try:
        from lunapole.scenario.load import builtin_scenario_path  # the scenario package owns the catalogue

        try:
            return Path(builtin_scenario_path(name))
        except LunapoleError:
            return None
    except ImportError:  # pragma: no cover - scenario package always present in releases
        pass
    candidate = Path(__file__).resolve().parents[1] / "scenario" / "missions" / f"{name}.toml"
    return candidate if candidate.is_file() else None


def _builtin_names() -> list[str]:
    folder = Path(__file__).resolve().parents[1] / "scenario" / "missions"
    return sorted(p.stem for p in folder.glob("*.toml"))


def parse_scenario_text(text: str, source: str) -> dict:
    """The raw TOML dict of a scenario (ScenarioError on bad TOML)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML ({exc})") from None


def prepare_job(name_or_path: str | Path, seed: int, overrides: Sequence[str] = ()) -> CampaignJob:
    """Load and validate a campaign: scenario, its ``[dispersions]`` (or the defaults), the model."""
    source, text = resolve_scenario(name_or_path)
    if overrides:
        text = text + "\n# montecarlo overrides: " + " ".join(overrides) + "\n"
    raw = parse_scenario_text(text, source)
    if overrides:
        raw = _apply_overrides(raw, list(overrides), source)
    table = raw.get("dispersions")
    if table is None:
        from lunapole.campaign.defaults import default_dispersions

        table = default_dispersions(raw, source)
    spec = parse_dispersions(table, raw, source)
    model = choose_model(raw, spec, source)
    if model in ("descent_batch", "scenario"):  # full scenarios (test models read their own tables)
        _validate_scenario(parse_scenario_text(text, source), overrides, source)  # before any directory is made
    key = sha256_text(json.dumps([sha256_text(text), spec.canonical_json(), seed, model]))
    return CampaignJob(text, source, raw, spec, int(seed), model, key)


def _validate_scenario(raw: dict, overrides: Sequence[str], source: str) -> None:
    """Validate the scenario (after ``--set`` overrides) once, up front: a ScenarioError naming the field."""
    import copy

    from lunapole.scenario.load import scenario_from_dict

    scenario_from_dict(copy.deepcopy(raw), source=source, overrides=list(overrides))


def _apply_overrides(raw: dict, overrides: list[str], source: str) -> dict:
    from lunapole.scenario.overrides import apply_overrides

    return apply_overrides(raw, overrides)[0]


# ----------------------------------------------------------------------------------------------------
# one chunk
# ----------------------------------------------------------------------------------------------------
def _model_for(job: CampaignJob):
    model = _MODEL_CACHE.get(job.key)
    if model is None:
        _MODEL_CACHE.clear()  # one campaign per process at a time
        model = _MODEL_CACHE[job.key] = build_model(job)
    return model


def run_chunk(job: CampaignJob, start: int, stop: int) -> pa.Table:
    """Draw and simulate samples ``[start, stop)``; one row per sample: index, inputs, outcomes."""
    indices = np.arange(start, stop, dtype=np.int64)
    inputs = job.spec.draw(job.seed, indices)
    n = len(indices)
    model_inputs = dict(inputs)
    model_inputs["sample"] = indices  # models that seed their own noise key it on the sample index
    outcomes = normalize_outcomes(_model_for(job).simulate(model_inputs, n), n, job.model)
    cols: dict[str, Any] = {"sample": indices}
    cols.update(inputs)
    for name, val in outcomes.items():
        if name in cols:
            raise ScenarioError(f"sample model {job.model!r} returned column {name!r} twice")
        cols[name] = val
    return pa.table({k: _arrow(v) for k, v in cols.items()})


def _arrow(values: np.ndarray) -> pa.Array:
    """numpy -> Arrow without ``pa.array`` (which imports pandas: a second per worker process)."""
    arr = np.asarray(values)
    n = len(arr)
    if arr.dtype == bool:
        bits = np.packbits(arr, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    if arr.dtype.kind in "iu":
        return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.ascontiguousarray(arr, np.int64))])
    if arr.dtype.kind == "f":  # NaN ("not applicable": no touchdown, no fault) is stored as null
        arr = np.ascontiguousarray(arr, np.float64)
        nan = np.isnan(arr)
        valid = pa.py_buffer(np.packbits(~nan, bitorder="little")) if nan.any() else None
        return pa.Array.from_buffers(pa.float64(), n, [valid, pa.py_buffer(arr)], null_count=int(nan.sum()))
    encoded = [str(v).encode("utf-8") for v in arr]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = b"".join(encoded)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


WORKER_THREADS: int | None = 1
"""Threads a model may use inside one worker (None: numba's default). Parallelism comes from worker
processes, so each runs one thread; this also keeps the coordinator free of OpenMP threads."""


def _worker_init() -> None:
    """Process-pool workers: one compute thread each (the pool provides the parallelism)."""
    global WORKER_THREADS
    WORKER_THREADS = 1


# ----------------------------------------------------------------------------------------------------
# executors
# ----------------------------------------------------------------------------------------------------
ChunkDone = tuple[int, int, pa.Table]


def _run_inline(job: CampaignJob, ranges: list[tuple[int, int]]) -> Iterator[ChunkDone]:
    for a, b in ranges:
        yield a, b, run_chunk(job, a, b)


# Imported once by the fork server, inherited by every worker (missing ones are skipped by multiprocessing).
_PRELOAD = [
    "lunapole.campaign.runner", "lunapole.campaign.descent_model", "lunapole.campaign.scenario_model",
    "lunapole.scenario.load", "lunapole.scenario.run", "lunapole.scenario.steps.powered_descent",
    "lunapole.descent.batch", "lunapole.descent.frames", "lunapole.descent.vehicle", "lunapole.astro.frames",
    "lunapole.orbit.elements", "lunarsky", "pyarrow.parquet", "scipy.special",
]


def _numba_threads_started() -> bool:
    """True once this process has started numba's parallel thread pool (fork is then unsafe with GNU OpenMP)."""
    par = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(par, "_is_initialized", False))


def _process_context(job: CampaignJob):
    """Start method of the worker pool.

    ``fork`` (Linux) when this process runs no numba threads yet: the model is built here first and every
    worker inherits it, imports and compiled kernels included (start-up in milliseconds). Otherwise
    ``forkserver`` (a clean server imports the campaign modules once and forks the workers: safe even when
    this process already holds OpenMP threads), else ``spawn``.
    """
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and not _numba_threads_started():
        model = _model_for(job)  # build once, inherited by the forked workers
        before_fork = getattr(model, "before_fork", None)
        if before_fork is not None:
            before_fork()  # e.g. the batch kernel found in (or put into) numba's on-disk cache, once
        if not _numba_threads_started():
            return get_context("fork")
    if "forkserver" in methods:
        ctx = get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return get_context("spawn")


def _run_processes(job: CampaignJob, ranges: list[tuple[int, int]], workers: int) -> Iterator[ChunkDone]:
    ctx = _process_context(job)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    try:
        todo = iter(ranges)
        running = {}
        for a, b in _take(todo, 2 * workers):
            running[pool.submit(run_chunk, job, a, b)] = (a, b)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                a, b = running.pop(fut)
                try:
                    table = fut.result()
                except BrokenProcessPool as exc:
                    raise LunapoleError(
                        f"a campaign worker process died ({exc}); the finished chunks are kept: "
                        "complete the campaign with --resume"
                    ) from None
                for a2, b2 in _take(todo, 1):
                    running[pool.submit(run_chunk, job, a2, b2)] = (a2, b2)
                yield a, b, table
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_chunk_one_thread(job: CampaignJob, start: int, stop: int) -> pa.Table:
    """Dask task: one compute thread per task (dask runs tasks side by side)."""
    _worker_init()
    return run_chunk(job, start, stop)


def _take(it: Iterator, k: int) -> list:
    out = []
    for _ in range(k):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def _run_dask(
    job: CampaignJob, ranges: list[tuple[int, int]], scheduler: str | None, workers: int
) -> Iterator[ChunkDone]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise LunapoleError(f"cannot reach the dask scheduler at {scheduler!r} ({exc}); is it running?") from None
    try:
        job_future = client.scatter(job, broadcast=True)
        futures = {
            client.submit(_run_chunk_one_thread, job_future, a, b, pure=False, key=f"lunapole-chunk-{job.key[:12]}-{a}"): (a, b)
            for a, b in ranges
        }
        for fut in as_completed(futures):
            a, b = futures[fut]
            yield a, b, fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------------------------------------
# campaign
# ----------------------------------------------------------------------------------------------------
@dataclass
class CampaignResult:
    """A finished campaign: its directory, the full table, the summary statistics."""

    out_dir: Path
    table: pa.Table
    summary: dict[str, Any]
    elapsed_s: float


def default_chunk_size(n: int, model: str) -> int:
    """Chunks large enough for the batch kernel, small enough to spread and to lose little on a kill."""
    cap = 2000 if model != "scenario" else 50
    return max(1, min(cap, math.ceil(n / 16)))


def run_campaign(
    scenario: str | Path,
    n: int,
    seed: int,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    local_cluster: bool = False,
    resume: bool = False,
    chunk_size: int | None = None,
    overrides: Sequence[str] = (),
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    report: bool = True,
) -> CampaignResult:
    """Run (or ``resume``) an N-sample campaign of a scenario file or built-in name into ``out_dir``.

    ``workers`` defaults to all cores (``os.cpu_count()``). ``scheduler`` (a dask address) or
    ``local_cluster`` select dask instead of local processes. The result does not depend on these choices.
    """
    if n < 1:
        raise LunapoleError(f"-n {n}: the number of samples must be at least 1")
    if seed < 0:
        raise LunapoleError(f"--seed {seed}: the seed must be a non-negative integer")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise LunapoleError(f"--workers {workers}: must be at least 1 (leave it out to use all cores)")
    if chunk_size is not None and chunk_size < 1:
        raise LunapoleError(f"--chunk-size {chunk_size}: must be at least 1 (leave it out for the default)")
    job = prepare_job(scenario, seed, overrides)
    out = Path(out_dir)
    if resume and chunk_size is None and (out / "manifest.json").is_file():
        try:
            chunk_size = int(json.loads((out / "manifest.json").read_text()).get("chunk_size", 0)) or None
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
            chunk_size = None  # a damaged manifest is reported by CampaignStore
    chunk = chunk_size or default_chunk_size(n, job.model)
    manifest = Manifest(job.scenario_source, job.scenario_text, job.spec.canonical_json(), job.seed, n, chunk, job.model)
    store = CampaignStore(out, manifest, resume=resume)
    pending = store.pending()
    done_before = n - sum(b - a for a, b in pending)

    t0 = time.perf_counter()
    if not pending:
        chunks: Iterator[ChunkDone] = iter(())
    elif scheduler is not None or local_cluster:
        chunks = _run_dask(job, pending, scheduler, workers)
    elif workers == 1 or len(pending) == 1:
        chunks = _run_inline(job, pending)
    else:
        chunks = _run_processes(job, pending, min(workers, len(pending)))

    from lunapole.campaign.progress import campaign_progress

    try:
        with campaign_progress(n, done_before, enabled=progress, label=f"{job.scenario_source} ({job.model})") as bar:
            for a, b, table in chunks:
                store.write_chunk(a, b, table)
                bar(b - a)
                if on_chunk is not None:
                    on_chunk(a, b)
    except KeyboardInterrupt:
        left = len(store.pending())
        import shlex

        again = " ".join(shlex.quote(str(a)) for a in (
            "lunapole", "montecarlo", job.scenario_source, "-n", n, "--seed", seed, "--out", out,
            *[x for o in overrides for x in ("--set", o)], "--resume"))
        err = LunapoleError(
            f"campaign interrupted with {left} of {len(chunk_ranges(n, chunk))} chunks left; "
            f"the finished chunks are stored in {out}: complete it with `{again}`"
        )
        err.exit_code = 130  # type: ignore[attr-defined]  # the CLI exits 130 like any SIGINT
        raise err from None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    elapsed = time.perf_counter() - t0

    table = read_results(out)
    from lunapole.campaign.stats import summarize

    summary = summarize(table)
    summary["model"] = job.model
    summary["seed"] = job.seed
    summary["scenario"] = job.scenario_source
    store.write_summary(summary)
    if report:
        from lunapole.campaign.report import write_campaign_html

        write_campaign_html(out / "campaign.html", table, summary)
    return CampaignResult(out, table, summary, elapsed)
