"""Team mode on a real PostgreSQL (BULKMSG_TEST_ENGINE=postgresql): migrations from an empty database, two
processes migrating at once, and storage states (read-only database, lost connection) as JSON errors."""
import json
import subprocess
import sys
import threading

import psycopg
import pytest
from messaging import db, migrations, storage

from support.paths import BACKEND
from support.sidecar import ONE_PROCESS_TEAM_ENV, Sidecar
from support.tcp_proxy import Proxy

pytestmark = pytest.mark.postgres_only
TABLES = {"lists", "list_contacts", "templates", "channels", "campaigns", "campaign_recipients", "inbox_messages"}


def table_names(conn):
    """The tables of the public schema."""
    return {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")}


def test_an_empty_database_is_migrated_from_nothing_to_head(postgres_cluster, tmp_path):
    url = postgres_cluster.fresh_database(migrated=False)
    db.configure(url)
    conn = db.connect(url)
    assert table_names(conn) == set()
    assert migrations.migrate(conn, url, None) == migrations.revision_ids()
    assert TABLES <= table_names(conn)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrations.HEAD
    assert db.integrity_ok(conn) and db.is_postgres(conn)
    conn.close()
    again = db.open_store(str(tmp_path))  # at HEAD: the one SELECT, nothing run
    assert migrations.migrate(again, url, None) == []
    again.close()


MIGRATE = """
import json, sys
sys.path.insert(0, %r)
from messaging import db, migrations
conn = db.connect(sys.argv[1])
print(json.dumps(migrations.migrate(conn, sys.argv[1], None)), flush=True)
"""


def test_two_processes_migrating_one_database_at_once_run_each_revision_once(postgres_cluster):
    url = postgres_cluster.fresh_database(migrated=False)
    procs = [subprocess.Popen([sys.executable, "-c", MIGRATE % BACKEND, url], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = sorted(json.loads(p.communicate(timeout=120)[0]) for p in procs)
    assert outputs == [[], migrations.revision_ids()]


def test_a_database_error_sqlstate_is_a_storage_state_or_a_bug():
    assert storage.classify(psycopg.errors.DiskFull()) == storage.FULL
    assert storage.classify(psycopg.errors.ReadOnlySqlTransaction()) == storage.ERROR
    assert storage.classify(psycopg.errors.AdminShutdown()) == storage.ERROR
    assert storage.classify(psycopg.OperationalError("connection refused")) == storage.ERROR
    assert storage.classify(psycopg.errors.UndefinedColumn()) is None
    assert storage.classify(psycopg.errors.UniqueViolation()) is None


def real_deadlock(url):
    """Two connections locking two rows in opposite orders: the error PostgreSQL gives the one it rolls back."""
    first, second = psycopg.connect(url, autocommit=True), psycopg.connect(url, autocommit=True)
    try:
        for conn in (first, second):
            conn.execute("CREATE TABLE IF NOT EXISTS pair (id int PRIMARY KEY)")
            conn.execute("INSERT INTO pair VALUES (1), (2) ON CONFLICT DO NOTHING")
            conn.execute("BEGIN")
        first.execute("UPDATE pair SET id=id WHERE id=1")
        second.execute("UPDATE pair SET id=id WHERE id=2")
        caught = []

        def cross(conn, row):
            """Wait for the row the other one holds."""
            try:
                conn.execute("UPDATE pair SET id=id WHERE id=%s", (row,))
            except psycopg.Error as err:
                caught.append(err)
            conn.execute("ROLLBACK")
        waiting = threading.Thread(target=cross, args=(first, 2))
        waiting.start()
        cross(second, 1)
        waiting.join(30)
        return caught
    finally:
        first.close()
        second.close()


def test_a_transaction_that_loses_a_deadlock_is_a_503_to_try_again(postgres_cluster):
    from flask import Flask
    from sidecar import errors

    caught = real_deadlock(postgres_cluster.fresh_database())
    assert len(caught) == 1 and isinstance(caught[0], psycopg.errors.DeadlockDetected)
    assert storage.is_contention(caught[0]) and storage.classify(caught[0]) is None
    assert not storage.is_contention(psycopg.errors.UniqueViolation())
    with Flask(__name__).app_context():
        response = errors.handle_unexpected(caught[0])
    assert response.status_code == 503 and json.loads(response.get_data())["code"] == "database_busy"


def test_a_read_only_database_is_a_507_storage_error_and_reads_still_work(postgres_cluster, tmp_path):
    with Sidecar(tmp_path) as server:
        assert server.post("/lists", {"name": "before", "contacts": []}).status_code == 201
        postgres_cluster.admin("ALTER DATABASE %s SET default_transaction_read_only = on"
                               % db.DATABASE_URL.rsplit("/", 1)[1])
        refused = server.post("/lists", {"name": "after", "contacts": []})
        assert refused.status_code == 507 and refused.json()["code"] == "storage_error"
        assert "database server" in refused.json()["error"] and "Traceback" not in refused.text
        assert [row["name"] for row in server.get("/lists").json()["lists"]] == ["before"]


def test_a_lost_connection_is_a_clear_json_error_and_the_api_recovers(postgres_cluster, tmp_path):
    proxy = Proxy(postgres_cluster.port)
    url = db.DATABASE_URL.replace(":%d/" % postgres_cluster.port, ":%d/" % proxy.port)
    try:
        with Sidecar(tmp_path, args=["--database", url]) as server:
            assert server.post("/lists", {"name": "kept", "contacts": []}).status_code == 201
            proxy.cut()
            lost = server.get("/lists")
            assert lost.status_code == 507 and lost.json()["code"] == "storage_error"
            assert "Traceback" not in lost.text and "Traceback" not in server.read_log()
            proxy.restore()
            assert [row["name"] for row in server.get("/lists").json()["lists"]] == ["kept"]
    finally:
        proxy.cut()


def test_an_unreachable_database_at_start_is_a_503_until_it_answers(postgres_cluster, tmp_path):
    proxy = Proxy(postgres_cluster.port)
    proxy.cut()  # the port is known, nothing listens: the database server is not up yet
    url = db.DATABASE_URL.replace(":%d/" % postgres_cluster.port, ":%d/" % proxy.port)
    try:
        # Nobody can log in while the database is away: the admin logs in once it answers.
        with Sidecar(tmp_path, args=["--database", url], env=ONE_PROCESS_TEAM_ENV, as_admin=False) as server:
            assert server.get("/health").status_code == 200
            answer = server.post("/session/login", {"name": "admin", "password": "any"})
            assert answer.status_code == 503 and answer.json()["code"] == "store_unavailable", answer.text
            proxy.restore()
            server.log_in_as_admin()
            assert server.post("/lists", {"name": "late", "contacts": []}).status_code == 201
    finally:
        proxy.cut()
