"""Differential: the import answer's JSON is byte for byte what the encoder before issue 18's second upload round
wrote (tests/python/support/json_reference.py), for any text cells, for a generated list imported in process and
for the answer the real sidecar streams over HTTP (encoded ahead while the import is saved)."""
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts import arrowtext as at
from contacts import cores, report
from contacts.extract import extract_file
from contacts.report import result_json
from support.json_reference import reference_json_strings, reference_result_json
from support.paths import SCRIPTS
from support.sidecar import Sidecar

sys.path.insert(0, SCRIPTS)
import gen_contacts  # noqa: E402  (the project's generator: tabs, quotes-free names, invalid rows, duplicates)

# Few special characters (the sparse path), many (the whole-column path), nulls, non-ASCII and empty cells.
SPECIAL = st.sampled_from(['"', "\\", "\t", "\n", "\x00", "\x1f", "\u00a0", "é", "\u2028", "+91 98"])
PLAIN = st.text(alphabet="0123456789 +-()abc", max_size=12)
cells = st.one_of(st.none(), PLAIN, st.lists(st.one_of(PLAIN, SPECIAL), max_size=5).map("".join))


def encoded(pieces):
    """The cells' JSON literals as a list of str."""
    return at.concat(pieces).to_pylist()


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, min_size=1, max_size=60), st.integers(min_value=0, max_value=200))
def test_json_strings_equal_the_reference(values, clean):
    column = values + ["9886123450"] * clean  # dilutes the special cells below and above the sparse share
    assert encoded(at.json_strings(column)) == encoded(reference_json_strings(column))


def test_sliced_and_arrow_backed_columns_equal_the_reference():
    series = pd.Series(["a\tb", None, 'q"', "plain", "", "x\\y"] * 50, dtype="str")
    for part in (series, series.iloc[7:130], series.iloc[2:3], series.iloc[0:0]):
        assert encoded(at.json_strings(part)) == encoded(reference_json_strings(part))


def generated_csv(tmp_path, rows=20_000):
    """The project's generator's CSV list of ROWS (region IN, seed 18)."""
    path = tmp_path / "contacts.csv"
    gen_contacts.generate(str(path), rows, "IN", fmt="csv", seed=18)
    return path


def test_generated_import_answer_equals_the_reference(tmp_path):
    result = extract_file(str(generated_csv(tmp_path)), "IN")
    for limit in (None, 1000):
        assert result_json(result, "imp_x", "request", limit) == reference_result_json(result, "imp_x", "request",
                                                                                       limit)


def test_streamed_upload_answer_equals_the_reference(tmp_path):
    path = generated_csv(tmp_path)
    with Sidecar(tmp_path / "home") as sidecar:
        answer = sidecar.post("/upload", files={"file": ("contacts.csv", path.read_bytes())},
                              data={"default_region": "IN"})
    assert_reference_answer(answer, extract_file(str(path), "IN", "contacts.csv"))


def assert_reference_answer(answer, result):
    """ANSWER (an HTTP upload's) is a 200 whose body is byte for byte the reference answer for RESULT, with the
    import id the sidecar gave it."""
    assert answer.status_code == 200, answer.text[:300]
    import_id = re.search(rb'"import_id":"(imp_[A-Za-z0-9_-]{16})"', answer.content).group(1).decode()
    assert answer.content == reference_result_json(result, import_id, "request")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_answer_encoded_a_few_slices_at_once_equals_the_reference(tmp_path, monkeypatch, workers):
    """Many slices per array, encoded WORKERS at a time (the last group short), each array's last record without
    its comma, whatever the limit."""
    result = extract_file(str(generated_csv(tmp_path, rows=6_000)), "IN")
    monkeypatch.setattr(report, "SLICE", 700)
    monkeypatch.setattr(cores, "WORKERS", workers)
    for limit in (None, 1400, 1500):
        assert result_json(result, "imp_x", "request", limit) == reference_result_json(result, "imp_x", "request",
                                                                                       limit)


@pytest.mark.slow
def test_two_answers_of_several_slices_streamed_at_once_equal_the_reference(tmp_path):
    """Two uploads at once whose answers are several slices long: both encode on the sidecar's one kept helper
    thread, and each still streams exactly the reference answer."""
    lines = generated_csv(tmp_path, rows=10_000).read_bytes().splitlines(keepends=True)
    path = tmp_path / "repeated.csv"
    path.write_bytes(lines[0] + b"".join(lines[1:]) * 24)  # the list 24 times: a long duplicates array
    result = extract_file(str(path), "IN", "repeated.csv")
    assert (result.entries["status"] == "duplicate").sum() > 2 * report.SLICE
    with Sidecar(tmp_path / "home") as sidecar, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: sidecar.post("/upload", files={"file": ("repeated.csv", path.read_bytes())},
                                                       data={"default_region": "IN"}), range(2)))
    for answer in answers:
        assert_reference_answer(answer, result)
