"""XLSX workbooks of text cells, the sheet XML written as text straight into the zip.

openpyxl's write-only writer builds an element per cell and spent 4 s of a 5 s export of 100k contacts doing it. Here
openpyxl still writes the workbook's parts (an empty write-only workbook with the same sheets, a few milliseconds),
and the rows are spliced into each sheet's empty <sheetData> as text, a chunk of rows at a time, giving the same
cells openpyxl wrote: every cell an inline string (t="inlineStr", never a formula or a number), empty values as
empty cells, control characters XML 1.0 cannot hold dropped, text cut at Excel's 32,767 characters, and
xml:space="preserve" where openpyxl sets it (text with whitespace at an end that is not all whitespace).
"""
import io
import re
import zipfile
from itertools import chain, islice, repeat

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

# Rows per piece of sheet XML written to the zip: a few MB of text at a time, whatever the export's size.
CHUNK_ROWS = 10_000
# Deflate level 1: on the 17 MB sheet of 100k contacts it takes 0.07 s where openpyxl's 6 took 0.18 s, for a file
# 17 % bigger (2.6 MB, not 2.2; BENCHMARKS.md, issue 18 export path).
COMPRESS_LEVEL = 1
MAX_CELL_TEXT = 32_767  # Excel's limit; openpyxl cut longer text there
EMPTY_SHEET_DATA = "<sheetData></sheetData>"
# Whitespace just after a NUL: in the cells joined by NUL (which no cleaned text holds), and in that text reversed, it
# finds the rare columns that need openpyxl's xml:space="preserve" on some cells (a leading literal searches fast).
SPACED_START = re.compile(r"\0\s")


def workbook_bytes(sheets):
    """XLSX bytes of SHEETS, (title, header, rows) each, every cell an inline string; titles are used as given."""
    skeleton = empty_workbook([title for title, _, _ in sheets])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(skeleton)) as parts, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as book:
        bodies = iter(sheets)
        for info in parts.infolist():
            if info.filename.startswith("xl/worksheets/sheet"):
                _, header, rows = next(bodies)  # openpyxl names the sheet parts in the order of the sheets
                write_sheet(book, info.filename, parts.read(info).decode("utf-8"), header, rows)
            else:
                book.writestr(info.filename, parts.read(info))
    return out.getvalue()


def empty_workbook(titles):
    """openpyxl's XLSX of empty sheets named TITLES: the workbook parts around the rows."""
    book = Workbook(write_only=True)
    try:
        for title in titles:
            book.create_sheet(title)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    finally:
        book.close()


def write_sheet(book, name, empty_xml, header, rows):
    """Write entry NAME of BOOK: openpyxl's EMPTY_XML of a sheet with the rows HEADER then ROWS inside."""
    head, tail = empty_xml.split(EMPTY_SHEET_DATA)
    with book.open(name, "w") as sheet:
        sheet.write((head + "<sheetData>").encode("utf-8"))
        sheet.write(rows_xml([header], 1).encode("utf-8"))
        rows, first = iter(rows), 2
        while True:
            chunk = list(islice(rows, CHUNK_ROWS))
            if not chunk:
                break
            sheet.write(rows_xml(chunk, first).encode("utf-8"))
            first += len(chunk)
        sheet.write(("</sheetData>" + tail).encode("utf-8"))


def rows_xml(rows, first):
    """The <row> elements of ROWS, numbered from FIRST, built a column at a time so the checks run once per column
    when no cell of it needs them, and joined in one go."""
    width = max(map(len, rows))
    numbers = range(first, first + len(rows))
    if min(map(len, rows)) < width:  # rows of different lengths (none in the exports): each row on its own
        return "".join(rows_xml([row], n) for n, row in zip(numbers, rows))
    columns = [column_cells(get_column_letter(i + 1), numbers, [row[i] for row in rows]) for i in range(width)]
    opens = ['<row r="%d">' % n for n in numbers]
    return "".join(chain.from_iterable(zip(opens, *columns, repeat("</row>"))))


def column_cells(letter, numbers, values):
    """The <c> elements of one column's VALUES in the rows NUMBERED."""
    texts = cell_texts(values)
    cells = [f'<c r="{letter}{n}" t="inlineStr"><is><t>{t}</t></is></c>' if t else
             f'<c r="{letter}{n}" t="inlineStr" />' for n, t in zip(numbers, texts)]
    joined = "\0%s\0" % "\0".join(texts)
    if SPACED_START.search(joined) or SPACED_START.search(joined[::-1]):
        for at, (n, t) in enumerate(zip(numbers, texts)):
            if t.strip() and t != t.strip():
                cells[at] = f'<c r="{letter}{n}" t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>'
    return cells


def cell_texts(values):
    """VALUES as escaped cell text, as openpyxl wrote them: str() of each, control characters XML cannot hold
    dropped, cut at Excel's limit, & < > escaped."""
    texts = [v if type(v) is str else "" if v is None else str(v) for v in values]
    everything = "\n".join(texts)
    if ILLEGAL_CHARACTERS_RE.search(everything):
        texts = [ILLEGAL_CHARACTERS_RE.sub("", t) for t in texts]
    if max(map(len, texts)) > MAX_CELL_TEXT:
        texts = [t[:MAX_CELL_TEXT] for t in texts]
    if "&" in everything or "<" in everything or ">" in everything:
        texts = [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in texts]
    return texts
