"""Exports of an import: the clean list (CSV, XLSX, vCard) and the rejects (CSV, XLSX).

CSV is written for Excel: UTF-8 with a BOM so accents survive. In every format, every text cell
written (header row and sheet name included: column names come from the uploaded file) that a
spreadsheet would evaluate (= + - @, tab, CR, LF first) is neutralised with a leading apostrophe, as
OWASP advises, with one exception: a phone number in E.164 (+ then 7 to 15 digits) is written as it
is, since digits cannot form a formula and the imports rely on the exact number. XLSX cells are all
typed as inline text, never as formulas or numbers, so numbers stay exact there too.
"""
import csv
import io
import re

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


E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value):
    """A cell value that no spreadsheet will run as a formula (an E.164 number is kept as it is)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not E164.fullmatch(text):
        return "'" + text
    return text


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
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([neutralise(v) if isinstance(v, str) else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header, rows, sheet_title, raw_columns=()):
    """XLSX bytes with every cell, the header row included, typed as neutralised text.

    RAW_COLUMNS is accepted for older callers and has no effect: E.164 numbers are kept in every column, and
    anything else that looks like a formula is neutralised in every column."""
    del raw_columns
    book = Workbook(write_only=True)
    try:
        sheet = book.create_sheet(safe_sheet_title(sheet_title))
        sheet.append([text_cell(sheet, value) for value in header])
        for row in rows:
            sheet.append([text_cell(sheet, value) for value in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    finally:
        book.close()  # write-only sheets buffer in temporary files: never leave one behind


def safe_sheet_title(title):
    """TITLE as a sheet name Excel accepts and never evaluates: no leading formula character (an apostrophe,
    the usual neutraliser, may not start a sheet name), none of []:*?/\\, at most 31 characters."""
    cleaned = SHEET_NAME_FORBIDDEN.sub("", str(title)).lstrip("".join(FORMULA_TRIGGERS) + "' ")
    return cleaned[:31].rstrip("'") or "Sheet"


def text_cell(sheet, value):
    """A cell typed as text, neutralised, so openpyxl never writes it as a formula."""
    cell = WriteOnlyCell(sheet, value=neutralise(value))
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
        body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, what.capitalize())
    return body, MIMETYPES[fmt], "%s.%s" % (what, fmt)
