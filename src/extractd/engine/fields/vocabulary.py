"""Label vocabulary for invoices (synonyms per Concept, party and currency labels), from the locale data.

The words live in `engine/locales/languages/<lang>.json`, one list per kind (`invoice_number`,
`grand_total`, `seller_label`...), spelled as printed; a new language's labels come with its file.
Matching is tolerant (labels.py): case, punctuation, spacing and one-letter OCR typos do not matter.
"""

from __future__ import annotations

import re

from extractd.engine.locales import all_languages
from extractd.engine.types import Concept


def labels_of(kind: str) -> tuple[str, ...]:
    """Every language's labels of one kind, in their own spelling, without repeats."""
    words = (label for data in all_languages().values() for label in data.get("words", {}).get(kind, ()))
    return tuple(dict.fromkeys(words))


def words_pattern(kind: str, *, whole: bool = False) -> str:
    """Every language's entries of one kind as a regex alternative, longest first: an entry matches as
    spelled (case aside), a space in it also matches no space (`credit note`, `creditnote`); `whole`:
    entries match whole words only, else anywhere (stems such as `liefer`, `zakázk`)."""
    entries = sorted(labels_of(kind), key=lambda e: (-len(e), e))
    body = "|".join(r"\s?".join(map(re.escape, entry.split())) for entry in entries)
    return rf"\b(?:{body})\b" if whole else f"(?:{body})"


LABELS: dict[Concept, tuple[str, ...]] = {
    Concept.INVOICE_NUMBER: labels_of("invoice_number"),
    Concept.ISSUE_DATE: labels_of("issue_date"),
    Concept.DUE_DATE: labels_of("due_date"),
    Concept.GRAND_TOTAL: labels_of("grand_total"),
    Concept.NET_TOTAL: labels_of("net_total"),
    Concept.TAX_TOTAL: labels_of("tax_total"),
    Concept.PURCHASE_ORDER: labels_of("purchase_order"),
    Concept.SELLER_TAX_ID: labels_of("seller_tax_id"),
    Concept.PAYMENT_METHOD: labels_of("payment_method"),
}
# Short generic labels that are also ordinary words: a hit on them is weaker evidence.
WEAK_LABELS = labels_of("weak_label")
CURRENCY_LABELS = labels_of("currency_label")
# Labels of the blocks naming the parties: the issuer, the addressee, the delivery address.
SELLER_LABELS = labels_of("seller_label")
BUYER_LABELS = labels_of("buyer_label")
DELIVERY_LABELS = labels_of("delivery_label")
