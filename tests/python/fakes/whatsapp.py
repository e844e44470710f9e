"""A local WhatsApp Business Cloud API: POST /v{version}/{phone-number-id}/messages, GET /v{version}/{phone-number-id},
and Meta's webhooks back to the app.

Requests and answers follow Meta's documented shapes: Bearer token, {messaging_product, to, type, text|template,
biz_opaque_callback_data}, success {"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id":
"wamid..."}]}, errors {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}. Webhooks are posted
like Meta's: {"object": "whatsapp_business_account", "entry": [{"id", "changes": [{"field": "messages", "value":
{..., "statuses" | "messages"}}]}]} signed with X-Hub-Signature-256; a delivery that is not answered 200 stays
queued and is sent again by `flush()` (Meta retries for up to 7 days).
"""
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request

from .http_base import FakeProvider, JsonHandler

PATH = re.compile(r"^/v(\d+\.\d+)/([0-9A-Za-z_]+)/messages$")
NODE = re.compile(r"^/v(\d+\.\d+)/([0-9A-Za-z_]+)(?:\?.*)?$")


def graph_error(message, code, error_type="OAuthException", subcode=None):
    """A Graph API error body."""
    error = {"message": message, "type": error_type, "code": code, "fbtrace_id": "A" + secrets.token_hex(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class WhatsAppHandler(JsonHandler):
    """Validates like the Cloud API and answers with its formats."""

    def do_GET(self):
        """GET /v{ver}/{phone-number-id}: the phone number's details (what "test connection" fetches)."""
        match = NODE.match(self.path)
        if not match or match.group(2) != self.fake.phone_number_id:
            return self.answer(400, graph_error(
                "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation." % (match.group(2) if match else "?"),
                100, "GraphMethodException", 33))
        if self.headers.get("Authorization") != "Bearer " + self.fake.token:
            return self.answer(401, graph_error("Error validating access token: Session has expired.", 190,
                                                subcode=463))
        return self.answer(200, {"verified_name": "Test Shop", "code_verification_status": "VERIFIED",
                                 "display_phone_number": "+1 555-010-0000", "quality_rating": "GREEN",
                                 "platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"},
                                 "id": self.fake.phone_number_id})

    def handle_post(self):
        """POST /v{ver}/{phone-number-id}/messages."""
        match = PATH.match(self.path)
        raw = self.body_bytes()
        if not match or match.group(2) != self.fake.phone_number_id:
            return self.answer(400, graph_error("Unsupported post request. Object with ID '%s' does not exist"
                                                % (match.group(2) if match else "?"), 100, "GraphMethodException", 33))
        if self.headers.get("Authorization") != "Bearer " + self.fake.token:
            return self.answer(401, graph_error("Error validating access token: Session has expired.", 190,
                                                subcode=463))
        with self.fake.lock:
            self.fake.requests += 1
        fault = self.fake.faults.next()
        if fault:
            return self.fault(fault)
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, graph_error("(#100) Invalid parameter", 100))
        problem = self.invalid(body)
        if problem:
            return self.answer(400, graph_error("(#100) Invalid parameter: %s" % problem, 100))
        if body["to"] in self.fake.reject:
            return self.answer(400, graph_error("(#131026) Message undeliverable", 131026))
        wamid = "wamid." + secrets.token_urlsafe(24)
        self.fake.record({"to": body["to"], "id": wamid, "type": body["type"], "body": body.get("text", {}).get("body"),
                          "template": body.get("template"), "callback_data": body.get("biz_opaque_callback_data")},
                         self.arrived)
        if self.fake.auto_sent and self.fake.webhook_url:  # Meta reports 'sent' for every accepted message
            self.fake.emit_soon(self.fake.messages[-1], "sent")
        if self.fake.drop_answers:  # taken, but the answer never arrives (a crash, a cut link)
            self.close_connection = True
            return None
        return self.answer(200, {"messaging_product": "whatsapp",
                                 "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                 "messages": [{"id": wamid}]})

    def invalid(self, body):
        """What is wrong with a send request, or None."""
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return "messaging_product must be whatsapp"
        if not re.fullmatch(r"\d{6,15}", str(body.get("to", ""))):
            return "to"
        if body.get("type") == "text":
            text = body.get("text")
            return None if isinstance(text, dict) and isinstance(text.get("body"), str) and text["body"] else "text"
        if body.get("type") == "template":
            template = body.get("template") or {}
            language = template.get("language")
            ok = template.get("name") and isinstance(language, dict) and language.get("code")
            return None if ok else "template"
        return "type"

    def fault(self, fault):
        """Answer with an injected fault the way the Cloud API does."""
        if fault == "rate_limit":
            return self.answer(429, graph_error("(#130429) Rate limit hit", 130429), {"Retry-After": "1"})
        if fault == "server_error":
            return self.answer(500, graph_error("(#131000) Something went wrong", 131000))
        if fault == "unavailable":
            return self.answer(503, graph_error("(#131016) Service unavailable", 131016))
        return self.hang()


class FakeWhatsApp(FakeProvider):
    """The fake Cloud API with one phone number id and one valid token."""

    handler_class = WhatsAppHandler

    def __init__(self, phone_number_id="106540352242922", token="test-token", **kwargs):
        self.phone_number_id, self.token = phone_number_id, token
        self.webhook_url = self.app_secret = None
        self.forward_headers = {}  # what a tunnel adds on the way to the app
        self.auto_sent = False      # post a 'sent' status webhook for every accepted message
        self.emitting = 0           # webhooks being posted right now
        self.pending = []  # webhook bodies not yet answered 200
        self.drop_answers = False
        super().__init__(**kwargs)

    def subscribe(self, url, app_secret):
        """Where webhooks go and the app secret that signs them."""
        self.webhook_url, self.app_secret = url, app_secret

    def envelope(self, value):
        """Meta's webhook body around one change value."""
        value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550100000",
                                                               "phone_number_id": self.phone_number_id}, **value}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}

    def status_value(self, message, status, error=None):
        """A statuses[] change for an accepted MESSAGE (its wamid and callback data echoed back)."""
        item = {"id": message["id"], "status": status, "timestamp": str(int(time.time())),
                "recipient_id": message["to"]}
        if message.get("callback_data") is not None:
            item["biz_opaque_callback_data"] = message["callback_data"]
        if status == "sent":
            item["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": "marketing"}}
            item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "marketing"}
        if error:
            item["errors"] = [{"code": error[0], "title": error[1], "message": error[1],
                               "error_data": {"details": error[1]}}]
        return {"statuses": [item]}

    def emit_status(self, message, status, error=None):
        """Queue and post a status webhook for MESSAGE (a dict of `messages`); the HTTP status, or None."""
        return self.emit(self.envelope(self.status_value(message, status, error)))

    def emit_message(self, from_number, text, name="", wamid=None):
        """Queue and post an inbound text message webhook."""
        value = {"contacts": [{"profile": {"name": name}, "wa_id": from_number}],
                 "messages": [{"from": from_number, "id": wamid or "wamid." + secrets.token_urlsafe(24),
                               "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}
        return self.emit(self.envelope(value))

    def emit_soon(self, message, status):
        """Post a status webhook from another thread (Meta's webhooks are not part of the API answer)."""
        with self.lock:
            self.emitting += 1

        def deliver():
            """Post, then count this delivery attempt as done (delivered or queued for a retry)."""
            try:
                self.emit_status(message, status)
            finally:
                with self.lock:
                    self.emitting -= 1
        threading.Thread(target=deliver, daemon=True).start()

    def settled(self):
        """True when no webhook is being posted and none waits for a retry (after one more retry round)."""
        with self.lock:
            busy = self.emitting
        return busy == 0 and self.flush() in (200, None) and not self.pending

    def emit(self, payload, secret=None):
        """Queue PAYLOAD and try to deliver everything queued; the last HTTP status (None: unreachable)."""
        with self.lock:
            self.pending.append((json.dumps(payload).encode(), secret))
        return self.flush()

    def flush(self):
        """Deliver queued webhooks in order; those not answered 200 stay queued. The last status seen."""
        last = None
        with self.lock:
            queue, self.pending = self.pending, []
        for raw, secret in queue:
            last = self.post(raw, secret)
            if last != 200:
                with self.lock:
                    self.pending.append((raw, secret))
        return last

    def post(self, raw, secret=None):
        """POST one signed webhook body; the HTTP status or None when the app cannot be reached."""
        signature = "sha256=" + hmac.new((secret or self.app_secret).encode(), raw, hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.webhook_url, data=raw, method="POST", headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature,
            "User-Agent": "facebookexternalua", **self.forward_headers})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return None
