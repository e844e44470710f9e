"""The replies inbox: conversations per channel and contact, a thread, read marks, answers on the same channel,
and a live stream of arrivals."""

from flask import Blueprint, current_app, request
from messaging import db, inbox

from core.fields import body_text, is_id, page, require_text, search_text
from core.errors import DomainError

from ..events import polled_response
from ..jsonio import json_body, json_response
from ..ratelimit import limited, streaming
from .messaging_web import get_db

bp = Blueprint("inbox", __name__)
MAX_ADDRESS = 320
MAX_REPLY = 4096


def conversation_key(source):
    """(channel_id, address) named by a request's query or JSON body."""
    raw_id = source.get("channel_id")
    channel_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else raw_id
    if not is_id(channel_id):
        raise DomainError("bad_param", "'channel_id' must be a channel's id.")
    return channel_id, require_text(source.get("address"), "address", MAX_ADDRESS)


@bp.get("/inbox")
def conversations():
    """Conversations, newest first, with unread counts."""
    offset, limit = page(request.args)
    return json_response(inbox.conversations(get_db(), search_text(request.args), offset, limit))


@bp.get("/inbox/messages")
def thread():
    """One conversation's messages, oldest first."""
    return json_response(inbox.thread(get_db(), *conversation_key(request.args)))


@bp.post("/inbox/read")
@limited("edits")
def mark_read():
    """Mark a conversation read."""
    return json_response({"read": inbox.mark_read(get_db(), *conversation_key(json_body()))})


@bp.post("/inbox/reply")
@limited("inbox_reply")
def reply():
    """Answer a conversation on its channel."""
    body = json_body()
    channel_id, address = conversation_key(body)
    text = body_text(body, "body", MAX_REPLY)
    if not text.strip():
        raise DomainError("missing_field", "Write a reply first.")
    return json_response(inbox.reply(get_db(), current_app.config["DATA_DIR"], channel_id, address, text), 201)


@bp.get("/inbox/events")
@streaming
def events():
    """Live arrivals as Server-Sent Events."""
    max_seconds = float(current_app.config.get("SSE_MAX_SECONDS", 300))
    return polled_response(db.db_path(current_app.config["DATA_DIR"]), "inbox", inbox.state, max_seconds)
