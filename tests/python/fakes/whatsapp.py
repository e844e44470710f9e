"""A local WhatsApp Business Cloud API: POST /v{version}/{phone-number-id}/messages, GET /v{version}/{phone-number-id}.

Requests and answers follow Meta's documented shapes: Bearer token, {messaging_product, to, type, text|template},
success {"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]},
errors {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
"""
import json
import re
import secrets

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
                          "template": body.get("template")})
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
        super().__init__(**kwargs)
