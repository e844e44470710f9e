"""Column-wide text operations on pyarrow (C++ kernels, RE2 regexes) instead of per-cell Python.

pandas 3 keeps text columns in pyarrow, but several of its `.str` methods fall back to a Python
loop per cell; a million-row import cannot afford that, so the hot path calls these instead.
"""
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import fast_bytes as fb

TEXT = pa.large_string()
CONTROL_CHARS = r"[\x00-\x1f]"
# Up to this share of a column's cells holding JSON-special characters, orjson writes those cells one by one.
SPARSE_SPECIAL_SHARE = 0.05


def arrow(values):
    """VALUES (a pandas Series, numpy array, Arrow array or list) as one large_string Arrow array.

    None and NaN become null; numbers and other non-text values (from a loose caller) keep their text form."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    elif hasattr(values, "__arrow_array__"):
        arr = pa.array(values)
    else:
        try:
            arr = pa.array(np.asarray(values, dtype=object), type=TEXT, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([text_or_none(v) for v in values], type=TEXT)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array([text_or_none(v) for v in arr.to_pylist()], type=TEXT)
    return arr if arr.type == TEXT else arr.cast(TEXT)


def text_or_none(value):
    """A cell as text: str as is, None/NaN as None, anything else as str."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return None
    return str(value)


def to_series(arr, index=None):
    """An Arrow text array as a pandas str Series."""
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(TEXT)), index=index, copy=False)


def trimmed(values):
    """Whitespace trimmed from both ends of every cell ('' for missing)."""
    return pc.fill_null(pc.utf8_trim_whitespace(arrow(values)), pa.scalar("", TEXT))


def is_blank(values):
    """Numpy bool array: the cell is missing, empty or only whitespace.

    A cell whose first byte is a visible ASCII character is not blank; only the others (few: empty cells,
    leading spaces, non-ASCII) go through Arrow's whitespace kernel."""
    arr = arrow(values)
    unsure = ~first_byte_in(arr, VISIBLE_ASCII)
    if arr.null_count:
        unsure |= arr.is_null().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(unsure)
    blank = np.zeros(len(arr), dtype=bool)
    if len(rows):
        some = arr.take(pa.array(rows, type=pa.int64()))
        empty = pc.fill_null(pc.equal(pc.utf8_length(some), 0), True)
        blank[rows] = pc.or_(empty, pc.fill_null(pc.utf8_is_space(some), False)).to_numpy(zero_copy_only=False)
    return blank


def first_byte_in(arr, table):
    """Numpy bool per cell of ARR: it is non-empty and its first byte is marked in TABLE (256 bools)."""
    offsets, data = fb.offsets_and_data(arr)
    starts, sizes = offsets[:-1], np.diff(offsets)
    if len(data) == 0:
        return np.zeros(len(arr), dtype=bool)
    # An empty cell's start may be the buffer's end: read any byte there, the size test drops it (a padded copy of
    # the buffer cost ~4 ms per 1M-cell column).
    first = data[np.minimum(starts, len(data) - 1)]
    return (sizes > 0) & table[first]


def byte_table(ranges=(), chars=""):
    """256 bools: the bytes in the inclusive RANGES and those of the ASCII CHARS."""
    table = np.zeros(256, dtype=bool)
    for low, high in ranges:
        table[low:high + 1] = True
    table[[ord(c) for c in chars]] = True
    return table


VISIBLE_ASCII = byte_table([(0x21, 0x7E)])


def matches(values, pattern, first_bytes=None):
    """Numpy bool array: the RE2 PATTERN matches somewhere in the cell. FIRST_BYTES (a byte_table), when given,
    holds every first byte a matching cell can have: only those cells are searched."""
    arr = arrow(values)
    if first_bytes is None:
        return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(first_byte_in(arr, first_bytes))
    hit = np.zeros(len(arr), dtype=bool)
    if len(rows):
        some = arr.take(pa.array(rows, type=pa.int64()))
        hit[rows] = pc.fill_null(pc.match_substring_regex(some, pattern), False).to_numpy(zero_copy_only=False)
    return hit


def joined(parts, separator=" "):
    """Cells of several columns joined with SEPARATOR, skipping empty ones."""
    trimmed_parts = [trimmed(p) for p in parts]
    out = trimmed_parts[0]
    for part in trimmed_parts[1:]:
        both = pc.and_(pc.not_equal(out, pa.scalar("", TEXT)), pc.not_equal(part, pa.scalar("", TEXT)))
        glue = pc.if_else(both, pa.scalar(separator, TEXT), pa.scalar("", TEXT))
        out = pc.binary_join_element_wise(out, glue, part, pa.scalar("", TEXT))
    return out


def json_strings(values):
    """Pieces for `concat` that write every cell as a JSON string literal, missing cells as null.

    Cells without quotes, backslashes or control characters (nearly all) are quoted in the final
    concatenation itself, so a clean column costs one scan. When few cells hold such characters (tabs around a
    pasted number), orjson writes those cells alone; many, and Arrow's kernels escape the whole column.
    """
    arr = arrow(values)
    special = json_special_rows(arr)
    count = int(np.count_nonzero(special))
    if count == 0 and arr.null_count == 0:
        return ['"', arr, '"']
    if count <= len(arr) * SPARSE_SPECIAL_SHARE:
        return [pc.fill_null(with_rows_replaced(concat(['"', arr, '"']), special, arr), literal("null"))]
    escaped = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
    quoted = pc.fill_null(concat(['"', escaped, '"']), literal("null"))
    control = pc.fill_null(pc.match_substring_regex(arr, CONTROL_CHARS), False)
    if pc.any(control).as_py():
        quoted = with_rows_replaced(quoted, control.to_numpy(zero_copy_only=False), arr)
    return [quoted]


def with_rows_replaced(quoted, rows, arr):
    """QUOTED with the cells at the numpy bool ROWS replaced by orjson's exact literal of ARR's cell there."""
    if not rows.any():
        return quoted
    mask = pa.array(rows)
    exact = [orjson.dumps(v).decode() for v in arr.filter(mask).to_pylist()]
    return pc.replace_with_mask(quoted, mask, pa.array(exact, type=TEXT))


def json_special_rows(arr):
    """Numpy bool per cell: it holds a quote, a backslash or a control character (numpy over the bytes)."""
    if len(arr) == 0 or arr.buffers()[2] is None:
        return np.zeros(len(arr), dtype=bool)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    flagged = np.flatnonzero((data < 0x20) | (data == 0x22) | (data == 0x5C))
    # Each flagged byte's row: the last row starting at or before it (empty rows start there too, so 'right').
    rows = np.searchsorted(offsets[:-1] - offsets[0], flagged, side="right") - 1
    special = np.zeros(len(arr), dtype=bool)
    special[rows] = True
    return special


def json_ints(values, none_value=None):
    """Integers as JSON number text; NONE_VALUE (e.g. 0 for 'no row') becomes null."""
    values = np.asarray(values, dtype=np.int64)
    mask = values == none_value if none_value is not None else None
    return pc.fill_null(pa.array(values, mask=mask).cast(pa.string()).cast(TEXT), literal("null"))


def literal(text):
    """A constant piece for `concat`."""
    return pa.scalar(text, TEXT)


def concat(pieces):
    """Element-wise concatenation of Arrow arrays, literal strings and lists of such pieces."""
    flat = []
    for piece in pieces:
        flat.extend(piece if isinstance(piece, list) else [piece])
    merged = []
    for piece in flat:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return pc.binary_join_element_wise(*[literal(p) if isinstance(p, str) else p for p in merged], literal(""))


def all_bytes(arr):
    """Every cell of a text array concatenated, as a memoryview of the array's data buffer (no copy)."""
    arr = arrow(arr)
    if len(arr) == 0:
        return memoryview(b"")
    if arr.null_count:
        arr = pc.fill_null(arr, literal(""))
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    return memoryview(arr.buffers()[2])[offsets[0]:offsets[-1]]
