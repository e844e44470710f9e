"""find_numbers_in_text: pasted lists, names beside numbers, WhatsApp chats, links, odd spacing, dates and times."""
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.freetext import FoundNumber, find_numbers_in_text

BUDGET_SECONDS = 2.0


def found(text):
    """(line, value, name) of every candidate in TEXT."""
    return [(f.line, f.value, f.name) for f in find_numbers_in_text(text)]


@pytest.mark.parametrize("text,expected", [
    ("Meera Nair - 098765 43210", [(1, "098765 43210", "Meera Nair")]),
    ("+44 7911 123456 (John)", [(1, "+44 7911 123456", "John")]),
    ("John Smith: (201) 555-0123", [(1, "(201) 555-0123", "John Smith")]),
    ("Dr. Ravi Kumar +91.98765.43210", [(1, "+91.98765.43210", "Dr. Ravi Kumar")]),
    ("98765 43210 Meera", [(1, "98765 43210", "Meera")]),
    ("Phone: 98765 43210", [(1, "98765 43210", "")]),
    ("tel:+1-555-555-5555", [(1, "+1-555-555-5555", "")]),
    ('<a href="tel:+442079460958">Call us</a>', [(1, "+442079460958", "")]),
], ids=["name-dash-number", "number-paren-name", "name-colon", "dotted", "name-after", "label-only", "tel-link",
        "tel-href"])
def test_names_beside_numbers(text, expected):
    """The name written before or after a number comes with it; labels such as 'Phone:' are not names."""
    assert found(text) == expected


def test_several_numbers_per_line_and_separators():
    """Commas, semicolons, tabs and new lines separate numbers; each keeps its own line number and name."""
    text = "98765 43210, 91234 56789; 99887\u00a066554\t(020) 7946 0958\nMeera, 98765 43210; John, 91234 56789"
    assert found(text) == [
        (1, "98765 43210", ""), (1, "91234 56789", ""), (1, "99887 66554", ""), (1, "(020) 7946 0958", ""),
        (2, "98765 43210", "Meera"), (2, "91234 56789", "John")]


def test_spacing_and_dashes_are_made_plain():
    """NBSP, narrow NBSP, en dashes and direction marks inside or around a number become plain text."""
    text = "\u202a+91\u00a098765\u202f43210\u202c and 020\u20137946\u20130958"
    assert [v for _, v, _ in found(text)] == ["+91 98765 43210", "020-7946-0958"]


def test_whatsapp_android_and_ios_chat_lines():
    """In a chat, the numbers of senders, joiners and messages are found; dates and times are not; no names."""
    chat = "\n".join([
        "12/03/2024, 10:15 - Messages and calls are end-to-end encrypted.",
        "12/03/2024, 10:16 - Meera Nair added \u202a+91 98765 43210\u202c",
        "[12/03/24, 10:15:32] +91 91234 56789: hello, call me on 99887 66554",
        "3/12/24, 9:05 PM - Meera: see you at 10:30 on 2024-03-15",
        "[12.03.24, 10:15:32 AM] John: ok",
    ])
    assert found(chat) == [(2, "+91 98765 43210", ""), (3, "+91 91234 56789", ""), (3, "99887 66554", "")]


@pytest.mark.parametrize("text", [
    "12/03/2024", "2024-03-15", "15.03.2024", "10:15", "10:15:32", "9:05 PM", "2019-2024", "192.168.1.1",
    "Total 12.50", "Order 123 on 12/03/24 at 10:15", "Room 4, floor 12",
], ids=lambda t: t)
def test_dates_times_and_small_numbers_are_not_candidates(text):
    """Dates, times, year ranges, IP addresses, amounts and short numbers in prose are not phone candidates."""
    assert found(text) == []


def test_invalid_looking_candidates_are_still_returned():
    """'12345' in prose and a lone '1234' on a line are returned, so the caller can say why they are invalid."""
    assert found("Room 12345 at the library\n1234\n") == [(1, "12345", "Room"), (2, "1234", "")]


def test_digit_runs_that_only_resemble_year_ranges_are_kept():
    """'1099-2024' or '2999-2024' are not year ranges: they stay candidates."""
    assert [v for _, v, _ in found("Ref 1099-2024\nRef 2999-2024\n+1 1999-2024")] == ["1099-2024", "2999-2024"]


def test_phone_numbers_that_look_like_dates_are_kept():
    """A number with date-like groups but impossible as a date (month 45) stays a candidate."""
    assert found("Raj 022-45-6789") == [(1, "022-45-6789", "Raj")]


def test_line_numbers_count_every_line_ending():
    """CRLF, CR and LF all end a line; blank lines count."""
    assert [f.line for f in find_numbers_in_text("a\r\n\r\n98765 43210\r91234 56789\n\n99887 66554")] == [3, 4, 6]


def test_empty_and_none_give_nothing():
    """No text, no numbers."""
    assert find_numbers_in_text("") == [] and find_numbers_in_text(None) == []


def test_found_number_fields():
    """FoundNumber carries line, value and name."""
    assert find_numbers_in_text("Ann 98765 43210") == [FoundNumber(line=1, value="98765 43210", name="Ann")]


@pytest.mark.parametrize("text", [
    "(" * 200_000 + "1", "+(" * 100_000, "1 " * 100_000 + "x", "1-" * 100_000, "12/" * 100_000,
    "1:" * 100_000, "a" * 200_000 + "1", ("9" * 15 + " ") * 10_000, "[12/03/24, 10:15:32] " * 10_000,
], ids=["parens", "plus-parens", "spaced-digits", "dashed-digits", "slashes", "colons", "letters", "long-runs",
        "chat-prefixes"])
def test_pathological_lines_finish_within_budget(text):
    """Inputs built to trigger regex backtracking finish within the per-input budget."""
    started = time.perf_counter()
    find_numbers_in_text(text)
    assert time.perf_counter() - started < BUDGET_SECONDS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 +-().,;:/\t\n[]APMapm\u00a0\u202aéx")), max_size=600))
def test_fuzz_results_are_well_formed(text):
    """Any text: each result's line exists, its value holds a digit, its name holds no digit run; within budget."""
    started = time.perf_counter()
    results = find_numbers_in_text(text)
    assert time.perf_counter() - started < BUDGET_SECONDS
    line_count = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for result in results:
        assert 1 <= result.line <= line_count
        assert any(c.isdigit() for c in result.value)
        assert result.value == result.value.strip()
