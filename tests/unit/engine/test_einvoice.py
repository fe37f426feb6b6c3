"""CII (ZUGFeRD 1 and 2 / Factur-X) and UBL parsing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from extractd.domain.errors import CorruptFile
from extractd.engine.einvoice import parse_einvoice
from extractd.engine.types import Concept

from .conftest import CII_INVOICE, UBL_CREDIT_NOTE

ZUGFERD_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:HeaderExchangedDocument>
    <ram:ID>RK-1</ram:ID>
    <ram:IssueDateTime><udt:DateTimeString format="102">20130916</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Muster GmbH</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Kunde AG</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="EUR">-7.67</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount currencyID="EUR">-7.67</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="USD">-1.30</ram:TaxTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">-1.12</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="EUR">-8.79</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""


def test_cii_factur_x_values() -> None:
    data = parse_einvoice(CII_INVOICE)
    assert data.syntax == "CII"
    assert data.values == {
        Concept.INVOICE_NUMBER: "INV-2024-017",
        Concept.ISSUE_DATE: dt.date(2024, 3, 5),
        Concept.DUE_DATE: dt.date(2024, 4, 4),
        Concept.SELLER_NAME: "Acme Tools GmbH",
        Concept.SELLER_ADDRESS: "Hauptstr. 1, 10115 Berlin, DE",
        Concept.SELLER_TAX_ID: "DE123456789",
        Concept.BUYER_NAME: "Buyer Ltd",
        Concept.CURRENCY: "EUR",
        Concept.NET_TOTAL: Decimal("100.00"),
        Concept.TAX_TOTAL: Decimal("19.00"),
        Concept.GRAND_TOTAL: Decimal("119.00"),
        Concept.PURCHASE_ORDER: "PO-77",
    }
    assert data.line_items == (
        {
            "description": "Widget",
            "quantity": Decimal(4),
            "unit_price": Decimal("25.00"),
            "amount": Decimal("100.00"),
        },
    )


def test_zugferd_1_credit_note_keeps_signs_and_picks_the_invoice_currency_tax() -> None:
    data = parse_einvoice(ZUGFERD_1)
    assert data.values[Concept.INVOICE_NUMBER] == "RK-1"
    assert data.values[Concept.ISSUE_DATE] == dt.date(2013, 9, 16)
    assert data.values[Concept.SELLER_NAME] == "Muster GmbH"
    assert data.values[Concept.BUYER_NAME] == "Kunde AG"
    assert data.values[Concept.NET_TOTAL] == Decimal("-7.67")
    assert data.values[Concept.TAX_TOTAL] == Decimal("-1.12")
    assert data.values[Concept.GRAND_TOTAL] == Decimal("-8.79")
    assert Concept.DUE_DATE not in data.values  # absent values are left out, not None


def test_ubl_credit_note_values() -> None:
    data = parse_einvoice(UBL_CREDIT_NOTE)
    assert data.syntax == "UBL"
    values = data.values
    assert values[Concept.INVOICE_NUMBER] == "CN-9"
    assert values[Concept.ISSUE_DATE] == dt.date(2024, 2, 1)
    assert values[Concept.SELLER_NAME] == "Supplier Inc"
    assert values[Concept.SELLER_ADDRESS] == "1 Main St, 12345 Springfield, US"
    assert values[Concept.SELLER_TAX_ID] == "US999"
    assert values[Concept.BUYER_NAME] == "Customer LLC"
    assert values[Concept.CURRENCY] == "USD"
    assert values[Concept.PURCHASE_ORDER] == "PO-5"
    assert (values[Concept.NET_TOTAL], values[Concept.TAX_TOTAL], values[Concept.GRAND_TOTAL]) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("55.00"),
    )
    assert data.line_items[0]["description"] == "Returned gadget"
    assert data.line_items[0]["quantity"] == Decimal(2)


@pytest.mark.parametrize("content", [b"<rsm:Cross", b"<order><id>1</id></order>"])
def test_broken_or_foreign_xml_is_corrupt(content: bytes) -> None:
    with pytest.raises(CorruptFile):
        parse_einvoice(content)


def test_external_entities_are_not_resolved() -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice><ID>&e;</ID></Invoice>'
    data = parse_einvoice(evil)
    assert "root:" not in str(data.values.get(Concept.INVOICE_NUMBER, ""))
