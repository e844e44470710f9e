"""Email address checking and normalising, one value at a time and for a whole column.

CONTRACT:
    normalize_email(text) -> (normalized or None, reason or None)
    explain_email(text)   -> (normalized or None, reason or None, message or None)
    normalize_emails(values: pandas.Series) -> pandas.DataFrame(email, reason, message), same index
    Reasons: 'empty', 'invalid_email' (the message says what is wrong). No network lookups.
    Normalising: trims, strips 'mailto:' and surrounding <>, lowercases the domain (never the local part,
    which RFC 5321 leaves case-sensitive), converts an international domain to punycode.
"""
import re

import numpy as np
import pandas as pd

MAX_LOCAL = 64
MAX_ADDRESS = 254
MAX_LABEL = 63

# RFC 5322 dot-atom characters for the local part (quoted local parts are refused: mail tools mangle them).
LOCAL_CHARS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Fast path: plain ASCII addresses that need nothing but domain lowercasing.
SIMPLE = (r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
          r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")

MESSAGES = {
    "empty": "No email address.",
    "spaces": "An email address cannot contain spaces.",
    "missing_at": "The address has no @.",
    "many_at": "The address has more than one @.",
    "empty_local": "Nothing before the @.",
    "bad_local": "The part before the @ has characters or dots an address cannot have.",
    "local_too_long": "The part before the @ is longer than 64 characters.",
    "empty_domain": "Nothing after the @.",
    "bad_domain": "The domain after the @ is not a valid domain name.",
    "no_tld": "The domain has no top-level part (like .com).",
    "too_long": "The address is longer than 254 characters.",
}


def strip_wrapping(text):
    """Remove whitespace, a mailto: prefix, <angle brackets> and a ?query from a cell."""
    value = str(text).strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].split("?", 1)[0].strip()
    return value


def ascii_domain(domain):
    """The lowercased ASCII (punycode) form of DOMAIN, or None when it is not a valid name."""
    domain = domain.rstrip(".").lower()
    try:
        encoded = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    return encoded


def domain_problem(domain):
    """The MESSAGES key describing what is wrong with an ASCII DOMAIN, or None."""
    labels = domain.split(".")
    if len(labels) < 2:
        return "no_tld"
    if not all(LABEL.match(label) for label in labels):
        return "bad_domain"
    if labels[-1].isdigit():
        return "bad_domain"
    return None


def local_problem(local):
    """The MESSAGES key describing what is wrong with the local part, or None."""
    if not local:
        return "empty_local"
    if len(local) > MAX_LOCAL:
        return "local_too_long"
    if not LOCAL_CHARS.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return "bad_local"
    return None


def explain_email(text):
    """(normalized, None, None) or (None, reason, message) for one cell."""
    value = strip_wrapping("" if text is None else text)
    if not value:
        return None, "empty", MESSAGES["empty"]
    problem = shape_problem(value)
    if problem is None:
        local, _, domain = value.rpartition("@")
        problem = local_problem(local)
        domain = ascii_domain(domain) if problem is None else domain
        problem = problem or ("bad_domain" if domain is None else domain_problem(domain))
        if problem is None and len(local) + 1 + len(domain) > MAX_ADDRESS:
            problem = "too_long"
    if problem:
        return None, "invalid_email", MESSAGES[problem]
    return local + "@" + domain, None, None


def shape_problem(value):
    """Problems visible before splitting: spaces and the number of @ signs."""
    if any(ch.isspace() for ch in value):
        return "spaces"
    count = value.count("@")
    if count == 0:
        return "missing_at"
    if count > 1:
        return "many_at"
    if value.endswith("@"):
        return "empty_domain"
    return None


def normalize_email(text):
    """(normalized or None, reason or None) for one cell."""
    email, reason, _ = explain_email(text)
    return email, reason


def lower_domain(series):
    """Lowercase the part after the @ of each address in SERIES."""
    parts = series.str.rpartition("@")
    return parts[0] + "@" + parts[2].str.lower()


def normalize_emails(values):
    """Vectorised normalize: plain addresses by regex, the rest one by one with reasons."""
    series = pd.Series(values, dtype="object").fillna("").astype(str)
    trimmed = series.str.strip()
    simple = trimmed.str.match(SIMPLE) & (trimmed.str.len() <= MAX_ADDRESS)
    simple &= trimmed.str.split("@").str[0].str.len() <= MAX_LOCAL
    emails = np.full(len(series), None, dtype=object)
    reasons = np.full(len(series), None, dtype=object)
    messages = np.full(len(series), None, dtype=object)
    mask = simple.to_numpy(dtype=bool)
    if mask.any():
        emails[mask] = lower_domain(trimmed[simple]).to_numpy(dtype=object)
    for position in np.flatnonzero(~mask):
        emails[position], reasons[position], messages[position] = explain_email(series.iat[position])
    return pd.DataFrame({"email": emails, "reason": reasons, "message": messages},
                        index=series.index, dtype="object")
