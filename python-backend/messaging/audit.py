"""The audit log of team mode: who created, started, paused or cancelled what, and who logged in.

Every entry is written by the engine function that performs the action, inside the same transaction as the
state change it records (users.add/change, login and logout; campaigns.create/delete; CampaignManager start,
pause, cancel and retry; lists.create_list/delete_list; channel_store create/update/delete): the action and its
entry commit together or not at all, and a refused action writes nothing. The web layer only says who acts
(sidecar/auth.actor(): the team user, or None on the desktop, which keeps no log).
"""
import json

from .util import now

# The name recorded when nobody is logged in (a failed login names who was tried in the detail).
ANONYMOUS = "-"
COLUMNS = "id, ts, user_id, user_name, action, object_type, object_id, detail"


def record(conn, user, action, object_type=None, object_id=None, detail=None):
    """Append one entry for USER ({'id', 'name'} or None) doing ACTION on an object, inside the caller's transaction."""
    conn.execute("INSERT INTO audit_log (ts, user_id, user_name, action, object_type, object_id, detail) "
                 "VALUES (?,?,?,?,?,?,?)",
                 (now(), user["id"] if user else None, user["name"] if user else ANONYMOUS, action, object_type,
                  None if object_id is None else str(object_id), json.dumps(detail or {}, sort_keys=True)))


def record_by(conn, actor, action, object_type, object_id, detail=None):
    """Append ACTOR's entry inside the caller's transaction; nothing for None (the desktop keeps no audit log)."""
    if actor is not None:
        record(conn, actor, action, object_type, object_id, detail)


def as_dict(row):
    """An entry as the API shows it."""
    return {"id": row[0], "ts": row[1], "user_id": row[2], "user": row[3], "action": row[4],
            "object_type": row[5], "object_id": row[6], "detail": json.loads(row[7])}


def entries(conn, offset, limit):
    """A page of entries, newest first, with the total."""
    total = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    rows = conn.execute("SELECT %s FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?" % COLUMNS, (limit, offset))
    return {"entries": [as_dict(r) for r in rows], "total": total, "offset": offset, "limit": limit}
