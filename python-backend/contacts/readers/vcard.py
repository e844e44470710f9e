"""vCards (2.1, 3.0, 4.0; iPhone and Android exports) as one table with a synthesised header row.

The sheet is named 'Contacts'; row 0 is HEADER and each following row is one card. Several numbers of one kind
(two mobiles) share one cell joined by MULTI_VALUE_SEPARATOR, the separator Google Contacts CSV uses too.
Fax and pager numbers go to their own column, which is never a phone column, so they are never messaged (nor kept
as alternates). A number labelled WhatsApp (a TYPE, an Apple X-ABLabel or an Android X-CUSTOM label) goes to the
first column, so it is the one a campaign uses; custom labels such as 'Mobile 2' count as what they say.
"""
import base64
import binascii
import quopri

from .cells import rows_to_frame
from .model import Sheet

HEADER = ["Name", "First name", "Last name", "WhatsApp", "Mobile", "Home phone", "Work phone", "Other phone",
          "Fax or pager", "Email", "Organization"]
MULTI_VALUE_SEPARATOR = " ::: "
PHONE_COLUMNS = ("WhatsApp", "Mobile", "Home phone", "Work phone", "Other phone", "Fax or pager")
WHATSAPP_WORDS = {"WHATSAPP", "WA"}
MOBILE_WORDS = {"CELL", "MOBILE", "IPHONE", "CELLULAR", "HANDY", "MOBIL", "CELULAR", "PORTABLE", "GSM"}
NOT_VOICE_WORDS = {"FAX", "PAGER", "TELEFAX", "BEEPER"}
SHEET_NAME = "Contacts"
# What may come before a file's first vCard.
LEADING_BLANKS = " \t\r\n\ufeff\u200b"
VCARD_START = "BEGIN:VCARD"


def looks_like_vcard(text):
    """Whether TEXT starts with a vCard."""
    return text.lstrip(LEADING_BLANKS)[:len(VCARD_START)].upper() == VCARD_START


def start_is_known(head):
    """Whether HEAD, the first characters of a text, says enough to tell whether the text starts with a vCard."""
    return len(head.lstrip(LEADING_BLANKS)) >= len(VCARD_START)


def split_outside_quotes(text, separator, limit=-1):
    """TEXT split on SEPARATOR where it is not inside double quotes (at most LIMIT splits)."""
    parts, start, quoted = [], 0, False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted and limit != 0:
            parts.append(text[start:index])
            start = index + 1
            limit -= 1
    parts.append(text[start:])
    return parts


def split_unescaped(value, separator=";"):
    """VALUE split on SEPARATOR where it is not escaped with a backslash."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape(value):
    """Undo vCard text escapes (\\n \\, \\; \\\\); a line break becomes a space."""
    out, escaped = [], False
    for char in value:
        if escaped:
            out.append(" " if char in "nN" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out).strip()


def is_quoted_printable(line):
    """Whether LINE is a property whose value is QUOTED-PRINTABLE (vCard 2.1)."""
    head = split_outside_quotes(line, ":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def logical_lines(text):
    """TEXT's physical lines joined back into properties (folded lines, QUOTED-PRINTABLE soft breaks)."""
    lines, quoted_printable = [], False
    for line in text.splitlines():
        if lines and quoted_printable and lines[-1].endswith("="):
            lines[-1] = lines[-1][:-1] + line
        elif line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
            quoted_printable = is_quoted_printable(line)
    return lines


def parse_params(raw_params):
    """{'TYPE': {...}, 'ENCODING': ..., 'CHARSET': ...} from the ';'-separated parameters of a property."""
    types, params = set(), {}
    for raw in raw_params:
        if raw.strip().upper().startswith("X-CUSTOM("):
            params["LABEL"] = custom_label(raw.strip())
            continue
        key, sep, value = raw.partition("=")
        if not sep:
            key, value = "TYPE", key
        key = key.strip().upper()
        if key == "TYPE":
            types.update(v.strip().strip('"').upper() for v in value.split(",") if v.strip().strip('"'))
        else:
            params[key] = value.strip().strip('"')
    params["TYPE"] = types
    return params


def custom_label(raw):
    """The label of Android's 'X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,=57=68...)' parameter."""
    inner = raw[len("X-CUSTOM("):].rstrip(")")
    parts = inner.split(",")
    label = parts[-1] if parts else ""
    if any(p.strip().upper() == "ENCODING=QUOTED-PRINTABLE" for p in parts[:-1]):
        label = quopri.decodestring(label.encode("ascii", "replace")).decode("utf-8", "replace")
    return label


def decode_value(value, params):
    """The property value with its transfer encoding and charset undone."""
    encoding = params.get("ENCODING", "").upper()
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(value.encode("utf-8", "surrogatepass"))
    elif encoding in ("B", "BASE64"):
        try:
            raw = base64.b64decode(value, validate=False)
        except (binascii.Error, ValueError):
            return ""
    else:
        return value
    charset = params.get("CHARSET", "utf-8") or "utf-8"
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


def parse_property(line):
    """(group, NAME, params, value) of one logical line, or None when it is not a property."""
    head_and_value = split_outside_quotes(line, ":", 1)
    if len(head_and_value) != 2:
        return None
    head, value = head_and_value
    name_and_params = split_outside_quotes(head, ";")
    group, _, name = name_and_params[0].strip().rpartition(".")
    params = parse_params(name_and_params[1:])
    return group.lower(), name.upper(), params, decode_value(value, params)


def phone_text(value):
    """A TEL value as written, without a 'tel:' URI prefix or URI parameters (an extension is kept)."""
    value = value.strip()
    if value[:4].lower() != "tel:":
        return unescape(value)
    number, *uri_params = value[4:].split(";")
    for param in uri_params:
        key, _, ext = param.partition("=")
        if key.lower() == "ext" and ext:
            number += " ext. " + ext
    return number.strip()


def label_words(label):
    """The words of a label: an Apple X-ABLabel ('_$!<Mobile>!$_' -> {'MOBILE'}), an Android custom label or an
    'X-' TYPE ('X-WhatsApp' -> {'WHATSAPP'}); digits are dropped ('Mobile 2' -> {'MOBILE'})."""
    cleaned = label.replace("_$!<", "").replace(">!$_", "").upper()
    words = cleaned.replace("-", " ").replace("_", " ").replace("/", " ").split()
    return {w for w in words if w != "X" and not w.isdigit()}


def phone_column(types, label):
    """Which column of HEADER a number with these TYPEs and labels belongs to: fax and pager first (never
    messaged, whatever else the label says), then a WhatsApp label, then mobile, home, work."""
    words = set().union(*(label_words(t) for t in types)) | label_words(label)
    if words & NOT_VOICE_WORDS:
        return "Fax or pager"
    if words & WHATSAPP_WORDS:
        return "WhatsApp"
    if words & MOBILE_WORDS:
        return "Mobile"
    if "HOME" in words:
        return "Home phone"
    if "WORK" in words:
        return "Work phone"
    return "Other phone"


class Card:
    """What one vCard says, gathered property by property."""

    def __init__(self):
        """An empty card."""
        self.full_name, self.name_parts, self.org = "", [], ""
        self.phones, self.emails, self.labels = [], [], {}

    def add(self, group, name, params, value):
        """Take in one property."""
        if name == "FN":
            self.full_name = unescape(value)
        elif name == "N":
            self.name_parts = [unescape(p) for p in split_unescaped(value)]
        elif name == "TEL":
            self.phones.append((group, params["TYPE"] | {params.get("LABEL", "")}, phone_text(value)))
        elif name == "EMAIL":
            self.emails.append(unescape(value))
        elif name == "ORG":
            self.org = ", ".join(p for p in (unescape(x) for x in split_unescaped(value)) if p)
        elif name == "X-ABLABEL" and group:
            self.labels[group] = unescape(value)

    def row(self):
        """The card as one row of HEADER."""
        parts = (self.name_parts + [""] * 5)[:5]
        family, given, additional, prefix, suffix = parts
        name = self.full_name or " ".join(p for p in (prefix, given, additional, family, suffix) if p)
        columns = {c: [] for c in PHONE_COLUMNS}
        for group, types, number in self.phones:
            if number:
                columns[phone_column(types, self.labels.get(group, "") if group else "")].append(number)
        phones = [MULTI_VALUE_SEPARATOR.join(columns[c]) for c in PHONE_COLUMNS]
        emails = MULTI_VALUE_SEPARATOR.join(e for e in self.emails if e)
        return [name, given, family, *phones, emails, self.org]


def parse_cards(text):
    """Every card of TEXT, in file order."""
    cards, card, depth = [], None, 0
    for line in logical_lines(text):
        prop = parse_property(line)
        if prop is None:
            continue
        group, name, params, value = prop
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            depth += 1
            if depth == 1:
                card = Card()
        elif name == "END" and value.strip().upper() == "VCARD" and depth:
            depth -= 1
            if depth == 0:
                cards.append(card)
                card = None
        elif card is not None and depth == 1:
            card.add(group, name, params, value)
    if card is not None:
        cards.append(card)  # a file cut short still gives its last card
    return cards


def read_vcards(text):
    """The cards of TEXT as the 'Contacts' Sheet."""
    return Sheet(SHEET_NAME, rows_to_frame([HEADER] + [c.row() for c in parse_cards(text)]))
