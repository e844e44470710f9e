"""The team mode's campaign workers as real processes (`app.py worker`) beside the real API sidecar in team mode,
on one database, sending to the local fake Cloud API: every recipient claimed by exactly one worker, one rate
budget per sender across workers (measured at the fake, per 1-second window), a killed worker's in-flight rows
turned 'unknown' at lease expiry and never sent again, and a reaped worker that wakes up unable to record over
another worker's rows (the WhatsApp Web pin is in test_team_wa_web.py)."""
import collections
import time

import pytest
from messaging import db
from fakes.fault_trials import CloudApiTarget
from fakes.whatsapp import FakeWhatsApp
from support.sidecar import wait_for
from support.team import TeamSidecar
from support.workers import WorkerProc, busiest_second, make_list


@pytest.fixture
def team(tmp_path):
    """(API sidecar in team mode, a function starting workers); everything is stopped afterwards."""
    api = TeamSidecar(tmp_path).start()
    started = []

    def start_worker(concurrency=2, wait=True):
        """Start one more worker on the sidecar's database."""
        worker = WorkerProc(tmp_path, api.data_dir, concurrency, name="worker%d" % len(started))
        started.append(worker)
        return worker.start(wait)
    yield api, start_worker
    for worker in started:
        worker.stop()
    api.stop()


def connect(api):
    """A connection to the database the sidecar uses (the file, or the test's PostgreSQL database)."""
    return db.connect(db.db_path(api.data_dir))


def rows(api, campaign_id):
    """{address: (status, worker_id)} read from the database."""
    conn = connect(api)
    try:
        return {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT address, status, worker_id FROM campaign_recipients WHERE campaign_id=?", (campaign_id,))}
    finally:
        conn.close()


def cloud_campaign(api, fake, size, per_minute, trial=1, webhooks=True, **pacing):
    """A started campaign of SIZE recipients on a Cloud API channel (PACING beside the rate); (campaign id,
    addresses)."""
    target = CloudApiTarget(fake)
    channel_id = api.post("/channels", target.channel()).json()["id"]
    if webhooks:
        target.on_sidecar(api, channel_id)
    pairs = target.contacts(trial, size)
    list_id = make_list(api, [c for _, c in pairs])
    r = api.post("/campaigns", {"name": "c", "list_id": list_id, "channel_id": channel_id, "body": "Hi {{name}}",
                                "pacing": dict(pacing, per_minute=per_minute)})
    assert r.status_code == 201, r.text
    started = api.post("/campaigns/%d/start" % r.json()["id"])
    assert started.status_code == 200 and started.json()["started"], started.text
    return r.json()["id"], [a for a, _ in pairs]


def finished(api, campaign_id, timeout=180):
    """The campaign once it no longer runs."""
    def done():
        """The campaign's body once it stopped running, else None."""
        body = api.get("/campaigns/%d" % campaign_id).json()
        return body if body["status"] != "running" else None
    return wait_for(done, timeout=timeout, interval=0.2)


@pytest.mark.slow
def test_three_workers_claim_each_recipient_once_within_one_shared_rate(team):
    api, start_worker = team
    workers = [start_worker(concurrency=3) for _ in range(3)]
    with FakeWhatsApp(latency=0.05) as fake:
        campaign_id, addresses = cloud_campaign(api, fake, 240, per_minute=1200)
        body = finished(api, campaign_id)
        assert body["status"] == "completed", body
        received = collections.Counter(m["to"] for m in fake.messages)
        assert sorted(received) == sorted(a.lstrip("+") for a in addresses)
        assert set(received.values()) == {1}
        # One budget for the channel: three workers that could each reach it never exceed it together.
        assert busiest_second(fake.arrivals) <= 20
    ledger = rows(api, campaign_id)
    assert {status for status, _ in ledger.values()} == {"sent"}
    claimers = collections.Counter(worker for _, worker in ledger.values())
    assert len(claimers) >= 2, claimers  # the workers really shared the campaign
    assert all(w.alive() for w in workers)


@pytest.mark.slow
def test_an_hourly_cap_holds_across_workers_that_all_want_to_send(team):
    api, start_worker = team
    for _ in range(3):
        start_worker(concurrency=4)
    with FakeWhatsApp(latency=0.05) as fake:
        campaign_id, _ = cloud_campaign(api, fake, 60, per_minute=6000, hourly_cap=10)
        wait_for(lambda: len(fake.messages) >= 10, timeout=120)
        # Three workers with twelve free send slots between them (more than the cap) and a rate far above the cap: give them time.
        time.sleep(3)
        assert len(fake.messages) == 10
        body = api.get("/campaigns/%d" % campaign_id).json()
    assert body["status"] == "running", body
    statuses = collections.Counter(status for status, _ in rows(api, campaign_id).values())
    assert statuses == {"sent": 10, "pending": 50}, statuses
    assert api.post("/campaigns/%d/cancel" % campaign_id).status_code == 200


@pytest.mark.slow
def test_a_killed_workers_rows_turn_unknown_at_lease_expiry_and_are_never_sent_again(team):
    api, start_worker = team
    doomed = start_worker(concurrency=4)
    with FakeWhatsApp(latency=2.0) as fake:  # slow answers: the kill lands with sends in flight
        campaign_id, addresses = cloud_campaign(api, fake, 30, per_minute=6000, webhooks=False)
        wait_for(lambda: len(fake.messages) >= 4, timeout=60)
        doomed.kill()
        in_flight = {a for a, (status, _) in rows(api, campaign_id).items() if status == "sending"}
        assert in_flight
        fake.latency = 0.01
        start_worker(concurrency=4)
        body = finished(api, campaign_id)
        assert body["status"] == "completed", body
        ledger = rows(api, campaign_id)
        received = collections.Counter("+" + m["to"] for m in fake.messages)
    # The dead worker's rows were found by lease expiry: 'unknown', not re-sent; everything else went once.
    assert {a for a in in_flight if ledger[a][0] == "unknown"} == in_flight
    assert max(received.values()) == 1
    assert all(received[a] == 1 for a, (status, _) in ledger.items() if status == "sent")
    assert sum(status == "sent" for status, _ in ledger.values()) == len(addresses) - len(in_flight)


def provider_ids(api, campaign_id):
    """{address: provider_id} of the campaign's rows, read from the database."""
    conn = connect(api)
    try:
        return dict(conn.execute("SELECT address, provider_id FROM campaign_recipients WHERE campaign_id=?",
                                 (campaign_id,)).fetchall())
    finally:
        conn.close()


@pytest.mark.slow
def test_a_reaped_worker_that_wakes_up_cannot_record_over_rows_a_retry_gave_to_another_worker(team):
    api, start_worker = team
    frozen = start_worker(concurrency=4)
    with FakeWhatsApp(latency=2.0) as fake:  # the frozen worker's requests reach the fake; its answers wait
        campaign_id, addresses = cloud_campaign(api, fake, 8, per_minute=6000, webhooks=False)
        wait_for(lambda: len(fake.messages) >= 4, timeout=60)
        frozen.pause()
        time.sleep(0.5)  # a request already on its way reaches the fake
        first_sends = {"+" + m["to"]: m["id"] for m in fake.messages}
        # Its lease expires while it is stopped: its rows turn 'unknown', and the user sends them again.
        wait_for(lambda: all(rows(api, campaign_id)[a][0] == "unknown" for a in first_sends), timeout=60)
        retried = api.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["unknown"]})
        assert retried.status_code == 200, retried.text
        fake.latency = 4.0  # the second worker's sends stay in flight while the first one wakes up
        second = start_worker(concurrency=8)
        wait_for(lambda: all(rows(api, campaign_id)[a] == ("sending", second.worker_id()) for a in first_sends),
                 timeout=60)
        frozen.resume()  # its answers land now: four outcomes for rows it no longer holds
        body = finished(api, campaign_id)
        assert body["status"] == "completed", body
        latest = {"+" + m["to"]: m["id"] for m in fake.messages}  # each address's last send
    assert set(latest) == set(addresses)
    ledger, ids = rows(api, campaign_id), provider_ids(api, campaign_id)
    assert all(ledger[a][0] == "sent" for a in addresses), ledger
    # Every retried row carries the message the second worker sent, never the frozen worker's late answer.
    assert {a: ids[a] for a in first_sends} == {a: latest[a] for a in first_sends}
    assert all(ids[a] != first_sends[a] for a in first_sends)


def test_the_channel_budget_spaces_every_connections_slots_one_interval_apart(store):
    from messaging.team import budget

    data_dir, conn = store
    channel_id = db.insert_id(conn, "INSERT INTO channels (name, type, config, created_at, updated_at) VALUES "
                                    "('c', 'dry_run', '{}', 0, 0)", ())
    other = db.connect(db.db_path(data_dir))
    try:
        taken = []
        for connection, wanted in ((conn, 3), (other, 5), (conn, 4)):  # two workers taking turns
            with db.transaction(connection):
                slots, _again = budget.reserve(connection, channel_id, 0.1, wanted, 100.0, horizon=0.5)
                taken += slots
        with db.transaction(other):
            slots, again = budget.reserve(other, channel_id, 0.1, 2, 100.0, horizon=0.5)
            budget.give_back(other, channel_id, 0.1, 0)
    finally:
        other.close()
    # 0.5 s ahead at 0.1 s holds 6 slots: the first two claims get 3 and 3, then nothing until the bucket drains.
    assert taken == pytest.approx([100.0, 100.1, 100.2, 100.3, 100.4, 100.5])
    assert slots == [] and again == pytest.approx(100.1)
