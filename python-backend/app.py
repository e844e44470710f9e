"""Entry point of the sidecar: `python python-backend/app.py [--host H] [--port P] [--data-dir DIR]`."""
import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 5034
# Waitress' default of 4 threads would let four 1M-row uploads hold ~4 GB at once; 6 keeps
# small requests (health, paging) responsive while a big upload runs.
SERVER_THREADS = 6
# Copies of every region's example number in the start-up warm-up import: enough rows per calling code
# for the fast path (it sends groups under 32 rows to the slow path), small enough to take well under 1 s.
WARM_UP_REPEATS = 40
# How often the sidecar checks that the desktop app that started it is still there.
PARENT_CHECK_SECONDS = 1.0
# Waitress spools response data beyond 1 MB to a temporary file by default; a million-row import
# streams ~125 MB of JSON, so keep what is in flight (at most its 16 MB high-water mark plus one
# piece) in memory instead of writing it to disk and reading it back.
OUTPUT_BUFFER_IN_MEMORY = 48 * 1024 * 1024


def port_number(text):
    """argparse type: a TCP port 0-65535 (0 picks a free one)."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("port must be between 0 and 65535")
    return value


def parse_args(argv=None):
    """Command-line options, with BULKMSG_* environment overrides as defaults."""
    ap = argparse.ArgumentParser(description="Bulk Messaging sidecar (contacts API).")
    ap.add_argument("--host", default=os.environ.get("BULKMSG_HOST", DEFAULT_HOST))
    ap.add_argument("--port", type=port_number, default=int(os.environ.get("BULKMSG_PORT", DEFAULT_PORT)),
                    help="TCP port; -p 0 picks a free port and prints it")
    ap.add_argument("--parent-pid", type=int, default=None,
                    help="stop when this process (the desktop app) is gone (POSIX)")
    ap.add_argument("--data-dir", default=os.environ.get("BULKMSG_DATA_DIR"),
                    help="where saved lists, settings and logs live (default: the user data directory)")
    ap.add_argument("--show-token", action="store_true",
                    help="print the access token other machines must send (Authorization: Bearer ...) and exit")
    return ap.parse_args(argv)


def setup_logging(data_dir):
    """Log to stderr and to a rotating file in the data directory."""
    os.makedirs(os.path.join(data_dir, "logs"), exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        os.path.join(data_dir, "logs", "sidecar.log"), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    stream_handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(fmt)
        root.addHandler(handler)


def show_token():
    """Print the data directory's access token (creating it on first run)."""
    from sidecar.access_token import load_or_create_token
    from sidecar.settings import defaults

    print(load_or_create_token(defaults()["DATA_DIR"]), flush=True)
    return 0


def main(argv=None):
    """Build the app and serve it with waitress (never Flask's dev server or debugger)."""
    args = parse_args(argv)
    if args.data_dir:
        os.environ["BULKMSG_DATA_DIR"] = os.path.abspath(args.data_dir)
    from waitress import create_server

    if args.show_token:
        return show_token()
    from sidecar import create_app

    from sidecar import server_errors

    server_errors.install()
    app = create_app({"PORT": args.port, "BIND_HOST": args.host})
    setup_logging(app.config["DATA_DIR"])
    server = create_server(app, host=args.host, port=args.port, threads=SERVER_THREADS,
                           max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1_000_000,
                           outbuf_overflow=OUTPUT_BUFFER_IN_MEMORY)
    app.config["PORT"] = server.effective_port  # --port 0: the Host rule needs the port actually bound
    logging.getLogger("sidecar").info("serving on http://%s:%s", args.host, server.effective_port)
    print("serving on http://%s:%s" % (args.host, server.effective_port), flush=True)
    stop_cleanly_on_sigterm()
    threading.Thread(target=warm_up, args=(app.config["DEFAULT_REGION"],), name="warm-up", daemon=True).start()
    if args.parent_pid:
        watch_parent(args.parent_pid)
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
