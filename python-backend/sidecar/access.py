"""Who may talk to the sidecar: the remote-access switch, the Host rule (DNS rebinding), the Origin rules (CSRF,
CORS) and the token rule (a bearer token, or the session cookie derived from it).

Each rule reads the current request and returns None (pass) or the JSON error response that refuses it.
"""
import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

from flask import current_app, request

from .access_token import session_value, token_matches
from .errors import error_response
from .settings import SESSION_COOKIE_NAME

LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Binding to one of these serves only this machine; anything else serves the LAN too.
LOOPBACK_BINDS = frozenset({"127.0.0.1", "localhost", "::1"})
# Providers' webhooks (Meta, Twilio) come from the internet, usually through the user's tunnel: their views check
# the provider's signature themselves, and no other rule of this module applies to them.
WEBHOOK_BLUEPRINT = "webhooks"
# A tunnel (cloudflared, ngrok) or any reverse proxy connects from loopback but adds one of these: such a request
# is someone else's, not this machine's.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP",
                      "CF-Connecting-IP", "True-Client-IP", "X-Original-Forwarded-For", "Via")
# Fetch-metadata values browsers send for requests another site's page started.
OTHER_SITE = frozenset({"cross-site", "same-site"})
SAFE_NAVIGATION_METHODS = frozenset({"GET", "HEAD"})
# The machine's addresses change with DHCP or VPNs; look them up again after this long.
ADDRESS_CACHE_SECONDS = 30
# Asking the OS which address would reach this (unrouted, never contacted) address finds the LAN address.
ROUTE_PROBE_ADDRESS = ("10.255.255.255", 1)

_address_cache = {"at": float("-inf"), "addresses": frozenset()}
_address_lock = threading.Lock()


def host_with_port(address, port):
    """How a browser writes ADDRESS:PORT in a Host header (IPv6 in brackets)."""
    if ":" in address and not address.startswith("["):
        address = "[%s]" % address
    return "%s:%d" % (address.lower(), port)


def serves_lan(bind_host):
    """Whether the server listens beyond loopback."""
    return (bind_host or "").strip("[]").lower() not in LOOPBACK_BINDS


def usable_address(text):
    """TEXT as a normalised IP address string, or None (link-local IPv6 with zone ids are not browsable)."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.is_unspecified or (address.version == 6 and address.is_link_local):
        return None
    return str(address)


def discover_addresses(bind_host):
    """The machine's own IP addresses, found without extra packages and without sending any packet."""
    found = {bind_host} if usable_address(bind_host or "") else set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(info[4][0])
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(ROUTE_PROBE_ADDRESS)
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    return frozenset(a for a in (usable_address(t) for t in found) if a)


def machine_addresses(bind_host):
    """The machine's addresses, cached for a short while."""
    with _address_lock:
        if time.monotonic() - _address_cache["at"] > ADDRESS_CACHE_SECONDS:
            _address_cache.update(at=time.monotonic(), addresses=discover_addresses(bind_host))
        return _address_cache["addresses"]


def normalised_origins(origins):
    """ORIGINS (configured texts) without blanks, trailing slashes or case differences."""
    return {o.strip().rstrip("/").lower() for o in origins or [] if o.strip()}


def dev_origins(config):
    """The configured development origins (the Vite server, which calls the API cross-origin: CORS)."""
    return normalised_origins(config.get("DEV_ORIGINS"))


def page_origins(config):
    """The origins beside the sidecar's own that serve the app's page: the dev server and the public origins a
    reverse proxy answers on (same-origin there, so no CORS)."""
    return dev_origins(config) | normalised_origins(config.get("PUBLIC_ORIGINS"))


def behind_https(config, host):
    """True when HOST (a request's Host) is that of an https public origin: the proxy in front speaks TLS."""
    return any(o.startswith("https://") and urlsplit(o).netloc == (host or "").lower()
               for o in normalised_origins(config.get("PUBLIC_ORIGINS")))


def served_hosts(config):
    """The sidecar's own HOST:PORT names (always with the port it serves on)."""
    port = int(config["PORT"])
    hosts = {host_with_port(name, port) for name in LOOPBACK_HOST_NAMES}
    if serves_lan(config.get("BIND_HOST")):
        hosts |= {host_with_port(a, port) for a in machine_addresses(config.get("BIND_HOST"))}
        hosts |= {host_with_port(h.strip(), port) for h in config.get("EXTRA_HOSTS") or [] if h.strip()}
    return hosts


def allowed_hosts(config):
    """Every Host header value the server answers for."""
    # Bare loopback names (no port) are what in-process test clients send; no page can rebind to them.
    hosts = served_hosts(config) | set(LOOPBACK_HOST_NAMES)
    # Vite's proxy keeps the browser's Host (changeOrigin: false), and so does a reverse proxy as documented, so
    # a configured dev or public origin's host is ours too.
    return hosts | {urlsplit(o).netloc for o in page_origins(config)}


def app_origins(config):
    """The origins whose pages are the app itself: scheme, host and the sidecar's own port, or a dev origin.

    Never a port-less name: `http://localhost` is any page served on port 80 of this machine, not the app.
    """
    return {"http://" + h for h in served_hosts(config)} | page_origins(config)


def is_loopback_client(remote_addr):
    """Whether the peer is this machine over loopback (IPv4-mapped IPv6 included)."""
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def is_local_request():
    """Whether this request is this machine's own: over loopback and not relayed by a tunnel or proxy."""
    if not is_loopback_client(request.remote_addr):
        return False
    return not any(name in request.headers for name in FORWARDING_HEADERS)


def is_webhook():
    """Whether the request is for a provider webhook (its view checks the provider's signature)."""
    return request.blueprint == WEBHOOK_BLUEPRINT


def request_origin():
    """The request's Origin header, normalised, or None."""
    origin = request.headers.get("Origin")
    return origin.strip().rstrip("/").lower() if origin is not None else None


def check_host():
    """DNS rebinding: refuse any Host the server does not answer for (evil.example, 2130706433, 127.1...)."""
    host = (request.headers.get("Host") or "").strip().lower()
    if host in allowed_hosts(current_app.config) or is_webhook():
        return None
    return error_response("forbidden_host", "This server does not answer for the host name %r." % host[:100], 403)


def check_origin():
    """CSRF: refuse every request whose Origin is not the app's own (the literal 'null' included)."""
    origin = request_origin()
    if origin is None or origin in app_origins(current_app.config):
        return None
    return error_response("forbidden_origin", "Requests from pages of %r are not allowed." % origin[:100], 403)


def check_fetch_site():
    """CSRF without an Origin header: refuse browser requests another site started, except plain navigations."""
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site not in OTHER_SITE or request_origin() is not None:
        return None
    navigating = request.headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
    if navigating and request.method in SAFE_NAVIGATION_METHODS:
        return None
    return error_response("forbidden_origin", "Requests started by another site's page are not allowed.", 403)


def bearer_token():
    """The token of an 'Authorization: Bearer <token>' header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_cookie():
    """The session cookie's value, or None."""
    return request.cookies.get(SESSION_COOKIE_NAME) or None


def has_credentials():
    """Whether the request carries the token, as a bearer header or as the session cookie derived from it."""
    token = current_app.extensions["access_token"]
    return token_matches(token, bearer_token()) or token_matches(session_value(token), session_cookie())


def check_remote_access():
    """With remote access off (the default), only this machine may talk to the sidecar, whatever it sends."""
    if current_app.config.get("REMOTE_ACCESS") or is_local_request() or is_webhook():
        return None
    return error_response("remote_access_off", "This sidecar only serves the machine it runs on; turn on remote "
                                               "access (setting remote_access) to use it from other machines.", 403)


def is_preflight():
    """Whether this is a CORS preflight (it never carries credentials; the real request will)."""
    return request.method == "OPTIONS" and request_origin() is not None


def desktop_caller():
    """Desktop mode: whether the caller holds the token's rights (loopback clients, already past the Origin rule,
    are trusted; everyone else shows the token)."""
    return is_local_request() or has_credentials()


def token_refusal():
    """The 401 for a desktop-mode caller without the token."""
    response = error_response("unauthorized", "Send the sidecar's access token as 'Authorization: Bearer <token>' "
                                              "(shown by `app.py --show-token` and in the app's settings).", 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="bulkmsg-sidecar"'
    return response
