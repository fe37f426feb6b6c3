"""Finding labels ("Rechnungsnummer", "Total TTC", ...) in lines, tolerant of OCR damage.

A label matches a run of consecutive words when their letters, compared without spaces, case or
punctuation, are nearly the same: OCR that drops a space ("InvoiceNo"), adds one ("Rech nung"), or
gets a character wrong ("lnvoice") still matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from extractd.engine.fields.document import DocView, LineRef
from extractd.engine.types import Word

_NOT_LABEL_CHAR = re.compile(r"[^\w°#]")


@lru_cache(maxsize=65536)
def compact(text: str) -> str:
    """Letters and digits only, case-folded, accents kept (`N° de facture` -> `n°defacture`)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_LABEL_CHAR.sub("", folded).replace("_", "")


@dataclass(frozen=True, slots=True)
class LabelHit:
    """A label found in a line: words [start, end) of the line, and how similar they were (0-1)."""

    ref: LineRef
    start: int
    end: int
    similarity: float
    label: str

    @property
    def words(self) -> tuple[Word, ...]:
        return self.ref.words[self.start : self.end]

    @property
    def x0(self) -> float:
        return self.words[0].bbox[0]

    @property
    def x1(self) -> float:
        return self.words[-1].bbox[2]

    @property
    def rest(self) -> tuple[Word, ...]:
        """The words of the line to the right of the label."""
        return self.ref.words[self.end :]


def similarity(candidate: str, label: str) -> float:
    """How alike two compacted strings are (0-1); labels of six letters or fewer must match exactly."""
    if candidate == label:
        return 1.0
    if len(label) <= 6 or abs(len(candidate) - len(label)) > max(2, len(label) // 5):
        return 0.0
    return fuzz.ratio(candidate, label) / 100.0


def _threshold(label: str) -> float:
    return 0.9 if len(label) < 10 else 0.86


def match_in_words(words: Sequence[Word], label: str) -> tuple[int, int, float] | None:
    """The best run of words matching `label`, as (start, end, similarity), or None."""
    target = compact(label)
    if not target:
        return None
    best: tuple[int, int, float] | None = None
    for start in range(len(words)):
        first = compact(words[start].text)
        if not _may_start(first, target):
            continue
        joined = ""
        for end in range(start + 1, min(len(words), start + 8) + 1):
            if end > start + 1 and _column_break(words[end - 2], words[end - 1]):
                break  # a label never spans a column gap ("Montant  |  Total HT")
            joined += compact(words[end - 1].text)
            # a word may carry the label and its value glued together ("Total:12,50")
            if end == start + 1 and best is None and _glued(joined, target):
                best = (start, end, 0.95)
            if len(joined) > len(target) + 3:
                break
            score = similarity(joined, target)
            if score >= _threshold(target) and (best is None or score > best[2]):
                best = (start, end, score)
        if best is not None and best[2] == 1.0:
            break
    return best


def _column_break(left: Word, right: Word) -> bool:
    height = max(left.bbox[3] - left.bbox[1], 1.0)
    return right.bbox[0] - left.bbox[2] > 1.6 * height


def _may_start(word: str, target: str) -> bool:
    """Cheap filter: a match starts with a word sharing the label's first or second letter (one OCR
    typo at the start is tolerated, two are not)."""
    if not word:
        return False
    if word[0] == target[0]:
        return True
    return len(word) > 1 and len(target) > 1 and word[1] == target[1]


def _glued(joined: str, target: str) -> bool:
    """A label directly followed by a value in one word: the rest starts with a digit, not a letter."""
    return len(joined) > len(target) and joined.startswith(target) and joined[len(target)].isdigit()


@lru_cache(maxsize=1024)
def _usable(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(label for label in labels if compact(label))


def find_labels(
    doc: DocView, labels: Iterable[str], lines: Iterable[LineRef] | None = None
) -> list[LabelHit]:
    """Every line where one of `labels` occurs (the best label per line), in reading order.

    The hits of a label set over the whole document are computed once (from the document's span
    index, so the cost grows with the labels, not the lines) and later calls only look lines up.
    """
    label_list = _usable(labels if isinstance(labels, tuple) else tuple(labels))
    hits = _document_hits(doc, label_list)
    if lines is None:
        return list(hits.values())
    return [hit for ref in lines if (hit := hits.get(ref.index)) is not None]


def _document_hits(doc: DocView, labels: tuple[str, ...]) -> dict[int, LabelHit]:
    """Line index -> best hit of `labels` in that line, in reading order (memoised per label set)."""
    key = ("label_hits", labels)
    cached: dict[int, LabelHit] | None = doc.memo.get(key)
    if cached is not None:
        return cached
    index = document_index(doc)
    keys = _label_keys(labels)
    exact: dict[int, tuple[tuple[int, int], str]] = {}
    for compacted in keys:
        for line, start, _end in index.spans.get(compacted, ()):
            rank = (len(compacted), -start)
            known = exact.get(line)
            if known is None or rank > known[0]:
                exact[line] = (rank, compacted)
    found: dict[int, LabelHit] = {}
    for position, (_rank, compacted) in exact.items():
        ref = doc.lines[position]
        start, end = line_index(doc, ref).spans[compacted]
        found[position] = LabelHit(ref, start, end, 1.0, keys[compacted])
    for position in index.inexact_lines:
        if position not in found and (hit := _glued_or_fuzzy(doc, doc.lines[position], keys)) is not None:
            found[position] = hit
    ordered = dict(sorted(found.items()))
    doc.memo[key] = ordered
    return ordered


@dataclass(frozen=True, slots=True)
class DocumentIndex:
    """Compacted run of words -> every (line, start, end) where it is, for the whole document."""

    spans: dict[str, list[tuple[int, int, int]]]
    # lines where a label may be found without an exact span: a word gluing letters to digits
    # ("Total:12,50"), or any line of an OCR page (approximate matches)
    inexact_lines: tuple[int, ...]


def document_index(doc: DocView) -> DocumentIndex:
    cached: DocumentIndex | None = doc.memo.get("document_index")
    if cached is None:
        spans: dict[str, list[tuple[int, int, int]]] = {}
        inexact: list[int] = []
        for ref in doc.lines:
            index = line_index(doc, ref)
            for compacted, (start, end) in index.spans.items():
                spans.setdefault(compacted, []).append((ref.index, start, end))
            if index.glued or index.fuzzy:
                inexact.append(ref.index)
        cached = DocumentIndex(spans, tuple(inexact))
        doc.memo["document_index"] = cached
    return cached


@lru_cache(maxsize=16384)
def _trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Every run of up to 8 words of a line, compacted, for exact label lookups in O(1)."""

    spans: dict[str, tuple[int, int]]  # compacted run -> its first (start, end)
    glued: dict[str, int]  # letters of a word that continues with digits ("total" of "Total:12,50")
    compact: str
    fuzzy: bool  # OCR text: also try approximate matches


def line_index(doc: DocView, ref: LineRef) -> LineIndex:
    key = ("line_index", ref.index)
    cached: LineIndex | None = doc.memo.get(key)
    if cached is None:
        cached = _build_index(ref, fuzzy=doc.sources.get(ref.page) == "ocr")
        doc.memo[key] = cached
    return cached


def _build_index(ref: LineRef, *, fuzzy: bool) -> LineIndex:
    words = ref.words
    keys = [compact(word.text) for word in words]
    # a label never spans a column gap ("Montant  |  Total HT")
    breaks = [index > 0 and _column_break(words[index - 1], words[index]) for index in range(len(words))]
    spans: dict[str, tuple[int, int]] = {}
    glued: dict[str, int] = {}
    for start, first in enumerate(keys):
        joined = ""
        for end in range(start + 1, min(len(words), start + 8) + 1):
            if end > start + 1 and breaks[end - 1]:
                break
            joined += keys[end - 1]
            if len(joined) > 48:
                break
            spans.setdefault(joined, (start, end))
        for k in range(1, len(first)):
            if first[k].isdigit() and not first[k - 1].isdigit():
                glued.setdefault(first[:k], start)
                break
    # the whole line compacted only serves approximate matching (OCR pages)
    return LineIndex(spans, glued, compact(ref.text) if fuzzy else "", fuzzy)


def match_label(doc: DocView, ref: LineRef, label: str) -> tuple[int, int, float] | None:
    """Where `label` is in the line, as (start word, end word, similarity), or None.

    Exact (after compaction) matches come from the line's index; approximate ones are only looked for
    on OCR pages, where characters can be wrong (a text layer's characters are what was printed).
    """
    index = line_index(doc, ref)
    target = compact(label)
    if not target:
        return None
    if target in index.spans:
        start, end = index.spans[target]
        return start, end, 1.0
    if target in index.glued:
        word = index.glued[target]
        return word, word + 1, 0.95
    if not index.fuzzy or len(target) <= 6 or not _trigrams(target) & _trigrams(index.compact):
        return None
    return match_in_words(ref.words, label)


@lru_cache(maxsize=512)
def _label_keys(labels: tuple[str, ...]) -> dict[str, str]:
    """Compacted label -> label, longest label kept when two compact the same."""
    keys: dict[str, str] = {}
    for label in sorted(labels, key=len):
        key = compact(label)
        if key:
            keys[key] = label
    return keys


def _glued_or_fuzzy(doc: DocView, ref: LineRef, keys: dict[str, str]) -> LabelHit | None:
    """A line without an exact label: a label glued to its value, or (OCR only) an approximate one."""
    index = line_index(doc, ref)
    if index.glued:
        glued = keys.keys() & index.glued.keys()
        if glued:
            key = max(glued, key=lambda k: (len(k), -index.glued[k]))
            word = index.glued[key]
            return LabelHit(ref, word, word + 1, 0.95, keys[key])
    if not index.fuzzy:
        return None
    best: LabelHit | None = None
    for key, label in keys.items():
        found = match_label(doc, ref, label)
        if found and (best is None or (found[2], len(key)) > (best.similarity, len(compact(best.label)))):
            best = LabelHit(ref, found[0], found[1], found[2], label)
    return best


def strip_label_text(text: str, label: str) -> str:
    """Remove a leading label and its punctuation from `text` ("Invoice No.: 123" -> "123")."""
    target = compact(label)
    consumed = ""
    for index, char in enumerate(text):
        if len(consumed) >= len(target):
            return text[index:].lstrip(" :.#-–|\t")
        if compact(char):
            consumed += compact(char)
    return ""
