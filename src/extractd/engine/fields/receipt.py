"""Receipt field finders: merchant, address, date, time, total, tax and payment method.

`find_receipt_field` is what `finders.ReceiptFinder` calls. Each finder reads the receipt built once
per document (`receipt_text.ReceiptDoc`: lines and locale) and returns typed candidates, best first,
scored as an estimated probability of being right (weights measured on the development receipts).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

from extractd.engine.fields.document import DocView
from extractd.engine.fields.parse import find_dates, parse_time
from extractd.engine.fields.receipt_seller import find_seller_address, find_seller_name
from extractd.engine.fields.receipt_text import (
    ReceiptDoc,
    ReceiptLine,
    has_any,
    label_in,
    min_confidence,
    receipt_doc,
)
from extractd.engine.fields.receipt_total import find_grand_total, find_tax_total
from extractd.engine.locales import vocabulary_letters
from extractd.engine.types import Candidate, Concept

# Receipts are printed when the purchase happens: dates far from now are misreads or other numbers.
_MIN_YEAR, _MAX_YEAR = 1990, 2099
# Share of the probability the best candidate leaves that its runners-up get (see _as_alternatives).
_RUNNER_UP_SHARE = 0.2
# How a receipt was paid, by the kind of payment word (locale data) a payment line prints; wallets
# and vouchers are named before cards, since their lines often say "card" too.
_PAYMENT_KINDS = (
    ("pay_wallet", "e-wallet"), ("pay_voucher", "voucher"), ("pay_cheque", "cheque"), ("pay_card", "card"),
    ("pay_cash", "cash"),
)  # fmt: skip


# Share of an ambiguous date's probability kept when nothing tells its day/month order (`1/8/2022`).
_AMBIGUOUS_ORDER = 0.6
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?\d{2,4}")


def _date_words(line: ReceiptLine) -> bool:
    return any(word in line.letters for word in vocabulary_letters("date"))


def _date_candidates(receipt: ReceiptDoc) -> list[tuple[date, ReceiptLine, bool, bool]]:
    """(date, line, labelled, ambiguous) for every plausible date printed on the receipt."""
    found = []
    lines = receipt.lines
    for position, line in enumerate(lines):
        labelled = _date_words(line)
        if not labelled and position > 0:
            previous = lines[position - 1]
            labelled = _date_words(previous) and not find_dates(previous.text)
        for value, start, end in find_dates(line.text, day_first=receipt.day_first):
            if _MIN_YEAR <= value.year <= _MAX_YEAR:
                found.append((value, line, labelled, _ambiguous(line.text[start:end])))
    return found


def _ambiguous(printed: str) -> bool:
    """`04/07/2017`: both readings are dates, and different ones."""
    match = _NUMERIC_DATE.fullmatch(printed.strip())
    if match is None:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    return first != second and first <= 12 and second <= 12


def find_issue_date(receipt: ReceiptDoc) -> list[Candidate]:
    """The purchase date: a labelled date first, then the date printed most often, then the first."""
    found = _date_candidates(receipt)
    if not found:
        return []
    counts = Counter(value for value, _, _, _ in found)
    candidates: list[Candidate] = []
    seen: set[date] = set()
    ranked = sorted(found, key=lambda item: (not item[2], -counts[item[0]], item[1].index))
    for value, line, labelled, ambiguous in ranked:
        if value in seen:
            continue
        seen.add(value)
        agreeing = len(counts) == 1
        probability = 0.86 + (0.06 if labelled else 0.0) + (0.05 if agreeing else 0.0)
        probability *= max(0.6, min_confidence(line)) if min_confidence(line) < 0.9 else 1.0
        if ambiguous and not receipt.date_order_sure:
            probability *= _AMBIGUOUS_ORDER
        rule = "receipt_date:" + ("label" if labelled else "first") + (":ambiguous" if ambiguous else "")
        score = probability if not candidates else min(probability, 0.4)
        candidates.append(Candidate(value, min(0.98, score), line.page, line.bbox, line.text, rule))
    return candidates


def find_issue_time(receipt: ReceiptDoc) -> list[Candidate]:
    """The purchase time: a time on a date or time line, else the first time printed."""
    candidates: list[Candidate] = []
    for line in receipt.lines:
        if not re.search(r"\d[:.]\d\d", line.text):
            continue
        value: time | None = parse_time(line.text)
        if value is None:
            continue
        labelled = has_any(line.letters, vocabulary_letters("time")) or bool(find_dates(line.text))
        rule = "receipt_time:" + ("label" if labelled else "first")
        candidates.append(Candidate(value, 0.85 if labelled else 0.6, line.page, line.bbox, line.text, rule))
    candidates.sort(key=lambda c: -c.score)
    return candidates


def find_payment_method(receipt: ReceiptDoc) -> list[Candidate]:
    """How the receipt was paid, from the payment lines below the total (`CASH`, `VISA`, ...)."""
    for line in receipt.lines:
        if not line.amounts or label_in(line.text, "change") or label_in(line.text, "total"):
            continue
        for kind, method in _PAYMENT_KINDS:
            if label_in(line.text, kind):
                return [Candidate(method, 0.8, line.page, line.bbox, line.text, "receipt_payment")]
    return []


_FINDERS: dict[Concept, Callable[[ReceiptDoc], list[Candidate]]] = {
    Concept.SELLER_NAME: find_seller_name,
    Concept.SELLER_ADDRESS: find_seller_address,
    Concept.ISSUE_DATE: find_issue_date,
    Concept.ISSUE_TIME: find_issue_time,
    Concept.GRAND_TOTAL: find_grand_total,
    Concept.TAX_TOTAL: find_tax_total,
    Concept.PAYMENT_METHOD: find_payment_method,
}

RECEIPT_CONCEPTS = frozenset(_FINDERS)


def find_receipt_field(concept: Concept, doc: DocView) -> list[Candidate]:
    """Candidates for `concept` on a receipt, best first; [] for concepts receipts are not read for."""
    finder = _FINDERS.get(concept)
    if finder is None:
        return []
    receipt = receipt_doc(doc)
    if not receipt.lines:
        return []
    return _as_alternatives(finder(receipt))


def _as_alternatives(candidates: list[Candidate]) -> list[Candidate]:
    """Best first, with the other values sharing what probability the best one leaves.

    The scores of different values are probabilities of exclusive events, so together they stay
    under 1: a runner-up scored on its own would read as a close contest and wrongly lower the
    confidence in a clear winner.
    """
    if len(candidates) <= 1:
        return candidates
    ordered = sorted(candidates, key=lambda c: -c.score)
    best = ordered[0]
    left = (1.0 - best.score) * _RUNNER_UP_SHARE
    rest = [replace(c, score=min(c.score, left)) for c in ordered[1:] if c.value != best.value]
    return [best, *rest]
