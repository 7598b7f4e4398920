"""The dask.distributed path for real: a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1
(the venv's dask CLI, free ports, bounded waits, always torn down); the campaign through ``--scheduler``
must equal the local result."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lunapole.campaign.runner import run_campaign  # noqa: E402
from lunapole.cli import main  # noqa: E402

TOY = HERE / "toy.toml"
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"dask scheduler did not open port {port}")


@pytest.fixture
def dask_cluster(tmp_path):
    if not DASK.exists() and shutil.which("dask") is None:
        pytest.skip("the dask command line is not installed")
    exe = str(DASK) if DASK.exists() else shutil.which("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        log = (tmp_path / "scheduler.log").open("wb")
        logs.append(log)
        procs.append(subprocess.Popen([exe, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard", "--no-show"], env=env, stdout=log, stderr=log))
        _wait_port(port, time.monotonic() + 60.0)
        for i in range(2):
            log = (tmp_path / f"worker{i}.log").open("wb")
            logs.append(log)
            procs.append(subprocess.Popen([exe, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}"],
                                          env=env, stdout=log, stderr=log, cwd=tmp_path))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        for log in logs:
            log.close()


def test_dask_scheduler_gives_the_local_table(dask_cluster, tmp_path, capsys):
    local = run_campaign(TOY, 2500, 21, tmp_path / "local", workers=1, progress=False, report=False)
    code = main(["montecarlo", str(TOY), "-n", "2500", "--seed", "21", "--scheduler", dask_cluster,
                 "--chunk-size", "200", "--out", str(tmp_path / "dask"), "--json", "--no-progress"])
    assert code == 0
    from lunapole.campaign.store import read_results

    assert read_results(tmp_path / "dask").equals(local.table)


def test_local_cluster_gives_the_local_table(tmp_path, monkeypatch):
    """``--workers 2 --local-cluster``: a dask LocalCluster of two worker processes."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    local = run_campaign(TOY, 300, 4, tmp_path / "local", workers=1, progress=False, report=False)
    code = main(["montecarlo", str(TOY), "-n", "300", "--seed", "4", "--workers", "2", "--local-cluster",
                 "--chunk-size", "50", "--out", str(tmp_path / "lc"), "--no-progress", "--json"])
    assert code == 0
    from lunapole.campaign.store import read_results

    assert read_results(tmp_path / "lc").equals(local.table)
