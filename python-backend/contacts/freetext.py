"""Find the phone numbers in pasted or free text: lists, prose, vCard-less contact dumps, WhatsApp chats.

    find_numbers_in_text(text) -> [FoundNumber(line, value, name)]

`line` is 1-based; `value` is the candidate as written (invisible direction marks dropped, odd spaces and dashes
made plain); `name` is the name written beside it on the same line ('' when none). Dates, times, year ranges and
IP addresses are not candidates; short or odd digit runs still are, so the caller can say why they are invalid.
Every pattern below is free of nested repetition, so the scan is linear in the length of the text.
"""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FoundNumber:
    """One candidate phone number and the name written beside it."""

    line: int
    value: str
    name: str


# Digits runs shorter than this are page numbers, amounts, PINs... unless they stand alone in their item.
MIN_DIGITS = 5
MIN_DIGITS_ALONE = 3
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
BLANK = "\x1f"  # what dates and times are replaced by: a separator no number or name holds

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                   "\u2066\u2067\u2068\u2069\ufeff"), None)
PLAIN = str.maketrans({**INVISIBLE, **dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000"),
                                                    " "),
                       **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-"),
                       ord("\uff0b"): "+", ord("\t"): BLANK})

DATE = re.compile(r"(?<![\d+./-])(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?!\d|[./-]\d)")
TIME = re.compile(r"(?<![\d.:])\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.? ?[Mm]\.?)?(?![\d:])")
YEAR_RANGE = re.compile(r"(?<![\d+])(?:19|20)\d\d ?- ?(?:19|20)\d\d(?!\d)")
WHATSAPP_PREFIX = re.compile(r"\[?\d{1,4}[./-]\d{1,2}[./-]\d{2,4},? \d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
                             r"(?: ?[AaPp]\.? ?[Mm]\.?)?\]? ?(?:- )?")
RUN = re.compile(r"\+?\(?\d[\d ().\-/]*")
IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
AMOUNT = re.compile(r"\d{1,6}\.\d{1,2}")
ITEM_SEPARATORS = ",;|" + BLANK
NAME_LABELS = {"tel", "tel.", "phone", "ph", "ph.", "mob", "mob.", "mobile", "cell", "no", "no.", "number",
               "whatsapp", "contact", "call", "fax", "home", "work", "office", "m", "t", "p"}
NAME_STRIP = " \t-_:|()[]<>{}.,;=*#'\"/\\~" + BLANK
DIGIT = re.compile(r"\d")
LETTER = re.compile(r"[^\W\d_]")


def is_real_date(match):
    """Whether a d/m/y-looking MATCH is a plausible calendar date (so not part of a phone number)."""
    first, _, middle, last = match.groups()
    a, b, c = int(first), int(middle), int(last)
    if len(first) == 4:
        return 1 <= b <= 12 and 1 <= c <= 31 and len(last) <= 2
    if len(last) not in (2, 4) or not (1 <= b <= 31 and 1 <= a <= 31):
        return False
    return a <= 12 or b <= 12


def blank_dates_and_times(text):
    """TEXT with dates, times and year ranges replaced by BLANK."""
    text = DATE.sub(lambda m: BLANK if is_real_date(m) else m.group(0), text)
    text = TIME.sub(BLANK, text)
    return YEAR_RANGE.sub(BLANK, text)


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
    digits = sum(c.isdigit() for c in value)
    if IP_ADDRESS.fullmatch(value) or AMOUNT.fullmatch(value):
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
    words = segment.replace(BLANK, " ").split()
    while words and words[0].strip(NAME_STRIP).lower() in NAME_LABELS | {""}:
        words.pop(0)
    while words and words[-1].strip(NAME_STRIP).lower() in NAME_LABELS | {""}:
        words.pop()
    name = " ".join(words).strip(NAME_STRIP)
    if not LETTER.search(name) or len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return ""
    return name


def names_for(line, spans):
    """The name beside each span: taken from before the numbers when the line starts with one, else after."""
    gaps = [line[prev_end:start] for prev_end, start in zip([0] + [e for _, e in spans], [s for s, _ in spans])]
    gaps.append(line[spans[-1][1]:])
    if clean_name(gaps[0]):
        return [clean_name(g) for g in gaps[:-1]]
    return [clean_name(g) for g in gaps[1:]]


def whatsapp_split(line):
    """(sender, message) of a WhatsApp chat line; message is None when LINE is not one."""
    prefix = WHATSAPP_PREFIX.match(line)
    if not prefix or prefix.end() == 0:
        return None, None
    rest = line[prefix.end():]
    sender, colon, message = rest.partition(": ")
    return (sender, message) if colon else ("", rest)


def numbers_in_line(number, line):
    """The FoundNumbers of one LINE (NUMBER is its 1-based line number)."""
    sender, message = whatsapp_split(line)
    if message is not None:
        return chat_numbers(number, sender, message)
    line = blank_dates_and_times(line)
    spans = candidates_in(line)
    if not spans:
        return []
    return [FoundNumber(number, line[s:e], name) for (s, e), name in zip(spans, names_for(line, spans))]


def chat_numbers(number, sender, message):
    """The FoundNumbers of a WhatsApp line; the words beside a number in a chat are a message, not a name."""
    found = []
    for part in (sender, message):
        part = blank_dates_and_times(part)
        found += [FoundNumber(number, part[s:e], "") for s, e in candidates_in(part)]
    return found


def find_numbers_in_text(text):
    """Every candidate phone number in TEXT, in order, with its 1-based line and the name beside it."""
    found = []
    plain = (text or "").translate(PLAIN).replace("\r\n", "\n").replace("\r", "\n")
    for index, line in enumerate(plain.split("\n"), start=1):
        if DIGIT.search(line):
            found += numbers_in_line(index, line)
    return found
