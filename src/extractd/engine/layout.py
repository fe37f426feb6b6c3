"""Words with boxes → lines in reading order, shared by the PDF text layer and OCR.

A word joins the line whose nearest word (horizontally) overlaps it vertically by more than half of the
smaller height. Comparing with the *nearest* word rather than the whole line keeps mildly skewed lines
together: on a scan rotated by a degree the two ends of a line can sit at different heights, but
neighbours always overlap. Lines are then sorted top-to-bottom and their words left-to-right.

Lines are deliberately not split at wide gaps: "Total ......... 1.234,00" is a label and its value on
one line, and the field finder relies on that. Columns stay recoverable from the word boxes.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractd.engine.types import Line, Word

# Fraction of the smaller of two heights that two words must share vertically to be on one line. Just
# over a half: on a skewed photo, words of adjacent rows with tall OCR boxes overlap by exactly half and
# would chain three rows into one.
MIN_VERTICAL_OVERLAP = 0.55


class _Row:
    """A line under construction; `bottom` is the lowest edge seen, to retire rows we have passed."""

    __slots__ = ("bottom", "words")

    def __init__(self, word: Word) -> None:
        self.words = [word]
        self.bottom = word.bbox[3]

    def add(self, word: Word) -> None:
        self.words.append(word)
        self.bottom = max(self.bottom, word.bbox[3])

    def nearest(self, word: Word) -> Word:
        """The word of this row closest to `word` horizontally (0 when they overlap)."""
        x0, x1 = word.bbox[0], word.bbox[2]
        return min(self.words, key=lambda w: max(w.bbox[0] - x1, x0 - w.bbox[2], 0.0))


def _overlap_ratio(a: Word, b: Word) -> float:
    top = max(a.bbox[1], b.bbox[1])
    bottom = min(a.bbox[3], b.bbox[3])
    smaller = min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])
    if smaller <= 0:
        # Degenerate (zero-height) boxes: same line when the centre lies inside the other box.
        centre = (a.bbox[1] + a.bbox[3]) / 2
        return 1.0 if b.bbox[1] <= centre <= b.bbox[3] else 0.0
    return max(bottom - top, 0.0) / smaller


def _centre_y(word: Word) -> float:
    return (word.bbox[1] + word.bbox[3]) / 2


def build_lines(words: Iterable[Word]) -> tuple[Line, ...]:
    """Group words into reading-order lines (top-to-bottom, then left-to-right); drop empty words."""
    ordered = sorted((w for w in words if w.text.strip()), key=lambda w: (_centre_y(w), w.bbox[0]))
    active: list[_Row] = []
    finished: list[_Row] = []
    for word in ordered:
        # Rows that end above this word's top can never take another word (words come sorted by y).
        still_open: list[_Row] = []
        for row in active:
            (still_open if row.bottom >= word.bbox[1] else finished).append(row)
        active = still_open
        best_row: _Row | None = None
        best_ratio = MIN_VERTICAL_OVERLAP
        for row in active:
            ratio = _overlap_ratio(word, row.nearest(word))
            if ratio >= best_ratio:
                best_row, best_ratio = row, ratio
        if best_row is None:
            active.append(_Row(word))
        else:
            best_row.add(word)
    finished.extend(active)
    lines = [Line(words=tuple(sorted(row.words, key=lambda w: w.bbox[0]))) for row in finished]
    # Sort by the leftmost word's centre: on a skewed page that is where the reader starts the line.
    lines.sort(key=lambda line: (_centre_y(line.words[0]), line.words[0].bbox[0]))
    return tuple(lines)
