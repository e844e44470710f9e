"""A local Twilio Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, GET .../Accounts/{Sid}.json.

Form-encoded To/From (or MessagingServiceSid)/Body, HTTP basic auth AccountSid:AuthToken; 201 with the
Message resource; errors {"code", "message", "more_info", "status"}; 429 with code 20429 and Retry-After.
"""
import base64
import re
import secrets
import urllib.parse

from .http_base import FakeProvider, JsonHandler

PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def twilio_error(code, message, status):
    """A Twilio 2010-API error body."""
    return {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class TwilioHandler(JsonHandler):
    """Validates like Twilio and answers with its formats."""

    def do_GET(self):
        """GET /2010-04-01/Accounts/{Sid}.json: the Account resource (what "test connection" fetches)."""
        match = ACCOUNT.match(self.path)
        if not match:
            return self.answer(404, twilio_error(20404, "The requested resource %s was not found" % self.path, 404))
        if not self.authorised(match.group(1)):
            return self.answer(401, twilio_error(20003, "Authenticate", 401))
        sid = match.group(1)
        return self.answer(200, {"sid": sid, "owner_account_sid": sid, "friendly_name": "Test account",
                                 "status": "active", "type": "Full", "auth_token": self.fake.auth_token,
                                 "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
                                 "uri": "/2010-04-01/Accounts/%s.json" % sid})

    def handle_post(self):
        """POST .../Messages.json."""
        match = PATH.match(self.path)
        raw = self.body_bytes()
        if not match:
            return self.answer(404, twilio_error(20404, "The requested resource %s was not found" % self.path, 404))
        if not self.authorised(match.group(1)):
            return self.answer(401, twilio_error(20003, "Authenticate", 401))
        with self.fake.lock:
            self.fake.requests += 1
        fault = self.fake.faults.next()
        if fault:
            return self.fault(fault)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        error = self.invalid(form)
        if error:
            return self.answer(400, twilio_error(*error, 400))
        sid = "SM" + secrets.token_hex(16)
        self.fake.record({"to": form["To"], "id": sid, "body": form["Body"], "from": form.get("From")})
        return self.answer(201, {"sid": sid, "account_sid": match.group(1), "to": form["To"],
                                 "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
                                 "body": form["Body"], "status": "queued", "num_segments": "1", "direction":
                                 "outbound-api", "api_version": "2010-04-01", "error_code": None,
                                 "error_message": None, "price": None, "price_unit": "USD",
                                 "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (match.group(1), sid)})

    def authorised(self, account_sid):
        """True when Basic auth carries ACCOUNT_SID and the fake's token."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == account_sid == self.fake.account_sid and password == self.fake.auth_token

    def invalid(self, form):
        """(code, message) for a bad request, or None."""
        to = form.get("To", "")
        if not E164.match(to) or to in self.fake.reject:
            return 21211, "The 'To' number %s is not a valid phone number." % to
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
        if not form.get("Body"):
            return 21602, "Message body is required."
        return None

    def fault(self, fault):
        """Answer with an injected fault the way Twilio does."""
        if fault == "rate_limit":
            return self.answer(429, twilio_error(20429, "Too Many Requests", 429), {"Retry-After": "1"})
        if fault == "server_error":
            return self.answer(500, twilio_error(20500, "Internal Server Error", 500))
        if fault == "unavailable":
            return self.answer(503, twilio_error(20503, "Service Unavailable", 503), {"Retry-After": "1"})
        return self.hang()


class FakeTwilio(FakeProvider):
    """The fake Twilio API for one account."""

    handler_class = TwilioHandler

    def __init__(self, account_sid="AC" + "0" * 31 + "1", auth_token="tw-secret-token", **kwargs):
        self.account_sid, self.auth_token = account_sid, auth_token
        super().__init__(**kwargs)
