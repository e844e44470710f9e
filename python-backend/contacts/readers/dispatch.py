"""Decide what a file is (by content, with the extension as a hint) and hand it to the right reader."""
import os
import zipfile

from core import errors
from core.errors import DomainError
from ..freetext import looks_like_chat
from . import delimited, htmltable, ods, vcard, xmlss
from .decode import decode_text, strip_bom, utf8_head, utf8_without_nul
from .biffextent import check_xls_extent
from .magic import HEAD_BYTES, head_kind
from .model import Sheet, Workbook
from .ole import ole_kind
from .spreadsheet import read_workbook, read_xlsx
from .zipcheck import measure_zip

TEXT_EXTENSIONS = {"csv", "tsv", "tab", "txt", "text", "vcf", "vcard", "prn", "dat", "list"}
WORKBOOK_EXTENSIONS = {"xlsx", "xlsm", "xltx", "xltm", "xlsb", "xls", "xlt", "ods"}
DEFAULT_SHEET_NAME = "Sheet1"


def extension_of(name):
    """The lower-case extension of NAME without the dot ('' when none)."""
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def sheet_name_for(name):
    """The name a spreadsheet program gives the one sheet of a text file: the file name without extension."""
    stem = os.path.splitext(os.path.basename(name or ""))[0].strip()
    return stem or DEFAULT_SHEET_NAME


def unsupported(what):
    """The error for a format we do not read."""
    return DomainError("unsupported_type", "This file is %s, not a contact list (use CSV, Excel, vCard or text)."
                         % what, errors.UNSUPPORTED)


def read_head(path):
    """The first bytes of PATH, and its size."""
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES), os.fstat(handle.fileno()).st_size


def read_zip(path):
    """A zip: a workbook (after the bomb checks) or unsupported_type."""
    kind, parts = measure_zip(path)
    if not kind:
        raise unsupported("a zip archive without a workbook")
    if kind == "ods":
        with zipfile.ZipFile(path) as archive:
            return Workbook("ods", ods.read_ods(archive))
    return Workbook(kind, read_xlsx(path, parts))


def read_ole(path):
    """An OLE2 file: an .xls workbook, a password-protected xlsx (corrupt_file), or another Office document."""
    with open(path, "rb") as handle:
        data = handle.read()
    kind = ole_kind(data)
    if kind == "encrypted":
        raise DomainError("corrupt_file", "The workbook is password-protected. Save it without a password.")
    if kind == "other":
        raise unsupported("an Office document that is not a workbook")
    if kind is None:
        raise DomainError("corrupt_file", "The file is a damaged Office document.")
    check_xls_extent(data)
    return Workbook("xls", read_workbook(path))


def binary_error(ext, error):
    """What to say about binary content: it depends on what the name promised."""
    if ext in WORKBOOK_EXTENSIONS:
        return DomainError("corrupt_file", "The workbook is damaged and cannot be read.")
    if ext in TEXT_EXTENSIONS:
        return error
    return unsupported("not a format we know")


def is_free_form(ext):
    """Whether a text file named with EXT may be free text rather than a table (its content decides)."""
    return ext in ("txt", "text", "") or ext not in TEXT_EXTENSIONS | WORKBOOK_EXTENSIONS


def table_workbook(frame, ext, name, delimiter):
    """The Workbook of a delimited text file's table FRAME."""
    file_type = "txt" if ext in ("txt", "text") else ("tsv" if delimiter == "\t" else "csv")
    return Workbook(file_type, [Sheet(sheet_name_for(name), frame)])


def read_text_content(text, ext, name, utf8=None):
    """Decoded text: a vCard, a web-page table, a delimited table or free text (UTF8: the text's UTF-8 bytes)."""
    if vcard.looks_like_vcard(text):
        return Workbook("vcf", [vcard.read_vcards(text)])
    if htmltable.looks_like_html_table(text):
        sheets = htmltable.read_tables(text, sheet_name_for(name))
        return Workbook("xls" if ext.startswith("xl") else "html", sheets)
    if is_free_form(ext) and (looks_like_chat(text) or not delimited.is_table_like(text)):
        return Workbook("txt", [], free_text=text)
    delimiter = delimited.sniff_delimiter(text)[0]
    return table_workbook(delimited.read_delimited(text, delimiter, utf8), ext, name, delimiter)


def read_utf8_table(data, ext, name):
    """The table of a UTF-8 file named as a table (.csv, .tsv...), read as read_text_content reads it but from
    its bytes and first characters, without decoding it whole (~0.06 s of a 32 MB CSV); None when it is anything
    else (another encoding, a vCard, a web page) or only the whole text can tell: the full reading decides then."""
    if is_free_form(ext):
        return None
    head = utf8_head(data)
    if head is None or not vcard.start_is_known(head) or vcard.looks_like_vcard(head) or \
            htmltable.starts_like_html(head):
        return None
    delimiter = delimited.sniff_delimiter(head)[0]
    frame = delimited.read_utf8_delimited(utf8_without_nul(strip_bom(data)[0]), head, delimiter)
    return None if frame is None else table_workbook(frame, ext, name, delimiter)


def read_text_file(path, ext, name):
    """A file that is not a known binary format: decode it, then read what it holds."""
    with open(path, "rb") as handle:
        data = handle.read()
    payload = strip_bom(data)[0]
    if xmlss.looks_like_xml_spreadsheet(payload):
        return Workbook("xls" if ext.startswith("xl") else "xml", xmlss.read_xml_spreadsheet(payload))
    table = read_utf8_table(data, ext, name)
    if table is not None:
        return table
    try:
        text, encoding = decode_text(data)
    except DomainError as error:
        if error.code == "not_text":
            raise binary_error(ext, error) from None
        raise
    return read_text_content(text, ext, name, utf8_without_nul(strip_bom(data)[0]) if encoding == "utf-8" else None)


def read_path(path, name):
    """Read the file at PATH, whose client-side name is NAME."""
    head, size = read_head(path)
    if size == 0:
        raise DomainError("empty_file", "The file is empty.")
    ext = extension_of(name)
    kind = head_kind(head)
    if kind == "zip":
        return read_zip(path)
    if kind == "ole":
        return read_ole(path)
    if kind:
        raise unsupported(kind)
    return read_text_file(path, ext, name)
