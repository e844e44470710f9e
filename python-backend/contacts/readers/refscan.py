"""extent.PLAIN_OR_LARGER's question asked of RE2 (through pyarrow) instead of Python's regex engine (issue 18).

Python's engine tries the pattern at every 'r' of a chunk, and sheet XML is full of them (`<row`, `inlineStr`,
names): ~130 ms per 19 MB sheet. RE2 scans in one linear pass (~30 ms), but has no lookarounds, so the same
sets of strings are written here without them, byte for byte (a binary array is matched as Latin-1, one
character per byte, like a bytes pattern in Python):
  * `(?<![\\w.:-]r)` becomes a consumed preceding byte outside [\\w.:-], or the start of the chunk;
  * `(?![A-Z]{0,3}[0-9]{1,7}")` after `r="` becomes the positive list of ways a value fails that form, up to its
    first quote (NOT_A_PLAIN_VALUE; each branch is a sufficient reason, together they cover every failure).
tests/python/test_readers_refscan.py holds both forms equal against the regex fast path they replace.
"""
import functools
import struct

import pyarrow as pa
import pyarrow.compute as pc

# Bytes a bytes pattern's [\w.:-] and \s match (ASCII), spelt out because RE2's \s leaves out \v.
WORDISH = r"0-9A-Za-z_.:\-"
SPACE = r" \t\n\r\f\v"
XML_BLANK = r" \t\r\n"
NOT_A_PLAIN_VALUE = (r'[A-Z0-9]*(?:[^A-Z0-9"]|$)'  # a byte no reference holds before the quote, or no quote
                     r'|[A-Z]*"'  # no digit (an empty value too)
                     r'|[A-Z0-9]*[0-9][A-Z]'  # a capital after a digit
                     r'|[A-Z]{4}'  # more than 3 capitals
                     r'|[A-Z]*[0-9]{8}')  # more than 7 digits
# An r attribute spelt otherwise than ` r="B12"`: blanks or a non-quote after it, glued to the previous attribute,
# or an odd value (PLAIN_OR_LARGER without its 'larger' group).
ODD_REFERENCE = ("(?:^|[^{w}])r(?:[{s}]|=[^\"]|=$)"
                 "|(?:^|[^{w}{b}])r=\""
                 "|(?:^|[^{w}])r=\"(?:{v})").format(w=WORDISH, s=SPACE, b=XML_BLANK, v=NOT_A_PLAIN_VALUE)

# A '<c' not followed by ' r="', or any ':c': where extent.all_cells_referenced's three counts (every '<c' is a
# '<c r="', and no ':c') would disagree, spelt as the bytes after '<c' that are not ' r="'.
CELL_NOT_PLAIN = '<c(?:$|[^ ]| (?:$|[^r]|r(?:$|[^=]|=(?:$|[^"]))))|:c'


def found(pattern, data):
    """Whether RE2 PATTERN matches anywhere in DATA (bytes, or a memoryview of bytes: read in place, not copied)."""
    offsets = pa.py_buffer(struct.pack("<2q", 0, len(data)))
    one = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    return pc.match_substring_regex(one, pattern)[0].as_py()


@functools.lru_cache(maxsize=64)
def odd_or_larger(larger_pattern):
    """ODD_REFERENCE, or a plain reference whose value LARGER_PATTERN (extent.larger_pattern) matches."""
    return "%s|(?:^|[%s])r=\"(?:%s)" % (ODD_REFERENCE, XML_BLANK, larger_pattern.decode("ascii"))
