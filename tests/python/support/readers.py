"""Helpers shared by the reader tests: write bytes under a file name, read them back, build real workbooks."""
import datetime
import io
import os
import zipfile

import openpyxl
import xlwt

from contacts.readers import read_file
from support.paths import FIXTURES


# Every type of cell a workbook writer gives a reader: text in many scripts, blanks, formula-like text, numbers,
# booleans, dates and times.
TRICKY = ["Zoë Ünal", "東京都", "😀👍🏽", "e\u0301", "a\tb", "line\nbreak", " lead", "trail ", "", None, "=1+1",
          "+91 98765 43210", 919876543210, 919876543210.0, 3.5, -7, 1e20, True, False, 0,
          datetime.date(2020, 1, 2), datetime.datetime(2021, 3, 4, 5, 6, 7), datetime.datetime(2021, 3, 4),
          datetime.time(10, 30)]


def write_bytes(folder, name, data):
    """Write DATA to FOLDER/NAME and return the path."""
    path = os.path.join(str(folder), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def read_bytes(folder, name, data):
    """read_file of DATA saved as NAME."""
    return read_file(write_bytes(folder, name, data), name)


def cells(workbook, sheet=0):
    """The cells of one sheet as a list of lists of str."""
    return workbook.sheets[sheet].frame.to_numpy().tolist()


def xlsx_bytes(rows, title="Sheet1"):
    """A real xlsx (openpyxl) holding ROWS on one sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows, title="Sheet1"):
    """A real BIFF8 xls (xlwt) holding ROWS on one sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(members):
    """A zip of {name: bytes}."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def fixture_bytes(name):
    """The bytes of a file in tests/fixtures."""
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()
