"""Contract 8: one owner per data directory. A second sidecar on a directory a live sidecar owns exits with
code 3 and one line on stderr, before it touches anything (the database bytes and times stay as they were);
once the owner is gone (even by kill -9), the next start takes the directory over."""
import hashlib
import os
import subprocess
import sys

import pytest

from support.paths import APP
from support.sidecar import Sidecar, free_port, wait_for


def fingerprint(data_dir):
    """(path, sha256, mtime_ns) of every file under DATA_DIR except the owner's own log files."""
    found = []
    for root, dirs, files in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if d != "logs")
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found.append((os.path.relpath(path, data_dir), hashlib.sha256(f.read()).hexdigest(),
                              os.stat(path).st_mtime_ns))
    return found


def second_instance(data_dir, tmp_path):
    """Run a second sidecar on DATA_DIR to its end; (exit code, stdout, stderr)."""
    env = dict(os.environ, TMPDIR=str(tmp_path), BULKMSG_DEFAULT_REGION="US")
    proc = subprocess.run([sys.executable, APP, "--host", "127.0.0.1", "--port", str(free_port()),
                           "--data-dir", data_dir], env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.sqlite_only  # fingerprints the SQLite file in the data dir
def test_second_instance_refuses_with_code_3_and_touches_nothing(tmp_path):
    owner = Sidecar(tmp_path / "owner").start()
    try:
        listed = owner.post("/lists", {"name": "l", "contacts": [{"number": "+14155550100", "name": "A"}]})
        assert listed.status_code == 201, listed.text
        # Let the owner go quiet (no campaign runs), then compare every file before and after.
        before = fingerprint(owner.data_dir)
        code, out, err = second_instance(owner.data_dir, tmp_path)
        assert code == 3, (code, out, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("bulkmsg: data directory in use:"), err
        assert owner.data_dir in lines[0] and "pid %d" % owner.proc.pid in lines[0]
        assert "serving on" not in out
        assert any(name == "bulkmsg.sqlite3" for name, _, _ in before)
        assert fingerprint(owner.data_dir) == before
        owner.assert_alive()
        assert owner.get("/lists").status_code == 200
    finally:
        owner.kill()  # kill -9: the OS drops the lock with the process
    again = Sidecar(tmp_path / "owner").start()
    try:
        assert [entry["name"] for entry in again.get("/lists").json()["lists"]] == ["l"]
    finally:
        again.stop()


def test_second_instance_does_not_claim_a_running_campaign(tmp_path):
    owner = Sidecar(tmp_path / "owner").start()
    try:
        contacts = [{"number": "+1415555%04d" % i, "name": "R%d" % i} for i in range(40)]
        list_id = owner.post("/lists", {"name": "l", "contacts": contacts}).json()["list"]["id"]
        channel = owner.post("/channels", {"name": "dry", "type": "dry_run", "config": {}})
        campaign = owner.post("/campaigns", {"name": "c", "list_id": list_id, "channel_id": channel.json()["id"],
                                             "body": "Hi", "pacing": {"per_minute": 120}}).json()
        assert owner.post("/campaigns/%d/start" % campaign["id"]).json()["started"]
        code, _, err = second_instance(owner.data_dir, tmp_path)
        assert code == 3, err
        before = owner.get("/campaigns/%d" % campaign["id"]).json()["counts"]["sent"]
        wait_for(lambda: owner.get("/campaigns/%d" % campaign["id"]).json()["counts"]["sent"] > before + 1,
                 timeout=20)  # the owner's run keeps sending
        assert owner.get("/campaigns/%d" % campaign["id"]).json()["status"] == "running"
    finally:
        owner.stop()
