"""Sending channels (SMTP, WhatsApp Cloud API, Twilio SMS, dry run); secrets go in, never out."""
from flask import Blueprint, current_app, request
from messaging import channel_store, channels, secret_keys, secrets
from messaging.receipts import sync, webhook_stats

from .. import auth
from ..jsonio import json_body, json_response
from ..ratelimit import limited
from .messaging_web import get_db, manager

bp = Blueprint("channels", __name__)
EDIT_PAUSE_REASON = "channel_edited: the channel was changed while the campaign ran; check it and resume"
ARCHIVE_PAUSE_REASON = "channel_archived: the channel was archived while the campaign ran"


@bp.record_once
def configure_secrets(state):
    """Tell the secrets store where this app's key file lives (the config dir, not the data dir); in the team mode,
    the key of the database's secrets (a missing key stops create_app; app.py refuses to start before that)."""
    settings = state.app.extensions["settings"]
    key = secret_keys.from_settings(settings) if state.app.config.get("TEAM_MODE") else None
    secrets.configure(state.app.config["DATA_DIR"], state.app.config["CONFIG_DIR"], key)


def data_dir():
    """This app's data directory."""
    return current_app.config["DATA_DIR"]


def pause_users(channel_id, reason):
    """Pause every running campaign on CHANNEL_ID (before it changes); the ids paused."""
    paused = channel_store.running_campaigns(get_db(), channel_id)
    for campaign_id in paused:
        manager().pause(campaign_id, reason)
    return paused


@bp.get("/channels")
def all_channels():
    """Every channel (without secrets); archived ones with ?archived=1."""
    archived = request.args.get("archived", "") in ("1", "true")
    return json_response({"channels": channel_store.all_channels(get_db(), include_archived=archived),
                          "types": channels.describe_types()})


@bp.post("/channels")
@limited("edits")
def create_channel():
    """Save a channel; its secrets go to the system keychain, or the encrypted file without one."""
    return json_response(channel_store.create(get_db(), json_body(), data_dir(), auth.actor()), 201)


@bp.get("/channels/<int:channel_id>")
def one_channel(channel_id):
    """One channel (without secrets)."""
    return json_response(channel_store.channel_out(channel_store.channel_row(get_db(), channel_id)))


@bp.patch("/channels/<int:channel_id>")
@limited("edits")
def update_channel(channel_id):
    """Change a channel's name, settings or secrets; running campaigns on it are paused first."""
    paused = []
    out = channel_store.update(get_db(), channel_id, json_body(), data_dir(),
                               before_change=lambda: paused.extend(pause_users(channel_id, EDIT_PAUSE_REASON)),
                               actor=auth.actor())
    return json_response(dict(out, paused_campaigns=paused))


@bp.delete("/channels/<int:channel_id>")
@limited("edits")
def delete_channel(channel_id):
    """Delete an unused channel and its secrets; archive one that campaigns used (pausing running ones)."""
    channel_store.channel_row(get_db(), channel_id)
    paused = pause_users(channel_id, ARCHIVE_PAUSE_REASON)
    outcome = channel_store.delete(get_db(), channel_id, data_dir(), auth.actor())
    return json_response({outcome: channel_id, "paused_campaigns": paused})


@bp.post("/channels/<int:channel_id>/test")
@limited("test_send")
def test_channel(channel_id):
    """Connect and log in (SMTP) or read the account (APIs) without sending: 200 {ok, error, details}."""
    return json_response(channel_store.test_connection(get_db(), channel_id, data_dir()))


@bp.post("/channels/<int:channel_id>/sync")
@limited("test_send")
def sync_channel(channel_id):
    """Poll the provider now (Twilio's message list, the bounce mailbox): 200 {kind, ok, error, counts}."""
    return json_response(sync.sync_channel(get_db(), data_dir(), channel_id))


@bp.get("/settings/webhooks")
def webhooks_overview():
    """The tunnel's public address and, per channel that takes webhooks, its URL and whether they arrive."""
    return json_response(webhook_stats.overview(get_db()))


@bp.put("/settings/webhooks")
@limited("edits")
def set_public_url():
    """Set (or clear with '') the https address providers reach the webhooks at."""
    return json_response(webhook_stats.set_public_url(get_db(), json_body().get("public_url")))


@bp.get("/settings/secrets")
def secrets_store():
    """Which store keeps channel secrets (keychain or encrypted file) and what it protects against."""
    return json_response(secrets.status(data_dir()))
