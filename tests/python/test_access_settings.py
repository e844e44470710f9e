"""The Settings screen's access controls (issue 15): the remote-access switch takes effect at once and is kept in
settings.json, unless the environment or command line set it; rotating the token refuses the old token and its
cookies at once. Only this machine's own app may use them.

Real processes over HTTP for the switch, its persistence and the rotation; in-process clients with a REMOTE_ADDR
from 192.0.2.0/24 stand for other machines (no packet leaves the process), as in test_remote_access.py."""
import json
import os

from sidecar import create_app, settings
from sidecar.access_token import token_path
from support.sidecar import Sidecar

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}


def error_code(answer):
    """The stable code of a JSON error answer (requests or Flask)."""
    body = answer.json() if callable(answer.json) else answer.json
    return answer.status_code, body["code"]


def test_the_switch_takes_effect_and_survives_a_restart(tmp_path):
    server = Sidecar(tmp_path).start()
    try:
        before = server.get("/settings/access").json()
        assert before["remote_access"] is False and before["remote_access_source"] == "default"
        assert before["data_dir"] == server.data_dir
        on = server.put("/settings/access", json={"remote_access": True})
        assert on.status_code == 200, on.text
        assert on.json()["remote_access"] is True
        with open(os.path.join(server.data_dir, "settings.json"), encoding="utf-8") as f:
            assert json.load(f)["remote_access"] is True
        assert oct(os.stat(os.path.join(server.data_dir, "settings.json")).st_mode & 0o777) == "0o600"
        assert error_code(server.put("/settings/access", json={"remote_access": "yes"})) == (400, "bad_param")
    finally:
        server.stop()
    again = Sidecar(tmp_path).start()
    try:
        after = again.get("/settings/access").json()
        assert after["remote_access"] is True and after["remote_access_source"] == "settings.json"
        assert again.put("/settings/access", json={"remote_access": False}).json()["remote_access"] is False
    finally:
        again.stop()


def test_a_switch_set_by_the_environment_is_locked(tmp_path):
    server = Sidecar(tmp_path, env={"BULKMSG_REMOTE_ACCESS": "0"}).start()
    try:
        assert server.get("/settings/access").json()["remote_access_source"] == "environment"
        assert error_code(server.put("/settings/access", json={"remote_access": True})) == (409, "setting_locked")
        assert not os.path.exists(os.path.join(server.data_dir, "settings.json"))
    finally:
        server.stop()


def test_rotating_refuses_the_old_token_at_once(tmp_path):
    server = Sidecar(tmp_path).start()
    try:
        old = server.get("/settings/access").json()["token"]
        assert server.post("/access/session", headers={"Authorization": "Bearer " + old}).status_code == 204
        rotated = server.post("/settings/access/token")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["token"]
        assert new != old and len(new) >= 22
        with open(token_path(server.data_dir), encoding="ascii") as f:
            assert f.read().strip() == new
        assert error_code(server.post("/access/session", headers={"Authorization": "Bearer " + old})) == \
            (401, "unauthorized")
        assert server.post("/access/session", headers={"Authorization": "Bearer " + new}).status_code == 204
    finally:
        server.stop()


def test_remote_clients_follow_the_switch_and_cannot_touch_it(tmp_path):
    app = create_app(settings.for_tests(str(tmp_path)))
    client = app.test_client()
    token = app.extensions["access_token"]
    remote = {"Authorization": "Bearer " + token}
    assert error_code(client.get("/lists", headers=remote, environ_base=REMOTE)) == (403, "remote_access_off")
    assert client.put("/settings/access", json={"remote_access": True}).status_code == 200
    assert client.get("/lists", headers=remote, environ_base=REMOTE).status_code == 200
    for method, path, body in (("put", "/settings/access", {"remote_access": False}),
                               ("post", "/settings/access/token", None), ("get", "/settings/access", None)):
        answer = getattr(client, method)(path, json=body, headers=remote, environ_base=REMOTE)
        assert error_code(answer) == (403, "loopback_only"), path
    client.post("/access/session", headers=remote, environ_base=REMOTE)
    cookie = client.get_cookie("bulkmsg_session")
    assert cookie is not None and client.get("/lists", environ_base=REMOTE).status_code == 200
    client.post("/settings/access/token")
    assert error_code(client.get("/lists", environ_base=REMOTE)) == (401, "unauthorized")  # the old cookie
    assert error_code(client.get("/lists", headers=remote, environ_base=REMOTE)) == (401, "unauthorized")
    assert client.put("/settings/access", json={"remote_access": False}).status_code == 200
    assert error_code(client.get("/lists", environ_base=REMOTE)) == (403, "remote_access_off")
