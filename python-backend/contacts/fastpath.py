"""The vectorised fast path: E.164 answers for whole columns of plainly written numbers, in pyarrow (RE2, C++).

It replicates phonenumbers.parse + is_valid_number only for the simple cases: after removing plain formatting
(space, NBSP, - . ( ) /, en and em dashes) the cell is digits with an optional leading '+'. It then follows
phonenumbers' own steps on whole arrays: '+' or the region's IDD prefix -> country code; otherwise the
default-country-code check of _maybe_extract_country_code; then _maybe_strip_national_prefix_carrier_code
with its viability and length checks; then region_code_for_number + _number_type_helper for validity.

It decides "valid, with this E.164", or "invalid" with the reason normalize_one would give when that reason
follows from the same steps (parse's length exceptions, is_possible_number_with_reason). Every cell it is
unsure of is left to the slow path (numbers.normalize_one): text that is not plain, a national prefix that a
transform rule would rewrite (Argentina's '15'), unknown or rare country codes, '+' with an unknown country
code (which parse re-reads nationally), and +52 numbers written with Mexico's retired prefixes (normalize_one's
step 4b rewrites or refuses them).

Work is done in groups of rows (a group = row positions in the column + their strings); every valid answer
goes straight into a Sink, so no intermediate result is ever re-assembled in row order.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import fast_bytes as fb
from . import fast_cells as fc
from . import metadata_rules as mr
from .numbers import MAX_E164_DIGITS, MEXICO_COUNTRY_CODE, MEXICO_OLD_FORMS

TEXT = pa.large_string()
# phonenumbers' parse refuses national numbers longer than this, and shorter than 2.
MAX_NSN_LENGTH = 17
MIN_NSN_LENGTH = 2
# Longer cells go to the slow path, which applies phonenumbers' 250-character input limit itself.
MAX_FAST_CELL = 200
# Country codes with fewer rows than this in a column are left to the slow path: a vectorised pass
# costs about a millisecond whatever its size, one slow call about 30 microseconds.
MIN_GROUP = 32
ASCII_FORMATTING_CHARS = " -.()/"
UNICODE_FORMATTING_CHARS = ("\u00a0", "\u2013", "\u2014")
# numbers.FLOAT_TEXT after str.strip(); only plain spaces and NBSP around it, which str.strip also removes.
FLOAT_CELL = "^[ \u00a0]*([1-9][0-9]*)\\.0+[ \u00a0]*$"
# phonenumbers needs 3 digits to see a number at all in punctuated text; fewer are never valid anyway.
MIN_PLAIN_DIGITS = 3
# Digits after '+' (or an IDD) that are +52 with a retired Mexican prefix: normalize_one's step 4b reads them.
MEXICO_OLD_INTERNATIONAL = "^%d%s" % (MEXICO_COUNTRY_CODE, MEXICO_OLD_FORMS[1:])
IS_CALLING_CODE = np.zeros(1000, dtype=bool)
IS_CALLING_CODE[[int(code) for code in mr.CALLING_CODES]] = True
# _test_number_length outcomes; POSSIBLE and TOO_LONG let parse keep a number with its prefix stripped.
POSSIBLE, LOCAL_ONLY, TOO_SHORT, TOO_LONG, INVALID_LENGTH = range(5)
# Per-row outcome codes: unsure (slow path), valid, or surely invalid with numbers.normalize_one's reason.
OUTCOME_NAMES = (None, None, "too_short", "too_long", "invalid_for_region", "invalid_length", "empty",
                 "invalid_country_code", "not_a_number", "lost_digits")
UNSURE, VALID = 0, 1
OUTCOME = {name: code for code, name in enumerate(OUTCOME_NAMES) if name}
# numbers.POSSIBILITY_REASONS, indexed by length verdict.
POSSIBILITY_OUTCOMES = np.array([OUTCOME["invalid_for_region"], OUTCOME["too_short"], OUTCOME["too_short"],
                                 OUTCOME["too_long"], OUTCOME["invalid_length"]], dtype=np.int8)


class Sink:
    """Decided answers from every group: column positions and their E.164 strings, and reasons."""

    def __init__(self):
        self.positions, self.values = [], []
        self.reason_positions, self.reason_codes = [], []

    def put_reasons(self, positions, outcome):
        """Record the surely invalid rows among POSITIONS with their OUTCOME codes."""
        invalid = outcome > VALID
        if invalid.any():
            self.reason_positions.append(np.asarray(positions, dtype=np.int64)[invalid])
            self.reason_codes.append(outcome[invalid])

    def reasons(self):
        """(numpy positions, numpy object array of reason codes) of the invalid rows recorded."""
        if not self.reason_positions:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        codes = np.concatenate(self.reason_codes)
        return np.concatenate(self.reason_positions), np.asarray(OUTCOME_NAMES, dtype=object)[codes]

    def put(self, positions, e164):
        """Record valid answers E164 for column POSITIONS."""
        if len(positions):
            self.positions.append(np.asarray(positions, dtype=np.int64))
            self.values.append(e164)

    def arrays(self):
        """(numpy positions, E.164 array) of everything recorded."""
        if not self.positions:
            return np.zeros(0, dtype=np.int64), pa.array([], TEXT)
        return np.concatenate(self.positions), pa.concat_arrays(self.values)


def as_bool(arr):
    """A pyarrow boolean result as a numpy bool array (null -> False)."""
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def lengths(strings):
    """Lengths of STRINGS as a numpy int array, in bytes: the same as characters for the fast path's numbers, which
    are ASCII digits and '+' (and ~15x cheaper than counting UTF-8 characters)."""
    return pc.binary_length(strings).to_numpy(zero_copy_only=False)


def char_lengths(strings):
    """Character lengths of STRINGS (any text) as a numpy int array."""
    return pc.utf8_length(strings).to_numpy(zero_copy_only=False)


def matches(strings, pattern):
    """Numpy bool: RE2 PATTERN matches STRINGS (patterns here are anchored)."""
    if len(strings) == 0:
        return np.zeros(0, dtype=bool)
    return as_bool(pc.match_substring_regex(strings, pattern))


def take(strings, rows):
    """The strings at numpy ROWS."""
    return pc.take(strings, pa.array(rows, type=pa.int64()))


def split(strings, mask):
    """(rows where MASK holds, their strings), without copying when it holds everywhere."""
    rows = np.flatnonzero(mask)
    if len(rows) == len(strings):
        return rows, strings
    return rows, take(strings, rows)


def type_is_known(nsn, rules):
    """_number_type_helper(nsn) != UNKNOWN: one general-desc pass over every row of a length it allows, then one
    type pass per distinct set of type patterns (lengths whose applicable types are the same share it), over the
    rows the general pattern matched."""
    sizes = lengths(nsn)
    present = np.unique(sizes)
    passes = mr.type_passes(rules, tuple(int(size) for size in present))
    known = np.zeros(len(nsn), dtype=bool)
    if not passes:
        return known
    allowed = np.isin(sizes, [size for pass_sizes, _ in passes for size in pass_sizes])
    rows, subset = split(nsn, allowed)
    hit = matches(subset, rules.general.pattern)
    rows, subset = rows[hit], pc.filter(subset, pa.array(hit)) if not hit.all() else subset
    hit_sizes = sizes[rows]
    for pass_sizes, type_patterns in passes:
        chosen = np.isin(hit_sizes, pass_sizes) if len(passes) > 1 else np.ones(len(rows), dtype=bool)
        chosen_rows, chosen_strings = split(subset, chosen)
        typed = np.zeros(len(chosen_rows), dtype=bool)
        for pattern in type_patterns:
            typed |= matches(chosen_strings, pattern)
        known[rows[chosen_rows[typed]]] = True
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
    """_test_number_length for type UNKNOWN over numpy SIZES."""
    possible = np.asarray(rules.possible_lengths)
    verdict = np.full(len(sizes), INVALID_LENGTH, dtype=np.int8)
    verdict[np.isin(sizes, possible[1:])] = POSSIBLE
    verdict[sizes > possible[-1]] = TOO_LONG
    verdict[sizes < possible[0]] = TOO_SHORT
    verdict[sizes == possible[0]] = POSSIBLE
    if rules.local_lengths:
        verdict[np.isin(sizes, rules.local_lengths)] = LOCAL_ONLY
    return verdict


def starts_with_pattern(strings, pattern, literal):
    """Numpy bool: PATTERN (or its LITERAL form, cheaper) matches at the start."""
    if literal is not None:
        return as_bool(pc.starts_with(strings, literal))
    return matches(strings, pattern)


def without_prefix(strings, pattern, literal):
    """STRINGS (all starting with PATTERN) without that prefix."""
    if literal is not None:
        return pc.utf8_slice_codeunits(strings, len(literal))
    return pc.replace_substring_regex(strings, pattern, "", max_replacements=1)


def strip_national_prefix(numbers, rules):
    """_maybe_strip_national_prefix_carrier_code over a small array: (numbers after it, numpy bool unsure)."""
    unsure = np.zeros(len(numbers), dtype=bool)
    if rules.national_prefix is None or len(numbers) == 0:
        return numbers, unsure
    if rules.national_prefix_has_transform:
        return numbers, transformed(numbers, rules)
    prefixed = starts_with_pattern(numbers, rules.national_prefix, rules.national_prefix_literal)
    after = without_prefix(numbers, rules.national_prefix, rules.national_prefix_literal)
    stay = viable_only_before(numbers, after, rules)
    return pc.if_else(pa.array(prefixed & ~stay), after, numbers), unsure


def transformed(numbers, rules):
    """Numpy bool: rows whose national prefix phonenumbers may rewrite by a transform rule (Argentina's
    '0?(?:(11|...)?15)?' -> '9$1'), left to the slow path. Where the prefix pattern matches only the empty string
    (most numbers: it is optional throughout) _maybe_strip_national_prefix_carrier_code leaves the number as it
    is, so those rows stay. RE2 picks the same match as Python's re: leftmost-first, Perl's preference order."""
    if len(numbers) == 0:
        return np.zeros(0, dtype=bool)
    found = pc.extract_regex(numbers, "^(?P<prefix>%s)" % rules.national_prefix[1:])
    sizes = pc.fill_null(pc.utf8_length(pc.struct_field(found, [0])), 0).to_numpy(zero_copy_only=False)
    return as_bool(found.is_valid()) & (sizes > 0)


def viable_only_before(before, after, rules):
    """Numpy bool: BEFORE matches the general pattern and AFTER does not (the second pass runs only where
    AFTER failed, which is rare)."""
    failed = ~matches(after, rules.general.pattern)
    rows, subset = split(before, failed)
    stay = np.zeros(len(before), dtype=bool)
    stay[rows] = matches(subset, rules.general.pattern)
    return stay


def national_number_groups(nsn0, rules):
    """The end of parse: [(rows, national numbers)] after the national prefix rule, and numpy bool unsure."""
    unsure = np.zeros(len(nsn0), dtype=bool)
    if rules.national_prefix is None:
        return [(np.arange(len(nsn0)), nsn0)], unsure
    if rules.national_prefix_has_transform:
        unsure = transformed(nsn0, rules)
        return [split(nsn0, ~unsure)], unsure
    prefixed = starts_with_pattern(nsn0, rules.national_prefix, rules.national_prefix_literal)
    rows, before = split(nsn0, prefixed)
    after = without_prefix(before, rules.national_prefix, rules.national_prefix_literal)
    stay = viable_only_before(before, after, rules)
    # parse keeps the stripped number only when its length is not too short / local-only / invalid.
    use = ~stay & np.isin(length_verdict(lengths(after), rules), (POSSIBLE, TOO_LONG))
    stripped_rows, stripped = split(after, use)
    unchanged = np.ones(len(nsn0), dtype=bool)
    unchanged[rows[use]] = False
    return [(rows[stripped_rows], stripped), split(nsn0, unchanged)], unsure


def finish(positions, nsn0, code, rules, validity, sink):
    """Parse's last steps and is_valid_number for one country CODE: sink valid rows, return outcomes."""
    outcome = np.full(len(nsn0), UNSURE, dtype=np.int8)
    long_enough = lengths(nsn0) >= MIN_NSN_LENGTH
    main_rules = mr.calling_code_rules(code)
    groups, _ = national_number_groups(nsn0, rules)
    # The rows with and without a stripped prefix are told apart by nothing below: one set of passes for both.
    rows = np.concatenate([group_rows for group_rows, _ in groups])
    nsn = concat_text(groups)
    sizes = lengths(nsn)
    parsed = long_enough[rows] & (sizes <= MAX_NSN_LENGTH)
    checked_rows, checked = split(nsn, parsed)
    ok = is_valid(checked, validity)
    # Invalid numbers get is_possible_number_with_reason's verdict (main region of the code).
    group_outcome = POSSIBILITY_OUTCOMES[length_verdict(sizes, main_rules)]
    group_outcome[sizes > MAX_NSN_LENGTH] = OUTCOME["too_long"]
    group_outcome[~long_enough[rows]] = OUTCOME["too_short"]
    group_outcome[checked_rows[ok]] = VALID
    outcome[rows] = group_outcome
    good = pc.filter(checked, pa.array(ok))
    e164 = pc.binary_join_element_wise(pa.scalar("+" + code, TEXT), good, pa.scalar("", TEXT))
    sink.put(positions[rows[checked_rows[ok]]], e164)
    if code == str(MEXICO_COUNTRY_CODE):
        # Never valid as written; the slow path reads them without the old prefix, or finds them ambiguous.
        outcome[matches(nsn0, MEXICO_OLD_FORMS)] = UNSURE
    return outcome


def country_code_lengths(digits):
    """Numpy int: length (1-3) of the first calling code at the start of DIGITS, 0 when none."""
    found = np.zeros(len(digits), dtype=np.int8)
    for size in (3, 2, 1):
        head = fb.leading_numbers(digits, size)
        found[(head >= 0) & IS_CALLING_CODE[np.clip(head, 0, 999)] & (head >= 10 ** (size - 1))] = size
    return found


def calling_code_groups(digits, code_sizes, codes):
    """Yield (rows, national numbers, calling code) for each calling code CODES gives at least MIN_GROUP rows of
    DIGITS (CODE_SIZES digits long; 0: none). The rows are sorted by code and taken once; each group is then a
    slice of that one copy, so the code's group costs no take of its own."""
    coded = np.flatnonzero(code_sizes > 0)
    keys, counts = np.unique(codes[coded], return_counts=True)
    kept = np.isin(codes[coded], keys[counts >= MIN_GROUP])
    coded = coded[kept]
    if len(coded) == 0:
        return
    coded = coded[np.argsort(codes[coded], kind="stable")]
    grouped = take(digits, coded)
    starts = np.flatnonzero(np.diff(codes[coded], prepend=-1))
    for start, end in zip(starts, np.append(starts[1:], len(coded))):
        code = str(int(codes[coded[start]]))
        yield coded[start:end], pc.utf8_slice_codeunits(grouped.slice(start, end - start), len(code)), code


def parse_international(positions, digits, rules, sink, after_plus):
    """Digits after '+' (numpy bool AFTER_PLUS, per row) or an IDD prefix: sink valid rows, return outcomes. RULES
    are the default region's: after '+' an unknown country code makes parse re-read the digits in that region."""
    sizes = lengths(digits)
    outcome = np.full(len(digits), UNSURE, dtype=np.int8)
    code_sizes = country_code_lengths(digits)
    code_sizes[sizes <= MIN_NSN_LENGTH] = 0
    no_code = code_sizes == 0
    if after_plus.any():
        # parse strips the '+' and tries the default region's IDD and country code; only then it gives up.
        home = as_bool(pc.starts_with(digits, rules.country_code))
        if rules.idd_prefix:
            home |= starts_with_pattern(digits, rules.idd_prefix, rules.idd_literal)
        no_code &= ~(after_plus & home)
    outcome[no_code] = OUTCOME["invalid_country_code"]
    # Fewer national digits than any region of the code allows: too short whatever parse strips.
    codes = fb.leading_numbers(digits, 3) // 10 ** (3 - np.maximum(code_sizes, 1))
    short = (code_sizes > 0) & (sizes - code_sizes < mr.shortest_national_numbers()[np.clip(codes, 0, 999)])
    outcome[short] = OUTCOME["too_short"]
    # More national digits than any region of the code allows, even after its prefix: too long.
    long = (code_sizes > 0) & (sizes - code_sizes > mr.longest_national_numbers()[np.clip(codes, 0, 999)])
    outcome[long] = OUTCOME["too_long"]
    # TOO_SHORT_AFTER_IDD: phonenumbers raises.
    outcome[sizes <= MIN_NSN_LENGTH] = OUTCOME["too_short"]
    # One digit longer than any Mexican number, yet normalize_one may rewrite them: the slow path decides.
    mexican = matches(digits, MEXICO_OLD_INTERNATIONAL)
    outcome[mexican] = UNSURE
    code_sizes[short | long | mexican] = 0
    for rows, nsn0, code in calling_code_groups(digits, code_sizes, codes):
        code_rules, validity = mr.calling_code_rules(code), mr.validity_rules(code)
        if code_rules is not None and validity is not None:
            outcome[rows] = finish(positions[rows], nsn0, code, code_rules, validity, sink)
    return outcome


def parse_national(positions, digits, rules, sink):
    """Digits with no '+' and no IDD in the default region of RULES: sink valid rows, return outcomes."""
    outcome = np.full(len(digits), UNSURE, dtype=np.int8)
    code = rules.country_code
    validity = mr.validity_rules(code)
    main_rules = mr.calling_code_rules(code)
    if validity is None or main_rules is None:
        return outcome
    taken = np.zeros(len(digits), dtype=bool)
    rows, full = split(digits, as_bool(pc.starts_with(digits, code)))
    if len(rows):
        # _maybe_extract_country_code: the default country code written without '+'.
        potential, unsure = strip_national_prefix(pc.utf8_slice_codeunits(full, len(code)), rules)
        better = (viable_only_before(potential, full, rules)
                  | (length_verdict(lengths(full), rules) == TOO_LONG)) & ~unsure
        taken[rows[unsure]] = True
        chosen, nsn0 = split(potential, better)
        outcome[rows[chosen]] = finish(positions[rows[chosen]], nsn0, code, main_rules, validity, sink)
        taken[rows[chosen]] = True
    rows, nsn0 = split(digits, ~taken)
    outcome[rows] = finish(positions[rows], nsn0, code, rules, validity, sink)
    return outcome


def own_code_rows(digits, rules):
    """numpy rows of DIGITS that normalize_one's own-country-code rule reads as '+' + digits first."""
    rule = rules.own_code
    if rule is None or len(digits) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(as_bool(pc.starts_with(digits, rule[0])) & ~as_bool(pc.starts_with(digits, rule[1])))


def international_parts(parts, rules, sink):
    """parse_international once over PARTS [(positions, digits, after '+')], emptied as they are joined so each
    part's digits can be freed: the outcomes of each part. One call forms each calling code's group (and runs its
    patterns) once for all the parts."""
    sizes = [len(part_positions) for part_positions, _, _ in parts]
    positions = np.concatenate([part_positions for part_positions, _, _ in parts])
    after_plus = np.concatenate([np.full(len(part_positions), plus) for part_positions, _, plus in parts])
    outcome = parse_international(positions, concat_text(parts), rules, sink, after_plus)
    return np.split(outcome, np.cumsum(sizes)[:-1])


def national_reading_with_retry(positions, digits, rules, sink):
    """The national reading, then the '+' + digits retry where it is surely invalid."""
    outcome = parse_national(positions, digits, rules, sink)
    rows, retry = split(digits, outcome > VALID)
    again = parse_international(positions[rows], retry, rules, sink, np.ones(len(rows), dtype=bool))
    outcome[rows[again == VALID]] = VALID
    outcome[rows[again == UNSURE]] = UNSURE
    return outcome


def dialled_abroad(digits, rules):
    """(numpy rows of DIGITS that start with the region's IDD followed by a non-zero digit, those digits after the
    IDD): phonenumbers keeps the IDD when a 0 follows it, as country codes never start with 0."""
    if rules.idd_prefix is None or len(digits) == 0:
        return np.zeros(0, dtype=np.int64), digits.slice(0, 0)
    idd_rows, dialled = split(digits, starts_with_pattern(digits, rules.idd_prefix, rules.idd_literal))
    rest = without_prefix(dialled, rules.idd_prefix, rules.idd_literal)
    inside, rest = split(rest, ~as_bool(pc.starts_with(rest, "0")))
    return idd_rows[inside], rest


def concat_text(batches):
    """The strings of BATCHES [(rows, strings)] as one large_string array, emptying the list as it goes so each
    batch's strings can be freed once copied."""
    pieces = []
    while batches:
        pieces.append(batches.pop(0)[1].cast(TEXT))
    return pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)


def answer_plain_numbers(positions, batches, rules, sink):
    """Sink the answers for the plain '+digits' / 'digits' strings of BATCHES [(rows, strings)] (at POSITIONS, in
    order; the list is emptied) in the default region of RULES.

    '+' digits, digits after the IDD and the own-country-code rule's first reading ('+' + digits) go through
    parse_international together; the national reading follows for the rest, then its '+' retry. Each array is
    let go as soon as the next is taken from it, so the peak stays that of one reading at a time."""
    numbers = concat_text(batches)
    plus = as_bool(pc.starts_with(numbers, "+"))
    plus_rows, digit_rows = np.flatnonzero(plus), np.flatnonzero(~plus)
    parts = [(positions[plus_rows], pc.utf8_slice_codeunits(take(numbers, plus_rows), 1), True)]
    digits = take(numbers, digit_rows) if len(plus_rows) else numbers
    del numbers
    idd_rows, dialled = dialled_abroad(digits, rules)
    parts.append((positions[digit_rows[idd_rows]], dialled, False))
    del dialled
    national_rows = np.setdiff1d(np.arange(len(digits)), idd_rows, assume_unique=True)
    national = take(digits, national_rows) if len(idd_rows) else digits
    del digits
    own_rows = own_code_rows(national, rules)
    parts.append((positions[digit_rows[national_rows[own_rows]]], take(national, own_rows), True))
    plus_out, idd_out, own_out = international_parts(parts, rules, sink)
    sink.put_reasons(positions[plus_rows], plus_out)
    sink.put_reasons(positions[digit_rows[idd_rows]], idd_out)
    # The own-code reading decides where it is valid (sunk) or unsure; elsewhere the national reading does.
    outcome = np.full(len(national), UNSURE, dtype=np.int8)
    outcome[own_rows[own_out == VALID]] = VALID
    decided = np.zeros(len(national), dtype=bool)
    decided[own_rows[(own_out == VALID) | (own_out == UNSURE)]] = True
    rows, rest = split(national, ~decided)
    del national
    national_positions = positions[digit_rows[national_rows]]
    outcome[rows] = national_reading_with_retry(national_positions[rows], rest, rules, sink)
    sink.put_reasons(national_positions, outcome)


def plain_batches(cells, sink):
    """[(positions, plain numbers)] of the CELLS the fast path may read: formatting dropped, '+digits'.

    Cells that are digits already skip the clean-up; other ASCII cells lose surrounding whitespace, labels and
    scientific notation (fast_cells, which puts the reasons it can tell into SINK) and then their formatting in
    one byte-level pass; only non-ASCII cells (NBSP, dashes) need the costlier text replaces.
    """
    sizes = char_lengths(pc.fill_null(cells, ""))
    digits_only = as_bool(pc.ascii_is_decimal(cells)) & (sizes >= MIN_PLAIN_DIGITS) & (sizes <= MAX_FAST_CELL)
    batches = [split(cells, digits_only)]
    others = ~digits_only & (sizes <= MAX_FAST_CELL) & (sizes > 0)
    ascii_text = as_bool(pc.string_is_ascii(cells))
    ascii_rows, ascii_cells = split(cells, others & ascii_text)
    cleaned_batches, reasons = fc.clean_ascii_cells(ascii_rows, ascii_cells)
    for rows, reason in reasons:
        sink.put_reasons(rows, np.full(len(rows), OUTCOME[reason], dtype=np.int8))
    pending = [(rows, text, False) for rows, text in cleaned_batches]
    pending.append((*split(cells, others & ~ascii_text), True))
    for rows, cleaned, non_ascii_text in pending:
        if len(rows) == 0:
            continue
        if pc.any(pc.match_substring(cleaned, ".0")).as_py():  # FLOAT_CELL rewrites only whole float cells
            cleaned = pc.replace_substring_regex(cleaned, FLOAT_CELL, "\\1")
        cleaned, plain = without_formatting(cleaned, non_ascii_text)
        usable, cleaned = split(cleaned, plain)
        batches.append((rows[usable], cleaned))
    return batches


def without_formatting(cleaned, non_ascii):
    """(CLEANED without plain formatting characters, numpy bool: the result is a plain number)."""
    if non_ascii:
        for char in UNICODE_FORMATTING_CHARS:
            if pc.any(pc.match_substring(cleaned, char)).as_py():
                cleaned = pc.replace_substring(cleaned, char, "")
    cleaned = fb.drop_ascii_chars(cleaned, ASCII_FORMATTING_CHARS)
    return cleaned, fb.plain_number_mask(cleaned, MIN_PLAIN_DIGITS)


def fast_e164(cells, region):
    """The rows of CELLS (a large_string array) the fast path decides in default REGION, each exactly as
    normalize_one answers it: ((numpy positions, E.164 array) of valid rows, (numpy positions, reasons) of
    invalid ones). Other rows need the slow path."""
    rules = mr.region_rules(region.upper()) if isinstance(region, str) else None
    sink = Sink()
    if rules is not None and len(cells):
        empty = np.flatnonzero(~as_bool(pc.utf8_length(pc.fill_null(cells, "")).cast(pa.bool_())))
        sink.put_reasons(empty, np.full(len(empty), OUTCOME["empty"], dtype=np.int8))
        batches = [batch for batch in plain_batches(cells, sink) if len(batch[0])]
        if batches:
            # One batch: every calling code's group is then formed (and its patterns run) once, not per batch.
            answer_plain_numbers(np.concatenate([rows for rows, _ in batches]), batches, rules, sink)
    positions, e164 = sink.arrays()
    # normalize_one's E.164 length cap: '+' and at most MAX_E164_DIGITS digits.
    too_long = lengths(e164) > MAX_E164_DIGITS + 1
    if too_long.any():
        sink.put_reasons(positions[too_long], np.full(int(too_long.sum()), OUTCOME["too_long"], dtype=np.int8))
        positions, e164 = positions[~too_long], e164.filter(pa.array(~too_long))
    return (positions, e164), sink.reasons()
