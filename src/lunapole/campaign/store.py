"""Campaign result store: a directory of Parquet chunks plus a JSON manifest.

Layout of ``DIR``::

    manifest.json                      scenario text + hash, seed, N, chunk size, spec, package versions
    chunks/chunk-<start>-<stop>.parquet   one row per sample (inputs drawn and outcomes), samples [start, stop)
    summary.json                       statistics, written when the campaign is complete

Every file is written to a temporary name in the same directory and renamed into place
(``os.replace`` is atomic on POSIX), so a killed process leaves only whole chunks; a resumed campaign
recomputes exactly the missing ones.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lunapole.errors import LunapoleError, ScenarioError

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
CHUNK_DIR = "chunks"
FORMAT_VERSION = 1
_VERSIONED = ("lunapole", "numpy", "scipy", "numba", "pyarrow", "dask", "distributed")


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a result, and the Python version."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """JSON (indented, sorted keys) written atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Manifest:
    """What identifies a campaign: resuming needs the same scenario, dispersions, seed, N and chunk size."""

    scenario_source: str
    scenario_text: str
    spec_json: str
    seed: int
    n: int
    chunk_size: int
    model: str

    @property
    def scenario_sha256(self) -> str:
        return sha256_text(self.scenario_text)

    @property
    def campaign_sha256(self) -> str:
        """Hash of everything that determines the result table."""
        key = json.dumps(
            [self.scenario_sha256, sha256_text(self.spec_json), self.seed, self.n, self.model, FORMAT_VERSION]
        )
        return sha256_text(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "scenario_source": self.scenario_source,
            "scenario_text": self.scenario_text,
            "scenario_sha256": self.scenario_sha256,
            "dispersions": json.loads(self.spec_json),
            "seed": self.seed,
            "n": self.n,
            "chunk_size": self.chunk_size,
            "model": self.model,
            "campaign_sha256": self.campaign_sha256,
            "versions": package_versions(),
        }


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """[start, stop) sample ranges of the chunks of an N-sample campaign."""
    return [(s, min(s + chunk_size, n)) for s in range(0, n, chunk_size)]


def chunk_path(out_dir: Path, start: int, stop: int) -> Path:
    return out_dir / CHUNK_DIR / f"chunk-{start:09d}-{stop:09d}.parquet"


class CampaignStore:
    """A campaign directory: create or reopen (``resume``), write chunks, read the full table."""

    def __init__(self, out_dir: Path, manifest: Manifest, *, resume: bool) -> None:
        self.out_dir = Path(out_dir)
        self.manifest = manifest
        mpath = self.out_dir / MANIFEST
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise LunapoleError(f"--out {str(self.out_dir)!r} is an existing file, not a directory; "
                                "give a directory for the campaign (it is created if missing)")
        try:
            self._open(mpath, resume)
        except OSError as exc:
            raise LunapoleError(f"--out {str(self.out_dir)!r}: cannot write the campaign directory "
                                f"({exc.strerror or exc}: {exc.filename or self.out_dir}); "
                                "choose a writable location") from None

    def _open(self, mpath: Path, resume: bool) -> None:
        manifest = self.manifest
        if resume:
            if not mpath.is_file():
                raise LunapoleError(
                    f"cannot resume: {mpath} does not exist; start the campaign without --resume"
                )
            try:
                old = json.loads(mpath.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise LunapoleError(f"cannot resume: {mpath} is damaged ({exc}); start a new campaign in "
                                    "another --out directory") from None
            if not isinstance(old, dict):
                raise LunapoleError(f"cannot resume: {mpath} is not a campaign manifest; start a new campaign "
                                    "in another --out directory")
            self._check_same(old)
        else:
            if mpath.exists() or (self.out_dir / CHUNK_DIR).exists() and any((self.out_dir / CHUNK_DIR).iterdir()):
                raise LunapoleError(
                    f"{self.out_dir} already holds a campaign; use --resume to complete it, "
                    "or choose another --out directory"
                )
            (self.out_dir / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
            atomic_write_json(mpath, manifest.to_dict())
        (self.out_dir / CHUNK_DIR).mkdir(parents=True, exist_ok=True)

    def _check_same(self, old: dict[str, Any]) -> None:
        new = self.manifest
        problems = []
        if old.get("format_version") != FORMAT_VERSION:
            problems.append(f"store format {old.get('format_version')} (this version writes {FORMAT_VERSION})")
        if old.get("scenario_sha256") != new.scenario_sha256:
            problems.append(
                f"a different scenario (was {old.get('scenario_source')!r}, sha256 "
                f"{str(old.get('scenario_sha256'))[:12]}...; now {new.scenario_source!r}, {new.scenario_sha256[:12]}...)"
            )
        if json.dumps(old.get("dispersions"), sort_keys=True, separators=(",", ":")) != new.spec_json:
            problems.append("different dispersions")
        for key in ("seed", "n", "chunk_size", "model"):
            if old.get(key) != getattr(new, key):
                problems.append(f"{key} {getattr(new, key)!r} (the campaign has {old.get(key)!r})")
        if problems:
            raise ScenarioError(
                f"cannot resume the campaign in {self.out_dir}: " + "; ".join(problems)
                + ". Resume with the original scenario, --seed and -n, or start a new campaign in another --out directory."
            )

    def done_ranges(self) -> set[tuple[int, int]]:
        """Chunk ranges already stored (whole files only: partial writes never get the final name)."""
        done = set()
        for p in (self.out_dir / CHUNK_DIR).glob("chunk-*-*.parquet"):
            _, a, b = p.stem.split("-")
            done.add((int(a), int(b)))
        return done

    def pending(self) -> list[tuple[int, int]]:
        """Chunk ranges still to compute, in order."""
        done = self.done_ranges()
        return [r for r in chunk_ranges(self.manifest.n, self.manifest.chunk_size) if r not in done]

    def write_chunk(self, start: int, stop: int, table: pa.Table) -> None:
        """Store one chunk atomically."""
        if table.num_rows != stop - start:
            raise AssertionError(f"chunk {start}-{stop} has {table.num_rows} rows")
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        atomic_write_bytes(chunk_path(self.out_dir, start, stop), sink.getvalue().to_pybytes())

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_json(self.out_dir / SUMMARY, summary)


def read_results(out_dir: Path) -> pa.Table:
    """All stored chunks of a campaign as one table sorted by sample index."""
    files = sorted((Path(out_dir) / CHUNK_DIR).glob("chunk-*-*.parquet"), key=_chunk_order)
    if not files:
        raise LunapoleError(f"no result chunks in {out_dir}/{CHUNK_DIR}")
    # ParquetFile, not pq.read_table: the latter goes through pyarrow.dataset, which imports pandas (~0.5 s)
    table = pa.concat_tables([pq.ParquetFile(f).read() for f in files])
    from lunapole.campaign.stats import column_array

    sample = column_array(table, "sample")
    if len(sample) > 1 and not bool(np.all(sample[1:] > sample[:-1])):
        table = table.sort_by("sample")  # chunks in index order are sorted already (sort_by imports pyarrow.compute)
    return table


def _chunk_order(path: Path) -> tuple:
    """Chunk files by start index (numeric order, not the name's text order)."""
    try:
        _, a, b = path.stem.split("-")
        return (0, int(a), int(b), path.name)
    except ValueError:
        return (1, 0, 0, path.name)


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest of a campaign directory."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise LunapoleError(f"{path} not found: not a campaign directory")
    return json.loads(path.read_text())
