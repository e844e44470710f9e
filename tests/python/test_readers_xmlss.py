"""Excel's XML Spreadsheet 2003 files (often saved as .xls by web apps): every worksheet, skipped rows and cells,
typed values as a person reads them, and bombs, DTDs and damage refused with a clear code, through the reader
and the real sidecar."""
import pytest

from contacts.readers import read_file
from core.errors import DomainError
from support.readers import cells, read_bytes
from support.xmlss import CONTACTS, cell, workbook

def test_an_xml_spreadsheet_saved_as_xls_reads_every_sheet(tmp_path):
    book = read_bytes(tmp_path, "export.xls", CONTACTS.encode("utf-8"))
    assert book.file_type == "xls" and [s.name for s in book.sheets] == ["Customers", "Notes"]
    assert cells(book) == [["Name", "Mobile", "Joined"], ["Asha Rao", "919876543210", "2024-03-01"],
                           ["Bob & Co", "+44 7911 123456", ""], ["", "", ""], ["Chen Wei", "8613800138000", ""]]


def test_formatted_text_merged_cells_and_a_bom(tmp_path):
    rich = ('<Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Mary</B> '
            '<Font>Ann</Font></ss:Data></Cell>')
    text = workbook(("S", [[cell("Name"), cell("Phone"), cell("City")],
                           [rich, cell("0612345678"), cell("Lyon")],
                           [cell("Wide", attributes=' ss:MergeAcross="1"'), cell("Nice")]]))
    book = read_bytes(tmp_path, "x.xml", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert book.file_type == "xml"
    assert cells(book) == [["Name", "Phone", "City"], ["Mary Ann", "0612345678", "Lyon"], ["Wide", "", "Nice"]]


@pytest.mark.parametrize("attributes,code", [
    (' ss:Index="999999999"', "workbook_too_large"),
    (' ss:Index="9000000"', "workbook_too_large"),
])
def test_a_row_far_away_is_refused(tmp_path, attributes, code):
    text = workbook(("S", [[cell("x" * 20) for _ in range(3)], (attributes, [cell("a"), cell("b"), cell("c")])]))
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "far.xls", text.encode("utf-8"))
    assert caught.value.code == code


def test_a_cell_past_the_column_limit_is_refused(tmp_path):
    text = workbook(("S", [[cell("Name"), cell("x", attributes=' ss:Index="20000"')]]))
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "wide.xls", text.encode("utf-8"))
    assert caught.value.code == "workbook_too_large"


def test_a_dtd_is_refused_and_a_cut_file_is_corrupt(tmp_path):
    laughs = CONTACTS.replace('<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY a "aaaa">]>\n')
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "dtd.xls", laughs.encode("utf-8"))
    assert caught.value.code == "unsafe_workbook"
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "cut.xls", CONTACTS.encode("utf-8")[:700])
    assert caught.value.code == "corrupt_file"


def test_other_xml_is_not_taken_for_a_spreadsheet(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(b'<?xml version="1.0"?><rss><channel><title>Call 0612345678</title></channel></rss>')
    book = read_file(str(path), "feed.xml")
    assert book.file_type != "xls"


def test_an_upload_of_an_xml_spreadsheet_gives_its_contacts(sidecar):
    answer = sidecar.post("/upload", files={"file": ("export.xls", CONTACTS.encode("utf-8"))},
                          data={"default_region": "IN"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sheets"] == ["Customers", "Notes"] and body["columns"]["phone"] == "Mobile"
    assert [(c["name"], c["number"]) for c in body["contacts"]] == [
        ("Asha Rao", "+919876543210"), ("Bob & Co", "+447911123456"), ("Chen Wei", "+8613800138000")]
