"""The column-wise JSON encoder writes exactly what a JSON encoder would, for any text."""
import orjson
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts import arrowtext as at
from contacts.extract import extract_text
from contacts.report import contact_records, result_json

cells = st.one_of(st.none(), st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, min_size=1, max_size=40))
def test_json_strings_round_trip(values):
    encoded = at.concat(["[", at.json_strings(values), "]"]).to_pylist()
    assert [orjson.loads(e)[0] for e in encoded] == values


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=20))
def test_json_ints_with_zero_as_null(values):
    encoded = at.json_ints(values, none_value=0).to_pylist()
    assert [orjson.loads(e) for e in encoded] == [v or None for v in values]


def test_full_response_equals_the_plain_records():
    text = '+44 7911 123456 "Quote" Name\n07911 123457\tTab\\Back\n12345 bad\n+44 7911 123456 again\n'
    result = extract_text(text, "GB")
    body = orjson.loads(result_json(result, "imp_x", "request"))
    valid = result.entries[result.entries["status"] == "valid"]
    assert body["contacts"] == contact_records(valid)
    assert [d["duplicate_of_row"] for d in body["duplicates"]] == [1]
    assert [i["reason"] for i in body["invalid"]] == ["too_short"]
    limited = orjson.loads(result_json(result, "imp_x", "request", limit=1))
    assert len(limited["contacts"]) == 1 and limited["truncated"] is True


def test_is_blank():
    assert list(at.is_blank(pd.Series(["", " ", "\u00a0\t", "x", None, " a "], dtype=object))) == \
        [True, True, True, False, True, False]
