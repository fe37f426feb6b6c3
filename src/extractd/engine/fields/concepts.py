"""Map a user's template field onto a Concept the engine knows how to find.

Users name fields as they like (`inv_no`, `Rechnungsnummer`, `amount_untaxed`, `merchant`), so the
mapping reads the name's words first, then the description's, in English, German, French and Dutch.
Anything that maps to nothing is left to the generic label/description matcher.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from extractd.domain.templates import FieldType, Template, TemplateField
from extractd.engine.types import Concept

_MONEY_TYPES = frozenset({FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER, FieldType.TEXT})

# Regexes over the normalised words ("invoice number", "rechnungsnummer"), most specific first.
_NET = "|".join(
    (
        r"untaxed",
        r"\bnet",
        r"netto",
        r"subtotal",
        r"sub total",
        r"zwischensumme",
        r"before tax",
        r"excl",
        r"hors tax",
        r"\bht\b",
        r"pre tax",
        r"taxable",
        r"exkl",
        r"ohne (mwst|steuer)",
        r"without tax",
        r"base amount",
        r"tax base",
    )
)
_GROSS = "|".join(
    (
        r"incl",
        r"inkl",
        r"including tax",
        r"with tax",
        r"after tax",
        r"\bttc\b",
        r"gross",
        r"brutto",
        r"grand total",
        r"to pay",
        r"amount due",
        r"total due",
        r"balance due",
        r"payable",
        r"zu zahlen",
        r"a payer",
        r"à payer",
        r"te betalen",
        r"endbetrag",
        r"gesamtbetrag",
    )
)
_TAX = "|".join(
    (
        r"\btax",
        r"\bvat\b",
        r"mwst",
        r"\bust\b",
        r"umsatzsteuer",
        r"mehrwertsteuer",
        r"steuer",
        r"\btva\b",
        r"\btaxe",
        r"\bbtw\b",
        r"\bgst\b",
        r"\bsst\b",
        r"\bhst\b",
    )
)
_SELLER = "|".join(
    (
        r"seller",
        r"vendor",
        r"supplier",
        r"merchant",
        r"company",
        r"issuer",
        r"\bstore",
        r"\bshop",
        r"business",
        r"lieferant",
        r"verk[aä]ufer",
        r"anbieter",
        r"rechnungssteller",
        r"fournisseur",
        r"vendeur",
        r"[ée]metteur",
        r"leverancier",
        r"verkoper",
        r"restaurant",
        r"firma",
        r"soci[ée]t[ée]",
        r"bedrijf",
        r"from\b",
        r"sender",
        r"biller",
        r"payee",
    )
)
_BUYER = "|".join(
    (
        r"buyer",
        r"customer",
        r"client",
        r"bill to",
        r"billed to",
        r"recipient",
        r"purchaser",
        r"kunde",
        r"k[aä]ufer",
        r"empf[aä]nger",
        r"auftraggeber",
        r"acheteur",
        r"destinataire",
        r"klant",
        r"koper",
        r"afnemer",
        r"ship to",
        r"sold to",
        r"debtor",
    )
)
_ADDRESS = r"address(?!ed)|adresse|adres\b|anschrift|location|street"
_NAME = r"\bname|\bnom\b|\bnaam\b"
_TAX_ID = "|".join(
    (
        r"vat id",
        r"vat no",
        r"vat number",
        r"tax id",
        r"tax number",
        r"tax no",
        r"ust ?id",
        r"steuernummer",
        r"steuer nr",
        r"tva intra",
        r"n° tva",
        r"numero tva",
        r"btw ?nummer",
        r"btw nr",
        r"gst ?(no|number|id|reg)",
        r"sst ?(no|id)",
        r"siret",
        r"siren",
        r"\btin\b",
        r"\bvat reg",
        r"registration number",
        r"\bidnr",
    )
)
_INVOICE_NO = "|".join(
    (
        r"(invoice|inv|bill|rechnung|rechnungs|facture|factuur|receipt|beleg|document|doc|credit note"
        r"|gutschrift|avoir)s? ?(number|no|nr|num|nummer|numero|num[ée]ro|id|#|n°|ref)",
        r"rechnungsnummer",
        r"factuurnummer",
        r"belegnummer",
        r"invoice id",
        r"invoice ref",
        r"^(number|no|nr|num|id)$",
    )
)
_PO = "|".join(
    (
        r"\bpo\b",
        r"purchase order",
        r"order (number|no|nr|id|ref)",
        r"bestellnummer",
        r"bestell nr",
        r"auftragsnummer",
        r"bon de commande",
        r"commande",
        r"bestelnummer",
        r"inkooporder",
        r"your reference",
        r"ihr zeichen",
    )
)
_DUE = (
    r"due|f[aä]llig|zahlbar bis|zahlungsziel|[ée]ch[ée]ance|vervaldatum|verval|payment date|pay by|payable by"
)
_ISSUE_DATE = r"date|datum|\bdatе|\bdated\b|issued|invoice date|rechnungsdatum|factuurdatum|date de facture"
_TIME = r"\btime\b|zeit|uhrzeit|heure|\btijd\b"
_CURRENCY = r"currency|w[aä]hrung|devise|monnaie|valuta|munteenheid"
_PAYMENT = "|".join(
    (
        r"payment (method|type|mode|means)",
        r"paid (by|with)",
        r"tender",
        r"zahlungsart",
        r"zahlart",
        r"zahlungsmittel",
        r"mode de (paiement|r[èe]glement)",
        r"moyen de paiement",
        r"betaalwijze",
        r"betaalmethode",
        r"betaalmiddel",
    )
)
_ITEMS = (
    r"line items|\bitems\b|positions|\blines\b|positionen|artikel|articles|lignes|regels|products|services"
)
_TOTAL = r"total|amount|sum|summe|betrag|montant|bedrag|totaal|gesamt|price|value|cost"


@lru_cache(maxsize=4096)
def words_of(text: str) -> str:
    """Split identifiers and sentences into lower-case words: `invoiceNumber_2` -> `invoice number 2`."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"[_\-./:()\[\],;]+", " ", text).lower()
    return " ".join(text.split())


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def _money_concept(name: str, description: str) -> Concept | None:
    """Which of net, tax or gross total a money field asks for."""
    for text in (name, description):
        if _has(_NET, text):
            return Concept.NET_TOTAL
        if _has(_GROSS, text):
            return Concept.GRAND_TOTAL
        if _has(_TAX, text) and not _has(_TAX_ID, text) and not _has(r"rate|percent|satz|taux|%", text):
            return Concept.TAX_TOTAL
    if _has(_TOTAL, name) or _has(r"total|amount|paid|pay", description):
        return Concept.GRAND_TOTAL
    return None


def _party_concept(text: str) -> Concept | None:
    if _has(
        r"\b(number|no|nr|num|id|nummer|numero|code|account|email|mail|phone|tel|fax|iban|contact)\b", text
    ):
        return None  # `customer_number`, `vendor_id`: an identifier of the party, not the party
    is_address = _has(_ADDRESS, text)
    if _has(_BUYER, text):
        return Concept.BUYER_ADDRESS if is_address else Concept.BUYER_NAME
    if _has(_SELLER, text):
        return Concept.SELLER_ADDRESS if is_address else Concept.SELLER_NAME
    return None


def _date_concept(name: str, description: str) -> Concept | None:
    if _has(_DUE, name) or (not _has(r"issue|invoice date", name) and _has(_DUE, description)):
        return Concept.DUE_DATE
    if _has(r"deliver|liefer|livraison|levering|order|birth|start|end|period|service|ship", name):
        return None
    return Concept.ISSUE_DATE


def _identifier_concept(name: str, description: str) -> Concept | None:
    for text in (name, description):
        if _has(_TAX_ID, text):
            return None if _has(_BUYER, text) else Concept.SELLER_TAX_ID
        if _has(_PO, text):
            return Concept.PURCHASE_ORDER
        if _has(_INVOICE_NO, text):
            return Concept.INVOICE_NUMBER
    return None


def _typed_concept(field: TemplateField, name: str, description: str) -> Concept | None:
    """Concepts decided by the field's type alone (or mostly)."""
    if field.type is FieldType.LIST:
        return Concept.LINE_ITEMS if _has(_ITEMS, name + " " + description) or "item" in name else None
    if field.type is FieldType.CURRENCY or _has(_CURRENCY, name):
        return Concept.CURRENCY
    if field.type is FieldType.DATE:
        return _date_concept(name, description)
    if _has(_TIME, name) and field.type is FieldType.TEXT:
        return Concept.ISSUE_TIME
    return None


def concept_for(field: TemplateField, template: Template | None = None) -> Concept | None:
    """The Concept a field asks for, from its name, description and labels; None if it is something else."""
    return _concept_of(field)


# Fields are frozen and hashable, and the same few fields are asked about for every line and check.
@lru_cache(maxsize=4096)
def _concept_of(field: TemplateField) -> Concept | None:
    name = words_of(field.name)
    description = words_of(field.description + " " + " ".join(field.labels))
    if field.type in (FieldType.SECTION, FieldType.EMAIL, FieldType.PHONE, FieldType.IBAN, FieldType.BOOLEAN):
        return None
    typed = _typed_concept(field, name, description)
    if typed is not None or field.type in (FieldType.LIST, FieldType.CURRENCY, FieldType.DATE):
        return typed
    if _has(_PAYMENT, name) or _has(_PAYMENT, description):
        return Concept.PAYMENT_METHOD
    identifier = _identifier_concept(name, description)
    if identifier is not None:
        return identifier
    if field.type in _MONEY_TYPES and field.type is not FieldType.TEXT:
        return _money_concept(name, description)
    party = _party_concept(name) or _party_concept(description)
    if party is not None:
        return party
    if _has(_ADDRESS, name):
        return Concept.SELLER_ADDRESS  # an unqualified address on a document is its issuer's
    if _has(r"^(company|merchant|vendor|name|store|shop)$", name):
        return Concept.SELLER_NAME
    if _has(_TOTAL, name) and field.type is FieldType.TEXT:
        return _money_concept(name, description)
    return None
