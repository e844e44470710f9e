"""One HTTP request per send, with the stage of any network failure kept apart.

A failure before the request is written (DNS, refused, connect timeout) means nothing was sent: safe to retry.
A failure after it (read timeout, dropped connection) is ambiguous: the provider may have accepted the
message, and these APIs have no idempotency key, so the caller marks the recipient 'unknown'.
"""
import http.client
import json
import socket
import ssl
import urllib.parse

from .base import TRANSIENT, UNKNOWN, SendError


def open_connection(url, timeout):
    """A connected HTTP(S) connection for URL's host, or a transient SendError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.connect()
    except (OSError, ssl.SSLError) as err:
        conn.close()
        raise SendError(TRANSIENT, "connect_failed", "Could not connect to %s: %s" % (parts.hostname, err)) \
            from None
    return conn


def post(url, body, headers, timeout):
    """POST BODY (bytes) to URL; returns (status, headers, parsed JSON or None)."""
    return request("POST", url, body, headers, timeout)


def get(url, headers, timeout):
    """GET URL (a read: nothing is sent to anyone); returns (status, headers, parsed JSON or None)."""
    return request("GET", url, None, headers, timeout)


def request(method, url, body, headers, timeout):
    """One METHOD request to URL; (status, headers, parsed JSON or None), or a SendError by failure stage."""
    conn = open_connection(url, timeout)
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (socket.timeout, TimeoutError):
        raise SendError(UNKNOWN, "timeout", "No answer from the provider within %s s; the message may or may "
                        "not have been sent." % timeout) from None
    except (OSError, http.client.HTTPException) as err:
        raise SendError(UNKNOWN, "connection_lost", "The connection broke after the request was sent (%s)."
                        % type(err).__name__) from None
    finally:
        conn.close()
    return response.status, response.headers, parse_json(raw)


def parse_json(raw):
    """The JSON value of RAW, or None when it is not JSON."""
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None
