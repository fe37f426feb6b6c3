"""Seller and buyer: names and addresses, from party labels, company legal forms and page position.

Business letters put the seller in the letterhead (top), in the small sender line above the
recipient's address window, and in the footer; the buyer is the address window itself, or the block
under "Bill to" / "Rechnungsempfänger" / "Client" / "Klant". Blocks under a party label are read as
lines, some of them `key: value` ("Name: Lieferant GmbH", "Nummer: 549910").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from extractd.engine.fields import confidence
from extractd.engine.fields.document import Cell, DocView, cell_above, cell_below, cells_of, column_below
from extractd.engine.fields.labels import compact, similarity
from extractd.engine.fields.vocabulary import (
    BUYER_LABELS,
    DELIVERY_LABELS,
    LABELS,
    SELLER_LABELS,
    words_pattern,
)
from extractd.engine.types import Candidate

_NAME_KEYS = (
    "name", "firma", "company", "companyname", "nom", "raisonsociale", "naam", "bedrijfsnaam", "bedrijf",
    "empresa", "nombre", "razónsocial", "razonsocial",
)  # fmt: skip
_ADDRESS_KEYS = ("anschrift", "adresse", "address", "adres", "straße", "street", "rue")
LEGAL_FORM = re.compile(
    r"(?<![\w])(GmbH|GMBH|Gmbh|AG|KG|OHG|UG|e\.\s?K\.|e\.\s?V\.|mbH|SE|Ltd\.?|LTD\.?|Limited|LIMITED|LLC|"
    r"L\.L\.C\.|Inc\.?|INC\.?|Corp\.?|CORP\.?|Corporation|Co\.|CO\.|Company|COMPANY|PLC|plc|LLP|Pvt\.?|PVT\.?|"
    r"SARL|S\.A\.R\.L\.|SAS|SASU|S\.A\.|EURL|SNC|B\.V\.|BV|N\.V\.|NV|VOF|S\.L\.|S\.R\.L\.|Srl|SRL|SpA|S\.p\.A\.|"
    r"Oy|A/S|ApS|Sdn\.?\s?Bhd\.?|SDN\.?\s?BHD\.?|Bhd\.?|BHD\.?|Pte\.?|PTE\.?|Pty\.?|GbR|KGaA|a\.G\.)(?![\w])"
)
_POSTAL = re.compile(
    r"\b\d{4,5}\s+[A-ZÄÖÜÉ][\w\-. ]+|\b[A-Z]{1,2}\d[\dA-Z]?\s?\d[A-Z]{2}\b"
    r"|\d+\s*\w+\s*(str|straße|strasse|rue|avenue|road|street|laan|weg|plein|gasse|platz)"
    r"|\b[A-Z]{2}\s+\d{5}(-\d{4})?\b|\b\d{3}\s?\d{3}\b\s*$"  # US ZIP, Indian PIN at the line end
    r"|[^\W\d_]\s+\d{5}(-\d{4})?\s*$|\b\d{3}\s\d{2}\s+[^\W\d_]",  # "New York 10001", "110 00 Praha"
    re.I,
)
_SALUTATION = re.compile("^" + words_pattern("addressee_prefix") + r"\s+", re.I)
_NOT_A_NAME = re.compile(
    r"rechnung|invoice|facture|factuur|\bavoir\b|gutschrift|credit note|\bdatum\b|\bdate\b|\bseite\b|"
    r"\bpage\b|"
    r"\btel\b|\bfax\b|e-?mail|www\.|@|\biban\b|\bbic\b|\bust\b|\bvat\b|steuer|\bnummer\b|number|\bnr\b|\bgln\b|"
    r"\bgtin\b|\bid\b|kontakt|contact|telefon|phone|adresse|address|livraison|delivery|lieferadresse",
    re.I,
)
_KEY_VALUE = re.compile(r"^([^:]{1,30}):\s*(.*)$")


@dataclass(frozen=True, slots=True)
class BlockLine:
    cell: Cell
    key: str | None  # compacted key of a `key: value` line
    value: str


def _party_threshold(label: str) -> float:
    """Party labels are short and look alike ("Invoice to" / "Invoice no"): only long ones may be fuzzy."""
    return 1.0 if len(label) <= 6 else 0.95 if len(label) <= 12 else 0.88


@lru_cache(maxsize=256)
def _party_targets(labels: tuple[str, ...]) -> tuple[frozenset[str], tuple[tuple[str, float], ...], int]:
    """The compacted labels, those long enough to be matched approximately with their threshold, and
    the length of the longest."""
    targets = frozenset(key for label in labels if (key := compact(label)))
    fuzzy = tuple((t, _party_threshold(t)) for t in sorted(targets) if _party_threshold(t) < 1.0)
    return targets, fuzzy, max((len(t) for t in targets), default=0)


_LABEL_JOINS = re.compile(r"[/&,]|\bund\b|\band\b|\bet\b|\ben\b")  # "Käufer/Leistungsempfänger"


@lru_cache(maxsize=4096)
def _is_party_label(text: str, labels: tuple[str, ...]) -> bool:
    exact, fuzzy, longest = _party_targets(labels)
    if len(compact(text)) > 2 * longest + 8:
        return False  # longer than two labels joined: a sentence, not a label
    for part in _LABEL_JOINS.split(text):
        key = compact(part)
        if not key:
            continue
        if key in exact or _near_party_label(key, fuzzy):
            return True
    return False


def _near_party_label(key: str, fuzzy: tuple[tuple[str, float], ...]) -> bool:
    """Whether `key` is approximately one of the long labels (rapidfuzz screens them all at once)."""
    if not fuzzy:
        return False
    targets = [target for target, _ in fuzzy]
    near = process.extract(key, targets, scorer=fuzz.ratio, score_cutoff=88, limit=None)
    return any(
        similarity(key, fuzzy[index][0]) >= fuzzy[index][1] and not key.startswith(fuzzy[index][0])
        for _, _, index in near
    )  # a label with more letters after it is another word ("fournisseurs", a plural in a sentence)


def party_label_cells(cells: Sequence[Cell], labels: tuple[str, ...]) -> list[tuple[int, str]]:
    """Cells that are a party label ("Verkäufer", "Bill to:", "Käufer/Leistungsempfänger"), with any
    text after the label's colon."""
    found: list[tuple[int, str]] = []
    for index, cell in enumerate(cells):
        if len(cell.words) > 6:
            continue
        head, _, rest = cell.text.partition(":")
        if _is_party_label(head, labels):
            found.append((index, rest.strip()))
    return found


def _document_party_labels(
    doc: DocView, cells: Sequence[Cell], labels: tuple[str, ...]
) -> list[tuple[int, str]]:
    """party_label_cells over the document's cells (`cells_of(doc)`), found once per label set."""
    key = ("party_labels", labels)
    found: list[tuple[int, str]] | None = doc.memo.get(key)
    if found is None:
        found = party_label_cells(cells, labels)
        doc.memo[key] = found
    return found


def _value_text(cells: Sequence[Cell], key: Cell) -> str:
    """The value printed right of a `key:` cell, with its wrapped lines: a value of several lines is
    set against its key with lines above and below that carry no key of their own."""
    order = key.order
    if order + 1 >= len(cells) or cells[order + 1].ref is not key.ref:
        return ""
    value = cells[order + 1]
    parts = [value.text]
    above = cell_above(cells, value)
    if above is not None and _is_first_in_line(cells, above):
        other = cell_above(cells, above)  # the keyed value above, if the orphan is nearer to it
        if other is None or _is_first_in_line(cells, other) or _gap(other, above) >= _gap(above, value):
            parts.insert(0, above.text)
    below = cell_below(cells, value)
    if below is not None and _is_first_in_line(cells, below):
        other = cell_below(cells, below)
        if other is None or _is_first_in_line(cells, other) or _gap(below, other) >= _gap(value, below):
            parts.append(below.text)
    return " ".join(parts)


def _gap(upper: Cell, lower: Cell) -> float:
    return lower.bbox[1] - upper.bbox[3]


def _is_first_in_line(cells: Sequence[Cell], cell: Cell) -> bool:
    return cell.order == 0 or cells[cell.order - 1].ref is not cell.ref


def read_block(cells: Sequence[Cell], index: int) -> list[BlockLine]:
    """The lines of the block under the cell at `index`, split into key and value when `key: value`."""
    lines: list[BlockLine] = []
    anchor = cells[index]
    for cell in column_below(cells, anchor, limit=9, indent=3 * anchor.height, spacing=2.6):
        text = cell.text.strip()
        if text.endswith(":"):
            lines.append(BlockLine(cell, compact(text), _value_text(cells, cell)))
            continue
        match = _KEY_VALUE.match(text)
        if match and len(match.group(1).split()) <= 3 and not re.search(r"\d", match.group(1)):
            lines.append(BlockLine(cell, compact(match.group(1)), match.group(2)))
        else:
            lines.append(BlockLine(cell, None, text))
    return lines


def name_text(text: str) -> str | None:
    cleaned = _SALUTATION.sub("", text.strip(" :,-|")).strip(" :,")
    if len(compact(cleaned)) < 2 or _NOT_A_NAME.search(cleaned) or not re.search(r"[A-Za-zÀ-ÿ]", cleaned):
        return None
    return cleaned


def _name_index(lines: Sequence[BlockLine]) -> int | None:
    for i, line in enumerate(lines):
        if line.key in _NAME_KEYS and line.value:
            return i
    for i, line in enumerate(lines[:4]):
        if line.key is None and name_text(line.value):
            return i
    return None


_SALUTATION_ONLY = re.compile("^" + words_pattern("salutation") + "$", re.I)


def _name_lines(lines: Sequence[BlockLine], index: int) -> int:
    """How many block lines the name takes: a salutation alone ("Herrn") continues on the next line, and
    so does a company name whose legal form only comes on the next line."""
    line = lines[index]
    if line.key is not None or index + 1 >= len(lines) or lines[index + 1].key is not None:
        return 1
    following = lines[index + 1].value
    if _SALUTATION_ONLY.match(line.value.strip()):
        return 2
    wraps = (
        LEGAL_FORM.search(following) and not LEGAL_FORM.search(line.value) and not _POSTAL.search(following)
    )
    return 2 if wraps else 1


def party_from_block(lines: Sequence[BlockLine], rule: str, *, address: bool) -> list[Candidate]:
    index = _name_index(lines)
    if index is None:
        return []
    taken = _name_lines(lines, index)
    if not address:
        line = lines[index]
        raw = " ".join(item.value for item in lines[index : index + taken])
        name = raw.strip() if line.key is not None or taken > 1 else name_text(raw)
        if not name:
            return []
        prior = 1.1 if line.key in _NAME_KEYS else 1.0
        score = confidence.score(rule, prior=prior)
        return [Candidate(name, score, line.cell.ref.page, line.cell.bbox, raw, rule)]
    parts: list[str] = []
    for line in lines[index + taken : index + taken + 5]:
        if line.key is not None and line.key not in _ADDRESS_KEYS:
            break
        if line.value and not _NOT_A_NAME.search(line.value):
            parts.append(line.value)
    if not parts:
        return []
    text = " ".join(parts)
    cell = lines[index + taken].cell
    return [Candidate(text, confidence.score(rule, prior=0.85), cell.ref.page, cell.bbox, text, rule)]


def _labelled(doc: DocView, cells: Sequence[Cell], labels: tuple[str, ...], address: bool) -> list[Candidate]:
    found: list[Candidate] = []
    for index, rest in _document_party_labels(doc, cells, labels):
        if rest and not address and name_text(rest):
            cell = cells[index]
            score = confidence.score("label_right:party")
            found.append(
                Candidate(name_text(rest), score, cell.ref.page, cell.bbox, rest, "label_right:party")
            )
            continue
        found.extend(party_from_block(read_block(cells, index), "label_below:party", address=address))
    return found


def buyer_candidates(doc: DocView, *, address: bool) -> list[Candidate]:
    cells = cells_of(doc)
    found = _labelled(doc, cells, BUYER_LABELS, address)
    found.extend(_window_candidates(doc, cells, address))
    return found


def seller_candidates(doc: DocView, *, address: bool) -> list[Candidate]:
    cells = cells_of(doc)
    found = _labelled(doc, cells, SELLER_LABELS, address)
    legal = _legal_form_candidates(doc, cells)
    senders = _sender_line_candidates(doc, cells)
    if not address:
        return [*found, *legal, *senders, *_header_candidates(doc, cells)]
    for candidate in senders:
        parts = _sender_parts(candidate.text)[1:]
        text = " ".join(parts)
        found.append(
            Candidate(text, 0.8 * candidate.score, candidate.page, candidate.bbox, text, candidate.rule)
        )
    found.extend(_address_under_names(cells, legal))
    return found


def _address_under_names(cells: Sequence[Cell], names: Sequence[Candidate]) -> list[Candidate]:
    """The address printed under a company name: the lines of its block down to the postal-code line."""
    found: list[Candidate] = []
    by_box = {c.bbox: c for c in cells}
    for candidate in names:
        cell = by_box.get(candidate.bbox) if candidate.bbox else None
        if cell is None:
            continue
        block = [c.text for c in column_below(cells, cell, limit=4)]
        postal = [i for i, text in enumerate(block) if _POSTAL.search(text)]
        if postal and not any(_NOT_A_NAME.search(t) for t in block[: postal[-1] + 1]):
            text = " ".join(block[: postal[-1] + 1])
            found.append(
                Candidate(text, 0.85 * candidate.score, cell.ref.page, cell.bbox, text, candidate.rule)
            )
    return found


def _sender_parts(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s[·•|\-–]\s|,\s", text) if p.strip()]


def _is_sender_line(cell: Cell) -> bool:
    """The one-line return address printed above an envelope window (a line of its own, not the
    value of an "Address:" key)."""
    if cell.ref.words[0] is not cell.words[0] or ":" in _sender_parts(cell.text)[0]:
        return False  # the value of a key, or a keyed line ("Adres: Hoofdstraat 9, 1234 AB, Utrecht")
    return (
        len(_sender_parts(cell.text)) >= 3 and _POSTAL.search(cell.text) is not None and len(cell.text) < 140
    )


def _sender_line_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    """The small return-address line above the window: "Lieferant GmbH · Str. 20 · 80333 München".

    Found once per document: the seller's name and address both start from it."""
    cached: list[Candidate] | None = doc.memo.get("sender_lines")
    if cached is None:
        cached = _find_sender_lines(doc, cells)
        doc.memo["sender_lines"] = cached
    return list(cached)


def _find_sender_lines(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    found: list[Candidate] = []
    first_page = doc.lines[0].page if doc.lines else 1
    for cell in cells:
        if cell.ref.page != first_page or doc.relative_y(cell.ref) > 0.4 or len(cell.text) > 140:
            continue
        if _is_sender_line(cell):
            name = name_text(_sender_parts(cell.text)[0])
            if name:
                score = confidence.score("position:sender", prior=1.2)
                found.append(Candidate(name, score, cell.ref.page, cell.bbox, cell.text, "position:sender"))
    return found


def _excluded_cells(doc: DocView, cells: Sequence[Cell]) -> set[int]:
    """Cells that belong to the buyer (its labelled block, the address window)."""
    excluded: set[int] = set()
    for index, _rest in _document_party_labels(doc, cells, BUYER_LABELS):
        excluded.update(id(line.cell) for line in read_block(cells, index))
    excluded.update(id(c) for c in address_window(doc, cells))
    return excluded


def _legal_form_end(text: str, match: re.Match[str]) -> int:
    """Where a company name ends: after its legal form, and any that follow ("Pvt. Ltd.", "GmbH & Co. KG")."""
    end = match.end()
    for following in LEGAL_FORM.finditer(text, end):
        if re.fullmatch(r"[\s&.,]*", text[end : following.start()]):
            end = following.end()
        else:
            break
    return end


def _legal_form_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    """Cells naming a company with a legal form; the issuer's is the one in the letterhead or footer."""
    cached: list[Candidate] | None = doc.memo.get("legal_form_candidates")
    if cached is None:
        cached = _find_legal_form_candidates(doc, cells)
        doc.memo["legal_form_candidates"] = cached
    return list(cached)


def _find_legal_form_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    excluded = _excluded_cells(doc, cells)
    first_page = doc.lines[0].page if doc.lines else 1
    found: list[Candidate] = []
    for cell in cells:
        match = LEGAL_FORM.search(cell.text)
        if not match or id(cell) in excluded:
            continue
        end = _legal_form_end(cell.text, match)
        name = name_text(_sender_parts(cell.text[:end])[-1]) if _sender_parts(cell.text[:end]) else None
        if name is None or len(name) > 80 or len(name.split()) > 8:
            continue
        y = doc.relative_y(cell.ref)
        prior = 1.0 if y < 0.2 else 0.8 if y > 0.85 else 0.55
        prior *= 1.0 if cell.ref.page == first_page else 0.7
        score = confidence.score("position:legal", prior=prior)
        found.append(Candidate(name, score, cell.ref.page, cell.bbox, cell.text, "position:legal"))
    return found


_DELIVERY_LABELS = DELIVERY_LABELS


def _window_blocks(doc: DocView, cells: Sequence[Cell]) -> list[tuple[list[Cell], float]]:
    """Address blocks in the upper part of page 1 (2-7 lines ending with a postal-code line), with a
    weight: the left window is the usual recipient place, a right-hand block the French/Dutch one."""
    cached: list[tuple[list[Cell], float]] | None = doc.memo.get("window_blocks")
    if cached is None:
        cached = _find_window_blocks(doc, cells)
        doc.memo["window_blocks"] = cached
    return cached


def _find_window_blocks(doc: DocView, cells: Sequence[Cell]) -> list[tuple[list[Cell], float]]:
    first_page = doc.lines[0].page if doc.lines else 1
    width, _height = doc.page_sizes.get(first_page, (1.0, 1.0))
    blocks: list[tuple[list[Cell], float]] = []
    taken: set[int] = set()
    for cell in cells:
        if cell.ref.page != first_page or id(cell) in taken or not 0.09 < doc.relative_y(cell.ref) < 0.45:
            continue
        if _is_sender_line(cell):
            continue
        above = cell_above(cells, cell)
        if above is not None and not _is_sender_line(above):
            continue  # inside a block, or under a heading such as "Delivery address"
        block = [cell, *column_below(cells, cell, limit=6)]
        postal = [i for i, c in enumerate(block) if _POSTAL.search(c.text)]
        if _is_party_label(block[0].text.partition(":")[0], _ALL_PARTY_LABELS):
            continue  # a labelled block is read under its label
        if 2 <= len(block) <= 7 and postal and postal[0] >= 1 and name_text(block[0].text):
            taken.update(id(c) for c in block)
            blocks.append((block[: postal[-1] + 1], 1.0 if cell.bbox[0] < 0.5 * width else 0.8))
    return blocks


def address_window(doc: DocView, cells: Sequence[Cell]) -> list[Cell]:
    """The most likely recipient block on page 1 (see _window_blocks)."""
    blocks = _window_blocks(doc, cells)
    return max(blocks, key=lambda item: item[1])[0] if blocks else []


def _window_candidates(doc: DocView, cells: Sequence[Cell], address: bool) -> list[Candidate]:
    found: list[Candidate] = []
    seller_text = " ".join(c.text for c in _letterhead(doc, cells))
    for block, weight in _window_blocks(doc, cells):
        if len(block) < 2 or (seller_text and block[0].text in seller_text):
            continue
        found.extend(_window_candidate(block, weight, address))
    return found


def _window_candidate(block: list[Cell], weight: float, address: bool) -> list[Candidate]:
    rule = "position:window"
    if address:
        text = " ".join(c.text for c in block[1:])
        score = confidence.score(rule, prior=0.8 * weight)
        return [Candidate(text, score, block[1].ref.page, block[1].bbox, text, rule)]
    name = name_text(block[0].text)
    if name is None:
        return []
    return [
        Candidate(
            name, confidence.score(rule, prior=weight), block[0].ref.page, block[0].bbox, block[0].text, rule
        )
    ]


def _letterhead(doc: DocView, cells: Sequence[Cell]) -> list[Cell]:
    """Cells at the very top of page 1 (the seller's letterhead), to keep them out of buyer blocks."""
    first_page = doc.lines[0].page if doc.lines else 1
    return [c for c in cells if c.ref.page == first_page and doc.relative_y(c.ref) < 0.07]


_ALL_PARTY_LABELS = SELLER_LABELS + BUYER_LABELS + _DELIVERY_LABELS
_FIELD_LABELS = frozenset(compact(label) for labels in LABELS.values() for label in labels)

# Words that title a document or a block rather than name a party ("INVOICE", "Tax Invoice", "Factura").
_TITLE = re.compile(
    "^(?:" + words_pattern("title_qualifier") + r"\s+)?" + words_pattern("document_title") + r"\b", re.I
)
_CONTACT = re.compile(r"@|www\.|https?:|\+?\d[\d ()./-]{6,}\d")


def _header_name(cell: Cell) -> str | None:
    """The cell's text if it can be a party's name printed as a heading: words, not a title, a label, a
    date, an amount, a contact or an address line. A name key's value counts ("Company: ACME"), and so
    does the name before a registration number ("Francorp S.A.S. - 900178348-7")."""
    text = cell.text.strip(" :,-|")
    key, colon, value = text.partition(":")
    if colon and compact(key) in _NAME_KEYS:
        text = value.strip()
    parts = _sender_parts(text)
    if len(parts) > 1 and sum(ch.isdigit() for ch in parts[0]) <= 2:
        text = parts[0]
    if ":" in text or len(text) > 60 or len(text.split()) > 7 or _TITLE.match(text):
        return None
    if _CONTACT.search(text) or _POSTAL.search(text) or sum(ch.isdigit() for ch in text) > 2:
        return None
    return name_text(text)


def _header_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    """The issuer as the document's header: the topmost names on page 1, the more so when printed
    larger than the body text and heading an address block."""
    cached: list[Candidate] | None = doc.memo.get("header_candidates")
    if cached is None:
        cached = _find_header_candidates(doc, cells)
        doc.memo["header_candidates"] = cached
    return list(cached)


def _find_header_candidates(doc: DocView, cells: Sequence[Cell]) -> list[Candidate]:
    first_page = doc.lines[0].page if doc.lines else 1
    page_cells = [c for c in cells if c.ref.page == first_page]
    if not page_cells:
        return []
    heights = sorted(c.height for c in page_cells)
    body = heights[len(heights) // 2]
    excluded: set[int] = set()
    for index, _rest in _document_party_labels(doc, cells, BUYER_LABELS):  # found once, for the buyer too
        excluded.update(id(line.cell) for line in read_block(cells, index))
    top = sorted(
        (c for c in page_cells if doc.relative_y(c.ref) < 0.3 and id(c) not in excluded),
        key=lambda c: (round(c.bbox[1] / max(body, 1.0)), c.bbox[0]),
    )
    tallest = max((c.height for c in top), default=body)
    found: list[Candidate] = []
    for position, cell in enumerate(top):
        if position >= 14:
            break
        name = _header_name(cell)
        if name is None or _is_keyed(cells, cell) or _is_party_label(cell.text, _ALL_PARTY_LABELS):
            continue
        prior = 0.4 if found else 0.55
        if cell.height >= 1.25 * body:
            prior += 0.2 if cell.height >= 0.9 * tallest else 0.1
        if any(_POSTAL.search(c.text) for c in stack_below(cells, cell)):
            prior += 0.3
        if LEGAL_FORM.search(name):
            prior += 0.1
        score = confidence.score("header", prior=prior)
        found.append(Candidate(name, score, cell.ref.page, cell.bbox, cell.text, "header"))
    return sorted(found, key=lambda c: -c.score)[:1]  # the runners-up are the header's other lines


def _is_keyed(cells: Sequence[Cell], cell: Cell) -> bool:
    """Whether the cell is a key with its value right of it ("Numero de Orden  ES9812110233") or a
    value with its key left of it, or a known label of some field."""
    if compact(cell.text) in _FIELD_LABELS:
        return True
    after = cells[cell.order + 1] if cell.order + 1 < len(cells) else None
    if after is not None and after.ref is cell.ref and sum(ch.isdigit() for ch in after.text) >= 3:
        return True
    before = cells[cell.order - 1] if cell.order > 0 else None
    return before is not None and before.ref is cell.ref and before.text.rstrip().endswith(":")


def stack_below(cells: Sequence[Cell], start: Cell, limit: int = 5) -> list[Cell]:
    """The cells stacked under `start` (overlapping it horizontally, left-, right- or centre-aligned),
    down to the first blank line: the rest of a letterhead or address block."""
    block: list[Cell] = []
    previous = start
    for position in range(start.order + 1, len(cells)):
        cell = cells[position]
        if cell.ref.page != start.ref.page or len(block) >= limit:
            break
        if cell.bbox[1] <= previous.bbox[1] + 1:
            continue
        if cell.bbox[1] - previous.bbox[3] > 2.2 * max(previous.height, 1.0):
            break
        if cell.bbox[0] < start.bbox[2] and start.bbox[0] < cell.bbox[2]:
            block.append(cell)
            previous = cell
    return block
