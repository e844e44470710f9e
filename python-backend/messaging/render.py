"""Placeholders: {{name}}, {{any column}}, {{name|fallback}}; previews, empty-value warnings, SMS segments."""
import math
import re

from core.errors import DomainError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}|]+?)\s*(?:\|([^{}]*))?\}\}")
BUILTINS = ("name", "first_name", "last_name", "number", "phone", "email")

# GSM 03.38 basic set (1 septet each) and extension set (escape + char: 2 septets).
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")


def check_syntax(text):
    """Refuse text with an unclosed or malformed {{placeholder}}."""
    stripped = PLACEHOLDER.sub("", text)
    if "{{" in stripped or "}}" in stripped:
        raise DomainError("bad_template", "A placeholder is not closed or is malformed: use {{name}} or "
                             "{{name|fallback}}.")


def placeholder_names(text):
    """The distinct placeholder names used in TEXT, in order of appearance."""
    seen = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def lookup(contact, key):
    """The value of placeholder KEY for CONTACT ({name, number, email, fields}); '' when absent."""
    lowered = key.lower().replace(" ", "_")
    name = (contact.get("name") or "").strip()
    builtin = {"name": name, "first_name": name.split(" ")[0] if name else "",
               "last_name": name.split(" ", 1)[1] if " " in name else "",
               "number": contact.get("number") or "", "phone": contact.get("number") or "",
               "email": contact.get("email") or ""}
    if lowered in builtin:
        return builtin[lowered]
    fields = contact.get("fields") or {}
    if key in fields:
        return str(fields[key] or "")
    for field, value in fields.items():
        if field.strip().lower().replace(" ", "_") == lowered:
            return str(value or "")
    return ""


def render(text, contact):
    """TEXT with every placeholder filled from CONTACT (or its fallback)."""
    def fill(match):
        value = lookup(contact, match.group(1)).strip()
        return value if value else (match.group(2) or "").strip()
    return PLACEHOLDER.sub(fill, text)


def empty_placeholders(text, contact):
    """Placeholders without a fallback that would render empty for CONTACT."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)
            if m.group(2) is None and not lookup(contact, m.group(1)).strip()]


def sms_stats(text):
    """{encoding, characters, units, segments, per_segment} of an SMS body (GSM-7 vs UCS-2)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    per_segment = single if units <= single else multi
    segments = 0 if units == 0 else (1 if units <= single else math.ceil(units / multi))
    non_gsm = sorted({ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENDED})
    return {"encoding": encoding, "characters": len(text), "units": units, "segments": segments,
            "per_segment": per_segment, "non_gsm_characters": non_gsm[:20]}
