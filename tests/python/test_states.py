"""Contract 5: one state machine. The status lists of messaging/states.py equal the live schema's CHECK
constraints and the OpenAPI enums; only states.py writes a status column; guarded transitions ignore events
from the wrong state."""
import json
import os
import re

import pytest
from messaging import db, states
from support.paths import BACKEND

OPENAPI = os.path.join(BACKEND, "sidecar", "openapi")


def check_values(conn, table):
    """The values of TABLE's `status IN (...)` CHECK constraint in the live schema."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()[0]
    match = re.search(r"status\s+IN\s*\(([^)]*)\)", sql, re.IGNORECASE)
    assert match, sql
    return tuple(re.findall(r"'([^']*)'", match.group(1)))


@pytest.mark.sqlite_only  # reads the CHECKs from sqlite_master
def test_schema_check_constraints_equal_the_status_lists(tmp_path):
    conn = db.open_store(str(tmp_path))
    try:
        assert check_values(conn, "campaigns") == states.CAMPAIGN_STATUSES
        assert check_values(conn, "campaign_recipients") == states.RECIPIENT_STATUSES
    finally:
        conn.close()


def openapi_enums():
    """Every enum in the messaging OpenAPI files."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node:
                found.append(tuple(node["enum"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    for name in ("messaging_components.json", "messaging_campaigns.json"):
        with open(os.path.join(OPENAPI, name), encoding="utf-8") as f:
            walk(json.load(f))
    return found


def test_openapi_status_enums_equal_the_status_lists():
    with open(os.path.join(OPENAPI, "messaging_components.json"), encoding="utf-8") as f:
        schemas = json.load(f)["components"]["schemas"]
    assert tuple(schemas["CampaignStatus"]["enum"]) == states.CAMPAIGN_STATUSES
    assert tuple(schemas["RecipientStatus"]["enum"]) == states.RECIPIENT_STATUSES
    assert tuple(schemas["RecipientOutcome"]["enum"]) == states.OUTCOMES
    # No other status enum may drift: every status-like enum is one of the lists (or refers to them).
    allowed = {states.CAMPAIGN_STATUSES, states.RECIPIENT_STATUSES, states.OUTCOMES, states.RETRYABLE,
               (None,) + states.DELIVERY_STATUSES}
    statusy = [e for e in openapi_enums() if set(e) & set(states.RECIPIENT_STATUSES + states.CAMPAIGN_STATUSES)]
    assert len(statusy) >= 4 and all(e in allowed for e in statusy), statusy


def test_only_states_module_writes_a_status_column():
    pattern = re.compile(r"UPDATE\s+\w+\s+SET[^\"']*\bstatus\s*=", re.IGNORECASE)
    offenders = []
    for root, _, files in os.walk(BACKEND):
        for name in files:
            path = os.path.join(root, name)
            if not name.endswith(".py") or path.endswith(os.path.join("messaging", "states.py")):
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if pattern.search(text) or re.search(r"SET\s+status\s*=", text, re.IGNORECASE):
                offenders.append(path)
    assert offenders == []


def test_every_event_moves_between_known_statuses():
    states.check_tables()
    for table in (states.CAMPAIGN_EVENTS, states.RECIPIENT_EVENTS):
        for event, (sources, target) in table.items():
            assert sources and target not in sources, event


@pytest.fixture
def conn(tmp_path):
    """A fresh store with one campaign of three recipients."""
    connection = db.open_store(str(tmp_path))
    connection.execute("INSERT INTO channels (name, type, created_at, updated_at) VALUES ('d','dry_run',0,0)")
    connection.execute("INSERT INTO campaigns (name, channel_id, body, created_at, updated_at) "
                       "VALUES ('c', 1, 'b', 0, 0)")
    for address in ("a", "b", "c"):
        connection.execute("INSERT INTO campaign_recipients (campaign_id, address) VALUES (1, ?)", (address,))
    yield connection
    connection.close()


def status_of(conn, recipient_id):
    """A recipient's status."""
    return conn.execute("SELECT status FROM campaign_recipients WHERE id=?", (recipient_id,)).fetchone()[0]


def test_guarded_recipient_events_never_move_a_row_backwards(conn):
    assert states.claim_recipient(conn, 1, 10.0)
    assert not states.claim_recipient(conn, 1, 11.0)          # already sending
    assert states.finish_recipient(conn, 1, "sent", 12.0, provider_id="p1")
    assert not states.finish_recipient(conn, 1, "failed", 13.0, code="late")  # a late outcome changes nothing
    assert not states.release_recipient(conn, 1, "x", "y")
    assert status_of(conn, 1) == "sent"
    assert states.requeue_recipients(conn, 1, ["failed", "unknown"]) == 0  # sent is never requeued
    assert states.claim_recipient(conn, 2, 10.0)
    assert states.interrupt_recipients(conn, 20.0, 1) == 1
    assert status_of(conn, 2) == "unknown"
    assert states.requeue_recipients(conn, 1, ["unknown"]) == 1 and status_of(conn, 2) == "pending"
    assert states.skip_recipient(conn, 3, "do_not_contact", "On the list.", 30.0)
    assert not states.claim_recipient(conn, 3, 31.0)


def test_guarded_campaign_events(conn):
    assert not states.pause_campaign(conn, 1, "user", 1.0)    # a draft cannot be paused
    assert states.start_campaign(conn, 1, "run-a", 1.0, 31.0)
    assert not states.start_campaign(conn, 1, "run-b", 2.0, 32.0)
    assert not states.pause_campaign(conn, 1, "auto", 3.0, run_id="run-b")  # another run's pause is ignored
    assert not states.complete_campaign(conn, 1, "run-a", 4.0)  # recipients still pending
    conn.execute("UPDATE campaign_recipients SET status='sent'")  # test set-up, not product code  # noqa
    assert states.complete_campaign(conn, 1, "run-a", 5.0)
    assert not states.cancel_campaign(conn, 1, 6.0)
    assert states.reopen_campaign(conn, 1, 7.0)
    row = conn.execute("SELECT status, finished_at FROM campaigns WHERE id=1").fetchone()
    assert tuple(row) == ("paused", None)
