"""Sniffing file types from bytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from extractd.domain.errors import EmptyFile, UnsupportedType
from extractd.engine import sniff
from extractd.engine.sniff import sniff_type

from .conftest import CII_INVOICE, UBL_CREDIT_NOTE, make_docx, make_pdf


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", sniff.PNG),
        ("JPEG", sniff.JPEG),
        ("TIFF", sniff.TIFF),
        ("WEBP", sniff.WEBP),
        ("BMP", sniff.BMP),
    ],
)
def test_images_are_recognised_by_magic(fmt: str, mime: str) -> None:
    assert sniff_type(_image(fmt)) == mime


def test_pdf_docx_xml_and_text() -> None:
    assert sniff_type(make_pdf([["hello"]])) == sniff.PDF
    assert sniff_type(b"\n\n%PDF-1.7 junk before the header") == sniff.PDF
    assert sniff_type(make_docx(["hello"])) == sniff.DOCX
    assert sniff_type(CII_INVOICE) == sniff.XML
    assert sniff_type(UBL_CREDIT_NOTE) == sniff.XML
    assert sniff_type("Rechnung Nr. 5\nGesamt: 12,00 €\n".encode()) == sniff.TEXT
    assert sniff_type("Facture n° 5, total 12,00".encode("latin-1")) == sniff.TEXT


def test_xml_with_a_long_licence_comment_before_the_root_is_an_einvoice() -> None:
    comment = b"<!-- " + b"Nutzungsrechte <b>frei</b> " * 500 + b"-->\n"
    content = CII_INVOICE.replace(b"?>\n", b"?>\n" + comment, 1)
    assert len(comment) > 10_000
    assert sniff_type(content) == sniff.XML


def test_empty_and_whitespace_only_files_are_empty() -> None:
    with pytest.raises(EmptyFile):
        sniff_type(b"")
    with pytest.raises(EmptyFile):
        sniff_type(b"  \n\t ")


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,  # binary junk
        b"<html><body>not an invoice</body></html>",
        b'<?xml version="1.0"?><!-- c --><order><Invoice/></order>',
        "text in UTF-16".encode("utf-16"),
    ],
)
def test_unknown_content_is_unsupported(content: bytes) -> None:
    with pytest.raises(UnsupportedType):
        sniff_type(content)


def test_a_zip_that_is_not_docx_is_unsupported() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(UnsupportedType, match="ZIP"):
        sniff_type(out.getvalue())
