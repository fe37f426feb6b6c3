"""Reading-order lines from loose words."""

from __future__ import annotations

from extractd.engine.layout import build_lines
from extractd.engine.types import Word


def _word(text: str, x0: float, y0: float, width: float = 30.0, height: float = 10.0) -> Word:
    return Word(text=text, bbox=(x0, y0, x0 + width, y0 + height))


def test_words_are_grouped_into_lines_top_to_bottom_left_to_right() -> None:
    words = [
        _word("Total", 10, 200),
        _word("2024-01-05", 200, 100),
        _word("Invoice", 10, 100),
        _word("100.00", 300, 201),
        _word("Date:", 120, 101),
    ]
    lines = build_lines(words)
    assert [line.text for line in lines] == ["Invoice Date: 2024-01-05", "Total 100.00"]


def test_mildly_skewed_line_stays_together() -> None:
    # A line drifting down 2 points per word (about 4 degrees over 10 words) on a 10-point font.
    skewed = [_word(f"w{i}", 10 + i * 35, 100 + i * 2) for i in range(10)]
    below = [_word(f"n{i}", 10 + i * 35, 140 + i * 2) for i in range(10)]
    lines = build_lines(skewed + below)
    assert [line.text for line in lines] == [
        " ".join(f"w{i}" for i in range(10)),
        " ".join(f"n{i}" for i in range(10)),
    ]


def test_wide_gap_does_not_split_a_label_from_its_value() -> None:
    lines = build_lines([_word("Total", 10, 50), _word("99.00", 500, 50)])
    assert len(lines) == 1
    assert lines[0].words[1].text == "99.00"


def test_lines_that_barely_touch_stay_apart() -> None:
    lines = build_lines([_word("upper", 10, 100), _word("lower", 50, 108)])
    assert [line.text for line in lines] == ["upper", "lower"]


def test_empty_words_are_dropped_and_no_words_give_no_lines() -> None:
    assert build_lines([]) == ()
    assert [line.text for line in build_lines([_word(" ", 0, 0), _word("x", 40, 0)])] == ["x"]


def test_zero_height_boxes_are_handled() -> None:
    words = [Word("a", (0, 10, 5, 10)), Word("b", (10, 10, 15, 10)), Word("c", (0, 30, 5, 30))]
    assert [line.text for line in build_lines(words)] == ["a b", "c"]


def test_rows_whose_tall_boxes_overlap_by_half_stay_apart() -> None:
    # a skewed photo: a taller box of the next row reaches half-way into this row's words
    words = [
        _word("SACRAMENTO", 60, 100, height=14),
        _word("CA", 130, 100, height=14),
        _word("ST#", 10, 107, height=20),
        _word("02735", 80, 107, height=20),
    ]
    assert [line.text for line in build_lines(words)] == ["SACRAMENTO CA", "ST# 02735"]
