"""One JSON error shape for every failure: {"error": message, "code": code}."""
import logging
import uuid

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from contacts.errors import ContactsError

from .jsonio import json_response

log = logging.getLogger("sidecar")

# Engine codes that are not plain 400s.
STATUS_FOR_CODE = {
    "unsupported_type": 415,
    "too_large": 413,
    "too_many_rows": 413,
    "too_many_columns": 413,
    "not_found": 404,
    "rate_limited": 429,
}


class ApiError(Exception):
    """A request the web layer refuses, with a stable code."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def error_response(code, message, status=400, **extra):
    """The JSON error response every failure goes through."""
    return json_response({"error": message, "code": code, **extra}, status)


def handle_api_error(err):
    """ApiError -> its JSON error."""
    return error_response(err.code, err.message, err.status)


def handle_contacts_error(err):
    """Engine input errors -> 4xx JSON."""
    return error_response(err.code, err.message, STATUS_FOR_CODE.get(err.code, 400))


def handle_http_exception(err):
    """Werkzeug's HTML errors (404, 405, 413, ...) -> JSON."""
    if isinstance(err, RequestEntityTooLarge):
        return error_response("too_large", "The upload is larger than the limit.", 413)
    code = (err.name or "error").lower().replace(" ", "_")
    return error_response(code, err.description or err.name, err.code or 500)


def handle_unexpected(err):
    """Anything else: a generic 500 whose id matches a line in the log, never a traceback."""
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error id=%s", error_id, exc_info=err)
    return error_response("internal_error", "Something went wrong inside the sidecar.", 500, error_id=error_id)


def init_app(app):
    """Register the handlers."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(ContactsError, handle_contacts_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
