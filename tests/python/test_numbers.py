"""normalize_one's policy rule by rule, its reasons, country cells, and describe_number (in-process and over
the real sidecar's POST /validate-number)."""
import phonenumbers
import pytest

from contacts.metadata_regions import region_for_country_cell
from contacts.normalize import normalize_column
from contacts.numbers import REASON_MESSAGES, normalize_one
from contacts.validate import describe_number

REASONS = ["empty", "not_a_number", "too_short", "too_long", "invalid_country_code", "invalid_for_region",
           "invalid_length", "lost_digits"]


@pytest.mark.parametrize("text, region, expected", [
    # clean-up: whitespace, tel: URIs, extensions dropped
    ("  +1 415 555 2671  ", "US", "+14155552671"),
    ("tel:+1-415-555-2671", "US", "+14155552671"),
    ("tel://+14155552671", "US", "+14155552671"),
    ("TEL:+14155552671", "GB", "+14155552671"),
    ("+1 415 555 2671 ext. 123", "US", "+14155552671"),
    ("(415) 555-2671 x123", "US", "+14155552671"),
    ("+14155552671;ext=123", "US", "+14155552671"),
    ("415-555-2671 #123", "US", "+14155552671"),
    # non-ASCII digits and vanity letters
    ("\u0660\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660", "IN", "+919876543210"),
    ("\u0966\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968\u0967\u0966", "IN", "+919876543210"),
    ("\uff10\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10", "IN", "+919876543210"),
    ("1-800-FLOWERS", "US", "+18003569377"),
    # spreadsheet damage repaired exactly
    ("919876543210.0", "IN", "+919876543210"),
    ("9.19876543210E+11", "IN", "+919876543210"),
    ("9,19876543210E+11", "IN", "+919876543210"),
    ("9.1987654321E+11", "US", None),
    # national formats, trunk prefix, IDD prefixes, '+'
    ("098765 43210", "IN", "+919876543210"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("00 44 20 7946 0958", "IN", "+442079460958"),
    ("011 44 20 7946 0958", "US", "+442079460958"),
    ("+44 (0) 20 7946 0958", "IN", "+442079460958"),
    ("(+91) 98765 43210", "US", "+919876543210"),
    ("98765\u00a043210", "IN", "+919876543210"),
    ("030/1234567", "DE", "+49301234567"),
    # country code without '+': retried as '+' + digits
    ("919876543210", "US", "+919876543210"),
    ("4915123456789", "IN", "+4915123456789"),
    ("919876543210", "ZZ", "+919876543210"),
])
def test_normalize_one_valid(text, region, expected):
    """Every clean-up and parsing rule gives the expected E.164 (or none)."""
    e164, reason = normalize_one(text, region)
    assert e164 == expected
    assert (reason is None) == (expected is not None)


@pytest.mark.parametrize("text, region, reason", [
    ("", "IN", "empty"),
    ("   ", "IN", "empty"),
    (None, "IN", "empty"),
    ("N/A", "IN", "not_a_number"),
    ("call me", "IN", "not_a_number"),
    ("-", "IN", "not_a_number"),
    ("tel:", "US", "not_a_number"),
    ("9.1987654321012E+11", "IN", "not_a_number"),
    ("12345", "IN", "too_short"),
    ("+1 415 555 267", "US", "too_short"),
    ("001 12", "IN", "too_short"),
    ("+91987654321012345", "IN", "too_long"),
    ("020 7946 09581", "GB", "too_long"),
    ("+999 123456789", "IN", "invalid_country_code"),
    ("+0123456", "IN", "invalid_country_code"),
    ("9876543210", "", "invalid_country_code"),
    ("+44 20 7946 095", "GB", "invalid_for_region"),
    ("+1 200 555 0100", "US", "invalid_for_region"),
    ("+6121234567821", "AU", "invalid_length"),
    ("+65612345676", "SG", "invalid_length"),
    ("9.19877E+11", "IN", "lost_digits"),
    ("9.18123E+11", "IN", "lost_digits"),
    ("9,18123e11", "IN", "lost_digits"),
])
def test_normalize_one_reasons(text, region, reason):
    """Invalid values get the stable reason code of the policy."""
    assert normalize_one(text, region) == (None, reason)


def test_idd_written_numbers_are_not_retried_without_plus():
    """An IDD-prefixed number whose country code is unknown stays invalid: no '+' retry after an IDD."""
    assert normalize_one("00 999 1234 5678", "IN") == (None, "invalid_country_code")


def test_valid_answers_equal_phonenumbers():
    """Where phonenumbers itself finds the input valid, the E.164 is exactly its own."""
    for text, region in [("098765 43210", "IN"), ("+44 20 7946 0958", "US"), ("06 12 34 56 78", "FR"),
                         ("0412 345 678", "AU"), ("(11) 91234-5678", "BR"), ("+7 701 123 4567", "KZ")]:
        number = phonenumbers.parse(text, region)
        assert phonenumbers.is_valid_number(number)
        assert normalize_one(text, region) == (phonenumbers.format_number(number, 0), None)


def test_every_reason_has_a_helpful_message():
    """Each stable reason code has a human message; lost_digits tells the user to re-export as text."""
    assert set(REASONS) <= set(REASON_MESSAGES)
    assert all(len(REASON_MESSAGES[r]) > 15 for r in REASONS)
    assert "text" in REASON_MESSAGES["lost_digits"] and "digits" in REASON_MESSAGES["lost_digits"]
    assert REASON_MESSAGES["too_short"].startswith("Not enough digits")


@pytest.mark.parametrize("cell, expected", [
    ("India", "IN"), ("de", "DE"), ("+44", "GB"), ("0091", "IN"), ("", "US"), (None, "US"), ("UK", "GB"),
    ("Deutschland", "DE"), ("España", "ES"), ("  united states ", "US"), ("Atlantis", "US"), ("xx", "US"),
    ("+999", "US"),
])
def test_region_for_country_cell(cell, expected):
    """Messy country cells map to a region code, anything unknown falls back to the default."""
    assert region_for_country_cell(cell, "US") == expected


def test_describe_valid_number():
    """A valid number: E.164, formats, region and type."""
    answer = describe_number("(415) 555-2671", "us")
    assert answer == {"valid": True, "cleaned_number": "+14155552671", "original": "(415) 555-2671",
                      "e164": "+14155552671", "national": "(415) 555-2671", "international": "+1 415-555-2671",
                      "region": "US", "type": "fixed_line_or_mobile", "region_assumed": "US"}


def test_describe_mobile_and_foreign_number():
    """Type and region come from the number, not from the default region."""
    answer = describe_number("+49 1512 3456789", "IN")
    assert (answer["valid"], answer["region"], answer["type"], answer["region_assumed"]) == (True, "DE", "mobile",
                                                                                            "IN")


def test_describe_invalid_but_readable_number_keeps_formats():
    """An invalid number phonenumbers can read: reason, message and what was understood; no E.164."""
    answer = describe_number("+1 200 555 0100", "US")
    assert answer["valid"] is False and answer["cleaned_number"] is None and answer["e164"] is None
    assert answer["reason"] == "invalid_for_region"
    assert answer["message"] == REASON_MESSAGES["invalid_for_region"]
    assert answer["international"] == "+1 200-555-0100" and answer["type"] == "unknown"


def test_describe_unreadable_number_has_null_formats():
    """Text that is no number: reason and message, every format null."""
    answer = describe_number("call me", "IN")
    assert answer["valid"] is False and answer["reason"] == "not_a_number"
    assert [answer[k] for k in ("e164", "national", "international", "region", "type")] == [None] * 5


def test_describe_lost_digits():
    """Scientific-notation damage is explained, formats null."""
    answer = describe_number("9.19877E+11", "IN")
    assert answer["reason"] == "lost_digits" and answer["national"] is None


def test_validate_number_endpoint_over_http(sidecar):
    """The real sidecar answers POST /validate-number with describe_number's fields."""
    response = sidecar.post("/validate-number", json={"number": "098765 43210", "default_region": "IN"})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["e164"] == "+919876543210" and body["region"] == "IN"
    assert body["type"] == "mobile" and body["region_assumed"] == "IN"
    response = sidecar.post("/validate-number", json={"number": "9.18123E+11", "default_region": "IN"})
    assert response.status_code == 200
    assert response.json()["reason"] == "lost_digits"


def test_normalize_column_edge_inputs():
    """Empty input, missing cells, numbers given as ints, a lower-case region and a custom index all work."""
    import numpy as np
    import pandas as pd

    from contacts.normalize import normalize_column

    empty = normalize_column([], "IN")
    assert list(empty.columns) == ["e164", "reason"] and len(empty) == 0
    out = normalize_column(pd.Series([None, np.nan, "098765 43210", 919876543210], index=list("wxyz"), dtype=object),
                           "in")
    assert list(out.index) == list("wxyz")
    assert [None if pd.isna(e) else e for e in out["e164"]] == [None, None, "+919876543210", "+919876543210"]
    assert out["reason"].tolist() == ["empty", "empty", None, None]
    no_region = normalize_column(["+919876543210", "098765 43210"], None)
    assert no_region["reason"].tolist() == [None, "invalid_country_code"]


def test_more_than_fifteen_digits_is_too_long_even_where_metadata_accepts_it():
    """ITU-T E.164 caps numbers at 15 digits; libphonenumber's German patterns accept 17."""
    long_german = "+49301462558206595"
    assert phonenumbers.is_valid_number(phonenumbers.parse(long_german, None))
    assert normalize_one(long_german, "IN") == (None, "too_long")
    out = normalize_column([long_german, "+4930146255820"], "IN")
    assert out["reason"].tolist()[0] == "too_long" and out["e164"].tolist()[1] == "+4930146255820"
