"""A local Twilio Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (send), GET of the same
path (the Messages list with To, From, DateSent, DateSent<, DateSent> filters, PageSize and next_page_uri paging,
newest first), GET .../Accounts/{Sid}.json.

Form-encoded To/From (or MessagingServiceSid)/Body/StatusCallback, HTTP basic auth AccountSid:AuthToken; 201
with the Message resource; errors {"code", "message", "more_info", "status"}; 429 with code 20429 and
Retry-After. Tests move a message's status on (`advance`), which posts a signed status callback when the send
asked for one, and write inbound messages (`inbound`), posted to the number's messaging webhook when one is set.
"""
import base64
import email.utils
import hashlib
import hmac
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from .http_base import FakeProvider, JsonHandler

PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_PAGE_SIZE = 1000


def rfc2822(ts):
    """Twilio's date format: 'Wed, 02 Dec 2026 10:00:00 +0000'."""
    return email.utils.formatdate(ts, usegmt=False).replace("-0000", "+0000")


def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature as Twilio computes it: base64 HMAC-SHA1 of the URL and the sorted POST fields."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def parse_date(text):
    """A DateSent filter value (YYYY-MM-DD or an ISO date-time in UTC) as epoch seconds."""
    text = text.strip().rstrip("Z")
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return time.mktime(time.strptime(text, pattern)) - time.timezone
        except ValueError:
            continue
    raise ValueError(text)


def twilio_error(code, message, status):
    """A Twilio 2010-API error body."""
    return {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class TwilioHandler(JsonHandler):
    """Validates like Twilio and answers with its formats."""

    def do_GET(self):
        """GET /2010-04-01/Accounts/{Sid}.json: the Account resource (what "test connection" fetches)."""
        path, _, query = self.path.partition("?")
        listing = PATH.match(path)
        if listing:
            if not self.authorised(listing.group(1)):
                return self.answer(401, twilio_error(20003, "Authenticate", 401))
            return self.list_messages(listing.group(1), path, urllib.parse.parse_qs(query))
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
        message = {"to": form["To"], "id": sid, "body": form["Body"], "from": form.get("From"),
                   "messaging_service_sid": form.get("MessagingServiceSid"), "status": "queued",
                   "direction": "outbound-api", "created": time.time(), "error_code": None,
                   "status_callback": form.get("StatusCallback")}
        self.fake.record(message)
        if self.fake.drop_answers:  # the send is taken but its answer never arrives (a crash, a cut link)
            self.close_connection = True
            return None
        return self.answer(201, self.fake.resource(match.group(1), message))

    def list_messages(self, account_sid, path, query):
        """One page of the Messages list, newest first, with Twilio's paging fields."""
        args = {k: v[0] for k, v in query.items()}
        try:
            size = min(int(args.get("PageSize", 50)), self.fake.page_cap)
            page = int(args.get("Page", 0))
            chosen = self.fake.matching(args)
        except ValueError:
            return self.answer(400, twilio_error(20001, "Invalid filter or paging value", 400))
        with self.fake.lock:
            self.fake.list_requests += 1
        rows = chosen[page * size:(page + 1) * size]
        more = len(chosen) > (page + 1) * size
        base = {k: v for k, v in args.items() if k not in ("Page", "PageToken")}

        def page_uri(number):
            """The URI of page NUMBER with the same filters."""
            return path + "?" + urllib.parse.urlencode({**base, "PageSize": size, "Page": number,
                                                        "PageToken": "PA" + secrets.token_hex(8)})
        return self.answer(200, {"messages": [self.fake.resource(account_sid, m) for m in rows],
                                 "page": page, "page_size": size, "start": page * size,
                                 "end": page * size + max(0, len(rows) - 1), "uri": self.path,
                                 "first_page_uri": page_uri(0), "previous_page_uri": page_uri(page - 1) if page else None,
                                 "next_page_uri": page_uri(page + 1) if more else None})

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
        self.list_requests = 0
        self.drop_answers = False
        self.sms_url = None  # the number's "A message comes in" webhook
        self.tunnel = None   # (public prefix, local prefix): a tunnel relays the public URLs to the app
        self.page_cap = MAX_PAGE_SIZE
        self.advanced_opt_out = True  # Twilio's default handling of STOP/START, reported as OptOutType
        super().__init__(**kwargs)

    def resource(self, account_sid, message):
        """A Message resource as the API returns it."""
        return {"sid": message["id"], "account_sid": account_sid, "to": message["to"], "from": message.get("from"),
                "messaging_service_sid": message.get("messaging_service_sid"), "body": message["body"],
                "status": message["status"], "num_segments": "1", "direction": message["direction"],
                "api_version": "2010-04-01", "error_code": message.get("error_code"),
                "error_message": message.get("error_message"), "price": None, "price_unit": "USD",
                "date_created": rfc2822(message["created"]), "date_sent": rfc2822(message["created"]),
                "date_updated": rfc2822(message.get("updated", message["created"])),
                "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account_sid, message["id"])}

    def matching(self, args):
        """Messages matching the list filters, newest first (ValueError for a bad date)."""
        after = parse_date(args["DateSent>"]) if args.get("DateSent>") else None
        before = parse_date(args["DateSent<"]) if args.get("DateSent<") else None
        day = parse_date(args["DateSent"]) if args.get("DateSent") else None
        with self.lock:
            found = [m for m in self.messages
                     if (not args.get("To") or m["to"] == args["To"])
                     and (not args.get("From") or m.get("from") == args["From"])
                     and (after is None or m["created"] >= after) and (before is None or m["created"] < before)
                     and (day is None or day <= m["created"] < day + 86400)]
        return sorted(found, key=lambda m: m["created"], reverse=True)

    def message(self, sid):
        """The stored message SID."""
        with self.lock:
            return next(m for m in self.messages if m["id"] == sid)

    def advance(self, sid, status, error_code=None, callback=True):
        """Move a message to STATUS (sent, delivered, undelivered, failed, read) and post its status callback."""
        message = self.message(sid)
        with self.lock:
            message.update(status=status, updated=time.time(), error_code=error_code,
                           error_message="Unknown destination handset" if error_code else None)
        if callback and message.get("status_callback"):
            fields = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid, "MessageStatus": status,
                      "SmsStatus": status, "To": message["to"], "From": message.get("from") or "",
                      "ApiVersion": "2010-04-01"}
            if error_code:
                fields["ErrorCode"] = str(error_code)
            return self.post_signed(message["status_callback"], fields)
        return None

    def inbound(self, from_number, to_number, body):
        """A message someone writes to the account's number: listed, and posted to sms_url when set."""
        sid = "SM" + secrets.token_hex(16)
        message = {"to": to_number, "id": sid, "body": body, "from": from_number, "status": "received",
                   "direction": "inbound", "created": time.time()}
        self.record(message)
        if self.sms_url:
            fields = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": self.account_sid,
                      "From": from_number, "To": to_number, "Body": body, "NumMedia": "0", "NumSegments": "1",
                      "SmsStatus": "received", "ApiVersion": "2010-04-01"}
            word = body.strip().upper()
            if self.advanced_opt_out and word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"):
                fields["OptOutType"] = "STOP"
            elif self.advanced_opt_out and word in ("START", "UNSTOP", "YES"):
                fields["OptOutType"] = "START"
            self.post_signed(self.sms_url, fields)
        return sid

    def post_signed(self, url, fields, token=None):
        """POST FIELDS form-encoded to URL with X-Twilio-Signature: (status, body)."""
        data = urllib.parse.urlencode(fields).encode()
        signature = twilio_signature(token or self.auth_token, url, fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
                   "User-Agent": "TwilioProxy/1.1"}
        if self.tunnel and url.startswith(self.tunnel[0]):
            # What cloudflared or ngrok do: the request arrives from loopback with the public Host and forwarding
            # headers; Twilio signed the public URL.
            public = urllib.parse.urlsplit(url)
            url = self.tunnel[1] + url[len(self.tunnel[0]):]
            headers.update({"X-Forwarded-For": "54.172.60.1", "X-Forwarded-Proto": "https",
                            "X-Forwarded-Host": public.netloc})
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()
