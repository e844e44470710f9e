"""Which legacy encoding a text file that is not UTF-8 is in: candidates ranked by how much their decoding of a
sample reads like text (see decode.py)."""
import re
import unicodedata

# Single-byte code pages people's contact files come in, most common first (ties go to the earlier one):
# Windows Western, Mac Roman (Excel for Mac), Central European, Cyrillic (Windows, KOI8-R), Greek, Hebrew, Arabic.
SINGLE_BYTE = ("cp1252", "mac_roman", "cp1250", "cp1251", "koi8_r", "iso8859_7", "cp1253", "cp1255", "cp1256")
# Multi-byte encodings charset-normalizer may name, mapped to the codec used (supersets decode more files).
MULTI_BYTE = {"cp932": "cp932", "shift_jis": "cp932", "euc_jp": "euc_jp", "iso2022_jp": "iso2022_jp",
              "gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "hz": "hz",
              "big5": "big5hkscs", "big5hkscs": "big5hkscs", "cp950": "cp950",
              "cp949": "cp949", "euc_kr": "cp949", "johab": "johab", "iso2022_kr": "iso2022_kr"}
# Bytes of a file's start that are scored: a contact list shows its alphabet within a few hundred rows.
SCORED_BYTES = 16 * 1024
# A single-byte reading whose score is at least this share of its non-ASCII characters is taken at once.
CLEAN_SHARE = 0.85
# A multi-byte reading is taken when at least this share of its non-ASCII characters are CJK, kana or Hangul.
CJK_SHARE = 0.6
# Symbols real text holds beside its letters (they cost nothing); any other non-letter costs this much.
COMMON_SYMBOLS = set("\u00a0€£¥°–—‘’‚“”„…«»·×§©®™•")
STRAY_COST = 2
# Script blocks a letter is counted in (by code point), enough to tell a page of one script from mojibake.
SCRIPTS = ((0x0370, 0x03FF, "greek"), (0x0400, 0x052F, "cyrillic"), (0x0590, 0x05FF, "hebrew"),
           (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0xFB50, 0xFDFF, "arabic"),
           (0xFE70, 0xFEFF, "arabic"), (0x0E00, 0x0E7F, "thai"))


WORD = re.compile(r"[^\W\d_]+")
CASED_SCRIPTS = {"cyrillic", "greek"}
# Accented letters that are words on their own (French à, Italian è, Spanish ó/é, Portuguese é/à ...).
ONE_LETTER_WORDS = set("àèéìòùáíóúÀÈÉ")


def script_of(char):
    """The script block of a non-ASCII letter ('latin' for the Latin supplements and anything unlisted)."""
    point = ord(char)
    for low, high, name in SCRIPTS:
        if low <= point <= high:
            return name
    return "latin"


def text_score(text):
    """How much TEXT's non-ASCII part reads like words: letters of its main script count; letters of another
    script, stray symbols and controls, and odd words (see word_oddities) count against."""
    letters, strays = {}, 0
    for char in text:
        if char < "\x80":
            continue
        if unicodedata.category(char).startswith("L"):
            script = script_of(char)
            # Accented capitals are rare in Latin text, and what Mac Roman and Windows-1252 read each other's
            # letters and dashes as: they count for nothing.
            letters[script] = letters.get(script, 0) + (0 if script == "latin" and char.isupper() else 1)
        elif char not in COMMON_SYMBOLS:
            strays += 1
    main = max(letters.values(), default=0)
    foreign = sum(letters.values()) - main
    return main - STRAY_COST * (strays + foreign) - word_oddities(text)


def word_oddities(text):
    """Signs of a wrong code page in TEXT's words: a capital after a small letter, accented Latin letters in a
    row (European words have one here and there), ASCII letters glued to another script, and a cased script
    (Cyrillic, Greek) none of whose words starts with a capital, or with no small letter at all (contact lists
    are names; another script read as Cyrillic comes out all one case). Cheaper than a word's letters, so a
    genuine all-capitals file still reads best in its own code page."""
    odd, capitalised, cased_words, small = 0, 0, 0, 0
    for word in WORD.findall(text):
        wide = [c for c in word if c >= "\x80"]
        if not wide:
            continue
        odd += sum(1 for a, b in zip(word, word[1:]) if b.isupper() and a.islower())
        odd += sum(1 for a, b in zip(word, word[1:]) if a >= "\x80" and b >= "\x80" and script_of(a) == "latin"
                   and script_of(b) == "latin")
        if len(word) == 1 and script_of(word) == "latin" and word not in ONE_LETTER_WORDS:
            odd += 1
        scripts = {script_of(c) for c in wide}
        if scripts - {"latin"} and any(c < "\x80" for c in word):
            odd += len(wide)
        if scripts & CASED_SCRIPTS:
            cased_words += 1
            # 'РХГы': capitals after the first and small letters in one word (Chinese read as Cyrillic).
            odd += sum(1 for c in word[1:] if c.isupper()) if any(c.islower() for c in word) else 0
            capitalised += word[0].isupper()
            small += any(c.islower() for c in wide)
    if cased_words >= 2 and (capitalised == 0 or small == 0):
        odd += cased_words
    return odd


def ranked_single_byte(sample):
    """The single-byte candidates that decode SAMPLE, best reading first."""
    scored = []
    for order, encoding in enumerate(SINGLE_BYTE):
        try:
            scored.append((-text_score(sample.decode(encoding)), order, encoding))
        except UnicodeDecodeError:
            continue
    return [encoding for _, _, encoding in sorted(scored)]


def multi_byte_guess(sample):
    """The CJK encoding charset-normalizer finds for SAMPLE when its reading is mostly CJK or Hangul, else None.
    It weighs the single-byte pages too, so a Cyrillic or Greek file is not taken for Chinese."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample, cp_isolation=list(MULTI_BYTE) + list(SINGLE_BYTE)).best()
    codec = MULTI_BYTE.get(best.encoding) if best is not None else None
    if codec is None:
        return None
    try:
        text = sample.decode(codec, errors="strict")
    except UnicodeDecodeError:
        text = sample.decode(codec, errors="ignore")  # the sample may end inside a character
    wide = [c for c in text if c >= "\x80"]
    cjk = sum(1 for c in wide if is_cjk(c))
    return codec if wide and cjk / len(wide) >= CJK_SHARE else None


def is_cjk(char):
    """Whether CHAR is a CJK ideograph, kana, Hangul or a full-width form."""
    point = ord(char)
    return (0x3040 <= point <= 0x30FF or 0x3400 <= point <= 0x4DBF or 0x4E00 <= point <= 0x9FFF
            or 0xAC00 <= point <= 0xD7AF or 0x1100 <= point <= 0x11FF or 0xFF00 <= point <= 0xFFEF
            or 0x3000 <= point <= 0x303F or 0xF900 <= point <= 0xFAFF or 0x20000 <= point <= 0x2FA1F)


def guess_legacy_encoding(sample):
    """Candidate encodings for SAMPLE (bytes that are not UTF-8), most likely first (Latin-1 is the caller's
    last resort): a CJK reading when charset-normalizer finds one, then the single-byte pages by score."""
    sample = sample[:SCORED_BYTES]
    single = ranked_single_byte(sample)
    if single and clean(sample.decode(single[0])):
        return single  # CJK read as any single-byte page is never clean: no need for the slower detector
    cjk = multi_byte_guess(sample)
    return ([cjk] if cjk else []) + single


def clean(text):
    """Whether TEXT's non-ASCII characters read as words nearly throughout (see text_score)."""
    wide = sum(1 for c in text if c >= "\x80")
    return text_score(text) >= CLEAN_SHARE * wide
