"""Input limits, rate limits, upload hygiene, export neutralisation and the generic 500, on the real sidecar."""
import csv
import io
import json
import os
import re
import socket
import sys
import time
import zipfile

import pytest
import requests
from openpyxl import load_workbook

from support.paths import BACKEND
from support.sidecar import Sidecar
from security_support import assert_json_error, lan_session

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SMALL_CSV = b"Name,Phone\nAnn,+1 415 555 2671\nBob,+1 415 555 2672\n"
# Runs the real app.py, with one extra route that fails the way a bug would (an exception no handler expects).
CRASHING_LAUNCHER = """
import sys
sys.path.insert(0, {backend!r})
import app, sidecar
build = sidecar.create_app
def create_app_with_a_bug(config=None):
    flask_app = build(config)
    def buggy_view():
        raise RuntimeError("simulated bug: secret detail that must stay in the log")
    flask_app.add_url_rule("/simulated-bug", "simulated_bug", buggy_view)
    return flask_app
sidecar.create_app = create_app_with_a_bug
sys.exit(app.main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """A real sidecar with tiny rate limits and a 1 MB upload limit."""
    server = Sidecar(tmp_path_factory.mktemp("limited"), env={
        "BULKMSG_RATE_LIMITS": "upload=3/60,parse=2/60,export=2/60,remap=2/60", "BULKMSG_MAX_UPLOAD_MB": "1",
        "BULKMSG_REMOTE_ACCESS": "1"})
    yield server.start()
    server.stop()


def upload_bytes(server, data, filename="contacts.csv", session=None, **kw):
    """POST /upload of DATA as FILENAME."""
    poster = session.post if session else requests.post
    return poster(server.url + "/upload", files={"file": (filename, data)}, timeout=300, **kw)


def test_uploads_beyond_the_budget_get_429_with_retry_after(limited):
    """Per client: the 4th upload in a minute is refused with 429 and Retry-After; another client is not."""
    for _ in range(3):
        assert upload_bytes(limited, SMALL_CSV).status_code == 200
    refused = upload_bytes(limited, SMALL_CSV)
    assert_json_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["retry_after"] == int(refused.headers["Retry-After"])
    token = limited.get("/settings/access").json()["token"]
    other = upload_bytes(limited, SMALL_CSV, session=lan_session(), headers={"Authorization": "Bearer " + token})
    assert other.status_code == 200, other.text


def test_each_expensive_endpoint_has_its_own_budget(limited):
    """Pasting, re-mapping and exporting are limited too, each in its own bucket."""
    paste = {"numbers": "+1 415 555 2671"}
    answers = [limited.post("/parse-manual-numbers", json=paste) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    import_id = answers[0].json()["import_id"]
    exports = [limited.get("/imports/%s/export?format=csv" % import_id) for _ in range(3)]
    assert [a.status_code for a in exports] == [200, 200, 429]
    remaps = [limited.post("/imports/%s/remap" % import_id, json={}) for _ in range(3)]
    assert [a.status_code for a in remaps] == [200, 200, 429]
    assert "Retry-After" in remaps[-1].headers
    assert limited.get("/imports/%s" % import_id).status_code == 200  # cheap reads are never limited


def test_a_body_over_the_limit_is_refused_before_parsing(limited):
    """1 MB limit: a 1.5 MB upload or JSON body gets a JSON 413 and nothing is stored."""
    before = limited.get("/imports").json()
    big = b"Name,Phone\n" + b"Ann,+1 415 555 2671\n" * 80_000
    refused = upload_bytes(limited, big)
    assert_json_error(refused, 413, "too_large")
    assert refused.json()["error"] == "The file is too large: this app accepts uploads of up to 1 MB."
    paste = b'{"numbers": "' + b"1" * 1_600_000 + b'"}'
    answer = limited.post("/parse-manual-numbers", data=paste, headers={"Content-Type": "application/json"})
    assert_json_error(answer, 413, "too_large")
    assert limited.get("/imports").json() == before
    assert limited.leftover_temp_files() == []


def test_a_declared_huge_body_is_refused_without_reading_it(limited):
    """A 5 GB Content-Length is answered at once (by the server, before the app) with the JSON 413."""
    with socket.create_connection(("127.0.0.1", limited.port), timeout=30) as conn:
        conn.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: multipart/form-data; "
                     b"boundary=x\r\nContent-Length: 5000000000\r\n\r\n" % limited.port)
        started = time.monotonic()
        reply = b""
        while b"}" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert time.monotonic() - started < 5
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), reply[:300]
    assert b"application/json" in head
    assert b'"code": "too_large"' in body
    # Written for a person: the limit in MB, none of the server's setting names or byte counts.
    assert json.loads(body[:body.index(b"}") + 1])["error"] == \
        "The file is too large: this app accepts uploads of up to 1 MB."


def multipart(fields):
    """A multipart/form-data body of (name, filename or None, bytes) parts, and its content type."""
    boundary = "----securitytest"
    out = io.BytesIO()
    for name, filename, data in fields:
        disposition = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out.write(("--%s\r\nContent-Disposition: %s\r\n\r\n" % (boundary, disposition)).encode())
        out.write(data + b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode())
    return out.getvalue(), "multipart/form-data; boundary=" + boundary


def test_too_many_form_parts_are_refused(sidecar):
    """A form with hundreds of parts is refused before any of it is used."""
    body, ctype = multipart([("file", "c.csv", SMALL_CSV)] + [("f%d" % i, None, b"x") for i in range(500)])
    answer = sidecar.post("/upload", data=body, headers={"Content-Type": ctype})
    assert_json_error(answer, 413, "too_many_parts")
    assert sidecar.leftover_temp_files() == []


def test_too_many_form_parts_to_an_attachment_are_refused_with_a_described_code(sidecar):
    """Every multipart endpoint has the form limits, not only /upload; the code is one /attachments' 413 lists
    (schemathesis found the description missing it)."""
    body, ctype = multipart([("file", "a.png", b"x")] + [("f%d" % i, None, b"x") for i in range(40)])
    answer = sidecar.post("/attachments", data=body, headers={"Content-Type": ctype})
    assert_json_error(answer, 413, "too_many_parts")
    described = sidecar.get("/openapi.json").json()["paths"]["/attachments"]["post"]["responses"]["413"]
    assert "too_many_parts" in described["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
    assert sidecar.leftover_temp_files() == []


def test_an_oversized_form_field_is_refused(sidecar):
    """A text field over 1 MB (not a file) is refused."""
    body, ctype = multipart([("file", "c.csv", SMALL_CSV), ("default_region", None, b"U" * 2_000_000)])
    answer = sidecar.post("/upload", data=body, headers={"Content-Type": ctype})
    assert_json_error(answer, 413, "field_too_large")


def test_a_normal_form_still_passes_the_form_limits(sidecar):
    """The limits leave the real upload form (file + five fields) alone."""
    body, ctype = multipart([("file", "c.csv", SMALL_CSV), ("default_region", None, b"US"),
                             ("phone_column", None, b"Phone"), ("name_column", None, b"Name"), ("sheet", None, b""),
                             ("country_column", None, b"")])
    answer = sidecar.post("/upload", data=body, headers={"Content-Type": ctype})
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 2


@pytest.mark.slow
def test_a_table_over_the_row_cap_is_refused_clearly(sidecar):
    """2,000,001 data rows: 413 too_many_rows with a message naming the limit, nothing stored, no temp file."""
    before = sidecar.get("/imports").json()
    data = b"Phone\n" + b"1\n" * 2_000_001
    answer = upload_bytes(sidecar, data, "rows.csv")
    assert_json_error(answer, 413, "too_many_rows")
    assert "2000000" in answer.json()["error"]
    assert sidecar.get("/imports").json() == before
    assert sidecar.leftover_temp_files() == []


def test_a_table_over_the_column_cap_is_refused_clearly(sidecar):
    """1,001 columns: 413 too_many_columns."""
    header = ",".join(["Phone"] + ["c%d" % i for i in range(1000)])
    row = ",".join(["+1 415 555 2671"] + ["x"] * 1000)
    answer = upload_bytes(sidecar, ("%s\n%s\n" % (header, row)).encode(), "wide.csv")
    assert_json_error(answer, 413, "too_many_columns")


def test_phone_cells_over_250_characters_are_rejected_per_row(sidecar):
    """A 257-character cell whose digits alone would be valid is that row's too_long; other rows are fine."""
    long_cell = "+1 (415) 555-2672" + "-" * 240
    assert len(long_cell) > 250
    data = ("Name,Phone\nAnn,+1 415 555 2671\nBob,%s\nCid,+1 415 555 2673\n" % long_cell).encode()
    answer = upload_bytes(sidecar, data)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [c["name"] for c in body["contacts"]] == ["Ann", "Cid"]
    assert [(i["name"], i["reason"]) for i in body["invalid"]] == [("Bob", "too_long")]
    check = sidecar.post("/validate-number", json={"number": long_cell})
    assert check.status_code == 200
    assert check.json()["valid"] is False and check.json()["reason"] == "too_long"


@pytest.mark.parametrize("filename", ["../../../escaped.csv", "/tmp/absolute-escape.csv", "..\\..\\win-escape.csv",
                                      "a/../../nested-escape.csv", "C:\\Windows\\drive-escape.csv",
                                      "x" * 5000 + ".csv", "con.csv", ".csv", "evil.csv\r\nX-Injected: 1"])
def test_client_filenames_never_become_paths(sidecar, filename):
    """Whatever the client calls its file, nothing is written outside a private temp folder, and that goes."""
    answer = upload_bytes(sidecar, SMALL_CSV, filename)
    assert answer.status_code in (200, 400), answer.text
    assert sidecar.leftover_temp_files() == []
    base = os.path.basename(filename.replace("\\", "/"))[:200]
    for root in (sidecar.temp_dir, os.path.dirname(sidecar.temp_dir), sidecar.data_dir, BACKEND, "/tmp"):
        assert not os.path.exists(os.path.join(root, base)), root


def test_upload_temp_files_are_removed_after_failures_too(sidecar):
    """Damaged, empty and unsupported uploads leave nothing behind."""
    for data, name in ((b"PK\x03\x04garbage", "broken.xlsx"), (b"", "empty.csv"), (b"\x00\x01\x02" * 100, "x.bin"),
                       (b"%PDF-1.4\n%\xe2\xe3\n", "doc.pdf")):
        answer = upload_bytes(sidecar, data, name)
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["code"]
    assert sidecar.leftover_temp_files() == []


DANGEROUS_CSV = (
    'Name,Phone,Note,Company\n'
    '"=HYPERLINK(""http://evil.example"")",+1 415 555 2671,@SUM(A1:A9),+cmd|\' /C calc\'!A0\n'
    '"-2+3",+1 415 555 2672,"=1+1","a\tb"\n'
    '"@evil",+1 415 555 2673,"-10","\tTabbed"\n'
    'Plain,=1+2,"\r=cr",ok\n'
).encode()


def assert_neutralised(cells):
    """No text cell would be run as a formula by a spreadsheet (E.164 numbers, digits only, are kept as is)."""
    checked = 0
    for cell in cells:
        if isinstance(cell, str) and cell and not E164.fullmatch(cell):
            assert not cell.startswith(FORMULA_TRIGGERS), repr(cell)
            checked += 1
    assert checked > 0


def test_exports_neutralise_formulas_in_every_text_cell(sidecar):
    """CSV exports of contacts and rejects: = + - @ tab CR LF never start a cell. XLSX: every cell is an inline
    string (never evaluated, so its text is written as it is) and no formula element exists."""
    answer = upload_bytes(sidecar, DANGEROUS_CSV)
    assert answer.status_code == 200, answer.text
    import_id = answer.json()["import_id"]
    assert answer.json()["count"] == 3 and len(answer.json()["invalid"]) == 1
    for what in ("contacts", "rejects"):
        exported = sidecar.get("/imports/%s/export?what=%s&format=csv" % (import_id, what))
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert len(rows) > 1
        assert_neutralised(cell for row in rows for cell in row)
        xlsx = sidecar.get("/imports/%s/export?what=%s&format=xlsx" % (import_id, what))
        with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
            sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all("<f>" not in x and "<f " not in x for x in sheets)
        assert all(x.count("<c ") == x.count('t="inlineStr"') for x in sheets)
        book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
        cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert '=HYPERLINK("http://evil.example")' in cells or what == "rejects"  # as typed, no apostrophe
        assert not [c for c in cells if isinstance(c, str) and c.startswith("'")]


def start_crashing_sidecar(tmp_path):
    """The real app.py (waitress, logging) with one route that raises, on a free port."""
    launcher = tmp_path / "launch_with_bug.py"
    launcher.write_text(CRASHING_LAUNCHER.format(backend=BACKEND))
    return Sidecar(tmp_path, program=(sys.executable, launcher)).start()


def test_an_unexpected_exception_is_a_generic_500_with_an_id_in_the_log(tmp_path):
    """No traceback or detail to the client; the id it gets names the log line that holds the traceback."""
    server = start_crashing_sidecar(tmp_path)
    try:
        answer = server.get("/simulated-bug")
    finally:
        server.stop()
    assert answer.status_code == 500
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "internal_error" and len(body["error_id"]) >= 8
    assert "Traceback" not in answer.text and "secret detail" not in answer.text
    with open(os.path.join(server.data_dir, "logs", "sidecar.log"), encoding="utf-8") as f:
        log = f.read()
    lines = [line for line in log.splitlines() if body["error_id"] in line]
    assert len(lines) == 1, log
    assert "secret detail" in log[log.index(lines[0]):]
