"""The PyInstaller-frozen sidecar: build it (or reuse a fresh build), run the binary, exercise the API, stop it.

Slow (a build takes minutes), so marked `frozen`: `pytest -m "not frozen"` skips it in quick runs; CI runs it.
Set BULKMSG_FROZEN_REBUILD=1 to force a rebuild.
"""
import glob
import json
import os
import re
import sqlite3
import subprocess

import pytest
import requests

from support.paths import FIXTURES, REPO
from support import whatsapp
from support.sidecar import Sidecar, wait_for

pytestmark = pytest.mark.frozen

BUNDLE = os.path.join(REPO, "build", "sidecar-dist", "bulkmsg-sidecar")
BINARY = os.path.join(BUNDLE, "bulkmsg-sidecar.exe" if os.name == "nt" else "bulkmsg-sidecar")
BUILD_SCRIPT = os.path.join(REPO, "scripts", "build-sidecar")
BUILD_STAMP = os.path.join(REPO, "build", "sidecar-dist", "bulkmsg-sidecar.build-started")
BUILD_TIMEOUT_S = 1500
# What a build depends on: when any of these is newer than the binary, the build is stale.
BUILD_INPUTS = [
    os.path.join(REPO, "python-backend", "**", "*.py"),
    os.path.join(REPO, "python-backend", "sidecar.spec"),
    os.path.join(REPO, "python-backend", "requirements.txt"),
    os.path.join(REPO, "python-backend", "wa-engine", "*.mjs"),
    os.path.join(REPO, "python-backend", "wa-engine", "package-lock.json"),
    os.path.join(REPO, "scripts", "build-wa-engine"),
    os.path.join(REPO, "electron", "src", "ui", "**", "*"),
    os.path.join(REPO, "electron", "index.html"),
    os.path.join(REPO, "electron", "vite.config.ts"),
]
UI_BUILD = os.path.join(REPO, "build", "sidecar-ui")


def newest_input_mtime():
    """The latest modification time among the build's inputs."""
    files = [f for pattern in BUILD_INPUTS for f in glob.glob(pattern, recursive=True) if os.path.isfile(f)]
    return max(os.path.getmtime(f) for f in files)


def build_is_fresh():
    """Whether a complete build exists that started after every input's last change."""
    return os.path.isfile(BINARY) and os.path.isfile(BUILD_STAMP) and os.path.getmtime(BUILD_STAMP) > newest_input_mtime()


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


def bundle_snapshot():
    """Every file of the bundle with its size and modification time."""
    return {f: (os.path.getsize(f), os.path.getmtime(f))
            for f in glob.glob(os.path.join(BUNDLE, "**", "*"), recursive=True) if os.path.isfile(f)}


@pytest.fixture(scope="module")
def frozen(frozen_binary, tmp_path_factory):
    """A running frozen sidecar for this module's tests (with the bundle's state before it started)."""
    server = Sidecar(tmp_path_factory.mktemp("frozen"), program=(frozen_binary,),
                     cwd=str(tmp_path_factory.mktemp("frozen-cwd")))
    server.bundle_before = bundle_snapshot()
    yield server.start()
    server.stop()


# One well-formed list of each kind from tests/fixtures, each with its answer key (<name>.expected.json).
CONTACT_FIXTURES = {
    "xlsx": "workbook_title_row.xlsx",
    "xls": "crm_export.xls",
    "vcf": "android_contacts.vcf",
    "csv": "google_contacts.csv",
}


def expected_answer(name):
    """The answer key of fixture NAME."""
    with open(os.path.join(FIXTURES, name + ".expected.json"), encoding="utf-8") as f:
        return json.load(f)


def pick(items, keys):
    """ITEMS reduced to KEYS, for comparison with an answer key."""
    return [{k: item.get(k) for k in keys} for item in items]


def upload(url, path, **form):
    """POST /upload of the file at PATH."""
    with open(path, "rb") as f:
        return requests.post(url + "/upload", files={"file": (os.path.basename(path), f)}, data=form, timeout=120)


def test_health(frozen):
    body = requests.get(frozen.url + "/health", timeout=5).json()
    assert body["status"] == "healthy" and body["service"] == "bulkmsg-sidecar"


@pytest.mark.parametrize("kind", sorted(CONTACT_FIXTURES))
def test_upload_matches_the_answer_key(frozen, kind):
    """Each reader works frozen: the response matches the fixture's answer key row for row."""
    name = CONTACT_FIXTURES[kind]
    expected = expected_answer(name)
    response = upload(frozen.url, os.path.join(FIXTURES, name), default_region=expected["default_region"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["file_type"] == kind
    assert pick(body["contacts"], ["row", "number", "name"]) == expected["contacts"]
    assert pick(body["invalid"], ["row", "reason"]) == expected["invalid"]
    assert pick(body["duplicates"], ["row", "duplicate_of_row"]) == expected["duplicates"]


def test_parse_manual_numbers_resolves_many_regions(frozen):
    """Numbers of several countries parse, so phonenumbers' lazily loaded region metadata is in the bundle."""
    text = "+44 7911 123456\n+81 90-1234-5678\n+55 11 91234-5678\n+27 82 123 4567\n098765 43210\n12345"
    body = requests.post(frozen.url + "/parse-manual-numbers", json={"numbers": text, "default_region": "IN"},
                         timeout=30).json()
    assert sorted(c["number"] for c in body["contacts"]) == sorted(
        ["+447911123456", "+819012345678", "+5511912345678", "+27821234567", "+919876543210"])
    assert [i["value"] for i in body["invalid"]] == ["12345"]


def test_a_legacy_multi_byte_file_is_decoded(frozen):
    """A Big5 file (no BOM, not UTF-8) goes through the encoding detector, which must be in the bundle."""
    text = "Name,Phone\n陳大文,+886 912 345 678\n林小美,+886 922 333 444\n"
    body = requests.post(frozen.url + "/upload", files={"file": ("tw.csv", text.encode("big5"))},
                         data={"default_region": "TW"}, timeout=30).json()
    assert [c["name"] for c in body["contacts"]] == ["陳大文", "林小美"]


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
    """The page and every asset it references come from the bundle, same origin as the API."""
    response = requests.get(frozen.url + "/", timeout=10)
    assert response.status_code == 200
    with open(os.path.join(UI_BUILD, "index.html"), encoding="utf-8") as f:
        built = f.read()
    assert response.text == built
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', built)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        with open(os.path.join(UI_BUILD, asset.lstrip("/")), "rb") as f:
            assert requests.get(frozen.url + asset, timeout=10).content == f.read()


def test_app_data_goes_to_the_data_dir_not_next_to_the_binary(frozen):
    assert upload(frozen.url, os.path.join(FIXTURES, CONTACT_FIXTURES["csv"])).status_code == 200
    assert os.path.isfile(os.path.join(frozen.data_dir, "logs", "sidecar.log"))
    assert bundle_snapshot() == frozen.bundle_before, "nothing written next to the binary"
    assert os.listdir(frozen.cwd) == [], "nothing written to the working directory"


def test_saved_lists_upgrade_a_first_release_data_file(frozen_binary, tmp_path):
    """Alembic runs frozen: its scripts are in the bundle, and a user_version-1 file is upgraded keeping its data."""
    from messaging import migrations

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old = sqlite3.connect(str(data_dir / "bulkmsg.sqlite3"))
    with open(os.path.join(FIXTURES, "messaging_v1_schema.sql"), encoding="utf-8") as f:
        old.executescript(f.read())
    old.execute("INSERT INTO lists VALUES (1, 'Old customers', 1, 1)")
    old.execute("PRAGMA user_version=1")
    old.commit()
    old.close()
    server = Sidecar(tmp_path, program=(frozen_binary,), cwd=str(tmp_path), data_dir=str(data_dir)).start()
    try:
        assert [saved["name"] for saved in server.get("/lists").json()["lists"]] == ["Old customers"]
        added = server.post("/lists/1/contacts", json={"email": "ann@example.org", "name": "Ann"})
        assert added.status_code == 201, added.text
    finally:
        server.stop()
    upgraded = sqlite3.connect(str(data_dir / "bulkmsg.sqlite3"))
    assert upgraded.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrations.HEAD
    upgraded.close()


def test_stop_leaves_no_process(frozen_binary, tmp_path):
    server = Sidecar(tmp_path, program=(frozen_binary,), cwd=str(tmp_path)).start()
    assert group_pids(server.proc.pid), "the sidecar runs in its own process group"
    server.stop()
    assert group_pids(server.proc.pid) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/health", timeout=2)


def test_bundle_has_no_dangling_links(frozen_binary):
    """Every symlink PyInstaller made points at a file that was bundled."""
    links = [os.path.join(root, name) for root, dirs, names in os.walk(BUNDLE) for name in names + dirs
             if os.path.islink(os.path.join(root, name))]
    assert [link for link in links if not os.path.exists(link)] == []


def test_electron_builder_ships_this_folder():
    """electron-builder's extraResources reads exactly the folder the build wrote (and findSidecar expects)."""
    with open(os.path.join(REPO, "electron", "electron-builder.yml"), encoding="utf-8") as f:
        config = f.read()
    source = re.search(r"extraResources:\s*\n\s*- from: (\S+)\s*\n\s*to: (\S+)", config)
    assert source, "extraResources entry not found"
    assert os.path.normpath(os.path.join(REPO, "electron", source.group(1))) == BUNDLE
    assert source.group(2) == "sidecar"
    assert os.path.isfile(BINARY)


def test_whatsapp_web_runs_from_the_bundle_with_its_own_node(frozen_binary, tmp_path):
    """The bundle ships the WhatsApp Web engine and the Node.js that runs it: a frozen sidecar links a channel and
    sends through them (against the fake WhatsApp), with nothing fetched at run time."""
    from fakes.wa_web import FakeWhatsApp
    number = "+4915112345678"
    with FakeWhatsApp(accounts={number: number.lstrip("+") + "@s.whatsapp.net"}, qr_interval=1.0) as fake:
        server = Sidecar(tmp_path, program=(frozen_binary,), cwd=str(tmp_path),
                         env={"BULKMSG_WA_FAKE_SERVER": fake.url}).start()
        try:
            channel_id = server.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {"typing": 0}}).json()["id"]
            assert server.post("/channels/%d/whatsapp-web/link" % channel_id).status_code == 200
            wait_for(lambda: server.get("/channels/%d/whatsapp-web" % channel_id).json()["status"] == "waiting_for_scan",
                     timeout=60)
            engines = whatsapp.engine_pids(server.data_dir)
            assert [os.path.realpath("/proc/%d/exe" % pid) for pid in engines] == \
                [os.path.realpath(os.path.join(BUNDLE, "wa-engine", "node"))], "the engine runs on the bundled node"
            fake.link()
            wait_for(lambda: server.get("/channels/%d/whatsapp-web" % channel_id).json()["status"] == "connected",
                     timeout=60)
            listed = server.post("/lists", {"name": "one", "contacts": [{"number": number, "name": "Ann"}]}).json()
            campaign = server.post("/campaigns", {"name": "c", "list_id": listed["list"]["id"], "channel_id": channel_id,
                                                  "body": "Hi {{name}}", "pacing": {"min_delay": 0, "max_delay": 0}}).json()
            server.post("/campaigns/%d/start" % campaign["id"])
            wait_for(lambda: fake.inbox(number), timeout=60)
            assert fake.inbox(number)[0]["text"] == "Hi Ann"
        finally:
            server.stop()

