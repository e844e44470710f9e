"""The one access layer: who is calling (a principal) and whether their role may use this route.

Desktop mode (no team mode): the caller is the desktop token holder (the token rules of access.py) and has every
right. Team mode: the caller is the user of a live session cookie; state-changing requests also carry the
session's CSRF token in a header. Either way one table, ROUTES, names the least role each endpoint needs, and the
same check applies it; tests/python/test_auth_routes.py fails when an endpoint has no entry.
"""
import dataclasses
import hmac
import json

from flask import current_app, g, request

from core import errors
from messaging import audit, db, users

from . import access
from .errors import error_response
from .settings import USER_COOKIE_NAME

PUBLIC, VIEWER, SENDER, ADMIN = "public", "viewer", "sender", "admin"
# A user idle this long, or logged in this long ago, logs in again.
SESSION_IDLE_SECONDS = 2 * 3600
SESSION_MAX_SECONDS = 12 * 3600
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: the desktop token holder or a team user (id None for the desktop)."""

    name: str
    role: str
    user_id: int = None
    csrf_token: str = None

    def as_dict(self):
        """The caller as the API shows it."""
        return {"id": self.user_id, "name": self.name, "role": self.role}


DESKTOP = Principal(name="desktop", role=ADMIN)

# endpoint -> (least role, audit action or None). Reading is viewer; lists, imports, templates, campaigns and
# their actions are sender; channels, settings, access and users are admin. Providers' webhooks check their own
# signatures (access.is_webhook) and are public here.
ROUTES = {
    "health.health": (PUBLIC, None), "ui.index": (PUBLIC, None), "ui.asset": (PUBLIC, None),
    "ui.top_level_file": (PUBLIC, None), "openapi.openapi_json": (VIEWER, None),
    "auth.session": (PUBLIC, None), "auth.login": (PUBLIC, None), "auth.logout": (VIEWER, None),
    "users.all_users": (ADMIN, None), "users.add_user": (ADMIN, None), "users.change_user": (ADMIN, None),
    "users.audit_log": (ADMIN, None),
    "webhooks.twilio_event": (PUBLIC, None), "webhooks.whatsapp_event": (PUBLIC, None),
    "webhooks.whatsapp_verify": (PUBLIC, None),
    "access.access_details": (ADMIN, None), "access.switch_remote_access": (ADMIN, None),
    "access.rotate_token": (ADMIN, None), "access.open_session": (VIEWER, None),
    "access.close_session": (VIEWER, None),
    "attachments.one_attachment": (VIEWER, None), "attachments.upload_attachment": (SENDER, None),
    "campaigns.all_campaigns": (VIEWER, None), "campaigns.campaign_events": (VIEWER, None),
    "campaigns.campaign_preview": (VIEWER, None), "campaigns.campaign_recipients": (VIEWER, None),
    "campaigns.campaign_report": (VIEWER, None), "campaigns.list_test_sends": (VIEWER, None),
    "campaigns.one_campaign": (VIEWER, None), "campaigns.review_campaign": (VIEWER, None),
    "campaigns.plan_campaign": (VIEWER, None),
    "campaigns.create_campaign": (SENDER, "campaign.created"),
    "campaigns.start_campaign": (SENDER, "campaign.started"),
    "campaigns.pause_campaign": (SENDER, "campaign.paused"),
    "campaigns.resume_campaign": (SENDER, "campaign.resumed"),
    "campaigns.cancel_campaign": (SENDER, "campaign.cancelled"),
    "campaigns.retry_campaign": (SENDER, "campaign.retried"),
    "campaigns.delete_campaign": (SENDER, "campaign.deleted"),
    "campaigns.reconcile_campaign": (SENDER, None), "campaigns.rehearse_campaign": (SENDER, None),
    "campaigns.send_test": (SENDER, None),
    "channels.all_channels": (VIEWER, None), "channels.one_channel": (VIEWER, None),
    "channels.secrets_store": (ADMIN, None), "channels.webhooks_overview": (ADMIN, None),
    "channels.create_channel": (ADMIN, "channel.created"), "channels.update_channel": (ADMIN, "channel.changed"),
    "channels.delete_channel": (ADMIN, "channel.deleted"), "channels.set_public_url": (ADMIN, None),
    "channels.sync_channel": (ADMIN, None), "channels.test_channel": (ADMIN, None),
    "whatsapp_web.check_progress": (VIEWER, None), "whatsapp_web.link_state": (VIEWER, None),
    "whatsapp_web.pair_phone": (ADMIN, None), "whatsapp_web.start_link": (ADMIN, None),
    "whatsapp_web.unlink": (ADMIN, None), "whatsapp_web.start_check": (SENDER, None),
    "contacts.parse_manual_numbers": (VIEWER, None), "contacts.validate_number": (VIEWER, None),
    "contacts.upload": (SENDER, None),
    "imports.list_imports": (VIEWER, None), "imports.import_summary": (VIEWER, None),
    "imports.import_rows": (VIEWER, None), "imports.import_contacts": (VIEWER, None),
    "imports.export": (VIEWER, None), "imports.regions": (VIEWER, None),
    "imports.delete_import": (SENDER, None), "imports.fix_row": (SENDER, None), "imports.remap": (SENDER, None),
    "inbox.conversations": (VIEWER, None), "inbox.events": (VIEWER, None), "inbox.thread": (VIEWER, None),
    "inbox.mark_read": (SENDER, None), "inbox.reply": (SENDER, None),
    "lists.all_lists": (VIEWER, None), "lists.one_list": (VIEWER, None), "lists.list_contacts": (VIEWER, None),
    "lists.consent_keywords": (VIEWER, None), "lists.dnc_page": (VIEWER, None),
    "lists.create_list": (SENDER, "list.created"), "lists.delete_list": (SENDER, "list.deleted"),
    "lists.add_contact": (SENDER, None), "lists.append_import": (SENDER, None), "lists.merge_lists": (SENDER, None),
    "lists.delete_contact": (SENDER, None), "lists.edit_contact": (SENDER, None),
    "lists.rename_list": (SENDER, None), "lists.dnc_add": (SENDER, None), "lists.dnc_remove": (SENDER, None),
    "lists.set_consent_keywords": (ADMIN, None),
    "templates.all_templates": (VIEWER, None), "templates.one_template": (VIEWER, None),
    "templates.compose_preview": (VIEWER, None), "templates.compose_reach": (VIEWER, None),
    "templates.get_draft": (VIEWER, None),
    "templates.create_template": (SENDER, None), "templates.update_template": (SENDER, None),
    "templates.delete_template": (SENDER, None), "templates.put_draft": (SENDER, None),
    "templates.delete_draft": (SENDER, None),
}


def team_mode():
    """Whether the app runs in team mode (users and roles) rather than the single-user desktop mode."""
    return bool(current_app.config.get("TEAM_MODE"))


def rule_of(endpoint):
    """(least role, audit action) of ENDPOINT; an endpoint missing from ROUTES is admin-only (fail closed)."""
    return ROUTES.get(endpoint, (ADMIN, None))


def caller():
    """The principal of this request (set by check_caller)."""
    return g.principal


def refuse(code, message, status):
    """A refusal of the access layer through the one JSON error helper."""
    return error_response(code, message, status)


def session_token():
    """The team session cookie's value, or None."""
    return request.cookies.get(USER_COOKIE_NAME) or None


def team_principal(conn):
    """The user of this request's live session, or None."""
    token = session_token()
    found = users.session_user(conn, token, SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS) if token else None
    if found is None:
        return None
    return Principal(name=found["name"], role=found["role"], user_id=found["id"], csrf_token=found["csrf_token"])


def check_caller():
    """Who is calling: the desktop token holder, or (team mode) a session's user; public routes let anyone in.

    ROUTES is the only list of public routes (the UI's pages, /health, /session, login, providers' webhooks).
    """
    from .blueprints.messaging_web import get_db

    if not team_mode():
        g.principal = DESKTOP if access.desktop_caller() else None
    else:
        g.principal = team_principal(get_db()) if session_token() else None
    if g.principal is not None or rule_of(request.endpoint)[0] == PUBLIC or access.is_preflight():
        return None
    if team_mode():
        return refuse(errors.NOT_LOGGED_IN, "Log in first.", 401)
    return access.token_refusal()


def check_csrf():
    """Team mode: a state-changing request of a session carries that session's CSRF token (header)."""
    principal = getattr(g, "principal", None)
    if request.method in SAFE_METHODS or principal is None or principal.csrf_token is None:
        return None
    sent = request.headers.get(CSRF_HEADER, "")
    if hmac.compare_digest(sent.encode("utf-8", "replace"), principal.csrf_token.encode("ascii")):
        return None
    return refuse(errors.CSRF_FAILED, "This request lacks the session's %s header." % CSRF_HEADER, 403)


def allowed(role, needed):
    """Whether ROLE is at least NEEDED."""
    return needed == PUBLIC or (role is not None and users.rank(role) >= users.rank(needed))


def check_role():
    """The one authorisation decision: the caller's role against the route's least role."""
    needed = rule_of(request.endpoint)[0]
    principal = getattr(g, "principal", None)
    if needed == PUBLIC or request.endpoint is None or access.is_preflight() or \
            allowed(principal and principal.role, needed):
        return None
    return refuse(errors.NOT_ALLOWED, "Your role (%s) may not do this; it needs %s." % (principal.role, needed), 403)


def object_id(response, object_type):
    """The id of the object a request acted on: the URL's id, else the id a create answered with (at the top
    level, or in the object named after its type, as POST /lists answers {"list": {...}})."""
    for value in (request.view_args or {}).values():
        return value
    try:
        body = json.loads(response.get_data())
        return body.get("id") or body.get(object_type, {}).get("id")
    except (ValueError, AttributeError):
        return None


def record_audit(response):
    """Team mode: write the audit entry of a route that succeeded (the ROUTES table names the action)."""
    action = rule_of(request.endpoint)[1]
    principal = getattr(g, "principal", None)
    if not team_mode() or action is None or principal is None or response.status_code >= 400:
        return response
    from .blueprints.messaging_web import get_db

    conn = get_db()
    with db.transaction(conn):
        object_type = action.split(".")[0]
        audit.record(conn, principal.as_dict(), action, object_type, object_id(response, object_type), {})
    return response
