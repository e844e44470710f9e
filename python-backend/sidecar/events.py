"""Server-Sent Events read from the store: a frame whenever a state changes, heartbeats, and an end."""
import json
import time

from core.errors import DomainError
from messaging import db

from .jsonio import event_stream_response

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0


def polled_events(path, event, read_state, max_seconds, ended=None):
    """SSE frames: EVENT with READ_STATE(conn) whenever it changes, heartbeats, and an 'end' event once
    ENDED(state) holds. A DomainError from READ_STATE (the thing was deleted) ends the stream quietly."""
    conn = db.connect(path)
    try:
        yield "retry: 2000\n\n"
        started = last_beat = time.monotonic()
        previous = None
        while time.monotonic() - started < max_seconds:
            try:
                state = read_state(conn)
            except DomainError:  # the reconnect gets the 404
                return
            frame = json.dumps(state, separators=(",", ":"))
            if frame != previous:
                yield "event: %s\ndata: %s\n\n" % (event, frame)
                previous, last_beat = frame, time.monotonic()
            if ended is not None and ended(state):
                yield "event: end\ndata: %s\n\n" % json.dumps({"status": state["status"]})
                return
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                yield ": heartbeat\n\n"
                last_beat = time.monotonic()
            time.sleep(POLL_SECONDS)
    finally:
        conn.close()


def polled_response(path, event, read_state, max_seconds, ended=None):
    """The streaming response of polled_events."""
    return event_stream_response(polled_events(path, event, read_state, max_seconds, ended))
