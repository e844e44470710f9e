"""How clients get in: GET /settings/access gives the settings screen the token to show (loopback callers only)."""
from flask import Blueprint, current_app, request

from ..access import host_with_port, is_loopback_client, machine_addresses, serves_lan
from core import errors
from core.errors import DomainError
from ..jsonio import json_response

bp = Blueprint("access", __name__)


def lan_addresses(config):
    """The machine's addresses other machines can reach (loopback left out)."""
    return [a for a in machine_addresses(config.get("BIND_HOST")) if not is_loopback_client(a)]


@bp.get("/settings/access")
def access_details():
    """The access token and the addresses other machines use; only for this machine's own app."""
    # The Origin rule already refused other sites' pages; a LAN client that knows the token needs nothing here.
    if not is_loopback_client(request.remote_addr):
        raise DomainError("loopback_only", "The access token is only shown on the machine running the sidecar.", errors.FORBIDDEN)
    config = current_app.config
    lan = serves_lan(config.get("BIND_HOST"))
    urls = sorted("http://" + host_with_port(a, config["PORT"]) for a in lan_addresses(config)) if lan else []
    return json_response({"token": current_app.extensions["access_token"], "header": "Authorization",
                          "scheme": "Bearer", "serves_lan": lan, "lan_urls": urls})
