"""Schema migrations (Alembic) over real SQLite files: new files, upgrades in place of the pre-Alembic
releases' files, refusal of newer files, two processes at once, and the lazy import of SQLAlchemy."""
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from core.errors import DomainError
from messaging import db, lists, migrations, templates
from messaging.migrations import sqlite_file

from support.paths import BACKEND, FIXTURES
from support.sidecar import Sidecar, wait_for

V1_SCHEMA = os.path.join(FIXTURES, "messaging_v1_schema.sql")
V2_SCHEMA = os.path.join(FIXTURES, "messaging_v2_schema.sql")
AFFINITY = {"INTEGER": "INTEGER", "TEXT": "TEXT", "REAL": "REAL", "FLOAT": "REAL", "VARCHAR(32)": "TEXT"}


def legacy_file(tmp_path, schema, version):
    """A data file as a pre-Alembic release left it: SCHEMA's DDL and PRAGMA user_version VERSION."""
    path = os.path.join(str(tmp_path), db.DB_FILE_NAME)
    conn = sqlite3.connect(path)
    with open(schema, encoding="utf-8") as f:
        conn.executescript(f.read())
    conn.execute("PRAGMA user_version=%d" % version)
    conn.commit()
    return conn


def revision(conn):
    """The Alembic revision stamped in the file."""
    return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def shape(conn):
    """Tables with their columns, indexes, foreign keys and CHECK constraints, in comparable form."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                         "AND name NOT IN ('alembic_version', 'sqlite_sequence') ORDER BY name")]
    found = {}
    for table in tables:
        # An INTEGER primary key is SQLite's rowid alias, never NULL whether or not it is declared NOT NULL.
        columns = [(c[1], AFFINITY[c[2].upper()], c[3] or c[5], (c[4] or "").strip("'"), c[5])
                   for c in conn.execute("PRAGMA table_info(%s)" % table)]
        indexes = sorted((bool(i[2]), bool(i[4]), tuple(c[2] for c in conn.execute("PRAGMA index_info(%s)" % i[1])))
                         for i in conn.execute("PRAGMA index_list(%s)" % table))
        keys = sorted((k[2], k[3], k[4], k[6]) for k in conn.execute("PRAGMA foreign_key_list(%s)" % table))
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
        checks = sorted("".join(c.split()) for c in sql.split("CHECK")[1:])
        found[table] = {"columns": sorted(columns), "indexes": indexes, "foreign_keys": keys,
                        "checks": [c[:c.index(")") + 1] for c in checks]}
    return found


def test_a_new_file_is_created_at_head_and_marked_for_older_apps(tmp_path):
    conn = db.open_store(str(tmp_path))
    assert revision(conn) == migrations.HEAD == migrations.script_head()
    # Apps from before Alembic accept user_version <= 2 only: they must refuse this file, not run on it.
    assert conn.execute("PRAGMA user_version").fetchone()[0] == sqlite_file.MANAGED_BY_ALEMBIC > 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.integrity_ok(conn)
    conn.close()


def opener_for(directory):
    """A function opening new raw connections to DIRECTORY's store."""
    return lambda: db.raw_connect(db.db_path(str(directory)))


def test_revisions_0001_0002_build_the_same_schema_as_the_last_pre_alembic_release(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    assert migrations.upgrade(opener_for(tmp_path / "new"), "0002") == ["0001", "0002"]
    fresh = sqlite3.connect(db.db_path(str(tmp_path / "new")))
    legacy = legacy_file(tmp_path / "old", V2_SCHEMA, 2)
    assert shape(fresh) == shape(legacy)
    fresh.close()
    legacy.close()


@pytest.mark.parametrize("schema,version", [(V1_SCHEMA, 1), (V2_SCHEMA, 2)])
def test_an_upgraded_old_file_has_the_schema_of_a_new_one(tmp_path, schema, version):
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    fresh = db.open_store(str(tmp_path / "new"))
    legacy_file(tmp_path / "old", schema, version).close()
    upgraded = db.open_store(str(tmp_path / "old"))
    # A table rebuilt by a later revision must keep the CHECK and ON DELETE rules of the old file's tables.
    assert shape(upgraded) == shape(fresh)
    fresh.close()
    upgraded.close()


def test_a_version_1_file_is_stamped_upgraded_and_keeps_its_data(tmp_path):
    old = legacy_file(tmp_path, V1_SCHEMA, 1)
    old.execute("INSERT INTO lists VALUES (1, 'Old customers', 1, 1)")
    old.execute("INSERT INTO list_contacts (list_id, number, name, fields, created_at, updated_at) "
                "VALUES (1, '+14155552671', 'Ann', '{\"City\": \"SF\"}', 1, 1)")
    old.execute("INSERT INTO templates (name, body, created_at, updated_at) VALUES ('hello', 'Hi {{name}}', 1, 1)")
    old.execute("INSERT INTO do_not_contact (value, kind, created_at) VALUES ('+442079460958', 'number', 1)")
    old.commit()
    old.close()
    # 0001 is stamped, not re-run over the existing tables
    assert migrations.upgrade(opener_for(tmp_path)) == migrations.revision_ids()[1:]
    conn = db.open_store(str(tmp_path))
    assert revision(conn) == migrations.HEAD
    contact = lists.page_contacts(conn, 1)["contacts"][0]
    assert contact["number"] == "+14155552671" and contact["email"] is None and contact["fields"] == {"City": "SF"}
    assert templates.all_templates(conn)[0]["placeholders"] == ["name"]
    assert conn.execute("SELECT value FROM do_not_contact").fetchall()[0][0] == "+442079460958"
    lists.add_contact(conn, 1, {"email": "Bob@Example.COM", "name": "Bob"}, "US")
    assert lists.page_contacts(conn, 1, q="bob")["contacts"][0]["email"] == "Bob@example.com"
    assert db.integrity_ok(conn)
    conn.close()


def test_a_version_2_file_is_stamped_at_its_revision_and_keeps_its_campaigns(tmp_path):
    old = legacy_file(tmp_path, V2_SCHEMA, 2)
    old.execute("INSERT INTO lists VALUES (1, 'L', 1, 1)")
    old.execute("INSERT INTO channels (id, name, type, created_at, updated_at) "
                "VALUES (1, 'rehearsal', 'dry_run', 1, 1)")
    old.execute("INSERT INTO campaigns (id, name, list_id, channel_id, body, status, created_at, updated_at) "
                "VALUES (1, 'Spring', 1, 1, 'Hi', 'completed', 1, 1)")
    old.execute("INSERT INTO campaign_recipients (campaign_id, address, status) VALUES (1, '+14155552671', 'sent')")
    old.commit()
    old.close()
    assert migrations.upgrade(opener_for(tmp_path)) == migrations.revision_ids()[2:]
    conn = db.open_store(str(tmp_path))
    assert revision(conn) == migrations.HEAD
    assert conn.execute("SELECT status FROM campaigns WHERE id=1").fetchone()[0] == "completed"
    assert tuple(conn.execute("SELECT address, status FROM campaign_recipients").fetchone()) == ("+14155552671",
                                                                                                 "sent")
    conn.close()


@pytest.mark.parametrize("stamp", ["alembic:9999_from_the_future", "user_version:3"])
def test_a_file_from_a_newer_app_is_refused_and_left_untouched(tmp_path, stamp):
    path = db.db_path(str(tmp_path))
    newer = sqlite3.connect(path)
    kind, value = stamp.split(":")
    if kind == "alembic":
        newer.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        newer.execute("INSERT INTO alembic_version VALUES (?)", (value,))
    else:
        newer.execute("PRAGMA user_version=%s" % value)
    newer.commit()
    newer.close()
    with pytest.raises(DomainError) as err:
        db.open_store(str(tmp_path))
    assert err.value.code == "db_too_new" and err.value.kind == "conflict"
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM sqlite_master WHERE name='lists'").fetchone()[0] == 0
    check.close()


def test_a_failing_revision_raises_the_drivers_error_and_leaves_the_file_as_it_was(tmp_path):
    path = db.db_path(str(tmp_path))
    foreign = sqlite3.connect(path)  # a file the app did not write: user_version 0 but a 'lists' table already
    foreign.execute("CREATE TABLE lists (x)")
    foreign.commit()
    foreign.close()
    with pytest.raises(sqlite3.OperationalError):  # the sidecar maps sqlite3 errors to 503 store_unavailable
        db.open_store(str(tmp_path))
    check = sqlite3.connect(path)
    names = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"lists"} and check.execute("PRAGMA user_version").fetchone()[0] == 0
    check.close()


def test_the_sidecar_answers_409_on_a_file_from_a_newer_app(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    newer = sqlite3.connect(db.db_path(str(data_dir)))
    newer.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    newer.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    newer.commit()
    newer.close()
    with Sidecar(tmp_path, data_dir=str(data_dir)) as server:
        answer = server.get("/lists")
        assert answer.status_code == 409 and answer.json()["code"] == "db_too_new"
        assert server.get("/health").status_code == 200


def test_an_old_dry_run_channel_writes_where_the_app_says_not_where_its_file_name_said(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old = legacy_file(data_dir, V2_SCHEMA, 2)
    old.execute("INSERT INTO lists VALUES (1, 'L', 1, 1)")
    old.execute("INSERT INTO list_contacts (list_id, number, created_at, updated_at) VALUES (1, '+14155552671', 1, 1)")
    old.execute("INSERT INTO channels (id, name, type, config, created_at, updated_at) "
                "VALUES (1, 'old', 'dry_run', '{\"file_name\": \"..\"}', 1, 1)")
    old.commit()
    old.close()
    with Sidecar(tmp_path, data_dir=str(data_dir)) as server:
        campaign = server.post("/campaigns", {"name": "c", "list_id": 1, "channel_id": 1, "body": "Hi"}).json()
        assert server.post("/campaigns/%d/start" % campaign["id"]).json()["started"]
        wait_for(lambda: server.get("/campaigns/%d" % campaign["id"]).json()["status"] == "completed", timeout=30)
    with open(data_dir / "dry-run" / "channel-1.jsonl", encoding="utf-8") as f:
        assert [json.loads(line)["to"] for line in f] == ["+14155552671"]


CHILD = """
import json, sys
sys.path.insert(0, %r)
from messaging import db, migrations
path = db.db_path(sys.argv[1])
conn = db.connect(path)
print(json.dumps(migrations.migrate(conn, path, lambda: db.raw_connect(path))), flush=True)
"""


def test_two_processes_migrating_at_once_run_each_step_once(tmp_path):
    path = db.db_path(str(tmp_path))
    holder = db.connect(path)  # a new WAL file, then hold its write lock while both processes start
    holder.execute("BEGIN IMMEDIATE")
    code = CHILD % BACKEND
    children = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(3)  # both have found no stamped revision and wait for the lock in the upgrade
    assert all(child.poll() is None for child in children)
    holder.execute("COMMIT")
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    assert sorted(results) == [[], migrations.revision_ids()]
    assert revision(holder) == migrations.HEAD
    holder.close()


LAZY = """
import sys
sys.path.insert(0, %r)
from messaging import db
db.open_store(sys.argv[1]).close()
print(sorted(m for m in ("sqlalchemy", "alembic") if m in sys.modules))
"""


def test_sqlalchemy_and_alembic_are_imported_only_when_the_schema_is_not_at_head(tmp_path):
    def heavy_modules_loaded():
        """What a fresh process opening the store imported of SQLAlchemy/Alembic."""
        return subprocess.run([sys.executable, "-c", LAZY % BACKEND, str(tmp_path)], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert heavy_modules_loaded() == "['alembic', 'sqlalchemy']"  # a new file: the revisions run
    assert heavy_modules_loaded() == "[]"  # already at head: one SELECT on the sqlite3 connection
