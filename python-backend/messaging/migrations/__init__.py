"""Schema migrations of the messaging store: Alembic revisions (versions/) over SQLAlchemy Core.

Adding a schema change = one new file in versions/ (dialect-neutral `op.*` calls, `down_revision` = the
previous head) and moving HEAD below to its id; tests/python/test_migrations.py checks HEAD against
Alembic's own view of the scripts.

Start-up cost: the usual start finds the file already at HEAD with one SELECT on the runtime connection
and never imports SQLAlchemy or Alembic (their imports cost more than the rest of opening the store; see
BENCHMARKS.md). Only a new, older or newer file takes the slow path below.

Two processes starting at once: the whole upgrade (re-reading the version, stamping a pre-Alembic file,
every revision, the new stamp) runs in one transaction that takes the database's write lock first
(SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so the second process waits,
then finds the schema at HEAD and runs nothing.
"""
import logging
import os

from core import errors
from core.errors import DomainError

from . import sqlite_file

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
HEAD = "0012"
# Files written before Alembic numbered their schema with PRAGMA user_version: version -> the revision
# that created exactly that schema.
LEGACY_REVISIONS = {1: "0001", 2: "0002"}
# pg_advisory_xact_lock key serialising upgrades of one PostgreSQL database (any constant of our own).
PG_UPGRADE_LOCK = 0x62756C6B  # "bulk"


def migrate(conn, target, opener):
    """Bring the store behind CONN to HEAD; returns the revisions applied ([] when already there).

    TARGET is the SQLite file or the PostgreSQL URL; for a file, OPENER() returns a new DB-API connection
    to it (autocommit, busy timeout set). The upgrade runs on its own connection so that it can hold the
    write lock for the whole upgrade.
    """
    if sqlite_file.stamped_revision(conn) == HEAD:
        return []
    if getattr(conn, "is_postgres", False):
        return upgrade_postgres(target)
    return upgrade(opener)


def too_new(found):
    """The refusal for a file written by a newer app."""
    return DomainError("db_too_new", "The data file was written by a newer version of the app (schema %s, this "
                       "app knows up to %s)." % (found, HEAD), errors.CONFLICT)


def upgrade(opener, target="head"):
    """Run the missing revisions up to TARGET under the write lock (SQLAlchemy and Alembic are imported only here)."""
    import sqlalchemy
    from sqlalchemy import event, pool

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one INFO line per plugin otherwise
    engine = sqlalchemy.create_engine("sqlite://", creator=opener, poolclass=pool.NullPool)
    # The pysqlite driver leaves BEGIN to us (the DB-API connection is in autocommit mode): take the write
    # lock at the start of the transaction, not at its first write.
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return run_upgrade(engine, target)


def upgrade_postgres(url, target="head"):
    """The same upgrade on PostgreSQL, serialised between processes by an advisory lock held to COMMIT."""
    import sqlalchemy
    from sqlalchemy import event, pool

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    engine = sqlalchemy.create_engine("postgresql+psycopg://" + url.split("://", 1)[1], poolclass=pool.NullPool)
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(
        "SELECT pg_advisory_xact_lock(%d)" % PG_UPGRADE_LOCK))
    return run_upgrade(engine, target)


def run_upgrade(engine, target):
    """Upgrade to TARGET in one transaction of ENGINE; the revisions applied."""
    import sqlalchemy

    applied = []
    try:
        with engine.begin() as connection:
            upgrade_locked(connection, applied, target)
    except sqlalchemy.exc.DBAPIError as err:
        raise err.orig from None  # callers handle the driver's own errors (unreadable file, disk full)
    finally:
        engine.dispose()
    return applied


def upgrade_locked(connection, applied, target):
    """Stamp a pre-Alembic file, then upgrade to TARGET, appending each revision run to APPLIED."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(connection, applied)
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        legacy = sqlite_file.user_version(connection)
        if legacy in LEGACY_REVISIONS:
            command.stamp(config, LEGACY_REVISIONS[legacy])
        elif legacy != 0:
            raise too_new("user_version %d" % legacy)
    elif not known_revision(config, current):
        raise too_new(current)
    command.upgrade(config, target)
    sqlite_file.mark_managed(connection)


def alembic_config(connection, applied):
    """An in-memory Alembic configuration bound to CONNECTION (no alembic.ini to ship or find)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_DIR)
    config.attributes["connection"] = connection

    def record(ctx, step, heads, run_args):
        """Remember each revision actually run (stamps are not runs)."""
        if step.is_upgrade and not step.is_stamp:
            applied.append(step.up_revision_id)
    config.attributes["on_version_apply"] = record
    return config


def known_revision(config, revision):
    """Whether REVISION is one of our scripts (an unknown one was written by a newer app)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False


def script_directory():
    """Alembic's view of versions/."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", SCRIPT_DIR)
    return ScriptDirectory.from_config(config)


def script_head():
    """The head revision as Alembic reads it from versions/ (tests compare it with HEAD)."""
    return script_directory().get_current_head()


def revision_ids():
    """Every revision id, oldest first."""
    return [script.revision for script in reversed(list(script_directory().walk_revisions()))]
