"""Issue 12 #6: no other local user can read the sidecar's data. The data directory and every directory in it
are 0700, every file the sidecar creates is 0600, also when it creates the data directory itself; files and
folders left too open (an older version, a copy) are tightened at start-up with a warning in the log."""
import os
import stat
import time

import pytest

from support.sidecar import Sidecar

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions (Windows: the profile folder's ACL)")


def modes_under(root):
    """{path relative to ROOT: permission bits} of ROOT and everything in it."""
    found = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def send_a_dry_run_campaign(server):
    """Store a list, a dry-run channel and a campaign, and send it (the dry run writes its output file)."""
    def ok(answer):
        """ANSWER's JSON, after checking it succeeded."""
        assert answer.status_code < 300, answer.text
        return answer.json()
    made = ok(server.post("/lists", json={"name": "l", "numbers": "+1 415 555 2671", "default_region": "US"}))
    channel = ok(server.post("/channels", json={"name": "d", "type": "dry_run", "config": {}}))
    campaign = ok(server.post("/campaigns", json={"name": "c", "list_id": made["list"]["id"], "body": "hi",
                                                  "channel_id": channel["id"]}))
    ok(server.post("/campaigns/%d/start" % campaign["id"]))
    for _ in range(600):  # up to a minute on a busy machine
        if server.get("/campaigns/%d" % campaign["id"]).json()["status"] == "completed":
            return
        time.sleep(0.1)
    raise AssertionError("the dry-run campaign did not complete")


def test_everything_the_sidecar_creates_is_owner_only(tmp_path):
    """Started on a data directory that does not exist yet (two levels deep): db, WAL, logs, token, dry-run output
    are 0600 and every directory 0700."""
    data_dir = tmp_path / "new" / "data"
    server = Sidecar(tmp_path, data_dir=str(data_dir)).start()
    try:
        send_a_dry_run_campaign(server)
        modes = modes_under(str(data_dir))
    finally:
        server.stop()
    files = {p: m for p, m in modes.items() if os.path.isfile(os.path.join(data_dir, p))}
    dirs = {p: m for p, m in modes.items() if p not in files}
    assert {"access_token", "bulkmsg.sqlite3", os.path.join("logs", "sidecar.log")} <= set(files)
    assert any(p.startswith("dry-run" + os.sep) for p in files), files
    assert {p: oct(m) for p, m in files.items() if m != 0o600} == {}
    assert {p: oct(m) for p, m in dirs.items() if m != 0o700} == {}
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700  # the parent it had to create too


def test_existing_open_files_are_tightened_with_a_warning(tmp_path):
    """A data directory left 0755 with 0644 files (an older version): owner-only after start, and the log says so."""
    data_dir = tmp_path / "data"
    (data_dir / "logs").mkdir(parents=True)
    (data_dir / "notes.txt").write_text("contacts")
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "logs", 0o755)
    os.chmod(data_dir / "notes.txt", 0o644)
    server = Sidecar(tmp_path, data_dir=str(data_dir)).start()
    try:
        log = server.read_log()
    finally:
        server.stop()
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_dir / "logs").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_dir / "notes.txt").st_mode) == 0o600
    assert "now owner-only: %s" % (data_dir / "notes.txt") in log
