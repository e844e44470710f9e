"""Turn a messy per-row country cell ('India', 'de', '+44', 'U.K.') into a phonenumbers region code."""
import functools
import re
import unicodedata

import phonenumbers

# Names people type that are not a region's display name in any language phonenumbers ships.
ALIASES = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "great britain": "GB",
    "britain": "GB", "northern ireland": "GB", "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US",
    "united states of america": "US", "uae": "AE", "u.a.e.": "AE", "emirates": "AE", "holland": "NL",
    "russia": "RU", "south korea": "KR", "korea": "KR", "north korea": "KP", "vietnam": "VN",
    "czech republic": "CZ", "ivory coast": "CI", "hong kong": "HK", "macau": "MO", "taiwan": "TW",
}


def fold(text):
    """Lower-case TEXT without accents and with single spaces, for name lookups."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().lower()


def display_names(region):
    """Every display name phonenumbers' locale data holds for REGION ('*xx' entries point at language xx)."""
    # Imported here: the locale tables cost ~0.45 s, which every sidecar start would otherwise pay.
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(region, {})
    for value in names.values():
        # Pointers are one hop in the shipped data; the bound guards against a cycle.
        for _ in range(3):
            if not value.startswith("*"):
                break
            value = names.get(value[1:], "")
        if value and not value.startswith("*"):
            yield value


@functools.lru_cache(maxsize=1)
def name_table():
    """Folded country name -> region code, keeping only names that point at one region."""
    seen = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        for name in display_names(region):
            seen.setdefault(fold(name), set()).add(region)
    table = {name: regions.pop() for name, regions in seen.items() if len(regions) == 1}
    table.update(ALIASES)
    return table


def region_from_calling_code(text):
    """'+44' / '0044' / '44' -> the main region of that calling code, else None."""
    digits = re.sub(r"[\s()\-]", "", text).lstrip("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit() or not 1 <= len(digits) <= 3:
        return None
    region = phonenumbers.region_code_for_country_code(int(digits))
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


@functools.lru_cache(maxsize=4096)
def region_for_country_cell(text, default):
    """The region code a country cell names (ISO alpha-2, country name, calling code), else DEFAULT."""
    if not isinstance(text, str) or not text.strip():
        return default
    cell = text.strip()
    if len(cell) == 2 and cell.upper() in phonenumbers.SUPPORTED_REGIONS:
        return cell.upper()
    if any(c.isdigit() for c in cell):
        return region_from_calling_code(cell) or default
    return name_table().get(fold(cell)) or name_table().get(fold(cell).rstrip(".")) or default
