"""Threads kept for the process's life, to spread work that releases the GIL (Arrow kernels, calamine's parse)
over the cores this process may use."""
import os
from concurrent import futures

import pyarrow as pa

MAX_WORKERS = 4


def usable_cores():
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


WORKERS = min(MAX_WORKERS, usable_cores())
# Kept for the process's life (a thread starts at its first piece), so each import does not start new ones.
HELPERS = futures.ThreadPoolExecutor(max_workers=max(1, WORKERS - 1), thread_name_prefix="fast-path")


def on_cores(calls, workers=WORKERS):
    """The results of CALLS, in order, WORKERS at a time: every WORKERS-th on this thread, the others on kept
    helper threads."""
    helped = {i: HELPERS.submit(released_after, call) for i, call in enumerate(calls) if i % workers}
    try:
        own = {i: call() for i, call in enumerate(calls) if not i % workers}
    finally:
        futures.wait(helped.values())  # nothing the calls use (a temporary file) may go while a helper runs
    return [own[i] if i in own else helped[i].result() for i in range(len(calls))]


def released_after(call):
    """CALL(), then this thread's freed Arrow memory handed back: the allocator heap of a thread that then sits
    idle keeps it (a 1M-row extract peaked at 631-639 MB without this, 552-571 MB with it, 573-602 MB on one
    thread; threads made per import did the same)."""
    try:
        return call()
    finally:
        pa.default_memory_pool().release_unused()
