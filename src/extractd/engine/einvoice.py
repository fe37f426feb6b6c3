"""CII and UBL e-invoices → EInvoiceData (exact values keyed by Concept).

Covers UN/CEFACT CII as used by ZUGFeRD 1.0 (`CrossIndustryDocument`) and ZUGFeRD 2.x / Factur-X /
XRechnung (`CrossIndustryInvoice`), and OASIS UBL 2 `Invoice` / `CreditNote`. Elements are matched by
local name, so namespace versions do not matter: the two CII generations differ mostly in the names of
the wrapping elements, which `_first` handles by accepting alternatives.

Amounts keep the sign the document gives them (a CII credit note may carry negative totals, a UBL
credit note positive ones; we report what the document says). Net total is the tax basis, not the sum
of lines: allowances and charges sit between the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from lxml import etree

from extractd.domain.errors import CorruptFile
from extractd.engine.types import Concept, EInvoiceData

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)

# lxml ships no type stubs here; elements are typed loosely.
Element: TypeAlias = Any


def _local(element: Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _descendants(element: Element, name: str) -> Iterator[Element]:
    for node in element.iter():
        if _local(node) == name:
            yield node


def _first(element: Element | None, *path: str) -> Element | None:
    """The first element reached by `path`: each step is a descendant name, `a|b` for alternatives."""
    current = element
    for step in path:
        if current is None:
            return None
        names = step.split("|")
        current = next(
            (node for node in current.iter() if _local(node) in names and node is not current), None
        )
    return current


def _child(element: Element | None, *names: str) -> Element | None:
    if element is None:
        return None
    return next((node for node in element if _local(node) in names), None)


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    text = " ".join(element.text.split())
    return text or None


def _decimal(element: Element | None) -> Decimal | None:
    text = _text(element)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(element: Element | None) -> dt.date | None:
    """A CII DateTimeString (format 102 = YYYYMMDD) or an ISO date (UBL)."""
    text = _text(element)
    if text is None:
        return None
    digits = text.replace("-", "")
    try:
        if len(digits) >= 8 and digits[:8].isdigit():
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _amount(parent: Element | None, name: str, currency: str | None) -> Decimal | None:
    """An amount, preferring the one in the invoice currency when several are given (tax totals)."""
    if parent is None:
        return None
    found = list(_descendants(parent, name))
    for node in found:
        if currency is not None and node.get("currencyID") == currency:
            return _decimal(node)
    return _decimal(found[0]) if found else None


def _join(*parts: str | None, separator: str = ", ") -> str | None:
    kept = [part for part in parts if part]
    return separator.join(kept) or None


def parse_einvoice(content: bytes) -> EInvoiceData:
    """Parse CII or UBL; raise CorruptFile for XML that is broken or not an invoice."""
    try:
        root = etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"The e-invoice XML is not well-formed: {exc}") from exc
    name = _local(root)
    if name in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return _parse_cii(root)
    if name in ("Invoice", "CreditNote"):
        return _parse_ubl(root)
    raise CorruptFile(f"The XML root `{name}` is not a CII or UBL invoice.")


def _values(pairs: dict[Concept, Any]) -> dict[Concept, Any]:
    return {concept: value for concept, value in pairs.items() if value is not None}


# --- CII ------------------------------------------------------------------------------------------
def _cii_address(party: Element | None) -> str | None:
    address = _first(party, "PostalTradeAddress")
    if address is None:
        return None
    lines = [_text(_child(address, name)) for name in ("LineOne", "LineTwo", "LineThree")]
    city = _join(_text(_child(address, "PostcodeCode")), _text(_child(address, "CityName")), separator=" ")
    return _join(*lines, city, _text(_child(address, "CountryID")))


def _cii_tax_id(party: Element | None) -> str | None:
    if party is None:
        return None
    ids = [
        node for node in _descendants(party, "ID") if _local(node.getparent()) == "SpecifiedTaxRegistration"
    ]
    vat = [node for node in ids if node.get("schemeID") == "VA"]
    return _text((vat or ids)[0]) if ids else None


def _cii_due_date(settlement: Element | None) -> dt.date | None:
    terms = _first(settlement, "SpecifiedTradePaymentTerms")
    return _date(_first(terms, "DueDateDateTime", "DateTimeString|DateTime"))


def _parse_cii(root: Element) -> EInvoiceData:
    header = _child(root, "ExchangedDocument", "HeaderExchangedDocument")
    transaction = _child(root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    agreement = _first(transaction, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement")
    settlement = _first(transaction, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement")
    seller = _first(agreement, "SellerTradeParty")
    buyer = _first(agreement, "BuyerTradeParty")
    currency = _text(_child(settlement, "InvoiceCurrencyCode")) if settlement is not None else None
    totals = _first(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation",
    )
    order = _first(agreement, "BuyerOrderReferencedDocument")
    values = {
        Concept.INVOICE_NUMBER: _text(_child(header, "ID")),
        Concept.ISSUE_DATE: _date(_first(header, "IssueDateTime", "DateTimeString|DateTime")),
        Concept.DUE_DATE: _cii_due_date(settlement),
        Concept.SELLER_NAME: _text(_child(seller, "Name")),
        Concept.SELLER_ADDRESS: _cii_address(seller),
        Concept.SELLER_TAX_ID: _cii_tax_id(seller),
        Concept.BUYER_NAME: _text(_child(buyer, "Name")),
        Concept.BUYER_ADDRESS: _cii_address(buyer),
        Concept.CURRENCY: currency,
        Concept.NET_TOTAL: _amount(totals, "TaxBasisTotalAmount", currency),
        Concept.TAX_TOTAL: _amount(totals, "TaxTotalAmount", currency),
        Concept.GRAND_TOTAL: _amount(totals, "GrandTotalAmount", currency),
        Concept.PURCHASE_ORDER: _text(_child(order, "IssuerAssignedID", "ID")),
    }
    items = tuple(_cii_line(item) for item in _descendants(root, "IncludedSupplyChainTradeLineItem"))
    return EInvoiceData(values=_values(values), line_items=items, syntax="CII")


def _cii_line(item: Element) -> dict[str, Any]:
    price = _first(item, "NetPriceProductTradePrice|GrossPriceProductTradePrice", "ChargeAmount")
    return {
        "description": _text(_first(item, "SpecifiedTradeProduct", "Name")),
        "quantity": _decimal(_first(item, "BilledQuantity")),
        "unit_price": _decimal(price),
        "amount": _decimal(_first(item, "LineTotalAmount")),
    }


# --- UBL ------------------------------------------------------------------------------------------
def _ubl_party_name(party: Element | None) -> str | None:
    return _text(_first(party, "PartyName", "Name")) or _text(
        _first(party, "PartyLegalEntity", "RegistrationName")
    )


def _ubl_address(party: Element | None) -> str | None:
    address = _first(party, "PostalAddress")
    if address is None:
        return None
    street = [_text(_child(address, name)) for name in ("StreetName", "AdditionalStreetName")]
    street += [_text(_first(line, "Line")) for line in _descendants(address, "AddressLine")]
    city = _join(_text(_child(address, "PostalZone")), _text(_child(address, "CityName")), separator=" ")
    return _join(*street, city, _text(_first(address, "Country", "IdentificationCode")))


def _parse_ubl(root: Element) -> EInvoiceData:
    currency = _text(_child(root, "DocumentCurrencyCode"))
    seller = _first(_child(root, "AccountingSupplierParty"), "Party")
    buyer = _first(_child(root, "AccountingCustomerParty"), "Party")
    totals = _child(root, "LegalMonetaryTotal")
    tax_totals = [_amount(node, "TaxAmount", currency) for node in root if _local(node) == "TaxTotal"]
    due = _child(root, "DueDate") if _child(root, "DueDate") is not None else _first(root, "PaymentDueDate")
    values = {
        Concept.INVOICE_NUMBER: _text(_child(root, "ID")),
        Concept.ISSUE_DATE: _date(_child(root, "IssueDate")),
        Concept.DUE_DATE: _date(due),
        Concept.SELLER_NAME: _ubl_party_name(seller),
        Concept.SELLER_ADDRESS: _ubl_address(seller),
        Concept.SELLER_TAX_ID: _text(_first(seller, "PartyTaxScheme", "CompanyID")),
        Concept.BUYER_NAME: _ubl_party_name(buyer),
        Concept.BUYER_ADDRESS: _ubl_address(buyer),
        Concept.CURRENCY: currency,
        Concept.NET_TOTAL: _amount(totals, "TaxExclusiveAmount", currency),
        Concept.TAX_TOTAL: next((amount for amount in tax_totals if amount is not None), None),
        Concept.GRAND_TOTAL: _amount(totals, "TaxInclusiveAmount", currency),
        Concept.PURCHASE_ORDER: _text(_first(_child(root, "OrderReference"), "ID")),
    }
    lines = [node for node in root if _local(node) in ("InvoiceLine", "CreditNoteLine")]
    return EInvoiceData(
        values=_values(values), line_items=tuple(_ubl_line(line) for line in lines), syntax="UBL"
    )


def _ubl_line(line: Element) -> dict[str, Any]:
    item = _child(line, "Item")
    return {
        "description": _text(_child(item, "Name")) or _text(_child(item, "Description")),
        "quantity": _decimal(_child(line, "InvoicedQuantity", "CreditedQuantity")),
        "unit_price": _decimal(_first(_child(line, "Price"), "PriceAmount")),
        "amount": _decimal(_child(line, "LineExtensionAmount")),
    }
