"""OEM/CSV output, read back with the ``oem`` package (CCSDS 502.0-B-2 parser) and compared with the
trajectory's own dense output."""
import numpy as np
import oem
import pytest

from lunapole.orbit import ForceModel, keplerian_to_state, propagate, write_csv, write_oem
from lunapole.astro.time import parse_epoch


@pytest.fixture(scope="module")
def traj():
    st = keplerian_to_state(1.85e6, 0.01, 88.0, 0.0, 0.0, 0.0, epoch_tdb_s=7.6e8)
    return propagate(st, ForceModel(None, third_bodies=()), duration_s=3600.0, record=())


@pytest.mark.parametrize("fmt", ["kvn", "xml"])
def test_oem_round_trip(traj, tmp_path, fmt):
    path = write_oem(traj, tmp_path / f"eph.{fmt}", step_s=60.0, file_format=fmt)
    msg = oem.OrbitEphemerisMessage.open(path)
    (seg,) = list(msg)
    assert seg.metadata["CENTER_NAME"] == "MOON"
    assert seg.metadata["REF_FRAME"] == "ICRF"
    assert seg.metadata["TIME_SYSTEM"] == "TDB"
    states = list(seg)
    assert len(states) == 61
    last = states[-1]
    ref = traj.sample([7.6e8 + 3600.0])[0]
    assert np.linalg.norm(np.asarray(last.position) * 1e3 - ref[:3]) < 1e-5  # m (km with 9 decimals)
    assert np.linalg.norm(np.asarray(last.velocity) * 1e3 - ref[3:6]) < 1e-8  # m/s
    epoch = parse_epoch(last.epoch.tdb.isot + " TDB")
    assert abs(epoch - (7.6e8 + 3600.0)) < 1e-5  # s


def test_csv(traj, tmp_path):
    path = write_csv(traj, tmp_path / "eph.csv", step_s=600.0)
    data = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=(0, 2, 3, 4, 5, 6, 7, 8))
    assert data.shape == (7, 8)
    ref = traj.sample(data[:, 0])
    assert np.max(np.abs(data[:, 1:4] - ref[:, :3])) < 1e-5  # m, 6 decimals
