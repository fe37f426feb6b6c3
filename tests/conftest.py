"""Fixtures every test suite may use: small real documents built in the test, and the async backend."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest
from examples.make_sample_invoice import pdf_file, pdf_string

A4 = (595.0, 842.0)

# The servers the scale-out cases (markers `postgres`, `redis`) run against. Locally an unset variable
# skips those cases with a visible reason; in CI it is a configuration error, so nothing is skipped silently.
SCALE_OUT_SERVER_VARIABLES = ("EXTRACTD_TEST_POSTGRES_URL", "EXTRACTD_TEST_REDIS_URL")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name in SCALE_OUT_SERVER_VARIABLES if not os.environ.get(name)]
    if running_in_ci() and missing:
        raise pytest.UsageError(
            f"CI is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not: the "
            "PostgreSQL/Redis test cases would be skipped. Point them at the CI servers (.ci/run exports "
            "both) or unset CI to run without the scale-out cases."
        )


def text_pdf(pages: Sequence[Sequence[str]], font_size: float = 11) -> bytes:
    """A real text PDF (Helvetica) with the given lines stacked down each page, written by hand."""
    width, height = A4
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        stream = b"\n".join(
            b"BT /F1 %.1f Tf 50 %.2f Td %s Tj ET"
            % (font_size, height - 60 - index * 18 - font_size, pdf_string(line))
            for index, line in enumerate(lines)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return pdf_file(objects)


INVOICE_LINES = (
    "Northwind Supplies GmbH",
    "Hauptstrasse 5, 10115 Berlin",
    "",
    "INVOICE",
    "Invoice number: INV-2024-0042",
    "Invoice date: 2024-03-15",
    "Bill to: Contoso Ltd, 1 Market Street, London",
    "",
    "Description            Qty    Unit price    Amount",
    "Consulting services    10     100.00        1000.00",
    "",
    "Subtotal: 1000.00 EUR",
    "VAT 19%: 190.00 EUR",
    "Total: 1190.00 EUR",
)


@pytest.fixture()
def invoice_pdf() -> bytes:
    """A one-page text-PDF invoice: number INV-2024-0042, date 2024-03-15, total 1190.00 EUR."""
    return text_pdf([INVOICE_LINES])


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"
