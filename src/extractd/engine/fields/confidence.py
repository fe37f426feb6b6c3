"""Confidence calibration: turn what a finder saw into an estimated probability of being right.

Every rule has a base rate (how often its first candidate is right); evidence then moves it: other
rules agreeing on the same value, totals that add up, OCR word confidence, a weak label match, a
close runner-up, a document unlike the ones the engine knows. A measured map (knots) finally turns
the combined score into the share of values right at that score. Base rates, the unfamiliar-document
factors and the knots are data, `calibration.json` beside this module, written by
`bench/accuracy.py --fit-calibration` (fitted on the development corpus, judged leave-one-source-out).
The bar we hold ourselves to: among values reported at >= 0.9, at least 95% right.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from typing import Any

from extractd.engine.types import Candidate

Knots = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Calibration:
    """The measured numbers: base rate per rule, factors for unfamiliar documents, knots per kind."""

    base_rates: Mapping[str, float]
    unfamiliar: Mapping[str, float]
    cap: float
    knots: Mapping[str, Knots]


def parse_calibration(data: Mapping[str, Any]) -> Calibration:
    """A calibration from its JSON form; raises ValueError unless it is usable (rates in [0, 1], a
    default rate, factors in (0, 1], knots increasing in both coordinates and under the cap)."""
    rates = {str(k): float(v) for k, v in data["base_rates"].items()}
    unfamiliar = {str(k): float(v) for k, v in data.get("unfamiliar", {}).items()}
    cap = float(data["cap"])
    knots = {
        str(kind): tuple((float(x), float(y)) for x, y in points)
        for kind, points in data["recalibration"].items()
    }
    if "default" not in rates or not all(0.0 <= v <= 1.0 for v in rates.values()):
        raise ValueError("base rates must lie in [0, 1] and include 'default'")
    if not all(0.0 < v <= 1.0 for v in unfamiliar.values()) or not 0.5 <= cap <= 1.0:
        raise ValueError("unfamiliar-document factors must lie in (0, 1] and the cap in [0.5, 1]")
    for kind, points in knots.items():
        xs, ys = [x for x, _ in points], [y for _, y in points]
        increasing = all(a < b for a, b in pairwise(xs))
        monotone = all(a <= b for a, b in pairwise(ys))
        if not (increasing and monotone and all(0.0 <= y <= cap for y in ys) and all(0 < x <= 1 for x in xs)):
            raise ValueError(f"knots for {kind!r} must increase, stay in [0, cap] and be monotone")
    return Calibration(rates, unfamiliar, cap, knots)


def load_calibration() -> Calibration:
    text = resources.files("extractd.engine.fields").joinpath("calibration.json").read_text("utf-8")
    return parse_calibration(json.loads(text))


CALIBRATION = load_calibration()
RULE_BASE_RATES: Mapping[str, float] = CALIBRATION.base_rates
# Raw field scores -> probability right per kind of document ("invoice", "receipt"), as (raw,
# probability) knots, linear between them and the identity below the first; None or () turns it off.
RECALIBRATION: Mapping[str, Knots] | None = CALIBRATION.knots


def base_rate(rule: str) -> float:
    return RULE_BASE_RATES.get(rule.split(":")[0], RULE_BASE_RATES["default"])


def unfamiliar(reason: str) -> float:
    """The factor a score is multiplied by when the document is unlike the ones the engine knows
    ("few_anchors": hardly any labels found; "ambiguous_date": day and month could be swapped)."""
    return CALIBRATION.unfamiliar.get(reason, 1.0)


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


def recalibrate(raw: float, knots: Knots | None = None, kind: str = "invoice") -> float:
    """A finder's combined score as the probability right, from the measured knots of its kind of
    document (monotone; the identity below the first knot; 1.0, an e-invoice value, stays certain)."""
    if knots is None:
        knots = RECALIBRATION.get(kind, ()) if RECALIBRATION else ()
    if not knots or raw < knots[0][0] - 0.1 or raw >= 1.0:
        return raw
    xs = [knots[0][0] - 0.1, *(x for x, _ in knots), 1.0]
    ys = [knots[0][0] - 0.1, *(y for _, y in knots), knots[-1][1]]
    for index in range(1, len(xs)):
        if raw <= xs[index]:
            span = xs[index] - xs[index - 1]
            share = (raw - xs[index - 1]) / span if span > 0 else 1.0
            return round(ys[index - 1] + share * (ys[index] - ys[index - 1]), 3)
    return round(ys[-1], 3)


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
