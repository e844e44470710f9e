"""Turn an import's entries into the JSON records the API and the command-line tools print.

A million-row import makes ~100 MB of JSON: records are built and encoded a slice at a time
so that only one slice of Python dicts is alive at once.
"""
import orjson

from .extract import FIELD_PREFIX
from .numbers import REASON_MESSAGES

# Entries encoded per slice: large enough for orjson to run at full speed, small enough to cap memory.
SLICE = 50_000


def field_lists(entries):
    """(names, columns-as-lists) of the extra fields."""
    keys = [c for c in entries.columns if c.startswith(FIELD_PREFIX)]
    return [k[len(FIELD_PREFIX):] for k in keys], [entries[k].tolist() for k in keys]


def fields_per_entry(entries):
    """One {field: value} dict per entry."""
    names, lists = field_lists(entries)
    if not names:
        return [{}] * len(entries)
    return [dict(zip(names, values)) for values in zip(*lists)]


def contact_records(entries):
    """Valid contacts: id, row, number, name, value, fields."""
    return [{"id": i, "row": r, "number": n, "name": m, "value": v, "fields": f}
            for i, r, n, m, v, f in zip(entries["id"].tolist(), entries["row"].tolist(), entries["number"].tolist(),
                                        entries["name"].tolist(), entries["value"].tolist(),
                                        fields_per_entry(entries))]


def invalid_records(entries):
    """Rejected entries with their reason and a human message."""
    return [{"id": i, "row": r, "value": v, "reason": c, "message": REASON_MESSAGES.get(c, c), "name": m}
            for i, r, v, c, m in zip(entries["id"].tolist(), entries["row"].tolist(), entries["value"].tolist(),
                                     entries["reason"].tolist(), entries["name"].tolist())]


def duplicate_records(entries):
    """Dropped duplicates with the row they repeat."""
    return [{"id": i, "row": r, "number": n, "duplicate_of_row": d, "name": m, "value": v}
            for i, r, n, d, m, v in zip(entries["id"].tolist(), entries["row"].tolist(), entries["number"].tolist(),
                                        entries["duplicate_of_row"].tolist(), entries["name"].tolist(),
                                        entries["value"].tolist())]


def row_records(entries):
    """Any entries, in the one shape the results table pages through."""
    reasons = [c if isinstance(c, str) else None for c in entries["reason"].tolist()]
    numbers = [n if isinstance(n, str) else None for n in entries["number"].tolist()]
    return [{"id": i, "row": r, "status": s, "value": v, "number": n, "name": m, "fields": f, "reason": c,
             "message": REASON_MESSAGES.get(c) if isinstance(c, str) else None, "duplicate_of_row": d}
            for i, r, s, v, n, m, f, c, d in zip(
                entries["id"].tolist(), entries["row"].tolist(), entries["status"].tolist(),
                entries["value"].tolist(), numbers, entries["name"].tolist(),
                fields_per_entry(entries), reasons, entries["duplicate_of_row"].tolist())]


def encode_array(entries, to_records, limit=None):
    """A JSON array of TO_RECORDS(entries), encoded slice by slice."""
    if limit is not None:
        entries = entries.iloc[:limit]
    parts = []
    for start in range(0, len(entries), SLICE):
        chunk = orjson.dumps(to_records(entries.iloc[start:start + SLICE]))
        parts.append(chunk[1:-1])
    return b"[" + b",".join(p for p in parts if p) + b"]"


def summary_message(summary):
    """One sentence summing up an import."""
    def plural(n, word, many=None):
        return "%d %s" % (n, word if n == 1 else (many or word + "s"))
    return "%s, %s, %s" % (plural(summary["valid"], "valid number"), plural(summary["invalid"], "invalid", "invalid"),
                           plural(summary["duplicates"], "duplicate"))


def result_json(result, import_id=None, region_source=None, limit=None):
    """The full /upload response for RESULT as bytes; LIMIT caps each of the three arrays."""
    entries = result.entries
    status = entries["status"]
    groups = {"contacts": (entries[status == "valid"], contact_records),
              "invalid": (entries[status == "invalid"], invalid_records),
              "duplicates": (entries[status == "duplicate"], duplicate_records)}
    meta = result.meta()
    meta.update({"success": True, "import_id": import_id, "region_source": region_source,
                 "count": meta["summary"]["valid"], "message": summary_message(meta["summary"]),
                 "truncated": limit is not None and any(len(g[0]) > limit for g in groups.values())})
    parts = [b'{"contacts":', encode_array(*groups["contacts"], limit),
             b',"invalid":', encode_array(*groups["invalid"], limit),
             b',"duplicates":', encode_array(*groups["duplicates"], limit), b",", orjson.dumps(meta)[1:]]
    return b"".join(parts)
