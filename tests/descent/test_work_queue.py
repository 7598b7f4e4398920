"""The shared work counter of the parallel kernels (``lunapole.kernels.work_queue``).

Reference: an atomic fetch-and-add hands out every ticket exactly once, whatever the interleaving of threads
(the definition of the operation, e.g. C11 ``atomic_fetch_add``); a non-atomic read-modify-write under the same
contention loses increments, which the first test would catch.
"""
import numba
import numpy as np
from numba import njit, prange

from lunapole.kernels import work_queue as wq


@njit(parallel=True)
def _draw_tickets(n_workers, per_worker, counter, tickets):
    for w in prange(n_workers):
        for k in range(per_worker):
            tickets[w * per_worker + k] = wq.fetch_add(counter, 0, 1)


@njit(parallel=True)
def _queue_owner(n_chunks, owner_count):
    """Run chunks from the queue; count per chunk how many times it ran."""
    next_chunk = np.zeros(1, dtype=np.int64)
    for _worker in prange(min(n_chunks, wq.MAX_WORKERS)):
        c = wq.fetch_add(next_chunk, 0, 1)
        while c < n_chunks:
            owner_count[c] += 1
            c = wq.fetch_add(next_chunk, 0, 1)


def test_fetch_add_hands_out_every_ticket_once_under_contention():
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        counter = np.zeros(1, dtype=np.int64)
        tickets = np.full(64 * 20_000, -1, dtype=np.int64)
        _draw_tickets(64, 20_000, counter, tickets)
    finally:
        numba.set_num_threads(old)
    assert counter[0] == tickets.size
    assert np.array_equal(np.sort(tickets), np.arange(tickets.size))


def test_queue_runs_every_chunk_exactly_once_for_any_thread_count():
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        old = numba.get_num_threads()
        try:
            numba.set_num_threads(threads)
            for n_chunks in (1, 7, 300, 1000):  # fewer and more chunks than workers
                count = np.zeros(n_chunks, dtype=np.int64)
                _queue_owner(n_chunks, count)
                assert (count == 1).all(), (threads, n_chunks)
        finally:
            numba.set_num_threads(old)


def test_python_twin_matches():
    counter = np.array([5], dtype=np.int64)
    assert wq.fetch_add_py(counter, 0, 3) == 5 and counter[0] == 8
