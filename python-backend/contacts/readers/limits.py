"""How much a file may hold before we refuse to read it (zip bombs, absurd used ranges, runaway text tables)."""

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# The workbook library allocates a sheet's whole used range (last row x last column) at once, so a lone cell at
# XFD1048576 would ask for 17 billion cells and abort the process: sheets are measured before they are opened.
MAX_SHEET_CELLS = 10_000_000
# No writer puts this much inside one tag; a longer open tag is refused rather than carried from chunk to chunk.
MAX_TAG_BYTES = 1 << 20
# Each cell naming a shared string gets its own copy of it (in the workbook library, then in Python), so a small
# file can name one long string millions of times: the copies are bounded together (sharedtext.py, biffextent.py).
MAX_SHARED_TEXT_BYTES = 256 * 1024 * 1024
# Text tables: a CSV costs memory per cell, and one line of commas is a million cells, so lines and columns are
# bounded before parsing, and the cells of a ragged table (padded to its widest row) are bounded while parsing.
MAX_LINE_CHARS = 1024 * 1024
MAX_COLUMNS = 1000  # also the engine's limit for any sheet (extract.py)
MAX_TABLE_CELLS = 30_000_000
