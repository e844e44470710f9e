"""Saved contact lists: create, rename, merge, delete, page with search, add and edit contacts."""
import contextlib
import functools
import itertools
import operator

import orjson

from . import audit, contacts_check, db, list_stats
from .db import insert_id, transaction
from core import errors
from core.errors import DomainError, not_found
from core.fields import is_id, require_text
from .util import contains, dumps, iso, like_pattern, loads, now

INSERT_BATCH = 5000  # contacts per INSERT statement: big enough to amortise the call, small enough to cap memory
BULK_CACHE_KIB = 16 * 1024  # SQLite page cache while inserting many contacts (see bulk_cache)
INSERT_CONTACT = ("INSERT INTO list_contacts (list_id, number, alternates, email, name, fields, source_row, created_at,"
                  " updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")
# The same INSERT for a batch given as one JSON array of rows (?3), in array order, so ids follow the batch's order;
# 'WHERE true' lets SQLite parse the ON CONFLICT clause after a SELECT. A row holds only the contact_values that are
# not NULL in every row of its batch (json_insert_sql): an import without emails or alternate numbers sends four
# values a row, and SQLite's json_extract calls per row were most of unpacking the batch.
CONTACT_COLUMNS = ("number", "alternates", "email", "name", "fields", "source_row")
# PostgreSQL's form of the same statement (jsonb unpacks the array; ORDINALITY keeps the batch's order).
INSERT_FROM_JSON_PG = (
    "INSERT INTO list_contacts (list_id, number, alternates, email, name, fields, source_row, created_at,"
    " updated_at) SELECT ?, v->>0, v->>1, v->>2, v->>3, v->>4, (v->>5)::bigint, ?, ?"
    " FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS b(v, n) ORDER BY n ON CONFLICT DO NOTHING")


def list_row(conn, list_id):
    """The lists row LIST_ID, or a 404."""
    row = conn.execute("SELECT * FROM lists WHERE id=?", (list_id,)).fetchone()
    if row is None:
        raise not_found("List", list_id)
    return row


def claim_list(conn, list_id):
    """Mark LIST_ID changed, first thing in a transaction that changes its contacts (a 404 when missing).

    The UPDATE locks the list's row, so writers of one list take their row locks one after the other: on
    PostgreSQL two edits that move the counts between the same two shapes in opposite directions would otherwise
    deadlock (SQLite's BEGIN IMMEDIATE already runs one writer at a time)."""
    if conn.execute("UPDATE lists SET updated_at=? WHERE id=?", (now(), list_id)).rowcount != 1:
        raise not_found("List", list_id)


def describe(conn, row):
    """A list as the API shows it, with its counts."""
    counts = conn.execute(
        "SELECT COUNT(*), COUNT(number), COUNT(email) FROM list_contacts WHERE list_id=?", (row["id"],)).fetchone()
    return {"id": row["id"], "name": row["name"], "count": counts[0], "with_number": counts[1],
            "with_email": counts[2], "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])}


def all_lists(conn):
    """Every list, newest first."""
    rows = conn.execute("SELECT * FROM lists ORDER BY id DESC").fetchall()
    return [describe(conn, row) for row in rows]


def contact_values(contact):
    """The stored (number, alternates, email, name, fields, source_row) of one contact record
    {number, alternates, email, name, fields, row}."""
    return (contact.get("number") or None, alternates_text(contact), contact.get("email") or None,
            contact.get("name") or "", fields_text(contact.get("fields") or {}), contact.get("row"))


def fields_text(fields):
    """The stored JSON of a contact's fields, the same text as util.dumps, written by orjson (5x faster: the
    stdlib encoder was half the time of saving a 100k list) whenever orjson's text is the same."""
    if float in map(type, fields.values()):
        return dumps(fields)  # orjson writes NaN as null where json writes NaN
    try:
        return orjson.dumps(fields).decode()
    except orjson.JSONEncodeError:  # e.g. a lone surrogate or an integer beyond 64 bits
        return dumps(fields)


def alternates_text(contact):
    """The stored form of a contact's alternate numbers: a JSON array, NULL when there are none."""
    return dumps(contact["alternates"]) if contact.get("alternates") else None


def insert_contacts(conn, list_id, records):
    """Insert RECORDS (dicts, or an object whose batches() yields prepared() batches of contact_values tuples, as
    import_rows.ImportRows) into LIST_ID, skipping duplicates of a number or email; (added, duplicates)."""
    batches = records.batches() if hasattr(records, "batches") else map(prepared, insert_batches(records))
    added = tried = 0
    stamp = now()
    shapes, layouts = {}, {}
    with bulk_cache(conn):
        for batch, counts, json_rows in batches:
            before = highest_id(conn, list_id) if db.is_postgres(conn) else None
            rowcount = insert_batch(conn, list_id, stamp, batch, json_rows)
            list_stats.merge(shapes, layouts, *list_stats.inserted(conn, list_id, batch, rowcount, counts, before))
            added += rowcount
            tried += len(batch)
        # The compose check's counts, in the same transaction, written once for all the batches.
        list_stats.add(conn, list_id, shapes, layouts)
    return added, tried - added


def prepared(batch):
    """(BATCH, its list_stats.counted counts, its sqlite_json): what insert_contacts takes of a batch, made before
    the insert so that a background thread can make it beside the previous batch's (core.ahead)."""
    return batch, list_stats.counted(batch)[1], sqlite_json(batch)


def highest_id(conn, list_id):
    """LIST_ID's highest contact id (0 when empty)."""
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM list_contacts WHERE list_id=?", (list_id,)).fetchone()[0]


def insert_batch(conn, list_id, stamp, batch, json_rows=None):
    """Insert BATCH (contact_values tuples) in one statement; the rows really inserted (ON CONFLICT skips
    duplicates, and the statement's rowcount counts only the others, so added/duplicates stay exact).

    The batch goes in as one JSON text that SQLite unpacks (INSERT ... SELECT FROM json_each): an executemany
    runs the statement once per contact, which was ~60% of the insert's time. JSON_ROWS: its sqlite_json, when
    made beforehand. A batch JSON cannot carry goes through executemany as before."""
    if db.is_postgres(conn):
        text = json_text(batch)
        if text is not None:
            return conn.execute(INSERT_FROM_JSON_PG, (list_id, stamp, stamp, text.decode())).rowcount
    else:
        json_rows = json_rows or sqlite_json(batch)
        if json_rows is not None:
            return conn.execute(json_insert_sql(json_rows[0]), (list_id, stamp, json_rows[1])).rowcount
    return conn.executemany(INSERT_CONTACT, [(list_id, *values, stamp, stamp) for values in batch]).rowcount


def json_text(rows):
    """ROWS as JSON text, or None where JSON cannot carry them exactly: a NUL (SQLite's JSON reader cuts the text
    there, PostgreSQL's text cannot hold one), or a value orjson refuses (a lone surrogate, a huge integer)."""
    try:
        text = orjson.dumps(rows)
    except orjson.JSONEncodeError:
        return None
    return None if b"\\u0000" in text else text


def sqlite_json(batch):
    """(the positions kept, the JSON text of BATCH's rows holding only those) for json_insert_sql, or None when
    the batch must go through executemany."""
    kept = tuple(not_all_null(batch))
    text = json_text(batch if len(kept) == len(CONTACT_COLUMNS) else list(map(operator.itemgetter(*kept), batch)))
    return None if text is None else (kept, text)


def not_all_null(batch):
    """The positions of contact_values that are not None in every row of BATCH (in C: a column of values the
    import has does not get past its first row)."""
    kept = [i for i in range(len(CONTACT_COLUMNS))
            if not all(map(operator.is_, map(operator.itemgetter(i), batch), itertools.repeat(None)))]
    return kept if len(kept) > 1 else range(len(CONTACT_COLUMNS))  # one position would make rows scalars


@functools.lru_cache(maxsize=None)
def json_insert_sql(kept):
    """SQLite's INSERT of a JSON batch whose rows hold the contact_values at positions KEPT (the others are NULL)."""
    values = ["json_extract(value, '$[%d]')" % kept.index(i) if i in kept else "NULL"
              for i in range(len(CONTACT_COLUMNS))]
    return ("INSERT INTO list_contacts (list_id, %s, created_at, updated_at) SELECT ?1, %s, ?2, ?2"
            " FROM json_each(?3) WHERE true ON CONFLICT DO NOTHING" % (", ".join(CONTACT_COLUMNS), ", ".join(values)))


@contextlib.contextmanager
def bulk_cache(conn):
    """SQLite's page cache raised to BULK_CACHE_KIB for a bulk insert, then put back (which frees the pages).

    With the default 2 MB the pages a 100k insert touches (~11 MB: rows and three indexes) no longer fit, and
    pages are spilled to the WAL and read back mid-transaction; 16 MB cut the insert's CPU time by ~8% and its
    wall time more. Durability is unchanged (same journal, same fsync at commit); the request's connection,
    and with it the cache, is closed after the request. PostgreSQL sizes its own buffers: nothing to do."""
    if db.is_postgres(conn):
        yield
        return
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size=%d" % -BULK_CACHE_KIB)
    try:
        yield
    finally:
        conn.execute("PRAGMA cache_size=%d" % before)


def insert_batches(records):
    """The contact_values of RECORDS with a number or an email, INSERT_BATCH at a time."""
    batch = []
    for contact in records:
        if not (contact.get("number") or contact.get("email")):
            continue
        batch.append(contact_values(contact))
        if len(batch) >= INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def create_list(conn, name, records, actor=None):
    """A new list NAME holding RECORDS, audited for ACTOR in the same transaction; (list, {added, duplicates})."""
    name = require_text(name, "name")
    with transaction(conn):
        stamp = now()
        list_id = insert_id(conn, "INSERT INTO lists (name, created_at, updated_at) VALUES (?,?,?)",
                            (name, stamp, stamp))
        added, duplicates = insert_contacts(conn, list_id, records)
        audit.record_by(conn, actor, "list.created", "list", list_id, {"name": name, "contacts": added})
    return describe(conn, list_row(conn, list_id)), {"added": added, "duplicates": duplicates}


def append_contacts(conn, list_id, records):
    """Add RECORDS to the existing LIST_ID, skipping numbers and emails it already has; (list, {added, duplicates})."""
    with transaction(conn):
        claim_list(conn, list_id)
        added, duplicates = insert_contacts(conn, list_id, records)
    return describe(conn, list_row(conn, list_id)), {"added": added, "duplicates": duplicates}


def rename_list(conn, list_id, name):
    """Give LIST_ID a new name."""
    name = require_text(name, "name")
    with transaction(conn):
        list_row(conn, list_id)
        conn.execute("UPDATE lists SET name=?, updated_at=? WHERE id=?", (name, now(), list_id))
    return describe(conn, list_row(conn, list_id))


def delete_list(conn, list_id, actor=None):
    """Delete LIST_ID and its contacts (campaigns keep their own recipient snapshot), audited for ACTOR in the same
    transaction."""
    with transaction(conn):
        row = list_row(conn, list_id)
        conn.execute("DELETE FROM lists WHERE id=?", (list_id,))
        audit.record_by(conn, actor, "list.deleted", "list", list_id, {"name": row["name"]})


def merge_lists(conn, name, list_ids, actor=None):
    """A new list NAME with the contacts of LIST_IDS, de-duplicated by number and email (audited as a created
    list for ACTOR)."""
    if not isinstance(list_ids, list) or len(list_ids) < 2 or not all(is_id(i) for i in list_ids):
        raise DomainError("bad_param", "'list_ids' must name at least two lists by id.")
    for list_id in list_ids:
        list_row(conn, list_id)
    records = merged_records(conn, list_ids)
    return create_list(conn, name, records, actor)


def merged_records(conn, list_ids):
    """The contacts of LIST_IDS in list order, as insertable records."""
    for list_id in list_ids:
        for row in conn.execute("SELECT * FROM list_contacts WHERE list_id=? ORDER BY id", (list_id,)).fetchall():
            yield {"number": row["number"], "alternates": loads(row["alternates"], []), "email": row["email"],
                   "name": row["name"], "fields": loads(row["fields"], {}), "row": row["source_row"]}


def contact_out(row):
    """A stored contact as the API shows it."""
    return {"id": row["id"], "number": row["number"], "alternates": loads(row["alternates"], []),
            "email": row["email"], "name": row["name"], "fields": loads(row["fields"], {}), "row": row["source_row"],
            "updated_at": iso(row["updated_at"])}


def page_contacts(conn, list_id, q="", offset=0, limit=100):
    """{total, offset, limit, contacts} of LIST_ID, optionally filtered by Q (name, number, email)."""
    list_row(conn, list_id)
    where, params = "list_id=?", [list_id]
    if q:
        pattern = like_pattern(q)
        where += " AND (%s OR %s OR %s)" % (contains("name"), contains("number"), contains("email"))
        params += [pattern] * 3
    total = conn.execute("SELECT COUNT(*) FROM list_contacts WHERE " + where, params).fetchone()[0]
    rows = conn.execute("SELECT * FROM list_contacts WHERE %s ORDER BY id LIMIT ? OFFSET ?" % where,
                        params + [limit, offset]).fetchall()
    return {"total": total, "offset": offset, "limit": limit, "contacts": [contact_out(r) for r in rows]}


def contact_row(conn, list_id, contact_id):
    """One contact of LIST_ID, or a 404."""
    row = conn.execute("SELECT * FROM list_contacts WHERE id=? AND list_id=?", (contact_id, list_id)).fetchone()
    if row is None:
        raise not_found("Contact", contact_id)
    return row


def write_contact(conn, list_id, contact, contact_id=None):
    """Insert or update one validated contact, refusing a duplicate number or email in the list."""
    old = None if contact_id is None else list_stats.contact_shape(conn, contact_id)  # read under the write lock
    written = store_contact(conn, list_id, contact, contact_id)
    list_stats.changed(conn, list_id, written, old, list_stats.contact_shape(conn, written))
    return written


def store_contact(conn, list_id, contact, contact_id=None):
    """The INSERT or UPDATE of one contact row; its id."""
    stamp = now()
    try:
        if contact_id is None:
            return insert_id(
                conn, "INSERT INTO list_contacts (list_id, number, alternates, email, name, fields, created_at,"
                " updated_at) VALUES (?,?,?,?,?,?,?,?)", (list_id, contact["number"], alternates_text(contact),
                                                         contact["email"], contact["name"], dumps(contact["fields"]),
                                                         stamp, stamp))
        conn.execute("UPDATE list_contacts SET number=?, alternates=?, email=?, name=?, fields=?, updated_at=? "
                     "WHERE id=?", (contact["number"], alternates_text(contact), contact["email"], contact["name"],
                                    dumps(contact["fields"]), stamp, contact_id))
        return contact_id
    except conn.IntegrityError:  # the DB-API connection names its driver's exception class
        raise DomainError("duplicate_contact", "This list already has a contact with that number or email.",
                          errors.CONFLICT) from None


def add_contact(conn, list_id, data, region):
    """Validate DATA and add it to LIST_ID."""
    contact = contacts_check.check_contact(data, region)
    with transaction(conn):
        claim_list(conn, list_id)
        contact_id = write_contact(conn, list_id, contact)
    return contact_out(contact_row(conn, list_id, contact_id))


def edit_contact(conn, list_id, contact_id, data, region):
    """Apply DATA to a contact of LIST_ID, re-validating what changed (read and written in one transaction, so
    an edit at the same moment is not lost)."""
    with transaction(conn):
        claim_list(conn, list_id)
        current = contact_row(conn, list_id, contact_id)
        base = {"number": current["number"], "alternates": loads(current["alternates"], []),
                "email": current["email"], "name": current["name"], "fields": loads(current["fields"], {})}
        write_contact(conn, list_id, contacts_check.check_contact(data, region, base), contact_id)
    return contact_out(contact_row(conn, list_id, contact_id))


def delete_contact(conn, list_id, contact_id):
    """Remove one contact from LIST_ID."""
    with transaction(conn):
        claim_list(conn, list_id)
        contact_row(conn, list_id, contact_id)
        old = list_stats.contact_shape(conn, contact_id)
        conn.execute("DELETE FROM list_contacts WHERE id=?", (contact_id,))
        list_stats.changed(conn, list_id, contact_id, old, None)


def field_names(conn, list_id):
    """The extra column names present in LIST_ID (for placeholders), kept with the list (list_stats)."""
    return list_stats.field_names(conn, list_id)
