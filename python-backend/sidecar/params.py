"""The default-region request parameter, checked against the configured default (other fields: core.fields)."""
import phonenumbers
from flask import current_app

from core.errors import DomainError

SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


def requested_region(value):
    """(region, 'request'|'default'): the asked-for default region, checked, else the configured one."""
    if value is None or str(value).strip() == "":
        return current_app.config["DEFAULT_REGION"], "default"
    region = str(value).strip().upper()
    if region not in SUPPORTED_REGIONS:
        raise DomainError("bad_region", "%r is not a country code we know (use ISO 3166 alpha-2, e.g. IN, US, GB)."
                       % str(value)[:20])
    return region, "request"
