"""“Send a test” over HTTP (issue 15): the campaign's message reaches a local SMTP server at the typed address,
is recorded in its own table, never counts in the campaign, and is rate-limited."""
import pytest

from fakes.smtp import FakeSmtp
from support.sidecar import Sidecar

CONTACTS = [{"name": "Asha Rao", "email": "asha@example.org", "fields": {"City": "Pune"}},
            {"name": "Ben Ode", "email": "ben@example.org", "fields": {"City": ""}}]
LIMIT = 6  # test sends a client may make per hour in this file's sidecar


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A real sidecar, a real SMTP server (STARTTLS + login), a list and a draft campaign on it."""
    home = tmp_path_factory.mktemp("test-sends")
    with FakeSmtp(str(home), "starttls") as smtp:
        server = Sidecar(home, env={"BULKMSG_CONFIG_DIR": str(home / "config"),
                                    "BULKMSG_RATE_LIMITS": "test_send=%d/3600" % LIMIT}).start()
        list_id = server.post("/lists", json={"name": "L", "contacts": CONTACTS}).json()["list"]["id"]
        channel = server.post("/channels", json={
            "name": "mail", "type": "smtp", "secrets": {"password": smtp.password},
            "config": {"host": "127.0.0.1", "port": smtp.port, "username": smtp.username,
                       "from_address": "team@example.org", "ca_file": smtp.cert_path}}).json()
        made = server.post("/campaigns", json={"name": "spring", "list_id": list_id, "channel_id": channel["id"],
                                               "subject": "News for {{name}}", "body": "Hi {{name}} in {{City|town}}"})
        assert made.status_code == 201, made.text
        yield server, smtp, made.json()
        server.stop()


def test_a_test_send_arrives_at_the_typed_address_and_is_not_counted(setup):
    server, smtp, campaign = setup
    before = server.get("/campaigns/%d" % campaign["id"]).json()
    answer = server.post("/campaigns/%d/test-send" % campaign["id"], json={"to": "me@Example.ORG"})
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    assert sent["ok"] is True and sent["test_send"]["status"] == "sent" and sent["test_send"]["to"] == "me@example.org"
    arrived = [m for m in smtp.messages if m["to"] == "me@example.org"]
    assert len(arrived) == 1
    assert arrived[0]["subject"] == "News for Asha Rao" and arrived[0]["body"].strip() == "Hi Asha Rao in Pune"
    assert arrived[0]["authenticated"] is True and arrived[0]["message_id"] == sent["test_send"]["provider_id"]
    after = server.get("/campaigns/%d" % campaign["id"]).json()
    assert after["counts"] == before["counts"] and after["status"] == "draft"
    listed = server.get("/campaigns/%d/test-sends" % campaign["id"]).json()["test_sends"]
    assert listed[0]["id"] == sent["test_send"]["id"]


def test_a_named_recipient_fills_the_placeholders_and_a_campaign_address_can_be_the_target(setup):
    server, smtp, campaign = setup
    ben = server.get("/campaigns/%d/recipients" % campaign["id"]).json()["recipients"][1]
    answer = server.post("/campaigns/%d/test-send" % campaign["id"],
                         json={"to": "asha@example.org", "recipient_id": ben["id"]})
    assert answer.json()["ok"] is True
    arrived = [m for m in smtp.messages if m["to"] == "asha@example.org"]
    assert [m["body"].strip() for m in arrived] == ["Hi Ben Ode in town"]
    counts = server.get("/campaigns/%d" % campaign["id"]).json()["counts"]
    assert counts["sent"] == 0 and counts["pending"] == 2  # Asha is still to be sent her real message


def test_bad_test_sends_are_4xx_and_the_limit_answers_429(setup):
    server, smtp, campaign = setup
    path = "/campaigns/%d/test-send" % campaign["id"]
    assert server.post(path, json={"to": "not-an-address"}).json()["code"] == "invalid_email"
    assert server.post(path, json={}).json()["code"] == "missing_field"
    assert server.post("/campaigns/999999/test-send", json={"to": "me@example.org"}).status_code == 404
    answers = [server.post(path, json={"to": "limit@example.org"}) for _ in range(LIMIT + 1)]
    statuses = [a.status_code for a in answers]
    assert statuses[-1] == 429 and answers[-1].headers.get("Retry-After"), statuses
    assert set(statuses) <= {200, 429} and statuses == sorted(statuses)  # once limited, it stays limited
    assert len([m for m in smtp.messages if m["to"] == "limit@example.org"]) == statuses.count(200)
