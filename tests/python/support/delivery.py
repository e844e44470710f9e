"""What the delivery-truth tests share: campaigns on a channel through the API, their rows, and provider
channels (Cloud API, Twilio) pointed at the fakes."""
import time

from support.sidecar import wait_for

FAST = {"per_minute": 6000, "min_delay": 0, "max_delay": 0, "batch_size": None}
APP_SECRET = "meta-app-secret-1"
VERIFY_TOKEN = "verify-token-1"


def numbers(count, start=0):
    """COUNT distinct valid US numbers."""
    return ["+1415555%04d" % (2000 + start + i) for i in range(count)]


def run_campaign(api, channel_id, addresses, body="Hello {{name}}", key="number", subject=None):
    """A campaign to ADDRESSES (numbers or emails) on CHANNEL_ID, started and waited for; its id."""
    contacts = [{key: a, "name": "R%d" % i} for i, a in enumerate(addresses)]
    if key == "email":
        contacts = [dict(c, number=n) for c, n in zip(contacts, numbers(len(addresses), 500))]
    listed = api.post("/lists", {"name": "delivery %d" % time.monotonic_ns(), "contacts": contacts})
    assert listed.status_code == 201, listed.text
    data = {"name": "truth", "list_id": listed.json()["list"]["id"], "channel_id": channel_id, "body": body,
            "pacing": FAST}
    if subject is not None:
        data["subject"] = subject
    r = api.post("/campaigns", data)
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    assert api.post("/campaigns/%d/start" % campaign_id).status_code == 200
    finished(api, campaign_id)
    return campaign_id


def finished(api, campaign_id, timeout=60):
    """Wait until the campaign is no longer running; its description."""
    return wait_for(lambda: (lambda c: c if c["status"] != "running" else None)(
        api.get("/campaigns/%d" % campaign_id).json()), timeout=timeout)


def rows(api, campaign_id):
    """The campaign's recipients by address."""
    body = api.get("/campaigns/%d/recipients?limit=500" % campaign_id).json()
    return {r["address"]: r for r in body["recipients"]}


def counts(api, campaign_id):
    """The campaign's counts."""
    return api.get("/campaigns/%d" % campaign_id).json()["counts"]


def cloud_channel(api, fake, app_secret=APP_SECRET):
    """A Cloud API channel on FAKE with a webhook app secret and verify token; its id. FAKE posts its webhooks
    to the channel's endpoint."""
    r = api.post("/channels", {"name": "Cloud", "type": "whatsapp", "config": {
        "phone_number_id": fake.phone_number_id, "api_base": fake.base_url, "timeout": 2},
        "secrets": {"access_token": fake.token, "app_secret": app_secret, "webhook_verify_token": VERIFY_TOKEN}})
    assert r.status_code == 201, r.text
    channel_id = r.json()["id"]
    fake.subscribe(api.url + "/webhooks/whatsapp/%d" % channel_id, app_secret)
    return channel_id


def twilio_channel(api, fake, from_number="+15005550006"):
    """A Twilio channel on FAKE; its id."""
    r = api.post("/channels", {"name": "SMS", "type": "twilio", "config": {
        "account_sid": fake.account_sid, "from_number": from_number, "api_base": fake.base_url, "timeout": 2},
        "secrets": {"auth_token": fake.auth_token}})
    assert r.status_code == 201, r.text
    return r.json()["id"]
