"""Recognise a file by its first bytes."""
from .ole import OLE_MAGIC

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
HEAD_BYTES = 16

# Formats people upload by mistake. Only magics no text file starts with (no "MZ", "ID3"...).
OTHER_BINARIES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"\x00\x00\x00\x18ftyp", "a media file"),
    (b"\x00\x00\x00\x20ftyp", "a media file"),
    (b"SQLite format 3\x00", "a database"),
    (b"\x09\x08\x10\x00\x00\x06\x05\x00", "an old Excel 2-4 workbook"),
)


def head_kind(head):
    """'zip', 'ole', a description of another binary format, or None (maybe text) for the first bytes HEAD."""
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    for magic, what in OTHER_BINARIES:
        if head.startswith(magic):
            return what
    return None
