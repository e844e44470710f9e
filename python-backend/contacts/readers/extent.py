"""Measure a worksheet's used range from its raw XML, before the workbook library allocates it.

calamine (quick-xml underneath) places a cell at its r= attribute ('B12', letters in either case, the value in
double or single quotes, blanks allowed around '='), or, without one, just after the previous cell; a row without
r= follows the previous </row>. Elements are matched by local name (any namespace prefix), and the sheet may sit at
any path the workbook's relationships name. It then allocates the whole rectangle from A1 to the farthest cell, so
a lone cell at XFD1048576 asks for 17 billion cells and aborts the process. XlsxExtent bounds that rectangle from
above for any part it is fed, chunk by chunk:
  * fast path: the spelling every writer produces (` r="B12"`, unprefixed `<c r="...">`); one regex search per
    chunk (PLAIN_OR_LARGER, run by RE2 in the form refscan.py gives it) proves that no other spelling of an r=
    attribute occurs in it;
  * exact path, for a part where that proof fails: every r= attribute in any spelling, parsed as calamine parses
    it, plus the cells and rows that carry no reference.
The <dimension> element is not trusted either way: calamine reserves at most 100,000 cells from it.
"""
import re

from core.errors import DomainError
from .biffextent import refuse
from . import refscan
from .limits import MAX_SHEET_CELLS, MAX_TAG_BYTES

MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's grid; calamine's u32 arithmetic wraps past it
# The column letters and the row digits of any r="B12" (cell) or r="12" (row) attribute; linear, no nested
# repetition. The literal comes first so the regex engine skips padding at memchr speed (a leading \s cost ~7 s per
# 200 MB of blanks: a zip bomb's payload); the lookbehind after it rejects operator="..", header="..".
XLSX_REF_COLUMN = re.compile(rb'r="(?<=[ \t\r\n]r=")([A-Z]{1,3})[0-9]')
XLSX_REF_ROW = re.compile(rb'r="(?<=[ \t\r\n]r=")[A-Z]{0,3}([0-9]{1,10})"')
REF_PREFIX = rb'r="(?<=[ \t\r\n]r=")'
# One search per chunk, starting at every 'r' (memchr speed), finds either an attribute named r spelt otherwise
# than ` r="B12"` with at most 3 capitals and 7 digits (blanks around '=', a single quote, glued to the previous
# attribute, lower case, long or odd values) or, as group 'larger', a plain reference past the bounds.
PLAIN_OR_LARGER = (rb'r(?:(?=[\s=])(?<![\w.:-]r)(?!=")|="(?<![\w.:-]r=")'
                   rb'(?:(?<![ \t\r\n]r=")|(?![A-Z]{0,3}[0-9]{1,7}")|(?P<larger>%s)))')
# Every r= attribute in any spelling, with its value (double- or single-quoted).
ANY_REFERENCE = re.compile(rb"""r(?<![\w.:-]r)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
REFERENCE_VALUE = re.compile(r"([A-Za-z]*)([0-9]+)")
# Start or end tags of rows, whatever their prefix (calamine matches local names): 'row' after '<', '</' or a
# prefix's ':'. The literal comes first, so the search runs at memchr speed. Each end tag (and each <row/>) moves
# calamine down one row, so their count bounds the rows that cells without r= can reach.
ROW_EDGE = re.compile(rb"row[\s/>](?<=[</:]row[\s/>])")
# Row end tags exactly (not </rowBreaks>): only they send the next unreferenced cell back to column A.
PLAIN_ROW_END = re.compile(rb"</row[\s>]")
ANY_ROW_END = re.compile(rb"</(?:[^\s<>/=\"']*:)?row[\s>]")
# Every cell start tag ends '<c' or ':c' (after a prefix) plus a blank, '/' or '>': counting these spellings
# bounds the cells from above at C speed.
CELL_STARTS = tuple(lead + b"c" + end for lead in (b"<", b":") for end in (b" ", b"\t", b"\n", b"\r", b"\f", b"\v",
                                                                         b"/", b">"))
OVERLAP_BYTES = 32
# A whole tag from its '<': quoted attribute values may hold '>' (XML allows it, quick-xml honours it).
CLOSED_TAG = re.compile(rb"""<[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>""")
# Most chunks are checked against a guess (the largest reference near their ends) with one regex search that
# allocates nothing; only a chunk holding a larger reference pays for the exact findall.
GUESS_BYTES = 64 * 1024


def beyond_grid(value):
    """The error for a reference outside Excel's grid (calamine would wrap it to any position)."""
    return DomainError("workbook_too_large", "A cell of the workbook lies outside the spreadsheet grid (%s)."
                         % value[:20])


def column_number(letters):
    """'A' -> 1, 'XFD' -> 16384 (either case)."""
    if isinstance(letters, str):
        letters = letters.encode("ascii")
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number


def column_letters(number):
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def reference_position(value):
    """(row, column) of a reference value as calamine reads it (column 0 for a row reference), None when calamine
    would refuse it; beyond_grid when it lies outside the grid."""
    match = REFERENCE_VALUE.fullmatch(value)
    if not match:
        return None
    letters, digits = match.groups()
    if len(letters) > 3 or len(digits.lstrip("0")) > 7:
        raise beyond_grid(value)
    row, column = int(digits), column_number(letters)
    if row > MAX_ROWS or column > MAX_COLUMNS:
        raise beyond_grid(value)
    return row, column


def greater_than(text, alphabet, low, high, limit):
    """Regex alternatives matching strings over [low-high] greater than TEXT (longer, or same length and larger)."""
    longer = "[%s][%s]{%d,%d}" % (alphabet, alphabet, len(text), limit - 1) if len(text) < limit else None
    same = ["%s[%s-%s][%s]{%d}" % (text[:i], chr(ord(ch) + 1), high, alphabet, len(text) - i - 1)
            for i, ch in enumerate(text) if ch != high]
    return [a for a in [longer] + same if a] or ["(?!)"]


def larger_pattern(rows, columns):
    """The regex text matching, after 'r="', a plain reference past row ROWS or column COLUMNS."""
    row_text = str(max(rows, 0)).lstrip("0") or "0"
    row_part = "|".join(greater_than(row_text, "0-9", "0", "9", 12)).replace("[0-9][0-9]{", "[1-9][0-9]{", 1)
    column_part = "|".join(greater_than(column_letters(columns), "A-Z", "A", "Z", 3)) if columns else "[A-Z]{1,3}"
    return rb'[A-Z]{0,3}0*(?:%s)"|(?:%s)[0-9]' % (row_part.encode(), column_part.encode())


def larger_reference(rows, columns):
    """A compiled regex that finds any plain r= reference past row ROWS or column COLUMNS."""
    return re.compile(rb"%s(?:%s)" % (REF_PREFIX, larger_pattern(rows, columns)))


def odd_or_larger(rows, columns):
    """The compiled PLAIN_OR_LARGER for the bounds ROWS x COLUMNS (the re module caches it)."""
    return re.compile(PLAIN_OR_LARGER % larger_pattern(rows, columns))


def all_cells_referenced(data):
    """Whether every cell start tag of DATA is a plain `<c r="`, so every cell is placed by its reference."""
    if not refscan.found(refscan.CELL_NOT_PLAIN, data):
        return True  # the common case, one RE2 pass; <cols>, <cfRule>... or prefixes need the closer look below
    return sum(data.count(start) for start in CELL_STARTS) == data.count(b'<c r="')


def carried_tail(data, sheet_part=True):
    """The end of DATA the next chunk must see again: the last tag whole when it is still open (an attribute may
    be cut in two, however many blanks it holds), else a few bytes after the last tag.

    An open tag over MAX_TAG_BYTES is refused in a part calamine may read as a sheet (SHEET_PART); elsewhere (an
    image, an embedded object, whose bytes may look like an endless tag) only its last MAX_TAG_BYTES are kept."""
    opened = data.rfind(b"<")
    if opened < 0:
        return data[-OVERLAP_BYTES:]
    closed = CLOSED_TAG.match(data, opened)
    if closed is None:  # open: quotes are honoured, a '>' inside an attribute value does not close it
        if len(data) - opened > MAX_TAG_BYTES:
            if sheet_part:
                raise DomainError("corrupt_file", "The workbook holds a malformed element and cannot be read.")
            return data[-MAX_TAG_BYTES:]
        return data[opened:]
    return data[max(closed.end() - 1, len(data) - OVERLAP_BYTES):]  # text: never start inside a tag


class XlsxExtent:
    """Fed the XML of one part chunk by chunk, bounds the last row and column calamine would place a cell in:
    the largest r= reference, widened by the cells and rows that carry no reference."""

    def __init__(self, sheet_part=True):
        """Nothing seen yet; SHEET_PART: whether calamine may read this part as a sheet (see carried_tail)."""
        self.rows, self.columns, self.tail, self.exact = 0, 0, b"", False
        self.sheet_part = sheet_part
        self.widest_row, self.unreferenced_rows, self.carry = 0, 0, 0

    def feed(self, chunk):
        """Scan CHUNK (with the end of the previous one, so no attribute is cut in two)."""
        data = self.tail + chunk
        self.tail = carried_tail(data, self.sheet_part)
        # A tag still open at the end is measured with the next chunk, where it is whole.
        whole = data[:len(data) - len(self.tail)] if self.tail.startswith(b"<") else data
        self.exact = self.exact or not self.took_plain_references(whole)
        if self.exact:
            self.take_any_references(whole)
        if not all_cells_referenced(data):
            self.count_unreferenced(data)

    def took_plain_references(self, data):
        """Fast path: raise the bounds past every ` r="B12"` of DATA; False when DATA spells an r= otherwise.

        One RE2 pass (refscan.py) answers PLAIN_OR_LARGER's question; only a chunk where it finds something asks
        which it was."""
        for part in (data[:GUESS_BYTES], data[-GUESS_BYTES:]):
            self.take_all_references(part)
        if not refscan.found(refscan.odd_or_larger(larger_pattern(self.rows, self.columns)), data):
            return True
        if refscan.found(refscan.ODD_REFERENCE, data):
            return False
        self.take_all_references(data)  # a larger reference, and no odd spelling anywhere
        return True

    def take_all_references(self, data):
        """Raise the bounds to the largest row and column any plain r= reference of DATA names (allocates)."""
        # findall and set run in C; only the distinct values reach Python code.
        rows = set(XLSX_REF_ROW.findall(data))
        columns = set(XLSX_REF_COLUMN.findall(data))
        if rows:
            self.rows = max(self.rows, max(map(int, rows)))
        if columns:
            self.columns = max(self.columns, max(map(column_number, columns)))

    def take_any_references(self, data):
        """Exact path: raise the bounds to every r= attribute of DATA, however it is spelt."""
        values = {double or single for double, single in ANY_REFERENCE.findall(data)}
        for value in values:
            position = reference_position(value.decode("latin-1"))
            if position:
                self.rows, self.columns = max(self.rows, position[0]), max(self.columns, position[1])

    def count_unreferenced(self, data):
        """Some cells of DATA may have no r=: bound their columns by the most cells between two row end tags (a
        row start does not send calamine back to column A), their rows by the row tags."""
        segments = (ANY_ROW_END if b":row" in data else PLAIN_ROW_END).split(data)
        # Every cell start tag holds '<c' (no prefix) or ':c' (after one): their counts bound the cells from above
        # at C speed (<cols>, <cfRule> or a URL in a text only widen the bound).
        widths = [segment.count(b"<c") + segment.count(b":c") for segment in segments]
        widths[0] += self.carry  # the row left open at the end of the previous chunk
        self.carry = widths[-1]
        self.widest_row = max(self.widest_row, max(widths))
        self.unreferenced_rows += len(ROW_EDGE.findall(data))

    def check(self):
        """Refuse the part when the rectangle calamine would allocate passes MAX_SHEET_CELLS."""
        self.take_any_references(self.tail)  # a tag left open at the very end
        rows = self.rows + self.unreferenced_rows
        columns = max(self.columns, 1) + self.widest_row
        if rows * columns > MAX_SHEET_CELLS:
            raise refuse(rows, columns)
