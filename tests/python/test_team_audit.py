"""The audit log of team mode is written by the action itself (issue 19): one entry per campaign, list and
channel action, naming the user and the object, whether worker processes send (the API only changes states) or
the API sends itself (--api-sends); a refused action writes nothing; and the entry commits in the same
transaction as the change it records (PostgreSQL: the same xmin; SQLite: a commit that fails on a full disk
leaves neither)."""
import os
import sqlite3

import psycopg
import pytest

from support.disk import fill, small_disk  # noqa: F401  (the tmpfs fixture that fills up)
from support.sidecar import database_of
from support.team import add_user, logged_in, team_sidecar

SLOW = {"per_minute": 0.5}  # one message, then a 2-minute gap: the campaign stays running while the test acts
TWO = [{"number": "+14155552002"}, {"number": "+14155552003"}]
SENDING_MODES = {"workers": {}, "api_sends": {"BULKMSG_API_SENDS": "1"}}


def team_of_three(home, env=None, data_dir=None):
    """A team sidecar (not started; `with` starts it) with an admin (ada), a sender (sam) and a viewer (vic)."""
    server = team_sidecar(home, env, data_dir)
    for name, role in (("ada", "admin"), ("sam", "sender"), ("vic", "viewer")):
        add_user(server, name, role)
    return server


def entries(admin):
    """Every audit entry but logins and added users, oldest first."""
    found = admin.get("/audit?limit=500").json()["entries"]
    return [e for e in reversed(found) if e["action"] not in ("login", "user.added")]


def ok(answer, status=200):
    """ANSWER's JSON body, asserting its status."""
    assert answer.status_code == status, answer.text
    return answer.json()


def draft(admin, sender, name="audited"):
    """A dry-run channel, a two-contact list and a slow draft campaign: (channel id, list id, campaign id)."""
    channel_id = ok(admin.post("/channels", {"name": "Dry " + name, "type": "dry_run", "config": {}}), 201)["id"]
    list_id = ok(sender.post("/lists", {"name": name, "contacts": TWO}), 201)["list"]["id"]
    campaign_id = ok(sender.post("/campaigns", {"name": name, "list_id": list_id, "channel_id": channel_id,
                                                "body": "Hi", "pacing": SLOW}), 201)["id"]
    return channel_id, list_id, campaign_id


@pytest.mark.parametrize("mode", sorted(SENDING_MODES))
def test_each_action_writes_exactly_one_entry_naming_the_user_and_the_object(tmp_path, keychain, mode):
    with team_of_three(tmp_path, SENDING_MODES[mode]) as server:
        admin, sender = logged_in(server, "ada"), logged_in(server, "sam")
        channel_id, list_id, campaign_id = draft(admin, sender)
        ok(admin.patch("/channels/%d" % channel_id, {"name": "Dry 2"}))
        path = "/campaigns/%d/" % campaign_id
        assert ok(sender.post(path + "start"))["started"] is True
        assert ok(sender.post(path + "start"))["started"] is False  # already running: nothing happened
        ok(sender.post(path + "pause"))
        ok(sender.post(path + "pause"))  # pausing twice is harmless, and no second entry
        assert ok(sender.post(path + "retry"))["requeued"] == 0
        ok(sender.post(path + "resume"))
        ok(sender.post(path + "cancel"))
        ok(sender.delete("/campaigns/%d" % campaign_id))
        kept = ok(sender.post("/campaigns", {"name": "kept", "list_id": list_id, "channel_id": channel_id,
                                             "body": "Hi"}), 201)["id"]
        assert ok(admin.delete("/channels/%d" % channel_id)) == {"archived": channel_id, "paused_campaigns": []}
        ok(sender.delete("/lists/%d" % list_id))
        spare = ok(admin.post("/channels", {"name": "spare", "type": "dry_run", "config": {}}), 201)["id"]
        assert ok(admin.delete("/channels/%d" % spare))["deleted"] == spare
        found = entries(admin)
    c, ch, lst = str(campaign_id), str(channel_id), str(list_id)
    assert [(e["user"], e["action"], e["object_type"], e["object_id"]) for e in found] == [
        ("ada", "channel.created", "channel", ch), ("sam", "list.created", "list", lst),
        ("sam", "campaign.created", "campaign", c), ("ada", "channel.changed", "channel", ch),
        ("sam", "campaign.started", "campaign", c), ("sam", "campaign.paused", "campaign", c),
        ("sam", "campaign.retried", "campaign", c), ("sam", "campaign.resumed", "campaign", c),
        ("sam", "campaign.cancelled", "campaign", c), ("sam", "campaign.deleted", "campaign", c),
        ("sam", "campaign.created", "campaign", str(kept)), ("ada", "channel.archived", "channel", ch),
        ("sam", "list.deleted", "list", lst), ("ada", "channel.created", "channel", str(spare)),
        ("ada", "channel.deleted", "channel", str(spare))]
    detail = {e["action"]: e["detail"] for e in reversed(found)}  # the first entry of each action
    assert detail["campaign.created"] == {"name": "audited", "list_id": list_id, "channel_id": channel_id,
                                          "recipients": 2}
    assert detail["campaign.started"] == {"from": "draft"} and detail["campaign.resumed"] == {"from": "paused"}
    assert detail["campaign.retried"] == {"statuses": ["failed"], "requeued": 0}
    assert detail["channel.changed"] == {"changed": ["name"]}
    assert detail["list.created"] == {"name": "audited", "contacts": 2}
    assert all(e["user_id"] is not None for e in found)


def test_a_refused_action_writes_no_entry(tmp_path, keychain):
    with team_of_three(tmp_path) as server:
        admin, sender, viewer = logged_in(server, "ada"), logged_in(server, "sam"), logged_in(server, "vic")
        channel_id, list_id, campaign_id = draft(admin, sender)
        cancelled = ok(sender.post("/campaigns", {"name": "over", "list_id": list_id, "channel_id": channel_id,
                                                  "body": "Hi"}), 201)["id"]
        ok(sender.post("/campaigns/%d/cancel" % cancelled))
        before = entries(admin)
        refused = [
            (viewer.post("/campaigns/%d/start" % campaign_id), 403, "forbidden"),
            (sender.post("/campaigns/%d/pause" % campaign_id), 409, "bad_state"),
            (sender.post("/campaigns/%d/retry" % campaign_id), 409, "bad_state"),
            (sender.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["sent"]}), 400, "bad_param"),
            (sender.post("/campaigns/%d/start" % cancelled), 409, "bad_state"),
            (sender.post("/campaigns/%d/resume" % cancelled), 409, "bad_state"),
            (sender.post("/campaigns/%d/cancel" % cancelled), 409, "bad_state"),
            (sender.post("/campaigns", {"name": "x", "list_id": 9999, "channel_id": channel_id, "body": "Hi"}),
             404, "not_found"),
            (sender.post("/campaigns", {"name": "x", "list_id": list_id, "channel_id": channel_id,
                                        "body": "Hi {{nope}}"}), 400, None),
            (sender.delete("/lists/9999"), 404, "not_found"),
            (sender.delete("/channels/%d" % channel_id), 403, "forbidden"),
            (admin.post("/channels", {"name": "bad", "type": "carrier_pigeon", "config": {}}), 400, None),
            (admin.patch("/channels/%d" % channel_id, {"name": ""}), 400, None),
            (admin.delete("/channels/9999"), 404, "not_found"),
        ]
        assert ok(sender.post("/campaigns/%d/start" % campaign_id))["started"] is True
        after_start = entries(admin)
        running = [(sender.delete("/campaigns/%d" % campaign_id), 409, "campaign_running"),
                   (sender.post("/campaigns/%d/retry" % cancelled), 409, "bad_state")]
        for answer, status, code in refused + running:
            assert answer.status_code == status, answer.text
            assert code is None or answer.json()["code"] == code, answer.text
        assert entries(admin) == after_start and after_start[:-1] == before
        assert [e["action"] for e in after_start[len(before):]] == ["campaign.started"]
        assert ok(sender.get("/campaigns/%d" % cancelled))["status"] == "cancelled"


def xmin(url, sql, params):
    """The xmin (id of the transaction that wrote the row) of the one row SQL finds, read directly."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(sql, params).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


@pytest.mark.postgres_only
def test_on_postgresql_the_entry_and_the_change_are_written_by_one_transaction(tmp_path, keychain):
    with team_of_three(tmp_path) as server:
        url = database_of(server.data_dir)
        admin, sender = logged_in(server, "ada"), logged_in(server, "sam")
        channel_id, list_id, campaign_id = draft(admin, sender)

        def same_transaction(action, table, object_id):
            """xmin of the object's row == xmin of its entry for ACTION (the newest one); that xmin."""
            row = xmin(url, "SELECT xmin::text FROM %s WHERE id=%%s" % table, (object_id,))
            entry = xmin(url, "SELECT xmin::text FROM audit_log WHERE id=(SELECT max(id) FROM audit_log WHERE "
                         "action=%s AND object_id=%s)", (action, str(object_id)))
            assert row == entry, (action, row, entry)
            return row

        written = [same_transaction("list.created", "lists", list_id)]
        for action, audited in (("start", "campaign.started"), ("pause", "campaign.paused"),
                                ("resume", "campaign.resumed"), ("cancel", "campaign.cancelled")):
            ok(sender.post("/campaigns/%d/%s" % (campaign_id, action)))
            written.append(same_transaction(audited, "campaigns", campaign_id))
        ok(admin.patch("/channels/%d" % channel_id, {"name": "renamed"}))
        written.append(same_transaction("channel.changed", "channels", channel_id))
        assert len(set(written)) == len(written)  # each action its own transaction, shared with its entry


@pytest.mark.sqlite_only
def test_on_sqlite_a_commit_that_fails_on_a_full_disk_leaves_neither_the_change_nor_the_entry(
        tmp_path, small_disk, keychain):
    with team_of_three(tmp_path / "home", data_dir=small_disk / "data") as server:
        admin, sender = logged_in(server, "ada"), logged_in(server, "sam")
        _channel_id, _list_id, campaign_id = draft(admin, sender)
        before = entries(admin)
        # An open reader keeps the WAL file (the last connection to close would remove it, and the sidecar
        # could then not even open the database on a full disk): the start gets as far as its COMMIT, which
        # must append to the WAL and fails for want of space.
        reader = sqlite3.connect(database_of(server.data_dir))
        try:
            stored = lambda: (reader.execute("SELECT status FROM campaigns WHERE id=?", (campaign_id,)).fetchone(),
                              reader.execute("SELECT COUNT(*) FROM audit_log").fetchone())
            written = stored()
            filler = fill(str(small_disk))
            refused = sender.post("/campaigns/%d/start" % campaign_id)
            assert (refused.status_code, refused.json()["code"]) == (507, "storage_full"), refused.text
            assert stored() == written == (("draft",), (len(before) + 5,))  # + 3 users added, 2 logins
            assert ok(sender.get("/campaigns/%d" % campaign_id))["status"] == "draft"
            assert entries(admin) == before
            os.remove(filler)
        finally:
            reader.close()
        assert ok(sender.post("/campaigns/%d/start" % campaign_id))["started"] is True
        assert [e["action"] for e in entries(admin)[len(before):]] == ["campaign.started"]


def test_merging_lists_is_audited_as_the_new_list(tmp_path, keychain):
    with team_of_three(tmp_path) as server:
        admin, sender = logged_in(server, "ada"), logged_in(server, "sam")
        first = ok(sender.post("/lists", {"name": "one", "contacts": TWO}), 201)["list"]["id"]
        second = ok(sender.post("/lists", {"name": "two", "contacts": TWO[:1]}), 201)["list"]["id"]
        merged = ok(sender.post("/lists/merge", {"name": "both", "list_ids": [first, second]}), 201)["list"]["id"]
        found = entries(admin)
    assert [(e["user"], e["action"], e["object_id"], e["detail"]) for e in found][-1] == (
        "sam", "list.created", str(merged), {"name": "both", "contacts": 2})
    assert [e["action"] for e in found] == ["list.created"] * 3
