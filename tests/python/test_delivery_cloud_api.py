"""WhatsApp Cloud API delivery truth against the real sidecar: Meta's verification handshake, signed status and
message webhooks (out of order, twice, for rows we do not have), the tunnel rule, and the inbox they feed."""
import hashlib
import hmac
import json

import pytest
import requests
from fakes.whatsapp import FakeWhatsApp
from support.delivery import APP_SECRET, VERIFY_TOKEN, cloud_channel, counts, numbers, rows, run_campaign
from support.sidecar import wait_for

TUNNEL = {"Host": "calm-river-1234.trycloudflare.com", "X-Forwarded-For": "173.252.88.1",
          "X-Forwarded-Proto": "https", "CF-Connecting-IP": "173.252.88.1"}


@pytest.fixture
def fake():
    """The fake Cloud API (it also posts Meta's webhooks)."""
    with FakeWhatsApp() as server:
        yield server



def sent(fake, number):
    """The message the fake accepted for NUMBER (E.164)."""
    return next(m for m in fake.messages if m["to"] == number.lstrip("+"))


def signed_post(api, channel_id, payload, secret=APP_SECRET, headers=None):
    """POST a webhook body signed with SECRET (the way Meta does)."""
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return requests.post(api.url + "/webhooks/whatsapp/%d" % channel_id, data=raw, timeout=10,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature,
                                  **(headers or {})})


def test_the_verification_handshake_echoes_the_challenge_only_for_the_right_token(api, fake):
    channel_id = cloud_channel(api, fake)
    path = "/webhooks/whatsapp/%d" % channel_id
    good = requests.get(api.url + path, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                "hub.challenge": "1158201444"}, headers=TUNNEL, timeout=10)
    assert (good.status_code, good.text) == (200, "1158201444")
    bad = requests.get(api.url + path, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                               "hub.challenge": "1"}, headers=TUNNEL, timeout=10)
    assert bad.status_code == 401 and bad.json()["code"] == "bad_verify_token"


def test_statuses_out_of_order_and_twice_end_right_and_never_move_back(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(4)
    campaign_id = run_campaign(api, channel_id, to)
    assert sorted(m["callback_data"] for m in fake.messages) == sorted(str(r["id"]) for r in rows(api, campaign_id)
                                                                       .values())
    first, second, third, fourth = (sent(fake, n) for n in to)
    for message, status in ((first, "read"), (first, "delivered"), (first, "sent"), (first, "read"),
                            (second, "delivered"), (second, "delivered"), (third, "sent")):
        assert fake.emit_status(message, status) == 200
    assert fake.emit_status(fourth, "failed", (131026, "Message undeliverable")) == 200
    by_address = rows(api, campaign_id)
    assert by_address[to[0]]["delivery"] == "read" and by_address[to[0]]["read_at"] is not None
    assert by_address[to[0]]["delivered_at"] is not None  # read implies delivered
    assert by_address[to[1]]["delivery"] == "delivered" and by_address[to[1]]["read_at"] is None
    assert by_address[to[2]]["delivery"] is None and by_address[to[2]]["status"] == "sent"
    assert by_address[to[3]]["delivery"] == "failed" and "131026" in by_address[to[3]]["error"]
    tally = counts(api, campaign_id)
    assert (tally["sent"], tally["delivered"], tally["read"], tally["delivery_failed"]) == (4, 2, 1, 1)


def test_a_bad_signature_is_refused_and_changes_nothing(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(1)
    campaign_id = run_campaign(api, channel_id, to)
    payload = fake.envelope(fake.status_value(sent(fake, to[0]), "read"))
    refused = signed_post(api, channel_id, payload, secret="not-the-app-secret")
    assert refused.status_code == 401 and refused.json()["code"] == "bad_signature"
    unsigned = requests.post(api.url + "/webhooks/whatsapp/%d" % channel_id, json=payload, timeout=10)
    assert unsigned.status_code == 401
    assert rows(api, campaign_id)[to[0]]["delivery"] is None
    stats = api.get("/settings/webhooks").json()["channels"][0]
    assert (stats["received"], stats["rejected"]) == (0, 2) and stats["last_error"]
    assert signed_post(api, channel_id, payload).status_code == 200
    assert rows(api, campaign_id)[to[0]]["delivery"] == "read"
    assert api.get("/settings/webhooks").json()["channels"][0]["received"] == 1


def test_a_signed_webhook_for_rows_we_do_not_have_gets_200_and_changes_nothing(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(2)
    campaign_id = run_campaign(api, channel_id, to)
    before = rows(api, campaign_id)
    with FakeWhatsApp(phone_number_id="999000111") as other_fake:
        other = cloud_channel(api, other_fake, app_secret="other-secret")
    stranger = {"id": "wamid.unknown", "to": to[0].lstrip("+"), "callback_data": str(before[to[0]]["id"])}
    for payload, channel, secret in (
            (fake.envelope(fake.status_value({"id": "wamid.nobody", "to": "1"}, "read")), channel_id, APP_SECRET),
            (fake.envelope(fake.status_value(dict(stranger, callback_data="987654321"), "delivered")), channel_id,
             APP_SECRET),
            # a row id of this campaign, but sent by another channel's webhook: not that channel's row
            (dict(fake.envelope(fake.status_value(stranger, "read")), entry=[{"id": "x", "changes": [
                {"field": "messages", "value": dict(fake.status_value(stranger, "read"), metadata={
                    "phone_number_id": "999000111"})}]}]), other, "other-secret"),
            ({"object": "page", "entry": []}, channel_id, APP_SECRET),
            ("not an object", channel_id, APP_SECRET)):
        r = signed_post(api, channel, payload, secret=secret)
        assert r.status_code == 200, r.text
    assert rows(api, campaign_id) == before


def test_a_status_naming_its_row_settles_a_send_whose_answer_was_lost(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(3)
    fake.drop_answers = True  # Meta took the messages; the answers never arrived
    campaign_id = run_campaign(api, channel_id, to)
    assert {r["status"] for r in rows(api, campaign_id).values()} == {"unknown"}
    reported = list(fake.messages)[:2]
    for message in reported:
        assert fake.emit_status(message, "delivered") == 200
    settled = api.post("/campaigns/%d/reconcile" % campaign_id).json()
    assert (settled["reconciled"], settled["still_unknown"]) == (2, 1)
    by_address = rows(api, campaign_id)
    assert sorted(r["status"] for r in by_address.values()) == ["sent", "sent", "unknown"]
    assert {r["provider_id"] for r in by_address.values() if r["status"] == "sent"} == \
        {m["id"] for m in list(fake.messages)[:2]}
    fake.drop_answers = False
    retried = api.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["unknown"]}).json()
    assert retried["requeued"] == 1
    wait_for(lambda: counts(api, campaign_id)["sent"] == 3)
    # only the one no status named went again
    assert {n: fake.count_to(n.lstrip("+")) for n in to} == {
        n: 1 if n.lstrip("+") in {m["to"] for m in reported} else 2 for n in to}


@pytest.mark.sqlite_only  # the desktop's loopback rules; a team server (PostgreSQL) asks every caller to log in
def test_webhooks_pass_a_tunnel_and_nothing_else_does(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(1)
    campaign_id = run_campaign(api, channel_id, to)
    fake.forward_headers = dict(TUNNEL)
    assert fake.emit_status(sent(fake, to[0]), "delivered") == 200
    assert rows(api, campaign_id)[to[0]]["delivery"] == "delivered"
    for path in ("/campaigns", "/settings/access", "/inbox", "/channels", "/do-not-contact"):
        r = requests.get(api.url + path, headers=TUNNEL, timeout=10)
        assert r.status_code in (401, 403), (path, r.status_code)
    local = requests.get(api.url + "/settings/access", headers={"X-Forwarded-For": "10.0.0.9"}, timeout=10)
    assert local.status_code == 403  # loopback, but relayed: never shown the token
    assert api.get("/settings/access").status_code == 200


def test_oversized_webhooks_are_refused_before_reading(api, fake):
    channel_id = cloud_channel(api, fake)
    r = requests.post(api.url + "/webhooks/whatsapp/%d" % channel_id, data=b"x" * (1024 * 1024 + 1), timeout=30,
                      headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_replies_arrive_in_the_inbox_linked_to_the_campaign_and_stop_words_opt_out(api, fake):
    channel_id = cloud_channel(api, fake)
    to = numbers(2)
    campaign_id = run_campaign(api, channel_id, to)
    assert fake.emit_message(to[0].lstrip("+"), "Thanks, see you there", name="Ana", wamid="wamid.in1") == 200
    assert fake.emit_message(to[0].lstrip("+"), "Thanks, see you there", name="Ana", wamid="wamid.in1") == 200
    assert fake.emit_message(to[1].lstrip("+"), "  Stop!  ", wamid="wamid.in2") == 200
    inbox = api.get("/inbox").json()
    assert inbox["unread"] == 2 and inbox["total"] == 2
    ana = next(c for c in inbox["conversations"] if c["address"] == to[0])
    assert (ana["name"], ana["campaign_id"], ana["unread"], ana["opted_out"]) == ("Ana", campaign_id, 1, False)
    assert next(c for c in inbox["conversations"] if c["address"] == to[1])["opted_out"] is True
    consent = api.get("/do-not-contact").json()["entries"]
    assert [(e["value"], e["source"], e["channel_id"]) for e in consent] == [(to[1], "keyword", channel_id)]
    assert counts(api, campaign_id)["replied"] == 2
    thread = api.get("/inbox/messages", params={"channel_id": channel_id, "address": to[0]}).json()
    assert [m["body"] for m in thread["messages"]] == ["Thanks, see you there"]
    assert api.post("/inbox/read", {"channel_id": channel_id, "address": to[0]}).json() == {"read": 1}
    assert api.get("/inbox").json()["unread"] == 1
    answered = api.post("/inbox/reply", {"channel_id": channel_id, "address": to[0], "body": "Great!"})
    assert answered.status_code == 201, answered.text
    assert fake.messages[-1]["body"] == "Great!" and fake.messages[-1]["to"] == to[0].lstrip("+")
    refused = api.post("/inbox/reply", {"channel_id": channel_id, "address": to[1], "body": "Sorry"})
    assert refused.status_code == 409 and refused.json()["code"] == "opted_out"
    assert fake.emit_message(to[1].lstrip("+"), "START", wamid="wamid.in3") == 200
    assert api.get("/do-not-contact").json()["entries"] == []


def test_the_inbox_stream_announces_arrivals(api, fake):
    cloud_channel(api, fake)
    with api.get("/inbox/events", stream=True, timeout=30) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        first = next(line for line in lines if line.startswith("data:"))
        assert json.loads(first[5:]) == {"unread": 0, "latest_id": 0}
        assert fake.emit_message("14155550123", "Hi!") == 200
        second = next(line for line in lines if line.startswith("data:"))
        assert json.loads(second[5:])["unread"] == 1
