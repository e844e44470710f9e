"""How clients get in: GET /settings/access gives the settings screen the token to show, PUT turns remote access
on or off and POST /settings/access/token rotates the token (loopback callers only); POST/DELETE /access/session
turn the token into (and out of) a cookie, for downloads and event streams, which a browser sends without custom
headers."""
from flask import Blueprint, Response, current_app

from core import errors
from core.errors import DomainError

from ..access import (bearer_token, host_with_port, is_local_request, is_loopback_client, machine_addresses,
                      serves_lan)
from ..access_token import session_value, token_matches, write_new_token
from ..jsonio import json_body, json_response
from ..ratelimit import limited
from ..settings import SESSION_COOKIE_NAME, SettingsError, save_setting, source_of

bp = Blueprint("access", __name__)


def lan_addresses(config):
    """The machine's addresses other machines can reach (loopback left out)."""
    return [a for a in machine_addresses(config.get("BIND_HOST")) if not is_loopback_client(a)]


def local_only():
    """Refuse callers other than this machine's own app (a tunnel's requests come over loopback too)."""
    if not is_local_request():
        raise DomainError("loopback_only", "Access settings are only shown and changed on the machine running the "
                                           "sidecar.", errors.FORBIDDEN)


def access_answer():
    """The token, the addresses other machines use, the remote-access switch and where it is set, the folders."""
    config = current_app.config
    lan = serves_lan(config.get("BIND_HOST"))
    urls = sorted("http://" + host_with_port(a, config["PORT"]) for a in lan_addresses(config)) if lan else []
    return {"token": current_app.extensions["access_token"], "header": "Authorization", "scheme": "Bearer",
            "serves_lan": lan, "lan_urls": urls, "remote_access": bool(config.get("REMOTE_ACCESS")),
            "remote_access_source": remote_access_source(), "data_dir": config["DATA_DIR"],
            "config_dir": config.get("CONFIG_DIR")}


def remote_access_source():
    """Where the switch was set at start-up ('default', 'settings.json', 'environment', 'command line')."""
    settings = current_app.extensions.get("settings")
    return source_of(settings, "remote_access") if settings is not None else "default"


@bp.get("/settings/access")
def access_details():
    """The access token and the addresses other machines use; only for this machine's own app."""
    # The Origin rule already refused other sites' pages; a LAN client that knows the token needs nothing here.
    local_only()
    return json_response(access_answer())


@bp.put("/settings/access")
@limited("edits")
def switch_remote_access():
    """Turn remote access on or off now, and keep the choice in settings.json for the next start."""
    local_only()
    value = json_body().get("remote_access")
    if not isinstance(value, bool):
        raise DomainError("bad_param", "Send {\"remote_access\": true} or false.")
    where = remote_access_source()
    if where in ("environment", "command line"):
        raise DomainError("setting_locked", "Remote access is set by the %s (BULKMSG_REMOTE_ACCESS or "
                                            "--remote-access); change it there." % where, errors.CONFLICT)
    try:
        save_setting(current_app.config["DATA_DIR"], "remote_access", value)
    except SettingsError as err:
        raise DomainError("settings_file_broken", str(err), errors.CONFLICT) from None
    current_app.config["REMOTE_ACCESS"] = value
    return json_response(access_answer())


@bp.post("/settings/access/token")
@limited("edits")
def rotate_token():
    """A new access token, at once: the old one and every session cookie made from it stop working."""
    local_only()
    current_app.extensions["access_token"] = write_new_token(current_app.config["DATA_DIR"])
    return json_response(access_answer())


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
