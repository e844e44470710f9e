"""find_numbers_in_text: pasted lists, names beside numbers, WhatsApp chats, links, odd spacing, dates and times."""
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.freetext import FoundNumber, find_number_columns, find_numbers_in_text

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
    # 'Dial', not 'Ref': a reference number is not a phone candidate at all (see test_non_phone_labels_...).
    assert [v for _, v, _ in found("Dial 1099-2024\nDial 2999-2024\n+1 1999-2024")] == ["1099-2024", "2999-2024"]


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


@settings(max_examples=int(os.environ.get("BULKMSG_FREETEXT_EXAMPLES") or 300), deadline=None)
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


# Issue 17: pasted lists, filler words, labels that say the digits are not a phone.

@pytest.mark.parametrize("text,expected", [
    ("1. 98861 23450 - Ramesh", (1, "98861 23450", "Ramesh")),
    ("2) 98861 23451 Kiran", (1, "98861 23451", "Kiran")),
    ("12. Sunil Rao: 98861 23452", (1, "98861 23452", "Sunil Rao")),
    ("3.Asha 98861 23453", (1, "98861 23453", "Asha")),
    ("\u2022 Kiran: 98861 23454", (1, "98861 23454", "Kiran")),
    ("\u2022Kiran 98861 23455", (1, "98861 23455", "Kiran")),
    ("- Asha 98861 23456", (1, "98861 23456", "Asha")),
    ("\u2013 Asha 98861 23457", (1, "98861 23457", "Asha")),
    ("* Ravi 98861 23458", (1, "98861 23458", "Ravi")),
    ("a. Meena 98861 23459", (1, "98861 23459", "Meena")),
    ("b) 98861 23460 Lata", (1, "98861 23460", "Lata")),
    ("(c) Lata 98861 23461", (1, "98861 23461", "Lata")),
    ("iv. Gita 98861 23462", (1, "98861 23462", "Gita")),
    ("    \u25aa Gita 98861 23463", (1, "98861 23463", "Gita")),
    ("\t\u2022 Kiran +91 98861 23464", (1, "+91 98861 23464", "Kiran")),
], ids=lambda v: v if isinstance(v, str) else None)
def test_list_markers_are_neither_number_nor_name(text, expected):
    """Numbered, lettered and bulleted list items give the number alone and the name without its marker."""
    assert found(text) == [expected]


def test_a_numbered_list_gives_one_number_per_line():
    """A whole pasted list: one number per line, the list numbers nowhere in the values."""
    text = "1. 98861 23450 - Ramesh\n2. 98861 23451 - Kiran\n3. 98861 23452 - Asha\n10. 98861 23453 - Ravi"
    results = found(text)
    assert [line for line, _, _ in results] == [1, 2, 3, 4]
    assert all(value.startswith("98861") for _, value, _ in results)
    assert [name for _, _, name in results] == ["Ramesh", "Kiran", "Asha", "Ravi"]


@pytest.mark.parametrize("text,value", [
    ("(201) 555-0123 Bob", "(201) 555-0123"),          # an area code in brackets is not a list number
    ("1.415.555.2671", "1.415.555.2671"),              # a dotted number starting with 1
    ("-98861 23450", "98861 23450"),                   # a dash before digits is not a bullet, nor a digit
    ("+1 415 555 2671", "+1 415 555 2671"),
    ("1 415 555 2671", "1 415 555 2671"),              # '1 ' is a country code, not a list number
    ("44 - 20 7946 0958", "44 - 20 7946 0958"),        # '44 - ' may be a country code: kept as written
], ids=lambda v: v)
def test_number_starts_that_only_resemble_list_markers_are_kept(text, value):
    """Leading digits that belong to the number (country codes, area codes, dotted numbers) are not stripped."""
    assert [v for _, v, _ in found(text)] == [value]


def test_an_initial_is_not_a_list_marker():
    """'A. Kumar' is a person with an initial: the name keeps it."""
    assert found("A. Kumar 98861 23450") == [(1, "98861 23450", "A. Kumar")]


@pytest.mark.parametrize("text,expected_names", [
    ("Ngozi on +234 803 123 4567", ["Ngozi"]),
    ("Call Ngozi on 0803 123 4567 or 0803 123 4568", ["Ngozi", "Ngozi"]),
    ("call me or 98861 23450", [""]),
    ("my number is 98861 23450", [""]),
    ("Contact Ravi at 98861 23450", ["Ravi"]),
    ("WhatsApp me on 98861 23450 thanks", [""]),
    ("98861 23450 is my mobile no", [""]),
    ("Reach Meena via 98861 23450", ["Meena"]),
    ("Tel: 98861 23450 for Asha", ["Asha"]),
    ("Ravi and Meena 98861 23450", ["Ravi and Meena"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_joiners_and_filler_are_never_names(text, expected_names):
    """Words such as on, or, and, at, call, my, is, via, to, for are never a name nor its first or last word."""
    assert [name for _, _, name in found(text)] == expected_names


def test_filler_words_never_start_or_end_a_name():
    """No name found in a paragraph of prose starts or ends with a filler or label word."""
    from contacts.freetext import NAME_EDGE_WORDS
    text = ("Hi all, please call Ngozi on +234 803 123 4567 or on 0803 123 4568.\n"
            "You can reach me at 98861 23450, my WhatsApp is 98861 23451 and the office no. is 020 7946 0958\n"
            "Contact: Ravi Kumar - 98861 23452 / via SMS to 98861 23453 from Meena")
    names = [name for _, _, name in found(text) if name]
    assert names  # the prose does name people
    for name in names:
        words = name.lower().split()
        assert words[0].strip(".,:") not in NAME_EDGE_WORDS and words[-1].strip(".,:") not in NAME_EDGE_WORDS


@pytest.mark.parametrize("text", [
    "Order #4155552671", "Order no. 4155552671", "order number is 4155552671", "Invoice 4155552672",
    "INVOICE: 4155552672", "Fax: +1 415 555 2673", "Ref: 98861 23450", "Ticket #98861 23450", "#4155552671",
    "Receipt 4155552671", "Account 12345678", "Customer ID 98861 23450", "PIN 560001", "Your OTP is 123456",
    "Amount 45000", "+1 415 555 2673 (fax)", "Tracking number: 999 555 1234", "Policy no 4155552671",
    "Fax\t+1 415 555 2673", "Invoice 12/03/2024 4155552672", "Order#4155552671",
], ids=lambda t: t)
def test_non_phone_labels_keep_their_digits_out(text):
    """Digits labelled as an order, invoice, fax, reference, ticket, account, id, PIN, OTP or amount are not
    phone candidates."""
    assert found(text) == []


def test_labels_act_on_their_own_number_only():
    """A non-phone label takes out its own number; the phone numbers beside it on the next line or after a
    separator are found, with their own names."""
    text = ("Order #4155552671\nInvoice 4155552672\nFax: +1 415 555 2673\nMobile: +1 415 555 2674\n"
            "Ref: 98861 23459, Priya 98861 23460\nTel: +1 415 555 2677 (office), +1 415 555 2678 (fax)")
    assert found(text) == [(4, "+1 415 555 2674", ""), (5, "98861 23460", "Priya"), (6, "+1 415 555 2677", "")]


@pytest.mark.parametrize("text,value", [
    ("Phone #: 415 555 2676", "415 555 2676"),
    ("Mobile No. 98861 23450", "98861 23450"),
    ("No. 98861 23450", "98861 23450"),
    ("Cell # 415-555-2676", "415-555-2676"),
], ids=lambda t: t)
def test_phone_labels_with_number_signs_are_still_phones(text, value):
    """'#' or 'No.' after a phone label ('Phone #:') still introduces a phone number."""
    assert [v for _, v, _ in found(text)] == [value]


def test_non_phone_labels_in_chat_messages():
    """In a WhatsApp chat, an order number in a message is not taken; a phone number in the next one is."""
    chat = ("12/03/2024, 10:16 - Meera: my order id is 4155552671\n"
            "12/03/2024, 10:17 - Meera: call me on 98861 23450")
    assert found(chat) == [(2, "98861 23450", "")]


def test_parse_manual_numbers_over_http_lists_and_labels(sidecar):
    """The real sidecar: a pasted list gives one contact per line with clean names; labelled non-phones are out."""
    text = ("1. 98861 23450 - Ramesh\n2) 98861 23451 Kiran\n\u2022 Asha: 98861 23452\n"
            "Ngozi on +234 803 123 4567\nOrder #4155552671\nFax: +1 415 555 2673\nInvoice 98861 23453")
    response = sidecar.post("/parse-manual-numbers", json={"numbers": text, "default_region": "IN"})
    assert response.status_code == 200
    body = response.json()
    assert [(c["row"], c["number"], c["name"]) for c in body["contacts"]] == [
        (1, "+919886123450", "Ramesh"), (2, "+919886123451", "Kiran"), (3, "+919886123452", "Asha"),
        (4, "+2348031234567", "Ngozi")]
    assert body["invalid"] == [] and body["summary"]["entries"] == 4


@pytest.mark.parametrize("text,names", [
    ("Call Ngozi on +234 803 123 4567 or +234 805 765 4321", ["Ngozi", "Ngozi"]),
    ("Meera: 98765 43210 & 98765 43211", ["Meera", "Meera"]),
    ("Ravi 98861 23450 and 98861 23451", ["Ravi", "Ravi"]),
    ("Ramesh 98861 23450, 98861 23451 Kiran", ["Ramesh", "Kiran"]),
    ("+91 98861 23455, +91 98861 23456", ["", ""]),
])
def test_numbers_joined_by_or_and_or_a_slash_share_the_one_name(text, names):
    assert [f.name for f in find_numbers_in_text(text)] == names


LINE_PIECES = st.sampled_from(["98861 23450", "+91 98861 23451", "(080) 2345 6789", "2024-03-01", "12-03-2024",
                               "2019 - 2020", "10:30", "1.", "2)", "•", "- ", "Ravi", "fax", "Order #", "#", ", ",
                               "; ", " or ", "\t", "\u00a0", "\u2013", "12", "123", "4155", "-", "+", "(", ")", " ",
                               "1.415.555.2671", "192.168.1.1", "12.50", "/", "415-555-2671", "5", ":",
                               "Ravi 42: ", "Kumar ", "Call ", "Ph: ", "Order ", "a ", "ext ", " 7 ", "98861"])


@settings(max_examples=int(os.environ.get("BULKMSG_FREETEXT_EXAMPLES") or 300), deadline=None)
@given(st.lists(st.lists(LINE_PIECES, max_size=6).map("".join), max_size=12).map("\n".join))
def test_the_column_scan_gives_exactly_the_line_by_line_answer(text):
    rows, values, names = find_number_columns(text)
    assert [(f.line, f.value, f.name) for f in find_numbers_in_text(text)] == \
        list(zip(rows.tolist(), values.tolist(), names.tolist()))


NAME_PIECES = st.sampled_from(["Ravi", "Kumar", "Ravi 42", "Asha 7 Rao", "Call", "Ph", "Mob", "Order", "Invoice no",
                               "Fax", "x", "a", "my number is", "Dr", "A", "ext", "on", "or", "Ravi 1 2", "iv"])
NAMED_LINES = st.tuples(st.sampled_from(["", " ", "  "]), st.lists(NAME_PIECES, min_size=1, max_size=3).map(" ".join),
                        st.sampled_from([": ", ":", " : ", " ", "  ", ":  "]), st.one_of(st.just(""), LINE_PIECES),
                        st.sampled_from(["98861 23450", "+91 98861-23451", "(080) 2345 6789", "12-03-2024", "4155",
                                         "98861", "1234", "2019 - 2020", "+1 415 555 2671"]),
                        st.sampled_from(["", " ", ")", " (fax)"])).map("".join)


@settings(max_examples=int(os.environ.get("BULKMSG_FREETEXT_EXAMPLES") or 300), deadline=None)
@given(st.lists(NAMED_LINES, max_size=12).map("\n".join))
def test_named_lines_take_the_column_scan_and_give_the_line_by_line_answer(text):
    rows, values, names = find_number_columns(text)
    assert [(f.line, f.value, f.name) for f in find_numbers_in_text(text)] == \
        list(zip(rows.tolist(), values.tolist(), names.tolist()))


def test_a_pasted_list_of_plain_numbers_takes_the_column_scan_and_keeps_every_line():
    text = "\n".join(["98861 2345%d" % (i % 10) if i % 3 else "+91 98861-2345%d" % (i % 10) for i in range(3000)])
    rows, values, _ = find_number_columns(text)
    assert rows.tolist() == list(range(1, 3001))
    assert values.tolist() == text.split("\n")
