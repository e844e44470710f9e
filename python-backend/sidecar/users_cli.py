"""`app.py users add NAME --role admin|sender|viewer`, `users list`, `users disable NAME`: team-mode accounts
from the command line (the first admin is made this way). The password comes from BULKMSG_NEW_PASSWORD or the
first line of standard input, never from the command line (it would show in `ps` and shell history)."""
import argparse
import sys

from core.errors import DomainError
from sidecar.settings import NEW_PASSWORD_ENV

CLI_ACTOR = {"id": None, "name": "command line"}


def parser():
    """The `users` sub-commands."""
    ap = argparse.ArgumentParser(prog="app.py users", description="Team-mode user accounts.")
    ap.add_argument("--data-dir", help="the data directory (default: BULKMSG_DATA_DIR or the user data directory)")
    ap.add_argument("--database", dest="database_url", metavar="URL",
                    help="the team mode's PostgreSQL database (default: BULKMSG_DATABASE_URL, else the data directory's)")
    sub = ap.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a user (password from %s or standard input)" % NEW_PASSWORD_ENV)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("admin", "sender", "viewer"))
    sub.add_parser("list", help="list the users")
    disable = sub.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("name")
    return ap


def read_password(stdin=sys.stdin):
    """The new password: the environment variable, else the first line of STDIN."""
    from sidecar import settings

    return settings.new_password() or stdin.readline().rstrip("\r\n")


def run(conn, args, out=sys.stdout):
    """Carry out ARGS on the store CONN; returns the exit code."""
    from messaging import users

    if args.command == "add":
        user = users.add(conn, args.name, args.role, read_password(), CLI_ACTOR)
        print("added %s (%s)" % (user["name"], user["role"]), file=out)
    elif args.command == "list":
        for user in users.all_users(conn):
            print("%s\t%s%s" % (user["name"], user["role"], "\tdisabled" if user["disabled"] else ""), file=out)
    else:
        row = users.find_by_name(conn, args.name)
        if row is None:
            raise DomainError("not_found", "There is no user named %r." % args.name)
        users.change(conn, row[0], {"disabled": True}, CLI_ACTOR)
        print("disabled %s" % args.name, file=out)
    return 0


def main(argv):
    """Entry point of `app.py users ...`."""
    from messaging import db
    from sidecar import settings

    args = parser().parse_args(argv)
    chosen = settings.build({k: v for k, v in (("data_dir", args.data_dir), ("database_url", args.database_url)) if v})
    try:
        conn = db.open_configured(chosen.data_dir, chosen.database_url)  # a newer app's database is refused here
    except DomainError as err:
        return refused(err)
    try:
        return run(conn, args)
    except DomainError as err:
        return refused(err)
    finally:
        conn.close()


def refused(err):
    """Say why the command could not be done (ERR, a DomainError); its exit code."""
    print("bulkmsg: %s" % err.message, file=sys.stderr)
    return 2
