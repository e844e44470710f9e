"""Alembic environment: runs the revisions on the connection messaging.migrations hands over.

The caller (messaging.migrations.upgrade) has already opened the transaction that holds the database's
write lock, so the revisions, the version stamp and the caller's re-check of the version all happen
under one lock; nothing here opens its own engine or reads a URL.
"""
from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Run the messaging migrations through messaging.migrations.migrate(), not the alembic CLI.")
# transactional_ddl: the caller's transaction wraps every revision (SQLite and PostgreSQL both roll DDL back).
context.configure(connection=connection, target_metadata=None, transactional_ddl=True,
                  on_version_apply=config.attributes.get("on_version_apply"))
with context.begin_transaction():
    context.run_migrations()
