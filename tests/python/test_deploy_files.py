"""The team server's deploy files (deploy/, docs/server.md): what they run is a real entry point of app.py with
options it accepts, the units pass `systemd-analyze verify`, the compose file hands the key over as a secret, and
the reverse-proxy settings docs/server.md gives let a proxied browser request in (a real sidecar process)."""
import configparser
import os
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml
from sidecar.settings import USER_COOKIE_NAME

from support.paths import APP, REPO
from support.sidecar import PASSWORD, Sidecar
from support.team import add_user, team_sidecar

DEPLOY = os.path.join(REPO, "deploy")
UNITS = os.path.join(DEPLOY, "systemd")
API_UNIT = os.path.join(UNITS, "bulkmsg-api.service")
WORKER_UNIT = os.path.join(UNITS, "bulkmsg-worker@.service")
INSTALLED_PYTHON = "/opt/bulkmsg/.venv/bin/python"
INSTALLED_APP = "/opt/bulkmsg/python-backend/app.py"
WORKER_CONTRACT_OPTIONS = {"--database", "--data-dir", "--concurrency", "--config-dir", "--team-mode"}
PUBLIC_ORIGIN = "https://bulkmsg.example.org"


def unit(path):
    """The unit file at PATH as a ConfigParser (case kept; systemd allows repeated keys, none are repeated here)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser


def api_options_accepted(options):
    """Whether the API's own parser (sidecar/settings.py) accepts OPTIONS."""
    from sidecar.settings import argument_parser

    try:
        argument_parser().parse_args(options)
    except SystemExit:
        return False
    return True


def options_of(args):
    """The --options named in ARGS (values dropped)."""
    return {a for a in args if a.startswith("--")}


def test_the_units_run_app_py_with_options_it_accepts():
    api = shlex.split(unit(API_UNIT)["Service"]["ExecStart"])
    worker = shlex.split(unit(WORKER_UNIT)["Service"]["ExecStart"])
    assert api[:2] == [INSTALLED_PYTHON, INSTALLED_APP] and worker[:3] == [INSTALLED_PYTHON, INSTALLED_APP, "worker"]
    assert api_options_accepted(api[2:]) and api[api.index("--host") + 1] == "127.0.0.1"
    assert options_of(worker[3:]) <= WORKER_CONTRACT_OPTIONS and "%i" in worker[worker.index("--data-dir") + 1]
    for path in (API_UNIT, WORKER_UNIT):
        service = unit(path)["Service"]
        assert service["Environment"] == "BULKMSG_SECRET_KEY_FILE=%d/secret-key"
        assert service["LoadCredential"].startswith("secret-key:") and service["User"] == "bulkmsg"
        assert "4" in service["RestartPreventExitStatus"].split()  # no restart loop without a key
    from sidecar.secret_key_cli import NO_SECRET_KEY_EXIT
    assert NO_SECRET_KEY_EXIT == 4
    shown = subprocess.run([sys.executable, APP, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and all(o in shown.stdout for o in options_of(api[2:]))


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    """The real verifier, on copies whose interpreter is this one (it checks that ExecStart is executable)."""
    for path in (API_UNIT, WORKER_UNIT):
        with open(path, encoding="utf-8") as f:
            text = f.read().replace(INSTALLED_PYTHON, sys.executable)
        (tmp_path / os.path.basename(path)).write_text(text, encoding="utf-8")
    done = subprocess.run([shutil.which("systemd-analyze") or "systemd-analyze", "verify", "--man=no",
                           str(tmp_path / "bulkmsg-api.service"), str(tmp_path / "bulkmsg-worker@1.service")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def compose():
    """deploy/compose.yaml, parsed (YAML merge keys resolved)."""
    with open(os.path.join(DEPLOY, "compose.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_the_compose_file_runs_postgres_the_api_and_workers_with_the_key_as_a_secret():
    spec = compose()
    services = spec["services"]
    workers = sorted(name for name in services if name.startswith("worker-"))
    assert "postgres" in services and "api" in services and len(workers) >= 2
    api = services["api"]["command"]
    assert api[:2] == ["python", "python-backend/app.py"] and api_options_accepted(api[2:])
    assert services["api"]["ports"] == ["127.0.0.1:5034:5034"]
    for name in ["api"] + workers:
        service = services[name]
        assert service["environment"]["BULKMSG_SECRET_KEY_FILE"] == "/run/secrets/bulkmsg_secret_key"
        assert service["secrets"] == ["bulkmsg_secret_key"]
        assert service["environment"]["BULKMSG_DATABASE_URL"].startswith("postgresql://bulkmsg:${POSTGRES_PASSWORD")
    for name in workers:
        command = services[name]["command"]
        assert command[:3] == ["python", "python-backend/app.py", "worker"]
        assert options_of(command[3:]) <= WORKER_CONTRACT_OPTIONS
    volumes = [services[name]["volumes"][0].split(":")[0] for name in ["api"] + workers]
    assert len(set(volumes)) == len(volumes)  # each worker keeps its own pinned WhatsApp Web sessions
    assert spec["secrets"]["bulkmsg_secret_key"] == {"file": "./secrets/secret.key"}
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_the_containerfile_copies_files_that_exist():
    with open(os.path.join(DEPLOY, "Containerfile"), encoding="utf-8") as f:
        copies = [line.split()[1] for line in f if line.startswith("COPY ")]
    assert copies and [c for c in copies if not os.path.exists(os.path.join(REPO, c))] == []


@pytest.mark.parametrize("origins,status", [(PUBLIC_ORIGIN, 201), ("", 403)])
def test_a_request_through_the_reverse_proxy_passes_with_the_documented_settings(tmp_path, origins, status):
    """docs/server.md: API on loopback, remote access on, BULKMSG_PUBLIC_ORIGIN = the public https origin."""
    server = Sidecar(tmp_path, env={"BULKMSG_REMOTE_ACCESS": "1", "BULKMSG_PUBLIC_ORIGIN": origins})
    token = subprocess.run([sys.executable, APP, "--data-dir", server.data_dir, "--show-token"], capture_output=True,
                           text=True, timeout=60, env=server.env).stdout.strip()
    server.start()
    try:
        proxied = {"Host": "bulkmsg.example.org", "Origin": PUBLIC_ORIGIN, "X-Forwarded-For": "203.0.113.7",
                   "X-Forwarded-Proto": "https", "Authorization": "Bearer " + token}
        answer = server.post("/channels", json={"name": "dry", "type": "dry_run", "config": {}}, headers=proxied)
    finally:
        server.stop()
    assert answer.status_code == status, answer.text  # without the origin: refused by the Host rule


def test_a_login_through_the_https_proxy_gets_a_secure_cookie_and_cors_stays_closed(tmp_path):
    """The proxy ends TLS, so the API sees plain HTTP: the public https origin is what makes the cookie Secure.
    A public origin is same-origin, not a cross-origin caller: no CORS headers are sent for it."""
    server = team_sidecar(tmp_path, env={"BULKMSG_PUBLIC_ORIGIN": PUBLIC_ORIGIN, "BULKMSG_REMOTE_ACCESS": "1"}).start()
    try:
        add_user(server, "ada", "admin")
        proxied = {"Host": "bulkmsg.example.org", "Origin": PUBLIC_ORIGIN, "X-Forwarded-Proto": "https"}
        through_proxy = server.post("/session/login", json={"name": "ada", "password": PASSWORD}, headers=proxied)
        direct = server.post("/session/login", json={"name": "ada", "password": PASSWORD})
        other = server.post("/session/login", json={"name": "ada", "password": PASSWORD},
                            headers=dict(proxied, Host="evil.example.net", Origin="https://evil.example.net"))
    finally:
        server.stop()
    assert through_proxy.status_code == 200, through_proxy.text
    cookie = through_proxy.headers["Set-Cookie"]
    assert cookie.startswith(USER_COOKIE_NAME + "=") and "; Secure" in cookie and "HttpOnly" in cookie, cookie
    assert "Access-Control-Allow-Origin" not in through_proxy.headers
    assert direct.status_code == 200 and "; Secure" not in direct.headers["Set-Cookie"]
    assert other.status_code == 403, other.text
