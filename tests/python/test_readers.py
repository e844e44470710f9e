"""read_file: every fixture, encodings, delimiters, content-based type detection, cell text, and every error code."""
import codecs
import datetime
import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile

import msoffcrypto.format.ooxml
import openpyxl
import pytest

from core.errors import DomainError
from contacts.readers import read_file
from contacts.readers.vcard import HEADER as VCARD_HEADER
from support.readers import (FIXTURES, cells, fixture_bytes, read_bytes, write_bytes, xls_bytes, xlsx_bytes,
                                  zip_bytes)

ZIP_BOMB_BYTES = 300 * 1024 * 1024


@pytest.fixture
def no_temp_files(tmp_path, monkeypatch):
    """A private temp directory for the test; the test asserts it stays empty."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield temp
    assert list(temp.iterdir()) == [], "a reader left temp files behind"


def read_fixture(name):
    """read_file of a fixture under its own name."""
    return read_file(os.path.join(FIXTURES, name), name)


def error_code(call):
    """The DomainError code CALL raises (fails the test if it raises nothing or something else)."""
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# --- the real-export fixtures -------------------------------------------------------------------------------------

FIXTURE_SHAPES = [
    # name, file_type, [(sheet name, rows, columns)], spot checks {(sheet, row, col): text}
    ("google_contacts.csv", "csv", [("google_contacts", 11, 32)],
     {(0, 0, 20): "Phone 1 - Value", (0, 3, 20): "+49 151 23456789 ::: +49 160 98765432", (0, 2, 0): "José",
      (0, 9, 14): 'Said "call after 6"', (0, 4, 10): "Acme, Inc.",
      (0, 1, 24): "12 MG Road\nBengaluru KA 560001\nIndia"}),
    ("google_contacts_legacy.csv", "csv", [("google_contacts_legacy", 6, 43)],
     {(0, 0, 0): "Name", (0, 1, 32): "098765 12345", (0, 2, 32): "+91 99887 66554 ::: 91234 56789",
      (0, 4, 32): "9876512345"}),
    ("outlook_contacts.csv", "csv", [("outlook_contacts", 7, 61)],
     {(0, 0, 15): "Mobile Phone", (0, 1, 15): "07911 123456", (0, 2, 0): "Amélie",
      (0, 2, 60): "Met at the conference,\r\nParis 2023", (0, 4, 20): "+49 30 12345679", (0, 6, 15): "123"}),
    ("excel_unicode_text.txt", "txt", [("excel_unicode_text", 7, 6)],
     {(0, 0, 2): "Mobil", (0, 1, 1): "Müller", (0, 3, 5): 'Weiß "Design"', (0, 5, 0): "",
      (0, 6, 2): "0151 23456789"}),
    ("french_semicolon_cp1252.csv", "csv", [("french_semicolon_cp1252", 7, 5)],
     {(0, 0, 2): "Téléphone", (0, 5, 0): "Bœuf", (0, 5, 4): "Besançon", (0, 4, 3): "06 12 34 56 78",
      (0, 6, 3): "12 34"}),
    ("iphone_contacts.vcf", "vcf", [("Contacts", 6, 11)],
     {(0, 1, 4): "(408) 555-5270 ::: +1 (201) 555-0123", (0, 1, 5): "(408) 555-0101", (0, 1, 10): "Apple Inc.",
      (0, 2, 0): "Sofía Núñez", (0, 3, 6): "+44 20 7946 0958", (0, 3, 8): "+44 20 7946 0959",
      (0, 4, 5): "+61 412 345 678", (0, 4, 7): "+61 2 9876 5432", (0, 5, 9): "kate@example.com"}),
    ("android_contacts.vcf", "vcf", [("Contacts", 7, 11)],
     {(0, 2, 0): "रवि शर्मा", (0, 2, 1): "रवि", (0, 2, 2): "शर्मा", (0, 3, 0): "Jürgen Müller-Lüdenscheidt",
      (0, 3, 8): "+49 30 1234567", (0, 4, 4): "+91 99887 66554 ::: 99887 66554", (0, 6, 6): "022 2345 6789",
      (0, 6, 8): "022 2345 6790", (0, 1, 5): "080 2345 6789"}),
    ("workbook_title_row.xlsx", "xlsx", [("Customers", 11, 7), ("Notes", 2, 1), ("Sheet3", 0, 0), ("Lookup", 3, 2)],
     {(0, 0, 0): "Customer list - March 2024", (0, 2, 2): "Mobile", (0, 3, 2): "919876543210",
      (0, 5, 3): "3012345678", (0, 5, 4): "+49 89 12345678", (0, 6, 2): "919876543210", (0, 7, 2): "5511912345678",
      (0, 10, 0): "Total", (0, 10, 2): "6", (0, 9, 0): "", (3, 0, 1): "IN"}),
    ("crm_export.xls", "xls", [("Contacts", 7, 6), ("Summary", 2, 2)],
     {(0, 1, 2): "9876543210", (0, 1, 3): "08023456789", (0, 2, 2): "919123456789", (0, 1, 0): "1",
      (0, 6, 1): "Élise Fernandes", (1, 1, 1): "2024-03-12", (1, 0, 1): "6"}),
    ("web_page_export.xls", "xls", [("web_page_export", 5, 4)],
     {(0, 1, 0): "Maria García", (0, 1, 1): "+1 (201) 555-0123", (0, 1, 3): "VIP call mornings",
      (0, 3, 0): "Emma O'Neil <no phone given>", (0, 3, 1): "", (0, 3, 2): "Acme"}),
]


@pytest.mark.parametrize("name,file_type,shapes,spots", FIXTURE_SHAPES, ids=[f[0] for f in FIXTURE_SHAPES])
def test_fixture_reads_to_expected_sheets_and_cells(name, file_type, shapes, spots):
    """Each real-export fixture: right type, sheets in order with their sizes, all cells str, spot cells exact."""
    book = read_fixture(name)
    assert book.file_type == file_type
    assert book.free_text is None
    assert [(s.name, *s.frame.shape) for s in book.sheets] == shapes
    for sheet in book.sheets:
        assert all(isinstance(v, str) for v in sheet.frame.to_numpy().ravel())
        assert list(sheet.frame.columns) == list(range(sheet.frame.shape[1]))
    for (sheet, row, col), text in spots.items():
        assert book.sheets[sheet].frame.iat[row, col] == text


def test_vcard_fixture_has_the_synthesised_header():
    """vCards come back with the documented header row."""
    assert cells(read_fixture("iphone_contacts.vcf"))[0] == VCARD_HEADER


def test_whatsapp_fixture_is_free_text():
    """A chat export is not a table: it comes back as free text, unchanged."""
    book = read_fixture("whatsapp_chat.txt")
    assert (book.file_type, book.sheets) == ("txt", [])
    assert book.free_text == fixture_bytes("whatsapp_chat.txt").decode("utf-8")


def test_every_fixture_has_an_expected_result():
    """Each fixture has its <name>.expected.json and each expected file its fixture."""
    names = set(os.listdir(FIXTURES))
    expected = {n[: -len(".expected.json")] for n in names if n.endswith(".expected.json")}
    covered = {f[0] for f in FIXTURE_SHAPES} | {"whatsapp_chat.txt"}
    assert expected == covered
    assert expected <= names


# --- encodings ----------------------------------------------------------------------------------------------------

ROWS = [["Nom", "Prénom", "Téléphone"], ["Müller", "Zoë", "+49 151 23456789"], ["Garçon", "Noël", "0612345678"]]


def table_text(rows, delimiter=","):
    """ROWS as delimited text with CRLF line ends."""
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


ENCODINGS = [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""), ("utf-16-be", b""), ("cp1252", b""), ("latin-1", b""),
]


@pytest.mark.parametrize("encoding,bom", ENCODINGS, ids=["%s%s" % (e, "+bom" if b else "") for e, b in ENCODINGS])
def test_text_encodings_decode_to_the_same_cells(tmp_path, encoding, bom):
    """UTF-8 with/without BOM, UTF-16 LE/BE with/without BOM, Windows-1252 and Latin-1 all give the same cells."""
    book = read_bytes(tmp_path, "list.csv", bom + table_text(ROWS).encode(encoding))
    assert cells(book) == ROWS


def test_windows_1252_only_characters_survive(tmp_path):
    """Bytes that mean œ, €, ’ in Windows-1252 (not in Latin-1) decode as such."""
    rows = [["Name", "Phone"], ["Bœuf – l’Été €", "0612345678"]]
    assert cells(read_bytes(tmp_path, "fr.csv", table_text(rows, ";").encode("cp1252"))) == rows


def test_bytes_no_code_page_reads_well_still_decode(tmp_path):
    """A byte undefined in Windows-1252 (0x81) beside one that is not a word in any code page: the file is read
    anyway (its legacy encoding is a guess), the table and its numbers intact."""
    data = b"Name;Phone\r\nJos\xe9\x81;0612345678\r\n"
    table = cells(read_bytes(tmp_path, "x.csv", data))
    assert table[0] == ["Name", "Phone"] and table[1][1] == "0612345678" and table[1][0].startswith("Jos")


# --- delimiters and CSV details -----------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    """, ; tab | are each found, other delimiters inside quotes notwithstanding."""
    rows = [["Name", "Phone", "Note"], ["Ann", "+44 7911 123456", "a, b; c | d"], ["Bob", "07911 123457", "x"]]
    text = "\n".join(delimiter.join(['"%s"' % c if any(d in c for d in ",;|\t") else c for c in r]) for r in rows)
    assert cells(read_bytes(tmp_path, "list.csv", text.encode())) == rows


def test_quoted_fields_keep_delimiters_newlines_and_quotes(tmp_path):
    """Quoted fields hold delimiters, line breaks and doubled quotes; the record still counts as one row."""
    text = 'Name,Phone,Note\r\n"Nair, Meera","+91 98765 43210","line one\r\nline two ""quoted"""\r\nBob,555,x\r\n'
    assert cells(read_bytes(tmp_path, "q.csv", text.encode())) == [
        ["Name", "Phone", "Note"], ["Nair, Meera", "+91 98765 43210", 'line one\r\nline two "quoted"'],
        ["Bob", "555", "x"]]


def test_numbers_stay_text_with_leading_zeros_and_plus(tmp_path):
    """Nothing is inferred: leading zeros, '+', long digit strings, 'NA' and 'TRUE' stay as written."""
    text = "0044123,+919876543210,919876543210123456789,NA,TRUE,1e5,null,\n"
    assert cells(read_bytes(tmp_path, "n.csv", text.encode())) == [
        ["0044123", "+919876543210", "919876543210123456789", "NA", "TRUE", "1e5", "null", ""]]


def test_one_column_file(tmp_path):
    """A list of numbers with no delimiter is one column."""
    text = "Phone\n+44 7911 123456\n07911 123457\n"
    assert cells(read_bytes(tmp_path, "one.csv", text.encode())) == [["Phone"], ["+44 7911 123456"], ["07911 123457"]]


def test_ragged_rows_are_padded_and_blank_lines_kept(tmp_path):
    """Short rows are padded with '', long rows widen the table, an inner blank line stays a row."""
    text = "Name,Phone\nAnn,555-0101,extra,more\n\nBob\n"
    assert cells(read_bytes(tmp_path, "r.csv", text.encode())) == [
        ["Name", "Phone", "", ""], ["Ann", "555-0101", "extra", "more"], ["", "", "", ""], ["Bob", "", "", ""]]


def test_tsv_file_type(tmp_path):
    """A tab-separated .tsv is file_type 'tsv'."""
    book = read_bytes(tmp_path, "x.tsv", b"Name\tPhone\nAnn\t555\n")
    assert (book.file_type, cells(book)) == ("tsv", [["Name", "Phone"], ["Ann", "555"]])


def test_txt_table_and_free_text(tmp_path):
    """A .txt whose lines split alike is a table; prose is free text."""
    table = read_bytes(tmp_path, "t.txt", b"Ann;555 0101\nBob;555 0102\nCy;555 0103\n")
    prose = read_bytes(tmp_path, "p.txt", "Call Ann on 555 0101, or Bob.\nThanks!\n".encode())
    assert (table.file_type, cells(table), table.free_text) == (
        "txt", [["Ann", "555 0101"], ["Bob", "555 0102"], ["Cy", "555 0103"]], None)
    assert (prose.file_type, prose.sheets, prose.free_text) == ("txt", [], "Call Ann on 555 0101, or Bob.\nThanks!\n")


def test_sheet_name_is_the_file_stem_of_the_client_name(tmp_path):
    """A text table's one sheet is named after the client's file name, not the temp path."""
    path = write_bytes(tmp_path, "upload-123.tmp", b"Name,Phone\nAnn,555\n")
    assert read_file(path, "My Contacts.csv").sheets[0].name == "My Contacts"


# --- type by content ----------------------------------------------------------------------------------------------

def test_xlsx_named_csv_is_read_as_xlsx(tmp_path):
    """A workbook saved with a .csv name is still a workbook."""
    book = read_bytes(tmp_path, "contacts.csv", xlsx_bytes([["Name", "Phone"], ["Ann", 447911123456]]))
    assert (book.file_type, cells(book)) == ("xlsx", [["Name", "Phone"], ["Ann", "447911123456"]])


def test_xls_that_is_csv_or_html(tmp_path):
    """An '.xls' export that is really CSV or an HTML table is read for what it is."""
    csv_book = read_bytes(tmp_path, "export.xls", b"Name\tPhone\r\nAnn\t0044 7911 123456\r\n")
    html = b"<html><body><table><tr><td>Name</td><td>Phone</td></tr><tr><td>Ann</td><td>07911 123456</td></tr>" \
           b"</table></body></html>"
    html_book = read_bytes(tmp_path, "report.xls", html)
    assert (csv_book.file_type, cells(csv_book)) == ("tsv", [["Name", "Phone"], ["Ann", "0044 7911 123456"]])
    assert (html_book.file_type, cells(html_book)) == ("xls", [["Name", "Phone"], ["Ann", "07911 123456"]])


def test_vcard_named_txt_and_no_extension(tmp_path):
    """vCards are recognised by content, whatever the name."""
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL;TYPE=CELL:+44 7911 123456\r\nEND:VCARD\r\n"
    for name in ("ann.txt", "ann", "ann.csv"):
        book = read_bytes(tmp_path, name, data)
        assert (book.file_type, cells(book)[1][0], cells(book)[1][4]) == ("vcf", "Ann Lee", "+44 7911 123456")


def test_xls_with_csv_extension_and_xlsx_without_extension(tmp_path):
    """Binary workbooks are recognised by their magic bytes."""
    xls = read_bytes(tmp_path, "data.csv", xls_bytes([["Phone"], [9876543210]]))
    xlsx = read_bytes(tmp_path, "noext", xlsx_bytes([["Phone"], ["+1 415 555 2671"]]))
    assert (xls.file_type, cells(xls)) == ("xls", [["Phone"], ["9876543210"]])
    assert (xlsx.file_type, cells(xlsx)) == ("xlsx", [["Phone"], ["+1 415 555 2671"]])


# --- cell text from workbooks -------------------------------------------------------------------------------------

WORKBOOK_VALUES = [
    919876543210, 919876543210.0, 9.19876543210e11, 1.5, -42, 0.1, True, False,
    datetime.datetime(2024, 3, 12, 10, 15), datetime.date(2024, 3, 12), "0044 20 7946 0958", None, "  spaced ",
]
XLSX_TEXT = ["919876543210", "919876543210", "919876543210", "1.5", "-42", "0.1", "TRUE", "FALSE",
             "2024-03-12 10:15:00", "2024-03-12", "0044 20 7946 0958", "", "  spaced "]


def test_xlsx_cell_values_become_exact_text(tmp_path):
    """Integral numbers as digits (never '...0' or 'E+11'), floats as repr, dates ISO, booleans TRUE/FALSE."""
    book = read_bytes(tmp_path, "v.xlsx", xlsx_bytes([WORKBOOK_VALUES]))
    assert cells(book) == [XLSX_TEXT]


def test_xls_cell_values_become_exact_text(tmp_path):
    """The same for a BIFF8 .xls (dates stored with a date format come back ISO)."""
    book_bytes = xls_bytes([[919876543210, 9.19876543210e11, 1.5, -42, True, "0044 20 7946 0958"]])
    assert cells(read_bytes(tmp_path, "v.xls", book_bytes)) == [
        ["919876543210", "919876543210", "1.5", "-42", "TRUE", "0044 20 7946 0958"]]


def test_rows_count_from_a1_and_hidden_and_empty_sheets_are_listed(tmp_path):
    """A table starting at C3 keeps its place (frame row i = spreadsheet row i+1); all sheets listed in order."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Data"
    first["C3"], first["D3"], first["C4"], first["D4"] = "Name", "Phone", "Ann", 447911123456
    book.create_sheet("Empty")
    hidden = book.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "secret"
    out = io.BytesIO()
    book.save(out)
    read = read_bytes(tmp_path, "b.xlsx", out.getvalue())
    assert [s.name for s in read.sheets] == ["Data", "Empty", "Hidden"]
    assert cells(read)[2:] == [["", "", "Name", "Phone"], ["", "", "Ann", "447911123456"]]
    assert read.sheets[1].frame.shape == (0, 0)
    assert cells(read, 2) == [["secret"]]


# --- errors -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,data", [
    ("empty.csv", b""), ("blank.csv", b"  \r\n\t\n"), ("bom.txt", codecs.BOM_UTF8), ("bom16.csv", codecs.BOM_UTF16_LE),
    ("blank16.txt", codecs.BOM_UTF16_LE + " \r\n".encode("utf-16-le")), ("empty.xlsx", b""),
], ids=["zero-bytes", "whitespace", "utf8-bom-only", "utf16-bom-only", "utf16-blank", "empty-xlsx"])
def test_empty_files(tmp_path, no_temp_files, name, data):
    """Zero bytes, or blank space only (in any encoding), is empty_file."""
    assert error_code(lambda: read_bytes(tmp_path, name, data)) == "empty_file"


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
RANDOM_BYTES = bytes((i * 7919 + 13) % 256 for i in range(4096))


@pytest.mark.parametrize("name,data", [
    ("doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
    ("contacts.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    ("photo.png", PNG_HEADER), ("photo.xlsx", PNG_HEADER),
    ("archive.zip", zip_bytes({"readme.txt": b"hello", "data/list.csv": b"a,b"})),
    ("archive.xlsx", zip_bytes({"word/document.xml": b"<w:document/>"})),
    ("blob", RANDOM_BYTES), ("blob.bin", RANDOM_BYTES),
], ids=["pdf", "pdf-named-csv", "png", "png-named-xlsx", "zip", "docx-named-xlsx", "random-no-ext", "random-bin"])
def test_unsupported_types(tmp_path, no_temp_files, name, data):
    """Known non-contact formats and unknown binary data are unsupported_type."""
    assert error_code(lambda: read_bytes(tmp_path, name, data)) == "unsupported_type"


@pytest.mark.parametrize("name", ["contacts.csv", "notes.txt", "cards.vcf", "list.tsv"])
def test_binary_garbage_with_a_text_name_is_not_text(tmp_path, no_temp_files, name):
    """Binary bytes under a text extension are not_text."""
    assert error_code(lambda: read_bytes(tmp_path, name, RANDOM_BYTES)) == "not_text"


def test_garbage_and_truncated_workbooks_are_corrupt(tmp_path, no_temp_files):
    """Random bytes named .xlsx/.xls, a cut-off xlsx or xls, and a zip with a broken workbook part: corrupt_file."""
    good_xlsx = fixture_bytes("workbook_title_row.xlsx")
    good_xls = fixture_bytes("crm_export.xls")
    broken_part = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook><sheets><sheet"})
    cases = [("r.xlsx", RANDOM_BYTES), ("r.xls", RANDOM_BYTES), ("cut.xlsx", good_xlsx[: len(good_xlsx) // 2]),
             ("cut.xls", good_xls[:1536]), ("bad.xlsx", broken_part)]
    codes = {name: error_code(lambda: read_bytes(tmp_path, name, data)) for name, data in cases}
    assert codes == {name: "corrupt_file" for name, _ in cases}


def test_password_protected_xlsx_is_corrupt_file(tmp_path, no_temp_files):
    """A real password-encrypted workbook (msoffcrypto) is refused with corrupt_file and says why."""
    encrypted = io.BytesIO()
    plain = io.BytesIO(fixture_bytes("workbook_title_row.xlsx"))
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("s3cret", encrypted)
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "locked.xlsx", encrypted.getvalue())
    assert caught.value.code == "corrupt_file" and "password" in caught.value.message


def bomb_zip(path, declared_size=None):
    """Write an xlsx-looking zip whose one sheet inflates to ZIP_BOMB_BYTES of zeros; optionally lie about its size."""
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as member:
            for _ in range(ZIP_BOMB_BYTES // len(chunk)):
                member.write(chunk)
    if declared_size is not None:
        patch_declared_size(path, "xl/worksheets/sheet1.xml", declared_size)


def patch_declared_size(path, member, size):
    """Rewrite MEMBER's uncompressed size in its local header and its central directory entry."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    eocd = data.rindex(b"PK\x05\x06")
    entry = struct.unpack_from("<L", data, eocd + 16)[0]
    while data[entry:entry + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, entry + 28)
        local = struct.unpack_from("<L", data, entry + 42)[0]
        if data[entry + 46:entry + 46 + name_len].decode() == member:
            struct.pack_into("<L", data, entry + 24, size)
            struct.pack_into("<L", data, local + 22, size)
        entry += 46 + name_len + extra_len + comment_len
    with open(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("lie", [False, True], ids=["honest-sizes", "lying-sizes"])
def test_zip_bomb_is_refused_fast_with_little_memory(tmp_path, no_temp_files, lie):
    """300 MB of zeros in a small xlsx is workbook_too_large, in well under 5 s and without inflating it in memory."""
    path = str(tmp_path / "bomb.xlsx")
    bomb_zip(path, declared_size=1000 if lie else None)
    assert os.path.getsize(path) < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code = error_code(lambda: read_file(path, "bomb.xlsx"))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == "workbook_too_large"
    assert elapsed < 5
    assert peak < 32 * 1024 * 1024


def test_too_many_zip_entries_is_refused(tmp_path, no_temp_files):
    """A workbook zip with more than 10,000 parts is workbook_too_large."""
    members = {"xl/workbook.xml": b"<workbook/>"}
    members.update({"xl/media/p%05d.bin" % i: b"" for i in range(10_001)})
    assert error_code(lambda: read_bytes(tmp_path, "many.xlsx", zip_bytes(members))) == "workbook_too_large"


def test_absurd_used_range_is_refused_before_allocating(tmp_path, no_temp_files):
    """Two cells at A1 and XFD1048576 would be a 17-billion-cell grid: workbook_too_large, quickly."""
    book = openpyxl.Workbook()
    book.active["A1"], book.active["XFD1048576"] = "Phone", "x"
    out = io.BytesIO()
    book.save(out)
    started = time.perf_counter()
    assert error_code(lambda: read_bytes(tmp_path, "wide.xlsx", out.getvalue())) == "workbook_too_large"
    assert time.perf_counter() - started < 2


def test_absurd_xls_used_range_is_refused_before_allocating(tmp_path, no_temp_files):
    """An .xls with cells at A1 and IV65536 (16.7M-cell grid) is workbook_too_large, quickly."""
    data = xls_bytes([["Phone"]] + [[None]] * 65534 + [[None] * 255 + ["x"]])
    started = time.perf_counter()
    assert error_code(lambda: read_bytes(tmp_path, "wide.xls", data)) == "workbook_too_large"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("members", [
    {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"},
], ids=["xlsb"])
def test_xlsb_is_refused_with_advice(tmp_path, no_temp_files, members):
    """A spreadsheet we cannot measure before opening (.xlsb) is unsupported_type, with a hint to save as .xlsx
    (.ods is read by its own streaming reader: test_readers_ods.py)."""
    with pytest.raises(DomainError) as caught:
        read_bytes(tmp_path, "book.bin", zip_bytes(members))
    assert caught.value.code == "unsupported_type" and ".xlsx" in caught.value.message


def test_binary_fixtures_match_a_fresh_build():
    """scripts/make_fixtures.py --check: the committed xlsx/xls are what the script builds, byte for byte."""
    script = os.path.join(FIXTURES, "..", "..", "scripts", "make_fixtures.py")
    done = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_txt_list_of_bare_numbers_is_a_one_column_table(tmp_path):
    """A .txt holding one number per line reads as a one-column table (the fast path), blank lines kept as rows."""
    book = read_bytes(tmp_path, "numbers.txt", b"+91 98765 43210\n09876543210\n\n(020) 7946 0958\n")
    assert (book.file_type, book.free_text) == ("txt", None)
    assert cells(book) == [["+91 98765 43210"], ["09876543210"], [""], ["(020) 7946 0958"]]


def test_chat_export_with_one_comma_per_line_is_free_text(tmp_path):
    """A WhatsApp export whose every line has just the date's comma is still a chat, not a two-column CSV."""
    chat = "12/03/2024, 10:16 - Meera added +91 98765 43210\n12/03/2024, 10:17 - +91 91234 56789 joined\n" \
           "12/03/2024, 10:18 - Meera: hello\n"
    book = read_bytes(tmp_path, "WhatsApp Chat with Book Club.txt", chat.encode())
    assert (book.file_type, book.sheets, book.free_text) == ("txt", [], chat)


def test_a_million_trailing_blank_lines_are_dropped_quickly(tmp_path):
    """Blank lines after the last record are not rows, and dropping them is fast even when there are millions."""
    data = b"Name,Phone\r\nAnn,555 0101\r\n" + b"\r\n" * 1_000_000
    started = time.perf_counter()
    book = read_bytes(tmp_path, "tail.csv", data)
    assert time.perf_counter() - started < 5
    assert cells(book) == [["Name", "Phone"], ["Ann", "555 0101"]]
