"""ASCII cells the fast path can read after a clean-up done on whole arrays, each exactly as normalize_one
reads it: surrounding whitespace, a label or a spreadsheet's text marker before the number ('Mob: +91 ...',
'tel:+44-...', "'+9198..."), scientific notation with every digit present, and text with no digit at all.

Why each rewrite gives normalize_one's answer:
- Whitespace: numbers.clean_cell strips it first (str.strip removes every ASCII space Arrow's trim removes).
- A label: phonenumbers reads a number from its first digit or '+' (_extract_possible_number), so letters,
  spaces, ':', '.', '-' and apostrophes before it are skipped whatever they say; the number after the label must
  hold no '.', ',' or letter, so that no spreadsheet repair (numbers.repair_spreadsheet_number, which a label
  prevents) could have applied to it alone.
- Scientific notation: numbers.SCIENTIFIC_TEXT over the whole trimmed cell, then the repair's own arithmetic.
- No digit and no '+': nothing for phonenumbers to start from, so `not_a_number`.
Everything else is left as it was for the fast path's own checks (and the slow path).
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import matches
from .numbers import SCIENTIFIC_TEXT

TEXT = pa.large_string()
# Letters, spaces and the punctuation people put after a label, none of them a start for phonenumbers.
LABELLED = r"^[A-Za-z'][A-Za-z '.:\-]*[+0-9(][0-9 ()/+\-]*$"
LABEL = r"^[A-Za-z'][A-Za-z '.:\-]*?([+0-9(])"
NO_START = r"^[^0-9+]*$"
VISIBLE = r"[!-~]"
SCIENTIFIC = SCIENTIFIC_TEXT.pattern
# Digits written with only these around them: none of the patterns above can match (no letter, 'e' or apostrophe
# to start a label or an exponent, and a digit to start from), so such cells skip them.
PUNCTUATED = r"^[0-9+ ().\/-]*[0-9][0-9+ ().\/-]*$"


def pick(rows, strings, mask):
    """(ROWS where MASK holds, their STRINGS)."""
    chosen = np.flatnonzero(mask)
    return rows[chosen], pc.take(strings, pa.array(chosen, type=pa.int64()))


def scientific_digits(rows, cells):
    """([(rows, digit strings)], [(rows, reason)]) for cells in scientific notation (numbers.SCIENTIFIC_TEXT)."""
    parts = pc.extract_regex(cells, SCIENTIFIC)
    lead, fraction = parts.field(0), parts.field(1)
    exponents = pc.cast(parts.field(2), pa.int64()).to_numpy(zero_copy_only=False)
    digits_found = pc.utf8_length(fraction).to_numpy(zero_copy_only=False)
    batches, reasons = [], [(rows[digits_found < exponents], "lost_digits")]
    for exponent in np.unique(exponents[digits_found >= exponents]):
        at = np.flatnonzero((exponents == exponent) & (digits_found >= exponent))
        group = pc.take(fraction, pa.array(at, type=pa.int64()))
        whole = pc.utf8_slice_codeunits(group, 0, int(exponent))
        exact = matches(pc.utf8_slice_codeunits(group, int(exponent)), "^0*$")
        reasons.append((rows[at[~exact]], "not_a_number"))
        kept = at[exact]
        number = pc.binary_join_element_wise(pc.take(lead, pa.array(kept, type=pa.int64())),
                                             pc.take(whole, pa.array(np.flatnonzero(exact), type=pa.int64())),
                                             pa.scalar("", TEXT))
        batches.append((rows[kept], number.cast(TEXT)))
    return batches, reasons


def clean_ascii_cells(rows, cells):
    """Sort the ASCII, non-empty CELLS at ROWS: ([(rows, text left for the fast path's own checks)],
    [(rows, reason)] decided here)."""
    cells = pc.ascii_trim_whitespace(cells)
    punctuated = matches(cells, PUNCTUATED)
    batches = [pick(rows, cells, punctuated)]
    rows, cells = pick(rows, cells, ~punctuated)
    reasons = [(rows[pc.utf8_length(cells).to_numpy(zero_copy_only=False) == 0], "empty")]
    no_start = matches(cells, NO_START)
    reasons.append((rows[no_start & matches(cells, VISIBLE)], "not_a_number"))
    scientific = matches(cells, SCIENTIFIC)
    sci_batches, sci_reasons = scientific_digits(*pick(rows, cells, scientific))
    batches += sci_batches
    reasons += sci_reasons
    labelled = ~scientific & matches(cells, LABELLED)
    label_rows, label_cells = pick(rows, cells, labelled)
    batches.append((label_rows, pc.replace_substring_regex(label_cells, LABEL, "\\1")))
    batches.append(pick(rows, cells, ~scientific & ~labelled & ~no_start))
    return batches, reasons
