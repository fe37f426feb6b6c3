"""Write examples/invoice.pdf: the one-page text-PDF invoice the README walk-through sends to extractd.

The PDF is written by hand (standard Helvetica fonts, no embedded files), so this script needs nothing
beyond Python itself and always writes the same bytes. Run it from anywhere:

    python3 examples/make_sample_invoice.py
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
REGULAR, BOLD = "F1", "F2"

# (x, y from the top, size, font, text); amounts are right-aligned at the x given with a leading "R".
Placed = tuple[float, float, float, str, str]

SELLER = ["Lindenhof Office Supplies GmbH", "Gartenweg 12", "04109 Leipzig, Germany", "VAT ID: DE812345670"]
BUYER = ["Bill to:", "Harbor Analytics Ltd", "7 Quay Street", "Bristol BS1 4DJ, United Kingdom"]
LINE_ITEMS = [
    ("Ergonomic office chair", "4", "180.00", "720.00"),
    ("Standing desk frame", "2", "215.00", "430.00"),
    ("Monitor arm, double", "4", "25.00", "100.00"),
]
TOTALS = [("Net amount", "1,250.00 EUR"), ("VAT 19%", "237.50 EUR"), ("Total amount due", "1,487.50 EUR")]


def _layout() -> list[Placed]:
    placed: list[Placed] = [(50, 60, 16, BOLD, SELLER[0])]
    placed += [(50, 80 + 14 * row, 10, REGULAR, line) for row, line in enumerate(SELLER[1:])]
    placed += [(50, 160 + 14 * row, 10, BOLD if row < 2 else REGULAR, line) for row, line in enumerate(BUYER)]
    placed += [
        (350, 160, 20, BOLD, "INVOICE"),
        (350, 190, 10, REGULAR, "Invoice number: INV-2026-0117"),
        (350, 204, 10, REGULAR, "Invoice date: 2026-11-02"),
        (350, 218, 10, REGULAR, "Due date: 2026-12-02"),
    ]
    columns = (50, 330, 400, 480)
    header = ("Description", "Quantity", "Unit price", "Amount")
    placed += [(x, 290, 10, BOLD, text) for x, text in zip(columns, header, strict=True)]
    for row, item in enumerate(LINE_ITEMS):
        placed += [(x, 310 + 16 * row, 10, REGULAR, text) for x, text in zip(columns, item, strict=True)]
    for row, (label, amount) in enumerate(TOTALS):
        font = BOLD if row == len(TOTALS) - 1 else REGULAR
        placed += [(330, 410 + 16 * row, 10, font, label), (450, 410 + 16 * row, 10, font, amount)]
    placed.append((50, 480, 9, REGULAR, "Payment within 30 days to IBAN DE44 5001 0517 5407 3249 31."))
    return placed


def pdf_string(text: str) -> bytes:
    """`text` as a PDF literal string (cp1252, as the WinAnsi-encoded standard fonts read it)."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_file(objects: Sequence[bytes]) -> bytes:
    """A whole PDF file from its object bodies, numbered from 1 (object 1 is the catalog), with xref.

    The tests and bench/speed.py write their small PDFs with this too (imported as
    `examples.make_sample_invoice`), so there is one hand-written PDF serializer in the repo.
    """
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def invoice_pdf() -> bytes:
    """The sample invoice as PDF bytes."""
    stream = b"\n".join(
        b"BT /%s %.1f Tf %.2f %.2f Td %s Tj ET"
        % (font.encode(), size, x, PAGE_HEIGHT - y - size, pdf_string(text))
        for x, y, size, font, text in _layout()
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>" % (PAGE_WIDTH, PAGE_HEIGHT),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    return pdf_file(objects)


def main() -> None:
    target = Path(__file__).resolve().parent / "invoice.pdf"
    target.write_bytes(invoice_pdf())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
