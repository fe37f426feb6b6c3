"""Typed parsers and formatters for field values: dates, money, currencies, IBANs, phones, ...

Every parser takes the raw text as printed (possibly OCR-damaged) and returns the normalised value, or
None when the text does not hold one. Finders (invoice, receipt, generic) all go through these, so a
value is read the same way wherever it was found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from rapidfuzz import fuzz

MONTHS: dict[str, int] = {}
_MONTH_NAMES = {
    1: "january jan januar janvier janv janvier januari gennaio enero ene jän jänner gen",
    2: "february feb februar février fevrier févr fevr februari febbraio febrero",
    3: "march mar märz maerz marz mars maart marzo mrt",
    4: "april apr avril avr aprile abril",
    5: "may mai mei maggio mayo mag",
    6: "june jun juni juin giugno junio giu",
    7: "july jul juli juillet juil luglio julio lug",
    8: "august aug août aout augustus agosto ago",
    9: "september sep sept septembre settembre septiembre set",
    10: "october oct oktober octobre okt ottobre octubre ott",
    11: "november nov novembre noviembre",
    12: "december dec dezember décembre decembre dez dicembre diciembre dic",
}
for _number, _names in _MONTH_NAMES.items():
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH_WORD = r"[A-Za-zÀ-ÿ]{3,10}\.?"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")),
    # one separator throughout: `1- 13/01` is not a date
    ("dmy", re.compile(r"(?<!\d)(\d{1,2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d])")),
    (
        "d_month_y",
        re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|e)?\s*\.?\s*(?:-|\s)?\s*({_MONTH_WORD})\s*[-,]?\s*(\d{{4}}|\d{{2}})(?!\d)"
        ),
    ),
    ("month_d_y", re.compile(rf"({_MONTH_WORD})\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})(?!\d)")),
    ("compact", re.compile(r"(?<!\d)(20\d{2}|19\d{2})(\d{2})(\d{2})(?!\d)")),
)


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 2:
        value += 2000 if value < 70 else 1900
    return value


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(word: str) -> int | None:
    key = word.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS.get(key[:3]) if len(key) >= 3 else None


def _numeric_dmy(a: str, b: str, y: str, day_first: bool) -> date | None:
    first, second, year = int(a), int(b), _year(y)
    if day_first:
        return _safe_date(year, second, first) or _safe_date(year, first, second)
    return _safe_date(year, first, second) or _safe_date(year, second, first)


def _from_match(kind: str, groups: tuple[str, ...], day_first: bool) -> date | None:
    if kind in ("ymd", "compact"):
        return _safe_date(int(groups[0]), int(groups[1]), int(groups[2]))
    if kind == "dmy":
        return _numeric_dmy(groups[0], groups[2], groups[3], day_first)
    if kind == "d_month_y":
        month = _month(groups[1])
        return _safe_date(_year(groups[2]), month, int(groups[0])) if month else None
    month = _month(groups[0])
    return _safe_date(int(groups[2]), month, int(groups[1])) if month else None


def find_dates(text: str, *, day_first: bool = True) -> list[tuple[date, int, int]]:
    """All dates in `text` as (date, start, end), in order of position; overlapping reads dropped."""
    return list(_dates_in(text, day_first))


@lru_cache(maxsize=8192)
def _dates_in(text: str, day_first: bool) -> tuple[tuple[date, int, int], ...]:
    """find_dates, remembered: the finders read the same lines many times."""
    if not any(char.isdigit() for char in text):
        return ()  # every date pattern has a day or a year
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = _from_match(kind, match.groups(), day_first)
            if value is not None and 1900 <= value.year <= 2100:
                found.append((value, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    return tuple(sorted(found, key=lambda item: item[1]))


def parse_date(text: str, *, day_first: bool = True) -> date | None:
    """The first date in `text` (ISO, D.M.Y, D/M/Y, month names in EN/DE/FR/NL/ES/IT, YYYYMMDD)."""
    dates = find_dates(text, day_first=day_first)
    return dates[0][0] if dates else None


_FORMAT_TOKENS = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|DD|D")
_ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_date(value: date, fmt: str = "YYYY-MM-DD") -> str:
    """Write `value` with the template tokens YYYY YY MMMM MMM MM M DD D (English month names)."""

    def token(match: re.Match[str]) -> str:
        return {
            "YYYY": f"{value.year:04d}",
            "YY": f"{value.year % 100:02d}",
            "MMMM": _ENGLISH_MONTHS[value.month - 1],
            "MMM": _ENGLISH_MONTHS[value.month - 1][:3],
            "MM": f"{value.month:02d}",
            "M": str(value.month),
            "DD": f"{value.day:02d}",
            "D": str(value.day),
        }[match.group(0)]

    return _FORMAT_TOKENS.sub(token, fmt)


_TIME = re.compile(
    r"(?<!\d)([01]?\d|2[0-3])\s?[:h.]\s?([0-5]\d)(?:\s?[:.]\s?([0-5]\d))?\s*([AaPp]\.?[Mm]\.?)?(?!\d)"
)


def parse_time(text: str) -> time | None:
    """The first clock time in `text`: `14:05`, `2:05 PM`, `14h05`, `14:05:33`."""
    for match in _TIME.finditer(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        suffix = (match.group(4) or "").lower().replace(".", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if match.group(3) is None and not suffix and ":" not in match.group(0) and "h" not in match.group(0):
            continue  # "12.30" alone is more likely an amount than a time
        return time(hour, minute, second)
    return None


# --- currencies ----------------------------------------------------------------------------------
ISO_CURRENCIES = frozenset(
    [
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "JPY",
        "CNY",
        "INR",
        "MYR",
        "SGD",
        "AUD",
        "CAD",
        "NZD",
        "HKD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "HRK",
        "RUB",
        "TRY",
        "ZAR",
        "BRL",
        "MXN",
        "ARS",
        "CLP",
        "COP",
        "PEN",
        "IDR",
        "THB",
        "VND",
        "PHP",
        "KRW",
        "TWD",
        "AED",
        "SAR",
        "QAR",
        "KWD",
        "ILS",
        "EGP",
        "NGN",
        "KES",
        "PKR",
        "BDT",
        "LKR",
        "UAH",
        "ISK",
    ]
)
# Longest first, so "US$" wins over "$" and "RM" is not read inside a word (checked by boundaries).
CURRENCY_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("US$", "USD"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("NZ$", "NZD"),
    ("S$", "SGD"),
    ("HK$", "HKD"),
    ("R$", "BRL"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("INR", "INR"),
    ("RM", "MYR"),
    ("Fr.", "CHF"),
    ("$", "USD"),
)
_CURRENCY_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "rupee": "INR",
    "rupees": "INR",
    "ringgit": "MYR",
    "franken": "CHF",
}
_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")


def _symbol_hits(text: str) -> Iterator[tuple[int, str]]:
    for symbol, code in CURRENCY_SYMBOLS:
        start = 0
        while (index := text.find(symbol, start)) >= 0:
            start = index + len(symbol)
            before = text[index - 1] if index else " "
            after = text[start] if start < len(text) else " "
            if symbol[0].isalpha() and (before.isalpha() or (after.isalpha() and symbol[-1] != ".")):
                continue  # "RM" inside "FORM", "Rs" inside "Rsvp"
            if symbol == "$" and before.isalpha() and before.isupper():
                continue  # part of US$/CA$/... handled by the longer symbol
            yield index, code


def currencies_in(text: str) -> list[tuple[str, int]]:
    """Currencies mentioned in `text` as (ISO code, position): ISO codes, symbols, currency words."""
    hits: dict[int, str] = {}
    for match in _CODE.finditer(text):
        if match.group(1) in ISO_CURRENCIES:
            hits[match.start()] = match.group(1)
    covered = set(hits)
    for index, code in _symbol_hits(text):
        if not any(abs(index - other) < 3 for other in covered):
            hits[index] = code
            covered.add(index)
    for match in re.finditer(r"[A-Za-z]+", text):
        word_code = _CURRENCY_WORDS.get(match.group(0).lower())
        if word_code:
            hits.setdefault(match.start(), word_code)
    return sorted(((code, index) for index, code in hits.items()), key=lambda item: item[1])


def parse_currency(text: str) -> str | None:
    """The ISO 4217 code named in `text` (code, symbol or word), or None."""
    found = currencies_in(text)
    return found[0][0] if found else None


# --- numbers and money ---------------------------------------------------------------------------
_AMOUNT = re.compile(
    r"(?<![\d.,])(\(?)(-|−)?"
    # a plain space only groups thousands when decimals follow ("1 234,56"), so "2 100,00" in a
    # quantity column stays ambiguous rarely; other group separators always do
    r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+[.,]\d{2}(?!\d)"
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?(?![\d,])"  # Indian lakh grouping: 7,08,000.00
    r"|\d{1,3}(?:[.,'\u00a0\u202f]\d{3})+(?:[.,]\d{1,4})?"
    r"|\d+(?:[.,]\d{1,4})?)"
    r"(?:\s?(-)(?!\s?\d))?(\)?)(?![\d])"
)
_CURRENCY_PREFIXES = frozenset({"rm", "rs", "eur", "usd", "gbp", "chf", "inr", "myr", "sgd", "fr", "kr"})


def _to_decimal(number: str) -> Decimal | None:
    """Read digits with either separator convention: `1.234,56`, `1,234.56`, `1 234,56`, `1'234.56`."""
    digits = re.sub(r"[' \u00a0\u202f]", "", number)
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    decimal_sep = None
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        tail = digits[digits.rfind(sep) + 1 :]
        # one separator followed by exactly three digits reads as thousands ("1.234", "12,500")
        if digits.count(sep) == 1 and len(tail) != 3:
            decimal_sep = sep
    if decimal_sep is None:
        cleaned = digits.replace(".", "").replace(",", "")
    else:
        other = "," if decimal_sep == "." else "."
        cleaned = digits.replace(other, "").replace(decimal_sep, ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[tuple[Decimal, int, int]]:
    """All numbers in `text` as (value, start, end), sign from `-`, a trailing minus or parentheses."""
    return list(_amounts_in(text))


@lru_cache(maxsize=8192)
def _amounts_in(text: str) -> tuple[tuple[Decimal, int, int], ...]:
    """find_amounts, remembered: the finders read the same lines many times."""
    found: list[tuple[Decimal, int, int]] = []
    for match in _AMOUNT.finditer(text):
        value = _to_decimal(match.group(3))
        glued = re.search(r"[A-Za-z]+$", text[: match.start(3)])
        if value is None or (glued and glued.group(0).lower() not in _CURRENCY_PREFIXES):
            continue  # "A4", "INV123": a number glued to a word is part of that word
        negative = bool(match.group(2) or match.group(4) or (match.group(1) and match.group(5)))
        found.append((-value if negative else value, match.start(), match.end()))
    return tuple(found)


def parse_decimal(text: str) -> Decimal | None:
    """The first number in `text`, either separator convention."""
    amounts = find_amounts(text)
    return amounts[0][0] if amounts else None


def parse_integer(text: str) -> int | None:
    """The first whole number in `text` (`1.234` and `1,234` read as 1234)."""
    value = parse_decimal(text)
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def parse_money(text: str) -> tuple[Decimal, str | None] | None:
    """The amount in `text` and the currency printed with it: `€ 1.234,56`, `RM9.00`, `(12.50)`."""
    amounts = [a for a in find_amounts(text) if _looks_like_money(text, a)]
    if not amounts:
        return None
    value, start, end = amounts[-1] if len(amounts) > 1 and _has_decimals(text, amounts[-1]) else amounts[0]
    near = [code for code, pos in currencies_in(text) if start - 6 <= pos <= end + 2]
    currency: str | None = near[0] if near else None
    return value, currency


def _has_decimals(text: str, amount: tuple[Decimal, int, int]) -> bool:
    return bool(re.search(r"[.,]\d{2}\)?-?$", text[amount[1] : amount[2]].strip()))


def _looks_like_money(text: str, amount: tuple[Decimal, int, int]) -> bool:
    """Reject percentages and numbers glued to letters (`19%`, `A4`)."""
    after = text[amount[2] : amount[2] + 2].lstrip()
    return not after.startswith("%")


def money_places(text: str) -> int:
    """How many decimals the printed amount shows (at least 2, at most 4)."""
    match = re.search(r"[.,](\d{1,4})\)?-?\s*\D*$", text.strip())
    return max(2, len(match.group(1))) if match and len(match.group(1)) != 3 else 2


def round_money(value: Decimal, places: int = 2) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP))


# --- identifiers ---------------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w])(\+?\(?\d[\d\s()./-]{6,}\d)(?![\w])")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30})\b")
_TRUE = {"yes", "y", "true", "ja", "oui", "si", "sí", "x", "1", "✓", "✔", "☑", "☒", "checked", "wahr", "vrai"}
_FALSE = {"no", "n", "false", "nein", "non", "nee", "0", "☐", "unchecked", "falsch", "faux"}


def parse_email(text: str) -> str | None:
    match = _EMAIL.search(text)
    return match.group(0).lower().rstrip(".") if match else None


def parse_phone(text: str) -> str | None:
    """A phone number with its punctuation reduced to `+` and digits (7 to 15 digits)."""
    for match in _PHONE.finditer(text):
        raw = match.group(1)
        if find_dates(raw) or re.search(r"\d,\d{2}$", raw):
            continue  # a date or an amount, not a number to call
        digits = re.sub(r"\D", "", raw)
        if 7 <= len(digits) <= 15:
            return ("+" if raw.startswith("+") else "") + digits
    return None


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def parse_iban(text: str) -> str | None:
    """The first checksum-valid IBAN in `text`, without spaces, upper case."""
    upper = text.upper()
    for match in _IBAN.finditer(upper):
        compact = re.sub(r"\s", "", match.group(1))
        # the greedy match may run into the next token (a BIC); shorten until the checksum holds
        for end in range(len(compact), 14, -1):
            if iban_valid(compact[:end]):
                return compact[:end]
    return None


def parse_boolean(text: str) -> bool | None:
    words = [w.strip(".:;,()[]").lower() for w in text.split()]
    for word in words:
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def normalise_text(text: str) -> str:
    """NFKC, case-folded, with punctuation `,.;:` as spaces and whitespace collapsed (for comparing)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[,.;:]", " ", folded).split())


# A value only fuzzily named (OCR damage, a typo) counts from this similarity (0-1) on; short values
# (under ENUM_FUZZY_MIN_LENGTH characters) must be named exactly, since one wrong letter is most of them.
ENUM_MIN_SIMILARITY = 0.8
ENUM_FUZZY_MIN_LENGTH = 4


def parse_enum(text: str, values: tuple[str, ...]) -> str | None:
    """The allowed value named in `text` (see match_enum)."""
    match = match_enum(text, values)
    return match[0] if match else None


def match_enum(text: str, values: tuple[str, ...]) -> tuple[str, float] | None:
    """The allowed value named in `text` and how closely (0-1): an exact word match (1.0) first, else
    the value closest to a run of as many words of `text` (rapidfuzz), from ENUM_MIN_SIMILARITY on."""
    folded = normalise_text(text)
    for value in sorted(values, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(normalise_text(value))}(?!\w)", folded):
            return value, 1.0
    words = folded.split()
    best: tuple[str, float] | None = None
    for value in values:
        wanted = normalise_text(value)
        if len(wanted) < ENUM_FUZZY_MIN_LENGTH:
            continue
        similarity = max((fuzz.ratio(wanted, run) / 100 for run in _word_runs(words, wanted)), default=0.0)
        if similarity >= ENUM_MIN_SIMILARITY and (best is None or similarity > best[1]):
            best = (value, round(similarity, 3))
    return best


def _word_runs(words: list[str], wanted: str) -> Iterator[str]:
    """Runs of consecutive words about as many as `wanted` has (one fewer to one more: OCR splits and
    joins words)."""
    size = len(wanted.split())
    for length in range(max(1, size - 1), min(len(words), size + 1) + 1):
        for start in range(len(words) - length + 1):
            yield " ".join(words[start : start + length])
