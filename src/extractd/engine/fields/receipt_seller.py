"""Who issued a receipt: the merchant's name and address from the header block.

The name is one of the first prominent lines (large print, mostly letters), often ending in a company
form (SDN BHD, ENTERPRISE, TRADING, ...), not a document title, slogan or greeting; it may wrap onto a
second line. The address is the block of lines under the name, skipping registration numbers, up to
the first line with a phone number, tax id, e-mail or a date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractd.engine.fields.parse import find_dates
from extractd.engine.fields.receipt_text import ReceiptLine, has_any, letters_of, min_confidence
from extractd.engine.types import BBox, Candidate

# Company forms and kinds of business that end a merchant name (letters only, upper case).
_COMPANY_FORMS = (
    "SDNBHD", "SDNBND", "BHD", "BERHAD", "SB", "ENTERPRISE", "ENTERPRISES", "TRADING", "RESTAURANT",
    "RESTORAN", "STORE", "STORES", "MART", "MARKET", "HARDWARE", "TRADING", "LTD", "LIMITED", "PLT",
    "COMPANY", "CORPORATION", "INC", "LLC", "GMBH", "CAFE", "BAKERY", "PHARMACY", "STATIONERY",
    "STATIONERS", "SHOP", "KEDAI", "PERNIAGAAN", "SYARIKAT", "INDUSTRIES", "SERVICES", "CENTRE",
    "CENTER", "SUPERMARKET", "MINIMARKET", "FOOD", "KITCHEN", "BOOK", "ELECTRICAL", "MACHINERY",
    "COFFEE", "CO", "BAKERIES", "FURNITURE", "OPTICAL", "CLINIC", "SALON", "GARAGE", "MOTOR", "TRADERS",
)  # fmt: skip
# Words of lines that are not the merchant's name.
_NOT_NAME = (
    "INVOICE", "RECEIPT", "WELCOME", "THANK", "TEL", "FAX", "PHONE", "GST", "DATE", "CASHIER", "TABLE",
    "COPY", "BILL", "ORDER", "SLIP", "CHECK", "MEMBER", "OFFICIAL", "SIMPLIFIED",
)  # fmt: skip
_NOT_NAME_GLUED = ("TAXINVOICE", "INVOICE", "RECEIPT", "WELCOME", "THANKYOU", "CASHIER")
# Lines that end the address block: contact details, tax ids, document data.
_ADDRESS_STOP = (
    "TEL", "FAX", "PHONE", "HP", "GST", "EMAIL", "MAIL", "WWW", "HTTP", "INVOICE", "RECEIPT", "DATE",
    "CASHIER", "TAXID", "SST", "REGNO", "CONTACT", "WEBSITE", "OPEN", "HOURS", "TABLE", "BILL", "INV",
    "REG", "ROC", "BRN",
)  # fmt: skip
# Words that mark a line as part of a (Malaysian or English) postal address.
_ADDRESS_WORDS = frozenset(
    [
        "JALAN",
        "JLN",
        "LORONG",
        "LRG",
        "TAMAN",
        "TMN",
        "LOT",
        "NO",
        "BANDAR",
        "KAWASAN",
        "PERINDUSTRIAN",
        "SEKSYEN",
        "BATU",
        "KAMPUNG",
        "KG",
        "PERSIARAN",
        "LEBUH",
        "LEBUHRAYA",
        "JAYA",
        "BLOK",
        "BLOCK",
        "FLOOR",
        "FLR",
        "LEVEL",
        "ROAD",
        "RD",
        "STREET",
        "AVENUE",
        "PLAZA",
        "MALL",
        "CENTRE",
        "KOMPLEKS",
        "WISMA",
        "MENARA",
        "OFF",
        "SUITE",
        "UNIT",
        "SELANGOR",
        "JOHOR",
        "KUALA",
        "LUMPUR",
        "PERAK",
        "PENANG",
        "PULAU",
        "PINANG",
        "KEDAH",
        "MELAKA",
        "MALACCA",
        "PAHANG",
        "SABAH",
        "SARAWAK",
        "KELANTAN",
        "TERENGGANU",
        "NEGERI",
        "SEMBILAN",
        "PERLIS",
        "PUTRAJAYA",
        "LABUAN",
        "MALAYSIA",
        "DARUL",
        "EHSAN",
        "TAKZIM",
        "BAHRU",
        "PETALING",
        "SHAH",
        "ALAM",
        "KLANG",
        "CHERAS",
        "PUCHONG",
        "SUBANG",
    ]
)
# States, federal territories and the country: what may follow the postcode line of an address.
_REGIONS = frozenset(
    [
        "SELANGOR",
        "JOHOR",
        "PERAK",
        "PENANG",
        "PINANG",
        "KEDAH",
        "MELAKA",
        "PAHANG",
        "SABAH",
        "SARAWAK",
        "KELANTAN",
        "TERENGGANU",
        "SEMBILAN",
        "PERLIS",
        "MALAYSIA",
        "LUMPUR",
        "DARUL",
        "EHSAN",
        "TAKZIM",
        "PUTRAJAYA",
        "LABUAN",
        "WILAYAH",
        "PERSEKUTUAN",
    ]
)
# Street words that OCR glues to the next word (`JALANKANCIL`, `JALANSS23/11`).
_GLUED_STREET_WORD = re.compile(r"\b(JALAN|TAMAN|LORONG)(?=[A-Z0-9]{2,})")
# A registration number: `(519537-X)`, `JM0325965-V`, `CO. NO. 113825-W`, `BR NO: 0195932-X`.
_REGISTRATION = re.compile(r"\(?\b(?:[A-Z]{0,3}\d{4,}[- ]?[A-Z]|\d{6,})\b\)?\s*$")
_REGISTRATION_LINE = re.compile(
    r"^\W*(?:(?:CO|COMPANY|BR|ROC|REG)\W*(?:NO|REG)?\W*)?[A-Z]{0,3}\d{4,}-?[A-Z]?\W*$"
)
_PHONE = re.compile(r"\b0\d{1,2}[- ]?\d{3,4}[- ]?\d{3,4}\b")
_POSTCODE = re.compile(r"\b\d{5}\b")
_MAX_HEADER_LINES = 8
_MIN_GLUED_TOKEN = 12


def _strip_registration(text: str) -> str:
    text = re.sub(r"\s*\((?:[A-Z]{0,3}\d{4,}[- ]?[A-Z]?)\).*$", "", text.strip())  # `(126926-H) A05748`
    text = text.strip().rstrip(",.;:")
    text = re.sub(
        r"\((?:CO\.?\s*(?:NO|REG)\.?|ROC|REG\.?\s*NO\.?)[^)]*\)?\s*$", "", text, flags=re.IGNORECASE
    )
    return _REGISTRATION.sub("", text).strip(" -,")


_LEGAL_FORMS = ("SDNBHD", "BHD", "BERHAD", "SB", "LTD", "LIMITED", "PLT", "INC", "LLC", "GMBH")


def _ends_with_form(letters: str) -> bool:
    return any(letters.endswith(form) for form in _COMPANY_FORMS)


def _without_forms(letters: str) -> str:
    """`RESTAURANTSDNBHD` → ``: the letters left once trailing company forms are taken off."""
    stripped = True
    while stripped and letters:
        stripped = False
        for form in _COMPANY_FORMS:
            if letters.endswith(form):
                letters, stripped = letters[: -len(form)], True
                break
    return letters


def _is_not_name(text: str) -> bool:
    """A document title, greeting or data line: one of its words is a _NOT_NAME word, or (for OCR that
    dropped the spaces) its letters contain one of the long, unambiguous ones."""
    words = set(re.findall(r"[A-Z]+", text.upper()))
    return bool(words & set(_NOT_NAME)) or has_any(letters_of(text), _NOT_NAME_GLUED)


def _name_text(line: ReceiptLine) -> str:
    """The name a header line would give: registration numbers and an owner label taken off."""
    text = _strip_registration(line.text)
    if ":" in text:
        owned = text.split(":", 1)[1].strip()  # `DIMILIKI: BANH MI CAFE SDN BHD` ("owned by")
        if any(letters_of(owned).endswith(form) for form in _LEGAL_FORMS):
            return owned
    return text


def _name_score(line: ReceiptLine, rank: int, tallest: float) -> float:
    """How much a header line looks like the merchant's name (higher is more)."""
    text = _name_text(line)
    letters = letters_of(text)
    if len(letters) < 3 or _is_not_name(text) or _PHONE.search(text):
        return 0.0
    letter_share = len(letters) / max(len(text.replace(" ", "")), 1)
    score = 1.0 + letter_share - 0.25 * rank
    if any(letters.endswith(form) for form in _LEGAL_FORMS):
        score += 2.0
    elif _ends_with_form(letters):
        score += 1.2
    elif has_any(letters, _COMPANY_FORMS):
        score += 0.5
    if tallest and line.height >= 0.9 * tallest:
        score += 0.5
    if ":" in text:
        score -= 0.7
    if len(set(re.findall(r"[A-Z]+", text.upper())) & _ADDRESS_WORDS) >= 2:
        score -= 1.0  # an address line that happens to name a business kind
    return score


def _header(lines: Sequence[ReceiptLine]) -> list[ReceiptLine]:
    first_page = lines[0].page if lines else 0
    return [line for line in lines if line.page == first_page][:_MAX_HEADER_LINES]


def _name_span(header: Sequence[ReceiptLine], start: int, scores: Sequence[float]) -> list[ReceiptLine]:
    """The name line, plus its other half when the name wraps over two lines."""
    first = header[start]
    letters = letters_of(_strip_registration(first.text))
    if start > 0 and scores[start - 1] > 0 and len(_without_forms(letters)) <= 4:
        return [header[start - 1], first]  # `RESTAURANT SDN BHD` under `LIAN CHI PU TIAN VEGETARIAN`
    if start + 1 < len(header) and not _ends_with_form(letters):
        following = header[start + 1]
        following_letters = letters_of(_strip_registration(following.text))
        if (
            _ends_with_form(following_letters)
            and len(_without_forms(following_letters)) <= 4
            and not _is_not_name(following.text)
        ):
            return [first, following]
    return [first]


def _span_bbox(span: Sequence[ReceiptLine]) -> BBox:
    boxes = [line.bbox for line in span]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def seller_name_span(lines: Sequence[ReceiptLine]) -> tuple[list[ReceiptLine], float]:
    """The lines holding the merchant's name and how sure we are of them (empty when none fits)."""
    header = _header(lines)
    tallest = max((line.height for line in header), default=0.0)
    scores = [_name_score(line, rank, tallest) for rank, line in enumerate(header)]
    ranked = sorted((item for item in enumerate(scores) if item[1] > 0), key=lambda item: -item[1])
    if not ranked:
        return [], 0.0
    rank, best = ranked[0]
    margin = best - ranked[1][1] if len(ranked) > 1 else 1.0
    span = _name_span(header, rank, scores)
    has_form = _ends_with_form(letters_of(_strip_registration(span[-1].text)))
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
    words = []
    for token in text.split():
        pieces: list[str] = []
        while len(token) >= _MIN_GLUED_TOKEN and token.isalpha():
            form = next((f for f in _COMPANY_FORMS if len(f) >= 4 and token.upper().endswith(f)), None)
            if form is None or len(token) - len(form) < 3:
                break
            pieces.insert(0, token[-len(form) :])
            token = token[: -len(form)]
        words.extend([token, *pieces])
    return " ".join(words)


def find_seller_name(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    span, probability = seller_name_span(lines)
    if not span:
        return []
    name = " ".join(_name_text(line) for line in span)
    name = _split_glued_forms(_fix_name_lookalikes(name))
    return [Candidate(name, probability, span[0].page, _span_bbox(span), name, "receipt_name")]


def _is_address_stop(line: ReceiptLine) -> bool:
    words = set(re.findall(r"[A-Z]+", line.text.upper()))
    if words & set(_ADDRESS_STOP) or any(line.letters.startswith(w) for w in ("TEL", "FAX", "GST", "EMAIL")):
        return True
    return bool(_PHONE.search(line.text)) or bool(find_dates(line.text))


def _words(line: ReceiptLine) -> set[str]:
    return set(re.findall(r"[A-Z]+", line.text.upper()))


def _looks_like_address(line: ReceiptLine) -> bool:
    numbered_part = "," in line.text and bool(re.search(r"\d", line.text))  # `A-G-06, DATARAN GLOMAC,`
    return bool(_words(line) & _ADDRESS_WORDS) or bool(_POSTCODE.search(line.text)) or numbered_part


def _starts_address(line: ReceiptLine) -> bool:
    """An address opens with a number (`NO 12,`, `LOT 3`, `A-16-1,`) or names at least two places."""
    if not _looks_like_address(line) or _is_address_stop(line) or _is_skippable(line):
        return False
    return bool(re.search(r"\d", line.text)) or len(_words(line) & _ADDRESS_WORDS) >= 2


def _continues_after_postcode(line: ReceiptLine) -> bool:
    """After the postcode line only a state or country line, or a numbered line, still belongs."""
    return bool(_words(line) & _REGIONS) or bool(re.match(r"\s*\d", line.text))


def _address_block(candidates: Sequence[ReceiptLine]) -> list[ReceiptLine]:
    """The first run of address lines: it starts at a line that looks like an address and goes on to a
    stop line, or to the line after the postcode unless that one still looks like an address."""
    block: list[ReceiptLine] = []
    postcode_seen = False
    for line in candidates:
        if not block:
            if _starts_address(line):
                block.append(line)
                postcode_seen = bool(_POSTCODE.search(line.text))
            continue
        if (
            _is_address_stop(line)
            or _is_skippable(line)
            or (postcode_seen and not _continues_after_postcode(line))
        ):
            break
        block.append(line)
        postcode_seen = postcode_seen or bool(_POSTCODE.search(line.text))
    return block


def _is_skippable(line: ReceiptLine) -> bool:
    """Registration numbers and owner notes between the name and the address."""
    text = line.text.upper().strip()
    if _REGISTRATION_LINE.match(text) or (text.startswith("(") and text.endswith(")")):
        return True
    # `CO KEG NO : 210038-K`: a short label ending in a registration number
    return bool(re.search(r"\d{5,}-?\s?[A-Z]\)?$", text)) and len(text.split()) <= 5 and "," not in text


def find_seller_address(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    span, name_probability = seller_name_span(lines)
    start = span[-1].index + 1 if span else 0
    block = _address_block(lines[start : start + _MAX_HEADER_LINES])
    if not block:
        return []
    text = _GLUED_STREET_WORD.sub(r"\1 ", " ".join(line.text.strip() for line in block))
    has_postcode = any(_POSTCODE.search(line.text) for line in block)
    probability = (0.5 + (0.25 if has_postcode else 0.0)) * max(0.6, name_probability + 0.2)
    probability *= max(0.5, min(min_confidence(line) for line in block))
    return [
        Candidate(text, min(0.95, probability), block[0].page, _span_bbox(block), text, "receipt_address")
    ]
