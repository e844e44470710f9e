"""The import pipeline: file or text in, a de-duplicated list of E.164 contacts and a reject report out.

Everything works on whole columns (pandas / pyarrow); only cells holding several numbers,
which are rare, are split one by one.
"""
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrowtext as at
from . import columns as cols
from .emails import normalize_emails
from core import errors
from core.errors import DomainError
from .freetext import find_number_columns
from .normalize import normalize_column, region_for_country_cell
from .readers import read_file
from .readers.limits import MAX_COLUMNS

# Cells split into several numbers on these, always (Google's ' ::: ', semicolons, pipes, new lines).
ALWAYS_SPLIT = re.compile(r"\s*:::\s*|\s*;\s*|\s*\|\s*|\s*\n\s*|\s+(?:or|and|oder|ou|o)\s+", re.IGNORECASE)
# '/' and ',' separate numbers only when every part is a whole number: '030/1234567' is one German number.
MAYBE_SPLIT = re.compile(r"\s*[/,]\s*")
SPLIT_HINT = r"(?i):::|;|\||\n|/|,| or | and | oder | ou | o "
WHOLE_NUMBER_DIGITS = 7
# RE2 syntax (run by pyarrow over whole columns).
FOOTER = r"(?i)^\s*(?:grand\s+)?(?:total|totals|sum|subtotal|summe|gesamt|totale|итого|count)(?:$|[\s:=.,;])"
# Every first byte a FOOTER cell can have: RE2's \s, the ASCII first letters in either case, and any non-ASCII
# byte (case folding maps 's' to 'ſ', and 'и' is two bytes): only such cells are searched.
FOOTER_FIRST_BYTES = at.byte_table([(0x80, 0xFF)], "\t\n\v\f\r gGtTsScC")
PREVIEW_ROWS = 10
STATUSES = ["valid", "invalid", "duplicate"]
ENTRY_COLUMNS = ["id", "row", "value", "number", "reason", "status", "name", "duplicate_of_row"]
# The per-row region when the file has a country column (kept so a fixed number is read the same way).
REGION_COLUMN = "_region"
FIELD_PREFIX = "field:"
# A contact's other valid numbers (from its other phone columns), ';'-joined E.164; only when there are several.
ALTERNATES = "alternates"
# Choice keys for a row's phone cells: a cell holding a valid number beats one that does not, which beats empty.
NO_NUMBER_PENALTY = 1 << 20
EMPTY_CELL = np.iinfo(np.int32).max
# The file's own cells of the columns the import consumed (phone, phone labels, names), kept only so exports can
# give every row back with all its original columns; no contact record carries them.
SOURCE_PREFIX = "source:"
# Caps on one table: twice the 1M-row benchmark, and far more columns than any contact export has;
# beyond them the import would exhaust memory long before it helped anyone.
MAX_ROWS = 2_000_000


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
                "summary": self.summary(), "fields": self.field_names,
                "emails": email_report(self.entries, (self.mapping or {}).get("email"))}


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
    positions = np.flatnonzero(at.matches(table["value"], SPLIT_HINT))
    parts = [split_multi(v) for v in table["value"].iloc[positions].to_numpy(dtype=object)]
    counts = np.ones(len(table), dtype=np.int64)
    counts[positions] = [len(p) for p in parts]
    if (counts == 1).all():
        return table
    starts = np.cumsum(counts) - counts
    exploded = table["value"].to_numpy(dtype=object).repeat(counts)
    for position, numbers in zip(positions, parts):
        exploded[starts[position]:starts[position] + len(numbers)] = numbers
    table = table.iloc[np.arange(len(table)).repeat(counts)].reset_index(drop=True)
    table["value"] = pd.Series(exploded, dtype=object).astype(str)
    return table


def join_names(frame, name_cols):
    """The contact name per row: the name columns joined with a space, trimmed."""
    if not name_cols:
        return pd.Series("", index=frame.index, dtype=str)
    return at.to_series(at.joined([frame.iloc[:, i] for i in name_cols]), frame.index)


def best_phone(frame, mapping):
    """The cells of the one phone column (empty when there is none)."""
    if not mapping.phone:
        return pd.Series("", index=frame.index, dtype=str)
    return frame.iloc[:, mapping.phone[0]]


def choose_phones(frame, mapping, regions):
    """(the phone cell each row uses, its alternates or None).

    With several phone columns they are ranked per row (label, else header order); the first cell holding a
    valid number is used (else the first non-empty one, so its problem is reported), and every other valid
    number of the row is kept as an alternate instead of being lost."""
    if len(mapping.phone) < 2:
        return best_phone(frame, mapping), None
    columns = [frame.iloc[:, i] for i in mapping.phone]
    checked = [cell_numbers(column, regions) for column in columns]
    found = np.column_stack([numbers for numbers, _ in checked])
    several = np.logical_or.reduce([split for _, split in checked])
    ranks = np.column_stack([rank_for_column(frame, mapping, pos, i)
                             for pos, i in enumerate(mapping.phone)]).astype(np.int64)
    empty = np.column_stack([at.is_blank(column) for column in columns])
    has_number = found != ""
    keys = np.where(has_number, ranks, np.where(empty, EMPTY_CELL, ranks + NO_NUMBER_PENALTY))
    order = np.argsort(keys, axis=1, kind="stable")
    cells = np.column_stack([column.to_numpy(dtype=object) for column in columns])
    chosen = pd.Series(cells[np.arange(len(frame)), order[:, 0]], index=frame.index, dtype=str)
    return chosen, alternates_of_rows(np.take_along_axis(found, order, axis=1), several)


def alternates_of_rows(ranked, several):
    """Per row of RANKED (each row's numbers, best cell first), the ';'-joined numbers after the used cell's,
    each once. Whole columns at a time; only the SEVERAL rows, with a cell holding several numbers, go one by
    one."""
    used = ranked[:, 0]
    alternates = np.full(len(ranked), "", dtype=object)
    kept = []
    for j in range(1, ranked.shape[1]):
        candidate = ranked[:, j]
        keep = (candidate != "") & (candidate != used)
        for earlier in kept:
            keep &= candidate != earlier
        kept.append(np.where(keep, candidate, None))
        piece = np.where(keep, candidate, "")
        alternates = np.where(alternates == "", piece, np.where(piece == "", alternates, alternates + ";" + piece))
    for row in np.flatnonzero(several):
        alternates[row] = row_alternates(ranked[row])
    return alternates


def row_alternates(numbers):
    """The ';'-joined valid numbers of a row's ranked cells NUMBERS after the used (first) one's, each once."""
    used = set(numbers[0].split(";"))
    others = [n for cell in numbers[1:] for n in cell.split(";") if n and n not in used]
    return ";".join(dict.fromkeys(others))


def cell_numbers(cells, regions):
    """(the valid E.164 numbers of each of CELLS, ';'-joined ('' when none); which cells gave several).

    A cell holding several numbers is split as the used phone column's cells are."""
    found = normalize_column(cells, regions)["e164"].fillna("").to_numpy(dtype=object)
    several = np.flatnonzero(at.matches(cells, SPLIT_HINT) & (found == ""))
    pieces, owners = [], []
    for position in several:
        for piece in split_multi(cells.iloc[position]):
            pieces.append(piece)
            owners.append(position)
    split = np.zeros(len(found), dtype=bool)
    if not pieces:
        return found, split
    piece_regions = regions if isinstance(regions, str) else pd.Series(regions.to_numpy()[owners])
    numbers = normalize_column(pd.Series(pieces, dtype=str), piece_regions)["e164"].tolist()
    grouped = {}
    for owner, number in zip(owners, numbers):
        if isinstance(number, str):
            grouped.setdefault(owner, []).append(number)
    for owner, valid in grouped.items():
        found[owner] = ";".join(dict.fromkeys(valid))
        split[owner] = len(valid) > 1
    return found, split


def rank_for_column(frame, mapping, position, index):
    """Per-row rank of a phone column: its label cell's rank when it has one, else its header order."""
    label_col = mapping.phone_labels.get(index)
    if label_col is None:
        return np.full(len(frame), position * 10, dtype=np.int32)
    ranks = frame.iloc[:, label_col].map(cols.label_rank).to_numpy(dtype=np.int32)
    return ranks * 10 + position


def drop_blank_and_footer_rows(data):
    """Rows that hold nothing, or a total/footer line, are not contacts."""
    blank = np.logical_and.reduce([at.is_blank(data.iloc[:, i]) for i in range(data.shape[1])])
    footer = np.logical_or.reduce([at.matches(data.iloc[:, i], FOOTER, FOOTER_FIRST_BYTES)
                                   for i in range(min(2, data.shape[1]))])
    keep = ~(blank | footer)
    return data if keep.all() else data[keep]


def drop_rows_without_numbers(data, mapping):
    """An order's line-item rows are not entries: a row with no phone and no name that repeats the row above it
    in the first column (Shopify's '#1001', WooCommerce's order number) only continues that order. Any other row
    stays, so a person whose number is missing, or a row holding something else, is reported (`empty`) rather
    than silently left out; so does a row with an email address of its own, an email-only contact."""
    no_number = np.logical_and.reduce([at.is_blank(data.iloc[:, i]) for i in mapping.phone])
    if mapping.name:
        no_number &= np.logical_and.reduce([at.is_blank(data.iloc[:, i]) for i in mapping.name])
    if not no_number.any():
        return data
    first = at.arrow(data.iloc[:, 0])
    continues = np.zeros(len(first), dtype=bool)
    if len(first) > 1:
        same = pc.fill_null(pc.equal(first.slice(1), first.slice(0, len(first) - 1)), False)
        continues[1:] = same.to_numpy(zero_copy_only=False) & ~at.is_blank(first)[1:]
    no_number &= continues
    if mapping.email is not None and no_number.any():
        emails = pc.utf8_lower(at.trimmed(data.iloc[:, mapping.email]))  # Arrow kernels: no per-row Python
        codes, _ = pd.factorize(emails.to_numpy(zero_copy_only=False))
        own_email = ~at.is_blank(emails) & ~pd.Series(codes).duplicated(keep="first").to_numpy()
        no_number &= ~own_email
    return data[~no_number]


def field_columns(data, mapping):
    """The other columns of the row, keyed by header, that travel with the contact."""
    used = set(mapping.phone) | set(mapping.phone_labels.values()) | set(mapping.name) | {mapping.email}
    return {FIELD_PREFIX + mapping.headers[i]: data.iloc[:, i] for i in range(data.shape[1]) if i not in used}


def source_columns(data, mapping):
    """The consumed columns' own cells, keyed by header, for exports: the fallback phone columns, the phone labels,
    and names split over several columns. The main phone column is each entry's value and a single name column is
    its name, so they are not kept twice (a 1M-row import would hold ~80 MB more)."""
    names = list(mapping.name) if len(mapping.name) > 1 else []
    used = list(mapping.phone[1:]) + list(mapping.phone_labels.values()) + names
    return {SOURCE_PREFIX + mapping.headers[i]: data.iloc[:, i] for i in dict.fromkeys(used)}


def add_emails(table, cells):
    """Checked, normalised addresses of an email column: email, email_reason, email_duplicate_of_row (0 = none)."""
    checked = normalize_emails(cells.to_numpy(dtype=object))
    emails = checked["email"].reset_index(drop=True)
    present = emails.notna().to_numpy()
    # Providers treat the local part case-insensitively, so Ann@x.com and ann@x.com are one recipient.
    dup = present & emails.str.lower().duplicated(keep="first").to_numpy()
    rows = table["row"].to_numpy()
    first_row = dict(zip(emails[present & ~dup].str.lower(), rows[present & ~dup]))
    table["email"] = emails.to_numpy(dtype=object)
    table["email_source"] = cells.to_numpy(dtype=object)
    table["email_message"] = checked["message"].to_numpy(dtype=object)
    table["email_reason"] = np.where(at.is_blank(cells), None, checked["reason"].to_numpy(dtype=object))
    table["email_duplicate_of_row"] = np.where(dup, emails.str.lower().map(first_row).fillna(0).astype(np.int64), 0)


def email_report(entries, column):
    """What happened to the email column: valid count, invalid addresses with reasons, duplicates."""
    if "email" not in entries.columns:
        return None
    rows = entries.drop_duplicates("row")
    bad = rows[rows["email_reason"].notna()]
    dup = rows[rows["email_duplicate_of_row"] > 0]
    return {"column": column, "valid": int((rows["email"].notna() & (rows["email_duplicate_of_row"] == 0)).sum()),
            "invalid": [{"row": r, "value": v, "reason": c, "message": m, "name": n}
                        for r, v, c, m, n in zip(bad["row"].tolist(), bad["email_source"].tolist(),
                                                 bad["email_reason"].tolist(), bad["email_message"].tolist(),
                                                 bad["name"].tolist())],
            "duplicates": [{"row": r, "email": e, "duplicate_of_row": d}
                           for r, e, d in zip(dup["row"].tolist(), dup["email"].tolist(),
                                              dup["email_duplicate_of_row"].tolist())]}


def regions_for_rows(data, mapping, region):
    """The region per row: the country column's value when there is one, else the default."""
    if mapping.country is None:
        return region
    cells = data.iloc[:, mapping.country]
    regions = {cell: region_for_country_cell(cell, region) for cell in cells.unique()}
    return cells.map(regions)


def finish(table, region_per_row, region, **meta):
    """Normalise, de-duplicate and label every entry of TABLE (columns row, value, name, fields...)."""
    table = explode_multi_numbers(table)
    table["row"] = table["row"].astype(np.int64)
    if isinstance(region_per_row, pd.Series):
        region_per_row = table[REGION_COLUMN]
    normalized = normalize_column(table["value"], region_per_row)
    table["number"] = at.to_series(at.arrow(normalized["e164"]), table.index)
    table["reason"] = pd.Series(normalized["reason"].to_numpy(dtype=object), index=table.index, dtype=object)
    table.insert(0, "id", np.arange(len(table), dtype=np.int64))
    mark_duplicates(table)
    ordered = ENTRY_COLUMNS + [c for c in table.columns if c not in ENTRY_COLUMNS]
    return ImportResult(entries=table[ordered].reset_index(drop=True), region=region, **meta)


def e164_keys(numbers):
    """E.164 numbers as int64 keys, -1 where missing: hashing ints is far cheaper than hashing strings."""
    digits = pc.utf8_slice_codeunits(at.arrow(numbers), 1)
    return pc.fill_null(pc.cast(digits, pa.int64()), -1).to_numpy()


def mark_duplicates(table):
    """Set status and duplicate_of_row (0 = none) in place: the first occurrence of a number wins."""
    keys = e164_keys(table["number"])
    valid = keys >= 0
    codes, uniques = pd.factorize(keys)
    positions = np.arange(len(codes))
    first_position = np.full(len(uniques), len(codes), dtype=np.int64)
    np.minimum.at(first_position, codes, positions)  # each number's first entry, in one pass (numpy >= 2 is fast)
    first = first_position[codes]
    dup = (first != positions) & valid
    table["duplicate_of_row"] = np.where(dup, table["row"].to_numpy()[first], 0)
    status = np.select([~valid, dup], [STATUSES.index("invalid"), STATUSES.index("duplicate")], 0)
    table["status"] = pd.Categorical.from_codes(status, categories=STATUSES)


def extract_table(frame, region, phone_column=None, name_column=None, country_column=None, alternate_columns=None,
                  **meta):
    """Import one table of text cells."""
    frame = cols.frame_as_text(frame).reset_index(drop=True)
    mapping = cols.detect_columns(frame, phone_column, name_column, country_column, alternate_columns, region=region)
    if not mapping.phone:
        raise DomainError("no_phone_column", "No column of phone numbers was found. Choose the phone column.")
    start = mapping.header_row + 1 if mapping.header_row is not None else 0
    data = drop_rows_without_numbers(drop_blank_and_footer_rows(frame.iloc[start:]), mapping)
    regions = regions_for_rows(data, mapping, region)
    phones, alternates = choose_phones(data, mapping, regions)
    table = pd.DataFrame({"row": data.index.to_numpy(dtype=np.int64) + 1, "value": phones.array,
                          "name": join_names(data, mapping.name).array}, index=data.index)
    if alternates is not None:
        table[ALTERNATES] = alternates
    for key, series in {**field_columns(data, mapping), **source_columns(data, mapping)}.items():
        table[key] = series.array
    if mapping.email is not None:
        add_emails(table, data.iloc[:, mapping.email])
    if isinstance(regions, pd.Series):
        table[REGION_COLUMN] = regions.to_numpy(dtype=object)
    preview = frame.iloc[start:start + PREVIEW_ROWS].to_numpy().tolist()
    return finish(table, regions, region, mapping=mapping.describe(), headers=mapping.headers, preview=preview,
                  **meta)


def pick_sheet(workbook, sheet, region=None):
    """The sheet to import: the one asked for, else the first that has a phone column (judged for REGION)."""
    names = [s.name for s in workbook.sheets]
    if sheet:
        for s in workbook.sheets:
            if s.name == sheet or s.name.lower() == str(sheet).lower():
                refuse_damaged([s])
                return s
        raise DomainError("bad_sheet", "There is no sheet called %r. Sheets: %s." % (sheet, ", ".join(names)))
    for s in workbook.sheets:
        s.frame = cols.frame_as_text(s.frame)  # once per sheet: later imports of this workbook reuse it
        if not s.frame.empty and cols.detect_columns(s.frame, region=region).phone:
            return s
    refuse_damaged(workbook.sheets)
    raise DomainError("no_phone_column", "No sheet of this file holds phone numbers.")


def refuse_damaged(sheets):
    """corrupt_file naming the damaged ones of SHEETS, if any: an unreadable worksheet may be the one that held the
    numbers, so "no phone column" would send the user looking in the wrong place."""
    damaged = [s.name for s in sheets if s.damaged]
    if damaged:
        raise DomainError("corrupt_file", "Sheet %s of the workbook is damaged and cannot be read. Open it in a "
                                          "spreadsheet program and save it again." % ", ".join(map(repr, damaged)))


def extract_text(text, region, finder=find_number_columns):
    """Import pasted or free text: every number found (by FINDER: text -> line numbers, values, names), with the
    name written beside it."""
    rows, values, names = finder(text or "")
    if not len(rows):
        raise DomainError("no_numbers", "No phone numbers were found in the text.")
    table = pd.DataFrame({"row": rows.astype(np.int64), "value": pd.Series(values, dtype=str),
                          "name": pd.Series(names, dtype=str)})
    return finish(table, region, region, file_type="text",
                  mapping={"phone": None, "phone_fallbacks": [], "name": [], "email": None, "country": None,
                           "header_row": None})


def check_table_size(sheet):
    """Refuse a sheet beyond the row or column cap with a clear error."""
    rows, columns = sheet.frame.shape
    if rows > MAX_ROWS:
        raise DomainError("too_many_rows", "Sheet %r has %d rows; the limit is %d. Split the file."
                            % (sheet.name, rows, MAX_ROWS), errors.TOO_LARGE)
    if columns > MAX_COLUMNS:
        raise DomainError("too_many_columns", "Sheet %r has %d columns; the limit is %d."
                            % (sheet.name, columns, MAX_COLUMNS), errors.TOO_LARGE)


def extract_workbook(workbook, region, phone_column=None, name_column=None, sheet=None, country_column=None,
                     alternate_columns=None):
    """Import what a reader returned (a table sheet, or free text)."""
    for each in workbook.sheets:
        check_table_size(each)
    if workbook.free_text is not None:
        result = extract_text(workbook.free_text, region)
        result.file_type = workbook.file_type
        return result
    chosen = pick_sheet(workbook, sheet, region)
    return extract_table(chosen.frame, region, phone_column, name_column, country_column, alternate_columns,
                         file_type=workbook.file_type, sheets=[s.name for s in workbook.sheets], sheet=chosen.name)


def extract_file(path, region, filename=None, **options):
    """Read and import the file at PATH."""
    return extract_workbook(read_file(path, filename), region, **options)
