"""Turn an import's entries into the JSON records the API and the command-line tools print.

A million-row import makes ~120 MB of JSON. Building a Python dict per contact and encoding it
takes ~4 s for that; the full response is instead assembled column-wise with Arrow's string kernels
(escape, quote, concatenate) a slice at a time, which takes a fraction of a second. Small pages
(the results table) still go through plain dicts and orjson.
"""
import functools
import itertools

import numpy as np
import orjson
import pandas as pd
import pyarrow.compute as pc

from . import arrowtext as at
from . import cores
from .extract import ALTERNATES, FIELD_PREFIX
from .numbers import REASON_MESSAGES

# Entries encoded per slice: large enough for Arrow's kernels to run at full speed, small enough to cap memory.
SLICE = 100_000


def field_names_and_keys(entries):
    """(names, column keys) of the extra fields."""
    keys = [c for c in entries.columns if c.startswith(FIELD_PREFIX)]
    return [k[len(FIELD_PREFIX):] for k in keys], keys


def fields_per_entry(entries):
    """One {field: value} dict per entry."""
    names, keys = field_names_and_keys(entries)
    if not names:
        return [{}] * len(entries)
    return [dict(zip(names, values)) for values in zip(*(entries[k].tolist() for k in keys))]


def alternates_per_entry(entries):
    """Each entry's alternate numbers as a list (empty when the import has a single phone column)."""
    if ALTERNATES not in entries.columns:
        return [[]] * len(entries)
    return [a.split(";") if isinstance(a, str) and a else [] for a in entries[ALTERNATES].tolist()]


def contact_records(entries):
    """Valid contacts: id, row, number, alternates, name, value, fields (and email when the import has an email
    column)."""
    records = [{"id": i, "row": r, "number": n if isinstance(n, str) else None, "alternates": a, "name": m,
                "value": v, "fields": f}
               for i, r, n, a, m, v, f in zip(entries["id"].tolist(), entries["row"].tolist(),
                                              entries["number"].tolist(), alternates_per_entry(entries),
                                              entries["name"].tolist(), entries["value"].tolist(),
                                              fields_per_entry(entries))]
    if "email" in entries.columns:
        for record, email in zip(records, entries["email"].tolist()):
            record["email"] = email
    return records


def row_records(entries):
    """Any entries, in the one shape the results table pages through (with the email cell when there is one)."""
    reasons = [c if isinstance(c, str) else None for c in entries["reason"].tolist()]
    numbers = [n if isinstance(n, str) else None for n in entries["number"].tolist()]
    records = [{"id": i, "row": r, "status": s, "value": v, "number": n, "alternates": a, "name": m, "fields": f,
                "reason": c, "message": REASON_MESSAGES.get(c) if isinstance(c, str) else None,
                "duplicate_of_row": d}
               for i, r, s, v, n, a, m, f, c, d in zip(
                   entries["id"].tolist(), entries["row"].tolist(), entries["status"].tolist(),
                   entries["value"].tolist(), numbers, alternates_per_entry(entries), entries["name"].tolist(),
                   fields_per_entry(entries), reasons, [d or None for d in entries["duplicate_of_row"].tolist()])]
    if "email" in entries.columns:
        for record, cell in zip(records, email_cells(entries)):
            record.update(cell)
    return records


def email_cells(entries):
    """Per entry: the email as written, its normalised address (None when unusable) and what is wrong with it."""
    for written, address, message, twin in zip(entries["email_source"].tolist(), entries["email"].tolist(),
                                               entries["email_message"].tolist(),
                                               entries["email_duplicate_of_row"].tolist()):
        written = written if isinstance(written, str) else ""
        problem = None
        if written.strip() and not isinstance(address, str):
            problem = message if isinstance(message, str) else "Not a valid email address."
        elif twin:
            problem = "Same email address as row %d." % twin
        yield {"email_value": written, "email": address if isinstance(address, str) else None,
               "email_problem": problem}


def field_pieces(entries):
    """The pieces of '"fields":{"City":"Pune",...}' for every entry."""
    names, keys = field_names_and_keys(entries)
    pieces = ['"fields":{']
    for i, (name, key) in enumerate(zip(names, keys)):
        pieces += [("," if i else "") + orjson.dumps(name).decode() + ":", at.json_strings(entries[key])]
    return pieces + ["}"]


def messages_for(reasons):
    """The human message of each reason code (looked up once per distinct code, not per entry)."""
    codes, distinct = pd.factorize(reasons.to_numpy(dtype=object), use_na_sentinel=True)
    # The last place answers code -1 (a missing reason): no message.
    messages = np.array([REASON_MESSAGES.get(c, c) if isinstance(c, str) else None for c in distinct] + [None],
                        dtype=object)
    return pd.Series(messages[codes], index=reasons.index, dtype=object)


def encode_contacts(entries):
    """JSON objects of valid contacts, built column-wise (no per-row Python)."""
    return [
        '{"id":', at.json_ints(entries["id"].to_numpy()), ',"row":', at.json_ints(entries["row"].to_numpy()),
        ',"number":', at.json_strings(entries["number"]), ',"name":', at.json_strings(entries["name"]),
        ',"value":', at.json_strings(entries["value"]), ",", *alternates_pieces(entries), *email_pieces(entries),
        *field_pieces(entries), "},"]


def alternates_pieces(entries):
    """'"alternates":["+1...",...],' for every entry, built column-wise (E.164 needs no escaping)."""
    if ALTERNATES not in entries.columns:
        return ['"alternates":[],']
    joined = at.arrow(entries[ALTERNATES].fillna(""))
    listed = at.concat(['["', pc.replace_substring(joined, ";", '","'), '"]'])
    return ['"alternates":', pc.if_else(pc.equal(joined, ""), at.literal("[]"), listed), ","]


def email_pieces(entries):
    """'"email":"a@b.c",' for imports that have an email column; nothing otherwise."""
    return ['"email":', at.json_strings(entries["email"]), ","] if "email" in entries.columns else []


def encode_invalid(entries):
    """JSON objects of rejected entries with reason and message."""
    return [
        '{"id":', at.json_ints(entries["id"].to_numpy()), ',"row":', at.json_ints(entries["row"].to_numpy()),
        ',"value":', at.json_strings(entries["value"]), ',"reason":', at.json_strings(entries["reason"]),
        ',"message":', at.json_strings(messages_for(entries["reason"])),
        ',"name":', at.json_strings(entries["name"]), "},"]


def encode_duplicates(entries):
    """JSON objects of dropped duplicates with the row they repeat."""
    return [
        '{"id":', at.json_ints(entries["id"].to_numpy()), ',"row":', at.json_ints(entries["row"].to_numpy()),
        ',"number":', at.json_strings(entries["number"]),
        ',"duplicate_of_row":', at.json_ints(entries["duplicate_of_row"].to_numpy(), none_value=0),
        ',"name":', at.json_strings(entries["name"]), ',"value":', at.json_strings(entries["value"]), "},"]


# The columns each encoder writes; encode_contacts also writes the fields, alternates and email where there are some.
ENCODED_COLUMNS = {encode_contacts: ("id", "row", "number", "name", "value"),
                   encode_invalid: ("id", "row", "value", "reason", "name"),
                   encode_duplicates: ("id", "row", "number", "duplicate_of_row", "name", "value")}


def encoded_columns(entries, encoder):
    """ENTRIES with only the columns ENCODER writes: its slices then take no status, reason or kept source cells
    they would not write (the takes hold the GIL, the answer's serial part: ~0.015 s of a 1M-row answer)."""
    wanted = list(ENCODED_COLUMNS[encoder])
    if encoder is encode_contacts:
        wanted += [c for c in entries.columns if c.startswith(FIELD_PREFIX) or c in (ALTERNATES, "email")]
    return entries[wanted]


def encode_array(entries, rows, encoder, limit=None):
    """Byte pieces of a JSON array of the ENTRIES at numpy positions ROWS, encoded by ENCODER, produced lazily,
    one slice per usable core at a time: the encoding is Arrow kernels, which release the GIL, so the slices
    share the cores, and only that many slices' rows and text exist at once, however large the import."""
    if limit is not None:
        rows = rows[:limit]
    yield b"["
    entries = encoded_columns(entries, encoder)
    starts = range(0, len(rows), SLICE)
    for first in range(0, len(starts), cores.WORKERS):
        together = starts[first:first + cores.WORKERS]
        # The rows are taken here, one slice after the other: only the encoding runs on the helper threads.
        slices = [entries.iloc[rows[start:start + SLICE]] for start in together]
        for start, piece in zip(together, cores.on_cores([functools.partial(encode_slice, encoder, s)
                                                          for s in slices])):
            # Every record ends with a comma; the array's last one must not.
            yield piece[:-1] if start + SLICE >= len(rows) else piece
    yield b"]"


def encode_slice(encoder, entries):
    """The text of ENTRIES encoded by ENCODER, as one memoryview."""
    return at.all_bytes(at.concat(encoder(entries)))


def summary_message(summary):
    """One sentence summing up an import."""
    def plural(n, word, many=None):
        return "%d %s" % (n, word if n == 1 else (many or word + "s"))
    return "%s, %s, %s" % (plural(summary["valid"], "valid number"), plural(summary["invalid"], "invalid", "invalid"),
                           plural(summary["duplicates"], "duplicate"))


def result_json_parts(result, import_id=None, region_source=None, limit=None):
    """The /upload response for RESULT as a lazy sequence of byte pieces; LIMIT caps each of the three arrays.

    Everything that can fail is computed before the first piece, so a streamed response never breaks off."""
    entries = result.entries
    status = entries["status"]
    # Positions, not copies: each array's rows are taken a slice at a time while it is encoded.
    groups = {"contacts": (np.flatnonzero(status == "valid"), encode_contacts),
              "invalid": (np.flatnonzero(status == "invalid"), encode_invalid),
              "duplicates": (np.flatnonzero(status == "duplicate"), encode_duplicates)}
    meta = result.meta()
    meta.update({"success": True, "import_id": import_id, "region_source": region_source,
                 "count": meta["summary"]["valid"], "message": summary_message(meta["summary"]),
                 "truncated": limit is not None and any(len(g[0]) > limit for g in groups.values())})
    head = b'{' + orjson.dumps(meta)[1:-1]
    return itertools.chain([head, b',"contacts":'], encode_array(entries, *groups["contacts"], limit),
                           [b',"invalid":'], encode_array(entries, *groups["invalid"], limit),
                           [b',"duplicates":'], encode_array(entries, *groups["duplicates"], limit), [b"}"])


def result_json(result, import_id=None, region_source=None, limit=None):
    """The whole /upload response for RESULT as bytes."""
    return b"".join(result_json_parts(result, import_id, region_source, limit))
