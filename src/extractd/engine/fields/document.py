"""A read-only view of a document's pages that the finders share: lines with positions, locale cues."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from extractd.engine.fields.parse import currencies_in
from extractd.engine.locales import LocaleGuess, infer_locale
from extractd.engine.types import Line, Page, Word, union_bbox

# Words that tell the language of a page; a handful each is enough to pick day/month order and labels.
_LANGUAGE_WORDS = {
    "en": "invoice total date amount tax due bill the and of to for payment number subtotal",
    "de": "rechnung datum betrag gesamt mwst ust steuer netto brutto zahlbar und der die das bis",
    "fr": "facture date montant total tva échéance net payer le la les des pour ht ttc",
    "nl": "factuur datum bedrag totaal btw vervaldatum betalen het een van voor en excl incl",
}
_LANGUAGE_SETS = {lang: frozenset(words.split()) for lang, words in _LANGUAGE_WORDS.items()}
# one separator throughout (`6.30-23` is opening hours, not a date)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?!\d)")


@dataclass(frozen=True, slots=True)
class LineRef:
    """One line of the document with where it is: page number, index in reading order, box."""

    page: int
    index: int  # position in DocView.lines
    line: Line
    bbox: tuple[float, float, float, float]  # the line's box, computed once
    text: str  # the line's text, computed once (the finders read it many times)

    @property
    def words(self) -> tuple[Word, ...]:
        return self.line.words


class DocView:
    """The pages flattened into one list of lines, with document-wide cues computed once."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = tuple(pages)
        refs: list[LineRef] = []
        for page in self.pages:
            for line in page.lines:
                if line.words:
                    refs.append(LineRef(page.number, len(refs), line, line.bbox, line.text))
        self.lines = tuple(refs)
        self.page_sizes = {page.number: (page.width or 1.0, page.height or 1.0) for page in self.pages}
        self.sources = {page.number: page.source for page in self.pages}
        # results of pure functions of this document (cells, label hits), shared by the finders
        self.memo: dict[Any, Any] = {}

    @cached_property
    def text(self) -> str:
        return "\n".join(ref.text for ref in self.lines)

    @cached_property
    def language(self) -> str:
        """The most likely language of the text among en/de/fr/nl (en when nothing speaks)."""
        words = re.findall(r"[a-zà-ÿ]+", self.text.lower())
        counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _LANGUAGE_SETS.items()}
        best = max(counts, key=lambda lang: counts[lang])
        return best if counts[best] > 0 else "en"

    @cached_property
    def locale(self) -> LocaleGuess:
        """The countries the document's own text points to (currencies, address, phone, tax-id, words)."""
        return infer_locale(self.text)

    @cached_property
    def date_votes(self) -> int:
        """Numeric dates that only read one way: > 0 day first, < 0 month first, 0 no such date."""
        votes = 0
        latest = date.today().year + 1
        for match in _NUMERIC_DATE.finditer(self.text):
            first, second = int(match.group(1)), int(match.group(3))
            year = int(match.group(4)) if len(match.group(4)) == 4 else 2000 + int(match.group(4))
            if year > latest:
                continue  # a date of another calendar (`Miti 21/03/2081`) says nothing about this one
            if first > 12 >= second:
                votes += 1
            elif second > 12 >= first:
                votes -= 1
        return votes

    @cached_property
    def day_first(self) -> bool:
        """Whether numeric dates read day first: from dates that only work one way, else the locale."""
        if self.date_votes:
            return self.date_votes > 0
        order = self.locale.date_order
        if order is not None and self.locale.date_order_sure:
            return order != "MDY"
        return not (self.language == "en" and self.default_currency == "USD")

    @cached_property
    def date_order_sure(self) -> bool:
        """Whether the day/month order of an ambiguous date (`1/8/2022`) is known, not guessed."""
        return bool(self.date_votes) or self.locale.date_order_sure

    @cached_property
    def currencies(self) -> list[str]:
        """Currencies named on the pages, most frequent first."""
        counts: dict[str, int] = {}
        for code, _pos in currencies_in(self.text):
            counts[code] = counts.get(code, 0) + 1
        return sorted(counts, key=lambda code: -counts[code])

    @cached_property
    def default_currency(self) -> str | None:
        return self.currencies[0] if self.currencies else None

    def relative_y(self, ref: LineRef) -> float:
        """Vertical position of a line on its page, 0 at the top, 1 at the bottom."""
        return ref.bbox[1] / self.page_sizes.get(ref.page, (1.0, 1.0))[1]

    def below(self, ref: LineRef, limit: int = 4) -> list[LineRef]:
        """The next lines on the same page, in reading order."""
        found: list[LineRef] = []
        for other in self.lines[ref.index + 1 :]:
            if other.page != ref.page or len(found) >= limit:
                break
            found.append(other)
        return found

    def lines_under(self, ref: LineRef, x0: float, x1: float, limit: int = 3) -> list[tuple[LineRef, str]]:
        """The text of following lines that lies horizontally within [x0, x1] (a column under a label)."""
        found: list[tuple[LineRef, str]] = []
        candidates = sorted(
            (o for o in self.lines if o.page == ref.page and o.bbox[1] > ref.bbox[1] + 1),
            key=lambda o: o.bbox[1],
        )
        for other in candidates:
            words = [w for w in other.words if w.bbox[2] > x0 - 2 and w.bbox[0] < x1 + 2]
            if words:
                found.append((other, " ".join(w.text for w in words)))
            if len(found) >= limit or other.bbox[1] - ref.bbox[3] > 6 * (ref.bbox[3] - ref.bbox[1] + 1):
                break
        return found


def split_cells(words: Sequence[Word]) -> list[list[Word]]:
    """Group consecutive words into cells, cutting where the horizontal gap is wide (a column break)."""
    cells: list[list[Word]] = []
    for word in words:
        if cells:
            previous = cells[-1][-1]
            height = max(previous.bbox[3] - previous.bbox[1], 1.0)
            if word.bbox[0] - previous.bbox[2] <= 1.6 * height:
                cells[-1].append(word)
                continue
        cells.append([word])
    return cells


def _box(words: Sequence[Word]) -> tuple[float, float, float, float]:
    return union_bbox(w.bbox for w in words)


class Cell:
    """A run of words within a line that belongs together (a line cut at wide gaps).

    Box, text and height are computed once: the party finders compare cells with each other a lot.
    """

    __slots__ = ("bbox", "height", "order", "ref", "text", "words")

    def __init__(self, ref: LineRef, words: tuple[Word, ...], order: int = 0) -> None:
        self.order = order  # position in the document's cells, which are in reading order
        self.ref = ref
        self.words = words
        self.text = " ".join(w.text for w in words)
        self.bbox = _box(words)
        self.height = max(w.bbox[3] - w.bbox[1] for w in words)


def cells_of(doc: DocView) -> list[Cell]:
    """Every line of the document cut into cells, in reading order (computed once per document)."""
    cached = doc.memo.get("cells")
    if cached is None:
        runs = [(ref, tuple(words)) for ref in doc.lines for words in split_cells(ref.words)]
        cached = [Cell(ref, words, order) for order, (ref, words) in enumerate(runs)]
        doc.memo["cells"] = cached
    return list(cached)


def column_below(
    cells: Sequence[Cell], start: Cell, limit: int = 6, indent: float = 0.0, spacing: float = 1.6
) -> list[Cell]:
    """The cells under `start` that share a left edge, stopping at a vertical gap (a block).

    The first cell may be indented by up to `indent` points (a block under its heading); the rest
    align with that first cell. `spacing` is the largest gap, in line heights, inside a block.
    """
    block: list[Cell] = []
    previous = start
    left = start.bbox[0]
    for cell in cells:
        if cell.ref.page != start.ref.page or cell.bbox[1] <= previous.bbox[1] + 1:
            continue
        tolerance = max(6.0, 0.8 * start.height)
        offset = cell.bbox[0] - left
        if not (-tolerance <= offset <= tolerance or (not block and 0 <= offset <= indent)):
            continue
        if cell.bbox[1] - previous.bbox[3] > spacing * max(previous.height, 1.0):
            break  # a blank line: the block ends
        if not block:
            left = cell.bbox[0]
        block.append(cell)
        previous = cell
        if len(block) >= limit:
            break
    return block


def cell_above(cells: Sequence[Cell], cell: Cell) -> Cell | None:
    """The cell directly above `cell` in the same column (within a line's spacing), if any.

    `cells` are the document's cells in reading order, so only the few lines before it are looked at.
    """
    best: Cell | None = None
    for position in range(cell.order - 1, -1, -1):
        other = cells[position]
        if other.ref.page != cell.ref.page or other.bbox[3] < cell.bbox[1] - 4 * cell.height:
            break
        if other.bbox[1] >= cell.bbox[1] - 1:
            continue
        aligned = abs(other.bbox[0] - cell.bbox[0]) <= max(6.0, 0.8 * cell.height)
        same_size = abs(other.height - cell.height) <= 0.3 * max(other.height, cell.height)
        if aligned and same_size and cell.bbox[1] - other.bbox[3] <= 1.6 * max(other.height, 1.0):
            return other
    return best


def cell_below(cells: Sequence[Cell], cell: Cell) -> Cell | None:
    """The cell directly below `cell` in the same column (within a line's spacing), if any."""
    for position in range(cell.order + 1, len(cells)):
        other = cells[position]
        if other.ref.page != cell.ref.page or other.bbox[1] > cell.bbox[3] + 4 * cell.height:
            break
        if other.bbox[1] <= cell.bbox[1] + 1:
            continue
        aligned = abs(other.bbox[0] - cell.bbox[0]) <= max(6.0, 0.8 * cell.height)
        same_size = abs(other.height - cell.height) <= 0.3 * max(other.height, cell.height)
        if aligned and same_size and other.bbox[1] - cell.bbox[3] <= 1.6 * max(cell.height, 1.0):
            return other
    return None
