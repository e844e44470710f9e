"""Recent imports kept in memory so the UI can page, fix, re-map and export them without re-uploading."""
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from contacts.report import contact_records

# The UI works on one import at a time; a few more let the user go back. A 1M-row import holds ~150 MB.
MAX_IMPORTS = 4
MAX_TOTAL_ENTRIES = 3_000_000


@dataclass
class StoredImport:
    """One import: its result, and the source it came from (for re-mapping)."""

    import_id: str
    result: object
    source: object = None
    options: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def contacts(self, batch=10_000):
        """Every messageable contact, as API records, a batch at a time: valid numbers, and rows whose
        number is unusable but whose email address is good (number None) for email campaigns."""
        entries = self.result.entries
        usable = entries["status"] == "valid"
        if "email" in entries.columns:
            usable |= (entries["status"] == "invalid") & entries["email"].notna() & \
                (entries["email_duplicate_of_row"] == 0)
        chosen = entries[usable]
        for start in range(0, len(chosen), batch):
            yield from contact_records(chosen.iloc[start:start + batch])


class ImportStore:
    """A small LRU of imports, bounded by count and by total entries."""

    def __init__(self, max_imports=MAX_IMPORTS, max_entries=MAX_TOTAL_ENTRIES):
        self._items = OrderedDict()
        self._lock = threading.Lock()
        self.max_imports, self.max_entries = max_imports, max_entries

    def add(self, result, source=None, options=None):
        """Keep RESULT and return its new import."""
        stored = StoredImport("imp_" + secrets.token_urlsafe(12), result, source, dict(options or {}))
        with self._lock:
            self._items[stored.import_id] = stored
            self._evict()
        return stored

    def get(self, import_id):
        """The stored import, or None; a hit makes it the most recent."""
        with self._lock:
            stored = self._items.get(import_id)
            if stored is not None:
                self._items.move_to_end(import_id)
            return stored

    def ids(self):
        """The ids of the imports held, oldest first."""
        with self._lock:
            return list(self._items)

    def _evict(self):
        """Drop the oldest imports beyond the limits (the newest one always stays)."""
        while len(self._items) > 1 and (len(self._items) > self.max_imports or self._total() > self.max_entries):
            self._items.popitem(last=False)

    def _total(self):
        """Entries held across all imports."""
        return sum(len(s.result.entries) for s in self._items.values())


def init_app(app):
    """Give the app its import store."""
    app.extensions["imports"] = ImportStore()


def get_import(app, import_id):
    """The stored import IMPORT_ID of APP, or None."""
    return app.extensions["imports"].get(import_id)
