"""The import answer's encoder before issue 18's second upload round, kept as the reference the current one is
compared with: the three arrays filtered out of the entries whole before encoding (contacts.report now takes
each slice's rows by position), and JSON strings escaped by Arrow's replace kernels over every cell of a column
holding one special character, orjson for cells with control characters (contacts.arrowtext.json_strings)."""
import contextlib
import itertools

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from contacts import arrowtext as at
from contacts import report


def reference_json_strings(values):
    """The old arrowtext.json_strings, verbatim."""
    arr = at.arrow(values)
    if arr.null_count == 0 and not has_json_special_bytes(arr):
        return ['"', arr, '"']
    escaped = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
    quoted = pc.fill_null(at.concat(['"', escaped, '"']), at.literal("null"))
    control = pc.fill_null(pc.match_substring_regex(arr, at.CONTROL_CHARS), False)
    if pc.any(control).as_py():
        exact = [orjson.dumps(v).decode() if c else None for v, c in zip(arr.to_pylist(), control.to_pylist())]
        quoted = pc.if_else(control, pa.array(exact, type=at.TEXT), quoted)
    return [quoted]


def has_json_special_bytes(arr):
    """The old check: any quote, backslash or control character in ARR."""
    if len(arr) == 0:
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return bool(((data < 0x20) | (data == 0x22) | (data == 0x5C)).any())


@contextlib.contextmanager
def reference_encoder():
    """Within the block, the import answer is encoded with the old json_strings (this process only)."""
    current = at.json_strings
    at.json_strings = reference_json_strings
    try:
        yield
    finally:
        at.json_strings = current


def reference_result_json(result, import_id=None, region_source=None, limit=None):
    """The whole /upload answer for RESULT as the old encoder wrote it."""
    with reference_encoder():
        return b"".join(reference_result_json_parts(result, import_id, region_source, limit))


def reference_encode_array(entries, encoder, limit=None):
    """The old report.encode_array: slices of a filtered copy."""
    if limit is not None:
        entries = entries.iloc[:limit]
    yield b"["
    for start in range(0, len(entries), report.SLICE):
        piece = at.all_bytes(at.concat(encoder(entries.iloc[start:start + report.SLICE])))
        yield piece[:-1] if start + report.SLICE >= len(entries) else piece
    yield b"]"


def reference_result_json_parts(result, import_id=None, region_source=None, limit=None):
    """The old report.result_json_parts."""
    entries = result.entries
    status = entries["status"]
    groups = {"contacts": (entries[status == "valid"], report.encode_contacts),
              "invalid": (entries[status == "invalid"], report.encode_invalid),
              "duplicates": (entries[status == "duplicate"], report.encode_duplicates)}
    meta = result.meta()
    meta.update({"success": True, "import_id": import_id, "region_source": region_source,
                 "count": meta["summary"]["valid"], "message": report.summary_message(meta["summary"]),
                 "truncated": limit is not None and any(len(g[0]) > limit for g in groups.values())})
    head = b'{' + orjson.dumps(meta)[1:-1]
    return itertools.chain([head, b',"contacts":'], reference_encode_array(*groups["contacts"], limit),
                           [b',"invalid":'], reference_encode_array(*groups["invalid"], limit),
                           [b',"duplicates":'], reference_encode_array(*groups["duplicates"], limit), [b"}"])
