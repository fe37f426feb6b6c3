"""Country and language words the receipt repairs and header rules use come from the locale files:
number signs, registration labels and street prefixes."""

from __future__ import annotations

from extractd.engine.fields.document import DocView
from extractd.engine.fields.receipt import find_receipt_field
from extractd.engine.fields.receipt_header import is_skippable, strip_registration
from extractd.engine.fields.receipt_text import receipt_doc
from extractd.engine.locales import vocabulary
from extractd.engine.ocr_repair import split_number_sign
from extractd.engine.types import Concept

from .test_receipt_anywhere import page_of


def test_a_number_sign_glued_to_its_number_is_split() -> None:
    assert "NO" in vocabulary("number_sign")
    assert split_number_sign("NO290") == ["NO", "290"]
    assert split_number_sign("No12A,") == ["No", "12A,"]
    assert split_number_sign("NOTE5") == ["NOTE5"]  # a word starting with the sign's letters
    assert split_number_sign("NO.59") == ["NO.59"]


def test_labelled_registration_numbers_are_stripped_from_names_and_skipped_as_lines() -> None:
    assert strip_registration("KEDAI MAKAN SDN BHD (CO. REG 1234-X)") == "KEDAI MAKAN SDN BHD"
    assert strip_registration("GARDENIA BAKERIES (ROC 139386X)") == "GARDENIA BAKERIES"
    # a bracket that starts like a label but holds no number is part of the name
    assert strip_registration("BEANS (COFFEE HOUSE)") == "BEANS (COFFEE HOUSE)"
    lines = receipt_doc(DocView([page_of(["CO.NO. 113825-W", "COFFEE HOUSE 1234", "TOTAL 9.00"])])).lines
    assert is_skippable(lines[0])
    assert not is_skippable(lines[1])


def test_a_street_prefix_glued_to_the_street_name_is_split_in_the_address() -> None:
    rows = ["KEDAI MAKAN SDN BHD", "NO 5 JALANKANCIL 3", "81750 JOHOR BAHRU", "TOTAL RM 9.00"]
    candidates = find_receipt_field(Concept.SELLER_ADDRESS, DocView([page_of(rows)]))
    assert candidates[0].value == "NO 5 JALAN KANCIL 3 81750 JOHOR BAHRU"


def test_invoice_words_come_from_every_language_file() -> None:
    import re

    from extractd.engine.fields.vocabulary import words_pattern

    credit_note = re.compile(words_pattern("credit_note", whole=True), re.I)
    assert credit_note.search("GUTSCHRIFT Nr. 12") and credit_note.search("Credit note 4")
    assert credit_note.search("Note de crédit") and credit_note.search("creditnote")
    assert not credit_note.search("Avoirdupois")  # whole words only
    stems = re.compile(words_pattern("other_document"), re.I)
    assert stems.search("Lieferschein-Nr.") and stems.search("Numéro de commande")
    assert not stems.search("Rechnungsnummer")
