"""Campaigns over HTTP against the real sidecar and real loopback providers: volume, faults, SSE, report."""
import concurrent.futures
import csv
import io
import json

import openpyxl
import pytest
from fakes.smtp import FakeSmtp
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
from support.sidecar import Sidecar, wait_for

FAST = {"per_minute": 100000}


@pytest.fixture(scope="module")
def api(tmp_path_factory, keychain):
    """A real sidecar (with a real keychain) on a free loopback port."""
    server = Sidecar(tmp_path_factory.mktemp("campaigns")).start()
    yield server
    server.stop()


def people(count, prefix="p"):
    """COUNT contacts with distinct numbers and emails, and a City column on every other one."""
    return [{"number": "+1415%07d" % (5550000 + i), "email": "%s%d@example.org" % (prefix, i), "name": "Person %d" % i,
             "fields": {"City": "City %d" % i} if i % 2 == 0 else {}} for i in range(count)]


def create(api, path, body):
    """POST and return the created object's JSON (asserting 201)."""
    r = api.post(path, body)
    assert r.status_code == 201, r.text
    return r.json()


def new_campaign(api, channel, count, pacing=None, prefix="p", **extra):
    """A list of COUNT people and a draft campaign to them through CHANNEL."""
    listed = create(api, "/lists", {"name": "list-" + prefix, "contacts": people(count, prefix)})["list"]
    body = {"name": "camp-" + prefix, "list_id": listed["id"], "channel_id": channel["id"],
            "subject": "Hello {{name}}", "body": "Hi {{name|friend}} from {{City|your town}}",
            "pacing": pacing or FAST}
    body.update(extra)
    return create(api, "/campaigns", body)


def finished(api, campaign_id):
    """The campaign once it is no longer running (None while it runs)."""
    body = api.get("/campaigns/%d" % campaign_id).json()
    return body if body["status"] != "running" else None


@pytest.mark.slow
def test_thousand_recipients_over_smtp_arrive_exactly_once(api, tmp_path):
    with FakeSmtp(str(tmp_path), "starttls") as server:
        channel = create(api, "/channels", {"name": "smtp", "type": "smtp", "secrets": {"password": server.password},
                                            "config": {"host": "127.0.0.1", "port": server.port, "security": "starttls",
                                                       "username": server.username, "from_address": "news@example.com",
                                                       "ca_file": server.cert_path}})
        campaign = new_campaign(api, channel, 1000, prefix="smtp")
        assert api.post("/campaigns/%d/start" % campaign["id"]).json()["started"] is True
        done = wait_for(lambda: finished(api, campaign["id"]), timeout=240, interval=0.5)
    assert done["status"] == "completed" and done["counts"]["sent"] == 1000
    received = [m["to"] for m in server.messages]
    assert len(received) == 1000 and len(set(received)) == 1000
    assert sorted(received) == sorted(p["email"] for p in people(1000, "smtp"))
    first = next(m for m in server.messages if m["to"] == "smtp0@example.org")
    assert first["subject"] == "Hello Person 0" and first["body"].strip() == "Hi Person 0 from City 0"
    odd = next(m for m in server.messages if m["to"] == "smtp1@example.org")
    assert odd["body"].strip() == "Hi Person 1 from your town"


def check_accounted(api, campaign_id, fake, address_of):
    """Every recipient has a final state; 'sent' ones reached the provider exactly once, others never twice."""
    ledger = api.get("/campaigns/%d/recipients" % campaign_id, params={"limit": 1000}).json()["recipients"]
    counts = {}
    for row in ledger:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        got = fake.count_to(address_of(row["address"]))
        if row["status"] == "sent":
            assert got == 1 and row["provider_id"], row
        elif row["status"] == "failed":
            assert got == 0 and row["error_code"], row
        else:
            assert row["status"] == "unknown" and got <= 1 and row["error_code"], row
    assert sum(counts.values()) == 1000 and "pending" not in counts and "sending" not in counts
    assert len(fake.messages) == len({m["to"] for m in fake.messages})
    return counts


HTTP_FAULTS = {"rate_limit": 0.01, "server_error": 0.04, "unavailable": 0.02, "timeout": 0.01}


@pytest.mark.slow
def test_thousand_over_whatsapp_with_429s_5xx_and_timeouts_are_all_accounted_for(api):
    with FakeWhatsApp(seed=7, timeout_hold=1.0) as server:
        server.faults.random(**HTTP_FAULTS)
        channel = create(api, "/channels", {"name": "wa", "type": "whatsapp",
                                            "secrets": {"access_token": server.token},
                                            "config": {"phone_number_id": server.phone_number_id,
                                                       "api_base": server.base_url, "timeout": 0.5}})
        campaign = new_campaign(api, channel, 1000, dict(FAST, retry_backoff=0.05, max_attempts=4,
                                                         max_consecutive_failures=50), prefix="wa")
        api.post("/campaigns/%d/start" % campaign["id"])
        done = wait_for(lambda: finished(api, campaign["id"]), timeout=300, interval=0.5)
        # First, so that a pause says why (its reason) rather than showing up as a recipient left pending.
        assert done["status"] == "completed", (done["status"], done.get("pause_reason"), done.get("counts"))
        counts = check_accounted(api, campaign["id"], server, lambda a: a.lstrip("+"))
    assert server.faults.injected["rate_limit"] > 0 and server.faults.injected["timeout"] > 0
    assert counts.get("unknown", 0) == server.faults.injected["timeout"]  # a timeout is never blindly re-sent
    assert counts["sent"] == len(server.messages) >= 950


@pytest.mark.slow
def test_thousand_over_twilio_with_429s_5xx_and_timeouts_are_all_accounted_for(api):
    with FakeTwilio(seed=11, timeout_hold=1.0) as server:
        server.faults.random(**HTTP_FAULTS)
        channel = create(api, "/channels", {"name": "tw", "type": "twilio",
                                            "secrets": {"auth_token": server.auth_token},
                                            "config": {"account_sid": server.account_sid,
                                                       "from_number": "+15005550006", "api_base": server.base_url,
                                                       "timeout": 0.5}})
        campaign = new_campaign(api, channel, 1000, dict(FAST, retry_backoff=0.05, max_attempts=4,
                                                         max_consecutive_failures=50), prefix="tw")
        api.post("/campaigns/%d/start" % campaign["id"])
        done = wait_for(lambda: finished(api, campaign["id"]), timeout=300, interval=0.5)
        assert done["status"] == "completed", (done["status"], done.get("pause_reason"), done.get("counts"))
        counts = check_accounted(api, campaign["id"], server, lambda a: a)
    assert counts["sent"] == len(server.messages) >= 950


def dry_run(api, name):
    """A dry-run channel (it writes to DATA_DIR/dry-run/channel-<id>.jsonl)."""
    return create(api, "/channels", {"name": name, "type": "dry_run", "config": {}})


def read_events(api, campaign_id):
    """All SSE events of a stream until it ends: [(event, data)]."""
    events = []
    with api.get("/campaigns/%d/events" % campaign_id, stream=True, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    return events


def test_progress_streams_as_server_sent_events(api):
    campaign = new_campaign(api, dry_run(api, "sse"), 12, {"per_minute": 600}, prefix="sse")
    api.post("/campaigns/%d/start" % campaign["id"])
    events = read_events(api, campaign["id"])
    progress = [data for event, data in events if event == "progress"]
    assert events[-1] == ("end", {"status": "completed"})
    sent_counts = [p["counts"]["sent"] for p in progress]
    assert sent_counts == sorted(sent_counts) and sent_counts[-1] == 12 and len(set(sent_counts)) > 3
    assert progress[-1]["latest"][0]["status"] == "sent" and progress[-1]["progress"] == 1.0
    assert any(p["rate_per_minute"] for p in progress)


def test_two_concurrent_starts_start_one_run(api):
    campaign = new_campaign(api, dry_run(api, "twice"), 30, {"per_minute": 3000}, prefix="twice")
    path = "/campaigns/%d/start" % campaign["id"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: api.post(path, timeout=30).json(), range(4)))
    assert [a["started"] for a in answers].count(True) == 1
    done = wait_for(lambda: finished(api, campaign["id"]), timeout=60)
    assert done["counts"]["sent"] == 30
    with open("%s/dry-run/channel-%d.jsonl" % (api.data_dir, campaign["channel_id"]), encoding="utf-8") as f:
        sent = [json.loads(line)["to"] for line in f]
    assert len(sent) == 30 and len(set(sent)) == 30


def test_pause_resume_cancel_and_retry_over_http(api):
    campaign = new_campaign(api, dry_run(api, "ctl"), 40, {"per_minute": 1200}, prefix="ctl")
    cid = campaign["id"]
    api.post("/campaigns/%d/start" % cid)
    wait_for(lambda: api.get("/campaigns/%d" % cid).json()["counts"]["sent"] >= 3, timeout=30)
    paused = api.post("/campaigns/%d/pause" % cid).json()
    assert paused["status"] == "paused"
    resumed = api.post("/campaigns/%d/resume" % cid).json()
    assert resumed["started"] is True
    cancelled = api.post("/campaigns/%d/cancel" % cid).json()
    assert cancelled["status"] == "cancelled" and cancelled["counts"]["pending"] > 0
    assert api.post("/campaigns/%d/start" % cid).json()["code"] == "bad_state"
    assert api.post("/campaigns/%d/retry" % cid, json={"statuses": ["failed"]}).status_code == 409
    assert api.delete("/campaigns/%d" % cid).status_code == 200


def test_report_as_csv_and_xlsx(api):
    campaign = new_campaign(api, dry_run(api, "report"), 5, prefix="rep")
    api.post("/campaigns/%d/start" % campaign["id"])
    wait_for(lambda: finished(api, campaign["id"]), timeout=30)
    r = api.get("/campaigns/%d/report" % campaign["id"], params={"format": "csv"})
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["status"] for row in rows] == ["sent"] * 5 and all(row["provider_id"] for row in rows)
    assert rows[0]["address"].lstrip("'") == "+14155550000" and rows[0]["finished_at"]
    x = api.get("/campaigns/%d/report" % campaign["id"], params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("address", "name", "status") and len(values) == 6 and values[1][0] == "+14155550000"


@pytest.mark.parametrize("method,path,body,status,code", [
    ("post", "/campaigns", {"name": "x"}, 400, "missing_field"),
    ("post", "/campaigns", {"name": "x", "list_id": 999999, "channel_id": 1, "body": "b"}, 404, "not_found"),
    ("get", "/campaigns/999999", None, 404, "not_found"),
    ("post", "/campaigns/999999/start", None, 404, "not_found"),
    ("get", "/campaigns/999999/events", None, 404, "not_found"),
    ("get", "/campaigns/999999/report", None, 404, "not_found"),
])
def test_bad_campaign_requests_get_stable_4xx(api, method, path, body, status, code):
    r = getattr(api, method)(path, json=body) if body is not None else getattr(api, method)(path)
    assert r.status_code == status and r.json()["code"] == code


def test_bad_campaign_settings_get_stable_4xx(api):
    channel = dry_run(api, "bad")
    listed = create(api, "/lists", {"name": "bad", "contacts": people(2, "bad")})["list"]
    base = {"name": "x", "list_id": listed["id"], "channel_id": channel["id"], "body": "hi"}
    for extra, code in (({"pacing": {"per_minute": -1}}, "bad_pacing"), ({"body": "{{oops"}, "bad_template"),
                        ({"pacing": "fast"}, "bad_pacing"), ({"options": {"x": 1}}, "bad_param"),
                        ({"template_id": 999999}, "not_found")):
        r = api.post("/campaigns", dict(base, **extra))
        assert 400 <= r.status_code < 500 and r.json()["code"] == code, (extra, r.text)
    campaign = create(api, "/campaigns", base)
    for query in ({"format": "pdf"},):
        assert api.get("/campaigns/%d/report" % campaign["id"], params=query).json()["code"] == "bad_param"
    assert api.get("/campaigns/%d/recipients" % campaign["id"], params={"status": "x"}).json()["code"] == "bad_param"
    assert api.get("/campaigns/%d/preview" % campaign["id"], params={"recipient_id": "x"}).json()["code"] == "bad_param"
    assert api.post("/campaigns/%d/pause" % campaign["id"]).status_code == 409
