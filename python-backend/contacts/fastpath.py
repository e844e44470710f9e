"""The vectorised fast path: E.164 answers for whole columns of plainly written numbers, in pyarrow (RE2, C++).

It replicates phonenumbers.parse + is_valid_number only for the simple cases: after removing plain formatting
(space, NBSP, - . ( ) /, en and em dashes) the cell is digits with an optional leading '+'. It then follows
phonenumbers' own steps on whole arrays: '+' or the region's IDD prefix -> country code; otherwise the
default-country-code check of _maybe_extract_country_code; then _maybe_strip_national_prefix_carrier_code
with its viability and length checks; then region_code_for_number + _number_type_helper for validity.

It only ever says "valid, with this E.164". Every cell it is unsure of, and every invalid one, is left
undecided so the slow path (numbers.normalize_one) answers it with a reason. National-prefix transform
rules and unknown country codes are among the cases left undecided.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import metadata_rules as mr

TEXT = pa.large_string()
# phonenumbers' parse refuses national numbers longer than this.
MAX_NSN_LENGTH = 17
# Longer cells go to the slow path, which applies phonenumbers' 250-character input limit itself.
MAX_FAST_CELL = 200
# Country codes with fewer rows than this in a column are left to the slow path: a vectorised pass
# costs a few milliseconds whatever its size, one slow call about 30 microseconds.
MIN_GROUP = 64
PLAIN_FORMATTING_CHARS = (" ", "-", ".", "(", ")", "/", "\u00a0", "\u2013", "\u2014")
# numbers.FLOAT_TEXT after str.strip(); only plain spaces and NBSP around it, which str.strip also removes.
FLOAT_CELL = "^[ \u00a0]*([1-9][0-9]*)\\.0+[ \u00a0]*$"
PLAIN_NUMBER = "^\\+?[0-9]{3,}$"
# _test_number_length outcomes that let parse keep the number with its national prefix stripped.
POSSIBLE, LOCAL_ONLY, TOO_SHORT, TOO_LONG, INVALID_LENGTH = range(5)


def as_bool(arr):
    """A pyarrow boolean result as a numpy bool array (null -> False)."""
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def lengths(strings):
    """Code-unit lengths of digit strings as a numpy int array."""
    return pc.utf8_length(strings).to_numpy(zero_copy_only=False)


def matches(strings, pattern):
    """Numpy bool: RE2 PATTERN matches STRINGS (patterns here are anchored)."""
    if len(strings) == 0:
        return np.zeros(0, dtype=bool)
    return as_bool(pc.match_substring_regex(strings, pattern))


def take(strings, positions):
    """The strings at numpy POSITIONS."""
    return pc.take(strings, pa.array(positions, type=pa.int64()))


def desc_matches(strings, sizes, desc):
    """_is_number_matching_desc over an array: length allowed (when the desc lists lengths) and full match."""
    hit = np.isin(sizes, desc.lengths) if desc.lengths else np.ones(len(sizes), dtype=bool)
    positions = np.flatnonzero(hit)
    if len(positions) < len(sizes):
        hit[positions] = matches(take(strings, positions), desc.pattern)
        return hit
    return matches(strings, desc.pattern)


def type_is_known(nsn, rules):
    """_number_type_helper(nsn) != UNKNOWN: general desc, then any type desc (checked only where still open)."""
    sizes = lengths(nsn)
    known = np.zeros(len(nsn), dtype=bool)
    open_rows = np.flatnonzero(desc_matches(nsn, sizes, rules.general))
    # Fixed line and mobile hold nearly every number, so they go first; order does not change an OR.
    for desc in rules.type_descs[::-1]:
        if len(open_rows) == 0:
            break
        hit = desc_matches(take(nsn, open_rows), sizes[open_rows], desc)
        known[open_rows[hit]] = True
        open_rows = open_rows[~hit]
    return known


def is_valid(nsn, validity):
    """is_valid_number for national numbers NSN of one calling code (VALIDITY from metadata_rules)."""
    if len(validity) == 1:
        return type_is_known(nsn, validity[0][0])
    valid = np.zeros(len(nsn), dtype=bool)
    open_rows = np.arange(len(nsn))
    for rules, by_leading_digits in validity:
        if len(open_rows) == 0:
            break
        subset = take(nsn, open_rows)
        if by_leading_digits:
            hit = matches(subset, rules.leading_digits)
            valid[open_rows[hit]] = type_is_known(take(subset, np.flatnonzero(hit)), rules)
        else:
            hit = type_is_known(subset, rules)
            valid[open_rows[hit]] = True
        open_rows = open_rows[~hit]
    return valid


def length_verdict(sizes, rules):
    """_test_number_length for UNKNOWN type over numpy SIZES."""
    possible = np.asarray(rules.possible_lengths)
    verdict = np.full(len(sizes), INVALID_LENGTH, dtype=np.int8)
    verdict[np.isin(sizes, possible[1:])] = POSSIBLE
    verdict[sizes > possible[-1]] = TOO_LONG
    verdict[sizes < possible[0]] = TOO_SHORT
    verdict[sizes == possible[0]] = POSSIBLE
    if rules.local_lengths:
        verdict[np.isin(sizes, rules.local_lengths)] = LOCAL_ONLY
    return verdict


def strip_national_prefix(numbers, rules):
    """_maybe_strip_national_prefix_carrier_code: (numbers after it, numpy bool 'unsure' for transform rules)."""
    unsure = np.zeros(len(numbers), dtype=bool)
    if rules.national_prefix is None or len(numbers) == 0:
        return numbers, unsure
    prefixed = np.flatnonzero(prefix_matches(numbers, rules))
    if len(prefixed) == 0:
        return numbers, unsure
    if rules.national_prefix_has_transform:
        unsure[prefixed] = True
        return numbers, unsure
    before = take(numbers, prefixed)
    after = strip_prefix(before, rules)
    stay = matches(before, rules.general.pattern) & ~matches(after, rules.general.pattern)
    stripped = np.zeros(len(numbers), dtype=bool)
    stripped[prefixed[~stay]] = True
    if not stripped.any():
        return numbers, unsure
    answers = Answers(len(numbers))
    answers.put(prefixed[~stay], pc.filter(after, pa.array(~stay)), True)
    kept = np.flatnonzero(~stripped)
    answers.put(kept, take(numbers, kept), True)
    return answers.result()[0], unsure


def prefix_matches(numbers, rules):
    """Numpy bool: the national prefix for parsing matches at the start (a literal needs no regex)."""
    if rules.national_prefix_literal:
        return as_bool(pc.starts_with(numbers, rules.national_prefix_literal))
    return matches(numbers, rules.national_prefix)


def strip_prefix(numbers, rules):
    """NUMBERS (all starting with the national prefix) without it."""
    if rules.national_prefix_literal:
        return pc.utf8_slice_codeunits(numbers, len(rules.national_prefix_literal))
    return pc.replace_substring_regex(numbers, rules.national_prefix, "", max_replacements=1)


def finish(nsn0, country_code, rules, validity):
    """The end of parse (national prefix, lengths) and is_valid_number: (E.164 or null, numpy 'sure')."""
    stripped, unsure = strip_national_prefix(nsn0, rules)
    keep_stripped = np.isin(length_verdict(lengths(stripped), rules), (POSSIBLE, TOO_LONG))
    nsn = pc.if_else(pa.array(keep_stripped), stripped, nsn0)
    sizes = lengths(nsn)
    parsed = (lengths(nsn0) >= 2) & (sizes <= MAX_NSN_LENGTH)
    valid = np.zeros(len(nsn), dtype=bool)
    rows = np.flatnonzero(parsed)
    valid[rows] = is_valid(take(nsn, rows), validity)
    e164 = pc.binary_join_element_wise(pa.scalar("+" + country_code, TEXT), nsn, pa.scalar("", TEXT))
    return pc.if_else(pa.array(valid), e164, pa.scalar(None, TEXT)), ~unsure


class Answers:
    """E.164 answers and 'sure' flags for one batch of digit strings, filled group by group."""

    def __init__(self, size):
        self.positions, self.pieces = [], []
        self.sure = np.zeros(size, dtype=bool)
        self.filled = np.zeros(size, dtype=bool)
        self.size = size

    def put(self, positions, e164, sure):
        """Record answers for POSITIONS of the batch."""
        positions = np.asarray(positions, dtype=np.int64)
        self.positions.append(positions)
        self.pieces.append(e164.combine_chunks() if isinstance(e164, pa.ChunkedArray) else e164)
        self.sure[positions] = sure
        self.filled[positions] = True

    def result(self):
        """(E.164 array with nulls, numpy sure) in batch order."""
        missing = np.flatnonzero(~self.filled)
        positions = np.concatenate(self.positions + [missing])
        merged = pa.concat_arrays(self.pieces + [pa.nulls(len(missing), TEXT)])
        order = np.empty(self.size, dtype=np.int64)
        order[positions] = np.arange(self.size)
        return take(merged, order), self.sure


def parse_international(digits):
    """Digits after '+' or an IDD prefix: country code, then the rest as phonenumbers does."""
    answers = Answers(len(digits))
    sizes = lengths(digits)
    # TOO_SHORT_AFTER_IDD: phonenumbers raises; surely invalid.
    answers.put(np.flatnonzero(sizes <= 2), pa.nulls(int((sizes <= 2).sum()), TEXT), True)
    cc_length = np.zeros(len(digits), dtype=np.int8)
    for size in (3, 2, 1):
        head = pc.utf8_slice_codeunits(digits, 0, size)
        cc_length[as_bool(pc.is_in(head, value_set=pa.array(sorted(mr.CALLING_CODES), TEXT)))] = size
    cc_length[sizes <= 2] = 0
    for size in (1, 2, 3):
        rows = np.flatnonzero(cc_length == size)
        if len(rows) == 0:
            continue
        subset = take(digits, rows)
        codes = pc.utf8_slice_codeunits(subset, 0, size)
        encoded = pc.dictionary_encode(codes)
        code_ids = encoded.indices.to_numpy(zero_copy_only=False)
        code_names = encoded.dictionary.to_pylist()
        counts = np.bincount(code_ids, minlength=len(code_names))
        for code_id in np.flatnonzero(counts >= MIN_GROUP):
            group = np.flatnonzero(code_ids == code_id)
            answer_group(answers, rows[group], take(subset, group), code_names[code_id], size)
    return answers.result()


def answer_group(answers, positions, digits, code, size):
    """Answer the rows of one country CODE (digits still start with it), or leave them unsure."""
    rules, validity = mr.calling_code_rules(code), mr.validity_rules(code)
    if rules is None or validity is None:
        return
    e164, sure = finish(pc.utf8_slice_codeunits(digits, size), code, rules, validity)
    answers.put(positions, e164, sure)


def parse_national(digits, rules):
    """Digits with no '+' and no IDD, read in the default region of RULES."""
    answers = Answers(len(digits))
    code = rules.country_code
    validity = mr.validity_rules(code)
    if validity is None:
        return answers.result()
    starts = np.flatnonzero(as_bool(pc.starts_with(digits, code)))
    with_code = np.zeros(len(digits), dtype=bool)
    unsure = np.zeros(len(digits), dtype=bool)
    if len(starts):
        full = take(digits, starts)
        potential, unsure_strip = strip_national_prefix(pc.utf8_slice_codeunits(full, len(code)), rules)
        better = ((~matches(full, rules.general.pattern) & matches(potential, rules.general.pattern))
                  | (length_verdict(lengths(full), rules) == TOO_LONG))
        with_code[starts[better]] = True
        unsure[starts[unsure_strip]] = True
        main_rules = mr.calling_code_rules(code)
        rows = np.flatnonzero(better & ~unsure_strip)
        if main_rules is not None and len(rows):
            answers.put(starts[rows], *finish(take(potential, rows), code, main_rules, validity))
    rows = np.flatnonzero(~with_code & ~unsure)
    answers.put(rows, *finish(take(digits, rows), code, rules, validity))
    return answers.result()


def answer_plain_numbers(numbers, rules):
    """E.164 (or null) and 'sure' for plain '+digits' / 'digits' strings in the region of RULES."""
    answers = Answers(len(numbers))
    plus = as_bool(pc.starts_with(numbers, "+"))
    rows = np.flatnonzero(plus)
    answers.put(rows, *parse_international(pc.utf8_slice_codeunits(take(numbers, rows), 1)))
    rows = np.flatnonzero(~plus)
    digits = take(numbers, rows)
    idd = np.zeros(len(rows), dtype=bool)
    if rules.idd_prefix is not None:
        rest = pc.replace_substring_regex(digits, rules.idd_prefix, "", max_replacements=1)
        # phonenumbers keeps the IDD when a 0 follows it: country codes never start with 0.
        idd = matches(digits, rules.idd_prefix) & ~as_bool(pc.starts_with(rest, "0"))
        inside = np.flatnonzero(idd)
        answers.put(rows[inside], *parse_international(take(rest, inside)))
    national = np.flatnonzero(~idd)
    answers.put(rows[national], *national_with_retry(take(digits, national), rules))
    return answers.result()


def national_with_retry(digits, rules):
    """National reading, then numbers.normalize_one's retry as '+' + digits where the first is surely invalid."""
    e164, sure = parse_national(digits, rules)
    retry = np.flatnonzero(sure & ~as_bool(pc.is_valid(e164)))
    if len(retry) == 0:
        return e164, sure
    again, again_sure = parse_international(take(digits, retry))
    accepted = again_sure & as_bool(pc.is_valid(again))
    # A retry that is not surely answered leaves the whole row open.
    sure[retry[~again_sure]] = False
    answers = Answers(len(digits))
    keep = np.setdiff1d(np.arange(len(digits)), retry[accepted])
    answers.put(keep, take(e164, keep), sure[keep])
    answers.put(retry[accepted], pc.filter(again, pa.array(accepted)), True)
    return answers.result()


def plain_cells(cells):
    """(positions, plain numbers) of the CELLS the fast path may read: formatting dropped, '+digits'.

    Cells that are digits already (most) skip the clean-up; the rest are cleaned with literal replaces,
    which are far cheaper than one regex replace over the column.
    """
    sizes = lengths(pc.fill_null(cells, ""))
    digits_only = as_bool(pc.ascii_is_decimal(cells)) & (sizes >= 3)
    others = np.flatnonzero(~digits_only & (sizes <= MAX_FAST_CELL) & (sizes > 0))
    cleaned = take(cells, others)
    floats = np.flatnonzero(as_bool(pc.match_substring(cleaned, ".0")))
    if len(floats):
        cleaned = replace_rows(cleaned, floats, pc.replace_substring_regex(take(cleaned, floats), FLOAT_CELL, "\\1"))
    for char in PLAIN_FORMATTING_CHARS:
        if pc.any(pc.match_substring(cleaned, char)).as_py():
            cleaned = pc.replace_substring(cleaned, char, "")
    usable = matches(cleaned, PLAIN_NUMBER)
    answers = Answers(len(cells))
    answers.put(np.flatnonzero(digits_only), pc.filter(cells, pa.array(digits_only)), True)
    answers.put(others[usable], pc.filter(cleaned, pa.array(usable)), True)
    numbers, sure = answers.result()
    positions = np.flatnonzero(sure)
    return positions, take(numbers, positions)


def replace_rows(strings, positions, replacements):
    """STRINGS with the rows at POSITIONS replaced by REPLACEMENTS."""
    answers = Answers(len(strings))
    answers.put(positions, replacements, True)
    rest = np.flatnonzero(~answers.filled)
    answers.put(rest, take(strings, rest), True)
    return answers.result()[0]


def fast_e164(cells, region):
    """(E.164 array with nulls, numpy bool decided) for a large_string array of CELLS in default REGION.

    decided[i] means E.164[i] is exactly normalize_one's valid answer; other rows need the slow path.
    """
    decided = np.zeros(len(cells), dtype=bool)
    rules = mr.region_rules(region.upper()) if isinstance(region, str) else None
    if rules is None or len(cells) == 0:
        return pa.nulls(len(cells), TEXT), decided
    answers = Answers(len(cells))
    positions, numbers = plain_cells(cells)
    e164, sure = answer_plain_numbers(numbers, rules)
    valid = sure & as_bool(pc.is_valid(e164))
    answers.put(positions[valid], pc.filter(e164, pa.array(valid)), True)
    return answers.result()
