"""The PyInstaller-frozen sidecar: build it (or reuse a fresh build), run the binary, exercise the API, stop it.

Slow (a build takes minutes), so marked `frozen`: `pytest -m "not frozen"` skips it in quick runs; CI runs it.
Set BULKMSG_FROZEN_REBUILD=1 to force a rebuild.
"""
import csv
import glob
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from conftest import FIXTURES, GEN_CONTACTS, REPO, free_port

pytestmark = pytest.mark.frozen

BUNDLE = os.path.join(REPO, "build", "sidecar-dist", "bulkmsg-sidecar")
BINARY = os.path.join(BUNDLE, "bulkmsg-sidecar.exe" if os.name == "nt" else "bulkmsg-sidecar")
BUILD_SCRIPT = os.path.join(REPO, "scripts", "build-sidecar")
BUILD_TIMEOUT_S = 1500
START_TIMEOUT_S = 30
# What a build depends on: when any of these is newer than the binary, the build is stale.
BUILD_INPUTS = [
    os.path.join(REPO, "python-backend", "**", "*.py"),
    os.path.join(REPO, "python-backend", "sidecar.spec"),
    os.path.join(REPO, "python-backend", "requirements.txt"),
    os.path.join(REPO, "electron", "dist", "renderer", "**", "*"),
]


def newest_input_mtime():
    """The latest modification time among the build's inputs."""
    files = [f for pattern in BUILD_INPUTS for f in glob.glob(pattern, recursive=True) if os.path.isfile(f)]
    return max(os.path.getmtime(f) for f in files)


def build_is_fresh():
    """Whether the existing binary is newer than every input."""
    return os.path.isfile(BINARY) and os.path.getmtime(BINARY) > newest_input_mtime()


@pytest.fixture(scope="module")
def frozen_binary():
    """The frozen sidecar binary, built now unless a fresh build exists."""
    if os.environ.get("BULKMSG_FROZEN_REBUILD") == "1" or not build_is_fresh():
        result = subprocess.run(["bash", BUILD_SCRIPT], cwd=REPO, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT_S)
        assert result.returncode == 0, "build failed:\n" + result.stdout[-4000:] + result.stderr[-4000:]
    assert os.path.isfile(BINARY) and os.access(BINARY, os.X_OK)
    return BINARY


def group_pids(pgid):
    """Live (non-zombie) processes in process group PGID (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry))
    return found


class FrozenSidecar:
    """The frozen binary running on a free loopback port in its own process group."""

    def __init__(self, binary, data_dir, cwd):
        self.cwd = cwd
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.data_dir = data_dir
        self.cmd = [binary, "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", data_dir]
        self.proc = None

    def start(self):
        """Start it (from a neutral working directory) and wait for a healthy /health."""
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "frozen sidecar exited: " + self.proc.stdout.read().decode(errors="replace")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("frozen sidecar did not become healthy in %d s" % START_TIMEOUT_S)

    def stop(self):
        """SIGTERM the whole process group, SIGKILL it if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc.stdout.close()


def bundle_snapshot():
    """Every file of the bundle with its size and modification time."""
    return {f: (os.path.getsize(f), os.path.getmtime(f))
            for f in glob.glob(os.path.join(BUNDLE, "**", "*"), recursive=True) if os.path.isfile(f)}


@pytest.fixture(scope="module")
def frozen(frozen_binary, tmp_path_factory):
    """A running frozen sidecar for this module's tests (with the bundle's state before it started)."""
    server = FrozenSidecar(frozen_binary, str(tmp_path_factory.mktemp("frozen-data")),
                           str(tmp_path_factory.mktemp("frozen-cwd")))
    server.bundle_before = bundle_snapshot()
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def contact_files(tmp_path_factory):
    """An .xlsx, .xls, .vcf and .csv contact list: the repo's fixtures, else generated with gen_contacts.py."""
    out = tmp_path_factory.mktemp("contact-files")
    generated_csv = str(out / "contacts.csv")
    subprocess.run([sys.executable, GEN_CONTACTS, "--rows", "200", "--region", "IN", "--format", "csv", "--seed", "5",
                    "--out", generated_csv], check=True, capture_output=True)
    with open(generated_csv, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return {
        "csv": repo_fixture("csv") or generated_csv,
        "xlsx": repo_fixture("xlsx") or write_xlsx(rows, str(out / "contacts.xlsx")),
        "xls": repo_fixture("xls") or write_xls(rows, str(out / "contacts.xls")),
        "vcf": repo_fixture("vcf") or write_vcf(rows, str(out / "contacts.vcf")),
    }


# The well-formed contact lists in tests/fixtures (others there are deliberately broken or odd).
REPO_FIXTURE_NAMES = {"csv": "contacts.csv", "xlsx": "contacts.xlsx", "xls": "contacts.xls", "vcf": "contacts.vcf"}


def repo_fixture(ext):
    """tests/fixtures/contacts.EXT when it exists."""
    path = os.path.join(FIXTURES, REPO_FIXTURE_NAMES[ext])
    return path if os.path.isfile(path) else None


def write_xlsx(rows, path):
    """ROWS as a one-sheet workbook (phone cells as text, as people type them)."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def write_xls(rows, path):
    """ROWS as a legacy Excel 97 workbook."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Contacts")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(path)
    return path


def write_vcf(rows, path):
    """ROWS (name, phone, ...) as vCard 3.0 cards."""
    header = [h.lower() for h in rows[0]]
    name_col = next(i for i, h in enumerate(header) if "name" in h)
    phone_col = next(i for i, h in enumerate(header) if "phone" in h or "mobile" in h or "number" in h)
    with open(path, "w", encoding="utf-8", newline="\r\n") as f:
        for row in rows[1:]:
            f.write("BEGIN:VCARD\nVERSION:3.0\nFN:%s\nTEL;TYPE=CELL:%s\nEND:VCARD\n" % (row[name_col], row[phone_col]))
    return path


def upload(url, path, **form):
    """POST /upload of the file at PATH."""
    with open(path, "rb") as f:
        return requests.post(url + "/upload", files={"file": (os.path.basename(path), f)}, data=form, timeout=120)


def test_health(frozen):
    body = requests.get(frozen.url + "/health", timeout=5).json()
    assert body["status"] == "healthy" and body["service"] == "bulkmsg-sidecar"


@pytest.mark.parametrize("kind", ["xlsx", "xls", "vcf", "csv"])
def test_upload_matches_the_source_sidecar(frozen, sidecar, contact_files, kind):
    """Same file, same answer from the frozen binary and from python app.py (readers and metadata all bundled)."""
    frozen_body = upload(frozen.url, contact_files[kind], default_region="IN").json()
    source_body = upload(sidecar.url, contact_files[kind], default_region="IN").json()
    assert frozen_body["success"] is True, frozen_body
    assert frozen_body["file_type"] == kind
    assert frozen_body["summary"]["valid"] > 0
    assert frozen_body["summary"] == source_body["summary"]
    assert [c["number"] for c in frozen_body["contacts"]] == [c["number"] for c in source_body["contacts"]]


def test_parse_manual_numbers_resolves_many_regions(frozen):
    """Numbers of several countries parse, so phonenumbers' lazily loaded region metadata is in the bundle."""
    text = "+44 7911 123456\n+81 90-1234-5678\n+55 11 91234-5678\n+27 82 123 4567\n098765 43210\n12345"
    body = requests.post(frozen.url + "/parse-manual-numbers", json={"numbers": text, "default_region": "IN"},
                         timeout=30).json()
    assert sorted(c["number"] for c in body["contacts"]) == sorted(
        ["+447911123456", "+819012345678", "+5511912345678", "+27821234567", "+919876543210"])
    assert [i["value"] for i in body["invalid"]] == ["12345"]


def test_validate_number(frozen):
    body = requests.post(frozen.url + "/validate-number", json={"number": "(415) 555-2671", "default_region": "US"},
                         timeout=10).json()
    assert body["valid"] is True and body["e164"] == "+14155552671"


def test_bad_input_is_a_json_4xx(frozen):
    response = requests.post(frozen.url + "/validate-number", data=b"{not json", timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"


def test_serves_the_bundled_ui(frozen):
    response = requests.get(frozen.url + "/", timeout=10)
    assert response.status_code == 200
    with open(os.path.join(REPO, "electron", "dist", "renderer", "index.html"), encoding="utf-8") as f:
        built = f.read()
    assert response.text == built
    script = re.search(r'src="(/assets/[^"]+\.js)"', built).group(1)
    assert requests.get(frozen.url + script, timeout=10).status_code == 200


def test_app_data_goes_to_the_data_dir_not_next_to_the_binary(frozen, contact_files):
    upload(frozen.url, contact_files["csv"], default_region="IN")
    assert os.path.isfile(os.path.join(frozen.data_dir, "logs", "sidecar.log"))
    assert bundle_snapshot() == frozen.bundle_before, "nothing written next to the binary"
    assert os.listdir(frozen.cwd) == [], "nothing written to the working directory"


def test_stop_leaves_no_process(frozen_binary, tmp_path):
    server = FrozenSidecar(frozen_binary, str(tmp_path / "data"), str(tmp_path)).start()
    assert group_pids(server.proc.pid), "the sidecar runs in its own process group"
    server.stop()
    assert group_pids(server.proc.pid) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/health", timeout=2)


def test_electron_builder_ships_this_folder():
    """electron-builder's extraResources reads exactly the folder the build wrote (and findSidecar expects)."""
    with open(os.path.join(REPO, "electron", "electron-builder.yml"), encoding="utf-8") as f:
        config = f.read()
    source = re.search(r"extraResources:\s*\n\s*- from: (\S+)\s*\n\s*to: (\S+)", config)
    assert source, "extraResources entry not found"
    assert os.path.normpath(os.path.join(REPO, "electron", source.group(1))) == BUNDLE
    assert source.group(2) == "sidecar"
    assert os.path.isfile(BINARY)
