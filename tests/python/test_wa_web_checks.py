"""'Check on WhatsApp' before composing: a paced background job over pasted numbers, an import or a saved list,
cached so the campaign reuses the answers; and the budget that paces every check (60 a minute, 1,000 a day)."""
import io
import time

import pytest
import requests
from support import whatsapp
from support.sidecar import wait_for

ON = ["+4915112345%03d" % i for i in range(200, 212)]
OFF = ["+4915112399%03d" % i for i in range(3)]


@pytest.fixture
def fake():
    """The fake WhatsApp with ON on it."""
    yield from whatsapp.fake_with(ON)


@pytest.fixture
def api(tmp_path, fake):
    """A real sidecar whose engines talk to the fake."""
    yield from whatsapp.sidecar_for(tmp_path, fake)


def linked(api, fake):
    """A linked channel's id."""
    return whatsapp.linked_channel(api, fake, "WA")


def finished_job(api, channel_id):
    """Wait for the check job to finish; its progress."""
    return wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
        api.get("/channels/%d/whatsapp-web/check" % channel_id).json()["job"]), timeout=60)


def test_an_imports_numbers_are_checked_in_the_background_and_the_campaign_reuses_the_answers(api, fake):
    channel_id = linked(api, fake)
    assert api.get("/channels/%d/whatsapp-web/check" % channel_id).json()["job"]["state"] == "idle"
    csv = "name,phone\n" + "".join("P%d,%s\n" % (i, n) for i, n in enumerate(ON + OFF))
    imported = requests.post(api.url + "/upload", files={"file": ("people.csv", io.BytesIO(csv.encode()))},
                             timeout=60).json()
    r = api.post("/channels/%d/whatsapp-web/check" % channel_id, {"import_id": imported["import_id"]})
    assert r.status_code == 202 and r.json()["job"]["total"] == len(ON + OFF)
    job = finished_job(api, channel_id)
    assert (job["state"], job["on_whatsapp"], job["not_on_whatsapp"], job["cached"]) == ("done", len(ON), len(OFF), 0)
    assert fake.checks == len(ON + OFF)
    state = api.get("/channels/%d/whatsapp-web" % channel_id).json()
    assert state["checks"]["today"] == len(ON + OFF)
    # The campaign finds every answer in the cache: no second check, and the numbers not on WhatsApp are skipped.
    contacts = [{"number": n} for n in ON[:3] + OFF[:1]]
    list_id = api.post("/lists", {"name": "l", "contacts": contacts}).json()["list"]["id"]
    campaign = api.post("/campaigns", {"name": "c", "list_id": list_id, "channel_id": channel_id, "body": "Hi",
                                       "pacing": {"per_minute": 6000, "min_delay": 0, "max_delay": 0,
                                                  "warmup": False}}).json()
    api.post("/campaigns/%d/start" % campaign["id"])
    done = wait_for(lambda: (lambda c: c if c["status"] == "completed" else None)(
        api.get("/campaigns/%d" % campaign["id"]).json()), timeout=60)
    assert done["counts"]["sent"] == 3 and done["counts"]["skipped"] == 1
    assert fake.checks == len(ON + OFF)
    again = api.post("/channels/%d/whatsapp-web/check" % channel_id, {"list_id": list_id})
    assert again.status_code == 202
    assert finished_job(api, channel_id)["cached"] == 4


def test_a_check_of_an_unlinked_channel_pauses_with_the_reason(api, fake):
    channel_id = api.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {}}).json()["id"]
    api.post("/channels/%d/whatsapp-web/check" % channel_id, {"numbers": ON[:2]})
    job = finished_job(api, channel_id)
    assert job["state"] == "paused" and "not linked" in job["reason"]


def test_bad_check_requests_are_refused(api):
    channel_id = api.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {}}).json()["id"]
    assert api.post("/channels/%d/whatsapp-web/check" % channel_id, {}).json()["code"] == "missing_field"
    assert api.post("/channels/%d/whatsapp-web/check" % channel_id, {"numbers": "x"}).json()["code"] == "bad_param"
    assert api.post("/channels/%d/whatsapp-web/check" % channel_id, {"import_id": "nope"}).status_code == 404
    dry = api.post("/channels", {"name": "d", "type": "dry_run", "config": {}}).json()["id"]
    assert api.post("/channels/%d/whatsapp-web/check" % dry, {"numbers": ON[:1]}).json()["code"] == "not_whatsapp_web"


def test_the_budget_holds_sixty_a_minute_and_a_thousand_a_day(store):
    from messaging.whatsapp_web import numbers
    _data_dir, conn = store
    conn.execute("INSERT INTO channels (name, type, config, created_at, updated_at) VALUES ('w', 'whatsapp_web', "
                 "'{}', 0, 0)")
    now = time.time()
    assert numbers.budget_wait(conn, 1, now=now) == 0
    numbers.record(conn, 1, [{"number": "+1%d" % i, "exists": True, "jid": None} for i in range(60)], now=now - 30)
    assert numbers.budget_wait(conn, 1, now=now) == pytest.approx(30, abs=0.01)  # the minute frees 30 s from now
    assert numbers.budget_wait(conn, 1, now=now + 31) == 0
    numbers.record(conn, 1, [{"number": "+2%d" % i, "exists": True, "jid": None} for i in range(940)],
                   now=now - 3600)
    wait = numbers.budget_wait(conn, 1, now=now + 31)
    assert wait == pytest.approx(86400 - 3600 - 31, abs=1)  # the day's 1,000 are used: wait for the oldest to age
