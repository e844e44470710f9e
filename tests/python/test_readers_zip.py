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


FORGED_XLS = {name: data for name, data in hc.forged_xls_files()}
FORGED_XLS_CODES = {"xls-dimensions-first-row-past-last.xls": "workbook_too_large",
                    "xls-far-cells-either-side-of-a-chart.xls": "workbook_too_large",
                    "xls-sheet-offset-past-the-stream.xls": "corrupt_file",
                    "xls-sheet-inside-another-record.xls": "workbook_too_large",
                    "xls-many-sheets-over-one-area.xls": "workbook_too_large"}


@pytest.mark.parametrize("name", sorted(FORGED_XLS_CODES))
def test_an_xls_is_measured_the_way_calamine_reads_it(tmp_path, name):
    """Sheets read from their BoundSheet8 offsets, charts skipped, DIMENSIONS in wrapping arithmetic, all sheets
    held at once: each forgery (each aborted or panicked calamine before) is refused with its code."""
    assert set(FORGED_XLS) == set(FORGED_XLS_CODES) | {"ok-xls-with-a-chart-inside-the-sheet.xls"}
    assert refusal(tmp_path, name, FORGED_XLS[name]) == FORGED_XLS_CODES[name]


def test_an_xls_with_a_chart_inside_its_sheet_keeps_the_cells_on_both_sides(tmp_path):
    """The honest twin of the chart forgery: the chart's substream is skipped and both cells are read."""
    book = read_bytes(tmp_path, "chart.xls", FORGED_XLS["ok-xls-with-a-chart-inside-the-sheet.xls"])
    assert cells(book) == [["Phone"], ["+1 415 555 2671"]]


def test_an_xls_with_the_same_sheets_under_the_limit_is_read(tmp_path):
    """The limit counts the cells calamine holds, not the sheets: four sheets over one 500k-cell area pass."""
    area = [hc.biff_label(0, 0, "Phone"), hc.biff_label(1, 0, "+1 415 555 2671"), hc.biff_label(1999, 249, "x")]
    book = read_bytes(tmp_path, "four.xls", hc.xls_from_biff(area, lambda start: [start] * 4))
    assert len(book.sheets) >= 1 and cells(book)[1][0] == "+1 415 555 2671"


def test_a_dtd_in_a_sheet_without_the_xml_suffix_is_refused(tmp_path):
    """The DTD check reads every part calamine may read as a sheet, not only the ones named .xml."""
    data = hc.xlsx(hc.sheet_xml("&lol9;", head=hc.billion_laughs()), "worksheets/sheet1")
    assert refusal(tmp_path, "laughs.xlsx", data) == "unsafe_workbook"
