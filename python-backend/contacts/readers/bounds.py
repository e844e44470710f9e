"""The refusals shared by the text-table readers (CSV, web-page tables): too wide, or too many cells once padded."""
from core import errors
from core.errors import DomainError
from .limits import MAX_COLUMNS, MAX_TABLE_CELLS


def too_many_columns(width):
    """The error for a table wider than MAX_COLUMNS."""
    return DomainError("too_many_columns", "The file has a line of %d columns; the limit is %d."
                         % (width, MAX_COLUMNS), errors.TOO_LARGE)


def check_padded_cells(rows, width):
    """Refuse a table whose ROWS, padded to WIDTH, would pass MAX_TABLE_CELLS (one wide row among millions of
    short ones would otherwise cost billions of padding cells)."""
    if rows * width > MAX_TABLE_CELLS:
        raise DomainError("table_too_large", "The file holds more than %d cells once its rows are lined up; "
                                              "split it." % MAX_TABLE_CELLS, errors.TOO_LARGE)


def bounded_rows(rows):
    """(list of ROWS, widest), refused as soon as a row passes MAX_COLUMNS or the padded table MAX_TABLE_CELLS."""
    kept, width = [], 0
    for row in rows:
        if len(row) > width:
            width = len(row)
            if width > MAX_COLUMNS:
                raise too_many_columns(width)
        kept.append(row)
        check_padded_cells(len(kept), width)
    return kept, width
