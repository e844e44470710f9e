"""Fuzz every reader with hypothesis: whatever the bytes, only DomainError escapes and each input takes < 2 s."""
import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from contacts.readers import Workbook, read_file
from support.readers import fixture_bytes, write_bytes

BUDGET_SECONDS = 2.0
# A few seconds per reader by default; READERS_FUZZ_EXAMPLES=5000 for a long hunt.
FUZZ = settings(max_examples=int(os.environ.get("READERS_FUZZ_EXAMPLES", "120")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXTISH = st.text(alphabet=st.sampled_from(list(',;\t|"\r\n +()-.:=0123456789abcXYZéü€\x00\x1f\ufeff')), max_size=400)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])
VCARD_LINES = st.sampled_from([
    "BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:3.0", "FN:Ann Lee", "N:Lee;Ann;;;",
    "TEL;CELL:+44 7911 123456", "TEL;TYPE=HOME,VOICE:020 7946 0958", 'TEL;VALUE=uri;TYPE="cell":tel:+1-555-555-5555',
    "item1.TEL:+1 201 555 0123", "item1.X-ABLabel:_$!<Mobile>!$_", "FN;ENCODING=QUOTED-PRINTABLE:J=C3=BC=", "=C3",
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E0=A4=", " folded", "\tfolded", "EMAIL:a@b.c", "ORG:A\\;B;C",
    "PHOTO;ENCODING=BASE64:/9j/4AAQ", "", "TEL;ENCODING=b:!!!", "X-;;;:\"", 'TEL;TYPE="a:b":1',
])


def mutate(data, edits, cut):
    """DATA with byte EDITS applied (position, value) and cut to CUT bytes (a fraction of its length)."""
    buf = bytearray(data)
    for position, value in edits:
        buf[position % len(buf)] = value
    return bytes(buf[: max(1, int(len(buf) * cut))])


def read_within_budget(tmp_path, name, data):
    """read_file of DATA as NAME: a Workbook or a DomainError, within the budget."""
    path = write_bytes(tmp_path, name, data)
    started = time.perf_counter()
    try:
        result = read_file(path, name)
    except DomainError as error:
        result = error
    elapsed = time.perf_counter() - started
    assert elapsed < BUDGET_SECONDS, "%s took %.2f s" % (name, elapsed)
    assert isinstance(result, (Workbook, DomainError))
    if isinstance(result, Workbook):
        for sheet in result.sheets:
            assert all(isinstance(v, str) for v in sheet.frame.to_numpy().ravel())
    return result


@FUZZ
@given(data=st.binary(max_size=2048))
def test_fuzz_csv_bytes(tmp_path, data):
    """Arbitrary bytes named .csv."""
    read_within_budget(tmp_path, "fuzz.csv", data)


@FUZZ
@given(text=TEXTISH, encoding=ENCODINGS)
def test_fuzz_csv_like_text(tmp_path, text, encoding):
    """Delimiter- and quote-heavy text in every encoding, named .csv."""
    read_within_budget(tmp_path, "fuzz.csv", text.encode(encoding, "replace"))


@FUZZ
@given(text=TEXTISH, encoding=ENCODINGS, raw=st.binary(max_size=256))
def test_fuzz_txt(tmp_path, text, encoding, raw):
    """Text (table-like or not) and bytes named .txt."""
    read_within_budget(tmp_path, "fuzz.txt", text.encode(encoding, "replace") + raw)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=12),
       cut=st.floats(0.05, 1.0))
def test_fuzz_xlsx_like_bytes(tmp_path, edits, cut):
    """A real xlsx with bytes flipped and its end cut off."""
    read_within_budget(tmp_path, "fuzz.xlsx", mutate(fixture_bytes("workbook_title_row.xlsx"), edits, cut))


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=12),
       cut=st.floats(0.05, 1.0))
def test_fuzz_xls_like_bytes(tmp_path, edits, cut):
    """A real xls with bytes flipped and its end cut off."""
    read_within_budget(tmp_path, "fuzz.xls", mutate(fixture_bytes("crm_export.xls"), edits, cut))


@FUZZ
@given(lines=st.lists(VCARD_LINES, max_size=60), raw=st.binary(max_size=64), crlf=st.booleans())
def test_fuzz_vcf(tmp_path, lines, raw, crlf):
    """vCard-like line soup (unbalanced BEGIN/END, broken QUOTED-PRINTABLE, folds) plus stray bytes, named .vcf."""
    text = ("\r\n" if crlf else "\n").join(["BEGIN:VCARD"] + lines)
    read_within_budget(tmp_path, "fuzz.vcf", text.encode("utf-8") + raw)


HTML_PIECES = st.sampled_from(["<html>", "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>",
                               '<td colspan="99999">', '<td colspan="x">', "<br>", "&nbsp;", "&#0;", "&amp",
                               "<!--", "-->", "<script>", "0044 20 7946 0958", "Ann", "<", ">", '"'])


@FUZZ
@given(pieces=st.lists(HTML_PIECES, max_size=80), name=st.sampled_from(["fuzz.xls", "fuzz.html", "fuzz.csv"]))
def test_fuzz_html_tables(tmp_path, pieces, name):
    """Tag soup that looks like a web-page table export."""
    read_within_budget(tmp_path, name, ("<html><body><table>" + "".join(pieces)).encode("utf-8"))
