"""One configuration (issue 10): defaults -> <data dir>/settings.json -> environment -> command line, built once."""
import json
import os
import re
import subprocess
import sys

import pytest
import requests

from sidecar import create_app, settings
from support.paths import BACKEND
from support.sidecar import Sidecar, free_port

PASTE = {"numbers": "020 7946 0958", "default_region": ""}


def write_settings_file(data_dir, values):
    """Save VALUES as DATA_DIR/settings.json."""
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, "settings.json"), "w", encoding="utf-8") as f:
        json.dump(values, f)


def test_each_layer_overrides_the_one_before_on_a_real_process(tmp_path):
    """settings.json beats defaults, the environment beats the file, the command line beats both."""
    server = Sidecar(tmp_path, env={"BULKMSG_MAX_UPLOAD_MB": "2", "BULKMSG_PORT": str(free_port())},
                     args=["--remote-access"])
    server.env["BULKMSG_DEFAULT_REGION"] = "GB"  # the harness sets US; this test needs its own
    # The file asks for: region DE (env says GB), 1 MB uploads (env says 2), a port (env and CLI say others),
    # remote access off (CLI turns it on) and a dev origin (nothing else sets one, so the file's stands).
    write_settings_file(server.data_dir, {"default_region": "DE", "max_upload_mb": 1, "port": 1,
                                          "remote_access": False, "dev_origins": ["http://127.0.0.1:5999"]})
    server.start()
    try:
        assert "serving on http://127.0.0.1:%d" % server.port in server.read_log()  # CLI port over env and file
        parsed = server.post("/parse-manual-numbers", json=PASTE).json()
        assert parsed["region"] == "GB" and parsed["count"] == 1  # env over file
        body = b"Phone\n" + b"+1 415 555 2671\n" * 90_000  # ~1.5 MB: over the file's 1 MB, under the env's 2 MB
        assert server.post("/upload", files={"file": ("c.csv", body)}).status_code == 200
        assert server.get("/settings/access").json()["remote_access"] is True  # CLI over file
        preflight = requests.options(server.url + "/regions", timeout=30, headers={
            "Origin": "http://127.0.0.1:5999", "Access-Control-Request-Method": "GET"})
        assert preflight.headers.get("Access-Control-Allow-Origin") == "http://127.0.0.1:5999"  # file over default
    finally:
        server.stop()


def test_the_defaults_hold_without_file_environment_or_options(tmp_path):
    """Nothing given: port 5034 on 0.0.0.0, region US, 50 MB, remote access off."""
    built = settings.build({"data_dir": str(tmp_path)}, environ={})
    assert (built.port, built.host, built.default_region, built.max_upload_mb, built.remote_access) == \
        (5034, "0.0.0.0", "US", 50, False)
    assert built.data_dir == str(tmp_path)


def test_build_reads_layers_in_order_with_their_sources(tmp_path):
    """The same order in-process, and each value remembers where it came from."""
    write_settings_file(str(tmp_path), {"default_region": "de", "remote_access": True, "rate_limits": "upload=1/60"})
    environ = {"BULKMSG_DEFAULT_REGION": "fr", "BULKMSG_REMOTE_ACCESS": "0", "BULKMSG_DATA_DIR": str(tmp_path)}
    built = settings.build({"remote_access": True}, environ=environ)
    assert (built.default_region, built.remote_access, built.rate_limits) == ("FR", True, "upload=1/60")
    assert dict(built.sources) == {"default_region": "environment", "remote_access": "command line",
                                   "rate_limits": "settings.json"}


def test_data_dir_comes_from_the_command_line_then_the_environment(tmp_path):
    """--data-dir beats BULKMSG_DATA_DIR; the file read is the chosen directory's."""
    write_settings_file(str(tmp_path / "cli"), {"default_region": "IN"})
    write_settings_file(str(tmp_path / "env"), {"default_region": "BR"})
    environ = {"BULKMSG_DATA_DIR": str(tmp_path / "env")}
    assert settings.build({"data_dir": str(tmp_path / "cli")}, environ).default_region == "IN"
    assert settings.build({}, environ).default_region == "BR"


@pytest.mark.parametrize("source, values", [
    ("environment", {"env": {"BULKMSG_PORT": "70000"}}),
    ("environment", {"env": {"BULKMSG_REMOTE_ACCESS": "maybe"}}),
    ("settings.json", {"file": {"max_upload_mb": -1}}),
    ("command line", {"cli": {"port": "http"}}),
])
def test_a_bad_value_names_where_it_came_from(tmp_path, source, values):
    """A value that cannot be used is refused with its origin, never silently replaced."""
    write_settings_file(str(tmp_path), values.get("file", {}))
    with pytest.raises(settings.SettingsError, match=source):
        settings.build(dict(values.get("cli", {}), data_dir=str(tmp_path)), environ=values.get("env", {}))


def test_a_broken_settings_file_changes_nothing(tmp_path):
    """A settings.json that is not a JSON object is ignored (the app still starts with defaults)."""
    with open(tmp_path / "settings.json", "w", encoding="utf-8") as f:
        f.write("{not json")
    assert settings.build({"data_dir": str(tmp_path)}, environ={}).default_region == "US"


def test_a_bad_option_on_a_real_process_is_a_usage_error(tmp_path):
    """The process refuses a bad setting at start with exit code 2 and says which one."""
    done = subprocess.run([sys.executable, os.path.join(BACKEND, "app.py"), "--data-dir", str(tmp_path), "--port",
                           "99999"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "command line: bad value for port" in done.stderr


def test_create_app_takes_settings_and_keeps_the_config_keys(tmp_path):
    """create_app(Settings) fills app.config with the keys the rest of the app reads, REMOTE_ACCESS included."""
    built = settings.for_tests(str(tmp_path), remote_access=True, default_region="NL", max_upload_mb=3)
    app = create_app(built)
    assert app.config["REMOTE_ACCESS"] is True and app.config["DEFAULT_REGION"] == "NL"
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024 and app.config["PORT"] == 5034
    assert app.config["DATA_DIR"] == str(tmp_path) and app.config["BIND_HOST"] == "0.0.0.0"
    assert app.extensions["settings"] is built


def test_public_constants_are_json_and_match_the_defaults():
    """What the TypeScript generator reads: JSON-able, and the same values the Python defaults use."""
    constants = json.loads(json.dumps(settings.public_constants()))
    defaults = settings.Settings(data_dir="x")
    assert constants["default_port"] == defaults.port == 5034
    assert constants["default_host"] == defaults.host
    assert constants["default_region"] == defaults.default_region
    assert constants["max_upload_bytes"] == defaults.max_upload_bytes
    assert constants["session_cookie_name"] == "bulkmsg_session"


ENVIRON_USE = re.compile(r"\bos\.environ\b|\bos\.getenv\b|\bputenv\b|\bgetenv\(")


def test_only_the_settings_module_reads_the_environment():
    """No other module of the sidecar, engine or tools reads or writes os.environ on its own."""
    offenders = []
    for root, dirs, files in os.walk(BACKEND):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", "build", "dist")]
        for name in files:
            path = os.path.join(root, name)
            if not name.endswith(".py") or path == os.path.join(BACKEND, "sidecar", "settings.py"):
                continue
            with open(path, encoding="utf-8") as f:
                offenders += ["%s:%d" % (os.path.relpath(path, BACKEND), n)
                              for n, line in enumerate(f, 1) if ENVIRON_USE.search(line)]
    assert offenders == []


def test_the_team_mode_options_reach_their_settings():
    """--team-mode forces the team mode on the embedded file; --database names the shared PostgreSQL database."""
    forced = settings.from_command_line(["--team-mode", "--data-dir", "/tmp/bulkmsg-opts"], {})
    assert forced.force_team_mode and forced.team_mode and forced.database_url is None
    shared = settings.from_command_line(["--database", "postgresql://u@db.example/bulk", "--data-dir", "/tmp/x"], {})
    assert shared.team_mode and shared.database_url == "postgresql://u@db.example/bulk"
    desktop = settings.from_command_line(["--data-dir", "/tmp/bulkmsg-opts"], {})
    assert not desktop.team_mode
