"""Documents for the worker tests, built in the test: a genuinely slow one, and what a template asks."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

INVOICE_TEMPLATE: dict[str, Any] = {
    "name": "invoice-test",
    "fields": [
        {"name": "invoice_number", "type": "text", "description": "The invoice's own number."},
        {"name": "invoice_date", "type": "date", "description": "Date the invoice was issued."},
        {"name": "total_amount", "type": "money", "description": "Total including tax."},
    ],
}


def scanned_pdf(pages: int, lines_per_page: int = 40) -> bytes:
    """A PDF of page images with printed text and no text layer: every page must be OCR'd (slow)."""
    font = ImageFont.load_default(size=26)
    images = []
    for number in range(1, pages + 1):
        image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
        draw = ImageDraw.Draw(image)
        draw.text((100, 80), f"INVOICE No. SCAN-{number:04d}   Page {number} of {pages}", fill=0, font=font)
        for row in range(lines_per_page):
            amount = (number * 37 + row * 11) % 900 + 10
            draw.text(
                (100, 160 + row * 38),
                f"Item {row + 1:02d} service hours, period {number}   {amount}.00 EUR",
                fill=0,
                font=font,
            )
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()
