"""The messaging area's OpenAPI parts (lists, do-not-contact, templates, channels, campaigns) against the live sidecar.

The schemathesis hooks of every run that fuzzes these paths live in support/fuzz_hooks.py (see `fuzz_env`).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests
import schemathesis
from support.fuzz_hooks import (CLOSED_PORT_ENV, MESSAGING_PATHS, bind_refusing_socket, defuse_config,
                                filter_failure, fuzz_env, held_sockets, nowhere_url, refusing_port)
from support.paths import REPO
from support.sidecar import Sidecar

# This area's share of CI time (the whole run must stay under 3 minutes on 2 busy cores).
# One worker: with two, hypothesis parses lambda sources from two threads at once, which trips CPython 3.11's
# "AST constructor recursion depth mismatch" SystemError inside schemathesis (a tool crash, not a finding).
SCHEMATHESIS_SECONDS = int(os.environ.get("BULKMSG_MESSAGING_SCHEMATHESIS_SECONDS", "120"))
SCHEMATHESIS_CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
                       "response_schema_conformance,response_headers_conformance")
# Campaign starts are rate-limited per client; the fuzzer is one client sending thousands of requests.
UNLIMITED = "campaign_send=1000000/1,lists=1000000/1,edits=1000000/1,export=1000000/1"
# A progress stream lasts while its campaign runs (up to 5 minutes); the fuzzer reads every answer to the end.
SSE_SECONDS = "2"
MESSAGING_PARTS = ("messaging_components.json", "messaging_lists.json", "messaging_templates.json",
                   "messaging_channels.json", "messaging_campaigns.json")


@pytest.fixture
def closed_port():
    """A loopback port bound but never listening: every connection to it is refused, and nobody else gets it."""
    holder = bind_refusing_socket()
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def messaging_sidecar(tmp_path, keychain, closed_port):
    """A real sidecar with short progress streams and no send rate limit (stopped before the port is freed)."""
    env = {"BULKMSG_RATE_LIMITS": UNLIMITED, "BULKMSG_SSE_MAX_SECONDS": SSE_SECONDS}
    server = Sidecar(tmp_path, env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory, keychain):
    """One real sidecar for the direct tests, with a list, a dry-run and a WhatsApp channel, and a draft campaign."""
    server = Sidecar(tmp_path_factory.mktemp("messaging-api"), env={"BULKMSG_SSE_MAX_SECONDS": SSE_SECONDS}).start()
    made = server.post("/lists", json={"name": "L", "contacts": [{"number": "+14155552671", "name": "Ann"}]})
    dry = server.post("/channels", json={"name": "dry", "type": "dry_run"})
    whatsapp = server.post("/channels", json={"name": "wa", "type": "whatsapp", "secrets": {"access_token": "t"},
                                              "config": {"phone_number_id": "1", "api_base": "http://127.0.0.1:9"}})
    assert (made.status_code, dry.status_code, whatsapp.status_code) == (201, 201, 201), whatsapp.text
    campaign = server.post("/campaigns", json={"name": "C", "list_id": made.json()["list"]["id"],
                                               "channel_id": dry.json()["id"], "body": "Hi {{name|there}}"})
    assert campaign.status_code == 201, campaign.text
    server.ids = {"list": made.json()["list"]["id"], "dry": dry.json()["id"], "whatsapp": whatsapp.json()["id"],
                  "campaign": campaign.json()["id"]}
    yield server
    server.stop()


def campaign_body(api, channel="dry", **extra):
    """A POST /campaigns body on the fixture's list and CHANNEL, with EXTRA fields."""
    return dict({"name": "C", "list_id": api.ids["list"], "channel_id": api.ids[channel], "body": "Hi"}, **extra)


# Inputs that crashed the sidecar (500) or were accepted against the contract before the fixes they name.
REFUSED = {
    "timezone_not_text": ("/campaigns", lambda api: campaign_body(api, pacing={"timezone": 5}), "bad_pacing"),
    "timezone_is_a_folder": ("/campaigns", lambda api: campaign_body(api, pacing={"timezone": "America"}),
                             "bad_pacing"),
    "timezone_too_long": ("/campaigns", lambda api: campaign_body(api, pacing={"timezone": "a" * 300}), "bad_pacing"),
    "start_at_year_1": ("/campaigns", lambda api: campaign_body(api, pacing={"start_at": "0001-01-01T00:00:00"}),
                        "bad_pacing"),
    "overrides_not_object": ("/campaigns", lambda api: campaign_body(
        api, "whatsapp", options={"channel_overrides": [["template_name"]]}), "bad_param"),
    "overrides_false": ("/campaigns", lambda api: campaign_body(api, options={"channel_overrides": False}),
                        "bad_param"),
    "override_not_text": ("/campaigns", lambda api: campaign_body(
        api, "whatsapp", options={"channel_overrides": {"template_name": 5}}), "bad_param"),
    "channel_type_not_text": ("/channels", lambda api: {"name": "x", "type": ["smtp"]}, "bad_channel_type"),
    "ca_file_not_text": ("/channels", lambda api: {"name": "x", "type": "smtp", "config": {
        "host": "127.0.0.1", "port": 9, "from_address": "a@example.org", "ca_file": [1]}}, "bad_param"),
    "setting_not_text": ("/channels", lambda api: {"name": "x", "type": "whatsapp", "secrets": {"access_token": "t"},
                                                   "config": {"phone_number_id": {"id": 1}}}, "bad_param"),
    "number_not_text": ("/lists", lambda api: {"name": "x", "contacts": [{"number": 4155552671}]}, "bad_field"),
    "retry_statuses_nested": ("/campaigns/{campaign}/retry", lambda api: {"statuses": [["failed"]]}, "bad_param"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_input_found_by_fuzzing_is_a_400_with_its_code(api, case):
    """Each input is refused with 400 and the stable code the description lists, nothing saved."""
    path, body, code = REFUSED[case]
    before = api.get("/campaigns").json()["campaigns"], api.get("/channels").json()["channels"]
    answer = api.post(path.format(campaign=api.ids["campaign"]), json=body(api))
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == code
    assert (api.get("/campaigns").json()["campaigns"], api.get("/channels").json()["channels"]) == before


def test_without_a_keychain_a_secret_is_stored_and_the_hook_still_counts_real_server_errors(tmp_path):
    """No keychain is no 503 any more (issue 15: the encrypted file takes the secret); the hook keeps every
    other failure, and would still forgive only a 503 keychain_unavailable from an older build."""
    from schemathesis.core.failures import ServerError
    from schemathesis.core.transport import Response

    server = Sidecar(tmp_path, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                                    "BULKMSG_CONFIG_DIR": str(tmp_path / "config")}).start()
    try:
        saved = server.post("/channels", json={"name": "wa", "type": "whatsapp", "secrets": {"access_token": "t"},
                                               "config": {"phone_number_id": "1"}})
        store = server.get("/settings/secrets").json()["store"]
        missing = server.get("/channels/999999")
    finally:
        server.stop()
    assert saved.status_code == 201 and saved.json()["has_secret"] is True and store == "file"
    other = ServerError(operation="GET /channels/{channel_id}", status_code=404)
    assert filter_failure(None, other, None, Response.from_any(missing)) is True


def test_xlsx_report_of_a_missing_campaign_is_a_404_without_leftover_files(api):
    """The 404 comes before the workbook writer opens its temp file."""
    answer = api.get("/campaigns/999999/report", params={"format": "xlsx"})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    found = api.get("/campaigns/%d/report" % api.ids["campaign"], params={"format": "xlsx"})
    assert found.status_code == 200 and found.content[:2] == b"PK"
    assert api.leftover_temp_files() == []


def test_compose_preview_has_the_same_keys_with_or_without_a_list(api):
    """Without a list, `fields` is an empty list (as described), not missing."""
    alone = api.post("/compose/preview", json={"body": "Hi {{name}} from {{City}}"}).json()
    with_list = api.post("/compose/preview", json={"body": "Hi {{name}}", "list_id": api.ids["list"]}).json()
    assert set(alone) == set(with_list) == {"placeholders", "fields", "preview", "warnings", "sms"}
    assert alone["fields"] == [] and alone["preview"] is None and alone["placeholders"] == ["name", "City"]


def test_every_messaging_route_is_described_with_its_methods(app):
    """Each route of the lists, templates, channels and campaigns blueprints is in the document."""
    from sidecar.openapi import openapi_document

    paths = openapi_document()["paths"]
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in
              ("lists", "templates", "channels", "campaigns")]
    assert len(routes) >= 20
    for rule in routes:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        assert methods <= set(paths.get(path, {})), (rule.rule, methods)


def test_messaging_parts_are_valid_openapi_and_merged():
    """The parts load, merge into a valid OpenAPI 3.1 document, and each operation answers 401/403/503."""
    from sidecar.openapi import openapi_document, part_files

    assert set(MESSAGING_PARTS) <= set(part_files())
    document = openapi_document()
    loaded = list(schemathesis.openapi.from_dict(document).get_all_operations())
    assert loaded and all(type(result).__name__ == "Ok" for result in loaded)
    for name in MESSAGING_PARTS[1:]:
        with open(os.path.join(REPO, "python-backend", "sidecar", "openapi", name), encoding="utf-8") as f:
            for path, item in json.load(f)["paths"].items():
                for method, operation in item.items():
                    assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)


def test_progress_stream_is_an_event_stream_that_ends(api):
    """GET /campaigns/{id}/events is text/event-stream and ends with an `end` event (as described)."""
    started = time.monotonic()
    stream = api.get("/campaigns/%d/events" % api.ids["campaign"], timeout=30)
    assert stream.status_code == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert "event: progress" in stream.text and "event: end" in stream.text
    assert time.monotonic() - started < 15
    missing = api.get("/campaigns/999999/events")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_fuzzed_channels_cannot_reach_anything(closed_port, monkeypatch):
    """The hook rewrites hosts and API bases to the refusing port, and that port really refuses."""
    monkeypatch.setenv(CLOSED_PORT_ENV, str(closed_port))
    smtp = defuse_config({"host": "mail.example.org", "port": 25, "from_address": "a@b.co"})
    assert (smtp["host"], smtp["port"]) == ("127.0.0.1", closed_port)
    assert defuse_config({"phone_number_id": "1"})["api_base"] == "http://127.0.0.1:%d" % closed_port
    assert defuse_config({"account_sid": "AC1", "api_base": "https://api.twilio.com"})["api_base"] == nowhere_url()
    assert "api_base" not in defuse_config({"address": "number"})
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port), timeout=5)
    monkeypatch.delenv(CLOSED_PORT_ENV)
    own = refusing_port()  # what a run without the test's port (test_openapi.py's) uses
    assert own != closed_port and defuse_config({"host": "x", "port": 25})["port"] == own
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", own), timeout=5)
    held_sockets.pop().close()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_in_the_messaging_api(messaging_sidecar, closed_port, tmp_path):
    """Property-based and stateful requests over every messaging operation: no 5xx, every answer as described."""
    report = tmp_path / "junit.xml"
    env = fuzz_env(closed_port)
    cmd = [os.path.join(os.path.dirname(sys.executable), "st"), "run", messaging_sidecar.url + "/openapi.json",
           "--include-path-regex", MESSAGING_PATHS,
           "--checks", SCHEMATHESIS_CHECKS, "--max-time", str(SCHEMATHESIS_SECONDS), "--workers", "1",
           "--max-examples", "30", "--request-timeout", "30", "--generation-database", "none",
           "--no-color", "--report", "junit", "--report-junit-path", str(report), "--seed", "7035"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=SCHEMATHESIS_SECONDS + 240,
                         cwd=str(tmp_path), env=env)
    output = run.stdout + run.stderr
    (tmp_path / "schemathesis.txt").write_text(output, encoding="utf-8")
    assert run.returncode == 0, output[-12000:]
    assert re.search(r"\b\d+ passed\b|No issues found", output), output[-4000:]
    assert "unexpected error" not in messaging_sidecar.read_log()
    assert messaging_sidecar.leftover_temp_files() == []
    assert_every_channel_points_nowhere(messaging_sidecar, closed_port)


def assert_every_channel_points_nowhere(server, port):
    """Every channel the fuzzer saved sends to the refusing port (or to a dry-run file)."""
    channels = requests.get(server.url + "/channels", timeout=30).json()["channels"]
    for channel in channels:
        config = channel["config"]
        if channel["type"] == "smtp":
            assert (config["host"], config["port"]) == ("127.0.0.1", port), channel
        elif channel["type"] in ("whatsapp", "twilio"):
            assert config["api_base"] == "http://127.0.0.1:%d" % port, channel
