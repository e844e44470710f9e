"""The one access layer: who is calling (a principal) and whether their role may use this route.

Desktop mode (no team mode): the caller is the desktop token holder (the token rules of access.py) and has every
right. Team mode: the caller is the user of a live session cookie; state-changing requests also carry the
session's CSRF token in a header. Either way one table, ROUTES, names the least role each endpoint needs, and the
same check applies it; tests/python/test_auth_routes.py fails when an endpoint has no entry. actor() tells the
engine functions whom to name in the audit log (they write the entry in the action's own transaction).
"""
import dataclasses
import hmac

from flask import current_app, g, request

from core import errors
from messaging import users

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

# endpoint -> least role. Reading is viewer; lists, imports, templates, campaigns and their actions are sender;
# channels, settings, access and users are admin. Providers' webhooks check their own
# signatures (access.is_webhook) and are public here.
ROUTES = {
    "health.health": PUBLIC, "ui.index": PUBLIC, "ui.asset": PUBLIC,
    "ui.top_level_file": PUBLIC, "openapi.openapi_json": VIEWER,
    "auth.session": PUBLIC, "auth.login": PUBLIC, "auth.logout": VIEWER,
    "users.all_users": ADMIN, "users.add_user": ADMIN, "users.change_user": ADMIN,
    "users.audit_log": ADMIN,
    "webhooks.twilio_event": PUBLIC, "webhooks.whatsapp_event": PUBLIC,
    "webhooks.whatsapp_verify": PUBLIC,
    "access.access_details": ADMIN, "access.switch_remote_access": ADMIN,
    "access.rotate_token": ADMIN, "access.open_session": VIEWER,
    "access.close_session": VIEWER,
    "attachments.one_attachment": VIEWER, "attachments.upload_attachment": SENDER,
    "campaigns.all_campaigns": VIEWER, "campaigns.campaign_events": VIEWER,
    "campaigns.campaign_preview": VIEWER, "campaigns.campaign_recipients": VIEWER,
    "campaigns.campaign_report": VIEWER, "campaigns.list_test_sends": VIEWER,
    "campaigns.one_campaign": VIEWER, "campaigns.review_campaign": VIEWER,
    "campaigns.plan_campaign": VIEWER,
    "campaigns.create_campaign": SENDER,
    "campaigns.start_campaign": SENDER,
    "campaigns.pause_campaign": SENDER,
    "campaigns.resume_campaign": SENDER,
    "campaigns.cancel_campaign": SENDER,
    "campaigns.retry_campaign": SENDER,
    "campaigns.delete_campaign": SENDER,
    "campaigns.reconcile_campaign": SENDER, "campaigns.rehearse_campaign": SENDER,
    "campaigns.send_test": SENDER,
    "channels.all_channels": VIEWER, "channels.one_channel": VIEWER,
    "channels.secrets_store": ADMIN, "channels.webhooks_overview": ADMIN,
    "channels.create_channel": ADMIN, "channels.update_channel": ADMIN,
    "channels.delete_channel": ADMIN, "channels.set_public_url": ADMIN,
    "channels.sync_channel": ADMIN, "channels.test_channel": ADMIN,
    "whatsapp_web.check_progress": VIEWER, "whatsapp_web.link_state": VIEWER,
    "whatsapp_web.pair_phone": ADMIN, "whatsapp_web.start_link": ADMIN,
    "whatsapp_web.unlink": ADMIN, "whatsapp_web.start_check": SENDER,
    "contacts.parse_manual_numbers": VIEWER, "contacts.validate_number": VIEWER,
    "contacts.upload": SENDER,
    "imports.list_imports": VIEWER, "imports.import_summary": VIEWER,
    "imports.import_rows": VIEWER, "imports.import_contacts": VIEWER,
    "imports.export": VIEWER, "imports.regions": VIEWER,
    "imports.delete_import": SENDER, "imports.fix_row": SENDER, "imports.remap": SENDER,
    "inbox.conversations": VIEWER, "inbox.events": VIEWER, "inbox.thread": VIEWER,
    "inbox.mark_read": SENDER, "inbox.reply": SENDER,
    "lists.all_lists": VIEWER, "lists.one_list": VIEWER, "lists.list_contacts": VIEWER,
    "lists.consent_keywords": VIEWER, "lists.dnc_page": VIEWER,
    "lists.create_list": SENDER, "lists.delete_list": SENDER,
    "lists.add_contact": SENDER, "lists.append_import": SENDER, "lists.merge_lists": SENDER,
    "lists.delete_contact": SENDER, "lists.edit_contact": SENDER,
    "lists.rename_list": SENDER, "lists.dnc_add": SENDER, "lists.dnc_remove": SENDER,
    "lists.set_consent_keywords": ADMIN,
    "templates.all_templates": VIEWER, "templates.one_template": VIEWER,
    "templates.compose_preview": VIEWER, "templates.compose_reach": VIEWER,
    "templates.get_draft": VIEWER,
    "templates.create_template": SENDER, "templates.update_template": SENDER,
    "templates.delete_template": SENDER, "templates.put_draft": SENDER,
    "templates.delete_draft": SENDER,
}


def team_mode():
    """Whether the app runs in team mode (users and roles) rather than the single-user desktop mode."""
    return bool(current_app.config.get("TEAM_MODE"))


def rule_of(endpoint):
    """The least role of ENDPOINT; an endpoint missing from ROUTES is admin-only (fail closed)."""
    return ROUTES.get(endpoint, ADMIN)


def caller():
    """The principal of this request (set by check_caller)."""
    return g.principal


def actor():
    """Who the audit log names for this request's action: the team user ({'id', 'name'}), or None on the
    desktop (single user, no audit log). Engine functions write the entry inside the action's own transaction."""
    principal = getattr(g, "principal", None)
    if not team_mode() or principal is None:
        return None
    return {"id": principal.user_id, "name": principal.name}


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
    if g.principal is not None or rule_of(request.endpoint) == PUBLIC or access.is_preflight():
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
    needed = rule_of(request.endpoint)
    principal = getattr(g, "principal", None)
    if needed == PUBLIC or request.endpoint is None or access.is_preflight() or \
            allowed(principal and principal.role, needed):
        return None
    return refuse(errors.NOT_ALLOWED, "Your role (%s) may not do this; it needs %s." % (principal.role, needed), 403)

