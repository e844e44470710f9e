"""The list_contacts rows of an import's entries, built column-wise.

Saving a 100k import as a list spent ~0.45 s making a dict per contact (contacts.report.contact_records) and
then a tuple and a JSON text per dict. Here each column is turned into its stored form once (a list
comprehension or an Arrow kernel) and the rows are zipped together. Every stored value is the same as the
record path's (lists.contact_values): the same Python expressions per cell, and the fields JSON written
column-wise only for text cells, where it is the text orjson writes; any other cell sends its batch through
lists.fields_text, contact by contact, as before.
"""
import math

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from contacts import arrowtext as at
from contacts.emails import normalize_email
from contacts.extract import ALTERNATES, FIELD_PREFIX
from contacts.report import field_names_and_keys
from core.ahead import ahead
from .lists import fields_text, prepared
from .util import dumps

# Entries per batch: each slice costs a few pandas calls per column, so 5,000 made those a quarter of the time;
# 20,000 contacts' rows and their JSON text stay a few MB.
BATCH = 20_000
# The first batch is the one whose building nothing overlaps (core.ahead): a short one starts SQLite sooner.
FIRST_BATCH = 2_500


class ImportRows:
    """The contacts of an import as INSERT parameters, BATCH at a time. LOAD() gives the entries the list takes
    (wanted_column's columns suffice); it runs at the first batch, inside the insert's transaction, as the record
    generator this replaces did: a missing import is reported after the list's own checks (name, list id)."""

    def __init__(self, load, batch=BATCH, first=FIRST_BATCH):
        self.load, self.batch, self.first = load, batch, first

    def batches(self):
        """lists.prepared batches of lists.contact_values tuples, contacts without number and email left out.

        The import is loaded here (the caller's thread: it may need the request's context); the batches are built
        and counted one ahead in a background thread, while the caller's SQLite insert of the previous one runs
        without the GIL."""
        entries = self.load()
        yield from ahead(self.prepared_batches(entries))

    def prepared_batches(self, entries):
        """lists.prepared of each non-empty batch of ENTRIES' rows."""
        starts = [0, *range(min(self.first, self.batch), len(entries), self.batch)]
        for start, stop in zip(starts, starts[1:] + [len(entries)]):
            rows = contact_rows(entries.iloc[start:stop])
            if rows:
                yield prepared(rows)


def wanted_column(name):
    """Whether contact_rows reads the entries' column NAME."""
    return name in ("number", "name", "row", "email", ALTERNATES) or name.startswith(FIELD_PREFIX)


def contact_rows(entries):
    """The lists.contact_values of ENTRIES with a number or an email, in order, as the record path makes them."""
    numbers = [n if isinstance(n, str) and n else None for n in entries["number"].tolist()]
    emails = email_column(entries)
    names = [m or "" for m in entries["name"].tolist()]
    columns = zip(numbers, alternates_column(entries), emails, names, fields_column(entries),
                  entries["row"].tolist())
    if None not in numbers:  # every entry has a number (all but email-only rows): no filter, zip runs in C
        return list(columns)
    return [row for row in columns if row[0] or row[2]]


def email_column(entries):
    """Each entry's email re-checked (normalize_email, as the list API did per record), None without one."""
    if "email" not in entries.columns:
        return [None] * len(entries)
    return [(normalize_email(e)[0] if e else e) or None for e in entries["email"].tolist()]


def alternates_column(entries):
    """The stored alternates text per entry: a JSON array of the ';'-separated numbers, None when empty."""
    if ALTERNATES not in entries.columns:
        return [None] * len(entries)
    return [array_text(a.split(";")) if isinstance(a, str) and a else None for a in entries[ALTERNATES].tolist()]


def array_text(numbers):
    """lists.alternates_text of NUMBERS: orjson's text, the stdlib's for what orjson refuses (a lone surrogate)."""
    try:
        return orjson.dumps(numbers).decode()
    except orjson.JSONEncodeError:
        return dumps(numbers)


def fields_column(entries):
    """The stored fields JSON per entry, written column-wise when every field cell is text or missing."""
    names, keys = field_names_and_keys(entries)
    if not names:
        return ["{}"] * len(entries)
    pieces = ["{"]
    for i, (name, key) in enumerate(zip(names, keys)):
        cells = text_column_cells(entries[key])
        if cells is None:
            cells = json_cells(entries[key].tolist())
        if cells is None:
            return [fields_text(dict(zip(names, row))) for row in zip(*(entries[k].tolist() for k in keys))]
        pieces += [("," if i else "") + orjson.dumps(name).decode() + ":", cells]
    return at.concat(pieces + ["}"]).to_pylist()


def text_column_cells(column):
    """JSON pieces of a pandas text column whose missing value is NaN (what an import's field columns are):
    text cells as orjson writes them, missing ones as NaN; None for other columns (left to json_cells)."""
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and isinstance(dtype.na_value, float)):
        return None
    text = at.arrow(column)
    if text.null_count == 0:
        return at.json_strings(text)
    return [pc.if_else(pc.is_null(text), at.literal("NaN"), at.concat(at.json_strings(text)))]


def json_cells(values):
    """Pieces writing each of VALUES as its JSON text (None as null, NaN as NaN, as lists.fields_text writes
    them), or None when a value is neither text nor missing (left to fields_text)."""
    nan = [isinstance(v, float) and math.isnan(v) for v in values]
    if not all(isinstance(v, str) or v is None or missing for v, missing in zip(values, nan)):
        return None
    try:
        text = pa.array([None if missing else v for v, missing in zip(values, nan)], type=at.TEXT)
    except (pa.ArrowException, UnicodeError):  # a lone surrogate: only the stdlib encoder writes it
        return None
    if not any(nan):
        return at.json_strings(text)
    return [pc.if_else(pa.array(nan), at.literal("NaN"), at.concat(at.json_strings(text)))]
