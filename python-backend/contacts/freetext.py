"""Find the phone numbers in pasted or free text: lists, prose, vCard-less contact dumps, WhatsApp chats.

    find_numbers_in_text(text) -> [FoundNumber(line, value, name)]

`line` is 1-based; `value` is the candidate as written (invisible direction marks dropped, odd spaces and dashes
made plain); `name` is the name written beside it on the same line ('' when none). Dates, times, year ranges and
IP addresses are not candidates; short or odd digit runs still are, so the caller can say why they are invalid.
Every pattern below is free of nested repetition, so the scan is linear in the length of the text.
"""
import re
from typing import NamedTuple


class FoundNumber(NamedTuple):
    """One candidate phone number and the name written beside it."""

    line: int
    value: str
    name: str


# Digit runs shorter than this are page numbers, amounts, PINs... unless they stand alone in their item.
MIN_DIGITS = 5
MIN_DIGITS_ALONE = 3
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
BLANK = "\x1f"  # what dates and times are replaced by: a separator no number or name holds

# Characters made plain before the scan: direction marks dropped, odd spaces, dashes and plus signs made ASCII,
# tabs made separators. Replaced through one regex (str.translate with a dict is slow on megabytes of text).
DIRECTION_MARKS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
PLAIN_MAP = {**dict.fromkeys(DIRECTION_MARKS, ""),
             **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000", " "),
             **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"),
             "\uff0b": "+", "\t": BLANK, "\r\n": "\n", "\r": "\n"}
NOT_PLAIN = re.compile("\r\n|[%s]" % "".join(k for k in PLAIN_MAP if len(k) == 1))

# Each starts with a digit and looks behind only after it: the regex engine then skips to digits at C speed.
DATE = re.compile(r"(\d(?<![\d+./-]\d)\d{0,3})([./-])(\d{1,2})\2(\d{2,4})(?!\d|[./-]\d)")
TIME = re.compile(r"\d(?<![\d.:]\d)\d?:\d{2}(?::\d{2})?(?: ?[AaPp]\.? ?[Mm]\.?)?(?![\d:])")
YEAR_RANGE = re.compile(r"(?:1(?<![\d+]1)9|2(?<![\d+]2)0)\d\d ?- ?(?:19|20)\d\d(?!\d)")
WHATSAPP_PREFIX = re.compile(r"\[?\d{1,4}[./-]\d{1,2}[./-]\d{2,4},? \d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
                             r"(?: ?[AaPp]\.? ?[Mm]\.?)?\]? ?(?:- )?")
CHAT_SNIFF_CHARS, CHAT_SNIFF_LINES, CHAT_SHARE = 16 * 1024, 50, 0.5
RUN = re.compile(r"\+?\(?\d[\d ().\-/]*")
IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
AMOUNT = re.compile(r"\d{1,6}\.\d{1,2}")
ITEM_SEPARATORS = ",;|" + BLANK
NAME_LABELS = {"tel", "tel.", "phone", "ph", "ph.", "mob", "mob.", "mobile", "cell", "no", "no.", "number",
               "whatsapp", "contact", "call", "fax", "home", "work", "office", "m", "t", "p"}
LABELS_OR_NOTHING = NAME_LABELS | {""}
NAME_STRIP = " \t-_:|()[]<>{}.,;=*#'\"/\\~" + BLANK
DIGIT = re.compile(r"\d")
LETTER = re.compile(r"[^\W\d_]")
# Text holding these is markup, an e-mail address or a link, not a person's name.
NOT_A_NAME = re.compile(r"[<>=@{}\\]|://")


def is_real_date(match):
    """Whether a d/m/y-looking MATCH is a plausible calendar date (so not part of a phone number)."""
    first, _, middle, last = match.groups()
    a, b, c = int(first), int(middle), int(last)
    if len(first) == 4:
        return 1 <= b <= 12 and 1 <= c <= 31 and len(last) <= 2
    if len(last) not in (2, 4) or not (1 <= b <= 31 and 1 <= a <= 31):
        return False
    return a <= 12 or b <= 12


def blanks_for(match):
    """As many BLANKs as MATCH is long, so offsets in the blanked text still match the original."""
    return BLANK * (match.end() - match.start())


def blank_dates_and_times(text):
    """TEXT with dates, times and year ranges overwritten by BLANKs (same length, same line breaks)."""
    text = DATE.sub(lambda m: blanks_for(m) if is_real_date(m) else m.group(0), text)
    text = TIME.sub(blanks_for, text)
    return YEAR_RANGE.sub(blanks_for, text)


def trim_run(run):
    """A digit run without trailing punctuation (a ')' that closes an earlier '(' is kept)."""
    run = run.rstrip(" (.-/")
    while run.endswith(")") and run.count(")") > run.count("("):
        run = run[:-1].rstrip(" (.-/")
    return run


def stands_alone(line, start, end):
    """Whether LINE[start:end] is the only thing in its item (between separators)."""
    before = line[:start].rstrip()
    after = line[end:].lstrip()
    return (not before or before[-1] in ITEM_SEPARATORS) and (not after or after[0] in ITEM_SEPARATORS)


def is_candidate(line, start, value):
    """Whether VALUE (found at START of LINE) may be a phone number, however badly written."""
    digits = sum(map(str.isdigit, value))
    if "." in value and (IP_ADDRESS.fullmatch(value) or AMOUNT.fullmatch(value)):
        return False
    if digits >= MIN_DIGITS:
        return True
    return digits >= MIN_DIGITS_ALONE and stands_alone(line, start, start + len(value))


def candidates_in(line):
    """[(start, end)] of every candidate number in LINE."""
    spans = []
    for match in RUN.finditer(line):
        value = trim_run(match.group(0))
        if value and is_candidate(line, match.start(), value):
            spans.append((match.start(), match.start() + len(value)))
    return spans


def clean_name(segment):
    """The name in SEGMENT (text beside a number), or '' when it is a label, prose or nothing."""
    if not LETTER.search(segment):
        return ""
    words = segment.replace(BLANK, " ").split()
    while words and words[0].strip(NAME_STRIP).lower() in LABELS_OR_NOTHING:
        words.pop(0)
    while words and words[-1].strip(NAME_STRIP).lower() in LABELS_OR_NOTHING:
        words.pop()
    name = " ".join(words).strip(NAME_STRIP)
    if not LETTER.search(name) or NOT_A_NAME.search(name) or len(name) > MAX_NAME_CHARS \
            or len(name.split()) > MAX_NAME_WORDS:
        return ""
    return name


def names_for(line, spans):
    """The name beside each span: taken from before the numbers when the line starts with one, else after."""
    gaps = [line[prev_end:start] for prev_end, start in zip([0] + [e for _, e in spans], [s for s, _ in spans])]
    gaps.append(line[spans[-1][1]:])
    first = clean_name(gaps[0])
    if first:
        return [first] + [clean_name(g) for g in gaps[1:-1]]
    return [clean_name(g) for g in gaps[1:]]


def chat_parts(line):
    """(start, end) of the sender and of the message of a WhatsApp chat LINE, or None when it is not one."""
    prefix = WHATSAPP_PREFIX.match(line)
    if not prefix or prefix.end() == 0:
        return None
    start = prefix.end()
    colon = line.find(": ", start)
    if colon < 0:
        return [(start, len(line))]  # a system line: "+91 ... joined using this group's invite link"
    return [(start, colon), (colon + 2, len(line))]


def numbers_in_line(number, line, blanked):
    """The FoundNumbers of one LINE (NUMBER is its 1-based line number; BLANKED is it without dates and times)."""
    parts = chat_parts(line)
    if parts is not None:
        # In a chat the words beside a number are a message, not a name.
        return [FoundNumber(number, blanked[start + s:start + e], "")
                for start, end in parts for s, e in candidates_in(blanked[start:end])]
    spans = candidates_in(blanked)
    if not spans:
        return []
    return [FoundNumber(number, blanked[s:e], name) for (s, e), name in zip(spans, names_for(blanked, spans))]


def looks_like_chat(text):
    """Whether TEXT is a chat export: most of its first lines start with a date and a time."""
    lines = [line for line in text[:CHAT_SNIFF_CHARS].splitlines() if line.strip()][:CHAT_SNIFF_LINES]
    stamped = sum(1 for line in lines if WHATSAPP_PREFIX.match(line.lstrip(DIRECTION_MARKS)))
    return bool(lines) and stamped >= CHAT_SHARE * len(lines)


def find_numbers_in_text(text):
    """Every candidate phone number in TEXT, in order, with its 1-based line and the name beside it."""
    found = []
    plain = NOT_PLAIN.sub(lambda m: PLAIN_MAP[m.group(0)], text or "")
    lines, blanked_lines = plain.split("\n"), blank_dates_and_times(plain).split("\n")
    for index, (line, blanked) in enumerate(zip(lines, blanked_lines), start=1):
        if DIGIT.search(blanked):
            found += numbers_in_line(index, line, blanked)
    return found
