"""Workbooks (xlsx, xls) through python-calamine: every sheet, in workbook order, cells as text."""
import python_calamine

from core.errors import DomainError
from .calasheet import DAMAGED, NO_CELLS, opened_sheet
from .cells import rows_to_frame
from .model import Sheet
from .xlsxsplit import read_sheets_on_cores


def open_workbook(path):
    """A calamine workbook of PATH, or corrupt_file.

    Opened from a file object, so calamine picks the format by content (an OLE file is .xls, a zip is .xlsx),
    never by the client's extension: a zip named .ods holding xl/workbook.xml was measured as an xlsx and must not
    be read as an OpenDocument file, whose repeated rows and columns nothing measured."""
    try:
        with open(path, "rb") as handle:
            return python_calamine.CalamineWorkbook.from_filelike(handle)
    except python_calamine.PasswordError:
        raise DomainError("corrupt_file", "The workbook is password-protected. Save it without a password.") \
            from None
    except Exception:  # calamine reports damage with many exception types
        raise DomainError("corrupt_file", "The workbook is damaged and cannot be read.") from None


def sheet_rows(workbook, name):
    """The raw rows of sheet NAME, from A1 (so row i is spreadsheet row i + 1); [] for chart or empty sheets,
    DAMAGED for a worksheet calamine cannot read.

    The caller has measured the sheet first (extent.py): calamine allocates the whole used range at once."""
    sheet = opened_sheet(workbook, name)
    if sheet is NO_CELLS:
        return []
    return sheet if sheet is DAMAGED else sheet.to_python(skip_empty_area=False)


def sheet_of(name, rows):
    """The Sheet NAME of ROWS (raw rows from A1, or DAMAGED)."""
    if rows is DAMAGED:
        return Sheet(name, rows_to_frame([]), damaged=True)
    return Sheet(name, rows_to_frame(rows))


def read_workbook(path):
    """Every sheet of the workbook at PATH as a Sheet of str cells, in workbook order."""
    workbook = open_workbook(path)
    try:
        names = workbook.sheet_names
        sheets = []
        for name in names:
            try:
                rows = sheet_rows(workbook, name)
            except Exception:
                raise DomainError("corrupt_file", "Sheet %r of the workbook is damaged." % name) from None
            sheets.append(sheet_of(name, rows))
        return sheets
    finally:
        workbook.close()


def read_xlsx(path, parts=None):
    """Every sheet of the measured xlsx at PATH, as read_workbook gives them: big sheets parsed on several cores
    when they can be cut exactly (xlsxsplit.py, from PARTS: the unpacked chunks the measuring kept), else read
    whole."""
    sheets = read_sheets_on_cores(path, parts)
    if sheets is None:
        return read_workbook(path)
    return [sheet_of(name, rows) for name, rows in sheets]
