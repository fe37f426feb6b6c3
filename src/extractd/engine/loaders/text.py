"""Plain text → pages, and the synthetic geometry shared by loaders that have text but no boxes.

Text without positions gets simple boxes: one line every `LINE_HEIGHT` points, characters
`CHAR_WIDTH` wide (as if monospaced), a form feed or every `LINES_PER_PAGE` lines starting a new page.
That is enough for the layout-based field finder: "same line, to the right" and "the line below" keep
their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractd.domain.errors import DocumentTooLarge
from extractd.engine.layout import build_lines
from extractd.engine.loaders.base import LoadContext, check_page_count
from extractd.engine.types import EngineOptions, LoadedFile, Page, Word

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4 in points
MARGIN = 40.0
LINE_HEIGHT = 14.0
FONT_HEIGHT = 10.0
CHAR_WIDTH = 6.0
CELL_GAP = 4  # characters of extra space between table cells, so cells stay apart
_TOKEN = re.compile(r"\S+")
LINES_PER_PAGE = int((PAGE_HEIGHT - 2 * MARGIN) // LINE_HEIGHT)


def synthetic_line(cells: Sequence[str], y_top: float) -> list[Word]:
    """Words with monospace boxes for one line, at their character columns; each cell after a gap."""
    words: list[Word] = []
    offset = 0
    for cell in cells:
        for match in _TOKEN.finditer(cell):
            x0 = MARGIN + (offset + match.start()) * CHAR_WIDTH
            x1 = MARGIN + (offset + match.end()) * CHAR_WIDTH
            words.append(Word(match.group(), (x0, y_top, x1, y_top + FONT_HEIGHT)))
        offset += len(cell) + CELL_GAP
    return words


def paginate(rows: Sequence[Sequence[str]], source: str, first_number: int = 1) -> list[Page]:
    """Pages of synthetic geometry from rows of cells (a row of one cell is a plain line)."""
    pages: list[Page] = []
    for start in range(0, max(len(rows), 1), LINES_PER_PAGE):
        chunk = rows[start : start + LINES_PER_PAGE]
        words = [
            word
            for index, cells in enumerate(chunk)
            for word in synthetic_line(cells, MARGIN + index * LINE_HEIGHT)
        ]
        pages.append(
            Page(
                number=first_number + len(pages),
                width=PAGE_WIDTH,
                height=PAGE_HEIGHT,
                lines=build_lines(words),
                source=source,
            )
        )
    return pages


def decode_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def check_line_count(lines: int, page_breaks: int, options: EngineOptions) -> None:
    """Refuse text that must paginate past the page limit, before any page is built."""
    if lines > options.max_pages * LINES_PER_PAGE or page_breaks > options.max_pages:
        raise DocumentTooLarge(
            f"The text has {lines} lines; at most {options.max_pages} pages of {LINES_PER_PAGE} lines "
            "are accepted.",
            max_pages=options.max_pages,
        )


class TextLoader:
    kind = "text"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        text = decode_text(content).replace("\r\n", "\n").replace("\r", "\n")
        check_line_count(text.count("\n") + 1, text.count("\f") + 1, context.options)
        pages: list[Page] = []
        # A form feed is the traditional page break of plain text (e.g. pdftotext output).
        for chunk in text.split("\f"):
            rows = [[line.expandtabs(8)] for line in chunk.split("\n")]
            pages.extend(paginate(rows, "plain", first_number=len(pages) + 1))
            check_page_count(len(pages), context.options)
        for number in range(1, len(pages) + 1):
            context.on_page(number, len(pages))
        return LoadedFile(kind=self.kind, pages=tuple(pages))
