"""Fuzzing the readers (CSV, TXT, XLSX, XLS, vCard) with hypothesis, bounded for CI.

Whatever the bytes, read_file either returns a Workbook or raises the documented DomainError with a
documented code, and it does so in under 2 s per input. BULKMSG_FUZZ_EXAMPLES raises the bound locally.
"""
import io
import os
import tempfile
import time
import warnings

import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook as XlsxWorkbook

from core.errors import DomainError
from contacts.readers import Workbook, read_file

MAX_SECONDS = 2.0
# The reader contract's codes, plus the workbook safety refusals and the text-table bounds.
DOCUMENTED_CODES = {"empty_file", "unsupported_type", "corrupt_file", "not_text", "workbook_too_large",
                    "unsafe_workbook", "line_too_long", "too_many_columns", "table_too_large"}
EXAMPLES = int(os.environ.get("BULKMSG_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

PHONE_LIKE = st.sampled_from(["+1 415 555 2671", "098765 43210", "9.19876543210E+11", "=1+1", "", " ", "tel:+44",
                              "☎ +49 30 1234567", "0" * 300, "1-800-FLOWERS", "\x00", "\ufeff", "ext. 12"])
CELL = st.one_of(PHONE_LIKE, st.text(max_size=40))
DELIMITER = st.sampled_from([",", ";", "\t", "|", ":", " "])
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "shift_jis"])


def read_checked(data, filename):
    """Write DATA as FILENAME, read it, and check the contract: a Workbook or a documented error, in time."""
    with tempfile.TemporaryDirectory(prefix="bulkmsg-fuzz-") as folder:
        path = os.path.join(folder, "input" + os.path.splitext(filename)[1])
        with open(path, "wb") as f:
            f.write(data)
        started = time.monotonic()
        try:
            with warnings.catch_warnings(record=True):
                result = read_file(path, filename)
        except DomainError as err:
            assert err.code in DOCUMENTED_CODES, (err.code, err.message)
            assert err.message
            result = None
        elapsed = time.monotonic() - started
    assert elapsed < MAX_SECONDS, (filename, len(data), elapsed)
    if result is not None:
        assert isinstance(result, Workbook)
        for sheet in result.sheets:
            assert all(isinstance(v, str) for v in sheet.frame.head(50).to_numpy().ravel()), filename


@st.composite
def delimited_text(draw):
    """Table-ish text: rows of cells with one delimiter, quoting and line endings, in some encoding."""
    delimiter = draw(DELIMITER)
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=8), min_size=0, max_size=30))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.booleans())
    lines = [delimiter.join('"%s"' % c.replace('"', '""') if quote else c for c in row) for row in rows]
    text = ending.join(lines)
    return text.encode(draw(ENCODING), errors="replace")


FRACTION = st.floats(min_value=0, max_value=1, exclude_max=True)


def mutated(data, draw):
    """DATA with some bytes flipped, a slice cut out, or truncated.

    Positions are drawn as fractions: openpyxl stamps the time into its files, so their length varies between
    runs, and hypothesis needs the same draws to replay a failure.
    """
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        data[int(draw(FRACTION) * len(data))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = int(draw(FRACTION) * len(data))
        del data[start:start + draw(st.integers(1, 512))]
    if draw(st.booleans()):
        data = data[:int(draw(FRACTION) * (len(data) + 1))]
    return bytes(data)


def xlsx_bytes(rows):
    """An xlsx of ROWS, written by openpyxl."""
    book = XlsxWorkbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows):
    """An .xls (BIFF8) of ROWS, written by xlwt."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Contacts")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SPREADSHEET_CELL = st.one_of(PHONE_LIKE.filter(lambda s: "\x00" not in s),
                             st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False))
SPREADSHEET_ROWS = st.lists(st.lists(SPREADSHEET_CELL, min_size=1, max_size=5), min_size=1, max_size=15)


@st.composite
def damaged_xlsx(draw):
    """A real xlsx, then damaged."""
    return mutated(xlsx_bytes(draw(SPREADSHEET_ROWS)), draw)


@st.composite
def damaged_xls(draw):
    """A real xls, then damaged."""
    rows = draw(SPREADSHEET_ROWS)
    clean = [[v if not isinstance(v, str) else v[:200] for v in row] for row in rows]
    return mutated(xls_bytes(clean), draw)


VCARD_LINE = st.one_of(
    st.sampled_from(["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:3.0", "VERSION:4.0", "FN:Ann Lee",
                     "N:Lee;Ann;;;", "TEL;TYPE=CELL:+1 415 555 2671", "TEL;CELL;ENCODING=QUOTED-PRINTABLE:=2B1=20415",
                     "item1.TEL:+44 7911 123456", "PHOTO;ENCODING=b:AAAA", " continued", "\tfolded",
                     "TEL;VALUE=uri:tel:+1-555-555-5555", "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=A9=",
                     "BEGIN:VCARD", "X-CUSTOM;;;:", ":", ";;;", "TEL:"]),
    st.text(max_size=60))


@st.composite
def vcard_text(draw):
    """vCard-ish text: real property lines mixed with noise."""
    lines = draw(st.lists(VCARD_LINE, min_size=0, max_size=40))
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines).encode(draw(ENCODING), errors="replace")


@FUZZ
@given(data=st.one_of(delimited_text(), st.binary(max_size=4096)), name=st.sampled_from(["list.csv", "list.tsv"]))
def test_csv_reader_only_raises_the_documented_error(data, name):
    """CSV/TSV: any bytes."""
    read_checked(data, name)


@FUZZ
@given(data=st.one_of(st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")), delimited_text(),
                      st.binary(max_size=4096)))
def test_txt_reader_only_raises_the_documented_error(data):
    """TXT: free text, tables and binary."""
    read_checked(data, "notes.txt")


@FUZZ
@given(data=st.one_of(damaged_xlsx(), st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b)))
def test_xlsx_reader_only_raises_the_documented_error(data):
    """XLSX: real workbooks with damage, and zip-looking noise."""
    read_checked(data, "book.xlsx")


@FUZZ
@given(data=st.one_of(damaged_xls(), st.binary(max_size=2048).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b)))
def test_xls_reader_only_raises_the_documented_error(data):
    """XLS: real BIFF workbooks with damage, and OLE-looking noise."""
    read_checked(data, "book.xls")


@FUZZ
@given(data=st.one_of(vcard_text(), st.binary(max_size=2048)))
def test_vcard_reader_only_raises_the_documented_error(data):
    """vCard: property soup and noise."""
    read_checked(data, "people.vcf")


@pytest.mark.parametrize("name", ["list.csv", "notes.txt", "book.xlsx", "book.xls", "people.vcf"])
def test_each_reader_is_reached_by_its_fuzz_inputs(name):
    """Sanity: a clean input of each type is read, so the fuzzers exercise the readers, not just the dispatch."""
    clean = {"list.csv": b"Name,Phone\nAnn,+1 415 555 2671\n", "notes.txt": b"Call Ann on +1 415 555 2671 today",
             "book.xlsx": xlsx_bytes([["Name", "Phone"], ["Ann", "+1 415 555 2671"]]),
             "book.xls": xls_bytes([["Name", "Phone"], ["Ann", "+1 415 555 2671"]]),
             "people.vcf": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nTEL:+1 415 555 2671\r\nEND:VCARD\r\n"}[name]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(clean)
        workbook = read_file(path, name)
    cells = workbook.free_text or " ".join(v for s in workbook.sheets for v in s.frame.to_numpy().ravel())
    assert "415" in cells
