#!/usr/bin/env python3
"""(Re)build the binary contact-file fixtures in tests/fixtures, byte for byte the same on every run.

    .venv/bin/python scripts/make_fixtures.py            # write them
    .venv/bin/python scripts/make_fixtures.py --check    # exit 1 if a committed fixture differs from a fresh build

Builds:
  workbook_title_row.xlsx  openpyxl: title row above the header, numbers stored as numbers, a Total footer,
                           a notes sheet without contacts, an empty sheet and a hidden sheet
  crm_export.xls           xlwt (BIFF8): numbers stored as numbers, a text cell with a leading zero, a summary sheet
The text fixtures beside them are written by hand (see tests/fixtures/README.md).
"""
import argparse
import datetime
import io
import os
import re
import sys
import zipfile

import openpyxl
import xlwt

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
# Zip entries and document properties carry this instead of "now", so rebuilds are identical.
FIXED_TIME = datetime.datetime(2024, 3, 12, 10, 15, 0)
FIXED_ZIP_TIME = FIXED_TIME.timetuple()[:6]
CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def title_row_workbook():
    """The xlsx: a customer list as people keep it in Excel."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Customers"
    sheet.append(["Customer list - March 2024"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append(["First Name", "Last Name", "Mobile", "Home Phone", "Work Phone", "Country", "Email"])
    sheet.append(["Meera", "Nair", 919876543210, None, None, "India", "meera.nair@example.in"])
    sheet.append(["John", "Smith", 447911123456, None, None, "United Kingdom", "john.smith@example.co.uk"])
    sheet.append(["Hans", "Müller", None, 3012345678, "+49 89 12345678", "Germany", "hans.mueller@example.de"])
    sheet.append(["Priya", "Sharma", 919876543210.0, None, None, "India", ""])
    sheet.append(["Ana", "Silva", 5511912345678, None, None, "Brazil", "ana.silva@example.com.br"])
    sheet.append(["Chen", "Wang", 1234, None, None, "China", "chen.wang@example.cn"])
    sheet.append([])
    sheet.append(["Total", None, 6])
    for row in sheet.iter_rows(min_row=4, max_row=9, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = "0"
    notes = book.create_sheet("Notes")
    notes.append(["Exported from the shop CRM on 12/03/2024."])
    notes.append(["Numbers without a country code are local to the customer's country."])
    book.create_sheet("Sheet3")
    hidden = book.create_sheet("Lookup")
    hidden.sheet_state = "hidden"
    for name, code in (("India", "IN"), ("United Kingdom", "GB"), ("Germany", "DE")):
        hidden.append([name, code])
    book.properties.creator = "Fixture builder"
    return book


def deterministic_xlsx(book):
    """The bytes of BOOK with fixed timestamps in the zip and in docProps/core.xml."""
    raw = io.BytesIO()
    book.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = CORE_TIMES.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


def crm_export_xls():
    """The xls: a CRM export with numbers stored as numbers (what Excel 97-2003 files hold)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Contacts")
    bold = xlwt.easyxf("font: bold on")
    header = ["S.No", "Customer Name", "Mobile No", "Alternate No", "City", "Email"]
    for col, text in enumerate(header):
        sheet.write(0, col, text, bold)
    rows = [
        (1, "Asha Verma", 9876543210, "08023456789", "Bengaluru", "asha.verma@example.in"),
        (2, "Rahul Mehta", 919123456789, "", "Pune", "rahul@example.in"),
        (3, "Sneha Iyer", "", "022 2345 6789", "Mumbai", ""),
        (4, "Vikram Singh", 9876543210.0, "", "Delhi", "vikram@example.in"),
        (5, "Deepa Nair", 12345, "", "Kochi", "deepa@example.in"),
        (6, "Élise Fernandes", "+91 99887 66554", "", "Goa", "elise@example.in"),
    ]
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if value != "":
                sheet.write(r, col, value)
    summary = book.add_sheet("Summary")
    summary.write(0, 0, "Customers exported")
    summary.write(0, 1, len(rows))
    summary.write(1, 0, "Exported on")
    summary.write(1, 1, datetime.date(2024, 3, 12), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


BUILDERS = {
    "workbook_title_row.xlsx": lambda: deterministic_xlsx(title_row_workbook()),
    "crm_export.xls": crm_export_xls,
}


def main():
    """Write (or --check) every binary fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    stale = []
    for name, build in BUILDERS.items():
        path = os.path.join(FIXTURES, name)
        data = build()
        if args.check:
            with open(path, "rb") as f:
                if f.read() != data:
                    stale.append(name)
        else:
            with open(path, "wb") as f:
                f.write(data)
            print("wrote %s (%d bytes)" % (os.path.relpath(path), len(data)))
    if stale:
        print("stale fixtures (run scripts/make_fixtures.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
