"""phonenumbers' metadata compiles for the fast path: every pattern is accepted by RE2 (pyarrow), so no
region silently loses its fast path when phonenumbers is upgraded."""
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from contacts import metadata_rules as mr


def test_every_region_has_fast_path_rules():
    """Each supported region's patterns compile in RE2."""
    missing = [r for r in sorted(phonenumbers.SUPPORTED_REGIONS) if mr.region_rules(r) is None]
    assert missing == []


def test_every_calling_code_has_validity_rules():
    """Each calling code (geographic and non-geographic) can be validated by the fast path."""
    missing = [cc for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
               if mr.validity_rules(str(cc)) is None or mr.calling_code_rules(str(cc)) is None]
    assert missing == []


def test_length_unions_compile_and_agree_with_phonenumbers():
    """The per-length union of type patterns decides validity like _number_type_helper for sample numbers."""
    for region in ["IN", "US", "GB", "DE", "BR", "JP", "AU", "NG"]:
        rules = mr.region_rules(region)
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            nsn = phonenumbers.national_significant_number(example)
            general, unions = mr.patterns_for_length(rules, len(nsn))
            hit = pc.match_substring_regex(pa.array([nsn]), general).to_pylist()[0]
            typed = any(pc.match_substring_regex(pa.array([nsn]), u).to_pylist()[0] for u in unions)
            assert hit and typed


def test_literal_prefixes_are_recognised():
    """Plain-digit national and IDD prefixes skip regexes; pattern ones do not."""
    india = mr.region_rules("IN")
    assert (india.national_prefix_literal, india.idd_literal) == ("0", "00")
    assert mr.region_rules("BR").idd_literal is None
    assert mr.region_rules("AR").national_prefix_has_transform
