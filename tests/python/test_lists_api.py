"""Lists, do-not-contact, templates, compose preview and channels over HTTP against the real sidecar."""
import io
import os
import sqlite3
import zipfile

import keyring
import openpyxl
import pytest
import support.sidecar as sidecar_support
from support.sidecar import Sidecar


@pytest.fixture(scope="module")
def api(tmp_path_factory, keychain):
    """A real sidecar (with a real keychain) on a free loopback port."""
    server = Sidecar(tmp_path_factory.mktemp("lists")).start()
    yield server
    server.stop()


def error_of(response, status, code):
    """Assert RESPONSE is the JSON error STATUS/CODE."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["error"]
    return body


def make_list(api, name="L", contacts=None):
    """A list from given contacts; returns its description."""
    contacts = contacts if contacts is not None else [
        {"number": "+14155552671", "name": "Ann", "email": "ann@example.org", "fields": {"City": "SF"}},
        {"number": "+442079460958", "name": "Gus", "fields": {"City": ""}}]
    r = api.post("/lists", {"name": name, "contacts": contacts, "default_region": "US"})
    assert r.status_code == 201, r.text
    return r.json()["list"]


def test_list_from_a_paste(api):
    r = api.post("/lists", {"name": "Pasted", "numbers": "+1 415 555 2671\n(415) 555-2672\nnope\n+14155552671",
                            "default_region": "US"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["added"] == 2 and body["list"]["count"] == 2
    assert body["source_summary"]["duplicates"] == 1
    page = api.get("/lists/%d/contacts" % body["list"]["id"]).json()
    assert sorted(c["number"] for c in page["contacts"]) == ["+14155552671", "+14155552672"]


def test_list_from_an_import(api):
    csv_text = ("Name,Mobile,Email,City\nAsha,98765 43210,asha@Example.in,Pune\nRavi,98765 43211,,Delhi\n"
                "Mail only,123,mail.only@example.org,Goa\nBad,123,not-an-email,X\n")
    upload = api.post("/upload", files={"file": ("c.csv", csv_text.encode())}, data={"default_region": "IN"},
                      json=None)
    assert upload.status_code == 200, upload.text
    r = api.post("/lists", {"name": "From import", "import_id": upload.json()["import_id"]})
    assert r.status_code == 201, r.text
    assert r.json()["list"]["with_email"] == 2
    contacts = api.get("/lists/%d/contacts" % r.json()["list"]["id"]).json()["contacts"]
    assert [(c["name"], c["number"], c["email"], c["fields"].get("City")) for c in contacts] == [
        ("Asha", "+919876543210", "asha@example.in", "Pune"), ("Ravi", "+919876543211", None, "Delhi"),
        ("Mail only", None, "mail.only@example.org", "Goa")]
    error_of(api.post("/lists", {"name": "x", "import_id": "imp_missing"}), 404, "not_found")


def test_an_import_is_added_to_an_existing_list_without_duplicates(api):
    existing = make_list(api, "Existing")
    csv_text = "Name,Phone\nAnn again,(415) 555-2671\nNew one,415 555 2699\nGus again,+44 20 7946 0958\n"
    upload = api.post("/upload", files={"file": ("more.csv", csv_text.encode())}, data={"default_region": "US"},
                      json=None)
    assert upload.status_code == 200, upload.text
    r = api.post("/lists/%d/imports" % existing["id"], {"import_id": upload.json()["import_id"]})
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["duplicates"], r.json()["list"]["count"]) == (1, 2, 3)
    numbers = [c["number"] for c in api.get("/lists/%d/contacts" % existing["id"]).json()["contacts"]]
    assert sorted(numbers) == ["+14155552671", "+14155552699", "+442079460958"]
    again = api.post("/lists/%d/imports" % existing["id"], {"import_id": upload.json()["import_id"]}).json()
    assert (again["added"], again["duplicates"], again["list"]["count"]) == (0, 3, 3)
    error_of(api.post("/lists/999999/imports", {"import_id": upload.json()["import_id"]}), 404, "not_found")
    error_of(api.post("/lists/%d/imports" % existing["id"], {"import_id": "imp_AAAAAAAAAAAAAAAA"}), 404, "not_found")
    error_of(api.post("/lists/%d/imports" % existing["id"], {}), 400, "missing_field")


def test_rename_merge_search_and_delete(api):
    first, second = make_list(api, "One"), make_list(api, "Two", [{"number": "+14155550001", "name": "Zoe"},
                                                                 {"number": "+14155552671", "name": "Ann 2"}])
    renamed = api.patch("/lists/%d" % first["id"], {"name": "Uno"}).json()
    assert renamed["name"] == "Uno"
    merged = api.post("/lists/merge", {"name": "Both", "list_ids": [first["id"], second["id"]]})
    assert merged.status_code == 201 and merged.json()["list"]["count"] == 3 and merged.json()["duplicates"] == 1
    found = api.get("/lists/%d/contacts" % merged.json()["list"]["id"], params={"q": "zoe"}).json()
    assert found["total"] == 1 and found["contacts"][0]["number"] == "+14155550001"
    assert api.get("/lists/%d" % first["id"]).json()["fields"] == ["City"]
    assert api.delete("/lists/%d" % first["id"]).status_code == 200
    error_of(api.get("/lists/%d" % first["id"]), 404, "not_found")
    assert first["id"] not in [item["id"] for item in api.get("/lists").json()["lists"]]


def test_add_edit_delete_contact_with_validation(api):
    created = make_list(api, "Edit", [])
    added = api.post("/lists/%d/contacts" % created["id"], {"number": "020 7946 0958", "default_region": "GB",
                                                           "name": "Gus"})
    assert added.status_code == 201 and added.json()["number"] == "+442079460958"
    contact_id = added.json()["id"]
    error_of(api.patch("/lists/%d/contacts/%d" % (created["id"], contact_id), {"number": "12"}), 400, "invalid_number")
    error_of(api.patch("/lists/%d/contacts/%d" % (created["id"], contact_id), {"email": "a b@c"}), 400, "invalid_email")
    error_of(api.post("/lists/%d/contacts" % created["id"], {"number": "+442079460958"}), 409, "duplicate_contact")
    edited = api.patch("/lists/%d/contacts/%d" % (created["id"], contact_id), {"email": "Gus@Example.COM"}).json()
    assert edited["email"] == "Gus@example.com" and edited["number"] == "+442079460958"
    assert api.delete("/lists/%d/contacts/%d" % (created["id"], contact_id)).status_code == 200
    error_of(api.delete("/lists/%d/contacts/%d" % (created["id"], contact_id)), 404, "not_found")


@pytest.mark.parametrize("method,path,body,status,code", [
    ("post", "/lists", {"name": "x"}, 400, "missing_field"),
    ("post", "/lists", {"contacts": []}, 400, "missing_field"),
    ("post", "/lists", {"name": "x", "numbers": "1", "default_region": "ZZ"}, 400, "bad_region"),
    ("post", "/lists", {"name": "x", "contacts": [{"name": "no number"}]}, 400, "missing_field"),
    ("post", "/lists", {"name": "x", "contacts": "nope"}, 400, "bad_param"),
    ("post", "/lists", {"name": 5, "contacts": []}, 400, "bad_field"),
    ("post", "/lists", {"name": "x" * 201, "contacts": []}, 413, "too_large"),
    ("post", "/lists", {"name": "x", "contacts": [{"number": 5}]}, 400, "bad_field"),
    ("post", "/templates", {"name": "t", "body": ["not", "text"]}, 400, "bad_field"),
    ("post", "/compose/preview", {"body": "x", "subject": 5}, 400, "bad_field"),
    ("post", "/do-not-contact", {"values": "+14155552671", "note": "n" * 501}, 413, "too_large"),
    ("post", "/lists/merge", {"name": "x", "list_ids": [1]}, 400, "bad_param"),
    ("post", "/lists/merge", {"name": "x", "list_ids": [999998, 999999]}, 404, "not_found"),
    ("patch", "/lists/999999", {"name": "x"}, 404, "not_found"),
    ("get", "/lists/999999/contacts", None, 404, "not_found"),
    ("get", "/lists/abc", None, 404, "not_found"),
    ("post", "/do-not-contact", {"values": 5}, 400, "bad_param"),
    ("post", "/do-not-contact", {"values": ""}, 400, "missing_field"),
    ("post", "/templates", {"name": "t", "body": "Hi {{name"}, 400, "bad_template"),
    ("post", "/templates", {"body": "x"}, 400, "missing_field"),
    ("post", "/compose/preview", {"body": "x", "list_id": "1"}, 400, "bad_param"),
    ("post", "/channels", {"name": "x", "type": "pigeon"}, 400, "bad_channel_type"),
    ("get", "/lists/99999999999999999999", None, 400, "bad_param"),
    ("get", "/do-not-contact?offset=99999999999999999999", None, 400, "bad_param"),
    ("post", "/lists/merge", {"name": "x", "list_ids": [True, 2]}, 400, "bad_param"),
    ("post", "/compose/preview", {"body": "x", "list_id": True}, 400, "bad_param"),
    ("post", "/campaigns", {"name": "x", "list_id": True, "channel_id": 1, "body": "b"}, 400, "missing_field"),
    ("post", "/channels", {"name": "x", "type": "twilio", "config": {"account_sid": "AC1", "from_number": "+1"}},
     400, "missing_field"),
])
def test_bad_input_gets_a_stable_4xx(api, method, path, body, status, code):
    error_of(getattr(api, method)(path, json=body) if body is not None else getattr(api, method)(path), status, code)


def test_malformed_json_and_bad_paging(api):
    r = api.post("/lists", data=b"{not json", headers={"Content-Type": "application/json"})
    error_of(r, 400, "bad_json")
    created = make_list(api, "Paging")
    error_of(api.get("/lists/%d/contacts" % created["id"], params={"limit": 0}), 400, "bad_param")
    error_of(api.get("/lists/%d/contacts" % created["id"], params={"offset": "x"}), 400, "bad_param")


def test_do_not_contact_over_http(api):
    r = api.post("/do-not-contact", {"values": "+1 415 555 2671\nstop@example.org\nxx", "default_region": "US"})
    assert r.status_code == 201 and r.json()["added"] == 2 and len(r.json()["invalid"]) == 1
    entries = api.get("/do-not-contact", params={"q": "stop"}).json()["entries"]
    assert [e["value"] for e in entries] == ["stop@example.org"]
    assert api.delete("/do-not-contact/%d" % entries[0]["id"]).status_code == 200
    assert api.get("/do-not-contact", params={"q": "stop"}).json()["total"] == 0


def test_templates_and_compose_preview(api):
    created = api.post("/templates", {"name": "Welcome", "subject": "Hello {{name}}",
                                      "body": "Hi {{name|friend}}, see you in {{City}}!"})
    assert created.status_code == 201 and created.json()["placeholders"] == ["name", "City"]
    template_id = created.json()["id"]
    assert api.patch("/templates/%d" % template_id, {"name": "Welcome 2"}).json()["name"] == "Welcome 2"
    listed = make_list(api, "Compose")
    gus = api.get("/lists/%d/contacts" % listed["id"], params={"q": "gus"}).json()["contacts"][0]
    preview = api.post("/compose/preview", {"list_id": listed["id"], "subject": "Hello {{name}}",
                                            "body": "Hi {{name|friend}}, see you in {{City}}!"}).json()
    assert preview["preview"]["body"] == "Hi Ann, see you in SF!"
    assert preview["warnings"]["recipients_with_empty"] == 1
    assert preview["warnings"]["examples"][0]["name"] == "Gus" and preview["warnings"]["by_placeholder"] == {"City": 1}
    for_gus = api.post("/compose/preview", {"list_id": listed["id"], "contact_id": gus["id"],
                                            "body": "Hi {{name|friend}} in {{City|town}}"}).json()
    assert for_gus["preview"]["body"] == "Hi Gus in town" and for_gus["warnings"]["recipients_with_empty"] == 0
    sms = api.post("/compose/preview", {"body": "Привет " * 11}).json()["sms"]
    assert (sms["encoding"], sms["segments"]) == ("UCS-2", 2)
    assert api.delete("/templates/%d" % template_id).status_code == 200
    error_of(api.get("/templates/%d" % template_id), 404, "not_found")


@pytest.mark.sqlite_only  # the desktop's keychain; a team server seals them in the database (test_team_secrets)
def test_channel_secrets_never_come_back_and_live_in_the_keychain(api):
    secret = "pw-Zq81-never-shown"
    r = api.post("/channels", {"name": "Mail", "type": "smtp", "secrets": {"password": secret},
                               "config": {"host": "smtp.example.com", "port": 587, "username": "me",
                                          "from_address": "me@example.com"}})
    assert r.status_code == 201, r.text
    channel = r.json()
    assert channel["has_secret"] is True and secret not in r.text
    assert secret not in api.get("/channels").text and secret not in api.get("/channels/%d" % channel["id"]).text
    updated = api.patch("/channels/%d" % channel["id"], {"secrets": {"password": secret + "2"}, "name": "Mail 2"})
    assert updated.status_code == 200 and secret not in updated.text
    assert keyring.get_password("BulkMessaging", "channel-%d" % channel["id"]) == '{"password": "%s2"}' % secret
    db_files = [f for f in os.listdir(api.data_dir) if f.startswith("bulkmsg.sqlite3")]
    for name in db_files:
        with open(os.path.join(api.data_dir, name), "rb") as f:
            assert secret.encode() not in f.read()
    for root, _, files in os.walk(os.path.join(api.data_dir, "logs")):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                assert secret.encode() not in f.read()
    assert api.delete("/channels/%d" % channel["id"]).status_code == 200
    assert keyring.get_password("BulkMessaging", "channel-%d" % channel["id"]) is None


def test_schema_is_current_after_start(api):
    from messaging import db, migrations

    conn = db.connect(db.db_path(api.data_dir))
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrations.HEAD
    assert db.integrity_ok(conn)
    conn.close()


@pytest.mark.postgres_only
def test_a_database_from_a_newer_app_gives_a_clear_error_not_a_crash(tmp_path, engine):
    from messaging import db

    conn = db.connect(db.db_path(str(tmp_path)))
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.close()
    with Sidecar(tmp_path, as_admin=False) as server:
        assert server.get("/health").json()["status"] == "healthy"
        if engine == "postgresql":  # the team server: nobody can even log in to a database it cannot read
            error_of(server.post("/session/login", {"name": "admin", "password": "x"}), 409, "db_too_new")
            return
        error_of(server.get("/lists"), 409, "db_too_new")
        error_of(server.get("/campaigns"), 409, "db_too_new")


@pytest.mark.sqlite_only
def test_a_data_file_from_a_newer_app_gives_a_clear_error_not_a_crash(tmp_path):
    data_dir = str(tmp_path / "newer")
    os.makedirs(data_dir)
    newer = sqlite3.connect(os.path.join(data_dir, "bulkmsg.sqlite3"))
    newer.execute("PRAGMA user_version=99")
    newer.close()
    with Sidecar(tmp_path, data_dir=data_dir) as server:
        assert server.get("/health").json()["status"] == "healthy"
        error_of(server.get("/lists"), 409, "db_too_new")
        error_of(server.get("/campaigns"), 409, "db_too_new")


@pytest.mark.parametrize("file_name", ["..", ".", "../out.jsonl", "a/b.jsonl", ".hidden", "x" * 101])
def test_a_dry_run_file_name_is_not_a_path(api, file_name):
    r = api.post("/channels", {"name": "dry", "type": "dry_run", "config": {"file_name": file_name}})
    error_of(r, 400, "bad_param")
    assert api.data_dir not in r.text


def test_a_plain_dry_run_file_name_is_accepted(api):
    r = api.post("/channels", {"name": "dry", "type": "dry_run", "config": {"file_name": "out.jsonl"}})
    assert r.status_code == 201 and r.json()["config"]["file_name"] == "out.jsonl"


def test_ca_file_answers_do_not_tell_whether_a_path_exists(api, tmp_path):
    from fakes.smtp import self_signed_cert

    cert_path, _ = self_signed_cert(str(tmp_path))
    not_a_cert = tmp_path / "shadow"
    not_a_cert.write_text("root:*:19000:0:99999:7:::\n")
    config = {"host": "127.0.0.1", "port": 25, "from_address": "a@example.com"}
    answers = set()
    for path in (str(tmp_path / "missing.pem"), str(not_a_cert), str(tmp_path)):
        r = api.post("/channels", {"name": "m", "type": "smtp", "config": dict(config, ca_file=path)})
        body = error_of(r, 400, "bad_ca_file")
        answers.add((r.status_code, body["code"], body["error"]))
    assert len(answers) == 1
    created = api.post("/channels", {"name": "m", "type": "smtp", "config": dict(config, ca_file=cert_path)})
    assert created.status_code == 201 and created.json()["config"]["ca_file"] == cert_path


def test_text_with_a_nul_character_is_refused_and_an_imported_one_is_cleaned(api):
    # PostgreSQL cannot store U+0000 in text; both engines answer the same 400 rather than store it on one only.
    before = len(api.get("/lists").json()["lists"])
    error_of(api.post("/lists", {"name": "Nul", "contacts": [{"number": "+14155552671", "name": "A\u0000nn"}]}),
             400, "nul_character")
    error_of(api.post("/templates", {"name": "T\u0000", "body": "Hi"}), 400, "nul_character")
    error_of(api.post("/lists", {"name": "Nul", "contacts": [{"number": "+14155552671", "fields": {"C\u0000": "x"}}]}),
             400, "nul_character")
    assert len(api.get("/lists").json()["lists"]) == before
    # An escaped backslash before 'u0000' is plain text, not a NUL.
    assert api.post("/lists", {"name": "Back\\u0000slash", "contacts": []}).status_code == 201
    # A NUL in a query parameter: PostgreSQL refuses it before the query runs; SQLite finds nothing.
    searched = api.get("/do-not-contact", params={"q": "a\x00b"})
    if sidecar_support.DATABASE is not None:
        error_of(searched, 400, "nul_character")
    else:
        assert searched.status_code == 200 and searched.json()["entries"] == []
    # A workbook can spell NUL as the escape _x0000_; the import keeps its rows and saves on either engine.
    upload = api.post("/upload", files={"file": ("nul.xlsx", workbook_with_nul())}, data={"default_region": "US"})
    assert upload.status_code == 200, upload.text
    saved = api.post("/lists", {"name": "From a workbook with NULs", "import_id": upload.json()["import_id"]})
    assert saved.status_code == 201, saved.text
    names = sorted(c["name"] for c in api.get("/lists/%d/contacts" % saved.json()["list"]["id"]).json()["contacts"])
    assert names == ["Asha", "Bob"]
    # A text file may hold a NUL past the part that is checked for binary data: it is dropped the same way.
    text = b"Name,Phone\n" + b"".join(b"Person %d,+1415555%04d\n" % (i, i) for i in range(3000)) + b"Zo\x00e,+14155559999\n"
    upload = api.post("/upload", files={"file": ("late-nul.csv", text)}, data={"default_region": "US"})
    assert upload.status_code == 200, upload.text
    saved = api.post("/lists", {"name": "From a text file with a late NUL", "import_id": upload.json()["import_id"]})
    assert saved.status_code == 201, saved.text
    assert saved.json()["list"]["count"] == 3001, saved.json()


def workbook_with_nul():
    """An .xlsx whose first name cell holds the escape _x0000_ (a NUL character once read)."""
    book = openpyxl.Workbook()
    for row in (["Name", "Phone"], ["AxxNULxxsha", "+14155552671"], ["Bob", "+14155552672"]):
        book.active.append(row)
    plain, patched = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename).replace(b"xxNULxx", b"_x0000_"))
    return patched.getvalue()
