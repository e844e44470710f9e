"""A linked WhatsApp Web session is pinned to one worker at a time: a lease row per channel.

The session's data (the engine's folder) lives with the worker that holds it; another worker skips campaigns
on that channel until the lease is released or expires with its holder (registry.reap deletes it).
"""
from .. import db
from .registry import LEASE_SECONDS


def acquire(conn, channel_id, worker_id, ts):
    """Take or renew CHANNEL_ID's session for WORKER_ID when free, expired or already its own; True when held."""
    with db.transaction(conn):
        conn.execute("INSERT INTO session_leases (channel_id, worker_id, lease_expires) VALUES (?,?,?) "
                     "ON CONFLICT (channel_id) DO UPDATE SET worker_id=excluded.worker_id, "
                     "lease_expires=excluded.lease_expires WHERE session_leases.worker_id=excluded.worker_id "
                     "OR session_leases.lease_expires<?", (channel_id, worker_id, ts + LEASE_SECONDS, ts))
        holder = conn.execute("SELECT worker_id FROM session_leases WHERE channel_id=?", (channel_id,)).fetchone()
    return holder is not None and holder[0] == worker_id

