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


def test_csv_export_is_excel_safe(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "contacts", "format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="c-contacts.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "number", "Country", "Note"]
    assert rows[1] == ["Asha", "+919876543210", "IN", "'=HYPERLINK(\"http://evil\")"]  # E.164 kept as is


def test_rejects_export_has_reasons(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "rejects", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {(x["name"], x["reason"]) for x in rows} == {("Carl", "too_short"), ("Eve", "not_a_number"),
                                                        ("Dina", "duplicate")}
    eve = next(x for x in rows if x["name"] == "Eve")
    assert eve["value"] == "'@SUM(A1)" and eve["message"]


def test_xlsx_export_keeps_numbers_as_text(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "contacts", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][:2] == ["Asha", "+919876543210"]
    assert sheet.cell(2, 2).data_type == "s"
    assert rows[1][3] == "'=HYPERLINK(\"http://evil\")"


def test_vcard_export(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"format": "vcf"})
    text = r.content.decode()
    assert text.count("BEGIN:VCARD") == 2 and "TEL;TYPE=CELL:+447911123456" in text and "FN:Bob" in text


def test_export_bad_format(sidecar, imported):
    r = sidecar.get("/imports/%s/export" % imported["import_id"], params={"what": "rejects", "format": "vcf"})
    assert r.status_code == 400 and r.json()["code"] == "bad_param"


def test_export_name_comes_from_a_sanitised_source_name(sidecar):
    r = sidecar.post("/upload", files={"file": ('../../evil";x=y Liste é.csv', CSV.encode())})
    export = sidecar.get("/imports/%s/export" % r.json()["import_id"], params={"what": "rejects"})
    assert export.headers["Content-Disposition"] == 'attachment; filename="evil_x_y_Liste-rejects.csv"'
