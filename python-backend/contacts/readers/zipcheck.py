"""Look inside a zip before a workbook library opens it: what it holds, and whether it is a zip bomb."""
import re
import struct
import zipfile
import zlib

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from core import errors
from core.errors import DomainError
from .extent import XlsxExtent
from .limits import MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES

INFLATE_CHUNK = 1024 * 1024
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
LOCAL_HEADER_MAGIC = b"PK\x03\x04"
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError, ValueError, EOFError,
              NotImplementedError, KeyError)

XLSX_WORKBOOK_PART = "xl/workbook.xml"
WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
# Other spreadsheet zips the library could open, but whose sheet sizes we cannot measure before it allocates them.
UNMEASURED_WORKBOOKS = {"xl/workbook.bin": "an Excel binary workbook (.xlsb)",
                        "content.xml": "an OpenDocument file (.ods)"}
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
    """Unpack every part without keeping it: refuse real sizes past the limit, whatever the directory claims,
    and worksheets whose used range is too large."""
    budget = MAX_UNCOMPRESSED_BYTES
    try:
        with open(path, "rb") as handle:
            for info in archive.infolist():
                for chunk in unpacked_chunks(handle, info, budget):
                    budget -= len(chunk)
                    if budget < 0:
                        raise too_large("it unpacks to more than %d MB" % (MAX_UNCOMPRESSED_BYTES >> 20))
            # Scanning cell references costs ~20x more than unpacking: only a zip that passed the size limit gets
            # it, so a bomb of dense references is refused as fast as any other bomb.
            for info in archive.infolist():
                if WORKSHEET_PART.match(info.filename):
                    extent = XlsxExtent()
                    for chunk in unpacked_chunks(handle, info, MAX_UNCOMPRESSED_BYTES):
                        extent.feed(chunk)
                    extent.check()
    except ZIP_ERRORS:
        raise damaged() from None


def refuse_dtd(archive, name):
    """Refuse part NAME if its prolog declares a DTD (billion laughs, external entities): workbooks never need one."""
    try:
        with archive.open(name) as part:
            for _ in iterparse(part, events=("start",), forbid_dtd=True):
                return  # the root element opened: the prolog, the only place for a DTD, is behind us
    except DefusedXmlException:
        raise DomainError("unsafe_workbook", "The workbook declares XML entities or a DTD, which spreadsheets "
                                               "never need; it was refused for safety.") from None
    except (ParseError, *ZIP_ERRORS):
        return  # not well-formed: the workbook reader reports the damage


def check_xml_parts(archive):
    """Parse the prolog of every XML part with defusedxml before the workbook library sees the file."""
    for name in archive.namelist():
        if name.lower().endswith(XML_PART_SUFFIXES):
            refuse_dtd(archive, name)


def inspect_zip(path):
    """'xlsx' when the zip at PATH is a workbook that passed the size checks; None when it holds no workbook."""
    with open_zip(path) as archive:
        check_declared_sizes(archive)
        names = {n.lower() for n in archive.namelist()}
        if XLSX_WORKBOOK_PART not in names:
            other = unmeasured_workbook(archive)
            if other:
                raise DomainError("unsupported_type", "This file is %s. Save it as .xlsx or .csv and try again."
                                    % other, errors.UNSUPPORTED)
            return None
        check_real_sizes(path, archive)
        check_xml_parts(archive)
        return "xlsx"
