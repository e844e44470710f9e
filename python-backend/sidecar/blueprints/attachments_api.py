"""A campaign's attachment: upload it once (typed by its bytes, within WhatsApp's limits), then name it in
the campaign's options as {"attachment": {"id": ...}}."""
from flask import Blueprint, current_app, request
from messaging import attachments

from core.errors import DomainError
from ..jsonio import json_response
from ..ratelimit import limited

bp = Blueprint("attachments", __name__)


def public(described):
    """An attachment as the API shows it (never its path)."""
    return {key: described[key] for key in ("id", "file_name", "size", "mime", "kind")}


@bp.post("/attachments")
@limited("edits")
def upload_attachment():
    """Store one file (multipart field 'file'): 201 {id, file_name, size, mime, kind}."""
    uploaded = request.files.get("file")
    if uploaded is None:
        raise DomainError("missing_file", "Send the attachment as the multipart field 'file'.")
    return json_response(public(attachments.store(current_app.config["DATA_DIR"], uploaded.stream,
                                                  uploaded.filename)), 201)


@bp.get("/attachments/<attachment_id>")
def one_attachment(attachment_id):
    """What is stored under ATTACHMENT_ID."""
    return json_response(public(attachments.load(current_app.config["DATA_DIR"], attachment_id)))
