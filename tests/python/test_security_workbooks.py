"""Hostile workbooks against the real sidecar: zip bombs, billion laughs, external entities.

Each must be refused with a 4xx JSON error within 5 s, with under 100 MB of extra peak memory in the sidecar,
and without the sidecar opening a file or a URL the workbook names.
"""
import errno
import http.server
import io
import os
import struct
import threading
import time
import zipfile
import zlib

import pytest
import requests
from openpyxl import Workbook

from support.sidecar import Sidecar
from security_support import peak_rss_mb

MAX_SECONDS = 5
MAX_EXTRA_MB = 100
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"
BOMB_BYTES = 1024 ** 3
LAUGHS = "".join('<!ENTITY lol%d "%s">' % (i, "&lol%d;" % (i - 1) * 10) for i in range(1, 10))
BILLION_LAUGHS_DTD = '<!DOCTYPE worksheet [<!ENTITY lol0 "lol">%s]>' % LAUGHS
SHEET_BODY = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>'
              '<row r="2"><c r="A2" t="inlineStr"><is><t>+1 415 555 2671</t></is></c></row>'
              '<row r="3"><c r="A3" t="inlineStr"><is><t>%s</t></is></c></row></sheetData></worksheet>')
# What a workbook carrying a DTD is refused with (spreadsheets never need one).
DTD_REFUSAL = "unsafe_workbook"


def plain_xlsx():
    """The bytes of an ordinary small contact workbook."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone"])
    sheet.append(["Ann", "+1 415 555 2671"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replaced(parts):
    """The plain workbook with some parts replaced (name -> bytes)."""
    source = zipfile.ZipFile(io.BytesIO(plain_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.get(info.filename, source.read(info.filename)))
        for name, data in parts.items():
            if name not in source.namelist():
                target.writestr(name, data)
    return out.getvalue()


def sheet_with_dtd(dtd, cell):
    """sheet1.xml with a DTD in its prolog and CELL as the phone cell."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n%s\n%s' % (dtd, SHEET_BODY % cell)).encode()


def deflated_repeats(prefix, chunk, repeats):
    """(raw deflate bytes, crc, size) of PREFIX + CHUNK * REPEATS, compressing CHUNK only once.

    After a full flush the compressor forgets its history, so every further copy of CHUNK compresses to
    the very same bytes: a 1 GiB bomb takes a fraction of a second to build.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    return head + block * repeats + comp.flush(), crc, len(prefix) + len(chunk) * repeats


def write_zip(path, entries):
    """A zip of (name, raw deflate bytes, crc, size) entries, written by hand (zipfile would re-compress)."""
    local, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in entries:
        offset, encoded = local.tell(), name.encode()
        local.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size,
                                len(encoded), 0) + encoded + data)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), central.tell(), local.tell(), 0)
    with open(path, "wb") as f:
        f.write(local.getvalue() + central.getvalue() + end)


def zip_bomb(path, declared_small=False, filler=b" "):
    """A workbook whose sheet inflates to 1 GiB of FILLER (optionally with a directory that claims 1 KB)."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(plain_xlsx())) as source:
        for name in source.namelist():
            if name != SHEET:
                entries.append((name, *deflated_repeats(source.read(name), b"", 0)))
    chunk = filler * (8 * 1024 * 1024 // len(filler))
    entries.append((SHEET, *deflated_repeats(b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                                             b'spreadsheetml/2006/main">', chunk, BOMB_BYTES // len(chunk))))
    write_zip(path, entries)
    if declared_small:
        understate_size(path, SHEET, 1024)


def understate_size(path, name, size):
    """Make the local header and the central directory claim NAME inflates to SIZE bytes."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with open(path, "r+b") as f:
        f.seek(info.header_offset + 22)
        f.write(struct.pack("<L", size))
        f.seek(0)
        data, entry = f.read(), 0
        while True:
            entry = data.index(b"PK\x01\x02", entry)
            name_len = struct.unpack("<H", data[entry + 28:entry + 30])[0]
            if data[entry + 46:entry + 46 + name_len] == name.encode():
                break
            entry += 4
        f.seek(entry + 24)
        f.write(struct.pack("<L", size))


def many_entries_xlsx(count):
    """A workbook padded with COUNT tiny extra parts."""
    out = io.BytesIO(plain_xlsx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr("xl/pad/%d.xml" % i, b"<a/>")
    return out.getvalue()


class HitRecorder(http.server.BaseHTTPRequestHandler):
    """Records every request: an external entity that fetches a URL shows up here."""

    hits = []

    def do_GET(self):
        """Record and answer with something an entity would expand to."""
        HitRecorder.hits.append(self.path)
        body = b"LEAKED-BY-NETWORK"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture(scope="module")
def listener():
    """A loopback HTTP server that records whether anything fetched from it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HitRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


class FifoWatch:
    """A named pipe an entity points at: reading it would block, and opening it for reading is detected."""

    def __init__(self, path):
        self.path, self.opened, self._stop = str(path), False, threading.Event()
        os.mkfifo(self.path)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        """A non-blocking open for writing succeeds only while someone has the pipe open for reading."""
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as err:
                assert err.errno == errno.ENXIO
                time.sleep(0.005)
                continue
            self.opened = True
            os.write(fd, b"LEAKED-BY-FILE")
            os.close(fd)

    def stop(self):
        """Stop watching."""
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def bomb_sidecar(tmp_path_factory):
    """A sidecar of its own (peak memory is measured per process), warmed up with a normal workbook."""
    server = Sidecar(tmp_path_factory.mktemp("bombs")).start()
    warm = server.post("/upload", files={"file": ("ok.xlsx", plain_xlsx())})
    assert warm.status_code == 200, warm.text
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    """The two 1 GiB zip bombs, built once."""
    folder = tmp_path_factory.mktemp("bomb_files")
    honest, lying, dense = folder / "honest.xlsx", folder / "lying.xlsx", folder / "dense.xlsx"
    zip_bomb(honest)
    zip_bomb(lying, declared_small=True)
    # Cell references are what the used-range scan reads: the payload most expensive to look at.
    zip_bomb(dense, declared_small=True, filler=b'<c r="A1"/>')
    return {"honest": honest.read_bytes(), "lying": lying.read_bytes(), "dense": dense.read_bytes()}


def assert_refused_safely(server, data, code, filename="contacts.xlsx"):
    """Upload DATA: a 4xx JSON error, in time, within the memory budget, with no temp file left."""
    before = peak_rss_mb(server.proc.pid)
    started = time.monotonic()
    answer = requests.post(server.url + "/upload", files={"file": (filename, data)}, timeout=60)
    elapsed = time.monotonic() - started
    extra = peak_rss_mb(server.proc.pid) - before
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:500])
    assert answer.json()["code"] == code, answer.text
    assert elapsed < MAX_SECONDS, elapsed
    assert extra < MAX_EXTRA_MB, extra
    assert b"LEAKED" not in answer.content
    assert server.leftover_temp_files() == []
    return answer.json()


def test_the_same_workbook_without_a_dtd_imports(bomb_sidecar):
    """Control: the hostile workbooks differ from this accepted one only by their DTD or size."""
    answer = requests.post(bomb_sidecar.url + "/upload", timeout=60,
                           files={"file": ("ok.xlsx", replaced({SHEET: sheet_with_dtd("", "+1 415 555 2672")}))})
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 2


@pytest.mark.parametrize("kind", ["honest", "lying", "dense"])
def test_zip_bombs_are_refused(bomb_sidecar, bomb_files, kind):
    """1 GiB of sheet in a ~1 MB file, whether the zip directory admits it or lies about it."""
    assert len(bomb_files[kind]) < 5 * 1024 * 1024
    assert_refused_safely(bomb_sidecar, bomb_files[kind], "workbook_too_large")


def test_a_workbook_with_too_many_parts_is_refused(bomb_sidecar):
    """Entry count is checked before anything is opened."""
    assert_refused_safely(bomb_sidecar, many_entries_xlsx(20_000), "workbook_too_large")


@pytest.mark.parametrize("part", [SHEET, SHARED])
def test_billion_laughs_is_refused(bomb_sidecar, part):
    """Nested entities that would expand to gigabytes."""
    if part == SHEET:
        data = replaced({SHEET: sheet_with_dtd(BILLION_LAUGHS_DTD, "&lol9;")})
    else:
        shared = ('<?xml version="1.0"?>\n%s<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
                  % BILLION_LAUGHS_DTD.replace("worksheet", "sst")).encode()
        data = replaced({SHARED: shared})
    assert_refused_safely(bomb_sidecar, data, DTD_REFUSAL)


@pytest.mark.parametrize("how", ["general_entity", "parameter_entity", "external_dtd"])
def test_external_entities_are_refused_without_network_access(bomb_sidecar, listener, how):
    """Entities naming a URL: refused, and the URL is never fetched."""
    url = listener + "/xxe-" + how
    dtd = {"general_entity": '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "%s">]>' % url,
           "parameter_entity": '<!DOCTYPE worksheet [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % url,
           "external_dtd": '<!DOCTYPE worksheet SYSTEM "%s">' % url}[how]
    HitRecorder.hits.clear()
    workbook = replaced({SHEET: sheet_with_dtd(dtd, "&xxe;" if "general" in how else "1")})
    assert_refused_safely(bomb_sidecar, workbook, DTD_REFUSAL)
    time.sleep(0.2)
    assert HitRecorder.hits == []


def test_external_file_entities_are_refused_without_opening_the_file(bomb_sidecar, tmp_path):
    """An entity naming a local file (a pipe that reports being opened) is refused and never opened."""
    watch = FifoWatch(tmp_path / "secret-pipe")
    try:
        dtd = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://%s">]>' % watch.path
        assert_refused_safely(bomb_sidecar, replaced({SHEET: sheet_with_dtd(dtd, "&xxe;")}), DTD_REFUSAL)
        time.sleep(0.2)
    finally:
        watch.stop()
    assert watch.opened is False
