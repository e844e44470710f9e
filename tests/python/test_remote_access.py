"""Remote access decided once, and the session cookie for downloads and event streams.

In-process clients with a REMOTE_ADDR from the documentation range 192.0.2.0/24 stand for other machines (no
packet leaves the process); one check runs against the real process. The browser test through a network
namespace lives with the UI tests.
"""
import os

import pytest

from sidecar import create_app, settings
from sidecar.access_token import token_path
from security_support import lan_session
from support.sidecar import Sidecar

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
PASTE = {"numbers": "+1 415 555 2671", "default_region": "US"}


def assert_json_error(answer, status, code):
    """ANSWER (a Flask test response or a requests response) is the JSON error STATUS/CODE."""
    body = answer.json if isinstance(answer.json, dict) else answer.json()
    assert (answer.status_code, body["code"]) == (status, code), body
    assert isinstance(body["error"], str) and body["error"]


def make_app(data_dir, remote_access):
    """The in-process app on DATA_DIR with remote access on or off."""
    return create_app(settings.for_tests(str(data_dir), remote_access=remote_access))


def remote_get(client, path, token=None, **kw):
    """GET PATH as another machine, optionally with the bearer token."""
    headers = {"Authorization": "Bearer " + token} if token else {}
    return client.get(path, headers=headers, environ_base=REMOTE, **kw)


def test_remote_access_is_off_by_default():
    """No setting given: off."""
    assert settings.Settings(data_dir="x").remote_access is False
    assert settings.public_constants()["remote_access_default"] is False


@pytest.mark.parametrize("path", ["/health", "/regions", "/", "/settings/access", "/openapi.json"])
def test_off_refuses_every_remote_client_even_with_the_token(tmp_path, path):
    """Off: 403 remote_access_off on every path, public ones included, whatever the token."""
    app = make_app(tmp_path, remote_access=False)
    token = app.extensions["access_token"]
    client = app.test_client()
    for credentials in (None, token, "wrong"):
        assert_json_error(remote_get(client, path, credentials), 403, "remote_access_off")
    answer = client.post("/parse-manual-numbers", json=PASTE, headers={"Authorization": "Bearer " + token},
                         environ_base=REMOTE)
    assert_json_error(answer, 403, "remote_access_off")
    assert client.get("/regions", environ_base=LOOPBACK).status_code == 200  # this machine is still served


def test_off_refuses_remote_clients_of_a_real_process(tmp_path):
    """The real process started without the setting refuses a client coming from a non-loopback address."""
    server = Sidecar(tmp_path).start()
    try:
        token = server.get("/settings/access").json()["token"]
        answer = lan_session().get(server.url + "/regions", headers={"Authorization": "Bearer " + token}, timeout=30)
        assert_json_error(answer, 403, "remote_access_off")
        assert server.get("/regions").status_code == 200
    finally:
        server.stop()


def test_on_remote_clients_need_the_token(tmp_path):
    """On: the token rule applies (401 without it, 200 with it); public paths need none."""
    app = make_app(tmp_path, remote_access=True)
    token = app.extensions["access_token"]
    client = app.test_client()
    assert_json_error(remote_get(client, "/regions"), 401, "unauthorized")
    assert_json_error(remote_get(client, "/regions", "not-" + token), 401, "unauthorized")
    assert remote_get(client, "/regions", token).status_code == 200
    assert remote_get(client, "/health").status_code == 200


def test_session_exchange_sets_a_strict_httponly_cookie_that_is_not_the_token(tmp_path):
    """POST /access/session with the token: 204 and the cookie's attributes; without it: 401, no cookie."""
    app = make_app(tmp_path, remote_access=True)
    token = app.extensions["access_token"]
    client = app.test_client()
    refused = client.post("/access/session", environ_base=REMOTE)
    assert_json_error(refused, 401, "unauthorized")
    assert "Set-Cookie" not in refused.headers
    assert_json_error(client.post("/access/session", environ_base=LOOPBACK), 401, "unauthorized")
    answer = client.post("/access/session", headers={"Authorization": "Bearer " + token}, environ_base=REMOTE)
    assert answer.status_code == 204
    cookie = answer.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("bulkmsg_session=") and {"httponly", "path"} <= attributes
    assert "SameSite=Strict" in cookie and "Path=/" in cookie
    assert token not in cookie


def test_the_cookie_is_accepted_wherever_the_token_is_and_delete_clears_it(tmp_path):
    """A remote client with only the cookie is served (downloads, streams, API); after DELETE it is not."""
    app = make_app(tmp_path, remote_access=True)
    token = app.extensions["access_token"]
    client = app.test_client()
    assert_json_error(remote_get(client, "/lists"), 401, "unauthorized")
    client.post("/access/session", headers={"Authorization": "Bearer " + token}, environ_base=REMOTE)
    assert remote_get(client, "/lists").status_code == 200
    assert remote_get(client, "/campaigns/999/report?format=csv").status_code == 404  # past the token rule
    cleared = client.delete("/access/session", environ_base=REMOTE)
    assert cleared.status_code == 204
    assert "bulkmsg_session=;" in cleared.headers["Set-Cookie"]
    assert_json_error(remote_get(client, "/lists"), 401, "unauthorized")


def test_a_forged_cookie_is_refused(tmp_path):
    """A cookie holding the token itself or anything else is not the HMAC: 401."""
    app = make_app(tmp_path, remote_access=True)
    token = app.extensions["access_token"]
    client = app.test_client()
    for value in (token, "0" * 64, ""):
        client.set_cookie("bulkmsg_session", value)
        assert_json_error(remote_get(client, "/lists"), 401, "unauthorized")


def test_rotating_the_token_invalidates_the_cookie(tmp_path):
    """A cookie made from the old token is refused once the data directory has a new token."""
    old_app = make_app(tmp_path, remote_access=True)
    client = old_app.test_client()
    client.post("/access/session", headers={"Authorization": "Bearer " + old_app.extensions["access_token"]},
                environ_base=REMOTE)
    cookie = client.get_cookie("bulkmsg_session")
    assert cookie is not None and remote_get(client, "/lists").status_code == 200
    os.remove(token_path(str(tmp_path)))
    new_app = make_app(tmp_path, remote_access=True)
    assert new_app.extensions["access_token"] != old_app.extensions["access_token"]
    new_client = new_app.test_client()
    new_client.set_cookie("bulkmsg_session", cookie.value)
    assert_json_error(remote_get(new_client, "/lists"), 401, "unauthorized")
