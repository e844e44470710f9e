"""The OpenAPI description: merged from each area's part, describing the routes, and schemathesis against the live server."""
import json
import os
import re
import subprocess
import sys

import pytest

from support.fuzz_hooks import MESSAGING_PATHS, fuzz_env
from support.sidecar import Sidecar

# A few minutes at most in CI: schemathesis stops generating when the budget is spent.
# One worker: with two, hypothesis parses lambda sources from two threads at once, which trips CPython 3.11's
# "AST constructor recursion depth mismatch" SystemError inside schemathesis (a tool crash, not a finding).
SCHEMATHESIS_SECONDS = int(os.environ.get("BULKMSG_SCHEMATHESIS_SECONDS", "90"))
SCHEMATHESIS_CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
                       "response_schema_conformance,response_headers_conformance")
# Schemathesis sends thousands of requests from one client; the limits themselves are tested elsewhere.
UNLIMITED = "upload=1000000/1,parse=1000000/1,remap=1000000/1,export=1000000/1,edits=1000000/1"
# The built UI's files are not part of the API.
UI_BLUEPRINT = "ui"
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
CONTACT_PATHS = r"^/(health|upload|parse-manual-numbers|validate-number|regions|imports|settings/access|access/session|openapi\.json|session|users|audit)"
# The messaging area (lists, campaigns, ...) has its own, differently prepared run in test_openapi_messaging.py.
FUZZED_ELSEWHERE = (MESSAGING_PATHS,)


def openapi_path(rule):
    """A Flask rule written as an OpenAPI path ('/imports/<int:entry_id>' -> '/imports/{entry_id}')."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_parts_merge_into_one_document_served_at_openapi_json(client):
    """GET /openapi.json is the base merged with every part file, each path once."""
    from sidecar import openapi

    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.")
    parts = openapi.part_files()
    assert {"contacts.json", "imports.json", "access.json"} <= set(parts)
    expected = set()
    for name in parts:
        with open(os.path.join(openapi.HERE, name), encoding="utf-8") as f:
            part_paths = set(json.load(f).get("paths", {}))
        assert not part_paths & expected, name
        expected |= part_paths
    assert set(document["paths"]) == expected


def test_multipart_operations_describe_the_form_limit_codes(client):
    """A multipart body can break the part-count, field-size and body-size limits on any route that reads a
    form, so every multipart operation's 413 lists their codes (or is the shared TooLarge, which names them)."""
    document = client.get("/openapi.json").get_json()
    form_codes = {"too_large", "too_many_parts", "field_too_large"}
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "multipart/form-data" not in operation.get("requestBody", {}).get("content", {}):
                continue
            too_large = operation["responses"]["413"]
            checked += 1
            if too_large.get("$ref") == "#/components/responses/TooLarge":
                continue
            enums = [part["properties"]["code"]["enum"]
                     for part in too_large["content"]["application/json"]["schema"].get("allOf", [])
                     if "enum" in part.get("properties", {}).get("code", {})]
            assert all(form_codes <= set(enum) for enum in enums), (method, path)
    assert checked >= 2  # /upload and /attachments at least


def test_a_path_defined_twice_is_an_error():
    """Two areas describing the same path must not silently overwrite each other."""
    from sidecar.openapi import merge_part

    document = {"paths": {"/health": {}}, "components": {}, "tags": []}
    with pytest.raises(ValueError, match="/health"):
        merge_part(document, {"paths": {"/health": {}}}, "other.json")


def test_every_route_of_a_described_area_is_described(app):
    """No endpoint of an area that has a part is left out, method included."""
    from sidecar.openapi import openapi_document

    paths = openapi_document()["paths"]
    described_areas = {"health", "contacts", "imports", "access", "openapi"}
    routes = list(app.url_map.iter_rules())
    for rule in routes:
        area = rule.endpoint.split(".")[0]
        if area != UI_BLUEPRINT and openapi_path(rule.rule) in paths:
            described_areas.add(area)
    missing = [(rule.rule, sorted(rule.methods & HTTP_METHODS)) for rule in routes
               if rule.endpoint.split(".")[0] in described_areas
               and not (rule.methods & HTTP_METHODS) <= {m.upper() for m in paths.get(openapi_path(rule.rule), {})}]
    assert missing == []


def test_every_rate_limited_route_documents_its_429(app):
    """A client reading the description learns which calls can be refused for going too fast."""
    from sidecar.openapi import openapi_document
    from sidecar.ratelimit import group_of

    paths = openapi_document()["paths"]
    undocumented = []
    for rule in app.url_map.iter_rules():
        if group_of(app.view_functions[rule.endpoint]) is None:
            continue
        for method in rule.methods & HTTP_METHODS:
            operation = paths.get(openapi_path(rule.rule), {}).get(method.lower())
            if operation is not None and "429" not in operation["responses"]:
                undocumented.append((method, rule.rule))
    assert sorted(undocumented) == []


@pytest.fixture
def schema_sidecar(tmp_path):
    """A real sidecar with rate limits out of the way."""
    # Campaign progress streams (SSE) last while a campaign runs; short ones let the fuzzer read every answer.
    server = Sidecar(tmp_path, env={"BULKMSG_RATE_LIMITS": UNLIMITED, "BULKMSG_SSE_MAX_SECONDS": "2"}).start()
    yield server
    server.stop()


def run_schemathesis(server, folder, selection):
    """Run schemathesis' CLI against SERVER over the operations SELECTION picks; (exit code, output)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "st"), "run", server.url + "/openapi.json",
           "--checks", SCHEMATHESIS_CHECKS, "--max-time", str(SCHEMATHESIS_SECONDS), "--workers", "1",
           "--max-examples", "40", "--request-timeout", "60", "--generation-database", "none",
           "--no-color", "--report", "junit", "--report-junit-path", str(folder / "junit.xml"), "--seed", "7034",
           *selection]
    # fuzz_env loads the hooks that point fuzzed messaging channels at a refusing loopback port (nothing is sent).
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=SCHEMATHESIS_SECONDS + 240, cwd=str(folder),
                         env=fuzz_env())
    return run.returncode, run.stdout + run.stderr


def test_every_described_path_is_fuzzed_by_some_run(client):
    """Each path of /openapi.json falls in this file's run or in an area's own run: none goes unfuzzed."""
    paths = client.get("/openapi.json").get_json()["paths"]
    unfuzzed = [p for p in paths if not any(re.match(rx, p) for rx in (CONTACT_PATHS,) + FUZZED_ELSEWHERE)]
    assert unfuzzed == []


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(schema_sidecar, tmp_path):
    """Property-based requests over the contact, import and access operations: no 5xx, every answer as described."""
    code, output = run_schemathesis(schema_sidecar, tmp_path, ["--include-path-regex", CONTACT_PATHS])
    assert code == 0, output[-12000:]
    assert re.search(r"\b\d+ passed\b", output), output[-4000:]
    assert "unexpected error" not in schema_sidecar.read_log()
    assert schema_sidecar.leftover_temp_files() == []
