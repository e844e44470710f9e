"""Changing an import after the fact: fix one entry, filter and search entries."""
import pandas as pd

from core import errors
from core.errors import DomainError
from .extract import REGION_COLUMN, mark_duplicates
from .normalize import normalize_column

STATUSES = ("all", "valid", "invalid", "duplicate")


def fix_entry(result, entry_id, value):
    """Replace entry ENTRY_ID's value, re-validate it, and re-run de-duplication over the import."""
    entries = result.entries
    if not 0 <= entry_id < len(entries):
        raise DomainError("not_found", "There is no entry %d in this import." % entry_id, errors.NOT_FOUND)
    region = entries.at[entry_id, REGION_COLUMN] if REGION_COLUMN in entries.columns else result.region
    normalized = normalize_column(pd.Series([value], dtype=str), region or result.region)
    entries.loc[entry_id, "value"] = value
    entries.loc[entry_id, "number"] = normalized["e164"].iloc[0]
    entries.loc[entry_id, "reason"] = normalized["reason"].iloc[0]
    mark_duplicates(entries)
    return entries.iloc[[entry_id]]


MAX_NAME_LENGTH = 200


def rename_entry(result, entry_id, name):
    """Give entry ENTRY_ID's contact (every entry of its row) the name NAME (blank: no name)."""
    entries = result.entries
    if not 0 <= entry_id < len(entries):
        raise DomainError("not_found", "There is no entry %d in this import." % entry_id, errors.NOT_FOUND)
    name = " ".join(str(name).split())
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError("bad_field", "A name may be at most %d characters." % MAX_NAME_LENGTH)
    same_row = entries["row"] == entries.at[entry_id, "row"]
    entries.loc[same_row, "name"] = name  # blank: no name, as the import writes it
    return entries.iloc[[entry_id]]


def apply_edit(result, entry_id, field, value):
    """One recorded or requested edit: FIELD 'value' re-validates the number, 'name' renames the contact."""
    if field == "name":
        return rename_entry(result, entry_id, value)
    return fix_entry(result, entry_id, value)


def filter_entries(entries, status="all", query=""):
    """Entries with STATUS whose name, value or number contains QUERY (case-insensitive)."""
    if status not in STATUSES:
        raise DomainError("bad_param", "status must be one of %s." % ", ".join(STATUSES))
    mask = pd.Series(True, index=entries.index) if status == "all" else entries["status"] == status
    query = (query or "").strip()
    if query:
        hit = pd.Series(False, index=entries.index)
        for column in ("name", "value", "number"):
            hit |= entries[column].fillna("").astype(str).str.contains(query, case=False, regex=False)
        mask &= hit
    return entries[mask]
