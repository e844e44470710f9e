"""Differential property test: the vectorised fast path and normalize_column answer exactly what the slow
path (normalize_one, i.e. phonenumbers itself) answers, over generated numbers of many regions and styles."""
import random

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as Type

from contacts import fastpath
from contacts.normalize import normalize_column
from contacts.numbers import (FLOAT_TEXT, SCIENTIFIC_TEXT, dialled_digits, normalize_one, own_code_without_trunk,
                             written_international)

REGIONS = ["US", "CA", "GB", "DE", "FR", "IT", "IN", "BR", "MX", "AR", "CN", "JP", "RU", "KZ", "AU", "NG", "ZA",
           "AE", "PK", "KE", "ES", "NL", "SG", "ID", "AT", "CH", "SE", "PL", "TR", "EG", "SA", "PH", "VN", "KR",
           "BS", "JE", "GG", "IM", "CX", "UY", "BO", "CO", "CL", "PE", "NZ", "IE", "PT", "GR", "IL", "NO"]
TYPES = [Type.MOBILE, Type.FIXED_LINE, Type.TOLL_FREE, Type.FIXED_LINE_OR_MOBILE, Type.VOIP]
STYLES = ["e164", "international", "national", "national_digits", "cc_no_plus", "idd", "plus_trunk", "dotted",
          "dashed", "nbsp", "parens", "float_text", "spaced_ends", "labelled", "labelled_float", "scientific",
          "scientific_short", "tabbed_ends", "no_digits"]
# What people write before a number; the last ones hold a digit or a '+', which phonenumbers would start from.
LABELS = ["Mob: ", "Ph ", "WhatsApp: ", "tel:", "TEL://", "Tel. ", "mobile ", "'", "x ", "ext ", "Cell - ",
          "Phone no. ", "A-", "o'Neil: ", "Mob:", "tel: ", "A1 ", "Ph+ ", "No.2 "]
NO_DIGITS = ["N/A", "TBC", "\u2014", "?", "-", "no phone", "tel:", "  ", "\t", "\x1c", "call me", "+", "n/a.",
             "FLOWERS", ";phone-context=abc", "\u00a0", "x"]
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def random_number(rng, region):
    """A number of REGION built from an example number with random tail digits (valid or nearly)."""
    kind = rng.choice(TYPES)
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    nsn = phonenumbers.national_significant_number(example)
    tail = "".join(rng.choice("0123456789") for _ in range(min(4, max(len(nsn) - 2, 0))))
    changed = nsn[: len(nsn) - len(tail)] + tail
    if rng.random() < 0.2:
        # One digit too few or too many: nearly valid numbers probe the length rules.
        changed = changed[:-1] if rng.random() < 0.5 else changed + "5"
    return phonenumbers.parse("+%d%s" % (example.country_code, changed))


def idd_of(region):
    """A literal IDD prefix people dial from REGION, if there is one."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.preferred_international_prefix or metadata.international_prefix
    return prefix if prefix and prefix.isdigit() else "00"


def render(rng, number, default_region):
    """NUMBER written in a random style, as people type it in a DEFAULT_REGION list."""
    return render_style(rng, number, default_region, rng.choice(STYLES))


def render_style(rng, number, default_region, style):
    """NUMBER written in STYLE, as people type it in a DEFAULT_REGION list."""
    national = phonenumbers.format_number(number, Fmt.NATIONAL)
    international = phonenumbers.format_number(number, Fmt.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, Fmt.E164)
    nsn = phonenumbers.national_significant_number(number)
    texts = {
        "e164": e164,
        "international": international,
        "national": national,
        "national_digits": "".join(c for c in national if c.isdigit()),
        "cc_no_plus": e164[1:],
        "idd": idd_of(default_region) + " " + international[1:],
        "plus_trunk": "+%d 0%s" % (number.country_code, nsn),
        "dotted": national.replace(" ", ".").replace("-", "."),
        "dashed": international.replace(" ", "-"),
        "nbsp": national.replace(" ", "\u00a0").replace("-", "\u2013"),
        "parens": "(+%d) %s" % (number.country_code, national.lstrip("0")),
        "float_text": e164[1:] + ".0",
        "spaced_ends": "  %s\u00a0" % e164,
        "labelled": rng.choice(LABELS) + rng.choice([e164, international, national, e164[1:], "(+%d) %s" % (
            number.country_code, national.lstrip("0"))]),
        "labelled_float": rng.choice(LABELS) + e164[1:] + ".0",
        "scientific": "%s%s%sE+%d" % (e164[1], rng.choice(".,"), e164[2:] + "0" * rng.randint(0, 2), len(e164) - 2),
        "scientific_short": "%s.%sE%s%d" % (e164[1], e164[2:rng.randint(3, len(e164))], rng.choice(["+", ""]),
                                            len(e164) - 2 + rng.choice([-1, 0, 1])),
        "tabbed_ends": rng.choice(["\t", "\n", " \r\n", "\x0b"]) + rng.choice([e164, national]) + rng.choice(
            ["\t", "\r\n", " \t ", "\x0c"]),
        "no_digits": rng.choice(NO_DIGITS),
    }
    return texts[style]


# Formatting and junk people leave in cells; inserted at random places.
NOISE = [" ", "-", ".", "(", ")", "/", "\u00a0", "\u2013", "\u2014", "\t", "+", "x", "#", ",", "0", ".0", "E", ";"]


def with_noise(rng, cell):
    """CELL with 1-3 noise characters inserted at random places."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(cell))
        cell = cell[:at] + rng.choice(NOISE) + cell[at:]
    return cell


def random_digits(rng):
    """Digit strings of 1-20 digits, some with '+', some short junk."""
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
    return rng.choice([digits, "+" + digits, "00" + digits, "0" + digits, digits[:3], "", "+", "12-3"])


@st.composite
def batches(draw):
    """(default region, list of cells) for one normalize_column call."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = random.Random(seed)
    default_region = draw(st.sampled_from(REGIONS))
    cells = []
    for _ in range(draw(st.integers(min_value=20, max_value=80))):
        if rng.random() < 0.2:
            cells.append(random_digits(rng))
            continue
        source = default_region if rng.random() < 0.5 else rng.choice(REGIONS)
        cell = render(rng, random_number(rng, source), default_region)
        cells.append(with_noise(rng, cell) if rng.random() < 0.15 else cell)
    return default_region, cells


def is_spreadsheet_text(cell):
    """True for float / scientific cells, which the policy repairs before phonenumbers sees them."""
    text = cell.strip()
    return bool(FLOAT_TEXT.match(text) or SCIENTIFIC_TEXT.match(text))


def reads_own_code_first(cell, region):
    """True where the policy reads digits as international before phonenumbers' national reading (step 4:
    '468129185' in a Swedish list starts with +46 and lacks the trunk 0: +46 8129185, not phonenumbers' +46 468129185)."""
    text = cell.strip()
    return not written_international(text, region) and own_code_without_trunk(dialled_digits(text), region)


def as_none(value):
    """A missing cell of a pandas column (NA / NaN) as None."""
    return None if pd.isna(value) else value


@pytest.fixture(autouse=True)
def every_group_fast(monkeypatch):
    """Let even a one-row country-code group take the vectorised route, so small batches exercise it."""
    monkeypatch.setattr(fastpath, "MIN_GROUP", 1)


@pytest.mark.slow
@SETTINGS
@given(batches())
def test_normalize_column_equals_normalize_one(batch):
    """normalize_column == [normalize_one(v)] value for value: E.164 and reason."""
    region, cells = batch
    out = normalize_column(cells, region)
    got = [(as_none(e), r) for e, r in zip(out["e164"].tolist(), out["reason"].tolist())]
    assert got == [normalize_one(cell, region) for cell in cells]


@SETTINGS
@given(batches())
def test_fast_path_decisions_equal_slow_path_and_phonenumbers(batch):
    """Every row the fast path decides equals normalize_one; valid answers equal phonenumbers' own E.164."""
    region, cells = batch
    (valid_rows, e164), (invalid_rows, reasons) = fastpath.fast_e164(pa.array(cells, pa.large_string()), region)
    assert len(set(valid_rows.tolist()) & set(invalid_rows.tolist())) == 0
    for row, answer in zip(valid_rows.tolist(), e164.to_pylist()):
        assert (answer, None) == normalize_one(cells[row], region)
        if not is_spreadsheet_text(cells[row]) and not reads_own_code_first(cells[row], region):
            parsed = phonenumbers.parse(cells[row], region)
            if phonenumbers.is_valid_number(parsed):
                assert answer == phonenumbers.format_number(parsed, Fmt.E164), repr(cells[row])
    for row, reason in zip(invalid_rows.tolist(), reasons.tolist()):
        assert (None, reason) == normalize_one(cells[row], region)


def test_fast_path_decides_most_plain_numbers():
    """The fast path is really used: it decides nearly every plainly written number of a big list."""
    rng = random.Random(7)
    cells = [render(rng, random_number(rng, rng.choice(["IN", "IN", "US", "GB"])), "IN") for _ in range(3000)]
    (valid_rows, _), (invalid_rows, _) = fastpath.fast_e164(pa.array(cells, pa.large_string()), "IN")
    assert len(valid_rows) + len(invalid_rows) > 0.9 * len(cells)


def test_fast_path_decides_labelled_scientific_and_wordy_cells():
    """The cell clean-up is really used: labels, spreadsheet notation, tabs and words are decided without
    normalize_one (and the differential tests above hold every such answer equal to it)."""
    rng = random.Random(11)
    cells = []
    for style in ("labelled", "scientific", "tabbed_ends", "no_digits"):
        for _ in range(400):
            number = random_number(rng, "IN")
            while not phonenumbers.is_valid_number(number):
                number = random_number(rng, "IN")
            if style == "labelled":  # a label without a digit or '+' of its own
                cells.append(rng.choice([x for x in LABELS if not any(c.isdigit() or c == "+" for c in x)]) +
                             phonenumbers.format_number(number, rng.choice([Fmt.E164, Fmt.NATIONAL])))
            else:
                cells.append(render_style(rng, number, "IN", style))
    (valid_rows, _), (invalid_rows, _) = fastpath.fast_e164(pa.array(cells, pa.large_string()), "IN")
    assert len(valid_rows) + len(invalid_rows) > 0.9 * len(cells)


def test_per_row_regions_follow_the_country_column():
    """A Series of messy country cells picks each row's region; unknown cells fall back to the default."""
    cells = pd.Series(["030 1234567", "07911 123456", "098765 43210", "(415) 555-2671", "098765 43210"],
                      index=[10, 11, 12, 13, 14])
    countries = pd.Series(["Deutschland", "UK", "India", "", "xx"], index=cells.index)
    out = normalize_column(cells, countries, default_region="US")
    assert list(out.index) == [10, 11, 12, 13, 14]
    expected = [normalize_one(c, r)[0] for c, r in zip(cells, ["DE", "GB", "IN", "US", "US"])]
    assert [as_none(e) for e in out["e164"].tolist()] == expected
    assert expected[:3] == ["+49301234567", "+447911123456", "+919876543210"]


def test_large_column_uses_threads_and_matches(monkeypatch):
    """The two-thread split gives the same answers as the single-thread run, rows in order."""
    from contacts import normalize

    rng = random.Random(3)
    cells = [render(rng, random_number(rng, rng.choice(REGIONS[:10])), "US") for _ in range(4000)]
    cells += [random_digits(rng) for _ in range(500)]
    single = normalize_column(cells, "US")
    monkeypatch.setattr(normalize, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(normalize, "WORKERS", 2)
    monkeypatch.setattr(normalize, "CHUNK_ROWS", 1000)
    double = normalize_column(cells, "US")
    assert single.fillna("-").values.tolist() == double.fillna("-").values.tolist()
    assert np.array_equal(single.index, double.index)


@pytest.mark.slow
def test_regions_with_a_national_prefix_transform_rule_match_normalize_one():
    """Argentina, Brazil, Japan and the other regions whose national prefix phonenumbers may rewrite: the fast
    path keeps the rows where that prefix matches only the empty string, and every answer equals normalize_one."""
    regions = sorted(r for r in phonenumbers.SUPPORTED_REGIONS
                     if phonenumbers.PhoneMetadata.metadata_for_region(r).national_prefix_transform_rule)
    assert {"AR", "BR"} <= set(regions)
    rng = random.Random(5)
    for default in regions:
        cells = []
        for _ in range(300):
            number = random_number(rng, rng.choice(regions) if rng.random() < 0.7 else default)
            national = "".join(c for c in phonenumbers.format_number(number, Fmt.NATIONAL) if c.isdigit())
            cells.append(rng.choice(["0", "15", "0 15 ", "9", "0 9 ", ""]) + national if rng.random() < 0.2
                         else render(rng, number, default))
        out = normalize_column(cells, default)
        got = [(as_none(e), r) for e, r in zip(out["e164"].tolist(), out["reason"].tolist())]
        assert got == [normalize_one(cell, default) for cell in cells], default
    # Argentine numbers written with '+' (the pattern is optional throughout, so it always matches) are decided.
    argentine = [phonenumbers.format_number(random_number(rng, "AR"), Fmt.E164) for _ in range(300)]
    (valid_rows, _), (invalid_rows, _) = fastpath.fast_e164(pa.array(argentine, pa.large_string()), "IN")
    assert len(valid_rows) + len(invalid_rows) > 0.9 * len(argentine)
