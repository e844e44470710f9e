"""The one configuration of the sidecar, built once, in this order:
defaults -> <data dir>/settings.json -> environment (BULKMSG_*) -> command line.

This is the only module that reads the process environment. Every other module gets a `Settings` (or the Flask
`app.config` made from it). A new setting is one `Field` line in FIELDS below (plus its documentation).
"""
import argparse
import dataclasses
import json
import os
import sys
import threading

APP_DIR_NAME = "BulkMessaging"
SETTINGS_FILE_NAME = "settings.json"
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 5034
DEFAULT_REGION = "US"
# 50 MB covers a 1M-row CSV (~40 MB) while refusing accidental multi-GB drops.
DEFAULT_MAX_UPLOAD_MB = 50
MAX_FORM_PARTS = 32
MAX_FORM_FIELD_BYTES = 1024 * 1024
# Longest life of one campaign progress stream (SSE); tests and fuzzers shorten it.
DEFAULT_SSE_MAX_SECONDS = 300.0
DEFAULT_SYNC_SECONDS = 60.0
# Event streams open at once; each holds a server thread of its own, beside the request threads (see app.py).
DEFAULT_STREAM_SLOTS = 64
SESSION_COOKIE_NAME = "bulkmsg_session"
# Team mode: the cookie carrying a user's session token (sidecar/auth.py); the desktop cookie above is never read there.
USER_COOKIE_NAME = "bulkmsg_user"
MEGABYTE = 1024 * 1024


class SettingsError(ValueError):
    """A setting has a value that cannot be used (the message names where it came from)."""


def text_list(value):
    """A comma-separated text (environment, command line) or a JSON list (settings.json) -> tuple of texts."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return tuple(str(item).strip() for item in items if str(item).strip())


def flag(value):
    """'1', 'true', 'yes', 'on' (any case) or a JSON boolean -> bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("%r is not a yes/no value" % value)


def port_number(value):
    """A TCP port 0-65535 (0 picks a free one)."""
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError("port must be between 0 and 65535")
    return port


def positive_number(value):
    """A number above zero."""
    number = float(value)
    if not number > 0:
        raise ValueError("%r must be above zero" % value)
    return number


def non_negative_number(value):
    """A number of zero or more (and not NaN)."""
    number = float(value)
    if not number >= 0:
        raise ValueError("%r must be zero or more" % value)
    return number


def positive_int(value):
    """A whole number above zero."""
    number = int(value)
    if number < 1:
        raise ValueError("%r must be at least 1" % value)
    return number


def database_url(value):
    """A PostgreSQL URL (postgresql://user:password@host:port/name), or '' for the embedded SQLite file."""
    text = str(value).strip()
    if not text:
        return None
    if not text.startswith(("postgresql://", "postgres://")):
        raise SettingsError("must be a postgresql:// URL")
    return text


def region_code(value):
    """An ISO alpha-2 region, upper-cased (the engine checks that it exists)."""
    return str(value).strip().upper()


@dataclasses.dataclass(frozen=True)
class Field:
    """One setting: its attribute, how to read it, and where it may come from."""

    name: str
    convert: object
    env: str = None
    cli: str = None
    in_file: bool = True


# attribute, converter, environment variable, command-line option, may settings.json set it.
FIELDS = (
    Field("host", str, "BULKMSG_HOST", "--host"),
    Field("port", port_number, "BULKMSG_PORT", "--port"),
    Field("default_region", region_code, "BULKMSG_DEFAULT_REGION"),
    Field("max_upload_mb", positive_number, "BULKMSG_MAX_UPLOAD_MB"),
    Field("remote_access", flag, "BULKMSG_REMOTE_ACCESS", "--remote-access"),
    Field("dev_origins", text_list, "BULKMSG_DEV_ORIGINS"),
    Field("allowed_hosts", text_list, "BULKMSG_ALLOWED_HOSTS"),
    # The https origin(s) users open through a TLS reverse proxy (team server): their Host and Origin are ours.
    Field("public_origins", text_list, "BULKMSG_PUBLIC_ORIGIN", "--public-origin"),
    Field("rate_limits", str, "BULKMSG_RATE_LIMITS"),
    Field("sse_max_seconds", positive_number, "BULKMSG_SSE_MAX_SECONDS"),
    Field("stream_slots", positive_int, "BULKMSG_STREAM_SLOTS"),
    Field("ui_dir", str, "BULKMSG_UI_DIR", in_file=False),
    # Where the key of the encrypted secrets file lives (messaging/secret_file.py): not in the data directory,
    # so settings.json (inside it) may not move it there.
    Field("config_dir", str, "BULKMSG_CONFIG_DIR", "--config-dir", in_file=False),
    Field("parent_pid", int, None, "--parent-pid", in_file=False),
    # The WhatsApp Web engine (python-backend/wa-engine): the Node executable that runs it and its folder;
    # by default the copy shipped inside a frozen build, else `node` on PATH and the source folder.
    Field("wa_node", str, "BULKMSG_WA_NODE"),
    Field("wa_engine_dir", str, "BULKMSG_WA_ENGINE_DIR", in_file=False),
    # Test only: the fake WhatsApp the engine talks to instead of WhatsApp (tests/python/fakes/wa_web.py).
    Field("wa_fake_server", str, "BULKMSG_WA_FAKE_SERVER", in_file=False),
    Field("show_token", flag, None, "--show-token", in_file=False),
    # How often Twilio's message list and bounce mailboxes are polled for statuses and replies (0: never).
    Field("sync_seconds", non_negative_number, "BULKMSG_SYNC_SECONDS"),
    # Team server mode (issue 19): the PostgreSQL database shared by every API and worker process (None: the
    # embedded SQLite file in the data directory), campaigns run by `app.py worker` processes. Given a database URL
    # it is on; BULKMSG_TEAM_MODE / --team-mode force it on the embedded SQLite file (tests, one box). Not from
    # settings.json: the URL may carry a password.
    Field("database_url", database_url, "BULKMSG_DATABASE_URL", "--database", in_file=False),
    Field("force_team_mode", flag, "BULKMSG_TEAM_MODE", "--team-mode", in_file=False),
    # Team mode served by one process: the API runs the campaigns itself (the desktop runner, on the shared
    # database) instead of leaving them to `app.py worker` processes. Start no worker beside it.
    Field("api_sends", flag, "BULKMSG_API_SENDS", "--api-sends", in_file=False),
    # The team mode's key of the channel secrets in the database (messaging/secret_keys.py): a file holding it
    # (owner-only) or the key itself. Never from settings.json: the key must not sit beside the data it opens.
    Field("secret_key_file", str, "BULKMSG_SECRET_KEY_FILE", "--secret-key-file", in_file=False),
    Field("secret_key", str, "BULKMSG_SECRET_KEY", in_file=False),
)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the sidecar is configured with (immutable once built)."""

    data_dir: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    default_region: str = DEFAULT_REGION
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    remote_access: bool = False
    dev_origins: tuple = ()
    allowed_hosts: tuple = ()
    public_origins: tuple = ()
    rate_limits: str = ""
    sse_max_seconds: float = DEFAULT_SSE_MAX_SECONDS
    stream_slots: int = DEFAULT_STREAM_SLOTS
    ui_dir: str = None
    config_dir: str = None  # None: the platform's user configuration folder (user_config_dir)
    parent_pid: int = None
    show_token: bool = False
    wa_node: str = None
    wa_engine_dir: str = None
    wa_fake_server: str = None
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    database_url: str = None
    force_team_mode: bool = False
    api_sends: bool = False
    secret_key_file: str = None
    secret_key: str = dataclasses.field(default=None, repr=False)  # never in a log line or traceback
    # Where each value came from ("default", "file", "env", "cli"), for the start-up log line.
    sources: tuple = ()

    @property
    def max_upload_bytes(self):
        """The upload (request body) limit in bytes."""
        return int(self.max_upload_mb * MEGABYTE)

    @property
    def team_mode(self):
        """True when campaigns are run by worker processes on a shared database (not by this API process)."""
        return bool(self.database_url) or self.force_team_mode

    def app_config(self):
        """The Flask config keys the rest of the app reads (names kept from before Settings existed)."""
        return {
            "DATA_DIR": self.data_dir,
            "DEFAULT_REGION": self.default_region,
            "MAX_CONTENT_LENGTH": self.max_upload_bytes,
            "PORT": self.port,
            "BIND_HOST": self.host,
            "REMOTE_ACCESS": self.remote_access,
            "DEV_ORIGINS": list(self.dev_origins),
            "EXTRA_HOSTS": list(self.allowed_hosts),
            "PUBLIC_ORIGINS": list(self.public_origins),
            "RATE_LIMITS": self.rate_limits,
            "MAX_FORM_PARTS": MAX_FORM_PARTS,
            "MAX_FORM_MEMORY_SIZE": MAX_FORM_FIELD_BYTES,
            "SSE_MAX_SECONDS": self.sse_max_seconds,
            "STREAM_SLOTS": self.stream_slots,
            "UI_DIR": self.ui_dir,
            "CONFIG_DIR": self.config_dir or user_config_dir(),
            "WA_NODE": self.wa_node,
            "WA_ENGINE_DIR": self.wa_engine_dir,
            "WA_FAKE_SERVER": self.wa_fake_server,
            "SYNC_SECONDS": self.sync_seconds,
            "TEAM_MODE": self.team_mode,
            "DATABASE_URL": self.database_url,
            "API_SENDS": self.api_sends,
        }


def child_environment():
    """The environment child processes (the WhatsApp Web engines) start from: this process's own."""
    return dict(os.environ)


def public_constants():
    """The constants the UI also needs, JSON-able (the TypeScript generator reads this)."""
    return {
        "default_port": DEFAULT_PORT,
        "default_host": DEFAULT_HOST,
        "default_region": DEFAULT_REGION,
        "max_upload_bytes": int(DEFAULT_MAX_UPLOAD_MB * MEGABYTE),
        "max_form_parts": MAX_FORM_PARTS,
        "max_form_field_bytes": MAX_FORM_FIELD_BYTES,
        "sse_max_seconds": DEFAULT_SSE_MAX_SECONDS,
        "session_cookie_name": SESSION_COOKIE_NAME,
        "remote_access_default": False,
        "placeholder_builtins": list(placeholder_builtins()),
    }


def placeholder_builtins():
    """The placeholder names every contact has (defined once in messaging/render.py)."""
    from messaging.render import BUILTINS

    return BUILTINS


def user_data_dir(environ=None):
    """The per-user application data directory of this platform."""
    environ = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = environ.get("APPDATA") or os.path.expanduser("~\\AppData\\Roaming")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        base = environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, APP_DIR_NAME)


def user_config_dir(environ=None):
    """The per-user configuration directory of this platform (holds the secrets file's key)."""
    environ = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Preferences")
    else:
        base = environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return os.path.join(base, APP_DIR_NAME)


def read_settings_file(data_dir):
    """Settings saved by the user in the data directory, or {} (a missing or broken file changes nothing)."""
    try:
        with open(os.path.join(data_dir, SETTINGS_FILE_NAME), encoding="utf-8") as f:
            value = json.load(f)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


# Two requests saving at once must not interleave their read-modify-write (nor share the temp file).
SAVE_LOCK = threading.Lock()


def save_setting(data_dir, name, value):
    """Write NAME=VALUE into <data dir>/settings.json, keeping the rest; atomic, owner-only. A file that exists but
    is not a JSON object (hand-edited, say) is not overwritten: SettingsError, so the user's text is not lost."""
    path = os.path.join(data_dir, SETTINGS_FILE_NAME)
    with SAVE_LOCK:
        try:
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
        except FileNotFoundError:
            saved = {}
        except (OSError, ValueError) as err:
            raise SettingsError("%s in the data folder cannot be read (%s); fix or remove it first."
                                % (SETTINGS_FILE_NAME, err.__class__.__name__)) from None
        if not isinstance(saved, dict):
            raise SettingsError("%s in the data folder is not a JSON object; fix or remove it first."
                                % SETTINGS_FILE_NAME)
        saved[name] = value
        temp = "%s.%d.tmp" % (path, os.getpid())
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(saved, f, indent=2, sort_keys=True)
        os.replace(temp, path)


def source_of(settings, name):
    """Where SETTING NAME's value came from: 'default', 'settings.json', 'environment' or 'command line'."""
    return dict(settings.sources).get(name, "default")


def argument_parser():
    """The command-line options (every default None, so only what was given overrides)."""
    ap = argparse.ArgumentParser(description="Bulk Messaging sidecar (contacts and messaging API).")
    ap.add_argument("--host", help="address to serve on (default %s)" % DEFAULT_HOST)
    ap.add_argument("-p", "--port", help="TCP port (default %d); -p 0 picks a free port and prints it" % DEFAULT_PORT)
    ap.add_argument("--data-dir", help="where saved lists, settings and logs live (default: the user data directory)")
    ap.add_argument("--config-dir", help="where the key of the secrets file lives when there is no OS keychain "
                    "(default: the user configuration directory)")
    ap.add_argument("--parent-pid", help="stop when this process (the desktop app) is gone (POSIX)")
    ap.add_argument("--remote-access", action="store_const", const=True,
                    help="let other machines in (with the access token); off by default")
    ap.add_argument("--public-origin", dest="public_origins", metavar="URL",
                    help="the https origin users open through a TLS reverse proxy (comma-separated for several); "
                    "also BULKMSG_PUBLIC_ORIGIN")
    ap.add_argument("--show-token", action="store_const", const=True,
                    help="print the access token other machines must send (Authorization: Bearer ...) and exit")
    ap.add_argument("--database", dest="database_url", metavar="URL",
                    help="team mode: the PostgreSQL database (postgresql://user:password@host:port/name) instead "
                    "of the embedded SQLite file; also BULKMSG_DATABASE_URL")
    ap.add_argument("--api-sends", action="store_const", const=True,
                    help="team mode in one process: the API runs the campaigns itself; start no `app.py worker`")
    ap.add_argument("--team-mode", dest="force_team_mode", action="store_const", const=True,
                    help="team server mode on the embedded database: `app.py worker` processes run the campaigns")
    ap.add_argument("--secret-key-file", help="team mode: the file holding the key of the channel secrets "
                    "(base64 of 32 bytes, owner-only); or set BULKMSG_SECRET_KEY")
    return ap


def layer(values, source, fields, sources):
    """Convert the given VALUES of FIELDS ({name: raw}); remember SOURCE for each; bad values name their origin."""
    out = {}
    for field in fields:
        if field.name in values and values[field.name] is not None:
            try:
                out[field.name] = field.convert(values[field.name])
            except (TypeError, ValueError) as err:
                raise SettingsError("%s: bad value for %s (%s)" % (source, field.name, err)) from None
            sources[field.name] = source
    return out


NEW_PASSWORD_ENV = "BULKMSG_NEW_PASSWORD"


def new_password(environ=None):
    """`app.py users add`'s password given in BULKMSG_NEW_PASSWORD (scripts), or None: read from standard input."""
    return (os.environ if environ is None else environ).get(NEW_PASSWORD_ENV) or None


def data_dir_of(cli_values, environ):
    """The data directory: command line, else environment, else the platform's user data directory."""
    chosen = cli_values.get("data_dir") or environ.get("BULKMSG_DATA_DIR") or user_data_dir(environ)
    return os.path.abspath(chosen)


def build(cli_values=None, environ=None):
    """Settings from defaults, <data dir>/settings.json, ENVIRON and CLI_VALUES ({attribute: raw}), in that order."""
    cli_values = dict(cli_values or {})
    environ = os.environ if environ is None else environ
    data_dir = data_dir_of(cli_values, environ)
    sources = {}
    values = {}
    saved = read_settings_file(data_dir)
    values.update(layer(saved, "settings.json", [f for f in FIELDS if f.in_file], sources))
    from_env = {f.name: environ.get(f.env) for f in FIELDS if f.env and environ.get(f.env, "") != ""}
    values.update(layer(from_env, "environment", FIELDS, sources))
    values.update(layer(cli_values, "command line", [f for f in FIELDS if f.cli], sources))
    values.setdefault("config_dir", user_config_dir(environ))
    return Settings(data_dir=data_dir, sources=tuple(sorted(sources.items())), **values)


def from_command_line(argv=None, environ=None):
    """Settings for a process started with ARGV (default sys.argv[1:]); exits with usage on bad options."""
    parser = argument_parser()
    args = parser.parse_args(argv)
    try:
        return build(vars(args), environ)
    except SettingsError as err:
        parser.error(str(err))


def for_tests(data_dir, **values):
    """Settings from defaults and VALUES only (no file, no environment): in-process tests stay hermetic
    (the secrets key goes to a `config` folder beside the data directory, not the user's own)."""
    values.setdefault("config_dir", os.path.join(os.path.dirname(os.path.abspath(data_dir)), "config"))
    values.setdefault("sync_seconds", 0)  # no poller thread per in-process app; tests poll on demand
    return Settings(data_dir=os.path.abspath(data_dir), **values)
