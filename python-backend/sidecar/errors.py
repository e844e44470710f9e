"""One JSON error shape for every failure, {"error": message, "code": code}, and the one place that maps
domain error kinds to HTTP statuses and registers every error handler."""
import logging
import sqlite3
import uuid

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from core import errors
from core.errors import DomainError

from .jsonio import json_response

log = logging.getLogger("sidecar")

STATUS_FOR_KIND = {
    errors.INVALID: 400,
    errors.UNAUTHORIZED: 401,
    errors.FORBIDDEN: 403,
    errors.NOT_FOUND: 404,
    errors.CONFLICT: 409,
    errors.TOO_LARGE: 413,
    errors.UNSUPPORTED: 415,
    errors.RATE_LIMITED: 429,
    errors.UNAVAILABLE: 503,
    # RFC 4918's Insufficient Storage: the disk is full or read-only, nothing is wrong with the request.
    errors.STORAGE_FULL: 507,
}


def error_response(code, message, status=400, **extra):
    """The JSON error response every failure goes through."""
    return json_response({"error": message, "code": code, **extra}, status)


def handle_domain_error(err):
    """A refusal of the engine, messaging or the web layer -> its JSON error and status."""
    return error_response(err.code, err.message, STATUS_FOR_KIND[err.kind], **err.details)


def handle_overflow(_err):
    """An id or offset too big for the database's 64-bit integers is bad input, not a crash."""
    return error_response("bad_param", "A number in the request is too large.", 400)


def handle_http_exception(err):
    """Werkzeug's HTML errors (404, 405, 413, ...) -> JSON."""
    if isinstance(err, RequestEntityTooLarge):
        return error_response("too_large", "The upload is larger than the limit.", 413)
    code = (err.name or "error").lower().replace(" ", "_")
    return error_response(code, err.description or err.name, err.code or 500)


def handle_unexpected(err):
    """Anything else: a generic 500 whose id matches a line in the log, never a traceback (a PostgreSQL
    server that is full, read-only or gone is a storage state: 507, like SQLite's)."""
    from messaging import storage

    if storage.is_postgres_error(err) and storage.classify(err) is not None:
        return handle_storage_or_unexpected(err)
    if storage.is_contention(err):
        log.warning("a request lost a race for the database and was rolled back: %s", err)
        return error_response("database_busy", "Someone changed the same data at the same moment; nothing was "
                              "changed by this request. Try again.", 503)
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error id=%s", error_id, exc_info=err)
    return error_response("internal_error", "Something went wrong inside the sidecar.", 500, error_id=error_id)


def handle_storage_or_unexpected(err):
    """A full or read-only disk (SQLite or file errors) is 507 storage_full/storage_error, and the runner is
    told so it can watch for space coming back; any other such error is unexpected (500)."""
    from flask import current_app
    from messaging import storage

    domain = storage.domain_error(err)
    if domain is None:
        return handle_unexpected(err)
    manager = current_app.extensions.get("campaigns")
    if manager is not None:
        manager.note_storage_error(err)
    log.warning("storage failure during a request: %s", err)
    return handle_domain_error(domain)


def init_app(app):
    """Register every error handler of the app (no blueprint registers its own)."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OverflowError, handle_overflow)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(sqlite3.Error, handle_storage_or_unexpected)
    app.register_error_handler(OSError, handle_storage_or_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
