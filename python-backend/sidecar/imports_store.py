"""Imports: kept on disk in the data directory (contacts.history), with the latest ones cached in memory so the UI
can page, fix, re-map and export them without reading them again."""
import logging
import os
import queue
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from contacts.history import ImportHistory
from core.memory import HEAVY_REQUESTS

# A 1M-row import holds ~150 MB in memory; the history on disk holds every import, so the cache stays small.
MAX_CACHED_IMPORTS = 2
MAX_CACHED_ENTRIES = 1_500_000
# While a new import is read, the cache keeps at most this many entries: a big import re-reads in ~0.2 s, and
# holding it would add its size to the new import's peak.
ENTRIES_KEPT_DURING_IMPORT = 200_000
IMPORT_ID = re.compile(r"imp_[A-Za-z0-9_-]{16}")


@dataclass
class StoredImport:
    """One import: its result and options; its source (for re-mapping) is read from the history when needed."""

    import_id: str
    result: object
    options: dict = field(default_factory=dict)
    history: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def source(self):
        """What a re-map reads again: the Workbook or the pasted text (None when it was not kept)."""
        return self.history.load_source(self.import_id)

    def record_edit(self, entry_id, value, field="value"):
        """Keep a fix made to this import, so it survives a restart (a full disk: the app's 507 handler)."""
        self.history.record_edit(self.import_id, entry_id, value, field)

    def messageable(self, wanted=lambda column: True):
        """The entries a list takes (their columns that WANTED(name) accepts), copied under the lock so that a
        fix made meanwhile is either in or out: valid numbers, and rows whose number is unusable but whose
        email address is good (number None) for email campaigns."""
        with self.lock:
            entries = self.result.entries
            usable = entries["status"] == "valid"
            if "email" in entries.columns:
                usable |= (entries["status"] == "invalid") & entries["email"].notna() & \
                    (entries["email_duplicate_of_row"] == 0)
            return entries.loc[usable, [c for c in entries.columns if wanted(c)]]


class Saving:
    """HISTORY.save of STORED (with SOURCE) running in a thread; wait() re-raises what it raised."""

    def __init__(self, history, stored, source):
        """Start the save."""
        self.done = threading.Event()
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(history, stored, source), name="import-save",
                                        daemon=True)
        self._thread.start()

    def _run(self, history, stored, source):
        """The save itself; its exception is kept for wait()."""
        try:
            history.save(stored.import_id, stored.result, source, stored.options)
        except BaseException as error:  # noqa: BLE001 - handed to the request's thread by wait()
            self._error = error
        finally:
            self.done.set()

    def wait(self):
        """Block until the save has ended; raise its exception if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error


# A table is compressed only while no import or export is in progress (its ~20 MB of buffers would add to that
# request's peak), unless one has been running this long.
QUIET_WAIT_S = 30


class Compressor:
    """One thread compressing the saved imports' tables (HISTORY.compress), one import at a time, in the order
    asked, started with the first request."""

    def __init__(self, history):
        self.history = history
        self._queue = queue.Queue()
        self._thread = None
        self._start_lock = threading.Lock()

    def submit(self, import_id):
        """Compress IMPORT_ID's tables soon."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="import-compress", daemon=True)
                self._thread.start()
        self._queue.put(import_id)

    def _run(self):
        """Compress what is asked, for ever; a failure is logged and the import stays uncompressed."""
        while True:
            import_id = self._queue.get()
            try:
                self.history.compress(import_id, lambda: HEAVY_REQUESTS.wait_for_none(QUIET_WAIT_S))
            except Exception:  # noqa: BLE001 - the import stays readable; the next start tries again
                logging.getLogger(__name__).exception("compressing import %s failed", import_id)


class ImportStore:
    """Every import in HISTORY, the most recent ones cached, bounded by count and by total entries."""

    def __init__(self, history, max_imports=MAX_CACHED_IMPORTS, max_entries=MAX_CACHED_ENTRIES):
        self.history = history
        self._cache = OrderedDict()
        self._lock = threading.Lock()
        self.max_imports, self.max_entries = max_imports, max_entries
        self.compressor = Compressor(history)
        for import_id in history.pending_compression():  # left by a sidecar that stopped before compressing
            self.compressor.submit(import_id)

    def add(self, result, source=None, options=None):
        """Save RESULT (and the SOURCE a re-map needs) and return its new import."""
        return self.add_while(result, source, options)[0]

    def add_while(self, result, source=None, options=None, meanwhile=None):
        """(the new import, MEANWHILE's answer): save RESULT and SOURCE as add does, in a second thread, while
        MEANWHILE(import_id, saved) runs in this one (SAVED: an Event set once the save has ended).

        The save compresses with zstd, which releases the GIL, so work that does not need the import on disk
        (encoding the answer) overlaps it on the other core. Only a whole save returns: its OSError (a full
        disk: the app's 507 handler) is raised here, after MEANWHILE, and the import is then neither cached
        nor listed, so nothing of an unsaved import reaches the user."""
        stored = StoredImport("imp_" + secrets.token_urlsafe(12), result, dict(options or {}), self.history)
        saving = Saving(self.history, stored, source)
        try:
            answer = meanwhile(stored.import_id, saving.done) if meanwhile is not None else None
        finally:
            saving.wait()
        self._remember(stored)
        return stored, answer

    def compress_soon(self, import_id):
        """Shrink IMPORT_ID's saved tables in the background (call it once its answer is sent: both need CPU)."""
        self.compressor.submit(import_id)

    def get(self, import_id):
        """The import IMPORT_ID, from the cache or read from disk; None when there is no such import."""
        if not isinstance(import_id, str) or not IMPORT_ID.fullmatch(import_id):
            return None  # never a path the history would open
        with self._lock:
            stored = self._cache.get(import_id)
            if stored is not None:
                self._cache.move_to_end(import_id)
                return stored
        loaded = self.history.load(import_id)
        if loaded is None:
            return None
        stored = StoredImport(import_id, loaded[0], loaded[1], self.history)
        return self._remember(stored)

    def listing(self):
        """Every import kept, newest first, without reading their entries."""
        return self.history.listing()

    def delete(self, import_id):
        """Forget IMPORT_ID, on disk and in the cache; whether it existed."""
        if not isinstance(import_id, str) or not IMPORT_ID.fullmatch(import_id):
            return False
        with self._lock:
            self._cache.pop(import_id, None)
        return self.history.delete(import_id)

    def make_room(self, keep=None):
        """Before a new import: drop cached imports (oldest first, never KEEP) down to a small total."""
        with self._lock:
            for import_id in list(self._cache):
                if self._total() <= ENTRIES_KEPT_DURING_IMPORT:
                    break
                if import_id != keep:
                    del self._cache[import_id]

    def _remember(self, stored):
        """Cache STORED (a concurrent load of the same import keeps the first copy) and evict beyond the limits."""
        with self._lock:
            stored = self._cache.setdefault(stored.import_id, stored)
            self._cache.move_to_end(stored.import_id)
            while len(self._cache) > 1 and (len(self._cache) > self.max_imports or self._total() > self.max_entries):
                self._cache.popitem(last=False)
        return stored

    def _total(self):
        """Entries held in the cache."""
        return sum(len(s.result.entries) for s in self._cache.values())


def init_app(app):
    """Give the app its import store, kept in the data directory's 'imports' folder."""
    app.extensions["imports"] = ImportStore(ImportHistory(os.path.join(app.config["DATA_DIR"], "imports")))


def get_import(app, import_id):
    """The stored import IMPORT_ID of APP, or None."""
    return app.extensions["imports"].get(import_id)
