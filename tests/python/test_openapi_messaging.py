"""The messaging area's OpenAPI parts (lists, do-not-contact, templates, channels, campaigns) against the live sidecar.

Also the schemathesis hooks module of every run that fuzzes these paths (see `fuzz_env`): every channel the
fuzzer saves is pointed at a loopback port nobody listens on, so campaign starts it provokes send nothing anywhere.
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

from conftest import REPO, Sidecar

# This area's share of CI time (the whole run must stay under 3 minutes on 2 busy cores).
SCHEMATHESIS_SECONDS = int(os.environ.get("BULKMSG_MESSAGING_SCHEMATHESIS_SECONDS", "120"))
SCHEMATHESIS_CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
                       "response_schema_conformance,response_headers_conformance")
MESSAGING_PATHS = r"^/(lists|do-not-contact|templates|compose|channels|campaigns)(/|$)"
# Campaign starts are rate-limited per client; the fuzzer is one client sending thousands of requests.
UNLIMITED = "campaign_send=1000000/1"
# A progress stream lasts while its campaign runs (up to 5 minutes); the fuzzer reads every answer to the end.
SSE_SECONDS = "2"
CLOSED_PORT_ENV = "BULKMSG_FUZZ_CLOSED_PORT"
HOOKS_MODULE = "test_openapi_messaging"
# The refusing socket this process holds when no test handed it a port (kept open for the process's life).
held_sockets = []
MESSAGING_PARTS = ("messaging_components.json", "messaging_lists.json", "messaging_templates.json",
                   "messaging_channels.json", "messaging_campaigns.json")


def bind_refusing_socket():
    """A loopback socket bound but never listening: connections to its port are refused, nobody else gets it."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder


def refusing_port():
    """The port fuzzed channels are sent to: the test's (CLOSED_PORT_ENV) or one this process holds."""
    if os.environ.get(CLOSED_PORT_ENV):
        return int(os.environ[CLOSED_PORT_ENV])
    if not held_sockets:
        held_sockets.append(bind_refusing_socket())
    return held_sockets[0].getsockname()[1]


def nowhere_url():
    """An http URL on loopback where connections are refused."""
    return "http://127.0.0.1:%d" % refusing_port()


def fuzz_env(closed_port=None):
    """The environment of an `st run` that fuzzes the messaging paths: these hooks loaded, the port to use."""
    env = dict(os.environ, SCHEMATHESIS_HOOKS=HOOKS_MODULE,
               PYTHONPATH=os.pathsep.join([os.path.join(REPO, "tests", "python"), os.path.join(REPO, "python-backend")]))
    if closed_port is not None:
        env[CLOSED_PORT_ENV] = str(closed_port)
    return env


def defuse_config(config):
    """CONFIG with every destination replaced by the refusing loopback port.

    SMTP configs need `host`; WhatsApp and Twilio ones need `phone_number_id` / `account_sid`, and get an
    `api_base` so they never fall back to the real provider.
    """
    if "host" in config:
        config["host"] = "127.0.0.1"
    if "port" in config:
        config["port"] = refusing_port()
    if {"api_base", "phone_number_id", "account_sid"} & set(config):
        config["api_base"] = nowhere_url()
    return config


@schemathesis.hook
def map_body(context, body):
    """Channels saved by the fuzzer talk to nobody: hosts and API bases go to a port that refuses."""
    operation = getattr(context, "operation", None)
    if operation is None or not isinstance(body, dict):
        return body
    if operation.path.startswith("/channels") and isinstance(body.get("config"), dict):
        defuse_config(body["config"])
    return body


@pytest.fixture
def closed_port():
    """A loopback port bound but never listening: every connection to it is refused, and nobody else gets it."""
    holder = bind_refusing_socket()
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def keychain():
    """The system keychain, or a private Secret Service when the run has none (channels keep secrets there)."""
    from fakes.keychain import ensure_keychain

    private = ensure_keychain()
    yield
    if private is not None:
        private.stop()


@pytest.fixture
def messaging_sidecar(tmp_path, keychain, closed_port):
    """A real sidecar with short progress streams and no send rate limit (stopped before the port is freed)."""
    env = {"BULKMSG_RATE_LIMITS": UNLIMITED, "BULKMSG_SSE_MAX_SECONDS": SSE_SECONDS}
    server = Sidecar(tmp_path, env=env).start()
    yield server
    server.stop()


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


def test_progress_stream_is_an_event_stream_that_ends(messaging_sidecar):
    """GET /campaigns/{id}/events is text/event-stream and ends with an `end` event (as described)."""
    api = messaging_sidecar
    made = api.post("/lists", json={"name": "L", "contacts": [{"number": "+14155552671"}]})
    channel = api.post("/channels", json={"name": "dry", "type": "dry_run"})
    campaign = api.post("/campaigns", json={"name": "C", "list_id": made.json()["list"]["id"],
                                            "channel_id": channel.json()["id"], "body": "Hi {{name|there}}"})
    assert campaign.status_code == 201, campaign.text
    started = time.monotonic()
    stream = api.get("/campaigns/%d/events" % campaign.json()["id"], timeout=30)
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
    assert defuse_config({"phone_number_id": "1"})["api_base"] == nowhere_url()
    assert defuse_config({"account_sid": "AC1", "api_base": "https://api.twilio.com"})["api_base"] == nowhere_url()
    assert "api_base" not in defuse_config({"address": "number"})
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port), timeout=5)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_in_the_messaging_api(messaging_sidecar, closed_port, tmp_path):
    """Property-based and stateful requests over every messaging operation: no 5xx, every answer as described."""
    report = tmp_path / "junit.xml"
    env = fuzz_env(closed_port)
    cmd = [os.path.join(os.path.dirname(sys.executable), "st"), "run", messaging_sidecar.url + "/openapi.json",
           "--include-path-regex", MESSAGING_PATHS,
           "--checks", SCHEMATHESIS_CHECKS, "--max-time", str(SCHEMATHESIS_SECONDS), "--workers", "2",
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
