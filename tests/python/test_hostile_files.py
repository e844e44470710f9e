"""Hostile files against the real sidecar process: none may kill it, bloat it, or leave a temp file behind.

Each reproduces a red-team finding (issue 12): a 1.6 KB workbook whose far cell is spelt so the old used-range
check missed it killed the whole process; a one-line CSV of commas cost ~0.5 GB per MB; CR-only line ends were
refused; the export's header row carried live formulas; upload folders of a dead process were never removed.
"""
import csv
import io
import os
import subprocess
import sys
import time
import zipfile

import pytest
import requests

from support.paths import SCRIPTS
from support.sidecar import Sidecar
from security_support import peak_rss_mb

sys.path.insert(0, SCRIPTS)
import hostile_corpus as hc  # noqa: E402  (scripts/ is not a package)

E164 = r"^\+[1-9]\d{6,14}$"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The finding and the spellings that hid its far cell from the old check (each killed the old sidecar).
CRASHERS = {
    "single quotes": hc.xlsx(hc.sheet_xml(hc.far_cell("XFD1048576", "r='%s'"))),
    "blanks around =": hc.xlsx(hc.sheet_xml(hc.far_cell("XFD1048576", 'r = "%s"'))),
    "lower case": hc.xlsx(hc.sheet_xml(hc.far_cell("xfd1048576"))),
    "sheet at another path": hc.xlsx(hc.sheet_xml(hc.far_cell("XFD1048576")), "worksheets/sheet1"),
    "namespace prefix": hc.xlsx(hc.sheet_xml(hc.far_cell("XFD1048576", "r='%s'", "x:"), "x:")),
    "xls declaring 4 billion rows": hc.xls_with_dimensions(0xFFFFFFFF, 0xFFFF),
    "zip named .ods": hc.zip_bytes(hc.workbook_parts(hc.sheet_xml("")) +
                                   [("content.xml", hc.ods_table()), ("META-INF/manifest.xml", "<manifest/>")]),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real sidecar of this module's own, so its temp folder and memory are this module's alone."""
    sidecar = Sidecar(tmp_path_factory.mktemp("hostile"), env={"BULKMSG_RATE_LIMITS": "upload=1000/60"})
    yield sidecar.start()
    sidecar.stop()


def upload(server, data, filename):
    """POST /upload of DATA as FILENAME."""
    return requests.post(server.url + "/upload", files={"file": (filename, data)}, timeout=120)


def assert_still_serving(server):
    """The same process is running, answers /health, and left no temp file."""
    server.assert_alive()
    assert requests.get(server.url + "/health", timeout=10).status_code == 200
    assert server.leftover_temp_files() == []


@pytest.mark.parametrize("variant", sorted(CRASHERS))
def test_a_hidden_far_cell_is_refused_and_the_server_lives(server, variant):
    """Each spelling that hid XFD1048576 gets a 4xx (never a dead process), and the server keeps serving."""
    data = CRASHERS[variant]
    answer = upload(server, data, "contacts.ods" if "ods" in variant else
                    "contacts.xls" if "xls " in variant else "contacts.xlsx")
    if variant == "zip named .ods":
        # Read as the xlsx it was measured as, never as the OpenDocument table repeated a billion times.
        assert answer.status_code == 200, answer.text
        assert [c["number"] for c in answer.json()["contacts"]] == ["+14155552671"]
    else:
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["code"] == "workbook_too_large"
    assert len(data) < 8192
    assert_still_serving(server)


def test_a_5_mb_line_of_commas_is_refused_fast_and_costs_little_memory(server):
    """5 MB on one line: a 4xx line_too_long, the sidecar's peak memory grows by under 100 MB."""
    before = peak_rss_mb(server.proc.pid)
    started = time.monotonic()
    answer = upload(server, b"Phone" + b"," * (5 << 20) + b"\n", "commas.csv")
    elapsed = time.monotonic() - started
    assert answer.status_code == 413 and answer.json()["code"] == "line_too_long", answer.text
    assert elapsed < 10, elapsed  # generous: the old reader spent ~20 s and 2.4 GB here
    assert peak_rss_mb(server.proc.pid) - before < 100
    assert_still_serving(server)


def test_a_ragged_table_cannot_pad_itself_into_billions_of_cells(server):
    """200,000 short rows and one line of 1,000 columns: refused as table_too_large, not padded."""
    answer = upload(server, b"Phone,Name\n" + b"1,a\n" * 200000 + b"," * 999 + b"\n", "ragged.csv")
    assert answer.status_code == 413 and answer.json()["code"] == "table_too_large", answer.text
    assert_still_serving(server)


def test_mac_csv_with_cr_line_ends_and_cr_inside_quotes_is_read(server):
    """Excel's "CSV (Macintosh)": CR-only line ends, a CR inside a quoted cell; both contacts come through."""
    data = b'Name,Phone\r"Ann\rLee",+1 650 253 0000\rBob,+44 20 7946 0958\r'
    answer = upload(server, data, "mac.csv")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    numbers = sorted(c["number"] for c in body["contacts"])
    assert numbers == ["+16502530000", "+442079460958"]
    assert sorted(c["name"] for c in body["contacts"]) == ["Ann\rLee", "Bob"]  # the quoted CR is data


def exported(server, import_id, what, fmt):
    """The bytes of an export of IMPORT_ID."""
    answer = requests.get(server.url + "/imports/%s/export?what=%s&format=%s" % (import_id, what, fmt), timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.content


def xlsx_cells(data):
    """(sheet XML, workbook XML) of an exported workbook, read as raw XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
        return archive.read(sheet).decode("utf-8"), archive.read("xl/workbook.xml").decode("utf-8")


def test_exports_neutralise_formulas_in_the_header_row_too(server):
    """A column named =HYPERLINK(...) is exported as text: CSV header starts with an apostrophe, the XLSX holds no
    <f> formula and no cell that is not an inline string; E.164 numbers are written as they are."""
    data = (b'Name,"=HYPERLINK(""http://x"",""y"")",Phone\n'
            b'Ann,=1+1,+1 650 253 0000\n"@Bob",-2,+44 20 7946 0958\n')
    answer = upload(server, data, "formulas.csv")
    assert answer.status_code == 200, answer.text
    import_id = answer.json()["import_id"]
    rows = list(csv.reader(io.StringIO(exported(server, import_id, "contacts", "csv").decode("utf-8-sig"))))
    assert rows[0] == ["Name", '\'=HYPERLINK("http://x","y")', "Phone"]  # the file's columns, in its order
    assert [r[2] for r in rows[1:]] == ["+16502530000", "+442079460958"]
    assert [r[0] for r in rows[1:]] == ["Ann", "'@Bob"]
    for cell in (c for row in rows for c in row if c and c not in ("+16502530000", "+442079460958")):
        assert not cell.startswith(FORMULA_TRIGGERS), cell
    sheet, workbook = xlsx_cells(exported(server, import_id, "contacts", "xlsx"))
    assert "<f>" not in sheet and "<f " not in sheet
    # Inline strings are never evaluated: the text is kept as typed, with no apostrophe shown to the user.
    assert "<t>=HYPERLINK(\"http://x\",\"y\")</t>" in sheet
    assert "<t>+16502530000</t>" in sheet and "<t>=1+1</t>" in sheet and "<t>@Bob</t>" in sheet
    assert sheet.count("<c ") == sheet.count('t="inlineStr"')
    assert 'name="Contacts"' in workbook


def plant(folder, name, age_seconds):
    """Create upload folder NAME in FOLDER holding a file, last modified AGE_SECONDS ago."""
    path = os.path.join(folder, name)
    os.makedirs(path)
    with open(os.path.join(path, "upload.csv"), "w") as handle:
        handle.write("Phone\n1\n")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def dead_pid():
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_upload_folders_of_dead_processes_are_removed_at_start(tmp_path):
    """Folders older than the sidecar whose process is gone are removed at start-up (without a pid to ask: when
    over an hour old); a live process's folder and folders that are not upload folders stay."""
    server = Sidecar(tmp_path)
    stale = plant(server.temp_dir, "bulkmsg-upload-%d-abc" % dead_pid(), 600)
    legacy = plant(server.temp_dir, "bulkmsg-upload-legacy1", 7200)  # named before folders carried a pid
    recent_legacy = plant(server.temp_dir, "bulkmsg-upload-legacy2", 600)  # no pid to ask, not an hour old
    live = plant(server.temp_dir, "bulkmsg-upload-%d-xyz" % os.getpid(), 600)  # this test runner is alive
    other = plant(server.temp_dir, "someone-elses-folder", 600)
    server.start()
    try:
        assert not os.path.exists(stale) and not os.path.exists(legacy)
        assert os.path.isdir(live) and os.path.isdir(other) and os.path.isdir(recent_legacy)
        assert requests.get(server.url + "/health", timeout=10).status_code == 200
    finally:
        server.stop()
