"""Issue 17, the "Columns" class: header words in many languages and scripts, identifier columns that are never
phone columns, phone columns chosen by content (never dates, postcodes, amounts, IDs or timestamps), and commerce
/ CRM exports whose person's name and phone come from the right columns, line-item rows not reported."""
import pandas as pd
import pytest

from core.errors import DomainError
from contacts import columns as cols
from contacts.extract import extract_file, extract_table

# Valid US numbers, each written as people write them, and their E.164 form.
NUMBERS = ["(201) 555-0123", "201-555-0145", "+1 201 555 0199"]
E164 = ["+12015550123", "+12015550145", "+12015550199"]
PEOPLE = ["Ann Lee", "Bo Chen", "Cy Diaz"]


def table(header, *columns):
    """A frame of str cells: the HEADER row (or none when None) over COLUMNS (lists of cells)."""
    rows = [list(cells) for cells in zip(*columns)]
    return pd.DataFrame(([list(header)] if header is not None else []) + rows, dtype=object).astype(str)


def imported(frame, region="US"):
    """(mapping, [(name, number)] of the valid contacts, [(row, reason)] of the invalid entries)."""
    result = extract_table(frame, region, file_type="csv")
    entries = result.entries
    valid = entries[entries["status"] == "valid"]
    invalid = entries[entries["status"] == "invalid"]
    return (result.mapping, list(zip(valid["name"], valid["number"])),
            list(zip(invalid["row"].tolist(), invalid["reason"].tolist())))


def no_phone_column(frame, region="US"):
    """Whether importing FRAME is refused with no_phone_column."""
    with pytest.raises(DomainError) as caught:
        extract_table(frame, region, file_type="csv")
    return caught.value.code == "no_phone_column"


# --- 1. header words in many languages -------------------------------------------------------------------------

NAME_AND_PHONE_HEADERS = [
    ("الاسم", "رقم الهاتف"), ("اسم", "الجوال"), ("שם", "טלפון"), ("שם מלא", "טלפון נייד"), ("نام", "تلفن همراه"),
    ("नाम", "फ़ोन नंबर"), ("नाम", "मोबाइल नंबर"), ("氏名", "電話番号"), ("名前", "携帯電話"), ("姓名", "手机号码"),
    ("姓名", "電話"), ("姓名", "手機"), ("이름", "전화번호"), ("성명", "휴대폰"), ("Имя", "Телефон"),
    ("ФИО", "Мобильный телефон"), ("Ім'я", "Мобільний"), ("Ім’я", "Номер телефону"), ("Όνομα", "Τηλέφωνο"),
    ("Ονοματεπώνυμο", "Κινητό"), ("Ad Soyad", "Telefon"), ("Adı Soyadı", "Cep Telefonu"), ("İsim", "Cep No"),
    ("Nama", "Nomor HP"), ("Nama Lengkap", "No. HP"), ("Nama", "No Telp"), ("Họ và tên", "Số điện thoại"),
    ("Họ tên", "SĐT"), ("Imię i nazwisko", "Telefon komórkowy"), ("Imię i nazwisko", "Numer telefonu"),
    ("Naam", "Telefoonnummer"), ("Naam", "Mobiel"), ("Nome e cognome", "Cellulare"), ("Nome", "Telemóvel"),
    ("Nome completo", "Celular"), ("Nombre completo", "Teléfono móvil"), ("Nombre", "Móvil"),
    ("Nom complet", "Téléphone portable"), ("Name", "WhatsApp Number"), ("Name", "Mobile (with country code)"),
    ("Student Name", "Parent Mobile No."), ("Contact Name", "Phone2"),
]


@pytest.mark.parametrize("name_header,phone_header", NAME_AND_PHONE_HEADERS,
                         ids=["%s|%s" % pair for pair in NAME_AND_PHONE_HEADERS])
def test_name_and_phone_headers_in_many_languages(name_header, phone_header):
    """The phone and name columns are found by their headers, in the script each language writes them in, beside
    a notes column of digits that must not be taken."""
    frame = table([name_header, "Notes", phone_header], PEOPLE, ["12", "34", "56"], NUMBERS)
    mapping, contacts, invalid = imported(frame)
    assert (mapping["phone"], mapping["name"]) == (phone_header, [name_header])
    assert contacts == list(zip(PEOPLE, E164)) and invalid == []


FIRST_AND_LAST_HEADERS = [
    ("First Name", "Last Name"), ("Имя", "Фамилия"), ("Ім'я", "Прізвище"), ("Όνομα", "Επώνυμο"),
    ("Imię", "Nazwisko"), ("Voornaam", "Achternaam"), ("Nome", "Cognome"), ("Nome", "Sobrenome"),
    ("Nombre", "Apellidos"), ("Prénom", "Nom de famille"), ("Vorname", "Nachname"), ("Adı", "Soyadı"),
    ("Nama Depan", "Nama Belakang"), ("שם פרטי", "שם משפחה"), ("名", "姓"), ("이름", "성"),
    ("نام", "نام خانوادگی"), ("الاسم الأول", "اسم العائلة"), ("पहला नाम", "उपनाम"),
]


@pytest.mark.parametrize("first_header,last_header", FIRST_AND_LAST_HEADERS,
                         ids=["%s|%s" % pair for pair in FIRST_AND_LAST_HEADERS])
def test_first_and_last_name_headers_in_many_languages(first_header, last_header):
    """First + last name columns are found and joined, whichever order the file puts them in."""
    firsts, lasts = ["Ann", "Bo", "Cy"], ["Lee", "Chen", "Diaz"]
    frame = table([last_header, first_header, "Phone"], lasts, firsts, NUMBERS)
    mapping, contacts, _ = imported(frame)
    assert mapping["name"] == [first_header, last_header]
    assert contacts == list(zip(PEOPLE, E164))


@pytest.mark.parametrize("header", ["Notes", "Nota", "Anno", "Nomination", "Telephoned by", "Mobility score",
                                    "Cellar", "Phoney"])
def test_latin_words_match_whole_words_only(header):
    """'no' is not found in 'Notes', nor 'tel'/'mobil'/'cell'/'phone' inside longer words."""
    assert cols.phone_rank(header) is None


@pytest.mark.parametrize("header", ["电话号码", "联系电话", "携帯電話番号", "휴대폰번호", "الهاتف", "بالجوال",
                                    "הטלפון"])
def test_words_of_spaceless_and_prefixing_scripts_are_found_inside_longer_headers(header):
    """CJK and Korean headers have no spaces between words, Arabic and Hebrew attach 'the'/'with' to the word:
    the phone word is still found."""
    assert cols.phone_rank(header) is not None


PERSON_NAME_CASES = [
    # headers, the person's name column among them
    (["Roll No", "Father Name", "Student Name", "Mobile No"], "Student Name"),
    (["Employee No", "Employee Name", "Manager Name", "Mobile"], "Employee Name"),
    (["Customer ID", "City", "Customer", "Phone"], "Customer"),
    (["Member ID", "Account Name", "Member Name", "Phone"], "Member Name"),
    (["Order No", "Product Name", "Customer Name", "Phone"], "Customer Name"),
]


@pytest.mark.parametrize("headers,name_header", PERSON_NAME_CASES, ids=[c[1] for c in PERSON_NAME_CASES])
def test_the_person_name_column_is_chosen_among_several_name_columns(headers, name_header):
    """A person's own name column wins over a parent's, a manager's, an account's or a product's, and an ID
    column beside a name word is never the name."""
    fill = {0: ["2024007", "2024019", "2024023"], 3: NUMBERS}
    columns = [fill.get(i, PEOPLE if h == name_header else ["Raj Rao", "Li Wu", "Max Mo"])
               for i, h in enumerate(headers)]
    mapping, contacts, _ = imported(table(headers, *columns))
    assert mapping["name"] == [name_header] and contacts == list(zip(PEOPLE, E164))


# --- 2. identifier columns are never phone columns -------------------------------------------------------------

IDENTIFIER_HEADERS = [
    "Admission No", "Roll No.", "Receipt #", "Order Number", "Order No", "Invoice No", "Record Number", "Customer ID",
    "Customer No", "Account Number", "Employee No", "Member No", "Student ID", "National ID", "Aadhaar",
    "Aadhaar No", "PAN", "NIF", "CPF", "CNPJ", "VAT", "VAT Number", "GST", "GSTIN", "Tax ID", "SSN", "Zip",
    "Postcode", "PIN Code", "Kundennummer", "Kunden-Nr.", "Bestellnummer", "Rechnungsnummer", "Numéro de commande",
    "N° client", "Nº de pedido", "Número de factura", "Numero ordine", "Codice fiscale", "Klantnummer",
    "Numer zamówienia", "PESEL", "Sipariş No", "Müşteri No", "TC Kimlik No", "Nomor Pesanan", "NIK",
    "Mã khách hàng", "订单号", "客户编号", "身份证号码", "注文番号", "会員番号", "郵便番号", "주문번호", "고객번호",
    "Country Code", "Postal Code", "Номер заказа", "Номер клиента", "ИНН", "Αριθμός παραγγελίας", "ΑΦΜ", "رقم الطلب", "رقم العميل",
    "מספר הזמנה", "מספר לקוח", "شماره سفارش", "کد ملی", "ऑर्डर नंबर", "रोल नंबर", "Fax", "Pager", "Date",
]
# Valid US numbers that are not in sequence: an identifier column holding them must still not be taken.
NUMBER_LIKE_IDS = ["2015550111", "2015550177", "2015550133"]


@pytest.mark.parametrize("header", IDENTIFIER_HEADERS)
def test_an_identifier_column_loses_to_the_phone_column(header):
    """With a real phone column beside it, the identifier column is neither the phone column nor a fallback,
    even when placed first and holding numbers that would be valid."""
    frame = table(["Name", header, "Phone"], PEOPLE, NUMBER_LIKE_IDS, NUMBERS)
    mapping, contacts, _ = imported(frame)
    assert (mapping["phone"], mapping["phone_fallbacks"]) == ("Phone", [])
    assert contacts == list(zip(PEOPLE, E164))


@pytest.mark.parametrize("header", IDENTIFIER_HEADERS)
def test_an_identifier_column_alone_is_no_phone_column(header):
    """The identifier column is never chosen, not even as the only column of digits (by content)."""
    assert no_phone_column(table(["Name", header], PEOPLE, NUMBER_LIKE_IDS))


@pytest.mark.parametrize("header", ["Customer Phone", "Billing Phone", "Account Phone", "Employee Mobile",
                                    "Student Mobile No", "Telefon klienta", "Телефон клиента", "客户电话",
                                    "هاتف العميل", "Client Mobile"])
def test_a_phone_word_beside_an_identifier_word_is_a_phone_column(header):
    """'Customer Phone' is a phone column: the identifier word only qualifies it."""
    mapping, contacts, _ = imported(table(["Name", header], PEOPLE, NUMBERS))
    assert mapping["phone"] == header and contacts == list(zip(PEOPLE, E164))


def test_a_bare_number_header_needs_phone_numbers_in_it():
    """'Number' alone is a phone column when its cells are phone numbers, not when they are short codes."""
    assert imported(table(["Name", "Number"], PEOPLE, NUMBERS))[0]["phone"] == "Number"
    assert no_phone_column(table(["Name", "Number"], PEOPLE, ["17", "204", "3312"]))


# --- 3. no header row, or a header that names nothing: content decides ------------------------------------------

NOT_PHONE_COLUMNS = {
    "iso dates": ["2024-03-01", "2024-03-15", "2023-12-31"],
    "day-first dates": ["01/03/2024", "15/03/2024", "31/12/2023"],
    "dotted dates": ["01.03.2024", "15.03.2024", "31.12.2023"],
    "dates with times": ["2024-03-01 10:15", "2024-03-15 09:00", "2023-12-31 23:59"],
    "iso timestamps": ["2024-03-01T10:15:00Z", "2024-03-15T09:00:00+05:30", "2023-12-31T23:59:59Z"],
    "times": ["10:15", "09:00:30", "23:59"],
    "6-digit postcodes": ["560001", "110011", "400050"],
    "us zip+4": ["07302-1234", "10001-0001", "94105-3301"],
    "amounts": ["2015550.50", "1,234,567.89", "1.234.567,89"],
    "sequential ids": ["2015550101", "2015550102", "2015550103"],
    "unix timestamps": ["1709251200", "1709337600", "1709424000"],
}


@pytest.mark.parametrize("kind", NOT_PHONE_COLUMNS)
@pytest.mark.parametrize("distractor_first", [True, False], ids=["distractor-first", "phone-first"])
def test_without_a_header_the_phone_column_is_chosen_by_content(kind, distractor_first):
    """A file with no header row: the column of phone numbers is chosen, never the other digits column."""
    distractor = NOT_PHONE_COLUMNS[kind]
    columns = [distractor, NUMBERS] if distractor_first else [NUMBERS, distractor]
    mapping, contacts, invalid = imported(table(None, PEOPLE, *columns))
    assert mapping["phone"] == "Column %s" % ("C" if distractor_first else "B")
    assert [number for _, number in contacts] == E164 and invalid == []


@pytest.mark.parametrize("kind", NOT_PHONE_COLUMNS)
def test_a_column_of_other_digits_alone_is_never_a_phone_column(kind):
    """No header and only a date/postcode/amount/ID/timestamp column: no_phone_column, not wrong numbers."""
    assert no_phone_column(table(None, PEOPLE, NOT_PHONE_COLUMNS[kind]))


@pytest.mark.parametrize("labels", [["Field 1", "Field 2", "Field 3"], ["Col A", "Col B", "Col C"],
                                    ["Data", "Info", "Value"], ["Spalte1", "Spalte2", "Spalte3"]])
def test_a_header_that_names_nothing_is_a_header_and_content_decides(labels):
    """Unknown header words: the row is the header (not an invalid first contact), the phone column is the one of
    phone numbers, and the date column beside it is not."""
    frame = table(labels, PEOPLE, NOT_PHONE_COLUMNS["iso dates"], NUMBERS)
    mapping, contacts, invalid = imported(frame)
    assert (mapping["header_row"], mapping["phone"]) == (1, labels[2])
    assert [number for _, number in contacts] == E164 and invalid == []


def test_content_judges_validity_for_the_region():
    """Two columns of 10-digit values: the one whose values are valid numbers for the region wins."""
    invalid_for_us = ["1234567890", "1098765432", "1555123456"]  # US area codes never start with 1
    mapping, contacts, _ = imported(table(None, PEOPLE, invalid_for_us, NUMBERS))
    assert mapping["phone"] == "Column C" and [n for _, n in contacts] == E164


# --- 4. commerce and CRM exports -------------------------------------------------------------------------------

SHOPIFY_ORDERS = """\
Name,Email,Financial Status,Paid at,Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Street,\
Billing Zip,Billing Phone,Shipping Name,Shipping Zip,Shipping Phone,Tax 1 Name,Tax 1 Value,Phone,Id
#1001,ann@example.com,paid,2024-03-01 10:15:00 -0500,1,Blue Mug,12.50,Ann Lee,1 Main St,07302,(201) 555-0123,\
Ann Lee,07302,(201) 555-0123,NJ State Tax 6.625%,0.83,,5550001001
#1001,ann@example.com,,,2,Red Mug,12.50,,,,,,,,,,,5550001001
#1001,ann@example.com,,,1,Gift Wrap,3.00,,,,,,,,,,,5550001001
#1002,bo@example.com,paid,2024-03-02 11:00:00 -0500,1,Green Mug,12.50,Bo Chen,2 Oak Ave,10001,,Bo Chen,10001,\
201-555-0145,NY State Tax 8.875%,1.11,,5550001002
#1003,cy@example.com,pending,2024-03-03 09:30:00 -0500,3,Blue Mug,12.50,Cy Diaz,3 Elm Rd,94105,,Cy Diaz,94105,,\
CA State Tax 7.25%,2.72,+1 201 555 0199,5550001003
#1003,cy@example.com,,,1,Red Mug,12.50,,,,,,,,,,,5550001003
"""
SHOPIFY_CUSTOMERS = """\
Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,\
Default Address City,Default Address Zip,Default Address Phone,Phone,Total Spent,Total Orders,Tax Exempt
7001234567,Ann,Lee,ann@example.com,yes,Acme Inc,1 Main St,Jersey City,07302,(201) 555-0123,(201) 555-0123,\
37.83,1,no
7001234599,Bo,Chen,bo@example.com,no,,2 Oak Ave,New York,10001,,201-555-0145,13.61,1,no
7001234621,Cy,Diaz,cy@example.com,yes,Diaz LLC,3 Elm Rd,San Francisco,94105,+1 201 555 0199,,52.72,2,yes
"""
WOOCOMMERCE_ORDERS = """\
Order Number,Order Status,Order Date,Billing First Name,Billing Last Name,Billing Company,Billing Email Address,\
Billing Phone,Shipping First Name,Shipping Last Name,Item Name,Quantity,Order Total Amount,Customer User ID
4501,completed,2024-03-01,Ann,Lee,Acme Inc,ann@example.com,(201) 555-0123,Ann,Lee,Blue Mug,1,13.33,1201
4502,processing,2024-03-02,Bo,Chen,,bo@example.com,201-555-0145,Bo,Chen,Green Mug,1,13.61,1202
4503,completed,2024-03-03,Cy,Diaz,Diaz LLC,cy@example.com,+1 201 555 0199,Cy,Diaz,Blue Mug,3,40.22,1203
"""
HUBSPOT_CONTACTS = """\
Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Contact owner,Lifecycle Stage,\
Create Date
51234567801,Ann,Lee,ann@example.com,,(201) 555-0123,Acme Inc,Sam Seller,lead,2024-03-01 10:15
51234567802,Bo,Chen,bo@example.com,201-555-0145,,Chen & Co,Sam Seller,customer,2024-03-02 11:00
51234567803,Cy,Diaz,cy@example.com,,+1 201 555 0199,Diaz LLC,Pat Closer,lead,2024-03-03 09:30
"""
SALESFORCE_CONTACTS = """\
Contact ID,Account Name,First Name,Last Name,Title,Phone,Mobile,Account Phone,Email,Mailing Zip/Postal Code
0035g00000AbCdE,Acme Inc,Ann,Lee,CEO,,(201) 555-0123,(201) 555-0100,ann@example.com,07302
0035g00000AbCdF,Chen & Co,Bo,Chen,CTO,201-555-0145,,(201) 555-0100,bo@example.com,10001
0035g00000AbCdG,Diaz LLC,Cy,Diaz,Owner,,+1 201 555 0199,(201) 555-0100,cy@example.com,94105
"""
MAILCHIMP_AUDIENCE = """\
Email Address,First Name,Last Name,Address,Phone Number,Birthday,MEMBER_RATING,OPTIN_TIME,LEID,EUID,TAGS
ann@example.com,Ann,Lee,1 Main St Jersey City NJ 07302,(201) 555-0123,03/14,2,2024-03-01 10:15:00,201555012,\
a1b2c3d4e5,"VIP"
bo@example.com,Bo,Chen,2 Oak Ave New York NY 10001,201-555-0145,07/01,3,2024-03-02 11:00:00,201555013,f6g7h8i9j0,
cy@example.com,Cy,Diaz,3 Elm Rd San Francisco CA 94105,+1 201 555 0199,12/25,4,2024-03-03 09:30:00,201555014,\
k1l2m3n4o5,"Lead"
"""
ZOHO_CONTACTS = """\
Record Id,Contact Owner,Full Name,Account Name,Email,Phone,Mobile,Mailing Zip,Created Time
zcrm_4876876000000012345,Sam Seller,Ann Lee,Acme Inc,ann@example.com,(201) 555-0100,(201) 555-0123,07302,\
2024-03-01 10:15:00
zcrm_4876876000000012346,Sam Seller,Bo Chen,Chen & Co,bo@example.com,201-555-0145,,10001,2024-03-02 11:00:00
zcrm_4876876000000012347,Pat Closer,Cy Diaz,Diaz LLC,cy@example.com,,+1 201 555 0199,94105,2024-03-03 09:30:00
"""
EXPORTS = {
    "shopify orders": (SHOPIFY_ORDERS, ["Billing Name"], "Billing Phone"),
    "shopify customers": (SHOPIFY_CUSTOMERS, ["First Name", "Last Name"], "Default Address Phone"),
    "woocommerce orders": (WOOCOMMERCE_ORDERS, ["Billing First Name", "Billing Last Name"], "Billing Phone"),
    "hubspot contacts": (HUBSPOT_CONTACTS, ["First Name", "Last Name"], "Mobile Phone Number"),
    "salesforce contacts": (SALESFORCE_CONTACTS, ["First Name", "Last Name"], "Mobile"),
    "mailchimp audience": (MAILCHIMP_AUDIENCE, ["First Name", "Last Name"], "Phone Number"),
    "zoho contacts": (ZOHO_CONTACTS, ["Full Name"], "Mobile"),
}


@pytest.mark.parametrize("export", EXPORTS)
def test_commerce_and_crm_exports_give_each_person_their_own_number(tmp_path, export):
    """Each person's name comes from the person's name columns (never the order number, tax, line item, company,
    account or owner columns), their number from a phone column (never an ID or zip column), and rows that only
    repeat an order without a phone are not reported as invalid."""
    text, name_columns, phone = EXPORTS[export]
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    result = extract_file(str(path), "US", "export.csv")
    entries = result.entries
    valid = entries[entries["status"] == "valid"]
    assert (result.mapping["name"], result.mapping["phone"]) == (name_columns, phone)
    assert list(zip(valid["name"], valid["number"])) == list(zip(PEOPLE, E164))
    assert (entries["status"] == "invalid").sum() == 0
    assert not any(fallback in ("Id", "Customer ID", "Record ID", "Contact ID", "Customer User ID", "Order Number",
                                "LEID", "Billing Zip") for fallback in result.mapping["phone_fallbacks"])


def test_an_orders_line_item_rows_are_not_entries_but_every_other_row_without_a_phone_is_reported():
    """A row with no phone and no name that repeats the row above in the first column continues that order: no
    entry. An unusable phone is invalid as before; a phone-less row that starts something new (its own email, or
    anything else) is reported `empty`, so nothing the file holds is silently left out."""
    frame = table(["Order", "Name", "Mobile", "Email"],
                  ["#1001", "#1001", "#1002", "#1003", "#1003", "", "#1004"],
                  ["Ann Lee", "", "Bo Chen", "", "", "", ""],
                  ["(201) 555-0123", "", "12345", "", "", "", ""],
                  ["ann@example.com", "ann@example.com", "bo@example.com", "dee@example.com", "", "", "x"])
    _, contacts, invalid = imported(frame)
    assert contacts == [("Ann Lee", "+12015550123")]
    assert invalid == [(4, "too_short"), (5, "empty"), (8, "empty")], "row 7 is blank: no entry either"


# --- through the real sidecar ----------------------------------------------------------------------------------

def upload(sidecar, name, text, region="US"):
    """POST /upload of TEXT as NAME; the JSON answer."""
    answer = sidecar.post("/upload", files={"file": (name, text.encode())}, data={"default_region": region})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_sidecar_shopify_orders(sidecar):
    body = upload(sidecar, "orders_export.csv", SHOPIFY_ORDERS)
    assert body["columns"]["name"] == ["Billing Name"] and body["columns"]["phone"] == "Billing Phone"
    assert [(c["name"], c["number"]) for c in body["contacts"]] == list(zip(PEOPLE, E164))
    assert body["summary"]["invalid"] == 0 and body["summary"]["rows"] == 3


def test_sidecar_hubspot_in_another_language(sidecar):
    text = ("Record ID,Имя,Фамилия,Номер заказа,Мобильный телефон\n"
            "51234567801,Ann,Lee,2015550111,(201) 555-0123\n"
            "51234567802,Bo,Chen,2015550177,201-555-0145\n"
            "51234567803,Cy,Diaz,2015550133,+1 201 555 0199\n")
    body = upload(sidecar, "contacts.csv", text)
    assert (body["columns"]["phone"], body["columns"]["phone_fallbacks"]) == ("Мобильный телефон", [])
    assert [(c["name"], c["number"]) for c in body["contacts"]] == list(zip(PEOPLE, E164))


def test_sidecar_headerless_file_with_dates_and_postcodes(sidecar):
    text = "".join("%s,%s,%s,%s\n" % row for row in zip(
        PEOPLE, NOT_PHONE_COLUMNS["iso dates"], NOT_PHONE_COLUMNS["6-digit postcodes"], NUMBERS))
    body = upload(sidecar, "list.csv", text)
    assert body["columns"]["phone"] == "Column D" and body["columns"]["header_row"] is None
    assert [(c["name"], c["number"]) for c in body["contacts"]] == list(zip(PEOPLE, E164))


def test_sidecar_refuses_a_file_whose_only_digits_are_identifiers(sidecar):
    answer = sidecar.post("/upload", files={"file": ("ids.csv", "Name,Roll No\nAnn,2015550111\nBo,2015550177\n"
                                                     .encode())}, data={"default_region": "US"})
    assert answer.status_code == 400 and answer.json()["code"] == "no_phone_column"


def test_a_person_without_a_number_is_reported_but_a_line_item_row_is_not(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Order,Name,Phone,Item\n#7,Ann Lee,+1 415 555 2671,tea\n#7,,,cups\n#8,Ben Okafor,,jam\n"
                    ",,,a note\n#9,Cy Diaz,+1 415 555 2672,\n", encoding="utf-8")
    entries = extract_file(str(path), "US").entries
    assert entries["row"].tolist() == [2, 4, 5, 6], "only the order's second line item is not an entry"
    missing = entries[entries["row"] == 4].iloc[0]
    assert (missing["name"], missing["status"], missing["reason"]) == ("Ben Okafor", "invalid", "empty")


def test_header_matching_reads_only_the_start_of_a_huge_cell():
    """A 3 MB cell (a hostile vCard's name) is not searched to its end for header words: the start decides."""
    padding = "x " * cols.HEADER_SCAN_CHARS
    assert cols.phone_kind("mobile phone " + padding) == "phone"
    assert cols.phone_kind(padding + " mobile phone") is None
