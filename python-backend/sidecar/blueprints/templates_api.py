"""Message templates, the compose check (preview, empty placeholders, SMS segments), reach and the kept draft."""
from flask import Blueprint
from messaging import campaigns, drafts, render, review, templates
from core.errors import DomainError
from core.fields import body_text, is_id

from ..jsonio import json_body, json_response
from ..ratelimit import limited
from .messaging_web import get_db

bp = Blueprint("templates", __name__)


@bp.get("/templates")
def all_templates():
    """Every template."""
    return json_response({"templates": templates.all_templates(get_db())})


@bp.post("/templates")
@limited("edits")
def create_template():
    """Save a template."""
    return json_response(templates.create(get_db(), json_body()), 201)


@bp.get("/templates/<int:template_id>")
def one_template(template_id):
    """One template."""
    return json_response(templates.template_out(templates.template_row(get_db(), template_id)))


@bp.patch("/templates/<int:template_id>")
@limited("edits")
def update_template(template_id):
    """Change a template."""
    return json_response(templates.update(get_db(), template_id, json_body()))


@bp.delete("/templates/<int:template_id>")
@limited("edits")
def delete_template(template_id):
    """Delete a template."""
    templates.delete(get_db(), template_id)
    return json_response({"deleted": template_id})


@bp.post("/compose/preview")
@limited("edits")
def compose_preview():
    """Render BODY/SUBJECT for a contact of LIST_ID and warn about empty placeholders."""
    body = json_body()
    text = body_text(body, "body", templates.MAX_BODY)
    subject = body_text(body, "subject", templates.MAX_SUBJECT, default="")
    list_id, contact_id, channel_id = body.get("list_id"), body.get("contact_id"), body.get("channel_id")
    params = campaigns.template_params([] if body.get("template_params") is None else body["template_params"])
    if channel_id is not None and not is_id(channel_id):
        raise DomainError("bad_param", "'channel_id' must be a number.")
    if list_id is None:
        whole = "\n".join([subject, text] + params)
        render.check_syntax(whole)
        return json_response({"placeholders": render.placeholder_names(whole), "fields": [],
                              "sms": render.sms_stats(text), "preview": None, "warnings": None})
    if not is_id(list_id) or (contact_id is not None and not is_id(contact_id)):
        raise DomainError("bad_param", "'list_id' and 'contact_id' must be numbers.")
    return json_response(campaigns.compose_check(get_db(), list_id, subject, text, contact_id,
                                                 channel_id=channel_id, params=params))


@bp.post("/compose/reach")
@limited("edits")
def compose_reach():
    """How many contacts of a list a channel reaches: with an address, skipped (no address, opted out, duplicate)."""
    body = json_body()
    list_id, channel_id = body.get("list_id"), body.get("channel_id")
    if not is_id(list_id) or not is_id(channel_id):
        raise DomainError("missing_field", "'list_id' and 'channel_id' are required (numbers).")
    return json_response(review.reach(get_db(), list_id, channel_id))


@bp.get("/drafts/compose")
def get_draft():
    """The saved compose form (data null when none)."""
    return json_response(drafts.get(get_db(), "compose"))


@bp.put("/drafts/compose")
@limited("edits")
def put_draft():
    """Save the compose form ({"data": {...}}), kept across restarts."""
    return json_response(drafts.put(get_db(), "compose", json_body()))


@bp.delete("/drafts/compose")
@limited("edits")
def delete_draft():
    """Forget the saved compose form."""
    return json_response(drafts.delete(get_db(), "compose"))
