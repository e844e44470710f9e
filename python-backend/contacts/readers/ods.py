"""OpenDocument spreadsheets (.ods: LibreOffice, and Google Sheets' download) read from content.xml as a stream.

Not through the workbook library: an .ods row or cell may say it repeats a million times
(table:number-rows-repeated), which LibreOffice writes for the empty rest of every sheet, and a reader that
expands them allocates the whole range. Here repeats of empty rows and cells only count until something follows
them, and the cells a sheet really holds are bounded like an XLSX sheet's (limits.MAX_SHEET_CELLS).
"""
import re
import zipfile
import zlib

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from core.errors import DomainError
from .cells import iso_datetime_text, number_text, rows_to_frame, unsafe_workbook
from .limits import MAX_COLUMNS, MAX_SHEET_CELLS
from .model import Sheet

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CELL_TAGS = (TABLE + "table-cell", TABLE + "covered-table-cell")
# Where a cell's value is when it is not text (dates and times as ISO text, as the XLSX reader gives them).
VALUE_ATTRIBUTES = {"float": OFFICE + "value", "percentage": OFFICE + "value", "currency": OFFICE + "value",
                    "date": OFFICE + "date-value", "time": OFFICE + "time-value",
                    "boolean": OFFICE + "boolean-value"}
CONTENT_PART = "content.xml"
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
TIME_VALUE = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", re.IGNORECASE)
# Repeat counts are attacker-controlled numbers; anything past this is refused before it is multiplied.
MAX_REPEAT = 1 << 20


def too_large(name):
    """The error for a sheet holding more cells than we agree to read."""
    return DomainError("workbook_too_large", "Sheet %r of the spreadsheet is too large to open safely (more than "
                                               "%d cells)." % (name, MAX_SHEET_CELLS))


def repeat_of(element, attribute):
    """The element's repeat count (1 when absent or unreadable)."""
    try:
        count = int(element.get(TABLE + attribute, "1"))
    except ValueError:
        return 1
    if count > MAX_REPEAT:
        raise DomainError("workbook_too_large", "The spreadsheet repeats a row or cell %d times." % count)
    return max(count, 1)


def paragraph_text(element):
    """The text of a text:p (or a span inside it): spaces, tabs and line breaks as ODF encodes them."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            parts.append(" " * min(repeat_count(child, TEXT + "c"), MAX_COLUMNS))
        elif tag == TEXT + "tab":
            parts.append("\t")
        elif tag == TEXT + "line-break":
            parts.append("\n")
        elif not tag.startswith(OFFICE + "annotation"):
            parts.append(paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def repeat_count(element, attribute):
    """A text:s space count (1 when absent or unreadable)."""
    try:
        return max(int(element.get(attribute, "1")), 1)
    except ValueError:
        return 1


def cell_value(cell):
    """A cell as the text a person sees, numbers as exact digits (a phone number stored as a number is
    9876543210, not 9.88E+09 as the cell may display it); dates and times as ISO text, as the XLSX reader gives."""
    kind = cell.get(OFFICE + "value-type")
    raw = cell.get(VALUE_ATTRIBUTES[kind]) if kind in VALUE_ATTRIBUTES else None
    if raw is None:
        return "\n".join(paragraph_text(p) for p in cell if p.tag == TEXT + "p")
    if kind in ("float", "percentage", "currency"):
        try:
            return number_text(float(raw))
        except ValueError:
            return raw
    if kind == "boolean":
        return "TRUE" if raw.strip().lower() == "true" else "FALSE"
    if kind == "date":
        return iso_datetime_text(raw)
    return iso_time(raw)


def iso_time(duration):
    """An ODF time value ('PT10H30M00S') as '10:30:00' (anything else as it is)."""
    match = TIME_VALUE.fullmatch(duration.strip())
    if not match:
        return duration
    hours, minutes, seconds = (int(float(g or 0)) for g in match.groups())
    return "%02d:%02d:%02d" % (hours, minutes, seconds)


class SheetBuilder:
    """The rows of one table as they stream past, with trailing empties never materialised."""

    def __init__(self, name):
        self.name, self.rows, self.pending_rows, self.width = name, [], 0, 0

    def add_row(self, element):
        """Take one table-row element (and its repeats)."""
        row, pending_cells = [], 0
        for cell in element:
            if cell.tag not in CELL_TAGS:
                continue
            value, repeat = cell_value(cell), repeat_of(cell, "number-columns-repeated")
            if value == "":
                pending_cells += repeat
                continue
            if len(row) + pending_cells + repeat > MAX_COLUMNS:
                raise DomainError("too_many_columns", "Sheet %r has more than %d columns." % (self.name, MAX_COLUMNS))
            row.extend([""] * pending_cells + [value] * repeat)
            pending_cells = 0
        repeat = repeat_of(element, "number-rows-repeated")
        if not row:
            self.pending_rows += repeat
            return
        # The frame pads every row to the widest, so rows x width is what the sheet will cost.
        self.width = max(self.width, len(row))
        if (len(self.rows) + self.pending_rows + repeat) * self.width > MAX_SHEET_CELLS:
            raise too_large(self.name)
        self.rows.extend([[]] * self.pending_rows)
        self.rows.extend([row] * repeat)
        self.pending_rows = 0

    def sheet(self):
        """The finished Sheet."""
        return Sheet(self.name, rows_to_frame(self.rows))


def read_ods(archive):
    """Every table of the .ods in the open zip ARCHIVE (sizes already checked) as a Sheet, in document order."""
    sheets, builder, depth = [], None, 0
    try:
        with archive.open(CONTENT_PART) as part:
            for event, element in iterparse(part, events=("start", "end"), forbid_dtd=True):
                if element.tag == TABLE + "table":
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            builder = SheetBuilder(element.get(TABLE + "name") or "Sheet%d" % (len(sheets) + 1))
                    else:
                        depth -= 1
                        if depth == 0:
                            sheets.append(builder.sheet())
                            element.clear()
                elif event == "end" and element.tag == TABLE + "table-row" and depth == 1:
                    builder.add_row(element)
                    element.clear()
    except DefusedXmlException:
        raise unsafe_workbook() from None
    except (ParseError, KeyError, OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error):
        raise damaged() from None
    return sheets


def damaged():
    """The error for an OpenDocument file whose zip or XML cannot be read."""
    return DomainError("corrupt_file", "The spreadsheet is damaged and cannot be read.")


def is_ods(archive):
    """Whether the zip ARCHIVE is an OpenDocument spreadsheet (its mimetype part says so, or it has content.xml
    and no other workbook)."""
    names = {n.lower() for n in archive.namelist()}
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as part:
                return part.read(len(MIMETYPE) + 8).strip() == MIMETYPE
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError):
            raise damaged() from None  # a local header that disagrees with the directory, a bad CRC...
    return CONTENT_PART in names
