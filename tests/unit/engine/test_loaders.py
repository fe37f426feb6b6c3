"""Loaders: words and lines from each kind of file, and every loader error."""

from __future__ import annotations

import io
import random
import zipfile

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from extractd.domain.errors import (
    CorruptFile,
    DocumentTooLarge,
    EmptyFile,
    ExtractdError,
    InvalidPassword,
    PasswordRequired,
    UnsupportedType,
)
from extractd.engine.loaders import load
from extractd.engine.loaders.image import MAX_OCR_SIDE, open_image, prepare_for_ocr, upright_frames
from extractd.engine.types import EngineOptions, LoadedFile

from .conftest import (
    CII_INVOICE,
    attach_file,
    docx_with_body,
    encrypt_pdf,
    make_docx,
    make_form_pdf,
    make_image,
    make_pdf,
)


def _lines(loaded: LoadedFile, page: int = 0) -> list[str]:
    return [line.text for line in loaded.pages[page].lines]


def test_text_pdf_gives_words_with_boxes_in_reading_order() -> None:
    pdf = make_pdf([["Invoice INV-1", (300, 200, "Total 10.00"), "Straße (x) é"], ["Page two"]])
    loaded = load(pdf, EngineOptions())
    assert loaded.kind == "pdf" and loaded.pdf_bytes == pdf and loaded.einvoice_xml is None
    assert [page.number for page in loaded.pages] == [1, 2]
    assert _lines(loaded) == ["Invoice INV-1", "Straße (x) é", "Total 10.00"]
    assert _lines(loaded, 1) == ["Page two"]
    total = loaded.pages[0].lines[2].words[0]
    x0, y0, x1, y1 = total.bbox
    # Placed at x=300, 200 points from the top, 11-point Helvetica: top-left origin, in points.
    assert 299 <= x0 <= 301 and 198 <= y0 <= 202 and 10 <= y1 - y0 <= 15 and x1 > x0
    assert loaded.pages[0].source == "text" and (loaded.pages[0].width, loaded.pages[0].height) == (595, 842)


def test_rotated_pdf_page_reports_display_size() -> None:
    document = pdfium.PdfDocument(make_pdf([["Rotated page text here"]]))
    document[0].set_rotation(90)
    out = io.BytesIO()
    document.save(out)
    page = load(out.getvalue(), EngineOptions()).pages[0]
    assert (page.width, page.height) == (842, 595)
    for word in page.lines[0].words:
        assert 0 <= word.bbox[0] < word.bbox[2] <= 842 and 0 <= word.bbox[1] < word.bbox[3] <= 595


def test_sparse_pdf_page_without_images_is_not_ocred() -> None:
    loaded = load(make_pdf([["Hi"], []]), EngineOptions())
    assert [page.source for page in loaded.pages] == ["text", "text"]
    assert _lines(loaded) == ["Hi"] and loaded.pages[1].lines == ()


def test_encrypted_pdf_needs_the_right_password() -> None:
    secret = encrypt_pdf(make_pdf([["Confidential invoice 42"]]), "s3cret")
    with pytest.raises(PasswordRequired):
        load(secret, EngineOptions())
    with pytest.raises(InvalidPassword):
        load(secret, EngineOptions(password="wrong"))
    assert _lines(load(secret, EngineOptions(password="s3cret"))) == ["Confidential invoice 42"]


def test_corrupt_pdf_is_reported_as_corrupt() -> None:
    with pytest.raises(CorruptFile):
        load(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", EngineOptions())
    truncated = make_pdf([["Some text on a page"]])[:200]
    with pytest.raises(CorruptFile):
        load(truncated, EngineOptions())


def test_too_many_pages_is_too_large() -> None:
    with pytest.raises(DocumentTooLarge):
        load(make_pdf([["a"], ["b"], ["c"]]), EngineOptions(max_pages=2))


def test_empty_and_unsupported_bytes() -> None:
    with pytest.raises(EmptyFile):
        load(b"", EngineOptions())
    with pytest.raises(UnsupportedType):
        load(bytes(range(256)), EngineOptions())


def test_embedded_factur_x_attachment_is_found() -> None:
    pdf = attach_file(make_pdf([["Rechnung INV-2024-017"]]), "factur-x.xml", CII_INVOICE)
    assert load(pdf, EngineOptions()).einvoice_xml == CII_INVOICE


def test_any_xml_attachment_with_an_invoice_root_is_found_but_others_are_not() -> None:
    pdf = make_pdf([["Invoice"]])
    assert (
        load(attach_file(pdf, "invoice-data.xml", CII_INVOICE), EngineOptions()).einvoice_xml == CII_INVOICE
    )
    other = attach_file(pdf, "notes.xml", b"<notes><n>hello</n></notes>")
    assert load(other, EngineOptions()).einvoice_xml is None


def test_image_pixel_bomb_is_too_large_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")  # 400 megapixels, a few kB compressed
    with pytest.raises(DocumentTooLarge):
        load(out.getvalue(), EngineOptions())
    with pytest.raises(DocumentTooLarge):
        load(make_image(["small"], size=(400, 300)), EngineOptions(max_pixels=100_000))


def test_corrupt_image_is_corrupt() -> None:
    png = make_image(["text"], size=(200, 100))
    with pytest.raises(CorruptFile):
        load(png[:60], EngineOptions())


def test_docx_paragraphs_and_table_rows_become_lines() -> None:
    docx = make_docx(
        ["Invoice 7", "Seller: Acme GmbH"], [["Item", "Qty", "Amount"], ["Widget", "2", "10.00"]]
    )
    loaded = load(docx, EngineOptions())
    assert loaded.kind == "docx"
    assert _lines(loaded) == ["Invoice 7", "Seller: Acme GmbH", "Item Qty Amount", "Widget 2 10.00"]
    widget, qty, _ = loaded.pages[0].lines[3].words
    assert qty.bbox[0] - widget.bbox[2] > 10  # cells stay visibly apart


def test_corrupt_docx_is_corrupt() -> None:
    docx = make_docx(["hello"])
    damaged = docx.replace(b"word/document.xml", b"word/documenX.xml")
    with pytest.raises((CorruptFile, UnsupportedType)):
        load(damaged, EngineOptions())


def test_plain_text_keeps_columns_and_form_feeds_split_pages() -> None:
    text = "Invoice 12\nTotal        99.00\n\fSecond page"
    loaded = load(text.encode(), EngineOptions())
    assert [page.number for page in loaded.pages] == [1, 2]
    assert _lines(loaded) == ["Invoice 12", "Total 99.00"]
    total, amount = loaded.pages[0].lines[1].words
    assert amount.bbox[0] - total.bbox[2] > 30
    assert _lines(loaded, 1) == ["Second page"]


def test_bare_einvoice_xml_is_kept_and_readable() -> None:
    loaded = load(CII_INVOICE, EngineOptions())
    assert loaded.kind == "xml" and loaded.einvoice_xml == CII_INVOICE
    assert "ID: INV-2024-017" in loaded.pages[0].text


def test_progress_is_reported_per_page() -> None:
    seen: list[tuple[int, int]] = []
    load(
        make_pdf([["a"], ["b"], ["c"]]),
        EngineOptions(),
        on_page=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_exif_orientation_is_applied_and_huge_scans_are_reduced() -> None:
    upright = Image.open(io.BytesIO(make_image(["x"], size=(900, 500))))
    stored = upright.rotate(90, expand=True)  # stored sideways: 500 wide, 900 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to display"
    out = io.BytesIO()
    stored.save(out, format="JPEG", exif=exif, dpi=(300, 300))
    with open_image(out.getvalue()) as image:
        (frame,) = list(upright_frames(image, EngineOptions()))
    assert frame.size == (900, 500)
    big = Image.new("RGB", (5000, 7000), "white")
    big.info["points_per_pixel"] = 72 / 600
    reduced, points_per_pixel = prepare_for_ocr(big)
    assert max(reduced.size) == MAX_OCR_SIDE
    assert reduced.width * points_per_pixel == pytest.approx(5000 * 72 / 600, rel=0.01)


@pytest.mark.slow
def test_images_are_ocred_into_words_and_tiff_frames_are_pages() -> None:
    lines = ["INVOICE 12345", "Total 119.00"]
    page = Image.open(io.BytesIO(make_image(lines, size=(900, 500), font_px=40)))
    out = io.BytesIO()
    page.save(out, format="TIFF", save_all=True, append_images=[page.rotate(180)], dpi=(150, 150))
    loaded = load(out.getvalue(), EngineOptions())
    assert loaded.kind == "image" and [p.number for p in loaded.pages] == [1, 2]
    first = loaded.pages[0]
    assert first.source == "ocr"
    assert "12345" in first.text and "119.00" in first.text
    # 900 pixels at 150 dpi are 432 points.
    assert first.width == pytest.approx(432, rel=0.02)
    assert "12345" in loaded.pages[1].text  # the upside-down frame reads too


def _stamp(pdf: bytes, text: str) -> bytes:
    """The PDF with a small line of real text added on page 1 (like a scanner's or archive's stamp)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    page = document[0]
    obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(8))
    encoded = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(encoded, ctypes.POINTER(ctypes.c_ushort)))
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 20, 20)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    page.gen_content()
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


@pytest.mark.slow
def test_scanned_pdf_pages_are_ocred_even_under_a_small_text_stamp() -> None:
    scan = Image.open(io.BytesIO(make_image(["INVOICE 12345", "Total 119.00"], size=(900, 500), font_px=40)))
    out = io.BytesIO()
    scan.save(out, format="PDF", resolution=150)
    pdf = _stamp(out.getvalue(), "Archived 2024-05-01 by the scanning station")
    page = load(pdf, EngineOptions()).pages[0]
    assert page.source == "ocr"
    assert "12345" in page.text and "119.00" in page.text
    assert page.width == pytest.approx(432, rel=0.02)  # 900 px at 150 dpi


def test_a_text_layer_of_mostly_symbols_is_garbage_and_ignored() -> None:
    # What a font without a Unicode map often yields: runs of punctuation instead of words.
    garbage = make_pdf([["!#$% &'() *+,- ./:; <=>? @[]^ {|}~ !#$% &'() *+,- ./:;"]])
    assert load(garbage, EngineOptions()).pages[0].lines == ()


def _damaged(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    if rng.random() < 0.5:
        return bytes(data[: rng.randrange(8, max(9, len(data) // 2))])
    for _ in range(rng.randint(1, 12)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


@pytest.mark.parametrize("kind", ["pdf", "docx", "xml", "png", "jpeg", "tiff"])
def test_damaged_files_fail_only_with_our_errors(kind: str) -> None:
    seeds = {
        "pdf": lambda: attach_file(make_pdf([["Invoice 1", "Total 5.00"]]), "factur-x.xml", CII_INVOICE),
        "docx": lambda: make_docx(["a", "b"], [["x", "y"]]),
        "xml": lambda: CII_INVOICE,
        "png": lambda: make_image(["hi"], size=(120, 60)),
        "jpeg": lambda: make_image(["hi"], size=(120, 60), fmt="JPEG"),
        "tiff": lambda: make_image(["hi"], size=(120, 60), fmt="TIFF"),
    }
    seed, rng = seeds[kind](), random.Random(kind)
    codes = set()
    for _ in range(25 if kind in ("pdf", "docx", "xml") else 5):
        # Any of our errors (or a successful load) is fine; a library's own exception escaping fails.
        try:
            load(_damaged(seed, rng), EngineOptions())
        except ExtractdError as error:
            codes.add(error.code)
    assert codes & {"CORRUPT_FILE", "UNSUPPORTED_TYPE"}


def test_landscape_content_turned_upright_by_rotate_reads_as_words() -> None:
    # Content drawn along +y (text matrix turned 90 degrees) on a landscape MediaBox, with /Rotate 90
    # so viewers show it upright on a portrait page: how many generators emit wide tables.
    document = pikepdf.new()
    document.add_blank_page(page_size=(842, 595))
    page = document.pages[0]
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    stream = b"BT /F1 12 Tf 0 1 -1 0 112 50 Tm (Invoice number 4711) Tj ET"
    stream += b" BT /F1 12 Tf 0 1 -1 0 142 50 Tm (Total 99.00) Tj ET"
    page.Contents = document.make_stream(stream)
    page.Rotate = 90
    out = io.BytesIO()
    document.save(out)
    loaded = load(out.getvalue(), EngineOptions())
    page_out = loaded.pages[0]
    assert (page_out.width, page_out.height) == (595, 842)
    assert _lines(loaded) == ["Invoice number 4711", "Total 99.00"]
    first = page_out.lines[0].words[0]
    assert 48 <= first.bbox[0] <= 52 and first.bbox[2] - first.bbox[0] > first.bbox[3] - first.bbox[1]


def test_filled_in_form_field_values_are_read() -> None:
    page = load(make_form_pdf("INV-31337"), EngineOptions()).pages[0]
    assert page.source == "text" and page.text == "INV-31337"
    x0, y0, _, _ = page.lines[0].bbox
    assert 100 <= x0 <= 120 and 120 <= y0 <= 142  # the field's place, 842 - 720 = 122 from the top


def test_docx_zip_bomb_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractd.engine.loaders import docx as docx_loader

    # A lower limit keeps the test small; the check is the same at the real 256 MB.
    monkeypatch.setattr(docx_loader, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/padding.bin", bytes(2_000_000))
    with pytest.raises(DocumentTooLarge):
        load(bomb.getvalue(), EngineOptions())


# --- limits checked while parsing (issue 8) -------------------------------------------------------
def test_docx_past_the_page_limit_is_refused_while_parsing() -> None:
    # The file: millions of empty paragraphs, small once zipped, far under the unpack limit.
    bomb = docx_with_body(b"<w:p/>" * 2_000_000)
    assert len(bomb) < 200_000
    with pytest.raises(DocumentTooLarge, match="more than 2 pages"):
        load(bomb, EngineOptions(max_pages=2))


@pytest.mark.parametrize(
    ("limit", "body", "what"),
    [
        (
            "MAX_PARAGRAPHS",
            b"<w:tbl><w:tr><w:tc>" + b"<w:p/>" * 200 + b"</w:tc></w:tr></w:tbl>",
            "paragraphs",
        ),
        (
            "MAX_TABLE_CELLS",
            b"<w:tbl><w:tr>" + b"<w:tc><w:p/></w:tc>" * 200 + b"</w:tr></w:tbl>",
            "table cells",
        ),
        ("MAX_XML_ELEMENTS", b"<w:p>" + b"<w:r/>" * 200 + b"</w:p>", "XML elements"),
    ],
)
def test_docx_counts_past_their_limits_are_refused(
    monkeypatch: pytest.MonkeyPatch, limit: str, body: bytes, what: str
) -> None:
    from extractd.engine.loaders import docx as docx_loader

    # Lower limits keep the test small; the checks are the same at the real numbers.
    monkeypatch.setattr(docx_loader, limit, 100)
    with pytest.raises(DocumentTooLarge, match=what):
        load(docx_with_body(body), EngineOptions())


def test_docx_within_the_limits_still_loads_after_the_count() -> None:
    body = b"".join(b"<w:p><w:r><w:t>line %d</w:t></w:r></w:p>" % number for number in range(120))
    loaded = load(docx_with_body(body), EngineOptions(max_pages=3))
    assert len(loaded.pages) == 3 and "line 119" in _lines(loaded, 2)


def test_text_and_xml_past_the_page_limit_are_refused_before_paginating() -> None:
    with pytest.raises(DocumentTooLarge):
        load(b"x\n" * 1_000, EngineOptions(max_pages=1))
    with pytest.raises(DocumentTooLarge):
        load(b"a\f" * 20, EngineOptions(max_pages=10))
    rows = b"".join(b"<Note>n%d</Note>" % number for number in range(200))
    with pytest.raises(DocumentTooLarge):
        load(b'<?xml version="1.0"?><Invoice>' + rows + b"</Invoice>", EngineOptions(max_pages=1))
