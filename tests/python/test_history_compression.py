"""An import's tables are saved uncompressed (the user waits for the save) and compressed with zstd once the
answer is out: the import reads the same before, during and after, a crash or a full disk at any point leaves
it readable, and a restart finishes a compression that was cut short."""
import io
import os
import threading

import pyarrow as pa
import pytest
from contacts.extract import extract_workbook
from contacts.history import PARTIAL_SUFFIX, PENDING_COMPRESSION, ImportHistory, compress_table, table_paths
from contacts.readers import read_file
from core.memory import HEAVY_REQUESTS
from sidecar.imports_store import QUIET_WAIT_S, ImportStore
from support.disk import fill, small_disk  # noqa: F401  (the tmpfs fixture that fills up)
from support.sidecar import Sidecar, wait_for

ROWS = 40_000


def contacts_csv(rows=ROWS):
    """A contact file of ROWS rows: names, Indian mobiles (some repeated), a city, an email for some."""
    lines = ["Name,Phone,City,Email"]
    for i in range(rows):
        email = "p%d@example.com" % i if i % 3 == 0 else ""
        lines.append("Person %d,+91 98%03d %05d,City %d,%s" % (i, i % 997, (i * 7919) % 100000, i % 50, email))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """(workbook, result) of contacts_csv() read and extracted in process, as the sidecar does."""
    path = tmp_path_factory.mktemp("source") / "people.csv"
    path.write_bytes(contacts_csv())
    workbook = read_file(str(path), "people.csv")
    return workbook, extract_workbook(workbook, "IN")


def table_sizes(folder):
    """{table path: bytes} of an import folder's Arrow tables."""
    return {path: os.path.getsize(path) for path in table_paths(folder)}


def uncompressed_size(path):
    """Bytes the Arrow table at PATH takes written without compression."""
    table = pa.ipc.open_file(path).read_all()
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.tell()


def leftovers(folder):
    """Partial files left in an import folder."""
    return [name for _, _, names in os.walk(folder) for name in names if PARTIAL_SUFFIX in name]


def same_import(history, import_id, result, workbook):
    """Whether IMPORT_ID reads back as RESULT's entries and WORKBOOK's sheets."""
    entries = history.load(import_id)[0].entries
    sheets = history.load_source(import_id).sheets
    return entries.equals(result.entries) and len(sheets) == len(workbook.sheets) and \
        all(a.frame.equals(b.frame) for a, b in zip(sheets, workbook.sheets))


def test_a_saved_import_is_uncompressed_and_marked_then_compressed_whole_and_owner_only(tmp_path, imported):
    workbook, result = imported
    history = ImportHistory(str(tmp_path / "imports"))
    history.save("imp_a", result, workbook, {})
    folder = history.folder("imp_a")
    assert history.pending_compression() == ["imp_a"]
    loose = table_sizes(folder)
    assert all(size == uncompressed_size(path) for path, size in loose.items())
    assert same_import(history, "imp_a", result, workbook)
    assert history.compress("imp_a") is True
    assert history.pending_compression() == [] and not os.path.exists(os.path.join(folder, PENDING_COMPRESSION))
    compressed = table_sizes(folder)
    assert all(compressed[path] * 2 < loose[path] for path in loose), (loose, compressed)
    assert same_import(history, "imp_a", result, workbook)
    assert leftovers(folder) == []
    for path in compressed:
        assert oct(os.stat(path).st_mode & 0o777) == "0o600", path
    assert history.compress("imp_a") is True and table_sizes(folder) == compressed  # nothing left to do


def test_a_compression_cut_short_reads_the_same_and_a_restart_finishes_it(tmp_path, imported):
    """As after a crash in the middle: the source sheet already compressed, the entries not, and a half-written
    partial file beside them. The next sidecar finishes the job at start; every row still reads the same."""
    workbook, result = imported
    data_dir = tmp_path / "data"
    history = ImportHistory(str(data_dir / "imports"))
    history.save("imp_cutshort00000000", result, workbook, {"default_region": "IN", "source_name": "people.csv"})
    folder = history.folder("imp_cutshort00000000")
    entries_path, sheet_path = table_paths(folder)
    compress_table(sheet_path)
    with open(entries_path + ".partial-deadbeef", "wb") as partial:
        partial.write(b"ARROW1\0\0 cut")
    assert same_import(history, "imp_cutshort00000000", result, workbook)
    server = Sidecar(tmp_path / "home", data_dir=data_dir).start()
    try:
        wait_for(lambda: not os.path.exists(os.path.join(folder, PENDING_COMPRESSION)), timeout=30)
        assert leftovers(folder) == []
        assert os.path.getsize(entries_path) * 2 < uncompressed_size(entries_path)
        summary = server.get("/imports/imp_cutshort00000000").json()["summary"]
        assert summary == result.summary()
        valid = server.get("/imports/imp_cutshort00000000/rows?status=valid&limit=5").json()
        assert valid["total"] == result.summary()["valid"]
    finally:
        server.stop()
    assert same_import(history, "imp_cutshort00000000", result, workbook)


def test_deleting_an_import_while_it_is_compressed_removes_it_whole(tmp_path, imported):
    workbook, result = imported
    history = ImportHistory(str(tmp_path / "imports"))
    for attempt in range(6):
        import_id = "imp_race%d" % attempt
        history.save(import_id, result, workbook, {})
        outcome = []
        compressing = threading.Thread(target=lambda: outcome.append(history.compress(import_id)))
        compressing.start()
        threading.Event().wait(0.01 * attempt)
        assert history.delete(import_id) is True
        compressing.join()
        assert len(outcome) == 1  # it ended, compressed or not, without raising
        assert os.listdir(history.root) == []  # neither the folder nor a trash folder nor a partial file
        assert history.load(import_id) is None and history.pending_compression() == []


def test_a_disk_without_room_for_the_uncompressed_tables_gets_them_compressed_at_once(tmp_path, small_disk,
                                                                                     imported):
    workbook, result = imported
    roomy = ImportHistory(str(tmp_path / "roomy"))
    roomy.save("imp_loose", result, workbook, {})
    loose = sum(table_sizes(roomy.folder("imp_loose")).values())
    roomy.compress("imp_loose")
    compressed = sum(table_sizes(roomy.folder("imp_loose")).values())
    assert compressed * 3 < loose
    history = ImportHistory(str(small_disk / "imports"))
    filler = fill(str(small_disk))
    with open(filler, "r+b") as f:  # leave room for the compressed tables, not for the uncompressed ones
        f.truncate(os.path.getsize(filler) - (compressed + loose) // 2)
    history.save("imp_tight", result, workbook, {})
    assert history.pending_compression() == []
    assert sum(table_sizes(history.folder("imp_tight")).values()) == compressed
    assert same_import(history, "imp_tight", result, workbook)
    assert [name for name in os.listdir(history.root)] == ["imp_tight"]  # the first try left nothing


def test_a_compression_that_finds_the_disk_full_leaves_the_import_as_it_was(small_disk, imported):
    workbook, result = imported
    history = ImportHistory(str(small_disk / "imports"))
    history.save("imp_full", result, workbook, {})
    folder = history.folder("imp_full")
    loose = table_sizes(folder)
    filler = fill(str(small_disk))
    assert history.compress("imp_full") is False
    assert table_sizes(folder) == loose and leftovers(folder) == []
    assert history.pending_compression() == ["imp_full"]
    assert same_import(history, "imp_full", result, workbook)
    os.remove(filler)
    assert history.compress("imp_full") is True and history.pending_compression() == []
    assert same_import(history, "imp_full", result, workbook)


def test_compression_waits_while_an_import_or_export_is_in_progress(tmp_path, imported):
    """Its buffers must not add to a heavy request's peak: it starts once none is in progress."""
    workbook, result = imported
    store = ImportStore(ImportHistory(str(tmp_path / "imports")))
    stored = store.add(result, workbook, {})
    marker = os.path.join(store.history.folder(stored.import_id), PENDING_COMPRESSION)
    HEAVY_REQUESTS.enter()
    try:
        store.compress_soon(stored.import_id)
        threading.Event().wait(1.0)
        assert os.path.exists(marker)
    finally:
        HEAVY_REQUESTS.leave()
    wait_for(lambda: not os.path.exists(marker), timeout=10)
    assert same_import(store.history, stored.import_id, result, workbook)


def test_an_uploaded_import_is_compressed_after_its_answer_and_pages_the_same_after_a_restart(tmp_path):
    server = Sidecar(tmp_path / "home").start()
    try:
        # Refused heavy requests first: each must count as ended, or the compression would wait for them.
        assert server.post("/upload", data={"default_region": "IN"}).json()["code"] == "no_file"
        assert server.post("/upload", files={"file": ("x.csv", b"Name\nAsha\n")}).json()["code"] == "no_phone_column"
        assert server.get("/imports/imp_AAAAAAAAAAAAAAAA/export?format=csv").status_code == 404
        assert server.post("/parse-manual-numbers", json={"numbers": 7}).status_code == 400
        answer = server.post("/upload", files={"file": ("people.csv", contacts_csv())}, data={"default_region": "IN"})
        assert answer.status_code == 200, answer.text[:300]
        import_id = answer.json()["import_id"]
        folder = os.path.join(server.data_dir, "imports", import_id)
        wait_for(lambda: not os.path.exists(os.path.join(folder, PENDING_COMPRESSION)), timeout=QUIET_WAIT_S / 3)
        assert leftovers(folder) == []
        assert all(size * 2 < uncompressed_size(path) for path, size in table_sizes(folder).items())
        before = server.get("/imports/%s/rows?status=all&limit=500&offset=1000" % import_id).json()
        server.stop()
        server.start()
        after = server.get("/imports/%s/rows?status=all&limit=500&offset=1000" % import_id).json()
        assert after == before and len(after["rows"]) == 500
        assert server.get("/imports/" + import_id).json()["summary"] == answer.json()["summary"]
        remapped = server.post("/imports/%s/remap" % import_id, json={"name_column": "City"})
        assert remapped.status_code == 200, remapped.text[:300]
        assert remapped.json()["summary"]["rows"] == ROWS
    finally:
        server.stop()
