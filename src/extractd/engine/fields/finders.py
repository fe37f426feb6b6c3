"""Finders: where a concept's candidates come from, behind one protocol.

A finder turns a document into candidates for one concept. Invoice finders give evidence scores that
`confidence.rank` combines and `confidence.recalibrate` maps to measured probabilities; receipt
finders give calibrated, exclusive probabilities already. `choose_finders` is the one place that
decides which finders read a document, in order: the first that finds candidates for a concept wins.
"""

from __future__ import annotations

import re
from typing import Protocol

from extractd.domain.templates import Template
from extractd.engine.fields.concepts import words_of
from extractd.engine.fields.document import DocView
from extractd.engine.fields.invoice import invoice_candidates
from extractd.engine.fields.receipt import RECEIPT_CONCEPTS, find_receipt_field
from extractd.engine.locales import fold, letters_of, vocabulary, vocabulary_letters
from extractd.engine.types import Candidate, Concept

# Templates that ask for invoices read every document as one, even if it looks like a till slip.
_INVOICE_WORDS = re.compile(r"invoice|rechnung|facture|factuur|credit note|gutschrift|avoir", re.I)
# A page with this many till words (cashier, change, cash, ... in any language) reads as a receipt.
_MIN_TILL_WORDS = 3


class Finder(Protocol):
    """Candidates for one concept of one document, best first."""

    name: str
    calibrated: bool  # True: scores are probabilities already; False: evidence for rank + recalibrate

    def candidates(self, concept: Concept, doc: DocView) -> list[Candidate]: ...


class InvoiceFinder:
    name = "invoice"
    calibrated = False

    def candidates(self, concept: Concept, doc: DocView) -> list[Candidate]:
        return invoice_candidates(concept, doc)


class ReceiptFinder:
    name = "receipt"
    calibrated = True

    def candidates(self, concept: Concept, doc: DocView) -> list[Candidate]:
        if concept not in RECEIPT_CONCEPTS:
            return []
        return find_receipt_field(concept, doc)


def is_receipt(template: Template, doc: DocView) -> bool:
    """Whether to read the document as a till receipt: the template says so, or the page looks like one."""
    about = words_of(template.name) + " " + template.description
    folded = " ".join(re.findall(r"\w+", fold(about)))
    if any(re.search(rf"\b{re.escape(word)}\b", folded) for word in vocabulary("receipt")):
        return True
    if _INVOICE_WORDS.search(about):
        return False  # the user asked for invoices: read it as one even if it looks like a till slip
    if len(doc.pages) != 1:
        return False
    till = vocabulary_letters("till")
    hits = sum(1 for ref in doc.lines for word in till if word in letters_of(ref.text))
    return hits >= _MIN_TILL_WORDS


def choose_finders(template: Template, doc: DocView) -> tuple[Finder, ...]:
    """The finders that read this document, in the order they are asked."""
    if is_receipt(template, doc):
        return (ReceiptFinder(), InvoiceFinder())
    return (InvoiceFinder(),)
