"""The four original endpoints against the real sidecar: shapes, errors, and no temp files left."""
import io
import json
import zipfile

import pytest
import requests

from support.sidecar import Sidecar

CSV = ("Name,Mobile,Home,City\n"
       "Meera Nair,098765 43210,,Pune\n"
       "Ravi Kumar,12345,,Delhi\n"
       "Meera again,+91 98765 43210,,Pune\n"
       "Only Home,,+44 20 7946 0018,London\n"
       "John Smith,4915123456789,,Berlin\n")


def upload_bytes(server, data, filename, **form):
    """POST /upload of DATA as FILENAME."""
    return server.post("/upload", files={"file": (filename, data)}, data=form)


def test_health_reports_service_and_version(sidecar):
    body = sidecar.get("/health").json()
    assert body["status"] == "healthy"
    assert body["service"] == "bulkmsg-sidecar"
    assert body["version"]


def test_upload_csv_returns_contacts_invalid_and_duplicates(sidecar):
    r = upload_bytes(sidecar, CSV.encode(), "list.csv", default_region="IN")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["region"] == "IN" and body["region_source"] == "request"
    numbers = {c["row"]: c["number"] for c in body["contacts"]}
    assert numbers == {2: "+919876543210", 5: "+442079460018", 6: "+4915123456789"}
    meera = next(c for c in body["contacts"] if c["row"] == 2)
    assert meera["name"] == "Meera Nair" and meera["fields"] == {"City": "Pune"}
    assert body["count"] == 3
    assert [(i["row"], i["value"], i["reason"]) for i in body["invalid"]] == [(3, "12345", "too_short")]
    assert body["invalid"][0]["message"]
    assert [(d["row"], d["duplicate_of_row"], d["number"]) for d in body["duplicates"]] == [(4, 2, "+919876543210")]
    assert body["columns"]["phone"] == "Mobile" and body["columns"]["phone_fallbacks"] == ["Home"]
    assert body["summary"] == {"rows": 5, "entries": 5, "valid": 3, "invalid": 1, "duplicates": 1}


def test_default_region_comes_from_configuration_when_absent(sidecar):
    body = upload_bytes(sidecar, b"Name,Phone\nAl,(415) 555-2671\n", "us.csv").json()
    assert body["region"] == "US" and body["region_source"] == "default"
    assert body["contacts"][0]["number"] == "+14155552671"


def test_limit_truncates_arrays_but_keeps_summary(sidecar):
    body = upload_bytes(sidecar, CSV.encode(), "list.csv", default_region="IN").json()
    r = sidecar.post("/upload?limit=1", files={"file": ("list.csv", CSV.encode())}, data={"default_region": "IN"})
    small = r.json()
    assert len(small["contacts"]) == 1 and small["truncated"] is True
    assert small["summary"] == body["summary"]


def bad_xlsx():
    """A zip that claims to be a workbook but has no workbook inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<not-closed")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("data,filename,status,code", [
    (b"", "empty.csv", 400, "empty_file"),
    (b"   \n\n ", "blank.csv", 400, "empty_file"),
    (PNG, "photo.png", 415, "unsupported_type"),
    (PNG, "photo.csv", 415, "unsupported_type"),
    (bad_xlsx(), "broken.xlsx", 400, "corrupt_file"),
    (b"\x00\x01\x02\xff\xfe\x00garbage\x00" * 50, "list.txt", 400, "not_text"),
    (b"Name,Notes\nAl,hello\nBo,world\n", "nophones.csv", 400, "no_phone_column"),
    (b"Name,Phone,City\n", "header-only.csv", 400, "no_rows"),
    (b"Name,Phone,City\r\n,,\r\n , , \r\n", "blank-rows.csv", 400, "no_rows"),
])
def test_bad_files_get_a_json_error_and_leave_no_temp_files(sidecar, data, filename, status, code):
    r = upload_bytes(sidecar, data, filename)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert r.json()["error"]
    assert sidecar.leftover_temp_files() == []


@pytest.mark.parametrize("form,code", [
    ({"default_region": "XX"}, "bad_region"),
    ({"phone_column": "Nope"}, "bad_column"),
    ({"sheet": "Nope"}, "bad_sheet"),
])
def test_wrong_fields_get_a_json_error(sidecar, form, code):
    r = upload_bytes(sidecar, CSV.encode(), "list.csv", **form)
    assert r.status_code == 400 and r.json()["code"] == code
    assert sidecar.leftover_temp_files() == []


def test_no_file_field(sidecar):
    r = sidecar.post("/upload", data={"default_region": "IN"})
    assert r.status_code == 400 and r.json()["code"] == "no_file"


def test_upload_over_the_size_limit_is_413_and_leaves_nothing(tmp_path):
    server = Sidecar(tmp_path, env={"BULKMSG_MAX_UPLOAD_MB": "1"}).start()
    try:
        r = upload_bytes(server, b"Name,Phone\n" + b"Al,+14155552671\n" * 80_000, "big.csv")
        assert r.status_code == 413 and r.json()["code"] == "too_large"
        assert server.leftover_temp_files() == []
        assert server.get("/health").status_code == 200
    finally:
        server.stop()


def test_parse_manual_numbers_same_shape(sidecar):
    r = sidecar.post("/parse-manual-numbers", json={"numbers": "+44 7911 123456, 07911 123456\n12345",
                                                    "default_region": "GB"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["number"] for c in body["contacts"]] == ["+447911123456"]
    assert [d["number"] for d in body["duplicates"]] == ["+447911123456"]
    assert [i["reason"] for i in body["invalid"]] == ["too_short"]
    assert body["import_id"].startswith("imp_")


@pytest.mark.parametrize("payload,code", [
    ({}, "missing_field"),
    ({"numbers": 5}, "bad_field"),
    ({"numbers": "+447911123456", "default_region": "ZZ"}, "bad_region"),
])
def test_parse_manual_numbers_wrong_fields(sidecar, payload, code):
    r = sidecar.post("/parse-manual-numbers", json=payload)
    assert r.status_code == 400 and r.json()["code"] == code


def test_bad_json_body(sidecar):
    r = sidecar.post("/validate-number", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "bad_json"


def test_validate_number_valid(sidecar):
    body = sidecar.post("/validate-number", json={"number": "(415) 555-2671", "default_region": "US"}).json()
    assert body["valid"] is True
    assert body["cleaned_number"] == body["e164"] == "+14155552671"
    assert body["national"] == "(415) 555-2671" and body["international"] == "+1 415-555-2671"
    assert body["region"] == "US" and body["type"] == "fixed_line_or_mobile"
    assert body["region_assumed"] == "US"


def test_validate_number_invalid_has_reason(sidecar):
    body = sidecar.post("/validate-number", json={"number": "12345", "default_region": "GB"}).json()
    assert body["valid"] is False and body["cleaned_number"] is None
    assert body["reason"] == "too_short" and body["message"]


def test_unknown_route_and_method_are_json(sidecar):
    r = sidecar.get("/no-such-thing")
    assert r.status_code == 404 and r.json()["code"]
    r = sidecar.get("/upload")
    assert r.status_code == 405 and r.json()["code"]
    assert "Traceback" not in r.text


def test_regions_lists_calling_codes(sidecar):
    body = sidecar.get("/regions").json()
    codes = {r["code"]: r["calling_code"] for r in body["regions"]}
    assert codes["IN"] == 91 and codes["GB"] == 44 and body["default_region"] == "US"


def test_json_error_never_contains_a_traceback(sidecar):
    r = requests.post(sidecar.url + "/upload", data=b"--x\r\n", timeout=10,
                      headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert 400 <= r.status_code < 500
    assert json.loads(r.text)["code"]


EMAIL_CSV = ("Name,Mobile,Email,City\n"
             "Ann,+44 7911 123456,Ann@Example.COM,Leeds\n"
             "Bob,+44 7911 123457,bob at example,York\n"
             "Cat,,cat@EXAMPLE.org,Hull\n"
             "Dan,+44 7911 123458,ann@example.com,Bath\n")


def test_email_column_is_checked_normalised_and_deduplicated(sidecar):
    body = upload_bytes(sidecar, EMAIL_CSV.encode(), "e.csv", default_region="GB").json()
    assert body["columns"]["email"] == "Email"
    assert [(c["name"], c["email"]) for c in body["contacts"]] == [
        ("Ann", "Ann@example.com"), ("Bob", None), ("Dan", "ann@example.com")]
    emails = body["emails"]
    assert emails["valid"] == 2
    assert [(i["row"], i["reason"]) for i in emails["invalid"]] == [(3, "invalid_email")]
    assert "spaces" in emails["invalid"][0]["message"]
    assert emails["duplicates"] == [{"row": 5, "email": "ann@example.com", "duplicate_of_row": 2}]
    assert "Email" not in body["contacts"][0]["fields"]


def test_blank_email_column_is_fine(sidecar):
    body = upload_bytes(sidecar, b"Name,Mobile,Email\nAnn,+44 7911 123456,\nBob,+44 7911 123457,\n", "e.csv").json()
    assert body["count"] == 2 and body["emails"]["valid"] == 0 and body["emails"]["invalid"] == []
