"""Find the header row and the phone, name, email and country columns of a table of text cells.

Headers are matched in several languages; content decides when headers say nothing
(a file with no header row, or columns called "Column 3"). A mobile column is preferred
over home and work ones, whose valid numbers the contact keeps as alternates.
"""
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd


from core.errors import DomainError

# How many rows from the top may hold titles before the header row.
HEADER_SEARCH_ROWS = 15
# Rows sampled to judge a column by its content; enough to be stable, small enough to be instant.
CONTENT_SAMPLE_ROWS = 300
# A column is phone-like when at least this share of its non-empty sample cells look like numbers.
PHONE_CONTENT_SHARE = 0.5

# Preference ranks of phone headers: lower is better. Fax and pager columns are never messageable.
MOBILE, GENERIC, HOME, WORK, OTHER = 0, 1, 2, 3, 4

MOBILE_WORDS = ("mobile", "mobil", "cell", "handy", "portable", "celular", "cellulare", "movil", "whatsapp",
                "gsm", "mob", "手机", "мобильный", "сотовый", "جوال", "मोबाइल", "cep")
PHONE_WORDS = MOBILE_WORDS + ("phone", "tel", "telephone", "telefon", "telefone", "telefono", "numero", "number",
                              "nummer", "rufnummer", "msisdn", "contact no", "contact number", "ph", "fon",
                              "电话", "телефон", "هاتف", "फोन", "wa", "no", "nr", "num", "alternate", "alt",
                              "secondary")
HOME_WORDS = ("home", "private", "privat", "domicile", "casa", "maison", "residence")
WORK_WORDS = ("work", "business", "office", "company", "bureau", "arbeit", "geschaft", "trabajo", "lavoro")
# Headers that hold numbers which are not phone numbers (serials, accounts, codes, amounts).
EXCLUDED_PHONE_WORDS = ("fax", "pager", "type", "label", "extension", "ext", "s no", "sl no", "sr no", "serial",
                        "account", "order", "invoice", "id", "ref", "reference", "policy", "bank", "card", "zip",
                        "postal", "pin", "postcode", "code", "amount", "price", "qty", "date", "gst", "pan", "aadhaar")
NAME_WORDS = ("name", "full name", "display name", "contact", "contact name", "nom", "nombre", "nome", "имя",
              "姓名", "名字", "اسم", "नाम", "naam", "customer", "client", "guest")
FIRST_NAME_WORDS = ("first name", "given name", "firstname", "first", "prenom", "vorname", "nombre", "nome",
                    "forename", "given")
LAST_NAME_WORDS = ("last name", "surname", "family name", "lastname", "last", "nachname", "apellido", "apellidos",
                   "cognome", "nom de famille", "фамилия")
EMAIL_WORDS = ("email", "e-mail", "mail", "courriel", "correo", "e mail", "email address")
COUNTRY_WORDS = ("country", "country code", "pays", "pais", "land", "paese", "nation", "страна", "country/region")
NOT_NAME_WORDS = ("company", "organization", "organisation", "file as", "nickname", "phonetic", "middle",
                  "prefix", "suffix", "title", "job", "department", "user", "group", "notes")

PHONE_LIKE = re.compile(r"^\s*(?:tel:)?\+?[\d\s().\-/\u00a0\u2013\u2014]{6,24}\s*$")
LETTERS = re.compile(r"[^\W\d_]")


@dataclass
class ColumnMapping:
    """Where the contact data sits in a table."""

    header_row: int = None
    headers: list = field(default_factory=list)
    phone: list = field(default_factory=list)
    phone_labels: dict = field(default_factory=dict)
    name: list = field(default_factory=list)
    email: int = None
    country: int = None

    def describe(self):
        """The mapping as the API reports it (header names, 1-based header row)."""
        names = self.headers
        return {
            "phone": names[self.phone[0]] if self.phone else None,
            "phone_fallbacks": [names[i] for i in self.phone[1:]],
            "name": [names[i] for i in self.name],
            "email": names[self.email] if self.email is not None else None,
            "country": names[self.country] if self.country is not None else None,
            "header_row": self.header_row + 1 if self.header_row is not None else None,
        }


def fold(text):
    """Lower-case, accent-free, single-spaced text for header matching."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode() or str(text)
    return re.sub(r"[\s_.:#*]+", " ", text.lower()).strip()


def has_word(header, words):
    """Whether a folded header contains one of WORDS as a whole word (or is exactly it)."""
    if header in words:
        return True
    tokens = set(re.split(r"[^\w]+", header))
    return any((" " in w and w in header) or w in tokens for w in words)


def phone_rank(header):
    """The preference rank of a phone header, or None when it is not a phone header."""
    h = fold(header)
    if not h or has_word(h, EXCLUDED_PHONE_WORDS) or not has_word(h, PHONE_WORDS) or has_word(h, EMAIL_WORDS):
        return None
    return rank_of_kind(h)


def rank_of_kind(h):
    """Mobile, home, work, other or generic, from a folded header or label."""
    if has_word(h, MOBILE_WORDS):
        return MOBILE
    if has_word(h, HOME_WORDS):
        return HOME
    if has_word(h, WORK_WORDS):
        return WORK
    if "other" in h or "car" in h.split() or "assistant" in h:
        return OTHER
    return GENERIC


def label_rank(label):
    """Rank of a per-row phone label such as Google's 'Phone 1 - Label' value ('Mobile', 'Home', ...)."""
    h = fold(label)
    if h in ("", "main", "phone", "primary"):
        return GENERIC
    rank = rank_of_kind(h)
    return OTHER if rank == GENERIC else rank


def phone_share(series):
    """Share of non-empty cells that look like phone numbers."""
    cells = series[series.str.strip() != ""]
    if cells.empty:
        return 0.0
    return float(cells.str.match(PHONE_LIKE).mean())


def text_share(series):
    """Share of non-empty cells that are words (letters, no long digit runs)."""
    cells = series[series.str.strip() != ""]
    if cells.empty:
        return 0.0
    wordy = cells.str.contains(LETTERS) & ~cells.str.contains(r"\d{3}") & ~cells.str.contains("@", regex=False)
    return float(wordy.mean())


def header_score(cells):
    """How much a row looks like a header: known header words, and no phone numbers in it."""
    folded = [fold(c) for c in cells]
    known = sum(1 for h in folded if h and (phone_rank(h) is not None or has_word(h, NAME_WORDS + EMAIL_WORDS)))
    numbers = sum(1 for c in cells if PHONE_LIKE.match(c or "") and sum(ch.isdigit() for ch in c) >= 6)
    return known if numbers == 0 else 0


def find_header_row(frame):
    """The index of the header row among the first rows, or None when the table has none."""
    best, best_score = None, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(frame))):
        score = header_score(list(frame.iloc[i]))
        if score > best_score:
            best, best_score = i, score
    return best


def column_letters(index):
    """Spreadsheet letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_names(frame, header_row):
    """Unique display names of the columns: the header cells, or 'Column A', 'Column B', ..."""
    names, seen = [], set()
    for i in range(frame.shape[1]):
        raw = str(frame.iat[header_row, i]).strip() if header_row is not None else ""
        name = raw or "Column %s" % column_letters(i)
        while name in seen:
            name += " (%s)" % column_letters(i)
        seen.add(name)
        names.append(name)
    return names


def phone_columns_by_header(headers, sample):
    """Phone columns found by header, best first, skipping headers whose content is not numbers.

    A bare 'Home' or 'Work' header counts too when its cells are phone numbers.
    """
    ranked = []
    for i, h in enumerate(headers):
        share = phone_share(sample[i])
        rank = phone_rank(h)
        if rank is not None and (share >= PHONE_CONTENT_SHARE or sample[i].str.strip().eq("").all()):
            ranked.append((rank, i))
        elif rank is None and share >= PHONE_CONTENT_SHARE and has_word(fold(h), HOME_WORDS + WORK_WORDS):
            ranked.append((rank_of_kind(fold(h)), i))
    return [i for _, i in sorted(ranked)]


def phone_columns_by_content(sample):
    """The single most phone-like column by content, as a one-item list (or empty)."""
    shares = [(phone_share(sample[i]), i) for i in sample.columns]
    share, best = max(shares, default=(0.0, None))
    return [best] if best is not None and share >= PHONE_CONTENT_SHARE else []


def google_label_columns(headers, phone_cols):
    """For 'Phone N - Value' columns, the matching 'Phone N - Label'/'Type' column (Google Contacts)."""
    labels = {}
    folded = [fold(h) for h in headers]
    for i in phone_cols:
        m = re.match(r"^(.*?)\s*-?\s*value$", folded[i])
        if not m:
            continue
        for suffix in (" - label", " - type", " label", " type"):
            want = fold(m.group(1) + suffix)
            if want in folded:
                labels[i] = folded.index(want)
                break
    return labels


def first_index(headers, words, exclude=()):
    """Index of the first header containing one of WORDS (and none of EXCLUDE), or None."""
    for i, h in enumerate(headers):
        f = fold(h)
        if f and has_word(f, words) and not (exclude and has_word(f, exclude)):
            return i
    return None


def name_columns(headers, sample, taken):
    """Name columns: a full-name column, else first + last, else a wordy column by content.

    A generic name column beside a first-name column and no last-name one is the family name
    (French 'Prénom' + 'Nom').
    """
    avoid = NOT_NAME_WORDS + PHONE_WORDS + EMAIL_WORDS
    first = first_index(headers, FIRST_NAME_WORDS, avoid)
    last = first_index(headers, LAST_NAME_WORDS, avoid)
    full = next((i for i, h in enumerate(headers)
                 if i not in taken and i not in (first, last) and is_full_name_header(fold(h))), None)
    if full is not None and text_share(sample[full]) > 0.3:
        return [first, full] if first is not None and last is None else [full]
    if first is not None and last is not None and first != last:
        return [first, last]
    for only in (first, last):
        if only is not None and only not in taken:
            return [only]
    wordy = [(text_share(sample[i]), i) for i in sample.columns if i not in taken]
    share, best = max(wordy, default=(0.0, None))
    return [best] if best is not None and share >= 0.6 else []


def is_full_name_header(h):
    """Whether a folded header names a whole name ('Name', 'Customer Name', 'Full name', 'Nom')."""
    return h in NAME_WORDS or (has_word(h, ("name", "full name", "display name"))
                               and not has_word(h, NOT_NAME_WORDS + FIRST_NAME_WORDS + LAST_NAME_WORDS))


def resolve_column(spec, headers, what):
    """A user-given column (header name, letter or 1-based number) -> its index, or a bad_column error."""
    wanted = str(spec).strip()
    for i, h in enumerate(headers):
        if h.lower() == wanted.lower():
            return i
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        for i in range(len(headers)):
            if column_letters(i) == wanted.upper():
                return i
    if wanted.isdigit() and 1 <= int(wanted) <= len(headers):
        return int(wanted) - 1
    raise DomainError("bad_column", "There is no %s column called %r. Columns: %s." % (what, wanted, ", ".join(headers)))


def detect_columns(frame, phone_column=None, name_column=None, country_column=None, alternate_columns=None):
    """Find the header row and the contact columns of FRAME (all cells str); user choices win.

    ALTERNATE_COLUMNS (a list of columns, [] for none; None detects them) are the phone columns whose valid
    numbers a contact keeps beside the one it uses."""
    header_row = find_header_row(frame)
    headers = header_names(frame, header_row)
    start = header_row + 1 if header_row is not None else 0
    sample = frame.iloc[start:start + CONTENT_SAMPLE_ROWS]
    mapping = ColumnMapping(header_row=header_row, headers=headers)
    by_header = phone_columns_by_header(headers, sample) if header_row is not None else []
    if phone_column:
        chosen = resolve_column(phone_column, headers, "phone")
        mapping.phone = [chosen] + [i for i in by_header if i != chosen]
    else:
        mapping.phone = by_header or phone_columns_by_content(sample)
    if alternate_columns is not None:
        others = [resolve_column(c, headers, "phone") for c in alternate_columns]
        mapping.phone = list(dict.fromkeys(mapping.phone[:1] + others))
    mapping.phone_labels = google_label_columns(headers, mapping.phone)
    mapping.email = first_index(headers, EMAIL_WORDS, ("type", "label")) if header_row is not None else None
    if country_column:
        mapping.country = resolve_column(country_column, headers, "country")
    elif header_row is not None:
        mapping.country = first_index(headers, COUNTRY_WORDS, PHONE_WORDS)
    taken = set(mapping.phone) | set(mapping.phone_labels.values()) | {mapping.email, mapping.country}
    if name_column:
        mapping.name = [resolve_column(part, headers, "name") for part in str(name_column).split("+")]
    else:
        mapping.name = name_columns(headers, sample, taken)
    return mapping


def frame_as_text(frame):
    """FRAME with every cell a str ('' for missing), whatever the reader produced.

    The readers already give text columns with '' for empty cells: those pass through without a copy."""
    if all(isinstance(dtype, pd.StringDtype) for dtype in frame.dtypes):
        return frame
    return frame.fillna("").astype(str)
