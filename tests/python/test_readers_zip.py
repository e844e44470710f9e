"""Zip-level tricks against the workbook reader, in process: what was measured must be what calamine opens.

Each case is built by scripts/hostile_corpus.py; the same files also go to the real server in test_hostile_fuzz.py.
"""
import sys

import pytest

from core.errors import DomainError
from support.paths import SCRIPTS
from support.readers import cells, read_bytes

sys.path.insert(0, SCRIPTS)
import hostile_corpus as hc  # noqa: E402  (scripts/ is not a package)

FAR = hc.sheet_xml(hc.far_cell("XFD1048576"))
HONEST = hc.sheet_xml("")


def refusal(tmp_path, name, data):
    """The code read_file refuses DATA (saved as NAME) with; None when it reads it."""
    try:
        read_bytes(tmp_path, name, data)
    except DomainError as error:
        return error.code
    return None


@pytest.mark.parametrize("where", ["first", "second"])
def test_a_duplicated_sheet_name_is_measured_in_both_copies(tmp_path, where):
    """Two entries named xl/worksheets/sheet1.xml: whichever one calamine picks, the far one was measured."""
    parts = hc.workbook_parts(HONEST)
    twin = ("xl/worksheets/sheet1.xml", FAR)
    parts = parts + [twin] if where == "second" else parts[:-1] + [twin] + parts[-1:]
    assert refusal(tmp_path, "twin.xlsx", hc.zip_bytes(parts)) == "workbook_too_large"


def test_a_case_twin_of_the_sheet_is_measured(tmp_path):
    """calamine finds parts ignoring case: XL/WORKSHEETS/SHEET1.XML is measured too."""
    data = hc.zip_bytes(hc.workbook_parts(HONEST) + [("XL/WORKSHEETS/SHEET1.XML", FAR)])
    assert refusal(tmp_path, "case.xlsx", data) == "workbook_too_large"


@pytest.mark.parametrize("trick", ["prepended", "appended", "second archive"])
def test_zips_two_readers_could_read_differently_are_refused(tmp_path, trick):
    """Bytes before the archive, after its end record, or a second archive behind it: corrupt_file."""
    good = hc.xlsx(HONEST)
    data = {"prepended": b"MZ" + b"\0" * 200 + good, "appended": good + b"PK\x05\x06" + b"\0" * 18,
            "second archive": good + hc.xlsx(FAR)}[trick]
    assert refusal(tmp_path, "trick.xlsx", data) == "corrupt_file"
    assert refusal(tmp_path, "good.xlsx", good) is None


def test_a_part_in_utf16_is_refused(tmp_path):
    """calamine reads XML as ASCII-compatible bytes: a UTF-16 part could not be measured as it is read."""
    data = hc.xlsx(b"\xff\xfe" + FAR.encode("utf-16-le"))
    assert refusal(tmp_path, "wide.xlsx", data) == "unsafe_workbook"


def test_a_zip_named_ods_is_read_as_the_xlsx_that_was_measured(tmp_path):
    """xl/workbook.xml plus an OpenDocument table repeated a billion times, named .ods: read as the xlsx."""
    data = hc.zip_bytes(hc.workbook_parts(HONEST) + [("content.xml", hc.ods_table()),
                                                     ("META-INF/manifest.xml", "<manifest/>")])
    book = read_bytes(tmp_path, "contacts.ods", data)
    assert book.file_type == "xlsx" and cells(book) == [["Name", "Phone"], ["Ann", "+1 415 555 2671"]]


@pytest.mark.parametrize("rows,columns", [(0xFFFFFFFF, 0xFFFF), (65536, 256)])
def test_an_xls_declaring_a_huge_area_is_refused(tmp_path, rows, columns):
    """A forged DIMENSIONS record (calamine reserves the declared area at once) is refused before calamine."""
    assert refusal(tmp_path, "dims.xls", hc.xls_with_dimensions(rows, columns)) == "workbook_too_large"
    assert cells(read_bytes(tmp_path, "ok.xls", hc.xls_with_dimensions(2, 1))) == [["Phone"], ["+1 415 555 2671"]]


def test_a_dtd_in_a_sheet_without_the_xml_suffix_is_refused(tmp_path):
    """The DTD check reads every part calamine may read as a sheet, not only the ones named .xml."""
    data = hc.xlsx(hc.sheet_xml("&lol9;", head=hc.billion_laughs()), "worksheets/sheet1")
    assert refusal(tmp_path, "laughs.xlsx", data) == "unsafe_workbook"
