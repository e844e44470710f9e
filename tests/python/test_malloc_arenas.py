"""core.memory.limit_malloc_arenas: with it, threads allocating at once share at most that many glibc heaps;
without it, each new thread gets a heap of its own (the growth it exists to stop)."""
import os
import subprocess
import sys

import core.memory

BACKEND = os.path.dirname(os.path.dirname(os.path.abspath(core.memory.__file__)))
# Eight threads, alive at once, each allocating blocks too big for Python's small-object allocator (so glibc's
# malloc serves them); then glibc's own report of its heaps (malloc_info's XML: one <heap> per arena).
PROGRAM = r"""
import ctypes, os, sys, tempfile, threading
sys.path.insert(0, sys.argv[1])
from core.memory import limit_malloc_arenas

libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]


def heaps():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "info.xml")
        report = libc.fopen(path.encode(), b"w")
        libc.malloc_info(0, report)
        libc.fclose(report)
        with open(path) as f:
            return f.read().count("<heap nr=")


before = heaps()
if sys.argv[2] == "limit":
    assert limit_malloc_arenas(2)
start, done, kept = threading.Barrier(8), threading.Barrier(9), []


def allocate():
    start.wait()
    kept.extend(bytearray(64_000) for _ in range(20))
    done.wait()


threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
done.wait()
print(before, heaps())
for thread in threads:
    thread.join()
"""


def heaps_with(mode):
    """(glibc heaps before the threads, heaps while they all hold memory) in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PROGRAM, BACKEND, mode], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    before, during = map(int, out.split()[-2:])
    return before, during


def test_threads_share_the_limited_heaps():
    """With the limit of 2, eight allocating threads add no heap beyond 2 (or the ones made before it)."""
    assert sys.platform.startswith("linux") and core.memory.MALLOPT is not None  # glibc: the sidecar's Linux
    before, during = heaps_with("limit")
    assert during <= max(2, before)


def test_without_the_limit_each_thread_gets_a_heap():
    """The default the limit replaces: eight threads at once make several new heaps."""
    before, during = heaps_with("default")
    assert during >= before + 4
