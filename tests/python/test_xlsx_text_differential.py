"""Differential test: the text XLSX writer (contacts/xlsx_text.py) gives the workbook openpyxl's write-only cells
gave (support/xlsx_reference.py): the same parts, byte for byte but for the creation time, and read back the same
values and cell types on every sheet, for tricky tables, real import exports and generated ones."""
import datetime
import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import xlsx_text
from contacts.exports import contact_table, export_file, reject_table, to_xlsx
from contacts.extract import extract_file
from support.xlsx_reference import reference_xlsx

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CREATED = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")

TRICKY = [
    "Zoë Ünal", "東京都", "مرحبا", "😀👍🏽", "e\u0301", "\u200bzero width", "\ufeffbom",
    "a\x01b", "\x00", "\x1f", "\x01", "\x0b\x0c", "tab\tin", "\tlead tab", "cr\r\nlf", "\n", "line\nbreak\n",
    "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+16502530000", "+1 650 253 0000", "-2", "@SUM(A1)", "'quoted",
    "<b>&amp;</b>", "a > b", "\"quotes\" 'single'", "]]>", "&#x41;",
    " lead", "trail ", "   ", "\u00a0nbsp\u00a0", "\u3000ideographic", "\x1c", " \x01", "\x01 x ",
    "x" * 40_000, "é" * 32_767, "😀" * 33_000, "", None, "#N/A", "TRUE",
    0, 42, -7, 3.5, 1e20, float("inf"), True, np.int64(9), np.float64(2.25), datetime.date(2020, 1, 2),
    datetime.datetime(2021, 3, 4, 5, 6, 7),
]


def parts(data):
    """{name: bytes} of an XLSX, in the zip's order, the creation and modification times blanked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, CREATED.sub(b"", archive.read(info))) for info in archive.infolist()]


def cells(data):
    """{sheet: [[(value, type), ...], ...]} of an XLSX read back by openpyxl."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()] for sheet in book}


def assert_same_workbook(new, old):
    """NEW holds what OLD holds: the same parts and the same cells."""
    assert parts(new) == parts(old)
    assert cells(new) == cells(old)


def test_tricky_cells_give_the_old_workbook(monkeypatch):
    """Unicode, emoji, control characters, formula-like text, XML specials, whitespace at the ends, text past
    Excel's limit, empty cells, numbers and dates, a 300-column row, rows of other lengths, an empty row; chunks
    small enough that rows fall on both sides of a chunk's end."""
    monkeypatch.setattr(xlsx_text, "CHUNK_ROWS", 7)
    rows = [TRICKY[i:i + 5] for i in range(0, len(TRICKY), 5)]  # the last row shorter
    rows += [[TRICKY[(i * 7 + j) % len(TRICKY)] for j in range(5)] for i in range(40)]
    rows += [[], ["only one"], [str(i) for i in range(300)], TRICKY]
    sheets = [("Contacts", ["Name", "=Phone", " spaced ", None], rows), ("Second", TRICKY, rows[::-1]),
              ("Empty", [], [])]
    assert_same_workbook(xlsx_text.workbook_bytes(sheets), reference_xlsx(sheets))


def test_exports_of_a_real_import_give_the_old_workbooks(tmp_path):
    """The clean list, the rejects (two sheets) and each kind of reject of an import, as the sidecar writes them."""
    text = ("Name,Phone,Note,Joined\n"
            "Asha Rao,+919876543210,=HYPERLINK(\"http://evil\"),2021-03-04\n"
            "Zoë \x01Ünal,+44 7911 123456, <b>&</b> ,\n"
            "Dup Asha,+91 98765 43210,@SUM(A1),\n"
            "Short,12345,-2,\n"
            ",not a number,😀,1.5\n")
    source = tmp_path / "people.csv"
    source.write_text(text, encoding="utf-8")
    result = extract_file(str(source), "IN")
    old = {("contacts", "Contacts"): contact_table(result), ("invalid", "Invalid"): reject_table(result, ("invalid",)),
           ("duplicates", "Duplicates"): reject_table(result, ("duplicate",))}
    for (what, title), (header, rows) in old.items():
        assert_same_workbook(export_file(result, what, "xlsx")[0], reference_xlsx([(title, header, list(rows))]))
    both = [("Invalid", *reject_table(result, ("invalid",))), ("Duplicates", *reject_table(result, ("duplicate",)))]
    assert_same_workbook(export_file(result, "rejects", "xlsx")[0], reference_xlsx(both))


def test_pandas_reads_the_new_workbook_as_the_old():
    """pandas.read_excel (openpyxl engine) gives the same frames for every sheet."""
    sheets = [("A", ["x", "y"], [TRICKY[i:i + 2] for i in range(0, 40, 2)]), ("B", ["z"], [["1"], [" 2 "]])]
    new = pd.read_excel(io.BytesIO(xlsx_text.workbook_bytes(sheets)), sheet_name=None, engine="openpyxl")
    old = pd.read_excel(io.BytesIO(reference_xlsx(sheets)), sheet_name=None, engine="openpyxl")
    assert list(new) == ["A", "B"]
    for name in old:
        pd.testing.assert_frame_equal(new[name], old[name])


VALUE = st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
                  st.sampled_from([" ", "\x01", "&", "<>", "=", "\u00a0", "\r", "\n", "\x1d"]),
                  st.integers(), st.floats(allow_nan=False))


@SETTINGS
@given(st.lists(st.lists(VALUE, max_size=6), max_size=25), st.integers(1, 6))
def test_generated_tables_give_the_old_workbook(rows, chunk):
    """Any table of text (any character but lone surrogates), numbers and empty cells, in any chunking."""
    xlsx_text.CHUNK_ROWS, before = chunk, xlsx_text.CHUNK_ROWS
    try:
        sheets = [("Sheet", ["h1", "h2"], rows)]
        assert_same_workbook(xlsx_text.workbook_bytes(sheets), reference_xlsx(sheets))
    finally:
        xlsx_text.CHUNK_ROWS = before


def test_a_campaign_report_sized_sheet_uses_the_sheet_title_rules():
    """to_xlsx still cleans the sheet title and takes a generator of rows (as the campaign report passes them)."""
    data = to_xlsx(["address"], (("+1415555%04d" % i,) for i in range(3)), "=Report[1]")
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Report1"]


@pytest.mark.parametrize("what,sheets", [("contacts", ["Contacts"]), ("rejects", ["Invalid", "Duplicates"])])
def test_http_export_opens_in_pandas(sidecar, what, sheets):
    """Over HTTP the workbook opens in pandas with its sheets and the file's header."""
    text = "Name,Phone,Note\nAnn,+14155552671,=1+1\nBob,123,x\nAnn again,+1 415 555 2671, y & <z>\n"
    upload = sidecar.post("/upload", files={"file": ("p.csv", text.encode())}, data={"default_region": "US"})
    assert upload.status_code == 200, upload.text
    answer = sidecar.get("/imports/%s/export" % upload.json()["import_id"], params={"what": what, "format": "xlsx"})
    assert answer.status_code == 200, answer.text
    frames = pd.read_excel(io.BytesIO(answer.content), sheet_name=None, engine="openpyxl", dtype=str)
    assert list(frames) == sheets
    assert all(list(frame.columns[:3]) == ["Name", "Phone", "Note"] for frame in frames.values())
