"""Mapping template fields to Concepts from their name, type and description, in several languages."""

from __future__ import annotations

import pytest

from extractd.domain.templates import TemplateField
from extractd.engine.fields.concepts import concept_for, words_of
from extractd.engine.types import Concept


def field(name: str, type_: str = "text", description: str = "", **extra: object) -> TemplateField:
    return TemplateField.model_validate({"name": name, "type": type_, "description": description, **extra})


def test_words_of_splits_identifiers() -> None:
    assert words_of("invoiceNumber_2") == "invoice number 2"
    assert words_of("Total (incl. VAT)") == "total incl vat"


@pytest.mark.parametrize(
    ("name", "type_", "expected"),
    [
        ("invoice_number", "text", Concept.INVOICE_NUMBER),
        ("Rechnungsnummer", "text", Concept.INVOICE_NUMBER),
        ("inv_no", "text", Concept.INVOICE_NUMBER),
        ("numero_facture", "text", None),
        ("factuurnummer", "text", Concept.INVOICE_NUMBER),
        ("date", "date", Concept.ISSUE_DATE),
        ("invoice_date", "date", Concept.ISSUE_DATE),
        ("date_due", "date", Concept.DUE_DATE),
        ("due_date", "date", Concept.DUE_DATE),
        ("Fälligkeitsdatum", "date", Concept.DUE_DATE),
        ("delivery_date", "date", None),
        ("seller_name", "text", Concept.SELLER_NAME),
        ("vendor_name", "text", Concept.SELLER_NAME),
        ("company", "text", Concept.SELLER_NAME),
        ("merchant_name", "text", Concept.SELLER_NAME),
        ("buyer_name", "text", Concept.BUYER_NAME),
        ("customer_name", "text", Concept.BUYER_NAME),
        ("address", "text", Concept.SELLER_ADDRESS),
        ("vendor_address", "text", Concept.SELLER_ADDRESS),
        ("customer_address", "text", Concept.BUYER_ADDRESS),
        ("amount", "money", Concept.GRAND_TOTAL),
        ("total", "money", Concept.GRAND_TOTAL),
        ("total_amount", "money", Concept.GRAND_TOTAL),
        ("total_due", "money", Concept.GRAND_TOTAL),
        ("amount_untaxed", "money", Concept.NET_TOTAL),
        ("subtotal", "money", Concept.NET_TOTAL),
        ("net_amount", "money", Concept.NET_TOTAL),
        ("Nettobetrag", "money", Concept.NET_TOTAL),
        ("montant_ht", "money", Concept.NET_TOTAL),
        ("amount_tax", "money", Concept.TAX_TOTAL),
        ("tax_amount", "money", Concept.TAX_TOTAL),
        ("vat", "money", Concept.TAX_TOTAL),
        ("mwst", "decimal", Concept.TAX_TOTAL),
        ("btw_bedrag", "money", Concept.TAX_TOTAL),
        ("montant_ttc", "money", Concept.GRAND_TOTAL),
        ("currency", "currency", Concept.CURRENCY),
        ("Währung", "text", Concept.CURRENCY),
        ("vat_id", "text", Concept.SELLER_TAX_ID),
        ("po_number", "text", Concept.PURCHASE_ORDER),
        ("Bestellnummer", "text", Concept.PURCHASE_ORDER),
        ("payment_method", "text", Concept.PAYMENT_METHOD),
        ("time", "text", Concept.ISSUE_TIME),
        ("line_items", "list", Concept.LINE_ITEMS),
        ("contact_email", "email", None),
        ("customer_number", "text", None),
        ("vendor_id", "text", None),
        ("company_name", "text", Concept.SELLER_NAME),
        ("bill_to", "text", Concept.BUYER_NAME),
        ("order_date", "date", None),
        ("vat_rate", "decimal", None),
        ("gross", "money", Concept.GRAND_TOTAL),
        ("total_net", "money", Concept.NET_TOTAL),
        ("favourite_colour", "text", None),
    ],
)
def test_concept_from_name_and_type(name: str, type_: str, expected: Concept | None) -> None:
    extra = {"fields": [{"name": "description"}]} if type_ == "list" else {}
    assert concept_for(field(name, type_, **extra)) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Total before tax (net amount).", Concept.NET_TOTAL),
        ("Total amount including tax (gross amount to pay).", Concept.GRAND_TOTAL),
        ("Total tax amount.", Concept.TAX_TOTAL),
        ("Montant hors taxes", Concept.NET_TOTAL),
        ("Zu zahlender Gesamtbetrag", Concept.GRAND_TOTAL),
    ],
)
def test_generic_money_names_read_the_description(description: str, expected: Concept) -> None:
    assert concept_for(field("value", "money", description)) == expected


def test_party_from_description() -> None:
    described = field("issuer", "text", "Name of the company or person that issued the invoice.")
    assert concept_for(described) == Concept.SELLER_NAME
    assert concept_for(field("who", "text", "The customer the invoice is addressed to")) == Concept.BUYER_NAME


def test_due_date_from_description() -> None:
    assert concept_for(field("pay_until", "date", "Date by which payment is due.")) == Concept.DUE_DATE
