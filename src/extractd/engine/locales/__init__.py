"""Locales as evidence: which country and language a document is from, told by its own text.

The knowledge is data, one file per language and one per country beside this module:
`languages/<lang>.json` lists the words that language's documents use (total, tax, change, street
words, company forms, ...); `countries/<CC>.json` its languages, currencies, date order, decimal and
grouping marks, the shapes of its address anchor (postcode and place), phone numbers and tax ids, and
its own words (regions, local company forms). Adding a locale is adding a file; nothing here or in
the finders names a country.

`infer_locale` scores every country by the evidence in a text (currencies printed, address, phone and
tax-id shapes matched, words of its languages) and says how sure the best reading is. `vocabulary`
gives one kind of word over every file, for finders that read labels of any language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

DateOrder = Literal["DMY", "MDY", "YMD"]
# Weights of one hit of each kind of evidence (each kind counted at most _MAX_HITS times).
_WEIGHTS = {"currency": 2.0, "postcode": 2.0, "phone": 1.0, "tax_id": 2.5, "calling_code": 3.0, "words": 0.5}
_MAX_HITS = 4
# The country evidence (not language words) the best locale needs for its date order to count as known.
_SURE_SHAPE = 2.0
# How much of a long text is read for evidence: its start and its end.
_HEAD_CHARS, _TAIL_CHARS = 3000, 1000
# The best locale's score at which its date order is taken as known, not guessed.
_SURE_SCORE = 3.0
# Kinds of words a language or country file may list.
WORD_KINDS = (
    "language", "total", "final_total", "not_final_total", "subtotal", "tax", "change", "tendered",
    "rounding", "receipt", "till", "address", "regions", "legal_forms", "business_words", "not_name",
    "address_stop", "abbreviations", "date", "time", "street_suffixes", "amount", "pay_card", "pay_cash",
    "pay_wallet", "pay_voucher", "pay_cheque", "number_sign", "registration_label", "street_prefix",
    # invoice labels, as printed (engine/fields/vocabulary.py reads them in their own spelling)
    "invoice_number", "issue_date", "due_date", "grand_total", "net_total", "tax_total", "purchase_order",
    "seller_tax_id", "payment_method", "currency_label", "weak_label", "seller_label", "buyer_label",
    "delivery_label", "document_word", "document_word_whole", "other_document", "context_number_label",
    "connector", "due_phrase", "due_by", "discount", "direct_debit", "adjustment", "credit_note",
    "title_qualifier", "document_title", "salutation", "addressee_prefix",
)  # fmt: skip


def fold(text: str) -> str:
    """Upper case without accents: `Rückgeld` → `RUCKGELD` (OCR often drops the accents anyway)."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def letters_of(text: str) -> str:
    """Only the letters of `text`, folded: keyword tests that survive OCR dropping or adding spaces."""
    return "".join(ch for ch in fold(text) if ch.isalpha())


@dataclass(frozen=True)
class Locale:
    """One locale file, read: patterns compiled, words folded to upper case without accents."""

    code: str  # `de-DE`: the country's first language and the country
    country: str  # ISO 3166 alpha-2
    language: str  # ISO 639-1, the country's first language
    currencies: tuple[str, ...]
    currency_marks: tuple[str, ...]  # how its currency is printed: `€`, `EUR`, `zł`, `RM`
    date_order: DateOrder
    decimal_mark: str
    group_mark: str
    calling_code: str  # `49` for +49
    # the anchor of an address: postcode and place (where none is printed, the street-number form)
    postcode: re.Pattern[str] | None
    phone: re.Pattern[str] | None  # a national phone number as printed
    tax_id: re.Pattern[str] | None  # a VAT / GST / company tax id as printed
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_order_mixed: bool = False  # printers there use both orders: the country alone does not settle it

    @property
    def day_first(self) -> bool:
        return self.date_order != "MDY"


def _pattern(raw: Any) -> re.Pattern[str] | None:
    return re.compile(raw) if raw else None


def parse_locale(country: dict[str, Any], languages: dict[str, dict[str, Any]]) -> Locale:
    """A country file with its languages' words merged in (ValueError naming what is malformed)."""
    code = country.get("country", "?")
    if country.get("date_order") not in ("DMY", "MDY", "YMD"):
        raise ValueError(f"{code}: date_order must be DMY, MDY or YMD")
    missing = [lang for lang in country.get("languages", ()) if lang not in languages]
    if missing:
        raise ValueError(f"{code}: no language file for {missing}")
    merged: dict[str, list[str]] = {}
    sources = [languages[lang].get("words", {}) for lang in country["languages"]]
    for words in [*sources, country.get("words", {})]:
        unknown = set(words) - set(WORD_KINDS)
        if unknown:
            raise ValueError(f"{code}: unknown word kinds {sorted(unknown)}")
        for kind, values in words.items():
            merged.setdefault(kind, []).extend(fold(v) for v in values)
    return Locale(
        code=f"{country['languages'][0]}-{code}",
        country=code,
        language=country["languages"][0],
        currencies=tuple(country.get("currencies", ())),
        currency_marks=tuple(country.get("currency_marks", country.get("currencies", ()))),
        date_order=country["date_order"],
        decimal_mark=country.get("decimal_mark", "."),
        group_mark=country.get("group_mark", ","),
        calling_code=str(country.get("calling_code", "")),
        postcode=_pattern(country.get("postcode")),
        phone=_pattern(country.get("phone")),
        tax_id=_pattern(country.get("tax_id")),
        words={kind: tuple(dict.fromkeys(values)) for kind, values in merged.items()},
        date_order_mixed=bool(country.get("date_order_mixed", False)),
    )


def data_files(folder: str) -> list[str]:
    """The data files of one kind shipped in this package (`languages` or `countries`)."""
    root = resources.files(__package__).joinpath(folder)
    return sorted(item.name for item in root.iterdir() if item.name.endswith(".json"))


def read_data_file(folder: str, name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(folder).joinpath(name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def all_languages() -> dict[str, dict[str, Any]]:
    return {name.removesuffix(".json"): read_data_file("languages", name) for name in data_files("languages")}


@cache
def all_locales() -> tuple[Locale, ...]:
    languages = all_languages()
    return tuple(
        parse_locale(read_data_file("countries", name), languages) for name in data_files("countries")
    )


@cache
def vocabulary(kind: str) -> tuple[str, ...]:
    """Every locale's words of one kind, folded, longest first (so `SUBTOTAL` is tested before `TOTAL`)."""
    if kind not in WORD_KINDS:
        raise KeyError(kind)
    words = {fold(w) for data in all_languages().values() for w in data.get("words", {}).get(kind, ())}
    words |= {word for locale in all_locales() for word in locale.words.get(kind, ())}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@cache
def vocabulary_letters(kind: str) -> tuple[str, ...]:
    """`vocabulary(kind)` as letters only (`ZU ZAHLEN` → `ZUZAHLEN`), to test against a line's letters."""
    return tuple(dict.fromkeys(letters_of(word) for word in vocabulary(kind) if letters_of(word)))


@dataclass(frozen=True)
class LocaleGuess:
    """The locales a text points to, best first, with their evidence scores."""

    ranked: tuple[tuple[Locale, float], ...]
    best_shape: float = 0.0  # the best locale's country evidence alone (no language words)

    @property
    def best(self) -> Locale | None:
        return self.ranked[0][0] if self.ranked and self.ranked[0][1] > 0 else None

    @property
    def score(self) -> float:
        return self.ranked[0][1] if self.ranked else 0.0

    @property
    def date_order(self) -> DateOrder | None:
        return self.best.date_order if self.best else None

    @property
    def date_order_sure(self) -> bool:
        """Whether the evidence settles day/month order: a clear best locale, and every locale scoring
        close to it reads dates the same way."""
        best = self.best
        if best is None or self.score < _SURE_SCORE or best.date_order_mixed:
            return False
        if self.best_shape < _SURE_SHAPE:
            return False  # the language alone does not tell the country, nor its date order
        rivals = [loc for loc, score in self.ranked[1:] if score >= 0.75 * self.score]
        return all(loc.day_first == best.day_first for loc in rivals)


def _hits(pattern: re.Pattern[str] | None, text: str) -> int:
    return min(_MAX_HITS, sum(1 for _ in pattern.finditer(text))) if pattern else 0


def _word_hits(locale: Locale, words: set[str]) -> int:
    return min(2 * _MAX_HITS, sum(1 for w in locale.words.get("language", ()) if w in words))


@cache
def _mark_pattern(mark: str) -> re.Pattern[str]:
    """A currency mark as a token: letters must not touch other letters (`RM` not inside `FORM`)."""
    before = r"(?<![^\W\d_])" if mark[0].isalpha() else ""
    after = r"(?![^\W\d_])" if mark[-1].isalpha() else ""
    return re.compile(before + re.escape(mark) + after)


def _currency_hits(locale: Locale, text: str) -> int:
    return min(_MAX_HITS, sum(len(_mark_pattern(mark).findall(text)) for mark in locale.currency_marks))


def locale_score(locale: Locale, text: str, words: set[str]) -> float:
    """How strongly `text` points to `locale` (0 when nothing does)."""
    return shape_score(locale, text) + _WEIGHTS["words"] * _word_hits(locale, words)


def shape_score(locale: Locale, text: str) -> float:
    """The country's own evidence: currency, postcode, phone and tax-id shapes, calling code (the words
    of its languages are shared with other countries)."""
    score = _WEIGHTS["currency"] * _currency_hits(locale, text)
    score += _WEIGHTS["postcode"] * _hits(locale.postcode, text)
    score += _WEIGHTS["phone"] * _hits(locale.phone, text)
    score += _WEIGHTS["tax_id"] * _hits(locale.tax_id, text)
    if locale.calling_code and re.search(rf"\+\s?{locale.calling_code}\b", text):
        score += _WEIGHTS["calling_code"]
    return score


def infer_locale(text: str) -> LocaleGuess:
    """Every locale scored by the evidence in `text`, best first (ties keep file order).

    The evidence sits in the header and footer (addresses, phone numbers, tax ids, totals), so a long
    text is read by its first and last parts only: the cost stays bounded on a long document.
    """
    if len(text) > _HEAD_CHARS + _TAIL_CHARS:
        text = text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:]
    words = set(re.findall(r"\w+", fold(text)))
    shapes = {loc.code: shape_score(loc, text) for loc in all_locales()}
    scored = [(loc, shapes[loc.code] + _WEIGHTS["words"] * _word_hits(loc, words)) for loc in all_locales()]
    scored.sort(key=lambda item: -item[1])
    return LocaleGuess(tuple(scored), shapes[scored[0][0].code] if scored else 0.0)
