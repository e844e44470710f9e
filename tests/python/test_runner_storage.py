"""Contract 7: a full disk is a state, not a crash. On a small tmpfs (mounted here, as root) that fills up
mid-campaign: the campaign pauses with storage_full, requests that must write get 507, /health says so and the
sidecar stays up; a restart with the disk still full serves read-only; freeing space resumes the campaign by
itself and it completes with no double sends."""
import os

import pytest
from fakes.whatsapp import FakeWhatsApp
from support.disk import fill, small_disk  # noqa: F401  (the tmpfs fixture that fills up)
from support.sidecar import Sidecar, wait_for

# A full or read-only data folder under SQLite; PostgreSQL's storage states: test_postgres_store.py.
pytestmark = pytest.mark.sqlite_only

def state(api):
    """/health's storage state."""
    return api.get("/health").json()["storage"]


def campaign(api, campaign_id):
    """GET /campaigns/<id>."""
    return api.get("/campaigns/%d" % campaign_id).json()


@pytest.mark.slow
def test_disk_full_mid_campaign_pauses_serves_507_survives_restart_and_resumes(tmp_path, small_disk, keychain):
    with FakeWhatsApp(latency=0.05) as server:
        api = Sidecar(tmp_path / "home", data_dir=small_disk / "data").start()
        try:
            channel = api.post("/channels", {"name": "wa", "type": "whatsapp",
                                             "secrets": {"access_token": server.token},
                                             "config": {"phone_number_id": server.phone_number_id,
                                                        "api_base": server.base_url}}).json()
            contacts = [{"number": "+1415555%04d" % i, "name": "R%d" % i} for i in range(400)]
            list_id = api.post("/lists", {"name": "l", "contacts": contacts}).json()["list"]["id"]
            created = api.post("/campaigns", {"name": "c", "list_id": list_id, "channel_id": channel["id"],
                                              "body": "Hi {{name}}", "pacing": {"per_minute": 1200,
                                                                                "concurrency": 2}}).json()
            assert api.post("/campaigns/%d/start" % created["id"]).status_code == 200
            wait_for(lambda: campaign(api, created["id"])["counts"]["sent"] >= 10, timeout=30)
            filler = fill(str(small_disk))

            paused = wait_for(lambda: (lambda c: c if c["status"] == "paused" else None)(
                campaign(api, created["id"])), timeout=30)
            assert paused["pause_reason"] == "storage_full"
            assert state(api)["state"] == "storage_full" and "full" in state(api)["message"]
            refused = api.post("/lists", {"name": "more", "contacts": contacts[:50]})
            assert (refused.status_code, refused.json()["code"]) == (507, "storage_full")
            started = api.post("/campaigns/%d/start" % created["id"])
            assert (started.status_code, started.json()["code"]) == (507, "storage_full")
            api.assert_alive()

            api.kill()  # restart with the disk still full: serves read-only and says why
            api.start()
            assert state(api)["state"] == "storage_full"
            assert "read-only" in state(api)["message"]
            after_restart = campaign(api, created["id"])
            assert (after_restart["status"], after_restart["pause_reason"]) == ("paused", "storage_full")

            os.remove(filler)
            done = wait_for(lambda: (lambda c: c if c["status"] == "completed" else None)(
                campaign(api, created["id"])), timeout=60)
            assert state(api) == {"state": "ok", "message": None}
            counts = done["counts"]
            assert counts["sent"] + counts["unknown"] == 400 and counts["pending"] == counts["sending"] == 0
            assert all(server.count_to(c["number"].lstrip("+")) <= 1 for c in contacts)  # no double sends
            assert len(server.messages) >= counts["sent"]
        finally:
            api.stop()


def test_read_only_database_answers_507_storage_error_in_process(client, monkeypatch):
    """Injected: a read-only remount is refused while the sidecar holds files open for writing (EBUSY), so
    SQLite's own read-only error is raised where the list is written."""
    import sqlite3

    from messaging import lists, runner

    def read_only(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    monkeypatch.setattr(lists, "create_list", read_only)
    monkeypatch.setattr(runner, "STORAGE_RETRY", 60.0)  # the disk is fine really: keep the probe from clearing it
    refused = client.post("/lists", json={"name": "x", "contacts": [{"number": "+14155550100"}]})
    assert refused.status_code == 507 and refused.get_json()["code"] == "storage_error"
    health = client.get("/health").get_json()["storage"]
    assert health["state"] == "storage_error" and "cannot be written" in health["message"]
    assert client.get("/lists").status_code == 200
