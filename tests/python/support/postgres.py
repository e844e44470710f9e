"""A throw-away PostgreSQL cluster for tests: initdb + pg_ctl from the Debian package, in a temp dir.

PostgreSQL refuses to run as root, so when the tests run as root the binaries run as the `postgres` OS
user (runuser) on a directory chowned to it. Loopback TCP only, on a free port; the unix socket stays
inside the temp dir. fsync is off: a test cluster that loses a power cut loses nothing of value.

Each test gets a fresh database cloned from a template that is already migrated to HEAD (CREATE DATABASE
... TEMPLATE is a file copy, far cheaper than running the migrations again).
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

SUPERUSER = "bulkmsg"
TEMPLATE_DB = "bulkmsg_template"
START_TIMEOUT_S = 60


def bin_dir():
    """The bin folder of the highest installed PostgreSQL version, or None."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))]
    found.sort(key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    return found[-1] if found else None


def free_port():
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL server in a temporary directory; `start()`, `url(name)`, `fresh_database()`, `stop()`."""

    def __init__(self, bindir=None):
        self.bindir = bindir or bin_dir()
        if self.bindir is None:
            raise RuntimeError("no PostgreSQL found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        self.root = tempfile.mkdtemp(prefix="bulkmsg-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.as_user = os.geteuid() == 0
        self.counter = 0
        self.running = False

    def run(self, *args, check=True):
        """Run a PostgreSQL program (as the postgres user when we are root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_user else []
        return subprocess.run(prefix + [os.path.join(self.bindir, args[0]), *args[1:]], check=check,
                              capture_output=True, text=True, cwd=self.root)

    def start(self):
        """initdb, then start the server listening on 127.0.0.1:port only."""
        if self.as_user:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.run("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync",
                 "--locale=C")
        options = "-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" % (self.port, self.root)
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "server.log"), "-o", options,
                 "-w", "-t", str(START_TIMEOUT_S), "start")
        self.running = True
        return self

    def url(self, name="postgres"):
        """The connection URL of database NAME."""
        return "postgresql://%s@127.0.0.1:%d/%s" % (SUPERUSER, self.port, name)

    def admin(self, sql):
        """Run one statement on the maintenance database (outside a transaction, as CREATE DATABASE needs)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def make_template(self):
        """Create the template database and migrate it to HEAD once for the session."""
        from messaging import db

        self.admin("CREATE DATABASE %s" % TEMPLATE_DB)
        db.migrations.upgrade_postgres(self.url(TEMPLATE_DB))
        self.admin("ALTER DATABASE %s WITH ALLOW_CONNECTIONS false" % TEMPLATE_DB)  # nobody holds it open
        return self

    def fresh_database(self, migrated=True):
        """A new empty database (migrated to HEAD from the template, or blank); its URL."""
        self.counter += 1
        name = "t%d" % self.counter
        self.admin("CREATE DATABASE %s TEMPLATE %s" % (name, TEMPLATE_DB if migrated else "template0"))
        return self.url(name)

    def stop(self):
        """Stop the server (fast shutdown) and remove the directory."""
        if self.running:
            self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self):
        """The server log so far (for a failing test's message)."""
        try:
            with open(os.path.join(self.root, "server.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""
