"""A page of another origin, in real headless Chromium, attacks the sidecar: a form POST to /upload and fetches
to state-changing endpoints. Every attempt is refused with 403 and no CORS header, and nothing is stored."""
import http.server
import json
import os
import threading

import pytest

from support.sidecar import Sidecar
from security_support import cors_headers, import_ids

CHROMIUM = os.environ.get("BULKMSG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ATTACK_TIMEOUT_MS = 30_000
ATTACKER_PAGE = """<!doctype html>
<html><body>
<form id="upload" method="POST" action="%(sidecar)s/upload" enctype="multipart/form-data" target="_blank">
  <input type="file" name="file" id="file"><input name="default_region" value="US">
</form>
<script>
const SIDECAR = "%(sidecar)s";
window.results = {};
async function attempt(name, url, init) {
  try {
    const answer = await fetch(url, init);
    results[name] = init.mode === "no-cors" ? "opaque" : "read " + answer.status + " " + (await answer.text());
  } catch (e) {
    results[name] = "blocked";
  }
}
async function attack() {
  const files = new DataTransfer();
  files.items.add(new File(["Name,Phone\\nEve,+1 415 555 2671\\n"], "contacts.csv", {type: "text/csv"}));
  document.getElementById("file").files = files.files;
  document.getElementById("upload").submit();
  const paste = JSON.stringify({numbers: "+1 415 555 2671"});
  await attempt("simple_post", SIDECAR + "/parse-manual-numbers",
                {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: paste});
  await attempt("json_post", SIDECAR + "/parse-manual-numbers",
                {method: "POST", headers: {"Content-Type": "application/json"}, body: paste});
  await attempt("patch", SIDECAR + "/imports/%(import_id)s/rows/0",
                {method: "PATCH", headers: {"Content-Type": "application/json"},
                 body: JSON.stringify({value: "+1 212 555 0100"})});
  await attempt("token", SIDECAR + "/settings/access", {method: "GET"});
  results.done = true;
}
attack();
</script>
</body></html>
"""


class AttackerSite(http.server.BaseHTTPRequestHandler):
    """Serves the attacker's page (built per test) from another loopback port."""

    page = b""

    def do_GET(self):
        """The attack page."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(AttackerSite.page)))
        self.end_headers()
        self.wfile.write(AttackerSite.page)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """The real sidecar, holding one import the attacker will try to change."""
    server = Sidecar(tmp_path_factory.mktemp("csrf")).start()
    answer = server.post("/parse-manual-numbers", json={"numbers": "+1 415 555 2671\n+44 7911 123456"})
    assert answer.status_code == 200, answer.text
    server.import_id = answer.json()["import_id"]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def attacker():
    """A second loopback HTTP server: the other origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AttackerSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS)
        yield context
        context.close()


class WireLog:
    """What actually crossed the wire between a page and the sidecar, from Chromium's DevTools protocol.

    The page itself cannot see these answers (that is the point), and Playwright's own events skip answers the
    browser blocked; the raw 'extra info' events carry their status and headers all the same.
    """

    def __init__(self, context, page, target):
        self.target, self.requests, self.answers = target, {}, []
        self.session = context.new_cdp_session(page)
        self.session.on("Network.requestWillBeSent", self._sent)
        self.session.on("Network.responseReceivedExtraInfo", self._answered)
        self.session.send("Network.enable")

    def _sent(self, params):
        """Remember which request an id is."""
        self.requests[params["requestId"]] = (params["request"]["method"], params["request"]["url"])

    def _answered(self, params):
        """Keep the raw status and headers of the sidecar's answers."""
        self.answers.append((params["requestId"], params["statusCode"],
                             {k.lower(): v for k, v in params["headers"].items()}))

    def sidecar_answers(self):
        """(method, url, status, headers) of every answer the sidecar gave this page."""
        out = []
        for request_id, status, headers in self.answers:
            method, url = self.requests.get(request_id, ("?", ""))
            if url.startswith(self.target.url):
                out.append((method, url, status, headers))
        return out


def record_navigations(context, target):
    """Collect the sidecar's answers to page navigations (the form POST opens a new window)."""
    seen = []

    def record(response):
        """Keep what the test checks, now."""
        if response.url.startswith(target.url):
            seen.append((response.request.method, response.url, response.status, response.all_headers()))

    context.on("response", record)
    return seen, record


@pytest.mark.parametrize("attacker_host", ["127.0.0.1", "localhost"])
def test_another_origins_page_can_neither_upload_nor_change_anything(browser_context, target, attacker,
                                                                       attacker_host):
    """Form POST and fetches from http://<attacker_host>:<other port>: 403, no CORS header, nothing stored."""
    before_ids = import_ids(target)
    before_row = target.get("/imports/%s/rows?limit=1" % target.import_id).json()["rows"][0]
    AttackerSite.page = (ATTACKER_PAGE % {"sidecar": target.url, "import_id": target.import_id}).encode()
    navigations, recorder = record_navigations(browser_context, target)
    page = browser_context.new_page()
    wire = WireLog(browser_context, page, target)
    try:
        with browser_context.expect_page(timeout=ATTACK_TIMEOUT_MS) as opened:
            page.goto("http://%s:%d/" % (attacker_host, attacker))
        form_answer = opened.value
        form_answer.wait_for_load_state()
        form_text = form_answer.inner_text("body")
        page.wait_for_function("window.results && window.results.done === true", timeout=ATTACK_TIMEOUT_MS)
        results = page.evaluate("window.results")
        fetches = wire.sidecar_answers()
        form_answer.close()
    finally:
        page.close()
        browser_context.remove_listener("response", recorder)

    # Even the no-cors 'simple' POST is blocked for the page: Cross-Origin-Resource-Policy forbids it the answer.
    assert set(results) == {"simple_post", "json_post", "patch", "token", "done"}
    assert {results[k] for k in results if k != "done"} == {"blocked"}, results
    assert json.loads(form_text)["code"] == "forbidden_origin", form_text
    assert [(m, status) for m, url, status, _ in navigations if url == target.url + "/upload"] == [("POST", 403)]
    asked = sorted((m, url.rsplit("/", 1)[-1]) for m, url, _, _ in fetches)
    # The simple POST reaches the server; the others stop at their preflight (OPTIONS), which is refused too.
    assert asked == sorted([("POST", "parse-manual-numbers"), ("OPTIONS", "parse-manual-numbers"),
                            ("OPTIONS", "0"), ("GET", "access")]), fetches
    for _, url, status, headers in navigations + fetches:
        assert status == 403, (url, status)
        assert cors_headers(headers) == {}, (url, headers)
    assert import_ids(target) == before_ids
    assert target.get("/imports/%s/rows?limit=1" % target.import_id).json()["rows"][0] == before_row


def test_the_apps_own_page_is_served_in_the_same_browser(browser_context, target):
    """Control: a page of the sidecar's own origin posts the same paste and it is stored."""
    before = import_ids(target)
    page = browser_context.new_page()
    page.goto(target.url + "/health")
    status = page.evaluate("""async () => (await fetch('/parse-manual-numbers', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({numbers: '+1 415 555 2671'})})).status""")
    page.close()
    assert status == 200
    assert len(import_ids(target)) == len(before) + 1
