"""Team mode over HTTP against the real sidecar (forced into team mode on SQLite): login, rate limits, CSRF,
session expiry and logout, each role's allowed and refused routes, and the audit log of every audited action."""

import pytest

from fakes.twilio import FakeTwilio
from messaging import db
from support.delivery import twilio_channel
from support.team import PASSWORD, TeamClient, add_user, audit_actions, logged_in, query, store_of, team_sidecar

SLOW = {"per_minute": 0.5}  # one message, then a 2-minute gap: the campaign stays running while the test acts


@pytest.fixture(scope="module")
def team(tmp_path_factory, keychain):
    """A team-mode sidecar with an admin, a sender and a viewer."""
    server = team_sidecar(tmp_path_factory.mktemp("team"))
    for name, role in (("ada", "admin"), ("sam", "sender"), ("vic", "viewer")):
        add_user(server, name, role)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def twilio():
    """A fake Twilio for the team's channel."""
    with FakeTwilio() as fake:
        yield fake


class AsClient:
    """Adapter: support.delivery helpers call api.post(path, body) and api.url; a TeamClient answers both."""

    def __init__(self, client):
        self.client, self.url = client, client.server.url

    def post(self, path, body=None):
        """POST through the logged-in client."""
        return self.client.post(path, body)


def test_the_session_route_tells_the_ui_to_show_the_login_screen(team):
    client = TeamClient(team)
    assert client.get("/session").json() == {"mode": "team", "user": None, "csrf_token": None}
    refused = client.get("/lists")
    assert refused.status_code == 401 and refused.json()["code"] == "not_logged_in"
    assert client.get("/health").status_code == 200  # public
    r = client.login("ada")
    assert r.status_code == 200 and r.json()["user"] == {"id": r.json()["user"]["id"], "name": "ada", "role": "admin"}
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "bulkmsg_user=" in cookie
    assert client.get("/session").json()["user"]["name"] == "ada"
    assert client.get("/lists").status_code == 200


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(team):
    unknown, wrong = TeamClient(team).login("nobody"), TeamClient(team).login("ada", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == {"code": "bad_login", "error": "Wrong user name or password."}
    assert "Set-Cookie" not in wrong.headers
    admin = logged_in(team, "ada")
    failed = [e for e in admin.get("/audit").json()["entries"] if e["action"] == "login.failed"]
    assert {e["detail"]["name"] for e in failed} >= {"nobody", "ada"} and all(e["user"] == "-" for e in failed)


def test_a_bearer_token_or_the_desktop_cookie_opens_nothing_in_team_mode(team):
    from sidecar.access_token import read_token, session_value

    token = read_token(team.data_dir)
    assert team.get("/lists", headers={"Authorization": "Bearer " + token}).status_code == 401
    assert team.get("/lists", cookies={"bulkmsg_session": session_value(token)}).status_code == 401


def test_state_changing_requests_need_the_sessions_csrf_token(team):
    sender = logged_in(team, "sam")
    missing = sender.post("/lists", {"name": "no token", "contacts": []}, csrf=False)
    assert missing.status_code == 403 and missing.json()["code"] == "csrf_failed"
    forged = sender.post("/lists", {"name": "forged", "contacts": []}, csrf=False,
                         headers={"X-CSRF-Token": "x" * 43})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    other = logged_in(team, "sam")  # another session of the same user has another token
    crossed = sender.post("/lists", {"name": "crossed", "contacts": []}, csrf=False,
                          headers={"X-CSRF-Token": other.csrf})
    assert crossed.status_code == 403
    assert sender.post("/lists", {"name": "with token", "contacts": []}).status_code == 201
    names = [entry["name"] for entry in sender.get("/lists").json()["lists"]]
    assert "with token" in names and not {"no token", "forged", "crossed"} & set(names)


def test_logout_ends_the_session_for_good(team):
    client = logged_in(team, "vic")
    stolen = client.http.cookies.get("bulkmsg_user")
    assert client.post("/session/logout").status_code == 200
    assert client.get("/lists").status_code == 401
    replay = team.get("/lists", cookies={"bulkmsg_user": stolen})
    assert replay.status_code == 401 and replay.json()["code"] == "not_logged_in"
    stored = query(team, "SELECT token_hash FROM sessions")
    assert all(stolen not in row[0] for row in stored)  # only hashes are kept


@pytest.mark.parametrize("column,age", [("last_seen_at", 2 * 3600 + 60), ("created_at", 12 * 3600 + 60)])
def test_idle_and_old_sessions_expire(team, column, age):
    client = logged_in(team, "vic")
    assert client.get("/lists").status_code == 200
    conn = store_of(team)
    with db.transaction(conn):  # move the session back in time rather than wait for it
        conn.execute("UPDATE sessions SET %s = %s - ? WHERE user_id = (SELECT id FROM users WHERE name='vic')"
                     % (column, column), (age,))
    conn.close()
    r = client.get("/lists")
    assert r.status_code == 401 and r.json()["code"] == "not_logged_in"


def test_each_role_may_do_what_it_needs_and_no_more(team, twilio):
    admin, sender, viewer = logged_in(team, "ada"), logged_in(team, "sam"), logged_in(team, "vic")
    channel_id = twilio_channel(AsClient(admin), twilio)
    refused = sender.post("/channels", {"name": "x", "type": "twilio", "config": {}})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # Three contacts at the slow pace: the campaign is still sending when it is cancelled.
    listed = sender.post("/lists", {"name": "roles", "contacts": [{"number": "+1415555200%d" % i} for i in (1, 2, 3)]})
    assert listed.status_code == 201
    campaign = sender.post("/campaigns", {"name": "roles", "list_id": listed.json()["list"]["id"],
                                          "channel_id": channel_id, "body": "Hi", "pacing": SLOW})
    assert campaign.status_code == 201
    campaign_id = campaign.json()["id"]
    for path in ("/lists", "/campaigns", "/campaigns/%d" % campaign_id, "/channels", "/templates"):
        assert viewer.get(path).status_code == 200, path
    for method, path in (("POST", "/campaigns/%d/start" % campaign_id), ("POST", "/lists"),
                         ("DELETE", "/lists/%d" % listed.json()["list"]["id"]), ("POST", "/templates"),
                         ("GET", "/users"), ("GET", "/audit"), ("POST", "/users")):
        r = viewer.request(method, path, json={})
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (method, path, r.text)
    for method, path in (("GET", "/users"), ("GET", "/audit"), ("PATCH", "/channels/%d" % channel_id),
                         ("PUT", "/settings/access"), ("POST", "/users")):
        assert sender.request(method, path, json={}).status_code == 403, (method, path)
    assert viewer.get("/campaigns/%d" % campaign_id).json()["status"] == "draft"
    assert sender.post("/campaigns/%d/start" % campaign_id).status_code == 200
    cancelled = sender.post("/campaigns/%d/cancel" % campaign_id)
    assert cancelled.status_code == 200, (cancelled.text, viewer.get("/campaigns/%d" % campaign_id).text)


def test_admins_add_users_change_roles_and_disable_them(team):
    admin = logged_in(team, "ada")
    weak = admin.post("/users", {"name": "newbie", "role": "viewer", "password": "short"})
    assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
    assert admin.post("/users", {"name": "newbie", "role": "boss", "password": PASSWORD}).json()["code"] == "bad_role"
    added = admin.post("/users", {"name": "newbie", "role": "viewer", "password": PASSWORD})
    assert added.status_code == 201 and "password_hash" not in added.json()
    assert admin.post("/users", {"name": "newbie", "role": "viewer", "password": PASSWORD}).status_code == 409
    newbie = logged_in(team, "newbie")
    assert newbie.post("/lists", {"name": "n", "contacts": []}).status_code == 403
    user_id = added.json()["id"]
    assert admin.patch("/users/%d" % user_id, {"role": "sender"}).json()["role"] == "sender"
    assert newbie.post("/lists", {"name": "by newbie", "contacts": []}).status_code == 201  # the role applies now
    assert admin.patch("/users/%d" % user_id, {"disabled": True}).json()["disabled"] is True
    assert newbie.get("/lists").status_code == 401  # disabling ended the session
    assert TeamClient(team).login("newbie").json()["code"] == "bad_login"
    ada_id = [u["id"] for u in admin.get("/users").json()["users"] if u["name"] == "ada"][0]
    last = admin.patch("/users/%d" % ada_id, {"role": "viewer"})
    assert last.status_code == 409 and last.json()["code"] == "last_admin"
    stored = query(team, "SELECT password_hash FROM users WHERE name='newbie'")[0]
    assert stored[0].startswith("scrypt$32768$8$1$") and PASSWORD not in stored[0]


def test_every_audited_action_names_who_did_it(team, twilio):
    admin, sender = logged_in(team, "ada"), logged_in(team, "sam")
    channel_id = twilio_channel(AsClient(admin), twilio)
    assert admin.patch("/channels/%d" % channel_id, {"name": "SMS 2"}).status_code == 200
    listed = sender.post("/lists", {"name": "audited", "contacts": [{"number": "+14155552002"},
                                                                    {"number": "+14155552003"}]})
    list_id = listed.json()["list"]["id"]
    campaign_id = sender.post("/campaigns", {"name": "audited", "list_id": list_id, "channel_id": channel_id,
                                             "body": "Hi", "pacing": SLOW}).json()["id"]
    for action in ("start", "pause", "retry", "resume", "cancel"):
        r = sender.post("/campaigns/%d/%s" % (campaign_id, action))
        assert r.status_code == 200, (action, r.text)
    spare = sender.post("/lists", {"name": "spare", "contacts": []}).json()["list"]["id"]
    assert sender.delete("/lists/%d" % spare).status_code == 200
    other = admin.post("/channels", {"name": "spare", "type": "twilio", "config": {
        "account_sid": twilio.account_sid, "from_number": "+15005550006", "api_base": twilio.base_url},
        "secrets": {"auth_token": twilio.auth_token}}).json()["id"]
    assert admin.delete("/channels/%d" % other).status_code == 200
    assert sender.post("/session/logout").status_code == 200
    actions = audit_actions(admin)
    c, ch, lst = str(campaign_id), str(channel_id), str(list_id)
    expected = [("ada", "channel.created", "channel", ch), ("ada", "channel.changed", "channel", ch),
                ("sam", "list.created", "list", lst), ("sam", "campaign.created", "campaign", c),
                ("sam", "campaign.started", "campaign", c), ("sam", "campaign.paused", "campaign", c),
                ("sam", "campaign.retried", "campaign", c), ("sam", "campaign.resumed", "campaign", c),
                ("sam", "campaign.cancelled", "campaign", c), ("sam", "list.created", "list", str(spare)),
                ("sam", "list.deleted", "list", str(spare)), ("ada", "channel.created", "channel", str(other)),
                ("ada", "channel.deleted", "channel", str(other)), ("sam", "logout", "user", None)]
    tail = [a for a in actions if a[1] not in ("login",)][-len(expected):]
    assert [a[:3] for a in tail] == [e[:3] for e in expected]
    assert [a[3] for a in tail][:-1] == [e[3] for e in expected][:-1]
    assert ("sam", "login") in [a[:2] for a in actions] and ("command line", "user.added") in [a[:2] for a in actions]
    page = admin.get("/audit?offset=1&limit=2").json()
    assert len(page["entries"]) == 2 and page["total"] == len(actions) and page["entries"][0]["id"] < \
        admin.get("/audit?limit=1").json()["entries"][0]["id"]


@pytest.mark.slow
def test_login_is_rate_limited_per_address_and_per_name(tmp_path):
    server = team_sidecar(tmp_path / "names", {"BULKMSG_RATE_LIMITS": "login=100/300,login_name=3/300"})
    add_user(server, "ada", "admin")
    with server:
        answers = [TeamClient(server).login("ada", "wrong password %d" % i).status_code for i in range(3)]
        blocked = TeamClient(server).login("ada")  # the right password, too late: guessing gains nothing
        assert answers == [401] * 3 and blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
        assert blocked.headers.get("Retry-After") or blocked.json()["retry_after"] >= 1
        assert TeamClient(server).login("nobody").status_code == 401  # other names have their own budget
    server = team_sidecar(tmp_path / "addresses", {"BULKMSG_RATE_LIMITS": "login=3/300,login_name=100/300"})
    add_user(server, "ada", "admin")
    with server:
        answers = [TeamClient(server).login("name%d" % i).status_code for i in range(3)]
        blocked = TeamClient(server).login("ada")
        assert answers == [401] * 3 and blocked.status_code == 429


@pytest.mark.sqlite_only  # a database URL is the team mode: the desktop runs on its SQLite file only
def test_the_desktop_mode_has_no_accounts(api):
    assert api.get("/session").json() == {"mode": "desktop", "user": {"id": None, "name": "desktop", "role": "admin"},
                                          "csrf_token": None}
    r = api.post("/session/login", {"name": "ada", "password": PASSWORD})
    assert r.status_code == 409 and r.json()["code"] == "not_team_mode"
    assert api.post("/lists", {"name": "desktop", "contacts": []}).status_code == 201  # no CSRF header needed
