"""The planner (issue 15): pure functions on a fake clock, then POST /campaigns/plan over HTTP."""
import datetime

import pytest

from messaging import pacing, planner
from support.sidecar import Sidecar

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc).timestamp()  # the fake clock's "now"


def plan(count, channel="dry_run", service=False, **rules):
    """The plan of COUNT messages under RULES (validated like the API) from T0."""
    return planner.plan(pacing.from_dict(rules), count, planner.Sender(channel, service), T0)


def finish(result):
    """The planned finish as epoch seconds."""
    return datetime.datetime.fromisoformat(result["finish_at"].replace("Z", "+00:00")).timestamp()


def codes(result):
    """The warning codes of a plan."""
    return [w["code"] for w in result["warnings"]]


def test_the_rate_alone_spaces_messages_evenly():
    result = plan(100, per_minute=60)
    assert finish(result) == T0 + 99 and result["duration_seconds"] == 99 and result["warnings"] == []


def test_a_later_start_time_moves_the_whole_plan():
    result = plan(3, per_minute=60, start_at=T0 + 3600)
    assert result["start_at"] == "2026-03-02T10:00:00Z" and finish(result) == T0 + 3602


def test_quiet_hours_push_the_rest_to_the_morning():
    # 21:59 UTC: one message, the next would be at 22:00 (quiet until 08:00), the last a minute after
    start = datetime.datetime(2026, 3, 2, 21, 59, tzinfo=datetime.timezone.utc).timestamp()
    rules = pacing.from_dict({"per_minute": 1, "quiet_start": "22:00", "quiet_end": "08:00", "timezone": "UTC"})
    result = planner.plan(rules, 3, planner.Sender("dry_run"), start)
    assert result["finish_at"] == "2026-03-03T08:01:00Z"
    assert result["waits"]["quiet_hours_seconds"] == 10 * 3600


def test_an_hourly_cap_waits_for_the_window_to_free_a_slot():
    result = plan(25, per_minute=60, hourly_cap=10)
    assert finish(result) == T0 + 7204  # 10 sends, an hour after the first, 10 more, an hour again, 5 more
    assert result["waits"]["caps_seconds"] > 7000


def test_batch_pauses_and_random_delays_slow_the_plan():
    assert finish(plan(21, per_minute=60, batch_size=10, batch_pause=100)) == T0 + 20 + 2 * 99
    assert finish(plan(11, per_minute=60, min_delay=2, max_delay=4)) == T0 + 30


def test_one_send_in_flight_bounds_the_rate():
    # SMTP sends one at a time by default; at ~0.5 s a round trip, 600/min cannot be reached
    result = plan(121, "smtp", per_minute=600)
    assert result["concurrency"] == 1 and result["effective_per_minute"] == 120 and finish(result) == T0 + 60


def test_whatsapp_throughput_and_messaging_tier_warnings():
    assert codes(plan(200, "whatsapp", per_minute=600)) == []
    assert codes(plan(300, "whatsapp", per_minute=600)) == ["whatsapp_messaging_tier"]
    fast = plan(2000, "whatsapp", per_minute=6000, concurrency=256)
    assert codes(fast) == ["whatsapp_throughput", "whatsapp_messaging_tier"]
    assert "1,000-a-day" in fast["warnings"][1]["message"]
    # a daily cap keeps the first day under the 1k tier
    assert codes(plan(2000, "whatsapp", per_minute=600, daily_cap=900)) == ["whatsapp_messaging_tier", "spans_days"]


def test_twilio_sender_rate_and_queue_limit_warnings():
    assert codes(plan(100, "twilio", per_minute=60)) == []
    assert codes(plan(100, "twilio", per_minute=120)) == ["twilio_sender_rate"]
    assert codes(plan(100_000, "twilio", per_minute=120)) == ["twilio_sender_rate", "twilio_queue_limit"]
    assert codes(plan(100_000, "twilio", service=True, per_minute=120)) == []  # a Messaging Service scales


def test_a_large_campaign_is_estimated_from_the_simulated_part():
    # 50,000 in the first 500 s, then the hourly cap: three more hours for the other 150,000
    result = plan(200_000, per_minute=6000, hourly_cap=50_000)
    assert result["estimated"] is True
    assert finish(result) == pytest.approx(T0 + 3 * 3600 + 500, abs=5)
    assert finish(plan(200_000, per_minute=6000)) == pytest.approx(T0 + 2000, abs=1)


def test_plan_over_http_from_a_list_or_a_count(tmp_path):
    server = Sidecar(tmp_path, env={"BULKMSG_CONFIG_DIR": str(tmp_path / "config")}).start()
    try:
        list_id = server.post("/lists", json={"name": "L", "contacts": [
            {"number": "+1415555%04d" % i} for i in range(300)]}).json()["list"]["id"]
        wa = server.post("/channels", json={"name": "wa", "type": "whatsapp", "secrets": {"access_token": "t"},
                                            "config": {"phone_number_id": "1", "api_base": "http://127.0.0.1:9"}})
        body = {"channel_id": wa.json()["id"], "list_id": list_id, "pacing": {"per_minute": 600}}
        from_list = server.post("/campaigns/plan", json=body).json()
        from_count = server.post("/campaigns/plan", json={"channel_id": wa.json()["id"], "count": 10}).json()
        bad = server.post("/campaigns/plan", json={"channel_id": wa.json()["id"]})
    finally:
        server.stop()
    assert from_list["reach"]["will_send"] == 300 and from_list["plan"]["messages"] == 300
    assert codes(from_list["plan"]) == ["whatsapp_messaging_tier"]
    assert from_count["reach"] is None and from_count["plan"]["duration_seconds"] == pytest.approx(27, abs=0.1)
    assert bad.status_code == 400 and bad.json()["code"] == "missing_field"
