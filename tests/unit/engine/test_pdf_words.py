"""The PDF loader's numpy word grouping gives exactly the words and boxes of the per-character loop it
replaced (kept here as the reference), on every page of the example invoice, of the corpus PDFs where the
corpus is (a development checkout beside ../shared/corpus, or EXTRACTD_TEST_CORPUS), and on random character
runs (which run everywhere)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from extractd.engine.loaders import pdf as loader
from extractd.engine.types import Word

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("EXTRACTD_TEST_CORPUS", REPO.parent / "shared" / "corpus"))
SEPARATORS = frozenset({0, 9, 10, 13, 32, 0xA0, 0x2002, 0x2003, 0x2009, 0x200B, 0x3000})
LIGATURES = {
    0xFB00: "ff",
    0xFB01: "fi",
    0xFB02: "fl",
    0xFB03: "ffi",
    0xFB04: "ffl",
    0xFB05: "st",
    0xFB06: "st",
}


def reference_words(
    codes: list[int], lefts: list[float], tops: list[float], rights: list[float], bottoms: list[float]
) -> list[Word]:
    """The loader's former loop, character by character with the word's running extent."""
    words: list[Word] = []
    chars: list[str] = []
    x0 = y0 = x1 = y1 = 0.0
    for code, left, top, right, bottom in zip(codes, lefts, tops, rights, bottoms, strict=True):
        if code in SEPARATORS or code < 32:
            if chars:
                words.append(Word("".join(chars), (x0, y0, x1, y1)))
                chars = []
            continue
        if chars:
            size = y1 - y0
            gap = left - x1
            if gap > 0.35 * size or gap < -size or abs(bottom - y1) > size / 2:
                words.append(Word("".join(chars), (x0, y0, x1, y1)))
                chars = []
        if chars:
            x1, y0, y1 = max(x1, right), min(y0, top), max(y1, bottom)
        else:
            x0, y0, x1, y1 = left, top, right, bottom
        chars.append(LIGATURES.get(code) or chr(code))
    if chars:
        words.append(Word("".join(chars), (x0, y0, x1, y1)))
    return words


def reference_counts(codes: list[int]) -> tuple[int, int]:
    printable = bad = alphanumeric = 0
    for code in codes:
        if code in SEPARATORS:
            continue
        if code < 32 or code == 0xFFFD or 0xE000 <= code <= 0xF8FF:
            bad += 1
        else:
            printable += 1
            alphanumeric += chr(code).isalnum()
    if printable and alphanumeric < 0.4 * printable:
        return alphanumeric, bad + printable - alphanumeric
    return printable, bad


def corpus_pdfs() -> list[Path]:
    # The corpus is not part of the repository: a clone elsewhere (CI's) compares the example invoice only.
    found = sorted(CORPUS.glob("*/*.pdf"))
    if "EXTRACTD_TEST_CORPUS" in os.environ:
        assert len(found) >= 50, f"EXTRACTD_TEST_CORPUS={CORPUS} holds {len(found)} PDFs"
    return [*found, REPO / "examples" / "invoice.pdf"]


def test_corpus_pages_give_the_same_words_and_boxes_as_the_character_loop() -> None:
    compared_chars = 0
    paths = corpus_pdfs()
    for path in paths:
        document = pdfium.PdfDocument(path.read_bytes())
        try:
            for index in range(len(document)):
                page = document[index]
                text_page = page.get_textpage()
                codes = loader._char_codes(text_page)
                to_display = loader._to_display(page)
                every = np.ones(len(codes), dtype=bool)
                columns = [c.tolist() for c in to_display(loader._char_boxes(text_page, every))]
                expected = reference_words(codes.tolist(), *columns)
                assert loader._words(text_page, codes, to_display) == expected, (
                    f"{path.name} page {index + 1}"
                )
                assert loader._count_chars(codes) == reference_counts(codes.tolist()), path.name
                compared_chars += len(codes)
                text_page.close()
                page.close()
        finally:
            document.close()
    assert compared_chars > 500 * len(paths)  # the pages had text to compare


@pytest.mark.parametrize("seed", range(40))
def test_random_runs_with_overlaps_steps_back_and_baseline_jumps_group_like_the_loop(seed: int) -> None:
    """Characters placed so that the running extent often differs from the previous box (superscripts,
    overlapping glyphs, lines of mixed heights): the case the vectorised path must hand to the loop."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 300))
    codes = rng.choice([32, 10, 0xFB01, 0xE001, *range(48, 58), *range(65, 91)], size=count).astype(np.uint32)
    heights = rng.choice([8.0, 10.0, 14.0], size=count)
    bottoms = 100.0 + rng.choice([0.0, 0.0, 0.0, 3.0, -6.0, 12.0], size=count)
    tops = bottoms - heights
    lefts = np.cumsum(rng.choice([5.0, 5.5, 6.0, -4.0, 9.0, -20.0], size=count))
    rights = lefts + rng.choice([4.0, 5.0, 11.0], size=count)
    expected = reference_words(
        codes.tolist(), lefts.tolist(), tops.tolist(), rights.tolist(), bottoms.tolist()
    )
    shown = ~loader._is_separator(codes)
    got = loader.group_words(codes, shown, (lefts, tops, rights, bottoms)) if shown.any() else []
    assert got == expected
    assert len(expected) > 0 or not shown.any()
