"""Team-mode administration: the users (add, change role or password, disable) and the audit log (admins only,
by the route table in sidecar/auth.py)."""
from flask import Blueprint, request

from core.fields import page
from messaging import audit, users

from .. import auth
from ..jsonio import json_body, json_response
from ..ratelimit import limited
from .messaging_web import get_db

bp = Blueprint("users", __name__)


@bp.get("/users")
def all_users():
    """Every user with role and state (never a password hash)."""
    return json_response({"users": users.all_users(get_db())})


@bp.post("/users")
@limited("edits")
def add_user():
    """Add a user: {"name", "role", "password"} (audited)."""
    body = json_body()
    added = users.add(get_db(), body.get("name"), body.get("role"), body.get("password"), auth.caller().as_dict())
    return json_response(added, 201)


@bp.patch("/users/<int:user_id>")
@limited("edits")
def change_user(user_id):
    """Change a user's role, password or disabled state (audited; disabling ends their sessions)."""
    return json_response(users.change(get_db(), user_id, json_body(), auth.caller().as_dict()))


@bp.get("/audit")
def audit_log():
    """A page of the audit log, newest first (?offset=&limit=)."""
    offset, limit = page(request.args)
    return json_response(audit.entries(get_db(), offset, limit))
