"""The text around a value on its page, for a person checking it (the review gate shows it).

Lines are in reading order (``layout.build_lines``): the lines a box overlaps vertically, with one line
before and one after, joined by newlines and cut to a few hundred characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractd.engine.types import BBox, Page

MAX_CHARS = 400


def text_around(
    pages: Sequence[Page], page_number: int | None, bbox: BBox | None, *, before: int = 1, after: int = 1
) -> str | None:
    """The lines of page ``page_number`` that ``bbox`` overlaps, with their neighbours; None if none."""
    if page_number is None or bbox is None:
        return None
    page = next((candidate for candidate in pages if candidate.number == page_number), None)
    if page is None:
        return None
    hits = [
        index
        for index, line in enumerate(page.lines)
        if line.bbox[1] < bbox[3] and line.bbox[3] > bbox[1]  # overlaps the box's height
    ]
    if not hits:
        return None
    start, end = max(0, hits[0] - before), min(len(page.lines), hits[-1] + 1 + after)
    text = "\n".join(line.text for line in page.lines[start:end])
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
