"""WhatsApp Business Cloud API: POST /{version}/{phone-number-id}/messages (text or template messages)."""
import json

from . import http
from .base import (
    FATAL,
    PERMANENT,
    RATE_LIMITED,
    TRANSIENT,
    Channel,
    SendError,
    parse_retry_after,
)

DEFAULT_BASE = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
# Graph error codes, by what the runner should do about them.
RATE_LIMIT_CODES = {4, 80007, 130429, 131056, 131048}
AUTH_CODES = {0, 3, 10, 190, 200}
TEMPORARY_CODES = {1, 2, 131000, 131016, 133004}
DEFAULT_BACKOFF = 10.0


class WhatsAppChannel(Channel):
    """Text messages (inside a 24 h window) or approved template messages with body parameters."""

    ADDRESS = "number"

    def __init__(self, config, secrets):
        self.config, self.token = config, (secrets or {}).get("access_token", "")

    def url(self):
        """The messages endpoint of the configured sender number."""
        base = (self.config.get("api_base") or DEFAULT_BASE).rstrip("/")
        version = self.config.get("api_version") or DEFAULT_VERSION
        return "%s/%s/%s/messages" % (base, version, self.config["phone_number_id"])

    def payload(self, message):
        """The request body for MESSAGE."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to.lstrip("+")}
        if self.config.get("message_type") == "template":
            template = {"name": self.config["template_name"],
                        "language": {"code": self.config.get("template_language") or "en_US"}}
            if message.params:
                template["components"] = [{"type": "body", "parameters": [
                    {"type": "text", "text": value} for value in message.params]}]
            body.update(type="template", template=template)
        else:
            body.update(type="text", text={"preview_url": False, "body": message.body})
        return body

    def send(self, message):
        """POST the message; the returned wamid is the provider id."""
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        status, resp_headers, data = http.post(self.url(), json.dumps(self.payload(message)).encode("utf-8"),
                                               headers, float(self.config.get("timeout", 20)))
        if 200 <= status < 300:
            try:
                return data["messages"][0]["id"]
            except (TypeError, KeyError, IndexError):
                raise SendError(PERMANENT, "bad_response", "The API answered %s without a message id." % status) \
                    from None
        raise classify(status, resp_headers, data)


def classify(status, headers, data):
    """A SendError for a Graph API error answer."""
    error = (data or {}).get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    text = "WhatsApp API %s: %s" % (status, error.get("message") or "no error message")
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if status == 429 or code in RATE_LIMIT_CODES:
        return SendError(RATE_LIMITED, "wa_%s" % (code or status), text, retry_after or DEFAULT_BACKOFF)
    if status == 401 or code in AUTH_CODES:
        return SendError(FATAL, "wa_%s" % (code if code is not None else status), text)
    if status >= 500 or code in TEMPORARY_CODES:
        return SendError(TRANSIENT, "wa_%s" % (code or status), text, retry_after)
    return SendError(PERMANENT, "wa_%s" % (code or status), text)
