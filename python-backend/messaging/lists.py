"""Saved contact lists: create, rename, merge, delete, page with search, add and edit contacts."""
import orjson

from . import contacts_check, list_stats
from .db import insert_id, transaction
from core import errors
from core.errors import DomainError, not_found
from core.fields import is_id, require_text
from .util import contains, dumps, iso, like_pattern, loads, now

INSERT_BATCH = 5000  # contacts per executemany: big enough to amortise the call, small enough to cap memory


def list_row(conn, list_id):
    """The lists row LIST_ID, or a 404."""
    row = conn.execute("SELECT * FROM lists WHERE id=?", (list_id,)).fetchone()
    if row is None:
        raise not_found("List", list_id)
    return row


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


def contact_tuple(list_id, contact, stamp):
    """The INSERT parameters of one contact record {number, alternates, email, name, fields, row}."""
    return (list_id, contact.get("number") or None, alternates_text(contact), contact.get("email") or None,
            contact.get("name") or "", fields_text(contact.get("fields") or {}), contact.get("row"), stamp, stamp)


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
    """Insert RECORDS (dicts) into LIST_ID, skipping duplicates of a number or email; (added, duplicates)."""
    added = tried = 0
    stamp = now()
    for batch in insert_batches(list_id, records, stamp):
        # One executemany per batch: rowcount is the rows really inserted (ON CONFLICT skips duplicates), so
        # the counts stay exact without a statement and a rowcount read per contact.
        cursor = conn.executemany(
            "INSERT INTO list_contacts (list_id, number, alternates, email, name, fields, source_row, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", batch)
        # The compose check's counts, in the same transaction: (name, number, email, fields) of each contact_tuple.
        list_stats.inserted(conn, list_id, [(t[4], t[1], t[3], t[5]) for t in batch], cursor.rowcount)
        added += cursor.rowcount
        tried += len(batch)
    return added, tried - added


def insert_batches(list_id, records, stamp):
    """The INSERT parameters of RECORDS with a number or an email, INSERT_BATCH at a time."""
    batch = []
    for contact in records:
        if not (contact.get("number") or contact.get("email")):
            continue
        batch.append(contact_tuple(list_id, contact, stamp))
        if len(batch) >= INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def create_list(conn, name, records):
    """A new list NAME holding RECORDS; returns (list, {added, duplicates})."""
    name = require_text(name, "name")
    with transaction(conn):
        stamp = now()
        list_id = insert_id(conn, "INSERT INTO lists (name, created_at, updated_at) VALUES (?,?,?)",
                            (name, stamp, stamp))
        added, duplicates = insert_contacts(conn, list_id, records)
    return describe(conn, list_row(conn, list_id)), {"added": added, "duplicates": duplicates}


def append_contacts(conn, list_id, records):
    """Add RECORDS to the existing LIST_ID, skipping numbers and emails it already has; (list, {added, duplicates})."""
    with transaction(conn):
        list_row(conn, list_id)
        added, duplicates = insert_contacts(conn, list_id, records)
        conn.execute("UPDATE lists SET updated_at=? WHERE id=?", (now(), list_id))
    return describe(conn, list_row(conn, list_id)), {"added": added, "duplicates": duplicates}


def rename_list(conn, list_id, name):
    """Give LIST_ID a new name."""
    name = require_text(name, "name")
    with transaction(conn):
        list_row(conn, list_id)
        conn.execute("UPDATE lists SET name=?, updated_at=? WHERE id=?", (name, now(), list_id))
    return describe(conn, list_row(conn, list_id))


def delete_list(conn, list_id):
    """Delete LIST_ID and its contacts (campaigns keep their own recipient snapshot)."""
    with transaction(conn):
        list_row(conn, list_id)
        conn.execute("DELETE FROM lists WHERE id=?", (list_id,))


def merge_lists(conn, name, list_ids):
    """A new list NAME with the contacts of LIST_IDS, de-duplicated by number and email."""
    if not isinstance(list_ids, list) or len(list_ids) < 2 or not all(is_id(i) for i in list_ids):
        raise DomainError("bad_param", "'list_ids' must name at least two lists by id.")
    for list_id in list_ids:
        list_row(conn, list_id)
    records = merged_records(conn, list_ids)
    return create_list(conn, name, records)


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
        list_row(conn, list_id)
        contact_id = write_contact(conn, list_id, contact)
        conn.execute("UPDATE lists SET updated_at=? WHERE id=?", (now(), list_id))
    return contact_out(contact_row(conn, list_id, contact_id))


def edit_contact(conn, list_id, contact_id, data, region):
    """Apply DATA to a contact of LIST_ID, re-validating what changed."""
    current = contact_row(conn, list_id, contact_id)
    base = {"number": current["number"], "alternates": loads(current["alternates"], []), "email": current["email"],
            "name": current["name"], "fields": loads(current["fields"], {})}
    contact = contacts_check.check_contact(data, region, base)
    with transaction(conn):
        write_contact(conn, list_id, contact, contact_id)
        conn.execute("UPDATE lists SET updated_at=? WHERE id=?", (now(), list_id))
    return contact_out(contact_row(conn, list_id, contact_id))


def delete_contact(conn, list_id, contact_id):
    """Remove one contact from LIST_ID."""
    with transaction(conn):
        contact_row(conn, list_id, contact_id)
        old = list_stats.contact_shape(conn, contact_id)
        conn.execute("DELETE FROM list_contacts WHERE id=?", (contact_id,))
        list_stats.changed(conn, list_id, contact_id, old, None)


def field_names(conn, list_id):
    """The extra column names present in LIST_ID (for placeholders), kept with the list (list_stats)."""
    return list_stats.field_names(conn, list_id)
