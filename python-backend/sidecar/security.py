"""Locking the sidecar down: one before_request chain of small rules, exact-origin CORS, safe response headers.

Order matters: who is asking (Host, Origin, token) is settled before any budget is spent or any body is read.
"""
import re

from flask import Request, current_app, request
from flask_cors import CORS
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from . import access, auth, ratelimit
from .access_token import load_or_create_token
from .errors import error_response

CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = ["Authorization", "Content-Type", "X-CSRF-Token"]
CORS_EXPOSED = ["Content-Disposition", "Retry-After"]
CORS_MAX_AGE_S = 600
MULTIPART = "multipart/form-data"


def check_content_length():
    """Refuse a declared body over the limit before reading a byte of it."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        return error_response("too_large", "The file is too large: this app accepts uploads of up to %d MB." % (limit // (1024 * 1024)), 413)
    return None


class TooManyParts(RequestEntityTooLarge):
    """The multipart body has more parts than MAX_FORM_PARTS (raised by our counter, not by Werkzeug)."""


class BodyTooLarge(RequestEntityTooLarge):
    """The body (sent without a Content-Length) went past MAX_CONTENT_LENGTH while being read."""


class PartCountingStream:
    """The request body as Werkzeug's multipart parser reads it, counting parts and refusing one too many.

    Werkzeug raises the same RequestEntityTooLarge for "too many parts" and "a field too large" and has no way to
    say which. Rather than guess from its traceback, we enforce the part limit ourselves, on the bytes before its
    decoder sees them, with our own exception; Werkzeug keeps only the field-size limit.
    """

    def __init__(self, stream, boundary, limit):
        """Wrap STREAM of a body with BOUNDARY; refuse past LIMIT parts."""
        self.stream, self.limit, self.parts = stream, limit, 0
        self.marker = b"\r\n--" + boundary
        self.tail = b"\r\n"  # the body's first delimiter has no line break of its own before it

    def read(self, size=-1):
        """Read from the body, count the part delimiters in what was read, refuse past the limit."""
        try:
            data = self.stream.read(size)
        except RequestEntityTooLarge:
            raise BodyTooLarge() from None
        self.count(data)
        return data

    def count(self, data):
        """Count delimiters that open a part ("--boundary" not followed by "--"), across read boundaries."""
        buffer, position = self.tail + data, 0
        while True:
            found = buffer.find(self.marker, position)
            end = found + len(self.marker)
            if found < 0 or end + 2 > len(buffer):
                break
            self.parts += buffer[end:end + 2] != b"--"
            position = end
        keep = found if found >= 0 else max(position, len(buffer) - len(self.marker) - 1)
        self.tail = buffer[keep:]
        if self.parts > self.limit:
            raise TooManyParts()

    def __getattr__(self, name):
        """Everything else (close, readable, ...) is the wrapped stream's."""
        return getattr(self.stream, name)


class PartLimitedFormDataParser(FormDataParser):
    """Werkzeug's form parser with the part limit enforced by PartCountingStream (see there why)."""

    def __init__(self, *args, max_form_parts=None, **kw):
        """Werkzeug's parser without its part limit; ours is kept as part_limit."""
        super().__init__(*args, max_form_parts=None, **kw)
        self.part_limit = max_form_parts

    def parse(self, stream, mimetype, content_length, options=None):
        """Parse as Werkzeug does, through a part-counting stream for multipart bodies."""
        boundary = (options or {}).get("boundary", "").encode("latin-1", "replace")
        if mimetype == MULTIPART and boundary and self.part_limit is not None:
            stream = PartCountingStream(stream, boundary, self.part_limit)
        return super().parse(stream, mimetype, content_length, options)


class GuardedRequest(Request):
    """Flask's request, parsing forms with PartLimitedFormDataParser (set as the app's request_class)."""

    form_data_parser_class = PartLimitedFormDataParser


def form_limit_error(err):
    """The JSON error for a multipart body that broke the part-count, body-size or field-size limit."""
    if isinstance(err, TooManyParts):
        return error_response("too_many_parts", "The form has more than %d parts."
                              % current_app.config["MAX_FORM_PARTS"], 413)
    if isinstance(err, BodyTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return error_response("too_large", "The file is too large: this app accepts uploads of up to %d MB." % (limit // (1024 * 1024)), 413)
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
    access.check_remote_access,
    access.check_host,
    access.check_origin,
    access.check_fetch_site,
    auth.check_caller,
    auth.check_csrf,
    auth.check_role,
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
    app.request_class = GuardedRequest
    app.extensions["access_token"] = load_or_create_token(app.config["DATA_DIR"])
    ratelimit.init_app(app)
    app.before_request(guard_request)
    app.after_request(add_safe_headers)
    init_cors(app)
