"""Waitress' own transport-level errors (body over the limit, malformed request) in the API's JSON error shape.

Waitress answers these itself, before the Flask app sees the request, with a text/plain page; a client of
the API must get {"error", "code"} there too.
"""
import json

from waitress import utilities

CODE_FOR_STATUS = {400: "bad_request", 413: "too_large", 431: "headers_too_large", 500: "internal_error"}


def json_error_response(self, ident=None):
    """(status, headers, body) of a waitress error as a JSON error."""
    code = CODE_FOR_STATUS.get(self.code, "http_%d" % self.code)
    message = "%s: %s" % (self.reason, self.body) if self.body else self.reason
    body = json.dumps({"error": message, "code": code}).encode("utf-8")
    return "%d %s" % (self.code, self.reason), [("Content-Type", "application/json")], body


def install():
    """Make every waitress error answer in JSON (one class serves them all)."""
    utilities.Error.to_response = json_error_response
