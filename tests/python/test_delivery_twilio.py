"""Twilio delivery truth against the real sidecar: statuses and inbound messages by polling the Messages list (one
request per page), signed status callbacks and inbound webhooks through a tunnel, Advanced Opt-Out, and finding
sends a lost answer left 'unknown'."""
import pytest
import requests
from fakes.twilio import FakeTwilio, twilio_signature
from support.delivery import counts, numbers, rows, run_campaign, twilio_channel
from support.sidecar import wait_for

PUBLIC = "https://quiet-lake-77.trycloudflare.com"
SENDER = "+15005550006"


@pytest.fixture
def fake():
    """The fake Twilio API."""
    with FakeTwilio() as server:
        yield server



def sid_to(fake, number):
    """The sid of the message the fake accepted for NUMBER."""
    return next(m["id"] for m in fake.messages if m["to"] == number and m["direction"] != "inbound")


def sync(api, channel_id):
    """POST /channels/{id}/sync; the result."""
    r = api.post("/channels/%d/sync" % channel_id)
    assert r.status_code == 200, r.text
    return r.json()


def test_polling_reads_statuses_page_by_page_and_never_moves_a_row_back(api, fake):
    channel_id = twilio_channel(api, fake)
    to = numbers(5)
    campaign_id = run_campaign(api, channel_id, to)
    fake.page_cap = 2  # 5 messages: 3 pages of the outbound list, 1 of the inbound one
    for number, status, error in ((to[0], "delivered", None), (to[1], "undelivered", 30003),
                                  (to[2], "failed", 30008), (to[3], "sent", None)):
        fake.advance(sid_to(fake, number), status, error, callback=False)
    result = sync(api, channel_id)
    assert result["ok"] and result["statuses"] == 3
    assert fake.list_requests == 3 + 1
    by_address = rows(api, campaign_id)
    assert [by_address[n]["delivery"] for n in to] == ["delivered", "undelivered", "failed", None, None]
    assert "30003" in by_address[to[1]]["error"]
    fake.advance(sid_to(fake, to[4]), "delivered", callback=False)
    fake.advance(sid_to(fake, to[0]), "sent", callback=False)  # a stale report after 'delivered'
    assert sync(api, channel_id)["statuses"] == 1
    by_address = rows(api, campaign_id)
    assert by_address[to[0]]["delivery"] == "delivered" and by_address[to[4]]["delivery"] == "delivered"
    tally = counts(api, campaign_id)
    assert (tally["delivered"], tally["undelivered"], tally["delivery_failed"]) == (2, 1, 2)


def test_inbound_messages_are_polled_into_the_inbox_and_stop_opts_out(api, fake):
    channel_id = twilio_channel(api, fake, SENDER)
    to = numbers(2)
    campaign_id = run_campaign(api, channel_id, to)
    fake.inbound(to[0], SENDER, "Can I bring a friend?")
    fake.inbound(to[1], SENDER, "STOP")
    fake.inbound("+14155550999", "+15005559999", "not to our number")
    assert sync(api, channel_id)["messages"] == 2
    assert sync(api, channel_id)["messages"] == 0  # polled again: nothing twice
    conversations = {c["address"]: c for c in api.get("/inbox").json()["conversations"]}
    assert set(conversations) == set(to)
    assert conversations[to[0]]["campaign_id"] == campaign_id and conversations[to[1]]["opted_out"]
    entry = api.get("/do-not-contact").json()["entries"][0]
    assert (entry["value"], entry["source"]) == (to[1], "keyword")
    assert counts(api, campaign_id)["replied"] == 2


def test_status_callbacks_and_inbound_webhooks_come_signed_through_the_tunnel(api, fake):
    channel_id = twilio_channel(api, fake, SENDER)
    assert api.put("/settings/webhooks", {"public_url": PUBLIC + "/"}).json()["public_url"] == PUBLIC
    fake.tunnel = (PUBLIC, api.url)
    to = numbers(2)
    campaign_id = run_campaign(api, channel_id, to)
    callback = PUBLIC + "/webhooks/twilio/%d" % channel_id
    assert {m["status_callback"] for m in fake.messages} == {callback}
    status, _ = fake.advance(sid_to(fake, to[0]), "delivered")
    assert status == 200
    assert fake.advance(sid_to(fake, to[1]), "undelivered", 30005)[0] == 200
    by_address = rows(api, campaign_id)
    assert by_address[to[0]]["delivery"] == "delivered" and by_address[to[1]]["delivery"] == "undelivered"
    fake.sms_url = callback
    fake.inbound(to[0], SENDER, "stop")  # Twilio's Advanced Opt-Out reports OptOutType=STOP
    entry = api.get("/do-not-contact").json()["entries"][0]
    assert (entry["value"], entry["source"]) == (to[0], "provider_opt_out")
    fake.inbound(to[0], SENDER, "START")
    assert api.get("/do-not-contact").json()["entries"] == []
    overview = api.get("/settings/webhooks").json()["channels"][0]
    assert overview["url"] == callback and overview["received"] == 4 and overview["rejected"] == 0


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(api, fake):
    channel_id = twilio_channel(api, fake)
    to = numbers(1)
    campaign_id = run_campaign(api, channel_id, to)
    fields = {"MessageSid": sid_to(fake, to[0]), "MessageStatus": "delivered", "AccountSid": fake.account_sid}
    url = api.url + "/webhooks/twilio/%d" % channel_id
    for signature in (twilio_signature("wrong-token", url, fields), twilio_signature(fake.auth_token, url + "x",
                                                                                     fields), None):
        headers = {"X-Twilio-Signature": signature} if signature else {}
        r = requests.post(url, data=fields, headers=headers, timeout=10)
        assert r.status_code == 401 and r.json()["code"] == "bad_signature"
    assert rows(api, campaign_id)[to[0]]["delivery"] is None
    good = requests.post(url, data=fields, headers={"X-Twilio-Signature": twilio_signature(
        fake.auth_token, url, fields)}, timeout=10)
    assert good.status_code == 200 and good.headers["Content-Type"].startswith("text/xml")
    assert rows(api, campaign_id)[to[0]]["delivery"] == "delivered"


def test_sends_whose_answer_was_lost_are_found_in_the_list_before_any_retry(api, fake):
    channel_id = twilio_channel(api, fake)
    to = numbers(3)
    fake.drop_answers = True
    campaign_id = run_campaign(api, channel_id, to, body="Hi {{name}}, doors open at 7")
    assert {r["status"] for r in rows(api, campaign_id).values()} == {"unknown"}
    fake.drop_answers = False
    with fake.lock:  # one of them never reached Twilio after all
        fake.messages = [m for m in fake.messages if m["to"] != to[2]]
    settled = api.post("/campaigns/%d/reconcile" % campaign_id).json()
    assert (settled["reconciled"], settled["still_unknown"]) == (2, 1)
    by_address = rows(api, campaign_id)
    assert by_address[to[0]]["provider_id"] == sid_to(fake, to[0]) and by_address[to[0]]["status"] == "sent"
    retried = api.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["unknown"]}).json()
    assert retried["requeued"] == 1
    wait_for(lambda: counts(api, campaign_id)["sent"] == 3)
    assert [fake.count_to(n) for n in to] == [1, 1, 1]


def test_a_reconcile_does_not_take_a_message_with_another_body(api, fake):
    channel_id = twilio_channel(api, fake)
    to = numbers(1)
    fake.drop_answers = True
    campaign_id = run_campaign(api, channel_id, to, body="Reminder for {{name}}")
    with fake.lock:
        fake.messages[0]["body"] = "something else entirely"
    fake.drop_answers = False
    assert api.post("/campaigns/%d/reconcile" % campaign_id).json()["still_unknown"] == 1
