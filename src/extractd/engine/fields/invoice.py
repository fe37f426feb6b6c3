"""Invoice finders: for each Concept, candidates from labels (EN/DE/FR/NL), patterns and position."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

from extractd.engine.fields import confidence
from extractd.engine.fields.anchors import Spot, spots_for
from extractd.engine.fields.document import DocView, LineRef, split_cells
from extractd.engine.fields.labels import LabelHit, compact, find_labels
from extractd.engine.fields.parse import currencies_in, find_amounts, find_dates, parse_currency, parse_time
from extractd.engine.fields.parties import buyer_candidates, seller_candidates
from extractd.engine.fields.vocabulary import CURRENCY_LABELS, LABELS, WEAK_LABELS, labels_of, words_pattern
from extractd.engine.types import Candidate, Concept, Word

_WEAK_LABELS = frozenset(compact(label) for label in WEAK_LABELS)
_MONEY_CONCEPTS = (Concept.GRAND_TOTAL, Concept.NET_TOTAL, Concept.TAX_TOTAL)
_DATE_CONCEPTS = (Concept.ISSUE_DATE, Concept.DUE_DATE)
_INVOICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\\\-]*\d[A-Za-z0-9/_.\\\-]*|\d")


# Words of the locale files (`engine/locales/languages/*.json`), every language at once.
# An invoice word before a generic number label ("Rechnung Nr."), and words of other documents'
# numbers ("Bestell-Nr.", "Customer No").
_DOCUMENT_WORDS = re.compile(
    words_pattern("document_word") + "|" + words_pattern("document_word_whole", whole=True), re.I
)
_OTHER_DOCUMENTS = re.compile(words_pattern("other_document"), re.I)
# "Numero de Orden", "Number of pages": a connector after the label, then another document's word.
_CONNECTOR = re.compile("^" + words_pattern("connector", whole=True), re.I)
# Labels so generic that they only count with an invoice word before them ("Rechnung Nr.", "Invoice #").
_CONTEXT_LABELS = frozenset(compact(label) for label in labels_of("context_number_label"))


def _prior(hit: LabelHit) -> float:
    """How much a label hit is worth: strong labels 1.0, generic ones by the words before them."""
    key = compact(hit.label)
    if key not in _CONTEXT_LABELS:
        return 0.8 if key in _WEAK_LABELS else 1.0
    context = " ".join(w.text for w in hit.ref.words[: hit.start])
    own_word = hit.words[0].text
    after = " ".join(w.text for w in hit.rest[:2])  # "Numero de Orden", "Number of pages"
    if _OTHER_DOCUMENTS.search(context[-40:]) or _OTHER_DOCUMENTS.search(own_word):
        return 0.0
    if _CONNECTOR.match(after) and _OTHER_DOCUMENTS.search(after):
        return 0.0
    if _DOCUMENT_WORDS.search(context[-40:]):
        return 0.9
    return 0.5 if hit.start == 0 else 0.0


def _candidate(value: object, spot: Spot, prior: float, rule: str | None = None) -> Candidate:
    rule = rule or spot.rule
    return Candidate(
        value=value,
        score=confidence.score(rule, similarity=spot.similarity, ocr=spot.ocr, prior=prior),
        page=spot.ref.page,
        bbox=spot.bbox,
        text=spot.text,
        rule=rule,
    )


def _claimed_by_other(doc: DocView, concept: Concept, hit: LabelHit, group: tuple[Concept, ...]) -> bool:
    """Whether a longer label of a sibling concept explains this line better ("Total HT" vs "Total")."""
    length = len(compact(hit.label))
    for other in group:
        if other is concept:
            continue
        for other_hit in find_labels(doc, LABELS[other], [hit.ref]):
            overlaps = other_hit.start < hit.end and hit.start < other_hit.end
            if overlaps and len(compact(other_hit.label)) > length:
                return True
    return False


def invoice_number_candidates(doc: DocView) -> list[Candidate]:
    found: list[Candidate] = []
    siblings = (Concept.INVOICE_NUMBER, Concept.ISSUE_DATE, Concept.DUE_DATE, Concept.GRAND_TOTAL)
    for hit in find_labels(doc, LABELS[Concept.INVOICE_NUMBER]):
        if _claimed_by_other(doc, Concept.INVOICE_NUMBER, hit, siblings):
            continue
        if _prior(hit) == 0.0:
            continue
        for spot in spots_for(doc, hit, whole_line=True):
            if spot.rule == "label_next" or (spot.rule == "label_below" and not _heads_column(hit)):
                continue
            words = spot.text.split()[:2] if spot.rule == "label_below" else spot.text.split()[:6]
            token = _printed_number(spot) or _identifier(" ".join(words))  # under a header: the cell itself
            if token is not None:
                found.append(_candidate(token, spot, _prior(hit)))
                break
    return found


def _heads_column(hit: LabelHit) -> bool:
    """Whether the label is a cell of its own (a table or form header), so the text under it is its value."""
    if hit.start == 0:
        return True
    for cell in split_cells(hit.ref.words):
        if cell[0] is hit.words[0]:
            return cell[-1] is hit.words[-1]
    return False


# A number printed in groups ("1 24 0005 0001201345", "0005-00011643"): digits, spaces and dashes only.
_GROUPED_NUMBER = re.compile(r"\d+(?:[ \-]\d+)+")


def _printed_number(spot: Spot) -> str | None:
    """The value as printed when the cell right of the label is one number written in groups, or one
    short number alone ("INVOICE #  4"): identifiers keep their inner spaces and dashes."""
    if spot.rule != "label_right":
        return None
    cells = split_cells(spot.words)
    if not cells:
        return None
    text = " ".join(w.text for w in cells[0]).strip(" :#.")
    if _GROUPED_NUMBER.fullmatch(text) and not find_dates(text) and not _money_in(text):
        return text
    if re.fullmatch(r"\d{1,2}", text) and len(cells) == 1:
        return text
    return None


def _identifier(text: str) -> str | None:
    """The first token that looks like a document number (has a digit, not a date or an amount)."""
    if re.search(r"\((GTIN|GLN|EAN)\)", text):
        return None  # a global trade item / location number, not the document's own
    text = text.replace("\ufffe", "-")  # a PDF's soft hyphen glyph, printed as a dash
    dates = [(start, end) for _day, start, end in find_dates(text)]
    position = 0
    for raw in text.replace(":", " ").split():
        start = text.index(raw, position)
        position = start + len(raw)
        token = raw.strip(".,;()#")
        if any(s <= start and start + len(raw.rstrip(".,;")) <= e for s, e in dates):
            continue  # part of a date ("Date of issue July 19, 2025")
        if len(token) < 3 or not _INVOICE_ID.fullmatch(token) or _is_date(token):
            continue
        if re.fullmatch(r"\d{1,3}([.,]\d{2})", token) or re.fullmatch(r"\(\d{1,3}\)", raw):
            continue
        return token
    return None


def _is_date(token: str) -> bool:
    """Whether the token is a date and nothing more ("2024-03-10" is; "2024-03-10t172205" is not)."""
    return any(start == 0 and end == len(token) for _day, start, end in find_dates(token))


_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?!\d)")


def _ambiguity(doc: DocView, text: str) -> float:
    """1.0, or the "ambiguous_date" factor when the date read from `text` could be day or month first
    and neither the document's dates nor its locale evidence settle which ("1/8/2022" alone)."""
    match = _NUMERIC_DATE.search(text)
    if match is None:
        return 1.0
    first, second = int(match.group(1)), int(match.group(2))
    if first == second or max(first, second) > 12 or doc.date_order_sure:
        return 1.0
    return confidence.unfamiliar("ambiguous_date")


def date_candidates(doc: DocView, concept: Concept) -> list[Candidate]:
    return [replace(c, score=c.score * _ambiguity(doc, c.text)) for c in _date_candidates(doc, concept)]


def _date_candidates(doc: DocView, concept: Concept) -> list[Candidate]:
    found: list[Candidate] = []
    for hit in find_labels(doc, LABELS[concept]):
        if _prior(hit) == 0.0 or _claimed_by_other(
            doc, concept, hit, (*_DATE_CONCEPTS, Concept.INVOICE_NUMBER)
        ):
            continue
        for spot in spots_for(doc, hit, whole_line=True):
            dates = find_dates(spot.text, day_first=doc.day_first)
            if dates:
                found.append(_candidate(dates[0][0], spot, _prior(hit)))
                break
    if concept is Concept.ISSUE_DATE:
        found.extend(_first_dates(doc))
    else:
        found.extend(_due_sentence_dates(doc))
    return found


# "Zahlbar ... bis", "payable ... no later than": a due phrase, then a word introducing the date.
_DUE_SENTENCE = re.compile(
    words_pattern("due_phrase") + r"(?P<between>[^\n]{0,60}?)" + words_pattern("due_by", whole=True), re.I
)
_DISCOUNT = re.compile(words_pattern("discount"), re.I)


def _due_sentence_dates(doc: DocView) -> list[Candidate]:
    """Payment terms in a sentence: "Zahlbar innerhalb 30 Tagen netto bis 04.04.2018"."""
    for ref in doc.lines:
        for match in _DUE_SENTENCE.finditer(ref.text):
            if _DISCOUNT.search(match.group("between")):
                continue
            dates = find_dates(ref.text[match.end() : match.end() + 20], day_first=doc.day_first)
            if dates and dates[0][1] <= 3:
                spot = Spot(ref.text, ref, ref.words, "pattern", 1.0)
                return [_candidate(dates[0][0], spot, 1.5)]
        dates = find_dates(ref.text, day_first=doc.day_first)
        sentence = " ".join([ref.text, *(r.text for r in doc.below(ref, limit=1))])
        if dates and _DEBIT.search(sentence):  # a direct debit is collected on the due date
            spot = Spot(ref.text, ref, ref.words, "pattern", 1.0)
            return [_candidate(dates[0][0], spot, 1.2)]
    return []


_DEBIT = re.compile(words_pattern("direct_debit"), re.I)


def _first_dates(doc: DocView) -> list[Candidate]:
    """Without a label, the invoice date is usually the first date on the first page."""
    for ref in doc.lines:
        dates = find_dates(ref.text, day_first=doc.day_first)
        if dates and ref.page == doc.lines[0].page:
            spot = Spot(ref.text, ref, ref.words, "position", 1.0)
            return [_candidate(dates[0][0], spot, 0.8)]
    return []


def money_candidates(doc: DocView, concept: Concept) -> list[Candidate]:
    found: list[Candidate] = []
    credit = is_credit_note(doc)
    for hit in find_labels(doc, LABELS[concept]):
        if _claimed_by_other(doc, concept, hit, (*_MONEY_CONCEPTS, Concept.SELLER_TAX_ID, Concept.DUE_DATE)):
            continue
        prior = _prior(hit) * _page_weight(doc, hit.ref) * _label_fit(hit)
        if not _money_in(hit.ref.text):
            if _totals_header(doc, hit):
                found.extend(_column_candidates(doc, hit, prior, credit))
                continue
        elif concept is Concept.TAX_TOTAL and _TAX_ID_AFTER.match(" ".join(w.text for w in hit.rest)):
            continue  # "TVA : FR11999999998 ..." names the tax number, not an amount
        for spot in spots_for(doc, hit, whole_line=True):
            if spot.rule != "label_right" and not _alone(doc, hit):
                continue  # a value below or on the next line only belongs to a label standing alone
            # right of the label, the whole rest of the line: a currency sign alone ("$ 1,000") counts
            right = spot.rule == "label_right" and spot.words[0] not in hit.words
            cells = _cells_text(hit.rest if right else spot.words)
            amounts = [abs(a) for a in _money_in(cells)] if credit else _money_in(cells)
            if amounts:
                # the rightmost amount of a line is its value column; others (rates, bases) are weaker
                found.append(_candidate(amounts[-1], spot, prior))
                found.extend(_candidate(a, spot, 0.5 * prior) for a in amounts[:-1])
                break
    if concept is Concept.GRAND_TOTAL:
        found.extend(_largest_amount(doc))
    return found


_TAX_ID_AFTER = re.compile(r"^[\s:.#-]*(?:[A-Z]{2}\s?[0-9A-Z]{8,}|\d{8,})\b")


def _totals_header(doc: DocView, hit: LabelHit) -> bool:
    """Whether the label sits in a header row naming several totals ("Netto  MwSt  Endbetrag")."""
    concepts = 0
    for concept in _MONEY_CONCEPTS:
        if find_labels(doc, LABELS[concept], [hit.ref]):
            concepts += 1
    return concepts >= 2


def _column_bounds(hit: LabelHit) -> tuple[float, float]:
    """The horizontal extent of a header label's column: halfway to its neighbours in the header."""
    cells = split_cells(hit.ref.words)
    left, right = 0.0, float("inf")
    for cell in cells:
        if cell[-1].bbox[2] <= hit.x0:
            left = max(left, (cell[-1].bbox[2] + hit.x0) / 2)
        elif cell[0].bbox[0] >= hit.x1:
            right = min(right, (hit.x1 + cell[0].bbox[0]) / 2)
    return left, right


def _column_candidates(doc: DocView, hit: LabelHit, prior: float, credit: bool) -> list[Candidate]:
    """Totals laid out as a table: labels in a header row, amounts in the rows below; the last row
    of such a column is its sum."""
    left, right = _column_bounds(hit)
    values: list[tuple[Decimal, Spot]] = []
    previous = hit.ref
    for ref in doc.below(hit.ref, limit=8):
        if ref.bbox[1] - previous.bbox[3] > 3 * max(previous.bbox[3] - previous.bbox[1], 6.0):
            break
        words = tuple(w for w in ref.words if left <= (w.bbox[0] + w.bbox[2]) / 2 <= right)
        amounts = _money_in(_cells_text(words)) if words else []
        if not amounts:
            if values:
                break
            continue
        values.append(
            (
                abs(amounts[-1]) if credit else amounts[-1],
                Spot(" ".join(w.text for w in words), ref, words, "label_column", hit.similarity),
            )
        )
        previous = ref
    found = [_candidate(value, spot, 0.4 * prior) for value, spot in values[:-1]]
    if values:
        found.append(_candidate(values[-1][0], values[-1][1], prior))
    return found


_ADJUSTMENTS = re.compile(words_pattern("adjustment"), re.I)


def _label_fit(hit: LabelHit) -> float:
    """How well the label explains the text before the amount: "Gesamtbetrag der Zuschläge" is not a total."""
    before: list[str] = []
    for word in hit.ref.words[hit.start :]:
        if _money_in(word.text) or re.fullmatch(r"[-(]?\d[\d.,]*\)?-?", word.text):
            break
        before.append(word.text)
    label_text = " ".join(before)
    if _ADJUSTMENTS.search(label_text):
        return 0.3
    coverage = len(compact(hit.label)) / max(len(compact(label_text)), 1)
    fit = 1.0 if coverage >= 0.6 else 0.75
    return fit if _starts_cell(hit) else 0.7 * fit


def _starts_cell(hit: LabelHit) -> bool:
    """Whether the label begins its cell: "UST (S) 0,10" after "19 %" is a rate row, not a total."""
    index = 0
    for cell in split_cells(hit.ref.words):
        if index == hit.start:
            return True
        index += len(cell)
        if index > hit.start:
            return False
    return False


_CREDIT_NOTE = re.compile(words_pattern("credit_note", whole=True), re.I)


def is_credit_note(doc: DocView) -> bool:
    """A credit note states its amounts as positive sums credited, even where the print shows minus signs.

    Decided from the title: a credit-note word in the upper part of the first page.
    """
    first_page = doc.lines[0].page if doc.lines else 1
    return any(
        ref.page == first_page and doc.relative_y(ref) < 0.35 and _CREDIT_NOTE.search(ref.text)
        for ref in doc.lines
    )


def _alone(doc: DocView, hit: LabelHit) -> bool:
    """Whether the label is the only text of its line (a form label with its value under it), and not
    the last line of a multi-line heading ("Ohne" over "MwSt." in a table header)."""
    if hit.start != 0 or [w for w in hit.rest if compact(w.text)]:
        return False
    if hit.ref.index == 0:
        return True
    above = doc.lines[hit.ref.index - 1]
    height = hit.ref.bbox[3] - hit.ref.bbox[1]
    stacked = above.page == hit.ref.page and hit.ref.bbox[1] - above.bbox[3] < 0.6 * height
    overlaps = any(w.bbox[0] < hit.x1 and hit.x0 < w.bbox[2] for w in above.words)
    return not (stacked and overlaps)


def _cells_text(words: Sequence[Word]) -> str:
    """Words as text, cells apart by a wide gap so that numbers in two columns ("150  750.00") are not
    read as one number grouped by a space."""
    return "   ".join(" ".join(w.text for w in cell) for cell in split_cells(words))


_DECIMALS_AT_END = re.compile(r"[.,]\d{2}\)?-?$")


def _money_in(text: str) -> list[Decimal]:
    """The amounts of a text: no percentages or date parts; whole numbers only next to a currency."""
    return list(_amounts_of(text))


@lru_cache(maxsize=8192)
def _amounts_of(text: str) -> tuple[Decimal, ...]:
    values: list[Decimal] = []
    has_currency: bool | None = None  # looked for once, and only when a whole number needs it
    dates = [(s, e) for _day, s, e in find_dates(text)]
    for value, start, end in find_amounts(text):
        tail = text[end : end + 2].lstrip()
        printed = text[start:end]
        inside = any(s < end and start < e for s, e in dates)  # "2016" of "9/2/2016"
        if tail.startswith("%") or inside or any(start - 3 <= s and e <= end + 3 for s, e in dates):
            continue  # a percentage, or part of a date
        if not _DECIMALS_AT_END.search(printed.strip()):
            if has_currency is None:
                has_currency = bool(currencies_in(text))
            if not has_currency:
                continue  # a bare whole number on a line with no currency is a count, not an amount
        values.append(value)
    return tuple(values)


def _page_weight(doc: DocView, ref: LineRef) -> float:
    """Totals sit on the last page of an invoice; a 'Total' on an earlier page is often a carry-over."""
    last_page = doc.lines[-1].page if doc.lines else ref.page
    return 1.0 if ref.page == last_page else 0.95


def _largest_amount(doc: DocView) -> list[Candidate]:
    best: tuple[Decimal, LineRef] | None = None
    for ref in doc.lines:
        if not _money_in(ref.text):
            continue  # (cut into cells only the lines that have amounts at all)
        for value in _money_in(_cells_text(ref.words)):
            if best is None or value > best[0]:
                best = (value, ref)
    if best is None:
        return []
    spot = Spot(best[1].text, best[1], best[1].words, "largest_amount", 1.0)
    return [_candidate(best[0], spot, 1.0)]


def text_after_label_candidates(doc: DocView, concept: Concept) -> list[Candidate]:
    """Identifiers and short texts (PO number, tax id, payment method): the cell after the label."""
    found: list[Candidate] = []
    for hit in find_labels(doc, LABELS[concept]):
        for spot in spots_for(doc, hit):
            value = (
                spot.text.strip(" :#")
                if concept is Concept.PAYMENT_METHOD
                else _tax_or_po(spot.text, concept)
            )
            if value:
                found.append(_candidate(value, spot, _prior(hit)))
            if value or spot.rule == "label_right":
                break  # text right of the label is its value, or the label is not this one
    return found


# Tax numbers: VAT ids (DE123456789, NL810433941B01), GSTINs (27AAPFU0939F1ZV), numeric ones (201/113/40209).
_TAX_ID = re.compile(r"\b((?=[0-9A-Z /.\-]*\d)[0-9A-Z]{2}[0-9A-Z .\-/]{6,16}[0-9A-Z])\b")


def _tax_or_po(text: str, concept: Concept) -> str | None:
    if concept is Concept.SELLER_TAX_ID:
        match = _TAX_ID.search(text)
        return re.sub(r"\s", "", match.group(1)) if match else None
    return _identifier(text)


def time_candidates(doc: DocView) -> list[Candidate]:
    for ref in doc.lines:
        value = parse_time(ref.text)
        if value is not None:
            spot = Spot(ref.text, ref, ref.words, "pattern", 1.0)
            return [_candidate(value, spot, 1.0)]
    return []


def currency_candidates(doc: DocView) -> list[Candidate]:
    """The invoice currency: named after a currency label, else the most frequent one on the pages."""
    found: list[Candidate] = []
    for hit in find_labels(doc, CURRENCY_LABELS):
        for spot in spots_for(doc, hit):
            code = parse_currency(spot.text)
            if code:
                found.append(_candidate(code, spot, 1.0))
                break
    if not doc.currencies:
        if not found and doc.lines and doc.language in ("de", "fr", "nl"):
            # nothing names a currency: in these languages' invoices it is the euro far more often than not
            spot = Spot("", doc.lines[0], doc.lines[0].words, "default", 1.0)
            found.append(_candidate("EUR", spot, 1.0))
        return found
    ref = doc.lines[0]
    share = 1.0 if len(doc.currencies) == 1 else 0.8
    local = _local_dollar(doc)
    if local is not None:  # "$" alone, on a document from a country whose "$" is its own currency
        spot = Spot(local, ref, ref.words, "document", 1.0)
        usd = Spot(doc.currencies[0], ref, ref.words, "document", 1.0)
        return [*found, _candidate(local, spot, share), _candidate(doc.currencies[0], usd, 0.4 * share)]
    spot = Spot(doc.currencies[0], ref, ref.words, "document", 1.0)
    return [*found, _candidate(doc.currencies[0], spot, share)]


def _local_dollar(doc: DocView) -> str | None:
    """The currency a bare "$" means by the document's locale evidence (CAD, COP, SGD...), when nothing
    names the US dollar itself and the evidence settles the country."""
    if doc.currencies[0] != "USD" or re.search(r"\bUSD\b|US\$|U\.S\. dollar", doc.text, re.I):
        return None  # (the locale evidence is only looked at when it can change the answer)
    best = doc.locale.best
    if best is None or not doc.locale.date_order_sure:
        return None
    if "$" not in best.currency_marks or not best.currencies or best.currencies[0] == "USD":
        return None
    return best.currencies[0]


_FINDERS: dict[Concept, Callable[[DocView], list[Candidate]]] = {
    Concept.INVOICE_NUMBER: invoice_number_candidates,
    Concept.ISSUE_DATE: lambda doc: date_candidates(doc, Concept.ISSUE_DATE),
    Concept.DUE_DATE: lambda doc: date_candidates(doc, Concept.DUE_DATE),
    Concept.ISSUE_TIME: time_candidates,
    Concept.GRAND_TOTAL: lambda doc: money_candidates(doc, Concept.GRAND_TOTAL),
    Concept.NET_TOTAL: lambda doc: money_candidates(doc, Concept.NET_TOTAL),
    Concept.TAX_TOTAL: lambda doc: money_candidates(doc, Concept.TAX_TOTAL),
    Concept.CURRENCY: currency_candidates,
    Concept.PURCHASE_ORDER: lambda doc: text_after_label_candidates(doc, Concept.PURCHASE_ORDER),
    Concept.SELLER_TAX_ID: lambda doc: text_after_label_candidates(doc, Concept.SELLER_TAX_ID),
    Concept.PAYMENT_METHOD: lambda doc: text_after_label_candidates(doc, Concept.PAYMENT_METHOD),
    Concept.SELLER_NAME: lambda doc: seller_candidates(doc, address=False),
    Concept.SELLER_ADDRESS: lambda doc: seller_candidates(doc, address=True),
    Concept.BUYER_NAME: lambda doc: buyer_candidates(doc, address=False),
    Concept.BUYER_ADDRESS: lambda doc: buyer_candidates(doc, address=True),
}


def invoice_candidates(concept: Concept, doc: DocView) -> list[Candidate]:
    """All candidates for a concept on an invoice-like document (LINE_ITEMS is handled by tables).

    On a document where hardly any of the usual labels were found (a layout or a language the
    vocabulary does not know), every reading is less sure: scores are scaled by "few_anchors"."""
    finder = _FINDERS.get(concept)
    found = finder(doc) if finder else []
    if found and _anchors(doc) < 2:
        factor = confidence.unfamiliar("few_anchors")
        return [replace(c, score=confidence.clamp(c.score * factor)) for c in found]
    return found


_ANCHOR_CONCEPTS = (Concept.INVOICE_NUMBER, Concept.ISSUE_DATE, Concept.GRAND_TOTAL, Concept.NET_TOTAL)


def _anchors(doc: DocView) -> int:
    """How many of the usual invoice labels (number, date, total, net) the document has."""
    count: int | None = doc.memo.get("invoice_anchors")
    if count is None:
        count = sum(1 for concept in _ANCHOR_CONCEPTS if find_labels(doc, LABELS[concept]))
        doc.memo["invoice_anchors"] = count
    return count
