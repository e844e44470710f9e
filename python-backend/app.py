"""Entry point of the sidecar: `python python-backend/app.py [--host H] [--port P] [--data-dir DIR] [--remote-access]`;
`app.py users add|list|disable ...` manages team-mode accounts (sidecar/users_cli.py),
`app.py secret-key new|id|rotate` the team mode's key of the channel secrets (sidecar/secret_key_cli.py), and
`app.py worker [--database URL] [--concurrency N]` runs the team mode's campaign workers (sidecar/worker.py).

Options come from one Settings (sidecar/settings.py): defaults, <data dir>/settings.json, BULKMSG_* environment
variables, then these command-line options.
"""
import logging
import logging.handlers
import os
import signal
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Threads for ordinary requests. Waitress' default of 4 would let four 1M-row uploads hold ~4 GB at once; 6 keeps
# small requests (health, paging) responsive while a big upload runs. Event streams get threads of their own on
# top of these (Settings.stream_slots), so open streams can never take the threads requests need.
REQUEST_THREADS = 6
# Open connections waitress keeps (its default, 100, let 110 slow clients lock everyone out). Connections cost a
# file descriptor and a few KB, not a thread; poll() instead of select() lifts select's 1024-descriptor ceiling.
CONNECTION_LIMIT = 1000
# A connection with no request in progress (idle keep-alive, or headers that never finish) is closed after this
# many seconds; the check runs every CLEANUP_SECONDS. A running request (an event stream) is never cut by it.
IDLE_TIMEOUT_SECONDS = 20
CLEANUP_SECONDS = 5
# File descriptors beyond the connections: the database and its WAL, logs, uploads, the runner's sockets.
FILE_HEADROOM = 256
# Copies of every region's example number in the start-up warm-up import: enough rows per calling code
# for the fast path (it sends groups under 32 rows to the slow path), small enough to take well under 1 s.
WARM_UP_REPEATS = 40
# How often the sidecar checks that the desktop app that started it is still there.
PARENT_CHECK_SECONDS = 1.0
# Waitress spools response data beyond 1 MB to a temporary file by default; a million-row import
# streams ~125 MB of JSON, so keep what is in flight (at most its 16 MB high-water mark plus one
# piece) in memory instead of writing it to disk and reading it back.
OUTPUT_BUFFER_IN_MEMORY = 48 * 1024 * 1024
# Waitress reads a request 8 KB at a time by default: a 32 MB upload took ~4,000 turns of its Python loop, ~0.06 s
# of the 1M-row CSV upload (BENCHMARKS.md, round 8). What is read still goes to its body buffer as before (on disk
# past 512 KB), so a bigger read holds no more memory than one read's worth per connection.
RECEIVE_BYTES = 256 * 1024
# Contacts and messages are private: files the sidecar creates are owner-only (0600), directories 0700.
OWNER_ONLY_UMASK = 0o077
OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIR = 0o700
# Exit code of a sidecar started on a data directory another live sidecar owns (the desktop app shows why).
DATA_DIR_IN_USE_EXIT = 3


def setup_logging(data_dir):
    """Log to stderr and to a rotating file in the data directory."""
    os.makedirs(os.path.join(data_dir, "logs"), mode=OWNER_ONLY_DIR, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        os.path.join(data_dir, "logs", "sidecar.log"), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    stream_handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(fmt)
        root.addHandler(handler)


def too_open(mode):
    """Whether permission bits MODE let group or others in."""
    return bool(stat.S_IMODE(mode) & 0o077)


def tighten_data_dir(data_dir):
    """Make every directory 0700 and file 0600 under DATA_DIR (left by an older version or copied in); warn."""
    if os.name != "posix":
        return []  # Windows: the user's profile folder already keeps other users out (see docs/security.md)
    fixed = []
    for root, dirs, files in os.walk(data_dir):
        for path, wanted in [(root, OWNER_ONLY_DIR)] + [(os.path.join(root, n), OWNER_ONLY_FILE) for n in files]:
            try:
                info = os.lstat(path)
                if not stat.S_ISLNK(info.st_mode) and too_open(info.st_mode):
                    os.chmod(path, wanted)
                    fixed.append(path)
            except OSError:
                continue  # vanished or not ours: nothing to tighten
    for path in fixed:
        logging.getLogger("sidecar").warning("data file readable by other users, now owner-only: %s", path)
    return fixed


def prepare_data_dir(data_dir):
    """Owner-only from here on: the umask for every file the process creates, and the data directory itself."""
    if os.name == "posix":
        os.umask(OWNER_ONLY_UMASK)
    os.makedirs(data_dir, mode=OWNER_ONLY_DIR, exist_ok=True)


def own_data_dir(data_dir):
    """Take the data directory's lock; None, after one line on stderr, when another sidecar has it."""
    from messaging import instance_lock

    try:
        return instance_lock.acquire(data_dir)
    except instance_lock.DataDirInUse as err:
        print("bulkmsg: data directory in use: %s" % err, file=sys.stderr, flush=True)
        return None


def show_token(data_dir):
    """Print the data directory's access token (creating it on first run)."""
    from sidecar.access_token import load_or_create_token

    print(load_or_create_token(data_dir), flush=True)
    return 0


def allow_enough_open_files(wanted=CONNECTION_LIMIT + FILE_HEADROOM):
    """Raise the soft open-file limit so the connection limit can be reached (macOS starts apps at 256)."""
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit of this kind
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # not allowed here: waitress still serves, up to the lower limit
            logging.getLogger("sidecar").warning("could not raise the open-file limit from %d", soft)


def build_server(app, settings):
    """Waitress with JSON transport errors, threads for requests plus one per event stream, and timeouts."""
    from sidecar.server_errors import create_json_error_server

    return create_json_error_server(
        app, upload_limit=app.config["MAX_CONTENT_LENGTH"], host=settings.host, port=settings.port, threads=REQUEST_THREADS + settings.stream_slots,
        connection_limit=CONNECTION_LIMIT, channel_timeout=IDLE_TIMEOUT_SECONDS, cleanup_interval=CLEANUP_SECONDS,
        asyncore_use_poll=True, max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1_000_000,
        outbuf_overflow=OUTPUT_BUFFER_IN_MEMORY, recv_bytes=RECEIVE_BYTES,
        # Waitress would drop forwarding headers it was not told to trust; the app needs to see them, only to
        # treat a tunnel's requests as remote (sidecar/access.py), never to trust what they claim.
        clear_untrusted_proxy_headers=False)


def bound_port(server):
    """The port SERVER listens on (the first one when a host name resolved to several addresses)."""
    return getattr(server, "effective_port", None) or server.effective_listen[0][1]


def main(argv=None):
    """Build the app and serve it with waitress (never Flask's dev server or debugger)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["secret-key"]:
        from sidecar import secret_key_cli

        return secret_key_cli.main(argv[1:])
    if argv[:1] == ["users"]:
        from sidecar import users_cli

        return users_cli.main(argv[1:])
    if argv[:1] == ["worker"]:
        from sidecar import worker

        return worker.main(argv[1:])
    from core.memory import limit_malloc_arenas
    from sidecar import settings as settings_module

    limit_malloc_arenas()  # before the server's threads first allocate

    settings = settings_module.from_command_line(argv)
    prepare_data_dir(settings.data_dir)
    if settings.show_token:
        return show_token(settings.data_dir)
    owner = own_data_dir(settings.data_dir)  # before logging, recovery and binding: a second instance stops here
    if owner is None:
        return DATA_DIR_IN_USE_EXIT
    setup_logging(settings.data_dir)
    tighten_data_dir(settings.data_dir)
    from sidecar.secret_key_cli import refuse_without_key

    refused = refuse_without_key(settings)  # a clear line and exit code, not create_app's traceback
    if refused:
        return refused
    from sidecar import create_app

    app = create_app(settings)
    allow_enough_open_files()
    server = build_server(app, settings)
    port = bound_port(server)
    app.config["PORT"] = port  # --port 0: the Host and Origin rules need the port actually bound
    log = logging.getLogger("sidecar")
    log.info("settings from %s; remote access %s", dict(settings.sources) or "defaults",
             "on" if settings.remote_access else "off")
    log.info("serving on http://%s:%s", settings.host, port)
    print("serving on http://%s:%s" % (settings.host, port), flush=True)
    stop_cleanly_on_sigterm()
    threading.Thread(target=warm_up, args=(app.config["DEFAULT_REGION"],), name="warm-up", daemon=True).start()
    if settings.parent_pid:
        watch_parent(settings.parent_pid)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def warm_up(region):
    """Run one small import in the background so the user's first one does not pay first-use costs
    (number rules compiled per calling code, lazy imports, the memory pools' first allocations)."""
    import phonenumbers

    from contacts.extract import extract_text
    from contacts.report import result_json

    examples = [phonenumbers.format_number(phonenumbers.example_number(r), phonenumbers.PhoneNumberFormat.E164)
                for r in sorted(phonenumbers.SUPPORTED_REGIONS) if phonenumbers.example_number(r)]
    try:
        result_json(extract_text("\n".join(examples * WARM_UP_REPEATS), region))
    except Exception:  # a failed warm-up only means the first import is slower
        logging.getLogger("sidecar").warning("warm-up failed", exc_info=True)


def watch_parent(pid, interval=PARENT_CHECK_SECONDS):
    """Stop (as on SIGTERM) once process PID has gone, so a killed desktop app leaves no sidecar behind."""
    started_by_it = os.getppid() == pid

    def alive():
        if started_by_it:
            return os.getppid() == pid  # re-parented: it died (even if not yet reaped)
        try:
            os.kill(pid, 0)  # signal 0 only checks; POSIX only (on Windows os.kill would terminate it)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def watch():
        while alive():
            time.sleep(interval)
        logging.getLogger("sidecar").info("parent process %d is gone: stopping", pid)
        os.kill(os.getpid(), signal.SIGTERM)

    if os.name == "posix":
        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def stop_cleanly_on_sigterm():
    """Treat SIGTERM (the desktop app quitting) like Ctrl+C, so shutdown hooks record in-flight sends."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


if __name__ == "__main__":
    sys.exit(main())
