"""How much a workbook may hold before we refuse to unpack it (zip bombs, absurd used ranges)."""

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# The workbook library allocates a sheet's whole used range (last row x last column) at once, so a lone cell at
# XFD1048576 would ask for 17 billion cells and abort the process: sheets are measured before they are opened.
MAX_SHEET_CELLS = 10_000_000
