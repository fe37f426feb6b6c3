"""The amount paid on a receipt, and its tax.

A receipt prints several totals: before tax, the tax, before and after rounding, what was tendered and
the change. The amount paid is the final one, so each labelled amount gets a weight by what its label
says (a total "incl. GST", a grand/nett total, a plain total, ...), totals printed after a rounding
adjustment weigh more, and the evidence of the payment block (tendered minus change) and of repetition
(the amount paid is usually printed again as the amount tendered or in a tax summary) adds to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from extractd.engine.fields.receipt_text import ReceiptLine, has_any, min_confidence
from extractd.engine.types import Candidate

# Labels of totals that are not the amount paid (compared on letters only, upper case).
_NOT_FINAL = (
    "SUBTOTAL", "SUBTTL", "SUBTOT", "EXCL", "BEFORE", "QTY", "QUANTITY", "ITEM", "SAVING", "DISCOUNT",
    "DISC", "CHANGE", "TENDER", "ROUNDING", "ADJ", "UNIT", "POINT", "PTS", "DEPOSIT", "BALANCE",
)  # fmt: skip
_FINAL = (
    "INCL", "INCLUSIVE", "GRANDTOTAL", "NETTTOTAL", "NETTOTAL", "NETT", "TOTALPAYABLE", "AMOUNTDUE",
    "TOTALDUE", "PAYABLE", "TOTALAMOUNT", "TOTALSALES", "AMOUNTPAID", "TOTALRM", "TOTALMYR", "ROUNDED",
)  # fmt: skip
_TOTAL_WORDS = ("TOTAL", "AMOUNT", "JUMLAH", "NETAMT", "NETT", "GRAND", "PAYABLE", "AMOUNTDUE")
_TAX_WORDS = ("GST", "TAX", "SST", "VAT")
_TENDERED = ("CASH", "TENDER", "PAID", "PAYMENT", "VISA", "MASTER", "CARD", "CREDIT", "DEBIT", "AMEX")
_CHANGE = ("CHANGE", "BAKI", "KEMBALI")
_ROUNDING = ("ROUND", "ADJ")

# Weights of the evidence for one value (tuned on the development receipts, see module docstring).
_WEIGHT_FINAL_LABEL = 3.5
_WEIGHT_TOTAL_LABEL = 2.0
_WEIGHT_AFTER_ROUNDING = 1.5
_WEIGHT_TENDERED_MINUS_CHANGE = 2.5
_WEIGHT_REPEATED = 0.5
_WEIGHT_LARGEST_TOTAL = 0.75
_WEIGHT_FALLBACK = 0.5
_WEIGHT_ROUNDED = 2.0
# Rounding adjustments are a few cents; a larger amount on a rounding line is the rounded total.
_MAX_ROUNDING = Decimal("0.10")


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


def _total_label_weight(letters: str) -> float:
    """How strongly a line's label says "this is the amount paid" (0 when it says something else)."""
    if not has_any(letters, _TOTAL_WORDS):
        return 0.0
    if has_any(letters, _NOT_FINAL):
        return 0.0
    if has_any(letters, _FINAL):
        return _WEIGHT_FINAL_LABEL
    if has_any(letters, _TAX_WORDS):
        return 0.0  # "Total GST": the tax, not the total
    return _WEIGHT_TOTAL_LABEL if "TOTAL" in letters else _WEIGHT_TOTAL_LABEL / 2


def _rounding_evidence(
    line: ReceiptLine, last_total: Decimal | None, evidence: dict[Decimal, _Evidence]
) -> None:
    adjustment = line.amounts[-1]
    if abs(adjustment) >= _MAX_ROUNDING:
        evidence[adjustment].add(_WEIGHT_ROUNDED, "rounded", line)  # `Rounding 72.75`: the rounded total
    elif last_total is not None:
        # The total after rounding, computed: it may not be printed, or be misread.
        evidence[last_total + adjustment].add(_WEIGHT_AFTER_ROUNDING, "rounded", line)


def _labelled_totals(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    rounding_seen = False
    last_total: Decimal | None = None
    for position, line in enumerate(lines):
        if has_any(line.letters, _ROUNDING) and line.amounts and "TOTAL" not in line.letters:
            rounding_seen = True
            _rounding_evidence(line, last_total, evidence)
        weight = _total_label_weight(line.letters)
        amount = _amount_of(lines, position) if weight else None
        if amount is None or amount == 0:
            continue
        last_total = amount
        evidence[amount].add(weight, "label", line)
        if rounding_seen:
            evidence[amount].add(_WEIGHT_AFTER_ROUNDING, "after_rounding", line)


def _last_amount_with(
    lines: Sequence[ReceiptLine], keywords: Sequence[str], excluded: Sequence[str] = ("TOTAL",)
) -> tuple[Decimal, int] | None:
    found = None
    for position, line in enumerate(lines):
        if has_any(line.letters, keywords) and not has_any(line.letters, excluded):
            amount = _amount_of(lines, position)
            if amount is not None:
                found = (amount, position)
    return found


def _payment_evidence(lines: Sequence[ReceiptLine], evidence: dict[Decimal, _Evidence]) -> None:
    change = _last_amount_with(lines, _CHANGE)
    tendered = _last_amount_with(lines, _TENDERED, ("TOTAL", *_CHANGE))
    subtotal = _last_amount_with(lines, ("SUBTOTAL", "SUBTTL"), ())
    # Weak fallbacks, for receipts whose total label the OCR could not read.
    if tendered is not None and tendered[0] > 0:
        evidence[tendered[0]].add(_WEIGHT_FALLBACK, "tendered", lines[tendered[1]])
    if subtotal is not None and subtotal[0] > 0:
        evidence[subtotal[0]].add(_WEIGHT_FALLBACK, "subtotal", lines[subtotal[1]])
    if change is None or tendered is None:
        return
    paid = tendered[0] - change[0]
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


def find_grand_total(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    evidence: dict[Decimal, _Evidence] = defaultdict(_Evidence)
    _labelled_totals(lines, evidence)
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


def find_tax_total(lines: Sequence[ReceiptLine]) -> list[Candidate]:
    """The tax: an amount on a line naming the tax and no other total (the tax column of a summary)."""
    candidates: list[Candidate] = []
    for position, line in enumerate(lines):
        if not has_any(line.letters, _TAX_WORDS) or has_any(
            line.letters, ("INCL", "EXCL", "ID", "REG", "NO")
        ):
            continue
        amount = _amount_of(lines, position)
        if amount is None or amount < 0:
            continue
        labelled_total = "TOTAL" in line.letters or "PAYABLE" in line.letters
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
