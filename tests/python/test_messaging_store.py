"""The messaging store over real SQLite files (and, with BULKMSG_TEST_ENGINE=postgresql, a real PostgreSQL): lists, do-not-contact, templates, rendering, emails."""
import os

import pandas as pd
import pytest
from contacts.emails import explain_email, normalize_email, normalize_emails
from messaging import db, dnc, lists, render, templates
from core.errors import DomainError

@pytest.fixture
def conn(tmp_path):
    """A fresh store in a real file."""
    connection = db.open_store(str(tmp_path))
    yield connection
    connection.close()


def tables(connection):
    """Names of the tables in the file."""
    return {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.mark.sqlite_only
def test_a_new_store_is_a_wal_file_with_full_sync_and_every_table(tmp_path):
    connection = db.open_store(str(tmp_path))
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"lists", "list_contacts", "campaigns", "campaign_recipients", "channels"} <= tables(connection)
    assert db.integrity_ok(connection)
    connection.close()
    assert os.path.exists(os.path.join(str(tmp_path), db.DB_FILE_NAME))


# Upgrades of older files, refusal of newer ones and concurrent start-ups: tests/python/test_migrations.py.


def test_lists_create_rename_merge_delete_and_search(conn):
    first, stats = lists.create_list(conn, "A", [
        {"number": "+14155552671", "name": "Ann", "fields": {"City": "SF"}, "row": 2},
        {"number": "+14155552671", "name": "Ann again", "row": 3},
        {"email": "zed@example.com", "name": "Zed", "row": 4}])
    assert stats == {"added": 2, "duplicates": 1}
    assert first["count"] == 2 and first["with_number"] == 1 and first["with_email"] == 1
    second, _ = lists.create_list(conn, "B", [{"number": "+14155552671", "name": "Ann B"},
                                             {"number": "+442079460958", "name": "Gus"}])
    merged, merge_stats = lists.merge_lists(conn, "A+B", [first["id"], second["id"]])
    assert merged["count"] == 3 and merge_stats["duplicates"] == 1
    assert lists.rename_list(conn, merged["id"], "  All  ")["name"] == "All"
    found = lists.page_contacts(conn, merged["id"], q="gus")
    assert found["total"] == 1 and found["contacts"][0]["number"] == "+442079460958"
    assert lists.page_contacts(conn, merged["id"], q="%")["total"] == 0  # LIKE wildcards are literal
    paged = lists.page_contacts(conn, merged["id"], offset=1, limit=1)
    assert paged["total"] == 3 and len(paged["contacts"]) == 1
    lists.delete_list(conn, first["id"])
    with pytest.raises(DomainError) as err:
        lists.page_contacts(conn, first["id"])
    assert err.value.code == "not_found" and err.value.kind == "not_found"


def test_add_and_edit_contact_are_revalidated(conn):
    created, _ = lists.create_list(conn, "L", [])
    added = lists.add_contact(conn, created["id"], {"number": "(415) 555-2671", "name": " Ann "}, "US")
    assert added["number"] == "+14155552671" and added["name"] == "Ann"
    with pytest.raises(DomainError) as err:
        lists.edit_contact(conn, created["id"], added["id"], {"number": "12"}, "US")
    assert err.value.code == "invalid_number"
    with pytest.raises(DomainError) as err:
        lists.add_contact(conn, created["id"], {"number": "+1 415 555 2671"}, "US")
    assert err.value.code == "duplicate_contact" and err.value.kind == "conflict"
    with pytest.raises(DomainError) as err:
        lists.edit_contact(conn, created["id"], added["id"], {"email": "not-an-email"}, "US")
    assert err.value.code == "invalid_email"
    edited = lists.edit_contact(conn, created["id"], added["id"], {"email": "ann@EXAMPLE.org"}, "US")
    assert edited["email"] == "ann@example.org" and edited["number"] == "+14155552671"
    with pytest.raises(DomainError) as err:
        lists.edit_contact(conn, created["id"], added["id"], {"number": "", "email": ""}, "US")
    assert err.value.code == "missing_field"


def test_do_not_contact_normalises_and_matches(conn):
    result = dnc.add_values(conn, "+1 (415) 555-2671\nSTOP@Example.com; nonsense", "US")
    assert result["added"] == 2 and [i["value"] for i in result["invalid"]] == ["nonsense"]
    assert dnc.add_values(conn, ["4155552671"], "US")["already"] == 1
    assert dnc.blocked(conn, "+14155552671") and dnc.blocked(conn, None, "STOP@example.com")
    assert not dnc.blocked(conn, "+14155550000")
    entry = dnc.page(conn, q="stop")["entries"][0]
    dnc.remove(conn, entry["id"])
    assert not dnc.blocked(conn, "STOP@example.com")


def test_templates_check_placeholder_syntax(conn):
    saved = templates.create(conn, {"name": "t", "subject": "Hi {{name}}", "body": "From {{ City | here }}"})
    assert saved["placeholders"] == ["name", "City"]
    with pytest.raises(DomainError) as err:
        templates.update(conn, saved["id"], {"body": "Hi {{name"})
    assert err.value.code == "bad_template"
    assert templates.update(conn, saved["id"], {"name": "renamed"})["body"] == "From {{ City | here }}"


def test_render_fills_columns_and_fallbacks():
    contact = {"name": "Meera Nair", "number": "+919876543210", "fields": {"City": "Pune", "Plan": " "}}
    text = "Hi {{name|friend}} ({{first_name}}) in {{city}}, plan {{Plan|basic}}, code {{coupon}}"
    assert render.render(text, contact) == "Hi Meera Nair (Meera) in Pune, plan basic, code "
    assert render.render("Hi {{name|friend}}", {"name": ""}) == "Hi friend"
    assert render.empty_placeholders(text, contact) == ["coupon"]


def test_sms_segments_gsm7_and_ucs2():
    assert render.sms_stats("a" * 160)["segments"] == 1
    gsm = render.sms_stats("a" * 161)
    assert (gsm["encoding"], gsm["segments"], gsm["per_segment"]) == ("GSM-7", 2, 153)
    assert render.sms_stats("€" * 80)["units"] == 160  # extension characters take two septets
    ucs = render.sms_stats("Привет " * 11)  # 77 UCS-2 characters: over 70, so 67 per part
    assert (ucs["encoding"], ucs["segments"]) == ("UCS-2", 2)
    assert render.sms_stats("😀" * 35)["units"] == 70  # surrogate pairs count twice


@pytest.mark.parametrize("text,expected", [
    ("John.Smith@Example.COM", "John.Smith@example.com"),
    ("  mailto:ann@example.org?subject=hi ", "ann@example.org"),
    ("<ann@example.org>", "ann@example.org"),
    ("jo@bücher.de", "jo@xn--bcher-kva.de"),
])
def test_emails_are_normalised(text, expected):
    assert normalize_email(text) == (expected, None)


@pytest.mark.parametrize("text,reason,word", [
    ("", "empty", "No email"),
    ("ann.example.org", "invalid_email", "no @"),
    ("ann @example.org", "invalid_email", "spaces"),
    ("ann@example", "invalid_email", "top-level"),
    ("ann@exa_mple.com", "invalid_email", "domain"),
    ("a..b@example.com", "invalid_email", "dots"),
    ("a@b@example.com", "invalid_email", "more than one"),
])
def test_bad_emails_have_reasons_and_specific_messages(text, reason, word):
    email, got_reason, message = explain_email(text)
    assert email is None and got_reason == reason and word in message


def test_vectorised_emails_match_the_one_by_one_path():
    values = ["A@B.COM", "bad", "Jo@Bücher.de", None, "x@y.io", "mailto:z@w.org"]
    frame = normalize_emails(pd.Series(values, index=[10, 11, 12, 13, 14, 15]))
    assert list(frame.index) == [10, 11, 12, 13, 14, 15]
    for value, row in zip(values, frame.to_dict("records")):
        assert (row["email"], row["reason"]) == normalize_email(value)
