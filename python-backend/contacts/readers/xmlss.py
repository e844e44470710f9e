"""Excel's "XML Spreadsheet 2003" (SpreadsheetML): one XML file, often saved as .xls by web apps and old
exporters. Streamed through defusedxml (no DTD); row and cell indexes (ss:Index) may jump, so the cells a sheet
would hold are bounded like any workbook's before they are made.
"""
import io

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from core.errors import DomainError
from .cells import iso_datetime_text, number_text, rows_to_frame, unsafe_workbook
from .limits import MAX_COLUMNS, MAX_SHEET_CELLS
from .model import Sheet

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
NAMESPACE = b"urn:schemas-microsoft-com:office:spreadsheet"
# The namespace is declared on the root element, within the file's first few hundred bytes.
SNIFF_BYTES = 4096


def looks_like_xml_spreadsheet(data):
    """Whether the bytes DATA (without a BOM) are an XML Spreadsheet 2003 file."""
    head = data[:SNIFF_BYTES].lstrip()
    return head.startswith(b"<?xml") and NAMESPACE in head and b"Workbook" in head


def index_of(element, current, limit, what):
    """The 1-based ss:Index of ELEMENT, else CURRENT + 1; past LIMIT is refused."""
    raw = element.get(SS + "Index")
    try:
        index = int(raw) if raw is not None else current + 1
    except ValueError:
        index = current + 1
    if index <= current:
        index = current + 1  # indexes only move forward
    if index > limit:
        raise DomainError("workbook_too_large", "The spreadsheet puts a %s at position %d." % (what, index))
    return index


def data_text(cell):
    """A Cell's value as text: numbers as exact digits, dates as ISO text, formatted text without its tags."""
    data = next((child for child in cell if child.tag in (SS + "Data", "Data")), None)
    if data is None:
        return ""
    kind, text = data.get(SS + "Type", "String"), "".join(data.itertext())
    if kind == "Number":
        try:
            return number_text(float(text))
        except ValueError:
            return text.strip()
    if kind == "DateTime":
        return iso_datetime_text(text)
    if kind == "Boolean":
        return "TRUE" if text.strip() in ("1", "true") else "FALSE"
    return text


class SheetRows:
    """One Worksheet's rows as they stream past."""

    def __init__(self, name):
        self.name, self.rows, self.width = name, [], 0

    def add_row(self, element):
        """Take one Row element (its ss:Index may skip rows; its cells' ss:Index may skip cells)."""
        position = index_of(element, len(self.rows), MAX_SHEET_CELLS, "row")
        row, column = [], 0
        for cell in element:
            if cell.tag != SS + "Cell":
                continue
            column = index_of(cell, column, MAX_COLUMNS, "column")
            row.extend([""] * (column - 1 - len(row)))
            row.append(data_text(cell))
            column += int_or_zero(cell.get(SS + "MergeAcross"), MAX_COLUMNS)
        while row and row[-1] == "":
            row.pop()
        self.width = max(self.width, len(row))
        if position * max(self.width, 1) > MAX_SHEET_CELLS:
            raise DomainError("workbook_too_large", "Sheet %r of the spreadsheet is too large to open safely."
                              % self.name)
        self.rows.extend([[]] * (position - 1 - len(self.rows)))
        self.rows.append(row)

    def sheet(self):
        """The finished Sheet."""
        return Sheet(self.name, rows_to_frame(self.rows))


def int_or_zero(raw, limit):
    """RAW as a whole number between 0 and LIMIT (0 when absent or unreadable)."""
    try:
        return min(max(int(raw), 0), limit) if raw is not None else 0
    except ValueError:
        return 0


def read_xml_spreadsheet(data):
    """Every Worksheet of the SpreadsheetML bytes DATA as a Sheet, in file order."""
    sheets, current = [], None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if element.tag == SS + "Worksheet":
                if event == "start":
                    current = SheetRows(element.get(SS + "Name") or "Sheet%d" % (len(sheets) + 1))
                else:
                    sheets.append(current.sheet())
                    current = None
                    element.clear()
            elif event == "end" and element.tag == SS + "Row" and current is not None:
                current.add_row(element)
                element.clear()
    except DefusedXmlException:
        raise unsafe_workbook() from None
    except (ParseError, ValueError):
        raise DomainError("corrupt_file", "The spreadsheet is damaged and cannot be read.") from None
    return sheets
