"""A UTF-8 table file is read from its bytes and its first characters (dispatch.read_utf8_table), without decoding
it whole: whatever that reading answers must be what the full reading (decode_text, then read_text_content) answers,
and where only the whole text can tell, it must hand the file over to the full reading."""
import os
import random

import pytest

from contacts.readers import dispatch
from contacts.readers.decode import decode_text, is_utf8, strip_bom, utf8_without_nul
from contacts.readers.limits import MAX_LINE_CHARS
from core.errors import DomainError
from support.paths import FIXTURES

HEAD_CHARS = 64 * 1024


def full_reading(data, name):
    """What read_text_file answered before the UTF-8 table reading existed: a Workbook, or the error's code."""
    ext = dispatch.extension_of(name)
    try:
        text, encoding = decode_text(data)
        utf8 = utf8_without_nul(strip_bom(data)[0]) if encoding == "utf-8" else None
        return dispatch.read_text_content(text, ext, name, utf8)
    except DomainError as error:
        return error.code


def quick_reading(data, name):
    """read_utf8_table's answer: a Workbook, None (handed over), or the error's code."""
    try:
        return dispatch.read_utf8_table(data, dispatch.extension_of(name), name)
    except DomainError as error:
        return error.code


def same_answer(quick, full):
    """Whether two readings gave the same error code, or the same workbook: type, sheet names and every cell."""
    if isinstance(quick, str) or isinstance(full, str):
        return quick == full
    if (quick.file_type, quick.free_text, [s.name for s in quick.sheets]) != \
            (full.file_type, full.free_text, [s.name for s in full.sheets]):
        return False
    return all(a.frame.shape == b.frame.shape and a.frame.astype(object).values.tolist() ==
               b.frame.astype(object).values.tolist() for a, b in zip(quick.sheets, full.sheets))


def check(data, name="contacts.csv"):
    """Assert the quick reading equals the full one where it answers; return whether it answered."""
    quick = quick_reading(data, name)
    if quick is None:
        return False
    assert same_answer(quick, full_reading(data, name)), name
    return True


def test_a_plain_csv_is_read_by_the_quick_reading_with_the_same_cells():
    """The common case takes the quick reading (else the speed-up is lost) and gives the full reading's table."""
    rows = ["Name,Phone,City"] + ["Zoë %d,+91 98765 %05d,Pune" % (i, i) for i in range(5000)]
    assert check(("\n".join(rows) + "\n").encode("utf-8"))
    assert check(("\t".join(["Name", "Phone"]) + "\nAnn\t0612345678\n").encode("utf-8"), "list.tsv")


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(FIXTURES) if not n.endswith((".json", ".sql", ".md"))))
def test_every_fixture_reads_the_same(name):
    """The real-world fixtures (Google, Outlook, a cp1252 CSV, vCards, a web-page .xls...): same answer."""
    with open(os.path.join(FIXTURES, name), "rb") as f:
        check(f.read(), name)


def test_the_files_only_the_whole_text_can_judge_are_handed_over():
    """Another encoding, a vCard or web page, blank or binary-looking heads, a line long in bytes: the full
    reading decides (and answers as before)."""
    long_in_bytes = ("Name,Phone\nA," + "é" * (MAX_LINE_CHARS // 2 + 10) + "\n").encode("utf-8")
    cases = [
        ("Name;Téléphone\nA;0612345678\n".encode("cp1252"), "fr.csv"),
        (b"\xef\xbb\xbf" + b"\xff\xfeName,Phone\n", "bad_bom.csv"),
        ("Name,Phone\nA,1\n".encode("utf-16"), "wide.csv"),
        (b" " * (HEAD_CHARS + 10) + b"BEGIN:VCARD\r\nFN:A\r\nTEL:+14155552671\r\nEND:VCARD\r\n", "late.csv"),
        (b"BEGIN:VCARD\r\nFN:A\r\nTEL:+14155552671\r\nEND:VCARD\r\n", "card.csv"),
        (b"<html><body><table><tr><td>A</td><td>+14155552671</td></tr></table></body></html>", "page.xls"),
        (b" \n" * (2 * HEAD_CHARS + 5) + b"Name,Phone\nA,+14155552671\n", "late_text.csv"),
        (b"Name,Phone\n\x00\x01\x02" * 30000, "binary.csv"),
        (b"   \n\t ", "blank.csv"),
        (long_in_bytes, "long.csv"),
        (b"Name,Phone\nA,+14155552671\n", "notes.txt"),
    ]
    for data, name in cases:
        assert quick_reading(data, name) is None, name
        assert not isinstance(full_reading(data, name), type(None))
    # The line long in bytes is short enough in characters: the full reading accepts it.
    assert not isinstance(full_reading(long_in_bytes, "long.csv"), str)


def test_ragged_rows_nuls_and_a_bom_read_the_same():
    """Rows Arrow refuses (ragged, stray quotes) go to the csv module on the whole text, NULs past the head are
    dropped, a UTF-8 BOM is skipped, and a single column has no delimiter: as in the full reading."""
    head = "Name,Phone\n" + "Ann,+14155552671\n" * (HEAD_CHARS // 16)
    cases = [
        b"Name,Phone,Note\nA,+14155552671\nB,+14155552672,x,y\n",
        b'Name,Phone\n"A,+14155552671\nB,"+1415"5552672\n',
        (head + "Bob,+1415\x005552672\n").encode("utf-8"),
        b"\xef\xbb\xbfName,Phone\nAnn,+14155552671\n",
        b"+14155552671\n+14155552672\n+14155552673\n",
        b"Name|Phone\r\nAnn|+14155552671\r\n\r\n\r\n",
        ("Name;Phone\n" + "😀😀😀;+14155552671\n" * 20000).encode("utf-8"),  # the head cut inside 4-byte characters
    ]
    for data in cases:
        assert check(data), data[:40]


def test_random_files_read_the_same():
    """Small CSVs built from awkward pieces (quotes, NULs, CRs, BOMs, invalid bytes, control and multi-byte
    characters, ragged rows): wherever the quick reading answers, it answers as the full one."""
    rng = random.Random(18)
    pieces = [b",", b";", b"\t", b"\n", b"\r\n", b"\r", b'"', "é".encode(), "東".encode(), "😀".encode(), b" ",
              b"+91 98765 43210", b"Name", b"Phone", b"0612345678", "\u00a0".encode(), b"a,b,c", b"x"]
    rare = [b"\x00", b"\x01", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"BEGIN:VCARD", b"<html>", b"\xa0"]
    answered = 0
    for _ in range(600):
        data = b"".join(rng.choice(rare if rng.random() < 0.03 else pieces) for _ in range(rng.randrange(1, 60)))
        answered += check(data, rng.choice(["x.csv", "x.tsv", "x.xls", "x.txt", "x.dat"]))
    assert answered > 100  # the quick reading was really exercised


def test_utf8_validation_agrees_with_python():
    """is_utf8 accepts exactly what bytes.decode('utf-8') accepts (surrogates, overlong forms, cut sequences)."""
    rng = random.Random(7)
    samples = [b"", b"abc", "Zoë 東京 😀".encode(), b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82",
               b"a\x00b"] + [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6))) for _ in range(3000)]
    for sample in samples:
        try:
            sample.decode("utf-8")
            expected = True
        except UnicodeDecodeError:
            expected = False
        assert is_utf8(sample) == expected, sample
