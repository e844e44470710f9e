"""Turn the bytes of a text file into str: byte-order marks, UTF-8, UTF-16 without a BOM, then the legacy code
pages people's files really come in (Windows-1252 and Mac Roman, Central European, Cyrillic, Greek, Hebrew, Arabic,
and the Chinese, Japanese and Korean multi-byte ones), Latin-1 last.

A legacy file says nothing about its encoding, and most byte strings decode without error in most single-byte
code pages, so each candidate's decoding of a sample is scored as text: letters of one script, in the case
patterns words have, with few stray symbols. Multi-byte CJK encodings are recognised by charset-normalizer, which
knows their byte structure, and only accepted when the text they give is mostly CJK or Hangul.
"""
import re

import numpy as np
import pyarrow as pa

from core.errors import DomainError

SAMPLE_BYTES = 64 * 1024
# utf8_head decodes this many characters at least: more than any sniffer reads (SAMPLE_BYTES, delimited.py's
# SNIFF_CHARS, htmltable.py's SNIFF_CHARS).
HEAD_CHARS = 64 * 1024
UTF8_MAX_CHAR_BYTES = 4
# A text file may hold a stray control character or two; binary data holds them by the thousand.
MAX_CONTROL_RATIO = 0.01
# UTF-16 without a BOM: in Latin-script text nearly every other byte is NUL.
UTF16_NUL_RATIO = 0.3

BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
NON_BLANK_BYTE = re.compile(rb"[^ \t\r\n\f\v]")  # stops at the first one (bytes.strip() copies the file)
NON_SPACE = re.compile(r"[^\s\ufeff\u200b]")


def strip_bom(data):
    """(payload, encoding) when DATA starts with a byte-order mark, else (DATA, None)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):], encoding
    return data, None


def guess_utf16(data):
    """'utf-16-le' / 'utf-16-be' when the NUL bytes of DATA say so, else None."""
    sample = data[:SAMPLE_BYTES]
    half = len(sample) // 2
    if half < 2 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / half
    odd_nuls = sample[1::2].count(0) / half
    if odd_nuls >= UTF16_NUL_RATIO and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls >= UTF16_NUL_RATIO and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_with_fallbacks(data):
    """(text, encoding): UTF-8 if it is valid, else the legacy encoding that reads most like text."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from .legacy import guess_legacy_encoding  # only legacy files pay for the detector's import
    for encoding in guess_legacy_encoding(data[:SAMPLE_BYTES]):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue  # the sample decoded but the rest does not: the next best
    return data.decode("latin-1"), "latin-1"


def looks_binary(text):
    """Whether TEXT is really binary data: NULs or many control characters in its first part."""
    sample = text[:SAMPLE_BYTES]
    if "\x00" in sample:
        return True
    return len(CONTROL_CHARS.findall(sample)) > MAX_CONTROL_RATIO * max(len(sample), 1)


def decode_text(data):
    """(text, encoding) for the bytes of a text file; raises empty_file or not_text."""
    if not NON_BLANK_BYTE.search(data):
        raise DomainError("empty_file", "The file is empty.")
    payload, encoding = strip_bom(data)
    encoding = encoding or guess_utf16(payload)
    if encoding:
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError:
            raise DomainError("not_text", "The file says it is %s text but is not." % encoding.upper()) from None
    else:
        text, encoding = decode_with_fallbacks(payload)
    if not NON_SPACE.search(text):
        raise DomainError("empty_file", "The file holds nothing but blank space.")
    if looks_binary(text):
        raise DomainError("not_text", "The file is not text (it holds binary data).")
    return text.replace("\x00", ""), encoding


def is_utf8(payload):
    """Whether the bytes PAYLOAD are valid UTF-8 as Python's decoder defines it (no surrogates, no overlong forms),
    told by Arrow's validator: ~6 ms for a 32 MB file, against ~50 ms to decode it."""
    offsets = pa.py_buffer(np.array([0, len(payload)], dtype=np.int64).tobytes())
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(payload)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def utf8_head(data):
    """The first characters of the text file DATA (at least HEAD_CHARS; all of it when shorter), when decode_text
    would read DATA as UTF-8 and accept it, and its first characters show it (not blank so far, no NUL or run of
    control characters in its sample); else None. Tells this without decoding the whole file; the head holds no
    NUL, so it is also the start of the text decode_text returns."""
    payload, encoding = strip_bom(data)
    if encoding not in (None, "utf-8") or (encoding is None and guess_utf16(payload)):
        return None
    if not NON_BLANK_BYTE.search(data) or not is_utf8(payload):
        return None
    cut = min(len(payload), UTF8_MAX_CHAR_BYTES * HEAD_CHARS)
    while cut < len(payload) and payload[cut] & 0xC0 == 0x80:  # back to the first byte of a character
        cut -= 1
    head = payload[:cut].decode("utf-8")
    if not NON_SPACE.search(head) or looks_binary(head):
        return None
    return head


def utf8_without_nul(payload):
    """The UTF-8 bytes PAYLOAD without NUL characters (in UTF-8 a zero byte is always one), as decode_text's text:
    no store of the app keeps a NUL (PostgreSQL's text cannot hold one); bytes without one are returned as they are."""
    return payload.replace(b"\x00", b"")
