"""The import pipeline: file or text in, a de-duplicated list of E.164 contacts and a reject report out.

Everything works on whole columns (pandas / pyarrow); only cells holding several numbers,
which are rare, are split one by one.
"""
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import columns as cols
from .errors import ContactsError
from .freetext import find_numbers_in_text
from .normalize import normalize_column, region_for_country_cell
from .readers import read_file

# Cells split into several numbers on these, always (Google's ' ::: ', semicolons, pipes, new lines).
ALWAYS_SPLIT = re.compile(r"\s*:::\s*|\s*;\s*|\s*\|\s*|\s*\n\s*|\s+(?:or|and|oder|ou|o)\s+", re.IGNORECASE)
# '/' and ',' separate numbers only when every part is a whole number: '030/1234567' is one German number.
MAYBE_SPLIT = re.compile(r"\s*[/,]\s*")
SPLIT_HINT = r":::|;|\||\n|/|,| or | and | oder | ou | o "
WHOLE_NUMBER_DIGITS = 7
FOOTER = re.compile(r"^\s*(?:grand\s+)?(?:total|totals|sum|subtotal|summe|gesamt|totale|итого|count)\b",
                    re.IGNORECASE)
PREVIEW_ROWS = 10
ENTRY_COLUMNS = ["id", "row", "value", "number", "reason", "status", "name", "duplicate_of_row"]
FIELD_PREFIX = "field:"


@dataclass
class ImportResult:
    """The outcome of one import: every entry (valid, invalid or duplicate) plus what was detected."""

    entries: pd.DataFrame
    region: str
    file_type: str
    mapping: dict = field(default_factory=dict)
    headers: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    sheets: list = field(default_factory=list)
    sheet: str = None

    @property
    def field_names(self):
        """Names of the extra columns that travel with each contact."""
        return [c[len(FIELD_PREFIX):] for c in self.entries.columns if c.startswith(FIELD_PREFIX)]

    def summary(self):
        """Counts of rows and outcomes."""
        status = self.entries["status"]
        return {
            "rows": int(self.entries["row"].nunique()),
            "entries": int(len(self.entries)),
            "valid": int((status == "valid").sum()),
            "invalid": int((status == "invalid").sum()),
            "duplicates": int((status == "duplicate").sum()),
        }

    def meta(self):
        """Everything about the import except the entries themselves."""
        return {"region": self.region, "file_type": self.file_type, "columns": self.mapping,
                "headers": self.headers, "preview": self.preview, "sheets": self.sheets, "sheet": self.sheet,
                "summary": self.summary(), "fields": self.field_names}


def split_multi(value):
    """The numbers in one cell that may hold several ('a ::: b', 'a; b', 'a / b' when both are whole)."""
    parts = [p for p in ALWAYS_SPLIT.split(value) if p.strip()]
    out = []
    for part in parts:
        pieces = [p for p in MAYBE_SPLIT.split(part) if p.strip()]
        whole = len(pieces) > 1 and all(sum(ch.isdigit() for ch in p) >= WHOLE_NUMBER_DIGITS for p in pieces)
        out.extend(pieces if whole else [part])
    return out or [value]


def explode_multi_numbers(table):
    """One entry per number: rows whose value holds several numbers are repeated, one per number."""
    hinted = table["value"].str.contains(SPLIT_HINT, regex=True)
    if not hinted.any():
        return table
    table = table.copy()
    table["value"] = table["value"].astype(object)
    table.loc[hinted, "value"] = table.loc[hinted, "value"].map(split_multi)
    return table.explode("value", ignore_index=True).astype({"value": str})


def join_names(frame, name_cols):
    """The contact name per row: the name columns joined with a space, trimmed."""
    if not name_cols:
        return pd.Series("", index=frame.index, dtype=str)
    joined = frame.iloc[:, name_cols[0]].str.strip()
    for i in name_cols[1:]:
        joined = (joined + " " + frame.iloc[:, i].str.strip()).str.strip()
    return joined.str.replace(r"\s+", " ", regex=True)


def best_phone(frame, mapping):
    """Per row, the first non-empty phone cell in preference order (mobile first; Google labels per row)."""
    if not mapping.phone:
        return pd.Series("", index=frame.index, dtype=str)
    values = np.column_stack([frame.iloc[:, i].to_numpy(dtype=object) for i in mapping.phone])
    ranks = np.column_stack([rank_for_column(frame, mapping, pos, i) for pos, i in enumerate(mapping.phone)])
    empty = np.column_stack([frame.iloc[:, i].str.strip().eq("").to_numpy() for i in mapping.phone])
    ranks = np.where(empty, np.iinfo(np.int32).max, ranks)
    choice = ranks.argmin(axis=1)
    return pd.Series(values[np.arange(len(frame)), choice], index=frame.index, dtype=str)


def rank_for_column(frame, mapping, position, index):
    """Per-row rank of a phone column: its label cell's rank when it has one, else its header order."""
    label_col = mapping.phone_labels.get(index)
    if label_col is None:
        return np.full(len(frame), position * 10, dtype=np.int32)
    ranks = frame.iloc[:, label_col].map(cols.label_rank).to_numpy(dtype=np.int32)
    return ranks * 10 + position


def drop_blank_and_footer_rows(data):
    """Rows that hold nothing, or a total/footer line, are not contacts."""
    stripped = data.apply(lambda c: c.str.strip())
    blank = stripped.eq("").all(axis=1)
    footer = stripped.iloc[:, : min(2, data.shape[1])].apply(lambda c: c.str.match(FOOTER)).any(axis=1)
    return data[~blank & ~footer]


def field_columns(data, mapping):
    """The other columns of the row, keyed by header, that travel with the contact."""
    used = set(mapping.phone) | set(mapping.phone_labels.values()) | set(mapping.name)
    return {FIELD_PREFIX + mapping.headers[i]: data.iloc[:, i].str.strip()
            for i in range(data.shape[1]) if i not in used}


def regions_for_rows(data, mapping, region):
    """The region per row: the country column's value when there is one, else the default."""
    if mapping.country is None:
        return region
    return data.iloc[:, mapping.country].map(lambda cell: region_for_country_cell(cell, region))


def finish(table, region_per_row, region, **meta):
    """Normalise, de-duplicate and label every entry of TABLE (columns row, value, name, fields...)."""
    table = explode_multi_numbers(table)
    table["row"] = table["row"].astype(np.int64)
    if isinstance(region_per_row, pd.Series):
        region_per_row = table["_region"]
    normalized = normalize_column(table["value"], region_per_row)
    table["number"] = normalized["e164"].to_numpy(dtype=object)
    table["reason"] = normalized["reason"].to_numpy(dtype=object)
    table = table.drop(columns=["_region"], errors="ignore")
    table.insert(0, "id", np.arange(len(table), dtype=np.int64))
    mark_duplicates(table)
    ordered = ENTRY_COLUMNS + [c for c in table.columns if c not in ENTRY_COLUMNS]
    return ImportResult(entries=table[ordered].reset_index(drop=True), region=region, **meta)


def mark_duplicates(table):
    """Set status and duplicate_of_row in place: the first occurrence of a number wins."""
    valid = table["number"].notna().to_numpy()
    numbers = table["number"].where(valid)
    dup = numbers.duplicated(keep="first").to_numpy() & valid
    firsts = table.loc[valid & ~dup].drop_duplicates("number").set_index("number")["row"]
    duplicate_of = np.full(len(table), None, dtype=object)
    if dup.any():
        duplicate_of[dup] = numbers[dup].map(firsts).astype(np.int64).tolist()
    table["duplicate_of_row"] = duplicate_of
    table["status"] = np.select([~valid, dup], ["invalid", "duplicate"], "valid")


def extract_table(frame, region, phone_column=None, name_column=None, country_column=None, **meta):
    """Import one table of text cells."""
    frame = cols.frame_as_text(frame).reset_index(drop=True)
    mapping = cols.detect_columns(frame, phone_column, name_column, country_column)
    if not mapping.phone:
        raise ContactsError("no_phone_column", "No column of phone numbers was found. Choose the phone column.")
    start = mapping.header_row + 1 if mapping.header_row is not None else 0
    data = drop_blank_and_footer_rows(frame.iloc[start:])
    table = pd.DataFrame({"row": data.index.to_numpy(dtype=np.int64) + 1,
                          "value": best_phone(data, mapping).str.strip(),
                          "name": join_names(data, mapping.name)}, index=data.index)
    for key, series in field_columns(data, mapping).items():
        table[key] = series
    regions = regions_for_rows(data, mapping, region)
    if isinstance(regions, pd.Series):
        table["_region"] = regions
    preview = frame.iloc[start:start + PREVIEW_ROWS].to_numpy().tolist()
    return finish(table, regions, region, mapping=mapping.describe(), headers=mapping.headers, preview=preview,
                  **meta)


def pick_sheet(workbook, sheet):
    """The sheet to import: the one asked for, else the first that has a phone column."""
    names = [s.name for s in workbook.sheets]
    if sheet:
        for s in workbook.sheets:
            if s.name == sheet or s.name.lower() == str(sheet).lower():
                return s
        raise ContactsError("bad_sheet", "There is no sheet called %r. Sheets: %s." % (sheet, ", ".join(names)))
    for s in workbook.sheets:
        frame = cols.frame_as_text(s.frame)
        if not frame.empty and cols.detect_columns(frame).phone:
            return s
    raise ContactsError("no_phone_column", "No sheet of this file holds phone numbers.")


def extract_text(text, region):
    """Import pasted or free text: every number found, with the name written beside it."""
    found = find_numbers_in_text(text or "")
    if not found:
        raise ContactsError("no_numbers", "No phone numbers were found in the text.")
    table = pd.DataFrame({"row": np.array([f.line for f in found], dtype=np.int64),
                          "value": pd.Series([f.value for f in found], dtype=str),
                          "name": pd.Series([f.name for f in found], dtype=str)})
    return finish(table, region, region, file_type="text",
                  mapping={"phone": None, "phone_fallbacks": [], "name": [], "email": None, "country": None,
                           "header_row": None})


def extract_workbook(workbook, region, phone_column=None, name_column=None, sheet=None, country_column=None):
    """Import what a reader returned (a table sheet, or free text)."""
    if workbook.free_text is not None:
        result = extract_text(workbook.free_text, region)
        result.file_type = workbook.file_type
        return result
    chosen = pick_sheet(workbook, sheet)
    return extract_table(chosen.frame, region, phone_column, name_column, country_column,
                         file_type=workbook.file_type, sheets=[s.name for s in workbook.sheets], sheet=chosen.name)


def extract_file(path, region, filename=None, **options):
    """Read and import the file at PATH."""
    return extract_workbook(read_file(path, filename), region, **options)
