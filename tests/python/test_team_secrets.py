"""Channel secrets in the team mode (issue 19): encrypted in the database under the key every API and worker
process is given (AES-256-GCM, key id stored, channel id bound as associated data), never in answers or logs.

Real sidecar processes in the team mode on the embedded SQLite file (BULKMSG_TEAM_MODE=1) and a real SMTP server:
a channel's test connection logs in only when its password decrypted right. The SQL is portable (secret_db.py)."""
import base64
import os
import sqlite3
import subprocess
import sys

import pytest

from support.paths import APP
from support.sidecar import Sidecar
from support.team import add_user, logged_in
from support.secrets import PASSWORD, no_keychain_env, read_database, smtp, smtp_channel  # noqa: F401 (fixture)

OTHER_PASSWORD = "another-pw"


def write_key(path, mode=0o600):
    """A fresh key made by `app.py secret-key new`, written to PATH with MODE; returns its text."""
    text = run_cli("secret-key", "new").stdout.strip()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return text


def run_cli(*args, env=None):
    """Run app.py with ARGS to the end (its own environment plus ENV)."""
    return subprocess.run([sys.executable, APP, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def team_env(home, key_file=None, key=None):
    """The team mode on SQLite, no keychain, and the key as a file or in the variable."""
    env = dict(no_keychain_env(home), BULKMSG_TEAM_MODE="1")
    if key_file:
        env["BULKMSG_SECRET_KEY_FILE"] = str(key_file)
    if key:
        env["BULKMSG_SECRET_KEY"] = key
    return env


def stored_rows(data_dir):
    """{channel id: (key id, nonce, ciphertext)} read straight from the SQLite file."""
    conn = sqlite3.connect(os.path.join(data_dir, "bulkmsg.sqlite3"))
    try:
        return {r[0]: tuple(r[1:]) for r in conn.execute(
            "SELECT channel_id, key_id, nonce, ciphertext FROM channel_secrets")}
    finally:
        conn.close()


def key_id_of(key_file):
    """`app.py secret-key id` for KEY_FILE."""
    return run_cli("secret-key", "id", env={"BULKMSG_SECRET_KEY_FILE": str(key_file)}).stdout.strip()


def connection_check(api, channel_id):
    """POST /channels/<id>/test's answer."""
    return api.post("/channels/%d/test" % channel_id)


def admin_of(server, first=True):
    """A client logged in to SERVER as the admin, who is made with `app.py users add` when FIRST."""
    if first:
        add_user(server, "admin", "admin")
    return logged_in(server, "admin")


def logs_of(server):
    """What the process printed plus the rotating log files in its data directory."""
    text = server.read_log()
    logs = os.path.join(server.data_dir, "logs")
    for name in os.listdir(logs):
        with open(os.path.join(logs, name), encoding="utf-8", errors="replace") as f:
            text += f.read()
    return text


def test_secrets_are_stored_only_as_ciphertext_and_another_process_with_the_key_reads_them(tmp_path, smtp):
    key_text = write_key(tmp_path / "team.key")
    first = Sidecar(tmp_path / "a", env=team_env(tmp_path / "a", key_file=tmp_path / "team.key")).start()
    try:
        api = admin_of(first)
        store = api.get("/settings/secrets").json()
        assert store["store"] == "database" and key_id_of(tmp_path / "team.key") in store["backend"]
        created = api.post("/channels", json=smtp_channel(smtp))
        assert created.status_code == 201 and created.json()["has_secret"] is True, created.text
        channel_id = created.json()["id"]
        assert connection_check(api, channel_id).json()["ok"] is True
        answers = api.get("/channels").text + api.get("/channels/%d" % channel_id).text
    finally:
        first.stop()
    rows = stored_rows(first.data_dir)
    assert list(rows) == [channel_id] and rows[channel_id][0] == key_id_of(tmp_path / "team.key")
    assert PASSWORD not in read_database(first) and PASSWORD.encode() not in bytes(rows[channel_id][2])
    assert not os.path.exists(os.path.join(first.data_dir, "secrets.enc"))  # neither desktop store was used
    assert not os.path.exists(tmp_path / "a" / "config" / "secrets.key")
    # A second process (another machine's, in effect) given the same key in the variable reads the secret.
    second = Sidecar(tmp_path / "b", env=team_env(tmp_path / "b", key=key_text), data_dir=first.data_dir).start()
    try:
        api = admin_of(second, first=False)
        assert connection_check(api, channel_id).json()["ok"] is True
        assert api.delete("/channels/%d" % channel_id).status_code == 200
    finally:
        second.stop()
    assert stored_rows(first.data_dir) == {}  # the secret went with its channel
    leaks = [name for name, text in [("answers", answers), ("first", logs_of(first)), ("second", logs_of(second))]
             if PASSWORD in text or key_text in text]
    assert leaks == []


@pytest.mark.slow
def test_another_key_is_refused_with_secrets_unreadable_not_a_crash(tmp_path, smtp):
    write_key(tmp_path / "right.key")
    write_key(tmp_path / "wrong.key")
    server = Sidecar(tmp_path, env=team_env(tmp_path, key_file=tmp_path / "right.key")).start()
    try:
        channel_id = admin_of(server).post("/channels", json=smtp_channel(smtp)).json()["id"]
    finally:
        server.stop()
    server.env.update(BULKMSG_SECRET_KEY_FILE=str(tmp_path / "wrong.key"))
    server.start()
    try:
        api = admin_of(server, first=False)
        answer = connection_check(api, channel_id)
        assert answer.status_code == 503 and answer.json()["code"] == "secrets_unreadable", answer.text
        assert key_id_of(tmp_path / "right.key") in answer.json()["error"]
        assert api.get("/channels").status_code == 200  # the rest of the API works on
        server.assert_alive()
    finally:
        server.stop()
    server.env.pop("BULKMSG_TEAM_MODE")  # a desktop-mode process on the same data: no key, no silent empty secret
    server.start()
    try:
        desktop = connection_check(server, channel_id)
    finally:
        server.stop()
    assert desktop.status_code == 503 and desktop.json()["code"] == "secrets_unreadable", desktop.text
    assert PASSWORD not in answer.text + desktop.text and PASSWORD not in logs_of(server)


def test_a_ciphertext_moved_to_another_channel_does_not_decrypt(tmp_path, smtp):
    write_key(tmp_path / "team.key")
    server = Sidecar(tmp_path, env=team_env(tmp_path, key_file=tmp_path / "team.key")).start()
    try:
        api = admin_of(server)
        one = api.post("/channels", json=smtp_channel(smtp)).json()["id"]
        two = api.post("/channels", json=smtp_channel(smtp, OTHER_PASSWORD)).json()["id"]
    finally:
        server.stop()
    conn = sqlite3.connect(os.path.join(server.data_dir, "bulkmsg.sqlite3"))
    with conn:  # swap the two rows' sealed contents (same key id): only the channel binding tells them apart
        rows = stored_rows(server.data_dir)
        for target, source in ((one, two), (two, one)):
            conn.execute("UPDATE channel_secrets SET nonce=?, ciphertext=? WHERE channel_id=?",
                         (rows[source][1], rows[source][2], target))
    conn.close()
    server.start()
    try:
        api = admin_of(server, first=False)
        answers = [connection_check(api, one), connection_check(api, two)]
    finally:
        server.stop()
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(503, "secrets_unreadable")] * 2


def test_rotation_re_encrypts_every_secret_in_one_go_and_a_wrong_old_key_changes_nothing(tmp_path, smtp):
    write_key(tmp_path / "old.key")
    write_key(tmp_path / "new.key")
    write_key(tmp_path / "stranger.key")
    server = Sidecar(tmp_path, env=team_env(tmp_path, key_file=tmp_path / "old.key")).start()
    try:
        api = admin_of(server)
        ids = [api.post("/channels", json=smtp_channel(smtp, pw)).json()["id"] for pw in (PASSWORD, "pw-2")]
    finally:
        server.stop()
    before = stored_rows(server.data_dir)
    to_new = {"BULKMSG_SECRET_KEY_FILE": str(tmp_path / "new.key")}
    refused = run_cli("secret-key", "rotate", "--old-key-file", str(tmp_path / "stranger.key"), "--data-dir",
                      server.data_dir, env=to_new)
    assert refused.returncode == 1 and "nothing changed" in refused.stderr
    assert stored_rows(server.data_dir) == before
    done = run_cli("secret-key", "rotate", "--old-key-file", str(tmp_path / "old.key"), "--data-dir",
                   server.data_dir, env=to_new)
    assert done.returncode == 0 and "re-encrypted 2 channel secret(s)" in done.stdout, done.stderr
    assert {row[0] for row in stored_rows(server.data_dir).values()} == {key_id_of(tmp_path / "new.key")}
    again = run_cli("secret-key", "rotate", "--old-key-file", str(tmp_path / "old.key"), "--data-dir",
                    server.data_dir, env=to_new)
    assert again.returncode == 0 and "re-encrypted 0" in again.stdout  # a repeated run is harmless
    server.env.update(to_new)
    server.start()
    try:
        assert connection_check(admin_of(server, first=False), ids[0]).json()["ok"] is True
    finally:
        server.stop()
    assert PASSWORD not in done.stdout + done.stderr


def start_refused(tmp_path, env):
    """Start the API in the team mode with ENV; (exit code, everything it printed)."""
    done = run_cli("--host", "127.0.0.1", "--port", "0", "--data-dir", str(tmp_path / "data"),
                   env=dict(no_keychain_env(tmp_path), BULKMSG_TEAM_MODE="1", **env))
    return done.returncode, done.stdout + done.stderr


def test_the_team_mode_refuses_to_start_without_a_usable_key(tmp_path):
    write_key(tmp_path / "loose.key", mode=0o644)
    (tmp_path / "short.key").write_text(base64.b64encode(b"x" * 16).decode())
    os.chmod(tmp_path / "short.key", 0o600)
    cases = {"missing": ({}, "BULKMSG_SECRET_KEY_FILE"),
             "loose": ({"BULKMSG_SECRET_KEY_FILE": str(tmp_path / "loose.key")}, "readable by group or others"),
             "absent file": ({"BULKMSG_SECRET_KEY_FILE": str(tmp_path / "nope.key")}, "does not exist"),
             "short": ({"BULKMSG_SECRET_KEY_FILE": str(tmp_path / "short.key")}, "holds 16 bytes, not 32"),
             "not base64": ({"BULKMSG_SECRET_KEY": "not a key!"}, "is not base64")}
    for name, (env, says) in cases.items():
        code, printed = start_refused(tmp_path, env)
        assert (code, "cannot start in the team mode" in printed, says in printed) == (4, True, True), name
        assert "Traceback" not in printed, name
    with open(tmp_path / "data" / "logs" / "sidecar.log", encoding="utf-8") as f:
        assert "cannot start in the team mode" in f.read()  # the log line, not only stderr


def test_the_secret_key_cli_prints_fresh_keys_and_ids_never_the_key(tmp_path):
    made = [run_cli("secret-key", "new") for _ in range(2)]
    keys = [m.stdout.strip() for m in made]
    assert [m.returncode for m in made] == [0, 0] and keys[0] != keys[1]
    assert [len(base64.b64decode(k, validate=True)) for k in keys] == [32, 32]
    shown = run_cli("secret-key", "id", env={"BULKMSG_SECRET_KEY": keys[0]})
    assert shown.returncode == 0 and len(shown.stdout.strip()) == 16 and keys[0] not in shown.stdout
    missing = run_cli("secret-key", "id", env={"BULKMSG_SECRET_KEY": "", "BULKMSG_SECRET_KEY_FILE": ""})
    assert missing.returncode == 2 and "BULKMSG_SECRET_KEY_FILE" in missing.stderr
    assert "rotate" in run_cli("secret-key", "--help").stdout
