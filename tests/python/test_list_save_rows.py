"""Saving an import as a list builds its rows column-wise (messaging.import_rows) and inserts each batch as one
JSON text (lists.insert_batch); the contacts table must be what the record-by-record path with one executemany
per batch wrote: same rows, ids in the same order, same text, same added/duplicates counts.

That path (contacts.report.contact_records, the email re-check, a tuple per record, executemany) is replayed
here in-process against a fresh store, over the very imports the real sidecar saved, and the tables compared."""
import math
import os
import sqlite3

import pandas as pd
import pytest
from contacts.emails import normalize_email
from contacts.history import ImportHistory
from contacts.report import contact_records
from messaging import contacts_check, db, lists
from messaging.import_rows import contact_rows
from support.sidecar import Sidecar

# The SQLite insert paths (json_each vs executemany) compared on the file; PostgreSQL's batch insert is
# covered by the list tests run on it (test_lists_api, test_list_stats).
pytestmark = pytest.mark.sqlite_only

# Unicode names, empty cells, quotes, backslashes, a tab and a newline inside cells, alternates, upper-case email
# domains, email-only rows, a repeated email under another number, a repeated number, a bad email.
CSV = ('Name,Mobile,Home phone,Email,City,Note\n'
       'Ann Ærø,+1 415 555 2671,(415) 555-2672,ann@EXAMPLE.com,Kraków,"say ""hi"""\n'
       'Bob 山田,415 555 2673,,,,back\\slash\n'
       ',415 555 2674,415 555 2675 / 415 555 2676,shared@example.org,"tab\there","two\nlines"\n'
       'Cy,415 555 2677,,shared@example.org,Pune,\n'
       'Di,12,,mail.only@Example.NET,Goa,x\n'
       'Ed,415 555 2673,,ed@example.org,dup number,\n'
       'Fay,123,,not-an-email,X,\n'
       '😀 Gus,+44 20 7946 0958,,gus@example.co.uk,London,\u2028sep\n'
       'Hal,415 555 2680,,,"",""\n')
# Contacts already in the list the import is appended to: a number and an email the import repeats.
EXISTING = [{"number": "+14155552671", "name": "Ann", "fields": {"City": "SF"}},
            {"number": "+14155559999", "name": "Other", "email": "gus@example.co.uk"}]
OLD_INSERT = ("INSERT INTO list_contacts (list_id, number, alternates, email, name, fields, source_row, created_at,"
              " updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")
TABLE = ("SELECT id, list_id, number, alternates, email, name, fields, source_row FROM list_contacts "
         "ORDER BY id")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A real sidecar on a free loopback port."""
    server = Sidecar(tmp_path_factory.mktemp("listsave")).start()
    yield server
    server.stop()


def upload(api, text, region="US"):
    """Import TEXT; its import id."""
    answer = api.post("/upload", files={"file": ("people.csv", text.encode())}, data={"default_region": region},
                      json=None)
    assert answer.status_code == 200, answer.text
    return answer.json()["import_id"]


def old_records(data_dir, import_id):
    """The import's contacts as the record path made them (messageable entries, emails re-checked)."""
    result, _ = ImportHistory(os.path.join(data_dir, "imports")).load(import_id)
    entries = result.entries
    usable = entries["status"] == "valid"
    if "email" in entries.columns:
        usable |= (entries["status"] == "invalid") & entries["email"].notna() & (entries["email_duplicate_of_row"] == 0)
    for record in contact_records(entries[usable]):
        if record.get("email"):
            record["email"] = normalize_email(record["email"])[0]
        yield record


def old_tuple(list_id, contact, stamp):
    """The INSERT parameters the record path made of one contact."""
    return (list_id, contact.get("number") or None, lists.alternates_text(contact), contact.get("email") or None,
            contact.get("name") or "", lists.fields_text(contact.get("fields") or {}), contact.get("row"), stamp,
            stamp)


def old_insert(conn, list_id, records):
    """(added, duplicates) of RECORDS inserted into LIST_ID as the record path did, in one transaction."""
    rows = [old_tuple(list_id, c, 1.0) for c in records if c.get("number") or c.get("email")]
    conn.execute("BEGIN IMMEDIATE")
    added = sum(conn.executemany(OLD_INSERT, rows[s:s + 5000]).rowcount for s in range(0, len(rows), 5000))
    conn.execute("COMMIT")
    return {"added": added, "duplicates": len(rows) - added}


def old_list(conn, name, records):
    """A new list NAME holding RECORDS, as the record path made it: (list id, counts)."""
    list_id = conn.execute("INSERT INTO lists (name, created_at, updated_at) VALUES (?, 1, 1) RETURNING id",
                           (name,)).fetchone()[0]
    return list_id, old_insert(conn, list_id, records)


def sidecar_table(api):
    """The sidecar's contacts table, timestamps left out."""
    conn = sqlite3.connect(os.path.join(api.data_dir, "bulkmsg.sqlite3"))
    try:
        return conn.execute(TABLE).fetchall()
    finally:
        conn.close()


def counts(answer):
    """(added, duplicates) of a list answer."""
    return answer["added"], answer["duplicates"]


def test_new_list_and_append_write_the_same_table_as_the_record_path(api, tmp_path):
    import_id = upload(api, CSV)
    existing = api.post("/lists", {"name": "Existing", "contacts": EXISTING, "default_region": "US"})
    assert existing.status_code == 201, existing.text
    created = api.post("/lists", {"name": "New", "import_id": import_id})
    assert created.status_code == 201, created.text
    appended = api.post("/lists/%d/imports" % existing.json()["list"]["id"], {"import_id": import_id})
    assert appended.status_code == 200, appended.text
    again = api.post("/lists/%d/imports" % created.json()["list"]["id"], {"import_id": import_id})
    assert again.status_code == 200, again.text

    conn = db.open_store(str(tmp_path / "replay"))
    first, _ = old_list(conn, "Existing", [contacts_check.check_contact(c, "US") for c in EXISTING])
    new, new_stats = old_list(conn, "New", old_records(api.data_dir, import_id))
    append_stats = old_insert(conn, first, old_records(api.data_dir, import_id))
    again_stats = old_insert(conn, new, old_records(api.data_dir, import_id))
    expected = conn.execute(TABLE).fetchall()
    conn.close()

    assert counts(created.json()) == (new_stats["added"], new_stats["duplicates"])
    assert counts(appended.json()) == (append_stats["added"], append_stats["duplicates"])
    assert counts(again.json()) == (again_stats["added"], again_stats["duplicates"])
    assert again_stats["added"] == 0 and new_stats["duplicates"] >= 1  # the import repeats a number of its own
    assert append_stats["duplicates"] >= new_stats["duplicates"] + 2  # and the existing number and email
    table = sidecar_table(api)
    assert [tuple(row) for row in table] == [tuple(row) for row in expected]
    stored = {row[5]: row for row in table if row[1] == created.json()["list"]["id"]}
    assert stored["Ann Ærø"][3] == '["+14155552672"]' and stored["Ann Ærø"][4] == "ann@example.com"
    assert '"Note":"say \\"hi\\""' in stored["Ann Ærø"][6] and '"City":"tab\\there"' in stored[""][6]


def test_a_generated_import_writes_the_same_table_as_the_record_path(api, tmp_path):
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    import gen_contacts
    path = gen_contacts.cached(str(tmp_path / "gen"), 3000, "IN", "csv", 11)[0]
    with open(path, encoding="utf-8") as handle:
        import_id = upload(api, handle.read(), "IN")
    created = api.post("/lists", {"name": "Generated", "import_id": import_id})
    assert created.status_code == 201, created.text
    list_id = created.json()["list"]["id"]

    conn = db.open_store(str(tmp_path / "replay"))
    _, stats = old_list(conn, "Generated", old_records(api.data_dir, import_id))
    expected = conn.execute(TABLE).fetchall()
    conn.close()
    assert counts(created.json()) == (stats["added"], stats["duplicates"])
    table = [row for row in sidecar_table(api) if row[1] == list_id]
    assert len(table) == len(expected) == stats["added"] > 2000
    first_id = table[0][0]
    assert [(row[0] - first_id,) + tuple(row[2:]) for row in table] == \
        [(row[0] - expected[0][0],) + tuple(row[2:]) for row in expected]


ODD_FIELDS = {
    "text with NaN for missing": pd.Series(["a", None, "é\"\\\x01", ""], dtype=pd.StringDtype(na_value=math.nan)),
    "object text and None": pd.Series(["a", None, "x\ny", "\u2028"], dtype=object),
    "object with NaN": pd.Series(["a", math.nan, None, "b"], dtype=object),
    "floats": pd.Series([1.5, math.nan, 2.0, math.inf], dtype=object),
    "ints": pd.Series([1, 2**70, 3, -4], dtype=object),
    "booleans and mixed": pd.Series([True, "t", None, 0.5], dtype=object),
}


@pytest.mark.parametrize("kind", sorted(ODD_FIELDS))
def test_odd_field_cells_are_stored_as_the_record_path_stored_them(kind):
    entries = pd.DataFrame({
        "id": [0, 1, 2, 3], "row": [2, 3, 4, 5],
        "number": pd.Series(["+14155552671", None, "", "+14155552672"], dtype=pd.StringDtype(na_value=pd.NA)),
        "name": pd.Series(["Ann", "", "Cy", "Dé"], dtype=object), "value": ["1", "2", "3", "4"],
        "email": pd.Series([None, "b@EXAMPLE.org", "", "d@x.org"], dtype=object),
        "alternates": pd.Series(["+14155552673;+14155552674", None, "", "+14155552675"], dtype=object),
        "field:Odd": ODD_FIELDS[kind], "field:Plain \"name\"": ["p", "q", "r", "s"]})
    expected = []
    for record in contact_records(entries):
        if record.get("email"):
            record["email"] = normalize_email(record["email"])[0]
        if record.get("number") or record.get("email"):
            expected.append(lists.contact_values(record))
    assert contact_rows(entries) == expected
    assert len(expected) == 3  # the row with neither a number nor an email is left out, as before



# Stored values JSON must carry exactly: a NUL (sent through executemany instead), escapes, quotes, backslashes,
# non-BMP characters, a JSON text inside the text, NULLs; a repeated number and a repeated email.
ODD_BATCH = [("+14155552671", None, None, "nul \x00 inside", "{}", 2),
             ("+14155552672", '["+14155552673"]', "a@b.org", "\u00e9\u2028\U0001f600 \\ \" \t \n", '{"k":"v"}', 3),
             ("+14155552671", None, "c@d.org", "repeated number", "{}", 5),
             (None, None, "a@b.org", "repeated email", '{"x":"\\u0000 \\"q\\""}', 6),
             (None, None, "e@f.org", "", '{"NaN":NaN}', None)]
STORED = ("SELECT number, alternates, email, name, fields, source_row, created_at, updated_at FROM list_contacts "
          "WHERE list_id=? ORDER BY id")


# Rows whose alternates, email or source row are NULL throughout: the JSON rows leave those positions out.
SPARSE_BATCH = [("+14155552671", None, None, "a", "{}", None), ("+14155552672", None, None, "", '{"k":""}', None),
                ("+14155552671", None, None, "repeated number", "{}", None)]
EMAIL_ONLY_BATCH = [(None, None, "a@b.org", "", "{}", 4), (None, None, "a@b.org", "again", "{}", 5),
                    (None, None, "c@d.org", "\u00e9", '{"x":"y"}', 7)]


@pytest.mark.parametrize("rows", [ODD_BATCH[1:], ODD_BATCH, SPARSE_BATCH, EMAIL_ONLY_BATCH],
                         ids=["json", "with a NUL", "no alternates, emails or rows", "email only"])
def test_a_batch_is_stored_as_executemany_stored_it(tmp_path, rows):
    conn = db.open_store(str(tmp_path / "store"))
    old_id, _ = old_list(conn, "old", [])
    new_id, _ = old_list(conn, "new", [])
    conn.execute("BEGIN IMMEDIATE")
    old_added = conn.executemany(OLD_INSERT, [(old_id, *values, 1.5, 1.5) for values in rows]).rowcount
    new_added = lists.insert_batch(conn, new_id, 1.5, rows)
    conn.execute("COMMIT")
    assert new_added == old_added < len(rows)  # duplicates skipped alike
    assert conn.execute(STORED, (new_id,)).fetchall() == conn.execute(STORED, (old_id,)).fetchall()
