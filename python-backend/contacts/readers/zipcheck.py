"""Look inside a zip before a workbook library opens it: what it holds, and whether it is a zip bomb."""
import struct
import zipfile
import zlib

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from ..errors import ContactsError

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
INFLATE_CHUNK = 1024 * 1024
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
LOCAL_HEADER_MAGIC = b"PK\x03\x04"

WORKBOOK_PARTS = {"xl/workbook.xml": "xlsx", "xl/workbook.bin": "xlsb"}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Workbook parts that are XML; a DTD can only sit in a part's prolog, so reading up to the root element suffices.
XML_PART_SUFFIXES = (".xml", ".rels")


def too_large(why):
    """The error for a workbook bigger than we agree to unpack."""
    return ContactsError("workbook_too_large", "The workbook is too large to open safely (%s)." % why)


def open_zip(path):
    """A ZipFile of PATH, or corrupt_file."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ContactsError("corrupt_file", "The file is a damaged zip archive.") from None


def workbook_kind(archive):
    """'xlsx', 'xlsb' or 'ods' for what ARCHIVE holds, else None."""
    names = {n.lower() for n in archive.namelist()}
    for part, kind in WORKBOOK_PARTS.items():
        if part in names:
            return kind
    if "mimetype" in names and "content.xml" in names:
        try:
            if archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            raise ContactsError("corrupt_file", "The workbook is damaged.") from None
    return None


def check_declared_sizes(archive):
    """Refuse archives whose directory admits too many entries or too many bytes."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise too_large("%d parts" % len(infos))
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise too_large("it unpacks to more than %d MB" % (MAX_UNCOMPRESSED_BYTES >> 20))


def data_offset(handle, info):
    """Where the compressed bytes of INFO start (after its local header)."""
    handle.seek(info.header_offset)
    header = handle.read(LOCAL_HEADER.size)
    if len(header) != LOCAL_HEADER.size or header[:4] != LOCAL_HEADER_MAGIC:
        raise ContactsError("corrupt_file", "The workbook is damaged.")
    fields = LOCAL_HEADER.unpack(header)
    return info.header_offset + LOCAL_HEADER.size + fields[-2] + fields[-1]


def inflated_size(handle, info, budget):
    """How many bytes INFO really inflates to, counting no further than BUDGET + 1."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return info.file_size
    handle.seek(data_offset(handle, info))
    inflater, left, total = zlib.decompressobj(-zlib.MAX_WBITS), info.compress_size, 0
    while left > 0 and total <= budget and not inflater.eof:
        chunk = handle.read(min(INFLATE_CHUNK, left))
        if not chunk:
            break
        left -= len(chunk)
        data = chunk
        while data and total <= budget and not inflater.eof:
            total += len(inflater.decompress(data, INFLATE_CHUNK))
            data = inflater.unconsumed_tail
    return total


def check_real_sizes(path, archive):
    """Refuse archives that really inflate past the limit, whatever their directory claims."""
    budget = MAX_UNCOMPRESSED_BYTES
    try:
        with open(path, "rb") as handle:
            for info in archive.infolist():
                budget -= inflated_size(handle, info, budget)
                if budget < 0:
                    raise too_large("it unpacks to more than %d MB" % (MAX_UNCOMPRESSED_BYTES >> 20))
    except (zlib.error, struct.error, OSError, ValueError):
        raise ContactsError("corrupt_file", "The workbook is damaged.") from None


def refuse_dtd(archive, name):
    """Refuse part NAME if its prolog declares a DTD (billion laughs, external entities): workbooks never need one."""
    try:
        with archive.open(name) as part:
            for _ in iterparse(part, events=("start",), forbid_dtd=True):
                return  # the root element opened: the prolog, the only place for a DTD, is behind us
    except DefusedXmlException:
        raise ContactsError("unsafe_workbook", "The workbook declares XML entities or a DTD, which spreadsheets "
                                               "never need; it was refused for safety.") from None
    except (ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        return  # not well-formed: the workbook reader reports the damage


def check_xml_parts(archive):
    """Parse the prolog of every XML part with defusedxml before any workbook library sees the file."""
    for name in archive.namelist():
        if name.lower().endswith(XML_PART_SUFFIXES):
            refuse_dtd(archive, name)


def inspect_zip(path):
    """The workbook kind of the zip at PATH ('xlsx', 'xlsb', 'ods', or None), after the size checks."""
    with open_zip(path) as archive:
        check_declared_sizes(archive)
        kind = workbook_kind(archive)
        if kind:
            check_real_sizes(path, archive)
            check_xml_parts(archive)
        return kind
