"""Everything about one number, for POST /validate-number and validate_number.py.

describe_number(text, region) -> {"valid", "cleaned_number", "original", "e164", "national", "international",
    "region", "type", "region_assumed"} plus "reason" and "message" when invalid. Validity and E.164 follow
numbers.normalize_one exactly; an invalid number that phonenumbers can still read keeps its formats (to
show the user what was understood), one it cannot read has them null.
"""
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from .numbers import REASON_MESSAGES, clean_cell, normalize_one

TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


def formats(number):
    """National and international formats, region and type of a parsed NUMBER."""
    return {"national": phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
            "international": phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
            "region": phonenumbers.region_code_for_number(number),
            "type": TYPE_NAMES.get(phonenumbers.number_type(number), "unknown")}


def readable_invalid(text, region):
    """The PhoneNumber phonenumbers reads from an invalid TEXT, or None when it cannot read one."""
    cleaned, reason = clean_cell(text)
    if reason:
        return None
    try:
        return phonenumbers.parse(cleaned, region)
    except NumberParseException:
        return None


def describe_number(text, region):
    """Validity, formats, region and type of TEXT read with default REGION (the normalize_one policy)."""
    text = text if isinstance(text, str) else ""
    region = region.upper() if isinstance(region, str) and region else None
    e164, reason = normalize_one(text, region)
    answer = {"valid": e164 is not None, "cleaned_number": e164, "original": text, "e164": e164,
              "national": None, "international": None, "region": None, "type": None, "region_assumed": region}
    if e164 is not None:
        answer.update(formats(phonenumbers.parse(e164, None)))
        return answer
    answer.update(reason=reason, message=REASON_MESSAGES.get(reason, reason))
    number = readable_invalid(text, region)
    if number is not None:
        answer.update(formats(number), type="unknown")
    return answer
