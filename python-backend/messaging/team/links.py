"""WhatsApp Web linking in the team mode: the API records a request, the worker holding the session carries it out.

The session's files live with the worker that holds the channel's session lease (sessions.py), possibly on
another machine, so the API never runs an engine. It writes the latest request (link, pair, unlink) into the
channel's wa_link_states row; a worker takes the lease, acts in its own data directory and publishes the
engine's state there. The API shows a published state only while its publisher still holds a live lease: a QR
code of a worker that died is never shown as current, the state then says 'waiting_for_worker'.
"""
import json

from .. import db
from ..whatsapp_web.sessions import NOT_LINKED

# The states as the UI knows them (the desktop's Link.public_state, from sessions.NOT_LINKED), plus the team's own.
NO_WORKER = ("No worker holds this WhatsApp session. Start `app.py worker`: a worker on the machine that linked "
             "it picks the session up again; a worker elsewhere shows a new QR code to link again.")
TAKING = "A worker is taking this WhatsApp session and starting its engine."


# The API's side ----------------------------------------------------------------------------------------------

def request(conn, channel_id, kind, number=None):
    """Record KIND (link, pair or unlink) as CHANNEL_ID's latest request; its sequence number."""
    with db.transaction(conn):
        conn.execute("INSERT INTO wa_link_states (channel_id, request, request_seq, handled_seq) VALUES (?,?,0,0) "
                     "ON CONFLICT (channel_id) DO NOTHING", (channel_id, kind))
        conn.execute("UPDATE wa_link_states SET request=?, request_seq=request_seq+1, pair_number=? "
                     "WHERE channel_id=?", (kind, number, channel_id))
        return conn.execute("SELECT request_seq FROM wa_link_states WHERE channel_id=?", (channel_id,)).fetchone()[0]


def workers_alive(conn, now):
    """True when some worker's lease runs (one may take a request)."""
    return conn.execute("SELECT 1 FROM workers WHERE lease_expires>? LIMIT 1", (now,)).fetchone() is not None


def row(conn, channel_id):
    """CHANNEL_ID's link row joined with its session lease, or None."""
    return conn.execute("SELECT s.request, s.request_seq, s.handled_seq, s.pair_answer, s.state, s.worker_id, "
                        "l.worker_id AS holder, l.lease_expires FROM wa_link_states s LEFT JOIN session_leases l "
                        "ON l.channel_id=s.channel_id WHERE s.channel_id=?", (channel_id,)).fetchone()


def public_state(conn, channel_id, now):
    """The link state the API shows for CHANNEL_ID (the UI's shape)."""
    found = row(conn, channel_id)
    if found is None:
        return dict(NOT_LINKED)
    live = found["holder"] is not None and found["lease_expires"] > now
    if live and found["holder"] == found["worker_id"] and found["state"] and \
            found["handled_seq"] >= found["request_seq"]:
        return dict(NOT_LINKED, **json.loads(found["state"]))
    if found["request"] == "unlink" and found["handled_seq"] >= found["request_seq"]:
        return dict(NOT_LINKED)
    wanted = found["request"] != "unlink" or found["handled_seq"] < found["request_seq"]
    if live or (wanted and workers_alive(conn, now)):  # a live worker takes a wanted session within a look
        return dict(NOT_LINKED, status="starting", reason=TAKING)
    return dict(NOT_LINKED, status="waiting_for_worker", reason=NO_WORKER)


def answer(conn, channel_id, seq):
    """The pairing answer ({code} or {error}) for request SEQ once a worker gave it, else None."""
    found = row(conn, channel_id)
    if found is None or found["handled_seq"] < seq or not found["pair_answer"]:
        return None
    given = json.loads(found["pair_answer"])
    return given if given.get("seq") == seq else None


def handled(conn, channel_id, seq):
    """True once request SEQ (or a later one) was carried out."""
    found = row(conn, channel_id)
    return found is not None and found["handled_seq"] >= seq


# The worker's side -------------------------------------------------------------------------------------------

def wanted(conn):
    """[(channel id, request, request seq, handled seq, pair number)] of the live channels with a link row."""
    return conn.execute("SELECT s.channel_id, s.request, s.request_seq, s.handled_seq, s.pair_number FROM "
                        "wa_link_states s JOIN channels c ON c.id=s.channel_id WHERE c.archived_at IS NULL "
                        "ORDER BY s.channel_id").fetchall()


def mark_handled(conn, channel_id, seq, pair_answer=None):
    """Request SEQ of CHANNEL_ID was carried out (with the pairing answer, if one)."""
    with db.transaction(conn):
        conn.execute("UPDATE wa_link_states SET handled_seq=?, pair_answer=COALESCE(?, pair_answer) "
                     "WHERE channel_id=? AND handled_seq<?",
                     (seq, json.dumps(dict(pair_answer, seq=seq)) if pair_answer else None, channel_id, seq))


def publish(conn, channel_id, worker_id, state, now):
    """Write the engine's STATE of CHANNEL_ID as WORKER_ID's (the holder's) view."""
    with db.transaction(conn):
        conn.execute("UPDATE wa_link_states SET state=?, worker_id=?, updated_at=? WHERE channel_id=?",
                     (json.dumps(state), worker_id, now, channel_id))


def release(conn, channel_id, worker_id):
    """Give CHANNEL_ID's session lease up (after an unlink: nothing is left to hold)."""
    with db.transaction(conn):
        conn.execute("DELETE FROM session_leases WHERE channel_id=? AND worker_id=?", (channel_id, worker_id))
