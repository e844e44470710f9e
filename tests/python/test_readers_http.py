"""The readers' refusals reach a real sidecar's /upload as 4xx JSON errors with stable codes, leaving no temp files."""
import io
import zipfile

import msoffcrypto.format.ooxml
import openpyxl
import openpyxl.chart
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


def workbook_with_damage(folder, damage, chart=False, phones=True, note_phones=True):
    """An xlsx of a 'Contacts' worksheet (phone numbers when PHONES, else words), a 'Notes' worksheet (a phone
    number when NOTE_PHONES) whose XML DAMAGE (bytes -> bytes) breaks, and a chart sheet when CHART."""
    book = openpyxl.Workbook()
    contacts = book.active
    contacts.title = "Contacts"
    contacts.append(["Name", "Phone" if phones else "Colour"])
    for n in range(5):
        contacts.append(["Guest %d" % n, "+44 7911 12345%d" % n if phones else "blue"])
    notes = book.create_sheet("Notes")
    notes.append(["Name", "Phone" if note_phones else "Colour"])
    notes.append(["Ann", "+44 7911 654321" if note_phones else "red"])
    if chart:
        chart_sheet = book.create_chartsheet("Chart")
        bars = openpyxl.chart.BarChart()
        bars.add_data(openpyxl.chart.Reference(notes, min_col=2, min_row=1, max_row=2))
        chart_sheet.add_chart(bars)
    source = io.BytesIO()
    book.save(source)
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet2.xml"] = damage(parts["xl/worksheets/sheet2.xml"])
    path = folder / "book.xlsx"
    path.write_bytes(zip_bytes(parts))
    return path


DAMAGES = {"a malformed reference": lambda xml: xml.replace(b'r="A2"', b'r="2A"', 1),
           "XML cut short": lambda xml: xml[:xml.index(b"</sheetData>") - 9]}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_worksheet_is_reported_as_damaged_and_the_others_still_import(sidecar, tmp_path, damage):
    """The good sheet imports; asking for the damaged one, at upload or by remap from the kept source, is a
    corrupt_file naming it, never 'no phone column' (it held phones) nor a 500."""
    path = workbook_with_damage(tmp_path, DAMAGES[damage], chart=True)
    answer = sidecar.upload(str(path), default_region="GB")
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert body["sheet"] == "Contacts" and body["sheets"] == ["Contacts", "Notes", "Chart"]
    assert len(body["contacts"]) == 5
    chosen = sidecar.upload(str(path), default_region="GB", sheet="Notes")
    assert 400 <= chosen.status_code < 500 and chosen.json()["code"] == "corrupt_file", chosen.text[:300]
    assert "'Notes'" in chosen.json()["error"]
    remapped = sidecar.post("/imports/%s/remap" % body["import_id"], json={"sheet": "Notes"})
    assert 400 <= remapped.status_code < 500 and remapped.json()["code"] == "corrupt_file", remapped.text[:300]
    assert sidecar.leftover_temp_files() == []


def test_a_workbook_whose_only_phone_sheet_is_damaged_is_a_corrupt_file(sidecar, tmp_path):
    """No readable sheet holds phones and one worksheet is damaged: the damage is the answer."""
    path = workbook_with_damage(tmp_path, DAMAGES["a malformed reference"], chart=True, phones=False)
    answer = sidecar.upload(str(path), default_region="GB")
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert answer.json()["code"] == "corrupt_file" and "'Notes'" in answer.json()["error"]


def test_a_chart_sheet_is_no_damage(sidecar, tmp_path):
    """A chart sheet holds no cells by nature: with no phones anywhere the answer stays no_phone_column, and asking
    for the chart sheet is no corrupt_file either."""
    path = workbook_with_damage(tmp_path, lambda xml: xml, chart=True, phones=False, note_phones=False)
    answer = sidecar.upload(str(path), default_region="GB")
    assert 400 <= answer.status_code < 500 and answer.json()["code"] == "no_phone_column", answer.text[:300]
    chart = sidecar.upload(str(path), default_region="GB", sheet="Chart")
    assert 400 <= chart.status_code < 500 and chart.json()["code"] != "corrupt_file", chart.text[:300]
