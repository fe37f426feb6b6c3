"""The header block of a receipt and what its lines are: the shared ground of the name and address finders.

Words come from the locale data (`engine/locales`): street words and suffixes, regions, company forms,
words of titles, greetings and contact lines, in every language the engine has a file for. The shapes
of postcode-and-place lines, phone numbers and tax ids come from the locales the document's own text
points to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from extractd.engine.fields.parse import find_dates
from extractd.engine.fields.receipt_text import ReceiptDoc, ReceiptLine
from extractd.engine.locales import Locale, all_locales, fold, letters_of, vocabulary, vocabulary_letters

MAX_HEADER_LINES = 12
# A registration number: `(519537-X)`, `JM0325965-V`, `CO. NO. 113825-W`, `BR NO: 0195932-X`.
_REGISTRATION = re.compile(r"\(?\b(?:[A-Z]{0,3}\d{4,}[- ]?[A-Z]|\d{6,})\b\)?\s*$")
# Any phone number with an international prefix, or a long run of digits in groups.
_ANY_PHONE = re.compile(
    r"\+\s?\d{1,3}[\s(]*\d[\d\s()/.-]{6,}\d|(?<![\d.,])\(?\d{3,5}\)?[\s/-]\d{3,4}[\s-]\d{3,4}(?![\d.,])"
)
# How many of the best-scoring locales lend their shapes (postcode, phone) to the header reading.
_SHAPE_LOCALES = 3
# ... and only those scoring at least this share of the best one.
_SHAPE_SHARE = 0.5


def words(text: str) -> list[str]:
    """The words of a line, folded (upper case, no accents), punctuation dropped."""
    return re.findall(r"[^\W\d_]+", fold(text))


@cache
def word_set(kind: str) -> frozenset[str]:
    """The one-word entries of one kind of locale word (phrases are matched by `phrase_in`)."""
    return frozenset(found[0] for phrase in vocabulary(kind) if len(found := words(phrase)) == 1)


def phrase_in(text: str, kind: str) -> bool:
    """Whether a phrase of `kind` is in `text` as whole words (`ZU ZAHLEN`, `TAX ID`)."""
    joined = " " + " ".join(words(text)) + " "
    return any(f" {' '.join(words(phrase))} " in joined for phrase in vocabulary(kind) if words(phrase))


def is_street_word(word: str) -> bool:
    """`JALAN`, `ROAD`, `STR`, or a compound ending in a street word: `ROSENWEG`, `HAMEENKATU`."""
    if word in word_set("address"):
        return True
    return any(
        word.endswith(suffix) and len(word) > len(suffix) + 2 for suffix in vocabulary("street_suffixes")
    )


def shape_locales(receipt: ReceiptDoc) -> tuple[Locale, ...]:
    """The locales whose shapes to look for: the best few the text points to, else every one."""
    ranked = receipt.locale.ranked
    best = ranked[0][1] if ranked else 0.0
    pointed = [loc for loc, score in ranked if score > 0 and score >= _SHAPE_SHARE * best]
    return tuple(pointed[:_SHAPE_LOCALES]) if pointed else all_locales()


def postcode_match(text: str, receipt: ReceiptDoc) -> re.Match[str] | None:
    for locale in shape_locales(receipt):
        match = locale.postcode.search(text) if locale.postcode else None
        if match:
            return match
    return None


def phone_match(text: str, receipt: ReceiptDoc) -> re.Match[str] | None:
    for locale in shape_locales(receipt):
        match = locale.phone.search(text) if locale.phone else None
        if match and not find_dates(match.group(0)):
            return match
    return _ANY_PHONE.search(text)


def tax_id_match(text: str, receipt: ReceiptDoc) -> re.Match[str] | None:
    for locale in shape_locales(receipt):
        match = locale.tax_id.search(text) if locale.tax_id else None
        if match:
            return match
    return None


def header(lines: Sequence[ReceiptLine]) -> list[ReceiptLine]:
    first_page = lines[0].page if lines else 0
    return [line for line in lines if line.page == first_page][:MAX_HEADER_LINES]


@cache
def _registration_labels() -> str:
    """The locale files' labels of a company registration number (`CO. NO.`, `ROC`), as a regex
    alternative that lets any punctuation or space stand between their words."""
    return "|".join(r"\W*".join(map(re.escape, words(label))) for label in vocabulary("registration_label"))


@cache
def _registration_line() -> re.Pattern[str]:
    """A line that is only a registration number, labelled or not: `CO. NO. 113825-W`, `(519537-X)`."""
    return re.compile(rf"^\W*(?:(?:{_registration_labels()})\W*)?[A-Z]{{0,3}}\d{{4,}}-?[A-Z]?\W*$")


@cache
def _registration_tail() -> re.Pattern[str]:
    """A labelled registration number in brackets at the end of a name: `... SDN BHD (CO. REG 1234-X)`."""
    return re.compile(rf"\((?:{_registration_labels()})\b[^)]*\d[^)]*\)?\s*$", re.IGNORECASE)


def strip_registration(text: str) -> str:
    text = re.sub(r"\s*\((?:[A-Z]{0,3}\d{4,}[- ]?[A-Z]?)\).*$", "", text.strip())  # `(126926-H) A05748`
    text = text.strip().rstrip(",.;:")
    text = _registration_tail().sub("", text)
    return _REGISTRATION.sub("", text).strip(" -,")


def is_skippable(line: ReceiptLine) -> bool:
    """Registration numbers and owner notes between the name and the address."""
    text = line.text.upper().strip()
    if _registration_line().match(text) or (text.startswith("(") and text.endswith(")")):
        return True
    # `CO KEG NO : 210038-K`: a short label ending in a registration number
    return bool(re.search(r"\d{5,}-?\s?[A-Z]\)?$", text)) and len(text.split()) <= 5 and "," not in text


def is_contact_or_data(line: ReceiptLine, receipt: ReceiptDoc) -> bool:
    """A line that ends an address: contact details, tax ids, document data (titles, dates)."""
    found = set(words(line.text))
    if found & word_set("address_stop") or phrase_in(line.text, "address_stop"):
        return True
    if any(line.letters.startswith(w) for w in vocabulary_letters("address_stop") if len(w) >= 3):
        return True
    if tax_id_match(line.text, receipt) or find_dates(line.text):
        return True
    return bool(phone_match(line.text, receipt))


# Company forms this long are also found glued to the name (`KEDAIMAKANSDNBHD`); shorter ones only as
# the line's last words, so `A.S.` (a Czech form) is not read at the end of `PANAS`.
_MIN_GLUED_FORM = 5


@cache
def _forms(kind: str) -> tuple[tuple[str, str], ...]:
    """(spaced words, letters) of every company form of `kind`."""
    return tuple((" ".join(words(form)), letters_of(form)) for form in vocabulary(kind) if words(form))


def _ends_with(text: str, kind: str) -> str | None:
    """The form of `kind` the text ends with (as letters), if any."""
    spaced = " " + " ".join(words(text))
    letters = letters_of(text)
    for form, form_letters in _forms(kind):
        if spaced.endswith(" " + form) or (
            len(form_letters) >= _MIN_GLUED_FORM and letters.endswith(form_letters)
        ):
            return form_letters
    return None


def has_legal_form(text: str) -> bool:
    return _ends_with(text, "legal_forms") is not None


def has_business_word(text: str) -> bool:
    return _ends_with(text, "business_words") is not None


def text_without_forms(text: str) -> str:
    """`RESTAURANT SDN BHD` → ``: the letters left once trailing company forms are taken off."""
    letters = letters_of(text)
    spaced = " ".join(words(text))
    while True:
        form = _ends_with(spaced, "legal_forms") or _ends_with(spaced, "business_words")
        if not form or not letters.endswith(form):
            return letters
        letters = letters[: -len(form)]
        spaced = _drop_letters(spaced, len(form))


def _drop_letters(spaced: str, count: int) -> str:
    """`spaced` with its last `count` letters removed (spaces kept where they fall)."""
    out = spaced
    while count > 0 and out:
        if out[-1].isalpha():
            count -= 1
        out = out[:-1]
    return out.rstrip()
