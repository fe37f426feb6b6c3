"""Documents inside a file: splitting at page boundaries, choosing a filter rule, cutting returned PDFs.

Splitting looks only at evidence near the top (or bottom, for page numbers) of each page, with general
rules in this order, the first that speaks deciding:
1. page numbering: "Page 1 of 3" / "Seite 1 von 3" / "Page 1" / a line "1/3" starts a document; "Page
   2 of 3" continues one, and so does any page after a page that said "k of n" with k < n;
2. the document number: a header "Invoice No. X" whose X differs from the current document's starts a
   new document, the same X continues it;
3. a title (INVOICE, RECHNUNG, FACTURE, RECEIPT, CREDIT NOTE, ...) in the top region starts one.
Otherwise a page continues the current document.

Classification scores each filter rule by the keywords of its documentName (weight 3), description and
its template's name, description and field labels (weight 1) found in the document's text, with common
document-type words expanded to their usual translations. The highest score wins; ties go to the first
rule, so an ordered filter behaves predictably.
"""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractd.engine.loaders.image import open_image, page_to_points, upright_frames
from extractd.engine.loaders.pdf import PDFIUM_LOCK, init_forms, open_pdf
from extractd.engine.types import EngineOptions, FilterRule, Page

# Keywords this long also count when found inside a longer (compound) word.
_COMPOUND_MIN = 6
# Share of the page height searched for headers (titles, document numbers, page numbers).
TOP_REGION = 0.3
BOTTOM_REGION = 0.12
# A title line is short: the title word and a number, a date and their labels at most.
_TITLE_MAX_WORDS = 6
# ...and is one of the first lines of the page, unless its font is larger than the page's usual one.
_TITLE_FIRST_LINES = 4

_PAGE_OF = re.compile(
    r"\b(?:page|seite|pagina|página|blatt|side|sida)\s*(\d{1,3})"
    r"(?:\s*(?:of|von|de|sur|/|van|di|av|z)\s*(\d{1,3}))?\b",
    re.IGNORECASE,
)
_BARE_PAGE_OF = re.compile(r"^\W*(\d{1,3})\s*/\s*(\d{1,3})\W*$")  # a line that is only "2/3"
_DOC_NUMBER = re.compile(
    r"\b\w*(?:invoice|rechnung|facture|factuur|fattura|factura|receipt|beleg|gutschrift|avoir)\w*"
    r"(?:\s+note)?\s*-?\s*(?:no\.?|nr\.?|n°|nº|number|nummer|numéro|num\.?|#)?\s*[:#]?\s*"
    r"([A-Z0-9][A-Z0-9\-/._]{2,})",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_TITLE = re.compile(
    r"^\W*(?:[^\W\d]+\s+)?"  # one qualifying word: "Tax Invoice", "Payment receipt"
    r"(?:invoice|\w*rechnung|facture|factuur|fattura|factura|faktura|receipt|quittung|kassenbon|reçu|"
    r"credit\s+note|gutschrift|avoir|rechnungskorrektur|contract|vertrag|contrat|delivery\s+note|"
    r"lieferschein|bon\s+de\s+livraison|purchase\s+order|bestellung|statement|kontoauszug|quotation|"
    r"angebot|devis|offerte)\b(?!-)",
    re.IGNORECASE,
)
# Usual translations of document-type words, so a rule named "Invoice" matches a German Rechnung.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "invoice": ("rechnung", "facture", "factuur", "fattura", "factura", "faktura", "bill"),
    "receipt": ("quittung", "kassenbon", "beleg", "reçu", "recu", "ticket", "kassenzettel", "bon"),
    "credit": ("gutschrift", "avoir", "creditnota"),
    "order": ("bestellung", "commande", "bestelling", "auftrag"),
    "delivery": ("lieferschein", "livraison", "levering"),
    "contract": ("vertrag", "contrat", "contract"),
    "statement": ("kontoauszug", "relevé", "releve", "afschrift"),
    "quote": ("angebot", "devis", "offerte", "quotation"),
}
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "by",
        "de",
        "der",
        "die",
        "das",
        "document",
        "documents",
        "du",
        "en",
        "et",
        "for",
        "from",
        "in",
        "is",
        "it",
        "la",
        "le",
        "les",
        "of",
        "on",
        "or",
        "other",
        "the",
        "this",
        "to",
        "und",
        "von",
        "with",
        "all",
        "other",
        "others",
        "anything",
        "else",
    ]
)


@dataclass(frozen=True, slots=True)
class RuleChoice:
    index: int
    rule: FilterRule
    score: float
    matched: tuple[str, ...]  # the keywords that were found, for the explanation


def _page_numbering(page: Page) -> tuple[int, int | None] | None:
    """(k, n) from "Page k of n" ((k, None) from "Page k") in the top or bottom region of the page."""
    for line in page.lines:
        y = line.bbox[1] / page.height if page.height else 0.0
        if TOP_REGION < y < 1 - BOTTOM_REGION:
            continue
        match = _PAGE_OF.search(line.text) or _BARE_PAGE_OF.match(line.text)
        if match is None or int(match.group(1)) == 0:
            continue
        total = int(match.group(2)) if match.group(2) else None
        if total is None or int(match.group(1)) <= total:
            return int(match.group(1)), total
    return None


def _top_lines(page: Page) -> list[str]:
    limit = page.height * TOP_REGION
    return [line.text for line in page.lines if line.bbox[1] <= limit]


def _document_number(page: Page) -> str | None:
    for text in _top_lines(page):
        for match in _DOC_NUMBER.finditer(text):
            value = match.group(1).rstrip(".")
            if any(ch.isdigit() for ch in value) and not _DATE_LIKE.fullmatch(value):
                return value.upper()
    return None


def _line_text(words: Sequence[str]) -> str:
    """The line's text, with letter-spaced words ("W A R E N R E C H N U N G") closed up."""
    if len(words) >= 4 and sum(len(word) == 1 for word in words) >= 0.8 * len(words):
        return "".join(words)
    return " ".join(words)


def _has_title(page: Page) -> bool:
    """A title ("INVOICE", "Rechnung Nr. 5"): a short line at the top that starts with a document-type
    word and is among the page's first lines or set in a larger font than most lines (so a reference
    like "Delivery note: L-123" further down a continuation page is not taken for a title)."""
    heights = sorted(line.bbox[3] - line.bbox[1] for line in page.lines)
    usual = heights[len(heights) // 2] if heights else 0.0
    for index, line in enumerate(page.lines):
        if line.bbox[1] > page.height * TOP_REGION:
            break
        prominent = index < _TITLE_FIRST_LINES or line.bbox[3] - line.bbox[1] > 1.2 * usual
        text = _line_text([word.text for word in line.words])
        if prominent and len(text.split()) <= _TITLE_MAX_WORDS and _TITLE.search(text):
            return True
    return False


def _starts_new(page: Page, previous: Page, current_number: str | None) -> bool:
    numbering = _page_numbering(page)
    if numbering is not None:
        return numbering[0] == 1
    before = _page_numbering(previous)
    if before is not None and before[1] is not None and before[0] < before[1]:
        return False
    number = _document_number(page)
    if number is not None and current_number is not None:
        return number != current_number
    return _has_title(page)


def split_documents(pages: Sequence[Page]) -> list[list[Page]]:
    """Consecutive page groups, one per document; a page without text stays with the one before."""
    groups: list[list[Page]] = []
    current_number: str | None = None
    for page in pages:
        if groups and (not page.lines or not _starts_new(page, groups[-1][-1], current_number)):
            groups[-1].append(page)
            current_number = current_number or _document_number(page)
            continue
        groups.append([page])
        current_number = _document_number(page)
    return groups


# --- classification -------------------------------------------------------------------------------
def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _terms(text: str) -> set[str]:
    words = re.findall(r"[^\W\d_]{3,}", _fold(text))
    return {word for word in words if word not in _STOPWORDS}


def _expanded(terms: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each keyword with the words that count as finding it (itself and its translations)."""
    return {term: (term, *_SYNONYMS.get(term, ())) for term in terms}


def _rule_keywords(rule: FilterRule) -> dict[str, float]:
    weights: dict[str, float] = {}
    secondary = [rule.description]
    if rule.template is not None:
        secondary += [rule.template.name, rule.template.description]
        secondary += [label for field in rule.template.fields for label in field.labels]
    for text in secondary:
        for term in _terms(text):
            weights[term] = max(weights.get(term, 0.0), 1.0)
    for term in _terms(rule.document_name):
        weights[term] = 3.0
    return weights


def _found(form: str, words: set[str], long_words: list[str]) -> bool:
    """Whether the document has this word, alone or (when long enough) inside a compound word:
    German and Dutch glue words together ("Handelsrechnung", "Rechnungskorrektur")."""
    if form in words:
        return True
    return len(form) >= _COMPOUND_MIN and any(form in word for word in long_words)


def choose_rule(pages: Sequence[Page], rules: Sequence[FilterRule]) -> RuleChoice:
    """The best-matching rule for a document (first rule on ties, including when nothing matches)."""
    words = _terms("\n".join(page.text for page in pages))
    long_words = [word for word in words if len(word) > _COMPOUND_MIN]
    best = RuleChoice(0, rules[0], -1.0, ())
    for index, rule in enumerate(rules):
        weights = _rule_keywords(rule)
        matched = tuple(
            sorted(
                term
                for term, forms in _expanded(weights).items()
                if any(_found(form, words, long_words) for form in forms)
            )
        )
        score = sum(weights[term] for term in matched)
        if score > best.score:
            best = RuleChoice(index, rule, score, matched)
    return best


# --- returned documents ---------------------------------------------------------------------------
def cut_pdf(pdf: bytes, password: str | None, page_numbers: Sequence[int]) -> bytes:
    """A new PDF holding just these 1-based pages of `pdf` (decrypted; form values flattened in, as
    the form itself is not carried over)."""
    indexes = [number - 1 for number in page_numbers]
    with open_pdf(pdf, password) as source, PDFIUM_LOCK:
        if init_forms(source):
            for index in indexes:
                page = source[index]
                page.flatten()
                page.close()
        target = pdfium.PdfDocument.new()
        try:
            target.import_pages(source, indexes)
            out = io.BytesIO()
            target.save(out)
        finally:
            target.close()
    return out.getvalue()


def images_to_pdf(content: bytes, page_numbers: Sequence[int], options: EngineOptions) -> bytes:
    """A PDF of these 1-based frames of an image file, upright, one frame per page."""
    wanted = set(page_numbers)
    with open_image(content) as image:
        frames = [
            frame.copy() for index, frame in enumerate(upright_frames(image, options)) if index + 1 in wanted
        ]
    width, _ = page_to_points(frames[0])
    out = io.BytesIO()
    frames[0].save(
        out, format="PDF", save_all=True, append_images=frames[1:], resolution=72.0 * frames[0].width / width
    )
    return out.getvalue()


def text_to_pdf(pages: Sequence[Page]) -> bytes:
    """A PDF that shows these pages' words where they are (for files that are not PDFs or images)."""
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument.new()
        try:
            for page in pages:
                _draw_words(document, page)
            out = io.BytesIO()
            document.save(out)
        finally:
            document.close()
    return out.getvalue()


def _draw_words(document: pdfium.PdfDocument, page: Page) -> None:
    target = document.new_page(page.width, page.height)
    for line in page.lines:
        for word in line.words:
            x0, y0, _, y1 = word.bbox
            size = max(4.0, (y1 - y0) * 0.9)
            obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(size))
            encoded = ctypes.create_string_buffer((word.text + "\0").encode("utf-16-le"))
            pdfium_c.FPDFText_SetText(obj, ctypes.cast(encoded, ctypes.POINTER(ctypes.c_ushort)))
            pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x0, page.height - y1 + (y1 - y0) * 0.2)
            pdfium_c.FPDFPage_InsertObject(target.raw, obj)
    target.gen_content()
    target.close()
