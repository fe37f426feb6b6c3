"""Calibration: rule base rates, evidence combination, arithmetic consistency."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from extractd.engine.fields import arithmetic, confidence
from extractd.engine.types import Candidate, Concept


def cand(value: object, score: float, rule: str = "label_right") -> Candidate:
    return Candidate(value=value, score=score, rule=rule, text=str(value))


def test_score_follows_the_rule_and_is_discounted_by_weak_evidence() -> None:
    clean = confidence.score("label_right")
    assert clean == confidence.RULE_BASE_RATES["label_right"]
    assert confidence.score("label_right", similarity=0.9) < clean
    assert confidence.score("label_right", ocr=0.6) < clean
    assert confidence.score("unknown_rule") == confidence.RULE_BASE_RATES["default"]
    assert confidence.score("label_right", prior=5.0) <= 0.99  # never certain from a page


def test_agreeing_rules_raise_the_probability() -> None:
    alone = confidence.rank([cand("A-1", 0.7)])[0].probability
    agreed = confidence.rank([cand("A-1", 0.7), cand("A-1", 0.6, rule="position")])[0].probability
    assert agreed > alone


def test_a_close_runner_up_lowers_the_winner() -> None:
    alone = confidence.rank([cand("A-1", 0.7)])[0].probability
    contested = confidence.rank([cand("A-1", 0.7), cand("B-2", 0.65)])
    assert contested[0].value == "A-1"
    assert contested[0].probability < alone


def test_grouping_key_merges_equal_readings() -> None:
    ranked = confidence.rank(
        [cand(Decimal("1.50"), 0.5), cand(Decimal("1.5"), 0.5)], key=lambda v: v.normalize()
    )
    assert len(ranked) == 1 and ranked[0].support == 2


def test_reconcile_prefers_totals_that_add_up() -> None:
    ranked = {
        Concept.NET_TOTAL: confidence.rank([cand(Decimal("717.97"), 0.8), cand(Decimal("593.36"), 0.5)]),
        Concept.TAX_TOTAL: confidence.rank([cand(Decimal("124.61"), 0.6)]),
        Concept.GRAND_TOTAL: confidence.rank([cand(Decimal("717.97"), 0.8)]),
    }
    result = arithmetic.reconcile(ranked)
    assert result[Concept.NET_TOTAL][0].value == Decimal("593.36")
    assert result[Concept.GRAND_TOTAL][0].probability > ranked[Concept.GRAND_TOTAL][0].probability


def test_reconcile_marks_down_totals_that_do_not_add_up() -> None:
    ranked = {
        Concept.NET_TOTAL: confidence.rank([cand(Decimal("100.00"), 0.8)]),
        Concept.TAX_TOTAL: confidence.rank([cand(Decimal("19.00"), 0.8)]),
        Concept.GRAND_TOTAL: confidence.rank([cand(Decimal("150.00"), 0.8)]),
    }
    result = arithmetic.reconcile(ranked)
    assert all(result[c][0].probability < ranked[c][0].probability for c in arithmetic.TOTALS)


def test_derived_tax_is_gross_minus_net() -> None:
    ranked = {
        Concept.NET_TOTAL: confidence.rank([cand(Decimal("100.00"), 0.8)]),
        Concept.TAX_TOTAL: [],
        Concept.GRAND_TOTAL: confidence.rank([cand(Decimal("119.00"), 0.8)]),
    }
    derived = arithmetic.derived(Concept.TAX_TOTAL, ranked)
    assert derived is not None and derived.value == Decimal("19.00") and derived.rule == "arithmetic"
    assert derived.score < 0.9


def test_recalibration_is_monotone_and_leaves_low_scores_and_certainty_alone() -> None:
    from extractd.engine.fields.confidence import recalibrate

    knots = ((0.6, 0.8), (0.75, 0.93), (0.85, 0.97))
    raws = [i / 100 for i in range(101)]
    mapped = [recalibrate(raw, knots) for raw in raws]
    assert all(b >= a for a, b in pairwise(mapped))
    assert recalibrate(0.3, knots) == 0.3  # below the measured bands: left as the finders said
    assert recalibrate(0.75, knots) == 0.93
    assert recalibrate(0.99, knots) == 0.97  # a page read is never surer than the last knot
    assert recalibrate(1.0, knots) == 1.0  # an e-invoice value stays certain
    assert recalibrate(0.8, ()) == 0.8  # no knots: no recalibration
    assert recalibrate(0.9, ((0.85, 0.7), (0.95, 0.8))) < 0.9  # over-confidence is corrected too


def test_the_packaged_calibration_is_monotone_and_capped() -> None:
    """calibration.json as written by `bench/accuracy.py --fit-calibration`: usable, every kind's map
    monotone and below the cap, so no value read from a page is reported as certain."""
    calibration = confidence.load_calibration()
    assert {"invoice", "receipt"} <= set(calibration.knots)
    assert calibration.cap <= 0.97 and calibration.base_rates["default"] < 0.5
    assert all(0.0 <= rate <= 1.0 for rate in calibration.base_rates.values())
    assert all(0.0 < factor < 1.0 for factor in calibration.unfamiliar.values())
    for kind, knots in calibration.knots.items():
        mapped = [confidence.recalibrate(i / 200, knots) for i in range(200)]
        assert all(b >= a for a, b in pairwise(mapped)), kind
        assert max(mapped) <= calibration.cap, kind


def test_a_calibration_that_is_not_monotone_or_not_capped_is_refused() -> None:
    knots = [[0.5, 0.6], [0.9, 0.95]]
    good = {"base_rates": {"default": 0.3}, "cap": 0.97, "recalibration": {"invoice": knots}}
    assert confidence.parse_calibration(good).knots["invoice"] == ((0.5, 0.6), (0.9, 0.95))
    bad_knots = [[[0.5, 0.9], [0.9, 0.6]], [[0.9, 0.6], [0.5, 0.9]], [[0.5, 0.6], [0.9, 0.99]]]
    for knots in bad_knots:
        with pytest.raises(ValueError):
            confidence.parse_calibration({**good, "recalibration": {"invoice": knots}})
    with pytest.raises(ValueError):
        confidence.parse_calibration({**good, "base_rates": {"default": 1.3}})
    with pytest.raises(ValueError):
        confidence.parse_calibration({**good, "base_rates": {"label_right": 0.8}})
    with pytest.raises(ValueError):
        confidence.parse_calibration({**good, "unfamiliar": {"generic": 0.0}})


def test_a_weak_gross_equal_to_the_net_is_not_a_confirmation() -> None:
    ranked = {
        Concept.NET_TOTAL: confidence.rank([cand(Decimal("5661.12"), 0.8)]),
        Concept.TAX_TOTAL: [],
        Concept.GRAND_TOTAL: confidence.rank(
            [cand(Decimal("5314.27"), 0.8), cand(Decimal("5661.12"), 0.45, rule="largest_amount")]
        ),
    }
    result = arithmetic.reconcile(ranked)
    assert result[Concept.GRAND_TOTAL][0].value == Decimal("5314.27")


def test_a_zero_tax_orders_the_totals_but_confirms_nothing() -> None:
    ranked = {
        Concept.NET_TOTAL: confidence.rank([cand(Decimal("413.00"), 0.7), cand(Decimal("350.00"), 0.3)]),
        Concept.TAX_TOTAL: confidence.rank([cand(Decimal("0.00"), 0.7)]),
        Concept.GRAND_TOTAL: confidence.rank([cand(Decimal("413.00"), 0.7)]),
    }
    result = arithmetic.reconcile(ranked)
    assert result[Concept.NET_TOTAL][0].value == Decimal("413.00")
    for concept in arithmetic.TOTALS:
        assert result[concept][0].probability == ranked[concept][0].probability
