"""Typed parsers: dates, money, currencies, identifiers, across locales and formats."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from extractd.engine.fields.parse import (
    find_amounts,
    format_date,
    iban_valid,
    match_enum,
    money_places,
    parse_boolean,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_email,
    parse_enum,
    parse_iban,
    parse_integer,
    parse_money,
    parse_phone,
    parse_time,
    round_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-08-03", date(2014, 8, 3)),
        ("2014/08/03", date(2014, 8, 3)),
        ("20180305", date(2018, 3, 5)),
        ("28/11/2022", date(2022, 11, 28)),
        ("05.03.2018", date(2018, 3, 5)),
        ("05-01-17", date(2017, 1, 5)),
        ("August 3 , 2014", date(2014, 8, 3)),
        ("Mar 3, 2021", date(2021, 3, 3)),
        ("3-Aug-2014", date(2014, 8, 3)),
        ("25 APR 2018", date(2018, 4, 25)),
        ("19 april 2014", date(2014, 4, 19)),  # Dutch
        ("7. Mai 2014", date(2014, 5, 7)),  # German
        ("24. Januar 2014", date(2014, 1, 24)),
        ("1er février 2020", date(2020, 2, 1)),  # French ordinal
        ("12 décembre 2019", date(2019, 12, 12)),  # French
        ("15 maart 2021", date(2021, 3, 15)),  # Dutch
        ("3 marzo 2020", date(2020, 3, 3)),  # Italian
        ("Rechnungsdatum: 07.05.2014", date(2014, 5, 7)),
        ("no date here 123", None),
    ],
)
def test_parse_date_across_formats_and_languages(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_day_first_and_month_first_numeric_dates() -> None:
    assert parse_date("03/04/2020") == date(2020, 4, 3)
    assert parse_date("03/04/2020", day_first=False) == date(2020, 3, 4)
    # only one reading is a real date: it wins whatever the preference
    assert parse_date("13/04/2020", day_first=False) == date(2020, 4, 13)
    assert parse_date("04/13/2020") == date(2020, 4, 13)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("YYYY-MM-DD", "2014-05-07"),
        ("YYYY/MM/DD", "2014/05/07"),
        ("DD.MM.YYYY", "07.05.2014"),
        ("D/M/YY", "7/5/14"),
        ("MMMM D, YYYY", "May 7, 2014"),
        ("D MMM YYYY", "7 May 2014"),
    ],
)
def test_format_date_tokens(fmt: str, expected: str) -> None:
    assert format_date(date(2014, 5, 7), fmt) == expected


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("€ 1.234,56", Decimal("1234.56"), "EUR"),
        ("1,234.56 USD", Decimal("1234.56"), "USD"),
        ("1 234,56 €", Decimal("1234.56"), "EUR"),
        ("1'234.56 CHF", Decimal("1234.56"), "CHF"),
        ("12.50-", Decimal("-12.50"), None),
        ("(12.50)", Decimal("-12.50"), None),
        ("-3,40", Decimal("-3.40"), None),
        ("RM9.00", Decimal("9.00"), "MYR"),
        ("Rs 1939", Decimal("1939"), "INR"),
        ("₹ 250.00", Decimal("250.00"), "INR"),
        ("£7.20", Decimal("7.20"), "GBP"),
        ("US$ 10.00", Decimal("10.00"), "USD"),
        ("Total: 19% 1.190,00", Decimal("1190.00"), None),
        ("12.500", Decimal("12500"), None),
    ],
)
def test_parse_money_separators_signs_and_currencies(
    text: str, amount: Decimal, currency: str | None
) -> None:
    assert parse_money(text) == (amount, currency)


def test_indian_lakh_grouping() -> None:
    assert parse_money("₹ 7,08,000.00") == (Decimal("708000.00"), "INR")
    assert [a[0] for a in find_amounts("Rs. 1,25,50,000 and 1,234,567.89")] == [
        Decimal("12550000"),
        Decimal("1234567.89"),
    ]


def test_numbers_glued_to_words_are_not_amounts() -> None:
    assert parse_money("A4 paper") is None
    assert [a[0] for a in find_amounts("INV123 5.00")] == [Decimal("5.00")]


def test_money_places_and_rounding() -> None:
    assert money_places("9,9000") == 4
    assert money_places("12,50 €") == 2
    assert round_money(Decimal("2.675"), 2) == 2.68


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("EUR", "EUR"),
        ("in euros", "EUR"),
        ("$", "USD"),
        ("CA$ 5", "CAD"),
        ("Rs.", "INR"),
        ("RM", "MYR"),
        ("none", None),
    ],
)
def test_parse_currency(text: str, code: str | None) -> None:
    assert parse_currency(text) == code


def test_currency_letters_inside_words_do_not_count() -> None:
    assert parse_currency("FORM 12") is None


def test_integer_and_decimal() -> None:
    assert parse_integer("Qty: 1.234") == 1234
    assert parse_integer("2,5") is None
    assert parse_decimal("2,5 kg") == Decimal("2.5")


def test_iban_is_checksum_validated() -> None:
    assert parse_iban("IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX") == "DE89370400440532013000"
    assert parse_iban("IBAN DE88 3704 0044 0532 0130 00") is None
    assert iban_valid("GB82WEST12345698765432")


def test_phone_email_time_boolean_enum() -> None:
    assert parse_phone("Tel. +49 (0)30 123456-7") == "+490301234567"
    assert parse_phone("call 12") is None
    assert parse_phone("vom 24.03.2020") is None
    assert parse_email("Mail: Info@Example.COM.") == "info@example.com"
    assert parse_time("Zeit 14:05") == time(14, 5)
    assert parse_time("2:05 PM") == time(14, 5)
    assert parse_time("12.30") is None  # an amount, not a time
    assert parse_boolean("Ja") is True
    assert parse_boolean("non") is False
    assert parse_boolean("maybe") is None
    assert parse_enum("Paid by VISA card", ("cash", "visa", "mastercard")) == "visa"
    assert parse_enum("cheque", ("cash", "card")) is None


def test_match_enum_exact_then_fuzzy_with_its_similarity() -> None:
    assert match_enum("Paid by VISA card", ("cash", "visa")) == ("visa", 1.0)
    value, similarity = match_enum("Paid by Mastercrd", ("cash", "visa", "mastercard")) or ("", 0.0)
    assert value == "mastercard" and 0.8 <= similarity < 1.0
    assert match_enum("Crdit-card", ("Cash", "Credit card"))[0] == "Credit card"  # type: ignore[index]
    assert match_enum("a", ("Visa", "Cash")) is None  # a fragment is no match
    assert match_enum("Fe", ("Fee", "Tax")) is None  # short values only match exactly
    assert match_enum("Cash", ("Cashback", "Card")) is None
    assert match_enum("Total 12.50", ("Cash", "Card")) is None
