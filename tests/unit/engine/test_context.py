"""The text around a value: the lines its box overlaps, with one line before and after."""

from __future__ import annotations

from tests.conftest import text_pdf

from extractd.domain.templates import parse_template
from extractd.engine.context import MAX_CHARS, text_around
from extractd.engine.loaders import load
from extractd.engine.pipeline import extract
from extractd.engine.types import EngineOptions, Line, Page, Word

LINES = ["Northwind GmbH", "Invoice number: INV-7", "Date: 2024-03-15", "Total: 10.00 EUR"]


def _page() -> Page:
    return load(text_pdf([LINES]), EngineOptions()).pages[0]


def test_the_line_of_the_box_and_its_neighbours() -> None:
    page = _page()
    number = next(word for line in page.lines for word in line.words if word.text == "INV-7")
    assert text_around([page], 1, number.bbox) == "\n".join(LINES[0:3])
    first = page.lines[0].words[0]
    assert text_around([page], 1, first.bbox) == "\n".join(LINES[0:2])  # nothing before the first line


def test_no_text_without_a_place_or_off_the_page() -> None:
    page = _page()
    assert text_around([page], None, (0, 0, 10, 10)) is None
    assert text_around([page], 1, None) is None
    assert text_around([page], 2, (0, 0, 10, 10)) is None
    assert text_around([page], 1, (0.0, 800.0, 10.0, 810.0)) is None  # below every line


def test_long_text_is_cut() -> None:
    words = tuple(Word("x" * 50, (float(i * 60), 10.0, float(i * 60 + 50), 20.0)) for i in range(20))
    page = Page(number=1, width=1200.0, height=100.0, lines=(Line(words),))
    around = text_around([page], 1, (0.0, 10.0, 50.0, 20.0))
    assert around is not None and len(around) == MAX_CHARS and around.endswith("…")


def test_the_pipeline_reports_it_in_field_details() -> None:
    template = parse_template({"name": "t", "fields": [{"name": "invoice_number", "type": "text"}]})
    document = extract(text_pdf([LINES]), template, filename="a.pdf")["documents"][0]
    details = document["fieldDetails"]["invoice_number"]
    assert document["content"]["invoice_number"] == "INV-7"
    assert details["textAround"] == "\n".join(LINES[0:3])
