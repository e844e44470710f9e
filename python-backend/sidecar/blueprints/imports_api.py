"""Stored imports: page, search, fix, re-map and export them; the list of regions."""
import os
import re

import phonenumbers
from flask import Blueprint, Response, current_app, request

from contacts.edit import apply_edit, filter_entries
from contacts.exports import export_file
from contacts.extract import extract_text, extract_workbook
from contacts.report import contact_records, row_records, summary_message

from core import errors
from core.errors import DomainError
from ..jsonio import json_body, json_response
from core import fields
from ..params import requested_region
from ..ratelimit import limited
from .contacts_api import column_options, store_and_respond

bp = Blueprint("imports", __name__)


def stored_or_404(import_id):
    """The stored import, or a not_found error."""
    stored = current_app.extensions["imports"].get(import_id)
    if stored is None:
        raise DomainError("not_found", "This import is no longer available; import the file again.", errors.NOT_FOUND)
    return stored


@bp.get("/regions")
def regions():
    """Supported default regions with their calling codes."""
    listed = [{"code": r, "calling_code": phonenumbers.country_code_for_region(r)}
              for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
    return json_response({"default_region": current_app.config["DEFAULT_REGION"], "regions": listed})


@bp.get("/imports")
def list_imports():
    """Every import kept (they survive restarts), newest first, with its file name, date and counts."""
    return json_response({"imports": current_app.extensions["imports"].listing()})


@bp.delete("/imports/<import_id>")
@limited("edits")
def delete_import(import_id):
    """Delete an import from the history."""
    if not current_app.extensions["imports"].delete(import_id):
        raise DomainError("not_found", "There is no such import.", errors.NOT_FOUND)
    return "", 204


@bp.get("/imports/<import_id>")
def import_summary(import_id):
    """What was detected and counted, without the entries."""
    stored = stored_or_404(import_id)
    meta = stored.result.meta()
    return json_response(dict(meta, import_id=import_id, source_name=stored.options.get("source_name"),
                              message=summary_message(meta["summary"])))


@bp.get("/imports/<import_id>/rows")
def import_rows(import_id):
    """A page of entries, filtered by status and searched."""
    stored = stored_or_404(import_id)
    offset, limit = fields.page(request.args, fields.MAX_RESULTS_PAGE)
    with stored.lock:
        matched = filter_entries(stored.result.entries, request.args.get("status", "all"), request.args.get("q", ""))
        page = row_records(matched.iloc[offset:offset + limit])
    return json_response({"total": len(matched), "offset": offset, "limit": limit, "rows": mark_opted_out(page)})


def mark_opted_out(rows):
    """ROWS with `opted_out` true where the number is on the consent list (unknown when the store is not)."""
    from messaging import dnc

    from .messaging_web import get_db

    try:
        listed = dnc.listed(get_db(), [r["number"] for r in rows if r["number"]])
    except DomainError:  # no saved-lists database: the import itself still works
        return rows
    return [dict(r, opted_out=r["number"] in listed) for r in rows]


@bp.get("/imports/<import_id>/contacts")
def import_contacts(import_id):
    """A page of the valid contacts."""
    stored = stored_or_404(import_id)
    offset, limit = fields.page(request.args, fields.MAX_RESULTS_PAGE)
    with stored.lock:
        valid = filter_entries(stored.result.entries, "valid")
        page = contact_records(valid.iloc[offset:offset + limit])
    return json_response({"total": len(valid), "offset": offset, "limit": limit, "contacts": page})


@bp.patch("/imports/<import_id>/rows/<int:entry_id>")
@limited("edits")
def fix_row(import_id, entry_id):
    """Replace one entry's number (re-validated) or its contact's name."""
    stored = stored_or_404(import_id)
    body = json_body()
    field = "name" if "name" in body and "value" not in body else "value"
    value = body.get(field)
    if not isinstance(value, str):
        raise DomainError("missing_field", "Send the corrected number as the string field 'value', or the new "
                                           "name as 'name'.")
    with stored.lock:
        row = row_records(apply_edit(stored.result, entry_id, field, value.strip()))[0]
        stored.record_edit(entry_id, value.strip(), field)
        summary = stored.result.summary()
    return json_response({"row": row, "summary": summary, "message": summary_message(summary)})


@bp.post("/imports/<import_id>/remap")
@limited("remap")
def remap(import_id):
    """Import the same source again with other columns, sheet or region."""
    stored = stored_or_404(import_id)
    body = json_body()
    region, region_source = requested_region(body.get("default_region") or stored.options.get("default_region"))
    options = column_options(body)
    source = stored.source()
    if source is None:
        raise DomainError("source_not_kept", "This import's file was not kept; import the file again to choose "
                                              "other columns.", errors.CONFLICT)
    if isinstance(source, str):
        result = extract_text(source, region)
    else:
        result = extract_workbook(source, region, **options)
    return store_and_respond(result, source,
                             dict(options, default_region=region, source_name=stored.options.get("source_name")),
                             region_source)


def attachment(source_name, export_name):
    """A Content-Disposition naming the download after the imported file ('guests-contacts.csv').

    The client's file name is reduced to safe ASCII, so it can never inject a header or a path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.splitext(os.path.basename(source_name or ""))[0]).strip("._")
    return 'attachment; filename="%s"' % ("%s-%s" % (stem[:60], export_name) if stem else export_name)


@bp.get("/imports/<import_id>/export")
@limited("export")
def export(import_id):
    """Download the contacts (csv, xlsx, vcf) or the rejects (csv, xlsx) of an import."""
    stored = stored_or_404(import_id)
    what, fmt = request.args.get("what", "contacts"), request.args.get("format", "csv")
    with stored.lock:
        body, mimetype, filename = export_file(stored.result, what, fmt)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": attachment(stored.options.get("source_name"), filename),
                             "X-Content-Type-Options": "nosniff"})
