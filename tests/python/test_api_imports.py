"""Stored imports against the real sidecar: paging, search, fixing a number, re-mapping, exports."""
import csv
import io

import openpyxl
import pytest

CSV = ("Customer,Cell,Country,Note\n"
       "Asha,98765 43210,IN,=HYPERLINK(\"http://evil\")\n"
       "Bob,07911 123456,GB,regular\n"
       "Carl,12345,IN,short\n"
       "Dina,+91 98765 43210,IN,dup\n"
       "Eve,@SUM(A1),IN,not a number\n")


@pytest.fixture
def imported(sidecar):
    """A small import with a country column, stored by the sidecar."""
    r = sidecar.post("/upload", files={"file": ("c.csv", CSV.encode())}, data={"default_region": "US"})
    assert r.status_code == 200, r.text
    return r.json()


def test_country_column_overrides_the_default_region(imported):
    numbers = {c["name"]: c["number"] for c in imported["contacts"]}
    assert numbers == {"Asha": "+919876543210", "Bob": "+447911123456"}
    assert imported["columns"]["country"] == "Country"


def test_rows_are_paged_filtered_and_searched(sidecar, imported):
    base = "/imports/%s/rows" % imported["import_id"]
    page = sidecar.get(base, params={"offset": 1, "limit": 2}).json()
    assert page["total"] == 5 and [r["row"] for r in page["rows"]] == [3, 4]
    invalid = sidecar.get(base, params={"status": "invalid"}).json()
    assert {r["name"]: r["reason"] for r in invalid["rows"]} == {"Carl": "too_short", "Eve": "not_a_number"}
    assert all(r["message"] for r in invalid["rows"])
    dup = sidecar.get(base, params={"status": "duplicate"}).json()["rows"]
    assert [(r["name"], r["duplicate_of_row"]) for r in dup] == [("Dina", 2)]
    found = sidecar.get(base, params={"q": "bob"}).json()
    assert [r["name"] for r in found["rows"]] == ["Bob"]


@pytest.mark.parametrize("params,code", [({"status": "nope"}, "bad_param"), ({"limit": 0}, "bad_param"),
                                         ({"offset": "x"}, "bad_param")])
def test_rows_bad_params(sidecar, imported, params, code):
    r = sidecar.get("/imports/%s/rows" % imported["import_id"], params=params)
    assert r.status_code == 400 and r.json()["code"] == code


def test_unknown_import_is_404(sidecar):
    r = sidecar.get("/imports/imp_nope/rows")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_contacts_page(sidecar, imported):
    body = sidecar.get("/imports/%s/contacts" % imported["import_id"], params={"limit": 1}).json()
    assert body["total"] == 2 and [c["name"] for c in body["contacts"]] == ["Asha"]


def test_fix_a_number_in_place(sidecar, imported):
    carl = next(i for i in imported["invalid"] if i["name"] == "Carl")
    r = sidecar.patch("/imports/%s/rows/%d" % (imported["import_id"], carl["id"]), json={"value": "98450 12345"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["row"]["status"] == "valid" and body["row"]["number"] == "+919845012345"
    assert body["summary"]["valid"] == 3 and body["summary"]["invalid"] == 1
    r = sidecar.patch("/imports/%s/rows/%d" % (imported["import_id"], carl["id"]), json={"value": "+91 98765 43210"})
    assert r.json()["row"]["status"] == "duplicate" and r.json()["row"]["duplicate_of_row"] == 2


def test_fix_needs_a_string_value(sidecar, imported):
    r = sidecar.patch("/imports/%s/rows/0" % imported["import_id"], json={"value": 5})
    assert r.status_code == 400 and r.json()["code"] == "missing_field"
    r = sidecar.patch("/imports/%s/rows/99" % imported["import_id"], json={"value": "1"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_remap_with_another_region_and_column(sidecar, imported):
    r = sidecar.post("/imports/%s/remap" % imported["import_id"], json={"default_region": "GB",
                                                                         "country_column": "Note"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["import_id"] != imported["import_id"] and body["region"] == "GB"
    assert {c["name"]: c["number"] for c in body["contacts"]}["Bob"] == "+447911123456"


def csv_rows(response):
    """The rows of a CSV download, as dicts."""
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_is_excel_safe(sidecar, imported):
    """The clean list has the file's columns in its order, the number read written in E.164 as it is, and every
    other formula-like cell neutralised."""
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "contacts", "format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="c-contacts.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Customer", "Cell", "Country", "Note"]
    assert rows[1] == ["Asha", "+919876543210", "IN", "'=HYPERLINK(\"http://evil\")"]  # E.164 kept as is
    assert rows[2] == ["Bob", "+447911123456", "GB", "regular"]


def test_rejects_export_has_every_column_and_the_reasons(sidecar, imported):
    """Rejects: the row as the file had it, then where it was, the problem, and the row a duplicate repeats."""
    rows = csv_rows(sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "rejects"}))
    assert [(x["Customer"], x["Problem"], x["Import row"]) for x in rows] == [
        ("Carl", "too_short", "4"), ("Dina", "duplicate", "5"), ("Eve", "not_a_number", "6")]
    eve = rows[2]
    assert eve["Cell"] == "'@SUM(A1)" and eve["Note"] == "not a number" and eve["Country"] == "IN"
    assert eve["Problem detail"] and eve["Duplicate of row"] == ""
    assert rows[1]["Duplicate of row"] == "2" and rows[1]["Cell"] == "'+91 98765 43210"


def test_invalid_rows_and_duplicates_are_separate_downloads(sidecar, imported):
    """what=invalid and what=duplicates split the rejects; the rejects workbook has one sheet of each."""
    base = "/imports/%s/export" % imported["import_id"]
    invalid = csv_rows(sidecar.get(base, params={"what": "invalid"}))
    duplicates = csv_rows(sidecar.get(base, params={"what": "duplicates"}))
    assert [x["Customer"] for x in invalid] == ["Carl", "Eve"]
    assert [(x["Customer"], x["Duplicate of row"]) for x in duplicates] == [("Dina", "2")]
    book = openpyxl.load_workbook(io.BytesIO(sidecar.get(base, params={"what": "rejects", "format": "xlsx"}).content))
    assert book.sheetnames == ["Invalid", "Duplicates"]
    assert [row[0].value for row in book["Invalid"].iter_rows(min_row=2)] == ["Carl", "Eve"]
    assert [row[0].value for row in book["Duplicates"].iter_rows(min_row=2)] == ["Dina"]
    dup_sheet = openpyxl.load_workbook(io.BytesIO(sidecar.get(base, params={"what": "duplicates",
                                                                                 "format": "xlsx"}).content)).active
    assert [c.value for c in next(dup_sheet.iter_rows())][-4:] == ["Import row", "Problem", "Problem detail",
                                                                     "Duplicate of row"]


def test_xlsx_export_keeps_numbers_and_text_as_text(sidecar, imported):
    """Every XLSX cell is an inline string, written as it is: no apostrophe, no formula, exact numbers."""
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "contacts", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Customer", "Cell", "Country", "Note"]
    assert rows[1] == ["Asha", "+919876543210", "IN", "=HYPERLINK(\"http://evil\")"]
    assert {sheet.cell(2, col).data_type for col in range(1, 5)} == {"s"}


ROUND_TRIP = ("Name,Mobile,E-mail,City,Joined\n"
              "Asha Rao,(415) 555-0101,Asha@Example.org,Pune,2021-03-04\n"
              "Ben Ode,415 555 0102; 415 555 0109,ben@example.org,Lagos,\n"
              "Cai Lin,12345,cai@example.org,Xi'an,2020-01-01\n"
              "Dup Asha,+1 415 555 0101,asha2@example.org,Pune,\n"
              "Zoë Ünal,+44 7911 123456,,Zürich,2019-12-31\n")


def contacts_of(sidecar, import_id):
    """Every contact of an import: (number, name, email, fields)."""
    page = sidecar.get("/imports/%s/contacts" % import_id, params={"limit": 100}).json()["contacts"]
    return sorted((c["number"], c["name"], c.get("email"), tuple(sorted(c["fields"].items()))) for c in page)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_clean_list_imports_again_to_the_same_contacts(sidecar, fmt):
    """Export the clean list and import it again: the same numbers, names, emails and other columns."""
    first = sidecar.post("/upload", files={"file": ("people.csv", ROUND_TRIP.encode())},
                         data={"default_region": "US"}).json()
    export = sidecar.get("/imports/%s/export" % first["import_id"], params={"what": "contacts", "format": fmt})
    again = sidecar.post("/upload", files={"file": ("people-contacts." + fmt, export.content)},
                         data={"default_region": "DE"})  # another region: E.164 needs none
    assert again.status_code == 200, again.text
    before, after = contacts_of(sidecar, first["import_id"]), contacts_of(sidecar, again.json()["import_id"])
    assert len(before) == 4 and after == before
    assert again.json()["summary"]["invalid"] == 0 and again.json()["summary"]["duplicates"] == 0


def test_a_fixed_invalid_rows_file_imports_again(sidecar):
    """Download the invalid rows, fix the number in the file, import it: the row is a contact now, with its
    columns, and the added problem columns are taken for nothing."""
    first = sidecar.post("/upload", files={"file": ("people.csv", ROUND_TRIP.encode())},
                         data={"default_region": "US"}).json()
    invalid = sidecar.get("/imports/%s/export" % first["import_id"], params={"what": "invalid", "format": "csv"})
    text = invalid.content.decode("utf-8-sig")
    assert "12345" in text
    fixed = sidecar.post("/upload", files={"file": ("fixed.csv", text.replace("12345", "415 555 0177").encode())},
                         data={"default_region": "US"})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["columns"]["phone"] == "Mobile" and body["columns"]["name"] == ["Name"]
    assert body["summary"]["valid"] == 1 and body["summary"]["invalid"] == 0
    (contact,) = contacts_of(sidecar, body["import_id"])
    assert contact[:3] == ("+14155550177", "Cai Lin", "cai@example.org")
    assert dict(contact[3])["City"] == "Xi'an"


def test_vcard_export(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"format": "vcf"})
    text = r.content.decode()
    assert text.count("BEGIN:VCARD") == 2 and "TEL;TYPE=CELL:+447911123456" in text and "FN:Bob" in text
    with_email = sidecar.post("/upload", files={"file": ("p.csv", ROUND_TRIP.encode())}, data={"default_region": "US"})
    cards = sidecar.get("/imports/%s/export" % with_email.json()["import_id"], params={"format": "vcf"}).text
    assert "EMAIL;TYPE=INTERNET:ben@example.org" in cards and cards.count("EMAIL;") == 3


def test_export_bad_format(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "rejects", "format": "vcf"})
    assert r.status_code == 400 and r.json()["code"] == "bad_param"


def test_export_name_comes_from_a_sanitised_source_name(sidecar):
    r = sidecar.post("/upload", files={"file": ('../../evil";x=y Liste é.csv', CSV.encode())})
    export = sidecar.get("/imports/%s/export" % r.json()["import_id"], params={"what": "rejects"})
    assert export.headers["Content-Disposition"] == 'attachment; filename="evil_x_y_Liste-rejects.csv"'
