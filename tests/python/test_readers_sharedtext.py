"""Shared strings cost a copy per cell that names them (calamine, then Python): the bounds of sharedtext.py (xlsx)
and biffextent.py (xls) against small files that would cost gigabytes, and against honest files they must read.

The hostile files come from scripts/hostile_corpus.py, so test_hostile_fuzz.py also sends them to the real server.
"""
import struct
import sys
from collections import Counter

import pytest
import xlrd.book

from contacts.readers import biffextent, sharedtext
from contacts.readers.limits import MAX_SHARED_TEXT_BYTES
from support.paths import SCRIPTS
from support.readers import cells, read_bytes

sys.path.insert(0, SCRIPTS)
import hostile_corpus as hc  # noqa: E402  (scripts/ is not a package)

WORKBOOKS = dict(hc.shared_string_workbooks())


def refusal(tmp_path, name, data):
    """(code, message) read_file refuses DATA (saved as NAME) with; None when it reads it."""
    try:
        read_bytes(tmp_path, name, data)
    except Exception as error:  # noqa: BLE001 - the test names what it expects below
        return getattr(error, "code", type(error).__name__), str(error)
    return None


@pytest.mark.parametrize("name", sorted(n for n in WORKBOOKS if not n.startswith("ok-")))
def test_a_file_that_would_copy_one_string_too_often_or_claim_too_many_is_refused(tmp_path, name):
    """20,000 cells naming one 32,000-character string (plain or prefixed tags), 6,000 LABELSST cells naming a
    60,000-character one, a uniqueCount of 10^11: each is refused as too large (calamine took 1.0-1.2 GB for the
    first ones, and aborted on the last)."""
    code, message = refusal(tmp_path, name, WORKBOOKS[name])
    assert code == "workbook_too_large"
    assert ("shared text" in message) != name.endswith("unique-count.xlsx")


@pytest.mark.parametrize("name", sorted(n for n in WORKBOOKS if n.startswith("ok-")))
def test_a_long_string_named_once_beside_many_short_ones_is_read(tmp_path, name):
    """The same long string, named once, and thousands of cells naming a short one: read, every cell there."""
    book = read_bytes(tmp_path, name, WORKBOOKS[name])
    rows = cells(book)
    flat = [value for row in rows for value in row]
    assert flat.count("7" * (60000 if name.endswith(".xls") else 32000)) == 1
    assert flat.count("x") >= 6000
    assert "+1 415 555 2671" in flat


def test_string_sizes_bound_every_string_and_markup_that_could_hide_an_end_tag_gives_up():
    """Each span holds its string (entities only shrink it); a comment, CDATA or a '<' in a value denies it."""
    table = hc.shared_strings_part(["a", "b" * 50, "&amp;" * 10, "c"]).encode()
    sizes = sharedtext.string_sizes(table)
    assert len(sizes) == 4
    assert sizes[0] >= 1 and sizes[1] >= 50 and sizes[2] >= 50 and sizes[3] >= 1
    assert sizes[1] < 80  # a bound, not the whole table
    for hiding in (b"<!-- </si> -->", b"<![CDATA[</si>]]>", b'<t a="</si>">x</t>', b"<?pi </si>?>"):
        assert sharedtext.string_sizes(table.replace(b"<si><t>c", b"<si>" + hiding + b"<t>c")) is None
    prefixed = sharedtext.string_sizes(table.replace(b"<si>", b"<x:si>").replace(b"</si>", b"</x:si >"))
    assert len(prefixed) == 4 and all(odd >= plain for odd, plain in zip(prefixed, sizes))


def test_a_string_calamine_may_hold_at_an_index_is_bounded_by_the_longest_from_there_on():
    """calamine skips strings it cannot read, so its string i is one of ours from i on."""
    assert sharedtext.longest_from([5, 1, 9, 2, 3]) == [9, 9, 9, 3, 3]
    assert sharedtext.copied_bytes([5, 1, 9, 2, 3], Counter({1: 10, 4: 2, 7: 100})) == 10 * 9 + 2 * 3


def test_value_texts_are_counted_in_any_spelling_and_across_chunk_edges():
    """Prefixed and attributed <v>, cut anywhere between two chunks: every index is counted (at least once), and
    a text calamine cannot read as an index counts as index 0."""
    xml = b'<c t="s"><v>3</v></c><x:c t="s"><x:v>12</x:v></x:c><c t="s"><v xml:space="preserve">007</v></c>' \
          b'<c t="s"><v> 4</v></c><c t="s"><v>&#52;</v></c><c><v></v></c>'
    whole = sharedtext.indexes_named([[xml]])
    assert whole == Counter({3: 1, 12: 1, 0: 3})
    for cut in range(1, len(xml)):
        counts = sharedtext.indexes_named([[xml[:cut], xml[cut:]]])
        assert all(counts[index] >= times for index, times in whole.items()), cut


def test_unique_count_is_bounded_in_any_spelling():
    """calamine reserves room for uniqueCount strings at once: past the limit, however the attribute is spelt."""
    for spelling in (b'uniqueCount="99999999999"', b"uniqueCount = '0099999999999'", b'uniqueCount="1' + b"0" * 40
                     + b'"'):
        with pytest.raises(Exception) as refused:
            sharedtext.check_unique_count(b"<sst " + spelling + b">")
        assert refused.value.code == "workbook_too_large"
    sharedtext.check_unique_count(b'<sst uniqueCount="110044">')


def test_the_xls_string_walk_follows_characters_into_continue_records():
    """A 60,000-character string spans eight records; its neighbours keep their own sizes (4 bytes a byte read);
    an empty CONTINUE between strings is an empty string, as in calamine, so the indexes after it shift."""
    records = hc.biff_shared_strings(["ab", "7" * 60000, "xyz"])
    pieces, pos = [], 0
    while pos < len(records):
        kind, length = struct.unpack_from("<HH", records, pos)
        pieces.append(records[pos + 4:pos + 4 + length])
        pos += 4 + length
    assert len(pieces) > 7
    assert biffextent.string_sizes(pieces) == [8, 240000, 12]
    assert biffextent.string_sizes(pieces[:3]) == [8]  # the long string runs out of records: calamine fails there
    assert biffextent.string_sizes(pieces + [b"", struct.pack("<HB", 2, 0) + b"no"]) == [8, 240000, 12, 0, 8]
    assert biffextent.string_sizes(pieces, 2) == [8, 240000]


def test_the_xls_string_walk_agrees_with_xlrd_on_many_strings_split_anywhere():
    """5,000 strings of every length up to 3,000 characters, split across records wherever 8,224 bytes fall (in a
    header, in characters, between strings): the same strings as xlrd's own SST reader finds, in order."""
    strings = ["s" * (i * 7919 % 3001) for i in range(5000)]
    records, pieces, pos = hc.biff_shared_strings(strings), [], 0
    while pos < len(records):
        kind, length = struct.unpack_from("<HH", records, pos)
        pieces.append(records[pos + 4:pos + 4 + length])
        pos += 4 + length
    assert len(pieces) > 100
    expected = [4 * len(text) for text in xlrd.book.unpack_SST_table(pieces, len(strings))[0]]
    assert expected == [4 * len(text) for text in strings]
    assert biffextent.string_sizes(pieces) == expected


def test_the_limit_is_the_documented_one():
    """The figure the error message and docs quote is the one enforced."""
    assert MAX_SHARED_TEXT_BYTES == 256 * 1024 * 1024
    assert "256 MB" in str(sharedtext.too_much_text())
