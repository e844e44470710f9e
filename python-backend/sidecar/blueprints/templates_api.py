"""Message templates and the compose check (preview, empty placeholders, SMS segments)."""
from flask import Blueprint
from messaging import campaigns, render, templates
from core.errors import DomainError
from messaging.util import is_id

from ..jsonio import json_body, json_response
from .messaging_web import get_db

bp = Blueprint("templates", __name__)


@bp.get("/templates")
def all_templates():
    """Every template."""
    return json_response({"templates": templates.all_templates(get_db())})


@bp.post("/templates")
def create_template():
    """Save a template."""
    return json_response(templates.create(get_db(), json_body()), 201)


@bp.get("/templates/<int:template_id>")
def one_template(template_id):
    """One template."""
    return json_response(templates.template_out(templates.template_row(get_db(), template_id)))


@bp.patch("/templates/<int:template_id>")
def update_template(template_id):
    """Change a template."""
    return json_response(templates.update(get_db(), template_id, json_body()))


@bp.delete("/templates/<int:template_id>")
def delete_template(template_id):
    """Delete a template."""
    templates.delete(get_db(), template_id)
    return json_response({"deleted": template_id})


def text_of(body, name, required):
    """A string field of the compose body."""
    value = body.get(name, None if required else "")
    if value is None or not isinstance(value, str):
        raise DomainError("missing_field" if value is None else "bad_param", "'%s' must be text." % name)
    return value


@bp.post("/compose/preview")
def compose_preview():
    """Render BODY/SUBJECT for a contact of LIST_ID and warn about empty placeholders."""
    body = json_body()
    text, subject = text_of(body, "body", True), text_of(body, "subject", False)
    list_id, contact_id = body.get("list_id"), body.get("contact_id")
    if list_id is None:
        render.check_syntax(subject + "\n" + text)
        return json_response({"placeholders": render.placeholder_names(subject + "\n" + text), "fields": [],
                              "sms": render.sms_stats(text), "preview": None, "warnings": None})
    if not is_id(list_id) or (contact_id is not None and not is_id(contact_id)):
        raise DomainError("bad_param", "'list_id' and 'contact_id' must be numbers.")
    return json_response(campaigns.compose_check(get_db(), list_id, subject, text, contact_id))
