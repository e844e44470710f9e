"""Sending channels (SMTP, WhatsApp Cloud API, Twilio SMS, dry run); secrets go in, never out."""
from flask import Blueprint
from messaging import channel_store, channels

from ..jsonio import json_body, json_response
from .messaging_web import get_db

bp = Blueprint("channels", __name__)


@bp.get("/channels")
def all_channels():
    """Every channel (without secrets)."""
    return json_response({"channels": channel_store.all_channels(get_db()),
                          "types": {name: {"required": list(spec[1]), "optional": list(spec[2]),
                                           "secrets": list(spec[3])} for name, spec in channels.TYPES.items()}})


@bp.post("/channels")
def create_channel():
    """Save a channel; its secrets go to the system keychain."""
    return json_response(channel_store.create(get_db(), json_body()), 201)


@bp.get("/channels/<int:channel_id>")
def one_channel(channel_id):
    """One channel (without secrets)."""
    return json_response(channel_store.channel_out(channel_store.channel_row(get_db(), channel_id)))


@bp.patch("/channels/<int:channel_id>")
def update_channel(channel_id):
    """Change a channel's name, settings or secrets."""
    return json_response(channel_store.update(get_db(), channel_id, json_body()))


@bp.delete("/channels/<int:channel_id>")
def delete_channel(channel_id):
    """Delete an unused channel and its secrets."""
    channel_store.delete(get_db(), channel_id)
    return json_response({"deleted": channel_id})
