"""DOCX → pages: paragraphs and table rows, in document order, as lines with synthetic boxes.

Word files carry no page geometry python-docx can see, so lines are laid out by `text.paginate`
(a table row becomes one line with its cells spaced apart). Header and footer paragraphs of the first
section are included first and last, since invoices often put the seller there.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from lxml import etree

from extractd.domain.errors import CorruptFile, DocumentTooLarge
from extractd.engine.loaders.base import LoadContext, check_page_count
from extractd.engine.loaders.text import paginate
from extractd.engine.types import LoadedFile

# What a damaged DOCX raises from its zip, deflate and XML layers.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    NotImplementedError,  # zipfile: an unknown compression method
    etree.XMLSyntaxError,
)
# A real DOCX unpacks to a few megabytes; far more is a zip bomb.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxLoader:
    kind = "docx"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        import docx
        from docx.opc.exceptions import PackageNotFoundError

        try:
            _check_unpacked_size(content)
            document = docx.Document(io.BytesIO(content))
            rows = list(_rows(document))
        except (PackageNotFoundError, *_DAMAGED) as exc:
            raise CorruptFile(f"The Word document cannot be read: {exc}") from exc
        pages = paginate(rows, "docx")
        check_page_count(len(pages), context.options)
        for number in range(1, len(pages) + 1):
            context.on_page(number, len(pages))
        return LoadedFile(kind=self.kind, pages=tuple(pages))


def _check_unpacked_size(content: bytes) -> None:
    """Refuse zip bombs: a DOCX whose parts unpack to more than MAX_UNPACKED_BYTES."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentTooLarge(
            f"The Word document unpacks to {unpacked} bytes; at most {MAX_UNPACKED_BYTES} are accepted."
        )


def _rows(document: Any) -> Iterator[list[str]]:
    sections = document.sections
    if sections:
        yield from ([p.text] for p in sections[0].header.paragraphs if p.text.strip())
    yield from _body_rows(document)
    if sections:
        yield from ([p.text] for p in sections[0].footer.paragraphs if p.text.strip())


def _body_rows(document: Any) -> Iterator[list[str]]:
    """Paragraphs and table rows in the order they appear in the body."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            yield [Paragraph(child, document).text]
        elif child.tag == f"{_W}tbl":
            for row in Table(child, document).rows:
                cells = _unique_cells(row.cells)
                if any(text.strip() for text in cells):
                    yield cells


def _unique_cells(cells: Any) -> list[str]:
    """Cell texts of a row; merged cells repeat in python-docx, so consecutive twins are dropped."""
    texts: list[str] = []
    previous = None
    for cell in cells:
        if cell._tc is not previous:
            texts.append(" ".join(cell.text.split()))
        previous = cell._tc
    return texts
