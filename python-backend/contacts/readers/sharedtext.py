"""Bound what an xlsx's shared strings cost once calamine has read them, before it opens the workbook.

A cell of type "s" names a string of xl/sharedStrings.xml by index, and each such cell gets its own copy of the
string, in calamine and again in Python: a 105 kB xlsx of 20,000 cells naming one 32,000-character string took
1.2 GB. calamine also reserves room for as many strings as the table's uniqueCount attribute claims, so a
uniqueCount of 10^11 aborts the process. calamine reads the table at '{workbook folder}sharedStrings.xml', found
ignoring case, so every part whose name ends that way is checked, in three steps of rising cost:
  * uniqueCount must not pass MAX_SHARED_STRINGS;
  * the cells times the longest string must stay under MAX_SHARED_TEXT_BYTES, the cells bounded first by the
    bytes unpacked (free; almost every workbook ends here), then by every '<c' or ':c' of every part;
  * else the cells are counted by the index their <v> holds, each weighed by the longest string from that index on
    (calamine skips strings it cannot read, so its string i is one of ours from i on).
A string's text lies between the end tag of the string before it and its own (calamine ends a string at the first
si end tag), so those spans, one bytes.split, bound every string's size. Only markup that could hide or invent an
end tag (a comment, CDATA, a processing instruction, '<' inside an attribute value) denies that reading; then each
string is bounded by the whole part.
"""
import re
from collections import Counter

from core.errors import DomainError
from .limits import MAX_SHARED_TEXT_BYTES, MAX_SHEET_CELLS, MAX_TAG_BYTES

MAX_SHARED_STRINGS = MAX_SHEET_CELLS
SHARED_STRINGS_SUFFIX = "sharedstrings.xml"
UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*\+?0*([0-9]*)""")
SI_END = re.compile(rb"</(?:[^\s<>/:]+:)?si\s*>")
# '<' inside a quoted attribute value (quick-xml reads it as part of the value): a `</si>` there is no end tag.
QUOTED_TAG_OPEN = re.compile(rb"""=\s*(?:"[^"]*<|'[^']*<)""")
XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^<>]*\?>")
# A <v> start tag in any spelling and the text right after it: calamine reads a shared string's index there. A
# quoted '>' in the tag ends it early here, so the text read is not an index and counts as index 0 (the largest).
VALUE_TEXT = re.compile(rb"<(?:[^\s<>/!?:]+:)?v(?=[\s/>])[^>]*>([^<]*)")
INDEX = re.compile(rb"0|[1-9][0-9]{0,18}")
CELL_TAGS = (b"<c", b":c")
# Each copy is one cell (more <v> in one cell only point at the string), and a cell naming a shared string spends
# at least this many bytes on it: `<c t="s"><v>0</v>` (calamine needs the </v>). So the bytes unpacked bound the
# copies at no cost.
MIN_SHARED_CELL_BYTES = 17


def is_shared_strings(name):
    """Whether calamine could read the zip entry NAME as the shared-string table."""
    return name.replace("\\", "/").lower().endswith(SHARED_STRINGS_SUFFIX)


def cell_tags(chunk):
    """An upper bound of the cells CHUNK starts (one more for a tag cut at its end)."""
    return sum(chunk.count(tag) for tag in CELL_TAGS) + 1


def too_much_text():
    """The error for a workbook whose shared strings would be copied past the limit."""
    return DomainError("workbook_too_large", "The workbook repeats its shared text too many times to open safely "
                                             "(more than %d MB once every cell has its copy)."
                         % (MAX_SHARED_TEXT_BYTES >> 20))


def check_unique_count(table):
    """Refuse a table (bytes) whose uniqueCount would make calamine reserve past MAX_SHARED_STRINGS strings."""
    for match in UNIQUE_COUNT.finditer(table):
        digits = match.group(1)
        if len(digits) > 12 or (digits and int(digits) > MAX_SHARED_STRINGS):
            raise DomainError("workbook_too_large", "The workbook claims more shared strings than it can hold.")


def string_sizes(table):
    """An upper bound of the size of each string of TABLE in order, or None when markup could hide an end tag."""
    declaration = XML_DECLARATION.match(table)
    start = declaration.end() if declaration else 0
    if table.find(b"<!", start) >= 0 or table.find(b"<?", start) >= 0 or QUOTED_TAG_OPEN.search(table, start):
        return None  # a comment, CDATA, a processing instruction or an attribute value may hold a false end tag
    plain = b":si" not in table and table.count(b"</si") == table.count(b"</si>")  # every end tag is `</si>`
    spans = table.split(b"</si>") if plain else SI_END.split(table)  # split() is 10x faster than the regex
    return [len(span) for span in spans[:-1]]


def longest_from(sizes):
    """For each index i, the largest of SIZES[i:] (the string calamine may hold at index i)."""
    largest, out = 0, [0] * len(sizes)
    for index in range(len(sizes) - 1, -1, -1):
        largest = out[index] = max(largest, sizes[index])
    return out


def indexes_named(parts):
    """How many <v> texts of PARTS (each an iterable of chunks) name each string index; a text calamine cannot
    read as an index counts as index 0, the one it falls back to. Counting a value twice only overestimates, so
    each chunk is read with the end of the previous one from its last <v> on (a tag cut in two is read whole)."""
    named = Counter()
    for chunks in parts:
        carry = b""
        for chunk in chunks:
            data, start = carry + chunk, None
            for match in VALUE_TEXT.finditer(data):
                named[match.group(1)] += 1
                start = match.start()
            keep = max(0, len(data) - MAX_TAG_BYTES)
            carry = data[keep if start is None else max(start, keep):]
    counts = Counter()
    for text, times in named.items():
        if text:
            counts[int(text) if INDEX.fullmatch(text) else 0] += times
    return counts


def copied_bytes(sizes, counts):
    """The most text the cells of COUNTS (index: cells) can copy out of strings of SIZES."""
    largest = longest_from(sizes)
    return sum(largest[index] * times for index, times in counts.items() if index < len(largest))


def check_shared_text(table, unpacked, parts):
    """Refuse the shared-string TABLE (bytes) when the cells of PARTS() (each an iterable of chunks, UNPACKED
    bytes in all) would copy its strings past MAX_SHARED_TEXT_BYTES. The cheapest sufficient bound decides."""
    check_unique_count(table)
    sizes = string_sizes(table)
    if sizes is None:
        sizes = [len(table)] * (table.count(b"si") + 1)
    longest = max(sizes, default=0)
    if unpacked // MIN_SHARED_CELL_BYTES * longest <= MAX_SHARED_TEXT_BYTES:
        return
    if sum(cell_tags(chunk) for chunks in parts() for chunk in chunks) * longest <= MAX_SHARED_TEXT_BYTES:
        return
    if copied_bytes(sizes, indexes_named(parts())) > MAX_SHARED_TEXT_BYTES:
        raise too_much_text()
