"""Locking the sidecar down: one before_request chain of small rules, exact-origin CORS, safe response headers.

Order matters: who is asking (Host, Origin, token) is settled before any budget is spent or any body is read.
"""
import re

from flask import current_app, request
from flask_cors import CORS
from werkzeug.exceptions import RequestEntityTooLarge

from . import access, ratelimit
from .access_token import load_or_create_token
from .errors import error_response

CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = ["Authorization", "Content-Type"]
CORS_EXPOSED = ["Content-Disposition", "Retry-After"]
CORS_MAX_AGE_S = 600
MULTIPART = "multipart/form-data"
# Where Werkzeug's multipart decoder raises RequestEntityTooLarge tells which limit was hit.
PART_COUNT_CHECK = "next_event"


def check_content_length():
    """Refuse a declared body over the limit before reading a byte of it."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        return error_response("too_large", "The request is larger than %d MB." % (limit // (1024 * 1024)), 413)
    return None


def form_limit_error(err):
    """The JSON error for a multipart body that broke the part-count or field-size limit."""
    frame = err.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    if frame.tb_frame.f_code.co_name == PART_COUNT_CHECK:
        return error_response("too_many_parts", "The form has more than %d parts."
                              % current_app.config["MAX_FORM_PARTS"], 413)
    return error_response("field_too_large", "A form field is larger than %d bytes."
                          % current_app.config["MAX_FORM_MEMORY_SIZE"], 413)


def check_form_limits():
    """Parse a multipart body now, under the part-count and field-size limits, so views get it ready-made."""
    if request.mimetype != MULTIPART:
        return None
    try:
        request.form  # noqa: B018 - parsing is the point; Flask caches the result for the view
    except RequestEntityTooLarge as err:
        return form_limit_error(err)
    return None


RULES = (
    access.check_host,
    access.check_origin,
    access.check_fetch_site,
    access.check_credentials,
    check_content_length,
    ratelimit.check_rate,
    check_form_limits,
)


def guard_request():
    """Run every rule in order; the first refusal is the answer."""
    for rule in RULES:
        refusal = rule()
        if refusal is not None:
            return refusal
    return None


def add_safe_headers(response):
    """Headers that keep other sites from sniffing, embedding or framing the sidecar's answers."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def exact_origin_patterns(origins):
    """Origins as anchored, escaped patterns: flask-cors would otherwise read '[::1]' as a regex."""
    return [re.compile(re.escape(o) + r"\Z", re.IGNORECASE) for o in origins]


def init_cors(app):
    """CORS only for the configured dev origins (same-origin needs none); never '*', never private-network."""
    origins = sorted(access.dev_origins(app.config))
    if not origins:
        return
    CORS(app, origins=exact_origin_patterns(origins), methods=CORS_METHODS, allow_headers=CORS_HEADERS,
         expose_headers=CORS_EXPOSED, supports_credentials=False, send_wildcard=False, always_send=False,
         allow_private_network=False, max_age=CORS_MAX_AGE_S, vary_header=True)


def init_app(app):
    """Load the access token and install the rules, CORS and headers on APP."""
    app.config["DEBUG"] = False
    app.extensions["access_token"] = load_or_create_token(app.config["DATA_DIR"])
    app.extensions["rate_limiter"] = ratelimit.RateLimiter(ratelimit.parse_limits(app.config.get("RATE_LIMITS")))
    app.before_request(guard_request)
    app.after_request(add_safe_headers)
    init_cors(app)
