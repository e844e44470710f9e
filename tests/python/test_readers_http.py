"""The readers' refusals reach a real sidecar's /upload as 4xx JSON errors with stable codes, leaving no temp files."""
import io

import msoffcrypto.format.ooxml
import pytest

from support.readers import fixture_bytes, zip_bytes

RANDOM_BYTES = bytes((i * 7919 + 13) % 256 for i in range(4096))


def encrypted_xlsx():
    """A real password-protected workbook."""
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(fixture_bytes("workbook_title_row.xlsx"))).encrypt("pw", out)
    return out.getvalue()


CASES = [
    ("empty.csv", lambda: b"", "empty_file"),
    ("blank.txt", lambda: b" \r\n\t", "empty_file"),
    ("garbage.csv", lambda: RANDOM_BYTES, "not_text"),
    ("scan.pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "unsupported_type"),
    ("photos.zip", lambda: zip_bytes({"a.jpg": b"\xff\xd8\xff"}), "unsupported_type"),
    ("broken.xlsx", lambda: fixture_bytes("workbook_title_row.xlsx")[:3000], "corrupt_file"),
    ("locked.xlsx", encrypted_xlsx, "corrupt_file"),
    ("many.xlsx", lambda: zip_bytes({"xl/workbook.xml": b"<workbook/>",
                                     **{"xl/p%05d.bin" % i: b"" for i in range(10_001)}}), "workbook_too_large"),
]


@pytest.mark.parametrize("name,make,code", CASES, ids=[c[0] for c in CASES])
def test_upload_refusals_are_clean_4xx(sidecar, tmp_path, name, make, code):
    """Each unreadable file gets a 4xx {"error", "code"} answer with the reader's code and no traceback."""
    path = tmp_path / name
    path.write_bytes(make())
    answer = sidecar.upload(str(path), default_region="IN")
    assert 400 <= answer.status_code < 500, answer.text[:300]
    body = answer.json()
    assert body["code"] == code and body["error"] and "Traceback" not in answer.text
    assert sidecar.leftover_temp_files() == []


def test_upload_of_a_vcard_named_txt_is_read_as_vcard(sidecar, tmp_path):
    """Type by content reaches the API: a .txt vCard imports its card."""
    path = tmp_path / "contacts.txt"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL;TYPE=CELL:+44 7911 123456\r\n"
                     b"EMAIL:ann@example.com\r\nEND:VCARD\r\n")
    answer = sidecar.upload(str(path), default_region="GB")
    assert answer.status_code == 200, answer.text[:500]
    body = answer.json()
    assert (body["file_type"], [(c["row"], c["number"], c["name"]) for c in body["contacts"]]) == \
        ("vcf", [(2, "+447911123456", "Ann Lee")])
