"""Spreadsheet cell values as the text a person expects to see."""
import datetime
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DomainError

# pandas' own str dtype (what `astype(str)` gives): the engine reads columns of it without converting them again.
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def number_text(value):
    """Integers and integral floats as exact digits (919876543210.0 -> '919876543210'); other floats as repr."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer():
            return "%d" % value
        return repr(value)
    return str(value)


def iso_datetime_text(text):
    """An ISO date-time written in a workbook's XML ('2024-03-01T10:30:00.000') as the XLSX reader gives one: the
    day alone at midnight, else day and clock without fractions of a second."""
    day, _, clock = text.partition("T")
    return day if clock.strip("0:.") == "" else "%s %s" % (day, clock.split(".")[0])


def unsafe_workbook():
    """The error for XML that declares a DTD or entities (billion laughs, external entities)."""
    return DomainError("unsafe_workbook", "The spreadsheet declares XML entities or a DTD, which spreadsheets never "
                                          "need; it was refused for safety.")


def cell_text(value):
    """Any value a workbook reader returns, as str ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def column_text(column):
    """One column of raw values as str cells; columns that are all text already are kept as they are."""
    if set(map(type, column)) == {str}:
        return list(column)
    return [v if v.__class__ is str else cell_text(v) for v in column]


def text_column(column):
    """One column of raw values as a str-dtype array (Arrow large_string underneath, no per-cell objects kept)."""
    return pd.array(without_nul(text_array(column)), dtype=TEXT_DTYPE)


def text_array(column):
    """COLUMN as an Arrow large_string array of column_text's cells. A column of text and empty cells (most of
    a workbook's) goes to Arrow as it is, empty cells filled with '' there: the per-cell type check and copy of
    column_text were half of building a 100k-row sheet's frame."""
    try:
        cells = pa.array(column)  # the type Arrow infers: string only when every cell is str or None
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        cells = None
    if cells is None or not (pa.types.is_string(cells.type) or pa.types.is_null(cells.type)):
        return pa.array(column_text(column), type=pa.large_string())  # a number, date, boolean (or bytes) cell
    cells = cells.cast(pa.large_string())
    return pc.fill_null(cells, "") if cells.null_count else cells


def without_nul(cells):
    """The Arrow string array CELLS without NUL characters (a workbook spells one _x0000_): no store of the app
    keeps a NUL (PostgreSQL's text cannot hold one), as text files lose theirs on decoding."""
    if pc.any(pc.match_substring(cells, "\x00")).as_py():
        return pc.replace_substring(cells, "\x00", "")
    return cells


def padded_rows(rows):
    """(ROWS with the short ones padded with '' to the widest, that width); ROWS must not be empty."""
    widths = set(map(len, rows))
    width = max(widths)
    if len(widths) > 1:
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    return rows, width


def rows_to_frame(rows):
    """A DataFrame of str cells from a list of rows of raw values (ragged rows padded with '').

    Columns are taken one at a time (zip(*rows) costs ~5x more on 100k rows) and stored as pandas' str dtype, so
    the engine's frame_as_text passes them through instead of converting every cell a second time."""
    if not rows:
        return pd.DataFrame()
    rows, width = padded_rows(rows)
    return pd.DataFrame({index: text_column([row[index] for row in rows]) for index in range(width)})
