"""What a file is, from its bytes alone (never the filename).

Returns a MIME type. Magic numbers first; then the two container-ish cases (DOCX is a zip holding
`word/document.xml`; XML must have an e-invoice root); plain text last, when the bytes decode and are
mostly printable.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from extractd.domain.errors import EmptyFile, UnsupportedType

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
WEBP = "image/webp"
BMP = "image/bmp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XML = "application/xml"
TEXT = "text/plain"

IMAGE_TYPES = frozenset({PNG, JPEG, TIFF, WEBP, BMP})

# Loader kind per MIME type: the loader registry is keyed by these.
KIND_BY_TYPE = {PDF: "pdf", DOCX: "docx", XML: "xml", TEXT: "text"} | dict.fromkeys(IMAGE_TYPES, "image")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"BM", BMP),
)
# Roots of the e-invoice syntaxes we read: CII (ZUGFeRD 1 and 2 / Factur-X / XRechnung) and UBL.
_EINVOICE_ROOTS = frozenset({"CrossIndustryInvoice", "CrossIndustryDocument", "Invoice", "CreditNote"})
# How far into a file we look for a PDF header; some generators put junk before `%PDF-`.
_PDF_HEADER_WINDOW = 1024
_TEXT_SAMPLE = 64 * 1024


def sniff_type(content: bytes) -> str:
    """The MIME type of `content`; raise EmptyFile when empty and UnsupportedType when unknown."""
    if not content or not content.strip():
        raise EmptyFile()
    mime = _binary_type(content)
    if mime is not None:
        return mime
    text = _decode_text(content[:_TEXT_SAMPLE])
    if text is None:
        raise UnsupportedType()
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        if is_einvoice_xml(content):
            return XML
        raise UnsupportedType("The XML file is not a CII or UBL e-invoice.")
    return TEXT


def _binary_type(content: bytes) -> str | None:
    """The type given by a magic number, None when the bytes carry none we know."""
    if b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        return PDF
    for magic, mime in _MAGIC:
        if content.startswith(magic):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith(b"PK\x03\x04"):
        if _is_docx(content):
            return DOCX
        raise UnsupportedType("The file is a ZIP archive but not a Word (DOCX) document.")
    return None


def is_einvoice_xml(content: bytes) -> bool:
    """Whether the root element of this XML is a CII or UBL invoice.

    Only the first start tag is parsed (lxml's iterparse stops there), so prologs, DOCTYPEs and long
    licence comments before the root cost nothing; entities and network access stay off.
    """
    events = etree.iterparse(
        io.BytesIO(content), events=("start",), resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        _, root = next(events)
    except (etree.XMLSyntaxError, StopIteration):
        return False
    return isinstance(root.tag, str) and etree.QName(root).localname in _EINVOICE_ROOTS


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def _decode_text(sample: bytes) -> str | None:
    """The sample as text when it is UTF-8 (or Latin-1) and mostly printable, else None."""
    if b"\x00" in sample:
        return None  # UTF-16 and binaries; we do not accept UTF-16 text
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut mid-character fails only in its last bytes: keep what decoded; else Latin-1.
        cut_mid_character = exc.start >= len(sample) - 3
        text = sample[: exc.start].decode("utf-8") if cut_mid_character else sample.decode("latin-1")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\r\n\f")
    return text if text and printable / len(text) >= 0.95 else None
