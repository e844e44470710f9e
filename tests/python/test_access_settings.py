"""The Settings screen's access controls (issue 15): the remote-access switch takes effect at once and is kept in
settings.json, unless the environment or command line set it; rotating the token refuses the old token and its
cookies at once. Only this machine's own app may use them.

Real processes over HTTP. Other machines are a requests session whose connections leave from this machine's LAN
address (security_support.lan_session), so the sidecar on 127.0.0.1 sees a non-loopback peer, as in
test_remote_access.py."""
import json
import os

import pytest
import requests

from sidecar import create_app, settings
from sidecar.access_token import token_path
from security_support import lan_session
from support.sidecar import Sidecar

TIMEOUT_S = 30


def error_code(answer):
    """The status and stable code of a JSON error answer (requests or Flask)."""
    body = answer.json() if callable(answer.json) else answer.json
    assert isinstance(body["error"], str) and body["error"], body
    return answer.status_code, body["code"]


def bearer(token):
    """The Authorization header of TOKEN."""
    return {"Authorization": "Bearer " + token}


def test_the_switch_takes_effect_and_survives_a_restart(tmp_path):
    server = Sidecar(tmp_path).start()
    try:
        before = server.get("/settings/access").json()
        assert before["remote_access"] is False and before["remote_access_source"] == "default"
        assert before["data_dir"] == server.data_dir and before["config_dir"]
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
        token = after["token"]
        assert lan_session().get(again.url + "/lists", headers=bearer(token), timeout=TIMEOUT_S).status_code == 200
        assert again.put("/settings/access", json={"remote_access": False}).json()["remote_access"] is False
    finally:
        again.stop()


@pytest.mark.parametrize("env, args, where", [({"BULKMSG_REMOTE_ACCESS": "0"}, (), "environment"),
                                              ({}, ("--remote-access",), "command line")])
def test_a_switch_set_by_the_environment_or_command_line_is_locked(tmp_path, env, args, where):
    server = Sidecar(tmp_path, env=env, args=args).start()
    try:
        before = server.get("/settings/access").json()
        assert before["remote_access_source"] == where
        answer = server.put("/settings/access", json={"remote_access": not before["remote_access"]})
        assert error_code(answer) == (409, "setting_locked")
        assert where in answer.json()["error"]
        assert server.get("/settings/access").json()["remote_access"] is before["remote_access"]
        assert not os.path.exists(os.path.join(server.data_dir, "settings.json"))
    finally:
        server.stop()


def test_other_machines_follow_the_switch_at_once_and_cannot_touch_it(tmp_path):
    server = Sidecar(tmp_path).start()
    lan = lan_session()
    try:
        token = server.get("/settings/access").json()["token"]
        assert error_code(lan.get(server.url + "/lists", headers=bearer(token), timeout=TIMEOUT_S)) == \
            (403, "remote_access_off")
        assert server.put("/settings/access", json={"remote_access": True}).status_code == 200
        assert lan.get(server.url + "/lists", headers=bearer(token), timeout=TIMEOUT_S).status_code == 200
        assert error_code(lan.get(server.url + "/lists", timeout=TIMEOUT_S)) == (401, "unauthorized")
        for method, path, body in (("put", "/settings/access", {"remote_access": False}),
                                   ("post", "/settings/access/token", None), ("get", "/settings/access", None)):
            answer = lan.request(method, server.url + path, json=body, headers=bearer(token), timeout=TIMEOUT_S)
            assert error_code(answer) == (403, "loopback_only"), path
        after = server.get("/settings/access").json()
        assert (after["token"], after["remote_access"]) == (token, True)  # the refused calls changed nothing
        assert server.put("/settings/access", json={"remote_access": False}).status_code == 200
        assert error_code(lan.get(server.url + "/lists", headers=bearer(token), timeout=TIMEOUT_S)) == \
            (403, "remote_access_off")
    finally:
        lan.close()
        server.stop()


def test_rotating_refuses_the_old_token_and_its_cookie_at_once(tmp_path):
    server = Sidecar(tmp_path, env={"BULKMSG_REMOTE_ACCESS": "1"}).start()
    lan = lan_session()
    try:
        old = server.get("/settings/access").json()["token"]
        assert lan.post(server.url + "/access/session", headers=bearer(old), timeout=TIMEOUT_S).status_code == 204
        assert lan.cookies.get("bulkmsg_session")
        assert lan.get(server.url + "/lists", timeout=TIMEOUT_S).status_code == 200  # the cookie alone
        rotated = server.post("/settings/access/token")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["token"]
        assert new != old and len(new) >= 22
        with open(token_path(server.data_dir), encoding="ascii") as f:
            assert f.read().strip() == new
        assert oct(os.stat(token_path(server.data_dir)).st_mode & 0o777) == "0o600"
        assert error_code(lan.get(server.url + "/lists", timeout=TIMEOUT_S)) == (401, "unauthorized")  # old cookie
        assert error_code(lan.get(server.url + "/lists", headers=bearer(old), timeout=TIMEOUT_S)) == \
            (401, "unauthorized")
        assert error_code(requests.post(server.url + "/access/session", headers=bearer(old), timeout=TIMEOUT_S)) == \
            (401, "unauthorized")
        assert lan.get(server.url + "/lists", headers=bearer(new), timeout=TIMEOUT_S).status_code == 200
        assert server.get("/settings/access").json()["token"] == new
    finally:
        lan.close()
        server.stop()
    again = Sidecar(tmp_path, env={"BULKMSG_REMOTE_ACCESS": "1"}).start()  # the new token is the one kept
    try:
        assert again.get("/settings/access").json()["token"] == new
    finally:
        again.stop()


def test_a_settings_file_that_is_not_json_is_not_overwritten(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    broken = '{"remote_access": true,, "default_region": "GB"'
    (data_dir / "settings.json").write_text(broken, encoding="utf-8")
    client = create_app(settings.for_tests(str(data_dir))).test_client()
    assert error_code(client.put("/settings/access", json={"remote_access": True})) == (409, "settings_file_broken")
    assert (data_dir / "settings.json").read_text(encoding="utf-8") == broken
    assert client.get("/settings/access").json["remote_access"] is False
