"""Team-mode sessions: GET /session says which mode the sidecar runs in and who is logged in, POST
/session/login opens a session (cookie + CSRF token), POST /session/logout ends it."""
from flask import Blueprint, current_app, request

from core import errors
from core.errors import DomainError
from messaging import audit, db, users

from .. import access, auth
from ..jsonio import json_body, json_response
from ..ratelimit import limited
from ..settings import USER_COOKIE_NAME
from .messaging_web import get_db

bp = Blueprint("auth", __name__)


def session_answer(principal):
    """The mode, the logged-in user (or None) and the CSRF token state-changing requests must send."""
    mode = "team" if auth.team_mode() else "desktop"
    if principal is None:
        return {"mode": mode, "user": None, "csrf_token": None}
    return {"mode": mode, "user": principal.as_dict(), "csrf_token": principal.csrf_token}


@bp.get("/session")
def session():
    """Who is calling: the UI shows the login screen when the mode is team and the user is null."""
    return json_response(session_answer(auth.caller()))


def refuse_login(conn, name):
    """Audit a failed login and answer the same for an unknown name, a wrong password or a disabled user."""
    with db.transaction(conn):
        audit.record(conn, None, "login.failed", "user", None, {"name": name[:users.MAX_NAME]})
    raise DomainError(errors.BAD_LOGIN, "Wrong user name or password.", errors.UNAUTHORIZED)


def take_name_budget(name):
    """Per user name tried (besides the per-address limit of @limited): refuse with 429 past the budget."""
    wait = current_app.extensions["rate_limiter"].take(name.lower(), "login_name")
    if wait:
        raise DomainError("rate_limited", "Too many logins for this user; try again in %d s." % max(1, int(wait)),
                          errors.RATE_LIMITED, retry_after=max(1, int(wait)))


@bp.post("/session/login")
@limited("login")
def login():
    """Check a name and password; on success set the session cookie and answer the user and CSRF token."""
    if not auth.team_mode():
        raise DomainError("not_team_mode", "The desktop app has no user accounts.", errors.CONFLICT)
    body = json_body()
    name, password = body.get("name"), body.get("password")
    name = name.strip() if isinstance(name, str) else ""
    take_name_budget(name)
    conn = get_db()
    user = users.authenticate(conn, name, password)
    if user is None:
        refuse_login(conn, name)
    token, csrf = users.open_session(conn, user, auth.SESSION_MAX_SECONDS)
    response = json_response({"mode": "team", "user": user, "csrf_token": csrf})
    # HttpOnly: page scripts never see the token; Strict: no other site's page makes the browser send it;
    # Secure whenever the browser reached us over TLS, directly or through the proxy of a public https origin.
    secure = request.is_secure or access.behind_https(current_app.config, request.host)
    response.set_cookie(USER_COOKIE_NAME, token, path="/", httponly=True, samesite="Strict",
                        secure=secure, max_age=int(auth.SESSION_MAX_SECONDS))
    return response


@bp.post("/session/logout")
def logout():
    """End this session (its row is deleted) and clear the cookie."""
    principal = auth.caller()
    if auth.team_mode() and principal is not None and principal.user_id is not None:
        users.close_session(get_db(), auth.session_token(), principal.as_dict())
    response = json_response({"logged_out": True})
    response.delete_cookie(USER_COOKIE_NAME, path="/", httponly=True, samesite="Strict", secure=request.is_secure)
    return response
