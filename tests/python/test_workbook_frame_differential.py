"""Differential test (issue 18): sheets are now built column by column as pandas' str dtype (cells.rows_to_frame);
the old builder (5909fb4: zip(*rows) into an object frame, converted later by frame_as_text) must give the same
frame, and every import the same answer byte for byte, for generated contact workbooks and tricky cells in every
format that goes through rows_to_frame (xlsx, xls, ods, web-page tables, vCards)."""
import os
import sys

import openpyxl
import pandas as pd
import pytest

from contacts.columns import frame_as_text
from contacts.extract import extract_file
from contacts.readers import htmltable, ods, read_file, spreadsheet, vcard, xmlss
from contacts.readers.cells import column_text, padded_rows
from contacts.report import result_json
from support.ods import write_ods
from support.readers import TRICKY
from support.xmlss import CONTACTS as XML_SPREADSHEET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import gen_contacts  # noqa: E402

READERS = (spreadsheet, ods, xmlss, htmltable, vcard)


def old_rows_to_frame(rows):
    """cells.rows_to_frame as it was at 5909fb4 (an object frame of str cells)."""
    if not rows:
        return pd.DataFrame()
    rows, width = padded_rows(rows)  # the padding is the old code, moved
    columns = zip(*rows) if width else []
    return pd.DataFrame({index: column_text(column) for index, column in enumerate(columns)}, dtype=object)


def use_old_builder(monkeypatch):
    """Every reader builds its frames the old way."""
    for module in READERS:
        monkeypatch.setattr(module, "rows_to_frame", old_rows_to_frame)


def frames(path):
    """Every sheet of PATH read, as the engine sees it (after frame_as_text)."""
    return [(s.name, frame_as_text(s.frame)) for s in read_file(str(path), os.path.basename(str(path))).sheets]


def answer(path, region):
    """The /upload answer for the file at PATH, as bytes."""
    return result_json(extract_file(str(path), region, os.path.basename(str(path))), "imp_diff", "request")


def both_ways(monkeypatch, func, *args):
    """FUNC(*ARGS) with the new builder, then with the old one."""
    new = func(*args)
    with monkeypatch.context() as patch:
        use_old_builder(patch)
        old = func(*args)
    return new, old


def assert_same_frames(new, old):
    """The same sheets, the same cells and the same dtypes."""
    assert [name for name, _ in new] == [name for name, _ in old]
    for (_, a), (_, b) in zip(new, old):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("seed, region, rows", [(1, "IN", 3000), (2, "GB", 2000), (3, "US", 2000), (7, "IN", 5000)])
def test_generated_workbooks_answer_the_same(tmp_path, monkeypatch, seed, region, rows):
    """The project's generator (numbers as text and as number cells): the same frame and the same answer."""
    path, _ = gen_contacts.generate(str(tmp_path / "contacts.xlsx"), rows, region, seed=seed)
    assert_same_frames(*both_ways(monkeypatch, frames, path))
    new, old = both_ways(monkeypatch, answer, path, region)
    assert new == old


def tricky_workbook(path):
    """Two sheets of tricky cells: every type openpyxl writes, ragged rows, an empty row, an empty sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tricky"
    sheet.append(["Name", "Phone", "Other"])
    for i in range(0, len(TRICKY), 3):
        sheet.append(TRICKY[i:i + 3 + i % 2])
    sheet.append([])
    for i in range(12):  # enough numbers for the phone column to be found
        sheet.append(["Person %d" % i, "+44 20 7946 %04d" % i if i % 2 else 447700900000 + i, i])
    book.create_sheet("Empty")
    book.save(path)
    return path


def test_tricky_cells_xlsx(tmp_path, monkeypatch):
    """Numbers, booleans, dates, times, empty cells and ragged rows read as the same text in the same frame."""
    path = tricky_workbook(str(tmp_path / "tricky.xlsx"))
    assert_same_frames(*both_ways(monkeypatch, frames, path))
    new, old = both_ways(monkeypatch, answer, path, "GB")
    assert new == old


def test_other_formats_through_the_same_builder(tmp_path, monkeypatch):
    """.ods, XML spreadsheet, web-page table and vCard readers build their frames the same way too."""
    files = {"list.ods": None, "export.xls": XML_SPREADSHEET,
             "table.html": "<table><tr><td>Name</td><td>Phone</td></tr>"
                           "<tr><td>Ann</td><td>+44 20 7946 0958</td></tr><tr><td>Bo</td></tr></table>",
             "cards.vcf": "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL:+44 20 7946 0958\nEND:VCARD\n"
                          "BEGIN:VCARD\nVERSION:3.0\nFN:Bo\nTEL:+1 650 253 0000\nEND:VCARD\n"}
    ods_rows = [["Name", "Phone"], ["Ann", ("float", "447946095800")], ["Bo", "+1 650 253 0000"], ["Cy"],
                ["Di", ("date", "2024-03-01")]]
    write_ods(str(tmp_path / "list.ods"), {"Contacts": ods_rows})
    for name, text in files.items():
        if text is not None:
            (tmp_path / name).write_text(text, encoding="utf-8")
        assert_same_frames(*both_ways(monkeypatch, frames, tmp_path / name))
        new, old = both_ways(monkeypatch, answer, tmp_path / name, "GB")
        assert new == old
