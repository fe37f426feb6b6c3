"""Fields with no Concept: found by their labels, name or description, and by their type's pattern."""

from __future__ import annotations

from extractd.domain.templates import parse_template
from extractd.engine.fields import extract_fields

from .conftest import page

FORM = page(
    [
        (50, 60, "Membership application"),
        (50, 100, "Member ID:"), (200, 100, "M-20391"),
        (50, 115, "Licence plate"), (200, 115, "B-XY 123"),
        (50, 130, "Kontakt E-Mail: Jane.Doe@Example.org"),
        (50, 145, "Telefon: +49 (0)30 1234567"),
        (50, 160, "Bank: DE89 3704 0044 0532 0130 00"),
        (50, 175, "Newsletter:"), (200, 175, "Ja"),
        (50, 190, "Seats"), (200, 190, "3"),
        (50, 205, "Plan:"), (200, 205, "Premium yearly"),
        (50, 220, "Deposit"), (200, 220, "1.250,00 EUR"),
        (50, 250, "Start"),
        (50, 262, "01.04.2024"),
    ]
)  # fmt: skip


def template(*fields: dict[str, object]) -> object:
    return parse_template({"name": "form", "fields": list(fields)})


def test_label_from_the_field_name() -> None:
    values = extract_fields([FORM], template({"name": "member_id"}, {"name": "licence plate"}))  # type: ignore[arg-type]
    assert values["member_id"].value == "M-20391"
    assert values["licence_plate"].value == "B-XY 123"


def test_user_labels_win() -> None:
    values = extract_fields([FORM], template({"name": "x", "labels": ["Seats"], "type": "integer"}))  # type: ignore[arg-type]
    assert values["x"].value == 3


def test_pattern_types_are_found_anywhere() -> None:
    values = extract_fields(
        [FORM],
        template(
            {"name": "mail", "type": "email"},
            {"name": "tel", "type": "phone"},
            {"name": "account", "type": "iban"},
        ),  # type: ignore[arg-type]
    )
    assert values["mail"].value == "jane.doe@example.org"
    assert values["tel"].value == "+490301234567"
    assert values["account"].value == "DE89370400440532013000"


def test_boolean_enum_money_and_date_below_its_label() -> None:
    values = extract_fields(
        [FORM],
        template(  # type: ignore[arg-type]
            {"name": "newsletter", "type": "boolean"},
            {"name": "plan", "type": "enum", "values": ["Basic", "Premium"]},
            {"name": "deposit", "type": "money"},
            {"name": "start", "type": "date", "dateFormat": "MMMM D, YYYY"},
        ),
    )
    assert values["newsletter"].value is True
    assert values["plan"].value == "Premium"
    assert values["deposit"].value == 1250.0
    assert values["deposit"].extra["currency"] == "EUR"
    assert values["start"].value == "April 1, 2024"


def test_unknown_field_stays_null() -> None:
    values = extract_fields([FORM], template({"name": "shoe_size", "type": "decimal"}))  # type: ignore[arg-type]
    assert values["shoe_size"].value is None
    assert values["shoe_size"].confidence == 0.0


def test_an_enum_value_named_with_a_typo_maps_to_the_closest_value_less_surely() -> None:
    exact = page([(50, 100, "Payment:"), (200, 100, "Credit card")])
    typo = page([(50, 100, "Payment:"), (200, 100, "Crdit crad")])
    unlike = page([(50, 100, "Payment:"), (200, 100, "Voucher")])
    spec = template({"name": "payment", "type": "enum", "values": ["Cash", "Credit card"]})
    sure = extract_fields([exact], spec)["payment"]  # type: ignore[arg-type]
    fuzzy = extract_fields([typo], spec)["payment"]  # type: ignore[arg-type]
    assert sure.value == fuzzy.value == "Credit card"
    assert 0 < fuzzy.confidence < sure.confidence  # the match's similarity is in the confidence
    assert extract_fields([unlike], spec)["payment"].value is None  # type: ignore[arg-type]
