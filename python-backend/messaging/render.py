r"""Placeholders: {{name}}, {{any column}}, {{name|fallback}}; variations {{spin: Hi | Hello | Hey}}; previews,
empty-value warnings, SMS segments.

A variation is one template syntax for every channel: `{{spin:` then options split by `|`, with `\|`, `\{`,
`\}` and `\\` for the literal characters. The word `spin:` inside the braces keeps it apart from
`{{name|fallback}}` and from literal braces already in users' texts. Each recipient gets one option, drawn from a
seed of the campaign and the address, so a retry renders the same text.
"""
import difflib
import math
import random
import re

from core.errors import DomainError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}|]+?)\s*(?:\|([^{}]*))?\}\}")
# The placeholder names every contact has, whatever its list's columns. The one definition: the UI gets it
# through sidecar.settings.public_constants() (generated constants), unknown-placeholder checks use it here.
BUILTINS = ("name", "first_name", "last_name", "number", "phone", "email")

# GSM 03.38 basic set (1 septet each) and extension set (escape + char: 2 septets).
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")
SPIN = re.compile(r"\{\{\s*spin\s*:((?:[^{}\\]|\\.)*)\}\}", re.S)
SPIN_SPLIT = re.compile(r"(?<!\\)((?:\\\\)*)\|")
UNESCAPE = re.compile(r"\\(.)", re.S)


def spin_options(inner):
    """The options of one variation's inner text (escapes resolved, spaces trimmed)."""
    parts, start = [], 0
    for match in SPIN_SPLIT.finditer(inner):
        parts.append(inner[start:match.end(1)])
        start = match.end()
    parts.append(inner[start:])
    return [UNESCAPE.sub(r"\1", part).strip() for part in parts]


def spin(text, seed):
    """TEXT with each variation replaced by one of its options, drawn from SEED (stable for one recipient)."""
    rng = random.Random(seed)
    return SPIN.sub(lambda m: rng.choice(spin_options(m.group(1))), text)


def without_spins(text):
    """TEXT without its variations (what the placeholder checks look at)."""
    return SPIN.sub("", text)


def has_spins(text):
    """True when TEXT holds a variation."""
    return SPIN.search(text) is not None


def check_syntax(text):
    """Refuse text with an unclosed or malformed {{placeholder}} or variation."""
    for match in SPIN.finditer(text):
        if len([o for o in spin_options(match.group(1)) if o]) < 2:
            raise DomainError("bad_template", "A variation needs at least two options: {{spin: Hi | Hello}}.")
    stripped = PLACEHOLDER.sub("", without_spins(text))
    if "{{" in stripped or "}}" in stripped:
        raise DomainError("bad_template", "A placeholder is not closed or is malformed: use {{name}} or "
                             "{{name|fallback}}.")


def placeholder_names(text):
    """The distinct placeholder names used in TEXT, in order of appearance."""
    seen = {}
    for match in PLACEHOLDER.finditer(without_spins(text)):
        seen.setdefault(match.group(1), None)
    return list(seen)


def key_of(name):
    """How a placeholder or column name is matched: case-insensitive, spaces as underscores."""
    return name.strip().lower().replace(" ", "_")


def unknown_placeholders(text, columns):
    """Placeholder names in TEXT that are neither a built-in nor one of COLUMNS (in order of appearance)."""
    known = {key_of(c) for c in columns} | set(BUILTINS)
    return [name for name in placeholder_names(text) if key_of(name) not in known]


def check_known(text, columns):
    """Refuse TEXT when a placeholder names no column of the list: 400 unknown_placeholder with a 'did you mean'."""
    unknown = unknown_placeholders(text, columns)
    if not unknown:
        return
    choices = list(BUILTINS) + [c for c in columns if key_of(c) not in BUILTINS]
    by_key = {key_of(c): c for c in choices}
    suggestions = {}
    for name in unknown:
        close = difflib.get_close_matches(key_of(name), list(by_key), n=1, cutoff=0.6)
        suggestions[name] = by_key[close[0]] if close else None
    hints = ["{{%s}} (did you mean {{%s}}?)" % (n, s) if s else "{{%s}}" % n for n, s in suggestions.items()]
    raise DomainError("unknown_placeholder", "Unknown placeholder %s: the list has the columns %s." % (
        ", ".join(hints), ", ".join(columns) if columns else "(none besides the built-ins)"),
        unknown=unknown, suggestions=suggestions, columns=list(columns), builtins=list(BUILTINS))


def lookup(contact, key):
    """The value of placeholder KEY for CONTACT ({name, number, email, fields}); '' when absent."""
    lowered = key_of(key)
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
        if key_of(field) == lowered:
            return str(value or "")
    return ""


def render(text, contact, seed=None):
    """TEXT with each variation drawn (from SEED) and every placeholder filled from CONTACT (or its fallback)."""
    def fill(match):
        value = lookup(contact, match.group(1)).strip()
        return value if value else (match.group(2) or "").strip()
    return PLACEHOLDER.sub(fill, spin(text, seed))


def empty_placeholders(text, contact):
    """Placeholders without a fallback that would render empty for CONTACT."""
    return [m.group(1) for m in PLACEHOLDER.finditer(without_spins(text))
            if m.group(2) is None and not lookup(contact, m.group(1)).strip()]


def unfilled_placeholders(text):
    """The names of TEXT's placeholders without a fallback, in order (repeats kept, as empty_placeholders does)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(without_spins(text)) if m.group(2) is None]


def empty_of(names, contact):
    """Those of NAMES (from unfilled_placeholders) that would render empty for CONTACT."""
    return [name for name in names if not lookup(contact, name).strip()]


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


def fallback_count(text, contact):
    """How many placeholders of TEXT have no value for CONTACT (their fallback, or nothing, is used)."""
    return sum(1 for m in PLACEHOLDER.finditer(without_spins(text)) if not lookup(contact, m.group(1)).strip())
