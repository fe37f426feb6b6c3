"""Locale data files: each one loads, its patterns match its own examples, and a sample text in its
style is recognised as that locale. One test per file: adding a file adds its cases."""

from __future__ import annotations

import pytest

from extractd.engine.fields.document import DocView
from extractd.engine.locales import (
    WORD_KINDS,
    all_languages,
    all_locales,
    data_files,
    infer_locale,
    letters_of,
    parse_locale,
    read_data_file,
    vocabulary,
    vocabulary_letters,
)
from extractd.engine.types import Line, Page, Word

COUNTRY_FILES = data_files("countries")
LANGUAGE_FILES = data_files("languages")


@pytest.mark.parametrize("name", COUNTRY_FILES)
def test_country_file_examples_match_and_sample_is_recognised(name: str) -> None:
    data = read_data_file("countries", name)
    locale = parse_locale(data, all_languages())
    assert locale.country == name.removesuffix(".json")
    assert set(data) >= {"languages", "currencies", "date_order", "postcode", "phone", "tax_id", "examples"}
    examples = data["examples"]
    for kind in ("postcode", "phone", "tax_id"):
        pattern = getattr(locale, kind)
        assert examples[kind], f"{name}: give at least one {kind} example"
        for example in examples[kind]:
            assert pattern.search(example), f"{name}: {kind} pattern misses its example {example!r}"
    guess = infer_locale(examples["sample"])
    assert guess.best is not None
    assert guess.best.country == locale.country, [(loc.code, score) for loc, score in guess.ranked[:3]]


@pytest.mark.parametrize("name", LANGUAGE_FILES)
def test_language_file_is_well_formed(name: str) -> None:
    data = read_data_file("languages", name)
    assert data["language"] == name.removesuffix(".json")
    assert set(data["words"]) <= set(WORD_KINDS)
    for kind in ("language", "total", "tax", "change", "tendered"):
        assert data["words"].get(kind), f"{name}: no {kind} words"
    users = [
        loc.code
        for loc in all_locales()
        if data["language"] in read_data_file("countries", f"{loc.country}.json")["languages"]
    ]
    assert users, f"{name}: no country file speaks this language"


def test_a_malformed_country_file_is_refused_with_its_reason() -> None:
    good = read_data_file("countries", "DE.json")
    with pytest.raises(ValueError, match="date_order"):
        parse_locale({**good, "date_order": "DM"}, all_languages())
    with pytest.raises(ValueError, match="no language file"):
        parse_locale({**good, "languages": ["xx"]}, all_languages())
    with pytest.raises(ValueError, match="unknown word kinds"):
        parse_locale({**good, "words": {"totals": ["X"]}}, all_languages())


def test_vocabulary_unites_languages_longest_first_and_folds_accents() -> None:
    totals = vocabulary("total")
    assert "SUMME" in totals and "TOTAL" in totals and "YHTEENSA" in totals  # Yhteensä, folded
    assert list(totals) == sorted(totals, key=lambda w: (-len(w), w))
    assert "ZUZAHLEN" in vocabulary_letters("total")
    assert letters_of("Rückgeld: 1,00") == "RUCKGELD"


def test_us_evidence_reads_dates_month_first_and_says_it_is_sure() -> None:
    guess = infer_locale("Walmart\n6051 FLORIN RD\nSACRAMENTO CA 95823\n916-427-9719\nTOTAL $16.04")
    assert guess.best is not None and guess.best.country == "US"
    assert guess.date_order == "MDY" and guess.date_order_sure


def test_no_evidence_leaves_the_date_order_unsure() -> None:
    guess = infer_locale("ITEM 1 2.00\n1/8/2022")
    assert not guess.date_order_sure


def test_evidence_pointing_to_both_date_orders_is_not_sure() -> None:
    # a US address shape and a German one on the same page: the rivals disagree on the date order
    guess = infer_locale("SACRAMENTO CA 95823\n916-427-9719\n58239 Schwerte\nTel. 02304/983113")
    assert not guess.date_order_sure


def _view(text: str) -> DocView:
    words = [Word(token, (10.0 * i, 10.0, 10.0 * i + 8, 18.0), 1.0) for i, token in enumerate(text.split())]
    return DocView([Page(1, 600.0, 800.0, (Line(tuple(words)),), source="text")])


def test_docview_reads_numeric_dates_by_the_documents_locale() -> None:
    assert not _view("SACRAMENTO CA 95823 916-427-9719 TOTAL $16.04 08/05/19").day_first
    assert _view("58239 Schwerte Tel. 02304/983113 SUMME EUR 8,00 08/05/19").day_first
    # a date that only reads one way outvotes the locale
    assert _view("58239 Schwerte SUMME EUR 8,00 12/31/2019").day_first is False


def test_a_country_whose_printers_use_both_orders_leaves_the_order_unsure() -> None:
    nepal = read_data_file("countries", "NP.json")
    assert nepal["date_order_mixed"]
    guess = infer_locale(nepal["examples"]["sample"])
    assert guess.best is not None and guess.best.country == "NP"
    assert not guess.date_order_sure


def test_a_date_of_another_calendar_does_not_vote_on_the_order() -> None:
    # `Miti` (Bikram Sambat) dates run decades ahead; only this era's dates tell day from month
    assert _view("Date 07/05/2024 Miti 21/03/2081").date_votes == 0
    assert _view("Date 07/05/2024 21/03/2024").date_votes == 1


def test_language_words_alone_do_not_settle_the_date_order() -> None:
    # French words, but no currency, postcode, phone or tax id: France, Canada, Switzerland... all speak it
    guess = infer_locale("le la les des pour merci total montant date vente article rue 08/05/19")
    assert guess.best is not None and guess.best_shape == 0.0
    assert not guess.date_order_sure
