"""Builders for small real documents, made inside the tests: PDFs, images, DOCX and e-invoice XML."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import pikepdf
import pytest
from examples.make_sample_invoice import pdf_file, pdf_string
from PIL import Image, ImageDraw, ImageFont

from extractd.engine.layout import build_lines
from extractd.engine.types import Page, Word

A4 = (595.0, 842.0)
# A line of text on a built PDF page: a plain string (stacked down the page) or (x, y_from_top, text).
PdfLine = str | tuple[float, float, str]
Placed = tuple[float, float, str]  # x, y from the top, text


def page(items: Sequence[Placed], number: int = 1) -> Page:
    """An A4 page of words laid out from positioned text (5.5 pt a character, 4 pt between words),
    for the field and table tests that skip loading a file."""
    words: list[Word] = []
    for x, y, text in items:
        left = x
        for token in text.split():
            width = 5.5 * len(token)
            words.append(Word(token, (left, y, left + width, y + 10.0)))
            left += width + 4.0
    return Page(number, 595.0, 842.0, build_lines(words))


def _content_stream(lines: Sequence[PdfLine], height: float, font_size: float) -> bytes:
    parts = []
    for index, line in enumerate(lines):
        x, y_top, text = line if isinstance(line, tuple) else (50.0, 60.0 + index * 18.0, line)
        baseline = height - y_top - font_size
        parts.append(b"BT /F1 %.1f Tf %.2f %.2f Td %s Tj ET" % (font_size, x, baseline, pdf_string(text)))
    return b"\n".join(parts)


def make_pdf(
    pages: Sequence[Sequence[PdfLine]], size: tuple[float, float] = A4, font_size: float = 11
) -> bytes:
    """A text PDF (Helvetica, WinAnsi) with the given lines on each page, written by hand."""
    width, height = size
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects: list[bytes] = [b"", b"", font]
    kids = []
    for lines in pages:
        stream = _content_stream(lines, height, font_size)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, content_ref)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return pdf_file(objects)


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        out = io.BytesIO()
        document.save(out, encryption=pikepdf.Encryption(user=password, owner=password + "-owner", R=6))
        return out.getvalue()


def attach_file(pdf: bytes, name: str, data: bytes) -> bytes:
    """The PDF with `data` embedded as the attachment `name` (how Factur-X/ZUGFeRD carry their XML)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.attachments[name] = pikepdf.AttachedFileSpec(document, data, mime_type="text/xml")
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def make_form_pdf(value: str) -> bytes:
    """A PDF form whose text field holds `value` with no appearance stream: the value lives only in the
    AcroForm, outside the page's text layer."""
    document = pikepdf.new()
    document.add_blank_page(page_size=A4)
    font = document.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    widget = document.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("field"),
            V=pikepdf.String(value),
            Rect=[100, 700, 300, 720],
            F=4,
            DA=pikepdf.String("/Helv 12 Tf 0 g"),
        )
    )
    document.pages[0].Annots = document.make_indirect(pikepdf.Array([widget]))
    document.Root.AcroForm = pikepdf.Dictionary(
        Fields=[widget],
        NeedAppearances=True,
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
        DA=pikepdf.String("/Helv 12 Tf 0 g"),
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_image(
    lines: Sequence[str], size: tuple[int, int] = (1240, 1754), fmt: str = "PNG", font_px: int = 36
) -> bytes:
    """An image (A4 at 150 dpi by default) with black text lines drawn on white."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_px)
    for index, text in enumerate(lines):
        draw.text((80, 80 + index * int(font_px * 1.8)), text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def docx_with_body(body_xml: bytes) -> bytes:
    """A valid DOCX whose body is ``body_xml`` (raw WordprocessingML): files python-docx won't write."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(["x"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head, _, rest = data.partition(b"<w:body>")
                tail = rest[rest.index(b"<w:sectPr") :]
                data = head + b"<w:body>" + body_xml + tail
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def make_docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row_index, row in enumerate(table):
            for col_index, value in enumerate(row):
                grid.cell(row_index, col_index).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


CII_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument>
    <ram:ID>INV-2024-017</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20240305</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:SpecifiedTradeProduct><ram:Name>Widget</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>25.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="C62">4</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-77</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
      <ram:SellerTradeParty>
        <ram:Name>Acme Tools GmbH</ram:Name>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>10115</ram:PostcodeCode><ram:LineOne>Hauptstr. 1</ram:LineOne>
          <ram:CityName>Berlin</ram:CityName><ram:CountryID>DE</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">DE123456789</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Buyer Ltd</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms>
        <ram:DueDateDateTime>
          <udt:DateTimeString format="102">20240404</udt:DateTimeString>
        </ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""

UBL_CREDIT_NOTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>CN-9</cbc:ID>
  <cbc:IssueDate>2024-02-01</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>PO-5</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Supplier Inc</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cbc:StreetName>1 Main St</cbc:StreetName><cbc:CityName>Springfield</cbc:CityName>
      <cbc:PostalZone>12345</cbc:PostalZone><cac:Country><cbc:IdentificationCode>US</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>US999</cbc:CompanyID></cac:PartyTaxScheme>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>Customer LLC</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="USD">5.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="USD">50.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="USD">50.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="USD">55.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="USD">55.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:CreditNoteLine>
    <cbc:ID>1</cbc:ID>
    <cbc:CreditedQuantity unitCode="C62">2</cbc:CreditedQuantity>
    <cbc:LineExtensionAmount currencyID="USD">50.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Returned gadget</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="USD">25.00</cbc:PriceAmount></cac:Price>
  </cac:CreditNoteLine>
</CreditNote>
"""


@pytest.fixture()
def text_pdf() -> bytes:
    return make_pdf([["Invoice INV-1", "Total 10.00"], ["Page two text"]])
