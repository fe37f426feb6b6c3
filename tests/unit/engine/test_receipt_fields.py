"""Receipt finders on pages built here from text lines (one word box per token, one row per line)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from extractd.engine.fields.document import DocView
from extractd.engine.fields.receipt import find_receipt_field
from extractd.engine.layout import build_lines
from extractd.engine.ocr_repair import repair_words
from extractd.engine.types import Concept, Page, Word


def make_page(rows: list[str], tall_rows: int = 0) -> Page:
    """A receipt page: row i at y = 20 + 14 i; the first `tall_rows` rows printed larger."""
    words: list[Word] = []
    for index, row in enumerate(rows):
        top, height = 20.0 + 14.0 * index, 12.0 if index < tall_rows else 9.0
        x = 10.0
        for token in row.split():
            width = 6.0 * len(token)
            words.append(Word(token, (x, top, x + width, top + height), 0.99))
            x += width + 6.0
    return Page(1, 300.0, 30.0 + 14.0 * len(rows), build_lines(repair_words(words)), source="ocr")


RECEIPT = [
    "CITY SQUARE MALL",
    "KEDAI RUNCIT MAJU JAYA SDN BHD (123456-X)",
    "NO 12, JALAN MAWAR 3,",
    "TAMAN BUNGA RAYA,",
    "43000 KAJANG, SELANGOR",
    "TEL: 03-8736 1122",
    "GST ID: 001234567890",
    "TAX INVOICE",
    "DATE: 16/02/201812:04:58",
    "RICE 5KG 1 x 23.90 23.90",
    "SUGAR 1 x 2.86 2.86",
    "SUB TOTAL 26.76",
    "GST 6% 1.61",
    "TOTAL INCL GST 28.37",
    "ROUNDING ADJ -0.02",
    "TOTAL 28.35",
    "CASH 50.00",
    "CHANGE 21.65",
    "THANK YOU PLEASE COME AGAIN",
]


def best(concept: Concept, rows: list[str] = RECEIPT, tall_rows: int = 2) -> object:
    candidates = find_receipt_field(concept, DocView([make_page(rows, tall_rows)]))
    assert candidates, f"no candidate for {concept}"
    assert candidates == sorted(candidates, key=lambda c: -c.score)
    assert all(0.0 <= c.score <= 1.0 for c in candidates)
    return candidates[0].value


def test_total_after_rounding_beats_subtotal_and_total_before_rounding() -> None:
    assert best(Concept.GRAND_TOTAL) == Decimal("28.35")


def test_total_is_tendered_minus_change_when_the_total_label_is_unreadable() -> None:
    rows = ["SHOP", "ITEM A 10.00", "IUIAL 12.40", "CASH 20.00", "CHANGE 7.60"]
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("12.40")


def test_tax_total() -> None:
    rows = ["SHOP", "TOTAL EXCL GST 10.00", "TOTAL GST 0.60", "TOTAL 10.60"]
    assert best(Concept.TAX_TOTAL, rows) == Decimal("0.60")
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("10.60")


def test_company_is_the_registered_name_not_the_mall() -> None:
    assert best(Concept.SELLER_NAME) == "KEDAI RUNCIT MAJU JAYA SDN BHD"


def test_company_name_wrapped_over_two_lines_is_joined() -> None:
    rows = ["LIAN HUAT VEGETARIAN", "RESTAURANT SDN BHD", "(1095514-X)", "54, JALAN SS2/11"]
    rows.append("47400 PETALING JAYA")
    assert best(Concept.SELLER_NAME, rows) == "LIAN HUAT VEGETARIAN RESTAURANT SDN BHD"


def test_address_lines_joined_up_to_the_phone_line() -> None:
    assert best(Concept.SELLER_ADDRESS) == "NO 12, JALAN MAWAR 3, TAMAN BUNGA RAYA, 43000 KAJANG, SELANGOR"


def test_address_skips_registration_lines_and_repairs_glued_number() -> None:
    rows = ["GOLDEN KEY MAKER", "(000760274-K)", "NO290, JALAN AIR PANAS,", "53200 KUALA LUMPUR"]
    rows.append("FAX:03-5891")
    assert best(Concept.SELLER_ADDRESS, rows) == "NO 290, JALAN AIR PANAS, 53200 KUALA LUMPUR"


def test_date_glued_to_time_is_found() -> None:
    assert best(Concept.ISSUE_DATE) == date(2018, 2, 16)
    assert best(Concept.ISSUE_TIME) == time(12, 4, 58)


def test_labelled_date_beats_an_earlier_unlabelled_one() -> None:
    rows = ["SHOP SDN BHD", "VALID UNTIL 31/12/2019", "DATE 05-01-17", "TOTAL 5.00"]
    assert best(Concept.ISSUE_DATE, rows) == date(2017, 1, 5)


def test_payment_method() -> None:
    assert best(Concept.PAYMENT_METHOD) == "cash"
    rows = ["SHOP", "TOTAL 10.60", "VISA 10.60"]
    assert best(Concept.PAYMENT_METHOD, rows) == "card"


def test_unknown_concept_and_empty_pages_give_nothing() -> None:
    assert find_receipt_field(Concept.INVOICE_NUMBER, DocView([make_page(RECEIPT)])) == []
    assert find_receipt_field(Concept.GRAND_TOTAL, DocView([])) == []


def test_owner_line_gives_the_registered_name_and_glued_words_are_split() -> None:
    rows = ["Banh Mi Cafe", "DIMILIKI: BANH MI CAFE SDN BHD 1110644-W", "NO. 1 JALAN PUTERI 7/10"]
    assert best(Concept.SELLER_NAME, rows, tall_rows=1) == "BANH MI CAFE SDN BHD"
    assert (
        best(Concept.SELLER_NAME, ["SANYUSTATIONERYSHOP", "NO. 31G, JALAN SETIA"]) == "SANYU STATIONERY SHOP"
    )


def test_numbers_with_mixed_separators_are_not_dates() -> None:
    rows = ["SHOP SDN BHD", "UF31/3-41/ - 12/144", "25-01-16 11:59 SH01", "TOTAL 5.00"]
    assert best(Concept.ISSUE_DATE, rows) == date(2016, 1, 25)


def test_rounded_total_labels() -> None:
    rows = ["SHOP", "TOTAL INCL. GST RM 27.27", "ROUNDING ADJUSTMENT -RM 0.02", "TOTAL ROUNDED RM 27.25"]
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("27.25")
    rows = ["SHOP", "TOTAL SALES (INCLUSIVE GST) RM 72.74", "ROUNDING RM 72.75", "CASH RM 100.00"]
    rows.append("CHANGE RM 27.25")
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("72.75")


def test_title_words_inside_other_words_do_not_disqualify_a_name() -> None:
    rows = ["TAX INVOICE", "STELLA HOTEL SUPPLIES TRADING", "NO 3, JALAN BUNGA", "TEL 03-1234 5678"]
    assert best(Concept.SELLER_NAME, rows, tall_rows=0) == "STELLA HOTEL SUPPLIES TRADING"


def test_unrounded_total_is_not_offered_as_an_alternative() -> None:
    candidates = find_receipt_field(Concept.GRAND_TOTAL, DocView([make_page(RECEIPT, 2)]))
    assert Decimal("28.37") not in [c.value for c in candidates]
