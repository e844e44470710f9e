"""The extent fast path through RE2 (refscan.py) against the Python regex fast path it replaced (issue 18): the
same verdict and the same bounds, over sheet XML cut anywhere, every odd spelling of an r= attribute planted at
random places, and random short byte strings, from fresh bounds and from bounds carried over from earlier chunks."""
import random
import re

import pytest

from contacts.readers import refscan
from contacts.readers.extent import (CELL_STARTS, PLAIN_OR_LARGER, XLSX_REF_COLUMN, XLSX_REF_ROW, XlsxExtent,
                                     all_cells_referenced, column_number, odd_or_larger)

# Spellings the regex treats as odd (or, for the last ones, as not an r attribute at all), planted in sheet XML.
PLANTS = [b' r = "A1"', b" r='B2'", b'"r="C3"', b' r="a1"', b' r="ABCD1"', b' r="A12345678"', b' r="A1B2"',
          b' r=""', b' r="A"', b'\tr="D4"', b'\nr="E5"', b' r\t="F6"', b" r\n", b" r=", b' xr="Z9"', b' r:r="A1"',
          b' attr="1"', b'.r="A1"', b'-r="A1"', b'_r="A1"', b' r="XFD1048576"', b' r="0001"', b' r="A01"',
          b'\x0br="A1"', b' r="\xc3\xa91"', b'r="A1"', b' r="AAA9999999"', b'<row r="123">', b' r>', b' r/']


def old_took_plain_references(data, rows=0, columns=0):
    """The regex fast path of extent.XlsxExtent before issue 18 (5909fb4), bounds starting at ROWS x COLUMNS:
    (False, None) when DATA spells an r= otherwise, else (True, (rows, columns))."""
    def take_all(part, bounds):
        found_rows = set(XLSX_REF_ROW.findall(part))
        found_columns = set(XLSX_REF_COLUMN.findall(part))
        return (max([bounds[0]] + list(map(int, found_rows))),
                max([bounds[1]] + list(map(column_number, found_columns))))
    bounds = (rows, columns)
    for part in (data[:64 * 1024], data[-64 * 1024:]):
        bounds = take_all(part, bounds)
    found = odd_or_larger(*bounds).search(data)
    if found and found.lastgroup == "larger":
        bounds = take_all(data, bounds)
        found = odd_or_larger(*bounds).search(data, found.start())
    return (found is None, bounds if found is None else None)


def new_took_plain_references(data, rows=0, columns=0):
    """The same question asked of XlsxExtent as it is now, its bounds starting at ROWS x COLUMNS."""
    extent = XlsxExtent()
    extent.rows, extent.columns = rows, columns
    took = extent.took_plain_references(data)
    return (took, (extent.rows, extent.columns) if took else None)


def assert_same(piece, rows=0, columns=0):
    """Both paths give the same answer for PIECE from the same bounds."""
    assert new_took_plain_references(piece, rows, columns) == old_took_plain_references(piece, rows, columns), \
        (piece[:200], rows, columns)


def sheet_xml(rng, rows):
    """Sheet XML as writers produce it: row and cell references, inline and shared strings, numbers."""
    parts = [b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:C%d"/><sheetData>' % rows]
    for row in range(1, rows + 1):
        cells = []
        for column in range(rng.randint(1, 4)):
            letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[column] if rng.random() < 0.9 else rng.choice(["AA", "XFD", "ZZ"])
            kind = rng.random()
            if kind < 0.4:
                body = b' t="inlineStr"><is><t>Kumar r Sharma %d</t></is></c>' % rng.randint(0, 10**6)
            elif kind < 0.7:
                body = b' t="s"><v>%d</v></c>' % rng.randint(0, 999)
            else:
                body = b'><v>9198%d</v></c>' % rng.randint(10**7, 10**8)
            cells.append(b'<c r="%s%d"%s' % (letters.encode(), row, body))
        parts.append(b'<row r="%d" spans="1:3">%s</row>' % (row, b"".join(cells)))
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(12))
def test_sheet_xml_cut_anywhere(seed):
    """Plain sheets, cut at random places (as the 1 MB chunks cut them): the same verdict and bounds."""
    rng = random.Random(seed)
    xml = sheet_xml(rng, rng.choice([5, 300, 3000]))
    for _ in range(20):
        start = rng.randrange(len(xml))
        piece = xml[start:start + rng.randint(1, 200_000)]
        assert_same(piece)
        assert_same(piece, rng.randint(0, 4000), rng.randint(0, 800))


@pytest.mark.parametrize("seed", range(20))
def test_planted_spellings(seed):
    """Every odd spelling (and look-alikes that are not r attributes) planted anywhere: the same answer."""
    rng = random.Random(1000 + seed)
    xml = sheet_xml(rng, 200)
    for plant in PLANTS:
        at = rng.randrange(len(xml) + 1)
        piece = xml[:at] + plant + xml[at:]
        assert_same(piece)
        assert_same(piece, 150, 2)
        assert_same(plant)


def test_random_bytes_around_r():
    """Short random strings over the bytes that matter: the same answer, including at both ends of the data."""
    rng = random.Random(7)
    alphabet = b'r="\' \t\n\r\x0b\x0c=ABZaz0189_.:-<>/\xc3\xa9\x00'
    for _ in range(20_000):
        piece = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert_same(piece, rng.choice([0, 1, 9, 10]), rng.choice([0, 1, 2, 26]))


@pytest.mark.parametrize("xml, bounds", [
    (b'<row r="200"><c r="A0001"/></row>', (200, 1)),  # leading zeros: more digits, smaller value
    (b'<row r="0000009"><c r="AB0000001"/><c r="C1"/></row>', (9, 28)),
    (b'<c r="XFD1048576"/><c r="ZZ9"/>', (1048576, 16384)),
    (b'<c r="AAA01"/><c r="B2"/>', (2, 703)),
])
def test_bounds_with_leading_zeros_and_wide_columns(xml, bounds):
    """Values are compared as numbers, not by their width: both paths agree and give the right bounds."""
    assert new_took_plain_references(xml) == old_took_plain_references(xml) == (True, bounds)


def test_one_pass_form_is_the_regex_form():
    """refscan's patterns without lookarounds accept exactly what the lookaround forms accept, byte by byte."""
    rng = random.Random(11)
    alphabet = b'r="\' \t\n\x0b=AZaz09_.:-\xff'
    odd = re.compile(PLAIN_OR_LARGER % b"(?!)")  # the 'larger' group never matches
    for _ in range(20_000):
        piece = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert refscan.found(refscan.ODD_REFERENCE, piece) == bool(odd.search(piece)), piece


def test_empty_and_no_references():
    """No r attribute at all: the fast path holds and the bounds stay."""
    assert new_took_plain_references(b"") == (True, (0, 0))
    assert new_took_plain_references(b"<worksheet><sheetData/></worksheet>", 5, 3) == (True, (5, 3))


def old_all_cells_referenced(data):
    """extent.all_cells_referenced before issue 18: three counts, then the closer look."""
    plain = data.count(b'<c r="')
    if data.count(b"<c") == plain and b":c" not in data:
        return True
    return sum(data.count(start) for start in CELL_STARTS) == plain


def test_all_cells_referenced_is_unchanged():
    """The RE2 first look gives what the three counts gave, for sheets cut anywhere and random tag soup."""
    rng = random.Random(5)
    xml = sheet_xml(rng, 300)
    pieces = [xml[rng.randrange(len(xml)):][:rng.randint(1, 5000)] for _ in range(300)]
    alphabet = b'<c r="x:/> \t\nC'
    pieces += [bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    for piece in pieces + [b"<c", b"<c r=", b'<c r="', b"x:c", b"<cols>", b'<x:c r="A1">']:
        assert all_cells_referenced(piece) == old_all_cells_referenced(piece), piece
