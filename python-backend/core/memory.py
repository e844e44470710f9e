"""Give memory freed by a big request back to the operating system.

A 1M-row import allocates and frees several hundred MB. CPython, numpy and glibc's malloc keep freed memory in
their arenas, and Arrow's mimalloc pool keeps its pages, so without this a sidecar that imported one large file
stays at its peak size for the rest of its life.
"""
import ctypes
import ctypes.util
import gc
import threading

import pyarrow as pa


def libc_function(name, argtypes):
    """The C library's function NAME (returning int) with ARGTYPES, or None where the C library has none (macOS and
    Windows have neither malloc_trim nor mallopt)."""
    library = ctypes.util.find_library("c")
    try:
        function = getattr(ctypes.CDLL(library), name) if library else None
    except (OSError, AttributeError):
        return None
    if function is not None:
        function.argtypes, function.restype = argtypes, ctypes.c_int
    return function


MALLOC_TRIM = libc_function("malloc_trim", [ctypes.c_size_t])
MALLOPT = libc_function("mallopt", [ctypes.c_int, ctypes.c_int])
M_ARENA_MAX = -8  # glibc's <malloc.h>
# glibc gives each new thread its own heap, up to 8 per core. Memory a thread frees stays in its heap, which
# malloc_trim does not fully give back, so each import on another waitress thread (or fast-path helper) grew the
# process: five 1M-row imports peaked at 884-900 MB with the default and 817-822 MB with 2 heaps, and the 100k
# XLSX and 1M CSV uploads were no slower (BENCHMARKS.md, issue 18 round 4).
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas=MALLOC_ARENAS):
    """Let glibc's malloc keep at most ARENAS heaps, however many threads allocate: whether it could."""
    return bool(MALLOPT is not None and MALLOPT(M_ARENA_MAX, arenas))


def release_freed_memory():
    """Collect garbage, then return free pages of Arrow's pool and of the C heap to the system."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


class DeferredRelease:
    """release_freed_memory a moment after a heavy answer is sent, in a background thread.

    Waitress runs a response's close handlers before it writes a streamed (chunked) answer's last chunk, so a
    release there (a full garbage collection, ~0.1 s in a sidecar that has loaded phone metadata) kept every
    import's client waiting for it. A release still pending when the next heavy request starts runs then, first,
    so that request's peak never stacks on the last one's garbage."""

    DELAY_S = 0.05

    def __init__(self):
        """Nothing pending."""
        self._lock = threading.Lock()
        self._timer = None

    def soon(self):
        """Release once the answer has gone out (one pending release covers any number of requests)."""
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.DELAY_S, self._run)
                self._timer.daemon = True
                self._timer.start()

    def now_if_pending(self):
        """Release now if a release is pending; it then does not run again in the background."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            timer.join()  # its run, if it had begun, finds nothing to do
            release_freed_memory()

    def _run(self):
        """The timer's release, unless now_if_pending took it."""
        with self._lock:
            if self._timer is None:
                return
            self._timer = None
        release_freed_memory()


class FullCollectionsHeld:
    """A context in which the garbage collector runs no automatic full (oldest-generation) collection.

    A full collection walks every tracked object, ~150k once phone metadata is loaded (0.07-0.09 s), and the ~100k
    row lists a 100k-row workbook reads as trip one per import. A heavy view's answer is followed by a full
    collection anyway (DeferredRelease), so the one during the import was work done twice. The young generations
    are still collected, so cyclic garbage made during the import is freed as before. Thread-safe and nestable:
    the threshold comes back when the last holder leaves."""

    NEVER = 1 << 30

    def __init__(self):
        """No holder."""
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = None

    def __enter__(self):
        """Hold off full collections (the first holder raises the oldest generation's threshold)."""
        with self._lock:
            if self._holders == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(self._saved[0], self._saved[1], self.NEVER)
            self._holders += 1
        return self

    def __exit__(self, *_exc):
        """Let them run again once the last holder leaves."""
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                gc.set_threshold(*self._saved)
        return False


# The one holder of the process (the collector's thresholds are process-wide).
FULL_COLLECTIONS_HELD = FullCollectionsHeld()


class HeavyRequests:
    """How many heavy requests (imports, exports) are in progress, so that background work whose memory should
    not stack on theirs (compressing a saved import) can wait for a moment with none."""

    def __init__(self):
        """None in progress."""
        self._count = 0
        self._changed = threading.Condition()

    def enter(self):
        """One more in progress."""
        with self._changed:
            self._count += 1

    def leave(self):
        """One fewer in progress."""
        with self._changed:
            self._count -= 1
            if self._count <= 0:
                self._changed.notify_all()

    def wait_for_none(self, timeout):
        """Block until none is in progress, or TIMEOUT seconds (a busy sidecar still gets its work done)."""
        with self._changed:
            self._changed.wait_for(lambda: self._count <= 0, timeout)


# The process's heavy requests (the sidecar's contact views count them).
HEAVY_REQUESTS = HeavyRequests()
