"""Confidence calibration: turn what a finder saw into an estimated probability of being right.

Every rule has a base rate (how often its first candidate is right), measured with
bench/accuracy.py on the development corpus. Evidence then moves it: other rules agreeing on the
same value, totals that add up, OCR word confidence, a weak label match, a close runner-up.
The bar we hold ourselves to: among values reported at >= 0.9, at least 95% right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractd.engine.types import Candidate

# How often the best candidate of each rule was right on the development corpus (bench/accuracy.py).
RULE_BASE_RATES: dict[str, float] = {
    "einvoice": 1.0,
    "label_right": 0.8,
    "label_below": 0.7,
    "label_next": 0.55,
    "label_column": 0.65,
    "largest_amount": 0.45,
    "pattern": 0.4,
    "position": 0.45,
    "header": 0.6,
    "document": 0.75,
    "arithmetic": 0.55,
    "default": 0.3,
}


def base_rate(rule: str) -> float:
    return RULE_BASE_RATES.get(rule.split(":")[0], RULE_BASE_RATES["default"])


def score(rule: str, *, similarity: float = 1.0, ocr: float = 1.0, prior: float = 1.0) -> float:
    """The calibrated score of one candidate from its rule and how cleanly it was read.

    `similarity` is the label match (1.0 exact), `ocr` the lowest OCR word confidence of the value,
    `prior` a finder-specific factor (e.g. a label that is a strong vs a weak synonym).
    """
    probability = base_rate(rule) * prior
    probability *= 1.0 - 1.5 * (1.0 - similarity)  # a fuzzy label match is a weaker anchor
    if ocr < 0.95:
        probability *= max(0.3, ocr)
    return clamp(probability)


# Raw field scores -> probability right, as (raw, probability) knots, linear between them and the
# identity below the first. Fitted with `bench/accuracy.py --logo` (each band's share right, shrunk
# toward the raw score, checked leave-one-group-out); () turns it off.
RECALIBRATION: tuple[tuple[float, float], ...] = (
    (0.6, 0.804), (0.75, 0.932), (0.85, 0.97), (0.925, 0.97), (0.975, 0.97),
)  # fmt: skip


def recalibrate(raw: float, knots: tuple[tuple[float, float], ...] | None = None) -> float:
    """A finder's combined score as the probability, from the measured knots (monotone, never lower
    than the score: the knots only correct under-confidence)."""
    points = RECALIBRATION if knots is None else knots
    if not points or raw < points[0][0] - 0.1:
        return raw
    xs = [points[0][0] - 0.1, *(x for x, _ in points), 1.0]
    ys = [points[0][0] - 0.1, *(y for _, y in points), points[-1][1]]
    for index in range(1, len(xs)):
        if raw <= xs[index]:
            span = xs[index] - xs[index - 1]
            share = (raw - xs[index - 1]) / span if span > 0 else 1.0
            mapped = ys[index - 1] + share * (ys[index] - ys[index - 1])
            return round(max(raw, mapped), 3)
    return round(max(raw, ys[-1]), 3)


def clamp(value: float, low: float = 0.0, high: float = 0.99) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True, slots=True)
class Ranked:
    """One distinct value, with the candidates that proposed it and the combined probability."""

    value: Any
    probability: float
    best: Candidate
    support: int


def rank_calibrated(candidates: Sequence[Candidate], key: Any = None) -> list[Ranked]:
    """Rank candidates whose scores are already exclusive probabilities (one per value, summing to at
    most 1, as the receipt finders give them): the best score of each value, nothing combined."""
    best: dict[Any, Ranked] = {}
    for candidate in candidates:
        group = candidate.value if key is None else key(candidate.value)
        if group not in best or candidate.score > best[group].probability:
            support = best[group].support + 1 if group in best else 1
            best[group] = Ranked(candidate.value, clamp(candidate.score), candidate, support)
    return sorted(best.values(), key=lambda r: -r.probability)


def rank(candidates: Sequence[Candidate], key: Any = None) -> list[Ranked]:
    """Group candidates by value and combine their evidence, best first.

    Agreement between rules is combined as a damped noisy-or (rules are not independent: two labels
    on the same page often come from the same template), and the winner is discounted when a
    runner-up is nearly as likely.
    """
    groups: dict[Any, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.value if key is None else key(candidate.value), []).append(candidate)
    ranked: list[Ranked] = []
    for members in groups.values():
        members.sort(key=lambda c: -c.score)
        miss = 1.0
        for index, member in enumerate(members):
            distinct_rule = index == 0 or member.rule.split(":")[0] != members[0].rule.split(":")[0]
            weight = 0.6 if distinct_rule else 0.25
            miss *= 1.0 - member.score * (1.0 if index == 0 else weight)
        ranked.append(Ranked(members[0].value, 1.0 - miss, members[0], len(members)))
    ranked.sort(key=lambda r: -r.probability)
    if len(ranked) > 1:
        top, runner = ranked[0], ranked[1]
        # a close contest means we are unsure which of two values it is
        contested = top.probability * (1.0 - 0.5 * runner.probability / max(top.probability, 1e-9))
        ranked[0] = Ranked(top.value, contested, top.best, top.support)
    return [Ranked(r.value, clamp(r.probability), r.best, r.support) for r in ranked]


def consistency_boost(probability: float, consistent: bool) -> float:
    """Totals that add up (net + tax = gross) are rarely a coincidence; totals that do not are suspect."""
    if consistent:
        return clamp(1.0 - (1.0 - probability) * 0.25)
    return clamp(probability * 0.85)
