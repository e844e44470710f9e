"""Big xlsx sheets parsed on several cores (issue 18).

calamine releases the GIL while it parses a sheet, but parses one sheet on one core: 0.57 s of the 100k-row
workbook's 1.5 s upload on a slow machine. Here the workbook is rebuilt as one stored (uncompressed) workbook per
core, each with every part as it was except its sheets, which keep their head and tail but only one slice of their
rows, cut after a `</row>` end tag. calamine reads the rebuilt workbooks at once, and each sheet's slices are put
back where the whole sheet's reading would have put them.

That is exact only where the cut cannot change what calamine reads, so a workbook is cut only when:
  * every cell start tag is a plain `<c r="`: a cell is then placed by its own reference, wherever it is read;
  * each sheet splits into XML tokens one way only (ONE_TOKENISING): no comment, CDATA, processing instruction,
    stray quote or quoted '<' or '>', which could hide a `</row>` that is no end tag or carry a tag over the cut;
  * each sheet's slices cover rows that follow each other (checked after reading: rows written out of order, or
    one row's cells in two places, would overlap), and calamine reads every slice of a sheet or none;
else the workbook is read whole, as before. Parts other than sheets (shared strings, styles) are copied to every
cut workbook and parsed once per core, so a workbook whose other parts are large is read whole. What calamine is
given was measured by zipcheck: the cut sheets hold only bytes of the measured ones (from the very chunks it
unpacked, when it kept them), and the rebuilt zips are plain (one reading only).
"""
import os
import re
import zipfile

import python_calamine

from .. import cores
from ..uploads import private_folder
from . import refscan
from .calasheet import DAMAGED, NO_CELLS, opened_sheet

# Below this many bytes of sheet XML (~20k rows) the rebuild costs about what the second core saves.
SPLIT_MIN_SHEET_BYTES = 4 << 20
# Parts other than sheets are copied to, and parsed in, every cut workbook.
MAX_COPIED_BYTES = 8 << 20
# A part is cut in memory, where calamine streams it: past this size (~330k rows of three columns) it is read
# whole, so a big sheet of few cells cannot cost more memory cut than whole.
MAX_CUT_PART_BYTES = 64 << 20
SHEET_START, SHEET_END = b"<sheetData>", b"</sheetData>"
EMPTY_SHEET = b"<sheetData/>"
ROW_END = b"</row>"
# XML that quick-xml can only split into tokens one way, the way a search for `</row>` does: text without '<',
# end tags without quotes, start tags whose quotes pair up around values without '<' or '>' (whether a reader
# skips a quoted '>' or not, the tag ends at the same place). A comment, CDATA, a processing instruction or a
# stray quote fails it: those may hide a `</row>` that is no end tag, or make one tag run over the cut.
END_TAG = r"</[^<>\"']*>"
START_TAG = r"<[^/<>\"'!?][^<>\"']*(?:(?:\"[^\"<>]*\"|'[^'<>]*')[^<>\"']*)*>"
ONE_TOKENISING = r"^(?:[^<]|%s|%s)*$" % (END_TAG, START_TAG)
# In the rows: a second sheetData, or a cell placed by its position only (refscan.CELL_NOT_PLAIN: a '<c' not
# followed by ' r="', any ':c').
ROWS_NOT_CUTTABLE = "sheetData|" + refscan.CELL_NOT_PLAIN
XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^<>]*\?>")


class NotCut(Exception):
    """The workbook cannot be cut exactly: read it whole."""


def cut_points(xml, start, end, slices):
    """Up to SLICES - 1 offsets in XML[START:END] just after a `</row>`, near equal shares of the bytes."""
    points, at = [start], start
    for share in range(1, slices):
        found = xml.find(ROW_END, max(at, start + (end - start) * share // slices), end)
        if found < 0:
            break
        at = found + len(ROW_END)
        points.append(at)
    return points + [end]


def cut_sheet(xml, slices):
    """[(head, rows slice, tail)] of sheet XML cut into SLICES; raise NotCut when it cannot be cut exactly."""
    start, end = xml.find(SHEET_START), xml.rfind(SHEET_END)
    if start < 0 or end < start or xml.find(b"sheetData", 0, start) >= 0 or \
            xml.find(b"sheetData", end + len(SHEET_END)) >= 0:
        raise NotCut()
    declaration = XML_DECLARATION.match(xml)
    view, rows_start = memoryview(xml), start + len(SHEET_START)
    if not refscan.found(ONE_TOKENISING, view[declaration.end() if declaration else 0:]) \
            or refscan.found(ROWS_NOT_CUTTABLE, view[rows_start:end]):
        raise NotCut()
    head, tail = view[:rows_start], view[end:]
    points = cut_points(xml, rows_start, end, slices)
    pieces = [(head, view[a:b], tail) for a, b in zip(points, points[1:])]
    return pieces + [(head, view[end:end], tail)] * (slices - len(pieces))


def part_slices(data, slices):
    """The SLICES versions of one zip part DATA for the cut workbooks: cut if it is a sheet, else None (itself).
    A sheet's `<sheetData>` comes early, so a sheet is told from other parts without a pass over all its bytes."""
    if data.find(SHEET_START) >= 0:
        return cut_sheet(data, slices)
    if b"sheetData" not in data or (data.count(b"sheetData") == 1 and EMPTY_SHEET in data):
        return None
    raise NotCut()  # a sheetData spelt otherwise (a prefix, attributes): cut_sheet would refuse it


def write_part(data, name, outs, slices):
    """Write zip part NAME (unpacked: DATA) to every workbook of OUTS, cut if it is a sheet: (bytes copied, bytes
    cut)."""
    pieces = part_slices(data, slices)
    if pieces is None:
        for out in outs:
            out.writestr(name, data)
        return len(data), 0
    for out, piece in zip(outs, pieces):
        with out.open(name, "w") as handle:
            for bytes_ in piece:
                handle.write(bytes_)
    return 0, len(data)


def unpacked(archive, parts, index):
    """Part INDEX of ARCHIVE unpacked: from PARTS (zipcheck's kept chunks, let go once joined) when it has them."""
    if parts is None:
        return archive.read(archive.infolist()[index])
    data, parts[index] = b"".join(parts[index]), None
    return data


def write_cut_workbooks(path, folder, slices, parts=None):
    """Paths of SLICES stored workbooks in FOLDER, the workbook at PATH (unpacked PARTS, or None) cut; raise
    NotCut when it cannot be."""
    paths = [os.path.join(folder, "cut%d.xlsx" % i) for i in range(slices)]
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        sizes = [info.file_size for info in infos]
        if len({info.filename for info in infos}) != len(infos) or sum(sizes) < SPLIT_MIN_SHEET_BYTES \
                or max(sizes, default=0) > MAX_CUT_PART_BYTES:
            raise NotCut()
        outs = [zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) for p in paths]
        try:
            copied = cut = 0
            for index, info in enumerate(infos):
                part_copied, part_cut = write_part(unpacked(archive, parts, index), info.filename, outs, slices)
                copied, cut = copied + part_copied, cut + part_cut
                if copied > MAX_COPIED_BYTES:
                    raise NotCut()
            if cut < SPLIT_MIN_SHEET_BYTES:
                raise NotCut()
        finally:
            for out in outs:
                out.close()
    return paths


def read_cut_workbook(path):
    """(sheet names, [(start, end, rows from start), None when empty, or calasheet's NO_CELLS or DAMAGED] for
    every sheet)."""
    workbook = python_calamine.CalamineWorkbook.from_path(path)
    try:
        sheets = []
        for name in workbook.sheet_names:
            sheet = opened_sheet(workbook, name)
            if sheet in (NO_CELLS, DAMAGED):
                sheets.append(sheet)
                continue
            sheets.append((sheet.start, sheet.end, sheet.to_python(skip_empty_area=True)) if sheet.start else None)
        return workbook.sheet_names, sheets
    finally:
        workbook.close()


def joined_rows(slices):
    """The rows of one sheet from A1 (or DAMAGED), as sheet_rows reads the whole sheet, from its SLICES
    [(start, end, rows)] in reading order; raise NotCut when their rows do not follow each other."""
    for refused in (NO_CELLS, DAMAGED):
        if refused in slices:
            if any(piece is not refused for piece in slices):
                raise NotCut()  # damage in one slice: the whole sheet may read otherwise
            return [] if refused is NO_CELLS else DAMAGED
    slices = [piece for piece in slices if piece is not None]
    if not slices:
        return []
    for (_, (last_row, _), _), ((next_first_row, _), _, _) in zip(slices, slices[1:]):
        if next_first_row <= last_row:
            raise NotCut()
    width = max(end[1] for _, end, _ in slices) + 1
    rows, next_row = [], 0
    for (first_row, first_col), (_, last_col), piece in slices:
        rows += [[""] * width for _ in range(first_row - next_row)]
        if first_col == 0 and last_col + 1 == width:
            rows += piece
        else:
            rows += [[""] * first_col + row + [""] * (width - first_col - len(row)) for row in piece]
        next_row = first_row + len(piece)
    return rows


def read_sheets_on_cores(path, parts=None):
    """[(sheet name, rows from A1)] of the xlsx at PATH (its unpacked PARTS in directory order, or None to unpack
    them here) read on several cores, or None when it is not worth cutting or cannot be cut exactly (then read it
    whole)."""
    if cores.WORKERS < 2 or os.path.getsize(path) < SPLIT_MIN_SHEET_BYTES // 16:
        return None
    try:
        with private_folder() as folder:
            paths = write_cut_workbooks(path, folder, cores.WORKERS, parts)
            readings = cores.on_cores([lambda p=p: read_cut_workbook(p) for p in paths])
        names = readings[0][0]
        return [(name, joined_rows([sheets[i] for _, sheets in readings])) for i, name in enumerate(names)]
    except Exception:  # noqa: BLE001  NotCut, a full disk, damage calamine finds: the whole reading decides
        return None
