"""Measure the used range of every sheet of an .xls (BIFF) workbook from its cell records, before xlrd/calamine."""
import io
import struct

import xlrd.compdoc

from core.errors import DomainError
from .limits import MAX_SHEET_CELLS

BIFF_BOF, BIFF_EOF = 0x0809, 0x000A
# DIMENSIONS: calamine reserves room for the whole area it declares (rows x columns) before reading a cell, so a
# forged one aborts the process as surely as a far cell. BIFF8 counts rows in 32 bits, BIFF5 in 16.
BIFF_DIMENSIONS = 0x0200
DIMENSIONS_BIFF8 = struct.Struct("<LLHH")
DIMENSIONS_BIFF5 = struct.Struct("<HHHH")
BIFF_CELLS = {0x0006, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
BIFF_MULTI_CELLS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: the last column is the record's last two bytes
RECORD_HEADER = struct.Struct("<HH")


def refuse(rows, columns):
    """The error for a sheet whose used range is too large."""
    return DomainError("workbook_too_large", "A sheet of the workbook is too large (%d rows x %d columns)."
                         % (rows, columns))


def workbook_stream(data):
    """The Workbook (BIFF8) or Book (BIFF5) stream of an OLE file, or corrupt_file."""
    try:
        doc = xlrd.compdoc.CompDoc(data, logfile=io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except Exception:  # xlrd reports a damaged container with assorted exception types
        raise DomainError("corrupt_file", "The workbook is damaged and cannot be read.") from None
    if not stream:
        raise DomainError("corrupt_file", "The workbook is damaged and cannot be read.")
    return stream


def declared_area(stream, pos, length):
    """(rows, columns) a DIMENSIONS record at POS declares (last row and column, exclusive)."""
    layout = DIMENSIONS_BIFF8 if length >= DIMENSIONS_BIFF8.size else DIMENSIONS_BIFF5
    if length < layout.size:
        return 0, 0
    _, last_row, _, last_column = layout.unpack_from(stream, pos + 4)
    return last_row, last_column


def check_xls_extent(data):
    """Refuse an .xls (bytes DATA) with a sheet whose used range passes MAX_SHEET_CELLS."""
    stream = workbook_stream(data)
    header = RECORD_HEADER.unpack_from  # bound once: this loop visits every record of the file
    cell_kinds, multi_kinds, sheet_edges = BIFF_CELLS, BIFF_MULTI_CELLS, (BIFF_BOF, BIFF_EOF)
    rows = columns = pos = 0
    end = len(stream) - RECORD_HEADER.size
    while pos <= end:
        kind, length = header(stream, pos)
        if kind in cell_kinds and length >= 4:
            row, column = header(stream, pos + 4)
            if kind in multi_kinds and length >= 6:
                column = header(stream, pos + length)[1]  # the record's last two bytes
            if row >= rows:
                rows = row + 1
            if column >= columns:
                columns = column + 1
        elif kind == BIFF_DIMENSIONS:
            declared_rows, declared_columns = declared_area(stream, pos, length)
            if declared_rows * declared_columns > MAX_SHEET_CELLS:
                raise refuse(declared_rows, declared_columns)
        elif kind in sheet_edges:
            if rows * columns > MAX_SHEET_CELLS:
                raise refuse(rows, columns)
            rows = columns = 0
        pos += 4 + length
    if rows * columns > MAX_SHEET_CELLS:
        raise refuse(rows, columns)
