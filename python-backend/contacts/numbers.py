"""Phone number normalisation: one value at a time, the reference ('slow') path with reasons.

CONTRACT:
    normalize_one(text, region) -> (e164 or None, reason or None)
    REASON_MESSAGES: reason code -> human message

POLICY (this is the product's definition of the right answer; the fast path in
contacts/fastpath.py must agree with it value for value):

1. Cell clean-up. Surrounding whitespace is stripped; an empty cell is `empty`.
   A `tel:` / `tel://` URI prefix is removed. Extensions (x123, ext. 123, ;ext=123,
   #123) are parsed by phonenumbers and dropped from the E.164 answer. Non-ASCII
   digits (Arabic-Indic, Devanagari, full-width) and vanity letters (1-800-FLOWERS)
   are converted exactly as phonenumbers converts them. Several numbers in one
   cell (Google's ' ::: ') are NOT split here: the caller splits.
2. Spreadsheet damage. A whole number saved as float text ('919876543210.0') or in
   scientific notation with every digit present ('9.19876543210E+11',
   '9,19876543210E+11') is turned back into its exact digits. Scientific notation
   with fewer mantissa digits than the exponent needs ('9.19877E+11') lost digits
   for good: `lost_digits`. A scientific value that is not a whole number is
   `not_a_number`.
3. Parse with phonenumbers and the default REGION (national formats, trunk
   prefix, the region's IDD prefixes such as 00 / 011, '+'). A number is valid
   iff phonenumbers.is_valid_number says so.
4. Country code without '+'. When step 3 does not give a valid number and the
   input was written neither with '+' nor with the region's IDD prefix, the
   digits are tried once more as '+' + digits ('919876543210' in a US list,
   '4915123456789' in an Indian list). That retry is kept only when valid.
   One case comes first: in a region whose national numbers are written with a
   trunk prefix (0 in Germany, India, the UK; not 1 in the US), digits that start
   with the region's own country code and lack the trunk prefix are the
   international form without '+' when that reading is valid, even where the
   open numbering plan would also accept them as national ('4915123456789' in a
   German list is +49 1512 3456789, not a 13-digit German landline).
4b. Mexico's retired prefixes. Mexico (+52) dropped its dialling prefixes in 2019-2020: every number is
   now 10 digits, and libphonenumber calls the old forms invalid. People and apps (WhatsApp's own export for
   years) still write them, so a +52 reading that phonenumbers finds invalid is read again without them:
   the old mobile '1' after the country code ('+52 1 55 1234 5678', '521 55 1234 5678') in any reading, and
   the old national prefixes 01 / 044 / 045 only in a national reading with region MX ('044 55 1234 5678'),
   since they were never dialled after +52. The answer is kept only when the 10 digits left are valid.
   A national reading that needs this rewrite and whose digits are also valid as '+' + digits is
   `ambiguous` ('1 55 1234 5678' in a Mexican list: an old Mexican mobile or +1 551 234 5678?): the row is
   reported instead of guessed.
5. E.164 length. An answer with more than 15 digits (country code included) is
   `too_long` whatever the region's patterns say: ITU-T E.164 caps numbers there.
6. Reasons for invalid values (stable codes, see REASON_MESSAGES) come from the
   first attempt: phonenumbers' NumberParseException type, else
   is_possible_number_with_reason; a possible-but-invalid number is
   `invalid_for_region`.
"""
import functools
import re

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers import phonenumberutil as pnu

REASON_MESSAGES = {
    "empty": "No phone number was given.",
    "not_a_number": "This does not look like a phone number.",
    "too_short": "Not enough digits for a phone number.",
    "too_long": "Too many digits for a phone number.",
    "invalid_country_code": "Not a valid country prefix. Start international numbers with + and a country code.",
    "invalid_for_region": "Not a valid phone number for its country. Check the digits and the country code.",
    "invalid_length": "The number of digits is not right for numbers in this country.",
    "ambiguous": ("These digits make a valid number in two different ways (for example an old-style Mexican "
                  "mobile or a North American number). Write it with + and its country code."),
    "lost_digits": ("The spreadsheet lost digits of this number (it was shown in scientific notation like "
                    "9.19877E+11). Re-export the column formatted as text."),
}

# Cell-level patterns shared with the fast path so both paths read cells the same way.
TEL_PREFIX = re.compile(r"^tel:(?://)?", re.IGNORECASE)
FLOAT_TEXT = re.compile(r"^([1-9][0-9]*)\.0+$")
# Named groups so that the fast path's RE2 extract_regex reads the same pattern (fast_cells.py).
SCIENTIFIC_TEXT = re.compile(r"^(?P<lead>[0-9])[.,](?P<fraction>[0-9]+)[eE]\+?(?P<exponent>[0-9]{1,2})$")

# ITU-T E.164 allows at most 15 digits with the country code. libphonenumber's metadata accepts some longer
# German numbers (+49 and 15 digits), which no network routes internationally: they are too long.
MAX_E164_DIGITS = 15

# Mexico's numbering since 2019-2020 (policy step 4b): one 10-digit national number, no prefixes.
MEXICO_COUNTRY_CODE = 52
MEXICO_NSN_DIGITS = 10
# The mobile prefix once dialled after +52, and the national prefixes once dialled inside Mexico: 01 (long
# distance), 044 (local mobile), 045 (long-distance mobile). Each stood before the 10 digits of today.
MEXICO_OLD_MOBILE_PREFIX = "1"
MEXICO_OLD_NATIONAL_PREFIXES = ("01", "044", "045")
# Every +52 national number (as phonenumbers reads it) that step 4b may rewrite; the fast path leaves these
# to normalize_one. RE2 and Python syntax alike.
MEXICO_OLD_FORMS = r"^(?:1|01|04[45])\d{10}$"

PARSE_ERROR_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}

POSSIBILITY_REASONS = {
    ValidationResult.IS_POSSIBLE: "invalid_for_region",
    # A local-only number lacks its area code: digits are missing.
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too_short",
    ValidationResult.INVALID_COUNTRY_CODE: "invalid_country_code",
    ValidationResult.TOO_SHORT: "too_short",
    ValidationResult.INVALID_LENGTH: "invalid_length",
    ValidationResult.TOO_LONG: "too_long",
}


def repair_spreadsheet_number(text):
    """(digits, None) for float-damaged TEXT, (None, reason) when beyond repair, (TEXT, None) otherwise."""
    float_match = FLOAT_TEXT.match(text)
    if float_match:
        return float_match.group(1), None
    sci = SCIENTIFIC_TEXT.match(text)
    if not sci:
        return text, None
    lead, fraction, exponent = sci.group(1), sci.group(2), int(sci.group(3))
    if len(fraction) < exponent:
        return None, "lost_digits"
    whole, rest = fraction[:exponent], fraction[exponent:]
    if rest.strip("0"):
        return None, "not_a_number"
    return lead + whole, None


def clean_cell(text):
    """(cleaned text, None) ready for phonenumbers, or (None, reason) when the cell is hopeless."""
    text = (text or "").strip()
    if not text:
        return None, "empty"
    text = TEL_PREFIX.sub("", text).strip()
    if not text:
        return None, "not_a_number"
    return repair_spreadsheet_number(text)


def region_metadata(region):
    """phonenumbers' metadata for REGION, or None when REGION is not a known region."""
    if not isinstance(region, str) or not region:
        return None
    return PhoneMetadata.metadata_for_region(region.upper(), None)


def dialled_digits(text):
    """The ASCII digits phonenumbers would read from TEXT (extension removed, letters mapped), or ''."""
    try:
        number = pnu._build_national_number_for_parsing(text)
    except NumberParseException:
        return ""
    _, number = pnu._maybe_strip_extension(number)
    return pnu._normalize(number)


def written_international(text, region):
    """True when TEXT starts with '+' or with REGION's IDD prefix (as phonenumbers would strip it)."""
    try:
        number = pnu._build_national_number_for_parsing(text)
    except NumberParseException:
        return False
    if pnu._PLUS_CHARS_PATTERN.match(number):
        return True
    metadata = region_metadata(region)
    if metadata is None or not metadata.international_prefix:
        return False
    idd = re.compile(metadata.international_prefix)
    stripped, _ = pnu._parse_prefix_as_idd(idd, pnu._normalize(number))
    return stripped


def parse_attempt(text, region):
    """(E.164, None) when TEXT is valid in REGION (Mexico's retired prefixes dropped), else (None, reason)."""
    e164, reason, _ = parse_reading(text, region)
    return e164, reason


def parse_reading(text, region):
    """(E.164 or None, reason or None, whether the E.164 is a national reading rewritten by step 4b)."""
    try:
        number = phonenumbers.parse(text, region.upper() if isinstance(region, str) else None,
                                    keep_raw_input=True)
    except NumberParseException as err:
        return None, PARSE_ERROR_REASONS.get(err.error_type, "not_a_number"), False
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None, False
    current = current_mexican_number(number)
    if current is not None:
        return current, None, number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY
    return None, POSSIBILITY_REASONS.get(phonenumbers.is_possible_number_with_reason(number),
                                         "invalid_for_region"), False


def current_mexican_number(number):
    """The E.164 of today's 10-digit number for a +52 NUMBER written with a retired prefix, else None."""
    if number.country_code != MEXICO_COUNTRY_CODE:
        return None
    national = phonenumbers.national_significant_number(number)
    prefixes = (MEXICO_OLD_MOBILE_PREFIX,)
    if number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
        prefixes += MEXICO_OLD_NATIONAL_PREFIXES
    for prefix in prefixes:
        rest = national[len(prefix):]
        if national.startswith(prefix) and len(rest) == MEXICO_NSN_DIGITS and rest.isdigit():
            current = phonenumbers.parse("+%d%s" % (MEXICO_COUNTRY_CODE, rest), None)
            if phonenumbers.is_valid_number(current):
                return phonenumbers.format_number(current, phonenumbers.PhoneNumberFormat.E164)
    return None


@functools.lru_cache(maxsize=None)
def own_code_rule(region):
    """(country code, trunk prefix) when REGION writes its trunk prefix in national numbers, else None."""
    metadata = region_metadata(region) if isinstance(region, str) else None
    if metadata is None or not metadata.national_prefix:
        return None
    formats = metadata.number_format or region_metadata(
        phonenumbers.region_code_for_country_code(metadata.country_code)).number_format
    rules = [f.national_prefix_formatting_rule or "" for f in formats]
    if not any(rule.startswith(metadata.national_prefix) for rule in rules):
        return None
    return str(metadata.country_code), metadata.national_prefix


def own_code_without_trunk(digits, region):
    """Whether DIGITS start with REGION's own country code where national numbers carry a trunk prefix."""
    rule = own_code_rule(region)
    return rule is not None and digits.startswith(rule[0]) and not digits.startswith(rule[1])


def normalize_one(text, region):
    """Normalise one cell TEXT with default REGION: (E.164, None) when valid, (None, reason) when not."""
    e164, reason = read_number(text, region)
    if e164 is not None and len(e164) - 1 > MAX_E164_DIGITS:
        return None, "too_long"
    return e164, reason


def read_number(text, region):
    """Steps 1-4b of the policy: libphonenumber's answer and the product's '+' and Mexico rules."""
    cleaned, reason = clean_cell(text)
    if reason:
        return None, reason
    e164, reason, rewritten = parse_reading(cleaned, region)
    if written_international(cleaned, region):
        return e164, reason
    digits = dialled_digits(cleaned)
    if digits and own_code_without_trunk(digits, region):
        international, _ = parse_attempt("+" + digits, region)
        if international:
            return international, None
    if e164 and not rewritten:
        return e164, reason
    retried = parse_attempt("+" + digits, region)[0] if digits else None
    if e164 and retried and retried != e164:
        # Two valid readings of the same digits: sending to either could reach a stranger.
        return None, "ambiguous"
    if e164 or retried:
        return e164 or retried, None
    return None, reason
