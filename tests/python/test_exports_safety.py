"""The spreadsheet writers (contacts/exports.py) in process: nothing they write can run as a formula."""
import io
import zipfile

import openpyxl

import pytest

from contacts.exports import neutralise, safe_sheet_title, to_csv, to_xlsx


@pytest.mark.parametrize("value,written", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1 650 253 0000", "'+1 650 253 0000"),
    ("+16502530000", "+16502530000"), ("+442079460958", "+442079460958"), ("+0123456789", "'+0123456789"),
    ("+1234567890123456", "'+1234567890123456"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Ann", "Ann"), (None, ""),
])
def test_neutralise_keeps_only_e164_numbers_as_they_are(value, written):
    """Formula triggers get an apostrophe; a number in E.164 (+, then 7 to 15 digits, no leading 0) does not."""
    assert neutralise(value) == written


def test_xlsx_header_cells_and_sheet_name_are_never_formulas():
    """A formula in the header and in the title: inline text cells (never evaluated, so written as they are, with
    no apostrophe shown to the user), no <f>, a sheet name without '='."""
    data = to_xlsx(["name", "=HYPERLINK(\"http://x\",\"y\")"], [("=1+1", "+16502530000")], "=Evil[1]")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet and sheet.count("<c ") == sheet.count('t="inlineStr"') == 4
    assert "<t>=HYPERLINK(\"http://x\",\"y\")</t>" in sheet and "<t>=1+1</t>" in sheet and "'" not in sheet
    assert "<t>+16502530000</t>" in sheet
    assert 'name="Evil1"' in workbook and safe_sheet_title("+") == "Sheet"


def test_csv_header_is_neutralised():
    """The CSV's first row goes through the same rule as its cells."""
    text = to_csv(["=cmd|' /C calc'!A0", "number"], [("x", "+16502530000")]).decode("utf-8-sig")
    assert text.splitlines() == ["'=cmd|' /C calc'!A0,number", "x,+16502530000"]


def test_control_characters_xml_cannot_hold_are_dropped_from_an_xlsx_not_a_500(sidecar):
    rows = b"".join(b"P%d,+1415555%04d,note %d\n" % (i, i, i) for i in range(300))  # enough text around them
    text = b"Name,Phone,Note\nAnn\x01 Lee,+14155552671,a\x02b\x1fc\n" + rows
    upload = sidecar.post("/upload", files={"file": ("ctl.csv", text)}, data={"default_region": "US"})
    assert upload.status_code == 200, upload.text
    answer = sidecar.get("/imports/%s/export" % upload.json()["import_id"],
                         params={"what": "contacts", "format": "xlsx"})
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    first = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert first[0] == "Ann Lee" and first[2] == "abc"
