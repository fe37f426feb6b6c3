"""OCR on images drawn here with Pillow's bundled font: text, boxes, rotation, the shared engine."""

from __future__ import annotations

import threading

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractd.engine import ocr
from extractd.engine.ocr import get_engine, ocr_image
from extractd.engine.ocr_repair import (
    collapse_spaced_characters,
    fix_lookalikes,
    repair_words,
    split_case_boundaries,
    split_glued_date_time,
)
from extractd.engine.types import Word

LINES = ("GOLDEN KEY TRADING", "INVOICE DATE 16/02/2018", "TOTAL AMOUNT 125.50")


def _receipt_image() -> Image.Image:
    image = Image.new("RGB", (1000, 420), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for row, text in enumerate(LINES):
        draw.text((40, 40 + row * 120), text, fill="black", font=font)
    return image


@pytest.fixture(scope="module")
def upright_page() -> ocr.Page:
    return ocr_image(_receipt_image(), page_number=3, scale=0.5)


def test_reads_text_and_reports_boxes_in_points(upright_page: ocr.Page) -> None:
    assert upright_page.number == 3
    assert upright_page.source == "ocr"
    assert upright_page.width == pytest.approx(500)
    assert upright_page.height == pytest.approx(210)
    assert [line.text for line in upright_page.lines] == list(LINES)
    total_line = upright_page.lines[2]
    assert [w.text for w in total_line.words] == ["TOTAL", "AMOUNT", "125.50"]
    # Drawn at x=40 px, y=280 px with scale 0.5: the first word starts near (20, 140) points.
    first = total_line.words[0]
    assert first.bbox[0] == pytest.approx(20, abs=8)
    assert 130 <= first.bbox[1] <= 150
    assert first.bbox[2] > first.bbox[0] and first.bbox[3] > first.bbox[1]
    # Words are in reading order left to right and do not overlap.
    xs = [w.bbox[0] for w in total_line.words]
    assert xs == sorted(xs)
    assert all(0.5 < w.confidence <= 1.0 for line in upright_page.lines for w in line.words)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_page_reads_the_same(upright_page: ocr.Page, degrees: int) -> None:
    rotated = _receipt_image().rotate(degrees, expand=True)
    page = ocr_image(rotated, page_number=1, scale=0.5)
    assert [line.text for line in page.lines] == [line.text for line in upright_page.lines]
    # The page comes back in reading orientation.
    assert page.width == pytest.approx(500)


def test_large_image_is_downscaled_but_boxes_stay_in_page_points() -> None:
    big = _receipt_image().resize((4000, 1680))
    page = ocr_image(big, page_number=1, scale=0.125)
    assert [line.text for line in page.lines] == list(LINES)
    assert page.width == pytest.approx(500, rel=0.01)
    assert page.lines[2].words[0].bbox[1] == pytest.approx(140, abs=12)


def test_engine_is_created_once_per_process() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(get_engine())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(engine) for engine in seen}) == 1
    assert get_engine() is seen[0]


def test_blank_image_gives_an_empty_page() -> None:
    page = ocr_image(Image.new("L", (300, 200), "white"), page_number=1, scale=1.0)
    assert page.lines == ()
    assert (page.width, page.height) == (300, 200)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("16/02/201812:04:58", ["", "16/02/2018", "12:04:58", ""]),
        ("25/01/181:22:56PM", ["", "25/01/18", "1:22:56PM", ""]),
        ("12:04:5816/02/2018", ["12:04:58", "16/02/2018"]),
        ("16/02/2018", ["16/02/2018"]),
        ("12:04:58", ["12:04:58"]),
    ],
)
def test_split_glued_date_time(text: str, parts: list[str]) -> None:
    assert split_glued_date_time(text) == parts


def test_split_case_boundaries_only_in_mixed_case() -> None:
    assert split_case_boundaries("KedaiMakan") == ["Kedai", "Makan"]
    assert split_case_boundaries("McDonald") == ["McDonald"]
    assert split_case_boundaries("MINIMARKET") == ["MINIMARKET"]


@pytest.mark.parametrize(
    ("text", "fixed"),
    [("5/B", "S/B"), ("S/8", "S/B"), ("29O,", "290,"), ("RMO.28", "RM0.28"), ("SOLO", "SOLO"), ("NO", "NO")],
)
def test_fix_lookalikes(text: str, fixed: str) -> None:
    assert fix_lookalikes(text) == fixed


def test_repair_words_splits_boxes_in_proportion() -> None:
    glued = Word("16/02/201812:04:58", (0.0, 10.0, 180.0, 20.0), 0.9)
    date_word, time_word = repair_words([glued, Word("NO290", (200.0, 10.0, 250.0, 20.0))])[:2]
    assert (date_word.text, time_word.text) == ("16/02/2018", "12:04:58")
    assert date_word.bbox == pytest.approx((0.0, 10.0, 100.0, 20.0))
    assert time_word.bbox == pytest.approx((100.0, 10.0, 180.0, 20.0))
    assert date_word.confidence == 0.9
    assert [w.text for w in repair_words([Word("NO290", (0.0, 0.0, 50.0, 10.0))])] == ["NO", "290"]


def test_collapse_spaced_characters() -> None:
    assert collapse_spaced_characters("Time 1 6 / 0 4 / 2 0 1 8 9:49") == "Time 16/04/2018 9:49"
    assert collapse_spaced_characters("1 x 2.86 2.86") == "1 x 2.86 2.86"
