"""Measure a sheet's used range (last row x last column) from its raw cells, before a library allocates it."""
import io
import re
import struct

import xlrd.compdoc

from core.errors import DomainError
from .limits import MAX_SHEET_CELLS

# The column letters and the row digits of any r="B12" (cell) or r="12" (row) attribute; linear, no nested
# repetition. The literal comes first so the regex engine skips padding at memchr speed (a leading \s cost ~7 s per
# 200 MB of blanks: a zip bomb's payload); the lookbehind after it rejects operator="..", header="..".
XLSX_REF_COLUMN = re.compile(rb'r="(?<=[ \t\r\n]r=")([A-Z]{1,3})[0-9]')
XLSX_REF_ROW = re.compile(rb'r="(?<=[ \t\r\n]r=")[A-Z]{0,3}([0-9]{1,10})"')
OVERLAP_BYTES = 32
# Cells may omit r= (the library then places them after the previous one): such cells are counted per row.
CELL_TAGS = (b"<c>", b"<c ", b"<c/", b":c>", b":c ", b":c/")
ROW_TAG = re.compile(rb"<(?:[A-Za-z0-9_]{1,16}:)?row\b")
REF_PREFIX = rb'r="(?<=[ \t\r\n]r=")'
# Most chunks are checked against a guess (the largest reference near their ends) with one regex search that
# allocates nothing; only a chunk holding a larger reference pays for the exact findall.
GUESS_BYTES = 64 * 1024

BIFF_BOF, BIFF_EOF = 0x0809, 0x000A
BIFF_CELLS = {0x0006, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
BIFF_MULTI_CELLS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: the last column is the record's last two bytes
RECORD_HEADER = struct.Struct("<HH")


def refuse(rows, columns):
    """The error for a sheet whose used range is too large."""
    return DomainError("workbook_too_large", "A sheet of the workbook is too large (%d rows x %d columns)."
                         % (rows, columns))


def column_number(letters):
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def cell_tags(data):
    """How many cell elements DATA opens (an upper bound: text that looks like a tag counts too)."""
    return sum(data.count(tag) for tag in CELL_TAGS)


def has_unreferenced_cells(data):
    """Whether some cell element of DATA may lack r=: every writer puts r= first, so any other start is suspect."""
    if data.count(b"<c") == data.count(b'<c r="') and b":c" not in data:
        return False  # the common case, three scans; <cols>, <cfRule>... or prefixes need the closer look below
    return data.count(b"<c ") != data.count(b'<c r="') or cell_tags(data) != data.count(b"<c ")


def greater_than(text, alphabet, low, high, limit):
    """Regex alternatives matching strings over [low-high] greater than TEXT (longer, or same length and larger)."""
    longer = "[%s][%s]{%d,%d}" % (alphabet, alphabet, len(text), limit - 1) if len(text) < limit else None
    same = ["%s[%s-%s][%s]{%d}" % (text[:i], chr(ord(ch) + 1), high, alphabet, len(text) - i - 1)
            for i, ch in enumerate(text) if ch != high]
    return [a for a in [longer] + same if a] or ["(?!)"]


def larger_reference(rows, columns):
    """A compiled regex that finds any r= reference past row ROWS or column COLUMNS."""
    row_text = str(max(rows, 0)).lstrip("0") or "0"
    row_part = "|".join(greater_than(row_text, "0-9", "0", "9", 12)).replace("[0-9][0-9]{", "[1-9][0-9]{", 1)
    column_part = "|".join(greater_than(column_letters(columns), "A-Z", "A", "Z", 3)) if columns else "[A-Z]{1,3}"
    pattern = rb'%s(?:[A-Z]{0,3}0*(?:%s)"|(?:%s)[0-9])' % (REF_PREFIX, row_part.encode(), column_part.encode())
    return re.compile(pattern)


def column_letters(number):
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class XlsxExtent:
    """Fed the XML of one worksheet chunk by chunk, bounds the last row and column the library will place a cell in:
    the largest r= reference, widened by the cells and rows that carry no reference."""

    def __init__(self):
        """Nothing seen yet."""
        self.rows, self.columns, self.tail = 0, 0, b""
        self.widest_row, self.unreferenced_rows, self.carry = 0, 0, 0

    def feed(self, chunk):
        """Scan CHUNK (with the end of the previous one, so no reference is cut in two)."""
        data = self.tail + chunk
        for part in (data[:GUESS_BYTES], data[-GUESS_BYTES:]):
            self.take_all_references(part)
        if larger_reference(self.rows, self.columns).search(data):
            self.take_all_references(data)
        if has_unreferenced_cells(data):
            self.count_unreferenced(data)
        self.tail = data[-OVERLAP_BYTES:]

    def take_all_references(self, data):
        """Raise the bounds to the largest row and column any r= reference of DATA names (exact, allocates)."""
        # findall and set run in C; only the distinct values reach Python code.
        rows = set(XLSX_REF_ROW.findall(data))
        columns = set(XLSX_REF_COLUMN.findall(data))
        if rows:
            self.rows = max(self.rows, max(map(int, rows)))
        if columns:
            self.columns = max(self.columns, max(map(column_number, columns)))

    def count_unreferenced(self, data):
        """Some cells of DATA have no r=: bound their columns by the widest row, their rows by the row count."""
        widths = [cell_tags(segment) for segment in ROW_TAG.split(data)]
        widths[0] += self.carry  # the row left open at the end of the previous chunk
        self.carry = widths[-1]
        self.widest_row = max(self.widest_row, max(widths))
        self.unreferenced_rows += len(widths) - 1

    def check(self):
        """Refuse the sheet when its used range passes MAX_SHEET_CELLS."""
        rows = self.rows + self.unreferenced_rows
        columns = max(self.columns, 1) + self.widest_row
        if rows * columns > MAX_SHEET_CELLS:
            raise refuse(rows, columns)


def workbook_stream(data):
    """The Workbook (BIFF8) or Book (BIFF5) stream of an OLE file, or corrupt_file."""
    try:
        doc = xlrd.compdoc.CompDoc(data, logfile=io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except Exception:  # xlrd reports a damaged container with assorted exception types
        raise DomainError("corrupt_file", "The workbook is damaged and cannot be read.") from None
    if not stream:
        raise DomainError("corrupt_file", "The workbook is damaged and cannot be read.")
    return stream


def check_xls_extent(data):
    """Refuse an .xls (bytes DATA) with a sheet whose used range passes MAX_SHEET_CELLS."""
    stream = workbook_stream(data)
    header = RECORD_HEADER.unpack_from  # bound once: this loop visits every record of the file
    cell_kinds, multi_kinds, sheet_edges = BIFF_CELLS, BIFF_MULTI_CELLS, (BIFF_BOF, BIFF_EOF)
    rows = columns = pos = 0
    end = len(stream) - RECORD_HEADER.size
    while pos <= end:
        kind, length = header(stream, pos)
        if kind in cell_kinds and length >= 4:
            row, column = header(stream, pos + 4)
            if kind in multi_kinds and length >= 6:
                column = header(stream, pos + length)[1]  # the record's last two bytes
            if row >= rows:
                rows = row + 1
            if column >= columns:
                columns = column + 1
        elif kind in sheet_edges:
            if rows * columns > MAX_SHEET_CELLS:
                raise refuse(rows, columns)
            rows = columns = 0
        pos += 4 + length
    if rows * columns > MAX_SHEET_CELLS:
        raise refuse(rows, columns)
