"""The team server mode's campaign workers (issue 19): `app.py worker` processes sharing one database.

registry.py: the workers table (a lease per process) and the reaper that turns a dead worker's rows 'unknown'.
budget.py: each channel's one token bucket, shared by every worker. claims.py: the atomic claim of a batch of
recipients (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite). sessions.py: a WhatsApp Web
session pinned to one worker. run.py: a campaign run inside a worker; process.py: the worker process itself;
manager.py: the API side (start/pause/cancel/retry only change the database).
"""
