"""Web-page tables: what many programs (and Excel's "Web Page" format) save as an '.xls' file."""
import re
from html.parser import HTMLParser

from .bounds import check_padded_cells, too_many_columns
from .cells import rows_to_frame
from .limits import MAX_COLUMNS
from .model import Sheet

HTML_START = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|table|head|body|meta)",
                        re.IGNORECASE | re.DOTALL)
TABLE_TAG = re.compile(r"<table[\s>]", re.IGNORECASE)
SNIFF_CHARS = 4096
MAX_COLSPAN = 100
BLANK_RUN = re.compile(r"\s+")


def looks_like_html_table(text):
    """Whether TEXT is an HTML document holding a table."""
    return starts_like_html(text) and bool(TABLE_TAG.search(text))


def starts_like_html(text):
    """Whether TEXT starts as an HTML document or fragment does (its first SNIFF_CHARS are enough to tell)."""
    return bool(HTML_START.match(text[:SNIFF_CHARS]))


class TableCollector(HTMLParser):
    """Collects the rows of every outermost <table> as lists of cell texts."""

    def __init__(self):
        """Start with no tables and no open row or cell."""
        super().__init__(convert_charrefs=True)
        self.tables, self.depth = [], 0
        self.row, self.cell, self.colspan = None, None, 1

    def handle_starttag(self, tag, attrs):
        """Open tables, rows and cells; a <br> inside a cell is a space."""
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append([])
        elif self.depth == 1 and tag == "tr":
            self.end_row()
            self.row = []
        elif self.depth == 1 and tag in ("td", "th"):
            self.end_cell()
            self.cell, self.colspan = [], colspan_of(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        """Close cells, rows and tables."""
        if tag == "table" and self.depth:
            if self.depth == 1:
                self.end_row()
            self.depth -= 1
        elif self.depth == 1 and tag == "tr":
            self.end_row()
        elif self.depth == 1 and tag in ("td", "th"):
            self.end_cell()

    def handle_data(self, data):
        """Text inside a cell."""
        if self.cell is not None:
            self.cell.append(data)

    def end_cell(self):
        """Finish the open cell, if any."""
        if self.cell is None:
            return
        if self.row is None:
            self.row = []
        text = BLANK_RUN.sub(" ", "".join(self.cell).replace("\xa0", " ")).strip()
        self.row.extend([text] + [""] * (self.colspan - 1))
        self.cell = None
        if len(self.row) > MAX_COLUMNS:
            raise too_many_columns(len(self.row))

    def end_row(self):
        """Finish the open row, if any."""
        self.end_cell()
        if self.row is not None and self.tables:
            self.tables[-1].append(self.row)
        self.row = None


def colspan_of(attrs):
    """The colspan attribute as a small positive int."""
    for key, value in attrs:
        if key == "colspan" and value and value.strip().isdigit():
            return max(1, min(int(value), MAX_COLSPAN))
    return 1


def read_tables(text, base_name):
    """Every table of the page as a Sheet ('BASE_NAME', or 'Table 1', 'Table 2' ... when several)."""
    collector = TableCollector()
    collector.feed(text)
    collector.close()
    tables = collector.tables or [[]]
    for rows in tables:
        check_padded_cells(len(rows), max(map(len, rows), default=0))
    if len(tables) == 1:
        return [Sheet(base_name, rows_to_frame(tables[0]))]
    return [Sheet("Table %d" % (i + 1), rows_to_frame(rows)) for i, rows in enumerate(tables)]
