"""List fields: header detection, column alignment, rows spanning two lines, the end of the table."""

from __future__ import annotations

from extractd.domain.templates import parse_template
from extractd.engine.fields import builtin_templates, extract_fields
from extractd.engine.fields.document import DocView
from extractd.engine.fields.tables import column_role, extract_rows, find_header

from .conftest import page

ITEMS_PAGE = page(
    [
        (50, 100, "Invoice No: 77"),
        (50, 200, "Description"), (330, 200, "Qty"), (400, 200, "Unit Price"), (500, 200, "Amount"),
        (50, 215, "Trennblätter A4"), (335, 215, "20"), (410, 215, "9,90"), (505, 215, "198,00"),
        (50, 230, "Joghurt Banane"), (335, 230, "50"), (410, 230, "5,50"), (505, 230, "275,00"),
        (50, 244, "im Karton, gekühlt"),
        (50, 259, "Versandkosten"), (335, 259, "1"), (410, 259, "12,00"), (510, 259, "12,00"),
        (380, 290, "Subtotal"), (505, 290, "485,00"),
        (380, 304, "Total"), (505, 304, "485,00"),
    ]
)  # fmt: skip


def test_column_roles_from_sub_field_names() -> None:
    fields = builtin_templates()["invoice"].fields[-1].fields
    assert [column_role(f) for f in fields] == ["description", "quantity", "unit_price", "amount"]


def test_header_is_found_with_its_columns() -> None:
    field = builtin_templates()["invoice"].fields[-1]
    header = find_header(DocView([ITEMS_PAGE]), field.fields)
    assert header is not None
    ref, columns = header
    assert ref.text.startswith("Description")
    assert [c.field.name for c in columns] == ["description", "quantity", "unit_price", "amount"]


def test_rows_are_aligned_continued_and_stop_at_the_totals() -> None:
    field = builtin_templates()["invoice"].fields[-1]
    rows, _ = extract_rows(DocView([ITEMS_PAGE]), field)
    assert [r["description"] for r in rows] == [
        "Trennblätter A4",
        "Joghurt Banane im Karton, gekühlt",  # the second line continues the row above
        "Versandkosten",
    ]
    assert [str(r["amount"]) for r in rows] == ["198.00", "275.00", "12.00"]
    assert [str(r["quantity"]) for r in rows] == ["20", "50", "1"]


def test_line_items_through_extract_fields_are_typed_and_checked_against_the_net() -> None:
    values = extract_fields([ITEMS_PAGE], builtin_templates()["invoice"])
    items = values["line_items"].value
    assert items[0] == {
        "description": "Trennblätter A4",
        "quantity": 20.0,
        "unit_price": 9.9,
        "amount": 198.0,
    }
    assert len(items) == 3
    assert values["line_items"].confidence >= 0.9  # 198 + 275 + 12 = 485 = the net total


def test_user_list_with_its_own_column_labels() -> None:
    template = parse_template(
        {
            "name": "positions",
            "fields": [{"name": "positionen", "type": "list", "fields": [
                {"name": "text", "type": "text", "labels": ["Description"]},
                {"name": "betrag", "type": "money", "labels": ["Amount"]}]}],
        }
    )  # fmt: skip
    values = extract_fields([ITEMS_PAGE], template)
    assert [row["betrag"] for row in values["positionen"].value] == [198.0, 275.0, 12.0]


def test_no_table_means_no_rows() -> None:
    values = extract_fields([page([(50, 50, "Just a letter, no table.")])], builtin_templates()["invoice"])
    assert values["line_items"].value is None
    assert values["line_items"].confidence == 0.0


def test_a_row_continues_onto_the_line_that_carries_its_amount() -> None:
    split_rows = page(
        [
            (50, 200, "Pos"), (150, 200, "Beschreibung"), (340, 200, "Nettopreis"), (400, 200, "Menge"),
            (440, 200, "Steuersatz"), (500, 200, "Nettobetrag"),
            (50, 215, "1"), (150, 215, "Trennblätter A4"), (350, 215, "9,9000"), (405, 215, "20"),
            (455, 215, "19 %"),
            (120, 227, "4012345001235"), (512, 227, "198,00"),
            (150, 239, "Bruttopreis : 9,9000"),
            (50, 255, "2"), (150, 255, "Joghurt Banane"), (350, 255, "5,5000"), (405, 255, "50"),
            (460, 255, "7 %"),
            (120, 267, "4000050986428"), (512, 267, "275,00"),
            (300, 300, "Summe netto"), (512, 300, "473,00"),
        ]
    )  # fmt: skip
    field = builtin_templates()["invoice"].fields[-1]
    rows, _ = extract_rows(DocView([split_rows]), field)
    assert [(str(r["quantity"]), str(r["unit_price"]), str(r["amount"])) for r in rows] == [
        ("20", "9.9000", "198.00"),
        ("50", "5.5000", "275.00"),
    ]
    assert rows[0]["description"].startswith("1 Trennblätter A4")


def test_a_page_footer_is_not_appended_to_the_last_row() -> None:
    field = builtin_templates()["invoice"].fields[-1]
    for footer in [
        (50, 262, "ACME GmbH · Musterstraße 1 · 12345 Berlin · IBAN DE02 1203 0000 0000 2020 51"),  # bank
        (10, 262, "Thank you for your business and see you soon at our shop"),  # left of the table
        (50, 300, "Delivery within ten days of the order"),  # after a blank line
    ]:
        footed = page(
            [
                (50, 200, "Description"), (330, 200, "Qty"), (400, 200, "Unit Price"), (500, 200, "Amount"),
                (50, 215, "Trennblätter A4"), (335, 215, "20"), (410, 215, "9,90"), (505, 215, "198,00"),
                (50, 230, "Joghurt Banane"), (335, 230, "50"), (410, 230, "5,50"), (505, 230, "275,00"),
                (50, 244, "im Karton"),
                footer,
            ]
        )  # fmt: skip
        rows, _ = extract_rows(DocView([footed]), field)
        assert [r["description"] for r in rows] == ["Trennblätter A4", "Joghurt Banane im Karton"], footer


def test_a_price_column_is_the_unit_price_only_when_it_is_per_unit() -> None:
    field = builtin_templates()["invoice"].fields[-1]
    french = page(
        [
            (50, 200, "Désignation"), (300, 200, "Qté"), (360, 200, "P.U. HT"), (460, 200, "Prix HT"),
            (50, 215, "Abonnement annuel"), (305, 215, "2"), (365, 215, "50,00"), (465, 215, "100,00"),
        ]
    )  # fmt: skip
    rows, _ = extract_rows(DocView([french]), field)
    assert [(str(r["unit_price"]), str(r["amount"])) for r in rows] == [("50.00", "100.00")]
    totals_only = page(
        [
            (50, 200, "Désignation"), (300, 200, "Qté"), (360, 200, "Prix total HT"), (460, 200, "TVA"),
            (50, 215, "Abonnement annuel"), (305, 215, "2"), (365, 215, "100,00"), (465, 215, "20 %"),
        ]
    )  # fmt: skip
    rows, _ = extract_rows(DocView([totals_only]), field)
    assert [(r["unit_price"], str(r["amount"])) for r in rows] == [(None, "100.00")]
    german = page(
        [
            (50, 200, "Artikel"), (300, 200, "Menge"), (360, 200, "Einzelpreis"), (460, 200, "Gesamt"),
            (50, 215, "Schrauben"), (305, 215, "10"), (365, 215, "0,50"), (465, 215, "5,00"),
        ]
    )  # fmt: skip
    rows, _ = extract_rows(DocView([german]), field)
    assert [(str(r["unit_price"]), str(r["amount"])) for r in rows] == [("0.50", "5.00")]
