"""Issue 17, Mexico: numbers written with Mexico's retired prefixes ('+52 1', 01 / 044 / 045) become today's
10-digit number when that is valid, are refused when ambiguous, and the fast path answers them as the slow one."""
import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts import fastpath
from contacts.normalize import normalize_column
from contacts.numbers import REASON_MESSAGES, normalize_one
from contacts.validate import describe_number

# Today's numbers (valid in phonenumbers 9.0.43 as written) and the retired ways people still write them.
MEXICO_CITY_MOBILE = "+525512345678"
GUADALAJARA = "+523312345678"
MERIDA = "+529991234567"


def test_phonenumbers_itself_calls_the_old_forms_invalid():
    """The reason for the rule: phonenumbers keeps the '1' / '044' in the national number and says invalid."""
    for text in ["+52 1 55 1234 5678", "044 55 1234 5678"]:
        number = phonenumbers.parse(text, "MX")
        assert not phonenumbers.is_valid_number(number)
    assert phonenumbers.is_valid_number(phonenumbers.parse(MEXICO_CITY_MOBILE))


@pytest.mark.parametrize("text, region, expected", [
    ("+52 1 55 1234 5678", "MX", MEXICO_CITY_MOBILE),
    ("+5215512345678", "MX", MEXICO_CITY_MOBILE),
    ("+52 1 33 1234 5678", "MX", GUADALAJARA),
    ("+52-1-999-123-4567", "US", MERIDA),
    ("521 55 1234 5678", "MX", MEXICO_CITY_MOBILE),
    ("5215512345678", "US", MEXICO_CITY_MOBILE),
    ("52 1 55 1234 5678", "IN", MEXICO_CITY_MOBILE),
    ("00 52 1 55 1234 5678", "MX", MEXICO_CITY_MOBILE),
    ("011 52 1 33 1234 5678", "US", GUADALAJARA),
    ("tel:+52-1-55-1234-5678", "GB", MEXICO_CITY_MOBILE),
], ids=lambda v: v)
def test_old_mobile_one_after_the_country_code_is_dropped(text, region, expected):
    """'+52 1 …' (and 52 1 … without '+', or after an IDD) gives today's 10-digit number in any list."""
    assert normalize_one(text, region) == (expected, None)


@pytest.mark.parametrize("text, expected", [
    ("044 55 1234 5678", MEXICO_CITY_MOBILE),
    ("045 33 1234 5678", GUADALAJARA),
    ("0445512345678", MEXICO_CITY_MOBILE),
    ("(045) 999-123-4567", MERIDA),
    ("01 55 1234 5678", MEXICO_CITY_MOBILE),
], ids=lambda v: v)
def test_old_national_prefixes_in_a_mexican_list_are_dropped(text, expected):
    """01 / 044 / 045 before 10 digits, read nationally in Mexico, give today's number."""
    assert normalize_one(text, "MX") == (expected, None)


@pytest.mark.parametrize("text, region, reason", [
    ("+52 1 55 1234 567", "MX", "invalid_for_region"),   # nine digits after the 1
    ("+52 1 55 1234 56789", "MX", "too_long"),           # eleven digits after the 1
    ("+52 1 1 55 1234 5678", "MX", "too_long"),          # the 1 twice
    ("+52 1 11 1234 5678", "MX", "too_long"),            # ten digits left, but not a Mexican number
    ("+52 044 55 1234 5678", "MX", "too_long"),          # 044 was never dialled after +52
    ("52 045 55 1234 5678", "MX", "too_long"),
    ("044 55 1234 567", "MX", "too_long"),                # too few digits after 044
    ("044 55 1234 5678", "US", "too_long"),              # not a Mexican list: 044 means nothing
    ("046 55 1234 5678", "MX", "too_long"),              # not one of the old prefixes
], ids=lambda v: v)
def test_old_forms_that_do_not_give_a_valid_number_stay_invalid(text, region, reason):
    """Dropping a retired prefix is kept only when exactly today's 10 valid digits remain."""
    assert normalize_one(text, region) == (None, reason)


@pytest.mark.parametrize("text", ["1 55 1234 5678", "15512345678", "1 (415) 555 2671", "1-800-234-5678",
                                  "1 818 234 5678"],
                         ids=lambda v: v)
def test_one_before_ten_digits_in_a_mexican_list_is_ambiguous(text):
    """'1' + 10 digits in an MX list is an old Mexican mobile or a North American number: reported, not guessed."""
    digits = "".join(c for c in text if c.isdigit())
    assert phonenumbers.is_valid_number(phonenumbers.parse("+" + digits))          # North American reading
    assert phonenumbers.is_valid_number(phonenumbers.parse("+52" + digits[1:]))    # Mexican reading
    assert normalize_one(text, "MX") == (None, "ambiguous")


def test_one_before_ten_digits_is_mexican_when_north_america_rejects_it():
    """When '+1' + the digits is not a valid number, the old Mexican reading is the only one and is kept."""
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+12212345678"))
    assert normalize_one("1 22 1234 5678", "MX") == ("+522212345678", None)


def test_north_american_numbers_elsewhere_are_unchanged():
    """The rule touches +52 only: '1 …' in a US list and '+1 …' anywhere stay North American."""
    assert normalize_one("1 551 234 5678", "US") == ("+15512345678", None)
    assert normalize_one("+1 551 234 5678", "MX") == ("+15512345678", None)
    assert normalize_one("001 551 234 5678", "MX") == ("+15512345678", None)


def test_ambiguous_has_a_message_that_says_what_to_do():
    """The new reason code explains itself and asks for the + form."""
    assert "+" in REASON_MESSAGES["ambiguous"] and "country code" in REASON_MESSAGES["ambiguous"]


def test_describe_number_shows_todays_mexican_number():
    """validate-number's description of an old form is today's number, region MX, mobile or fixed."""
    answer = describe_number("+52 1 55 1234 5678", "MX")
    assert answer["valid"] is True and answer["e164"] == MEXICO_CITY_MOBILE and answer["region"] == "MX"
    assert answer["national"] == phonenumbers.format_number(phonenumbers.parse(MEXICO_CITY_MOBILE), 2)


MEXICAN_CELLS = ["+52 1 55 1234 5678", "+5215512345678", "5215512345678", "521 33 1234 5678", "044 55 1234 5678",
                 "0455512345678", "01 55 1234 5678", "1 55 1234 5678", "15512345678", "12212345678",
                 "+52 1 55 1234 567", "+52 044 55 1234 5678", "044 55 1234 567", "00 52 1 55 1234 5678",
                 "+52 55 1234 5678", "5512345678", "+1 551 234 5678", "5215512345678.0", "", "52 1 11 1234 5678"]


@pytest.mark.parametrize("region", ["MX", "US", "IN", "GB"])
def test_fast_path_answers_mexican_cells_as_the_slow_path(monkeypatch, region):
    """normalize_column (fast path even for one-row groups) equals normalize_one on every Mexican form."""
    monkeypatch.setattr(fastpath, "MIN_GROUP", 1)
    cells = MEXICAN_CELLS * 3
    frame = normalize_column(cells, region)
    got = [(None if pd.isna(e) else e, r) for e, r in zip(frame["e164"].tolist(), frame["reason"])]
    assert got == [normalize_one(cell, region) for cell in cells]


def test_fast_path_leaves_old_mexican_forms_to_the_slow_path(monkeypatch):
    """The fast path decides no cell written with a retired Mexican prefix (it cannot rewrite them)."""
    import pyarrow as pa
    monkeypatch.setattr(fastpath, "MIN_GROUP", 1)
    old = ["+5215512345678", "5215512345678", "0445512345678", "15512345678", "+520445512345678"]
    today = ["+525512345678", "5512345678"]
    (valid_rows, _), (invalid_rows, _) = fastpath.fast_e164(pa.array(old + today, pa.large_string()), "MX")
    decided = set(valid_rows.tolist()) | set(invalid_rows.tolist())
    assert decided == {len(old), len(old) + 1}


def test_validate_number_over_http_mexico(sidecar):
    """The real sidecar answers the old Mexican forms with today's number, and refuses the ambiguous one."""
    for text in ["+52 1 55 1234 5678", "044 55 1234 5678", "521 55 1234 5678"]:
        body = sidecar.post("/validate-number", json={"number": text, "default_region": "MX"}).json()
        assert body["valid"] is True and body["e164"] == MEXICO_CITY_MOBILE and body["region"] == "MX"
    body = sidecar.post("/validate-number", json={"number": "1 55 1234 5678", "default_region": "MX"}).json()
    assert body["valid"] is False and body["reason"] == "ambiguous" and body["message"]


def test_parse_manual_numbers_over_http_mexico(sidecar):
    """Pasted Mexican numbers in their old forms come back as today's numbers; the ambiguous one is invalid."""
    text = "Lupita +52 1 55 1234 5678\nJuan 044 33 1234 5678\nPaco 1 55 1234 5678"
    response = sidecar.post("/parse-manual-numbers", json={"numbers": text, "default_region": "MX"})
    assert response.status_code == 200
    body = response.json()
    assert [(c["name"], c["number"]) for c in body["contacts"]] == [("Lupita", MEXICO_CITY_MOBILE),
                                                                    ("Juan", GUADALAJARA)]
    assert [(i["row"], i["reason"]) for i in body["invalid"]] == [(3, "ambiguous")]


# Forms people write a Mexican number's 10 digits in, today's and retired, with and without spacing.
MEXICAN_FORMS = ["+52{d}", "+52 1 {d}", "+521{d}", "52{d}", "521{d}", "521 {d}", "044 {d}", "045{d}", "01 {d}",
                 "1 {d}", "1{d}", "00 52 1 {d}", "{d}", "+52 044 {d}", "1 1 {d}", "+52 1 {d}0"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.text(alphabet="0123456789", min_size=10, max_size=10),
                          st.sampled_from(MEXICAN_FORMS)), min_size=5, max_size=40),
       st.sampled_from(["MX", "US", "IN", "GB", "CA"]))
def test_fast_path_equals_slow_path_on_generated_mexican_forms(rows, region):
    """Random 10 digits in every Mexican form, in several lists: normalize_column == normalize_one everywhere."""
    cells = [form.format(d=digits) for digits, form in rows]
    previous, fastpath.MIN_GROUP = fastpath.MIN_GROUP, 1
    try:
        frame = normalize_column(cells, region)
    finally:
        fastpath.MIN_GROUP = previous
    got = [(None if pd.isna(e) else e, r) for e, r in zip(frame["e164"].tolist(), frame["reason"])]
    assert got == [normalize_one(cell, region) for cell in cells]
