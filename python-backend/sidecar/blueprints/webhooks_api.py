"""Provider webhooks: WhatsApp Cloud API (Meta) and Twilio post statuses and inbound messages here.

These are the only routes that answer without the access token, from anywhere (a tunnel relays them): each view
checks the provider's signature first and changes nothing without it (401). A validly signed delivery that names
nothing of ours still gets a 200, or the provider would retry it for days.
"""
import orjson
from flask import Blueprint, Response, current_app, request
from messaging import app_settings, channel_store, secrets
from messaging.db import transaction
from messaging.receipts import meta, twilio, webhook_stats
from messaging.util import loads

from core import errors
from core.errors import DomainError

from ..jsonio import json_response
from ..ratelimit import limited
from .messaging_web import get_db

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
MAX_WEBHOOK_BYTES = 1024 * 1024  # Meta and Twilio send a few kilobytes; anything larger is not theirs
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def provider_channel(channel_id, channel_type):
    """The channels row of a webhook's channel, or a 404 (also for a channel of another type)."""
    row = channel_store.channel_row(get_db(), channel_id)
    if row["type"] != channel_type:
        raise DomainError("not_found", "Channel %d does not take %s webhooks." % (channel_id, channel_type),
                          errors.NOT_FOUND)
    return row


def channel_secret(row, name):
    """One stored secret of the channel, or ''."""
    if not row["has_secret"]:
        return ""
    return secrets.load(row["id"], current_app.config["DATA_DIR"], get_db()).get(name) or ""


def check_size():
    """A 413 for a body over the webhook limit (before it is read)."""
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        raise DomainError("too_large", "A webhook body is at most %d bytes." % MAX_WEBHOOK_BYTES, errors.TOO_LARGE)


def refuse(row, code, message):
    """Count a refused delivery and answer 401."""
    webhook_stats.note(get_db(), row["id"], False, message)
    raise DomainError(code, message, errors.UNAUTHORIZED)


@bp.get("/whatsapp/<int:channel_id>")
@limited("webhooks")
def whatsapp_verify(channel_id):
    """Meta's subscription handshake: echo hub.challenge when hub.verify_token is the channel's."""
    row = provider_channel(channel_id, "whatsapp")
    challenge = meta.handshake(request.args, channel_secret(row, "webhook_verify_token"))
    if challenge is None:
        refuse(row, "bad_verify_token", "The verify token does not match the channel's webhook_verify_token.")
    return Response(challenge, mimetype="text/plain")


@bp.post("/whatsapp/<int:channel_id>")
@limited("webhooks")
def whatsapp_event(channel_id):
    """Statuses and messages, signed with the app secret (X-Hub-Signature-256)."""
    check_size()
    row = provider_channel(channel_id, "whatsapp")
    raw = request.get_data(cache=False)
    app_secret = channel_secret(row, "app_secret")
    if not app_secret:
        refuse(row, "no_app_secret", "The channel has no app_secret to check webhook signatures with.")
    if not meta.signature_ok(app_secret, raw, request.headers.get("X-Hub-Signature-256")):
        refuse(row, "bad_signature", "The X-Hub-Signature-256 header does not sign this body.")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = None
    conn = get_db()
    with transaction(conn):
        done = meta.apply(conn, channel_id, loads(row["config"], {}).get("phone_number_id"), payload)
    webhook_stats.note(conn, channel_id, True)
    return json_response({"ok": True, **done})


def twilio_urls(path):
    """The URLs Twilio may have signed: the configured public address, and this request as the tunnel saw it."""
    urls = {request.url}
    public_url = app_settings.get(get_db(), channel_store.PUBLIC_URL_KEY)
    if public_url:
        urls.add(public_url + path)
    forwarded_host = request.headers.get("X-Forwarded-Host") or request.host
    scheme = request.headers.get("X-Forwarded-Proto", "https").split(",")[0].strip()
    urls.add("%s://%s%s" % (scheme, forwarded_host, path))
    return urls


@bp.post("/twilio/<int:channel_id>")
@limited("webhooks")
def twilio_event(channel_id):
    """Status callbacks and inbound messages, signed with the account's auth token (X-Twilio-Signature)."""
    check_size()
    row = provider_channel(channel_id, "twilio")
    form = {key: request.form.get(key) for key in request.form}
    path = request.full_path.rstrip("?")
    header = request.headers.get("X-Twilio-Signature")
    if not twilio.signature_ok(channel_secret(row, "auth_token"), twilio_urls(path), form, header):
        refuse(row, "bad_signature", "The X-Twilio-Signature header does not sign this request.")
    conn = get_db()
    with transaction(conn):
        twilio.apply_callback(conn, channel_id, form)
    webhook_stats.note(conn, channel_id, True)
    return Response(EMPTY_TWIML, mimetype="text/xml")
