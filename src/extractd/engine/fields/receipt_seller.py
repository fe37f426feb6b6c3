"""Who issued a receipt: the merchant's name and address from the header block.

The name is the header's most prominent line above the address: near the top, large print, mostly
letters, often ending in a company form (legal forms and kinds of business come from the locale
data), right above the address; not a title, greeting, slogan, data line, address line or a logo's
OCR garbage (low recogniser confidence). A name may wrap onto a second line. The address is read by
`receipt_address`: around its postcode-and-place line when there is one, else under the name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractd.engine.fields.parse import find_amounts
from extractd.engine.fields.receipt_address import (
    address_candidate,
    anchored_address,
    following_address,
    header_after,
    line_with_contact,
)
from extractd.engine.fields.receipt_header import (
    has_business_word,
    has_legal_form,
    header,
    is_skippable,
    is_street_word,
    phone_match,
    postcode_match,
    strip_registration,
    text_without_forms,
    word_set,
    words,
)
from extractd.engine.fields.receipt_text import ReceiptDoc, ReceiptLine, has_any, min_confidence
from extractd.engine.locales import letters_of, vocabulary_letters
from extractd.engine.types import Candidate, union_bbox

_MAX_NAME_LINES = 8
_SHORT_NAME_WORDS = 3
# Words printed under this share of the line's tallest word's height are in smaller print.
_SMALLER_PRINT = 0.85
_MIN_GLUED_TOKEN = 12
# Below this recogniser confidence a header line is more likely a logo read as text than a name.
_LOGO_CONFIDENCE = 0.75
# Decoration around a name: `*K-Market Ratikka*`, `** SHOP **`, `=== NAME ===`.
_DECORATION = re.compile(r"^[\s*=~#>_-]+|[\s*=~#<_-]+$")
# A date or time printed before the name on the same line: `2004-10-31 IN-N-OUT BURGER`.
_LEADING_DATE_TIME = re.compile(r"^\s*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?)\s+")
# A web or mail address printed on the receipt (`www.edeka.de`, `info@auchan.pl`): its name part
# spells the merchant's brand as typed, not as a logo the recogniser misread.
_WEB_ADDRESS = re.compile(r"(?:www\.|https?://|@)([^\W_][\w-]{2,})\.[^\W\d_]{2,}", re.IGNORECASE)
_MIN_WEB_NAME = 4
# A header line that is exactly the web address's name is the brand: this much more likely the name.
_WEB_NAME_BONUS = 1.0


def _is_not_name(text: str) -> bool:
    """A document title, greeting or data line: one of its words is a not-a-name word, or (for OCR that
    dropped the spaces) its letters contain one of the long ones."""
    found = set(words(text))
    if found & word_set("not_name"):
        return True
    glued = [w for w in vocabulary_letters("not_name") if len(w) >= 7]
    return has_any(letters_of(text), glued)


def _clean(text: str) -> str:
    text = _LEADING_DATE_TIME.sub("", text)
    return _DECORATION.sub("", text).strip()


def _largest_print(line: ReceiptLine) -> str:
    """The words of a line in its largest print, when a line mixes sizes: `TARGET` of `TARGET EXPECT
    MORE. PAY LESS` (a slogan in smaller print), the logo `REWE` over `REWE FILIPS`. Words misread
    (low recogniser confidence) at either end are dropped first."""
    found = list(line.line.words)
    while len(found) > 1 and found[-1].confidence < _LOGO_CONFIDENCE:
        found.pop()
    while len(found) > 1 and found[0].confidence < _LOGO_CONFIDENCE:
        found.pop(0)
    heights = [w.bbox[3] - w.bbox[1] for w in found]
    tallest = max(heights, default=0.0)
    if len(found) > 1 and tallest > 0 and min(heights) < _SMALLER_PRINT * tallest:
        big = [i for i, h in enumerate(heights) if h >= _SMALLER_PRINT * tallest]
        if (
            big == list(range(big[0], big[-1] + 1))
            and len(letters_of(" ".join(found[i].text for i in big))) >= 3
        ):
            found = [found[i] for i in big]
    return " ".join(w.text for w in found)


def web_names(receipt: ReceiptDoc) -> frozenset[str]:
    """The name parts of the web and mail addresses a receipt prints, as letters (`EDEKA`)."""
    found = (letters_of(m.group(1)) for line in receipt.lines for m in _WEB_ADDRESS.finditer(line.text))
    return frozenset(name for name in found if len(name) >= _MIN_WEB_NAME)


def _misread_of(letters: str, name: str) -> bool:
    """How a logo's word is misread: its first letter doubled (`EEDEKA`) or lost (`UCHAN`)."""
    doubled = len(letters) == len(name) + 1 and letters[0] == letters[1] and letters[1:] == name
    return doubled or (len(letters) + 1 == len(name) and name[1:] == letters)


def repair_by_web_name(text: str, names: frozenset[str]) -> str:
    """`EEDEKA` → `EDEKA` when the receipt prints `www.edeka.de`: a word of the name misread the way
    logos are (`_misread_of`) is the web address's name; `K-Citymarket` (initial printed apart) is kept."""
    if not names:
        return text

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        before = letters_of(text[: match.start()])
        near = next((n for n in sorted(names) if _misread_of(letters_of(word), n)), None)
        if near is None or (len(word) < len(near) and (before + letters_of(word)).endswith(near)):
            return word
        return near if word.isupper() else near.capitalize() if word[0].isupper() else near.lower()

    return re.sub(r"[^\W\d_]+", fix, text)


def _name_text(line: ReceiptLine, web: frozenset[str] = frozenset()) -> str:
    """The name a header line would give: decoration, registration numbers and an owner label taken off,
    a word misread against the receipt's web address repaired."""
    text = repair_by_web_name(strip_registration(_clean(_largest_print(line))), web)
    if ":" in text:
        owned = text.split(":", 1)[1].strip()  # `DIMILIKI: BANH MI CAFE SDN BHD` ("owned by")
        if has_legal_form(owned):
            return owned
    return text


def _looks_like_address(line: ReceiptLine, receipt: ReceiptDoc) -> bool:
    """A postcode-and-place line, or a numbered street line (`2250 SOUTHGATE RD, ...`)."""
    text = line.text
    if postcode_match(text, receipt):
        return True
    street = sum(1 for w in words(text) if is_street_word(w))
    return street >= 1 and bool(re.match(r"\W*\d", text))


def _name_evidence(text: str, letters: str, web: frozenset[str]) -> float:
    """What the words of a line say for it being a name: a company form, a kind of business, the
    receipt's web address."""
    score = _WEB_NAME_BONUS if letters in web else 0.0
    if has_legal_form(text):
        return score + 2.0
    return score + (1.2 if has_business_word(text) else 0.0)


def _name_score(
    line: ReceiptLine, rank: int, tallest: float, receipt: ReceiptDoc, web: frozenset[str]
) -> float:
    """How much a header line looks like the merchant's name (higher is more; 0 when it cannot be)."""
    text = _name_text(line, web)
    letters = letters_of(text)
    if len(letters) < 3 or _is_not_name(text) or phone_match(text, receipt):
        return 0.0
    if find_amounts(text) and re.search(r"\d[.,]\d\d\b", text):
        return 0.0  # a line with a price is an item or a total, not a name
    if _looks_like_address(line, receipt):
        return 0.0
    letter_share = len(letters) / max(len(text.replace(" ", "")), 1)
    score = 1.0 + letter_share - 0.25 * rank + _name_evidence(text, letters, web)
    if tallest and line.height >= 0.9 * tallest:
        score += 0.5
    if re.search(r":\s*\S", text):
        score -= 0.7  # `Cashier: ANNA`: a label and its value
    if min_confidence(line) < _LOGO_CONFIDENCE:
        score -= 1.0
    if text[:1].islower():
        score -= 0.3  # names are capitalised; a lower-case start is a slogan or running text
    return score


def _same_block(a: ReceiptLine, b: ReceiptLine) -> bool:
    """Two lines printed alike (similar height, both read with confidence): one name over two lines."""
    if min(min_confidence(a), min_confidence(b)) < _LOGO_CONFIDENCE or not a.height or not b.height:
        return False
    return 0.7 <= a.height / b.height <= 1.0 / 0.7


def _short_pair(upper: ReceiptLine, lower: ReceiptLine, scores: Sequence[float], at: int) -> bool:
    """`OSCAR'S` over `MEXICAN SEAFOOD`, `Berghotel` over `Grosse Scheidegg`: two short lines printed
    alike, both possible names, the upper one without a legal form of its own."""
    return (
        min(scores[at], scores[at + 1]) > 0
        and len(upper.text.split()) <= 2
        and len(lower.text.split()) <= _SHORT_NAME_WORDS
        and _same_block(upper, lower)
        and not has_legal_form(upper.text)
    )


def _wraps_onto(first: ReceiptLine, following: ReceiptLine) -> bool:
    """`LIAN CHI PU TIAN VEGETARIAN` over `RESTAURANT SDN BHD`: the form ends the name on the next line."""
    text = strip_registration(_clean(first.text))
    if has_legal_form(text) or has_business_word(text):
        return False
    following_text = strip_registration(following.text)
    wraps = has_legal_form(following_text) or has_business_word(following_text)
    return wraps and len(text_without_forms(following_text)) <= 4 and not _is_not_name(following.text)


def _name_span(head: Sequence[ReceiptLine], start: int, scores: Sequence[float]) -> list[ReceiptLine]:
    """The name line, plus its other half when the name wraps over two lines."""
    first = head[start]
    if start > 0 and scores[start - 1] > 0 and min_confidence(head[start - 1]) >= _LOGO_CONFIDENCE:
        if len(text_without_forms(strip_registration(_clean(first.text)))) <= 4:
            return [head[start - 1], first]  # `RESTAURANT SDN BHD` under its name
        if _short_pair(head[start - 1], first, scores, start - 1):
            return [head[start - 1], first]
    if start + 1 < len(head):
        if _short_pair(first, head[start + 1], scores, start):
            return [first, head[start + 1]]
        if _wraps_onto(first, head[start + 1]):
            return [first, head[start + 1]]
    return [first]


def _name_region(lines: Sequence[ReceiptLine], address: Sequence[ReceiptLine]) -> list[ReceiptLine]:
    """Where the name is looked for: the header lines above the address, or the first lines."""
    head = header(lines)
    if address and address[0].index > head[0].index:
        return [line for line in head if line.index < address[0].index]
    return head[:_MAX_NAME_LINES]


def seller_name_span(receipt: ReceiptDoc) -> tuple[list[ReceiptLine], float]:
    """The lines holding the merchant's name and how sure we are of them (empty when none fits)."""
    lines = receipt.lines
    address = anchored_address(lines, receipt)
    region = _name_region(lines, address)
    tallest = max((line.height for line in region), default=0.0)
    web = web_names(receipt)
    scores = [_name_score(line, rank, tallest, receipt, web) for rank, line in enumerate(region)]
    above_address = [i for i, line in enumerate(region) if not is_skippable(line)]
    if address and above_address and scores[above_address[-1]] > 0:
        scores[above_address[-1]] += 0.6  # the name sits right above its address
    ranked = sorted((item for item in enumerate(scores) if item[1] > 0), key=lambda item: -item[1])
    if not ranked:
        return [], 0.0
    rank, best = ranked[0]
    margin = best - ranked[1][1] if len(ranked) > 1 else 1.0
    span = _name_span(region, rank, scores)
    last = strip_registration(span[-1].text)
    has_form = has_legal_form(last) or has_business_word(last)
    probability = 0.45 + (0.25 if has_form else 0.0) + 0.1 * min(margin, 1.5)
    return span, min(0.95, probability * max(0.5, min(min_confidence(line) for line in span)))


def _fix_name_lookalikes(text: str) -> str:
    """`URBAN 1DEA` → `URBAN IDEA`: a lone 1/0 inside a word of capitals is the letter I/O."""

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        return token.replace("1", "I").replace("0", "O")

    return re.sub(r"\b(?=[A-Z]*[01][A-Z]*\b)(?=(?:[01]?[A-Z]){3})[A-Z]*[01][A-Z]*\b", fix, text)


def _split_glued_forms(text: str) -> str:
    """`SANYUSTATIONERYSHOP` → `SANYU STATIONERY SHOP`: long tokens whose end is a business word."""
    forms = [
        f for f in (*vocabulary_letters("legal_forms"), *vocabulary_letters("business_words")) if len(f) >= 4
    ]
    out = []
    for token in text.split():
        pieces: list[str] = []
        while len(token) >= _MIN_GLUED_TOKEN and token.isalpha():
            form = next((f for f in forms if token.upper().endswith(f)), None)
            if form is None or len(token) - len(form) < 3:
                break
            pieces.insert(0, token[-len(form) :])
            token = token[: -len(form)]
        out.extend([token, *pieces])
    return " ".join(out)


def find_seller_name(receipt: ReceiptDoc) -> list[Candidate]:
    span, probability = seller_name_span(receipt)
    if not span:
        return []
    web = web_names(receipt)
    name = " ".join(_name_text(line, web) for line in span)
    name = _split_glued_forms(_fix_name_lookalikes(name))
    box = union_bbox(line.bbox for line in span)
    return [Candidate(name, probability, span[0].page, box, name, "receipt_name")]


def find_seller_address(receipt: ReceiptDoc) -> list[Candidate]:
    lines = receipt.lines
    span, name_probability = seller_name_span(receipt)
    anchored = anchored_address(lines, receipt)
    if anchored:
        return address_candidate(anchored, receipt, name_probability, anchored=True)
    start = span[-1].index + 1 if span else 0
    following = header_after(lines, start)
    block = following_address(following, receipt)
    if not block and following:
        block = line_with_contact(following[0], receipt)
    return address_candidate(block, receipt, name_probability, anchored=False)
