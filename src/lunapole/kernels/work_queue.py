"""A shared work counter for parallel kernels: every thread takes the next chunk when it has finished one.

Why not ``prange`` alone: numba gives each thread a contiguous share of a ``prange`` loop fixed before the loop
starts. ``numba.set_parallel_chunksize`` only cuts the shares into smaller chunks; on the OpenMP and workqueue
threading layers the chunks still go to the threads in order (measured with numba 0.68: a loop whose first half is
4x slower runs 1.25x faster on 2 threads than on 1, with chunk size 0, 1 or 4). On a shared machine a thread that
the host pauses then holds the whole run back. With this counter the run is a ``prange`` over workers, each
taking chunks ``fetch_add(counter, 0, 1)`` until none is left: the same loop ran 1.9-2.0x faster on 2 threads.

Use::

    next_chunk = np.zeros(1, dtype=np.int64)
    for _worker in prange(min(n_chunks, MAX_WORKERS)):
        c = fetch_add(next_chunk, 0, 1)
        while c < n_chunks:
            ...  # chunk c
            c = fetch_add(next_chunk, 0, 1)

Which thread runs a chunk never changes its numbers (every chunk reads only its own inputs), so results stay
bit-identical whatever the thread count or timing.
"""
from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def fetch_add(typingctx, counter, index, value):
    """Atomically add ``value`` to ``counter[index]`` (a 1-D int64 array) and return the old value."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and counter.ndim == 1):
        return None
    sig = types.int64(counter, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        arr_v, idx_v, val_v = args
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, arr_v)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [idx_v])
        # monotonic: the counter only hands out chunk numbers; no data is published through it
        return builder.atomic_rmw("add", ptr, val_v, "monotonic")

    return sig, codegen


# Workers of a queue: the kernel runs ``prange(min(n_chunks, MAX_WORKERS))``; numba splits the workers among its
# threads in order and the first worker of each thread drains the queue (the others find it empty). A constant, not
# numba.get_num_threads() in the kernel: that call keeps numba from caching the kernel.
MAX_WORKERS = 256


def fetch_add_py(counter, index, value):
    """Plain-Python :func:`fetch_add` (for the pure-Python twins of the kernels, single-threaded)."""
    old = int(counter[index])
    counter[index] += value
    return old


