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
# Counted while the XML streams through a parser that builds no tree. A 500-page document of richly
# formatted text has well under a million elements; these leave room for that and stop the bombs.
MAX_XML_ELEMENTS = 2_000_000
MAX_PARAGRAPHS = 250_000
MAX_TABLE_CELLS = 250_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY, _P, _TBL, _TR, _TC = f"{_W}body", f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_CHUNK = 64 * 1024


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
    """An lxml parser target: counts elements, paragraphs, cells and body lines as they are parsed.

    No tree is built, so memory stays flat however many elements a part holds; each count is checked
    the moment it grows, so parsing stops at the first element past a limit.
    """

    def __init__(self, max_lines: int, max_pages: int) -> None:
        self.max_lines, self.max_pages = max_lines, max_pages
        self.elements = self.paragraphs = self.cells = self.lines = 0
        self.body = False
        self._open: list[str] = []  # tags of the elements enclosing the parser's position
        self._row_text = False

    def scan(self, part: Any, body: bool) -> None:
        self.body, self._open = body, []
        parser = etree.XMLParser(target=self, resolve_entities=False, no_network=True)
        while chunk := part.read(_CHUNK):
            parser.feed(chunk)
        parser.close()

    # --- the parser target interface -------------------------------------------------------------
    def start(self, tag: str, attrib: Any) -> None:
        self.elements += 1
        if self.elements > MAX_XML_ELEMENTS:
            _refuse(MAX_XML_ELEMENTS, "XML elements")
        if tag == _P:
            self.paragraphs += 1
            if self.paragraphs > MAX_PARAGRAPHS:
                _refuse(MAX_PARAGRAPHS, "paragraphs")
        elif tag == _TC:
            self.cells += 1
            if self.cells > MAX_TABLE_CELLS:
                _refuse(MAX_TABLE_CELLS, "table cells")
        elif tag == _TR:
            self._row_text = False
        self._open.append(tag)

    def end(self, tag: str) -> None:
        self._open.pop()
        if self.body and self._is_line(tag):
            self.lines += 1
            if self.lines > self.max_lines:
                raise DocumentTooLarge(
                    f"The Word document has more than {self.max_pages} pages "
                    f"({LINES_PER_PAGE} lines a page); at most {self.max_pages} are accepted.",
                    max_pages=self.max_pages,
                )

    def data(self, text: str) -> None:
        if not self._row_text and text.strip():
            self._row_text = True

    def close(self) -> None:
        return None

    def _is_line(self, tag: str) -> bool:
        """A paragraph at the top of the body, or a row with text of a table at the top of the body."""
        enclosing = self._open
        if tag == _P:
            return len(enclosing) == 2 and enclosing[-1] == _BODY
        return tag == _TR and self._row_text and len(enclosing) == 3 and enclosing[-2] == _BODY


def _refuse(limit: int, what: str) -> None:
    raise DocumentTooLarge(f"The Word document has more than {limit} {what}; that is the limit.")


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
