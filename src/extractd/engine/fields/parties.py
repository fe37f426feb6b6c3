"""Seller and buyer: names and addresses, from party labels, company legal forms and page position.

Business letters put the seller in the letterhead (top), in the small sender line above the
recipient's address window, and in the footer; the buyer is the address window itself, or the block
under "Bill to" / "Rechnungsempfänger" / "Client" / "Klant".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractd.engine.fields import confidence
from extractd.engine.fields.document import Cell, DocView, cells_of, column_below
from extractd.engine.fields.labels import compact, match_in_words
from extractd.engine.types import Candidate

SELLER_LABELS = (
    "Seller",
    "Vendor",
    "Supplier",
    "From",
    "Sold by",
    "Issued by",
    "Verkäufer",
    "Lieferant",
    "Anbieter",
    "Rechnungssteller",
    "Absender",
    "Fournisseur",
    "Vendeur",
    "Émetteur",
    "Leverancier",
    "Verkoper",
)
BUYER_LABELS = (
    "Bill to",
    "Billed to",
    "Invoice to",
    "Invoiced to",
    "Customer",
    "Sold to",
    "Buyer",
    "Client",
    "Recipient",
    "Bill To Address",
    "Rechnungsempfänger",
    "Rechnungsadresse",
    "Kunde",
    "Käufer",
    "Empfänger",
    "Leistungsempfänger",
    "Auftraggeber",
    "Facturé à",
    "Adresse de facturation",
    "Acheteur",
    "Destinataire",
    "Klant",
    "Factuuradres",
    "Afnemer",
    "Koper",
    "Customer name",
    "Client name",
)
LEGAL_FORM = re.compile(
    r"(?<![\w])(GmbH|AG|KG|OHG|UG|e\.\s?K\.|e\.\s?V\.|mbH|SE|Ltd\.?|Limited|LLC|L\.L\.C\.|Inc\.?|Corp\.?|"
    r"Corporation|Co\.|Company|PLC|LLP|LP|Pvt\.?|SARL|S\.A\.R\.L\.|SAS|SASU|SA|S\.A\.|EURL|SCI|SNC|"
    r"B\.V\.|BV|N\.V\.|NV|VOF|S\.L\.|S\.R\.L\.|Srl|SpA|S\.p\.A\.|Oy|AB|A/S|ApS|AS|Sdn\.?\s?Bhd\.?|Bhd\.?|"
    r"Pte\.?|Pty\.?|GbR|KGaA)(?![\w])"
)
_ADDRESS_LINE = re.compile(
    r"\d{4,5}\s+[A-ZÄÖÜÉ][\w\-. ]+|\b[A-Z]{1,2}\d[\dA-Z]?\s?\d[A-Z]{2}\b"
    r"|\d+\s*\w+\s*(str|straße|strasse|rue|avenue|road|street|laan|weg|plein|gasse|platz)",
    re.I,
)
_SALUTATIONS = re.compile(
    r"^(herrn?|frau|firma|mr\.?|mrs\.?|ms\.?|messrs\.?|m\.|mme|monsieur|madame|dhr\.?|mevr\.?|attn\.?|z\.\s?hd\.?)\s+",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"rechnung|invoice|facture|factuur|datum|date|seite|page|tel|fax|e-?mail|www\.|@|iban|bic|ust|vat|steuer",
    re.I,
)


def _label_cells(cells: Sequence[Cell], labels: Sequence[str]) -> list[tuple[Cell, int]]:
    """Cells that start with one of `labels`, with the index of the first word after the label."""
    found: list[tuple[Cell, int]] = []
    for cell in cells:
        for label in labels:
            hit = match_in_words(cell.words[:6], label)
            if hit and hit[0] == 0:
                found.append((cell, hit[1]))
                break
    return found


def _name_text(text: str) -> str | None:
    cleaned = _SALUTATIONS.sub("", text.strip(" :,-|")).strip(" :,")
    if len(compact(cleaned)) < 2 or _NOT_A_NAME.search(cleaned) or not re.search(r"[A-Za-zÀ-ÿ]", cleaned):
        return None
    return cleaned


def _block_candidates(
    cells: Sequence[Cell], anchor: Cell, after: int, address: bool, rule: str
) -> list[Candidate]:
    """Name (first line) or address (the lines after the name) of the block anchored at a label."""
    rest = " ".join(w.text for w in anchor.words[after:]).strip(" :")
    below = column_below(cells, anchor)
    lines = ([rest] if rest else []) + [c.text for c in below]
    boxes = ([anchor] if rest else []) + list(below)
    if not lines:
        return []
    if not address:
        name = _name_text(lines[0])
        if name is None:
            return []
        box = boxes[0]
        return [Candidate(name, confidence.score(rule), box.ref.page, box.bbox, lines[0], rule)]
    address_lines = [line for line in lines[1:5] if not _NOT_A_NAME.search(line)]
    if not address_lines:
        return []
    text = " ".join(address_lines)
    return [Candidate(text, confidence.score(rule, prior=0.8), boxes[0].ref.page, boxes[0].bbox, text, rule)]


def buyer_candidates(doc: DocView, *, address: bool) -> list[Candidate]:
    cells = cells_of(doc)
    found: list[Candidate] = []
    for cell, after in _label_cells(cells, BUYER_LABELS):
        found.extend(_block_candidates(cells, cell, after, address, "label_below:party"))
    found.extend(_window_candidates(doc, cells, address))
    return found


def seller_candidates(doc: DocView, *, address: bool) -> list[Candidate]:
    cells = cells_of(doc)
    found: list[Candidate] = []
    for cell, after in _label_cells(cells, SELLER_LABELS):
        found.extend(_block_candidates(cells, cell, after, address, "label_below:party"))
    if not address:
        found.extend(_legal_form_candidates(doc, cells))
        found.extend(_sender_line_candidates(doc, cells))
    return found


def _sender_line_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    """The small return-address line above the window: "Lieferant GmbH · Str. 20 · 80333 München"."""
    found: list[Candidate] = []
    for cell in cells:
        if cell.ref.page != doc.lines[0].page or doc.relative_y(cell.ref) > 0.4:
            continue
        parts = [p.strip() for p in re.split(r"\s[·•|,\-–]\s|\s{2,}|,\s", cell.text) if p.strip()]
        if len(parts) >= 3 and _ADDRESS_LINE.search(cell.text) and len(cell.text) < 140:
            name = _name_text(parts[0])
            if name:
                found.append(
                    Candidate(
                        name,
                        confidence.score("position:sender", prior=1.3),
                        cell.ref.page,
                        cell.bbox,
                        cell.text,
                        "position:sender",
                    )
                )
    return found


def _legal_form_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    """Cells naming a company with a legal form; the issuer's is the one in the letterhead or footer."""
    buyer_cells = {
        id(c) for cell, _ in _label_cells(cells, BUYER_LABELS) for c in [cell, *column_below(cells, cell)]
    }
    window = {id(c) for c in _address_window(doc, cells)}
    found: list[Candidate] = []
    for cell in cells:
        match = LEGAL_FORM.search(cell.text)
        if not match or id(cell) in buyer_cells or id(cell) in window:
            continue
        name = _name_text(cell.text[: match.end()].split("·")[-1].split("|")[-1])
        if name is None or len(name) > 80:
            continue
        y = doc.relative_y(cell.ref)
        prior = 1.0 if y < 0.2 else 0.8 if y > 0.85 else 0.55
        prior *= 1.0 if cell.ref.page == doc.lines[0].page else 0.7
        found.append(
            Candidate(
                name,
                confidence.score("position:legal", prior=prior),
                cell.ref.page,
                cell.bbox,
                cell.text,
                "position:legal",
            )
        )
    return found


def _address_window(doc: DocView, cells: Sequence[Cell]) -> list[Cell]:
    """The recipient block on page 1: left half, upper part, 2-6 lines ending with a postal-code line."""
    first_page = doc.lines[0].page if doc.lines else 1
    width, _height = doc.page_sizes.get(first_page, (1.0, 1.0))
    for cell in cells:
        if (
            cell.ref.page != first_page
            or cell.bbox[0] > 0.5 * width
            or not 0.08 < doc.relative_y(cell.ref) < 0.45
        ):
            continue
        block = [cell, *column_below(cells, cell, limit=6)]
        postal = [i for i, c in enumerate(block) if _ADDRESS_LINE.search(c.text)]
        if 2 <= len(block) <= 7 and postal and postal[0] >= 1 and _name_text(block[0].text):
            return block[: postal[-1] + 1]
    return []


def _window_candidates(doc: DocView, cells: Sequence[Cell], address: bool) -> list[Candidate]:
    block = _address_window(doc, cells)
    if not block:
        return []
    sender = _SALUTATIONS.match(block[0].text) is None and len(re.split(r"\s[·•|]\s", block[0].text)) >= 3
    block = block[1:] if sender else block
    if len(block) < 2:
        return []
    if address:
        text = " ".join(c.text for c in block[1:])
        return [
            Candidate(
                text,
                confidence.score("position:window", prior=0.8),
                block[1].ref.page,
                block[1].bbox,
                text,
                "position:window",
            )
        ]
    name = _name_text(block[0].text)
    if name is None:
        return []
    return [
        Candidate(
            name,
            confidence.score("position:window"),
            block[0].ref.page,
            block[0].bbox,
            block[0].text,
            "position:window",
        )
    ]
