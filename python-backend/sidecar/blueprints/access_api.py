"""How clients get in: GET /settings/access gives the settings screen the token to show (loopback callers only);
POST/DELETE /access/session turn the token into (and out of) a cookie, for downloads and event streams, which a
browser sends without custom headers."""
from flask import Blueprint, Response, current_app

from core import errors
from core.errors import DomainError

from ..access import (bearer_token, host_with_port, is_local_request, is_loopback_client, machine_addresses,
                      serves_lan)
from ..access_token import session_value, token_matches
from ..jsonio import json_response
from ..settings import SESSION_COOKIE_NAME

bp = Blueprint("access", __name__)


def lan_addresses(config):
    """The machine's addresses other machines can reach (loopback left out)."""
    return [a for a in machine_addresses(config.get("BIND_HOST")) if not is_loopback_client(a)]


@bp.get("/settings/access")
def access_details():
    """The access token and the addresses other machines use; only for this machine's own app."""
    # The Origin rule already refused other sites' pages; a LAN client that knows the token needs nothing here.
    if not is_local_request():  # a tunnel's requests come over loopback too: never show them the token
        raise DomainError("loopback_only", "The access token is only shown on the machine running the sidecar.",
                          errors.FORBIDDEN)
    config = current_app.config
    lan = serves_lan(config.get("BIND_HOST"))
    urls = sorted("http://" + host_with_port(a, config["PORT"]) for a in lan_addresses(config)) if lan else []
    return json_response({"token": current_app.extensions["access_token"], "header": "Authorization",
                          "scheme": "Bearer", "serves_lan": lan, "lan_urls": urls,
                          "remote_access": bool(config.get("REMOTE_ACCESS"))})


@bp.post("/access/session")
def open_session():
    """Exchange the bearer token for the session cookie (204); every caller shows the token, loopback too."""
    token = current_app.extensions["access_token"]
    if not token_matches(token, bearer_token()):
        raise DomainError("unauthorized", "Send the access token as 'Authorization: Bearer <token>'.",
                          errors.UNAUTHORIZED)
    response = Response(status=204)
    # HttpOnly: page scripts cannot read it; Strict: no other site's page makes the browser send it.
    response.set_cookie(SESSION_COOKIE_NAME, session_value(token), path="/", httponly=True, samesite="Strict")
    return response


@bp.delete("/access/session")
def close_session():
    """Forget the session cookie (204)."""
    response = Response(status=204)
    response.delete_cookie(SESSION_COOKIE_NAME, path="/", httponly=True, samesite="Strict")
    return response
