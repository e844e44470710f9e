"""phonenumbers' metadata, compiled once per region / calling code into what the vectorised fast path needs.

Every pattern here is phonenumbers' own, wrapped for RE2 (pyarrow's regex engine): full matches become
'^(?:P)$', prefix matches '^(?:P)'. All of them compile in RE2 for phonenumbers 9.0.43 (checked by
test_numbers_metadata); a region whose pattern does not compile is marked unsupported and its rows take
the slow path.
"""
import dataclasses
import functools
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers.phonenumberutil import region_code_for_country_code

from .numbers import own_code_rule

# The order of phonenumbers' _number_type_helper; any match (after the general desc) makes a number valid.
TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")
CALLING_CODES = frozenset(str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE)
# A capturing '(' not preceded by a backslash and not already '(?'.
CAPTURING_PAREN = re.compile(r"(?<!\\)\((?!\?)")


@dataclass(frozen=True)
class Desc:
    """One PhoneNumberDesc: an RE2 full-match pattern, its raw pattern and the lengths that may match
    (empty: any)."""

    pattern: str
    lengths: tuple
    raw: str


@dataclass(frozen=True)
class Rules:
    """What the fast path needs from one PhoneMetadata."""

    country_code: str
    general: Desc
    possible_lengths: tuple
    local_lengths: tuple
    type_descs: tuple
    idd_prefix: str
    idd_literal: str
    national_prefix: str
    national_prefix_has_transform: bool
    national_prefix_literal: str
    leading_digits: str
    # (country code, trunk prefix) of a default region that writes its trunk prefix (numbers.own_code_rule).
    own_code: tuple = None


def full_pattern(pattern):
    """PATTERN as an anchored RE2 full match."""
    return "^(?:%s)$" % pattern


def prefix_pattern(pattern):
    """PATTERN as an RE2 match at the start, capturing groups made non-capturing (pyarrow needs that)."""
    return "^(?:%s)" % CAPTURING_PAREN.sub("(?:", pattern)


def compiles_in_re2(pattern):
    """True when RE2 (through pyarrow) accepts PATTERN."""
    try:
        pc.match_substring_regex(pa.array(["0"]), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def literal_prefix(pattern):
    """PATTERN itself when it is a plain run of digits ('0', '8'), else None."""
    return pattern if pattern and pattern.isdigit() and pattern.isascii() else None


def make_desc(desc):
    """A Desc from a PhoneNumberDesc, or None when it can match nothing (as _is_number_matching_desc)."""
    if desc is None or not desc.national_number_pattern:
        return None
    raw = desc.national_number_pattern
    return Desc(full_pattern(raw), tuple(desc.possible_length or ()), raw)


def type_descs(metadata):
    """The descs that make a general-desc match valid, in phonenumbers' order, with fixed/mobile last."""
    names = list(TYPE_DESCS) + ["fixed_line"]
    if not metadata.same_mobile_and_fixed_line_pattern:
        names.append("mobile")
    return tuple(d for d in (make_desc(getattr(metadata, n)) for n in names) if d is not None)


def rules_from_metadata(metadata):
    """Rules for METADATA, or None when some pattern it needs is not RE2-compatible."""
    general = make_desc(metadata.general_desc)
    if general is None or not metadata.general_desc.possible_length:
        return None
    rules = Rules(
        country_code=str(metadata.country_code),
        general=general,
        possible_lengths=tuple(sorted(metadata.general_desc.possible_length)),
        local_lengths=tuple(metadata.general_desc.possible_length_local_only or ()),
        type_descs=type_descs(metadata),
        idd_prefix=prefix_pattern(metadata.international_prefix)
        if metadata.international_prefix is not None else None,
        idd_literal=literal_prefix(metadata.international_prefix),
        national_prefix=prefix_pattern(metadata.national_prefix_for_parsing)
        if metadata.national_prefix_for_parsing else None,
        national_prefix_has_transform=bool(metadata.national_prefix_transform_rule),
        national_prefix_literal=literal_prefix(metadata.national_prefix_for_parsing),
        leading_digits=prefix_pattern(metadata.leading_digits) if metadata.leading_digits is not None else None,
    )
    patterns = [rules.general.pattern] + [d.pattern for d in rules.type_descs]
    patterns += [p for p in (rules.idd_prefix, rules.national_prefix, rules.leading_digits) if p is not None]
    return rules if all(compiles_in_re2(p) for p in patterns) else None


@functools.lru_cache(maxsize=None)
def patterns_for_length(rules, size):
    """(general desc pattern, [type patterns]) for a national number of SIZE digits: valid iff the first
    matches and any of the others does (one union when RE2 takes it); None when no such number is valid."""
    general = rules.general
    if general.lengths and size not in general.lengths:
        return None
    raws = [d.raw for d in rules.type_descs if not d.lengths or size in d.lengths]
    if not raws:
        return None
    union = full_pattern("|".join("(?:%s)" % raw for raw in raws))
    if compiles_in_re2(union):
        return general.pattern, [union]
    return general.pattern, [full_pattern(raw) for raw in raws]


@functools.lru_cache(maxsize=None)
def type_passes(rules, sizes):
    """[(lengths, [type patterns])] for national numbers of the lengths in SIZES (a sorted tuple): lengths at which
    a valid number can exist, grouped by the type patterns that apply there, so one pass serves them all."""
    grouped = {}
    for size in sizes:
        patterns = patterns_for_length(rules, size)
        if patterns is not None:
            grouped.setdefault(tuple(patterns[1]), []).append(size)
    return [(tuple(found), list(patterns)) for patterns, found in grouped.items()]


@functools.lru_cache(maxsize=None)
def region_rules(region):
    """Rules of a default REGION ('IN'), or None when unknown or unsupported."""
    metadata = PhoneMetadata.metadata_for_region(region, None) if isinstance(region, str) else None
    rules = rules_from_metadata(metadata) if metadata is not None else None
    return dataclasses.replace(rules, own_code=own_code_rule(region)) if rules is not None else None


@functools.lru_cache(maxsize=None)
def calling_code_rules(country_code):
    """Rules of the main region of COUNTRY_CODE (what parse uses once a country code is read), or None."""
    cc = int(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, region_code_for_country_code(cc))
    return rules_from_metadata(metadata) if metadata is not None else None


@functools.lru_cache(maxsize=None)
def validity_rules(country_code):
    """[(rules, decided_by_leading_digits)] for each region sharing COUNTRY_CODE, in region_code_for_number's
    order; None when any region is unsupported."""
    cc = int(country_code)
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc, ())
    if len(regions) == 1:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0])
        rules = rules_from_metadata(metadata) if metadata is not None else None
        return [(rules, False)] if rules else None
    out = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            continue
        rules = rules_from_metadata(metadata)
        if rules is None:
            return None
        out.append((rules, rules.leading_digits is not None))
    return out


@functools.lru_cache(maxsize=1)
def shortest_national_numbers():
    """Numpy int array indexed by calling code: the fewest national digits any number of any region with that
    code can have (general desc possible lengths); 99 for codes that do not exist, 0 where a national-prefix
    transform rule can lengthen the number (Norfolk Island turns 5 digits into 6)."""
    import numpy as np

    shortest = np.full(1000, 99, dtype=np.int64)
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
            if metadata is not None and metadata.national_prefix_transform_rule:
                shortest[cc] = 0
            elif metadata is not None and metadata.general_desc.possible_length:
                lowest = min(n for n in metadata.general_desc.possible_length if n > 0)
                shortest[cc] = min(shortest[cc], lowest)
    return shortest


@functools.lru_cache(maxsize=1)
def longest_national_numbers():
    """Numpy int array indexed by calling code: most digits a national number read after that code can have
    and still be valid (longest possible length of any of its regions, plus the main region's literal national
    prefix that parse may strip); 99 (no limit known) when that prefix is a pattern or has a transform rule."""
    import numpy as np

    longest = np.full(1000, 99, dtype=np.int64)
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        main = PhoneMetadata.metadata_for_region_or_calling_code(cc, region_code_for_country_code(cc))
        prefix = main.national_prefix_for_parsing if main is not None else None
        if main is None or main.national_prefix_transform_rule or (prefix and literal_prefix(prefix) is None):
            continue
        lengths = [n for region in regions
                   for n in (PhoneMetadata.metadata_for_region_or_calling_code(cc, region).general_desc.possible_length
                             or ())]
        if lengths:
            longest[cc] = max(lengths) + len(prefix or "")
    return longest
