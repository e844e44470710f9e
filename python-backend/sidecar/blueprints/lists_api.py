"""Saved lists, and the do-not-contact (consent) list with its opt-out words."""
from flask import Blueprint, current_app, request
from messaging import consent, dnc, lists
from core import errors
from core.errors import DomainError
from core.fields import body_text, page, require_text, search_text

from .. import auth
from ..jsonio import json_body, json_response
from ..params import requested_region
from ..ratelimit import limited
from .messaging_web import get_db

bp = Blueprint("lists", __name__)


def import_records(import_id):
    """The contacts of a stored import as list rows (emails re-checked), built column-wise when inserted."""
    from messaging.import_rows import ImportRows, wanted_column

    return ImportRows(lambda: stored_import(import_id).messageable(wanted_column))


def stored_import(import_id):
    """The stored import IMPORT_ID, or a 404."""
    from .. import imports_store

    stored = imports_store.get_import(current_app, import_id) if isinstance(import_id, str) else None
    if stored is None:
        raise DomainError("not_found", "Import %r does not exist (it may have been deleted; import the file again)."
                       % str(import_id)[:40], errors.NOT_FOUND)
    return stored


def paste_records(body):
    """The valid contacts found in pasted text, and the paste's summary."""
    from contacts.extract import extract_text
    from contacts.report import contact_records

    region, _ = requested_region(body.get("default_region"))
    result = extract_text(body_text(body, "numbers"), region)
    entries = result.entries
    return contact_records(entries[entries["status"] == "valid"]), result.summary()


def given_records(body):
    """Contacts given one by one in the request (each re-validated)."""
    from messaging.contacts_check import check_contact

    region, _ = requested_region(body.get("default_region"))
    contacts = body.get("contacts")
    if not isinstance(contacts, list):
        raise DomainError("bad_param", "'contacts' must be a list of objects.")
    return [check_contact(c, region) for c in contacts]


@bp.get("/lists")
def all_lists():
    """Every saved list with counts."""
    return json_response({"lists": lists.all_lists(get_db())})


@bp.post("/lists")
@limited("lists")
def create_list():
    """A new list from an import, a paste, or given contacts."""
    body = json_body()
    source = None
    if body.get("import_id") is not None:
        records = import_records(body["import_id"])
    elif body.get("numbers") is not None:
        records, source = paste_records(body)
    elif body.get("contacts") is not None:
        records = given_records(body)
    else:
        raise DomainError("missing_field", "Give 'import_id', 'numbers' (pasted text) or 'contacts'.")
    created, stats = lists.create_list(get_db(), body.get("name"), records, auth.actor())
    return json_response({"list": created, "added": stats["added"], "duplicates": stats["duplicates"],
                          "source_summary": source}, 201)


@bp.post("/lists/<int:list_id>/imports")
@limited("lists")
def append_import(list_id):
    """Add an import's contacts to an existing list, leaving out the ones it already has."""
    body = json_body()
    if body.get("import_id") is None:
        raise DomainError("missing_field", "Give 'import_id', the import whose contacts to add.")
    updated, stats = lists.append_contacts(get_db(), list_id, import_records(body["import_id"]))
    return json_response({"list": updated, "added": stats["added"], "duplicates": stats["duplicates"],
                          "source_summary": None})


@bp.get("/lists/<int:list_id>")
def one_list(list_id):
    """One list with its counts and extra column names."""
    conn = get_db()
    out = lists.describe(conn, lists.list_row(conn, list_id))
    out["fields"] = lists.field_names(conn, list_id)
    return json_response(out)


@bp.patch("/lists/<int:list_id>")
@limited("edits")
def rename_list(list_id):
    """Rename a list."""
    return json_response(lists.rename_list(get_db(), list_id, json_body().get("name")))


@bp.delete("/lists/<int:list_id>")
@limited("edits")
def delete_list(list_id):
    """Delete a list and its contacts."""
    lists.delete_list(get_db(), list_id, auth.actor())
    return json_response({"deleted": list_id})


@bp.post("/lists/merge")
@limited("lists")
def merge_lists():
    """A new list merging several, de-duplicated."""
    body = json_body()
    created, stats = lists.merge_lists(get_db(), body.get("name"), body.get("list_ids"), auth.actor())
    return json_response({"list": created, "added": stats["added"], "duplicates": stats["duplicates"]}, 201)


@bp.get("/lists/<int:list_id>/contacts")
def list_contacts(list_id):
    """A page of a list's contacts, optionally searched."""
    offset, limit = page(request.args)
    return json_response(lists.page_contacts(get_db(), list_id, search_text(request.args), offset, limit))


@bp.post("/lists/<int:list_id>/contacts")
@limited("edits")
def add_contact(list_id):
    """Add one contact (validated)."""
    body = json_body()
    region, _ = requested_region(body.pop("default_region", None))
    return json_response(lists.add_contact(get_db(), list_id, body, region), 201)


@bp.patch("/lists/<int:list_id>/contacts/<int:contact_id>")
@limited("edits")
def edit_contact(list_id, contact_id):
    """Edit one contact (what changed is re-validated)."""
    body = json_body()
    region, _ = requested_region(body.pop("default_region", None))
    return json_response(lists.edit_contact(get_db(), list_id, contact_id, body, region))


@bp.delete("/lists/<int:list_id>/contacts/<int:contact_id>")
@limited("edits")
def delete_contact(list_id, contact_id):
    """Remove one contact."""
    lists.delete_contact(get_db(), list_id, contact_id)
    return json_response({"deleted": contact_id})


@bp.get("/do-not-contact")
def dnc_page():
    """A page of the do-not-contact list."""
    offset, limit = page(request.args)
    return json_response(dnc.page(get_db(), search_text(request.args), offset, limit))


@bp.post("/do-not-contact")
@limited("edits")
def dnc_add():
    """Add numbers or emails (text or a list) to the do-not-contact list."""
    body = json_body()
    region, _ = requested_region(body.get("default_region"))
    note = require_text(body.get("note"), "note", dnc.MAX_NOTE, allow_empty=True)
    return json_response(dnc.add_values(get_db(), body.get("values"), region, note), 201)


@bp.get("/consent/keywords")
def consent_keywords():
    """The opt-out and opt-in words matched on inbound messages, and the defaults."""
    return json_response({**consent.current_keywords(get_db()), "defaults": consent.default_keywords()})


@bp.put("/consent/keywords")
@limited("edits")
def set_consent_keywords():
    """Replace the opt-out and opt-in words."""
    chosen = consent.set_keywords(get_db(), json_body())
    return json_response({**chosen, "defaults": consent.default_keywords()})


@bp.delete("/do-not-contact/<int:entry_id>")
@limited("edits")
def dnc_remove(entry_id):
    """Remove one entry."""
    dnc.remove(get_db(), entry_id)
    return json_response({"deleted": entry_id})
