"""Import history on disk: every import in its own owner-only folder, so it survives restarts and leaves memory.

One folder per import under ROOT:
    meta.json      what the import found (region, columns, headers, preview, sheets, summary) and its options
    entries.arrow  every entry, as Arrow IPC: a 1M-row import reads back in ~0.2 s
    source/        what a re-map reads again: the sheets as Arrow IPC, or the pasted text
    edits.jsonl    fixes made after the import, replayed in order when it is read again
    compress.pending  present while the tables are still uncompressed (see below)

A folder is written under a temporary name and renamed when complete, so an import that is listed is whole;
a crash leaves only a temporary folder, removed at the next start.

The tables are written uncompressed, because the user waits for the save (an answer never names an import that
is not on disk) and zstd was most of it: 0.25 s of a 1M-row upload, 0.4 s of CPU. compress() rewrites them with
zstd once the answer is out (3-5x smaller), each table replaced whole, so a crash at any point leaves tables that
read the same; the marker says an import still needs it, and a restart finishes what was left.
"""
import contextlib
import errno
import json
import logging
import os
import secrets
import shutil
import threading
import time

import pyarrow as pa
import pyarrow.feather as feather

from core import errors
from core.errors import DomainError
from .edit import apply_edit
from .extract import ImportResult
from .readers.model import Sheet, Workbook

OWNER_DIR, OWNER_FILE = 0o700, 0o600
TEMP_PREFIX = ".partial-"
WRITE_SLICE_ROWS = 100_000
RESULT_FIELDS = ("region", "file_type", "mapping", "headers", "preview", "sheets", "sheet")
PENDING_COMPRESSION = "compress.pending"
PARTIAL_SUFFIX = ".partial-"
COMPRESSION = "zstd"
# A full disk; EDQUOT, a user's quota, is the same to the user.
NO_ROOM = {errno.ENOSPC, errno.EDQUOT}
log = logging.getLogger(__name__)


class ImportHistory:
    """The imports kept in folder ROOT: save, list, load, record fixes, delete."""

    def __init__(self, root):
        self.root = root
        # One compression at a time, and never during a delete (which would race its replaced files).
        self._compressing = threading.Lock()
        os.makedirs(root, mode=OWNER_DIR, exist_ok=True)
        self.remove_unfinished()

    def folder(self, import_id):
        """The folder of IMPORT_ID (ids are made by the store: no path characters)."""
        return os.path.join(self.root, import_id)

    def remove_unfinished(self):
        """Remove the temporary folders of saves that never finished."""
        for name in os.listdir(self.root):
            if name.startswith(TEMP_PREFIX):
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def save(self, import_id, result, source, options):
        """Write the import whole, or nothing (OSError, e.g. a full disk, after cleaning up): its tables
        uncompressed, for compress() to shrink later, or compressed at once when the disk has no room for them."""
        try:
            self._write(import_id, result, source, options, compression=None)
        except OSError as err:
            if err.errno not in NO_ROOM:
                raise
            self._write(import_id, result, source, options, compression=COMPRESSION)

    def _write(self, import_id, result, source, options, compression):
        """save() with the tables' COMPRESSION (None: uncompressed, and marked for compress())."""
        temp = os.path.join(self.root, TEMP_PREFIX + import_id)
        try:
            os.makedirs(os.path.join(temp, "source"), mode=OWNER_DIR)
            write_table(os.path.join(temp, "entries.arrow"), result.entries, compression)
            write_source(os.path.join(temp, "source"), source, compression)
            meta = {field: getattr(result, field) for field in RESULT_FIELDS}
            meta.update(import_id=import_id, created=time.time(), options=options, summary=result.summary(),
                        source_name=options.get("source_name"))
            write_private(os.path.join(temp, "meta.json"), json.dumps(meta, default=str).encode("utf-8"))
            if compression is None:
                write_private(os.path.join(temp, PENDING_COMPRESSION), b"")
            os.rename(temp, self.folder(import_id))
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise

    def compress(self, import_id, before_each=lambda: None):
        """Rewrite IMPORT_ID's uncompressed tables with zstd, one at a time, each replaced whole, calling
        BEFORE_EACH() before each one (to wait for a quiet moment); whether none is left to do. A failure (a full
        disk, the import deleted meanwhile) leaves tables that read the same, still marked."""
        folder = self.folder(import_id)
        marker = os.path.join(folder, PENDING_COMPRESSION)
        try:
            for path in table_paths(folder) if os.path.exists(marker) else ():
                before_each()
                with self._compressing:
                    compress_table(path)
            with self._compressing:
                if os.path.exists(marker):
                    os.remove(marker)
        except (OSError, pa.ArrowException) as err:
            log.warning("import %s stays uncompressed for now: %s", import_id, err)
            return False
        return True

    def pending_compression(self):
        """The imports whose tables are still uncompressed (a save whose compress() never ran or ended)."""
        return [name for name in os.listdir(self.root) if not name.startswith(TEMP_PREFIX)
                and os.path.exists(os.path.join(self.folder(name), PENDING_COMPRESSION))]

    def listing(self):
        """The summary of every whole import, newest first (an unreadable one is left out)."""
        found = []
        for name in os.listdir(self.root):
            if name.startswith(TEMP_PREFIX):
                continue
            try:
                meta = read_meta(self.folder(name))
            except (OSError, ValueError):
                continue
            found.append({key: meta.get(key) for key in ("import_id", "source_name", "created", "region",
                                                          "file_type", "summary")})
        return sorted(found, key=lambda m: m["created"] or 0, reverse=True)

    def exists(self, import_id):
        """Whether IMPORT_ID has a folder."""
        return os.path.isdir(self.folder(import_id))

    def load(self, import_id):
        """(ImportResult, options) of IMPORT_ID with its fixes applied; None when there is no such import."""
        path = self.folder(import_id)
        if not os.path.isdir(path):
            return None
        try:
            meta = read_meta(path)
            entries = read_entries(os.path.join(path, "entries.arrow"))
            result = ImportResult(entries=entries, **{field: meta[field] for field in RESULT_FIELDS})
            for edit in read_edits(os.path.join(path, "edits.jsonl")):
                apply_edit(result, edit["entry_id"], edit.get("field", "value"), edit["value"])
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as err:
            raise DomainError("import_unreadable", "This import's saved copy cannot be read any more; delete it "
                                                   "and import the file again.", errors.CONFLICT) from err
        return result, meta.get("options") or {}

    def load_source(self, import_id):
        """What a re-map reads again: the Workbook or the pasted text; None when it was not kept."""
        return read_source(os.path.join(self.folder(import_id), "source"))

    def record_edit(self, import_id, entry_id, value, field="value"):
        """Append one fix (FIELD: 'value' or 'name'), made durable before the answer goes out."""
        path = os.path.join(self.folder(import_id), "edits.jsonl")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_FILE)
        except FileNotFoundError:  # deleted by another request after this one found it
            raise DomainError("not_found", "This import was deleted; import the file again.", errors.NOT_FOUND) from None
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps({"entry_id": entry_id, "field": field, "value": value}) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def delete(self, import_id):
        """Remove IMPORT_ID; whether it was there."""
        path = self.folder(import_id)
        if not os.path.isdir(path):
            return False
        trash = os.path.join(self.root, TEMP_PREFIX + "deleted-" + import_id)
        with self._compressing:
            os.rename(path, trash)  # gone from the listing at once, even if the removal below is interrupted
        shutil.rmtree(trash, ignore_errors=True)
        return True


def write_private(path, data):
    """Write DATA to a new owner-only file at PATH."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_FILE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write_table(path, frame, compression=COMPRESSION):
    """FRAME (text or typed columns) as an Arrow IPC file (COMPRESSION: zstd or None) readable only by its owner.

    Converted whole and written through Arrow's own file in one call, which holds the GIL only at its start:
    the save runs beside a thread encoding the answer, and written slice by slice through a Python file object
    it needed the GIL for every buffer, each time waiting out the interpreter's 5 ms switch interval (a 1M-row
    save took 3.0 s beside a busy thread instead of 0.3 s; BENCHMARKS.md). Text columns are already Arrow, so
    the conversion copies only the object and category columns (~5 MB for 1M entries)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with new_private_table(path, table.schema, compression) as writer:
        writer.write_table(table, max_chunksize=WRITE_SLICE_ROWS)


@contextlib.contextmanager
def new_private_table(path, schema, compression):
    """An Arrow IPC writer (COMPRESSION: zstd or None) of a new file at PATH that only its owner can read."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_FILE))  # Arrow reopens it: mode kept
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, schema, options=options) as writer:
        yield writer


def table_paths(folder):
    """The Arrow tables of an import folder: its entries and its source sheets."""
    source = os.path.join(folder, "source")
    sheets = sorted(name for name in os.listdir(source) if name.endswith(".arrow")) if os.path.isdir(source) else []
    return [os.path.join(folder, "entries.arrow")] + [os.path.join(source, name) for name in sheets]


def compress_table(path):
    """Rewrite the Arrow IPC file at PATH with zstd, a slice at a time (little memory), through a partial file
    that replaces it whole; leftovers of an earlier try are removed first."""
    folder, name = os.path.split(path)
    for leftover in os.listdir(folder):
        if leftover.startswith(name + PARTIAL_SUFFIX):
            os.remove(os.path.join(folder, leftover))
    partial = path + PARTIAL_SUFFIX + secrets.token_hex(4)
    try:
        with pa.OSFile(path) as source:
            reader = pa.ipc.open_file(source)
            with new_private_table(partial, reader.schema, COMPRESSION) as writer:
                for index in range(reader.num_record_batches):
                    writer.write_batch(reader.get_batch(index))
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def read_entries(path):
    """The entries with the column types they were saved with (Arrow reads plain object columns back as
    strings: those are turned back, missing values None, as the pipeline made them)."""
    table = feather.read_table(path)
    entries = table.to_pandas()
    for column in (table.schema.pandas_metadata or {}).get("columns", []):
        if column.get("numpy_type") == "object" and column.get("name") in entries.columns:
            values = entries[column["name"]].astype(object)
            entries[column["name"]] = values.where(values.notna(), None)
    return entries


def write_source(folder, source, compression=COMPRESSION):
    """The pasted text, or each sheet of the workbook (its COMPRESSION) with its name."""
    if isinstance(source, str):
        write_private(os.path.join(folder, "text.txt"), source.encode("utf-8"))
        return
    if not isinstance(source, Workbook):
        return
    names = []
    for index, sheet in enumerate(source.sheets):
        frame = sheet.frame.copy(deep=False)
        frame.columns = [str(i) for i in range(frame.shape[1])]
        write_table(os.path.join(folder, "sheet-%d.arrow" % index), frame, compression)
        names.append(sheet.name)
    book = {"file_type": source.file_type, "sheets": names, "free_text": source.free_text,
            "damaged": [i for i, sheet in enumerate(source.sheets) if sheet.damaged]}
    write_private(os.path.join(folder, "workbook.json"), json.dumps(book).encode("utf-8"))


def read_source(folder):
    """The Workbook or text written by write_source, or None."""
    text = os.path.join(folder, "text.txt")
    if os.path.exists(text):
        with open(text, encoding="utf-8") as f:
            return f.read()
    book_path = os.path.join(folder, "workbook.json")
    if not os.path.exists(book_path):
        return None
    with open(book_path, encoding="utf-8") as f:
        book = json.load(f)
    sheets, damaged = [], set(book.get("damaged", ()))
    for index, name in enumerate(book["sheets"]):
        frame = feather.read_table(os.path.join(folder, "sheet-%d.arrow" % index)).to_pandas()
        frame.columns = range(frame.shape[1])
        sheets.append(Sheet(name, frame, damaged=index in damaged))
    return Workbook(book["file_type"], sheets, book.get("free_text"))


def read_meta(folder):
    """The meta.json of an import folder."""
    with open(os.path.join(folder, "meta.json"), encoding="utf-8") as f:
        return json.load(f)


def read_edits(path):
    """The recorded fixes, oldest first (a last line cut by a crash is ignored)."""
    if not os.path.exists(path):
        return []
    edits = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                edits.append(json.loads(line))
            except ValueError:
                break
    return edits
