"""Saved message templates (a subject for email, a body with {{placeholders}})."""
from . import render
from .db import insert_id, transaction
from core.errors import not_found
from core.fields import require_text
from .util import iso, now

MAX_BODY = 20_000
MAX_SUBJECT = 500


def template_out(row):
    """A template as the API shows it, with the placeholders it uses."""
    return {"id": row["id"], "name": row["name"], "subject": row["subject"], "body": row["body"],
            "placeholders": render.placeholder_names(row["subject"] + "\n" + row["body"]),
            "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])}


def template_row(conn, template_id):
    """The templates row, or a 404."""
    row = conn.execute("SELECT * FROM templates WHERE id=?", (template_id,)).fetchone()
    if row is None:
        raise not_found("Template", template_id)
    return row


def checked(data, current=None):
    """Validated (name, subject, body) from DATA over CURRENT."""
    current = current or {}
    name = require_text(data.get("name", current.get("name")), "name")
    subject = require_text(data.get("subject", current.get("subject", "")), "subject", MAX_SUBJECT, allow_empty=True)
    body = require_text(data.get("body", current.get("body")), "body", MAX_BODY)
    render.check_syntax(subject + "\n" + body)
    return name, subject, body


def create(conn, data):
    """Save a new template."""
    name, subject, body = checked(data)
    with transaction(conn):
        stamp = now()
        template_id = insert_id(conn, "INSERT INTO templates (name, subject, body, created_at, updated_at)"
                                " VALUES (?,?,?,?,?)", (name, subject, body, stamp, stamp))
    return template_out(template_row(conn, template_id))


def update(conn, template_id, data):
    """Change a template's name, subject or body."""
    current = dict(template_row(conn, template_id))
    name, subject, body = checked(data, current)
    with transaction(conn):
        conn.execute("UPDATE templates SET name=?, subject=?, body=?, updated_at=? WHERE id=?",
                     (name, subject, body, now(), template_id))
    return template_out(template_row(conn, template_id))


def delete(conn, template_id):
    """Delete a template (campaigns keep their own copy of the text)."""
    with transaction(conn):
        template_row(conn, template_id)
        conn.execute("DELETE FROM templates WHERE id=?", (template_id,))


def all_templates(conn):
    """Every template, newest first."""
    return [template_out(r) for r in conn.execute("SELECT * FROM templates ORDER BY id DESC")]
