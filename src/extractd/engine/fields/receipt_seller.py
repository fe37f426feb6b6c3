"""Who issued a receipt: the merchant's name and address from the header block.

The name is one of the first prominent lines (large print, mostly letters), often ending in a company
form (SDN BHD, ENTERPRISE, TRADING, ...), not a document title, slogan or greeting; it may wrap onto a
second line. The address is the block of lines under the name, skipping registration numbers, up to
the first line with a phone number, tax id, e-mail or a date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractd.engine.fields.receipt_text import ReceiptLine, has_any, letters_of, min_confidence
from extractd.engine.types import BBox, Candidate

# Company forms and kinds of business that end a merchant name (letters only, upper case).
_COMPANY_FORMS = (
    "SDNBHD", "SDNBND", "BHD", "BERHAD", "SB", "ENTERPRISE", "ENTERPRISES", "TRADING", "RESTAURANT",
    "RESTORAN", "STORE", "STORES", "MART", "MARKET", "HARDWARE", "TRADING", "LTD", "LIMITED", "PLT",
    "COMPANY", "CORPORATION", "INC", "LLC", "GMBH", "CAFE", "BAKERY", "PHARMACY", "STATIONERY",
    "STATIONERS", "SHOP", "KEDAI", "PERNIAGAAN", "SYARIKAT", "INDUSTRIES", "SERVICES", "CENTRE",
    "CENTER", "SUPERMARKET", "MINIMARKET", "FOOD", "KITCHEN", "BOOK", "ELECTRICAL", "MACHINERY",
)  # fmt: skip
# Words of lines that are not the merchant's name.
_NOT_NAME = (
    "INVOICE", "RECEIPT", "WELCOME", "THANK", "TEL", "FAX", "PHONE", "GST", "DATE", "CASHIER", "TABLE",
    "COPY", "BILL", "ORDER", "SLIP", "CHECK", "MEMBER", "OFFICIAL", "SIMPLIFIED",
)  # fmt: skip
# Lines that end the address block: contact details, tax ids, document data.
_ADDRESS_STOP = (
    "TEL", "FAX", "PHONE", "HP", "GST", "EMAIL", "MAIL", "WWW", "HTTP", "INVOICE", "RECEIPT", "DATE",
    "CASHIER", "TAXID", "SST", "REGNO", "CONTACT", "WEBSITE", "OPEN", "HOURS", "TABLE", "BILL",
)  # fmt: skip
# A registration number: `(519537-X)`, `JM0325965-V`, `CO. NO. 113825-W`, `BR NO: 0195932-X`.
_REGISTRATION = re.compile(r"\(?\b(?:[A-Z]{0,3}\d{4,}-?[A-Z]|\d{6,})\b\)?\s*$")
_REGISTRATION_LINE = re.compile(
    r"^\W*(?:(?:CO|COMPANY|BR|ROC|REG)\W*(?:NO|REG)?\W*)?[A-Z]{0,3}\d{4,}-?[A-Z]?\W*$"
)
_PHONE = re.compile(r"\b0\d{1,2}[- ]?\d{3,4}[- ]?\d{3,4}\b")
_POSTCODE = re.compile(r"\b\d{5}\b")
_MAX_HEADER_LINES = 8


def _strip_registration(text: str) -> str:
    text = re.sub(
        r"\((?:CO\.?\s*(?:NO|REG)\.?|ROC|REG\.?\s*NO\.?)[^)]*\)?\s*$", "", text, flags=re.IGNORECASE
    )
    return _REGISTRATION.sub("", text).strip(" -,")


def _ends_with_form(letters: str) -> bool:
    return any(letters.endswith(form) for form in _COMPANY_FORMS)


def _name_score(line: ReceiptLine, rank: int, tallest: float) -> float:
    """How much a header line looks like the merchant's name (higher is more)."""
    text = _strip_registration(line.text)
    letters = letters_of(text)
    if len(letters) < 3 or has_any(line.letters, _NOT_NAME) or _PHONE.search(text):
        return 0.0
    letter_share = len(letters) / max(len(text.replace(" ", "")), 1)
    score = 1.0 + letter_share - 0.25 * rank
    if _ends_with_form(letters) or has_any(letters, ("SDNBHD", "SB")):
        score += 1.5
    elif has_any(letters, _COMPANY_FORMS):
        score += 0.7
    if tallest and line.height >= 0.9 * tallest:
        score += 0.5
    if ":" in text:
        score -= 0.7
    return score


def _header(lines: Sequence[ReceiptLine]) -> list[ReceiptLine]:
    first_page = lines[0].page if lines else 0
    return [line for line in lines if line.page == first_page][:_MAX_HEADER_LINES]


def _name_span(header: Sequence[ReceiptLine], start: int) -> list[ReceiptLine]:
    """The name line, plus the next one when the name wraps (the company form is on the next line)."""
    first = header[start]
    if start + 1 < len(header) and not _ends_with_form(letters_of(_strip_registration(first.text))):
        following = header[start + 1]
        letters = letters_of(_strip_registration(following.text))
        if _ends_with_form(letters) and not has_any(following.letters, _NOT_NAME) and len(letters) <= 24:
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
    scored = [(_name_score(line, rank, tallest), rank) for rank, line in enumerate(header)]
    scored = [item for item in scored if item[0] > 0]
    if not scored:
        return [], 0.0
    scored.sort(key=lambda item: -item[0])
    best, rank = scored[0]
    margin = best - scored[1][0] if len(scored) > 1 else 1.0
    span = _name_span(header, rank)
    has_form = _ends_with_form(letters_of(_strip_registration(span[-1].text)))
    probability = 0.45 + (0.25 if has_form else 0.0) + 0.1 * min(margin, 1.5)
    return span, min(0.95, probability * max(0.5, min(min_confidence(line) for line in span)))


def find_seller_name(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    span, probability = seller_name_span(lines)
    if not span:
        return []
    name = " ".join(_strip_registration(line.text) for line in span)
    return [Candidate(name, probability, span[0].page, _span_bbox(span), name, "receipt_name")]


def _is_address_stop(line: ReceiptLine) -> bool:
    words = set(re.findall(r"[A-Z]+", line.text.upper()))
    if words & set(_ADDRESS_STOP) or has_any(line.letters, ("GSTID", "GSTNO", "GSTREG", "TAXINVOICE")):
        return True
    return bool(_PHONE.search(line.text))


def _is_skippable(line: ReceiptLine) -> bool:
    """Registration numbers and owner notes between the name and the address."""
    text = line.text.upper().strip()
    return bool(_REGISTRATION_LINE.match(text)) or (text.startswith("(") and text.endswith(")"))


def find_seller_address(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    span, name_probability = seller_name_span(lines)
    start = span[-1].index + 1 if span else 0
    block: list[ReceiptLine] = []
    for line in lines[start : start + _MAX_HEADER_LINES]:
        if _is_address_stop(line):
            break
        if _is_skippable(line) and not block:
            continue
        block.append(line)
        if len(block) >= 2 and _POSTCODE.search(line.text) and not line.text.rstrip().endswith(","):
            break  # the line with the postcode usually closes the address
    if not block:
        return []
    text = " ".join(line.text.strip() for line in block)
    has_postcode = any(_POSTCODE.search(line.text) for line in block)
    probability = (0.5 + (0.25 if has_postcode else 0.0)) * max(0.6, name_probability + 0.2)
    probability *= max(0.5, min(min_confidence(line) for line in block))
    return [
        Candidate(text, min(0.95, probability), block[0].page, _span_bbox(block), text, "receipt_address")
    ]
