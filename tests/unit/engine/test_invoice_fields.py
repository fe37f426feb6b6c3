"""Invoice fields end to end through extract_fields, on pages built here from positioned text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from extractd.domain.templates import parse_template
from extractd.engine.fields import builtin_templates, extract_fields
from extractd.engine.layout import build_lines
from extractd.engine.types import Concept, EInvoiceData, Page, Word

from .conftest import page

GERMAN_INVOICE = page(
    [
        (50, 40, "ACME Werkzeuge GmbH"),
        (50, 120, "ACME Werkzeuge GmbH · Hauptstr. 1 · 10115 Berlin"),
        (50, 140, "Kunden AG Mitte"),
        (50, 154, "Musterweg 5"),
        (50, 168, "80333 München"),
        (350, 140, "Rechnungsnummer:"),
        (450, 140, "RE-2024-0017"),
        (350, 154, "Rechnungsdatum:"),
        (450, 154, "05.03.2024"),
        (350, 168, "Bestellnummer:"),
        (450, 168, "PO-99812"),
        (50, 300, "Nettobetrag"),
        (480, 300, "1.000,00 €"),
        (50, 314, "MwSt 19%"),
        (480, 314, "190,00 €"),
        (50, 328, "Gesamtbetrag"),
        (480, 328, "1.190,00 €"),
        (50, 360, "Zahlbar bis 20.03.2024 ohne Abzug."),
        (50, 380, "USt-IdNr: DE123456789"),
    ]
)


def test_builtin_templates_have_the_fields_of_the_design() -> None:
    templates = builtin_templates()
    assert [f.name for f in templates["invoice"].fields] == [
        "invoice_number", "invoice_date", "due_date", "vendor_name", "vendor_address", "vendor_tax_id",
        "customer_name", "customer_address", "currency", "subtotal", "tax_amount", "total_amount",
        "purchase_order", "line_items",
    ]  # fmt: skip
    assert [f.name for f in templates["receipt"].fields] == [
        "merchant_name", "merchant_address", "date", "time", "total", "tax", "payment_method", "line_items",
    ]  # fmt: skip
    assert [f.name for f in templates["receipt"].fields[-1].fields] == ["description", "quantity", "amount"]


def test_german_invoice_with_the_builtin_template() -> None:
    values = extract_fields([GERMAN_INVOICE], builtin_templates()["invoice"])
    assert values["invoice_number"].value == "RE-2024-0017"
    assert values["invoice_date"].value == "2024-03-05"
    assert values["due_date"].value == "2024-03-20"
    assert values["vendor_name"].value == "ACME Werkzeuge GmbH"
    assert values["customer_name"].value == "Kunden AG Mitte"
    assert values["currency"].value == "EUR"
    assert values["subtotal"].value == 1000.0
    assert values["tax_amount"].value == 190.0
    assert values["total_amount"].value == 1190.0
    assert values["total_amount"].extra["currency"] == "EUR"
    assert values["purchase_order"].value == "PO-99812"
    assert values["vendor_tax_id"].value == "DE123456789"
    # totals that add up are reported with high confidence, and where they were found
    assert values["total_amount"].confidence >= 0.9
    assert values["total_amount"].page == 1 and values["total_amount"].bbox is not None


def test_every_field_is_a_key_even_when_not_found() -> None:
    empty = page([(50, 50, "Nothing useful on this page")])
    values = extract_fields([empty], builtin_templates()["invoice"])
    assert set(values) == {f.name for f in builtin_templates()["invoice"].fields}
    assert values["invoice_number"].value is None and values["invoice_number"].confidence == 0.0


def test_user_template_names_and_date_format() -> None:
    template = parse_template(
        {
            "name": "my-invoices",
            "fields": [
                {"name": "Rechnungsnummer", "type": "text"},
                {"name": "issued", "type": "date", "description": "Date the invoice was issued.",
                 "dateFormat": "DD/MM/YYYY"},
                {"name": "brutto", "type": "money", "description": "Total including tax"},
                {"name": "number_as_digits", "type": "text", "description": "The invoice number",
                 "pattern": "^\\d+$"},
            ],
        }
    )  # fmt: skip
    values = extract_fields([GERMAN_INVOICE], template)
    assert values["Rechnungsnummer"].value == "RE-2024-0017"
    assert values["issued"].value == "05/03/2024"
    assert values["brutto"].value == 1190.0
    assert values["number_as_digits"].value is None  # the only candidate fails the pattern


def test_arithmetic_picks_consistent_totals_over_a_misleading_label() -> None:
    doc = page(
        [
            (50, 100, "Invoice No: 4711"),
            (50, 300, "Subtotal"),
            (480, 300, "$717.97"),  # a "subtotal" that is really the gross
            (50, 314, "Total excl. VAT"),
            (480, 314, "$593.36"),
            (50, 328, "VAT 21%"),
            (480, 328, "$124.61"),
            (50, 342, "Total"),
            (480, 342, "$717.97"),
        ]
    )
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["subtotal"].value == 593.36
    assert values["tax_amount"].value == 124.61
    assert values["total_amount"].value == 717.97
    assert values["currency"].value == "USD"


def test_missing_net_is_derived_when_there_is_no_tax() -> None:
    doc = page([(50, 100, "Invoice Number: A-1"), (300, 300, "Total EUR"), (480, 300, "34,73")])
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["total_amount"].value == 34.73
    assert values["subtotal"].value == 34.73
    assert values["subtotal"].confidence < 0.9  # derived, not read


def test_credit_note_amounts_are_positive_sums() -> None:
    doc = page(
        [
            (30, 90, "Avoir AV-2017-0005"),
            (300, 300, "Total HT"),
            (480, 300, "-218,48 €"),
            (300, 314, "Total TVA"),
            (480, 314, "-14,99 €"),
            (300, 328, "Total TTC"),
            (480, 328, "-233,47 €"),
        ]
    )
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert (values["subtotal"].value, values["tax_amount"].value, values["total_amount"].value) == (
        218.48, 14.99, 233.47,
    )  # fmt: skip


def test_einvoice_values_override_with_full_confidence() -> None:
    einvoice = EInvoiceData(
        values={
            Concept.INVOICE_NUMBER: "X-1",
            Concept.ISSUE_DATE: date(2020, 1, 31),
            Concept.GRAND_TOTAL: Decimal("10.50"),
        },
        line_items=({"description": "Widget", "quantity": Decimal("2"), "unit_price": Decimal("5.25"),
                     "amount": Decimal("10.50")},),
        syntax="CII",
    )  # fmt: skip
    values = extract_fields([GERMAN_INVOICE], builtin_templates()["invoice"], einvoice)
    assert values["invoice_number"].value == "X-1" and values["invoice_number"].confidence == 1.0
    assert values["invoice_date"].value == "2020-01-31"
    assert values["total_amount"].value == 10.5
    assert values["line_items"].value == [
        {"description": "Widget", "quantity": 2.0, "unit_price": 5.25, "amount": 10.5}
    ]
    # fields the e-invoice does not carry still come from the page
    assert values["purchase_order"].value == "PO-99812"


def test_sections_group_sub_fields() -> None:
    template = parse_template(
        {
            "name": "sectioned",
            "fields": [
                {"name": "totals", "type": "section", "fields": [
                    {"name": "net", "type": "money"},
                    {"name": "gross", "type": "money", "description": "brutto"}]},
            ],
        }
    )  # fmt: skip
    values = extract_fields([GERMAN_INVOICE], template)
    assert values["totals"].value == {"net": 1000.0, "gross": 1190.0}
    assert 0.0 < values["totals"].confidence <= 1.0


def test_english_invoice_month_names_and_bill_to() -> None:
    doc = page(
        [
            (257, 68, "Example Cloud Services Invoice"),
            (257, 118, "Invoice Number:"),
            (520, 118, "42183017"),
            (257, 130, "Invoice Date:"),
            (500, 130, "August 3 , 2014"),
            (36, 140, "Bill to:"),
            (36, 152, "Blue Lake Labs Limited"),
            (36, 164, "93 Harbour Road"),
            (40, 360, "Total for this invoice"),
            (540, 360, "$4.11"),
        ]
    )
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["invoice_number"].value == "42183017"
    assert values["invoice_date"].value == "2014-08-03"
    assert values["customer_name"].value == "Blue Lake Labs Limited"
    assert values["total_amount"].value == 4.11
    assert values["currency"].value == "USD"


def test_seller_and_buyer_blocks_under_party_labels() -> None:
    doc = page(
        [
            (70, 60, "Handelsrechnung (380) Nr. 471102 vom 05.03.2018"),
            (70, 160, "Verkäufer"),
            (70, 178, "Nummer:"), (260, 178, "549910"),
            (70, 196, "Name:"), (260, 196, "Lieferant GmbH"),
            (70, 214, "Anschrift:"), (260, 214, "Lieferantenstraße 20"),
            (260, 232, "DE 80333 München"),
            (70, 300, "Käufer/Leistungsempfänger"),
            (70, 318, "Nummer:"), (260, 318, "GE2020211"),
            (70, 336, "Name:"), (260, 336, "Kunden AG Mitte"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["invoice_number"].value == "471102"
    assert values["invoice_date"].value == "2018-03-05"
    assert values["vendor_name"].value == "Lieferant GmbH"
    assert values["customer_name"].value == "Kunden AG Mitte"


def test_letterhead_company_and_its_address() -> None:
    doc = page(
        [
            (45, 43, "FACTUUR."), (445, 43, "Coolblue B.V."),
            (445, 57, "Weena 664"),
            (445, 71, "3012 CN Rotterdam"),
            (45, 110, "Pino Bluebird"),
            (45, 124, "Sessamestreet 32"),
            (45, 138, "1025 RX Amsterdam"),
            (45, 170, "Factuurnummer: 993548900"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["vendor_name"].value == "Coolblue B.V."
    assert values["vendor_address"].value == "Weena 664 3012 CN Rotterdam"
    assert values["customer_name"].value == "Pino Bluebird"
    assert values["customer_address"].value == "Sessamestreet 32 1025 RX Amsterdam"
    assert values["invoice_number"].value == "993548900"


def test_us_invoice_month_first_dates_line_items_and_zip_address() -> None:
    doc = page(
        [
            (50, 40, "Acme Widgets Inc."), (50, 54, "100 Main Street"), (50, 68, "Springfield, IL 62701"),
            (400, 40, "INVOICE"), (400, 60, "Invoice #: 10234"), (400, 74, "Date: 03/05/2021"),
            (400, 88, "Due Date: 04/14/2021"),
            (50, 120, "Bill To:"), (50, 134, "Globex Corporation"), (50, 148, "42 Elm Road"),
            (50, 162, "Shelbyville, IL 62565"),
            (50, 220, "Description"), (300, 220, "Qty"), (380, 220, "Rate"), (480, 220, "Amount"),
            (50, 236, "Consulting hours"), (305, 236, "10"), (380, 236, "$9.00"), (480, 236, "$90.00"),
            (50, 250, "Travel"), (305, 250, "1"), (380, 250, "$10.00"), (480, 250, "$10.00"),
            (380, 300, "Subtotal"), (480, 300, "$100.00"), (380, 314, "Tax (8%)"), (480, 314, "$8.00"),
            (380, 328, "Total"), (480, 328, "$108.00"), (380, 342, "Balance Due"), (480, 342, "$108.00"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["invoice_number"].value == "10234"
    assert values["invoice_date"].value == "2021-03-05"  # 04/14 on the page shows dates are month first
    assert values["due_date"].value == "2021-04-14"
    assert values["vendor_name"].value == "Acme Widgets Inc."
    assert values["vendor_address"].value == "100 Main Street Springfield, IL 62701"
    assert values["customer_name"].value == "Globex Corporation"
    assert (values["subtotal"].value, values["tax_amount"].value, values["total_amount"].value) == (
        100.0, 8.0, 108.0,
    )  # fmt: skip
    assert [row["amount"] for row in values["line_items"].value] == [90.0, 10.0]


def test_indian_tax_invoice_gstin_and_rupees() -> None:
    doc = page(
        [
            (50, 40, "Sharma Traders Pvt. Ltd."), (50, 54, "GSTIN: 27AAPFU0939F1ZV"),
            (400, 40, "Tax Invoice"), (400, 60, "Invoice No: INV/2019/0456"),
            (400, 74, "Invoice Date: 12-03-2019"),
            (50, 120, "Billed To"), (50, 134, "Rahul Enterprises"),
            (380, 300, "Taxable Value"), (480, 300, "1,000.00"), (380, 314, "IGST 18%"), (480, 314, "180.00"),
            (380, 328, "Grand Total"), (480, 328, "₹ 1,180.00"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["invoice_number"].value == "INV/2019/0456"
    assert values["invoice_date"].value == "2019-03-12"
    assert values["vendor_name"].value == "Sharma Traders Pvt. Ltd."
    assert values["vendor_tax_id"].value == "27AAPFU0939F1ZV"
    assert values["customer_name"].value == "Rahul Enterprises"
    assert values["currency"].value == "INR"
    assert values["total_amount"].value == 1180.0 and values["tax_amount"].value == 180.0


def test_names_wrapped_over_two_lines_in_party_blocks() -> None:
    doc = page(
        [
            (50, 300, "Verkäufer:"),
            (50, 322, "MVM Musterhafter"), (50, 334, "Versicherungsverein Musterstadt a.G."),
            (50, 346, "Musterstr. 12"), (50, 358, "DE 12345 Musterstadt"),
            (50, 400, "Käufer/Leistungsempfänger:"),
            (50, 422, "Herrn"), (50, 434, "Max Mustermann"), (50, 446, "Musterstr. 11"),
            (50, 458, "DE 12346 Bad Musterhausen"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["vendor_name"].value == "MVM Musterhafter Versicherungsverein Musterstadt a.G."
    assert values["vendor_address"].value == "Musterstr. 12 DE 12345 Musterstadt"
    assert values["customer_name"].value == "Herrn Max Mustermann"
    assert values["customer_address"].value == "Musterstr. 11 DE 12346 Bad Musterhausen"


def test_template_labels_override_the_general_vocabulary() -> None:
    template = parse_template(
        {
            "name": "labelled",
            "fields": [
                {"name": "invoice_number", "type": "text", "labels": ["Bestellnummer"]},
                {"name": "net", "type": "money", "labels": ["Nettobetrag"]},
            ],
        }
    )
    values = extract_fields([GERMAN_INVOICE], template)
    assert values["invoice_number"].value == "PO-99812"  # the user's label wins over "Rechnungsnummer"
    assert values["net"].value == 1000.0
    assert values["net"].confidence >= 0.95  # our reading and the user's label agree


def test_einvoice_line_items_under_the_templates_own_column_names() -> None:
    template = parse_template(
        {
            "name": "positions",
            "fields": [{"name": "positionen", "type": "list", "description": "line items", "fields": [
                {"name": "text", "type": "text", "description": "item description"},
                {"name": "menge", "type": "decimal", "description": "quantity"},
                {"name": "betrag", "type": "money", "description": "line amount"}]}],
        }
    )  # fmt: skip
    einvoice = EInvoiceData(
        values={},
        line_items=({"description": "Widget", "quantity": Decimal("2"), "unit_price": Decimal("5.25"),
                     "amount": Decimal("10.50")},),
    )  # fmt: skip
    values = extract_fields([GERMAN_INVOICE], template, einvoice)
    assert values["positionen"].value == [{"text": "Widget", "menge": 2.0, "betrag": 10.5}]


def _sized_page(items: list[tuple[float, float, str, float]]) -> Page:
    """A page whose lines have their own print size (x, y from the top, text, size in points)."""
    words: list[Word] = []
    for x, y, text, size in items:
        left = x
        for token in text.split():
            width = 0.55 * size * len(token)
            words.append(Word(token, (left, y, left + width, y + size)))
            left += width + 0.4 * size
    return Page(1, 595.0, 842.0, build_lines(words))


def test_the_seller_is_the_header_block_over_its_address() -> None:
    doc = _sized_page(
        [
            (40, 40, "INVOICE", 24), (420, 40, "Northwind Traders", 16),
            (420, 60, "12 Harbour Road", 10), (420, 72, "Springfield 10001", 10),
            (40, 140, "Bill To", 10), (40, 154, "Ada Lovelace", 10),
            (40, 166, "4 Analytical Row", 10), (40, 178, "London SW1A 1AA", 10),
            (40, 260, "Consulting services", 10), (400, 260, "100.00", 10),
            (300, 300, "Total", 10), (400, 300, "$100.00", 10),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["vendor_name"].value == "Northwind Traders"
    assert values["customer_name"].value == "Ada Lovelace"


def _invoice_number(items: list[tuple[float, float, str]]) -> object:
    return extract_fields([page(items)], builtin_templates()["invoice"])["invoice_number"].value


def test_invoice_numbers_under_a_header_cell_and_as_printed() -> None:
    header = [(40, 100, "Bill To"), (300, 100, "Invoice#"), (40, 114, "Ada Lovelace"), (300, 114, "INV-7")]
    assert _invoice_number(header) == "INV-7"
    grouped = [(40, 100, "Factura"), (200, 100, "1 24 0005 0001201345"), (400, 100, "Fax : 0034916625173")]
    assert _invoice_number(grouped) == "1 24 0005 0001201345"
    assert _invoice_number([(300, 100, "INVOICE #"), (400, 100, "4")]) == "4"
    dated = [(40, 100, "Invoice number"), (40, 114, "Date of issue July 19, 2025")]
    assert _invoice_number(dated) not in ("19", "2025")
    assert _invoice_number([(40, 100, "Rechnungsnummer: 2024-03-10t172205")]) == "2024-03-10t172205"


def test_totals_in_columns_and_with_a_detached_currency_sign() -> None:
    doc = page(
        [
            (40, 200, "Widgets"), (300, 200, "150"), (400, 200, "750.00"),
            (300, 300, "Subtotal:"), (400, 300, "$"), (420, 300, "1,000"),
            (300, 314, "TOTAL"), (360, 314, "150"), (420, 314, "1,100.00"),
        ]
    )  # fmt: skip
    values = extract_fields([doc], builtin_templates()["invoice"])
    assert values["subtotal"].value == 1000.0
    assert values["total_amount"].value == 1100.0


def test_due_dates_from_payment_sentences() -> None:
    for sentence in ("Please pay until: 09/22/2021", "Payable on or before 22/9/2021"):
        doc = page([(40, 100, "Invoice date: 2021-09-08"), (40, 400, sentence)])
        assert extract_fields([doc], builtin_templates()["invoice"])["due_date"].value == "2021-09-22"


def test_a_plural_of_a_party_label_is_a_word_in_a_sentence() -> None:
    doc = page([(40, 100, "fournisseurs"), (40, 114, "ou des appels de vote")])
    vendor = extract_fields([doc], builtin_templates()["invoice"])["vendor_name"].value
    assert vendor != "ou des appels de vote"


def test_confidence_falls_on_documents_unlike_the_known_ones() -> None:
    template = builtin_templates()["invoice"]
    clear = page([(40, 100, "Invoice date: 13/08/2022"), (40, 114, "Invoice number: A-1001")])
    swappable = page([(40, 100, "Invoice date: 01/08/2022"), (40, 114, "Invoice number: A-1001")])
    sure = extract_fields([clear], template)["invoice_date"].confidence
    unsure = extract_fields([swappable], template)["invoice_date"].confidence
    assert unsure < sure  # nothing on the page tells whether 01/08 is the 1st of August or 8 January
    few = page([(40, 40, "Northwind Traders"), (40, 300, "Total"), (400, 300, "100.00")])
    many = page(
        [(40, 40, "Northwind Traders"), (40, 100, "Invoice number: A-1001"),
         (40, 114, "Invoice date: 13/08/2022"), (40, 280, "Subtotal"), (400, 280, "100.00"),
         (40, 300, "Total"), (400, 300, "100.00")]
    )  # fmt: skip
    alone = extract_fields([few], template)["total_amount"]
    anchored = extract_fields([many], template)["total_amount"]
    assert alone.value == anchored.value == 100.0
    assert alone.confidence < anchored.confidence  # hardly any of the usual labels: less sure


def test_generic_fallback_values_are_marked_and_less_sure() -> None:
    from extractd.engine.fields import confidence
    from extractd.engine.fields.document import DocView
    from extractd.engine.fields.generic import generic_candidates

    template = parse_template(
        {"name": "t", "fields": [{"name": "reference_code", "type": "text", "description": "Reference code"}]}
    )
    doc = DocView([page([(40, 100, "Reference code: XK-9921")])])
    found = generic_candidates(template.fields[0], doc)
    assert found and all(c.rule.startswith("generic:") for c in found)
    read_by_name = confidence.score("label_right", prior=0.9)  # the field's name as its label
    assert found[0].score == pytest.approx(read_by_name * confidence.unfamiliar("generic"))
    assert confidence.unfamiliar("generic") < 1.0


def test_names_keyed_titled_or_followed_by_an_id() -> None:
    keyed = page(
        [(26, 40, "Factuur"), (26, 60, "Bedrijf: Stroom Webdesign"),
         (26, 74, "Adres: Hoofdstraat 9, 1234 AB, Utrecht"), (26, 140, "Factuur aan:"),
         (26, 154, "Naam: Piet Jansen")]
    )  # fmt: skip
    values = extract_fields([keyed], builtin_templates()["invoice"])
    assert values["vendor_name"].value == "Stroom Webdesign"
    assert values["customer_name"].value == "Piet Jansen"
    titled = page([(40, 200, "Bill To"), (40, 214, "Ms. Mary D. Dunton"), (40, 228, "1324 Hinkle Lake Road")])
    assert extract_fields([titled], builtin_templates()["invoice"])["customer_name"].value == "Mary D. Dunton"
    slip = page([(20, 600, "Payable by"), (20, 614, "Jean Muster"), (20, 628, "CH 1000 Lausanne")])
    assert extract_fields([slip], builtin_templates()["invoice"])["customer_name"].value == "Jean Muster"


def test_a_year_inside_a_date_is_not_an_amount() -> None:
    doc = page([(40, 400, "10/2/2015 až 9/2/2016"), (300, 400, "21 %"), (400, 400, "1 000,00 Kč")])
    assert extract_fields([doc], builtin_templates()["invoice"])["total_amount"].value == 1000.0


def test_a_bare_dollar_is_the_currency_of_the_documents_country() -> None:
    def currency(address: str) -> object:
        doc = page(
            [(40, 60, "Northern Outfitters"), (40, 74, address), (40, 300, "Total"), (400, 300, "$47.46")]
        )
        return extract_fields([doc], builtin_templates()["invoice"])["currency"].value

    assert currency("TORONTO ON M5H 3T4") == "CAD"
    assert currency("SAN MATEO, CA 94401") == "USD"


def test_invoice_labels_come_from_the_language_files() -> None:
    from extractd.engine.fields import vocabulary
    from extractd.engine.locales import all_languages

    spanish = all_languages()["es"]["words"]
    assert "Número de factura" in spanish["invoice_number"]
    assert "Número de factura" in vocabulary.LABELS[Concept.INVOICE_NUMBER]
    assert "Cobrar a" in spanish["buyer_label"] and "Cobrar a" in vocabulary.BUYER_LABELS
    for concept, labels in vocabulary.LABELS.items():
        assert labels, concept
    assert vocabulary.SELLER_LABELS and vocabulary.DELIVERY_LABELS and vocabulary.CURRENCY_LABELS
