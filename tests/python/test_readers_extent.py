"""Sheet-size guard: a workbook whose used range would make the library allocate billions of cells is refused
before it is opened, however the references are hidden (mid-file, without r=, with leading zeros)."""
import io
import time
import zipfile

import pytest

from core.errors import DomainError
from contacts.readers.extent import XlsxExtent, column_letters, column_number, larger_reference
from support.readers import cells, read_bytes, xlsx_bytes

SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def with_sheet_xml(body):
    """A real openpyxl workbook whose first worksheet part is replaced by SHEET_HEAD + BODY + SHEET_TAIL."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Phone"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = SHEET_HEAD + body + SHEET_TAIL if name == "xl/worksheets/sheet1.xml" else source.read(name)
            target.writestr(name, data)
    return out.getvalue()


def numbered_rows(first, last):
    """Rows FIRST..LAST with three referenced text cells each, as Excel writes them."""
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ann</t></is></c><c r="B%d"><v>4479111%05d</v></c>'
                    b'<c r="C%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i, i, i, i)
                    for i in range(first, last + 1))


def refused(tmp_path, data):
    """Whether reading DATA as an xlsx is refused as workbook_too_large, quickly."""
    started = time.perf_counter()
    try:
        read_bytes(tmp_path, "sheet.xlsx", data)
        outcome = False
    except DomainError as error:
        outcome = error.code == "workbook_too_large"
    assert time.perf_counter() - started < 1.5
    return outcome


def test_an_honest_sheet_is_read_with_its_rows_in_place(tmp_path):
    """5,000 referenced rows pass the guard and keep their spreadsheet rows."""
    data = with_sheet_xml(numbered_rows(1, 5000))
    book = read_bytes(tmp_path, "ok.xlsx", data)
    assert len(cells(book)) == 5000 and cells(book)[4999] == ["Ann", "447911105000", "x"]


def test_a_far_cell_hidden_mid_file_is_found(tmp_path):
    """One cell at C1048576 in the middle of 20,000 ordinary rows (far from any chunk edge) is refused."""
    far_column = b'<row r="10001"><c r="XFD10001"><v>1</v></c></row>'
    far_row = b'<row r="10002"><c r="C1048576"><v>1</v></c></row>'
    body = numbered_rows(1, 10000) + far_column + far_row + numbered_rows(10003, 20000)
    assert refused(tmp_path, with_sheet_xml(body))


def test_cells_without_references_are_counted(tmp_path):
    """3,000 cells without r= in row 900000 would span 900000 x 3000: refused."""
    row = b'<row r="900000">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 3000 + b"</row>"
    assert refused(tmp_path, with_sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>' + row))


def test_rows_without_references_are_counted(tmp_path):
    """Rows and cells without r= widen the bound: 1,000 such 201-cell rows next to row 1,048,000 are refused."""
    wide = b'<row><c r="A1"><v>1</v></c>' + b"<c><v>1</v></c>" * 200 + b"</row>"
    assert refused(tmp_path, with_sheet_xml(b'<row r="1048000"><c r="A1048000"><v>1</v></c></row>' + wide * 1000))


def test_leading_zeros_do_not_hide_a_row(tmp_path):
    """r="A0001048576" is row 1048576 too."""
    body = b'<row r="1"><c r="XFD1"><v>1</v></c></row><row r="2"><c r="A0001048576"><v>1</v></c></row>'
    assert refused(tmp_path, with_sheet_xml(body))


@pytest.mark.parametrize("rows,columns,reference,larger", [
    (100001, 3, b' r="A100002"', True), (100001, 3, b' r="A100001"', False), (100001, 3, b' r="0100002"', True),
    (100001, 3, b' r="1000000"', True), (100001, 3, b' r="99999"', False), (100001, 3, b' r="D5"', True),
    (100001, 3, b' r="C5"', False), (100001, 3, b' r="AA1"', True), (0, 0, b' r="A1"', True),
    (9, 26, b' r="Z9"', False), (9, 26, b' r="10"', True), (5, 27, b' r="AB1"', True), (5, 27, b' r="AA5"', False),
    (5, 1, b' header="2"', False), (5, 1, b' operator="Z9"', False),
])
def test_larger_reference_regex(rows, columns, reference, larger):
    """The no-allocation check finds exactly the references past the bounds (and ignores other attributes)."""
    assert bool(larger_reference(rows, columns).search(b"<c" + reference + b">")) is larger


def test_column_letters_round_trip():
    """Column numbers and letters convert both ways, A to XFD."""
    assert [column_letters(n) for n in (1, 26, 27, 702, 703, 16384)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
    assert all(column_number(column_letters(n).encode()) == n for n in range(1, 16385))


def test_extent_over_chunks_equals_the_whole():
    """Feeding the XML in 1,000-byte chunks finds the exact last row and column (a tag cut by a chunk edge may
    only widen the bound a little, never narrow it)."""
    xml = SHEET_HEAD + numbered_rows(1, 3000) + b'<row r="3001"><c r="H3001"><v>1</v></c></row>' + SHEET_TAIL
    extent = XlsxExtent()
    for start in range(0, len(xml), 1000):
        extent.feed(xml[start:start + 1000])
    assert (extent.rows, extent.columns) == (3001, 8)
    assert 0 <= extent.widest_row <= 10
    extent.check()


# Spellings of the far cell that calamine reads and the old check missed (issue 12, finding 1).
ODD_FAR_CELLS = [b"<row r='7'><c r='XFD7'><v>1</v></c></row>", b'<row r = "7"><c r = "XFD7"><v>1</v></c></row>',
                 b'<row r="7"><c\tr\t=\t"xfd7"><v>1</v></c></row>', b'<row r="7"><c r="Xfd7"><v>1</v></c></row>',
                 b'<x:row r="7"><x:c r=\'XFD7\'><x:v>1</x:v></x:c></x:row>',
                 b'<row r="7"><c s="1"r="XFD7"><v>1</v></c></row>',
                 b'<row r="7"><c r="\n XFD7 \n"><v>1</v></c></row>']


def fed(xml, cut=None):
    """An XlsxExtent fed XML whole, or in two chunks cut at CUT."""
    extent = XlsxExtent()
    for chunk in ((xml,) if cut is None else (xml[:cut], xml[cut:])):
        extent.feed(chunk)
    return extent


@pytest.mark.parametrize("far", ODD_FAR_CELLS)
def test_every_spelling_of_a_far_cell_is_measured(far):
    """Single quotes, blanks around '=', lower case, prefixes, glued attributes: the 16,384th column is seen
    (70 rows x 16,384 columns passes the 10M-cell limit once the row is far enough too)."""
    xml = SHEET_HEAD + far.replace(b"7", b"700") + SHEET_TAIL
    extent = fed(xml)
    if b"\n XFD" in far:
        assert extent.columns == 0  # calamine refuses a reference with blanks inside: nothing is placed
        return
    assert extent.columns >= 16384 and extent.rows >= 700
    with pytest.raises(DomainError) as refused:
        extent.check()
    assert refused.value.code == "workbook_too_large"


def test_a_reference_cut_by_a_chunk_edge_anywhere_is_still_measured():
    """A far cell whose tag holds 5,000 blanks is found wherever the chunk edge falls (the open tag is carried)."""
    far = b'<row r="9"><c' + b" " * 5000 + b"r\n=\n'XFD1048576'><v>1</v></c></row>"
    xml = SHEET_HEAD + numbered_rows(1, 3) + far + SHEET_TAIL
    start = xml.index(b"<c" + b" " * 10)
    for cut in list(range(start - 5, start + 40)) + list(range(start + 4990, len(xml) - len(SHEET_TAIL) + 1)):
        extent = fed(xml, cut)
        assert (extent.rows, extent.columns) >= (1048576, 16384), cut


@pytest.mark.parametrize("value", [b"AAAA1", b"A99999999999", b"XFE1", b"A1048577", b"a00000000000000001048577"])
def test_references_outside_the_grid_are_refused(value):
    """calamine's u32 arithmetic wraps references past XFD1048576 to anywhere: they are refused outright."""
    with pytest.raises(DomainError) as refused:
        fed(SHEET_HEAD + b"<row><c r='" + value + b"'><v>1</v></c></row>" + SHEET_TAIL)
    assert refused.value.code == "workbook_too_large"


def test_cells_after_row_end_tags_are_counted():
    """calamine moves down a row at every </row>, opened or not: 50,000 of them then a cell under column ZZ."""
    xml = SHEET_HEAD + b'<row r="3"><c r="ZZ3"><v>1</v></c></row>' + b"</row>" * 50000 + b"<c><v>1</v></c>" + \
        SHEET_TAIL
    with pytest.raises(DomainError):
        fed(xml).check()


def test_writer_spelling_stays_on_the_fast_path():
    """An ordinary sheet (as openpyxl and Excel write it) never needs the exact path."""
    extent = fed(SHEET_HEAD + numbered_rows(1, 2000) + SHEET_TAIL, cut=30001)
    assert extent.exact is False and (extent.rows, extent.columns) == (2000, 3)


def test_a_huge_dimension_alone_is_not_refused(tmp_path):
    """<dimension ref="A1:XFD1048576"> with one cell is read: calamine reserves at most 100,000 cells from it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Phone"]])))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension '
             b'ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c>'
             b'</row></sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else source.read(name))
    assert cells(read_bytes(tmp_path, "dim.xlsx", out.getvalue())) == [["Phone"]]


def test_a_quoted_angle_bracket_does_not_end_the_carried_tag():
    """'>' inside an attribute value does not close the tag: a reference after it, cut by the chunk edge inside
    a long run of blanks, is still found."""
    far = b'<row r="9"><c t=">" r' + b" " * 3000 + b"= 'XFD1048576'><v>1</v></c></row>"
    xml = SHEET_HEAD + far + SHEET_TAIL
    cut = xml.index(b" r ") + 1500
    extent = fed(xml, cut)
    assert (extent.rows, extent.columns) >= (1048576, 16384)


def test_an_endless_open_tag_is_refused_in_sheets_and_tolerated_elsewhere():
    """2 MB after a '<' without a '>': malformed in a part calamine may read as a sheet (corrupt_file); in an
    embedded binary (zero padding after a stray 0x3C byte) it is only data and the part passes."""
    data = b"<" + b"\0" * (2 << 20)
    with pytest.raises(DomainError) as refused:
        fed(data, cut=1 << 20)
    assert refused.value.code == "corrupt_file"
    binary = XlsxExtent(sheet_part=False)
    for start in range(0, len(data), 1 << 20):
        binary.feed(data[start:start + (1 << 20)])
    binary.check()


@pytest.mark.parametrize("separator", [b"<row>", b"</rowBreaks>", b"<x:row>"])
def test_cells_around_a_row_start_stay_in_one_row(separator):
    """Only a row END sends calamine back to column A: 600 cells, a row start (or another element's end tag), 600
    more cells, all without r=, in a row placed at 9,000: columns 1 to 1,201, so 9,000 x 1,201 cells (refused)."""
    cells_xml = b"<c><v>1</v></c>" * 600
    xml = SHEET_HEAD + b'<row r="9000">' + cells_xml + separator + cells_xml + b"</row>" + SHEET_TAIL
    extent = fed(xml)
    assert extent.widest_row >= 1200
    with pytest.raises(DomainError):
        extent.check()
