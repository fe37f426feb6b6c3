"""Where the value of a label is: to its right on the same line, or in the column below it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from extractd.engine.fields.document import DocView, LineRef, split_cells
from extractd.engine.fields.labels import LabelHit, compact, strip_label_text
from extractd.engine.types import BBox, Word, union_bbox


@dataclass(frozen=True, slots=True)
class Spot:
    """A piece of text that may hold a label's value, and how it relates to the label."""

    text: str
    ref: LineRef
    words: tuple[Word, ...]
    rule: str  # "label_right" | "label_below" | "label_next"
    similarity: float

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)

    @property
    def ocr(self) -> float:
        return min(w.confidence for w in self.words)


def _glued_value(hit: LabelHit) -> Spot | None:
    """The value when OCR glued it onto the label's last word ("Total:12,50")."""
    last = hit.words[-1].text
    label_rest = strip_label_text(" ".join(w.text for w in hit.words), hit.label)
    if label_rest and compact(last) != compact(hit.label)[-len(compact(last)) :]:
        return Spot(label_rest, hit.ref, (hit.words[-1],), "label_right", hit.similarity)
    return None


def spots_for(doc: DocView, hit: LabelHit, *, whole_line: bool = False) -> Iterator[Spot]:
    """Candidate value texts for a label hit, nearest first.

    Right: the first cell after the label (cells are cut at wide gaps), or the whole rest of the line
    when `whole_line`. Below: the text in the label's column on the next lines (form and table
    layouts put the value under its header). Next: the following line, whatever its position.
    """
    glued = _glued_value(hit)
    if glued is not None:
        yield glued
    rest = [w for w in hit.rest if compact(w.text)]
    if rest:
        cells = [rest] if whole_line else split_cells(rest)
        first = tuple(cells[0])
        yield Spot(" ".join(w.text for w in first), hit.ref, first, "label_right", hit.similarity)
    width = max(hit.x1 - hit.x0, 40.0)
    for ref, text in doc.lines_under(hit.ref, hit.x0 - 0.25 * width, hit.x1 + 0.6 * width, limit=2):
        words = tuple(
            w for w in ref.words if w.bbox[2] > hit.x0 - 0.25 * width and w.bbox[0] < hit.x1 + 0.6 * width
        )
        yield Spot(text, ref, words, "label_below", hit.similarity)
    for ref in doc.below(hit.ref, limit=1):
        yield Spot(ref.text, ref, ref.words, "label_next", hit.similarity)
