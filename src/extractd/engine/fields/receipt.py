"""Receipt field finders: merchant, address, date, time, total, tax and payment method.

`find_receipt_field` is what the field framework calls when the document is a receipt. Each finder
returns typed candidates, best first, scored as an estimated probability of being right (the weights
and base rates were measured on the development receipts).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, time

from extractd.engine.fields.parse import find_dates, parse_time
from extractd.engine.fields.receipt_seller import find_seller_address, find_seller_name
from extractd.engine.fields.receipt_text import ReceiptLine, has_any, min_confidence, receipt_lines
from extractd.engine.fields.receipt_total import find_grand_total, find_tax_total
from extractd.engine.types import Candidate, Concept, Page

# Receipts are printed when the purchase happens: dates far from now are misreads or other numbers.
_MIN_YEAR, _MAX_YEAR = 1990, 2099
# Share of the probability the best candidate leaves that its runners-up get (see _as_alternatives).
_RUNNER_UP_SHARE = 0.2
_PAYMENT_METHODS = (
    ("VISA", "card"), ("MASTER", "card"), ("AMEX", "card"), ("CREDITCARD", "card"), ("DEBIT", "card"),
    ("CARD", "card"), ("EWALLET", "e-wallet"), ("GRABPAY", "e-wallet"), ("BOOST", "e-wallet"),
    ("VOUCHER", "voucher"), ("CHEQUE", "cheque"), ("CASH", "cash"),
)  # fmt: skip


def _consistent_separators(text: str) -> bool:
    """`31/3-41` is two numbers, not a date: a printed date uses one separator throughout."""
    return len(set(re.findall(r"[/.-]", text))) <= 1


def _date_candidates(lines: Sequence[ReceiptLine]) -> list[tuple[date, ReceiptLine, bool]]:
    found = []
    for position, line in enumerate(lines):
        labelled = "DATE" in line.letters or "TARIKH" in line.letters
        if not labelled and position > 0:
            previous = lines[position - 1]
            labelled = previous.letters.endswith("DATE") and not find_dates(previous.text)
        for value, start, end in find_dates(line.text):
            if _MIN_YEAR <= value.year <= _MAX_YEAR and _consistent_separators(line.text[start:end]):
                found.append((value, line, labelled))
    return found


def find_issue_date(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    """The purchase date: a labelled date first, then the date printed most often, then the first."""
    found = _date_candidates(lines)
    if not found:
        return []
    counts = Counter(value for value, _, _ in found)
    candidates: list[Candidate] = []
    seen: set[date] = set()
    ranked = sorted(found, key=lambda item: (not item[2], -counts[item[0]], item[1].index))
    for value, line, labelled in ranked:
        if value in seen:
            continue
        seen.add(value)
        agreeing = len(counts) == 1
        probability = 0.86 + (0.06 if labelled else 0.0) + (0.05 if agreeing else 0.0)
        probability *= max(0.6, min_confidence(line)) if min_confidence(line) < 0.9 else 1.0
        rule = "receipt_date:" + ("label" if labelled else "first")
        score = probability if not candidates else min(probability, 0.4)
        candidates.append(Candidate(value, min(0.98, score), line.page, line.bbox, line.text, rule))
    return candidates


def find_issue_time(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    """The purchase time: a time on a date or time line, else the first time printed."""
    candidates: list[Candidate] = []
    for line in lines:
        if not re.search(r"\d[:.]\d\d", line.text):
            continue
        value: time | None = parse_time(line.text)
        if value is None:
            continue
        labelled = "TIME" in line.letters or bool(find_dates(line.text))
        rule = "receipt_time:" + ("label" if labelled else "first")
        candidates.append(Candidate(value, 0.85 if labelled else 0.6, line.page, line.bbox, line.text, rule))
    candidates.sort(key=lambda c: -c.score)
    return candidates


def find_payment_method(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    """How the receipt was paid, from the payment lines below the total (`CASH`, `VISA`, ...)."""
    for line in lines:
        if not line.amounts or has_any(line.letters, ("CHANGE", "TOTAL")):
            continue
        for keyword, method in _PAYMENT_METHODS:
            if keyword in line.letters:
                return [Candidate(method, 0.8, line.page, line.bbox, line.text, "receipt_payment")]
    return []


_FINDERS: dict[Concept, Callable[[Sequence[ReceiptLine]], list[Candidate]]] = {
    Concept.SELLER_NAME: find_seller_name,
    Concept.SELLER_ADDRESS: find_seller_address,
    Concept.ISSUE_DATE: find_issue_date,
    Concept.ISSUE_TIME: find_issue_time,
    Concept.GRAND_TOTAL: find_grand_total,
    Concept.TAX_TOTAL: find_tax_total,
    Concept.PAYMENT_METHOD: find_payment_method,
}

RECEIPT_CONCEPTS = frozenset(_FINDERS)


def find_receipt_field(concept: Concept, pages: Sequence[Page]) -> list[Candidate]:
    """Candidates for `concept` on a receipt, best first; [] for concepts receipts are not read for."""
    finder = _FINDERS.get(concept)
    if finder is None:
        return []
    lines = receipt_lines(pages)
    if not lines:
        return []
    return _as_alternatives(finder(lines))


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
