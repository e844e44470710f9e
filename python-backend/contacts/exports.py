"""Exports of an import: the clean list (CSV, XLSX, vCard) and the rejects (CSV, XLSX).

CSV is written for Excel: UTF-8 with a BOM so accents survive, and every text cell that
Excel would evaluate (= + - @, tab, CR, LF first) neutralised with a leading apostrophe,
as OWASP advises. That also keeps E.164 numbers from being read as numbers and shown
in scientific notation. XLSX cells are typed as text, so numbers stay exact there too.
"""
import csv
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.errors import DomainError
from .extract import FIELD_PREFIX
from .numbers import REASON_MESSAGES

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMATS = {"contacts": ("csv", "xlsx", "vcf"), "rejects": ("csv", "xlsx")}
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "vcf": "text/vcard; charset=utf-8"}


def neutralise(value):
    """A cell value that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def contact_table(entries):
    """Header and rows of the clean list: name, number, then the extra fields."""
    valid = entries[entries["status"] == "valid"]
    fields = [c for c in valid.columns if c.startswith(FIELD_PREFIX)]
    header = ["name", "number"] + [c[len(FIELD_PREFIX):] for c in fields]
    rows = zip(valid["name"].tolist(), valid["number"].tolist(), *(valid[c].tolist() for c in fields))
    return header, rows


def reject_table(entries):
    """Header and rows of the rejects: where, what, and why."""
    rejected = entries[entries["status"] != "valid"]
    header = ["row", "value", "name", "reason", "message"]
    rows = []
    for row, value, name, reason, dup_of in zip(rejected["row"].tolist(), rejected["value"].tolist(),
                                                rejected["name"].tolist(), rejected["reason"].tolist(),
                                                rejected["duplicate_of_row"].tolist()):
        if not isinstance(reason, str):
            reason, message = "duplicate", "Same number as row %d; the first one is kept." % dup_of
        else:
            message = REASON_MESSAGES.get(reason, reason)
        rows.append((row, value, name, reason, message))
    return header, rows


def to_csv(header, rows):
    """Excel-safe CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralise(v) if isinstance(v, str) else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header, rows, sheet_title, raw_columns=()):
    """XLSX bytes with every cell typed as text (RAW_COLUMNS are exact values like E.164, kept as is)."""
    book = Workbook(write_only=True)
    try:
        sheet = book.create_sheet(sheet_title)
        sheet.append(header)
        for row in rows:
            sheet.append([text_cell(sheet, value, i in raw_columns) for i, value in enumerate(row)])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    finally:
        book.close()  # write-only sheets buffer in temporary files: never leave one behind


def text_cell(sheet, value, raw):
    """A cell typed as text (neutralised unless RAW)."""
    text = "" if value is None else str(value)
    cell = WriteOnlyCell(sheet, value=text if raw else neutralise(text))
    cell.data_type = "s"
    return cell


def vcard_escape(text):
    """Escape a vCard 3.0 text value."""
    return (text or "").replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def to_vcard(entries):
    """vCard 3.0 bytes, one card per valid contact."""
    valid = entries[entries["status"] == "valid"]
    cards = []
    for name, number in zip(valid["name"].tolist(), valid["number"].tolist()):
        display = name or number
        parts = display.rsplit(" ", 1) if name else [display]
        family, given = (parts[1], parts[0]) if len(parts) == 2 else ("", parts[0])
        cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s\r\nN:%s;%s;;;\r\nTEL;TYPE=CELL:%s\r\nEND:VCARD\r\n"
                     % (vcard_escape(display), vcard_escape(family), vcard_escape(given), number))
    return "".join(cards).encode("utf-8")


def export_file(result, what, fmt):
    """(bytes, mimetype, filename) of an export of RESULT."""
    if what not in FORMATS or fmt not in FORMATS[what]:
        raise DomainError("bad_param", "Exports: what=contacts with format csv, xlsx or vcf; what=rejects with "
                                         "format csv or xlsx.")
    if fmt == "vcf":
        body = to_vcard(result.entries)
    else:
        header, rows = (contact_table if what == "contacts" else reject_table)(result.entries)
        raw = (1,) if what == "contacts" else ()
        body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, what.capitalize(), raw)
    return body, MIMETYPES[fmt], "%s.%s" % (what, fmt)
