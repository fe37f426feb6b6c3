"""The amount paid on a receipt, and its tax.

A receipt prints several totals: before tax, the tax, before and after rounding, what was tendered and
the change. The amount paid is the final one, so each labelled amount gets a weight by what its label
says (a total "incl. GST", a grand/nett total, a plain total, ...), totals printed after a rounding
adjustment weigh more, and the evidence of the payment block (tendered minus change) and of repetition
(the amount paid is usually printed again as the amount tendered or in a tax summary) adds to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from extractd.engine.fields.parse import find_amounts
from extractd.engine.fields.receipt_text import ReceiptDoc, ReceiptLine, label_in, min_confidence
from extractd.engine.types import Candidate

# Label words come from the locale data (`engine/locales/languages/*.json`), every language at once.
# Weights of the evidence for one value (tuned on the development receipts, see module docstring).
_WEIGHT_FINAL_LABEL = 3.5
_WEIGHT_TOTAL_LABEL = 2.0
_WEIGHT_AFTER_ROUNDING = 1.5
_WEIGHT_TENDERED_MINUS_CHANGE = 2.5
_WEIGHT_REPEATED = 0.5
_WEIGHT_LARGEST_TOTAL = 0.75
_WEIGHT_FALLBACK = 0.5
_WEIGHT_ROUNDED = 2.0
_WEIGHT_PAYMENTS = 1.5
_WEIGHT_AFTER_TAX = 1.0
# A tax line that is not an amount of tax: `GST ID NO`, `TOTAL INCL. GST`, `VAT REG`.
_TAX_NOT_AMOUNT = re.compile(r"\b(?:INCL|EXCL|INKL|ID|REG|REGN|NO|NR|NUMBER)\b")
# Rounding adjustments are under one unit; a larger amount on a rounding line is the rounded total.
_MAX_ROUNDING = Decimal("0.10")
_MAX_ADJUSTMENT = Decimal("1.00")
# How many lines under a total an unlabelled rounding may be printed, and how many letters (an unread
# label's debris) a line may hold and still count as unlabelled.
_ROUNDING_REACH = 4
_MAX_LETTERS_UNLABELLED = 3
# A whole number on a total line counts (`Total Invoice Value: 557`, `TOTAL 33,113`), a bit less surely.
_WHOLE_NUMBER_SHARE = 0.8


@dataclass
class _Evidence:
    """What speaks for one value; each kind of evidence counts once, with its strongest weight."""

    weights: dict[str, float] = field(default_factory=dict)
    line: ReceiptLine | None = None

    @property
    def weight(self) -> float:
        return sum(self.weights.values())

    @property
    def rules(self) -> list[str]:
        return sorted(self.weights)

    def add(self, weight: float, rule: str, line: ReceiptLine | None) -> None:
        self.weights[rule] = max(weight, self.weights.get(rule, 0.0))
        if line is not None and self.line is None:
            self.line = line


def _amount_of(lines: Sequence[ReceiptLine], position: int) -> Decimal | None:
    """The last amount on a labelled line, or on the next line when the label stands alone."""
    line = lines[position]
    if line.amounts:
        return line.amounts[-1]
    if position + 1 < len(lines):
        following = lines[position + 1]
        if following.amounts and len(following.letters) <= 3:
            return following.amounts[-1]
    return None


def _total_label_weight(text: str) -> float:
    """How strongly a line's label says "this is the amount paid" (0 when it says something else)."""
    total = label_in(text, "total")
    if not (total or label_in(text, "amount")):
        return 0.0
    if any(label_in(text, kind) for kind in ("not_final_total", "subtotal", "change", "rounding")):
        return 0.0
    if label_in(text, "final_total"):
        return _WEIGHT_FINAL_LABEL
    if label_in(text, "tax"):
        return 0.0  # "Total GST": the tax, not the total
    return _WEIGHT_TOTAL_LABEL if total else _WEIGHT_TOTAL_LABEL / 2


def _whole_number(line: ReceiptLine) -> Decimal | None:
    """The last number on a total line that prints no decimals (`PAY: 557`), if it is not a percentage."""
    found = [a for a in find_amounts(line.text) if not line.text[a[2] : a[2] + 2].strip().startswith("%")]
    return found[-1][0] if found and found[-1][0] >= 1 else None


def _rounding_evidence(
    line: ReceiptLine, last_total: Decimal | None, evidence: dict[Decimal, _Evidence]
) -> None:
    adjustment = line.amounts[-1]
    if abs(adjustment) >= _MAX_ADJUSTMENT:
        evidence[adjustment].add(_WEIGHT_ROUNDED, "rounded", line)  # `Rounding 72.75`: the rounded total
    elif last_total is not None:
        # The total after rounding, computed: it may not be printed, or be misread.
        evidence[last_total + adjustment].add(_WEIGHT_AFTER_ROUNDING, "rounded", line)


def _labelled_totals(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    rounding_seen = False
    last_total: Decimal | None = None
    for position, line in enumerate(lines):
        if label_in(line.text, "rounding") and line.amounts and not label_in(line.text, "total"):
            rounding_seen = True
            _rounding_evidence(line, last_total, evidence)
        weight = _total_label_weight(line.text)
        amount = _amount_of(lines, position) if weight else None
        if weight and amount is None:
            amount = _whole_number(line)
            weight *= _WHOLE_NUMBER_SHARE
        if amount is None or amount == 0:
            continue
        last_total = amount
        evidence[amount].add(weight, "label", line)
        if rounding_seen:
            evidence[amount].add(_WEIGHT_AFTER_ROUNDING, "after_rounding", line)


def _unlabelled_rounding(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    """A labelled total followed, within a few lines, by a small amount alone and then by the total plus
    that amount (`SUMA 280.97`, `0.03`, `281.00`): the rounding and the rounded total, their labels
    unread (the recogniser dropped a script it does not know)."""
    labelled = [(amount, item.line.index) for amount, item in evidence.items() if item.line is not None]
    for total, index in labelled:
        following = [line for line in lines[index + 1 : index + 1 + _ROUNDING_REACH] if line.amounts]
        small = {
            a
            for line in following
            if len(line.amounts) == 1
            for a in line.amounts
            if 0 < abs(a) < _MAX_ROUNDING
        }
        for line in following:
            rounded = [a for a in line.amounts if a - total in small]
            if rounded and len(line.letters) <= _MAX_LETTERS_UNLABELLED:
                evidence[rounded[-1]].add(_WEIGHT_ROUNDED, "rounded", line)
                evidence[rounded[-1]].add(_WEIGHT_AFTER_ROUNDING, "after_rounding", line)


def _after_tax_block(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    """An amount alone right under the subtotal and its tax lines, larger than the subtotal: the total,
    its label printed out of line (on the tax line above) or not read."""
    found = _last_amount_with(lines, "subtotal", ())
    if found is None:
        return
    subtotal, position = found
    taxed = False
    for line in lines[position + 1 : position + 1 + _ROUNDING_REACH]:
        taxed = taxed or label_in(line.text, "tax")
        if len(line.amounts) != 1 or len(line.letters) > _MAX_LETTERS_UNLABELLED:
            continue
        if taxed and line.amounts[0] > subtotal:
            evidence[line.amounts[0]].add(_WEIGHT_AFTER_TAX, "after_tax", line)
        return


def _amounts_with(
    lines: Sequence[ReceiptLine], kind: str, excluded: Sequence[str] = ("total",)
) -> list[tuple[Decimal, int]]:
    """(amount, position) of every line labelled with a word of `kind` and none of `excluded`."""
    found = []
    for position, line in enumerate(lines):
        if label_in(line.text, kind) and not any(label_in(line.text, other) for other in excluded):
            amount = _amount_of(lines, position)
            if amount is not None:
                found.append((amount, position))
    return found


def _last_amount_with(
    lines: Sequence[ReceiptLine], kind: str, excluded: Sequence[str] = ("total",)
) -> tuple[Decimal, int] | None:
    found = _amounts_with(lines, kind, excluded)
    return found[-1] if found else None


def _payment_evidence(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    change = _last_amount_with(lines, "change")
    payments = _amounts_with(lines, "tendered", ("total", "change", "subtotal"))
    tendered = payments[-1] if payments else None
    subtotal = _last_amount_with(lines, "subtotal", ())
    if len(payments) >= 2 and change is None:
        # split payment (card and voucher): the amount paid is what the payment lines add up to
        paid_sum = sum((amount for amount, _ in payments), Decimal(0))
        if paid_sum in evidence:
            evidence[paid_sum].add(_WEIGHT_PAYMENTS, "payments", lines[payments[0][1]])
    # Weak fallbacks, for receipts whose total label the OCR could not read.
    if tendered is not None and tendered[0] > 0:
        evidence[tendered[0]].add(_WEIGHT_FALLBACK, "tendered", lines[tendered[1]])
    if subtotal is not None and subtotal[0] > 0:
        evidence[subtotal[0]].add(_WEIGHT_FALLBACK, "subtotal", lines[subtotal[1]])
    if change is None or tendered is None:
        return
    paid = tendered[0] - abs(change[0])  # `Rückgeld -25,40`: change printed as a negative amount
    if paid > 0:
        evidence[paid].add(_WEIGHT_TENDERED_MINUS_CHANGE, "tendered_minus_change", lines[tendered[1]])


def _repetition_evidence(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    counts: dict[Decimal, int] = defaultdict(int)
    for line in lines:
        for amount in set(line.amounts):
            counts[amount] += 1
    for amount, item in evidence.items():
        if counts[amount] >= 2 and item.weight > 0:
            item.add(_WEIGHT_REPEATED, "repeated", None)
    labelled = [amount for amount, item in evidence.items() if item.line is not None]
    if labelled:
        evidence[max(labelled)].add(_WEIGHT_LARGEST_TOTAL, "largest", None)


def _probability(weight: float, runner_up: float, ocr: float) -> float:
    """Map the evidence weight and its margin over the next value to a probability of being right."""
    margin = weight - runner_up
    probability = 0.45 + 0.07 * min(weight, 6.0) + 0.05 * min(margin, 3.0)
    if ocr < 0.9:
        probability *= max(0.5, ocr)
    return max(0.05, min(0.99, probability))


def find_grand_total(receipt: ReceiptDoc) -> list[Candidate]:
    lines = receipt.lines
    evidence: dict[Decimal, _Evidence] = defaultdict(_Evidence)
    _labelled_totals(lines, evidence)
    _unlabelled_rounding(lines, evidence)
    _after_tax_block(lines, evidence)
    _payment_evidence(lines, evidence)
    _repetition_evidence(lines, evidence)
    ranked = sorted(evidence.items(), key=lambda item: -item[1].weight)
    if ranked:
        # A total a few cents from the winner is the same total before or after rounding, not an
        # alternative: offered as one, arithmetic (net + tax = gross) would prefer the unrounded one.
        winner = ranked[0][0]
        ranked = [ranked[0], *(item for item in ranked[1:] if abs(item[0] - winner) >= _MAX_ROUNDING)]
    candidates = []
    for rank, (amount, item) in enumerate(ranked):
        runner_up = (
            ranked[1][1].weight if rank == 0 and len(ranked) > 1 else (ranked[0][1].weight if rank else 0.0)
        )
        source = item.line
        probability = _probability(item.weight, runner_up, min_confidence(source) if source else 1.0)
        candidates.append(
            Candidate(
                value=amount,
                score=probability if rank == 0 else min(probability, 0.5),
                page=source.page if source else None,
                bbox=source.bbox if source else None,
                text=source.text if source else str(amount),
                rule="receipt_total:" + "+".join(item.rules or []),
            )
        )
    return candidates


def find_tax_total(receipt: ReceiptDoc) -> list[Candidate]:
    """The tax: an amount on a line naming the tax and no other total (the tax column of a summary)."""
    candidates: list[Candidate] = []
    lines = receipt.lines
    for position, line in enumerate(lines):
        if not label_in(line.text, "tax") or _TAX_NOT_AMOUNT.search(line.text.upper()):
            continue
        amount = _amount_of(lines, position)
        if amount is None or amount < 0:
            continue
        labelled_total = label_in(line.text, "total")
        candidates.append(
            Candidate(
                value=amount,
                score=0.7 if labelled_total else 0.5,
                page=line.page,
                bbox=line.bbox,
                text=line.text,
                rule="receipt_tax:" + ("total" if labelled_total else "line"),
            )
        )
    candidates.sort(key=lambda c: -c.score)
    return candidates
