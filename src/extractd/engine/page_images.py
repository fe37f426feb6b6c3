"""Pictures of a document's pages, for people to look at (the review console), in the engine's geometry.

``render_page`` returns a PNG of one page and the page's size in points, the unit of every ``bbox`` in
``fieldDetails`` (origin top-left): a box ``(x0, y0, x1, y1)`` is drawn at ``x0 / width`` of the image's
width, and so on. PDFs are rendered by PDFium as displayed (rotation applied); images are shown upright
(EXIF orientation applied), as the loader read them. Other kinds (DOCX, plain text, XML) have no page
picture: :class:`PageImageUnavailable`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from extractd.domain.errors import PageImageUnavailable
from extractd.engine.loaders.image import open_image, upright_frames
from extractd.engine.loaders.pdf import PDFIUM_LOCK, open_pdf
from extractd.engine.sniff import KIND_BY_TYPE, sniff_type
from extractd.engine.types import EngineOptions

# Long side of a rendered page in pixels: sharp enough to read on a screen, small enough to send.
DEFAULT_MAX_SIDE = 1600
_POINTS = 72.0


@dataclass(frozen=True, slots=True)
class PageImage:
    png: bytes
    width: float  # the page in points, as the engine's boxes measure it
    height: float
    pixel_width: int
    pixel_height: int


def render_page(
    content: bytes,
    page_number: int,
    *,
    password: str | None = None,
    max_side: int = DEFAULT_MAX_SIDE,
    options: EngineOptions | None = None,
) -> PageImage:
    """A PNG of page ``page_number`` (1-based) of the document in ``content``; raises our domain errors."""
    kind = KIND_BY_TYPE[sniff_type(content)]
    if page_number < 1:
        raise PageImageUnavailable(f"There is no page {page_number}.")
    if kind == "pdf":
        image, width, height = _pdf_page(content, page_number, password, max_side)
    elif kind == "image":
        image, width, height = _image_page(content, page_number, options or EngineOptions(), max_side)
    else:
        raise PageImageUnavailable(f"A {kind} document has no page images.")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # fast to write; a screen page is ~75 KB
    return PageImage(out.getvalue(), width, height, image.width, image.height)


def _pdf_page(
    content: bytes, page_number: int, password: str | None, max_side: int
) -> tuple[Image.Image, float, float]:
    with open_pdf(content, password) as document, PDFIUM_LOCK:
        if page_number > len(document):
            raise PageImageUnavailable(f"The document has no page {page_number}.")
        page = document[page_number - 1]
        try:
            width, height = page.get_size()  # as displayed: PDFium applies the page's rotation
            bitmap = page.render(scale=max_side / max(width, height, 1.0), may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
            bitmap.close()
        finally:
            page.close()
    return image, float(width), float(height)


def _image_page(
    content: bytes, page_number: int, options: EngineOptions, max_side: int
) -> tuple[Image.Image, float, float]:
    with open_image(content) as source:
        for index, frame in enumerate(upright_frames(source, options)):
            if index + 1 == page_number:
                points_per_pixel = float(frame.info.get("points_per_pixel", 1.0))
                width, height = frame.width * points_per_pixel, frame.height * points_per_pixel
                frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                return frame, width, height
    raise PageImageUnavailable(f"The document has no page {page_number}.")


def page_sizes(
    content: bytes, *, password: str | None = None, options: EngineOptions | None = None
) -> list[tuple[float, float]]:
    """Every page's size in points, as displayed (what ``render_page`` reports), without rendering."""
    kind = KIND_BY_TYPE[sniff_type(content)]
    if kind == "pdf":
        with open_pdf(content, password) as document, PDFIUM_LOCK:
            sizes = []
            for index in range(len(document)):
                page = document[index]
                try:
                    width, height = page.get_size()  # PDFium's size is already as displayed (rotated)
                finally:
                    page.close()
                sizes.append((float(width), float(height)))
            return sizes
    if kind == "image":
        with open_image(content) as source:
            return [
                (
                    frame.width * float(frame.info.get("points_per_pixel", 1.0)),
                    frame.height * float(frame.info.get("points_per_pixel", 1.0)),
                )
                for frame in upright_frames(source, options or EngineOptions())
            ]
    raise PageImageUnavailable(f"A {kind} document has no page images.")
