"""scripts/gen_contacts.py: the same seed gives the same files, and the answer key is the truth about each row."""
import csv
import os
import subprocess
import sys

import openpyxl
import phonenumbers
import pytest

from support.paths import GEN_CONTACTS, SCRIPTS

sys.path.insert(0, SCRIPTS)
import gen_contacts  # noqa: E402

ROWS = 3000
INVALID_STYLES = {"too_short", "not_a_number", "empty", "too_long", "scientific_lossy", "digit_missing", "date"}


def read_key(path):
    """The key's rows as dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def valid_reading(text, region):
    """E.164 of TEXT read by phonenumbers with default REGION, or None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def policy_reading(text, region):
    """The README's rule: an entry is a number of REGION if it reads as one, else digits without '+' are
    international ('447700900123'); E.164 or None."""
    digits = "".join(c for c in text if c.isdigit())
    return valid_reading(text, region) or (valid_reading("+" + digits, region) if digits else None)


def spreadsheet_digits(text):
    """The digits a spreadsheet's '919845012345.0' or '9.19845012345E+11' stands for (exact ones only)."""
    if text.endswith(".0"):
        return text[:-2]
    mantissa, exponent = text.split("E+")
    digits = mantissa.replace(".", "")
    assert len(digits) == int(exponent) + 1, text
    return digits


def test_the_same_seed_writes_the_same_files_and_another_seed_does_not(tmp_path):
    """Deterministic for a seed, whatever the process (the CLI) or the format."""
    for fmt in gen_contacts.FORMATS:
        _, first_key = gen_contacts.generate(str(tmp_path / ("a." + fmt)), 400, "GB", seed=5)
        subprocess.run([sys.executable, GEN_CONTACTS, "--rows", "400", "--region", "GB", "--format", fmt, "--seed",
                        "5", "--out", str(tmp_path / ("b." + fmt))], check=True, capture_output=True)
        other, _ = gen_contacts.generate(str(tmp_path / ("c." + fmt)), 400, "GB", seed=6)
        with open(first_key, "rb") as a, open(str(tmp_path / ("b." + fmt)) + ".key.csv", "rb") as b:
            assert a.read() == b.read()
        assert (tmp_path / ("a." + fmt)).read_bytes() == (tmp_path / ("b." + fmt)).read_bytes()
        assert gen_contacts.make_rows(400, "GB", 5, fmt) != gen_contacts.make_rows(400, "GB", 6, fmt)
        assert os.path.getsize(other) > 0


@pytest.mark.parametrize("region", ["IN", "US", "GB", "IT", "BR"])
def test_every_expected_number_is_what_the_entry_says_and_invalid_entries_say_none(region):
    """phonenumbers (an independent reader) gets the key's number from each entry, and none from invalid ones."""
    # Independent of the engine: phonenumbers plus the one product rule the README states for digits without '+'.
    rows = gen_contacts.make_rows(ROWS, region, seed=11, fmt="csv")
    for row in rows:
        style = row.style.replace("dup_", "")
        if style in INVALID_STYLES:
            assert row.expected == "", row
            assert policy_reading(row.value, region) is None, row
        elif style in ("float_text", "scientific_exact"):
            assert "+" + spreadsheet_digits(row.value) == row.expected, row
        else:
            assert policy_reading(row.value, region) == row.expected, row
            assert phonenumbers.is_valid_number(phonenumbers.parse(row.expected)), row


def test_a_list_mixes_home_and_foreign_numbers_duplicates_damage_and_invalid_rows():
    """Messy in every way the generator promises, in realistic shares."""
    rows = gen_contacts.make_rows(ROWS, "IN", seed=3, fmt="csv")
    styles = {row.style.replace("dup_", "") for row in rows}
    assert set(gen_contacts.WRITTEN_ANYWHERE) | set(gen_contacts.WRITTEN_AT_HOME) <= styles
    assert {"float_text", "scientific_exact"} | INVALID_STYLES <= styles
    expected = [row.expected for row in rows if row.expected]
    foreign = [e for e in expected if not e.startswith("+91")]
    assert 0.15 < len(foreign) / len(expected) < 0.4
    assert 0.03 < sum(row.style.startswith("dup_") for row in rows) / ROWS < 0.08
    assert 0.04 < sum(not row.expected for row in rows) / ROWS < 0.09
    assert len(set(expected)) < len(expected)


def test_xlsx_stores_digit_numbers_as_number_cells_like_a_spreadsheet(tmp_path):
    """Number and float cells hold the digits; a lost trunk zero is only expected back where the rest still says it."""
    path, key = gen_contacts.generate(str(tmp_path / "list.xlsx"), ROWS, "GB", seed=2)
    book = openpyxl.load_workbook(path, read_only=True)
    cells = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    book.close()
    answers = read_key(key)
    assert len(cells) == len(answers) == ROWS
    seen = set()
    for cell, answer in zip(cells, answers):
        style = answer["style"].replace("dup_", "")
        if style in ("number_cell", "float_cell"):
            assert isinstance(cell, (int, float)) and "+%d" % cell == answer["expected_e164"]
        elif style == "number_cell_lost_zero":
            assert isinstance(cell, int) and answer["expected_e164"] in ("", valid_reading(str(cell), "GB"))
        else:
            assert isinstance(cell, str) or cell is None
        seen.add(style)
    assert {"number_cell", "float_cell", "number_cell_lost_zero"} <= seen


def test_txt_lines_hold_each_entry(tmp_path):
    """One line per row, carrying the entry the key describes."""
    path, key = gen_contacts.generate(str(tmp_path / "list.txt"), 500, "FR", seed=4)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    rows = gen_contacts.make_rows(500, "FR", 4, "txt")
    assert len(lines) == len(read_key(key)) == 500
    assert all(row.value in line for row, line in zip(rows, lines))
