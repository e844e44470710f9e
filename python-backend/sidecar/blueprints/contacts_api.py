"""The contact endpoints existing clients use: /upload, /parse-manual-numbers, /validate-number."""
import contextlib
import os
import re
import shutil
import tempfile

from flask import Blueprint, current_app, request

from contacts.extract import extract_text, extract_workbook
from contacts.readers import read_file
from contacts.report import result_json_parts
from contacts.validate import describe_number

from core.errors import DomainError
from ..jsonio import json_body, json_response, json_stream_response
from ..params import optional_limit, requested_region, text_field

bp = Blueprint("contacts", __name__)

COLUMN_OPTIONS = ("phone_column", "name_column", "sheet", "country_column")
SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,5}$")


@contextlib.contextmanager
def private_upload(storage):
    """Save an uploaded file in a fresh owner-only directory under a fixed name; always remove it."""
    directory = tempfile.mkdtemp(prefix="bulkmsg-upload-")
    try:
        ext = os.path.splitext(storage.filename or "")[1].lower()
        path = os.path.join(directory, "upload" + (ext if SAFE_EXTENSION.match(ext) else ""))
        storage.save(path)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def column_options(form):
    """The user's column and sheet choices from a form or JSON body (blank means 'detect')."""
    return {k: str(form.get(k)).strip() for k in COLUMN_OPTIONS if form.get(k) not in (None, "")}


def store_and_respond(result, source, options, region_source):
    """Keep RESULT for paging and answer with the full import JSON."""
    stored = current_app.extensions["imports"].add(result, source, options)
    pieces = result_json_parts(result, stored.import_id, region_source, optional_limit(request.args))
    return json_stream_response(pieces)


@bp.post("/upload")
def upload():
    """Import a contact file (multipart field 'file')."""
    storage = request.files.get("file")
    if storage is None:
        raise DomainError("no_file", "Attach the contact file in the multipart form field 'file'.")
    region, region_source = requested_region(request.form.get("default_region"))
    options = column_options(request.form)
    with private_upload(storage) as path:
        workbook = read_file(path, storage.filename)
    result = extract_workbook(workbook, region, **options)
    return store_and_respond(result, workbook, dict(options, default_region=region, source_name=storage.filename),
                             region_source)


@bp.post("/parse-manual-numbers")
def parse_manual_numbers():
    """Import pasted text: JSON {"numbers": "...", "default_region": "IN"}."""
    body = json_body()
    numbers = body.get("numbers")
    if isinstance(numbers, list) and all(isinstance(n, str) for n in numbers):
        numbers = "\n".join(numbers)
    text = text_field({"numbers": numbers}, "numbers")
    region, region_source = requested_region(body.get("default_region"))
    result = extract_text(text, region)
    return store_and_respond(result, text, {"default_region": region}, region_source)


@bp.post("/validate-number")
def validate_number():
    """Check one number: JSON {"number": "...", "default_region": "US"}."""
    body = json_body()
    number = text_field(body, "number")
    region, region_source = requested_region(body.get("default_region"))
    answer = describe_number(number, region)
    answer.update(region_assumed=region, region_source=region_source)
    return json_response(answer)
