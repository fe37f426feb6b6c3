"""Splitting files into documents, choosing filter rules, and cutting returned PDFs."""

from __future__ import annotations

import pypdfium2 as pdfium

from extractd.domain.templates import parse_template
from extractd.engine.documents import choose_rule, cut_pdf, images_to_pdf, split_documents, text_to_pdf
from extractd.engine.loaders import load
from extractd.engine.types import EngineOptions, FilterRule, Page

from .conftest import encrypt_pdf, make_form_pdf, make_image, make_pdf


def _pages(*pages: list[str]) -> tuple[Page, ...]:
    return load(make_pdf(list(pages)), EngineOptions()).pages


def _groups(pages: tuple[Page, ...]) -> list[list[int]]:
    return [[page.number for page in group] for group in split_documents(pages)]


def test_page_numbering_restarting_starts_a_new_document() -> None:
    pages = _pages(
        ["ACME Ltd", "Page 1 of 2", "Widget 10.00"],
        ["INVOICE", "Page 2 of 2", "Total 10.00"],  # a title, but numbering says: continued
        ["Other Corp", "Seite 1 von 1", "Total 5.00"],
    )
    assert _groups(pages) == [[1, 2], [3]]


def test_a_page_after_page_k_of_n_continues_the_document() -> None:
    pages = _pages(["INVOICE", "Page 1 of 2"], ["INVOICE", "more lines"], ["INVOICE", "next"])
    assert _groups(pages) == [[1, 2], [3]]


def test_document_numbers_decide_between_continuation_and_new() -> None:
    pages = _pages(
        ["Invoice No. A-1001", "Widget 10.00"],
        ["Invoice No. A-1001", "Gadget 5.00"],
        ["Invoice No. B-2002", "Total 7.00"],
    )
    assert _groups(pages) == [[1, 2], [3]]


def test_a_title_at_the_top_starts_a_document_and_blank_pages_stay_attached() -> None:
    pages = _pages(["RECEIPT", "Coffee 3.00"], ["Thank you for your visit"], [], ["RECEIPT", "Tea 2.00"])
    assert _groups(pages) == [[1, 2, 3], [4]]
    # A long line that merely mentions an invoice is not a title.
    assert _groups(_pages(["Hello"], ["Invoice questions? Call us at any time of the day"])) == [[1, 2]]


def _rules() -> list[FilterRule]:
    invoice = parse_template(
        {"name": "invoice", "fields": [{"name": "total", "type": "money", "labels": ["Gesamtbetrag"]}]}
    )
    receipt = parse_template({"name": "receipt", "fields": [{"name": "total", "type": "money"}]})
    return [
        FilterRule("Invoice", "A supplier invoice", True, invoice),
        FilterRule("Receipt", "A till receipt from a shop", True, receipt),
        FilterRule("Contract", "Signed agreements", False, None),
    ]


def test_rules_are_chosen_by_keywords_translations_and_labels() -> None:
    rules = _rules()
    assert (
        choose_rule(_pages(["RECHNUNG Nr. 5", "Gesamtbetrag 10,00"]), rules).rule.document_name == "Invoice"
    )
    receipt = choose_rule(_pages(["Kassenbon", "Shop Berlin", "Summe 3,00"]), rules)
    assert receipt.rule.document_name == "Receipt" and receipt.index == 1
    assert "receipt" in receipt.matched and "shop" in receipt.matched
    assert choose_rule(_pages(["Vertrag", "unterschrieben"]), rules).rule.document_name == "Contract"


def test_ties_and_no_match_go_to_the_first_rule() -> None:
    choice = choose_rule(_pages(["Lorem ipsum dolor"]), _rules())
    assert choice.index == 0 and choice.score == 0


def _page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    texts = [page.get_textpage().get_text_range().strip() for page in document]
    document.close()
    return texts


def test_cut_pdf_keeps_just_the_pages_asked_for_and_decrypts() -> None:
    pdf = make_pdf([["Alpha"], ["Bravo"], ["Charlie"]])
    assert _page_texts(cut_pdf(pdf, None, [1, 3])) == ["Alpha", "Charlie"]
    secret = encrypt_pdf(pdf, "pw")
    assert _page_texts(cut_pdf(secret, "pw", [2])) == ["Bravo"]
    # A form's values are flattened in: the form itself does not travel with the page.
    assert _page_texts(cut_pdf(make_form_pdf("INV-31337"), None, [1])) == ["INV-31337"]


def test_images_and_text_become_pdfs() -> None:
    import io

    from PIL import Image

    first = Image.open(io.BytesIO(make_image(["one"], size=(600, 800))))
    second = Image.open(io.BytesIO(make_image(["two"], size=(600, 800))))
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], dpi=(150, 150))
    pdf = images_to_pdf(out.getvalue(), [2], EngineOptions())
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    assert document[0].get_size() == (288.0, 384.0)  # 600 x 800 pixels at 150 dpi
    document.close()
    text_pages = load(b"Invoice 12\nTotal 99.00", EngineOptions()).pages
    assert _page_texts(text_to_pdf(text_pages)) == ["Invoice 12\r\nTotal 99.00"]


def test_compound_spaced_and_qualified_titles_start_documents() -> None:
    pages = _pages(
        ["Handelsrechnung Nr. 4711 vom 05.03.2018", "Posten 1"],
        ["W A R E N R E C H N U N G", "Posten 2"],
        ["Payment receipt", "Guest: Someone"],
        ["Tax Invoice", "Amount 5.00"],
    )
    assert _groups(pages) == [[1], [2], [3], [4]]


def test_labels_and_lines_lower_down_are_not_titles() -> None:
    filler = [f"Position {n} Artikel 1,00" for n in range(6)]
    pages = _pages(["RECHNUNG", "Rechnungsdatum 05.03.2018"], [*filler, "Lieferschein-Nr : L-123", "Rest"])
    assert _groups(pages) == [[1, 2]]


def test_page_one_without_a_total_starts_and_a_date_is_not_a_document_number() -> None:
    pages = _pages(["Seite 1", "Rechnungsdatum 05.03.2018"], ["Seite 2", "x"], ["Seite 1", "y"])
    assert _groups(pages) == [[1, 2], [3]]


def test_keywords_are_found_inside_compound_words() -> None:
    rules = list(reversed(_rules()))  # the invoice rule is no longer first, so it must win on merit
    choice = choose_rule(_pages(["Rechnungskorrektur", "Betrag 5,00"]), rules)
    assert choice.rule.document_name == "Invoice" and "invoice" in choice.matched


def test_a_bare_k_of_n_line_counts_as_page_numbering() -> None:
    pages = _pages(["ACME", "1/2"], ["INVOICE", "2/2"], ["Other", "1/1"])
    assert _groups(pages) == [[1, 2], [3]]
