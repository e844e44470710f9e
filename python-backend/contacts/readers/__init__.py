"""Read any contact file people bring into plain tables of text cells.

CONTRACT (the rest of the engine relies on it):
    read_file(path, filename=None) -> Workbook(file_type, sheets=[Sheet(name, frame)], free_text)
      * decides the type by content as well as by extension; file_type is one of
        csv, tsv (a text table split by tabs), txt, xlsx, xls, vcf, html (a web-page table; an .xls that is
        really HTML keeps file_type 'xls'). A .csv that is an xlsx is read as xlsx, an .xls that is CSV or HTML
        as such, a .txt that is a vCard as vcf. xlsb and ods are refused (unsupported_type): their sheet sizes
        cannot be measured before the library allocates them;
      * every Sheet.frame is a pandas DataFrame whose cells are all `str` ('' for empty), columns 0..n-1,
        rows in file order, header NOT interpreted (the header row is row 0 of the frame when there is one);
        frame row i is spreadsheet row i + 1 (workbook sheets are read from A1; text tables count records);
        ragged rows are padded with '';
      * text: UTF-8 (BOM or not), UTF-16 LE/BE (BOM, or guessed from NUL bytes), Windows-1252, Latin-1;
        delimiter sniffed among , ; tab | (respecting quotes); leading zeros and '+' kept; line ends LF, CRLF or
        CR alone (Excel's "CSV (Macintosh)"), inside quoted cells too;
      * workbooks: all sheets in workbook order (hidden and empty ones too, empty frame); numeric cells as exact
        digits (919876543210.0 -> '919876543210'), other floats as repr, dates ISO, booleans 'TRUE'/'FALSE';
      * a .txt that is not table-like (no delimiter splitting most lines alike, not a list of bare numbers, or a
        chat export) comes back with `free_text` set and no sheets;
      * vCards become one sheet 'Contacts' with a synthesised header row (see vcard.py);
      * raises core.errors.DomainError, and nothing else, with codes
          empty_file         zero bytes, or blank space only
          not_text           binary data in a file named as text (.csv, .txt, .vcf, ...)
          unsupported_type   a format we do not read (PDF, image, zip without a workbook, Word, ...)
          corrupt_file       a damaged or password-protected workbook
          workbook_too_large a workbook (zip) that unpacks past 200 MB or 10,000 parts, or a sheet whose used
                             range (last row x last column) passes 10M cells, or a cell outside A1:XFD1048576,
                             measured in every part whatever its name or XML spelling (limits.py, extent.py), or an
                             .xls whose cells or DIMENSIONS record say so (biffextent.py)
          unsafe_workbook    an xlsx part that declares a DTD or entities, or is stored in UTF-16/32 (zipcheck.py)
          line_too_long      a text table with a line over 1 MB (delimited.py)
          too_many_columns   a text or web-page table with a row over 1,000 cells (bounds.py)
          table_too_large    a ragged text table that would pass 30M cells once padded (bounds.py).
      * workbooks are opened by content (calamine sees the bytes, not the client's extension), so what was
        measured is what is read.
"""
import logging
import os

from core.errors import DomainError
from . import dispatch
from .model import Sheet, Workbook

__all__ = ["read_file", "Sheet", "Workbook"]

log = logging.getLogger(__name__)


def read_file(path, filename=None):
    """Read PATH (FILENAME is the client's name, used only as a type hint) into a Workbook."""
    name = filename or os.path.basename(path)
    try:
        return dispatch.read_path(path, name)
    except DomainError:
        raise
    except MemoryError:
        raise DomainError("workbook_too_large", "The file is too large to read.") from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:
        # A reader bug or a library surprise (a Rust panic in calamine is a BaseException) must still reach the
        # user as a clean error.
        log.exception("reading %r failed", name)
        raise DomainError("corrupt_file", "The file could not be read; it may be damaged.") from None
