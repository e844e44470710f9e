"""Big xlsx sheets cut into row slices and parsed on several cores (xlsxsplit.py, issue 18): every cut reading
must give exactly the rows calamine gives for the whole sheet, and a sheet that cannot be cut exactly must be read
whole, with the same answer."""
import functools
import io
import json
import os
import random
import sys
import tempfile
import zipfile

import openpyxl
import pandas as pd
import pytest
import python_calamine

from contacts import cores
from contacts.readers import read_file
from core.errors import DomainError
from contacts.extract import extract_file
from contacts.readers import spreadsheet, xlsxsplit
from contacts.readers.spreadsheet import read_workbook, read_xlsx
from contacts.readers.zipcheck import measure_zip
from contacts.report import result_json
from support.readers import TRICKY, write_bytes

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import gen_contacts  # noqa: E402

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><dimension ref="A1:C2"/><sheetData>')
TAIL = b"</sheetData></worksheet>"


@pytest.fixture
def cut_small_sheets(monkeypatch):
    """Cut every workbook, however small (the tests' workbooks are far below the real threshold)."""
    monkeypatch.setattr(xlsxsplit, "SPLIT_MIN_SHEET_BYTES", 0)


def whole_rows(path):
    """[(name, rows from A1)] as calamine reads each whole sheet ([] for a sheet that holds no cells)."""
    book = python_calamine.CalamineWorkbook.from_path(path)
    return [(name, spreadsheet.sheet_rows(book, name)) for name in book.sheet_names]


def assert_cut_like_whole(path):
    """The cut reading is taken and gives the whole reading's rows (values and types) and frames."""
    cut = xlsxsplit.read_sheets_on_cores(path)
    assert cut is not None, "the workbook was not cut"
    whole = whole_rows(path)
    assert [name for name, _ in cut] == [name for name, _ in whole]
    for (name, cut_rows), (_, rows) in zip(cut, whole):
        assert [[(type(v), v) for v in row] for row in cut_rows] == [[(type(v), v) for v in row] for row in rows], name
    measured = measure_zip(path)
    assert measured.parts is not None
    assert xlsxsplit.read_sheets_on_cores(path, measured.parts) == cut  # from the bytes the measuring kept
    for a, b in zip(read_xlsx(path), read_workbook(path)):
        pd.testing.assert_frame_equal(a.frame, b.frame)


def openpyxl_path(folder, sheets):
    """An openpyxl workbook (shared strings) of SHEETS {name: {(row, column): value}}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for (row, column), value in cells.items():
            sheet.cell(row=row, column=column, value=value)
    path = os.path.join(str(folder), "book.xlsx")
    book.save(path)
    return path


@functools.lru_cache(maxsize=1)
def template_parts():
    """[(name, bytes)] of a real one-sheet openpyxl workbook."""
    source = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["x"])
    book.save(source)
    with zipfile.ZipFile(source) as original:
        return [(info.filename, original.read(info)) for info in original.infolist()]


def with_sheet_xml(folder, xml):
    """A real workbook whose first sheet's XML is XML (bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for name, data in template_parts():
            rebuilt.writestr(name, xml if name == SHEET else data)
    return write_bytes(folder, "hand.xlsx", out.getvalue())


def rows_xml(rows):
    """<row> elements of inline-string cells for ROWS [(row number, [(reference, text)])], in the order given."""
    return b"".join(b'<row r="%d">' % number + b"".join(
        b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), text.encode()) for ref, text in cells)
        + b"</row>" for number, cells in rows)


def plain_rows(count, first=1):
    """COUNT rows of two cells from row FIRST."""
    return [(n, [("A%d" % n, "name %d" % n), ("B%d" % n, "+44 20 7946 %04d" % n)]) for n in range(first, first + count)]


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_a_generated_contact_workbook_reads_the_same_cut(tmp_path, monkeypatch, cut_small_sheets, workers):
    """The project's generator (inline strings, numbers as text and as number cells), cut in 2, 3 and 4."""
    monkeypatch.setattr(cores, "WORKERS", workers)
    path, _ = gen_contacts.generate(str(tmp_path / "contacts.xlsx"), 4000, "IN", seed=workers)
    assert_cut_like_whole(path)


@pytest.mark.parametrize("workers", [2, 3])
def test_shared_strings_types_gaps_and_shifted_columns(tmp_path, monkeypatch, cut_small_sheets, workers):
    """Shared strings, every cell type, ragged rows, blank rows at the cut, a second half that starts further
    right and reaches further, an empty sheet and a sheet of one cell: the same rows from A1."""
    monkeypatch.setattr(cores, "WORKERS", workers)
    tricky = {}
    for n in range(1, 200):
        if 95 <= n <= 105:
            continue  # blank rows around the middle
        columns = range(1, 3 + n % 3) if n < 100 else range(3, 6 + n % 4)
        for column in columns:
            tricky[(n + 4, column)] = TRICKY[(n * 7 + column) % len(TRICKY)] if n % 5 else "text %d" % n
    path = openpyxl_path(tmp_path, {"Tricky": tricky, "Empty": {}, "One": {(3, 4): "+1 650 253 0000"}})
    assert_cut_like_whole(path)


def test_a_dimension_larger_than_the_data_changes_nothing(tmp_path, cut_small_sheets):
    """A <dimension> that claims more than the data (each cut workbook keeps it) changes nothing."""
    xml = HEAD.replace(b"A1:C2", b"A1:Z99999") + rows_xml(plain_rows(300, first=3)) + TAIL
    assert_cut_like_whole(with_sheet_xml(tmp_path, xml))


UNCUTTABLE = {
    "rows out of order": lambda: rows_xml(plain_rows(150, first=10) + plain_rows(150, first=200)
                                          + plain_rows(5, first=1)),
    "a row's cells in two places": lambda: rows_xml(plain_rows(300) + [(2, [("C2", "late")])]),
    "a comment holding an end tag": lambda: rows_xml(plain_rows(150)) + b"<!-- </row> -->"
                                           + rows_xml(plain_rows(150, first=151)),
    "CDATA": lambda: rows_xml(plain_rows(150)).replace(b"<t>name 7</t>", b"<t><![CDATA[</row>]]></t>")
                     + rows_xml(plain_rows(150, first=151)),
    "an end tag in an attribute": lambda: rows_xml(plain_rows(150)).replace(b'<row r="80">',
                                                                         b'<row r="80" x="</row>">')
                                        + rows_xml(plain_rows(150, first=151)),
    "a stray quote in a tag": lambda: rows_xml(plain_rows(300)).replace(b'<c r="B80" ', b'<c r="B80"" '),
    "cells without references": lambda: rows_xml(plain_rows(300)).replace(b'<c r="B200" ', b"<c "),
}


@pytest.mark.parametrize("name", list(UNCUTTABLE))
def test_sheets_that_cannot_be_cut_exactly_are_read_whole(tmp_path, cut_small_sheets, name):
    """Each trick is refused by the cut (read_sheets_on_cores gives None) and read_xlsx reads the sheet whole."""
    path = with_sheet_xml(tmp_path, HEAD + UNCUTTABLE[name]() + TAIL)
    assert xlsxsplit.read_sheets_on_cores(path) is None
    for a, b in zip(read_xlsx(path), read_workbook(path)):
        pd.testing.assert_frame_equal(a.frame, b.frame)


def test_a_prefixed_sheet_is_read_whole(tmp_path, cut_small_sheets):
    """Elements in a namespace prefix are not cut (only the plain spelling is)."""
    xml = (HEAD + rows_xml(plain_rows(300)) + TAIL).replace(b"<", b"<x:").replace(b"<x:/", b"</x:")
    xml = xml.replace(b"<x:?xml", b"<?xml").replace(b'xmlns="', b'xmlns:x="')
    path = with_sheet_xml(tmp_path, xml)
    assert xlsxsplit.read_sheets_on_cores(path) is None
    assert [s.frame.shape for s in read_xlsx(path)] == [s.frame.shape for s in read_workbook(path)]


def test_large_shared_parts_are_not_copied_to_every_core(tmp_path, monkeypatch, cut_small_sheets):
    """Parts other than sheets (here the shared strings) are parsed once per cut workbook: past the limit, whole."""
    path = openpyxl_path(tmp_path, {"S": {(n, 1): "shared text number %d" % n for n in range(1, 400)}})
    assert xlsxsplit.read_sheets_on_cores(path) is not None
    monkeypatch.setattr(xlsxsplit, "MAX_COPIED_BYTES", 2000)
    assert xlsxsplit.read_sheets_on_cores(path) is None


def private_folders():
    """The private temporary folders this process has made and not removed."""
    prefix = "bulkmsg-upload-%d-" % os.getpid()
    return sorted(name for name in os.listdir(tempfile.gettempdir()) if name.startswith(prefix))


def test_the_cut_workbooks_are_removed_even_when_writing_fails(tmp_path, monkeypatch, cut_small_sheets):
    """No temporary file is left after a cut reading, nor after a full disk (it then reads whole)."""
    path, _ = gen_contacts.generate(str(tmp_path / "contacts.xlsx"), 500, "GB", seed=3)
    before = private_folders()
    assert xlsxsplit.read_sheets_on_cores(path) is not None
    assert private_folders() == before

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    assert xlsxsplit.read_sheets_on_cores(path) is None
    assert private_folders() == before
    assert [s.frame.shape for s in read_xlsx(path)] == [s.frame.shape for s in read_workbook(path)]


def test_a_small_workbook_is_not_cut(tmp_path):
    """Below the threshold the rebuild costs what the second core saves: read whole."""
    path, _ = gen_contacts.generate(str(tmp_path / "contacts.xlsx"), 500, "GB", seed=3)
    assert xlsxsplit.read_sheets_on_cores(path) is None


@pytest.mark.slow
def test_a_big_workbook_uploads_with_the_whole_readings_answer(sidecar, tmp_path, monkeypatch):
    """Over HTTP, a workbook past the real threshold (cut by the sidecar) answers byte for byte what the whole
    reading answers in process, and leaves no temporary file."""
    path, _ = gen_contacts.generate(str(tmp_path / "big.xlsx"), 25_000, "IN", seed=11)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > xlsxsplit.SPLIT_MIN_SHEET_BYTES
    assert xlsxsplit.read_sheets_on_cores(path) is not None
    monkeypatch.setattr(spreadsheet, "read_sheets_on_cores", lambda path, parts: None)
    whole = result_json(extract_file(path, "IN", "big.xlsx"), "imp", "request")
    answer = sidecar.upload(path, default_region="IN")
    assert answer.status_code == 200, answer.text[:300]
    body, expected = answer.json(), json.loads(whole)
    assert body.pop("import_id") and expected.pop("import_id") == "imp"
    assert body["summary"]["valid"] > 20_000 and body == expected
    assert sidecar.leftover_temp_files() == []


def test_a_part_too_big_to_cut_in_memory_is_read_whole(tmp_path, monkeypatch, cut_small_sheets):
    """A part is cut in memory (calamine streams it): past MAX_CUT_PART_BYTES the workbook is read whole."""
    path, _ = gen_contacts.generate(str(tmp_path / "contacts.xlsx"), 500, "GB", seed=3)
    assert xlsxsplit.read_sheets_on_cores(path) is not None
    monkeypatch.setattr(xlsxsplit, "MAX_CUT_PART_BYTES", 50_000)
    assert xlsxsplit.read_sheets_on_cores(path) is None


def outcome(path):
    """What read_file makes of the workbook at PATH: its frames, or the error code it refuses it with."""
    try:
        return [(s.name, s.frame, s.damaged) for s in read_file(path, "book.xlsx").sheets]
    except DomainError as error:
        return error.code


def assert_same_outcome(cut, whole):
    """The same error code, or the same sheets and frames."""
    if isinstance(cut, str) or isinstance(whole, str):
        assert cut == whole
        return
    assert [(name, damaged) for name, _, damaged in cut] == [(name, damaged) for name, _, damaged in whole]
    for (_, a, _), (_, b, _) in zip(cut, whole):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_damaged_sheets_read_cut_as_they_read_whole(tmp_path, monkeypatch, cut_small_sheets):
    """Bytes of the sheet XML flipped at random (the XML left broken in any way): the cut reading refuses or reads
    each damaged workbook exactly as the whole reading does."""
    rows = [(n, [("A%d" % n, "n%d" % n), ("B%d" % n, "+44 20 7946 %04d" % n), ("C%d" % n, "x")]) for n in range(1, 61)]
    xml = HEAD + rows_xml(rows) + TAIL
    rng = random.Random(1805)
    cut_taken = 0
    for _ in range(400):
        mutant = bytearray(xml)
        for _ in range(rng.randint(1, 3)):
            mutant[rng.randrange(len(HEAD), len(xml))] = rng.choice(b'<>/="\' rcRwt!?AZ09')
        path = with_sheet_xml(tmp_path, bytes(mutant))
        cut_taken += xlsxsplit.read_sheets_on_cores(path) is not None
        cut = outcome(path)
        with monkeypatch.context() as whole_only:
            whole_only.setattr(spreadsheet, "read_sheets_on_cores", lambda path, parts: None)
            assert_same_outcome(cut, outcome(path))
    assert cut_taken >= 80  # much damage leaves a sheet that can be cut: the cut reading itself was compared
