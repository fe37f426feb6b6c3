"""Label matching tolerant of OCR damage: dropped or added spaces, case, punctuation, one-letter typos."""

from __future__ import annotations

from extractd.engine.fields.document import DocView
from extractd.engine.fields.labels import compact, find_labels, match_in_words, strip_label_text
from extractd.engine.layout import build_lines
from extractd.engine.types import Page, Word


def words_of(text: str, y: float = 100.0, x: float = 50.0) -> list[Word]:
    found = []
    for token in text.split():
        width = 6.0 * len(token)
        found.append(Word(token, (x, y, x + width, y + 10.0)))
        x += width + 5.0
    return found


def doc_of(*lines: str) -> DocView:
    words = [w for index, line in enumerate(lines) for w in words_of(line, y=50.0 + 20.0 * index)]
    return DocView([Page(1, 595.0, 842.0, build_lines(words))])


def test_compact_drops_case_spaces_and_punctuation() -> None:
    assert compact("Invoice No.:") == "invoiceno"
    assert compact("N° de facture") == "n°defacture"


def test_exact_label_with_punctuation_and_case() -> None:
    assert match_in_words(words_of("INVOICE NO.: 4711"), "Invoice No") == (0, 2, 1.0)


def test_dropped_space_still_matches() -> None:
    hit = match_in_words(words_of("InvoiceNumber 4711"), "Invoice Number")
    assert hit is not None and hit[:2] == (0, 1)


def test_added_space_still_matches() -> None:
    hit = match_in_words(words_of("Rech nungsnummer 4711"), "Rechnungsnummer")
    assert hit is not None and hit[:2] == (0, 2)


def test_one_letter_typo_matches_long_labels() -> None:
    hit = match_in_words(words_of("Rechnungsnunmer: 4711"), "Rechnungsnummer")
    assert hit is not None and hit[2] >= 0.9
    hit = match_in_words(words_of("lnvoice Number 4711"), "Invoice Number")
    assert hit is not None


def test_short_labels_must_match_exactly() -> None:
    assert match_in_words(words_of("Kunden AG"), "Kunde") is None
    assert match_in_words(words_of("Totals 12"), "Total") is None


def test_label_glued_to_its_value() -> None:
    hit = match_in_words(words_of("Total:12,50"), "Total")
    assert hit == (0, 1, 0.95)


def test_find_labels_reports_best_label_per_line() -> None:
    doc = doc_of("Rechnungsnummer: 4711", "Datum: 05.03.2018", "Nothing here")
    hits = find_labels(doc, ["Rechnung", "Rechnungsnummer", "Datum"])
    assert [(h.ref.index, h.label) for h in hits] == [(0, "Rechnungsnummer"), (1, "Datum")]
    assert [w.text for w in hits[0].rest] == ["4711"]


def test_strip_label_text() -> None:
    assert strip_label_text("Invoice No.: 123", "Invoice No") == "123"
    assert strip_label_text("Total", "Total") == ""


def test_approximate_matches_only_on_ocr_pages() -> None:
    words = words_of("Rechnungsnunmer: 4711")
    ocr = DocView([Page(1, 595.0, 842.0, build_lines(words), source="ocr")])
    text = DocView([Page(1, 595.0, 842.0, build_lines(words), source="text")])
    assert [h.label for h in find_labels(ocr, ["Rechnungsnummer"])] == ["Rechnungsnummer"]
    assert find_labels(text, ["Rechnungsnummer"]) == []  # a text layer holds what was printed


def test_split_and_joined_words_match_exactly_on_text_pages() -> None:
    doc = doc_of("Ver käufer:", "InvoiceNumber 4711")
    assert [h.label for h in find_labels(doc, ["Verkäufer", "Invoice Number"])] == [
        "Verkäufer",
        "Invoice Number",
    ]
