"""Totals that must add up: net + tax = gross. Used to pick consistent candidates and to fill a gap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from itertools import product

from extractd.engine.fields import confidence
from extractd.engine.fields.confidence import Ranked
from extractd.engine.types import Candidate, Concept

TOTALS = (Concept.NET_TOTAL, Concept.TAX_TOTAL, Concept.GRAND_TOTAL)
_TOLERANCE = Decimal("0.011")


def _decimal(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _consistent(net: Decimal, tax: Decimal, gross: Decimal) -> bool:
    return abs(net + tax - gross) <= _TOLERANCE and gross != 0


def reconcile(ranked: dict[Concept, list[Ranked]]) -> dict[Concept, list[Ranked]]:
    """Reorder and rescore the totals so that, when some choice adds up, it wins.

    Looks at the top few values of each total; the consistent triple with the highest joint
    probability is moved to the front and its members' probabilities raised. When all three
    totals are known and nothing adds up, the leaders are marked down instead.
    """
    tops = {c: [r for r in ranked.get(c, []) if _decimal(r.value) is not None][:8] for c in TOTALS}
    if not all(tops.values()):
        return _two_way(ranked, tops)
    best = _best_triple(tops)
    result = dict(ranked)
    if best is None:
        for concept in TOTALS:
            result[concept] = _mark(ranked[concept], None, consistent=False)
        return result
    # a zero tax makes any net equal to its gross "add up": it orders the totals but confirms nothing
    confirms = best[1].value != 0
    for concept, chosen in zip(TOTALS, best, strict=True):
        items = ranked[concept]
        if chosen not in items:  # a sign-restored tax: put it in place of the reading it came from
            items = [chosen, *(r for r in items if r.best is not chosen.best)]
        if confirms:
            result[concept] = _mark(items, chosen, consistent=True)
        else:
            result[concept] = [chosen, *(r for r in items if r is not chosen)]
    return result


def _best_triple(tops: dict[Concept, list[Ranked]]) -> tuple[Ranked, Ranked, Ranked] | None:
    """The consistent (net, tax, gross) with the highest joint probability.

    On a credit or correction whose net and gross are negative, a tax printed without its sign
    (the minus on another line) is read as negative too.
    """
    best: tuple[float, tuple[Ranked, Ranked, Ranked]] | None = None
    for net, tax, gross in product(
        tops[Concept.NET_TOTAL], tops[Concept.TAX_TOTAL], tops[Concept.GRAND_TOTAL]
    ):
        if net.value < 0 and gross.value < 0 < tax.value:
            tax = replace(tax, value=-tax.value)
        if _consistent(net.value, tax.value, gross.value) and not (tax.value == 0 and net is gross):
            joint = net.probability * tax.probability * gross.probability
            if best is None or joint > best[0]:
                best = (joint, (net, tax, gross))
    return best[1] if best else None


def _two_way(
    ranked: dict[Concept, list[Ranked]], tops: dict[Concept, list[Ranked]]
) -> dict[Concept, list[Ranked]]:
    """With no tax candidates, a net equal to the gross (no tax charged) still confirms both."""
    nets, grosses = tops[Concept.NET_TOTAL], tops[Concept.GRAND_TOTAL]
    if tops[Concept.TAX_TOTAL] or not nets or not grosses:
        return ranked
    for net, gross in product(nets[:3], grosses[:3]):
        # a weak gross (the largest amount on the page) equal to the net is a line, not a confirmation
        if net.value == gross.value and gross.probability >= 0.8 * grosses[0].probability:
            result = dict(ranked)
            result[Concept.NET_TOTAL] = _mark(ranked[Concept.NET_TOTAL], net, consistent=True)
            result[Concept.GRAND_TOTAL] = _mark(ranked[Concept.GRAND_TOTAL], gross, consistent=True)
            return result
    return ranked


def _mark(items: list[Ranked], chosen: Ranked | None, *, consistent: bool) -> list[Ranked]:
    if chosen is None:
        return [
            replace(items[0], probability=confidence.consistency_boost(items[0].probability, False)),
            *items[1:],
        ]
    rest = [r for r in items if r is not chosen]
    return [replace(chosen, probability=confidence.consistency_boost(chosen.probability, consistent)), *rest]


def derived(concept: Concept, ranked: dict[Concept, list[Ranked]]) -> Candidate | None:
    """A missing total computed from the other two (e.g. tax = gross - net), when both are known."""

    def top(c: Concept) -> Decimal | None:
        items = ranked.get(c) or []
        return _decimal(items[0].value) if items else None

    net, tax, gross = top(Concept.NET_TOTAL), top(Concept.TAX_TOTAL), top(Concept.GRAND_TOTAL)
    value: Decimal | None = None
    if concept is Concept.TAX_TOTAL and net is not None and gross is not None and gross >= net:
        value = gross - net
    elif concept is Concept.NET_TOTAL and tax is not None and gross is not None:
        value = gross - tax
    elif concept is Concept.GRAND_TOTAL and net is not None and tax is not None:
        value = net + tax
    elif concept is Concept.NET_TOTAL and gross is not None and not ranked.get(Concept.TAX_TOTAL):
        value = gross  # no tax anywhere on the document: nothing was added to the net
    if value is None:
        return None
    return Candidate(value, confidence.score("arithmetic"), rule="arithmetic", text=str(value))
