"""The merchant's address on a receipt: the run of lines around its postcode-and-place line.

The anchor is the first header line in the postcode shape of a locale the document points to
(`58239 Schwerte`, `SAN MATEO, CA 94401`, `5421 KA GEMERT`). The address is the street lines just
above it (a house number, a street word, or the single line right above), the anchor, and a region or
country line under it; phone numbers, tax ids, dates and registration lines are not part of it (a
phone number printed at the end of an address line is cut off). Without an anchor, the address is the
first run of address-looking lines under the merchant's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from extractd.engine.fields.parse import find_dates
from extractd.engine.fields.receipt_header import (
    MAX_HEADER_LINES,
    has_business_word,
    has_legal_form,
    header,
    is_contact_or_data,
    is_skippable,
    is_street_word,
    phone_match,
    postcode_match,
    word_set,
    words,
)
from extractd.engine.fields.receipt_text import ReceiptDoc, ReceiptLine, min_confidence
from extractd.engine.locales import all_locales, fold, vocabulary
from extractd.engine.types import Candidate, union_bbox

# A store number printed before the street: `#03296_191 E 3RD AVE`.
_STORE_NUMBER = re.compile(r"^#\d+[_\s]+(?=\d)")
_MIN_PART_WORDS = 2
# How far above the postcode line an address may start, and how long a numbered line may be.
_MAX_LINES_ABOVE = 4
_MAX_NUMBERED_WORDS = 5


def address_part(line: ReceiptLine, receipt: ReceiptDoc) -> str:
    """The line's text up to a phone number or date printed after the address on the same line."""
    text = _STORE_NUMBER.sub("", line.text.strip())
    cuts = [m.start() for m in (phone_match(text, receipt),) if m is not None]
    cuts += [start for _, start, _ in find_dates(text)[:1]]
    for cut in sorted(cuts):
        head = text[:cut].rstrip(" ·.,;:-")
        if len(head.split()) >= _MIN_PART_WORDS:
            return head
    return text


def _is_street(text: str) -> bool:
    """A street line: a house number and a word, a street word, or a short line with a number in it."""
    found = words(text)
    if any(is_street_word(w) for w in found) or (re.match(r"\W*\d", text) and found):
        return True
    return bool(found) and bool(re.search(r"\d", text)) and len(text.split()) <= _MAX_NUMBERED_WORDS


def _opens_address(text: str) -> bool:
    """`NO.37-1, PLAZA ...`, `12, JALAN ...`, `F.K06, First Floor`: a number among the first two tokens."""
    return any(re.search(r"\d", token) for token in text.split()[:2])


def _is_name_like(line: ReceiptLine) -> bool:
    return has_legal_form(line.text) or has_business_word(line.text)


def _ends_here(line: ReceiptLine, receipt: ReceiptDoc) -> bool:
    """A line that is not part of an address even in part."""
    if is_skippable(line):
        return True
    return is_contact_or_data(line, receipt) and address_part(line, receipt) == line.text.strip()


def _above_anchor(head: Sequence[ReceiptLine], anchor: int, receipt: ReceiptDoc) -> list[ReceiptLine]:
    """The lines between the topmost street line just above the anchor and the anchor, nearest first.

    Lines with no number and no street word belong only between street lines (`SETAPAK.` under
    `NO 290, JALAN AIR PANAS.`); the walk up stops at a contact or registration line, at a line that
    names a company, and after _MAX_LINES_ABOVE lines.
    """
    run: list[ReceiptLine] = []
    top = 0
    opened = False
    for position in range(anchor - 1, max(-1, anchor - 1 - _MAX_LINES_ABOVE), -1):
        line = head[position]
        text = address_part(line, receipt)
        if _ends_here(line, receipt) or _is_name_like(line):
            break
        run.append(line)
        # above a numbered opening line (`NO.37-1, PLAZA ...`) only another numbered line extends it
        if _is_street(text) and (not opened or re.search(r"\d", text)):
            top = len(run)
            opened = opened or _opens_address(text)
    return run[:top]


def _below_anchor(head: Sequence[ReceiptLine], anchor: int, receipt: ReceiptDoc) -> list[ReceiptLine]:
    """Region or country lines under the postcode line (`SELANGOR DARUL EHSAN`, `MALAYSIA`), or a
    numbered line that still belongs (`1249-TMN PANDAN CAHAYA`)."""
    found: list[ReceiptLine] = []
    regions = word_set("regions")
    for line in head[anchor + 1 :]:
        found_words = words(line.text)
        if _ends_here(line, receipt) or not found_words or line.amounts:
            break
        numbered = bool(re.match(r"\s*\d", line.text))
        if not numbered and sum(1 for w in found_words if w in regions) * 2 < len(found_words):
            break
        found.append(line)
    return found


def anchored_address(lines: Sequence[ReceiptLine], receipt: ReceiptDoc) -> list[ReceiptLine]:
    """The address lines around the first postcode-and-place line of the header ([] when none)."""
    head = header(lines)
    for position, line in enumerate(head):
        if is_skippable(line) or postcode_match(address_part(line, receipt), receipt) is None:
            continue
        if is_contact_or_data(line, receipt) and address_part(line, receipt) == line.text.strip():
            continue
        above = _above_anchor(head, position, receipt)
        return [*reversed(above), line, *_below_anchor(head, position, receipt)]
    return []


# --- without an anchor: the first run of address-looking lines under the name ------------------------
def _looks_like_address(text: str) -> bool:
    numbered_part = "," in text and bool(re.search(r"\d", text))  # `A-G-06, DATARAN GLOMAC,`
    return any(is_street_word(w) for w in words(text)) or bool(re.search(r"\b\d{5}\b", text)) or numbered_part


def _starts_address(line: ReceiptLine, receipt: ReceiptDoc) -> bool:
    """An address opens with a number (`NO 12,`, `LOT 3`, `A-16-1,`) or names at least two places."""
    text = address_part(line, receipt)
    if not _looks_like_address(text) or _ends_here(line, receipt):
        return False
    return bool(re.search(r"\d", text)) or sum(1 for w in words(text) if is_street_word(w)) >= 2


def _continues_after_postcode(line: ReceiptLine) -> bool:
    """After the postcode line only a state or country line, or a numbered line, still belongs."""
    return bool(set(words(line.text)) & word_set("regions")) or bool(re.match(r"\s*\d", line.text))


def _is_item_or_table(line: ReceiptLine) -> bool:
    """Where the header ends: an item line with a price, or a column heading naming the currency."""
    return bool(line.amounts) or bool(set(words(line.text)) & _currency_words())


@cache
def _currency_words() -> frozenset[str]:
    marks = {m for loc in all_locales() for m in (*loc.currency_marks, *loc.currencies)}
    return frozenset(fold(m) for m in marks if m.isalpha())


def line_with_contact(line: ReceiptLine, receipt: ReceiptDoc) -> list[ReceiptLine]:
    """The line right under the name when it prints a place and then a phone number
    (`CRAWLEY HAZELWICK 0845 677 9179`): the place is the address."""
    part = address_part(line, receipt)
    if part == line.text.strip() or re.search(r"\d", part) or _ends_here(line, receipt):
        return []
    return [line] if len(part.split()) >= _MIN_PART_WORDS else []


def following_address(candidates: Sequence[ReceiptLine], receipt: ReceiptDoc) -> list[ReceiptLine]:
    """The first run of address lines: it starts at a line that looks like an address and goes on to a
    stop line, or to the line after the postcode unless that one still looks like an address."""
    block: list[ReceiptLine] = []
    postcode_seen = False
    for line in candidates:
        if _is_item_or_table(line):
            break
        if not block:
            if _starts_address(line, receipt):
                block.append(line)
                postcode_seen = bool(re.search(r"\b\d{5}\b", line.text))
                if address_part(line, receipt) != line.text.strip():
                    break  # the address ended on this line, before its phone number or date
            continue
        if _ends_here(line, receipt) or (postcode_seen and not _continues_after_postcode(line)):
            break
        part = address_part(line, receipt)
        if part != line.text.strip() and not _looks_like_address(part):
            break  # `BECKY NATION STOREMANAGER 719-471-0054`: a contact line, not the address's end
        block.append(line)
        postcode_seen = postcode_seen or bool(re.search(r"\b\d{5}\b", line.text))
        if address_part(line, receipt) != line.text.strip():
            break
    return block


def address_candidate(
    block: Sequence[ReceiptLine], receipt: ReceiptDoc, name_probability: float, anchored: bool
) -> list[Candidate]:
    if not block:
        return []
    text = " ".join(address_part(line, receipt) for line in block)
    text = _glued_street_prefix().sub(r"\1 ", text)
    has_street = len(block) > 1 or any(is_street_word(w) for w in words(text))
    probability = (0.5 + (0.25 if anchored else 0.1 if has_street else 0.0)) * max(
        0.6, name_probability + 0.2
    )
    probability *= max(0.5, min(min_confidence(line) for line in block))
    rule = "receipt_address:" + ("anchor" if anchored else "after_name")
    box = union_bbox(line.bbox for line in block)
    return [Candidate(text, min(0.95, probability), block[0].page, box, text, rule)]


@cache
def _glued_street_prefix() -> re.Pattern[str]:
    """Street words printed before the street's name (locale files' `street_prefix`), which OCR glues
    to that name (`JALANKANCIL`, `JALANSS23/11`)."""
    prefixes = "|".join(re.escape(w) for w in vocabulary("street_prefix"))
    return re.compile(rf"\b({prefixes})(?=[A-Z0-9]{{2,}})" if prefixes else r"(?!)")


def header_after(lines: Sequence[ReceiptLine], start: int) -> Sequence[ReceiptLine]:
    return lines[start : start + MAX_HEADER_LINES]
