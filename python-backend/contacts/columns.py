"""Find the header row and the phone, name, email and country columns of a table of text cells.

Headers are matched in many languages and scripts; content decides when headers say nothing
(a file with no header row, or columns called "Column 3"). A mobile column is preferred
over home and work ones, whose valid numbers the contact keeps as alternates. Identifier columns
(order, invoice, customer, tax, post codes, ...) are never phone columns, whatever their digits.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


from core.errors import DomainError

# How many rows from the top may hold titles before the header row.
HEADER_SEARCH_ROWS = 15
# Rows sampled to judge a column by its content; enough to be stable, small enough to be instant.
CONTENT_SAMPLE_ROWS = 300
# A column is phone-like when at least this share of its non-empty sample cells look like numbers.
PHONE_CONTENT_SHARE = 0.5
# A column judged by content alone needs numbers of at least this many digits: 6-digit post codes and short IDs
# are not phone numbers (the few 5- and 6-digit national plans stay importable by choosing the column).
MIN_CONTENT_DIGITS = 7
# Plain digit cells that mostly go up by at most this step from one row to the next are record IDs (1001, 1002, ...).
ID_SEQUENCE_STEP = 10
# The share of row-to-row steps that must be that small, and how many cells it takes to judge.
ID_SEQUENCE_SHARE = 0.8
ID_SEQUENCE_MIN_CELLS = 3
# Phone-shaped cells of a column checked for validity: enough to tell phone numbers from other digits, few enough
# that a wide table of digits is judged quickly (a cell off the fast path costs ~0.1 ms).
VALIDITY_SAMPLE_CELLS = 60
# Columns checked for validity when content alone decides: a table seldom has more digit columns than this.
MAX_CONTENT_CANDIDATES = 8
# A name column needs more than this share of its non-empty sample cells to be words (not '#1001' order numbers).
NAME_TEXT_SHARE = 0.3
# A column with no name header is a name column by content from this share of words.
NAME_CONTENT_SHARE = 0.6

# Preference ranks of phone headers: lower is better. Fax and pager columns are never messageable.
MOBILE, GENERIC, HOME, WORK, OTHER = 0, 1, 2, 3, 4

# Header words are folded (see fold) when the module loads, so they can be written naturally here.
MOBILE_WORDS = (
    "mobile", "mobil", "mobiel", "mobiele", "cell", "cellphone", "cell phone", "cellular", "handy", "portable",
    "celular", "cellulare", "movil", "telemovel", "whatsapp", "whats app", "gsm", "mob", "hp", "handphone",
    "ponsel", "cep telefonu", "cep tel", "cep no", "komorka", "komorkowy", "di động", "didong",
    "手机", "手機", "携帯", "ケータイ", "휴대폰", "휴대전화", "핸드폰", "мобильный", "мобильного", "мобильний",
    "мобільний", "мобільного", "сотовый", "моб", "κινητό", "κινητού", "נייד", "موبايل", "موبایل", "جوال", "محمول",
    "همراه", "मोबाइल")
# Words that say "telephone" on their own: such a header is a phone column even beside an identifier word
# ('Customer Phone', 'Billing Phone').
PHONE_WORDS = MOBILE_WORDS + (
    "phone", "telephone", "tel", "telefon", "telefone", "telefono", "telefoon", "telefoonnummer", "telefonnummer",
    "telefonu", "telefonos", "telepon", "telp", "rufnummer", "msisdn", "contact no", "contact number", "ph", "fon",
    "wa", "sms", "viber", "điện thoại", "sdt", "sđt", "τηλέφωνο", "τηλεφώνου", "τηλ", "телефон", "телефона",
    "телефону", "тел", "هاتف", "تليفون", "تلفون", "تلفن", "טלפון", "טל", "फोन", "दूरभाष", "電話", "电话", "전화",
    "연락처")
# Words that only say "number": a phone column when its content is phone numbers, never beside an identifier word
# ('Roll No', 'Order Number', 'Номер заказа' lose to 'roll', 'order', 'заказа').
NUMBER_WORDS = (
    "number", "no", "nr", "num", "numero", "nummer", "numer", "nomor", "nomer", "номер", "رقم", "מספר", "شماره",
    "नंबर", "संख्या", "番号", "号码", "號碼", "번호", "alternate", "alt", "secondary")
HOME_WORDS = ("home", "private", "privat", "domicile", "casa", "maison", "residence", "residencial", "zuhause",
              "thuis", "домашний", "дом", "自宅", "家庭", "住宅", "집", "منزل", "בית", "منزل", "घर")
WORK_WORDS = ("work", "business", "office", "company", "account", "bureau", "arbeit", "geschaft", "trabajo",
              "lavoro", "ufficio", "oficina", "trabalho", "werk", "kantor", "praca", "рабочий", "служебный", "勤務先",
              "会社", "办公", "公司", "회사", "직장", "عمل", "עבודה", "کار")
# Headers whose numbers are never phone numbers, whatever else the header says (fax, labels, dates, amounts, codes).
NEVER_PHONE_WORDS = (
    "fax", "telefax", "pager", "type", "typ", "tipo", "label", "extension", "ext", "durchwahl", "date", "datum",
    "fecha", "time", "timestamp", "dob", "birthday", "amount", "price", "cost", "total", "qty", "quantity",
    "zip", "zipcode", "postal", "postcode", "pin", "pincode", "plz", "postleitzahl", "cap",
    "codigo postal", "code postal", "kod pocztowy", "posta kodu", "kode pos", "почтовый индекс", "индекс",
    "ταχυδρομικός κώδικας", "τ κ", "מיקוד", "کد پستی", "الرمز البريدي", "पिन", "पिनकोड", "郵便番号", "〒", "邮编",
    "郵編", "邮政编码", "郵遞區號", "우편번호", "s no", "sl no", "sr no", "sno", "serial", "seq", "sequence")
# Identifier headers (records, people's IDs, tax numbers): never a phone column unless the header also says
# "phone" ('Customer Phone' is a phone column, 'Customer No' is not).
IDENTIFIER_WORDS = (
    "id", "ids", "identifier", "code", "ref", "reference", "admission", "adm", "roll", "registration", "reg", "enrollment",
    "enrolment", "receipt", "order", "invoice", "bill", "record", "customer", "client", "account", "acct",
    "employee", "emp", "staff", "member", "membership", "student", "policy", "bank", "card", "iban", "swift", "ifsc",
    "transaction", "txn", "payment", "tracking", "shipment", "awb", "sku", "barcode", "ean", "upc", "isbn",
    "ticket", "booking", "reservation", "vat", "tax", "tin", "gst", "gstin", "pan", "aadhaar", "aadhar", "uid",
    "cep", "ssn", "social security", "national id", "nid", "passport", "license", "licence", "cpf", "cnpj", "rg", "nif",
    "nie", "dni", "cif", "rfc", "curp", "ruc", "rut", "cuit", "nip", "pesel", "regon", "bsn", "kvk", "siret",
    "siren", "ean", "kundennummer", "kunden", "kunde", "kundennr", "bestellnummer", "bestellung", "auftrag",
    "auftragsnummer", "rechnung", "rechnungsnummer", "mitgliedsnummer", "personalnummer", "konto", "kontonummer",
    "steuernummer", "ust", "matrikelnummer", "artikel", "artikelnummer", "commande", "facture", "identifiant",
    "matricule", "recu", "compte", "adherent", "dossier", "tva", "pedido", "orden", "factura", "fatura", "recibo",
    "cliente", "cuenta", "conta", "cedula", "matricula", "expediente", "socio", "empleado", "funcionario", "ordine",
    "fattura", "ricevuta", "codice fiscale", "partita iva", "matricola", "conto", "dipendente", "tessera",
    "bestelling", "bestelnummer", "factuur", "klant", "klantnummer", "rekening", "ordernummer", "lidnummer",
    "zamowienie", "zamowienia", "faktura", "klient", "klienta", "indeks", "siparis", "musteri", "hesap", "kimlik",
    "tc kimlik", "sicil", "ogrenci", "makbuz", "pesanan", "faktur", "pelanggan", "akun", "nik", "npwp", "induk",
    "nis", "nisn", "kwitansi", "resi", "ic", "mykad", "đơn hàng", "hóa đơn", "khách hàng", "mã", "cmnd", "cccd",
    "заказ", "заказа", "замовлення", "счет", "рахунок", "клиент", "клиента", "клієнт", "клієнта", "договор",
    "договора", "инн", "інн", "снилс", "паспорт", "артикул", "табельный", "квитанция", "квитанції", "чек",
    "παραγγελία", "παραγγελίας", "τιμολόγιο", "τιμολογίου", "πελάτη", "πελάτης", "αφμ", "λογαριασμός", "απόδειξη",
    "κωδικός", "طلب", "فاتورة", "إيصال", "عميل", "حساب", "هوية", "وطني", "سجل", "قيد", "موظف", "طالب", "جلوس",
    "הזמנה", "חשבונית", "קבלה", "לקוח", "תעודת זהות", "ת ז", "תז", "חשבון", "עובד", "سفارش", "فاکتور", "رسید",
    "مشتری", "کد ملی", "شناسه", "کارمند", "دانشجو", "ऑर्डर", "आदेश", "चालान", "रसीद", "ग्राहक", "खाता", "आधार",
    "पैन", "रोल", "प्रवेश", "क्रमांक", "कर्मचारी", "注文", "受注", "請求書", "領収書", "顧客", "会員", "社員",
    "従業員", "口座", "学籍", "伝票", "商品", "管理番号", "契約", "订单", "訂單", "发票", "發票", "收据", "收據",
    "客户编号", "客戶編號", "客户号", "会员", "會員", "员工", "員工", "工号", "工號", "学号", "學號", "身份证",
    "身份證", "账号", "帳號", "账户", "帳戶", "税号", "稅號", "编号", "編號", "单号", "單號", "주문", "송장",
    "영수증", "고객번호", "회원번호", "사번", "사원번호", "학번", "계좌", "주민등록번호", "주민번호", "사업자",
    "접수번호", "관리번호")
# Headers that name a whole person on their own ('Full name', 'Ad Soyad', '氏名'): never a first or last name.
FULL_NAME_WORDS = (
    "full name", "fullname", "display name", "contact name", "customer name", "client name", "nombre completo",
    "nombre y apellido", "nombre y apellidos", "nome completo", "nom complet", "nome e cognome", "volledige naam",
    "vollstandiger name", "imie i nazwisko", "ad soyad", "adi soyadi", "isim soyisim", "nama lengkap",
    "họ và tên", "họ tên", "фио", "ονοματεπώνυμο", "姓名", "氏名", "성명", "שם מלא", "الاسم الكامل",
    "نام و نام خانوادگی", "نام کامل", "पूरा नाम")
# Words for "name": a column of words under one of them is the contact's name (or, beside a first-name column
# and no last-name one, the family name: French 'Prénom' + 'Nom').
NAME_WORDS = FULL_NAME_WORDS + (
    "name", "nom", "nombre", "nome", "naam", "nama", "imie", "isim", "adi", "ten", "имя", "імя", "όνομα",
    "名前", "名字", "이름", "اسم", "نام", "שם", "नाम") + ("contact", "customer", "client", "guest")
# Words that are a name header only on their own ('Customer' is a name, 'Customer ID' is not).
WHOLE_HEADER_NAME_WORDS = ("contact", "customer", "client", "guest")
# Words of headers that are only a name (used to weigh a full-name header above 'Billing Name').
PERSON_QUALIFIERS = ("billing", "shipping", "customer", "client", "contact", "recipient", "buyer", "guest",
                     "member", "student", "person", "full", "display")
FIRST_NAME_WORDS = ("first name", "given name", "firstname", "first", "prenom", "vorname", "nombre", "nome",
                    "forename", "given", "voornaam", "imie", "adi", "isim", "nama depan", "ten", "имя", "імя",
                    "όνομα", "名", "이름", "שם פרטי", "الاسم الأول", "نام", "पहला नाम")
LAST_NAME_WORDS = ("last name", "surname", "family name", "lastname", "last", "nachname", "apellido", "apellidos",
                   "cognome", "sobrenome", "nom de famille", "achternaam", "nazwisko", "soyad", "soyadi",
                   "soyisim", "nama belakang", "ho", "фамилия", "прізвище", "επώνυμο", "姓", "苗字", "성",
                   "שם משפחה", "اسم العائلة", "الكنية", "نام خانوادگی", "उपनाम")
EMAIL_WORDS = ("email", "e-mail", "mail", "courriel", "correo", "e mail", "email address", "e posta", "eposta",
               "emel", "почта", "邮箱", "電子郵件", "メール", "이메일", "ايميل", "بريد", "אימייל", "ایمیل", "ईमेल")
COUNTRY_WORDS = ("country", "country code", "pays", "pais", "land", "paese", "nation", "страна", "country/region",
                 "ulke", "negara", "quốc gia", "kraj", "χώρα", "країна", "国家", "國家", "国", "국가", "دولة", "بلد",
                 "מדינה", "کشور", "देश")
# Headers that hold words but not the contact's name (companies, products, taxes, owners, order numbers).
NOT_NAME_WORDS = (
    "company", "organization", "organisation", "file as", "nickname", "phonetic", "middle", "prefix", "suffix",
    "title", "job", "department", "user", "group", "notes", "account", "tax", "lineitem", "line item", "item",
    "product", "sku", "variant", "vendor", "order", "discount", "method", "payment", "status", "store", "shop",
    "brand", "campaign", "list", "tag", "tags", "event", "course", "school", "bank", "street", "city", "file",
    "plan", "category", "source", "owner", "deal", "pipeline", "stage", "sales", "agent", "manager", "assigned",
    "created by", "modified by", "business", "ad name", "ad set", "adset", "form name", "firma", "firmy", "empresa",
    "entreprise", "societe", "azienda", "bedrijf", "sirket", "perusahaan", "công ty", "компании", "компания", "εταιρείας", "חברה", "شركة", "شرکت",
    "公司", "会社", "회사", "商品", "产品", "製品")

PHONE_LIKE = re.compile(r"^\s*(?:tel:)?\+?[\d\s().\-/\u00a0\u2013\u2014]{6,24}\s*$")
LETTERS = re.compile(r"[^\W\d_]")
# Cells that are phone-like in characters but are dates (2024-03-01, 01/03/2024, 1.3.24 10:15) or amounts
# (1234.50, 1,234.56, 1.234,56); whole numbers saved as float text ('919876543210.0') are not amounts.
DATE_CELL = re.compile(r"^\s*(?:\d{4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
                       r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:\d{4}|\d{2}))(?:[ T].*)?\s*$")
AMOUNT_CELL = re.compile(r"^\s*-?(?:\d{1,3}(?:[,. ]\d{3})+|\d+)[.,]\d{1,2}\s*$")
FLOAT_WHOLE_NUMBER = re.compile(r"^\s*\d{%d,}\.0+\s*$" % MIN_CONTENT_DIGITS)

# Scripts written without spaces between words: a header word is found anywhere in the header.
SPACELESS_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f]")
# Arabic-script and Hebrew words take attached prefixes (the article, 'and', 'with'): 'الهاتف' is 'هاتف'.
PREFIXED_SCRIPT = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]")
ATTACHED_PREFIX = r"(?:[وبلف]?ال|لل|[وبلف]|[הובלמש]{1,2})?"
# Latin letters that do not decompose into a base letter and an accent, and N° (number) written as No.
LATIN_LOOKALIKES = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "°": "o"})


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


# How much of a header has_word reads (form questions used as headers run to a few hundred characters).
HEADER_SCAN_CHARS = 2_000


@functools.lru_cache(maxsize=8192)
def fold(text):
    """Lower-case, accent-free, single-spaced text for header matching, in any script.

    Accents and other combining marks go (Téléphone -> telephone, Τηλέφωνο -> τηλεφωνο); letters of other
    scripts stay, so Arabic, CJK or Cyrillic headers still have something to match."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", bare).casefold().translate(LATIN_LOOKALIKES)
    text = re.sub(r"['\u2019\u02bc`]", "", text)  # Ім'я, Ім’я and Імя are one word
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)  # 'Phone2' -> 'phone 2'
    return re.sub(r"[\s_.:#*\u200c\u200d]+", " ", text).strip()


def folded(words):
    """WORDS folded as headers are, each once."""
    return tuple(dict.fromkeys(fold(w) for w in words))


def word_pattern(word):
    """The regex that finds folded WORD in a folded header: anywhere in spaceless scripts, after an attached
    prefix in Arabic and Hebrew, as a whole word elsewhere (so 'no' is not found in 'notes')."""
    if SPACELESS_SCRIPT.search(word):
        return re.escape(word) if len(word) > 1 else "^%s$" % re.escape(word)  # one ideogram: the whole header
    if PREFIXED_SCRIPT.search(word):
        return r"(?<!\w)%s%s(?!\w)" % (ATTACHED_PREFIX, re.escape(word))
    return r"(?<!\w)%s(?!\w)" % re.escape(word)


@functools.lru_cache(maxsize=None)
def words_regex(words):
    """One compiled regex finding any of WORDS (a tuple of folded words)."""
    return re.compile("|".join(word_pattern(w) for w in words if w))


def has_word(header, words):
    """Whether a folded header contains one of WORDS as a word (see word_pattern), or is exactly one.

    Only the first HEADER_SCAN_CHARS are searched: the alternation of ~100 words costs per character, and a
    hostile file's 3 MB header cell took ~50 s; a header that names its column does so near its start."""
    return header in words or bool(words_regex(words).search(header, 0, HEADER_SCAN_CHARS))


def phone_kind(header):
    """'phone' when a header names a phone column, 'number' when it only says 'number', else None.

    Fax, dates, codes and the like never are; identifier headers ('Order No', 'Customer ID') only when they
    also say 'phone' ('Customer Phone')."""
    h = fold(header)
    if not h or has_word(h, NEVER_PHONE_WORDS) or has_word(h, EMAIL_WORDS):
        return None
    if has_word(h, PHONE_WORDS):
        return "phone"
    if has_word(h, NUMBER_WORDS) and not has_word(h, IDENTIFIER_WORDS):
        return "number"
    return None


def is_identifier_header(header):
    """Whether a header names a column that is never a phone column (identifiers, codes, dates, fax)."""
    h = fold(header)
    return bool(h) and phone_kind(h) is None and has_word(h, NEVER_PHONE_WORDS + IDENTIFIER_WORDS)


def phone_rank(header):
    """The preference rank of a phone header, or None when it is not a phone header."""
    return rank_of_kind(fold(header)) if phone_kind(header) else None


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


def non_empty(series):
    """The cells of SERIES that are not blank."""
    return series[series.str.strip() != ""]


def is_phone_shaped(cell):
    """Whether one cell is written like a phone number (digits and phone punctuation), not a date or an amount."""
    if not PHONE_LIKE.match(cell) or DATE_CELL.match(cell):
        return False
    return not AMOUNT_CELL.match(cell) or bool(FLOAT_WHOLE_NUMBER.match(cell))


def phone_shaped(cells):
    """Per cell of CELLS (a sample: one plain loop is cheaper than four pandas passes): is_phone_shaped."""
    return pd.Series([is_phone_shaped(c) for c in cells.to_numpy(dtype=object)], index=cells.index, dtype=bool)


def phone_share(series):
    """Share of non-empty cells that are written like phone numbers (not dates, not amounts)."""
    cells = non_empty(series)
    if cells.empty:
        return 0.0
    return float(phone_shaped(cells).mean())


def is_id_sequence(cells):
    """Whether plain-digit CELLS mostly step up by a little from row to row, as record IDs do (1001, 1002...)."""
    # Beyond 18 digits a value leaves int64; no ID that long counts up row by row in practice.
    stripped = (c.strip() for c in cells.to_numpy(dtype=object))
    plain = [int(c) for c in stripped if c.isascii() and c.isdigit() and len(c) <= 18]
    if len(plain) < ID_SEQUENCE_MIN_CELLS:
        return False
    steps = np.diff(np.array(plain, dtype=np.int64))
    return float(((steps > 0) & (steps <= ID_SEQUENCE_STEP)).mean()) >= ID_SEQUENCE_SHARE


def content_share(series, region):
    """Share of non-empty cells that are phone numbers by content: phone-shaped, long enough, valid for
    REGION (shape alone when REGION is None); 0 for a column of sequential IDs."""
    shaped = shaped_share(series)
    if shaped < PHONE_CONTENT_SHARE or region is None:
        return shaped
    return shaped * valid_shares([series], region)[0]


def content_shaped(cells):
    """Per non-empty cell: phone-shaped with at least MIN_CONTENT_DIGITS digits."""
    return pd.Series([is_phone_shaped(c) and sum(ch.isdigit() for ch in c) >= MIN_CONTENT_DIGITS
                      for c in cells.to_numpy(dtype=object)], index=cells.index, dtype=bool)


def shaped_share(series):
    """Share of non-empty cells written like phone numbers of MIN_CONTENT_DIGITS digits or more; 0 for IDs."""
    cells = non_empty(series)
    if cells.empty or is_id_sequence(cells):
        return 0.0
    return float(content_shaped(cells).mean())


def valid_shares(columns, region):
    """Per column of COLUMNS: the share of its first VALIDITY_SAMPLE_CELLS phone-shaped cells that are valid
    numbers for REGION, all checked in one normalize_column call (each call has a fixed cost)."""
    from .normalize import normalize_column  # here, not at the top: normalize loads the numbers metadata

    picked = []
    for series in columns:
        cells = non_empty(series)
        picked.append(cells[content_shaped(cells)].head(VALIDITY_SAMPLE_CELLS))
    sizes = [len(cells) for cells in picked]
    if not sum(sizes):
        return [0.0] * len(columns)
    valid = normalize_column(pd.concat(picked, ignore_index=True).astype(str), region)["e164"].notna().to_numpy()
    bounds = np.cumsum([0] + sizes)
    return [float(valid[a:b].mean()) if b > a else 0.0 for a, b in zip(bounds[:-1], bounds[1:])]


def text_share(series):
    """Share of non-empty cells that are words (letters, no long digit runs)."""
    cells = non_empty(series)
    if cells.empty:
        return 0.0
    wordy = cells.str.contains(LETTERS) & ~cells.str.contains(r"\d{3}") & ~cells.str.contains("@", regex=False)
    return float(wordy.mean())


def is_header_word(h):
    """Whether a folded cell is a header word the engine knows (phone, name, email, country)."""
    return phone_rank(h) is not None or has_word(h, NAME_WORDS + FIRST_NAME_WORDS + LAST_NAME_WORDS + EMAIL_WORDS)


def header_score(cells):
    """How much a row looks like a header: known header words, and no phone numbers in it."""
    folded_cells = [fold(c) for c in cells]
    known = sum(1 for h in folded_cells if h and is_header_word(h))
    texts = [c if isinstance(c, str) else "" for c in cells]
    numbers = sum(1 for c in texts if is_phone_shaped(c) and sum(ch.isdigit() for ch in c) >= 6)
    return known if numbers == 0 else 0


def find_header_row(frame):
    """The index of the header row among the first rows, or None when the table has none."""
    best, best_score = None, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(frame))):
        score = header_score(list(frame.iloc[i]))
        if score > best_score:
            best, best_score = i, score
    return best


def is_label_row(frame, row):
    """Whether ROW is a header of unknown words ('Field 1', 'Col B', 'Data'): every cell filled with words,
    none a number, and rows below it."""
    if len(frame) <= row + 1:
        return False
    cells = frame.iloc[row].astype(str)
    filled = cells.str.strip() != ""
    return bool(filled.all() and cells.str.contains(LETTERS).all() and not phone_shaped(cells).any())


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


def phone_columns_by_header(headers, sample, region=None):
    """Phone columns found by header, best first, skipping headers whose content is not numbers.

    A 'Phone' header needs cells written like numbers (or none at all); a header that only says 'Number', and a
    bare 'Home' or 'Work' one, needs phone numbers by content."""
    ranked = []
    for i, h in enumerate(headers):
        kind = phone_kind(h)
        if kind == "phone" and (phone_share(sample[i]) >= PHONE_CONTENT_SHARE or sample[i].str.strip().eq("").all()):
            ranked.append((rank_of_kind(fold(h)), i))
        elif (kind == "number" or (kind is None and has_word(fold(h), HOME_WORDS + WORK_WORDS))) \
                and not is_identifier_header(h) and content_share(sample[i], region) >= PHONE_CONTENT_SHARE:
            ranked.append((rank_of_kind(fold(h)), i))
    return [i for _, i in sorted(ranked)]


def phone_columns_by_content(sample, headers=None, region=None):
    """The single most phone-like column by content, as a one-item list (or empty); identifier columns never.

    Only the MAX_CONTENT_CANDIDATES most phone-shaped columns are checked for valid numbers, so a wide table of
    digits is judged as quickly as a narrow one."""
    shapes = [(shaped_share(sample[i]), i) for i in sample.columns
              if headers is None or not is_identifier_header(headers[i])]
    candidates = sorted((pair for pair in shapes if pair[0] >= PHONE_CONTENT_SHARE),
                        key=lambda pair: -pair[0])[:MAX_CONTENT_CANDIDATES]
    if not candidates:
        return []
    valid = valid_shares([sample[i] for _, i in candidates], region) if region is not None else [1.0] * len(candidates)
    share, best = max(((shaped * v, i) for (shaped, i), v in zip(candidates, valid)), key=lambda pair: pair[0])
    return [best] if share >= PHONE_CONTENT_SHARE else []


def google_label_columns(headers, phone_cols):
    """For 'Phone N - Value' columns, the matching 'Phone N - Label'/'Type' column (Google Contacts)."""
    labels = {}
    folded_headers = [fold(h) for h in headers]
    for i in phone_cols:
        m = re.match(r"^(.*?)\s*-?\s*value$", folded_headers[i])
        if not m:
            continue
        for suffix in (" - label", " - type", " label", " type"):
            want = fold(m.group(1) + suffix)
            if want in folded_headers:
                labels[i] = folded_headers.index(want)
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
    (French 'Prénom' + 'Nom'). Headers come in preference order ('Name', then 'Billing Name', ...), and one
    whose cells are not words ('#1001', Shopify's order 'Name') is passed over."""
    avoid = NOT_NAME_WORDS + PHONE_WORDS + EMAIL_WORDS + FULL_NAME_WORDS
    first = first_index(headers, FIRST_NAME_WORDS, avoid + LAST_NAME_WORDS)  # 'نام' is in 'نام خانوادگی'
    last = first_index(headers, LAST_NAME_WORDS, avoid)
    candidates = sorted((name_preference(fold(h)), i) for i, h in enumerate(headers)
                        if i not in taken and i not in (first, last) and is_full_name_header(fold(h)))
    full = next((i for _, i in candidates if text_share(sample[i]) > NAME_TEXT_SHARE), None)
    if full is not None:
        return [first, full] if first is not None and last is None else [full]
    if first is not None and last is not None and first != last:
        return [first, last]
    for only in (first, last):
        if only is not None and only not in taken:
            return [only]
    wordy = [(text_share(sample[i]), i) for i in sample.columns
             if i not in taken and not has_word(fold(headers[i]), NOT_NAME_WORDS + IDENTIFIER_WORDS)]
    share, best = max(wordy, default=(0.0, None))
    return [best] if best is not None and share >= NAME_CONTENT_SHARE else []


def is_full_name_header(h):
    """Whether a folded header names a whole name ('Name', 'Customer Name', 'Full name', 'Nom', '氏名')."""
    if has_word(h, NOT_NAME_WORDS + PHONE_WORDS + EMAIL_WORDS):
        return False
    if h in NAME_WORDS or has_word(h, FULL_NAME_WORDS):
        return True
    return has_word(h, NAME_IN_HEADER_WORDS) and not has_word(h, FIRST_NAME_WORDS + LAST_NAME_WORDS)


def name_preference(h):
    """Lower is better: a header that is just a name word, then a person's name ('Billing Name'), then others."""
    if h in NAME_WORDS:
        return 0
    return 1 if has_word(h, PERSON_QUALIFIERS) else 2


# The word lists as headers are folded, so a header and a word compare alike.
MOBILE_WORDS = folded(MOBILE_WORDS)
PHONE_WORDS = folded(PHONE_WORDS)
NUMBER_WORDS = folded(NUMBER_WORDS)
HOME_WORDS = folded(HOME_WORDS)
WORK_WORDS = folded(WORK_WORDS)
NEVER_PHONE_WORDS = folded(NEVER_PHONE_WORDS)
IDENTIFIER_WORDS = folded(IDENTIFIER_WORDS)
FULL_NAME_WORDS = folded(FULL_NAME_WORDS)
NAME_WORDS = folded(NAME_WORDS)
PERSON_QUALIFIERS = folded(PERSON_QUALIFIERS)
FIRST_NAME_WORDS = folded(FIRST_NAME_WORDS)
LAST_NAME_WORDS = folded(LAST_NAME_WORDS)
EMAIL_WORDS = folded(EMAIL_WORDS)
COUNTRY_WORDS = folded(COUNTRY_WORDS)
NOT_NAME_WORDS = folded(NOT_NAME_WORDS)
NAME_IN_HEADER_WORDS = tuple(w for w in NAME_WORDS if w not in WHOLE_HEADER_NAME_WORDS)

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


def detect_columns(frame, phone_column=None, name_column=None, country_column=None, alternate_columns=None,
                   region=None):
    """Find the header row and the contact columns of FRAME (all cells str); user choices win.

    ALTERNATE_COLUMNS (a list of columns, [] for none; None detects them) are the phone columns whose valid
    numbers a contact keeps beside the one it uses. REGION (the import's default region) lets content decide by
    valid numbers, not only by their shape."""
    header_row = find_header_row(frame)
    if header_row is None and is_label_row(frame, 0):
        header_row = 0
    headers = header_names(frame, header_row)
    start = header_row + 1 if header_row is not None else 0
    sample = frame.iloc[start:start + CONTENT_SAMPLE_ROWS]
    mapping = ColumnMapping(header_row=header_row, headers=headers)
    by_header = phone_columns_by_header(headers, sample, region) if header_row is not None else []
    if phone_column:
        chosen = resolve_column(phone_column, headers, "phone")
        mapping.phone = [chosen] + [i for i in by_header if i != chosen]
    else:
        mapping.phone = by_header or phone_columns_by_content(sample, headers if header_row is not None else None,
                                                              region)
    if alternate_columns is not None:
        others = [resolve_column(c, headers, "phone") for c in alternate_columns]
        mapping.phone = list(dict.fromkeys(mapping.phone[:1] + others))
    mapping.phone_labels = google_label_columns(headers, mapping.phone)
    mapping.email = first_index(headers, EMAIL_WORDS, ("type", "label")) if header_row is not None else None
    if country_column:
        mapping.country = resolve_column(country_column, headers, "country")
    elif header_row is not None:
        mapping.country = first_index(headers, COUNTRY_WORDS, PHONE_WORDS + NUMBER_WORDS)
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
