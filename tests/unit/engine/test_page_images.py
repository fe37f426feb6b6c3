"""Page pictures for the review console: the engine's boxes land on the words they came from."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont
from tests.conftest import text_pdf

from extractd.domain.errors import PageImageUnavailable
from extractd.engine.loaders import load
from extractd.engine.page_images import page_sizes, render_page
from extractd.engine.types import EngineOptions


def _ink(image: Image.Image, bbox: tuple[float, ...], width: float, height: float) -> float:
    """Share of dark pixels inside a box given in points."""
    sx, sy = image.width / width, image.height / height
    box = (int(bbox[0] * sx), int(bbox[1] * sy), int(bbox[2] * sx) + 1, int(bbox[3] * sy) + 1)
    pixels = np.asarray(image.convert("L").crop(box))
    return float((pixels < 128).mean())


def _rotated(content: bytes, degrees: int) -> bytes:
    document = pdfium.PdfDocument(content)
    document[0].set_rotation(degrees)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotation", [0, 90])
def test_pdf_word_boxes_cover_ink_on_the_rendered_page(rotation: int) -> None:
    content = _rotated(text_pdf([["Invoice number: INV-2024-0042", "", "Total: 1190.00 EUR"]]), rotation)
    page = load(content, EngineOptions()).pages[0]
    rendered = render_page(content, 1, max_side=1200)
    image = Image.open(io.BytesIO(rendered.png))
    assert (rendered.width, rendered.height) == pytest.approx((page.width, page.height))
    assert page_sizes(content) == [pytest.approx((page.width, page.height))]
    assert max(image.size) == 1200 and image.size == (rendered.pixel_width, rendered.pixel_height)
    for line in page.lines:
        for word in line.words:
            assert _ink(image, word.bbox, rendered.width, rendered.height) > 0.02, word
    # And a box of the same size in empty space holds no ink.
    assert _ink(image, (300.0, 400.0, 360.0, 412.0), rendered.width, rendered.height) == 0.0


def test_image_pages_are_measured_in_points_like_their_ocr_boxes() -> None:
    scan = Image.new("RGB", (1000, 1400), "white")
    ImageDraw.Draw(scan).text((100, 100), "TOTAL 42.00", fill="black", font=ImageFont.load_default(size=48))
    out = io.BytesIO()
    scan.save(out, format="PNG", dpi=(200, 200))
    rendered = render_page(out.getvalue(), 1, max_side=700)
    assert (rendered.width, rendered.height) == pytest.approx((1000 * 72 / 200, 1400 * 72 / 200), rel=1e-3)
    assert (rendered.pixel_width, rendered.pixel_height) == (500, 700)
    assert page_sizes(out.getvalue()) == [pytest.approx((360.0, 504.0), rel=1e-3)]


def test_no_picture_for_text_documents_or_missing_pages() -> None:
    with pytest.raises(PageImageUnavailable):
        render_page(b"Invoice number INV-1\nTotal 10.00\n", 1)
    with pytest.raises(PageImageUnavailable):
        render_page(text_pdf([["one page"]]), 2)
    with pytest.raises(PageImageUnavailable):
        page_sizes(b"plain text\n")
