"""Measure what calamine will allocate for an .xls (BIFF) workbook, before it is opened.

calamine reads an .xls whole when it opens it, and a failed allocation in Rust aborts the process, so the limits
have to be checked here, on the records calamine itself will read, the way it reads them:
  * the globals, from the stream's start to the first EOF, give each sheet's offset (BoundSheet8);
  * each sheet is read from that offset, whatever record boundary it lands on, to its own EOF; a nested BOF
    (an embedded chart) opens a substream whose records are skipped, and the cells after it belong to the sheet;
  * a DIMENSIONS record reserves the area it declares, in wrapping 32-bit arithmetic: a first row past the last
    asks for about four billion rows;
  * each sheet becomes one rectangle spanning its cells, and every sheet is held at once.
The Python side then pads each sheet from A1, so a sheet's size is counted from row and column 0.
"""
import io
import struct
from collections import Counter

import xlrd.compdoc

from core.errors import DomainError
from .limits import MAX_SHARED_TEXT_BYTES, MAX_SHEET_CELLS
from .sharedtext import too_much_text

BIFF_BOF, BIFF_EOF, BIFF_BOUNDSHEET, BIFF_DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
BIFF_SST, BIFF_CONTINUE, BIFF_LABEL_SST = 0x00FC, 0x003C, 0x00FD
STRING_HEADER = struct.Struct("<HB")  # character count, flags (0x1 two-byte characters, 0x4 ExtRst, 0x8 runs)
RUN_COUNT, EXT_SIZE = struct.Struct("<H"), struct.Struct("<L")
LABEL_SST_INDEX = struct.Struct("<L")  # at offset 6 of a LABELSST body
DIMENSIONS_LAYOUTS = {14: struct.Struct("<LLHH"), 10: struct.Struct("<HHHH")}  # BIFF8, BIFF5: the only sizes read
BIFF_CELLS = {0x0006, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
BIFF_MULTI_CELLS = {0x00BD, 0x00BE}  # MULRK, MULBLANK
RECORD_HEADER = struct.Struct("<HH")
SHEET_OFFSET = struct.Struct("<L")
U32 = 1 << 32
# Sheets are disjoint in a real workbook, so reading them all visits each byte once. BoundSheet8 offsets that make
# the sheets overlap would multiply the work; past this many passes over the stream the file is refused.
MAX_STREAM_PASSES = 2


def refuse(rows, columns):
    """The error for a sheet whose used range is too large."""
    return DomainError("workbook_too_large", "A sheet of the workbook is too large (%d rows x %d columns)."
                         % (rows, columns))


def corrupt():
    """The error for a workbook whose structure cannot be read."""
    return DomainError("corrupt_file", "The workbook is damaged and cannot be read.")


def workbook_stream(data):
    """The Workbook (BIFF8) or Book (BIFF5) stream of an OLE file, or corrupt_file."""
    try:
        doc = xlrd.compdoc.CompDoc(data, logfile=io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except Exception:  # xlrd reports a damaged container with assorted exception types
        raise corrupt() from None
    if not stream:
        raise corrupt()
    return stream


def records(stream, pos):
    """(kind, body offset, body length) of each whole record of STREAM from POS, as calamine reads them."""
    header, end = RECORD_HEADER.unpack_from, len(stream)
    while pos + RECORD_HEADER.size <= end:
        kind, length = header(stream, pos)
        body = pos + RECORD_HEADER.size
        if body + length > end:
            return  # calamine stops the whole workbook with an error here
        yield kind, body, length
        pos = body + length


def read_globals(stream):
    """(the stream offset of every sheet the globals declare, the bodies of the last SST record and of the
    CONTINUE records right after it): what calamine takes from the records before the first EOF."""
    offsets, table, continuing = [], [], False
    for kind, body, length in records(stream, 0):
        if kind == BIFF_EOF:
            break
        if kind == BIFF_CONTINUE and continuing:
            table.append(stream[body:body + length])
            continue
        continuing = kind == BIFF_SST
        if continuing:
            table = [stream[body:body + length]]
        elif kind == BIFF_BOUNDSHEET and length >= SHEET_OFFSET.size:
            offsets.append(SHEET_OFFSET.unpack_from(stream, body)[0])
    return offsets, table


def string_sizes(pieces, wanted=None):
    """The most UTF-8 bytes each of the first WANTED (default all) strings of an SST (its record body, then its
    CONTINUE bodies: PIECES) decodes to, walked as calamine walks it: each string's characters, 1 or 2 bytes each,
    may carry on into the next piece (which then starts with its own width flag); its formatting runs and extended
    data are skipped across pieces; an empty piece is an empty string. A byte read decodes to at most 4 UTF-8
    bytes (one-byte characters are widened with a NUL before a code page decodes them). Stops where calamine
    would fail. Offsets, not slices: this loop runs once a string."""
    if not pieces or len(pieces[0]) < 8:
        return []
    header, run_count, ext_size = STRING_HEADER.unpack_from, RUN_COUNT.unpack_from, EXT_SIZE.unpack_from
    queue, sizes = list(reversed(pieces)), []
    piece, at = queue.pop(), 8
    wanted = sum(map(len, pieces)) + len(pieces) if wanted is None else wanted  # more than it can hold
    while len(sizes) < wanted:
        if at >= len(piece):
            if not queue:
                break
            piece, at = queue.pop(), 0
            if not piece:
                sizes.append(0)
                continue
        if len(piece) - at < 3:
            break
        count, flags = header(piece, at)
        at, skip = at + 3, 0
        if flags & 0x8:
            if len(piece) - at < 2:
                break
            skip, at = run_count(piece, at)[0] * 4, at + 2
        if flags & 0x4:
            if len(piece) - at < 4:
                break
            skip, at = skip + ext_size(piece, at)[0], at + 4
        width, read = 2 if flags & 1 else 1, 0
        while True:
            taken = min(count, (len(piece) - at) // width)
            read, count, at = read + taken * width, count - taken, at + taken * width
            if not count:
                break
            if not queue or not queue[-1]:
                return sizes
            piece, at = queue.pop(), 1
            width = 2 if piece[0] & 1 else 1
        sizes.append(4 * read)
        while skip:
            if at >= len(piece):
                if not queue:
                    return sizes
                piece, at = queue.pop(), 0
            taken = min(skip, len(piece) - at)
            skip, at = skip - taken, at + taken
    return sizes


def reserved_area(stream, body, length):
    """(rows, columns) calamine reserves for a DIMENSIONS record, in its own 32-bit arithmetic, wrap included."""
    layout = DIMENSIONS_LAYOUTS.get(length)
    if layout is None:
        return 0, 0  # any other size is an error in calamine, before it reserves anything
    first_row, last_row, first_column, last_column = layout.unpack_from(stream, body)
    if last_row < 1 or last_column < 1:
        return 1, 1
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    return (last_row - first_row) % U32, last_column - first_column


def measure_sheet(stream, start, labels):
    """(rows, columns, bytes read) of the sheet calamine reads from offset START; refuses a forged DIMENSIONS.
    Appends to LABELS the string index of each LABELSST cell: each gets a copy of its string. One tight loop (the
    records() generator and a helper per cell cost 3x): it visits every record of the sheet."""
    header, index_of = RECORD_HEADER.unpack_from, LABEL_SST_INDEX.unpack_from
    cell_kinds, multi_kinds, end = BIFF_CELLS, BIFF_MULTI_CELLS, len(stream)
    rows = columns = depth = 0
    seen_bof, pos = False, start
    while pos + 4 <= end:
        kind, length = header(stream, pos)
        body = pos + 4
        if body + length > end:
            break  # calamine stops the whole workbook with an error here
        pos = body + length
        if depth:
            depth += (kind == BIFF_BOF) - (kind == BIFF_EOF)
        elif kind in cell_kinds:
            if length >= 4:
                row, column = header(stream, body)
                if kind in multi_kinds and length >= 6:
                    column = header(stream, pos - 4)[1]  # MULRK, MULBLANK: the last column ends the record
                if row >= rows:
                    rows = row + 1
                if column >= columns:
                    columns = column + 1
                if kind == BIFF_LABEL_SST and length >= 10:
                    labels.append(index_of(stream, body + 6)[0])
        elif kind == BIFF_DIMENSIONS:
            reserved = reserved_area(stream, body, length)
            if reserved[0] * reserved[1] > MAX_SHEET_CELLS:
                raise refuse(*reserved)
        elif kind == BIFF_BOF:
            depth, seen_bof = int(seen_bof), True
        elif kind == BIFF_EOF:
            break
    return rows, columns, pos - start


def check_shared_copies(table, shared):
    """Refuse when the LABELSST cells (SHARED: index -> cells) would copy the SST (TABLE, its record bodies) past
    MAX_SHARED_TEXT_BYTES; the exact string sizes are read only when the crude bound passes it."""
    cells = sum(shared.values())
    if cells * 4 * sum(map(len, table)) <= MAX_SHARED_TEXT_BYTES:
        return
    sizes = string_sizes(table, max(shared) + 1)
    if sum(sizes[index] * times for index, times in shared.items() if index < len(sizes)) > MAX_SHARED_TEXT_BYTES:
        raise too_much_text()


def check_xls_extent(data):
    """Refuse an .xls (bytes DATA) whose sheets calamine could not hold within MAX_SHEET_CELLS, whose shared
    strings its cells would copy past MAX_SHARED_TEXT_BYTES, or that calamine could not read."""
    stream = workbook_stream(data)
    offsets, table = read_globals(stream)
    cells = read = 0
    labels = []
    for start in offsets:
        if start > len(stream):
            raise corrupt()  # calamine would panic slicing the stream there
        rows, columns, length = measure_sheet(stream, start, labels)
        if rows * columns > MAX_SHEET_CELLS:
            raise refuse(rows, columns)
        cells, read = cells + rows * columns, read + length
        if cells > MAX_SHEET_CELLS:
            raise DomainError("workbook_too_large", "The sheets of the workbook are too large together.")
        if read > MAX_STREAM_PASSES * len(stream):
            raise corrupt()
    check_shared_copies(table, Counter(labels))
