"""DOCX → pages: paragraphs and table rows, in document order, as lines with synthetic boxes.

Word files carry no page geometry python-docx can see, so lines are laid out by `text.paginate`
(a table row becomes one line with its cells spaced apart). Header and footer paragraphs of the first
section are included first and last, since invoices often put the seller there.

Before python-docx builds its (large) object tree, the Word XML is streamed once and counted: elements,
paragraphs, table cells and the lines the pages would hold. A file past any limit is refused as soon as
the count passes it, so a small DOCX of millions of empty paragraphs costs a fraction of a second, not
minutes and gigabytes.
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
from extractd.engine.loaders.text import LINES_PER_PAGE, paginate
from extractd.engine.types import EngineOptions, LoadedFile

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
# Counted while streaming the XML, before any object tree is built. A 500-page document of richly
# formatted text has well under a million elements; these leave room for that and stop the bombs.
MAX_XML_TAGS = 4_000_000  # `<` characters: a start and an end tag per element, so ~2 million elements
MAX_PARAGRAPHS = 250_000
MAX_TABLE_CELLS = 250_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY, _P, _TBL, _TR, _TC = f"{_W}body", f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_COUNTED = (_P, _TBL, _TR, _TC)  # the only elements iterparse hands to Python (the rest stay in C)


class DocxLoader:
    kind = "docx"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        import docx
        from docx.opc.exceptions import PackageNotFoundError

        try:
            _check_unpacked_size(content)
            _check_counts(content, context.options)
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


def _check_counts(content: bytes, options: EngineOptions) -> None:
    """Stream every Word XML part once and refuse the document as soon as a count passes its limit."""
    counter = _Counter(max_lines=options.max_pages * LINES_PER_PAGE, max_pages=options.max_pages)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                with archive.open(name) as part:
                    counter.scan(part, body=name == "word/document.xml")


class _Counter:
    """Counts of the XML streamed so far, each checked the moment it grows."""

    def __init__(self, max_lines: int, max_pages: int) -> None:
        self.max_lines, self.max_pages = max_lines, max_pages
        self.tags = self.paragraphs = self.cells = self.lines = 0

    def scan(self, part: Any, body: bool) -> None:
        reader = _TagCountingReader(part, self)
        events = etree.iterparse(
            reader, events=("end",), tag=_COUNTED, resolve_entities=False, no_network=True
        )
        for _event, element in events:
            tag = element.tag
            if tag == _TC:
                self.cells += 1
                if self.cells > MAX_TABLE_CELLS:
                    self._refuse(MAX_TABLE_CELLS, "table cells")
            elif tag == _P:
                self.paragraphs += 1
                if self.paragraphs > MAX_PARAGRAPHS:
                    self._refuse(MAX_PARAGRAPHS, "paragraphs")
            self._finish_block(element, body)

    def _finish_block(self, element: Any, body: bool) -> None:
        """Count a finished top-level line and drop its subtree (and what came before it)."""
        parent = element.getparent()
        if element.tag == _TC or parent is None or not _is_block(element, parent):
            return
        if body and (element.tag == _P or (element.tag == _TR and _has_text(element))):
            self.lines += 1
            if self.lines > self.max_lines:
                raise DocumentTooLarge(
                    f"The Word document has more than {self.max_pages} pages "
                    f"({LINES_PER_PAGE} lines a page); at most {self.max_pages} are accepted.",
                    max_pages=self.max_pages,
                )
        element.clear()
        while element.getprevious() is not None:
            del parent[0]

    @staticmethod
    def _refuse(limit: int, what: str) -> None:
        raise DocumentTooLarge(f"The Word document has more than {limit} {what}; that is the limit.")


class _TagCountingReader:
    """The XML part as lxml reads it, counting tags on the way: every element costs at most two `<`."""

    def __init__(self, part: Any, counter: _Counter) -> None:
        self.part, self.counter = part, counter

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.part.read(size)
        self.counter.tags += chunk.count(b"<")
        if self.counter.tags > MAX_XML_TAGS:
            _Counter._refuse(MAX_XML_TAGS, "XML tags")
        return chunk


def _is_block(element: Any, parent: Any) -> bool:
    """A paragraph or table at the top of the body (or of a header/footer part), or a top table's row."""
    if parent.tag == _BODY or parent.getparent() is None:
        return True
    grandparent = parent.getparent()
    return bool(element.tag == _TR and parent.tag == _TBL and grandparent.tag == _BODY)


def _has_text(row: Any) -> bool:
    return any(text.strip() for text in row.itertext())


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
