"""Delimited text (CSV, TSV, semicolon, pipe): find the delimiter, read every cell as text."""
import csv
import io
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from core import errors
from core.errors import DomainError
from .bounds import bounded_rows, too_many_columns
from .limits import MAX_COLUMNS, MAX_LINE_CHARS

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 200
# A .txt counts as a table when this share of its sampled lines split into the same number of cells.
TABLE_CONSISTENCY = 0.8
# Below this share a delimiter is a stray character in a one-column file, not a delimiter.
MIN_CONSISTENCY = 0.3
# Used as "the delimiter" of a one-column file: a control character no contact list holds.
NO_DELIMITER = "\x1f"
QUOTED = re.compile(r'"[^"]*"')
BARE_NUMBER = re.compile(r"\s*\+?[\d\s().\-/]{3,30}\s*$")
ARROW_BLOCK_BYTES = 4 << 20


def sample_records(text):
    """The first records of TEXT (quoted line breaks kept inside a record), quoted parts and blank ones left out."""
    records, pending, open_quote = [], [], False
    for line in text[:SNIFF_CHARS].splitlines():
        pending.append(line)
        open_quote ^= line.count('"') % 2 == 1
        if open_quote:
            continue
        record = "\n".join(pending)
        pending = []
        if record.strip():
            records.append(QUOTED.sub("", record))
        if len(records) >= SNIFF_RECORDS:
            break
    return records


def delimiter_score(records, delimiter):
    """(share of RECORDS holding DELIMITER its most usual non-zero number of times, that number)."""
    counts = Counter(r.count(delimiter) for r in records)
    counts.pop(0, None)
    if not counts:
        return 0.0, 0
    usual, seen = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return seen / len(records), usual


def sniff_delimiter(text):
    """(delimiter, consistency): the best of , ; tab | on the first records, or (None, 0.0) when none fits."""
    records = sample_records(text)
    best, best_key = None, (MIN_CONSISTENCY, 0)
    for delimiter in DELIMITERS:
        key = delimiter_score(records, delimiter)
        if key > best_key:
            best, best_key = delimiter, key
    return best, (best_key[0] if best else 0.0)


def is_number_list(records):
    """Whether most RECORDS are a bare phone number each (a one-column list, read fast as a table)."""
    bare = sum(1 for r in records if BARE_NUMBER.match(r))
    return len(records) >= 2 and bare >= TABLE_CONSISTENCY * len(records)


def is_table_like(text):
    """Whether free-form TEXT (a .txt) is really a table: a delimiter splits most lines alike, or every line is
    just a number."""
    delimiter, consistency = sniff_delimiter(text)
    records = sample_records(text)
    if delimiter is None:
        return is_number_list(records)
    return consistency >= TABLE_CONSISTENCY and len(records) >= 2


def first_record_width(text, delimiter):
    """How many cells the widest of the sampled records holds."""
    sample = text[:SNIFF_CHARS]
    # newline="" lets the csv module see bare CRs (Excel's "CSV (Macintosh)") as line ends.
    rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    return max((len(r) for _, r in zip(range(SNIFF_RECORDS), rows)), default=1)


def read_with_arrow(data, delimiter, width):
    """Every cell of DATA (UTF-8 bytes) as str via pyarrow; raises pyarrow's ArrowInvalid on ragged rows."""
    names = ["c%d" % i for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                         newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def read_with_csv_module(text, delimiter):
    """Every cell of TEXT as str via the csv module, ragged rows padded with ''."""
    try:
        rows, width = bounded_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                                              strict=False))
    except csv.Error:  # a quoted cell past the csv module's 128 KB field limit: no contact list has one
        raise DomainError("corrupt_file", "The file has a malformed cell (an unclosed quote, or a cell over "
                                            "128 KB) and cannot be read.") from None
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=object) if rows else pd.DataFrame()


def longest_line_over(text, limit):
    """The length of a line of TEXT (str, or bytes: then counted in bytes) longer than LIMIT characters (CR, LF or
    CRLF ends), or 0 when none is.

    Looks at one window of LIMIT/2 characters at a time: a window holding a line end cannot hide such a line,
    so a normal file costs a few hundred bounded searches, however many lines it has."""
    newline, carriage = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    step = limit // 2
    for start in range(0, len(text), step):
        end = start + step
        if text.find(newline, start, end) >= 0 or text.find(carriage, start, end) >= 0:
            continue
        first = max(text.rfind(newline, 0, start), text.rfind(carriage, 0, start)) + 1
        last = min(i for i in (text.find(newline, end), text.find(carriage, end), len(text)) if i >= 0)
        if last - first > limit:
            return last - first
    return 0


def check_line_lengths(text):
    """Refuse a table with a line over MAX_LINE_CHARS: no contact list has one, and parsing it costs memory."""
    length = longest_line_over(text, MAX_LINE_CHARS)
    if length:
        raise DomainError("line_too_long", "The file has a line of %d characters; the limit is %d (1 MB). "
                                             "It is not a contact list." % (length, MAX_LINE_CHARS), errors.TOO_LARGE)


def read_utf8_delimited(utf8, head, delimiter):
    """What read_delimited reads from the text whose UTF-8 bytes are UTF8 (no NUL) and whose first characters are
    HEAD, with DELIMITER sniffed from HEAD, decoding the whole text only for the csv module; None when a line is over
    the limit in bytes: it may not be in characters, which only the whole text can tell."""
    if longest_line_over(utf8, MAX_LINE_CHARS):
        return None
    return read_table(head, delimiter or NO_DELIMITER, lambda: utf8, lambda: utf8.decode("utf-8"))


def read_table(sample, delimiter, utf8, text):
    """The table read as Arrow reads UTF8() (bytes), else as the csv module reads TEXT() (str): its width, checked
    against the limit, from the start SAMPLE of the text. UTF8 and TEXT are made only when needed."""
    width = first_record_width(sample, delimiter)
    if width > MAX_COLUMNS:
        raise too_many_columns(width)
    try:
        frame = read_with_arrow(utf8(), delimiter, width)
    except (pa.ArrowInvalid, pa.ArrowException):
        # Ragged rows or a stray quote: the csv module copes, at a slower pace.
        frame = read_with_csv_module(text(), delimiter)
    return drop_trailing_blank_lines(frame)


def drop_trailing_blank_lines(frame):
    """FRAME without the empty records that trailing blank lines leave behind (vectorised: there may be millions)."""
    if frame.empty or any(v != "" for v in frame.iloc[-1]):
        return frame
    filled = np.flatnonzero(frame.ne("").any(axis=1).to_numpy())
    return frame.iloc[: filled[-1] + 1 if len(filled) else 0]


def read_delimited(text, delimiter=None, utf8=None):
    """TEXT as one DataFrame of str cells (columns 0..n-1, no header interpretation).

    UTF8, when given, is TEXT's own UTF-8 bytes (the file as uploaded), which spares encoding it again."""
    check_line_lengths(text)
    delimiter = delimiter or sniff_delimiter(text)[0] or NO_DELIMITER
    return read_table(text, delimiter, lambda: utf8 if utf8 is not None else text.encode("utf-8"), lambda: text)
