"""Receipts from other countries: the header block, the address around its postcode line, totals
labelled in other languages and confirmed by payment lines, and dates read by the receipt's locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from extractd.domain.templates import parse_template
from extractd.engine.fields.document import DocView
from extractd.engine.fields.finders import ReceiptFinder, choose_finders, is_receipt
from extractd.engine.fields.parse import find_dates
from extractd.engine.fields.receipt import find_receipt_field
from extractd.engine.fields.receipt_text import label_in, money_amounts
from extractd.engine.layout import build_lines
from extractd.engine.ocr_repair import fix_lookalikes
from extractd.engine.types import Candidate, Concept, Page, Word, union_bbox


def page_of(
    rows: list[str], confidences: dict[int, float] | None = None, heights: dict[int, float] | None = None
) -> Page:
    """A page with row i at y = 20 + 16 i; per-row OCR confidence and word height may be given."""
    words: list[Word] = []
    for index, row in enumerate(rows):
        top = 20.0 + 16.0 * index
        height = (heights or {}).get(index, 10.0)
        x = 10.0
        for token in row.split():
            width = 6.0 * len(token)
            words.append(Word(token, (x, top, x + width, top + height), (confidences or {}).get(index, 0.99)))
            x += width + 6.0
    return Page(1, 300.0, 40.0 + 16.0 * len(rows), build_lines(words), source="ocr")


def found(concept: Concept, rows: list[str], **kwargs: dict[int, float]) -> list[Candidate]:
    return find_receipt_field(concept, DocView([page_of(rows, **kwargs)]))


def best(concept: Concept, rows: list[str], **kwargs: dict[int, float]) -> object:
    candidates = found(concept, rows, **kwargs)
    assert candidates, f"no candidate for {concept}"
    return candidates[0].value


GERMAN = [
    "EDEKA",
    "Rosenweg 29",
    "58239 Schwerte-Holzen",
    "Tel. 02304 / 983113",
    "UID Nr.: DE124899692",
    "EUR",
    "Wasa Vollkorn 2,49 A",
    "Landmilch 1,10 A",
    "SUMME EUR 3,59",
    "Geg. BAR EUR 5,00",
    "Rückgeld BAR EUR -1,41",
    "Datum 12.08.2023 17:10",
]


def test_german_address_is_the_street_and_postcode_lines_without_the_phone() -> None:
    assert best(Concept.SELLER_ADDRESS, GERMAN) == "Rosenweg 29 58239 Schwerte-Holzen"
    assert best(Concept.SELLER_NAME, GERMAN) == "EDEKA"


def test_german_total_is_the_summe_the_payment_lines_confirm() -> None:
    candidates = found(Concept.GRAND_TOTAL, GERMAN)
    assert candidates[0].value == Decimal("3.59")
    assert "tendered_minus_change" in candidates[0].rule  # 5,00 given, 1,41 back (printed negative)


def test_us_address_keeps_street_lines_above_the_zip_line_and_drops_the_phone() -> None:
    rows = [
        "Main Street Restaurant",
        "6332 Business Drive",
        "Suite 528",
        "Palo Alto California 94301",
        "575-162-8095",
        "Fri 04/07/2017 11:36 AM",
        "Subtotal $26.50",
        "Tax $2.51",
        "Amount Due $29.01",
    ]
    assert best(Concept.SELLER_ADDRESS, rows) == "6332 Business Drive Suite 528 Palo Alto California 94301"
    assert best(Concept.SELLER_NAME, rows) == "Main Street Restaurant"
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("29.01")


def test_us_receipt_reads_an_ambiguous_date_month_first_and_is_sure_of_it() -> None:
    rows = [
        "WALMART",
        "6051 FLORIN RD",
        "SACRAMENTO CA 95823",
        "916-427-9719",
        "08/05/19 13:23",
        "TOTAL $16.04",
    ]
    candidate = found(Concept.ISSUE_DATE, rows)[0]
    assert candidate.value == date(2019, 8, 5)
    assert candidate.score >= 0.9


def test_an_ambiguous_date_with_no_locale_evidence_is_reported_unsure() -> None:
    rows = ["SHOP", "ITEM 2.00", "TOTAL 2.00", "04/07/2017"]
    candidate = found(Concept.ISSUE_DATE, rows)[0]
    assert candidate.score < 0.9
    assert "ambiguous" in candidate.rule
    sure = found(Concept.ISSUE_DATE, ["SHOP", "ITEM 2.00", "TOTAL 2.00", "24/07/2017"])[0]
    assert sure.score >= 0.9


def test_a_dutch_postcode_line_anchors_the_address_and_the_name_sits_above_it() -> None:
    rows = [
        "M",
        "i'm lovin' it",
        "McDonald's Hazeldonk-West",
        "Hazeldonk 5006",
        "4836 LZ BREDA",
        "Tel:076-5961528",
        "TOTAAL 10,85",
    ]
    assert best(Concept.SELLER_ADDRESS, rows) == "Hazeldonk 5006 4836 LZ BREDA"
    assert best(Concept.SELLER_NAME, rows) == "McDonald's Hazeldonk-West"


def test_a_logo_read_as_garbage_is_passed_over_for_the_name_under_it() -> None:
    rows = [
        "RURO RANIN",
        "KURO RAMEN",
        "2248 S CANAL ST",
        "Chicago, IL 60616",
        "(312)526-3780",
        "Total 76.38",
    ]
    assert best(Concept.SELLER_NAME, rows, confidences={0: 0.3}) == "KURO RAMEN"
    assert best(Concept.SELLER_ADDRESS, rows) == "2248 S CANAL ST Chicago, IL 60616"


def test_decoration_and_a_leading_date_are_not_part_of_the_name() -> None:
    assert (
        best(Concept.SELLER_NAME, ["*K-Market Ratikka*", "Hämeenkatu 29", "33200 Tampere"])
        == "K-Market Ratikka"
    )
    rows = ["2004-10-31 IN-N-OUT BURGER LAS VEGAS", "Cashier: SAM", "Burger 2.65", "Total 2.65"]
    assert best(Concept.SELLER_NAME, rows) == "IN-N-OUT BURGER LAS VEGAS"


def test_a_name_printed_over_two_short_lines_is_joined() -> None:
    rows = ["Berghotel", "Grosse Scheidegg", "3818 Grindelwald", "Total CHF 54.50"]
    assert best(Concept.SELLER_NAME, rows) == "Berghotel Grosse Scheidegg"
    assert best(Concept.SELLER_ADDRESS, rows) == "3818 Grindelwald"


def test_a_place_printed_before_a_phone_number_under_the_name_is_the_address() -> None:
    rows = ["TESCO", "CRAWLEY HAZELWICK 0845 677 9179", "£", "CRISPS 0.30", "TOTAL 2.51"]
    assert best(Concept.SELLER_ADDRESS, rows) == "CRAWLEY HAZELWICK"


def test_an_address_without_postcode_stops_before_the_item_table() -> None:
    rows = [
        "Kaufland",
        "Podsumowanie zakupów",
        "ul. Zegrzyńska 115",
        "Legionowo",
        "Cena PLN",
        "Imbir kg 5,43",
    ]
    assert best(Concept.SELLER_ADDRESS, rows) == "ul. Zegrzyńska 115 Legionowo"


def test_totals_labelled_in_other_languages() -> None:
    assert best(Concept.GRAND_TOTAL, ["SHOP", "Artikel 2,00", "zu zahlen 26,60", "Bar 30,00"]) == Decimal(
        "26.60"
    )
    assert best(Concept.GRAND_TOTAL, ["SHOP", "ARTICLE 3,00", "TOTAL TTC 12,50", "TVA 2,08"]) == Decimal(
        "12.50"
    )
    assert best(Concept.GRAND_TOTAL, ["SHOP", "Banaani 0,33", "YHTEENSÄ 12,86"]) == Decimal("12.86")
    assert best(
        Concept.GRAND_TOTAL, ["SHOP", "Imbir 5,43", "Ogółem 109,29", "C 5% 91,60 87,24 4,36"]
    ) == Decimal("109.29")


def test_split_payment_lines_confirm_the_total_they_add_up_to() -> None:
    rows = ["SHOP", "TOTALE EURO 47,91", "SUBTOTALE 45,00", "PAGAMENTO CARTA 7,91", "PAGAMENTO BUONO 40,00"]
    candidate = found(Concept.GRAND_TOTAL, rows)[0]
    assert candidate.value == Decimal("47.91")
    assert "payments" in candidate.rule


def test_a_round_off_under_one_unit_is_an_adjustment_and_a_whole_total_counts() -> None:
    rows = ["SHOP", "SubTotal: 530.00", "GST@5% 26.50", "Round Off: 0.50", "Total Invoice Value: 557"]
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("557")


def test_labels_match_whole_words_or_glued_at_the_start() -> None:
    assert label_in("TOTALRM9.00", "total")
    assert not label_in("SUBTOTAL 9.00", "total")
    assert label_in("Summe EUR 5,18", "total")
    assert not label_in("BARCODE 123", "tendered")
    assert label_in("Geg. BAR EUR 20,19", "tendered")


def test_money_tokens_take_currency_marks_and_large_amounts_and_skip_three_decimals() -> None:
    assert money_amounts("3 X HAMBURGER €3.20 €9.60") == (Decimal("3.20"), Decimal("9.60"))
    assert money_amounts("TOTAL 1234.56") == (Decimal("1234.56"),)
    assert money_amounts("1,434 kg") == ()
    assert money_amounts("TOTAL £2.51") == (Decimal("2.51"),)


def test_a_date_uses_one_separator_throughout() -> None:
    assert find_dates("ORD #57 -REG #1- 13/01/2016 15:49:52") == [(date(2016, 1, 13), 17, 27)]


def test_abbreviation_lookalikes_come_from_the_locale_files() -> None:
    assert fix_lookalikes("5/B") == "S/B"
    assert fix_lookalikes("S/8,") == "S/B,"
    assert fix_lookalikes("RMO.28") == "RM0.28"
    assert fix_lookalikes("SOB") == "SOB"


def test_the_receipt_finder_is_chosen_by_the_template_or_the_page() -> None:
    page = page_of(["SHOP", "TOTAL 2.00", "CASH 5.00", "CHANGE 3.00", "CASHIER ANNA"])
    receipt = parse_template({"name": "kassenbon", "fields": [{"name": "total", "type": "money"}]})
    invoice = parse_template({"name": "invoice", "fields": [{"name": "total", "type": "money"}]})
    plain = parse_template({"name": "purchase", "fields": [{"name": "total", "type": "money"}]})
    assert is_receipt(receipt, DocView([page_of(["X"])]))
    assert not is_receipt(invoice, DocView([page]))
    assert is_receipt(plain, DocView([page]))  # three till words on one page
    assert not is_receipt(plain, DocView([page_of(["Rechnung", "Summe 2,00"])]))
    finders = choose_finders(receipt, DocView([page]))
    assert isinstance(finders[0], ReceiptFinder) and finders[0].calibrated
    assert [f.name for f in choose_finders(invoice, DocView([page]))] == ["invoice"]


def test_union_bbox() -> None:
    assert union_bbox([(1.0, 5.0, 3.0, 6.0), (0.0, 7.0, 2.0, 9.0)]) == (0.0, 5.0, 3.0, 9.0)


def test_payment_method_words_of_any_language() -> None:
    assert best(Concept.PAYMENT_METHOD, GERMAN) == "cash"  # `Geg. BAR EUR 5,00`
    assert best(Concept.PAYMENT_METHOD, ["SHOP", "YHTEENSÄ 12,86", "PANKKIKORTTI 12,86"]) == "card"
    assert best(Concept.PAYMENT_METHOD, ["SHOP", "TOTAL 9.00", "GRABPAY 9.00"]) == "e-wallet"


def test_cyrillic_labels_read_as_latin_look_alikes_still_match() -> None:
    assert label_in("CYMA 64.98 TPH", "total")  # СУМА read by a Latin recogniser
    assert label_in("СУМА 64.98 ГРН", "total")
    assert not label_in("CYMBAL 64.98", "total")


def test_the_name_is_the_largest_print_of_a_line_that_mixes_sizes() -> None:
    # `TARGET` in large print, its slogan glued on the same line in smaller print
    words = [Word("TARGET", (10.0, 20.0, 60.0, 41.0), 0.99)]
    words += [
        Word(w, (70.0 + 40 * i, 24.0, 105.0 + 40 * i, 41.0), 0.99)
        for i, w in enumerate(["EXPECT", "MORE.", "PAY", "LESS"])
    ]
    rows = ["03/06/2016 05:25 PM", "GROCERY", "OREO COOKIE $5.98", "TOTAL $5.98"]
    body = page_of(["", "", *rows])
    page = Page(1, 300.0, body.height, (*build_lines(words), *body.lines), source="ocr")
    assert find_receipt_field(Concept.SELLER_NAME, DocView([page]))[0].value == "TARGET"


def test_a_logo_word_misread_is_repaired_by_the_receipts_web_address() -> None:
    rows = ["EEDEKA", "Rosenweg 29", "58239 Schwerte", "www.edeka.de", "SUMME EUR 3,59"]
    assert best(Concept.SELLER_NAME, rows) == "EDEKA"
    # a logo that lost its first letter, over a line naming the shop: the repaired logo is the name
    rows = ["uchan", "HIPERMARKET AUCHAN", "05-270 WARSZAWA AL. KRAKOWSKA 1", "www.auchan.pl", "SUMA 3,25"]
    assert best(Concept.SELLER_NAME, rows, heights={0: 15.0}) == "auchan"  # the logo in larger print
    # the initial printed apart (`K-Citymarket`) is not a lost letter
    rows = ["K-Citymarket Tampere", "Turtolankatu 2", "33900 Tampere", "www.k-citymarket.fi", "YHTEENSA 3,20"]
    assert best(Concept.SELLER_NAME, rows) == "K-Citymarket Tampere"


def test_an_unlabelled_rounding_under_a_total_makes_the_rounded_total() -> None:
    rows = ["SHOP", "ITEM 280.97", "SUMA 280.97", "20.00% 46.83", "0.03", "281.00"]
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("281.00")


def test_an_amount_alone_under_the_subtotal_and_tax_lines_is_the_total() -> None:
    rows = ["SHOP", "ITEM $246.00", "SUBTOTAL $246.00", "TAX 8.475% on $151.37 $12.83", "$258.83"]
    assert best(Concept.GRAND_TOTAL, rows) == Decimal("258.83")
