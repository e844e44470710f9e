"""Twilio SMS: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic auth."""
import base64
import urllib.parse

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
from .checks import check_timeout, check_url

DEFAULT_BASE = "https://api.twilio.com"
AUTH_CODES = {20003, 20005, 20008}
DEFAULT_BACKOFF = 5.0
PAGE_SIZE = 1000  # Twilio's largest page: one request per thousand messages


class TwilioChannel(Channel):
    """One SMS per recipient from a number (From) or a Messaging Service (MessagingServiceSid)."""

    TYPE = "twilio"
    ADDRESS = "number"
    SETTINGS = (Setting("account_sid", required=True), Setting("from_number"), Setting("messaging_service_sid"),
                Setting("api_base"), Setting("timeout", NUMBER),
                # Where Twilio posts status changes; filled from the app's public (tunnel) URL when not set.
                Setting("status_callback"))
    SECRETS = ("auth_token",)
    REQUIRED_SECRETS = ("auth_token",)

    @classmethod
    def check_config(cls, cfg):
        """A sender number or a messaging service, an http(s) base, a sane timeout."""
        if not (cfg.get("from_number") or cfg.get("messaging_service_sid")):
            raise DomainError("missing_field", "Twilio needs 'from_number' or 'messaging_service_sid'.")
        check_url(cfg)
        check_timeout(cfg)

    def __init__(self, config, secrets):
        self.config, self.token = config, (secrets or {}).get("auth_token", "")

    def url(self):
        """The Messages endpoint of the account."""
        base = (self.config.get("api_base") or DEFAULT_BASE).rstrip("/")
        return "%s/2010-04-01/Accounts/%s/Messages.json" % (base, urllib.parse.quote(self.config["account_sid"]))

    def form(self, message):
        """The form fields of the request."""
        fields = {"To": message.to, "Body": message.body}
        if self.config.get("messaging_service_sid"):
            fields["MessagingServiceSid"] = self.config["messaging_service_sid"]
        else:
            fields["From"] = self.config["from_number"]
        if self.config.get("status_callback"):
            fields["StatusCallback"] = self.config["status_callback"]
        return urllib.parse.urlencode(fields).encode("utf-8")

    def auth_header(self):
        """HTTP basic auth of the account."""
        credentials = base64.b64encode(("%s:%s" % (self.config["account_sid"], self.token)).encode()).decode()
        return "Basic " + credentials

    def check(self):
        """GET the Account resource (name, status, type); only those fields are kept (it also carries secrets)."""
        base = (self.config.get("api_base") or DEFAULT_BASE).rstrip("/")
        url = "%s/2010-04-01/Accounts/%s.json" % (base, urllib.parse.quote(self.config["account_sid"]))
        headers = {"Authorization": self.auth_header(), "Accept": "application/json"}
        status, resp_headers, data = http.get(url, headers, float(self.config.get("timeout", 20)))
        if 200 <= status < 300 and isinstance(data, dict):
            return {"friendly_name": data.get("friendly_name"), "status": data.get("status"),
                    "type": data.get("type")}
        raise classify(status, resp_headers, data)

    def list_messages(self, filters, max_pages=50):
        """Yield Message resources matching FILTERS (To, From, DateSent>, DateSent<), one request per page of
        PAGE_SIZE, following next_page_uri; a SendError when Twilio refuses."""
        base = (self.config.get("api_base") or DEFAULT_BASE).rstrip("/")
        url = self.url() + "?" + urllib.parse.urlencode({**filters, "PageSize": PAGE_SIZE})
        headers = {"Authorization": self.auth_header(), "Accept": "application/json"}
        for _ in range(max_pages):
            status, resp_headers, data = http.get(url, headers, float(self.config.get("timeout", 20)))
            if not (200 <= status < 300 and isinstance(data, dict)):
                raise classify(status, resp_headers, data)
            yield from (m for m in data.get("messages") or [] if isinstance(m, dict))
            next_uri = data.get("next_page_uri")
            if not next_uri:
                return
            url = base + next_uri

    def send(self, message):
        """POST the message; the SM… sid is the provider id."""
        headers = {"Authorization": self.auth_header(), "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/json"}
        status, resp_headers, data = http.post(self.url(), self.form(message), headers,
                                               float(self.config.get("timeout", 20)))
        if status in (200, 201) and isinstance(data, dict) and data.get("sid"):
            return data["sid"]
        if 200 <= status < 300:
            raise SendError(PERMANENT, "bad_response", "Twilio answered %s without a message sid." % status)
        raise classify(status, resp_headers, data)


def classify(status, headers, data):
    """A SendError for a Twilio error answer {code, message, more_info, status}."""
    data = data if isinstance(data, dict) else {}
    code = data.get("code")
    text = "Twilio %s: %s" % (status, data.get("message") or "no error message")
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if status == 429 or code == 20429:
        return SendError(RATE_LIMITED, "twilio_%s" % (code or status), text, retry_after or DEFAULT_BACKOFF)
    if status == 401 or code in AUTH_CODES:
        return SendError(FATAL, "twilio_%s" % (code or status), text)
    if status >= 500:
        return SendError(TRANSIENT, "twilio_%s" % (code or status), text, retry_after)
    return SendError(PERMANENT, "twilio_%s" % (code or status), text)
