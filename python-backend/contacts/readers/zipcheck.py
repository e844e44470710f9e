"""Look inside a zip before a workbook library opens it: what it holds, and whether it is a zip bomb."""
import struct
import zipfile
import zlib
from collections import namedtuple

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from core import errors
from core.errors import DomainError
from . import ods, sharedtext
from .cells import unsafe_workbook
from .extent import XlsxExtent
from .limits import MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES

# What measure_zip found: the kind of workbook, and the parts it unpacked when it kept them.
Measured = namedtuple("Measured", "kind parts")
INFLATE_CHUNK = 1024 * 1024
# Workbooks unpacking to at most this much (a 100,000-row sheet is ~19 MB) are held in memory between the size
# check and the measuring, so they are inflated once; a bigger one, a bomb perhaps, is inflated again instead.
KEEP_BYTES = 24 * 1024 * 1024
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
LOCAL_HEADER_MAGIC = b"PK\x03\x04"
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError, ValueError, EOFError,
              NotImplementedError, KeyError)

XLSX_WORKBOOK_PART = "xl/workbook.xml"
# The end-of-central-directory record: its signature, fixed size, and the fields read here.
END_RECORD = struct.Struct("<4s4H2LH")
END_MAGIC = b"PK\x05\x06"
MAX_COMMENT = 0xFFFF
ZIP64_MARK = 0xFFFFFFFF
# calamine opens a sheet at 'xl/' + its relationship's target and only when the target's first folder is one of
# these (calamine 0.37, xlsx/mod.rs read_workbook); every part is measured anyway, these ones strictly.
SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
# Byte-order marks of UTF-16/32: the workbook library reads XML as ASCII-compatible bytes, so a part in such an
# encoding cannot be measured the way it would be read.
WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# Other spreadsheet zips the library could open, but whose sheet sizes we cannot measure before it allocates them.
UNMEASURED_WORKBOOKS = {"xl/workbook.bin": "an Excel binary workbook (.xlsb)",
                        "content.xml": "an OpenDocument file that is not a spreadsheet"}
# Workbook parts that are XML; a DTD can only sit in a part's prolog, so reading up to the root element suffices.
XML_PART_SUFFIXES = (".xml", ".rels")


def too_large(why):
    """The error for a workbook bigger than we agree to unpack."""
    return DomainError("workbook_too_large", "The workbook is too large to open safely (%s)." % why)


def damaged():
    """The error for a zip that cannot be read."""
    return DomainError("corrupt_file", "The workbook is damaged and cannot be read.")


def open_zip(path):
    """A ZipFile of PATH, or corrupt_file."""
    try:
        return zipfile.ZipFile(path)
    except ZIP_ERRORS:
        raise damaged() from None


def unmeasured_workbook(archive):
    """What other spreadsheet format ARCHIVE holds ('an ... (.xlsb)'), or None."""
    names = {n.lower() for n in archive.namelist()}
    return next((what for part, what in UNMEASURED_WORKBOOKS.items() if part in names), None)


def check_declared_sizes(archive):
    """Refuse archives whose directory admits too many entries or too many bytes."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise too_large("%d parts" % len(infos))
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise too_large("it unpacks to more than %d MB" % (MAX_UNCOMPRESSED_BYTES >> 20))


def data_offset(handle, info):
    """Where the compressed bytes of INFO start (after its local header)."""
    handle.seek(info.header_offset)
    header = handle.read(LOCAL_HEADER.size)
    if len(header) != LOCAL_HEADER.size or header[:4] != LOCAL_HEADER_MAGIC:
        raise damaged()
    fields = LOCAL_HEADER.unpack(header)
    return info.header_offset + LOCAL_HEADER.size + fields[-2] + fields[-1]


def raw_chunks(handle, info):
    """The stored (compressed) bytes of INFO, chunk by chunk."""
    handle.seek(data_offset(handle, info))
    left = info.compress_size
    while left > 0:
        chunk = handle.read(min(INFLATE_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def unpacked_chunks(handle, info, budget):
    """The unpacked bytes of INFO, chunk by chunk, stopping once more than BUDGET bytes came out."""
    if info.compress_type == zipfile.ZIP_STORED:
        yield from raw_chunks(handle, info)
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise damaged()  # the workbook library reads stored and deflated parts only
    inflater, total = zlib.decompressobj(-zlib.MAX_WBITS), 0
    for chunk in raw_chunks(handle, info):
        data = chunk
        while data and total <= budget and not inflater.eof:
            out = inflater.decompress(data, INFLATE_CHUNK)
            total += len(out)
            yield out
            data = inflater.unconsumed_tail
        if total > budget or inflater.eof:
            return


def check_real_sizes(path, archive):
    """Unpack every part: refuse real sizes past the limit, whatever the directory claims, then any part whose
    cells would make a sheet too large. The unpacked chunks of each part, when unpack_all kept them, else None."""
    try:
        with open(path, "rb") as handle:
            kept = unpack_all(handle, archive)
            # Scanning cell references costs ~20x more than unpacking: only a zip that passed the size limit gets
            # it, so a bomb of dense references is refused as fast as any other bomb.
            for index, info in enumerate(archive.infolist()):
                measure_part(info, part_chunks(handle, archive, kept, index))
            check_shared_strings(handle, archive, kept)
            return kept
    except ZIP_ERRORS:
        raise damaged() from None


def part_chunks(handle, archive, kept, index):
    """The unpacked chunks of part INDEX: from memory when KEPT holds them, else unpacked again."""
    return kept[index] if kept else unpacked_chunks(handle, archive.infolist()[index], MAX_UNCOMPRESSED_BYTES)


def check_shared_strings(handle, archive, kept):
    """Refuse a shared-string table whose strings the cells would copy past the limit (sharedtext.py)."""
    every_part = lambda: (part_chunks(handle, archive, kept, i) for i in range(len(archive.infolist())))  # noqa: E731
    for index, info in enumerate(archive.infolist()):
        if sharedtext.is_shared_strings(info.filename):
            table = b"".join(part_chunks(handle, archive, kept, index))
            sharedtext.check_shared_text(table, sum(i.file_size for i in archive.infolist()), every_part)


def unpack_all(handle, archive):
    """Unpack every part without scanning it, refusing past MAX_UNCOMPRESSED_BYTES; the unpacked chunks of each
    part when they total at most KEEP_BYTES (measured from memory: one inflate instead of two), else None."""
    budget, kept = MAX_UNCOMPRESSED_BYTES, []
    for info in archive.infolist():
        chunks = []
        for chunk in unpacked_chunks(handle, info, budget):
            budget -= len(chunk)
            if budget < 0:
                raise too_large("it unpacks to more than %d MB" % (MAX_UNCOMPRESSED_BYTES >> 20))
            if kept is not None and MAX_UNCOMPRESSED_BYTES - budget > KEEP_BYTES:
                kept = chunks = None  # too much to hold (a bomb, perhaps): measure by unpacking again
            if kept is not None:
                chunks.append(chunk)
        if kept is not None:
            kept.append(chunks)
    return kept


def measure_part(info, chunks):
    """Measure part INFO (its unpacked CHUNKS) as if it were a worksheet: the workbook's relationships may point a
    sheet at any part (any name, with or without .xml, any case), so every part is measured."""
    extent, first = XlsxExtent(info.filename.lower().startswith(SHEET_FOLDERS)), True
    for chunk in chunks:
        if first and chunk.startswith(WIDE_BOMS):
            raise DomainError("unsafe_workbook", "A part of the workbook is stored in UTF-16 or UTF-32, which "
                                                   "spreadsheets never use; it was refused for safety.")
        first = False
        extent.feed(chunk)
    extent.check()


def end_record(path):
    """(offset of the central directory, entry count) from the zip's end record, which must close the file."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - END_RECORD.size - MAX_COMMENT))
        tail = handle.read()
    at = tail.rfind(END_MAGIC)
    if at < 0 or len(tail) - at < END_RECORD.size:
        raise damaged()
    fields = END_RECORD.unpack_from(tail, at)
    if at + END_RECORD.size + fields[-1] != len(tail):
        raise damaged()  # bytes after the comment: another archive may hide behind this one
    return fields[6], fields[4]


def check_one_reading(path, archive):
    """Refuse zips that two zip readers could understand differently (data before the first entry, a directory
    that disagrees with its end record): what was measured here must be what the workbook library opens."""
    directory_offset, entries = end_record(path)
    if directory_offset != ZIP64_MARK and archive.start_dir != directory_offset:
        raise damaged()
    if entries != 0xFFFF and entries != len(archive.infolist()):
        raise damaged()


def refuse_dtd(archive, name):
    """Refuse part NAME if its prolog declares a DTD (billion laughs, external entities): workbooks never need one."""
    try:
        with archive.open(name) as part:
            for _ in iterparse(part, events=("start",), forbid_dtd=True):
                return  # the root element opened: the prolog, the only place for a DTD, is behind us
    except DefusedXmlException:
        raise unsafe_workbook() from None
    except (ParseError, *ZIP_ERRORS):
        return  # not well-formed: the workbook reader reports the damage


def check_xml_parts(archive):
    """Parse the prolog of every XML part with defusedxml before the workbook library sees the file: parts named
    .xml or .rels, and every part where calamine may find a sheet, whatever its name ends with."""
    for name in archive.namelist():
        lowered = name.lower()
        if lowered.endswith(XML_PART_SUFFIXES) or lowered.startswith(SHEET_FOLDERS):
            refuse_dtd(archive, name)


def measure_zip(path):
    """Measured(kind, parts) for the zip at PATH: kind 'xlsx' or 'ods' when it is a workbook that passed the size
    checks, None when it holds no workbook; for an xlsx, the unpacked chunks of each of its parts in directory order
    when they were small enough to keep (else None), so that what is read next is what was measured, without a
    second inflate."""
    with open_zip(path) as archive:
        check_declared_sizes(archive)
        check_one_reading(path, archive)
        names = {n.lower() for n in archive.namelist()}
        if XLSX_WORKBOOK_PART not in names and ods.is_ods(archive):
            check_real_sizes(path, archive)  # ods.py bounds the cells itself, as it reads them
            return Measured("ods", None)
        if XLSX_WORKBOOK_PART not in names:
            other = unmeasured_workbook(archive)
            if other:
                raise DomainError("unsupported_type", "This file is %s. Save it as .xlsx or .csv and try again."
                                    % other, errors.UNSUPPORTED)
            return Measured(None, None)
        parts = check_real_sizes(path, archive)
        check_xml_parts(archive)
        return Measured("xlsx", parts)
