"""WhatsApp Business Cloud API: POST /{version}/{phone-number-id}/messages (text or template messages)."""
import json

from core.errors import DomainError

from . import http
from .base import (
    FATAL,
    NUMBER,
    PERMANENT,
    RATE_LIMITED,
    TRANSIENT,
    Channel,
    SendError,
    Setting,
    parse_retry_after,
)
from .checks import check_choice, check_timeout, check_url

DEFAULT_BASE = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
# Graph error codes, by what the runner should do about them.
RATE_LIMIT_CODES = {4, 80007, 130429, 131056, 131048}
AUTH_CODES = {0, 3, 10, 190, 200}
TEMPORARY_CODES = {1, 2, 131000, 131016, 133004}
DEFAULT_BACKOFF = 10.0


class WhatsAppChannel(Channel):
    """Text messages (inside a 24 h window) or approved template messages with body parameters."""

    TYPE = "whatsapp"
    ADDRESS = "number"
    SETTINGS = (Setting("phone_number_id", required=True), Setting("api_base"), Setting("api_version"),
                Setting("message_type"), Setting("template_name"), Setting("template_language"),
                Setting("timeout", NUMBER))
    # app_secret signs the status and message webhooks (X-Hub-Signature-256); webhook_verify_token is what the
    # user types into Meta's webhook setup, echoed back in its verification handshake.
    SECRETS = ("access_token", "app_secret", "webhook_verify_token")
    REQUIRED_SECRETS = ("access_token",)

    @classmethod
    def check_config(cls, cfg):
        """Text or template messages (a template needs its name), an http(s) base, a sane timeout."""
        check_choice(cfg, "message_type", ("text", "template"), "text")
        if cfg["message_type"] == "template" and not cfg.get("template_name"):
            raise DomainError("missing_field", "A template message needs 'template_name'.")
        check_url(cfg)
        check_timeout(cfg)

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
        if message.recipient_id is not None:
            # Every status webhook echoes this back: a row whose send answer a crash lost is found by it.
            body["biz_opaque_callback_data"] = str(message.recipient_id)
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

    def node_url(self):
        """The Graph node of the configured sender number."""
        base = (self.config.get("api_base") or DEFAULT_BASE).rstrip("/")
        return "%s/%s/%s" % (base, self.config.get("api_version") or DEFAULT_VERSION, self.config["phone_number_id"])

    def check(self):
        """GET the phone number's details (name, display number, quality): nothing is sent."""
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        status, resp_headers, data = http.get(self.node_url(), headers, float(self.config.get("timeout", 20)))
        if 200 <= status < 300 and isinstance(data, dict):
            return {key: data.get(key) for key in ("display_phone_number", "verified_name", "quality_rating",
                                                   "code_verification_status")}
        raise classify(status, resp_headers, data)

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
