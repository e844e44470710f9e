"""Access rules against the real sidecar on loopback: Host (DNS rebinding), Origin (CSRF, CORS), the token."""
import base64
import json
import os
import subprocess
import sys

import pytest
import requests

from support.paths import BACKEND
from support.sidecar import Sidecar
from security_support import (assert_json_error, cors_headers, file_mode, import_ids, lan_address, lan_session,
                              raw_request)

DEV_ORIGIN = "http://127.0.0.1:5173"
FOREIGN_ORIGINS = ["http://evil.example", "http://127.0.0.1:1", "http://localhost:5173", "null",
                   "https://127.0.0.1"]
# Pages served on port 80 of this machine (another local app, a dev server): not the app, whatever the Host rule.
PORTLESS_LOOPBACK_ORIGINS = ["http://localhost", "http://127.0.0.1", "http://[::1]", "http://LOCALHOST/"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PASTE = json.dumps({"numbers": "+1 415 555 2671\n+44 7911 123456", "default_region": "US"}).encode()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A real sidecar with the Vite dev origin configured, remote access on, and one import already stored."""
    # Remote access on: the LAN tests below check the token rule, which only applies then.
    server = Sidecar(tmp_path_factory.mktemp("guarded"), env={"BULKMSG_DEV_ORIGINS": DEV_ORIGIN},
                     args=["--remote-access"]).start()
    answer = server.post("/parse-manual-numbers", data=PASTE, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    server.import_id = answer.json()["import_id"]
    yield server
    server.stop()


def own_host(server):
    """The Host header a browser sends for the sidecar."""
    return "127.0.0.1:%d" % server.port


def first_row(server):
    """Entry 0 of the stored import."""
    return server.get("/imports/%s/rows?limit=1" % server.import_id).json()["rows"][0]


def test_loopback_clients_without_origin_are_served(guarded):
    """curl and scripts on this machine need no token."""
    assert guarded.get("/health").status_code == 200
    assert guarded.get("/regions").status_code == 200
    assert guarded.get("/imports/%s" % guarded.import_id).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1:{p}", "localhost:{p}", "[::1]:{p}", "LOCALHOST:{p}", "localhost"])
def test_own_host_names_are_served(guarded, host):
    """The names the server answers for on loopback."""
    answer = raw_request(guarded.port, "GET", "/health", {"Host": host.format(p=guarded.port)})
    assert answer.status == 200, answer.body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{p}", "2130706433:{p}", "0x7f.1:{p}", "127.1:{p}",
                                  "127.0.0.1:1", "localhost.:{p}", "127.0.0.1.nip.io:{p}", "[::ffff:7f00:1]:{p}",
                                  "localhost:{p}@evil.example", ""])
def test_foreign_host_names_are_refused(guarded, host):
    """DNS rebinding: a Host the server does not answer for gets 403, even for a state-changing request."""
    before = import_ids(guarded)
    headers = {"Content-Type": "application/json"}
    if host:
        headers["Host"] = host.format(p=guarded.port)
    for method, path, body in (("GET", "/health", b""), ("POST", "/parse-manual-numbers", PASTE)):
        assert_json_error(raw_request(guarded.port, method, path, headers, body), 403, "forbidden_host")
    assert import_ids(guarded) == before


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_foreign_origins_are_refused_on_every_method(guarded, origin):
    """A page of another origin gets 403 on every method, with no CORS header, and changes nothing."""
    before, row = import_ids(guarded), first_row(guarded)
    patch = json.dumps({"value": "+1 212 555 0100"}).encode()
    for method in METHODS:
        for path, body in (("/parse-manual-numbers", PASTE), ("/imports/%s/rows/0" % guarded.import_id, patch)):
            headers = {"Host": own_host(guarded), "Origin": origin, "Content-Type": "application/json",
                       "Access-Control-Request-Method": method, "Access-Control-Request-Private-Network": "true"}
            answer = raw_request(guarded.port, method, path, headers, body)
            assert answer.status == 403, (method, path, answer.status, answer.body)
            if method != "HEAD":
                assert answer.json()["code"] == "forbidden_origin"
            assert cors_headers(answer.headers) == {}, answer.headers
    assert import_ids(guarded) == before
    assert first_row(guarded) == row


@pytest.mark.parametrize("origin", PORTLESS_LOOPBACK_ORIGINS)
def test_portless_loopback_origins_are_refused(guarded, origin):
    """Issue 12 #2: an origin is exact (scheme, host and the sidecar's port); port-80 local pages are refused."""
    before = import_ids(guarded)
    headers = {"Host": own_host(guarded), "Origin": origin, "Content-Type": "application/json"}
    answer = raw_request(guarded.port, "POST", "/parse-manual-numbers", headers, PASTE)
    assert_json_error(answer, 403, "forbidden_origin")
    assert cors_headers(answer.headers) == {}
    assert import_ids(guarded) == before


def test_the_sidecars_own_origin_with_its_port_is_served(guarded):
    """The exact origin under each loopback name, with the sidecar's own port, is the app itself."""
    for name in ("127.0.0.1", "localhost", "[::1]"):
        origin = "http://%s:%d" % (name, guarded.port)
        answer = raw_request(guarded.port, "GET", "/regions", {"Host": own_host(guarded), "Origin": origin})
        assert answer.status == 200, (origin, answer.body)


def test_same_origin_requests_from_loopback_are_served_without_cors_headers(guarded):
    """The UI served by the sidecar itself (same origin) needs no token and gets no CORS header."""
    headers = {"Host": own_host(guarded), "Origin": "http://" + own_host(guarded), "Content-Type": "application/json"}
    answer = raw_request(guarded.port, "POST", "/parse-manual-numbers", headers, PASTE)
    assert answer.status == 200, answer.body
    assert cors_headers(answer.headers) == {}


def test_dev_origin_gets_exact_cors_and_never_private_network(guarded):
    """The configured Vite origin is echoed exactly (never *), and private-network access is never granted."""
    preflight = raw_request(guarded.port, "OPTIONS", "/parse-manual-numbers", {
        "Host": own_host(guarded), "Origin": DEV_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type", "Access-Control-Request-Private-Network": "true"})
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == DEV_ORIGIN
    assert preflight.headers.get("access-control-allow-private-network", "false") != "true"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = raw_request(guarded.port, "POST", "/parse-manual-numbers",
                         {"Host": own_host(guarded), "Origin": DEV_ORIGIN, "Content-Type": "application/json"}, PASTE)
    assert answer.status == 200
    assert answer.headers["access-control-allow-origin"] == DEV_ORIGIN
    assert "origin" in answer.headers.get("vary", "").lower()
    assert "access-control-allow-credentials" not in answer.headers


def test_vite_proxy_host_is_served_for_the_dev_origin(guarded):
    """Vite's proxy keeps the browser's Host (127.0.0.1:5173); that host is ours when the dev origin is configured."""
    answer = raw_request(guarded.port, "GET", "/regions", {"Host": "127.0.0.1:5173"})
    assert answer.status == 200


@pytest.mark.parametrize("mode", ["no-cors", "cors", "same-origin"])
def test_requests_another_site_started_without_origin_are_refused(guarded, mode):
    """Fetch metadata: an <img>/<script> or fetch another site's page started gets 403 even without Origin."""
    headers = {"Host": own_host(guarded), "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": mode}
    assert_json_error(raw_request(guarded.port, "GET", "/imports/%s" % guarded.import_id, headers), 403,
                      "forbidden_origin")


def test_top_level_navigation_from_another_site_is_served(guarded):
    """A link from another site to the app still opens it (navigations cannot read or change anything)."""
    headers = {"Host": own_host(guarded), "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert raw_request(guarded.port, "GET", "/health", headers).status == 200


def test_lan_clients_need_the_token(guarded):
    """From a non-loopback address: no token or a wrong one is 401; the right one is served."""
    token = guarded.get("/settings/access").json()["token"]
    lan = lan_session()
    url = guarded.url + "/imports/%s" % guarded.import_id
    missing = lan.get(url, timeout=30)
    assert_json_error(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for wrong in ("Bearer " + token[:-1], "Bearer " + token + "x", "Basic " + token, token, "Bearer"):
        assert_json_error(lan.get(url, headers={"Authorization": wrong}, timeout=30), 401, "unauthorized")
    assert_json_error(lan.get(url + "?token=" + token, timeout=30), 401, "unauthorized")
    assert lan.get(url, headers={"Authorization": "Bearer " + token}, timeout=30).status_code == 200
    assert lan.get(url, headers={"Authorization": "bearer  " + token}, timeout=30).status_code == 200


def test_lan_same_origin_requests_still_need_the_token(guarded):
    """The UI opened from another machine sends the token too; its Origin alone is not enough."""
    headers = {"Host": own_host(guarded), "Origin": "http://" + own_host(guarded), "Content-Type": "application/json"}
    before = import_ids(guarded)
    answer = raw_request(guarded.port, "POST", "/parse-manual-numbers", headers, PASTE, source=lan_address())
    assert_json_error(answer, 401, "unauthorized")
    assert import_ids(guarded) == before


def test_lan_clients_can_load_the_ui_and_health_without_token(guarded):
    """Public endpoints: the liveness probe and the UI's files (the page asks the user for the token)."""
    lan = lan_session()
    assert lan.get(guarded.url + "/health", timeout=30).status_code == 200
    index = lan.get(guarded.url + "/", timeout=30)
    assert index.status_code in (200, 404)
    assert index.status_code == 200 or index.json()["code"] == "ui_not_built"


def test_settings_access_gives_the_token_only_to_this_machine(guarded):
    """GET /settings/access: the token for loopback callers; 403 for LAN callers, even with the token."""
    details = guarded.get("/settings/access").json()
    with open(os.path.join(guarded.data_dir, "access_token"), encoding="ascii") as f:
        assert details["token"] == f.read().strip()
    assert details["header"] == "Authorization" and details["scheme"] == "Bearer"
    assert details["serves_lan"] is False and details["lan_urls"] == []
    lan = lan_session().get(guarded.url + "/settings/access", headers={"Authorization": "Bearer " + details["token"]},
                            timeout=30)
    assert_json_error(lan, 403, "loopback_only")
    foreign = raw_request(guarded.port, "GET", "/settings/access",
                          {"Host": own_host(guarded), "Origin": "http://evil.example"})
    assert_json_error(foreign, 403, "forbidden_origin")
    assert b"token" not in foreign.body or details["token"].encode() not in foreign.body


def test_token_file_is_random_owner_only_and_shown_by_the_command(guarded):
    """≥128 random bits, 0600, and `app.py --show-token` prints the very same token."""
    path = os.path.join(guarded.data_dir, "access_token")
    with open(path, encoding="ascii") as f:
        token = f.read().strip()
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    assert file_mode(path) == 0o600
    shown = subprocess.run([sys.executable, os.path.join(BACKEND, "app.py"), "--show-token", "--data-dir",
                            guarded.data_dir], capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.strip() == token


def test_show_token_creates_a_distinct_token_per_data_directory(tmp_path):
    """First run creates the token (owner-only); another data directory gets another token; reruns keep it."""
    def show(data_dir):
        return subprocess.run([sys.executable, os.path.join(BACKEND, "app.py"), "--show-token", "--data-dir",
                               str(data_dir)], capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    first, second = show(tmp_path / "a"), show(tmp_path / "b")
    assert first != second and len(first) >= 22
    assert show(tmp_path / "a") == first
    assert file_mode(tmp_path / "a" / "access_token") == 0o600


def test_token_is_never_logged(guarded):
    """Neither a right nor a wrong token shows up in the sidecar's output or log files."""
    token = guarded.get("/settings/access").json()["token"]
    lan = lan_session()
    lan.get(guarded.url + "/regions", headers={"Authorization": "Bearer " + token}, timeout=30)
    lan.get(guarded.url + "/nope", headers={"Authorization": "Bearer " + token}, timeout=30)
    lan.get(guarded.url + "/regions", headers={"Authorization": "Bearer wrong-" + token}, timeout=30)
    logs = guarded.read_log()
    for root, _, files in os.walk(os.path.join(guarded.data_dir, "logs")):
        for name in files:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                logs += f.read()
    assert "serving on" in logs
    assert token not in logs


def test_unknown_paths_and_the_debugger_answer_json_404(guarded):
    """Debug is off: no Werkzeug console, and unknown paths are JSON errors, never HTML or tracebacks."""
    for path in ("/console", "/no/such/endpoint", "/imports/x/rows/-1"):
        answer = guarded.get(path)
        assert answer.status_code == 404
        assert answer.headers["Content-Type"].startswith("application/json")
        assert "Traceback" not in answer.text and "Werkzeug" not in answer.text
    debugger_asset = guarded.get("/?__debugger__=yes&cmd=resource&f=style.css")
    assert not debugger_asset.headers["Content-Type"].startswith("text/css")
    assert "Werkzeug" not in debugger_asset.text


def test_answers_carry_protective_headers(guarded):
    """nosniff, same-origin resource policy and no framing on every answer, errors included."""
    for answer in (guarded.get("/health"), guarded.get("/no/such/endpoint")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_machine_addresses_are_served_only_when_serving_the_lan(tmp_path):
    """Bound to 0.0.0.0 the LAN address is a valid Host; bound to loopback it is not (app built in-process)."""
    from sidecar import create_app

    lan = lan_address()
    results = {}
    for bind in ("0.0.0.0", "127.0.0.1"):
        app = create_app({"DATA_DIR": str(tmp_path / bind), "PORT": 5034, "BIND_HOST": bind, "TESTING": True})
        client = app.test_client()
        answer = client.get("/health", headers={"Host": "%s:5034" % lan},
                            environ_base={"REMOTE_ADDR": "127.0.0.1"})
        results[bind] = answer.status_code
    assert results == {"0.0.0.0": 200, "127.0.0.1": 403}


def test_requests_library_default_headers_are_served(guarded):
    """Other engineers' tests use plain `requests` from loopback: they keep working."""
    answer = requests.post(guarded.url + "/parse-manual-numbers", json={"numbers": "+14155552671"}, timeout=60)
    assert answer.status_code == 200


def test_ui_pages_serve_exactly_the_policy_of_csp_json(tmp_path):
    """Contract 4: the UI's Content-Security-Policy is sidecar/csp.json's directives joined by '; '."""
    from sidecar import create_app

    with open(os.path.join(BACKEND, "sidecar", "csp.json"), encoding="utf-8") as f:
        directives = json.load(f)["directives"]
    assert "default-src 'self'" in directives and "frame-ancestors 'none'" in directives
    ui = tmp_path / "ui"
    ui.mkdir()
    (ui / "index.html").write_text("<!doctype html><title>t</title>")
    (ui / "favicon.svg").write_text("<svg/>")
    client = create_app({"DATA_DIR": str(tmp_path / "data"), "UI_DIR": str(ui), "TESTING": True}).test_client()
    for path in ("/", "/favicon.svg"):
        answer = client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        answer.close()  # the file it streams
        assert answer.status_code == 200
        assert answer.headers["Content-Security-Policy"] == "; ".join(directives)


def multipart_body(boundary, count):
    """A multipart body of COUNT small text fields."""
    parts = b"".join(b"--%s\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n" % (boundary, i)
                     for i in range(count))
    return parts + b"--%s--\r\n" % boundary


@pytest.mark.parametrize("read_size", [1, 7, 65536])
def test_the_part_counter_sees_delimiters_split_across_reads(read_size):
    """32 parts pass and 33 are refused, however the body is cut into reads (no Werkzeug internals involved)."""
    import io

    from sidecar.security import PartCountingStream, TooManyParts

    def read_all(count):
        """Read a COUNT-part body through the counter in READ_SIZE pieces; the parts it counted."""
        stream = PartCountingStream(io.BytesIO(multipart_body(b"bnd", count)), b"bnd", 32)
        while stream.read(read_size):
            pass
        return stream.parts
    assert read_all(32) == 32
    with pytest.raises(TooManyParts):
        read_all(33)


def test_form_limits_answer_their_own_codes_in_process(tmp_path):
    """The part-count and field-size refusals keep their codes (too_many_parts, field_too_large)."""
    from sidecar import create_app

    client = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True}).test_client()
    ctype = "multipart/form-data; boundary=bnd"
    many = client.post("/upload", data=multipart_body(b"bnd", 33), content_type=ctype)
    assert (many.status_code, many.get_json()["code"]) == (413, "too_many_parts")
    big = b"--bnd\r\nContent-Disposition: form-data; name=\"default_region\"\r\n\r\n" + b"U" * 1_100_000 + \
        b"\r\n--bnd--\r\n"
    large = client.post("/upload", data=big, content_type=ctype)
    assert (large.status_code, large.get_json()["code"]) == (413, "field_too_large")
    fine = client.post("/upload", data=multipart_body(b"bnd", 32), content_type=ctype)
    assert fine.get_json()["code"] not in ("too_many_parts", "field_too_large")


def test_waitress_transport_errors_are_json(guarded):
    """Errors waitress answers itself (a malformed request) come in the API's JSON error shape."""
    import socket

    with socket.create_connection(("127.0.0.1", guarded.port), timeout=30) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope\r\n\r\n")
        reply = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head, reply[:300]
    assert json.loads(body)["code"] == "bad_request"
