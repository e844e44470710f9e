"""The XLSX writer the exports used before issue 18 (openpyxl's write-only cells), kept as the reference the
text writer (contacts/xlsx_text.py) is compared with."""
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def reference_xlsx(sheets):
    """XLSX bytes of SHEETS, (title, header, rows) each, as the old exports.to_xlsx wrote them."""
    book = Workbook(write_only=True)
    try:
        for title, head, body in sheets:
            sheet = book.create_sheet(title)
            for row in [head, *body]:
                sheet.append([text_cell(sheet, value) for value in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    finally:
        book.close()


def text_cell(sheet, value):
    """The old exports.text_cell: an inline string, control characters XML cannot hold dropped."""
    cell = WriteOnlyCell(sheet, value="" if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell
