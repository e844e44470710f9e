"""`app.py secret-key new|id|rotate`: the team mode's key of the channel secrets (docs/server.md).

new     prints a fresh key (base64 of 32 random bytes) for a key file or BULKMSG_SECRET_KEY.
id      prints the id of the key this process is given (compare it across machines; never the key).
rotate  re-encrypts every stored secret from --old-key-file to the key this process is given, in one transaction.

Also `refuse_without_key(settings)`, the start-up check the API and the workers share.
"""
import argparse
import logging
import sys

from messaging import secret_keys

# Exit code of an API or worker started in the team mode without a usable secret key (3 is the data dir in use).
NO_SECRET_KEY_EXIT = 4
log = logging.getLogger("sidecar")


def refuse_without_key(settings):
    """0 when SETTINGS need no key or have a usable one; else NO_SECRET_KEY_EXIT after one log line."""
    if not settings.team_mode:
        return 0
    try:
        secret_keys.from_settings(settings)
    except secret_keys.KeyProblem as err:
        log.error("cannot start in the team mode: %s", err)
        return NO_SECRET_KEY_EXIT
    return 0


def argument_parser():
    """The subcommands and their options."""
    ap = argparse.ArgumentParser(prog="app.py secret-key", description="The team mode's key of channel secrets.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("new", help="print a fresh key (base64 of 32 random bytes)")
    key_id = sub.add_parser("id", help="print the id of the key given by BULKMSG_SECRET_KEY_FILE or _KEY")
    rotate = sub.add_parser("rotate", help="re-encrypt every stored secret from the old key to the current one")
    rotate.add_argument("--old-key-file", required=True, help="the file holding the key the secrets are under now")
    for parser in (key_id, rotate):
        parser.add_argument("--secret-key-file", help="the current (new) key's file (else BULKMSG_SECRET_KEY_FILE)")
        parser.add_argument("--data-dir", help="the data directory (the embedded database)")
    rotate.add_argument("--database", help="the shared database URL (postgresql://...)")
    return ap


def main(argv):
    """Run one subcommand; the exit code (2 with a message on a key problem)."""
    args = argument_parser().parse_args(argv)
    if args.command == "new":
        print(secret_keys.new_key_text(), flush=True)
        return 0
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    settings = settings_of(args)
    try:
        key = secret_keys.from_settings(settings)
        if args.command == "id":
            print(key.id, flush=True)
            return 0
        old_key = secret_keys.read_file(args.old_key_file)
    except secret_keys.KeyProblem as err:
        print("bulkmsg: %s" % err, file=sys.stderr, flush=True)
        return 2
    return rotate(settings, old_key, key)


def settings_of(args):
    """The Settings of this command (data dir, database, key file from the options, else as the API's)."""
    from . import settings as settings_module

    values = {"data_dir": args.data_dir, "secret_key_file": args.secret_key_file,
              "database_url": getattr(args, "database", None), "force_team_mode": True}
    return settings_module.build({k: v for k, v in values.items() if v is not None})


def rotate(settings, old_key, new_key):
    """Re-encrypt the database's secrets from OLD_KEY to NEW_KEY; the exit code (1 when a row does not open)."""
    from core.errors import DomainError
    from messaging import db, secret_db

    conn = db.open_configured(settings.data_dir, settings.database_url)
    try:
        changed = secret_db.rotate(conn, old_key, new_key)
    except DomainError as err:
        print("bulkmsg: nothing changed: %s" % err.message, file=sys.stderr, flush=True)
        return 1
    finally:
        conn.close()
    print("re-encrypted %d channel secret(s) from key %s to key %s" % (changed, old_key.id, new_key.id), flush=True)
    return 0
