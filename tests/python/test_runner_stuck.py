"""Issue 11's stuck cases against the real sidecar: a channel at a closed port pauses quickly with the reason;
a campaign paused while a send was in flight and then killed (SIGKILL or SIGTERM) resumes to a clean end
(an `end` event, no row left 'sending'); the per-message gap holds across kill -9 and SIGTERM in real time."""
import json
import re

import pytest
from messaging import db
from fakes.whatsapp import FakeWhatsApp
from support.sidecar import Sidecar, free_port, wait_for


def create(api, path, body):
    """POST BODY and return the created object (201 expected)."""
    answer = api.post(path, body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def campaign_on(api, channel, count, pacing):
    """A draft campaign of COUNT numbers through CHANNEL with PACING."""
    contacts = [{"number": "+1415555%04d" % (1000 + i), "name": "R%d" % i} for i in range(count)]
    listed = create(api, "/lists", {"name": "l", "contacts": contacts})
    return create(api, "/campaigns", {"name": "c", "list_id": listed["list"]["id"], "channel_id": channel["id"],
                                      "body": "Hi {{name}}", "pacing": pacing})


def whatsapp_channel(api, server, **config):
    """A Cloud API channel pointing at SERVER."""
    return create(api, "/channels", {"name": "wa", "type": "whatsapp", "secrets": {"access_token": server.token},
                                     "config": dict({"phone_number_id": server.phone_number_id,
                                                     "api_base": server.base_url, "timeout": 5}, **config)})


def rows(data_dir, campaign_id):
    """[(status, attempted_at)] of the campaign's recipients, read straight from the file."""
    conn = db.connect(db.db_path(data_dir))
    try:
        return conn.execute("SELECT status, attempted_at FROM campaign_recipients WHERE campaign_id=? ORDER BY id",
                            (campaign_id,)).fetchall()
    finally:
        conn.close()


def campaign(api, campaign_id):
    """GET /campaigns/<id>."""
    return api.get("/campaigns/%d" % campaign_id).json()


def events_until_end(api, campaign_id, timeout=60):
    """The SSE events of a campaign up to and including 'end'."""
    seen, name = [], None
    with api.get("/campaigns/%d/events" % campaign_id, stream=True, timeout=timeout) as answer:
        for line in answer.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                seen.append((name, json.loads(line[len("data: "):])))
                if name == "end":
                    return seen
    raise AssertionError("the stream closed without an end event: %s" % seen[-3:])


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_channel_at_a_closed_port_pauses_quickly_with_the_reason(tmp_path, keychain, concurrency):
    with Sidecar(tmp_path) as api:
        dead = create(api, "/channels", {"name": "dead", "type": "twilio", "secrets": {"auth_token": "t"},
                                         "config": {"account_sid": "AC" + "0" * 32, "from_number": "+15005550006",
                                                    "api_base": "http://127.0.0.1:%d" % free_port()}})
        started = campaign_on(api, dead, 30, {"per_minute": 6000, "retry_backoff": 0.2,
                                              "concurrency": concurrency})
        assert api.post("/campaigns/%d/start" % started["id"]).status_code == 200
        def settled():  # paused, and the sends that were in flight have landed
            found = campaign(api, started["id"])
            return found if found["status"] == "paused" and found["counts"]["sending"] == 0 else None
        paused = wait_for(settled, timeout=15)
        reason = re.match(r"consecutive_failures: (\d+) sends in a row failed\. Last error: ", paused["pause_reason"])
        assert reason and 5 <= int(reason.group(1)) <= 5 + concurrency, paused["pause_reason"]
        assert "Could not connect to 127.0.0.1" in paused["pause_reason"]
        assert paused["counts"]["sending"] == 0 and paused["counts"]["sent"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["kill", "stop"])
def test_paused_during_a_send_then_stopped_resumes_to_a_clean_end(tmp_path, keychain, stop):
    with FakeWhatsApp(latency=1.5) as server:
        api = Sidecar(tmp_path).start()
        try:
            channel = whatsapp_channel(api, server)
            started = campaign_on(api, channel, 6, {"per_minute": 6000, "concurrency": 1})
            api.post("/campaigns/%d/start" % started["id"])
            wait_for(lambda: any(s == "sending" for s, _ in rows(api.data_dir, started["id"])), timeout=20)
            assert api.post("/campaigns/%d/pause" % started["id"]).json()["status"] == "paused"
            getattr(api, stop)()  # SIGKILL, or SIGTERM (the send in flight finishes and is recorded)
            assert campaign_status_in_file(api.data_dir, started["id"]) == "paused"
            api.start()
            after_restart = campaign(api, started["id"])
            assert after_restart["status"] == "paused" and after_restart["counts"]["sending"] == 0
            assert api.post("/campaigns/%d/resume" % started["id"]).json()["started"]
            events = events_until_end(api, started["id"])
            assert events[-1] == ("end", {"status": "completed"})
            statuses = [s for s, _ in rows(api.data_dir, started["id"])]
            assert "sending" not in statuses and "pending" not in statuses
            assert statuses.count("unknown") == (1 if stop == "kill" else 0)
            for number in {m["to"] for m in server.messages}:
                assert server.count_to(number) == 1  # nothing was sent twice
        finally:
            api.stop()


def campaign_status_in_file(data_dir, campaign_id):
    """The campaign's status as the database file has it."""
    conn = db.connect(db.db_path(data_dir))
    try:
        return conn.execute("SELECT status FROM campaigns WHERE id=?", (campaign_id,)).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["kill", "stop"])
def test_the_gap_between_messages_holds_across_a_restart(tmp_path, stop):
    with Sidecar(tmp_path) as api:
        channel = create(api, "/channels", {"name": "dry", "type": "dry_run", "config": {}})
        started = campaign_on(api, channel, 2, {"per_minute": 10})  # one message every 6 s
        api.post("/campaigns/%d/start" % started["id"])
        wait_for(lambda: rows(api.data_dir, started["id"])[0][0] == "sent", timeout=20)
        getattr(api, stop)()  # kill -9 or SIGTERM
        api.start()  # resumes the campaign by itself
        wait_for(lambda: campaign(api, started["id"])["status"] == "completed", timeout=30)
        (_, first), (_, second) = rows(api.data_dir, started["id"])
        assert second - first >= 6.0 - 0.05, second - first
