"""Channel checks over HTTP (issue 15): "test connection" against local SMTP, Cloud API and Twilio servers (the
provider's own message on failure, nothing sent), archive instead of refusing a used channel, and an edit pausing
the running campaign that uses the channel."""
import pytest

from fakes.smtp import FakeSmtp
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
from support.fuzz_hooks import bind_refusing_socket
from support.sidecar import Sidecar, wait_for


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real sidecar (secrets in its encrypted file; no keychain needed) with a one-contact list."""
    home = tmp_path_factory.mktemp("channel-checks")
    server = Sidecar(home, env={"BULKMSG_CONFIG_DIR": str(home / "config"),
                                "BULKMSG_RATE_LIMITS": "test_send=1000/60"}).start()
    made = server.post("/lists", json={"name": "L", "contacts": [
        {"name": "Ann", "number": "+14155552671", "email": "ann@example.org"},
        {"name": "Bob", "number": "+14155552672", "email": "bob@example.org"}]})
    server.list_id = made.json()["list"]["id"]
    yield server
    server.stop()


def channel(api, body):
    """Create a channel; its id."""
    made = api.post("/channels", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def check_of(api, channel_id):
    """POST /channels/{id}/test as JSON (always a 200)."""
    answer = api.post("/channels/%d/test" % channel_id)
    assert answer.status_code == 200, answer.text
    return answer.json()


def smtp_body(server, password):
    """An SMTP channel for SERVER (STARTTLS, login)."""
    return {"name": "mail", "type": "smtp", "secrets": {"password": password},
            "config": {"host": "127.0.0.1", "port": server.port, "security": server.mode, "username": server.username,
                       "from_address": "team@example.org", "ca_file": server.cert_path}}


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_smtp_test_connects_secures_and_logs_in_without_sending(api, tmp_path, mode):
    with FakeSmtp(str(tmp_path), mode) as server:
        good = check_of(api, channel(api, smtp_body(server, server.password)))
        bad = check_of(api, channel(api, smtp_body(server, "wrong")))
        assert server.messages == []
    assert good["ok"] is True and good["details"]["security"] == mode and good["details"]["logged_in"] is True
    assert bad == {"ok": False, "code": "auth_failed", "kind": "fatal", "details": None,
                   "error": "The SMTP server refused the login (535)."}


def test_smtp_test_on_a_closed_port_says_so_in_plain_words(api):
    holder = bind_refusing_socket()
    try:
        port = holder.getsockname()[1]
        result = check_of(api, channel(api, {"name": "closed", "type": "smtp", "config": {
            "host": "127.0.0.1", "port": port, "security": "none", "from_address": "a@example.org", "timeout": 3}}))
    finally:
        holder.close()
    assert result["ok"] is False and result["code"] == "connect_failed"
    assert result["error"] == "Could not connect to 127.0.0.1:%d: connection refused" % port


def test_cloud_api_test_reads_the_number_and_reports_graph_errors(api):
    with FakeWhatsApp() as wa:
        def made(token, number_id=wa.phone_number_id):
            return channel(api, {"name": "wa", "type": "whatsapp", "secrets": {"access_token": token},
                                 "config": {"phone_number_id": number_id, "api_base": wa.base_url}})
        good = check_of(api, made(wa.token))
        expired = check_of(api, made("old-token"))
        unknown = check_of(api, made(wa.token, "999"))
        assert wa.messages == []
    assert good["ok"] is True and good["details"]["display_phone_number"] == "+1 555-010-0000"
    assert good["details"]["verified_name"] == "Test Shop"
    assert expired["ok"] is False and expired["code"] == "wa_190" and "Error validating access token" in expired["error"]
    assert unknown["ok"] is False and "Object with ID '999' does not exist" in unknown["error"]


def test_twilio_test_reads_the_account_and_never_echoes_its_token(api):
    with FakeTwilio() as tw:
        def made(token):
            return channel(api, {"name": "tw", "type": "twilio", "secrets": {"auth_token": token},
                                 "config": {"account_sid": tw.account_sid, "from_number": "+14155550000",
                                            "api_base": tw.base_url}})
        good = api.post("/channels/%d/test" % made(tw.auth_token))
        bad = check_of(api, made("wrong"))
        assert tw.messages == []
    assert good.json()["ok"] is True and good.json()["details"] == {"friendly_name": "Test account",
                                                                    "status": "active", "type": "Full"}
    assert tw.auth_token not in good.text  # the Account resource carries it; the answer must not
    assert bad["ok"] is False and bad["code"] == "twilio_20003" and bad["error"] == "Twilio 401: Authenticate"


def campaign_on(api, channel_id, pacing=None):
    """A draft campaign on CHANNEL_ID to the fixture's list; its id."""
    made = api.post("/campaigns", json={"name": "c", "list_id": api.list_id, "channel_id": channel_id,
                                        "subject": "Hi", "body": "Hello {{name}}", "pacing": pacing or {}})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def test_a_used_channel_is_archived_not_refused_and_an_unused_one_deleted(api):
    used = channel(api, {"name": "used-dry", "type": "dry_run"})
    campaign_id = campaign_on(api, used)
    assert api.delete("/channels/%d" % used).json() == {"archived": used, "paused_campaigns": []}
    assert used not in [c["id"] for c in api.get("/channels").json()["channels"]]
    archived = [c for c in api.get("/channels?archived=1").json()["channels"] if c["id"] == used]
    assert archived and archived[0]["archived"] is True and archived[0]["name"] == "used-dry"
    assert api.get("/campaigns/%d" % campaign_id).json()["channel_id"] == used  # the report keeps its channel
    refused = api.post("/campaigns", json={"name": "c", "list_id": api.list_id, "channel_id": used, "body": "Hi"})
    assert refused.status_code == 409 and refused.json()["code"] == "channel_archived"
    unused = channel(api, {"name": "unused", "type": "dry_run"})
    assert api.delete("/channels/%d" % unused).json() == {"deleted": unused, "paused_campaigns": []}
    assert api.get("/channels/%d" % unused).status_code == 404


def test_editing_a_channel_pauses_the_running_campaign_first(api):
    dry = channel(api, {"name": "slow-dry", "type": "dry_run"})
    campaign_id = campaign_on(api, dry, {"per_minute": 0.5})  # one message, then a two-minute gap
    assert api.post("/campaigns/%d/start" % campaign_id).status_code == 200
    assert api.get("/campaigns/%d" % campaign_id).json()["status"] == "running"
    refused = api.patch("/channels/%d" % dry, json={"config": {"no_such_setting": 1}})
    assert refused.status_code == 400
    assert api.get("/campaigns/%d" % campaign_id).json()["status"] == "running"  # a refused edit pauses nothing
    edited = api.patch("/channels/%d" % dry, json={"name": "renamed"})
    assert edited.status_code == 200 and edited.json()["paused_campaigns"] == [campaign_id]
    paused = wait_for(lambda: (lambda c: c if c["status"] == "paused" else None)(
        api.get("/campaigns/%d" % campaign_id).json()), timeout=30)
    assert paused["pause_reason"].startswith("channel_edited:")
    assert api.get("/channels/%d" % dry).json()["name"] == "renamed"


def test_a_campaign_on_a_closed_smtp_port_pauses_at_once_with_the_reason(api):
    holder = bind_refusing_socket()
    try:
        port = holder.getsockname()[1]
        closed = channel(api, {"name": "closed", "type": "smtp", "config": {
            "host": "127.0.0.1", "port": port, "security": "none", "from_address": "a@example.org", "timeout": 3}})
        campaign_id = campaign_on(api, closed, {"per_minute": 600})
        assert api.post("/campaigns/%d/start" % campaign_id).status_code == 200
        paused = wait_for(lambda: (lambda c: c if c["status"] == "paused" else None)(
            api.get("/campaigns/%d" % campaign_id).json()), timeout=20)
    finally:
        holder.close()
    assert paused["pause_reason"] == "channel_error: Could not connect to 127.0.0.1:%d: connection refused" % port
    assert paused["counts"]["pending"] == 2 and paused["counts"]["failed"] == 0  # nobody's attempt was used up
