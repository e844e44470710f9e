"""The contact endpoints existing clients use: /upload, /parse-manual-numbers, /validate-number."""
import itertools

from flask import Blueprint, current_app, g, request

from contacts.extract import extract_text, extract_workbook
from contacts.readers import read_file
from contacts.report import result_json_parts
from contacts.uploads import private_upload, remove_stale_uploads
from contacts.validate import describe_number

from core.errors import DomainError
from core.memory import FULL_COLLECTIONS_HELD, HEAVY_REQUESTS, DeferredRelease
from ..jsonio import json_body, json_response, json_stream_response, read_ahead
from core.fields import body_text, optional_limit
from ..params import requested_region
from ..ratelimit import limited

bp = Blueprint("contacts", __name__)
# Views that read or build whole tables: the memory they free is given back once their answer is sent.
HEAVY_VIEWS = {"contacts.upload", "contacts.parse_manual_numbers", "imports.remap", "imports.export"}
RELEASE = DeferredRelease()


@bp.before_app_request
def make_room_before_importing():
    """A new import's peak should not stack on imports kept in memory (they are on disk), nor on the garbage of
    the last heavy request."""
    if request.endpoint in HEAVY_VIEWS:
        RELEASE.now_if_pending()
        HEAVY_REQUESTS.enter()
        g.heavy_request = True
    if request.endpoint in HEAVY_VIEWS - {"imports.export"}:
        current_app.extensions["imports"].make_room(keep=(request.view_args or {}).get("import_id"))


@bp.after_app_request
def release_after_heavy_views(response):
    """Once a heavy view's answer is sent (streamed ones included), count it done and give its freed memory back
    to the system."""
    if g.pop("heavy_request", False):
        response.call_on_close(HEAVY_REQUESTS.leave)
        response.call_on_close(RELEASE.soon)
    return response

COLUMN_OPTIONS = ("phone_column", "name_column", "sheet", "country_column")


@bp.record_once
def clean_up_after_dead_processes(_state):
    """At start-up, remove the upload folders left by a sidecar that died mid-upload."""
    remove_stale_uploads()


MAX_ALTERNATE_COLUMNS = 20
# How much of an import's answer may be encoded ahead while the import is saved (a 1M-row answer is ~140 MB; the
# save takes ~0.3 s, in which ~50 MB could be encoded). 64 MB saved ~0.1 s but raised the peak of a second 1M
# upload by ~70 MB (BENCHMARKS.md, issue 18 round 2); memory is not traded for speed, so only a little is.
ENCODED_AHEAD_BYTES = 16 << 20


def column_options(form):
    """The user's column and sheet choices from a form or JSON body (blank means 'detect')."""
    options = {k: str(form.get(k)).strip() for k in COLUMN_OPTIONS if form.get(k) not in (None, "")}
    if form.get("alternate_columns") is not None:
        options["alternate_columns"] = alternate_columns(form.get("alternate_columns"))
    return options


def alternate_columns(value):
    """The alternate phone columns asked for: a list of columns, or one text joining them with '+' ([] = none)."""
    if isinstance(value, str):
        value = value.split("+")
    if not isinstance(value, list) or len(value) > MAX_ALTERNATE_COLUMNS or \
            not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise DomainError("bad_field", "'alternate_columns' must list at most %d columns by name, letter or number."
                          % MAX_ALTERNATE_COLUMNS)
    return [str(v).strip() for v in value if str(v).strip()]


def store_and_respond(result, source, options, region_source):
    """Keep RESULT for paging and answer with the full import JSON.

    The answer is encoded ahead while the import is saved (in another thread), but nothing is sent until the
    save has ended: a save that fails (a full disk) is still a 507 error, never an answer naming an import that
    is not on disk. The save writes its tables uncompressed; they are compressed once the answer is sent."""
    limit = optional_limit(request.args)

    def encode_ahead(import_id, saved):
        pieces = iter(result_json_parts(result, import_id, region_source, limit))
        return read_ahead(pieces, saved, ENCODED_AHEAD_BYTES), pieces

    imports = current_app.extensions["imports"]
    stored, (ahead, rest) = imports.add_while(result, source, options, encode_ahead)
    response = json_stream_response(itertools.chain(ahead, rest))
    response.call_on_close(lambda: imports.compress_soon(stored.import_id))
    return response


def refuse_header_only(workbook, result):
    """A no_rows error for a file whose every sheet has column names at most, and nothing under them."""
    if result.summary()["entries"] == 0 and workbook.sheets and not any(map(has_data_rows, workbook.sheets)):
        raise DomainError("no_rows", "This file has column names but no rows of contacts under them.")


def has_data_rows(sheet):
    """Whether SHEET has a non-blank cell under its first row."""
    below = sheet.frame.iloc[1:]
    return bool(len(below)) and bool(below.fillna("").astype(str).apply(lambda c: c.str.strip().ne("")).any(axis=None))


@bp.post("/upload")
@limited("upload")
def upload():
    """Import a contact file (multipart field 'file')."""
    storage = request.files.get("file")
    if storage is None:
        raise DomainError("no_file", "Attach the contact file in the multipart form field 'file'.")
    region, region_source = requested_region(request.form.get("default_region"))
    options = column_options(request.form)
    with FULL_COLLECTIONS_HELD:  # the answer is followed by one (RELEASE)
        with private_upload(storage) as path:
            workbook = read_file(path, storage.filename)
        result = extract_workbook(workbook, region, **options)
    refuse_header_only(workbook, result)
    return store_and_respond(result, workbook, dict(options, default_region=region, source_name=storage.filename),
                             region_source)


@bp.post("/parse-manual-numbers")
@limited("parse")
def parse_manual_numbers():
    """Import pasted text: JSON {"numbers": "...", "default_region": "IN"}."""
    body = json_body()
    numbers = body.get("numbers")
    if isinstance(numbers, list) and all(isinstance(n, str) for n in numbers):
        numbers = "\n".join(numbers)
    text = body_text({"numbers": numbers}, "numbers")
    region, region_source = requested_region(body.get("default_region"))
    with FULL_COLLECTIONS_HELD:
        result = extract_text(text, region)
    return store_and_respond(result, text, {"default_region": region}, region_source)


@bp.post("/validate-number")
@limited("parse")
def validate_number():
    """Check one number: JSON {"number": "...", "default_region": "US"}."""
    body = json_body()
    number = body_text(body, "number")
    region, region_source = requested_region(body.get("default_region"))
    answer = describe_number(number, region)
    answer.update(region_assumed=region, region_source=region_source)
    return json_response(answer)
