"""Give memory freed by a big request back to the operating system.

A 1M-row import allocates and frees several hundred MB. CPython, numpy and glibc's malloc keep freed memory in
their arenas, and Arrow's mimalloc pool keeps its pages, so without this a sidecar that imported one large file
stays at its peak size for the rest of its life.
"""
import ctypes
import ctypes.util
import gc

import pyarrow as pa


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, Windows, musl)."""
    name = ctypes.util.find_library("c")
    try:
        trim = getattr(ctypes.CDLL(name), "malloc_trim") if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()


def release_freed_memory():
    """Collect garbage, then return free pages of Arrow's pool and of the C heap to the system."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)
