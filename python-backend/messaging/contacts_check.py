"""Re-validating one contact (number and/or email) before it enters a saved list."""
from contacts import emails

from core.errors import DomainError
from core.fields import require_text, string_or_refuse

MAX_FIELDS = 100
MAX_FIELD_LEN = 1000
MAX_NAME = 300
MAX_ALTERNATES = 10


def check_number(text, region):
    """The E.164 form of TEXT, or a 400 with the engine's reason."""
    from contacts import numbers  # the number engine is loaded on first use

    e164, reason = numbers.normalize_one(text, region)
    if e164 is None:
        message = numbers.REASON_MESSAGES.get(reason, "Not a valid phone number.")
        raise DomainError("invalid_number", "%s (%s)" % (message, reason))
    return e164


def check_email(text):
    """The normalised form of TEXT, or a 400 saying what is wrong."""
    email, reason, message = emails.explain_email(text)
    if email is None:
        raise DomainError("invalid_email", message)
    return email


def check_alternates(values, number, region):
    """A contact's other numbers, each made E.164 and kept once (never the main NUMBER), or a 400."""
    if values is None:
        return []
    if not isinstance(values, list) or len(values) > MAX_ALTERNATES:
        raise DomainError("bad_param", "'alternates' must be a list of at most %d phone numbers." % MAX_ALTERNATES)
    for value in values:
        string_or_refuse(value, "alternates")
    checked = [check_number(v, region) for v in values if present(v)]
    return [n for n in dict.fromkeys(checked) if n != number]


def check_fields(fields):
    """A flat {str: str} mapping of extra columns."""
    if fields is None:
        return {}
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise DomainError("bad_param", "'fields' must be an object of at most %d text values." % MAX_FIELDS)
    clean = {}
    for key, value in fields.items():
        if value is not None and not isinstance(value, (str, int, float)):
            raise DomainError("bad_param", "Field %r must be text." % key)
        text = "" if value is None else str(value)
        if len(str(key)) > 200 or len(text) > MAX_FIELD_LEN:
            raise DomainError("bad_param", "Field %r is too long." % key)
        clean[str(key)] = text
    return clean


def present(value):
    """True when VALUE is a non-blank string."""
    return isinstance(value, str) and value.strip() != ""


def check_contact(data, region, current=None):
    """A validated {number, alternates, email, name, fields} from DATA merged over CURRENT (for edits)."""
    if not isinstance(data, dict):
        raise DomainError("bad_json", "A contact must be a JSON object.")
    merged = dict(current or {"number": None, "alternates": [], "email": None, "name": "", "fields": {}})
    for key in ("number", "email"):
        if data.get(key) is not None:
            string_or_refuse(data[key], key)
    if "number" in data:
        merged["number"] = check_number(data["number"], region) if present(data["number"]) else None
    if "email" in data:
        merged["email"] = check_email(data["email"]) if present(data["email"]) else None
    if "name" in data:
        merged["name"] = require_text(data["name"], "name", MAX_NAME, allow_empty=True)
    if "fields" in data:
        merged["fields"] = check_fields(data["fields"])
    if "alternates" in data:
        merged["alternates"] = check_alternates(data["alternates"], merged["number"], region)
    merged["alternates"] = [n for n in merged.get("alternates") or [] if n != merged["number"]]
    if not merged["number"] and not merged["email"]:
        raise DomainError("missing_field", "A contact needs a phone number or an email address.")
    return merged
