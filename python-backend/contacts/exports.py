"""Exports of an import: the clean list (CSV, XLSX, vCard) and the rejects (CSV, XLSX).

Every export gives each row back with all the columns of the file, in its order and under its headers (the
phone column holding the number read, in E.164 for the clean list), so it imports again, here or elsewhere.

CSV is written for Excel: UTF-8 with a BOM so accents survive. Every CSV cell (header row included: column
names come from the uploaded file) that a spreadsheet would evaluate (= + - @, tab, CR, LF first) is
neutralised with a leading apostrophe, as OWASP advises, with one exception: a phone number in E.164 (+ then
7 to 15 digits) is written as it is, since digits cannot form a formula and the imports rely on the exact
number. XLSX cells are all typed as inline strings, which Excel never evaluates, so they are written as they
are, with no apostrophe, and numbers stay exact; sheet names are cleaned of formula characters.
"""
import csv
import io
import re

from core.errors import DomainError
from .extract import FIELD_PREFIX, SOURCE_PREFIX
from .numbers import REASON_MESSAGES
from .xlsx_text import workbook_bytes

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMATS = {"contacts": ("csv", "xlsx", "vcf"), "rejects": ("csv", "xlsx"), "invalid": ("csv", "xlsx"),
           "duplicates": ("csv", "xlsx")}
REJECTED = {"rejects": ("invalid", "duplicate"), "invalid": ("invalid",), "duplicates": ("duplicate",)}
# Named so no column detector takes them for a phone or name column when a fixed file is imported again.
REJECT_COLUMNS = ["Import row", "Problem", "Problem detail", "Duplicate of row"]
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


def original_columns(result, entries):
    """Header and column values of ENTRIES as the file had them: every column in its order, under its name.

    The phone column that was read holds each entry's own value (one number per entry, as split); a text
    import, which has no columns, gets name and phone."""
    mapping = result.mapping or {}
    if not result.headers:
        return ["name", "phone"], [entries["name"].tolist(), entries["value"].tolist()]
    columns = []
    single_name = mapping.get("name") if len(mapping.get("name") or []) == 1 else None
    for header in result.headers:
        if header == mapping.get("phone"):
            columns.append(entries["value"].tolist())
        elif single_name and header == single_name[0]:
            columns.append(entries["name"].tolist())
        elif header == mapping.get("email") and "email_source" in entries.columns:
            columns.append(entries["email_source"].tolist())
        else:
            key = next((k for k in (FIELD_PREFIX + header, SOURCE_PREFIX + header) if k in entries.columns), None)
            columns.append(entries[key].tolist() if key else [""] * len(entries))
    return list(result.headers), columns


def clean_cells(values):
    """VALUES as export cells: missing ones empty."""
    return ["" if v is None or v != v else v for v in values]


def contact_table(result):
    """Header and rows of the clean list: every original column, the number read written in E.164 in place."""
    valid = result.entries[result.entries["status"] == "valid"]
    header, columns = original_columns(result, valid.assign(value=valid["number"]))
    if "email" in valid.columns:
        email_at = header.index(result.mapping["email"])
        columns[email_at] = [e if isinstance(e, str) else s for e, s in zip(valid["email"], valid["email_source"])]
    return header, zip(*(clean_cells(c) for c in columns))


def reject_table(result, which=("invalid", "duplicate")):
    """Header and rows of the rejected entries of kinds WHICH: every original column, then why."""
    rejected = result.entries[result.entries["status"].isin(list(which))]
    header, columns = original_columns(result, rejected)
    problems, details = [], []
    for reason, dup_of in zip(rejected["reason"].tolist(), rejected["duplicate_of_row"].tolist()):
        duplicate = not isinstance(reason, str)
        problems.append("duplicate" if duplicate else reason)
        details.append("Same number as row %d; the first one is kept." % dup_of if duplicate
                       else REASON_MESSAGES.get(reason, reason))
    columns += [rejected["row"].tolist(), problems, details,
                [d or "" for d in rejected["duplicate_of_row"].tolist()]]
    return header + REJECT_COLUMNS, zip(*(clean_cells(c) for c in columns))


def to_csv(header, rows):
    """Excel-safe CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([neutralise(v) if isinstance(v, str) else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header, rows, sheet_title, more_sheets=()):
    """XLSX bytes with every cell, the header row included, typed as inline text: never a formula or a number.

    MORE_SHEETS are further (title, header, rows) sheets."""
    sheets = [(sheet_title, header, rows), *more_sheets]
    return workbook_bytes([(safe_sheet_title(title), head, body) for title, head, body in sheets])


def safe_sheet_title(title):
    """TITLE as a sheet name Excel accepts and never evaluates: no leading formula character (an apostrophe,
    the usual neutraliser, may not start a sheet name), none of []:*?/\\, at most 31 characters."""
    cleaned = SHEET_NAME_FORBIDDEN.sub("", str(title)).lstrip("".join(FORMULA_TRIGGERS) + "' ")
    return cleaned[:31].rstrip("'") or "Sheet"


def vcard_escape(text):
    """Escape a vCard 3.0 text value."""
    return (text or "").replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def to_vcard(entries):
    """vCard 3.0 bytes, one card per valid contact."""
    valid = entries[entries["status"] == "valid"]
    cards = []
    emails = valid["email"].tolist() if "email" in valid.columns else [None] * len(valid)
    alternates = valid["alternates"].tolist() if "alternates" in valid.columns else [""] * len(valid)
    for name, number, email, others in zip(valid["name"].tolist(), valid["number"].tolist(), emails, alternates):
        display = name or number
        parts = display.rsplit(" ", 1) if name else [display]
        family, given = (parts[1], parts[0]) if len(parts) == 2 else ("", parts[0])
        mail = "EMAIL;TYPE=INTERNET:%s\r\n" % vcard_escape(email) if isinstance(email, str) else ""
        # The contact's other valid numbers follow as plain voice numbers, so a re-import keeps them as alternates.
        more = "".join("TEL;TYPE=VOICE:%s\r\n" % n for n in (others or "").split(";") if n)
        cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s\r\nN:%s;%s;;;\r\nTEL;TYPE=CELL:%s\r\n%s%sEND:VCARD\r\n"
                     % (vcard_escape(display), vcard_escape(family), vcard_escape(given), number, more, mail))
    return "".join(cards).encode("utf-8")


def export_file(result, what, fmt):
    """(bytes, mimetype, filename) of an export of RESULT."""
    if what not in FORMATS or fmt not in FORMATS[what]:
        raise DomainError("bad_param", "Exports: what=contacts with format csv, xlsx or vcf; what=rejects, invalid "
                                         "or duplicates with format csv or xlsx.")
    if fmt == "vcf":
        body = to_vcard(result.entries)
    elif what == "rejects" and fmt == "xlsx":
        body = to_xlsx(*reject_table(result, ("invalid",)), "Invalid",
                       [("Duplicates", *reject_table(result, ("duplicate",)))])
    else:
        header, rows = contact_table(result) if what == "contacts" else reject_table(result, REJECTED[what])
        body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, what.capitalize())
    return body, MIMETYPES[fmt], "%s.%s" % (what, fmt)
