"""Channel secrets without an OS keychain (issue 15): a real sidecar process with no Secret Service reachable
stores them in an owner-only encrypted file whose key lives in the configuration folder, never in answers or logs."""
import json
import os
import shutil
import stat

import pytest
from cryptography.fernet import Fernet

from support.secrets import PASSWORD, no_keychain_env, read_database, smtp, smtp_channel  # noqa: F401 (fixture)
from support.sidecar import Sidecar

def mode(path):
    """The permission bits of PATH."""
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_channel_with_a_password_is_created_and_used_with_no_keychain(tmp_path, smtp):
    server = Sidecar(tmp_path, env=no_keychain_env(tmp_path)).start()
    try:
        store = server.get("/settings/secrets").json()
        assert store["store"] == "file" and store["does_not_protect_against"]
        created = server.post("/channels", json=smtp_channel(smtp))
        assert created.status_code == 201, created.text
        channel_id = created.json()["id"]
        assert created.json()["has_secret"] is True
        tested = server.post("/channels/%d/test" % channel_id).json()
        assert tested["ok"] is True and tested["details"]["logged_in"] is True, tested
        server.stop()
        server.start()  # a new process reads the same file with the same key
        assert server.post("/channels/%d/test" % channel_id).json()["ok"] is True
        answers = [server.get("/channels").text, server.get("/channels/%d" % channel_id).text,
                   server.get("/settings/secrets").text]
    finally:
        server.stop()
    secrets_file = os.path.join(server.data_dir, "secrets.enc")
    key_file = str(tmp_path / "config" / "secrets.key")
    assert mode(secrets_file) == 0o600 and mode(key_file) == 0o600
    assert not any(name.endswith(".key") for name in os.listdir(server.data_dir))  # the key is elsewhere
    with open(secrets_file, "rb") as f, open(key_file, "rb") as k:
        stored = f.read()
        assert json.loads(Fernet(k.read()).decrypt(stored)) == {"channel-%d" % channel_id: {"password": PASSWORD}}
    leaks = [name for name, text in [("answers", "".join(answers)), ("log", server.read_log()),
                                     ("file", stored.decode("latin-1")), ("database", read_database(server))]
             if PASSWORD in text]
    assert leaks == []



def test_a_copied_data_folder_without_its_key_cannot_read_the_secrets(tmp_path, smtp):
    first = Sidecar(tmp_path / "a", env=no_keychain_env(tmp_path / "a")).start()
    try:
        channel_id = first.post("/channels", json=smtp_channel(smtp)).json()["id"]
    finally:
        first.stop()
    copied = tmp_path / "copy"
    shutil.copytree(first.data_dir, copied / "data")
    second = Sidecar(copied, env=no_keychain_env(copied)).start()  # another user's (empty) configuration folder
    try:
        answer = second.post("/channels/%d/test" % channel_id)
    finally:
        second.stop()
    assert answer.status_code == 503 and answer.json()["code"] == "secrets_unreadable"
    assert PASSWORD not in answer.text


def test_deleting_an_unused_channel_removes_its_secret_from_the_file(tmp_path, smtp):
    server = Sidecar(tmp_path, env=no_keychain_env(tmp_path)).start()
    try:
        kept = server.post("/channels", json=smtp_channel(smtp, "kept-pw")).json()["id"]
        gone = server.post("/channels", json=smtp_channel(smtp, "gone-pw")).json()["id"]
        assert server.delete("/channels/%d" % gone).json() == {"deleted": gone, "paused_campaigns": []}
    finally:
        server.stop()
    with open(os.path.join(server.data_dir, "secrets.enc"), "rb") as f, \
            open(tmp_path / "config" / "secrets.key", "rb") as k:
        assert json.loads(Fernet(k.read()).decrypt(f.read())) == {"channel-%d" % kept: {"password": "kept-pw"}}


def test_the_file_store_round_trips_and_refuses_a_wrong_key(tmp_path):
    """The module itself: values in, the same values out; another key is refused, not misread."""
    from core.errors import DomainError
    from messaging.secret_file import SecretFile

    store = SecretFile(str(tmp_path / "data"), str(tmp_path / "config"))
    os.makedirs(tmp_path / "data")
    store.set("channel-1", {"password": "p1"})
    store.set("channel-2", {"auth_token": "t2"})
    assert store.get("channel-1") == {"password": "p1"} and store.get("channel-3") == {}
    assert mode(tmp_path / "config") == 0o700
    other = SecretFile(str(tmp_path / "data"), str(tmp_path / "other-config"))
    (tmp_path / "other-config").mkdir()
    (tmp_path / "other-config" / "secrets.key").write_bytes(Fernet.generate_key())
    with pytest.raises(DomainError) as refused:
        other.get("channel-1")
    assert refused.value.code == "secrets_unreadable"
    assert [n for n in os.listdir(tmp_path / "data") if n != "secrets.enc"] == []  # no temp file left


def test_with_a_keychain_the_secret_goes_there_and_no_file_is_written(tmp_path, keychain, smtp):
    server = Sidecar(tmp_path, env={"BULKMSG_CONFIG_DIR": str(tmp_path / "config")}).start()
    try:
        assert server.get("/settings/secrets").json()["store"] == "keychain"
        channel_id = server.post("/channels", json=smtp_channel(smtp)).json()["id"]
        assert server.post("/channels/%d/test" % channel_id).json()["ok"] is True
        assert server.delete("/channels/%d" % channel_id).status_code == 200
    finally:
        server.stop()
    assert not os.path.exists(os.path.join(server.data_dir, "secrets.enc"))
    assert not os.path.exists(tmp_path / "config" / "secrets.key")
