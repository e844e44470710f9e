#!/usr/bin/env python3
"""Messy contact lists with an answer key: the project's own test and benchmark input.

A list looks like what people import: names in many scripts, a phone column written in the ways people and
spreadsheets write numbers (national, international, IDD prefixes, '(0)' trunk marks, 'tel:' links, labels,
pasted non-breaking spaces, numbers turned into spreadsheet numbers or floats or scientific notation), numbers
of other countries, the same number written twice in different ways, and entries that are not numbers at all.

    python scripts/gen_contacts.py --rows 100000 --region IN --format csv --out list.csv
    python scripts/gen_contacts.py --rows 5000 --region GB --format xlsx --out list.xlsx --seed 3

Beside the list it writes the answer key (default OUT + '.key.csv'): `row` (1-based, header excluded),
`expected_e164` (empty when the entry is no usable number) and `style` (how the entry was written).
The same arguments always give the same files. From Python: `generate(out, rows, region, fmt, seed)`.

Every row has one right answer: the generator never writes an entry a careful reader could take for a
different valid number (such rows are redrawn), so the key is the truth, not a guess.
"""
import argparse
import collections
import csv
import hashlib
import os
import random
import subprocess
import sys

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as Type

FORMATS = ("csv", "xlsx", "txt")
HOME_SHARE = 0.72  # the rest are numbers of other countries
INVALID_SHARE = 0.06
DUPLICATE_SHARE = 0.05
MOBILE_SHARE = 0.8
DUPLICATE_POOL = 5000  # numbers kept for re-writing as duplicates
OTHER_COUNTRIES = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "BR", "MX", "AR", "NG", "KE", "ZA", "EG", "AE",
                   "SA", "PK", "BD", "CN", "JP", "KR", "PH", "ID", "AU", "NZ", "CA", "IN", "TR", "PL", "SE")
MAX_E164_DIGITS = 15
GIVEN = ("Aarav", "Priya", "Kwame", "Ngozi", "Li", "Mei", "Hiroshi", "Yuki", "Olga", "Dmitri", "Fatma", "Mehmet",
         "Siobhán", "Seán", "Chloé", "Jürgen", "Łukasz", "Zoë", "João", "Ana", "Björn", "Ingrid", "Omar", "Layla",
         "Tomás", "Ximena", "Nguyễn", "Thảo", "Amara", "Tariq", "Grace", "Peter", "Lerato", "Sipho", "Noa", "Eitan")
FAMILY = ("Patel", "Mensah", "Okonkwo", "Zhang", "Tanaka", "Ivanova", "Yılmaz", "Ó Súilleabháin", "Lefèvre",
          "Müller", "Wiśniewski", "Silva", "Hernández", "Andersson", "Haddad", "Van der Berg", "D'Souza",
          "Khumalo", "Levi", "Nakamura", "Kim", "Santos", "Reyes", "Abubakar", "Smith", "O'Neil", "Kaur")
CITIES = ("Pune", "Lagos", "Leeds", "Lyon", "Osaka", "São Paulo", "Nairobi", "Cork", "Kraków", "", "")
LABELS = ("Mob: ", "Tel. ", "mobile ", "WhatsApp: ", "Ph ", "cell - ")
NOT_NUMBERS = ("N/A", "n/a", "none", "-", "—", "?", "ask reception", "TBC", "same as above", "no phone",
               "see email", "x")

Row = collections.namedtuple("Row", "name value style expected")  # value: text, or int/float in xlsx cells


# --- valid numbers ---------------------------------------------------------------------------------------------

def templates(region):
    """Example numbers of REGION to vary: (mobile, fixed line), either may stand in for the other."""
    mobile = pn.example_number_for_type(region, Type.MOBILE) or pn.example_number(region)
    fixed = pn.example_number_for_type(region, Type.FIXED_LINE) or mobile
    return mobile, fixed


TEMPLATES = {}


def number_from(country_code, national):
    """A PhoneNumber of COUNTRY_CODE with the national significant number NATIONAL (text, leading zeros kept)."""
    zeros = len(national) - len(national.lstrip("0"))
    number = pn.PhoneNumber(country_code=country_code, national_number=int(national))
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros if zeros > 1 else None
    return number


def random_valid(rng, region):
    """A random valid number of REGION: the template's leading digits, then random ones, until valid."""
    if region not in TEMPLATES:
        TEMPLATES[region] = templates(region)
    template = TEMPLATES[region][0 if rng.random() < MOBILE_SHARE else 1]
    national = pn.national_significant_number(template)
    for attempt in range(40):
        # Start with long random tails (more variety), shorten them when the region's rules are strict.
        tail = max(2, len(national) - 1 - attempt // 4)
        candidate = national[:-tail] + "".join(rng.choice("0123456789") for _ in range(tail))
        number = number_from(template.country_code, candidate)
        if pn.is_valid_number(number) and len(e164(number)) - 1 <= MAX_E164_DIGITS:
            return number
    return template


def e164(number):
    """NUMBER as E.164 text."""
    return pn.format_number(number, Fmt.E164)


def digits_of(text):
    """The ASCII digits of TEXT."""
    return "".join(c for c in text if "0" <= c <= "9")


# --- how people write a number ----------------------------------------------------------------------------------

def international_prefix(region):
    """The digits REGION dials to call abroad (its preferred IDD), or None when it has no plain one."""
    metadata = pn.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.preferred_international_prefix or metadata.international_prefix
    return prefix if prefix and prefix.isdigit() else None


def with_trunk_mark(number):
    """'+44 (0)20 7946 0958': the international form with a trunk zero in brackets, where the country has one."""
    trunk = pn.PhoneMetadata.metadata_for_region(pn.region_code_for_number(number)).national_prefix
    head, _, rest = international(number).partition(" ")
    return "%s (0)%s" % (head, rest) if trunk == "0" and rest else international(number)


def national(number):
    """The national form, e.g. '098450 12345' or '(415) 555-2671'."""
    return pn.format_number(number, Fmt.NATIONAL)


def international(number):
    """The international form, e.g. '+91 81234 56789'."""
    return pn.format_number(number, Fmt.INTERNATIONAL)


def labelled(text, rng):
    """TEXT behind a label such as 'Mob: ', as pasted from signatures and address books."""
    return rng.choice(LABELS) + text


def regrouped(number):
    """The national digits in groups of three ('081 234 567 89'), as some people type them."""
    digits = digits_of(national(number))
    return " ".join(digits[i:i + 3] for i in range(0, len(digits), 3))


# style -> (number, home region, rng) -> text
WRITTEN_ANYWHERE = {
    "e164": lambda n, home, rng: e164(n),
    "intl": lambda n, home, rng: international(n),
    "cc_no_plus": lambda n, home, rng: e164(n)[1:],
    "idd": lambda n, home, rng: "%s %s" % (international_prefix(home), international(n)[1:]),
    "paren_cc": lambda n, home, rng: international(n).replace("+%d " % n.country_code, "(+%d) " % n.country_code, 1),
    "trunk_mark": lambda n, home, rng: with_trunk_mark(n),
    "tel_link": lambda n, home, rng: pn.format_number(n, Fmt.RFC3966),
    "dashed_intl": lambda n, home, rng: "+%d-%s" % (n.country_code, pn.national_significant_number(n)),
    "label": lambda n, home, rng: labelled(international(n), rng),
    "padded": lambda n, home, rng: "  %s \t" % international(n),
    "apostrophe": lambda n, home, rng: "'" + e164(n),
}
WRITTEN_AT_HOME = {  # only make sense for the list's own country
    "national": lambda n, home, rng: national(n),
    "national_digits": lambda n, home, rng: digits_of(national(n)),
    "dotted": lambda n, home, rng: national(n).replace(" ", ".").replace("-", "."),
    "nbsp": lambda n, home, rng: national(n).replace(" ", "\u00a0").replace("-", "\u2013"),
    "regrouped": lambda n, home, rng: regrouped(n),
    "home_label": lambda n, home, rng: labelled(national(n), rng),
}
# How often each way of writing turns up: mostly plain, now and then labelled, linked or pasted with stray marks.
STYLE_WEIGHTS = {"e164": 4, "intl": 4, "cc_no_plus": 3, "idd": 2, "paren_cc": 1, "dashed_intl": 1, "trunk_mark": 1,
                 "tel_link": 0.25, "label": 0.25, "padded": 0.25, "apostrophe": 0.25,
                 "national": 4, "national_digits": 3, "dotted": 1, "nbsp": 1, "regrouped": 1, "home_label": 0.25}
# Entries without a '+' or an IDD prefix: their digits could also be read as a number of the list's country.
DIGITS_ONLY = {"cc_no_plus", "national_digits", "regrouped", "national", "dotted", "nbsp", "home_label"}
# What spreadsheets do to digit-only numbers, per file type.
DAMAGE = {
    "csv": ("float_text", "scientific_exact"),
    "xlsx": ("number_cell", "float_cell", "number_cell_lost_zero"),
    "txt": (),
}
DAMAGE_SHARE = 0.04
# Free text keeps to what people type in a sentence.
TXT_STYLES = ("e164", "intl", "idd", "paren_cc", "national", "dotted", "cc_no_plus", "national_digits")


def damaged(style, number):
    """The value a spreadsheet made of NUMBER by damage STYLE, or None when that damage cannot happen to it."""
    full = e164(number)[1:]
    if style == "float_text":
        return full + ".0"
    if style == "scientific_exact":
        return "%s.%sE+%d" % (full[0], full[1:], len(full) - 1)
    if style == "number_cell":
        return int(full)
    if style == "float_cell":
        return float(full)
    local = digits_of(national(number))  # number_cell_lost_zero: the trunk zero goes with the text format
    return int(local) if local.startswith("0") and local.strip("0") else None


def read_as(text, home):
    """What phonenumbers makes of TEXT with default region HOME: E.164 when valid, else None."""
    try:
        parsed = pn.parse(text, home)
    except pn.NumberParseException:
        return None
    return e164(parsed) if pn.is_valid_number(parsed) else None


def means_only(text, number, home):
    """False when TEXT, read with HOME's rules, is a different valid number than NUMBER (a trap, not a test)."""
    read = read_as(text, home)
    return read is None or read == e164(number)


def write_number(rng, number, home, fmt):
    """(value, style, expected E.164) for NUMBER written one way people or spreadsheets write it."""
    is_home = pn.region_code_for_number(number) == home
    if DAMAGE[fmt] and rng.random() < DAMAGE_SHARE:
        entry = damaged_entry(rng.choice(DAMAGE[fmt]), number, home, is_home)
        if entry is not None:
            return entry
    styles = style_choices(fmt, is_home)
    style = rng.choices(styles, [STYLE_WEIGHTS[s] for s in styles])[0]
    if style == "idd" and not international_prefix(home):
        style = "intl"
    value = (WRITTEN_ANYWHERE.get(style) or WRITTEN_AT_HOME[style])(number, home, rng)
    if style in DIGITS_ONLY and not means_only(value, number, home):
        style, value = "e164", e164(number)
    return value, style, e164(number)


def style_choices(fmt, is_home):
    """The ways of writing a number that fit file type FMT, for a number of the list's country or not."""
    styles = TXT_STYLES if fmt == "txt" else tuple(WRITTEN_ANYWHERE) + tuple(WRITTEN_AT_HOME)
    return [s for s in styles if is_home or s in WRITTEN_ANYWHERE]


def damaged_entry(style, number, home, is_home):
    """(value, style, expected) of NUMBER after spreadsheet damage STYLE, or None when it does not apply.

    Expected stays the number when the digits still say it; a lost trunk zero that was part of the number
    (Italy) leaves nothing to recover.
    """
    value = damaged(style, number)
    if value is None:
        return None
    if style == "number_cell_lost_zero":  # only the list's own numbers are written nationally
        if not is_home:
            return None
        return value, style, e164(number) if read_as(str(value), home) == e164(number) else ""
    if not means_only(e164(number)[1:], number, home):
        return None
    return value, style, e164(number)


# --- entries that are no number ---------------------------------------------------------------------------------

def not_a_number(rng, home):
    """(text, style) of an entry with no usable number; redrawn until no reading of it is a valid number."""
    for _ in range(20):
        text, style = invalid_entry(rng, home)
        digits = digits_of(text)
        if read_as(text, home) is None and (not digits or read_as("+" + digits, home) is None):
            return text, style
    return "", "empty"


def invalid_entry(rng, home):
    """One kind of entry that is not a usable phone number."""
    kind = rng.randrange(7)
    if kind == 0:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(2, 5))), "too_short"
    if kind == 1:
        return rng.choice(NOT_NUMBERS), "not_a_number"
    if kind == 2:
        return "", "empty"
    if kind == 3:
        return "+" + "".join(rng.choice("123456789") for _ in range(rng.randint(16, 18))), "too_long"
    if kind == 4:  # a spreadsheet showed 12 digits as 9.19845E+11: the last digits are gone
        full = e164(random_valid(rng, home))[1:]
        return "%s.%sE+%d" % (full[0], full[1:6], len(full) - 1), "scientific_lossy"
    if kind == 5:  # one digit short
        return national(random_valid(rng, home))[:-1], "digit_missing"
    return "%02d/%02d/%d" % (rng.randint(1, 28), rng.randint(1, 12), rng.randint(1960, 2005)), "date"


# --- lists ------------------------------------------------------------------------------------------------------

def person(rng):
    """A name as people type them into contact lists (sometimes with a comma, sometimes missing)."""
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    shape = rng.random()
    if shape < 0.05:
        return ""
    if shape < 0.12:
        return "%s, %s" % (family, given)
    if shape < 0.16:
        return "%s %s" % (given.upper(), family.upper())
    return "%s %s" % (given, family)


def make_rows(count, region, seed, fmt="csv"):
    """COUNT rows (name, value, style, expected E.164 or '') of a list whose home country is REGION."""
    region = region.upper()
    rng = random.Random("%s|%s|%s" % (seed, region, fmt))
    pool = []
    rows = []
    for _ in range(count):
        name, draw = person(rng), rng.random()
        if draw < INVALID_SHARE:
            text, style = not_a_number(rng, region)
            rows.append(Row(name, text, style, ""))
            continue
        if draw < INVALID_SHARE + DUPLICATE_SHARE and pool:
            value, style, expected = write_number(rng, rng.choice(pool), region, fmt)
            rows.append(Row(name, value, "dup_" + style, expected))
            continue
        country = region if rng.random() < HOME_SHARE else rng.choice(OTHER_COUNTRIES)
        number = random_valid(rng, country)
        if len(pool) < DUPLICATE_POOL:
            pool.append(number)
        rows.append(Row(name, *write_number(rng, number, region, fmt)))
    return rows


# --- files ------------------------------------------------------------------------------------------------------

def write_csv(path, rows, rng):
    """Name, Phone, City; quoted where needed (names with commas)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Name", "Phone", "City"])
        for row in rows:
            writer.writerow([row.name, row.value, rng.choice(CITIES)])


def write_xlsx(path, rows, rng):
    """One sheet 'Contacts': Name, Mobile, City; damaged numbers as number cells, the rest as text."""
    from openpyxl import Workbook

    from make_fixtures import deterministic_xlsx  # fixed timestamps: the same seed gives the same bytes

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(["Name", "Mobile", "City"])
    for row in rows:
        sheet.append([row.name, row.value, rng.choice(CITIES)])
    with open(path, "wb") as f:
        f.write(deterministic_xlsx(book))


TXT_LINES = ("{name}: {number}", "{name} {number}", "{number} - {name}", "{name}\t{number}",
             "Call {name} on {number}", "{number}")


def write_txt(path, rows, rng):
    """One contact per line, in the shapes people paste (name and number in either order, or a sentence)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            shape = rng.choice(TXT_LINES) if row.value else "{name}:"
            f.write(shape.format(name=row.name or "Guest", number=row.value).rstrip() + "\n")


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "txt": write_txt}


def write_key(path, rows):
    """The answer key: row, expected_e164, style."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["row", "expected_e164", "style"])
        for i, row in enumerate(rows, 1):
            writer.writerow([i, row.expected, row.style])


def generate(out, rows=10_000, region="IN", fmt=None, seed=1, key=None):
    """Write a list of ROWS rows to OUT (format from FMT or OUT's extension) and its key; returns both paths."""
    fmt = fmt or os.path.splitext(out)[1].lstrip(".").lower()
    if fmt not in WRITERS:
        raise ValueError("format must be one of %s" % ", ".join(FORMATS))
    key = key or out + ".key.csv"
    made = make_rows(rows, region, seed, fmt)
    WRITERS[fmt](out, made, random.Random("%s|cities" % seed))
    write_key(key, made)
    return out, key


def generate_with(generator, out, rows, region, fmt, seed):
    """Like generate(), with GENERATOR: None for this module, or the path of another script with this command
    line (for comparing generators); returns (list path, key path)."""
    if generator is None:
        return generate(out, rows, region, fmt, seed)
    subprocess.run([sys.executable, generator, "--rows", str(rows), "--region", region, "--format", fmt,
                    "--seed", str(seed), "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out, out + ".key.csv"


def cached(cache_dir, rows, region, fmt, seed=7, generator=None):
    """(list path, key path) in CACHE_DIR, made on first use; the name tells the generator and its version."""
    source = generator or os.path.abspath(__file__)
    with open(source, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()[:8]
    name = "own" if generator is None else os.path.splitext(os.path.basename(generator))[0]
    os.makedirs(cache_dir, exist_ok=True)
    out = os.path.join(cache_dir, "%s-%s-%s-%d-seed%d.%s" % (name, version, region, rows, seed, fmt))
    if not os.path.exists(out):
        print("generating %s ..." % out, file=sys.stderr, flush=True)
        # Made under a temporary name and renamed list last, so an interrupted run leaves no half list behind.
        part = "%s.part.%s" % (out[:-len(fmt) - 1], fmt)
        generate_with(generator, part, rows, region, fmt, seed)
        os.replace(part + ".key.csv", out + ".key.csv")
        os.replace(part, out)
    return out, out + ".key.csv"


def main(argv=None):
    """Command line: the list and its key."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--region", default="IN", help="the list's home country (the default region when importing)")
    ap.add_argument("--format", choices=FORMATS, default=None, help="default: from the extension of --out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--key", help="where the answer key goes (default: OUT.key.csv)")
    args = ap.parse_args(argv)
    out, key = generate(args.out, args.rows, args.region, args.format, args.seed, args.key)
    print("wrote %d rows to %s and the key to %s" % (args.rows, out, key), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
