"""The "rehearse" button over HTTP (issue 15): the real runner plays a campaign's pacing, caps and quiet hours out
on the dry run in a scratch copy, in seconds, and sends nothing: the real SMTP server gets no mail, the campaign's
rows stay pending, and no scratch file is left behind."""
import os
import time
from datetime import datetime, timedelta

import pytest

from fakes.smtp import FakeSmtp
from support.sidecar import Sidecar

HOUR = 3600.0


def contacts(count):
    """COUNT contacts with an email address each."""
    return [{"name": "Person %d" % i, "email": "p%d@example.org" % i} for i in range(count)]


@pytest.fixture
def setup(tmp_path):
    """A real sidecar (no keychain needed: the secrets go to the encrypted file) and a real SMTP server."""
    with FakeSmtp(str(tmp_path), "starttls") as smtp:
        server = Sidecar(tmp_path, env={"BULKMSG_CONFIG_DIR": str(tmp_path / "config")}).start()
        channel = server.post("/channels", json={
            "name": "mail", "type": "smtp", "secrets": {"password": smtp.password},
            "config": {"host": "127.0.0.1", "port": smtp.port, "username": smtp.username,
                       "from_address": "team@example.org", "ca_file": smtp.cert_path}}).json()
        yield server, smtp, channel["id"]
        server.stop()


def draft(server, channel_id, people, pacing):
    """A draft campaign to PEOPLE contacts with PACING; its id."""
    list_id = server.post("/lists", json={"name": "L", "contacts": contacts(people)}).json()["list"]["id"]
    made = server.post("/campaigns", json={"name": "c", "list_id": list_id, "channel_id": channel_id,
                                           "subject": "Hello", "body": "Hi {{name}}", "pacing": pacing})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def leftovers(server):
    """Files under the data folder's rehearsal and dry-run folders."""
    found = []
    for folder in ("rehearsals", "dry-run"):
        for root, _dirs, files in os.walk(os.path.join(server.data_dir, folder)):
            found.extend(os.path.join(root, f) for f in files)
    return found


def test_hours_of_hourly_caps_play_out_in_seconds_and_nothing_is_sent(setup):
    server, smtp, channel_id = setup
    campaign_id = draft(server, channel_id, 25, {"per_minute": 60, "hourly_cap": 10})
    began = time.monotonic()
    answer = server.post("/campaigns/%d/rehearse" % campaign_id)
    real = time.monotonic() - began
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["complete"] is True and run["messages"] == 25 and run["left"] == 0
    # 10 an hour: the 11th and the 21st wait for the next hour, so the last goes out two hours and a bit in.
    assert 2 * HOUR <= run["duration_seconds"] < 2 * HOUR + 15 * 60, run["duration_seconds"]
    caps = [w for w in run["waits"] if w["reason"] == "hourly_cap"]
    assert len(caps) == 2 and all(w["seconds"] > 45 * 60 for w in caps), run["waits"]
    assert sum(run["buckets"]["counts"]) == 25
    assert real < 30 and run["real_seconds"] < 30
    planned = run["planned"]
    assert planned["messages"] == 25
    assert abs(planned["duration_seconds"] - run["duration_seconds"]) < 10 * 60, (planned, run["duration_seconds"])
    assert smtp.messages == []
    after = server.get("/campaigns/%d" % campaign_id).json()
    assert after["status"] == "draft" and after["counts"]["pending"] == 25 and after["counts"]["sent"] == 0
    assert leftovers(server) == []


def test_quiet_hours_and_the_consent_list_are_rehearsed_too(setup):
    server, smtp, channel_id = setup
    now = datetime.now()
    # Quiet from one minute from now for three hours: the run starts, meets the quiet hours, then finishes.
    quiet_start = (now + timedelta(minutes=1)).strftime("%H:%M")
    quiet_end = (now + timedelta(hours=3, minutes=1)).strftime("%H:%M")
    campaign_id = draft(server, channel_id, 12, {"per_minute": 6, "quiet_start": quiet_start,
                                                   "quiet_end": quiet_end})
    assert server.post("/do-not-contact", json={"values": ["p3@example.org"]}).status_code == 201
    run = server.post("/campaigns/%d/rehearse" % campaign_id).json()
    assert run["messages"] == 11 and run["skipped"] == 1 and run["complete"] is True
    quiet = [w for w in run["waits"] if w["reason"] == "quiet_hours"]
    assert len(quiet) == 1 and 2.9 * HOUR < quiet[0]["seconds"] <= 3 * HOUR + 60, run["waits"]
    assert run["duration_seconds"] > 3 * HOUR
    assert smtp.messages == [] and leftovers(server) == []
    assert server.get("/campaigns/%d" % campaign_id).json()["counts"]["skipped"] == 0  # only the copy skipped


def test_only_drafts_and_paused_campaigns_are_rehearsed_and_bad_ids_are_4xx(setup):
    server, smtp, channel_id = setup
    campaign_id = draft(server, channel_id, 2, {"per_minute": 600})
    assert server.post("/campaigns/%d/start" % campaign_id).status_code in (200, 202)
    for _ in range(100):
        if server.get("/campaigns/%d" % campaign_id).json()["status"] == "completed":
            break
        time.sleep(0.1)
    refused = server.post("/campaigns/%d/rehearse" % campaign_id)
    assert refused.status_code == 409 and refused.json()["code"] == "cannot_rehearse"
    assert server.post("/campaigns/999999/rehearse").status_code == 404
    assert server.post("/campaigns/0/rehearse").status_code in (400, 404)
