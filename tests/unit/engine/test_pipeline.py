"""extract(): the result document shape, filters, splitting, e-invoices, returned text and PDFs."""

from __future__ import annotations

import base64
import json

import pypdfium2 as pdfium
import pytest

from extractd.domain.errors import PasswordRequired, ValidationFailed
from extractd.domain.templates import Template, parse_template
from extractd.engine import EngineOptions, FilterRule, extract

from .conftest import CII_INVOICE, attach_file, encrypt_pdf, make_pdf

INVOICE_PAGE = [
    "INVOICE",
    "Invoice No: INV-555",
    "Invoice Date: 2024-03-05",
    "Bill to: Buyer Ltd",
    "Subtotal 100.00 EUR",
    "VAT 19.00 EUR",
    "Total 119.00 EUR",
]


def _template() -> Template:
    return parse_template(
        {
            "name": "mini-invoice",
            "fields": [
                {"name": "invoice_number", "type": "text", "description": "The invoice's number."},
                {"name": "total", "type": "money", "description": "Total including tax."},
                {"name": "colour_of_the_sky", "type": "text", "description": "Never printed anywhere."},
            ],
        }
    )


def test_result_has_the_documented_shape() -> None:
    data = extract(make_pdf([INVOICE_PAGE]), _template(), filename="inv.pdf")
    json.dumps(data)  # JSON-ready
    assert set(data) == {"completionTime", "originalName", "processedPages", "documents"}
    assert data["originalName"] == "inv.pdf" and data["processedPages"] == 1
    # The seconds the extraction took: a number, not a timestamp (DESIGN.md §3).
    assert isinstance(data["completionTime"], float) and 0 < data["completionTime"] < 60
    (document,) = data["documents"]
    assert document["extracted"] is True
    assert document["documentName"] == document["usedTemplateName"] == "mini-invoice"
    assert document["sourcePages"] == [1]
    content = document["content"]
    assert set(content) == {"invoice_number", "total", "colour_of_the_sky"}  # never omitted
    assert content["invoice_number"] == "INV-555"
    assert content["total"] == 119.0 and isinstance(content["total"], float)
    assert content["colour_of_the_sky"] is None
    confidences = document["fieldConfidence"]
    assert confidences["colour_of_the_sky"] == 0
    assert document["averageDocumentConfidence"] == pytest.approx(sum(confidences.values()) / 3, abs=0.001)
    assert document["fieldDetails"]["total"]["page"] == 1
    assert len(document["fieldDetails"]["total"]["bbox"]) == 4
    assert document["fieldDetails"]["total"]["currency"] == "EUR"
    assert "returnedText" not in document and "returnedDocumentBase64" not in document


def test_exactly_one_of_template_and_filter_rules() -> None:
    pdf = make_pdf([INVOICE_PAGE])
    with pytest.raises(ValidationFailed):
        extract(pdf)
    with pytest.raises(ValidationFailed):
        extract(pdf, _template(), filter_rules=[FilterRule("x", template=_template())])


def test_loader_errors_come_out_as_domain_errors() -> None:
    with pytest.raises(PasswordRequired):
        extract(encrypt_pdf(make_pdf([INVOICE_PAGE]), "pw"), _template())


def test_returned_text_and_documents() -> None:
    pdf = make_pdf([INVOICE_PAGE, ["Page two"]])
    options = EngineOptions(return_text=True, return_documents=True)
    (document,) = extract(pdf, _template(), options=options)["documents"]
    assert document["returnedText"].startswith("INVOICE\nInvoice No: INV-555")
    assert "Page two" in document["returnedText"]
    returned = pdfium.PdfDocument(base64.b64decode(document["returnedDocumentBase64"]))
    assert len(returned) == 2
    returned.close()


def test_splitting_and_filter_rules_with_a_skip() -> None:
    pdf = make_pdf(
        [
            INVOICE_PAGE,
            ["CONTRACT", "Vertrag zwischen A und B", "Unterschrift"],
        ]
    )
    rules = [
        FilterRule("Invoice", "Supplier invoices", True, _template()),
        FilterRule("Contract", "Contracts and agreements (Vertrag)", False, None),
    ]
    options = EngineOptions(document_splitting=True, return_documents=True)
    documents = extract(pdf, filter_rules=rules, options=options)["documents"]
    assert [d["sourcePages"] for d in documents] == [[1], [2]]
    invoice, contract = documents
    assert invoice["extracted"] is True and invoice["documentName"] == "Invoice"
    assert invoice["usedTemplateName"] == "mini-invoice"
    assert contract["extracted"] is False and contract["content"] == {}
    assert contract["documentName"] == "Contract" and "Contract" in contract["reason"]
    for document in documents:
        returned = pdfium.PdfDocument(base64.b64decode(document["returnedDocumentBase64"]))
        assert len(returned) == 1
        returned.close()


def test_embedded_einvoice_values_win_unless_switched_off() -> None:
    pdf = attach_file(make_pdf([INVOICE_PAGE]), "factur-x.xml", CII_INVOICE)
    (document,) = extract(pdf, _template())["documents"]
    assert document["content"]["invoice_number"] == "INV-2024-017"  # from the XML, not the page
    assert document["fieldConfidence"]["invoice_number"] == 1.0
    (visual,) = extract(pdf, _template(), options=EngineOptions(einvoice=False))["documents"]
    assert visual["content"]["invoice_number"] == "INV-555"


def test_a_bare_einvoice_xml_is_extracted() -> None:
    (document,) = extract(CII_INVOICE, _template(), filename="x.xml")["documents"]
    assert document["content"]["invoice_number"] == "INV-2024-017"
    assert document["content"]["total"] == 119.0


def test_progress_rises_to_100() -> None:
    seen: list[int] = []
    extract(make_pdf([INVOICE_PAGE, ["two"], ["three"]]), _template(), progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 100
    assert seen == sorted(set(seen)) and len(seen) >= 4


def test_docx_is_extracted_and_returned_as_a_pdf() -> None:
    from .conftest import make_docx

    docx = make_docx(["INVOICE", "Invoice No: INV-880"], [["Total", "42.00 EUR"]])
    options = EngineOptions(return_text=True, return_documents=True)
    (document,) = extract(docx, _template(), filename="a.docx", options=options)["documents"]
    assert document["content"]["invoice_number"] == "INV-880"
    assert "Total 42.00 EUR" in document["returnedText"]
    returned = pdfium.PdfDocument(base64.b64decode(document["returnedDocumentBase64"]))
    assert len(returned) == 1 and "INV-880" in returned[0].get_textpage().get_text_range()
    returned.close()
