"""Everything about one number, for POST /validate-number and validate_number.py."""
import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from .numbers import REASON_MESSAGES, normalize_one

TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


def describe_number(text, region):
    """Validity, formats, region and type of TEXT read with default REGION (the normalize_one policy)."""
    e164, reason = normalize_one(text if isinstance(text, str) else "", region)
    answer = {"valid": e164 is not None, "cleaned_number": e164, "original": text, "e164": e164,
              "national": None, "international": None, "region": None, "type": None}
    if e164 is None:
        answer.update(reason=reason, message=REASON_MESSAGES.get(reason, reason))
        return answer
    number = phonenumbers.parse(e164, None)
    answer.update(national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
                  international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
                  region=phonenumbers.region_code_for_number(number),
                  type=TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"))
    return answer
