"""Every valid number of a contact, against the real sidecar: the best one is used, the others are kept as
alternates through paging, re-mapping, a restart and saved lists, and can be chosen or dropped by column."""
import pytest

CSV = ("Name,Mobile,Home phone,Work phone,Email\n"
       "Ann,+1 415 555 2671,(415) 555-2672,,ann@example.com\n"
       "Bob,12,+44 20 7946 0958,+1 415 555 2673,bob@example.com\n"
       "Cy,415-555-2674,415-555-2674 / 415-555-2675,,\n"
       "Di,,,415 555 2676,\n")


def upload(api, text=CSV):
    """Import TEXT; the answer's JSON."""
    answer = api.post("/upload", files={"file": ("people.csv", text.encode())}, data={"default_region": "US"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def numbers_by_name(contacts):
    """{name: (number, alternates)} of API contact records."""
    return {c["name"]: (c["number"], c["alternates"]) for c in contacts}


def test_every_valid_number_of_a_row_is_kept_and_the_best_one_is_used(api):
    body = upload(api)
    assert body["columns"]["phone"] == "Mobile"
    assert body["columns"]["phone_fallbacks"] == ["Home phone", "Work phone"]
    assert numbers_by_name(body["contacts"]) == {
        "Ann": ("+14155552671", ["+14155552672"]),
        # A mobile cell with no valid number gives way to the next column that has one; nothing is lost.
        "Bob": ("+442079460958", ["+14155552673"]),
        # A cell holding two numbers gives both, less the one already used.
        "Cy": ("+14155552674", ["+14155552675"]),
        "Di": ("+14155552676", []),
    }
    assert body["summary"]["valid"] == 4 and body["summary"]["invalid"] == 0


def test_the_rows_table_and_the_contacts_page_carry_the_alternates(api):
    import_id = upload(api)["import_id"]
    rows = api.get("/imports/%s/rows" % import_id).json()["rows"]
    assert {r["name"]: r["alternates"] for r in rows}["Ann"] == ["+14155552672"]
    page = api.get("/imports/%s/contacts" % import_id).json()["contacts"]
    assert numbers_by_name(page)["Bob"] == ("+442079460958", ["+14155552673"])


def test_a_file_with_one_phone_column_has_no_alternates(api):
    body = upload(api, "Name,Phone\nAnn,415 555 2671\nBob,415 555 2672\n")
    assert [c["alternates"] for c in body["contacts"]] == [[], []]


def test_the_alternate_columns_are_chosen_or_dropped_by_remap(api):
    import_id = upload(api)["import_id"]
    only_work = api.post("/imports/%s/remap" % import_id, json={"alternate_columns": ["Work phone"]}).json()
    assert only_work["columns"]["phone_fallbacks"] == ["Work phone"]
    assert numbers_by_name(only_work["contacts"])["Ann"] == ("+14155552671", [])
    assert numbers_by_name(only_work["contacts"])["Bob"] == ("+14155552673", [])
    none = api.post("/imports/%s/remap" % import_id, json={"phone_column": "Home phone", "alternate_columns": []})
    assert none.status_code == 200, none.text
    assert none.json()["columns"] == dict(none.json()["columns"], phone="Home phone", phone_fallbacks=[])
    assert all(c["alternates"] == [] for c in none.json()["contacts"])
    assert "Di" not in numbers_by_name(none.json()["contacts"])


def test_an_upload_form_names_its_alternate_columns_joined_with_plus(api):
    answer = api.post("/upload", files={"file": ("people.csv", CSV.encode())},
                      data={"default_region": "US", "alternate_columns": "Work phone+Home phone"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["columns"]["phone_fallbacks"] == ["Work phone", "Home phone"]
    assert numbers_by_name(answer.json()["contacts"])["Bob"] == ("+14155552673", ["+442079460958"])


@pytest.mark.parametrize("choice,code", [(["Fax"], "bad_column"), ([True], "bad_field"), ({"a": 1}, "bad_field"),
                                         (["Home phone"] * 21, "bad_field")])
def test_a_wrong_alternate_column_is_a_400_with_a_stable_code(api, choice, code):
    import_id = upload(api)["import_id"]
    answer = api.post("/imports/%s/remap" % import_id, json={"alternate_columns": choice})
    assert answer.status_code == 400 and answer.json()["code"] == code, answer.text


def test_alternates_survive_a_restart(api):
    import_id = upload(api)["import_id"]
    api.stop()
    api.start()
    rows = api.get("/imports/%s/rows" % import_id).json()["rows"]
    assert {r["name"]: r["alternates"] for r in rows}["Cy"] == ["+14155552675"]


def test_a_saved_list_carries_the_alternates_and_edits_them(api):
    import_id = upload(api)["import_id"]
    created = api.post("/lists", json={"name": "people", "import_id": import_id})
    assert created.status_code == 201, created.text
    list_id = created.json()["list"]["id"]
    contacts = api.get("/lists/%d/contacts" % list_id).json()["contacts"]
    assert numbers_by_name(contacts)["Ann"] == ("+14155552671", ["+14155552672"])
    ann = next(c for c in contacts if c["name"] == "Ann")
    edited = api.patch("/lists/%d/contacts/%d" % (list_id, ann["id"]),
                       json={"alternates": ["(415) 555-2699", "+14155552671", "415 555 2699"]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["alternates"] == ["+14155552699"]  # re-validated, once each, never the main number
    wrong = api.patch("/lists/%d/contacts/%d" % (list_id, ann["id"]), json={"alternates": ["12"]})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_number"
    other = api.post("/lists", json={"name": "more", "contacts": [{"number": "415 555 2680"}]}).json()["list"]["id"]
    merged = api.post("/lists/merge", json={"name": "both", "list_ids": [list_id, other]})
    assert merged.status_code == 201, merged.text
    merged_contacts = api.get("/lists/%d/contacts" % merged.json()["list"]["id"]).json()["contacts"]
    assert numbers_by_name(merged_contacts)["Ann"] == ("+14155552671", ["+14155552699"])


def test_a_vcard_export_keeps_the_alternates_and_imports_to_the_same_contacts(api):
    import_id = upload(api)["import_id"]
    exported = api.get("/imports/%s/export" % import_id, params={"what": "contacts", "format": "vcf"})
    assert exported.status_code == 200, exported.text
    assert "TEL;TYPE=VOICE:+14155552672\r\n" in exported.text
    again = api.post("/upload", files={"file": ("people.vcf", exported.content)}, data={"default_region": "US"})
    assert again.status_code == 200, again.text
    assert numbers_by_name(again.json()["contacts"]) == numbers_by_name(upload(api)["contacts"])


def test_the_rows_say_what_is_wrong_with_each_email(api):
    text = ("Name,Phone,Email\nAnn,415 555 0101,ann@example.com\nDee,415 555 0102,d@example\n"
            "Twin,415 555 0103,ANN@example.com\nEve,415 555 0104,\n")
    import_id = upload(api, text)["import_id"]
    rows = {r["name"]: r for r in api.get("/imports/%s/rows" % import_id).json()["rows"]}
    assert (rows["Ann"]["email"], rows["Ann"]["email_problem"]) == ("ann@example.com", None)
    assert rows["Dee"]["email"] is None and rows["Dee"]["email_value"] == "d@example"
    assert rows["Dee"]["email_problem"] == "The domain has no top-level part (like .com)."
    assert rows["Twin"]["email_problem"] == "Same email address as row 2."
    assert (rows["Eve"]["email_value"], rows["Eve"]["email_problem"]) == ("", None)
    plain = upload(api, "Name,Phone\nAnn,415 555 0101\n")["import_id"]
    assert "email" not in api.get("/imports/%s/rows" % plain).json()["rows"][0]
