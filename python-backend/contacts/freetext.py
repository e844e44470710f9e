"""Find the phone numbers in pasted or free text: lists, prose, vCard-less contact dumps, WhatsApp chats.

    find_numbers_in_text(text) -> [FoundNumber(line, value, name)]

`line` is 1-based; `value` is the candidate as written (invisible direction marks dropped, odd spaces and dashes
made plain); `name` is the name written beside it on the same line ('' when none). Dates, times, year ranges and
IP addresses are not candidates; short or odd digit runs still are, so the caller can say why they are invalid.
A list marker at the start of a line ('1.', '2)', 'a.', '•', '-', '*') is neither part of a number nor of a name.
Digits labelled as something other than a phone ('Order #…', 'Invoice …', 'Fax: …', '… (fax)') are not
candidates: a message must never go to an order number or a fax line. Labels, joiners and filler words
('on', 'or', 'call', 'my number is') are never a name nor its first or last word.
Every pattern below is free of nested repetition, so the scan is linear in the length of the text.
"""
import re
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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
# Words that label a phone number: never a name, and they make the digits after them a phone number.
PHONE_LABELS = {"tel", "tele", "telephone", "phone", "ph", "mob", "mobile", "mobil", "cell", "cellphone",
                "handphone", "hp", "landline", "whatsapp", "wa", "viber", "telegram", "signal", "contact", "call",
                "home", "work", "office", "direct", "line", "m", "t", "p"}
# Joiners and filler that sit around a number in prose ('Call Ngozi on …', '… or …', 'my number is …'):
# never a name, nor the first or last word of one.
FILLER_WORDS = {"on", "or", "and", "at", "no", "nr", "num", "nos", "number", "numbers", "me", "my", "is", "are",
                "am", "i", "the", "to", "for", "from", "with", "via", "of", "in", "by", "as", "also", "alt",
                "alternate", "new", "old", "other", "reach", "text", "sms", "msg", "message", "ring", "dial",
                "try", "use", "here", "there", "our", "your", "his", "her", "their", "us", "him", "them", "it",
                "its", "this", "that", "hi", "hello", "dear", "pls", "please", "thanks", "ok", "eg", "ie", "&"}
# Words that say the digits beside them are not a phone number to message: orders, documents, money, codes,
# identifiers, and fax lines (which cannot receive a message).
NOT_PHONE_WORDS = {"fax", "telefax", "order", "orders", "invoice", "inv", "ref", "reference", "ticket", "receipt",
                   "account", "acct", "id", "pin", "pincode", "zip", "postcode", "otp", "password", "pwd",
                   "amount", "amt", "total", "price", "cost", "fee", "balance", "due", "paid", "rs", "inr",
                   "usd", "eur", "gbp", "qty", "quantity", "txn", "transaction", "trx", "booking", "pnr",
                   "tracking", "awb", "shipment", "consignment", "serial", "sn", "sku", "model", "policy",
                   "claim", "complaint", "gst", "gstin", "pan", "aadhaar", "aadhar", "ssn", "passport",
                   "licence", "license", "iban", "ifsc", "swift", "upi", "card", "cvv", "employee", "emp", "roll",
                   "registration", "reg", "vehicle", "flight", "batch", "lot"}
NAME_EDGE_WORDS = PHONE_LABELS | FILLER_WORDS | NOT_PHONE_WORDS | {""}
# Words that may stand between a label and its number: 'Order no. 4155…', 'Account number is 4155…'.
LABEL_FILLER = {"no", "nr", "num", "number", "is", "was", "of", "the", "your", "my", "our"}
# A label word, or '#', before a number.
LABEL_TOKEN = re.compile(r"[^\W\d_]+|#")
# A label sits right before its number ('Invoice no. 4155…'); farther back is another sentence's business.
LABEL_LOOKBACK_CHARS = 40
ITEM_SPLIT = re.compile("[%s]" % re.escape(ITEM_SEPARATORS))
# A label's reach ends at a comma, semicolon or bar, but not at a tab (a pasted 'Fax<TAB>number' row) nor at a
# blanked date ('Invoice 12/03/2024 4155…').
LABEL_SCOPE_END = re.compile("[,;|]")
# '(fax)', '[order]' right after a number: the word inside labels it.
LABEL_AFTER = re.compile(r"[ \x1f]*[(\[][ \x1f]*([^\W\d_]+)")
# Bullet characters pasted lists start with (made plain dashes are matched separately, see LIST_MARKER).
BULLETS = ("*>\u2022\u25cf\u25cb\u25e6\u25aa\u25ab\u25a0\u25a1\u2023\u2043\u2219\u00b7"
           "\u25ba\u25b8\u27a4\u2713\u2714\u2192")
# A list marker at the start of a line: a bullet; '-' before a space (a '-' before digits may be part of the
# number); '1.' / '12)' before a space or a letter ('1.' before a digit may be a dotted number such as
# 1.415.555.2671); 'a.' / 'a)' / 'iv.' in lower case; 'A)', '(a)', '(A)' (but not 'A.', which is an initial).
# A numeral in brackets is never a marker: '(201) 555-0123' is an area code. Nor is '1 - ': '1 - 800 - 555 -
# 0199' is a North American number, and without its '1' it could be valid in the list's own country.
LIST_MARKER = re.compile(r"[ \x1f]*(?:[" + BULLETS + r"]|-(?= )|[1-9][0-9]{0,2}[.)](?=[ \x1f]|[^\W\d_])"
                         r"|(?:[a-z]|[ivx]{2,4})[.)](?= )|[A-Z]\)(?= )|\([A-Za-z]\)(?= ))")
NAME_STRIP = " \t-_:|()[]<>{}.,;=*#'\"/\\~" + BULLETS + BLANK
DIGIT = re.compile(r"\d")
# A line that is one number and nothing else: digits, spaces and dashes, a leading '+', an area code in brackets.
# No '.', '/' or ')' on its own (list markers, dotted numbers, dates), no letters (names, labels), no blanked
# date or tab: those lines take the full scan. RE2 syntax (run by Arrow over all lines at once).
PLAIN_NUMBER_LINE_RE2 = r"^ *\+?(?:\(\d{1,5}\) ?)?\d(?:[\d \-]*\d)? *$"
# Such a line must hold MIN_DIGITS_ALONE digits to be a candidate at all, and none of the shapes blanking would
# remove: a dashed date ('2024-03-01', '12-03-2024') or a year range ('2019 - 2020') takes the full scan.
THREE_DIGITS_RE2 = r"\d\D*\d\D*\d"
DATE_LIKE_RE2 = r"\d-\d{1,2}-\d\d|(?:19|20)\d\d ?- ?(?:19|20)\d\d"
# A line that is a name, then one number and nothing else: 'Ravi: 98861 23450', 'Ravi Kumar 98861 23450',
# 'Ravi 42: +91 98861-23450'. The name is ASCII words; a word of one or two digits may follow a word (never
# another digit word, so the name's digits never join into a candidate), and then a ':' must come before the
# number (a space alone would join them into one run). The number has the plain shape above and five digits
# (after a name it does not stand alone). Such a line's answer depends only on the text before its number.
NAME_WORDS_RE2 = r"[A-Za-z]+(?: [A-Za-z]+)*"
NAMED_NUMBER_LINE_RE2 = (r"^(?P<before> *(?:" + NAME_WORDS_RE2 + r"(?: \d{1,2} [A-Za-z]+(?: [A-Za-z]+)*)*"
                         r"(?: \d{1,2})? *: *|" + NAME_WORDS_RE2 + r" +))(?P<number>\+?(?:\(\d{1,5}\) ?)?\d"
                         r"(?:[\d \-]*\d)?) *$")
FIVE_DIGITS_RE2 = r"\d\D*\d\D*\d\D*\d\D*\d"
# A time ('42:30') is blanked before the scan, so a line holding one takes the full scan.
DIGIT_COLON_DIGIT_RE2 = r"\d:\d"
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
    """[(start, end, wanted)] of every candidate number in LINE; not wanted: labelled as something else."""
    spans = []
    for match in RUN.finditer(line):
        value = trim_run(match.group(0))
        if value and is_candidate(line, match.start(), value):
            start, end = match.start(), match.start() + len(value)
            previous_end = spans[-1][1] if spans else 0
            spans.append((start, end, not labelled_not_a_phone(line, previous_end, start, end)))
    return spans


def item_text_before(line, previous_end, start):
    """The last LABEL_LOOKBACK_CHARS of LINE before START, within a label's reach, after the previous candidate."""
    text = line[max(previous_end, start - LABEL_LOOKBACK_CHARS):start]
    return LABEL_SCOPE_END.split(text)[-1]


def nearest_label_word(tokens):
    """The last of TOKENS (lower case) once the filler between a label and its number is dropped, or ''."""
    while tokens and tokens[-1] in LABEL_FILLER:
        tokens.pop()
    return tokens[-1] if tokens else ""


def labelled_not_a_phone(line, previous_end, start, end):
    """Whether the words just before LINE[start:end], or a bracketed word just after it, say it is not a phone
    number ('Order #4155…', 'Fax: +1 415…', '4155… (fax)'). A '#' alone counts unless a phone label leads it
    ('Phone #: 4155…')."""
    tokens = [token.lower() for token in LABEL_TOKEN.findall(item_text_before(line, previous_end, start))]
    word = nearest_label_word(tokens)
    if word == "#":
        tokens.pop()
        if nearest_label_word(tokens) not in PHONE_LABELS:
            return True
    if word in NOT_PHONE_WORDS:
        return True
    after = LABEL_AFTER.match(line, end)
    return bool(after) and after.group(1).lower() in NOT_PHONE_WORDS


def without_list_marker(line):
    """LINE with the list marker at its start ('1.', '2)', 'a.', '•', '-') overwritten by spaces (same length)."""
    marker = LIST_MARKER.match(line)
    if not marker:
        return line
    indent = len(line) - len(line.lstrip(" " + BLANK))
    return line[:indent] + " " * (marker.end() - indent) + line[marker.end():]


def clean_name(segment):
    """The name in SEGMENT (text beside a number), or '' when it is a label, prose or nothing."""
    if not LETTER.search(segment):
        return ""
    words = segment.replace(BLANK, " ").split()
    while words and words[0].strip(NAME_STRIP).lower() in NAME_EDGE_WORDS:
        words.pop(0)
    while words and words[-1].strip(NAME_STRIP).lower() in NAME_EDGE_WORDS:
        words.pop()
    name = " ".join(words).strip(NAME_STRIP)
    if not LETTER.search(name) or NOT_A_NAME.search(name) or len(name) > MAX_NAME_CHARS \
            or len(name.split()) > MAX_NAME_WORDS:
        return ""
    return name


# What may stand between two numbers of one person: spaces, '/', '&', '+' and a joining word.
JOINED = re.compile(r"[\s/&+,]*(?:(?:or|and|oder|und|ou|et|o|y|e|или|и)[\s/&+,]*)?", re.IGNORECASE)


def split_gap(gap):
    """(text that may name the number before GAP, text that may name the one after it, whether an item separator
    divides the two so each is that number's own)."""
    pieces = ITEM_SPLIT.split(gap)
    if len(pieces) == 1:
        return gap, gap, False
    lettered = [piece for piece in pieces[1:] if LETTER.search(piece)]
    return pieces[0], (lettered[-1] if lettered else ""), True


def names_for(line, spans):
    """The name beside each span: taken from before the numbers when the line starts with one, else after; a
    number with nothing on that side takes the other side's text when a separator makes it its own."""
    gaps = [line[prev_end:start] for prev_end, start in zip([0] + [e for _, e in spans], [s for s, _ in spans])]
    gaps.append(line[spans[-1][1]:])
    befores, afters, own_befores, own_afters = [gaps[0]], [], [True], []
    for gap in gaps[1:-1]:
        after, before, divided = split_gap(gap)
        afters.append(after)
        own_afters.append(divided)
        befores.append(before)
        own_befores.append(divided)
    afters.append(gaps[-1])
    own_afters.append(True)
    if clean_name(befores[0]):
        names = [clean_name(b) or (clean_name(a) if own else "") for b, a, own in zip(befores, afters, own_afters)]
    else:
        names = [clean_name(a) or (clean_name(b) if own else "") for a, b, own in zip(afters, befores, own_befores)]
    return shared_names(names, gaps)


def shared_names(names, gaps):
    """NAMES with a nameless number joined to the one before by nothing but 'or', 'and', '/' or the like given
    that number's name ('Call Ngozi on 0803… or 0805…': both are Ngozi's)."""
    for index in range(1, len(names)):
        if not names[index] and names[index - 1] and JOINED.fullmatch(gaps[index]):
            names[index] = names[index - 1]
    return names


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
                for start, end in parts for s, e, wanted in candidates_in(blanked[start:end]) if wanted]
    blanked = without_list_marker(blanked)
    spans = candidates_in(blanked)
    if not spans:
        return []
    # Unwanted spans still take part in naming, so their digits and labels are nobody's name.
    names = names_for(blanked, [(s, e) for s, e, _ in spans])
    return [FoundNumber(number, blanked[s:e], name) for (s, e, wanted), name in zip(spans, names) if wanted]


def looks_like_chat(text):
    """Whether TEXT is a chat export: most of its first lines start with a date and a time."""
    lines = [line for line in text[:CHAT_SNIFF_CHARS].splitlines() if line.strip()][:CHAT_SNIFF_LINES]
    stamped = sum(1 for line in lines if WHATSAPP_PREFIX.match(line.lstrip(DIRECTION_MARKS)))
    return bool(lines) and stamped >= CHAT_SHARE * len(lines)


def find_numbers_in_text(text):
    """Every candidate phone number in TEXT, in order, with its 1-based line and the name beside it."""
    found = []
    plain = NOT_PLAIN.sub(lambda m: PLAIN_MAP[m.group(0)], text or "")
    blanked_text = blank_dates_and_times(plain)
    for index, (line, blanked) in enumerate(zip(plain.split("\n"), blanked_text.split("\n")), start=1):
        if DIGIT.search(blanked):
            found += numbers_in_line(index, line, blanked)
    return found


def find_number_columns(text):
    """find_numbers_in_text's answer as columns (line numbers, values, names), built far faster for pasted lists:
    the lines that are one number and nothing else, or a name and one number, are found and cut out by Arrow's
    kernels over all lines at once (the full scan gives them the same answer: tests/python/test_freetext.py
    checks); only the others are blanked and scanned one by one."""
    plain = NOT_PLAIN.sub(lambda m: PLAIN_MAP[m.group(0)], text or "")
    lines = pc.split_pattern(pa.array([plain]), "\n").flatten()
    not_date = ~matches_re2(lines, DATE_LIKE_RE2)
    only_number = matches_re2(lines, PLAIN_NUMBER_LINE_RE2) & matches_re2(lines, THREE_DIGITS_RE2) & not_date
    named = named_number_lines(lines, ~only_number & not_date)
    fast_rows = np.flatnonzero(only_number)
    fast_values = pc.utf8_trim(lines.take(pa.array(fast_rows, type=pa.int64())), " ").to_pylist()
    plain_lines = plain.split("\n")
    slow_rows = np.flatnonzero(~only_number & ~named.mask & matches_re2(lines, r"\d"))
    slow = [found for row in slow_rows
            for found in numbers_in_line(int(row) + 1, plain_lines[row], blank_dates_and_times(plain_lines[row]))]
    line_numbers = np.concatenate([fast_rows + 1, named.rows + 1, np.array([f.line for f in slow], dtype=np.int64)])
    order = np.argsort(line_numbers, kind="stable")  # a line is fast, named or slow: its own order is kept
    values = np.array(fast_values + named.values + [f.value for f in slow], dtype=object)[order]
    names = np.array([""] * len(fast_values) + named.names + [f.name for f in slow], dtype=object)[order]
    return line_numbers[order], values, names


class NamedLines(NamedTuple):
    """The lines that are a name and one number: which (mask), and of those found, rows, values and names."""

    mask: np.ndarray
    rows: np.ndarray
    values: list
    names: list


def named_number_lines(lines, eligible):
    """The ELIGIBLE Arrow LINES of the shape 'name: number', with the scan's answer for each found number.
    The name and whether the words before the number label it as something else (numbers_in_line's names_for and
    labelled_not_a_phone, run here on that text alone) depend only on the text before it: plain names are read
    on whole columns, and each distinct other text is judged once."""
    mask = eligible & matches_re2(lines, NAMED_NUMBER_LINE_RE2) & ~matches_re2(lines, DIGIT_COLON_DIGIT_RE2)
    candidates = np.flatnonzero(mask)
    parts = pc.extract_regex(lines.take(pa.array(candidates, type=pa.int64())), NAMED_NUMBER_LINE_RE2)
    numbers = parts.field("number")
    five = matches_re2(numbers, FIVE_DIGITS_RE2)
    mask[candidates[~five]] = False  # fewer digits: the full scan decides (it is not a candidate beside a name)
    befores = parts.field("before").filter(pa.array(five))
    plain_names, plain = plain_names_before(befores)
    befores = befores.to_pylist()
    verdicts = {b: name_before_number(b) for b in dict.fromkeys(b for b, p in zip(befores, plain) if not p)}
    answers = [(True, name) if p else verdicts[b] for b, name, p in zip(befores, plain_names, plain)]
    wanted = np.array([keep for keep, _ in answers], dtype=bool)
    rows = candidates[five][wanted]
    values = numbers.filter(pa.array(five)).filter(pa.array(wanted)).to_pylist()
    names = [name for keep, name in answers if keep]
    return NamedLines(mask, rows, values, names)


def plain_names_before(befores):
    """(names, which are plain) for the texts before a number of named lines, on whole columns: a text whose
    words (':' dropped) include no label, filler or non-phone word, at most MAX_NAME_WORDS of them and
    MAX_NAME_CHARS in all, names its number with those words joined by one space, and no word labels the number
    (so clean_name and labelled_not_a_phone agree); the others are judged one by one."""
    words = pc.utf8_split_whitespace(pc.replace_substring(befores, ":", " "))
    flat = pc.utf8_lower(pc.list_flatten(words))
    edge = pc.is_in(flat, value_set=pa.array(sorted(NAME_EDGE_WORDS))).to_numpy(zero_copy_only=False)
    owners = pc.list_parent_indices(words).to_numpy()
    has_edge = np.bincount(owners[edge], minlength=len(befores)).astype(bool)
    names = pc.binary_join(words, " ")
    plain = ~has_edge & (pc.list_value_length(words).to_numpy(zero_copy_only=False) <= MAX_NAME_WORDS) \
        & (pc.utf8_length(names).to_numpy(zero_copy_only=False) <= MAX_NAME_CHARS)
    return names.to_pylist(), plain


def name_before_number(before):
    """(whether the number after BEFORE is wanted, the name BEFORE gives it) as numbers_in_line answers for a line
    that is BEFORE, one number and spaces: its one span's name comes from before it, else from the spaces after
    it (none), and no bracketed label can follow it."""
    return not labelled_not_a_phone(before, 0, len(before), len(before)), clean_name(before)


def matches_re2(lines, pattern):
    """A numpy mask of the Arrow LINES that PATTERN (RE2) matches."""
    return pc.fill_null(pc.match_substring_regex(lines, pattern), False).to_numpy(zero_copy_only=False)
